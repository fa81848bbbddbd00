"""Academic years as files write them, and the qualifiers of a «wide» header.

A year cell: «2024/2025», «2024-2025», «2024/25», «2024–2025 уч. г.» or one number, «2024»,
taken as the start year (2024 = 2024/2025), as ``--year`` and every page name years.

A wide header is a field's header with qualifiers around it, in any order and with any
separators: «Математика, средний балл, 2024/2025», «Участников (русский язык) 5 класс»,
«Средний балл 2023-2024». Each distinct set of qualifiers becomes one group of columns that
the pipeline reads as if the file were long (one row per school × group).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from msoko.intake.headers import norm
from msoko.intake.kinds import Kind

_PAIR = re.compile(
    r"^((?:19|20)\d\d)\s*(?:/|-|–|—|\\)\s*((?:19|20)?\d\d)(?:\s*(?:уч\.?\s*)?(?:г|гг|год|учебный год)\.?)?$"
)
_ONE = re.compile(r"^((?:19|20)\d\d)(?:[.,]0+)?(?:\s*(?:г|год)\.?)?$")
BARE_YEAR = r"^\s*(?:19|20)\d\d(?:[.,]0+)?\s*$"

_YEAR_IN = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:\s*[/\-–—]\s*((?:19|20)?\d\d))?(?!\d)")
_GRADE_IN = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:-?\s*(?:й|го|х|ые|ых)\s+)?(?:класс[а-я]*|кл)(?![а-я])"
    r"|(?:класс|параллель)\s*(\d{1,2})(?!\d)"
)
# fields a qualifier never widens: they say who and where, not a value
_NOT_WIDE = {"org", "student", "subject", "year", "date", "procedure"}
_NOT_WIDE_NAMES = {"class_label", "grade", "task"}


def _start(first: str, second: str | None) -> int | None:
    a = int(first)
    if second is None:
        return a
    ok = int(second) == a + 1 if len(second) == 4 else int(second) == (a + 1) % 100
    return a if ok else None


def parse_year(text: str) -> int | None:
    """The start year of an academic year written in a cell; None if it is not one."""
    s = str(text).strip().lower()
    m = _PAIR.match(s)
    if m:
        return _start(m.group(1), m.group(2))
    m = _ONE.match(s)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class Qualified:
    field: str
    year: int | None
    subject: str | None
    grade: int | None

    @property
    def group(self) -> tuple[int | None, str | None, int | None]:
        return (self.year, self.subject, self.grade)


class Qualifiers:
    """Finds a field and its year / subject / grade in a wide header."""

    def __init__(self, kind: Kind, subject_codes: dict[str, str]) -> None:
        self.kind = kind
        self.fields = {
            key: f.name
            for f in kind.fields
            if f.type not in _NOT_WIDE and f.name not in _NOT_WIDE_NAMES
            for key in f.keys()
        }
        # longest names first: «математика профильная» before «математика»
        names = sorted((k for k in subject_codes if len(k) >= 3 and not k.isascii()), key=len, reverse=True)
        self.subjects = [(re.compile(rf"(?<![\w]){re.escape(k)}(?![\w])"), subject_codes[k]) for k in names]
        self._cache: dict[str, Qualified | None] = {}

    def __call__(self, header: str) -> Qualified | None:
        if header not in self._cache:
            self._cache[header] = self._parse(header)
        return self._cache[header]

    def _parse(self, header: str) -> Qualified | None:
        text = norm(header)
        if not text or not self.kind.fields:
            return None
        year = grade = None
        subject = None
        m = _YEAR_IN.search(text)
        if m:
            year = _start(m.group(1), m.group(2))
            if year is None:
                return None
            text = text[: m.start()] + " " + text[m.end() :]
        m = _GRADE_IN.search(text)
        if m:
            grade = int(m.group(1) or m.group(2))
            text = text[: m.start()] + " " + text[m.end() :]
        for rx, code in self.subjects:
            m = rx.search(text)
            if m:
                subject = code
                text = text[: m.start()] + " " + text[m.end() :]
                break
        if year is None and grade is None and subject is None:
            return None
        rest = re.sub(r"[\s/\-–—|]+", " ", text).strip()
        name = self.fields.get(rest)
        if name is None:
            return None
        return Qualified(name, year, subject, grade)
