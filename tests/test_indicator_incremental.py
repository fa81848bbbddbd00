"""Recomputation after one school's batch gives exactly what a full computation gives.

The hand-made facts, forms and entered values of the oracle tests (two municipalities, three
schools) are computed in full; then school A1 sends a new ВПР batch. The recomputation the
batch triggers must touch only A1's municipality and the territories — and afterwards every
stored value, at every level, must equal a full computation from scratch on the same data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from msoko.facts.schema import TABLES
from tests.test_indicator_catalog_oracle import YEAR

KEYS = ["indicator", "level", "org_id", "territory_id", "year", "subject", "grade", "task"]
ENGINE_CATALOG = Path(__file__).parent / "indicators_data" / "engine_catalog.yaml"
# derived indicators over one indicator a ВПР batch changes and one it does not
MIXED_CATALOG = """
catalog: incremental_check
name: Проверка пересчёта по пакету
source: тесты msoko
indicators:
  - code: ic.vpr_results
    name: ВПР, результаты
    unit: count
    direction: none
    formula: {kind: count, table: student_results, where: {procedure: VPR}}
  - code: ic.oge_results
    name: ОГЭ, результаты
    unit: count
    direction: none
    formula: {kind: count, table: student_results, where: {procedure: OGE}}
  - code: ic.vpr_per_oge
    name: Результатов ВПР на один результат ОГЭ
    unit: number
    direction: none
    formula: {kind: ratio, of: [ic.vpr_results, ic.oge_results]}
  - code: ic.vpr_minus_oge
    name: Разность результатов ВПР и ОГЭ
    unit: number
    direction: none
    formula: {kind: difference, of: [ic.vpr_results, ic.oge_results]}
  - code: ic.share_with_vpr
    name: Доля ОО с результатами ВПР
    unit: percent
    direction: higher
    levels: [municipality, region]
    formula: {kind: org_share, of: ic.vpr_results}
"""


def _stored() -> pd.DataFrame:
    from msoko.indicators import values

    df = values.read(org_ids=None, territory_ids=None).drop(columns=["run_id"])
    for col in ("subject", "task", "batches", "source"):
        df[col] = df[col].astype("object").fillna("")
    for col in ("org_id", "territory_id", "grade"):
        df[col] = pd.to_numeric(df[col]).fillna(-1).astype("int64")
    return df.sort_values(KEYS).reset_index(drop=True)


def _new_batch_of_school_a(world: Any) -> int:
    """A1's second ВПР file: grade 5 mathematics, four more pupils (marks 2, 3, 5, 5)."""
    from msoko.facts.store import open_batch

    pk = world.school_a.pk
    pupils = [("inc1", 2, 3.0), ("inc2", 3, 7.0), ("inc3", 5, 15.0), ("inc4", 5, 14.0)]
    results = [
        {"org_id": pk, "year": YEAR, "procedure": "VPR", "subject": "math", "grade": 5,
         "student": s, "mark": mark, "primary_score": primary, "journal_mark": 4}
        for s, mark, primary in pupils
    ]
    tasks = [
        {"org_id": pk, "year": YEAR, "procedure": "VPR", "subject": "math", "grade": 5,
         "student": s, "task": task, "score": min(float(mark >= 4) + (task == "1"), 1.0)}
        for s, mark, _ in pupils
        for task in ("1", "2")
    ]
    with open_batch(kind="vpr", source="tests", scope=[pk]) as writer:
        for table, rows in (("student_results", results), ("task_scores", tasks)):
            schema = pa.schema([f for f in TABLES[table] if f.name != "batch_id"])
            writer.write(table, pa.Table.from_pylist(rows, schema=schema))
        return int(writer.batch.pk)


