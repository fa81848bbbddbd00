"""The real file: Moscow ЕГЭ results per school, 2015/16 (data.mos.ru, dataset 9722)."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "moscow_ege_2015_16.csv"
if not DATA.exists():
    DATA = Path("/work/shared/data/moscow_ege_2015_16.csv")


def _independent_shares() -> dict[str, float]:
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    return {
        r["OGRN"]: int(r["PASSES_OVER_220"]) / int(r["PASSED_NUMBER_FULL"])
        for r in rows
        if int(r["PASSED_NUMBER_FULL"]) > 0
    }


@pytest.mark.django_db
def test_moscow_ege_file_imports_as_school_aggregates(world: Any) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.facts.store import OrgScope, scan
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import AcademicYear, Organisation, Territory

    # Given the Moscow schools in the registry, keyed by OGRN, and the year 2015/16
    moscow = Territory.objects.create(kind="municipality", name="Москва", code="MSK", parent=world.region)
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    Organisation.objects.bulk_create(
        Organisation(territory=moscow, short_name=r["EDU_NAME"][:250], full_name=r["EDU_NAME"],
                     code=f"MSK{r['ID']}", ogrn=r["OGRN"])
        for r in rows
    )
    AcademicYear.objects.create(start_year=2015, starts_on=datetime.date(2015, 9, 1), ends_on=datetime.date(2016, 8, 31))

    # When it is imported with the shipped mapping
    result = run_import(DATA, kind="aggregates", procedure="EGE", year=2015, mapping="moscow_ege_2015")

    # Then the mapping the user sees says what PASSER_UNDER_160 means
    assert result.ok, [str(p) for p in result.problems.errors]
    assert ("PASSER_UNDER_160", "160 и более баллов") in result.mapping
    assert result.rows == len(rows)
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert batch.kind == "aggregates" and batch.procedure.code == "EGE" and batch.year.start_year == 2015
    assert len(batch.scope) == len({r["OGRN"] for r in rows})

    # And the share of 220+ per school equals the independent computation
    ids = dict(Organisation.objects.filter(territory=moscow).values_list("pk", "ogrn"))
    t = scan("school_aggregates", scope=OrgScope.of(ids)).to_pyarrow().to_pylist()
    by: dict[tuple[int, str], float] = {(r["org_id"], r["measure"]): r["value"] for r in t}
    assert {r["measure"] for r in t} == {"sat", "count_220_plus", "count_160_plus"}
    expected = _independent_shares()
    got = {
        ids[org]: by[(org, "count_220_plus")] / by[(org, "sat")]
        for (org, measure) in by
        if measure == "sat" and by[(org, "sat")] > 0
    }
    assert got.keys() == expected.keys()
    for ogrn, share in expected.items():
        assert got[ogrn] == pytest.approx(share)
    # 160+ is never below 220+ (the misleading name is mapped, not inverted)
    assert all(by[(o, "count_160_plus")] >= by[(o, "count_220_plus")] for o, m in by if m == "sat")


@pytest.mark.django_db
def test_moscow_file_without_the_mapping_asks_for_columns(world: Any) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import run_import

    result = run_import(DATA, kind="aggregates", procedure="EGE", year=2024)
    assert not result.ok
    assert not ImportBatch.objects.exists()
