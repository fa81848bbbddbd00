"""Benchmark of the intake pipeline: 1,000,000 ВПР task-score rows from CSV (long form,
validated and stored) and an XLSX of 100,000 rows (wide form: one column per task).

    uv run python benchmarks/intake.py [--rows 1000000] [--xlsx-rows 100000]

Runs in a data folder of its own (a temporary one unless MSOKO_DATA_DIR is set). Prints a
table, then as its last line one JSON object (csv_rows, csv_rows_per_s, xlsx_rows, xlsx_s,
peak_rss_mib, baseline figures and the ratio to them).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TASKS = 10
SCHOOLS = 100


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_long_csv(path: Path, rows: int) -> None:
    """Task scores, one row per student and task, written in blocks (bounded memory)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(1)
    students = rows // TASKS
    block = 100_000 // TASKS
    opts = pacsv.WriteOptions(delimiter=";", quoting_style="none")
    with pacsv.CSVWriter(path, pa.schema([(n, pa.string()) for n in (
        "Код ОО", "Код участника", "Предмет", "Класс", "Номер задания", "Балл за задание")]),
        write_options=opts) as writer:
        for lo in range(0, students, block):
            ids = np.arange(lo, min(lo + block, students))
            sid = np.repeat(ids, TASKS)
            task = np.tile(np.arange(1, TASKS + 1), len(ids))
            score = rng.integers(0, 3, len(sid))
            writer.write_table(pa.table({
                "Код ОО": pa.array([f"S{i % SCHOOLS:03d}" for i in sid.tolist()]),
                "Код участника": pa.array([f"{i:07d}" for i in sid.tolist()]),
                "Предмет": pa.array(["Математика"] * len(sid)),
                "Класс": pa.array(["5А"] * len(sid)),
                "Номер задания": pa.array([str(t) for t in task.tolist()]),
                "Балл за задание": pa.array([str(s) for s in score.tolist()]),
            }))


def write_wide_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Данные")
    ws.append(["Код ОО", "Код участника", "Предмет", "Класс", *[str(t) for t in range(1, TASKS + 1)],
               "Первичный балл"])
    for i in range(rows):
        scores = [(i * 7 + t) % 3 for t in range(TASKS)]
        ws.append([f"S{i % SCHOOLS:03d}", f"X{i:07d}", "Математика", "5А", *scores, sum(scores)])
    wb.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("MSOKO_DATA_DIR", tempfile.mkdtemp(prefix="msoko-intake-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    import django

    django.setup()
    import pyarrow.csv as pacsv
    from django.core.management import call_command

    from msoko.facts.models import Assessment, Procedure, TaskSpec
    from msoko.facts.reference import ensure_reference_data
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import AcademicYear, Organisation, Subject, Territory

    call_command("migrate", verbosity=0)
    year, _ = AcademicYear.objects.get_or_create(
        start_year=2024, defaults={"starts_on": datetime.date(2024, 9, 1), "ends_on": datetime.date(2025, 8, 31), "is_current": True})
    ensure_reference_data([year])
    mun, _ = Territory.objects.get_or_create(code="BENCH", defaults={"kind": "municipality", "name": "Бенчмарк"})
    for i in range(SCHOOLS):
        Organisation.objects.get_or_create(code=f"S{i:03d}", defaults={"territory": mun, "short_name": f"Школа {i}", "full_name": f"Школа {i}"})
    a, _ = Assessment.objects.get_or_create(procedure=Procedure.objects.get(code="VPR"), subject=Subject.objects.get(code="math"), grade=5, year=year)
    for t in range(1, TASKS + 1):
        TaskSpec.objects.get_or_create(assessment=a, number=str(t), defaults={"position": t, "max_score": 2, "level": "basic"})

    work = Path(tempfile.mkdtemp(prefix="msoko-intake-files-"))
    csv_path = work / "vpr_long.csv"
    xlsx_path = work / "vpr_wide.xlsx"
    t0 = time.perf_counter()
    write_long_csv(csv_path, args.rows)
    write_wide_xlsx(xlsx_path, args.xlsx_rows)
    gen_s = time.perf_counter() - t0
    rss_before = _rss_mib()

    # Baselines in the same run: a plain pyarrow read (no validation, nothing stored) and a
    # naive csv.DictReader loop over the same file.
    t0 = time.perf_counter()
    base_rows = pacsv.read_csv(csv_path, parse_options=pacsv.ParseOptions(delimiter=";")).num_rows
    base_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with csv_path.open(encoding="utf-8", newline="") as fh:
        naive = sum(1 for r in csv.DictReader(fh, delimiter=";") if float(r["Балл за задание"]) >= 0)
    naive_s = time.perf_counter() - t0
    assert naive == base_rows

    t0 = time.perf_counter()
    r = run_import(csv_path, kind="vpr", year=2024)
    csv_s = time.perf_counter() - t0
    if not r.ok:
        print("\n".join(str(p) for p in r.problems.errors[:20]))
        return 1
    t0 = time.perf_counter()
    rx = run_import(xlsx_path, kind="vpr", year=2024)
    xlsx_s = time.perf_counter() - t0
    if not rx.ok:
        print("\n".join(str(p) for p in rx.problems.errors[:20]))
        return 1
    peak = _rss_mib()
    report = {
        "csv_rows": r.rows,
        "csv_s": round(csv_s, 3),
        "csv_rows_per_s": round(r.rows / csv_s),
        "csv_students": r.students,
        "baseline_pyarrow_read_s": round(base_s, 3),
        "baseline_pyarrow_rows_per_s": round(base_rows / base_s),
        "baseline_dictreader_s": round(naive_s, 3),
        "baseline_dictreader_rows_per_s": round(naive / naive_s),
        "ratio_to_pyarrow_read": round(csv_s / base_s, 2),
        "speedup_over_dictreader": round(naive_s / csv_s, 2),
        "xlsx_rows": rx.rows,
        "xlsx_s": round(xlsx_s, 3),
        "xlsx_rows_per_s": round(rx.rows / xlsx_s),
        "peak_rss_mib": round(peak, 1),
        "rss_before_imports_mib": round(rss_before, 1),
        "generate_files_s": round(gen_s, 1),
        "cpus": os.cpu_count(),
    }
    print(f"{'measure':32} value")
    for k, v in report.items():
        print(f"{k:32} {v}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
