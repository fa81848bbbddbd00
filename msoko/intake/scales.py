"""The score ranges of a work: what a primary, scaled or task score may be.

A work's scale (``facts.MarkScale``) names its primary-score range (``min_primary`` can be
negative when the work takes penalty points) and its scaled (test) score range; a task's
specification (``facts.TaskSpec``) names the task's minimum and maximum. Scores are checked
against the scale of their own work (procedure × subject × grade × year); where a work has no
scale the generic bounds of the field stay (0–1000 primary, 0–100 test score, 0–100 a task).
"""

from __future__ import annotations

from dataclasses import dataclass

from msoko.facts.models import Assessment, MarkScale, Procedure, TaskSpec


@dataclass(frozen=True)
class Range:
    lo: float
    hi: float
    source: str  # «шкала ВПР, Математика, 5 кл., 2024/2025» or «общие границы»

    def text(self) -> str:
        return f"от {_num(self.lo)} до {_num(self.hi)}"


def _num(x: float) -> str:
    return f"{x:g}".replace("-", "−").replace(".", ",")


class Ranges:
    """Score ranges of one procedure's works, looked up once per (year, subject, grade)."""

    def __init__(self, procedure: Procedure | None) -> None:
        self.procedure = procedure
        self._scales: dict[tuple[int, str, int | None], MarkScale | None] = {}
        self._tasks: dict[tuple[int, str, int | None], dict[str, tuple[float, float]] | None] = {}

    def scale(self, year: int, subject: str, grade: int | None) -> MarkScale | None:
        key = (year, subject, grade)
        if key not in self._scales:
            found = None
            if self.procedure is not None and subject:
                qs = MarkScale.objects.filter(
                    procedure=self.procedure, subject__code=subject, year__start_year=year
                ).select_related("subject", "year")
                found = (qs.filter(grade=grade).first() if grade is not None else None) or qs.filter(
                    grade__isnull=True
                ).first()
            self._scales[key] = found
        return self._scales[key]

    def _label(self, s: MarkScale) -> str:
        grade = f", {s.grade} кл." if s.grade else ""
        return f"шкала {self.procedure.name if self.procedure else ''}, {s.subject.name}{grade}, {s.year.label}"

    def primary(self, year: int, subject: str, grade: int | None) -> Range | None:
        s = self.scale(year, subject, grade)
        if s is None:
            return None
        return Range(float(s.min_primary), float(s.max_primary), self._label(s))

    def scaled(self, year: int, subject: str, grade: int | None) -> Range | None:
        s = self.scale(year, subject, grade)
        if s is None:
            return None
        lo, hi = s.scaled_range()
        return Range(float(lo), float(hi), self._label(s))

    def tasks(self, year: int, subject: str, grade: int | None) -> dict[str, tuple[float, float]] | None:
        """Task number → (minimum, maximum) from the work's specification, or None."""
        key = (year, subject, grade)
        if key not in self._tasks:
            found = None
            if self.procedure is not None and subject:
                a = Assessment.objects.filter(
                    procedure=self.procedure, subject__code=subject, grade=grade, year__start_year=year
                ).first()
                if a is not None:
                    rows = TaskSpec.objects.filter(assessment=a).values_list("number", "min_score", "max_score")
                    found = {str(n): (float(lo), float(hi)) for n, lo, hi in rows} or None
            self._tasks[key] = found
        return self._tasks[key]
