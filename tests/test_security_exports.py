"""No export carries a live formula (issue 13, item 4).

Every user-controlled text that reaches an export — an organisation's and a territory's
name, an indicator's name (methodologists edit them), a roadmap's title, sections and
measures, a user's name — is given a malicious value; every export is produced through its
real URL or function, and its bytes are read back: the sheet XML has no ``<f>`` element,
openpyxl sees no formula cell, and every cell whose text begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is a string cell with Excel's quote-prefix flag (what Excel
stores for a text typed with a leading apostrophe). The payload itself must be found in
each export — otherwise the test would prove nothing. A guard greps ``msoko/`` for any
workbook not made by ``SafeWorkbook``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from msoko.exports_safe import SafeWorkbook, csv_text, is_risky
from tests.conftest import client_for
from tests.test_indicator_pages import load_and_compute

pytestmark = pytest.mark.django_db

DDE = "=cmd|' /C calc'!A0"
PAYLOADS = [DDE, "+SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "\r=1+1"]
ROOT = Path(__file__).resolve().parent.parent


def inert(content: bytes) -> list[str]:
    """Check a workbook's bytes; return the risky texts found (each proven inert)."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode()
                assert not re.search(r"<f[ >/]", xml), f"{name} holds a formula"
    book = openpyxl.load_workbook(io.BytesIO(content))
    risky: list[str] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if is_risky(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate)
                    risky.append(cell.value)
    return risky


def poison_registry(world: Any) -> None:
    """Organisations, territories and a user's name as an attacker with edit rights sets them."""
    world.municipality.name = DDE
    world.municipality.save()
    a = world.school_a
    a.short_name, a.full_name = PAYLOADS[1], DDE
    a.address, a.website, a.advanced_profile = PAYLOADS[2], PAYLOADS[3], PAYLOADS[4]
    a.save()
    world.bob.first_name, world.bob.last_name = DDE, DDE
    world.bob.save()


def test_the_helper_keeps_numbers_and_neutralises_texts() -> None:
    wb = SafeWorkbook()
    ws = wb.active
    assert ws is not None
    ws.append([-5, -2.5, 0, "-5", "- провести семинар", "+7 912 000-00-00", "обычный текст", *PAYLOADS])
    found = inert(wb.to_bytes())
    assert found == ["-5", "- провести семинар", "+7 912 000-00-00", *PAYLOADS]
    values = next(openpyxl.load_workbook(io.BytesIO(wb.to_bytes())).active.iter_rows())
    # negative numbers stay numbers; texts come back exactly as written (no visible apostrophe)
    assert [(c.value, c.data_type) for c in values[:3]] == [(-5, "n"), (-2.5, "n"), (0, "n")]
    assert values[7].value == DDE and values[6].quotePrefix is False
    assert [csv_text(t) for t in ("=1", "-x", "a=1", "")] == ["'=1", "'-x", "a=1", ""]


def test_organisation_list_and_results_exports(facts: Any) -> None:
    poison_registry(facts)
    client = client_for(facts.bob)
    listing = client.get(reverse("organisation_list_export"))
    assert listing.status_code == 200
    found = inert(listing.content)
    assert {DDE, *PAYLOADS[1:5]} <= set(found)
    results = client.get(reverse("organisation_results_export", args=[facts.school_a.pk]))
    assert results.status_code == 200
    assert DDE in inert(results.content)  # the full name on the context line


def test_indicator_catalog_export(facts: Any) -> None:
    from msoko.indicators.models import IndicatorDefinition

    computed = load_and_compute(facts)
    poison_registry(computed)
    IndicatorDefinition.objects.filter(catalog__code="tpages").update(
        name=DDE, data_source=PAYLOADS[3], collection_method=PAYLOADS[2]
    )
    url = reverse("indicators:export_xlsx", args=["tpages"])
    school = client_for(computed.bob).get(url, {"org": computed.school_a.pk, "year": 2024})
    assert school.status_code == 200
    found = inert(school.content)
    assert DDE in found and PAYLOADS[3] in found and PAYLOADS[2] in found
    area = client_for(computed.bob).get(url, {"territory": computed.municipality.pk, "year": 2024})
    assert area.status_code == 200
    assert DDE in inert(area.content)


