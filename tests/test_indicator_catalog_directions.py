"""Oracle test of the catalog ``directions`` (50_directions.yaml): the eight directions of
seed 001 §3.4, each indicator's ``section`` the exact name of its direction, and every
figure worked out below.

Rows that a join or a careless count would multiply: olympiad participant o1 of A1 sat two
subjects at the school stage and is one participant; student t1 of A1 has two attendance
periods and is one absentee; a1 retook ОГЭ maths and passed, and is one graduate over the
threshold.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_indicator_catalog_career import seed_destinations
from tests.test_indicator_catalog_gia_vpr import seed_gia_vpr
from tests.test_indicator_catalog_oracle import (
    YEAR,
    Expect,
    check,
    compute_values,
    enter,
    write_facts,
)

E = Expect

DIRECTIONS = {
    1: "Система оценки качества подготовки обучающихся",
    2: "Система работы со школами с низкими результатами обучения и/или школами, функционирующими в неблагоприятных социальных условиях",
    3: "Система выявления, поддержки и развития способностей и талантов у детей и молодежи",
    4: "Система работы по самоопределению и профессиональной ориентации обучающихся",
    5: "Система мониторинга эффективности руководителей образовательных организаций",
    6: "Система обеспечения профессионального развития педагогических работников",
    7: "Система организации воспитания обучающихся",
    8: "Система мониторинга качества дошкольного образования",
}

# (school, student, stage, subject, status)
OLYMPIAD = [
    ("A1", "o1", "school", "math", "participant"), ("A1", "o1", "school", "phys", "prize"),
    ("A1", "o2", "school", "math", "prize"),
    ("A1", "o1", "municipal", "math", "winner"), ("A1", "o2", "municipal", "math", "participant"),
    ("A1", "o1", "regional", "math", "prize"),
    ("B2", "p1", "school", "ru", "participant"), ("B2", "p1", "municipal", "ru", "prize"),
    ("F9", "q1", "school", "math", "winner"), ("F9", "q1", "municipal", "math", "participant"),
    ("F9", "q1", "regional", "math", "participant"), ("F9", "q2", "regional", "phys", "participant"),
]
# (school, student or None for a class row, period, lessons, missed, missed without reason)
ATTENDANCE = [
    ("A1", "t1", "1 четверть", 100, 10, 2), ("A1", "t2", "1 четверть", 100, 5, 0),
    ("A1", "t1", "2 четверть", 100, 4, 1),
    ("B2", "u1", "1 четверть", 200, 20, 0), ("B2", None, "1 четверть", 1000, 50, 10),
    ("F9", "z1", "1 четверть", 50, 5, 5),
]

# Entered: (code, place, value)
ENTERED = [
    ("dir1.objectivity_track", "M1", 100), ("dir1.balance", "M1", 50),
    ("dir1.key_characteristics", "M1", 60), ("dir1.repeat_course", "A1", 2),
    ("dir1.repeat_course", "M1", 3),
    ("dir2.formation", "M1", 67), ("dir2.lrs_count", "M1", 2), ("dir2.risk_diagnostics", "M1", 1),
    ("dir3.formation", "M1", 80), ("dir3.additional_education", "A1", 71.5),
    ("dir3.additional_education", "M1", 68), ("dir3.competition_participants", "B2", 4),
    ("dir3.competition_participants", "M1", 9), ("dir3.network_projects", "M1", 3),
    ("dir4.formation", "M1", 75), ("dir4.prof_minimum_school", "A1", 1),
    ("dir4.prof_minimum_school", "B2", 0), ("dir4.prof_minimum_school", "F9", 1),
    ("dir4.programme", "M1", 87.5),
    ("dir5.formation", "M1", 40), ("dir5.heads_monitored", "M1", 100), ("dir5.heads_attested", "M1", 50),
    ("dir5.reserve", "M1", 4), ("dir5.heads_courses", "M1", 33.3),
    ("dir6.formation", "M1", 30), ("dir6.teachers_courses", "A1", 45), ("dir6.teachers_courses", "M1", 40),
    ("dir6.contest_participants", "A1", 2), ("dir6.contest_participants", "M1", 5),
    ("dir6.mentoring", "B2", 100), ("dir6.mentoring", "M1", 80), ("dir6.vacancies", "A1", 3),
    ("dir6.vacancies", "M1", 7),
    ("dir7.formation", "M1", 0), ("dir7.upbringing_programme_school", "A1", 1),
    ("dir7.upbringing_programme_school", "F9", 0), ("dir7.preventive_registration", "A1", 1.5),
    ("dir7.preventive_registration", "M1", 1.2), ("dir7.holiday_rest", "B2", 90),
    ("dir7.holiday_rest", "M1", 85),
    ("dir8.formation", "M1", 0), ("dir8.preschools_monitored", "M1", 100),
    ("dir8.preschool_teachers_courses", "M1", 25), ("dir8.base_sites", "M1", 2),
]


def seed_olympiad(world: Any) -> None:
    pk = {"A1": world.school_a.pk, "B2": world.school_b.pk, "F9": world.school_far.pk}
    write_facts(
        "olympiad_results",
        [{"org_id": pk[s], "year": YEAR, "procedure": "VSOSH", "stage": stage, "subject": subj,
          "grade": 9, "student": st, "score": 10.0, "max_score": 20.0, "status": status}
         for s, st, stage, subj, status in OLYMPIAD],
    )


def seed_directions(world: Any) -> Any:
    """Facts of every kind the directions read, plus a school C3 of M1 without ВПР."""
    from msoko.registry.models import Organisation

    seed_gia_vpr(world)
    seed_destinations(world)
    seed_olympiad(world)
    pk = {"A1": world.school_a.pk, "B2": world.school_b.pk, "F9": world.school_far.pk}
    write_facts(
        "attendance",
        [{"org_id": pk[s], "year": YEAR, "procedure": "ATTENDANCE", "grade": 7, "student": st,
          "period": period, "lessons_total": total, "lessons_missed": missed,
          "lessons_missed_unexcused": unexcused}
         for s, st, period, total, missed, unexcused in ATTENDANCE],
    )
    write_facts(
        "school_aggregates",
        [{"org_id": pk["A1"], "year": YEAR, "procedure": "NIKO", "subject": "math", "grade": 5,
          "measure": "sat", "value": 12.0}],
        kind="aggregates",
    )
    return Organisation.objects.create(
        territory=world.municipality, short_name="МБОУ СОШ № 3", full_name="Школа В", code="C3"
    )


CASES: list[Expect] = [
    # ---- 1. ВПР: A1, B2, F9 have results; C3 (M1) has none → M1 2 of 3 schools
    E("dir1.vpr_school", "A1", 1.0),
    E("dir1.vpr_school", "F9", 1.0),
    E("dir1.vpr_schools_share", "M1", 100 * 2 / 3, numerator=2, denominator=3),
    E("dir1.vpr_schools_share", "M2", 100.0),
    E("dir1.vpr_schools_share", "R1", 75.0),  # 3 of 4
    # НИКО: only A1 → one school in M1 and in R1, none in M2
    E("dir1.niko", "A1", 1.0),
    E("dir1.niko", "B2", None),
    E("dir1.niko", "M1", 1.0),
    E("dir1.niko", "R1", 1.0),
    E("dir1.niko", "M2", None),
    # ЕГЭ over the threshold. ru (24): A1 85, 90, 60, 70 (not 22); B2 70, 50; F9 71.
    # base maths («3»+): A1 e5 «5» (not e4 «2»); B2 g2 «4».
    E("dir1.ege_passed_min", "A1", 4, "ru"),
    E("dir1.ege_passed_min", "B2", 2, "ru"),
    E("dir1.ege_passed_min", "M1", 6, "ru"),
    E("dir1.ege_passed_min", "R1", 7, "ru"),
    E("dir1.ege_passed_min", "A1", 1, "math_base"),
    E("dir1.ege_passed_min", "M1", 2, "math_base"),
    E("dir1.ege_passed_min", "A1", 2, "math_profile"),  # 78, 65 (not 20)
    # ОГЭ «3»+: maths A1 a1 (retake «3», once), a3, a4; B2 b1; F9 none (a zero)
    E("dir1.oge_passed_min", "A1", 3, "math"),
    E("dir1.oge_passed_min", "B2", 1, "math"),
    E("dir1.oge_passed_min", "M1", 4, "math"),
    E("dir1.oge_passed_min", "F9", 0, "math"),
    E("dir1.oge_passed_min", "A1", 3, "ru"),
    E("dir1.oge_passed_min", "M1", 5, "ru"),
    # attendance: absentees A1 t1 (two periods, once); B2 none (the class row has no
    # student); F9 z1
    E("dir1.absentees", "A1", 1),
    E("dir1.absentees", "B2", 0),
    E("dir1.absentees", "M1", 1),
    E("dir1.absentees", "R1", 2),
    E("dir1.lessons_total", "A1", 300.0),
    E("dir1.lessons_total", "B2", 1200.0),
    E("dir1.lessons_total", "M1", 1500.0),
    E("dir1.lessons_total", "R1", 1550.0),
    E("dir1.lessons_missed_unexcused", "A1", 3.0),
    E("dir1.lessons_missed_unexcused", "M1", 13.0),
    E("dir1.lessons_missed_unexcused", "R1", 18.0),
    E("dir1.missed_unexcused_share", "A1", 1.0),  # 3 / 300
    E("dir1.missed_unexcused_share", "B2", 100 * 10 / 1200),
    E("dir1.missed_unexcused_share", "F9", 10.0),  # 5 / 50
    E("dir1.missed_unexcused_share", "M1", 100 * 13 / 1500),  # pooled, not a mean of schools
    E("dir1.missed_unexcused_share", "R1", 100 * 18 / 1550),
    E("dir1.objectivity_track", "M1", 100.0),
    E("dir1.balance", "M1", 50.0),
    E("dir1.key_characteristics", "M1", 60.0),
    E("dir1.repeat_course", "A1", 2.0),
    E("dir1.repeat_course", "M1", 3.0),  # entered for M1, not the sum of its schools
    # ---- 2. «2» on ВПР and ГИА-9: A1 ВПР 7 marks (v3, y2 «2»), ОГЭ ru 4 (a1), ОГЭ maths 5
    # (a1, a2), ГВЭ 1 (a5) → 6 of 17; B2 ВПР 2 (w2), ОГЭ ru 2, maths 1 → 1 of 5;
    # F9 ВПР 1, ОГЭ 2 (f1 maths) → 1 of 3
    E("dir2.unsuccessful_share", "A1", 100 * 6 / 17),
    E("dir2.unsuccessful_share", "B2", 20.0),
    E("dir2.unsuccessful_share", "F9", 100 / 3),
    E("dir2.unsuccessful_share", "M1", 100 * 7 / 22),
    E("dir2.unsuccessful_share", "R1", 32.0),  # 8 of 25
    E("dir2.formation", "M1", 67.0),
    E("dir2.lrs_count", "M1", 2.0),
    E("dir2.risk_diagnostics", "M1", 1.0),
    # ---- 3. olympiads. School stage: A1 o1 (2 subjects), o2 → 2; B2 p1; F9 q1.
    E("dir3.vsosh_school", "A1", 2),
    E("dir3.vsosh_school", "B2", 1),
    E("dir3.vsosh_school", "M1", 3),
    E("dir3.vsosh_school", "R1", 4),
    E("dir3.vsosh_municipal", "A1", 2),
    E("dir3.vsosh_municipal", "M1", 3),
    E("dir3.vsosh_municipal", "M2", 1),
    E("dir3.vsosh_municipal_winners", "A1", 1),  # o1 winner
    E("dir3.vsosh_municipal_winners", "B2", 1),  # p1 prize
    E("dir3.vsosh_municipal_winners", "F9", 0),
    E("dir3.vsosh_municipal_winners", "M1", 2),
    E("dir3.vsosh_municipal_winners", "R1", 2),
    E("dir3.vsosh_regional", "A1", 1),
    E("dir3.vsosh_regional", "B2", None),
    E("dir3.vsosh_regional", "F9", 2),
    E("dir3.vsosh_regional", "M1", 1),
    E("dir3.vsosh_regional", "R1", 3),
    E("dir3.vsosh_regional_winners", "A1", 1),
    E("dir3.vsosh_regional_winners", "F9", 0),
    E("dir3.vsosh_regional_winners", "M1", 1),
    E("dir3.vsosh_regional_winners", "R1", 1),
    E("dir3.formation", "M1", 80.0),
    E("dir3.additional_education", "A1", 71.5),
    E("dir3.additional_education", "M1", 68.0),
    E("dir3.competition_participants", "B2", 4.0),
    E("dir3.competition_participants", "M1", 9.0),
    E("dir3.network_projects", "M1", 3.0),
    # ---- 4. graduates continuing or employed: A1 7 of 8 (not d4), B2 3 of 3, F9 1 of 2
    # (d13 «other» is not counted)
    E("dir4.grads_placed", "A1", 87.5),
    E("dir4.grads_placed", "B2", 100.0),
    E("dir4.grads_placed", "F9", 50.0),
    E("dir4.grads_placed", "M1", 100 * 10 / 11),
    E("dir4.grads_placed", "R1", 100 * 11 / 13),
    E("dir4.prof_minimum_school", "A1", 1.0),
    E("dir4.prof_minimum_school", "B2", 0.0),
    E("dir4.prof_minimum_share", "M1", 100 / 3),  # A1 of A1, B2, C3 (all schools)
    E("dir4.prof_minimum_share", "M2", 100.0),
    E("dir4.prof_minimum_share", "R1", 50.0),  # A1, F9 of 4
    E("dir4.formation", "M1", 75.0),
    E("dir4.programme", "M1", 87.5),
    # ---- 5–8: entered
    E("dir5.formation", "M1", 40.0),
    E("dir5.heads_monitored", "M1", 100.0),
    E("dir5.heads_attested", "M1", 50.0),
    E("dir5.reserve", "M1", 4.0),
    E("dir5.heads_courses", "M1", 33.3),
    E("dir6.formation", "M1", 30.0),
    E("dir6.teachers_courses", "A1", 45.0),
    E("dir6.teachers_courses", "M1", 40.0),
    E("dir6.contest_participants", "A1", 2.0),
    E("dir6.contest_participants", "M1", 5.0),
    E("dir6.mentoring", "B2", 100.0),
    E("dir6.mentoring", "M1", 80.0),
    E("dir6.vacancies", "A1", 3.0),
    E("dir6.vacancies", "M1", 7.0),
    E("dir7.formation", "M1", 0.0),
    E("dir7.upbringing_programme_school", "A1", 1.0),
    E("dir7.upbringing_programme_school", "F9", 0.0),
    E("dir7.upbringing_programme_share", "M1", 100 / 3),  # A1 of A1, B2, C3
    E("dir7.upbringing_programme_share", "M2", 0.0),
    E("dir7.upbringing_programme_share", "R1", 25.0),
    E("dir7.preventive_registration", "A1", 1.5),
    E("dir7.preventive_registration", "M1", 1.2),
    E("dir7.holiday_rest", "B2", 90.0),
    E("dir7.holiday_rest", "M1", 85.0),
    E("dir8.formation", "M1", 0.0),
    E("dir8.preschools_monitored", "M1", 100.0),
    E("dir8.preschool_teachers_courses", "M1", 25.0),
    E("dir8.base_sites", "M1", 2.0),
]


@pytest.mark.django_db
def test_directions_catalog_against_hand_worked_figures(world: Any) -> None:
    from msoko.indicators.catalog import sync_builtin

    sync_builtin()
    seed_directions(world)
    for code, place, value in ENTERED:
        enter(world, code, place, value)
    check(CASES, compute_values(["directions"]), world)


def test_every_direction_indicator_has_a_direction_as_its_section() -> None:
    from msoko.indicators.catalog import BUILTIN_DIR
    from msoko.indicators.spec import parse_catalog

    spec = parse_catalog((BUILTIN_DIR / "50_directions.yaml").read_text(encoding="utf-8"))
    sections = {}
    for ind in spec.indicators:
        number = int(ind.code.split(".")[0].removeprefix("dir"))
        sections.setdefault(number, set()).add(ind.section)
    assert sections == {n: {name} for n, name in DIRECTIONS.items()}

