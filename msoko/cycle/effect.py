"""Did it work? The indicator a measure (or a plan row) targets, before and after; which
stages of each direction's cycle have evidence; the self-assessment of a direction as the
share of its checklist met («механизмы сформированы на 50 %», seed 004).

Values come from the indicator store through ``msoko.indicators.api`` with the asking user's
scope, so a school user sees only their school's values.

* **before** — the value in the baseline year: the measure's ``baseline_year``, else the
  academic year before the roadmap starts (a roadmap for 2022 starts from the 2021/22
  results), else the latest earlier year with a value;
* **after** — the value in the measure's ``target_year``, else the latest year after the
  baseline with a value;
* the change is better or worse by the indicator's direction («чем больше, тем лучше» or
  «чем меньше, тем лучше»).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from msoko.facts.store import OrgScope


@dataclass
class Change:
    code: str
    name: str
    unit: str
    direction: str
    before_year: int | None
    before: float | None
    after_year: int | None
    after: float | None
    series: dict[int, float | None] = field(default_factory=dict)

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def verdict(self) -> str:
        """«better», «worse», «same» or «unknown»."""
        d = self.delta
        if d is None or self.direction not in ("higher", "lower"):
            return "unknown"
        if abs(d) < 1e-9:
            return "same"
        better = d > 0 if self.direction == "higher" else d < 0
        return "better" if better else "worse"

    @property
    def verdict_label(self) -> str:
        return {
            "better": "улучшился",
            "worse": "ухудшился",
            "same": "не изменился",
            "unknown": "нет данных для сравнения",
        }[self.verdict]


def indicator_change(
    indicator: Any,
    *,
    scope: OrgScope | None,
    organisation_id: int | None,
    territory_id: int | None,
    subject: str | None = None,
    grade: int | None = None,
    baseline_year: int | None = None,
    target_year: int | None = None,
    start_year: int | None = None,
) -> Change | None:
    if indicator is None:
        return None
    from msoko.indicators import api

    values = api.series(
        indicator.code,
        scope=scope,
        organisation_id=organisation_id,
        territory_id=None if organisation_id else territory_id,
        subject=subject or None,
        grade=grade,
    )
    known = {y: v for y, v in values.items() if v is not None}
    base = baseline_year if baseline_year is not None else (start_year - 1 if start_year else None)
    before_year: int | None = None
    if base is not None:
        earlier = [y for y in known if y <= base]
        before_year = max(earlier) if earlier else None
    elif known:
        before_year = min(known)
    after_year: int | None = None
    if target_year is not None:
        after_year = target_year if target_year in known else None
    else:
        later = [y for y in known if before_year is None or y > before_year]
        after_year = max(later) if later else None
    return Change(
        code=indicator.code,
        name=indicator.name,
        unit=indicator.get_unit_display(),
        direction=indicator.direction,
        before_year=before_year,
        before=known.get(before_year) if before_year is not None else None,
        after_year=after_year,
        after=known.get(after_year) if after_year is not None else None,
        series=values,
    )


def measure_change(measure: Any, scope: OrgScope | None) -> Change | None:
    indicator = measure.indicator
    subject = measure.indicator_subject or None
    grade = measure.indicator_grade
    if indicator is None and measure.plan_row_id and measure.plan_row.indicator_id:
        indicator = measure.plan_row.indicator
    if indicator is None:
        return None
    return indicator_change(
        indicator,
        scope=scope,
        organisation_id=measure.organisation_id or measure.roadmap.organisation_id,
        territory_id=measure.roadmap.territory_id,
        subject=subject,
        grade=grade,
        baseline_year=measure.baseline_year,
        target_year=measure.target_year,
        start_year=measure.roadmap.year_from,
    )


def plan_row_change(row: Any, scope: OrgScope | None) -> Change | None:
    return indicator_change(
        row.indicator,
        scope=scope,
        organisation_id=row.roadmap.organisation_id,
        territory_id=row.roadmap.territory_id,
        start_year=row.roadmap.year_from,
    )


# --- stages of the cycle and the self-assessment -------------------------------------------


def stage_evidence(territory: Any, direction: Any, year: int) -> dict[str, list[str]]:
    """Evidence of each stage of a direction's cycle in a territory for the academic year
    starting in ``year``: what msoko holds (goals, indicators, reports with analytical
    reports, recommendations, measures, decisions, measures with a target indicator) and
    the documents a specialist named (``StageEvidence``)."""
    from msoko.cycle.models import (
        Decision,
        Measure,
        MeasureReport,
        Recommendation,
        Stage,
        StageEvidence,
        TerritoryDirection,
    )
    from msoko.indicators.models import IndicatorDefinition

    out: dict[str, list[str]] = {s.value: [] for s in Stage}
    td = TerritoryDirection.objects.filter(territory=territory, direction=direction).first()
    if td and td.goals.strip():
        out[Stage.GOALS].append("Цели направления записаны")
    indicators = list(td.indicators.all()) if td else []
    if not indicators and direction.indicator_section:
        indicators = list(
            IndicatorDefinition.objects.filter(catalog__code="directions", section=direction.indicator_section)
        )
    if indicators:
        out[Stage.INDICATORS].append(f"Показателей: {len(indicators)}")
        methods = {i.collection_method for i in indicators if i.collection_method}
        if methods:
            out[Stage.COLLECTION].append("Методы сбора: " + "; ".join(sorted(methods))[:300])
    if td and td.collection_methods.strip():
        out[Stage.COLLECTION].append("Методы сбора информации описаны")
    measures = Measure.objects.filter(
        roadmap__territory=territory,
        direction=direction,
        roadmap__year_from__lte=year + 1,
        roadmap__year_to__gte=year,
    )
    n_measures = measures.count()
    if n_measures:
        out[Stage.MEASURES].append(f"Мероприятий в дорожных картах: {n_measures}")
    reports = MeasureReport.objects.filter(measure__in=measures)
    for report in reports.filter(measure__content__icontains="мониторинг")[:5]:
        out[Stage.MONITORING].append(f"{report.document} ({report.done_on:%d.%m.%Y})")
    for report in reports.filter(document__icontains="справк")[:5]:
        out[Stage.ANALYSIS].append(f"{report.document} ({report.done_on:%d.%m.%Y})")
    recs = Recommendation.objects.filter(territory=territory, direction=direction, year=year).exclude(
        state=Recommendation.State.DRAFT
    )
    if recs.exists():
        out[Stage.RECOMMENDATIONS].append(f"Адресных рекомендаций направлено: {recs.count()}")
    decisions = Decision.objects.filter(territory=territory).filter(
        models_q_direction(direction)
    ).distinct()
    for decision in decisions[:5]:
        out[Stage.DECISIONS].append(str(decision))
    with_target = measures.filter(indicator__isnull=False, reports__isnull=False).distinct().count()
    if with_target:
        out[Stage.EFFECTIVENESS].append(f"Мероприятий с целевым показателем и отчётом: {with_target}")
    for ev in StageEvidence.objects.filter(territory=territory, direction=direction, year=year):
        out[ev.stage].append(ev.document)
    return out


def models_q_direction(direction: Any) -> Any:
    from django.db.models import Q

    return Q(direction=direction) | Q(measures__direction=direction)


@dataclass
class SelfAssessment:
    items: list[tuple[Any, Any]]  # (ChecklistItem, ChecklistMark | None)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def met(self) -> int:
        return sum(1 for _, mark in self.items if mark is not None and mark.met)

    @property
    def percent(self) -> int | None:
        """Share of the checklist met, whole percent (rounded half up), None with no items."""
        if not self.total:
            return None
        return int(100 * self.met / self.total + 0.5)


def self_assessment(territory: Any, direction: Any, year: int) -> SelfAssessment:
    from django.db.models import Q

    from msoko.cycle.models import ChecklistItem, ChecklistMark

    items = list(
        ChecklistItem.objects.filter(is_active=True)
        .filter(Q(direction__isnull=True) | Q(direction=direction))
        .order_by("order", "pk")
    )
    marks = {
        m.item_id: m
        for m in ChecklistMark.objects.filter(territory=territory, direction=direction, year=year)
    }
    return SelfAssessment([(item, marks.get(item.pk)) for item in items])