def test_analysis_export(facts: Any) -> None:
    # the report is cached before the names change: a renamed school must not be served
    # from the cache under its old name (the fingerprint covers names)
    assert client_for(facts.bob).get(reverse("analysis:export_xlsx")).status_code == 200
    poison_registry(facts)
    response = client_for(facts.bob).get(reverse("analysis:export_xlsx"))
    assert response.status_code == 200
    found = inert(response.content)
    assert PAYLOADS[1] in found  # school A's short name on the «Школы» sheet


def test_roadmap_export_and_its_round_trip(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.models import Measure, Roadmap
    from msoko.cycle.roadmap_io import parse_file

    rm = Roadmap.objects.create(territory=world.municipality, title=DDE, year_from=2024, year_to=2024,
                                approved_by="обычный текст")
    texts = [DDE, "- провести семинар", PAYLOADS[3], "обычное мероприятие"]
    for k, text in enumerate(texts, start=1):
        Measure.objects.create(roadmap=rm, order=k, number=f"{k}.", content=text, section=PAYLOADS[1],
                               deadline_text="до 01.03.2025", responsible=PAYLOADS[2])
    response = client_for(world.bob).get(reverse("cycle:roadmap_xlsx", args=[rm.pk]))
    assert response.status_code == 200
    found = inert(response.content)
    assert {texts[0], texts[1], texts[2], PAYLOADS[1], PAYLOADS[2]} <= set(found)
    assert any(t.startswith(DDE) for t in found)  # the title row
    # reading the export back gives the same measures, word for word
    path = tmp_path / "roadmap.xlsx"
    path.write_bytes(response.content)
    parsed = parse_file(path)
    assert not parsed.errors, parsed.problems
    assert [m.values["content"] for m in parsed.measures] == texts
    assert {m.values["responsible"] for m in parsed.measures} == {PAYLOADS[2]}


def test_school_accounts_sheet(world: Any, tmp_path: Path) -> None:
    from msoko.registry.models import Organisation

    Organisation.objects.create(territory=world.municipality, short_name=DDE, full_name=DDE, code="N7")
    out = tmp_path / "accounts.xlsx"
    call_command("accounts", "schools", "--territory", "M1", "--out", str(out), stdout=io.StringIO())
    assert DDE in inert(out.read_bytes())


def test_intake_templates(tmp_path: Path) -> None:
    from msoko.intake.kinds import KINDS
    from msoko.intake.templates import write_template

    for code in KINDS:
        inert(write_template(code, tmp_path / f"{code}.xlsx").read_bytes())


def test_values_csv(facts: Any) -> None:
    computed = load_and_compute(facts)
    poison_registry(computed)
    out = io.StringIO()
    call_command("values", "--catalog", "tpages", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    names = {r["name"] for r in rows}
    assert "'" + DDE in names and "'" + PAYLOADS[1] in names  # the municipality, school A
    assert not any(is_risky(v) for r in rows for k, v in r.items() if k not in NUMERIC)
    numbers = [r["change"] for r in rows if r["change"]]
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", v) for v in numbers)


NUMERIC = {"year", "grade", "value", "numerator", "denominator", "n", "norm", "change", "change_same_schools", "same_schools"}


def test_every_workbook_goes_through_the_helper() -> None:
    """A guard: a new ``Workbook(`` anywhere in msoko/ fails here until it uses SafeWorkbook."""
    offenders = []
    for path in sorted((ROOT / "msoko").rglob("*.py")):
        if path.name == "exports_safe.py":
            continue
        text = path.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), start=1):
            if re.search(r"(?<!Safe)Workbook\(|openpyxl\.Workbook\b|from openpyxl import .*\bWorkbook\b", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
    writers = [p for p in (ROOT / "msoko").rglob("*.py") if "SafeWorkbook(" in p.read_text(encoding="utf-8")]
    assert len(writers) >= 6  # the six writers of issue 13 (more may come)
