"""Addressed recommendations from the analysis: a weak topic planted in school A's ВПР results
is found by the analysis's element-wise analysis and becomes a recommendation to school A's
teachers of mathematics, naming the topic and school A's ШМО, and reaches no other school;
the specialist edits and sends; only school A's administrator answers it. Low results,
the risk zone and signs of non-objectivity in an analysis report become their
recommendations.

Planted facts (ВПР, математика, 5 класс, 2024/25), four basic-level tasks with max score 1:

* task 1 «1.1 Натуральные числа», task 2 «1.2 Обыкновенные дроби», task 3 «2.1 Текстовые
  задачи», task 4 «3.1 Площадь прямоугольника»;
* school A, 12 students: tasks 1, 3, 4 all solved, task 2 by 3 of 12 → 25 %;
* school B, 6 students: task 2 by nobody (0 %), the rest solved — a group under the
  methodology's 10 students: not informative, never weak;
* the far school (another municipality), 12 students: task 2 by nobody (bob does not see it).

The analysis's thresholds (FIOKO): a basic task is mastered at 60 %. School A's «Дроби» at
25 % is weak; its other topics are at 100 %. The municipality (A and B) did «Дроби» at
3 / 18 = 16.7 %. Every student also has a ВПР mark (A: «4», B: «3», far: «3»), so the
analysis has results for the year and no share of «2».
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import client_for

TASKS = [("1", "1.1", "Натуральные числа"), ("2", "1.2", "Обыкновенные дроби"),
         ("3", "2.1", "Текстовые задачи"), ("4", "3.1", "Площадь прямоугольника")]


def write(table: str, rows: list[dict[str, Any]]) -> None:
    from msoko.facts.schema import TABLES
    from msoko.facts.store import open_batch

    schema = pa.schema([f for f in TABLES[table] if f.name != "batch_id"])
    data = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)
    with open_batch(kind=table, source="tests") as batch:
        batch.write(table, data)


def plant(world: Any) -> None:
    from msoko.facts.models import Assessment, Procedure, TaskSpec
    from msoko.registry.models import Subject

    assessment = Assessment.objects.create(
        procedure=Procedure.objects.get(code="VPR"), subject=Subject.objects.get(code="math"), grade=5, year=world.year
    )
    for k, (number, code, name) in enumerate(TASKS):
        TaskSpec.objects.create(assessment=assessment, number=number, position=k, max_score=1,
                                level="basic", codifier_code=code, codifier_name=name)
    scores: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    base = {"year": 2024, "procedure": "VPR", "subject": "math", "grade": 5}

    def school(org: Any, prefix: str, task2: list[int], mark: int) -> None:
        for i, solved in enumerate(task2):
            student = f"{prefix}{i}"
            for number, _, _ in TASKS:
                score = solved if number == "2" else 1
                scores.append({**base, "org_id": org.pk, "student": student, "task": number, "score": float(score)})
            results.append({**base, "org_id": org.pk, "student": student, "mark": mark, "primary_score": 3.0})

    school(world.school_a, "a", [1, 1, 1] + [0] * 9, 4)
    school(world.school_b, "b", [0] * 6, 3)
    school(world.school_far, "f", [0] * 12, 3)
    write("task_scores", scores)
    write("student_results", results)


@pytest.fixture
def planted(world: Any) -> Any:
    from msoko.registry.models import MethodAssociation, Subject

    plant(world)
    shmo = MethodAssociation.objects.create(level="school", name="ШМО учителей математики СОШ № 1", organisation=world.school_a)
    shmo.subjects.add(Subject.objects.get(code="math"))
    rmo = MethodAssociation.objects.create(level="district", name="РМО учителей математики Энского района", territory=world.municipality)
    rmo.subjects.add(Subject.objects.get(code="math"))
    return world


def report_of(territory: Any, year: int = 2024) -> dict[str, Any]:
    from msoko.analysis import service

    return service.get_report(territory, year)


# ----------------------------------------------------------------------------------------
# Weak topics: the analysis's element-wise analysis


def test_weak_topic_finding_from_the_analysis(planted: Any) -> None:
    from msoko.cycle import from_analysis

    found = from_analysis.from_report(report_of(planted.municipality))
    assert found.findings == [{
        "kind": "weak_topics", "org_id": planted.school_a.pk, "year": 2024, "procedure": "VPR",
        "subject": "math", "grade": 5, "students": 12,
        "topics": [{"code": "1.2", "name": "Обыкновенные дроби", "tasks": ["2"], "level": "basic",
                    "level_name": "базовый", "school": 25.0, "threshold": 60.0, "municipality": 16.7}],
        "thresholds": {"basic": 60.0, "advanced": 30.0, "min_students": 10},
        "source": "analysis",
        "methodology": found.findings[0]["methodology"],
    }]
    # school B's 6 students: not informative, counted, never weak (its «Дроби» is 0 %)
    assert found.not_informative == 1
    assert (found.from_analysis, found.own) == (1, 0)
    assert "выводов анализа 1 (" in found.summary() and "западающие темы — 1" in found.summary()


def test_recommendation_reaches_the_right_school_and_no_other(planted: Any) -> None:
    from msoko.cycle import actions, from_analysis, rules, scope
    from msoko.cycle.models import Recommendation

    w = planted
    found = from_analysis.for_user(w.bob, 2024)
    result = rules.generate(found.findings, user=w.bob, allowed_org_ids=scope.org_ids(w.bob))
    assert len(result.created) == 1
    rec = result.created[0]
    assert rec.organisation == w.school_a
    assert rec.rule == "weak_topics"
    assert "1.2 Обыкновенные дроби (задание № 2; уровень: базовый): выполнение 25,0 % при пороге 60,0 %" in rec.text
    assert "по муниципалитету 16,7 %" in rec.text
    assert "Натуральные числа" not in rec.text
    assert rec.addressee_group == "учителя предмета «Математика» (5-е классы)"
    assert rec.method_association.name == "ШМО учителей математики СОШ № 1"
    assert rec.state == Recommendation.State.DRAFT
    # running again adds nothing
    assert rules.generate(found.findings, user=w.bob).existing == 1

    # a draft reaches nobody at school; once sent, school A and only school A
    assert not scope.visible_recommendations(w.alice).exists()
    actions.send_recommendations(user=w.bob, recommendations=[rec])
    assert list(scope.visible_recommendations(w.alice)) == [rec]
    assert not scope.visible_recommendations(w.charlie).exists()
    assert list(scope.visible_recommendations(w.bob)) == [rec]
    assert client_for(w.charlie).get(f"/cycle/recommendations/{rec.pk}/").status_code == 404
    page = client_for(w.alice).get(f"/cycle/recommendations/{rec.pk}/")
    assert page.status_code == 200 and "Обыкновенные дроби" in page.content.decode()


def test_a_school_user_gets_findings_of_their_school_only(planted: Any) -> None:
    from msoko.cycle import from_analysis

    w = planted
    assert [f["org_id"] for f in from_analysis.for_user(w.alice, 2024).findings] == [w.school_a.pk]
    # charlie's cut report has school B alone: its group is not informative, school A's
    # weak topic is not his
    charlie = from_analysis.for_user(w.charlie, 2024)
    assert charlie.findings == [] and charlie.not_informative == 1
    # and an explicit school list narrows further
    assert from_analysis.from_report(report_of(w.municipality), org_ids=[w.school_b.pk]).findings == []


def test_the_minimum_group_and_the_thresholds_come_from_the_methodology(planted: Any) -> None:
    from msoko.analysis.models import MethodologySetting
    from msoko.cycle import from_analysis

    w = planted
    setting = MethodologySetting.objects.create(territory=w.municipality, overrides={"element_min_students": 13})
    found = from_analysis.from_report(report_of(w.municipality))
    assert found.findings == [] and found.not_informative == 2  # A's 12 students are too few now
    setting.overrides = {"element_min_students": 5}
    setting.save()
    found = from_analysis.from_report(report_of(w.municipality))
    assert sorted(f["org_id"] for f in found.findings) == sorted([w.school_a.pk, w.school_b.pk])
    setting.overrides = {"element_basic_pct": 20}
    setting.save()
    assert from_analysis.from_report(report_of(w.municipality)).findings == []  # 25 % ≥ 20 %


def test_far_school_is_not_addressed_by_bob(planted: Any) -> None:
    from msoko.cycle import from_analysis, rules, scope

    # the far municipality's report (a system run) finds the far school's weak topic; bob's
    # generation skips it, never writes it
    far = from_analysis.from_report(report_of(planted.other_municipality)).findings
    assert [f["org_id"] for f in far] == [planted.school_far.pk]
    result = rules.generate(far, user=planted.bob, allowed_org_ids=scope.org_ids(planted.bob))
    assert result.created == [] and result.skipped
    # and bob's own report does not contain it
    assert planted.school_far.pk not in {f["org_id"] for f in from_analysis.for_user(planted.bob, 2024).findings}


# ----------------------------------------------------------------------------------------
# The cycle's own rule: a high share of «2» per subject


def test_high_share_of_mark2_per_subject(planted: Any) -> None:
    from msoko.analysis.models import MethodologySetting
    from msoko.cycle import from_analysis

    w = planted
    base = {"year": 2024, "procedure": "OGE", "subject": "ru", "grade": 9}
    rows = [{**base, "org_id": w.school_a.pk, "student": f"oa{i}", "mark": 2 if i < 4 else 4} for i in range(10)]
    rows += [{**base, "org_id": w.school_b.pk, "student": f"ob{i}", "mark": 2 if i < 1 else 3} for i in range(10)]
    write("student_results", rows)
    found = from_analysis.from_report(report_of(w.municipality), kinds=["high_share_mark2"])
    assert found.findings == [{
        "kind": "high_share_mark2", "org_id": w.school_a.pk, "year": 2024, "procedure": "OGE",
        "subject": "ru", "grade": None, "share": 40.0, "municipality": 25.0, "threshold": 30.0,
        "results": 10, "source": "cycle",
    }]
    assert (found.from_analysis, found.own) == (0, 1)
    # fewer results than the methodology's minimum: not judged
    MethodologySetting.objects.create(territory=w.municipality, overrides={"min_results": 11})
    assert from_analysis.from_report(report_of(w.municipality), kinds=["high_share_mark2"]).findings == []


# ----------------------------------------------------------------------------------------
# Low results, the risk zone and non-objectivity: findings of a report


def hand_made_report(w: Any) -> dict[str, Any]:
    """A report of the engine's shape: school A is a ШНОР and has signs of non-objectivity,
    school B is in the risk zone and resilient."""
    from msoko.analysis.methodology import Methodology

    def indicator(code: str, label: str, year: int, value: float, muni: float, place: int, band: str) -> dict[str, Any]:
        return {"signal": code, "name": f"{label} ({year}/{year + 1})", "fired": bool(band), "text": "",
                "figures": {"indicator": code, "label": label, "year": year, "value": value, "n": 120,
                            "municipality": muni, "low_threshold": 30.0, "risk_threshold": 20.0,
                            "place_from_worst": place, "schools": 20, "band": band}}

    def finding(org: Any, kind: str, text: str, signals: list[dict[str, Any]], year: int | None = None) -> dict[str, Any]:
        return {"org_id": org.pk, "code": org.code, "name": org.short_name, "finding": kind, "title": kind,
                "year": year, "text": text, "signals": signals}

    share2 = "ВПР: доля отметок «2», %"
    mean = "ОГЭ (русский язык и математика): средняя отметка"
    return {
        "territory": {"id": w.municipality.pk, "code": w.municipality.code, "name": w.municipality.name},
        "year": 2024, "years": [2022, 2023, 2024],
        "methodology": Methodology().to_dict(), "methodology_fingerprint": "abc",
        "schools": [{"org_id": w.school_a.pk}, {"org_id": w.school_b.pk}],
        "findings": [
            finding(w.school_a, "low_results", "2023/2024: в нижних 10 % муниципалитета по 2 из 2 показателей.", [
                indicator("vpr.share_mark2", share2, 2023, 41.5, 12.0, 1, "low"),
                indicator("oge.mean_mark", mean, 2024, 2.91, 3.62, 1, "low"),
                indicator("ege.mean_test_score", "ЕГЭ: средний тестовый балл", 2024, 60.0, 61.0, 9, ""),
            ]),
            finding(w.school_a, "non_objective", "2024/2025: совпали 2 признака.", [
                {"signal": "journal_mismatch", "name": "ВПР выше отметок в журнале", "fired": True,
                 "figures": {}, "text": "Отметка за ВПР выше отметки в журнале у 36.0 % работ."},
                {"signal": "cutpoint_pileup", "name": "Скопление первичных баллов у границ отметок",
                 "fired": True, "figures": {}, "text": ""},
                {"signal": "gia_gap", "name": "ВПР намного выше результатов ОГЭ / ЕГЭ той же школы",
                 "fired": False, "figures": {}, "text": "разница +0.1"},
            ], 2024),
            finding(w.school_b, "risk_zone", "2024/2025: в зоне до 20 % — по 1.", [
                indicator("vpr.share_mark2", share2, 2024, 22.0, 12.0, 3, "risk"),
            ]),
            finding(w.school_b, "resilient", "", []),
            finding(w.school_b, "adverse_conditions", "", []),
        ],
        "objectivity": [], "low": {}, "dynamics": {}, "context": {"passports": {}}, "clusters": {"clusters": []},
    }


def test_low_results_risk_zone_and_non_objective_become_recommendations(world: Any) -> None:
    from msoko.cycle import from_analysis, rules, scope

    w = world
    found = from_analysis.from_report(hand_made_report(w), kinds=["low_results", "risk_zone", "non_objective"])
    assert [(f["kind"], f["org_id"]) for f in found.findings] == [
        ("low_results", w.school_a.pk), ("non_objective", w.school_a.pk), ("risk_zone", w.school_b.pk),
    ]
    assert found.from_analysis == 3
    result = rules.generate(found.findings, user=w.bob, allowed_org_ids=scope.org_ids(w.bob))
    recs = {r.rule: r for r in result.created}
    assert set(recs) == {"low_results", "non_objective", "risk_zone"}

    low = recs["low_results"]
    assert low.organisation == w.school_a and low.year == 2024 and low.direction.number == 2
    assert "отнесена к школам с низкими результатами" in low.text and "ШППКО" in low.text
    assert "ВПР: доля отметок «2», 2023/2024: 41,5 % при 12,0 % по муниципалитету, 1-е место с конца из 20" in low.text
    assert "ОГЭ (русский язык и математика): средняя отметка, 2024/2025: 2,91 при 3,62" in low.text
    assert "ЕГЭ" not in low.text  # an indicator outside the band is no reason

    non = recs["non_objective"]
    assert non.organisation == w.school_a and non.year == 2024
    assert "— ВПР выше отметок в журнале. Отметка за ВПР выше отметки в журнале у 36.0 % работ." in non.text
    assert "— Скопление первичных баллов у границ отметок" in non.text
    assert "ОГЭ / ЕГЭ" not in non.text  # a signal that did not fire
    assert non.finding["signals"] == ["journal_mismatch", "cutpoint_pileup"]

    risk = recs["risk_zone"]
    assert risk.organisation == w.school_b and risk.title.startswith("Зона риска")
    assert "в зоне риска (нижние 20 %)" in risk.text


def test_a_cut_report_gives_each_school_its_own_findings(world: Any) -> None:
    from msoko.analysis import service
    from msoko.cycle import from_analysis

    w = world
    report = hand_made_report(w)
    kinds = ["low_results", "risk_zone", "non_objective"]
    alice = from_analysis.from_report(service.for_user(report, w.alice), kinds=kinds)
    assert {f["org_id"] for f in alice.findings} == {w.school_a.pk}
    charlie = from_analysis.from_report(service.for_user(report, w.charlie), kinds=kinds)
    assert [(f["kind"], f["org_id"]) for f in charlie.findings] == [("risk_zone", w.school_b.pk)]


# ----------------------------------------------------------------------------------------
# Editing, sending, answering; the page


def test_edit_send_and_answer_permissions(planted: Any) -> None:
    from msoko.cycle import actions, rules
    from msoko.cycle.models import Recommendation

    w = planted
    rec = rules.generate([{"kind": "high_share_mark2", "org_id": w.school_a.pk, "year": 2024, "procedure": "OGE",
                           "subject": "ru", "share": 60.0, "municipality": 20.0, "threshold": 30.0}], user=w.bob).created[0]
    assert "60,0 %" in rec.text and "20,0 %" in rec.text
    bob = client_for(w.bob)
    resp = bob.post(f"/cycle/recommendations/{rec.pk}/", {
        "action": "edit", "organisation": w.school_a.pk, "addressee_group": "учителя русского языка 9-х классов",
        "year": 2024, "title": rec.title, "text": rec.text + "\nСрок — до конца четверти.", "state": "sent",
        "subject": "ru",
    })
    assert resp.status_code == 302, resp.content.decode()[:2000]
    rec.refresh_from_db()
    assert rec.state == "sent" and rec.addressee_group == "учителя русского языка 9-х классов"
    with pytest.raises(PermissionDenied):
        actions.answer_recommendation(user=w.charlie, recommendation=rec, answer="Не наше", state="declined")
    with pytest.raises(PermissionDenied):
        actions.answer_recommendation(user=w.bob, recommendation=rec, answer="За школу", state="done")
    assert client_for(w.charlie).post(f"/cycle/recommendations/{rec.pk}/", {"action": "answer", "state": "done", "answer": "x"}).status_code == 404
    alice = client_for(w.alice)
    assert alice.post(f"/cycle/recommendations/{rec.pk}/", {"action": "edit", "title": "x"}).status_code == 403
    resp = alice.post(f"/cycle/recommendations/{rec.pk}/", {"action": "answer", "state": "accepted", "answer": "Составлен план, занятия по вторникам."})
    assert resp.status_code == 302
    rec.refresh_from_db()
    assert rec.state == Recommendation.State.ACCEPTED and rec.answered_by == w.alice
    assert rec.answer == "Составлен план, занятия по вторникам."


def test_generate_from_the_page(planted: Any) -> None:
    from msoko.cycle.models import Recommendation

    bob = client_for(planted.bob)
    resp = bob.post("/cycle/recommendations/?year=2024", {"action": "generate"}, follow=True)
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "Анализ результатов «Энский район» за 2024/2025 уч. год: выводов анализа 1 (" in page
    assert "Новых рекомендаций: 1; уже были: 0." in page
    assert list(Recommendation.objects.values_list("organisation_id", flat=True)) == [planted.school_a.pk]
    # a year without results: a message, nothing written
    page = bob.post("/cycle/recommendations/?year=2019", {"action": "generate"}, follow=True).content.decode()
    assert "Рекомендации не сформированы: За 2019/2020 учебный год по школам территории «Энский район» результатов нет" in page
    assert Recommendation.objects.count() == 1
    assert client_for(planted.alice).post("/cycle/recommendations/?year=2024", {"action": "generate"}).status_code == 403
    assert client_for(planted.charlie).post("/cycle/recommendations/?year=2024", {"action": "generate"}).status_code == 403
