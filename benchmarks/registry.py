"""Benchmark of the registry import: 10,000 organisations from a CSV (upserted by code).

    uv run python benchmarks/registry.py [--orgs 10000] [--municipalities 50]

Runs in a data folder of its own (a temporary one unless MSOKO_DATA_DIR is set; SQLite
there unless DATABASE_URL says otherwise). Measures, in the same run:

* the baseline: reading the same CSV with the csv module (every row, every column);
* territories: a region and its municipalities from a file;
* the first load of the organisations (all new: one lookup, bulk inserts);
* the same file again (all unchanged: compared, nothing written but the batch);
* a file with a tenth of the names changed (bulk update with the rows before);
* the rollback of that change (restored in bulk).

Prints a table (seconds, rows/s, peak memory, ratio to the baseline), then as its last line
one JSON object with ``registry_10k_s`` (the first load).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEAD = ["Муниципалитет", "Код", "ОГРН", "ИНН", "Полное наименование", "Вид", "Тип местности",
        "Малокомплектная"]


def _rss_mib() -> float:
    """This process's own peak RSS: VmHWM (ru_maxrss of a child started by fork and exec, as
    benchmarks/intake.py starts this script, also counts the parent's memory at the fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_territories(path: Path, municipalities: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Регион", "Код региона", "Муниципалитет", "Код"])
        for m in range(municipalities):
            w.writerow(["Бенчмаркская область", "BR", f"Муниципальный район № {m}", f"BR-{m:03d}"])


def write_orgs(path: Path, orgs: int, municipalities: int, *, renamed_every: int = 0) -> None:
    kinds = ["общеобразовательная организация", "детский сад", "УДО"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEAD)
        for i in range(orgs):
            suffix = " (новое наименование)" if renamed_every and i % renamed_every == 0 else ""
            w.writerow([
                f"Муниципальный район № {i % municipalities}", f"ОО-{i:05d}", f"1{i:012d}",
                f"7{i:09d}",
                f"Муниципальное бюджетное общеобразовательное учреждение «Средняя "
                f"общеобразовательная школа № {i}»{suffix}",
                kinds[i % 3], "сельская" if i % 4 == 0 else "городская", "да" if i % 10 == 0 else "нет",
            ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--municipalities", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("MSOKO_DATA_DIR", tempfile.mkdtemp(prefix="msoko-registry-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from msoko.intake.pipeline import rollback, run_import
    from msoko.registry.models import Organisation

    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="msoko-registry-files-"))
    terr, orgs, renamed = work / "territories.csv", work / "orgs.csv", work / "orgs_renamed.csv"
    write_territories(terr, args.municipalities)
    write_orgs(orgs, args.orgs, args.municipalities)
    write_orgs(renamed, args.orgs, args.municipalities, renamed_every=10)

    # Baseline in the same run: the csv module reading the same file, every cell touched.
    t0 = time.perf_counter()
    with orgs.open(encoding="utf-8", newline="") as fh:
        base_rows = sum(1 for r in csv.DictReader(fh, delimiter=";") if all(v is not None for v in r.values()))
    base_s = time.perf_counter() - t0
    assert base_rows == args.orgs

    rows: list[tuple[str, int, float, float]] = []

    def timed(label: str, fn: object, n: int) -> object:
        t = time.perf_counter()
        out = fn()  # type: ignore[operator]
        rows.append((label, n, time.perf_counter() - t, _rss_mib()))
        return out

    rt = timed("территории", lambda: run_import(terr, kind="territories"), args.municipalities + 1)
    first = timed("организации: все новые", lambda: run_import(orgs, kind="organisations"), args.orgs)
    again = timed("тот же файл: без изменений", lambda: run_import(orgs, kind="organisations"), args.orgs)
    change = timed("каждое 10-е переименовано", lambda: run_import(renamed, kind="organisations"), args.orgs)
    for r in (rt, first, again, change):
        if not r.ok:  # type: ignore[attr-defined]
            print("\n".join(str(p) for p in r.problems.errors[:20]))  # type: ignore[attr-defined]
            return 1
    timed("отмена переименования", lambda: rollback(change.batch_id), args.orgs // 10)  # type: ignore[attr-defined]
    s1, s2, s3 = first.registry, again.registry, change.registry  # type: ignore[attr-defined]
    assert s1 is not None and (s1.new, s1.changed, s1.unchanged) == (args.orgs, 0, 0)
    assert s2 is not None and (s2.new, s2.changed, s2.unchanged) == (0, 0, args.orgs)
    expected_changed = len(range(0, args.orgs, 10))
    assert s3 is not None and s3.changed == expected_changed and s3.unchanged == args.orgs - expected_changed
    assert Organisation.objects.count() == args.orgs
    assert not Organisation.objects.filter(full_name__endswith="(новое наименование)").exists()

    print(f"{'этап':34} {'строк':>7} {'с':>8} {'строк/с':>9} {'пик, МиБ':>9} {'к базе':>7}")
    print(f"{'csv.DictReader (база)':34} {base_rows:>7} {base_s:>8.3f} {base_rows / base_s:>9.0f} {'':>9} {1:>7.1f}")
    for label, n, sec, rss in rows:
        print(f"{label:34} {n:>7} {sec:>8.3f} {n / sec:>9.0f} {rss:>9.1f} {sec / base_s:>7.1f}")
    by = {label: sec for label, _, sec, _ in rows}
    report = {
        "registry_orgs": args.orgs,
        "registry_10k_s": round(by["организации: все новые"], 3),
        "registry_rows_per_s": round(args.orgs / by["организации: все новые"]),
        "registry_unchanged_s": round(by["тот же файл: без изменений"], 3),
        "registry_update_tenth_s": round(by["каждое 10-е переименовано"], 3),
        "registry_rollback_tenth_s": round(by["отмена переименования"], 3),
        "registry_territories_s": round(by["территории"], 3),
        "registry_baseline_dictreader_s": round(base_s, 4),
        "registry_ratio_to_dictreader": round(by["организации: все новые"] / base_s, 1),
        "registry_peak_rss_mib": round(_rss_mib(), 1),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
