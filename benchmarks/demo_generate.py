"""Benchmark of the demo generator: wall time by stage, peak memory, rows and files.

    MSOKO_DATA_DIR=/tmp/msoko-region uv run python benchmarks/demo_generate.py --size region

Run it with a data folder of its own (``MSOKO_DATA_DIR``): it replaces the demo there. The
figures go to stdout and to ``benchmarks/out/demo_generate-<size>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["municipality", "region"], default="municipality")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if "MSOKO_DATA_DIR" not in os.environ:
        parser.error("set MSOKO_DATA_DIR to a data folder of its own (the demo there is replaced)")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from msoko.demo.generator import build_demo
    from msoko.facts.models import FactFile

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    result = build_demo(args.seed, args.size, progress=print)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    root = Path(settings.FACT_STORE_DIR)
    files = list(FactFile.objects.values_list("path", flat=True))
    report = {
        "size": args.size,
        "seed": args.seed,
        "seconds": round(seconds, 1),
        "stages_seconds": result.timings,
        "peak_rss_mib": round(peak_mib),
        "registry": result.counts,
        "fact_rows": result.fact_rows,
        "fact_files": len(files),
        "fact_bytes": sum((root / p).stat().st_size for p in files),
        "cpus": os.cpu_count(),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"demo_generate-{args.size}.json").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
