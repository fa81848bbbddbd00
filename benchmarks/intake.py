"""Benchmark of the intake pipeline: 1,000,000 ВПР task-score rows from CSV (long form,
validated and stored), an XLSX of 100,000 rows (wide form: one column per task), and an
XLSX of 1,000,000 rows imported in a child process to measure its peak memory, and the
registry: 10,000 organisations from a file (``benchmarks/registry.py``, run as a child).

    uv run python benchmarks/intake.py [--rows 1000000] [--xlsx-rows 100000] [--xlsx-big-rows 1000000] [--registry-orgs 10000]

Runs in a data folder of its own (a temporary one unless MSOKO_DATA_DIR is set; the child
uses another temporary one). The big XLSX is written once, Excel-like (shared strings, cell
references) by a streaming writer, and kept in the system's temporary folder
(msoko-bench-cache/) for later runs. Prints a table, then as its last line one JSON object
(csv_rows, csv_rows_per_s, xlsx_rows, xlsx_s, peak_rss_mib, xlsx_1m_rows, xlsx_1m_s,
xlsx_1m_peak_rss_mib, registry_10k_s, baseline figures and the ratio to them).
``--xlsx-big-rows 0`` skips the big file, ``--registry-orgs 0`` the registry.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TASKS = 10
SCHOOLS = 100


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _own_peak_mib() -> float:
    """This process's own peak RSS. In a child started by fork and exec, ru_maxrss counts
    the parent's memory at the fork as well (Linux carries it over exec); VmHWM is of the
    child's own address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _rss_mib()


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


