"""Where a measure stands today: done, overdue, due soon, planned, or «по мере необходимости».

A measure is due on each date its deadline implies (``deadlines.parse`` over its roadmap's
years, or the «по графику» date entered by hand). Each report («исполнено») covers one due
date. On ``today``:

* **исполнено** — every due date is covered (or, with no due date, there is a report), or
  the measure is marked done;
* **просрочено** — a due date before today is not covered;
* **срок подходит** — the next uncovered due date is within ``UPCOMING_DAYS`` days;
* **запланировано** — the next due date is later; **по мере необходимости** — no due date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

UPCOMING_DAYS = 30


class State:
    DONE = "done"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"
    PLANNED = "planned"
    ON_DEMAND = "on_demand"
    CANCELLED = "cancelled"

    LABELS = {
        DONE: "Исполнено",
        OVERDUE: "Просрочено",
        UPCOMING: "Срок подходит",
        PLANNED: "Запланировано",
        ON_DEMAND: "По мере необходимости",
        CANCELLED: "Отменено",
    }


@dataclass
class MeasureState:
    code: str
    due_dates: list[datetime.date] = field(default_factory=list)
    covered: list[datetime.date] = field(default_factory=list)
    overdue: list[datetime.date] = field(default_factory=list)
    next_due: datetime.date | None = None

    @property
    def label(self) -> str:
        return State.LABELS[self.code]

    @property
    def open_due(self) -> datetime.date | None:
        """The due date a new report should cover: the earliest overdue, else the next."""
        return self.overdue[0] if self.overdue else self.next_due


def today() -> datetime.date:
    return timezone.localdate()


def covered_dates(due_dates: list[datetime.date], reports: list[Any]) -> list[datetime.date]:
    """The due dates the reports cover: a report names its due date; a report without one
    covers the earliest due date not yet covered."""
    remaining = list(due_dates)
    covered: list[datetime.date] = []
    for report in sorted(reports, key=lambda r: (r.due is None, r.due or r.done_on)):
        if report.due is not None and report.due in remaining:
            remaining.remove(report.due)
            covered.append(report.due)
        elif report.due is None and remaining:
            covered.append(remaining.pop(0))
    return sorted(covered)


def measure_state(measure: Any, on: datetime.date | None = None, *, horizon: int = UPCOMING_DAYS) -> MeasureState:
    from msoko.cycle.models import Status

    day = on or today()
    due = sorted(measure.due_dates())
    reports = list(measure.reports.all())
    if measure.status == Status.CANCELLED:
        return MeasureState(State.CANCELLED, due)
    covered = covered_dates(due, reports)
    open_dates = list(due)
    for d in covered:
        open_dates.remove(d)
    overdue = [d for d in open_dates if d < day]
    upcoming = [d for d in open_dates if d >= day]
    next_due = upcoming[0] if upcoming else None
    if measure.status == Status.DONE or (due and not open_dates) or (not due and reports):
        return MeasureState(State.DONE, due, covered, [], None)
    if overdue:
        return MeasureState(State.OVERDUE, due, covered, overdue, next_due)
    if not due:
        return MeasureState(State.ON_DEMAND, due, covered)
    assert next_due is not None  # noqa: S101 - open dates exist and none is overdue
    code = State.UPCOMING if (next_due - day).days <= horizon else State.PLANNED
    return MeasureState(code, due, covered, [], next_due)


@dataclass
class Reminders:
    overdue: list[tuple[Any, MeasureState]]
    upcoming: list[tuple[Any, MeasureState]]

    @property
    def empty(self) -> bool:
        return not self.overdue and not self.upcoming


def reminders(measures: Any, on: datetime.date | None = None, *, horizon: int = UPCOMING_DAYS) -> Reminders:
    """Overdue and upcoming measures among ``measures`` (a queryset), the most urgent first."""
    from msoko.cycle.models import Status

    day = on or today()
    overdue, upcoming = [], []
    qs = (
        measures.exclude(status__in=[Status.DONE, Status.CANCELLED])
        .select_related("roadmap", "organisation")
        .prefetch_related("reports")
    )
    for measure in qs:
        state = measure_state(measure, day, horizon=horizon)
        if state.code == State.OVERDUE:
            overdue.append((measure, state))
        elif state.code == State.UPCOMING:
            upcoming.append((measure, state))
    overdue.sort(key=lambda ms: (ms[1].overdue[0], ms[0].pk))
    upcoming.sort(key=lambda ms: (ms[1].next_due or day, ms[0].pk))
    return Reminders(overdue, upcoming)
