"""Oracle test of the catalog ``aggregates`` (15_aggregates.yaml): indicators over school
aggregates, pooled by participants, every figure worked out by hand below.

The traps: B2 has no «160 и более» at all (its participants must leave the municipality's
denominator too: M1's share is 9/20, not 9/24); F9's ЕГЭ mean score is an empty value (a row
with no value is missing, not 0); F9 has no «5» on ОГЭ, so its share of «4» and «5» is
missing while its share of «2» (no such measure either) is missing too; F9's ВПР has a real 0.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_indicator_catalog_oracle import YEAR, Expect, check, compute_values, write_facts

E = Expect

# (school, procedure, subject, grade, {measure: value}); None is a value left empty
AGGREGATES: list[tuple[str, str, str | None, int | None, dict[str, float | None]]] = [
    ("A1", "EGE", None, 11, {"sat": 20, "count_220_plus": 3, "count_160_plus": 9}),
    ("B2", "EGE", None, 11, {"sat": 4, "count_220_plus": 1}),
    ("F9", "EGE", None, 11, {"sat": 30, "count_220_plus": 0, "count_160_plus": 6}),
    ("A1", "EGE", "ru", 11, {"sat": 20, "mean_score": 70, "count_below_threshold": 1}),
    ("B2", "EGE", "ru", 11, {"sat": 4, "mean_score": 50, "count_below_threshold": 2}),
    ("F9", "EGE", "ru", 11, {"sat": 30, "mean_score": None, "count_below_threshold": 0}),
    ("A1", "EGE", "math_base", 11, {"sat": 10, "count_mark_2": 1}),
    ("A1", "OGE", "math", 9, {"sat": 10, "count_mark_2": 2, "count_mark_3": 3, "count_mark_4": 4,
                               "count_mark_5": 1, "mean_score": 15}),
    ("B2", "OGE", "math", 9, {"sat": 3, "count_mark_2": 0, "count_mark_3": 1, "count_mark_4": 1,
                               "count_mark_5": 1, "mean_score": 12}),
    ("F9", "OGE", "math", 9, {"sat": 8, "count_mark_4": 2, "mean_score": 14}),
    ("A1", "VPR", "ru", 5, {"sat": 25, "count_mark_2": 5}),
    ("B2", "VPR", "ru", 5, {"sat": 2, "count_mark_2": 1}),
    ("F9", "VPR", "ru", 5, {"sat": 15, "count_mark_2": 0}),
]


def seed_aggregates(world: Any, *, year: int = YEAR, rows: list[Any] | None = None) -> None:
    pk = {"A1": world.school_a.pk, "B2": world.school_b.pk, "F9": world.school_far.pk}
    write_facts(
        "school_aggregates",
        [
            {"org_id": pk[school], "year": year, "procedure": procedure, "subject": subject,
             "grade": grade, "measure": measure, "value": None if value is None else float(value)}
            for school, procedure, subject, grade, measures in (rows or AGGREGATES)
            for measure, value in measures.items()
        ],
        kind="aggregates",
    )


CASES: list[Expect] = [
    # ---- 220+: A1 3/20, B2 1/4; M1 (3+1)/(20+4); F9 0/30; R1 4/54
    E("agg.ege.share_220_plus", "A1", 15.0, numerator=3, denominator=20),
    E("agg.ege.share_220_plus", "B2", 25.0),
    E("agg.ege.share_220_plus", "M1", 100 * 4 / 24, numerator=4, denominator=24),
    E("agg.ege.share_220_plus", "F9", 0.0, numerator=0, denominator=30),
    E("agg.ege.share_220_plus", "M2", 0.0),
    E("agg.ege.share_220_plus", "R1", 100 * 4 / 54, numerator=4, denominator=54),
    # ---- 160+: B2 has no such measure → missing, and out of M1's denominator
    E("agg.ege.share_160_plus", "A1", 45.0),
    E("agg.ege.share_160_plus", "B2", None),
    E("agg.ege.share_160_plus", "M1", 45.0, numerator=9, denominator=20),
    E("agg.ege.share_160_plus", "F9", 20.0),
    E("agg.ege.share_160_plus", "M2", 20.0),
    E("agg.ege.share_160_plus", "R1", 30.0, numerator=15, denominator=50),
    # ---- mean ЕГЭ score, ru, weighted: M1 (70·20 + 50·4)/24; F9's mean is empty
    E("agg.ege.mean_score", "A1", 70.0, "ru"),
    E("agg.ege.mean_score", "B2", 50.0, "ru"),
    E("agg.ege.mean_score", "M1", (70 * 20 + 50 * 4) / 24, "ru", numerator=1600, denominator=24),
    E("agg.ege.mean_score", "F9", None, "ru"),
    E("agg.ege.mean_score", "M2", None, "ru"),
    E("agg.ege.mean_score", "R1", 1600 / 24, "ru"),
    # ---- below the minimum threshold, ru: M1 3/24; F9 a real 0 of 30; R1 3/54
    E("agg.ege.share_below_min", "A1", 5.0, "ru"),
    E("agg.ege.share_below_min", "B2", 50.0, "ru"),
    E("agg.ege.share_below_min", "M1", 12.5, "ru"),
    E("agg.ege.share_below_min", "F9", 0.0, "ru"),
    E("agg.ege.share_below_min", "M2", 0.0, "ru"),
    E("agg.ege.share_below_min", "R1", 100 * 3 / 54, "ru"),
    # ---- «2» on base maths ЕГЭ: only A1
    E("agg.ege.share_mark2", "A1", 10.0, "math_base"),
    E("agg.ege.share_mark2", "B2", None, "math_base"),
    E("agg.ege.share_mark2", "M1", 10.0, "math_base"),
    E("agg.ege.share_mark2", "M2", None, "math_base"),
    # ---- ОГЭ maths «2»: A1 2/10, B2 0/3, M1 2/13; F9 has no «2» measure
    E("agg.oge.share_mark2", "A1", 20.0, "math"),
    E("agg.oge.share_mark2", "B2", 0.0, "math"),
    E("agg.oge.share_mark2", "M1", 100 * 2 / 13, "math", numerator=2, denominator=13),
    E("agg.oge.share_mark2", "F9", None, "math"),
    E("agg.oge.share_mark2", "M2", None, "math"),
    E("agg.oge.share_mark2", "R1", 100 * 2 / 13, "math"),
    # ---- ОГЭ maths «4»+«5»: A1 5/10, B2 2/3, M1 7/13; F9 lacks «5» → missing
    E("agg.oge.share_mark45", "A1", 50.0, "math"),
    E("agg.oge.share_mark45", "B2", 100 * 2 / 3, "math"),
    E("agg.oge.share_mark45", "M1", 100 * 7 / 13, "math", numerator=7, denominator=13),
    E("agg.oge.share_mark45", "F9", None, "math"),
    E("agg.oge.share_mark45", "M2", None, "math"),
    E("agg.oge.share_mark45", "R1", 100 * 7 / 13, "math"),
    # ---- ОГЭ maths mean, weighted: M1 (15·10 + 12·3)/13; R1 (186 + 14·8)/21
    E("agg.oge.mean_score", "A1", 15.0, "math"),
    E("agg.oge.mean_score", "B2", 12.0, "math"),
    E("agg.oge.mean_score", "M1", 186 / 13, "math", numerator=186, denominator=13),
    E("agg.oge.mean_score", "F9", 14.0, "math"),
    E("agg.oge.mean_score", "M2", 14.0, "math"),
    E("agg.oge.mean_score", "R1", 298 / 21, "math"),
    # ---- ВПР ru 5 «2»: A1 5/25, B2 1/2, M1 6/27, F9 0/15, R1 6/42
    E("agg.vpr.share_mark2", "A1", 20.0, "ru", 5),
    E("agg.vpr.share_mark2", "B2", 50.0, "ru", 5),
    E("agg.vpr.share_mark2", "M1", 100 * 6 / 27, "ru", 5),
    E("agg.vpr.share_mark2", "F9", 0.0, "ru", 5),
    E("agg.vpr.share_mark2", "M2", 0.0, "ru", 5),
    E("agg.vpr.share_mark2", "R1", 100 * 6 / 42, "ru", 5),
]


@pytest.mark.django_db
def test_aggregates_catalog_against_hand_worked_figures(world: Any) -> None:
    from msoko.indicators.catalog import sync_builtin

    sync_builtin()
    seed_aggregates(world)
    frame = compute_values(["aggregates"])
    check(CASES, frame, world)
    # the group size is the participants (Σ sat), not the rows: M1's 220+ has n = 24
    m1 = frame[(frame["indicator"] == "agg.ege.share_220_plus") & (frame["level"] == "municipality")
               & (frame["territory_id"] == world.municipality.pk)]
    assert m1["n"].tolist() == [24.0]
    # nothing reads as 0 where a measure is missing: B2 has no 160+ row at all
    b2 = frame[(frame["indicator"] == "agg.ege.share_160_plus") & (frame["org_id"] == world.school_b.pk)]
    assert b2.empty


@pytest.mark.django_db
def test_small_group_counts_participants_not_rows(world: Any) -> None:
    """B2 sat 4 ЕГЭ (three measure rows): hidden at min_group 5; A1 (20) and M1 (24) shown."""
    from msoko.facts.store import OrgScope
    from msoko.indicators import api
    from msoko.indicators.catalog import sync_builtin

    sync_builtin()
    seed_aggregates(world)
    compute_values(["aggregates"])
    rows = api.readings(scope=OrgScope.for_user(world.bob), year=YEAR, codes=["agg.ege.share_220_plus"])
    by = {(r["level"], r["org_id"] or r["territory_id"]): r for r in rows}
    assert by[("school", world.school_b.pk)]["suppressed"] is True
    assert by[("school", world.school_b.pk)]["value"] is None
    assert by[("school", world.school_a.pk)]["value"] == pytest.approx(15.0)
    assert by[("municipality", world.municipality.pk)]["suppressed"] is False
    assert by[("municipality", world.municipality.pk)]["n"] == 24.0
    # Wilson's interval for a pooled count share: 4 of 24
    lo, hi = by[("municipality", world.municipality.pk)]["ci"]
    assert lo < 100 * 4 / 24 < hi


def test_aggregate_formulas_are_validated_in_russian() -> None:
    from msoko.indicators.spec import SpecError, parse_catalog

    text = """
