"""The analysis (issue 5) on small data whose answers are worked out by hand.

Pure rules (low results, resilience, clusters, dynamics, the signals' statistics) are fed
hand-made frames; the readers of the facts (headline figures, element-wise analysis,
olympiad copies, the journal comparison) are fed hand-made facts written to the store.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from django.core.management import CommandError, call_command

from msoko.analysis import engine, objectivity
from msoko.analysis.methodology import Methodology, MethodologyError, apply_overrides, load
from msoko.facts.store import open_batch

M = Methodology()


# ----------------------------------------------------------------------------------------
# Methodology


def test_overrides_are_validated_in_russian(db: Any) -> None:
    # (the database: an indicator of the rule is checked against the catalogs)
    changed = apply_overrides(M, {"low_share": 0.15, "element_basic_pct": 50})
    assert changed.low_share == 0.15 and changed.element_basic_pct == 50.0
    with pytest.raises(MethodologyError, match="Неизвестные параметры методики: bogus"):
        apply_overrides(M, {"bogus": 1})
    with pytest.raises(MethodologyError, match="доля задаётся числом от 0 до 1"):
        apply_overrides(M, {"low_share": 10})
    with pytest.raises(MethodologyError, match="неизвестные показатели"):
        apply_overrides(M, {"low_indicators": ["oge.nothing"]})


def test_municipality_overrides_region(world: Any) -> None:
    from msoko.analysis.models import MethodologySetting

    MethodologySetting.objects.create(
        territory=world.region, overrides={"low_share": 0.2, "risk_share": 0.3}
    )
    MethodologySetting.objects.create(territory=world.municipality, overrides={"low_share": 0.05})
    m = load(world.municipality)
    assert (m.low_share, m.risk_share) == (0.05, 0.3)
    assert load(world.other_municipality).low_share == 0.2


# ----------------------------------------------------------------------------------------
# Low results and the risk zone (a hand-made frame of pooled indicator values)


def pooled_frame() -> pd.DataFrame:
    """Ten schools, two years, one indicator (share of «2», high is bad), 50 results each.
    School 1 is the worst in both years, school 2 the worst in 2024 only (third in 2025),
    school 3 is second worst in both years."""
    rows = []
    values = {
        2024: {1: 40.0, 2: 45.0, 3: 30.0, 4: 10, 5: 11, 6: 12, 7: 13, 8: 14, 9: 15, 10: 16},
        2025: {1: 50.0, 2: 20.0, 3: 30.0, 4: 10, 5: 11, 6: 12, 7: 13, 8: 14, 9: 15, 10: 16},
    }
    for year, by_org in values.items():
        for org, value in by_org.items():
            rows.append(
                {
                    "indicator": "oge.share_mark2",
                    "org_id": org,
                    "year": year,
                    "value": float(value),
                    "n": 50,
                }
            )
    return pd.DataFrame(rows)


def test_low_results_two_consecutive_years_and_risk_zone() -> None:
    m = apply_overrides(M, {"low_indicators": ["oge.share_mark2"]})
    low = engine.low_results(pooled_frame(), [2024, 2025], m, excluded=set())
    # ⌊10 · 0.1⌋ = 1 school in the lowest decile, ⌊10 · 0.2⌋ = 2 in the risk band.
    # 2024, worst first: 2 (45 %), 1 (40 %), 3 (30 %); 2025: 1 (50 %), 3 (30 %), 2 (20 %)
    assert low[1]["years"][2024]["verdict"] == "risk"
    assert low[1]["years"][2025]["verdict"] == "low"
    assert low[1]["finding"] == "risk_zone"  # one low year only
    assert low[2]["years"][2024]["verdict"] == "low"
    assert low[2]["years"][2025]["verdict"] == ""
    assert low[2]["finding"] == "risk_zone"
    assert low[3]["years"][2024]["verdict"] == "" and low[3]["years"][2025]["verdict"] == "risk"
    assert low[3]["finding"] is None
    assert low[4]["finding"] is None
    first = next(i for i in low[1]["indicators"] if i["year"] == 2025)
    assert first["place_from_worst"] == 1 and first["schools"] == 10
    # the municipal value: the mean over 500 results = (50+20+30+10+…+16)/10 = 19.1
    assert first["municipality"] == pytest.approx(19.1)


def test_low_results_leave_out_non_objective_results() -> None:
    m = apply_overrides(M, {"low_indicators": ["vpr.share_mark2"]})
    frame = pooled_frame().assign(indicator="vpr.share_mark2")
    # school 1's ВПР of 2025 has signs of non-objectivity: it is not judged on it
    low = engine.low_results(frame, [2024, 2025], m, excluded={(1, 2025, "VPR")})
    assert all(i["year"] == 2024 for i in low[1]["indicators"])
    assert low[1]["years"][2025]["judged"] == 0
    # without school 1, school 3 (30 %) is the worst of 2025
    assert low[3]["years"][2025]["verdict"] == "low"


def test_low_results_with_two_years_of_the_worst_school_is_low() -> None:
    m = apply_overrides(M, {"low_indicators": ["oge.share_mark2"]})
    frame = pooled_frame()
    frame.loc[(frame["org_id"] == 1) & (frame["year"] == 2024), "value"] = 60.0
    low = engine.low_results(frame, [2024, 2025], m, excluded=set())
    assert low[1]["finding"] == "low_results"  # the worst in both years
    # school 2: the risk band in 2024 only; the risk zone needs both years in the band
    assert low[2]["years"][2024]["verdict"] == "risk" and low[2]["finding"] is None


# ----------------------------------------------------------------------------------------
# Resilience, clusters, dynamics


def test_resilience_residual_and_quartiles() -> None:
    # results follow context exactly, except school 1: the least favourable context and
    # the best results
    context = [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]
    results = [1.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]
    frame = pd.DataFrame({"org_id": range(1, 9), "context": context, "results": results})
    out = engine.resilience(frame, M)
    assert out.loc[out["org_id"] == 1, "resilient"].item() is True
    assert not out.loc[out["org_id"] != 1, "resilient"].any()
    assert out.loc[out["org_id"] == 1, "residual"].item() >= M.resilient_min_residual


def test_clusters_found_by_silhouette() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal([-1.0, -1.0], 0.05, (6, 2))
    b = rng.normal([1.0, 1.0], 0.05, (6, 2))
    xy = np.vstack([a, b])
    frame = pd.DataFrame(
        {
            "org_id": range(1, 13),
            "context": xy[:, 0],
            "results": xy[:, 1],
            "rural": [True] * 6 + [False] * 6,
            "small": False,
        }
    )
    out = engine.clusters(frame, M)
    assert out["k"] == 2
    first, second = out["clusters"]
    assert first["description"] == "Благоприятный социальный контекст, высокие результаты"
    assert sorted(first["org_ids"]) == list(range(7, 13)) and second["rural_pct"] == 100.0


def test_dynamics_positive_when_the_share_of_twos_falls() -> None:
    pooled = pd.DataFrame(
        [
            {"indicator": "oge.share_mark2", "org_id": 1, "year": y, "value": v, "n": 20}
            for y, v in ((2023, 30.0), (2024, 25.0), (2025, 20.0))
        ]
        + [
            {"indicator": "oge.mean_mark", "org_id": 1, "year": y, "value": v, "n": 20}
            for y, v in ((2023, 4.0), (2024, 3.8), (2025, 3.5))
        ]
    )
    empty = pd.DataFrame(columns=["org_id", "year", "z"])
    out = {d["indicator"]: d for d in engine.dynamics(pooled, empty, [2023, 2024, 2025], M)[1]}
    assert out["oge.share_mark2"]["trend"] == "рост" and out["oge.share_mark2"]["positive"]
    assert out["oge.mean_mark"]["trend"] == "снижение"
    assert out["oge.mean_mark"]["positive"] is False


# ----------------------------------------------------------------------------------------
# The statistics of the signals


def test_journal_signal_figures() -> None:
    # the school: 40 works, 20 raised (50 %); the territory with the school: 440 works,
    # 60 raised, so the rest: 400 works, 40 raised (10 %). Excess 40 p.p.,
    # z = 0.4 / sqrt(0.1 · 0.9 / 40) = 8.43
    row = pd.Series({"compared": 40, "lowered": 4, "confirmed": 16, "raised": 20})
    totals = pd.Series({"compared": 440, "lowered": 104, "confirmed": 276, "raised": 60})
    s = objectivity.journal_signal(row, totals, M)
    assert s["fired"] is True
    assert s["figures"]["school_raised_pct"] == 50.0
    assert s["figures"]["municipality_raised_pct"] == 10.0
    assert s["figures"]["excess_pp"] == 40.0
    assert s["figures"]["z"] == pytest.approx(0.4 / math.sqrt(0.09 / 40), abs=0.01)
    # a small group is not judged
    small = pd.Series({"compared": 10, "lowered": 0, "confirmed": 0, "raised": 10})
    assert objectivity.journal_signal(small, totals, M)["fired"] is None


def test_cut_point_jump() -> None:
    flat = np.full(20, 10.0)
    at, below, e_at, e_below, _ = objectivity._jump(flat, 10)
    assert (at, below, e_at, e_below) == (20.0, 20.0, 20.0, 20.0)
    # a pile-up: 8 results moved from the two points below the cut onto the cut
    piled = flat.copy()
    piled[8] -= 4
    piled[9] -= 4
    piled[10] += 8
    at, below, e_at, e_below, _ = objectivity._jump(piled, 10)
    assert (at - e_at) - (below - e_below) == 16.0
    # a straight slope is no jump: 1, 2, 3, … at, below and their expectations agree
    slope = np.arange(20, dtype=float)
    at, below, e_at, e_below, _ = objectivity._jump(slope, 10)
    assert (at - e_at) - (below - e_below) == pytest.approx(0.0)
    assert objectivity._jump(flat, 2) is None  # the window does not fit the scale


# ----------------------------------------------------------------------------------------
# Readers of the facts


def write(table: str, rows: list[dict[str, Any]]) -> None:
    from msoko.facts.schema import TABLES

    schema = pa.schema([f for f in TABLES[table] if f.name != "batch_id"])
    data = pa.Table.from_pylist(
        [{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema
    )
    with open_batch(kind=table, source="tests") as batch:
        batch.write(table, data)


def test_headline_values_from_the_facts(facts: Any) -> None:
    from msoko.analysis.headline import headline_values, pool

    w = facts
    values, source = headline_values(
        [
            "vpr.share_mark2",
            "oge.share_mark2",
            "oge.mean_mark",
            "ege.mean_test_score",
            "ege.share_below_min",
        ],
        [w.school_a.pk, w.school_b.pk],
        [2024],
        source="facts",
    )
    assert source == "facts"
    p = pool(values).set_index(["indicator", "org_id"])["value"]
    a, b = w.school_a.pk, w.school_b.pk
    # ОГЭ A: ru 5 4 4 2, math 5 5 3 3 → one «2» of 8, mean 31/8; B: 4 «2» of 10, mean 27/10
    assert p[("oge.share_mark2", a)] == pytest.approx(12.5)
    assert p[("oge.mean_mark", a)] == pytest.approx(3.875)
    assert p[("oge.share_mark2", b)] == pytest.approx(40.0)
    assert p[("oge.mean_mark", b)] == pytest.approx(2.7)
    # ЕГЭ A: 91, 78 (ru), 82, 20 (profile maths; threshold 27) → mean 67.75, 1 of 4 below
    assert p[("ege.mean_test_score", a)] == pytest.approx(67.75)
    assert p[("ege.share_below_min", a)] == pytest.approx(25.0)
    # ЕГЭ B: 40, 20 (ru, threshold 24), 63, 15 → mean 34.5, 2 of 4 below
    assert p[("ege.mean_test_score", b)] == pytest.approx(34.5)
    assert p[("ege.share_below_min", b)] == pytest.approx(50.0)
    # ВПР: A no «2», B 2 of 6
    assert p[("vpr.share_mark2", a)] == 0.0
    assert p[("vpr.share_mark2", b)] == pytest.approx(100 / 3)


def element_world(world: Any) -> int:
    """ВПР maths grade 5: task 1 basic (max 1), task 2 advanced (max 2). School A: 12
    students in 5А — task 1 solved by 6 (50 %), task 2 one point each (12 of 24, 50 %).
    School B: 5 students in 5Б — task 1 by all, task 2 by none."""
    from msoko.facts.models import Assessment, Procedure, TaskSpec
    from msoko.registry.models import Subject

    a = Assessment.objects.create(
        procedure=Procedure.objects.get(code="VPR"),
        subject=Subject.objects.get(code="math"),
        grade=5,
        year=world.year,
    )
    TaskSpec.objects.create(
        assessment=a,
        number="1",
        position=1,
        max_score=1,
        level="basic",
        codifier_code="1.1",
        codifier_name="Действия с числами",
    )
    TaskSpec.objects.create(
        assessment=a,
        number="2",
        position=2,
        max_score=2,
        level="advanced",
        codifier_code="1.2",
        codifier_name="Задачи",
    )
    scores, results = [], []
    base = {"year": 2024, "procedure": "VPR", "subject": "math", "grade": 5}
    for i in range(12):
        student = f"ea{i}"
        scores += [
            {
                **base,
                "org_id": world.school_a.pk,
                "student": student,
                "task": "1",
                "score": 1.0 if i < 6 else 0.0,
            },
            {**base, "org_id": world.school_a.pk, "student": student, "task": "2", "score": 1.0},
        ]
        results.append(
            {
                **base,
                "org_id": world.school_a.pk,
                "student": student,
                "class_label": "5А",
                "primary_score": 1.0 + (i < 6),
            }
        )
    for i in range(5):
        student = f"eb{i}"
        scores += [
            {**base, "org_id": world.school_b.pk, "student": student, "task": "1", "score": 1.0},
            {**base, "org_id": world.school_b.pk, "student": student, "task": "2", "score": 0.0},
        ]
        results.append(
            {
                **base,
                "org_id": world.school_b.pk,
                "student": student,
                "class_label": "5Б",
                "primary_score": 1.0,
            }
        )
    write("task_scores", scores)
    write("student_results", results)
    return a.pk


def test_element_wise_analysis(world: Any) -> None:
    from msoko.analysis import elements

    work = element_world(world)
    orgs = [world.school_a.pk, world.school_b.pk]
    out = elements.analyse(work, orgs, world.school_a.pk, M)
    t1, t2 = out["tasks"]
    assert (t1["school_pct"], t1["school_weak"], t1["threshold"]) == (50.0, True, 60.0)
    assert (t2["school_pct"], t2["school_weak"], t2["threshold"]) == (50.0, False, 30.0)
    # municipality: task 1 11 of 17 = 64.7 %, task 2 12 of 34 = 35.3 %: neither weak
    assert (t1["municipality_pct"], t1["municipality_weak"]) == (64.7, False)
    assert (t2["municipality_pct"], t2["municipality_weak"]) == (35.3, False)
    assert t1["classes"] == [
        {"label": "5А", "pct": 50.0, "n": 12, "informative": True, "weak": True}
    ]
    assert out["weak_school"] == ["1"]
    assert [e["code"] for e in out["elements"]] == ["1.1", "1.2"]
    # school B has 5 students: not informative, never called weak (task 2 is 0 %)
    b = elements.analyse(work, orgs, world.school_b.pk, M)
    assert b["tasks"][1]["school_pct"] == 0.0
    assert b["tasks"][1]["school_informative"] is False and not b["tasks"][1]["school_weak"]


def test_olympiad_identical_answers(world: Any) -> None:
    from msoko.analysis.scope import build

    base = {
        "year": 2024,
        "procedure": "VSOSH",
        "stage": "school",
        "subject": "math",
        "grade": 7,
        "venue": "МБОУ СОШ № 1",
        "max_score": 35.0,
    }
    rows = []
    # four copies of a rich pattern, six different honest patterns
    for i in range(4):
        rows.append(
            {
                **base,
                "org_id": world.school_a.pk,
                "student": f"c{i}",
                "answers": "7;5;3;6;2",
                "score": 23.0,
            }
        )
    honest = ["1;2;0;3;0", "4;0;2;1;5", "0;3;3;0;1", "6;1;0;2;2", "2;2;2;2;2", "5;5;0;0;1"]
    for i, answers in enumerate(honest):
        rows.append(
            {
                **base,
                "org_id": world.school_b.pk,
                "student": f"h{i}",
                "answers": answers,
                "score": float(sum(map(int, answers.split(";")))),
            }
        )
    write("olympiad_results", rows)
    write(
        "student_results",
        [
            {
                "org_id": world.school_a.pk,
                "year": 2024,
                "procedure": "OGE",
                "subject": "ru",
                "grade": 9,
                "student": "x",
                "mark": 4,
            }
        ],
    )
    scope = build(world.municipality, 2024)
    found = objectivity.olympiad(scope, [2024], M)
    # one band of 10: task 1 takes «7» for 4 of 10, … — the chance of a coincidence is
    # small; observed 6 identical pairs (C(4, 2)).
    assert list(found) == [(world.school_a.pk, 2024)]
    group = found[(world.school_a.pk, 2024)]["groups"][0]
    assert group["identical_pairs"] == 6 and group["participants"] == 10
    assert group["expected_pairs"] < 1 and group["p_value"] < 0.001


# ----------------------------------------------------------------------------------------
# The whole run and the command


def test_run_on_a_small_world_and_the_command(facts: Any) -> None:
    out = io.StringIO()
    call_command("analyse", "--territory", "M1", "--year", "2024", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["territory"] == "M1" and data["year"] == 2024
    assert data["headline_source"] in ("facts", "indicators")
    # two schools: too few to judge anything, nothing is flagged
    assert [f for f in data["findings"] if f["finding"] != "adverse_conditions"] == []
    text = io.StringIO()
    call_command("analyse", "--territory", "M1", stdout=text)
    assert "Анализ результатов: Энский район, 2024/2025 учебный год" in text.getvalue()


def test_the_command_refuses_bad_input_in_russian(facts: Any) -> None:
    with pytest.raises(CommandError, match="Территория с кодом «XX» не найдена"):
        call_command("analyse", "--territory", "XX", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Год «прошлый» не понят"):
        call_command("analyse", "--territory", "M1", "--year", "прошлый", stdout=io.StringIO())
    with pytest.raises(CommandError, match="результатов нет"):
        call_command("analyse", "--territory", "M1", "--year", "2019", stdout=io.StringIO())
    with pytest.raises(CommandError, match="укажите код территории"):
        call_command("analyse", stdout=io.StringIO())
