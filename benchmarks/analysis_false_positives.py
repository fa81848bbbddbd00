"""How often the analysis flags a school that the demo did not plant (issue 5).

For each seed: build the demo municipality in-process, run the analysis, compare the
findings that correspond to planted cases (low results, resilient, non-objective) with the
ground truth. Prints, per seed, what was found and missed, and in total the false-positive
rate: unplanted schools flagged with any of those findings, over all unplanted schools.
The risk zone and ШНСУ are bands by definition (the next decile, the lowest quartile) and
are reported separately.

    MSOKO_DATA_DIR=/tmp/msoko-bench uv run python benchmarks/analysis_false_positives.py [N] [FIRST]
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

CASE_FINDINGS = ("low_results", "resilient", "non_objective")


def evaluate(seed: int) -> dict[str, Any]:
    from msoko.analysis import engine
    from msoko.demo.generator import build_demo
    from msoko.registry.models import Territory

    demo = build_demo(seed)
    truth = demo.ground_truth_data
    started = time.perf_counter()
    report = engine.run(Territory.objects.get(code=truth["municipality"]))
    seconds = time.perf_counter() - started
    planted = {(p["org_code"], p["case"]) for p in truth["planted"]}
    planted_codes = {code for code, _ in planted}
    found = {(f["code"], f["finding"]) for f in report["findings"] if f["finding"] in CASE_FINDINGS}
    unplanted = [c for c in truth["schools"] if c not in planted_codes]
    false = sorted(
        {code for code, _ in found if code not in planted_codes}
        | {code for code, case in found if code in planted_codes and (code, case) not in planted}
    )
    risk = sorted(
        {f["code"] for f in report["findings"] if f["finding"] == "risk_zone"} - planted_codes
    )
    return {
        "seed": seed,
        "seconds": round(seconds, 2),
        "found": sorted(planted & found),
        "missed": sorted(planted - found),
        "false": false,
        "false_findings": sorted(f for f in found if f not in planted),
        "unplanted": len(unplanted),
        "risk_zone_unplanted": risk,
    }


def main(n: int = 20, first: int = 1) -> dict[str, Any]:
    rows = [evaluate(seed) for seed in range(first, first + n)]
    unplanted = sum(r["unplanted"] for r in rows)
    false = sum(len(r["false"]) for r in rows)
    planted = sum(len(r["found"]) + len(r["missed"]) for r in rows)
    found = sum(len(r["found"]) for r in rows)
    return {
        "rows": rows,
        "planted": planted,
        "found": found,
        "unplanted": unplanted,
        "false_positives": false,
        "rate": false / unplanted if unplanted else 0.0,
        "risk_zone_rate": sum(len(r["risk_zone_unplanted"]) for r in rows) / unplanted
        if unplanted
        else 0.0,
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, run_syncdb=True)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    result = main(n, first)
    for r in result["rows"]:
        print(
            f"seed {r['seed']:>3}: найдено {len(r['found'])}/3, пропущено {r['missed'] or '—'}, "
            f"ложные {r['false_findings'] or '—'}, зона риска (не заложены) "
            f"{len(r['risk_zone_unplanted'])}, анализ {r['seconds']} с"
        )
    print(
        f"Заложенных случаев найдено: {result['found']} из {result['planted']}; "
        f"ложных срабатываний: {result['false_positives']} из {result['unplanted']} "
        f"незаложенных школ = {100 * result['rate']:.1f} %"
    )
    print(
        f"(для сведения: незаложенные школы в зоне риска — {100 * result['risk_zone_rate']:.1f} %)"
    )
