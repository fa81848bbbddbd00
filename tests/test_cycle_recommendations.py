"""Addressed recommendations: a weak topic planted in school A's ВПР results becomes a
recommendation to school A's teachers of mathematics, naming the topic and school A's ШМО,
and reaches no other school; the specialist edits and sends; only school A's administrator
answers it.

Planted facts (ВПР, математика, 5 класс, 2024/25), tasks with max score 1:

* task 1 «1.1 Натуральные числа», task 2 «1.2 Обыкновенные дроби», task 3 «2.1 Текстовые
  задачи», task 4 «3.1 Площадь прямоугольника»;
* school A, 5 students: tasks 1, 3, 4 all solved, task 2 by 1 of 5 → 20 %;
* school B, 5 students: everything solved → 100 %;
* the far school (another municipality), 5 students: task 2 by nobody (bob does not see it).

Over bob's scope (A and B), «Дроби» is done by (1 + 5) / 10 = 60 %; school A's 20 % is below
50 % and 40 points below → weak. Nothing else is weak (A's other topics are at 100 %).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import client_for

TASKS = [("1", "1.1", "Натуральные числа"), ("2", "1.2", "Обыкновенные дроби"),
         ("3", "2.1", "Текстовые задачи"), ("4", "3.1", "Площадь прямоугольника")]


def plant(world: Any) -> None:
    from msoko.facts.models import Assessment, Procedure, TaskSpec
    from msoko.facts.store import open_batch
    from msoko.registry.models import Subject

    assessment = Assessment.objects.create(
        procedure=Procedure.objects.get(code="VPR"), subject=Subject.objects.get(code="math"), grade=5, year=world.year
    )
    for k, (number, code, name) in enumerate(TASKS):
        TaskSpec.objects.create(assessment=assessment, number=number, position=k, max_score=1,
                                level="basic", codifier_code=code, codifier_name=name)
    rows = []

    def school(org: Any, prefix: str, task2: list[int]) -> None:
        for i in range(5):
            for number, _, _ in TASKS:
                score = task2[i] if number == "2" else 1
                rows.append({"batch_id": 0, "org_id": org.pk, "year": 2024, "procedure": "VPR", "subject": "math",
                             "grade": 5, "student": f"{prefix}{i}", "task": number, "score": float(score)})

    school(world.school_a, "a", [1, 0, 0, 0, 0])
    school(world.school_b, "b", [1, 1, 1, 1, 1])
    school(world.school_far, "f", [0, 0, 0, 0, 0])
    from msoko.facts.schema import TABLES

    table = pa.Table.from_pylist(rows, schema=TABLES["task_scores"])
    with open_batch(kind="vpr_tasks", source="tests") as batch:
        batch.write("task_scores", table)


@pytest.fixture
def planted(world: Any) -> Any:
    from msoko.registry.models import MethodAssociation, Subject

    plant(world)
    shmo = MethodAssociation.objects.create(level="school", name="ШМО учителей математики СОШ № 1", organisation=world.school_a)
    shmo.subjects.add(Subject.objects.get(code="math"))
    rmo = MethodAssociation.objects.create(level="district", name="РМО учителей математики Энского района", territory=world.municipality)
    rmo.subjects.add(Subject.objects.get(code="math"))
    return world


def test_weak_topic_finding_from_facts(planted: Any) -> None:
    from msoko.cycle.findings import weak_topics
    from msoko.facts.store import OrgScope

    found = weak_topics(scope=OrgScope.for_user(planted.bob), year=2024, procedure="VPR", subject="math", grade=5)
    assert found == [{
        "kind": "weak_topics", "org_id": planted.school_a.pk, "year": 2024, "procedure": "VPR",
        "subject": "math", "grade": 5,
        "topics": [{"code": "1.2", "name": "Обыкновенные дроби", "school": 20.0, "municipality": 60.0}],
    }]


def test_recommendation_reaches_the_right_school_and_no_other(planted: Any) -> None:
    from msoko.cycle import actions, rules, scope
    from msoko.cycle.findings import all_findings
    from msoko.cycle.models import Recommendation
    from msoko.facts.store import OrgScope

    w = planted
    findings = all_findings(scope=OrgScope.for_user(w.bob), year=2024)
    result = rules.generate(findings, user=w.bob, allowed_org_ids=scope.org_ids(w.bob))
    assert len(result.created) == 1
    rec = result.created[0]
    assert rec.organisation == w.school_a
    assert rec.rule == "weak_topics"
    assert "Обыкновенные дроби" in rec.text and "20,0 %" in rec.text and "60,0 %" in rec.text
    assert rec.addressee_group == "учителя предмета «Математика» (5-е классы)"
    assert rec.method_association.name == "ШМО учителей математики СОШ № 1"
    assert rec.state == Recommendation.State.DRAFT
    # running again adds nothing
    assert rules.generate(findings, user=w.bob).existing == 1

    # a draft reaches nobody at school; once sent, school A and only school A
    assert not scope.visible_recommendations(w.alice).exists()
    actions.send_recommendations(user=w.bob, recommendations=[rec])
    assert list(scope.visible_recommendations(w.alice)) == [rec]
    assert not scope.visible_recommendations(w.charlie).exists()
    assert list(scope.visible_recommendations(w.bob)) == [rec]
    assert client_for(w.charlie).get(f"/cycle/recommendations/{rec.pk}/").status_code == 404
    page = client_for(w.alice).get(f"/cycle/recommendations/{rec.pk}/")
    assert page.status_code == 200 and "Обыкновенные дроби" in page.content.decode()


def test_far_school_is_not_addressed_by_bob(planted: Any) -> None:
    from msoko.cycle import rules, scope
    from msoko.cycle.findings import weak_topics
    from msoko.facts.store import OrgScope

    # a system-wide finding for the far school is skipped for bob, never written
    far = weak_topics(scope=OrgScope.of([planted.school_far.pk, planted.school_b.pk]), year=2024,
                      procedure="VPR", subject="math", grade=5)
    assert [f["org_id"] for f in far] == [planted.school_far.pk]
    result = rules.generate(far, user=planted.bob, allowed_org_ids=scope.org_ids(planted.bob))
    assert result.created == [] and result.skipped


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

    resp = client_for(planted.bob).post("/cycle/recommendations/?year=2024", {"action": "generate"})
    assert resp.status_code == 302
    assert list(Recommendation.objects.values_list("organisation_id", flat=True)) == [planted.school_a.pk]
    assert client_for(planted.alice).post("/cycle/recommendations/?year=2024", {"action": "generate"}).status_code == 403
