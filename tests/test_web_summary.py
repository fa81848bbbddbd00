"""``msoko.facts.summary`` against figures worked out by hand (see ``test_web_helpers``)."""

from __future__ import annotations

from typing import Any

from pytest import approx

from msoko.facts import summary
from msoko.facts.store import OrgScope


def municipality(world: Any) -> OrgScope:
    return OrgScope.for_user(world.bob)


def test_share_is_a_percentage_and_none_when_nothing_is_counted() -> None:
    assert summary.share(1, 4) == 25.0
    assert summary.share(0, 0) is None
    assert summary.share(None, 3) == 0.0


def test_oge_headline_of_the_municipality(facts: Any) -> None:
    got = summary.oge_headline(municipality(facts), 2024)
    # A: 4 students, B: 5 students; the far school is another municipality's.
    assert got["participants"] == 9
    # 18 marks: A ru 5+4+4+2, A math 5+5+3+3, B ru 3+3+2+2+2, B math 2+3+3+3+4 = 58.
    assert got["mean_mark"] == approx(58 / 18)
    assert got["share_2"] == approx(100 * 5 / 18)
    ru = got["subjects"]["ru"]
    # ru: 5,4,4,2,3,3,2,2,2 — four «2» of nine, sum 27.
    assert ru == {"sat": 9, "share_2": approx(100 * 4 / 9), "mean_mark": approx(3.0)}
    math = got["subjects"]["math"]
    # math: 5,5,3,3,2,3,3,3,4 — one «2», sum 31.
    assert math == {"sat": 9, "share_2": approx(100 / 9), "mean_mark": approx(31 / 9)}


def test_oge_headline_of_one_school(facts: Any) -> None:
    got = summary.oge_headline(OrgScope.for_user(facts.alice), 2024)
    assert got["participants"] == 4
    assert got["subjects"]["ru"] == {"sat": 4, "share_2": 25.0, "mean_mark": 3.75}
    assert got["subjects"]["math"] == {"sat": 4, "share_2": 0.0, "mean_mark": 4.0}


def test_ege_headline_counts_those_below_the_minimum_threshold(facts: Any) -> None:
    got = summary.ege_headline(municipality(facts), 2024)
    assert got["participants"] == 5  # a-ege-1, a-ege-2, b-ege-1..3
    ru = got["subjects"]["ru"]
    # 91, 78, 40, 20, 63: mean 58.4; threshold 24: only 20 is below.
    assert ru["sat"] == 5
    assert ru["mean_test_score"] == approx(58.4)
    assert ru["threshold"] == 24
    assert ru["below_threshold"] == 1
    assert ru["share_below_threshold"] == approx(20.0)
    profile = got["subjects"]["math_profile"]
    # 82, 20, 15: mean 39; threshold 27: 20 and 15 are below.
    assert profile["mean_test_score"] == approx(39.0)
    assert profile["threshold"] == 27
    assert profile["below_threshold"] == 2
    assert profile["share_below_threshold"] == approx(200 / 3)


def test_ege_threshold_comes_from_the_mark_scale(facts: Any) -> None:
    from msoko.facts.models import MarkScale

    MarkScale.objects.filter(
        procedure__code="EGE", subject__code="ru", year__start_year=2024
    ).update(min_threshold=45)
    ru = summary.ege_headline(municipality(facts), 2024)["subjects"]["ru"]
    # 40 and 20 are below 45 now.
    assert ru["threshold"] == 45
    assert ru["below_threshold"] == 2


def test_vpr_headline_compares_marks_with_the_journal(facts: Any) -> None:
    got = summary.vpr_headline(municipality(facts), 2024)
    assert got["participants"] == 10
    assert got["works"] == 10
    # Marks 5,4,4,3 and 2,2,3,3,4,5: two «2», five «4»–«5».
    assert got["share_2"] == approx(20.0)
    assert got["share_4_5"] == approx(50.0)
    journal = got["journal"]
    assert journal["compared"] == 10
    # A: 4<5 lowered, three confirmed; B: 2<3, 2<3, 3<4 lowered; 3=3, 4=4 confirmed; 5>4 raised.
    assert (journal["lowered"], journal["confirmed"], journal["raised"]) == (4, 5, 1)
    assert journal["share_lowered"] == approx(40.0)
    assert journal["share_confirmed"] == approx(50.0)
    assert journal["share_raised"] == approx(10.0)


def test_headlines_take_each_procedures_latest_year(facts: Any) -> None:
    got = summary.headlines(OrgScope.for_user(facts.alice))
    assert [(h["procedure"], h["year"]) for h in got] == [
        ("OGE", 2024),
        ("EGE", 2024),
        ("VPR", 2024),
    ]
    assert summary.years_with_results(OrgScope.for_user(facts.alice), procedure="OGE") == [
        2024,
        2023,
    ]
    # School B has no 2023 results.
    assert summary.years_with_results(OrgScope.for_user(facts.charlie)) == [2024]


def test_mark_distribution_and_mean_by_organisation(facts: Any) -> None:
    scope = municipality(facts)
    assert summary.mark_distribution(scope, "VPR", 2024) == {2: 2, 3: 3, 4: 3, 5: 2}
    assert summary.mark_distribution(scope, "OGE", 2024, subject="ru") == {2: 4, 3: 2, 4: 2, 5: 1}
    means = summary.mean_by_organisation(scope, "EGE", 2024, "ru", value="test_score")
    assert means == {
        facts.school_a.pk: {"sat": 2, "mean": approx(84.5)},
        facts.school_b.pk: {"sat": 3, "mean": approx(41.0)},
    }