@pytest.mark.django_db
def test_one_schools_batch_recomputes_only_its_parts_and_equals_a_full_run(world: Any) -> None:
    from msoko.indicators.catalog import load_text, sync_builtin
    from msoko.indicators.compute import compute, recompute_after_batch
    from msoko.indicators.models import ValueFile
    from tests.test_indicator_catalog_gia_vpr import seed_gia_vpr
    from tests.test_indicator_catalog_lrs import seed_lrs

    sync_builtin()
    load_text(ENGINE_CATALOG.read_text(encoding="utf-8"), file_name=ENGINE_CATALOG.name)
    load_text(MIXED_CATALOG, file_name="incremental_check.yaml")
    seed_gia_vpr(world)
    seed_lrs(world)
    first = compute(years=[YEAR]).run
    before = _stored()
    far_before = before[before["org_id"] == world.school_far.pk]

    result = recompute_after_batch(_new_batch_of_school_a(world))
    assert result is not None
    assert result.run.org_ids == [world.school_a.pk]  # an incremental run, not a full one
    written = set(ValueFile.objects.filter(run=result.run).values_list("part", flat=True))
    assert written == {"territories", f"schools-{world.municipality.pk}"}
    incremental = _stored()
    # ОГЭ indicators read none of the new (ВПР) facts: their rows of the rewritten parts are
    # carried over from the first run, not recomputed; ВПР indicators are recomputed
    from msoko.indicators import values

    runs = values.read(org_ids=None, territory_ids=[world.municipality.pk], levels=["municipality"])
    oge = runs[runs["indicator"].str.startswith("oge.")]
    vpr = runs[runs["indicator"].str.startswith("vpr.")]
    assert len(oge) and set(oge["run_id"]) == {first.pk}
    assert len(vpr) and set(vpr["run_id"]) == {result.run.pk}

    # the far school's municipality was not rewritten: its rows are the very same
    pd.testing.assert_frame_equal(
        incremental[incremental["org_id"] == world.school_far.pk].reset_index(drop=True),
        far_before.reset_index(drop=True),
    )
    # A1's ВПР participants in grade 5 mathematics grew by the four new pupils

    def participants(frame: pd.DataFrame) -> float:
        rows = frame[(frame["indicator"] == "vpr.participants") & (frame["org_id"] == world.school_a.pk)
                     & (frame["subject"] == "math") & (frame["grade"] == 5)]
        return float(rows["value"].sum())

    assert participants(before) > 0
    assert participants(incremental) == participants(before) + 4

    compute(years=[YEAR])
    full = _stored()
    assert len(incremental) == len(full) > 100
    # the derived indicators over a changed and an unchanged indicator exist at every level
    mixed = full[full["indicator"].isin(["ic.vpr_per_oge", "ic.vpr_minus_oge", "ic.share_with_vpr"])]
    assert set(mixed["level"]) == {"school", "municipality", "region"}
    pd.testing.assert_frame_equal(
        incremental.drop(columns=["value", "numerator", "denominator", "n"]),
        full.drop(columns=["value", "numerator", "denominator", "n"]),
    )
    for col in ("value", "numerator", "denominator", "n"):
        a = incremental[col].to_numpy(dtype="float64", na_value=np.nan)
        b = full[col].to_numpy(dtype="float64", na_value=np.nan)
        assert np.array_equal(np.isnan(a), np.isnan(b)), col
        ok = ~np.isnan(a)
        assert np.allclose(a[ok], b[ok], rtol=0, atol=1e-9), col
    # and the new batch changed something that the full run agrees with
    changed = incremental.merge(before, on=KEYS, how="left", suffixes=("", "_before"))
    assert (changed["value"] != changed["value_before"]).any()


