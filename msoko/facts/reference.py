"""Reference data every installation starts with: procedures, subjects and default scales.

Scales change every year and differ by region: these are defaults, editable in the admin
(«Шкалы перевода и пороги»). Sources are named on each scale row.

``msoko migrate`` leaves them in place (:func:`reference_after_migrate`, a ``post_migrate``
handler rather than a data migration: the academic years depend on today's date), and an
import may create a missing academic year on request (:func:`ensure_year`).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

from msoko.facts.models import MarkScale, Procedure
from msoko.registry.models import YEAR_MIN, AcademicYear, Subject, current_start_year, year_max

F = Procedure.Family
R = Procedure.ResultKind

PROCEDURES: list[tuple[str, str, str, str, str]] = [
    # code, name, family, result kind, grades
    ("OGE", "ОГЭ", F.GIA9, R.MARK, "9"),
    ("GVE9", "ГВЭ-9", F.GIA9, R.MARK, "9"),
    ("EGE", "ЕГЭ", F.GIA11, R.SCORE100, "11"),
    ("GVE11", "ГВЭ-11", F.GIA11, R.MARK, "11"),
    ("VPR", "ВПР", F.VPR, R.MARK, "4,5,6,7,8,10,11"),
    ("KDR", "КДР", F.KDR, R.LEVEL, "4,6,8"),
    ("ESSAY", "Итоговое сочинение", F.FINAL_ESSAY, R.PASS_FAIL, "11"),
    ("INTERVIEW", "Итоговое собеседование", F.FINAL_INTERVIEW, R.PASS_FAIL, "9"),
    ("VSOSH", "ВсОШ", F.OLYMPIAD, R.OLYMPIAD, "4,5,6,7,8,9,10,11"),
    ("NIKO", "НИКО", F.NIKO, R.MARK, ""),
    ("SPT", "СПТ", F.SPT, R.PARTICIPATION, "7,8,9,10,11"),
]

SUBJECTS: list[tuple[str, str]] = [
    ("ru", "Русский язык"),
    ("math", "Математика"),
    ("math_base", "Математика (базовый уровень)"),
    ("math_profile", "Математика (профильный уровень)"),
    ("phys", "Физика"),
    ("chem", "Химия"),
    ("bio", "Биология"),
    ("hist", "История"),
    ("soc", "Обществознание"),
    ("geo", "География"),
    ("inf", "Информатика"),
    ("lit", "Литература"),
    ("eng", "Английский язык"),
    ("env", "Окружающий мир"),
    ("read", "Читательская грамотность"),
    ("sci", "Естественнонаучная грамотность"),
    ("essay", "Итоговое сочинение"),
    ("interview", "Итоговое собеседование"),
]

OGE_SOURCE = "Рекомендации ФИПИ по шкалированию ОГЭ (ориентир 2024 г.; регион утверждает ежегодно)"
EGE_SOURCE = "Минимальные баллы ЕГЭ, распоряжение Рособрнадзора (ориентир 2024 г.)"
VPR_SOURCE = "Рекомендации ФИОКО по переводу первичных баллов ВПР в отметки (ориентир 2024 г.)"

# (subject, max primary, cut for 3, 4, 5)
OGE_SCALES = [
    ("ru", 33, 15, 22, 29),
    ("math", 31, 8, 15, 22),
    ("phys", 45, 11, 22, 34),
    ("chem", 40, 10, 21, 31),
    ("bio", 48, 13, 26, 37),
    ("soc", 37, 14, 24, 33),
    ("inf", 19, 5, 11, 17),
    ("geo", 31, 12, 19, 25),
    ("hist", 37, 11, 20, 30),
    ("eng", 68, 29, 46, 58),
    ("lit", 37, 16, 22, 32),
]
# (subject, minimum test score for the certificate / university admission)
EGE_THRESHOLDS = [
    ("ru", 24),
    ("math_profile", 27),
    ("phys", 36),
    ("chem", 36),
    ("bio", 36),
    ("hist", 32),
    ("soc", 42),
    ("inf", 40),
    ("geo", 37),
    ("lit", 32),
    ("eng", 22),
]
EGE_BASE_MATH = ("math_base", 21, 7, 12, 17)
# (subject, grade, max primary, cut for 3, 4, 5)
VPR_SCALES = [
    ("ru", 4, 38, 14, 24, 33),
    ("math", 4, 20, 6, 10, 14),
    ("env", 4, 32, 8, 18, 26),
    ("ru", 5, 45, 18, 29, 39),
    ("math", 5, 20, 5, 10, 15),
    ("hist", 5, 15, 4, 8, 12),
    ("bio", 5, 29, 12, 18, 24),
    ("ru", 6, 51, 21, 33, 44),
    ("math", 6, 16, 6, 10, 14),
    ("ru", 7, 47, 18, 30, 40),
    ("math", 7, 19, 6, 11, 15),
    ("ru", 8, 51, 23, 34, 45),
    ("math", 8, 25, 7, 13, 19),
]


@transaction.atomic
def ensure_reference_data(years: list[AcademicYear] | None = None) -> None:
    """Create (or leave as they are) the procedures, subjects and default scales."""
    for code, name, family, kind, grades in PROCEDURES:
        Procedure.objects.get_or_create(
            code=code,
            defaults={"name": name, "family": family, "result_kind": kind, "grades": grades},
        )
    for code, name in SUBJECTS:
        Subject.objects.get_or_create(code=code, defaults={"name": name})
    for year in years if years is not None else AcademicYear.objects.all():
        ensure_default_scales(year)


def _scale(procedure: str, subject: str, grade: int | None, year: AcademicYear, **fields: object) -> None:
    MarkScale.objects.get_or_create(
        procedure=Procedure.objects.get(code=procedure),
        subject=Subject.objects.get(code=subject),
        grade=grade,
        year=year,
        defaults=fields,
    )


def ensure_default_scales(year: AcademicYear) -> None:
    for subject, max_primary, c3, c4, c5 in OGE_SCALES:
        _scale(
            "OGE",
            subject,
            9,
            year,
            max_primary=max_primary,
            mark_cuts={"3": c3, "4": c4, "5": c5},
            source=OGE_SOURCE,
        )
    for subject, threshold in EGE_THRESHOLDS:
        _scale(
            "EGE",
            subject,
            11,
            year,
            max_primary=100,
            min_threshold=threshold,
            score_bands=[60, 70, 80],
            source=EGE_SOURCE,
        )
    subject, max_primary, c3, c4, c5 = EGE_BASE_MATH
    _scale(
        "EGE",
        subject,
        11,
        year,
        max_primary=max_primary,
        mark_cuts={"3": c3, "4": c4, "5": c5},
        source=EGE_SOURCE,
    )
    for subject, grade, max_primary, c3, c4, c5 in VPR_SCALES:
        _scale(
            "VPR",
            subject,
            grade,
            year,
            max_primary=max_primary,
            mark_cuts={"3": c3, "4": c4, "5": c5},
            source=VPR_SOURCE,
        )


# ---------------------------------------------------------------------------------------------
# Academic years: the range every entry point accepts, and the years a fresh installation has.

FIRST_YEAR = YEAR_MIN  # the earliest academic year msoko accepts (2000/2001)
YEARS_BEFORE = 5  # a fresh installation has five years before the current one...
YEARS_AFTER = 1  # ...and the next one


def year_range(today: datetime.date | None = None) -> tuple[int, int]:
    """The first and last start years accepted by the import, the command line and every
    page: 2000/2001 up to the year after the current one."""
    return FIRST_YEAR, year_max(today)


def year_label(start_year: int) -> str:
    return f"{start_year}/{start_year + 1}"


def year_problem(start_year: int, today: datetime.date | None = None) -> str | None:
    """Why ``start_year`` cannot be used (None when it can): a year already in the registry
    is always usable (someone entered it deliberately); another one must be in the range."""
    if AcademicYear.objects.filter(start_year=start_year).exists():
        return None
    first, last = year_range(today)
    if first <= start_year <= last:
        return None
    return (
        f"учебный год «{start_year}» вне допустимого диапазона: "
        f"от {year_label(first)} до {year_label(last)} (год указывается по году начала: "
        f"{last - 1} — это {year_label(last - 1)})"
    )


def parse_year(text: str) -> int:
    """«2024», «2024/2025» or «2024-2025» → 2024; ValueError with a Russian message otherwise."""
    value = str(text).strip()
    parts = [p.strip() for p in value.replace("-", "/").replace("–", "/").split("/")]
    if len(parts) in (1, 2) and all(p.isdigit() and len(p) == 4 for p in parts):
        start = int(parts[0])
        if len(parts) == 1 or int(parts[1]) == start + 1:
            return start
    raise ValueError(f"учебный год «{value}» не распознан: укажите год начала (2024) или «2024/2025»")


def _new_year(start_year: int, *, is_current: bool) -> AcademicYear:
    return AcademicYear.objects.create(
        start_year=start_year,
        starts_on=datetime.date(start_year, 9, 1),
        ends_on=datetime.date(start_year + 1, 8, 31),
        is_current=is_current,
    )


@transaction.atomic
def ensure_year(start_year: int, today: datetime.date | None = None) -> tuple[AcademicYear, bool]:
    """The academic year starting in ``start_year``, created when missing: what ``msoko import
    --create-year`` and the web upload's «Создать учебный год, если его нет» do, once per year
    found in a file, inside the load's transaction. Returns the year and whether it was
    created; ValueError (Russian) for a year outside :func:`year_range`.

    Only the year, not default scales: those are the 2024 reference cut points and would check
    an older year's marks against the wrong cuts. A specialist enters that year's scales
    (Администрирование → Шкалы перевода); until then marks are not checked against scores."""
    year = AcademicYear.objects.filter(start_year=start_year).first()
    if year is not None:
        return year, False
    problem = year_problem(start_year, today)
    if problem:
        raise ValueError(problem)
    ensure_reference_data([])  # procedures and subjects
    return _new_year(start_year, is_current=False), True


@dataclasses.dataclass
class InstallationReference:
    """What :func:`ensure_installation_reference` found and added."""

    procedures: int = 0
    subjects: int = 0
    years: list[int] = dataclasses.field(default_factory=list)
    created_years: list[int] = dataclasses.field(default_factory=list)
    current: int | None = None
    scales: int = 0
    created_scales: int = 0


@transaction.atomic
def ensure_installation_reference(today: datetime.date | None = None) -> InstallationReference:
    """Reference data a fresh installation needs before its first file: procedures,
    subjects, the academic years around ``today`` (five before the current one through the
    next one) and the default scales of those years, with their sources.

    Idempotent, and it only adds: what exists is never changed. A year that already has
    any scale gets none (a scale a user removed is not brought back); the current year is
    flagged only when no year is (a user's choice of the current year stands)."""
    ensure_reference_data([])
    current = current_start_year(today)
    none_current = not AcademicYear.objects.filter(is_current=True).exists()
    report = InstallationReference()
    for start in range(current - YEARS_BEFORE, current + YEARS_AFTER + 1):
        year = AcademicYear.objects.filter(start_year=start).first()
        if year is None:
            year = _new_year(start, is_current=none_current and start == current)
            report.created_years.append(start)
        elif none_current and start == current:
            year.is_current = True
            year.save(update_fields=["is_current"])
        if not MarkScale.objects.filter(year=year).exists():
            before = MarkScale.objects.count()
            ensure_default_scales(year)
            report.created_scales += MarkScale.objects.count() - before
    report.procedures = Procedure.objects.count()
    report.subjects = Subject.objects.count()
    report.years = list(AcademicYear.objects.values_list("start_year", flat=True))
    flagged = AcademicYear.objects.filter(is_current=True).first()
    report.current = flagged.start_year if flagged is not None else None
    report.scales = MarkScale.objects.count()
    return report


REFERENCE_TABLES = ("facts_procedure", "facts_markscale", "registry_academicyear", "registry_subject")


def reference_after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """``post_migrate`` of the facts app: ``msoko migrate`` leaves a ready installation.

    Off when ``MSOKO_REFERENCE_ON_MIGRATE`` is false (the test suite builds its own world);
    skipped when the tables are not there yet (a partial ``migrate APP N``)."""
    from django.conf import settings
    from django.db import connections

    from msoko.access.audit import acting_as

    if not getattr(settings, "MSOKO_REFERENCE_ON_MIGRATE", True) or using != DEFAULT_DB_ALIAS:
        return
    tables = set(connections[using].introspection.table_names())
    if not set(REFERENCE_TABLES) <= tables:
        return
    with acting_as(None, "msoko migrate: начальные справочники"):
        ensure_installation_reference()