catalog: bad
name: Плохой
indicators:
  - code: x.a
    name: A
    unit: percent
    formula: {kind: aggregate_share, where: {procedure: EGE, measure: sat}, numerator: count_999}
  - code: x.b
    name: B
    unit: points
    formula: {kind: aggregate_mean, measure: [mean_score, sat], table: student_results}
"""
    with pytest.raises(SpecError) as err:
        parse_catalog(text)
    problems = "\n".join(err.value.problems)
    assert "«x.a»" in problems and "неизвестная мера «count_999»" in problems
    assert "нет столбца «measure»" in problems
    assert "«x.b»" in problems and "только по таблице school_aggregates" in problems
    assert "measure: нужна одна мера" in problems


@pytest.mark.spark
@pytest.mark.django_db(transaction=True)
def test_aggregates_catalog_same_on_spark(world: Any) -> None:
    """The pairing of measures (CASE over sums) gives the same rows on Spark as on DuckDB."""
    pytest.importorskip("pyspark")
    from msoko.indicators.catalog import sync_builtin
    from msoko.indicators.compute import compute
    from msoko.indicators.engines import SparkEngine, spark_session

    sync_builtin()
    seed_aggregates(world)
    duck = compute_values(["aggregates"])
    session = spark_session()
    try:
        compute(catalogs=["aggregates"], years=[YEAR], engine=SparkEngine(session))
    finally:
        session.stop()
    from msoko.indicators import values

    spark = values.read(org_ids=None, territory_ids=None, catalogs=["aggregates"])
    keys = ["indicator", "level", "org_id", "territory_id", "subject", "grade"]
    a = duck.sort_values(keys).reset_index(drop=True)
    b = spark.sort_values(keys).reset_index(drop=True)
    assert len(a) == len(b) > 40
    for col in ("value", "numerator", "denominator", "n"):
        assert a[col].fillna(-1).tolist() == pytest.approx(b[col].fillna(-1).tolist(), abs=1e-9), col
    check(CASES, spark, world)
