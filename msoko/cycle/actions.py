"""Every write of the management cycle, one function each: the permission check, then the
change (audited by the signals of ``msoko.access.audit``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from msoko.cycle import scope
from msoko.cycle.models import (
    ChecklistItem,
    ChecklistMark,
    Decision,
    Direction,
    Measure,
    MeasureReport,
    Recommendation,
    Roadmap,
    StageEvidence,
    Status,
)
from msoko.cycle.status import measure_state


def _deny(message: str) -> PermissionDenied:
    return PermissionDenied(message)


@transaction.atomic
def save_measure(*, user: Any, measure: Measure) -> Measure:
    """Create or change a measure of a roadmap the user keeps."""
    if not scope.can_edit_roadmap(user, measure.roadmap):
        raise _deny("Изменять мероприятия этой дорожной карты может только её ответственный.")
    if measure.pk is None and not measure.order:
        last = Measure.objects.filter(roadmap=measure.roadmap).order_by("-order").first()
        measure.order = (last.order + 1) if last else 1
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def report_measure(
    *,
    user: Any,
    measure: Measure,
    done_on: datetime.date,
    document: str,
    document_url: str = "",
    comment: str = "",
    implementation: str = "",
    due: datetime.date | None = None,
) -> MeasureReport:
    """«Исполнено» for one due date (by default the earliest open one), with its document."""
    if not scope.can_report_measure(user, measure):
        raise _deny("Отчитаться об этом мероприятии может только ответственный или адресат.")
    if not document.strip():
        raise ValueError("Укажите отчётный документ.")
    if due is None:
        due = measure_state(measure, done_on).open_due
    report = MeasureReport.objects.create(
        measure=measure,
        due=due,
        done_on=done_on,
        document=document.strip()[:500],
        document_url=document_url,
        comment=comment,
        implementation=implementation,
        reported_by=user if getattr(user, "pk", None) else None,
    )
    changed = []
    if implementation:
        measure.implementation = implementation
        changed.append("implementation")
    state = measure_state(measure)
    new_status = Status.DONE if state.code == "done" else Status.IN_PROGRESS
    if measure.status != new_status:
        measure.status = new_status
        changed.append("status")
    if changed:
        measure.save(update_fields=[*changed, "updated_at"])
    return report


@transaction.atomic
def save_roadmap(*, user: Any, roadmap: Roadmap) -> Roadmap:
    if roadmap.organisation_id is None and not scope.can_manage(user, roadmap.territory_id):
        raise _deny("Дорожные карты муниципалитета ведёт специалист управления образования.")
    if roadmap.organisation_id is not None and not scope.can_edit_roadmap(user, roadmap):
        raise _deny("Нет прав на план этой организации.")
    if roadmap.year_to < roadmap.year_from:
        raise ValueError("Год окончания раньше года начала.")
    if roadmap.pk is None and getattr(user, "pk", None):
        roadmap.created_by = user
    roadmap.save()
    return roadmap


@transaction.atomic
def save_recommendation(*, user: Any, recommendation: Recommendation) -> Recommendation:
    if not scope.can_manage(user, recommendation.territory_id):
        raise _deny("Рекомендации составляет специалист управления образования.")
    if recommendation.organisation.territory_id != recommendation.territory_id:
        recommendation.territory_id = recommendation.organisation.territory_id
    if recommendation.pk is None and getattr(user, "pk", None):
        recommendation.created_by = user
    recommendation.save()
    return recommendation


@transaction.atomic
def send_recommendations(*, user: Any, recommendations: list[Recommendation]) -> int:
    sent = 0
    for rec in recommendations:
        if rec.state != Recommendation.State.DRAFT:
            continue
        if not scope.can_manage(user, rec.territory_id):
            raise _deny("Направлять рекомендации может специалист управления образования.")
        rec.state = Recommendation.State.SENT
        rec.save(update_fields=["state", "updated_at"])
        sent += 1
    return sent


@transaction.atomic
def answer_recommendation(
    *, user: Any, recommendation: Recommendation, answer: str, state: str
) -> Recommendation:
    """The addressed school's answer: accepted, done or declined, with its text."""
    if not scope.can_answer(user, recommendation):
        raise _deny("Ответить на рекомендацию может только администратор адресата.")
    allowed = {
        Recommendation.State.ACCEPTED,
        Recommendation.State.DONE,
        Recommendation.State.DECLINED,
    }
    if state not in allowed:
        raise ValueError("Выберите: принята к исполнению, выполнена или отклонена.")
    if not answer.strip():
        raise ValueError("Напишите ответ.")
    recommendation.answer = answer.strip()
    recommendation.state = state
    recommendation.answered_at = timezone.now()
    recommendation.answered_by = user
    recommendation.save()
    return recommendation


@transaction.atomic
def save_decision(
    *,
    user: Any,
    decision: Decision,
    measures: list[Measure] | None = None,
    recommendations: list[Recommendation] | None = None,
) -> Decision:
    if not scope.can_manage(user, decision.territory_id):
        raise _deny("Управленческие решения вносит специалист управления образования.")
    if decision.pk is None and getattr(user, "pk", None):
        decision.created_by = user
    decision.save()
    if measures is not None:
        decision.measures.set(measures)
    if recommendations is not None:
        decision.recommendations.set(recommendations)
    return decision


@transaction.atomic
def mark_checklist(
    *,
    user: Any,
    territory: Any,
    direction: Direction,
    year: int,
    marks: dict[int, tuple[bool, str]],
) -> int:
    """Set the self-assessment marks ({item id: (met, evidence)}); returns how many changed."""
    if not scope.can_manage(user, territory.pk):
        raise _deny("Самооценку заполняет специалист управления образования.")
    changed = 0
    items = {i.pk: i for i in ChecklistItem.objects.filter(pk__in=list(marks))}
    for item_id, (met, evidence) in marks.items():
        if item_id not in items:
            continue
        mark, _ = ChecklistMark.objects.get_or_create(
            territory=territory, direction=direction, item=items[item_id], year=year
        )
        if mark.met != met or mark.evidence != evidence:
            mark.met, mark.evidence = met, evidence[:1000]
            mark.marked_by = user if getattr(user, "pk", None) else None
            mark.save()
            changed += 1
    return changed


@transaction.atomic
def add_stage_evidence(*, user: Any, evidence: StageEvidence) -> StageEvidence:
    if not scope.can_manage(user, evidence.territory_id):
        raise _deny("Подтверждения этапов вносит специалист управления образования.")
    evidence.added_by = user if getattr(user, "pk", None) else None
    evidence.save()
    return evidence