def test_means_of_several_subjects_in_one_query_and_pooled(facts: Any) -> None:
    analyst_scope = OrgScope.of([facts.school_a.pk, facts.school_b.pk, facts.school_far.pk])
    means = summary.means_by_organisation(analyst_scope, "OGE", 2024, ["ru", "math"])
    assert means["ru"] == {
        facts.school_a.pk: {"sat": 4, "mean": approx(3.75)},
        facts.school_b.pk: {"sat": 5, "mean": approx(2.4)},
        facts.school_far.pk: {"sat": 2, "mean": approx(5.0)},
    }
    assert set(means["math"]) == {facts.school_a.pk, facts.school_b.pk}
    group_of = {
        facts.school_a.pk: "Энский",
        facts.school_b.pk: "Энский",
        facts.school_far.pk: "Соседний",
    }
    pooled = summary.pooled_means(means["ru"], group_of)
    # Энский: (15 + 12) / 9 = 3.0, every result weighing the same (not the mean of 3.75 and 2.4).
    assert pooled == {
        "Энский": {"sat": 9, "mean": approx(3.0)},
        "Соседний": {"sat": 2, "mean": approx(5.0)},
    }


def test_results_summary_of_one_school(facts: Any) -> None:
    rows = summary.results_summary(OrgScope.for_user(facts.alice))
    keys = [(r["procedure"], r["year"], r["subject"], r["grade"]) for r in rows]
    assert keys == [
        ("EGE", 2024, "math_profile", 11),
        ("EGE", 2024, "ru", 11),
        ("OGE", 2024, "math", 9),
        ("OGE", 2024, "ru", 9),
        ("OGE", 2023, "ru", 9),
        ("VPR", 2024, "math", 5),
    ]
    by_key = {k: r for k, r in zip(keys, rows, strict=True)}
    oge_ru = by_key[("OGE", 2024, "ru", 9)]
    assert oge_ru["rows"] == 4
    assert oge_ru["marks"] == {2: 1, 3: 0, 4: 2, 5: 1}
    assert oge_ru["mean_mark"] == approx(3.75)
    assert oge_ru["share_2"] == approx(25.0)
    assert oge_ru["share_4_5"] == approx(75.0)
    ege_profile = by_key[("EGE", 2024, "math_profile", 11)]
    assert ege_profile["mean_test_score"] == approx(51.0)
    assert ege_profile["threshold"] == 27
    assert ege_profile["below_threshold"] == 1
    assert ege_profile["share_below_threshold"] == approx(50.0)
    vpr = by_key[("VPR", 2024, "math", 5)]
    assert vpr["journal"]["lowered"] == 1
    assert vpr["journal"]["share_confirmed"] == approx(75.0)
    assert by_key[("OGE", 2023, "ru", 9)]["mean_mark"] == approx(3.0)


def test_results_summary_filters_by_year_and_procedure(facts: Any) -> None:
    rows = summary.results_summary(OrgScope.for_user(facts.alice), years=[2023], procedures=["OGE"])
    assert [(r["procedure"], r["year"], r["rows"]) for r in rows] == [("OGE", 2023, 2)]


def test_an_outsiders_scope_sees_none_of_the_school(facts: Any) -> None:
    scope = OrgScope.for_user(facts.charlie)
    assert facts.school_a.pk not in summary.mean_by_organisation(scope, "OGE", 2024, "ru")
    ege = summary.ege_headline(scope, 2024)["subjects"]["ru"]
    assert ege["mean_test_score"] == approx(41.0)
    rows = summary.results_summary(scope)
    assert sum(r["rows"] for r in rows) == 5 + 5 + 3 + 1 + 6


def test_an_empty_scope_reads_nothing(facts: Any) -> None:
    empty = OrgScope.of([])
    assert summary.headlines(empty) == []
    assert summary.results_summary(empty) == []
    got = summary.oge_headline(empty, 2024)
    assert got["participants"] == 0
    assert got["mean_mark"] is None
    assert got["share_2"] is None
    assert got["subjects"] == {}


def test_an_empty_store_reads_nothing(world: Any) -> None:
    scope = OrgScope.for_user(world.bob)
    assert summary.headlines(scope) == []
    assert summary.results_summary(scope) == []
    assert summary.mark_distribution(scope, "VPR", 2024) == {2: 0, 3: 0, 4: 0, 5: 0}


def test_results_summary_counts_levels(world: Any) -> None:
    import pyarrow as pa

    from msoko.facts.store import open_batch

    a = world.school_a.pk
    rows = [
        {
            "org_id": a,
            "year": 2024,
            "procedure": "KDR",
            "subject": "read",
            "grade": 4,
            "student": f"k{i}",
            "level": level,
        }
        for i, level in enumerate(["basic", "basic", "high", "low", None])
    ]
    with open_batch(kind="student_results") as batch:
        batch.write("student_results", pa.Table.from_pylist(rows))
    (row,) = summary.results_summary(OrgScope.for_user(world.alice))
    assert row["rows"] == 5
    assert row["levels"] == {"basic": 2, "high": 1, "low": 1}
    assert row["marked"] == 0 and row["mean_mark"] is None
