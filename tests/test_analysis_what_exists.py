"""The analysis runs on what exists (issue 12, item 6).

* social passports alone give ШНСУ, with every finding's status and no «результатов нет»;
* school aggregates alone, a user's catalog over them and the territory's choice of its
  indicators give ШНОР, the risk zone and resilience — the expected schools worked out by
  hand below from the numbers put in;
* a signal that cannot be evaluated (no journal marks) says so in ``msoko analyse --json``;
* the methodology page: the municipal specialist edits her territory's indicators; another
  territory's specialist, schools and viewers cannot, by crafted POST either.
"""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from django.core.management import call_command
from django.urls import reverse

from msoko.analysis.methodology import Methodology as M
from msoko.analysis.methodology import MethodologyError, apply_overrides, load, parse_low_indicators
from msoko.facts.store import open_batch
from tests.conftest import client_for

CATALOG = """
catalog: my_aggr
name: Сводные результаты ЕГЭ (проверочный каталог)
defaults: {levels: [school, municipality, region], min_group: 0}
indicators:
  - code: myagg.sat
    name: Участников ЕГЭ
    unit: count
    direction: none
    formula: {kind: sum, table: school_aggregates, column: value, where: {procedure: EGE, measure: sat}}
  - code: myagg.c220
    name: Набрали 220 и более
    unit: count
    direction: none
    formula: {kind: sum, table: school_aggregates, column: value, where: {procedure: EGE, measure: count_220_plus}}
  - code: myagg.cbelow
    name: Не преодолели порог
    unit: count
    direction: none
    formula: {kind: sum, table: school_aggregates, column: value, where: {procedure: EGE, measure: count_below_threshold}}
  - code: myagg.share_220
    name: Доля набравших 220 и более
    unit: percent
    direction: higher
    formula: {kind: ratio, of: [myagg.c220, myagg.sat], scale: 100}
  - code: myagg.share_below
    name: Доля не преодолевших порог
    unit: percent
    direction: lower
    formula: {kind: ratio, of: [myagg.cbelow, myagg.sat], scale: 100}
"""

RULE = [
    {"code": "myagg.share_220", "direction": "higher", "weight": 1},
    {"code": "myagg.share_below", "direction": "lower", "weight": 1},
]


def add_schools(world: Any, n: int) -> list[Any]:
    """``n`` more schools of the municipality M1 (codes S03, S04, ...)."""
    from msoko.registry.models import Organisation

    return [
        Organisation.objects.create(
            territory=world.municipality,
            short_name=f"Школа {i:02d}",
            full_name=f"Школа {i:02d}",
            code=f"S{i:02d}",
        )
        for i in range(3, 3 + n)
    ]


def passport(org: Any, year: Any, low_income: float) -> None:
    """A passport where only the share from low-income families differs between schools:
    the context index then orders schools by it alone (more low-income — worse context)."""
    from msoko.registry.models import SocialPassport

    SocialPassport.objects.create(
        organisation=org,
        year=year,
        students_total=300,
        low_income_share=Decimal(str(low_income)),
        single_parent_share=Decimal("10"),
        disability_share=Decimal("3"),
        non_native_share=Decimal("2"),
        preventive_registration_share=Decimal("1"),
        parents_higher_education_share=Decimal("40"),
        distance_to_centre_km=Decimal("5"),
    )


