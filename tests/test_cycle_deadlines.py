"""Deadlines as people write them (seeds 001, 002, 004) and what is overdue on a frozen clock.

Every expected date below is worked out by hand from the rules in ``msoko.cycle.deadlines``:
a month is due on its last day, a range of months on the last day of the last month,
«ежегодно» / «в течение года» / «по графику» without a month at the end of each year of the
roadmap (of each academic year, 31 August, for an academic-year roadmap).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from msoko.cycle.deadlines import Kind, parse

D = datetime.date


@pytest.mark.parametrize(
    ("text", "years", "academic", "kind", "dues"),
    [
        # seed 001 (Стрежевой, 2021)
        ("май", (2021, 2021), False, Kind.DATE, [D(2021, 5, 31)]),
        ("май-июнь", (2021, 2021), False, Kind.PERIOD, [D(2021, 6, 30)]),
        ("ежегодно, по графику", (2021, 2021), False, Kind.ANNUAL, [D(2021, 12, 31)]),
        ("по графику", (2021, 2021), False, Kind.SCHEDULE, [D(2021, 12, 31)]),
        ("по потребности", (2021, 2021), False, Kind.ON_DEMAND, []),
        ("постоянно", (2021, 2021), False, Kind.CONTINUOUS, [D(2021, 12, 31)]),
        ("август, ежегодно", (2021, 2021), False, Kind.ANNUAL, [D(2021, 8, 31)]),
        ("июнь, октябрь, ежегодно", (2021, 2021), False, Kind.ANNUAL, [D(2021, 6, 30), D(2021, 10, 31)]),
        ("сентябрь 2021", (2021, 2021), False, Kind.DATE, [D(2021, 9, 30)]),
        ("2020-2025", (2021, 2021), False, Kind.PERIOD, [D(2025, 12, 31)]),
        ("июнь-август, ежегодно", (2021, 2021), False, Kind.ANNUAL, [D(2021, 8, 31)]),
        # seed 002 (Сампурский район, 2022–2024)
        ("сентябрь, ежегодно", (2022, 2024), False, Kind.ANNUAL, [D(2022, 9, 30), D(2023, 9, 30), D(2024, 9, 30)]),
        ("июль 2022-2024 г.г.", (2022, 2024), False, Kind.ANNUAL, [D(2022, 7, 31), D(2023, 7, 31), D(2024, 7, 31)]),
        ("Март-май 2022-2024 г.г.", (2022, 2024), False, Kind.ANNUAL, [D(2022, 5, 31), D(2023, 5, 31), D(2024, 5, 31)]),
        ("В течение года по графику", (2022, 2024), False, Kind.SCHEDULE, [D(2022, 12, 31), D(2023, 12, 31), D(2024, 12, 31)]),
        ("В течение 2022-2024 г.г.", (2022, 2024), False, Kind.CONTINUOUS, [D(2022, 12, 31), D(2023, 12, 31), D(2024, 12, 31)]),
        ("Март 2022", (2022, 2024), False, Kind.DATE, [D(2022, 3, 31)]),
        ("По мере необходимости", (2022, 2024), False, Kind.ON_DEMAND, []),
        ("В период проведения", (2022, 2024), False, Kind.ON_DEMAND, []),
        # seed 004 (Горячий Ключ, 2023/24 academic year)
        ("Декабрь 2023", (2023, 2024), True, Kind.DATE, [D(2023, 12, 31)]),
        ("до 01.03.2024", (2023, 2024), True, Kind.DATE, [D(2024, 3, 1)]),
        ("Август 2023 январь 2024", (2023, 2024), True, Kind.DATE, [D(2023, 8, 31), D(2024, 1, 31)]),
        ("Октябрь 2023 г. - май 2024 г.", (2023, 2024), True, Kind.PERIOD, [D(2024, 5, 31)]),
        ("Февраль — март 2024", (2023, 2024), True, Kind.PERIOD, [D(2024, 3, 31)]),
        ("В течение года", (2023, 2024), True, Kind.CONTINUOUS, [D(2024, 8, 31)]),
        # seed 000 and others
        ("2021-2022, 3 квартал 2022", (2022, 2022), False, Kind.DATE, [D(2022, 9, 30)]),
        ("IV квартал", (2024, 2024), False, Kind.DATE, [D(2024, 12, 31)]),
        ("10.05.2022", (2022, 2022), False, Kind.DATE, [D(2022, 5, 10)]),
        ("", (2022, 2022), False, Kind.UNKNOWN, []),
    ],
)
def test_deadline_text_gives_due_dates(text: str, years: tuple[int, int], academic: bool, kind: str, dues: list[D]) -> None:
    deadline = parse(text, years=years, academic=academic)
    assert deadline.text == text
    assert deadline.kind == kind
    assert [o.due for o in deadline.occurrences] == dues


def _measure(world: Any, text: str, years: tuple[int, int], **extra: Any) -> Any:
    from msoko.cycle.models import Measure, Roadmap

    roadmap = Roadmap.objects.create(
        territory=world.municipality, title="Дорожная карта", year_from=years[0], year_to=years[1]
    )
    return Measure.objects.create(roadmap=roadmap, content="Мероприятие", deadline_text=text, **extra)


def _report(measure: Any, done_on: D, due: D | None = None) -> None:
    from msoko.cycle.models import MeasureReport

    MeasureReport.objects.create(measure=measure, done_on=done_on, due=due, document="Аналитическая справка")


def test_annual_measure_is_overdue_only_for_the_year_not_reported(world: Any) -> None:
    """«сентябрь, ежегодно» over 2022–2024 is due 30.09.2022, 30.09.2023, 30.09.2024."""
    from msoko.cycle.status import State, measure_state

    m = _measure(world, "сентябрь, ежегодно", (2022, 2024))
    with time_machine.travel(D(2022, 9, 15), tick=False):
        state = measure_state(m)
        assert state.code == State.UPCOMING  # 15 days before 30.09.2022
        assert state.next_due == D(2022, 9, 30)
    with time_machine.travel(D(2022, 8, 1), tick=False):
        assert measure_state(m).code == State.PLANNED  # 60 days ahead
    with time_machine.travel(D(2022, 10, 1), tick=False):
        state = measure_state(m)
        assert state.code == State.OVERDUE
        assert state.overdue == [D(2022, 9, 30)]
    _report(m, D(2022, 9, 28))  # covers the earliest open due date
    with time_machine.travel(D(2022, 10, 1), tick=False):
        state = measure_state(m)
        assert state.code == State.PLANNED
        assert state.next_due == D(2023, 9, 30)
    with time_machine.travel(D(2023, 10, 2), tick=False):
        assert measure_state(m).overdue == [D(2023, 9, 30)]
    _report(m, D(2023, 10, 5), due=D(2023, 9, 30))
    _report(m, D(2024, 9, 20), due=D(2024, 9, 30))
    with time_machine.travel(D(2025, 1, 1), tick=False):
        assert measure_state(m).code == State.DONE


def test_by_schedule_is_due_at_year_end_unless_the_schedule_date_is_entered(world: Any) -> None:
    from msoko.cycle.status import State, measure_state

    m = _measure(world, "по графику", (2021, 2021))
    # 20.11 → 31.12 is 41 days: planned, not yet upcoming (30 days)
    with time_machine.travel(D(2021, 11, 20), tick=False):
        assert measure_state(m).code == State.PLANNED
    with time_machine.travel(D(2021, 12, 5), tick=False):
        assert measure_state(m).code == State.UPCOMING
    with time_machine.travel(D(2022, 1, 1), tick=False):
        assert measure_state(m).code == State.OVERDUE
    m.scheduled_on = D(2021, 4, 20)  # the date of the ВПР schedule, entered by the specialist
    m.save()
    with time_machine.travel(D(2021, 4, 21), tick=False):
        state = measure_state(m)
        assert state.code == State.OVERDUE
        assert state.overdue == [D(2021, 4, 20)]


def test_on_demand_is_never_overdue_and_unknown_text_neither(world: Any) -> None:
    from msoko.cycle.status import State, measure_state

    m = _measure(world, "по мере необходимости", (2022, 2024))
    with time_machine.travel(D(2030, 1, 1), tick=False):
        assert measure_state(m).code == State.ON_DEMAND
    _report(m, D(2023, 3, 1))
    assert measure_state(m).code == State.DONE


def test_reminders_list_overdue_first_and_upcoming(world: Any) -> None:
    from msoko.cycle.models import Measure
    from msoko.cycle.status import reminders

    annual = _measure(world, "ежегодно", (2024, 2024))  # due 31.12.2024
    soon = _measure(world, "до 15.01.2025", (2025, 2025))
    later = _measure(world, "май 2025", (2025, 2025))
    with time_machine.travel(D(2025, 1, 2), tick=False):
        found = reminders(Measure.objects.all())
    assert [m.pk for m, _ in found.overdue] == [annual.pk]
    assert [m.pk for m, _ in found.upcoming] == [soon.pk]
    assert later.pk not in [m.pk for m, _ in found.upcoming]
