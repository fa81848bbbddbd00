"""Oracle test of the catalog ``lrs`` (30_lrs.yaml): the low-result-schools monitoring of
seed 003 at the school level (approved school forms, results from ЦОКО, values a school
enters for itself) and at the municipal level (shares of schools, pooled shares of
teachers, values the municipality enters), with every figure worked out below.

Only approved forms count: school C3 of M1 has a draft with every document present and
every count high, and changes nothing (the shares of schools count the schools that have a
value, so C3 is not even in their denominators).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_indicator_catalog_gia_vpr import seed_gia_vpr
from tests.test_indicator_catalog_oracle import Expect, approve_form, check, compute_values, enter

E = Expect


def doc(present: bool) -> dict[str, Any]:
    return {"present": present, "url": "https://school.example/doc" if present else ""}


MANAGEMENT = {
    "A1": {"shppko_doc": doc(True), "quality_orders_doc": doc(True), "shppko_implementation": "gt75",
           "shppko_report_doc": doc(False), "quality_indicators_doc": doc(True),
           "self_assessment_doc": doc(False), "oge_math_dynamics": True, "oge_russian_dynamics": False,
           "results_recommendations_doc": doc(True), "curriculum_changes": "курс «Практикум по математике»"},
    "B2": {"shppko_doc": doc(False), "quality_orders_doc": doc(True), "shppko_implementation": "25_50",
           "shppko_report_doc": doc(True), "quality_indicators_doc": doc(True),
           "self_assessment_doc": doc(True), "oge_math_dynamics": False, "oge_russian_dynamics": False,
           "results_recommendations_doc": doc(False)},
    "F9": {"shppko_doc": doc(True), "quality_orders_doc": doc(False), "shppko_implementation": "full",
           "shppko_report_doc": doc(True), "quality_indicators_doc": doc(False),
           "self_assessment_doc": doc(True), "oge_math_dynamics": True, "oge_russian_dynamics": True,
           "results_recommendations_doc": doc(True)},
}
STAFF_FIELDS = (
    "teachers_total", "diag_subject", "diag_methodical", "diag_psychological", "support_received",
    "regional_networks", "mo_subject", "mo_interdisciplinary", "iom", "events_municipal",
    "events_regional", "events_federal", "productive_municipal", "productive_regional",
    "productive_federal", "internships_municipal", "internships_other",
)
STAFF = {  # in the order of STAFF_FIELDS
    "A1": (20, 10, 5, 2, 8, 4, 12, 6, 15, 10, 3, 0, 4, 1, 0, 2, 1),
    "B2": (10, 5, 5, 0, 10, 0, 3, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0),
    "F9": (5, 1, 0, 5, 0, 1, 5, 0, 0, 0, 0, 1, 0, 0, 1, 0, 5),
}
# Entered values: by each school for itself (dynamics the forms do not collect) and by the
# municipality for itself.
ENTERED = [
    ("lrs.school.ege_math_dynamics", "A1", 1), ("lrs.school.ege_math_dynamics", "B2", 1),
    ("lrs.school.ege_math_dynamics", "F9", 0),
    ("lrs.school.ege_russian_dynamics", "A1", 0), ("lrs.school.ege_russian_dynamics", "F9", 1),
    ("lrs.school.kdr4_dynamics", "A1", 1), ("lrs.school.kdr4_dynamics", "B2", 0),
    ("lrs.school.kdr6_dynamics", "B2", 1),
    ("lrs.school.kdr8_dynamics", "F9", 0),
    ("lrs.mun.mppko_doc", "M1", 1), ("lrs.mun.mppko_doc", "M2", 0),
    ("lrs.mun.mppko_implementation", "M1", 63),  # «реализован на 51–75 %»
    ("lrs.mun.mppko_section", "M1", 1), ("lrs.mun.lrs_indicators", "M1", 0),
    ("lrs.mun.internship_sites", "M1", 2), ("lrs.mun.mentoring_network", "M1", 1),
]

CASES: list[Expect] = [
    # ---- 1–3: documents on the school's site (form): A1 1,1,·,0 ; B2 0,1,·,1 ; F9 1,0,·,1
    E("lrs.school.shppko_doc", "A1", 1.0),
    E("lrs.school.shppko_doc", "B2", 0.0),
    E("lrs.mun.shppko_doc", "M1", 50.0, numerator=1, denominator=2),  # A1 of A1, B2 (not C3)
    E("lrs.mun.shppko_doc", "M2", 100.0),
    E("lrs.mun.shppko_doc", "R1", 100 * 2 / 3),
    E("lrs.school.quality_orders_doc", "F9", 0.0),
    E("lrs.mun.quality_orders_doc", "M1", 100.0),
    E("lrs.mun.quality_orders_doc", "M2", 0.0),
    E("lrs.mun.quality_orders_doc", "R1", 100 * 2 / 3),
    # implementation: gt75 → 87.5, 25_50 → 37.5, full → 100; municipality = mean of schools
    E("lrs.school.shppko_implementation", "A1", 87.5),
    E("lrs.school.shppko_implementation", "B2", 37.5),
    E("lrs.school.shppko_implementation", "M1", 62.5),  # (87.5 + 37.5) / 2
    E("lrs.school.shppko_implementation", "R1", 75.0),  # (87.5 + 37.5 + 100) / 3
    E("lrs.mun.shppko_implementation_gt75", "M1", 50.0),  # A1 only
    E("lrs.mun.shppko_implementation_gt75", "M2", 100.0),
    E("lrs.mun.shppko_implementation_gt75", "R1", 100 * 2 / 3),
    E("lrs.school.shppko_report_doc", "A1", 0.0),
    E("lrs.mun.shppko_report_doc", "M1", 50.0),  # B2
    E("lrs.mun.shppko_report_doc", "R1", 100 * 2 / 3),
    E("lrs.school.quality_indicators_doc", "B2", 1.0),
    E("lrs.mun.quality_indicators_doc", "M1", 100.0),
    E("lrs.mun.quality_indicators_doc", "R1", 100 * 2 / 3),
    E("lrs.school.self_assessment_doc", "A1", 0.0),
    E("lrs.mun.self_assessment_doc", "M1", 50.0),
    E("lrs.mun.self_assessment_doc", "R1", 100 * 2 / 3),
    E("lrs.school.results_recommendations_doc", "B2", 0.0),
    E("lrs.mun.results_recommendations_doc", "M1", 50.0),
    E("lrs.mun.results_recommendations_doc", "M2", 100.0),
    # ---- municipal documents, entered
    E("lrs.mun.mppko_doc", "M1", 1.0),
    E("lrs.mun.mppko_doc", "M2", 0.0),
    E("lrs.mun.mppko_implementation", "M1", 63.0),
    E("lrs.mun.mppko_section", "M1", 1.0),
    E("lrs.mun.lrs_indicators", "M1", 0.0),
    # ---- 3: positive dynamics. ОГЭ (form): maths A1 yes, B2 no, F9 yes; Russian only F9.
    E("lrs.school.oge_math_dynamics", "A1", 1.0),
    E("lrs.school.oge_math_dynamics", "B2", 0.0),
    E("lrs.mun.oge_math_dynamics", "M1", 50.0),
    E("lrs.mun.oge_math_dynamics", "R1", 100 * 2 / 3),
    E("lrs.school.oge_russian_dynamics", "F9", 1.0),
    E("lrs.mun.oge_russian_dynamics", "M1", 0.0),
    E("lrs.mun.oge_russian_dynamics", "M2", 100.0),
    E("lrs.mun.oge_russian_dynamics", "R1", 100 / 3),
    # ЕГЭ and КДР (entered for each school): maths A1 1, B2 1, F9 0; Russian A1 0, F9 1 (B2
    # not assessed); КДР 4 A1 1, B2 0; КДР 6 B2 1; КДР 8 F9 0.
    E("lrs.school.ege_math_dynamics", "A1", 1.0),
    E("lrs.mun.ege_math_dynamics", "M1", 100.0),
    E("lrs.mun.ege_math_dynamics", "M2", 0.0),
    E("lrs.mun.ege_math_dynamics", "R1", 100 * 2 / 3),
    E("lrs.school.ege_russian_dynamics", "A1", 0.0),
    E("lrs.school.ege_russian_dynamics", "B2", None),
    E("lrs.mun.ege_russian_dynamics", "M1", 0.0, numerator=0, denominator=1),  # B2 not counted
    E("lrs.mun.ege_russian_dynamics", "R1", 50.0),
    E("lrs.school.kdr4_dynamics", "B2", 0.0),
    E("lrs.mun.kdr4_dynamics", "M1", 50.0),
    E("lrs.school.kdr6_dynamics", "B2", 1.0),
    E("lrs.mun.kdr6_dynamics", "M1", 100.0),
    E("lrs.school.kdr8_dynamics", "F9", 0.0),
    E("lrs.mun.kdr8_dynamics", "M2", 0.0),
    E("lrs.mun.kdr8_dynamics", "M1", None),  # no school of M1 assessed
    # ---- 3: results (the facts of tests.test_indicator_catalog_gia_vpr).
    # ОГЭ maths: A1 marks 2,3,2,4,3; B2 3; F9 2.   ОГЭ Russian: A1 2,3,4,5; B2 4,5; F9 3.
    E("lrs.oge_math_share45", "A1", 20.0),  # 1 of 5
    E("lrs.oge_math_share45", "M1", 100 / 6),
    E("lrs.oge_math_share45", "R1", 100 / 7),
    E("lrs.oge_math_mean", "A1", 2.8),
    E("lrs.oge_math_mean", "B2", 3.0),
    E("lrs.oge_math_mean", "M1", 17 / 6),
    E("lrs.oge_math_share2", "A1", 40.0),
    E("lrs.oge_math_share2", "M1", 100 * 2 / 6),
    E("lrs.oge_math_share2", "F9", 100.0),
    E("lrs.oge_math_share2", "R1", 100 * 3 / 7),
    E("lrs.oge_ru_share45", "A1", 50.0),
    E("lrs.oge_ru_share45", "B2", 100.0),
    E("lrs.oge_ru_share45", "M1", 100 * 4 / 6),
    E("lrs.oge_ru_mean", "A1", 3.5),
    E("lrs.oge_ru_mean", "M1", 23 / 6),
    E("lrs.oge_ru_share2", "A1", 25.0),
    E("lrs.oge_ru_share2", "M1", 100 / 6),
    # ЕГЭ base maths: A1 «2», «5»; B2 «4».   Profile maths: A1 78, 65, 20; B2 72; F9 69.
    E("lrs.ege_mathbase_share45", "A1", 50.0),
    E("lrs.ege_mathbase_share45", "B2", 100.0),
    E("lrs.ege_mathbase_share45", "M1", 100 * 2 / 3),
    E("lrs.ege_mathbase_mean", "A1", 3.5),
    E("lrs.ege_mathbase_mean", "M1", 11 / 3),
    E("lrs.ege_mathbase_share2", "A1", 50.0),
    E("lrs.ege_mathbase_share2", "B2", 0.0),
    E("lrs.ege_mathbase_share2", "M1", 100 / 3),
    E("lrs.ege_mathprof_over60", "A1", 100 * 2 / 3),  # 78, 65
    E("lrs.ege_mathprof_over60", "B2", 100.0),
    E("lrs.ege_mathprof_over60", "M1", 75.0),
    E("lrs.ege_mathprof_over60", "R1", 80.0),  # + F9's 69: 4 of 5
    E("lrs.ege_mathprof_below_min", "A1", 100 / 3),  # 20 < 27
    E("lrs.ege_mathprof_below_min", "B2", 0.0),
    E("lrs.ege_mathprof_below_min", "M1", 25.0),
    E("lrs.ege_mathprof_below_min", "R1", 20.0),
    # ЕГЭ Russian: A1 85, 90, 60, 22, 70; B2 70, 50; F9 71. «Более 60»: 60 itself is not.
    E("lrs.ege_ru_mean", "A1", 65.4),
    E("lrs.ege_ru_mean", "B2", 60.0),
    E("lrs.ege_ru_mean", "M1", 447 / 7),
    E("lrs.ege_ru_over60", "A1", 60.0),  # 85, 90, 70 of 5 (ege.share_60_plus: 80 %)
    E("lrs.ege_ru_over60", "B2", 50.0),
    E("lrs.ege_ru_over60", "M1", 100 * 4 / 7),
    E("lrs.ege_ru_over60", "R1", 62.5),
    E("lrs.ege_ru_below_min", "A1", 20.0),
    E("lrs.ege_ru_below_min", "M1", 100 / 7),
    # КДР: read 4 A1 3 of 4, B2 1 of 2; read 6 B2 1 of 2; sci 8 F9 1 of 1
    E("lrs.kdr4_read", "A1", 75.0),
    E("lrs.kdr4_read", "B2", 50.0),
    E("lrs.kdr4_read", "M1", 100 * 4 / 6),
    E("lrs.kdr6_read", "B2", 50.0),
    E("lrs.kdr6_read", "M1", 50.0),
    E("lrs.kdr8_sci", "F9", 100.0),
    E("lrs.kdr8_sci", "M2", 100.0),
    E("lrs.kdr8_sci", "M1", None),
    # ---- 4–7: teachers (form «lrs-staff»). Teachers: A1 20, B2 10, F9 5 → M1 30, R1 35.
    E("lrs.school.teachers_total", "A1", 20.0),
    E("lrs.school.diag_subject", "A1", 10.0),
    E("lrs.diag_subject_share", "A1", 50.0, numerator=10, denominator=20),
    E("lrs.diag_subject_share", "B2", 50.0),
    E("lrs.diag_subject_share", "F9", 20.0),
    E("lrs.diag_subject_share", "M1", 50.0, numerator=15, denominator=30),
    E("lrs.diag_subject_share", "R1", 100 * 16 / 35),
    E("lrs.school.diag_methodical", "B2", 5.0),
    E("lrs.diag_methodical_share", "A1", 25.0),
    E("lrs.diag_methodical_share", "M1", 100 * 10 / 30),
    E("lrs.diag_methodical_share", "M2", 0.0),
    E("lrs.school.diag_psychological", "F9", 5.0),
    E("lrs.diag_psychological_share", "F9", 100.0),
    E("lrs.diag_psychological_share", "M1", 100 * 2 / 30),
    E("lrs.diag_psychological_share", "R1", 20.0),  # 7 of 35
    E("lrs.mun.internship_sites", "M1", 2.0),
    E("lrs.school.support_received", "B2", 10.0),
    E("lrs.school.support_received_share", "A1", 40.0),
    E("lrs.school.support_received_share", "B2", 100.0),
    E("lrs.mun.support_received_share", "M1", 60.0),  # 18 of 30
    E("lrs.mun.support_received_share", "M2", 0.0),
    E("lrs.mun.support_received_share", "R1", 100 * 18 / 35),
    E("lrs.school.regional_networks", "A1", 4.0),
    E("lrs.school.regional_networks_share", "F9", 20.0),
    E("lrs.mun.regional_networks_share", "M1", 100 * 4 / 30),
    E("lrs.mun.regional_networks_share", "R1", 100 * 5 / 35),
    E("lrs.school.mo_subject", "F9", 5.0),
    E("lrs.school.mo_subject_share", "A1", 60.0),
    E("lrs.mun.mo_subject_share", "M1", 50.0),  # 15 of 30
    E("lrs.mun.mo_subject_share", "R1", 100 * 20 / 35),
    E("lrs.school.mo_interdisciplinary", "A1", 6.0),
    E("lrs.school.mo_interdisciplinary_share", "B2", 30.0),
    E("lrs.mun.mo_interdisciplinary_share", "M1", 30.0),  # 9 of 30
    E("lrs.school.iom", "A1", 15.0),
    E("lrs.school.iom_share", "A1", 75.0),
    E("lrs.school.iom_share", "F9", 0.0),
    E("lrs.mun.iom_share", "M1", 100 * 17 / 30),
    E("lrs.mun.iom_share", "R1", 100 * 17 / 35),
    # schools with any teacher in municipal, regional or federal events: A1 (10, 3, 0) yes,
    # B2 (0, 0, 0) no, F9 (0, 0, 1) yes
    E("lrs.mun.events_schools", "M1", 50.0, numerator=1, denominator=2),
    E("lrs.mun.events_schools", "M2", 100.0),
    E("lrs.mun.events_schools", "R1", 100 * 2 / 3),
    E("lrs.school.events_municipal", "A1", 10.0),
    E("lrs.events_municipal_share", "A1", 50.0),
    E("lrs.events_municipal_share", "M1", 100 * 10 / 30),
    E("lrs.school.events_regional", "A1", 3.0),
    E("lrs.events_regional_share", "A1", 15.0),
    E("lrs.events_regional_share", "M1", 10.0),
    E("lrs.school.events_federal", "F9", 1.0),
    E("lrs.events_federal_share", "F9", 20.0),
    E("lrs.events_federal_share", "M1", 0.0),
    E("lrs.events_federal_share", "R1", 100 / 35),
    E("lrs.school.productive_municipal", "A1", 4.0),
    E("lrs.productive_municipal_share", "A1", 20.0),
    E("lrs.productive_municipal_share", "M1", 100 * 4 / 30),
    E("lrs.school.productive_regional", "A1", 1.0),
    E("lrs.productive_regional_share", "A1", 5.0),
    E("lrs.productive_regional_share", "M1", 100 / 30),
    E("lrs.school.productive_federal", "F9", 1.0),
    E("lrs.productive_federal_share", "F9", 20.0),
    E("lrs.productive_federal_share", "M1", 0.0),
    E("lrs.productive_federal_share", "M2", 20.0),
    E("lrs.mun.mentoring_network", "M1", 1.0),
    E("lrs.school.internships_municipal", "A1", 2.0),
    E("lrs.internships_municipal_share", "A1", 10.0),
    E("lrs.internships_municipal_share", "M1", 100 * 2 / 30),
    E("lrs.school.internships_other", "F9", 5.0),
    E("lrs.internships_other_share", "F9", 100.0),
    E("lrs.internships_other_share", "M1", 100 / 30),
    E("lrs.internships_other_share", "M2", 100.0),
    E("lrs.internships_other_share", "R1", 100 * 6 / 35),
]


def seed_lrs(world: Any) -> None:
    from msoko.collect.models import DataForm, Status, Submission
    from msoko.registry.models import Organisation

    for place, values in MANAGEMENT.items():
        approve_form(world, "lrs-management", place, values)
    for place, numbers in STAFF.items():
        approve_form(world, "lrs-staff", place, dict(zip(STAFF_FIELDS, numbers, strict=True)))
    # a draft is not counted
    school_c = Organisation.objects.create(
        territory=world.municipality, short_name="МБОУ СОШ № 3", full_name="Школа В", code="C3"
    )
    for code, values in (
        ("lrs-management", {k: doc(True) for k in MANAGEMENT["A1"] if k.endswith("_doc")}),
        ("lrs-staff", dict.fromkeys(STAFF_FIELDS, 100)),
    ):
        Submission.objects.create(
            form=DataForm.objects.get(code=code), organisation=school_c, year=world.year,
            status=Status.DRAFT, values=values,
        )
    for code, place, value in ENTERED:
        enter(world, code, place, value)


@pytest.mark.django_db
def test_lrs_catalog_against_hand_worked_figures(world: Any) -> None:
    from msoko.indicators.catalog import sync_builtin

    sync_builtin()
    seed_gia_vpr(world)
    seed_lrs(world)
    check(CASES, compute_values(["lrs"]), world)