@pytest.mark.django_db
def test_a_school_moved_to_another_municipality_makes_the_next_run_full(world: Any) -> None:
    """School A1's rows sit in its municipality's part and in its municipality's sums. When
    A1 moves to the neighbouring municipality, the recomputation its next batch triggers
    cannot patch two parts in place: it runs in full, so that A1's rows move to the new
    municipality's part, the old municipality's sums lose it, and nothing is counted
    twice — exactly what a full run from scratch stores."""
    from msoko.access.audit import DANGEROUS_unaudited
    from msoko.indicators import values
    from msoko.indicators.catalog import load_text
    from msoko.indicators.compute import compute, recompute_after_batch
    from tests.test_indicator_catalog_gia_vpr import seed_gia_vpr

    load_text(MIXED_CATALOG, file_name="incremental_check.yaml")
    seed_gia_vpr(world)
    compute(years=[YEAR])
    before = _stored()
    a, old, new = world.school_a.pk, world.municipality.pk, world.other_municipality.pk

    def vpr_results(frame: pd.DataFrame, level: str, entity: int) -> float:
        column = "org_id" if level == "school" else "territory_id"
        rows = frame[(frame["indicator"] == "ic.vpr_results") & (frame["level"] == level) & (frame[column] == entity)]
        return float(rows["value"].sum())

    a_before = vpr_results(before, "school", a)
    old_before, new_before = vpr_results(before, "municipality", old), vpr_results(before, "municipality", new)
    assert a_before > 0 and old_before > a_before  # the old municipality counts A1 and others

    with DANGEROUS_unaudited():
        world.school_a.territory = world.other_municipality
        world.school_a.save()
    result = recompute_after_batch(_new_batch_of_school_a(world))
    assert result is not None
    assert result.run.org_ids == []  # a full run, not one over A1's parts
    moved = _stored()
    a_rows = moved[(moved["level"] == "school") & (moved["org_id"] == a)]
    assert len(a_rows) and set(a_rows["territory_id"]) == {new}
    assert len(moved[(moved["level"] == "school")].drop_duplicates(KEYS)) == len(moved[moved["level"] == "school"])
    # A1's four new pupils are counted once, in the new municipality; the old one lost A1
    assert vpr_results(moved, "school", a) == a_before + 4
    assert vpr_results(moved, "municipality", old) == old_before - a_before
    assert vpr_results(moved, "municipality", new) == new_before + a_before + 4
    # a read scoped to A1 finds its rows in the new municipality's part
    scoped = values.read(org_ids=[a], territory_ids=[], indicators=["ic.vpr_results"], levels=["school"])
    assert float(scoped["value"].sum()) == a_before + 4

    compute(years=[YEAR])
    pd.testing.assert_frame_equal(moved, _stored())


@pytest.mark.django_db(transaction=True)  # a job closes the connection, as the worker does
def test_moving_a_school_queues_a_full_recomputation(world: Any) -> None:
    """An administrator moves school A1 to the neighbouring municipality: one background
    recomputation is queued in her name (a second change before it starts adds none, a
    change of the name adds none); it runs in full and places A1's rows in the new
    municipality's part, where a read scoped to A1 finds them."""
    from msoko.access.audit import acting_as
    from msoko.access.models import User
    from msoko.indicators import registry_watch, values
    from msoko.indicators.catalog import load_text
    from msoko.indicators.compute import compute
    from msoko.indicators.models import ComputationRun
    from msoko.jobs.models import Job
    from msoko.jobs.queue import execute
    from tests.test_indicator_catalog_gia_vpr import seed_gia_vpr

    load_text(MIXED_CATALOG, file_name="incremental_check.yaml")
    seed_gia_vpr(world)
    compute(years=[YEAR])
    a = world.school_a
    a_rows = values.read(org_ids=[a.pk], territory_ids=[], indicators=["ic.vpr_results"], levels=["school"])
    assert len(a_rows) and set(a_rows["territory_id"]) == {world.municipality.pk}
    admin = User.objects.create_superuser("root", password="x")  # noqa: S106 - a test password
    with acting_as(admin):
        a.short_name = "МБОУ СОШ № 1 (новое имя)"
        a.save()
    assert not Job.objects.filter(title=registry_watch.TITLE).exists()
    with acting_as(admin):
        a.territory = world.other_municipality
        a.save()
        world.school_b.territory = world.other_municipality
        world.school_b.save()
    job = Job.objects.get(title=registry_watch.TITLE)
    assert job.status == Job.Status.QUEUED and job.created_by == admin
    # until it runs, a read scoped to A1's new municipality does not find A1's rows
    assert values.read(org_ids=[a.pk], territory_ids=[], indicators=["ic.vpr_results"], levels=["school"]).empty
    execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    run = ComputationRun.objects.latest("pk")
    assert run.trigger == "registry" and run.org_ids == [] and run.started_by == admin
    moved = values.read(org_ids=[a.pk], territory_ids=[], indicators=["ic.vpr_results"], levels=["school"])
    assert set(moved["territory_id"]) == {world.other_municipality.pk}
    assert sorted(moved["value"]) == sorted(a_rows["value"])
