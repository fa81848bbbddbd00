"""A real authority's first week, end to end, as a new user does it on the command line.

From an empty data folder and the embedded default (SQLite, no demo): set up, create the
technical administrator, load the territories and the schools from files, generate the
school accounts, load the public Moscow ЕГЭ file with its preset, compute, and read the
pooled shares with ``msoko values``. Every step is a real ``msoko`` process; the expected
figures come from the csv module, not from msoko.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "moscow_ege_2015_16.csv"
if not DATA.exists():
    DATA = Path("/work/shared/data/moscow_ege_2015_16.csv")
TERRITORIES = ROOT / "docs" / "user" / "examples" / "moscow_territories.csv"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the first week runs on the embedded default (SQLite in the data folder): SQLite pass",
)


def _msoko(data_dir: Path, *args: str, ok: bool = True, stdout_only: bool = False) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(MSOKO_DATA_DIR=str(data_dir), MSOKO_QUEUE_FILE=str(data_dir / "queue.sqlite3"),
               DJANGO_SUPERUSER_PASSWORD="Первая-неделя-2026", PYTHONUNBUFFERED="1")
    done = subprocess.run([sys.executable, "-m", "msoko", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    if ok:
        assert done.returncode == 0, f"msoko {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout if stdout_only else done.stdout + done.stderr


def _expected() -> tuple[dict[str, dict[str, int]], dict[str, int], list[dict[str, str]]]:
    """Σ participants, Σ 220+, Σ 160+ per okrug and for the city, with the csv module."""
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    okrugs: dict[str, dict[str, int]] = defaultdict(lambda: {"sat": 0, "220": 0, "160": 0})
    for r in rows:
        o = okrugs[r["AdmArea"]]
        o["sat"] += int(r["PASSED_NUMBER_FULL"])
        o["220"] += int(r["PASSES_OVER_220"])
        o["160"] += int(r["PASSER_UNDER_160"])  # despite its name: 160 points or more
    city = {k: sum(o[k] for o in okrugs.values()) for k in ("sat", "220", "160")}
    return dict(okrugs), city, rows


def test_first_week_from_an_empty_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    okrugs, city, rows = _expected()
    with TERRITORIES.open(encoding="utf-8") as fh:
        territory_codes = {r["Наименование"]: r["Код"] for r in csv.DictReader(fh, delimiter=";")}

    # An empty installation is ready: reference data, then the technical administrator.
    out = _msoko(data, "setup")
    assert "createsuperuser" in out
    _msoko(data, "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.org")

    # The region and its okrugs as municipalities, then the 626 schools, from files.
    out = _msoko(data, "import", "territories", str(TERRITORIES), "--user", "admin")
    assert "Загружено" in out, out
    out = _msoko(data, "import", "organisations", str(DATA), "--mapping", "moscow_orgs_2015",
                 "--user", "admin")
    assert "Загружено" in out, out
    db = sqlite3.connect(data / "msoko.sqlite3")
    placed = dict(db.execute(
        "SELECT o.ogrn, t.name FROM registry_organisation o JOIN registry_territory t "
        "ON t.id = o.territory_id").fetchall())
    assert placed == {r["OGRN"]: r["AdmArea"] for r in rows}

    # Loading the same list again changes nothing and duplicates nothing.
    out = _msoko(data, "import", "organisations", str(DATA), "--mapping", "moscow_orgs_2015",
                 "--user", "admin", "--dry-run")
    assert db.execute("SELECT COUNT(*) FROM registry_organisation").fetchone() == (len(rows),)
    assert "626" in out and "без изменений" in out.lower(), out

    # Accounts for the schools of one okrug, handed out as an XLSX to the one who made them.
    zel = "Зеленоградский административный округ"
    logins = tmp_path / "logins.xlsx"
    _msoko(data, "accounts", "schools", "--territory", territory_codes[zel], "--out", str(logins))
    sheet = load_workbook(logins, read_only=True).worksheets[0]
    table = [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]
    zel_codes = {r["ID"] for r in rows if r["AdmArea"] == zel}
    assert {str(r[0]) for r in table} == zel_codes
    assert all(r[2] and r[3] and len(str(r[3])) >= 12 for r in table)
    accounts = db.execute(
        "SELECT u.username, u.must_change_password, o.code FROM access_user u "
        "JOIN registry_organisation o ON o.id = u.organisation_id WHERE u.role = 'school_admin'"
    ).fetchall()
    assert {(a[0], a[2]) for a in accounts} == {(str(r[2]), str(r[0])) for r in table}
    assert all(a[1] for a in accounts)  # a password change is forced at first login
    audit = "\n".join(str(c) for (c,) in db.execute("SELECT changes FROM access_auditlog"))
    assert audit and not any(str(r[3]) in audit for r in table)  # no one-time password is logged

    # The results file with its shipped preset, for a year the registry does not have yet.
    out = _msoko(data, "import", "aggregates", str(DATA), "--procedure", "EGE", "--year", "2015",
                 "--mapping", "moscow_ege_2015", ok=False)
    assert "--create-year" in out and "2015/2016" in out
    out = _msoko(data, "import", "aggregates", str(DATA), "--procedure", "EGE", "--year", "2015",
                 "--mapping", "moscow_ege_2015", "--create-year", "--user", "admin")
    assert "Загружено" in out, out
    _msoko(data, "compute", "--catalog", "aggregates", "--year", "2015")

    # The pooled shares per okrug and for the city, as the pages show them, none hidden.
    for code, key in (("agg.ege.share_220_plus", "220"), ("agg.ege.share_160_plus", "160")):
        got: list[dict[str, Any]] = json.loads(_msoko(
            data, "values", "--indicator", code, "--year", "2015", "--format", "json",
            "--user", "admin", stdout_only=True))
        by_level: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in got:
            by_level[row["level"]].append(row)
        (region,) = by_level["region"]
        assert region["year"] == "2015/2016" and not region["suppressed"]
        assert (region["numerator"], region["denominator"]) == (city[key], city["sat"])
        assert region["value"] == pytest.approx(100 * city[key] / city["sat"])
        municipalities = {r["name"]: r for r in by_level["municipality"]}
        assert municipalities.keys() == okrugs.keys()
        for name, sums in okrugs.items():
            row = municipalities[name]
            assert not row["suppressed"], name
            assert (row["numerator"], row["denominator"]) == (sums[key], sums["sat"]), name
            assert row["value"] == pytest.approx(100 * sums[key] / sums["sat"]), name
        assert len(by_level["school"]) == sum(1 for r in rows if int(r["PASSED_NUMBER_FULL"]) > 0)
