"""Benchmark of bounded uploads: the peak memory of ``msoko import --dry-run`` on a book over
the unpacked-size limit (refused from the zip's directory) and on one just under it (read).

    uv run python benchmarks/upload_memory.py [--limit-mb 400] [--over-mb 600] [--under 0.95]

Scaled to run in minutes: the child runs with ``MSOKO_MAX_UNPACKED_MB=--limit-mb`` (the
installation default is 1536). In a temporary folder it writes

* an XLSX of highly compressible content (one row repeated, Excel-like cell references) that
  unpacks to ``--over-mb`` MB;
* the wide ВПР book of benchmarks/intake.py with as many rows as unpack to ``--under`` × the
  limit;

then, each in a child process with a fresh data folder (SQLite), runs the ``import`` command
(``vpr --year 2024 --dry-run``) and reports the child's own peak RSS (VmHWM). Prints a table,
then as its last line one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import intake  # noqa: E402 - benchmarks/intake.py: the Excel-like writer and the data folder setup

BYTES_PER_ROW = 465  # the wide ВПР book's unpacked bytes per row (40,000 rows: 18.6 MB)


def write_compressible(path: Path, unpacked_mb: int) -> None:
    """A book whose sheet is one row of 15 cells repeated (references change) until it
    unpacks to ``unpacked_mb`` MB: it packs about 50 times."""
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    target = unpacked_mb << 20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   "</Types>")
        z.writestr("_rels/.rels", head + f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                   f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", head + f'<workbook {ns} xmlns:r="{rel}"><sheets>'
                   '<sheet name="Данные" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", head + f'<Relationships xmlns="{pkg}">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            written = fh.write(f"{head}<worksheet {ns}><sheetData>".encode())
            r = 1
            while written < target:
                block = "".join(
                    f'<row r="{i}">' + "".join(f'<c r="{c}{i}"><v>1</v></c>' for c in "ABCDEFGHIJKLMNO") + "</row>"
                    for i in range(r, r + 10_000)
                ).encode()
                written += fh.write(block)
                r += 10_000
            fh.write(b"</sheetData></worksheet>")


def unpacked_mib(path: Path) -> float:
    with zipfile.ZipFile(path) as z:
        return sum(i.file_size for i in z.infolist()) / (1 << 20)


def child_import(path: Path) -> int:
    """In this (child) process: the ``import`` command on ``path`` as ``msoko import`` runs
    it; one JSON line with the outcome, seconds and this process's own peak RSS."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    intake._setup()
    t0 = time.perf_counter()
    err = io.StringIO()
    try:
        call_command("import", "vpr", str(path), "--year", "2024", "--dry-run", stdout=err, stderr=err)
        outcome = "read"
    except CommandError as exc:
        outcome = "refused" if "при пределе" in err.getvalue() else f"errors ({exc})"
    sys.stderr.write(err.getvalue())
    print(json.dumps({"outcome": outcome, "s": round(time.perf_counter() - t0, 1),
                      "peak_rss_mib": round(intake._own_peak_mib(), 1)}))
    return 0


def run_child(path: Path, limit_mb: int) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(MSOKO_DATA_DIR=tempfile.mkdtemp(prefix="msoko-upload-mem-"), MSOKO_MAX_UNPACKED_MB=str(limit_mb),
               DJANGO_SETTINGS_MODULE="msoko.settings")
    env["MSOKO_QUEUE_FILE"] = str(Path(env["MSOKO_DATA_DIR"]) / "queue.sqlite3")
    done = subprocess.run([sys.executable, __file__, "--child-import", str(path)], env=env,  # noqa: S603 - this script
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    out: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    out["messages"] = [line for line in done.stderr.splitlines() if "МБ" in line or "Проверка" in line][:3]
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit-mb", type=int, default=400)
    parser.add_argument("--over-mb", type=int, default=600)
    parser.add_argument("--under", type=float, default=0.95)
    parser.add_argument("--child-import")
    args = parser.parse_args()
    if args.child_import:
        return child_import(Path(args.child_import))

    work = Path(tempfile.mkdtemp(prefix="msoko-upload-mem-files-"))
    over, under = work / "compressible.xlsx", work / "vpr_under_limit.xlsx"
    t0 = time.perf_counter()
    write_compressible(over, args.over_mb)
    rows = int(args.under * args.limit_mb * (1 << 20) / BYTES_PER_ROW)
    intake.write_big_xlsx(under, rows)
    while unpacked_mib(under) > args.limit_mb:  # the estimate was high: trim by 2 %
        rows = int(rows * 0.98)
        intake.write_big_xlsx(under, rows)
    gen_s = time.perf_counter() - t0

    figures = {}
    for name, path in (("over", over), ("under", under)):
        child = run_child(path, args.limit_mb)
        figures[name] = {
            "file_mib": round(path.stat().st_size / (1 << 20), 1),
            "unpacked_mib": round(unpacked_mib(path), 1),
            **child,
        }
    print(f"limit MSOKO_MAX_UNPACKED_MB={args.limit_mb}; files written in {gen_s:.0f} s ({work})")
    print(f"{'file':<8}{'packed MiB':>12}{'unpacked MiB':>14}{'peak RSS MiB':>14}{'s':>8}  outcome")
    for name, f in figures.items():
        print(f"{name:<8}{f['file_mib']:>12}{f['unpacked_mib']:>14}{f['peak_rss_mib']:>14}{f['s']:>8}  {str(f['outcome'])[:90]}")
    for f in figures.values():
        for m in f.pop("messages"):  # type: ignore[attr-defined]
            print("  ", m[:200])
    for p in (over, under):
        p.unlink()
    print(json.dumps({
        "limit_mb": args.limit_mb, "under_rows": rows,
        **{f"{n}_{k}": v for n, f in figures.items() for k, v in f.items() if k != "outcome"},
        "over_refused": figures["over"]["outcome"] == "refused",
        "under_read": figures["under"]["outcome"] == "read",
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