def _col_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def write_big_xlsx(path: Path, rows: int) -> None:
    """The wide ВПР sheet as Excel writes it (shared strings, cell references), streamed into
    the zip row block by row block, so a million rows are written in bounded memory."""
    headers = ["Код ОО", "Код участника", "Предмет", "Класс", *[str(t) for t in range(1, TASKS + 1)],
               "Первичный балл"]
    fixed = [*headers, *[f"S{i:03d}" for i in range(SCHOOLS)], "Математика", "5А"]
    base = len(fixed)
    letters = [_col_letter(i) for i in range(len(headers))]
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                   "</Types>")
        z.writestr("_rels/.rels", head + f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                   f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", head + f'<workbook {ns} xmlns:r="{rel}"><sheets>'
                   '<sheet name="Данные" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", head + f'<Relationships xmlns="{pkg}">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                   f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(f'{head}<sst {ns} count="{base + rows}" uniqueCount="{base + rows}">'.encode())
            fh.write("".join(f"<si><t>{s}</t></si>" for s in fixed).encode())
            for lo in range(0, rows, 10_000):
                fh.write("".join(f"<si><t>X{i:07d}</t></si>" for i in range(lo, min(lo + 10_000, rows))).encode())
            fh.write(b"</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f"{head}<worksheet {ns}><sheetData>".encode())
            fh.write(('<row r="1">' + "".join(f'<c r="{letters[j]}1" t="s"><v>{j}</v></c>'
                                             for j in range(len(headers))) + "</row>").encode())
            subject, klass = base - 2, base - 1
            out = []
            for i in range(rows):
                r = i + 2
                scores = [((i * 2654435761 + t * 40503) >> 7) % 3 for t in range(TASKS)]
                cells = [f'<c r="A{r}" t="s"><v>{len(headers) + i % SCHOOLS}</v></c><c r="B{r}" t="s"><v>{base + i}</v></c>'
                         f'<c r="C{r}" t="s"><v>{subject}</v></c><c r="D{r}" t="s"><v>{klass}</v></c>']
                cells += [f'<c r="{letters[4 + t]}{r}"><v>{s}</v></c>' for t, s in enumerate(scores)]
                cells.append(f'<c r="{letters[4 + TASKS]}{r}"><v>{sum(scores)}</v></c>')
                out.append(f'<row r="{r}">{"".join(cells)}</row>')
                if len(out) >= 10_000:
                    fh.write("".join(out).encode())
                    out = []
            fh.write("".join(out).encode())
            fh.write(b"</sheetData></worksheet>")
    tmp.replace(path)


def _setup() -> None:
    """A migrated data folder with the benchmark's municipality, schools and ВПР task specs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from msoko.facts.models import Assessment, Procedure, TaskSpec
    from msoko.facts.reference import ensure_reference_data
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


def child_import(path: Path) -> int:
    """In a child process with a data folder of its own: import ``path``, print one JSON line
    with its rows, seconds and this process's peak RSS."""
    os.environ["MSOKO_DATA_DIR"] = tempfile.mkdtemp(prefix="msoko-intake-bench-big-")
    _setup()
    from msoko.intake.pipeline import run_import

    rss_before = _own_peak_mib()
    t0 = time.perf_counter()
    r = run_import(path, kind="vpr", year=2024)
    seconds = time.perf_counter() - t0
    if not r.ok:
        print("\n".join(str(p) for p in r.problems.errors[:20]), file=sys.stderr)
        return 1
    print(json.dumps({"rows": r.rows, "s": round(seconds, 1), "peak_rss_mib": round(_own_peak_mib(), 1),
                      "rss_before_import_mib": round(rss_before, 1)}))
    return 0


def big_xlsx(rows: int) -> dict[str, float]:
    """Write (or reuse) the big XLSX and import it in a child process; its figures."""
    cache = Path(tempfile.gettempdir()) / "msoko-bench-cache"
    cache.mkdir(exist_ok=True)
    path = cache / f"vpr_wide_{rows}.xlsx"
    t0 = time.perf_counter()
    if not path.exists():
        write_big_xlsx(path, rows)
    gen_s = time.perf_counter() - t0
    env = {k: v for k, v in os.environ.items() if k != "MSOKO_DATA_DIR"}
    done = subprocess.run([sys.executable, __file__, "--child-import", str(path)], env=env,  # noqa: S603 - this script, our file
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"big XLSX import failed:\n{done.stderr[-3000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "xlsx_1m_rows": child["rows"],
        "xlsx_1m_file_mib": round(path.stat().st_size / (1 << 20), 1),
        "xlsx_1m_s": child["s"],
        "xlsx_1m_peak_rss_mib": child["peak_rss_mib"],
        "xlsx_1m_rss_before_import_mib": child["rss_before_import_mib"],
        "xlsx_1m_generate_s": round(gen_s, 1),
    }


def registry(orgs: int) -> dict[str, float]:
    """``benchmarks/registry.py`` in a child process with a data folder of its own; its
    first load (all new organisations) and its peak memory."""
    env = {k: v for k, v in os.environ.items() if k != "MSOKO_DATA_DIR"}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "registry.py"),  # noqa: S603 - our script
                           "--orgs", str(orgs)], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"registry benchmark failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    return {"registry_orgs": child["registry_orgs"], "registry_10k_s": child["registry_10k_s"],
            "registry_rows_per_s": child["registry_rows_per_s"],
            "registry_peak_rss_mib": child["registry_peak_rss_mib"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--xlsx-big-rows", type=int, default=1_000_000)
    parser.add_argument("--registry-orgs", type=int, default=10_000)
    parser.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        return child_import(args.child_import)
    os.environ.setdefault("MSOKO_DATA_DIR", tempfile.mkdtemp(prefix="msoko-intake-bench-"))
    _setup()
    import pyarrow.csv as pacsv

    from msoko.intake.pipeline import run_import

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
    big = big_xlsx(args.xlsx_big_rows) if args.xlsx_big_rows > 0 else {}
    reg = registry(args.registry_orgs) if args.registry_orgs > 0 else {}
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
        **big,
        **reg,
        "cpus": os.cpu_count(),
    }
    print(f"{'measure':32} value")
    for k, v in report.items():
        print(f"{k:32} {v}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