def run_json(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("analyse", "--territory", "M1", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


# ----------------------------------------------------------------------------------------
# Social passports alone


def test_social_passports_alone_give_adverse_conditions_with_statuses(world: Any) -> None:
    schools = [world.school_a, world.school_b, *add_schools(world, 4)]
    low_income = [10.0, 35.0, 15.0, 40.0, 20.0, 25.0]
    for org, share in zip(schools, low_income, strict=True):
        passport(org, world.year, share)
    data = run_json()
    assert data["year"] == 2024
    # By hand: the index orders the six schools by the low-income share (weight −0.25, the
    # other fields equal); the lowest quartile, np.quantile at position 0.25 · 5 = 1.25 of
    # the ascending indices, lies between the second and the third worst: the two schools
    # with 40 % and 35 % (S04 and B2) are ШНСУ, no other.
    adverse = {f["code"] for f in data["findings"] if f["finding"] == "adverse_conditions"}
    assert adverse == {"S04", "B2"}
    assert all(f["status"] == "fired" for f in data["findings"])
    statuses = {s["code"]: s["statuses"] for s in data["schools"]}
    assert statuses["S04"]["adverse_conditions"]["status"] == "fired"
    assert statuses["A1"]["adverse_conditions"] == {"status": "not_fired", "reason": ""}
    for code, st in statuses.items():
        assert st["low_results"]["status"] == "not_evaluated", code
        assert "нет значения" in st["low_results"]["reason"], st["low_results"]
        assert st["non_objective"] == {
            "status": "not_evaluated",
            "reason": "нет результатов ВПР обучающихся",
        }
        assert st["resilient"]["status"] == "not_evaluated"
        assert st["resilient"]["reason"].startswith("нет результатов для индекса результатов")
    evaluation = data["evaluation"]
    assert evaluation["adverse_conditions"]["status"] == "evaluated"
    assert (
        evaluation["adverse_conditions"]["fired"],
        evaluation["adverse_conditions"]["not_fired"],
    ) == (2, 4)
    assert evaluation["non_objective"]["status"] == "not_evaluated"
    assert evaluation["non_objective"]["reasons"] == [
        {"reason": "нет результатов ВПР обучающихся", "schools": 6}
    ]
    assert data["available"] == {
        "student_results": [],
        "school_aggregates": [],
        "passports": [2024],
    }

    # the page: the findings and what could not be evaluated, never «результатов нет»
    page = client_for(world.bob).get(
        reverse("analysis:index"), {"territory": world.municipality.pk}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "результатов нет" not in html.lower()
    assert 'id="evaluation-table"' in html
    assert 'data-finding="adverse_conditions" data-status="evaluated"' in html
    assert "нет результатов ВПР обучающихся — школ: 6" in html
    school = client_for(world.bob).get(reverse("analysis:school", args=[world.school_b.pk]))
    body = school.content.decode()
    assert 'data-finding="adverse_conditions" data-status="fired"' in body
    assert 'data-finding="non_objective" data-status="not_evaluated"' in body


def test_nothing_at_all_is_still_refused_in_russian(world: Any) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="ни одного социального паспорта"):
        call_command("analyse", "--territory", "M1", stdout=io.StringIO())


# ----------------------------------------------------------------------------------------
# School aggregates alone, a user catalog, the territory's choice of indicators


def write_aggregates(rows: list[dict[str, Any]]) -> None:
    from msoko.facts.schema import TABLES

    schema = pa.schema([f for f in TABLES["school_aggregates"] if f.name != "batch_id"])
    data = pa.Table.from_pylist(
        [{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema
    )
    with open_batch(kind="aggregates", source="tests") as batch:
        batch.write("school_aggregates", data)


@pytest.fixture
def aggregates_world(world: Any) -> dict[str, Any]:
    """Eleven schools of M1 with only ЕГЭ aggregates for 2023 and 2024 (participants,
    220+, below the threshold), passports for ten of them, and the user catalog."""
    from msoko.indicators.catalog import load_text
    from msoko.registry.models import AcademicYear

    AcademicYear.objects.get_or_create(
        start_year=2023,
        defaults={"starts_on": datetime.date(2023, 9, 1), "ends_on": datetime.date(2024, 8, 31)},
    )
    schools = [world.school_a, world.school_b, *add_schools(world, 9)]
    # participants, 220+, below the threshold — the same in both years
    figures = {
        "A1": (40, 0, 12),  # X: 0 % 220+, 30 % below — the worst on both
        "B2": (40, 2, 8),  # Y: 5 %, 20 % — the second worst on both
        "S03": (40, 8, 0),
        "S04": (40, 10, 1),
        "S05": (40, 12, 1),
        "S06": (40, 14, 2),
        "S07": (40, 16, 2),
        "S08": (40, 18, 3),
        "S09": (40, 20, 3),
        "S10": (40, 22, 0),  # R: the best results …
        "S11": (5, 0, 5),  # W: 5 participants — fewer than the minimum of 10
    }
    by_code = {s.code: s for s in schools}
    rows = []
    for year in (2023, 2024):
        for code, (sat, c220, below) in figures.items():
            for measure, value in (
                ("sat", sat),
                ("count_220_plus", c220),
                ("count_below_threshold", below),
            ):
                rows.append(
                    {
                        "org_id": by_code[code].pk,
                        "year": year,
                        "procedure": "EGE",
                        "measure": measure,
                        "value": float(value),
                    }
                )
    write_aggregates(rows)
    # … and the least favourable context (40 % low-income); the others' context follows
    # their results (more low-income, lower results); W has no passport
    low_income = {
        "A1": 30,
        "B2": 28,
        "S03": 26,
        "S04": 24,
        "S05": 22,
        "S06": 20,
        "S07": 18,
        "S08": 16,
        "S09": 14,
        "S10": 40,
    }
    for code, share in low_income.items():
        passport(by_code[code], world.year, share)
    load_text(CATALOG, file_name="my_aggr.yaml", user=world.bob)
    from msoko.indicators.compute import compute

    compute(catalogs=["my_aggr"], years=[2023, 2024])
    return {"world": world, "schools": by_code, "figures": figures}


def test_aggregates_alone_give_low_results_risk_zone_and_resilience(aggregates_world: Any) -> None:
    w = aggregates_world["world"]
    # the municipal specialist chooses the indicators on the methodology page
    bob = client_for(w.bob)
    page = bob.get(
        reverse("analysis:methodology"), {"territory": w.municipality.pk, "catalog": "my_aggr"}
    )
    assert page.status_code == 200
    assert 'value="myagg.share_220"' in page.content.decode()  # the picker offers it
    # the built-in five are removed, the two of the user catalog added (one per POST)
    builtins = [e["code"] for e in M().low_indicators]
    form = {
        "territory": w.municipality.pk,
        "code": builtins,
        "direction": ["lower"] * 5,
        "weight": ["1"] * 5,
        "remove": builtins,
        "add_code": "myagg.share_220",
        "add_weight": "1",
        "reason": "Приказ № 1",
    }
    assert bob.post(reverse("analysis:methodology"), form).status_code == 302
    form = {
        "territory": w.municipality.pk,
        "code": ["myagg.share_220"],
        "direction": ["higher"],
        "weight": ["1,0"],
        "add_code": "myagg.share_below",
        "add_weight": "1",
    }
    assert bob.post(reverse("analysis:methodology"), form).status_code == 302
    m = load(w.municipality)
    assert [dict(e) for e in m.low_indicators] == [
        {"code": "myagg.share_220", "direction": "higher", "weight": 1.0},
        {"code": "myagg.share_below", "direction": "lower", "weight": 1.0},
    ]

    data = run_json()
    assert data["year"] == 2024 and data["available"]["student_results"] == []
    assert data["results_source"] == "indicators"
    found = {(f["code"], f["finding"]) for f in data["findings"]}
    # By hand, each year: ten schools have at least 10 participants (W has 5 and is not
    # judged); ⌊10 · 0,1⌋ = 1 school in the lowest band, ⌊10 · 0,2⌋ = 2 in the risk band.
    # 220+: A1 0 %, B2 5 %, the rest 20…55 % (median 32,5 %); below the threshold: A1 30 %,
    # B2 20 %, the rest 0…7,5 %. A1 is the worst on both indicators in both years → ШНОР;
    # B2 is second on both in both years → the risk band both years → risk zone.
    low = {c for c, f in found if f == "low_results"}
    risk = {c for c, f in found if f == "risk_zone"}
    assert low == {"A1"}
    assert risk == {"B2"}
    a1 = next(f for f in data["findings"] if f["code"] == "A1" and f["finding"] == "low_results")
    share = next(
        s
        for s in a1["signals"]
        if s["signal"] == "myagg.share_220" and s["figures"]["year"] == 2024
    )
    # 0 of 40; the municipality pools its ten judged schools: (0+2+8+…+22) / 400 = 122/400
    assert share["figures"]["value"] == 0.0 and share["figures"]["n"] == 40
    assert share["figures"]["municipality"] == pytest.approx(100 * 122 / 400, abs=0.01)
    statuses = {s["code"]: s["statuses"] for s in data["schools"]}
    assert statuses["S11"]["low_results"]["status"] == "not_evaluated"
    assert "группа меньше минимальной (5 < 10)" in statuses["S11"]["low_results"]["reason"]
    assert statuses["S05"]["low_results"] == {"status": "not_fired", "reason": ""}
    # Resilience on the indicator-based results index: S10 has the least favourable context
    # (40 % low-income) and the best results (55 % 220+, none below the threshold), the
    # others' results follow their context — S10 alone is resilient; A1, B2 and S10 (the
    # three lowest contexts, the quartile at position 2,25 of ten) are ШНСУ.
    assert {c for c, f in found if f == "resilient"} == {"S10"}
    assert {c for c, f in found if f == "adverse_conditions"} == {"S10", "A1", "B2"}
    assert statuses["S11"]["resilient"] == {
        "status": "not_evaluated",
        "reason": "нет социального паспорта",
    }
    # the pages' cached report follows a recomputation of the indicator values
    from msoko.analysis.service import data_fingerprint
    from msoko.indicators.compute import compute

    before = data_fingerprint(w.municipality)
    compute(catalogs=["my_aggr"], years=[2024])
    assert data_fingerprint(w.municipality) != before
    rule = {i["indicator"]: i for i in data["indicators"]}
    assert rule["myagg.share_220"]["schools_by_year"] == {"2023": 11, "2024": 11}
    assert rule["myagg.share_220"]["catalog"] == "my_aggr"


# ----------------------------------------------------------------------------------------
# A signal without its data says so


def test_signals_without_journal_marks_are_not_evaluated_in_the_command(world: Any) -> None:
    from tests.test_analysis import write

    rows = []
    for org, n, mark in ((world.school_a, 35, 4), (world.school_b, 12, 3)):
        for i in range(n):
            rows.append(
                {
                    "org_id": org.pk,
                    "year": 2024,
                    "procedure": "VPR",
                    "subject": "math",
                    "grade": 5,
                    "student": f"{org.code}-{i}",
                    "primary_score": 10.0,
                    "mark": mark,
                    # no journal marks in this file
                }
            )
    write("student_results", rows)
    data = run_json("--year", "2024")
    obj = {(r["code"], r["year"]): r for r in data["objectivity"]}
    signals = {s["signal"]: s for s in obj[("A1", 2024)]["signals"]}
    assert signals["journal_mismatch"]["status"] == "not_evaluated"
    assert signals["journal_mismatch"]["reason"] == "нет отметок по журналу"
    assert signals["journal_mismatch"]["fired"] is None
    assert signals["cohort_rise"]["reason"] == "нет данных прошлого года"
    assert signals["gia_gap"]["reason"] == "нет результатов ОГЭ / ЕГЭ этого года"
    assert (
        signals["olympiad_copies"]["reason"] == "нет результатов олимпиады с ответами по заданиям"
    )
    # no task specification was loaded: the task profile cannot be judged for anyone
    b = {s["signal"]: s for s in obj[("B2", 2024)]["signals"]}
    assert b["task_profile"]["reason"] == "нет спецификации заданий ВПР (уровни заданий)"
    assert obj[("B2", 2024)]["flagged"] is False
    statuses = {s["code"]: s["statuses"] for s in data["schools"]}
    assert statuses["A1"]["non_objective"]["status"] == "not_evaluated"
    assert "нет отметок по журналу" in statuses["A1"]["non_objective"]["reason"]
    # the school page shows the status and the reason of each signal
    html = (
        client_for(world.alice)
        .get(reverse("analysis:school", args=[world.school_a.pk]))
        .content.decode()
    )
    assert 'data-signal="journal_mismatch"' in html and "нет отметок по журналу" in html


# ----------------------------------------------------------------------------------------
# The setting's validation and the page's scope


def test_rule_entries_are_validated_against_the_catalogs(world: Any) -> None:
    from msoko.indicators.catalog import load_text

    with pytest.raises(MethodologyError, match="неизвестные показатели «myagg.share_220»"):
        parse_low_indicators(["myagg.share_220"])
    load_text(CATALOG, file_name="my_aggr.yaml")
    # a code alone takes the definition's direction
    assert parse_low_indicators(["myagg.share_below"]) == (
        {"code": "myagg.share_below", "direction": "lower", "weight": 1.0},
    )
    with pytest.raises(MethodologyError, match="укажите направленность"):
        parse_low_indicators(["myagg.sat"])  # «без оценки»: the user must say which way
    with pytest.raises(MethodologyError, match=r"вес \(weight\) — положительное число"):
        parse_low_indicators([{"code": "myagg.share_220", "weight": 0}])
    with pytest.raises(MethodologyError, match="указан дважды"):
        parse_low_indicators(["myagg.share_220", "myagg.share_220"])
    with pytest.raises(MethodologyError, match="неизвестные поля colour"):
        parse_low_indicators([{"code": "myagg.share_220", "colour": "red"}])
    # a saved report's methodology goes round the overrides unchanged
    m = apply_overrides(M(), {"low_indicators": RULE})
    assert apply_overrides(M(), m.to_dict()) == m


def _specialist_of_m2(world: Any) -> Any:
    from msoko.access.models import Role, User

    return User.objects.create_user(
        "dora", password="x", role=Role.MUNICIPAL_SPECIALIST, territory=world.other_municipality
    )


def _post(user: Any, territory: Any, code: str = "ege.mean_test_score") -> Any:
    return client_for(user).post(
        reverse("analysis:methodology"),
        {"territory": territory.pk, "code": [code], "direction": ["higher"], "weight": ["2"]},
    )


def test_the_specialist_edits_her_territory_and_the_change_is_audited(world: Any) -> None:
    from msoko.access.models import AuditLog
    from msoko.analysis.models import MethodologySetting

    response = _post(world.bob, world.municipality)
    assert response.status_code == 302
    setting = MethodologySetting.objects.get(territory=world.municipality)
    assert setting.overrides["low_indicators"] == [
        {"code": "ege.mean_test_score", "direction": "higher", "weight": 2.0}
    ]
    row = AuditLog.objects.filter(model="analysis.MethodologySetting", action="create").get()
    assert row.actor == world.bob
    # the page shows the choice, the M2 methodology is untouched
    html = client_for(world.bob).get(reverse("analysis:methodology")).content.decode()
    assert 'data-indicator="ege.mean_test_score"' in html and 'id="rule-form"' in html
    assert load(world.other_municipality).low_codes == M().low_codes
    # a wrong weight is refused in Russian and nothing changes
    bad = client_for(world.bob).post(
        reverse("analysis:methodology"),
        {
            "territory": world.municipality.pk,
            "code": ["ege.mean_test_score"],
            "direction": ["higher"],
            "weight": ["-1"],
        },
    )
    assert bad.status_code == 400
    assert "вес (weight) — положительное число" in bad.content.decode()
    setting.refresh_from_db()
    assert setting.overrides["low_indicators"][0]["weight"] == 2.0


def test_a_crafted_post_for_another_territory_is_refused_and_audited(world: Any) -> None:
    from msoko.access.models import AuditLog, Role, User
    from msoko.analysis.models import MethodologySetting

    dora = _specialist_of_m2(world)
    assert _post(dora, world.municipality).status_code == 404
    assert _post(world.alice, world.municipality).status_code == 404
    assert _post(world.charlie, world.municipality).status_code == 404
    viewer = User.objects.create_user(
        "vera", password="x", role=Role.VIEWER, territory=world.municipality
    )
    assert _post(viewer, world.municipality).status_code == 403
    assert not MethodologySetting.objects.filter(territory=world.municipality).exists()
    denied = AuditLog.objects.filter(action="refused", model="analysis.MethodologySetting")
    assert {r.actor.username for r in denied} == {"dora", "alice", "charlie", "vera"}
    assert all(r.object_id == str(world.municipality.pk) for r in denied)
    # the read-only page: no form for a school or another territory's specialist
    html = client_for(world.alice).get(reverse("analysis:methodology")).content.decode()
    assert 'id="rule-form"' not in html
    assert (
        client_for(dora)
        .get(reverse("analysis:methodology"), {"territory": world.municipality.pk})
        .status_code
        == 404
    )
    # dora edits her own territory; the regional analyst and a superuser edit M1
    assert _post(dora, world.other_municipality).status_code == 302
    analyst = User.objects.create_user(
        "ralf", password="x", role=Role.REGIONAL_ANALYST, territory=world.region
    )
    assert _post(analyst, world.municipality, "oge.mean_mark").status_code == 302
    root = User.objects.create_superuser("root", password="x")
    assert _post(root, world.region, "oge.share_mark2").status_code == 302
    assert load(world.municipality).low_codes == ("oge.mean_mark",)
    assert load(world.other_municipality).low_codes == ("ege.mean_test_score",)
