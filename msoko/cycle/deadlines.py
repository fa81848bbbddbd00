"""Deadlines as people write them, and the due dates they imply.

Roadmaps say «май», «сентябрь, ежегодно», «июль 2022-2024 г.г.», «до 01.03.2024»,
«IV квартал», «по графику», «в течение года», «постоянно», «по мере необходимости».
msoko keeps the text and derives from it, for the period of the roadmap (its years):

* ``kind`` — a date, a period, annual, by schedule, continuous, on demand, or unknown;
* ``occurrences`` — the due dates (with the start of each window), one per time the measure
  must be reported: a single date for «до 01.03.2024», one per year for «ежегодно» and
  «в течение 2022-2024 г.г.», one per month named for «июнь, октябрь, ежегодно».

Rules (each a hand-checked test in ``tests/test_cycle_deadlines.py``):

* a month without a year falls in each year of the roadmap; a month with a year or a range
  of years («Сентябрь 2022-2024 г.г.») falls in each of those years; it is due on the
  month's last day;
* «до DD.MM.YYYY» and «DD.MM.YYYY» are due on that date; «до 2025 года» at the end of 2025;
* a quarter («IV квартал», «3 квартал 2022») is due on the quarter's last day;
* a range of months («март-май», «Сентябрь 2023 г. - май 2024 г.») is a period: it starts on
  the first day of the first month and is due on the last day of the last one;
* «ежегодно», «в течение года», «постоянно», «по итогам учебного года» with no month are due
  at the end of each calendar year of the roadmap;
* «по графику» / «по плану» with no month is also due at the end of each year, unless the
  specialist enters the date of the schedule (``Measure.scheduled_on``), which then wins;
* «по мере необходимости», «по потребности», «в период проведения ...», «в период каникул»
  have no due date: they are never overdue.

A roadmap for an academic year (Горячий Ключ: «на 2023-2024 учебный год», ``academic=True``)
counts «в течение года», «ежегодно» and «по графику» per academic year (1 September to
31 August), and a month without a year falls in the academic year: September to December in
its first calendar year, January to August in the second.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, field

MONTHS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,  # май, мая, мае — checked last (see _month_of)
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


class Kind:
    DATE = "date"
    PERIOD = "period"
    ANNUAL = "annual"
    SCHEDULE = "schedule"
    CONTINUOUS = "continuous"
    ON_DEMAND = "on_demand"
    UNKNOWN = "unknown"

    LABELS = {
        DATE: "к сроку",
        PERIOD: "период",
        ANNUAL: "ежегодно",
        SCHEDULE: "по графику",
        CONTINUOUS: "постоянно / в течение года",
        ON_DEMAND: "по мере необходимости",
        UNKNOWN: "срок не распознан",
    }


@dataclass(frozen=True)
class Occurrence:
    """One time a measure is due: its window starts on ``start`` and ends (is due) on ``due``."""

    start: datetime.date
    due: datetime.date


@dataclass(frozen=True)
class Deadline:
    text: str
    kind: str
    occurrences: tuple[Occurrence, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return Kind.LABELS[self.kind]

    @property
    def recurring(self) -> bool:
        return len(self.occurrences) > 1

    @property
    def first_due(self) -> datetime.date | None:
        return self.occurrences[0].due if self.occurrences else None

    @property
    def last_due(self) -> datetime.date | None:
        return self.occurrences[-1].due if self.occurrences else None


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _norm(text: str) -> str:
    t = text.lower().replace("ё", "е").replace("\u00a0", " ")
    t = re.sub(r"[–—−]", "-", t)
    t = re.sub(r"\s+", " ", t)
    return t.strip()


_MONTH_RE = re.compile(
    r"\b(январ\w*|феврал\w*|март\w*|апрел\w*|ма[йяе]\b|июн\w*|июл\w*|август\w*|"
    r"сентябр\w*|октябр\w*|ноябр\w*|декабр\w*)"
)
_YEAR_RE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_YEAR_RANGE_RE = re.compile(r"(?<!\d)(20\d\d)\s*(?:г\.?\s*)?-\s*(20\d\d)(?!\d)")
_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{2,4})(?!\d)")
_QUARTER_RE = re.compile(r"\b(iv|iii|ii|i|[1-4])\s*-?\s*(?:й\s*)?квартал\w*(?:\s*(20\d\d))?")


def _month_of(word: str) -> int:
    for stem, number in MONTHS.items():
        if stem != "ма" and word.startswith(stem):
            return number
    return 5


def _years_in(t: str) -> list[int]:
    ranges = [(int(a), int(b)) for a, b in _YEAR_RANGE_RE.findall(t)]
    years: set[int] = set()
    for a, b in ranges:
        if a <= b <= a + 20:
            years.update(range(a, b + 1))
    stripped = _YEAR_RANGE_RE.sub(" ", t)
    years.update(int(y) for y in _YEAR_RE.findall(stripped))
    return sorted(years)


def _period_years(years: tuple[int, int] | None, today: datetime.date | None) -> list[int]:
    if years is not None:
        first, last = years
        return list(range(first, max(first, last) + 1))
    return [(today or datetime.date.today()).year]  # noqa: DTZ011 - a calendar year only


def parse(
    text: str,
    *,
    years: tuple[int, int] | None = None,
    academic: bool = False,
    today: datetime.date | None = None,
) -> Deadline:
    """The deadline ``text`` means for a roadmap over the calendar ``years`` (first, last);
    ``academic`` — the roadmap runs over academic years (``years`` = (2023, 2024) is 2023/24)."""
    raw = (text or "").strip()
    t = _norm(raw)
    period = _period_years(years, today)
    if academic and len(period) > 1:
        period = period[:-1]
    if not t:
        return Deadline(raw, Kind.UNKNOWN, ())

    if re.search(r"по мере необходимост|по потребност|в период (проведения|каникул)|по запрос", t):
        return Deadline(raw, Kind.ON_DEMAND, ())

    annual = bool(re.search(r"ежегодн|каждый год|по итогам (учебного )?года", t))
    schedule = bool(re.search(r"по (\w+ )?график|по (утвержденн\w+ )?план|согласно (\w+ )?план", t))
    continuous = bool(re.search(r"постоянн|в течени[еи]|систематическ|по итогам", t))

    # Explicit dates: «до 01.03.2024», «10.05.2022».
    dates = []
    for d, m, y in _DATE_RE.findall(t):
        year = int(y) + (2000 if len(y) == 2 else 0)
        try:
            dates.append(datetime.date(year, int(m), int(d)))
        except ValueError:
            continue
    if dates:
        dates.sort()
        occ = tuple(Occurrence(dt, dt) for dt in dates)
        return Deadline(raw, Kind.DATE, occ)

    explicit_years = _years_in(t)
    in_years = explicit_years or period

    # Quarters: «IV квартал», «3 квартал 2022».
    quarters = _QUARTER_RE.findall(t)
    if quarters:
        occ_list = []
        for q, y in quarters:
            number = ROMAN.get(q) or int(q)
            q_years = [int(y)] if y else in_years
            for year in q_years:
                start = datetime.date(year, 3 * number - 2, 1)
                occ_list.append(Occurrence(start, month_end(year, 3 * number)))
        occ_list.sort(key=lambda o: o.due)
        return Deadline(raw, Kind.ANNUAL if annual else Kind.DATE, tuple(occ_list))

    # Months, with a year after each or for the whole text.
    months = [(m.start(), _month_of(m.group(1))) for m in _MONTH_RE.finditer(t)]
    if months:
        return _months_deadline(
            raw, t, months, in_years, annual, schedule, continuous,
            academic=academic and not explicit_years,
        )

    # «до 2025 года», «2022», «2020-2025», «в течение 2022-2024 г.г.».
    if explicit_years:
        occ = tuple(
            Occurrence(datetime.date(y, 1, 1), datetime.date(y, 12, 31)) for y in explicit_years
        )
        if annual or continuous or schedule:
            kind = Kind.SCHEDULE if schedule and not continuous else (
                Kind.CONTINUOUS if continuous else Kind.ANNUAL
            )
            return Deadline(raw, kind, occ)
        if len(explicit_years) == 1:
            return Deadline(raw, Kind.DATE, occ)
        start = datetime.date(explicit_years[0], 1, 1)
        return Deadline(raw, Kind.PERIOD, (Occurrence(start, occ[-1].due),))

    if annual or schedule or continuous:
        if academic:
            occ = tuple(
                Occurrence(datetime.date(y, 9, 1), datetime.date(y + 1, 8, 31)) for y in period
            )
        else:
            occ = tuple(
                Occurrence(datetime.date(y, 1, 1), datetime.date(y, 12, 31)) for y in period
            )
        if schedule and not annual:
            kind = Kind.SCHEDULE
        elif annual:
            kind = Kind.ANNUAL
        else:
            kind = Kind.CONTINUOUS
        return Deadline(raw, kind, occ)
    return Deadline(raw, Kind.UNKNOWN, ())


def _months_deadline(
    raw: str,
    t: str,
    months: list[tuple[int, int]],
    in_years: list[int],
    annual: bool,
    schedule: bool,
    continuous: bool,
    *,
    academic: bool = False,
) -> Deadline:
    # A year written right after a month belongs to it («Август 2023 январь 2024»).
    tagged: list[tuple[int, int | None]] = []
    for pos, month in months:
        after = t[pos:]
        m = re.match(r"[а-я]+\.?\s*(20\d\d)(?!\s*-\s*20\d\d)(?!\d)", after)
        tagged.append((month, int(m.group(1)) if m else None))
    joined_range = re.search(_MONTH_RE.pattern + r"[^,;]*?-\s*" + _MONTH_RE.pattern, t)
    per_month_years = any(y is not None for _, y in tagged)
    occ: list[Occurrence] = []
    if per_month_years:
        # Each month in its own year; a month without one takes the next tagged year.
        resolved: list[tuple[int, int]] = []
        pending: list[int] = []
        for month, year in tagged:
            if year is None:
                pending.append(month)
                continue
            for p in pending:
                resolved.append((p, year))
            pending = []
            resolved.append((month, year))
        for p in pending:
            resolved.append((p, resolved[-1][1] if resolved else in_years[0]))
        if joined_range and len(resolved) == 2 and not annual:
            (m1, y1), (m2, y2) = resolved
            start = datetime.date(y1, m1, 1)
            return Deadline(raw, Kind.PERIOD, (Occurrence(start, month_end(y2, m2)),))
        for month, year in resolved:
            occ.append(Occurrence(datetime.date(year, month, 1), month_end(year, month)))
        if annual:
            # «февраль 2021, ежегодная корректировка»: that month again every later year.
            first_year = min(year for _, year in resolved)
            for year in in_years:
                if year > first_year:
                    for month, _ in resolved:
                        occ.append(Occurrence(datetime.date(year, month, 1), month_end(year, month)))
        occ.sort(key=lambda o: o.due)
        return Deadline(raw, Kind.ANNUAL if annual else Kind.DATE, tuple(occ))

    month_numbers = [m for m, _ in tagged]

    def in_year(year: int, month: int) -> int:
        return year + 1 if academic and month < 9 else year

    for year in in_years:
        if joined_range and len(month_numbers) == 2:
            first, last = month_numbers
            start = datetime.date(in_year(year, first), first, 1)
            occ.append(Occurrence(start, month_end(in_year(year, last), last)))
        else:
            for month in month_numbers:
                y = in_year(year, month)
                occ.append(Occurrence(datetime.date(y, month, 1), month_end(y, month)))
    occ.sort(key=lambda o: o.due)
    if annual or len(in_years) > 1:
        kind = Kind.ANNUAL
    elif joined_range and len(month_numbers) == 2:
        kind = Kind.PERIOD
    elif schedule:
        kind = Kind.SCHEDULE
    else:
        kind = Kind.DATE
    return Deadline(raw, kind, tuple(occ))
