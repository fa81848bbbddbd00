"""Reference data every installation starts with: procedures, subjects and default scales.

Scales change every year and differ by region: these are defaults, editable in the admin
(«Шкалы перевода и пороги»). Sources are named on each scale row.
"""

from __future__ import annotations

from django.db import transaction

from msoko.facts.models import MarkScale, Procedure
from msoko.registry.models import AcademicYear, Subject

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


def ensure_year(start_year: int) -> AcademicYear:
    """The academic year starting in ``start_year``, created (1 September – 31 August) when
    the registry has none; an import asks for it when the user allows creating years.

    Only the year: default scales are the 2024 reference points and would check an older
    year's marks against the wrong cut points.
    """
    import datetime

    year, _ = AcademicYear.objects.get_or_create(
        start_year=start_year,
        defaults={
            "starts_on": datetime.date(start_year, 9, 1),
            "ends_on": datetime.date(start_year + 1, 8, 31),
        },
    )
    return year
