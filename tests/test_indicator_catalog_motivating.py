"""Oracle test of the catalog ``motivating`` (40_motivating.yaml): the motivating-monitoring
table of seed 000, with its norms, and every figure worked out below.

The shares of schools count every school of the municipality where the document says «доля
ОО» (ШСК, «Юнармия»: a school without a mark counts as one without a club), and the schools
that took part in ВПР for the objectivity row (those with a mark). The medallist share
counts graduate e1 of A1 once although e1 has two medal rows.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_indicator_catalog_directions import seed_olympiad
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

SPT = [("A1", "c1", True), ("A1", "c2", True), ("A1", "c3", True), ("A1", "c4", False),
       ("A1", "c5", None), ("B2", "c6", True), ("B2", "c7", True), ("F9", "c8", False)]
ENTERED = [
    ("mm.school.yunarmia", "A1", 1), ("mm.school.yunarmia", "B2", 0),
    ("mm.school.ssk", "A1", 1), ("mm.school.ssk", "B2", 1), ("mm.school.ssk", "F9", 0),
    ("mm.school.vpr_non_objective", "A1", 0), ("mm.school.vpr_non_objective", "B2", 1),
    ("mm.school.vpr_non_objective", "F9", 0),
    ("mm.students_9_11", "A1", 50), ("mm.students_9_11", "F9", 100),
    ("mm.students_9_11", "M1", 200), ("mm.students_9_11", "M2", 100),
    ("mm.contests", "M1", 1.36), ("mm.mechanisms", "M1", 100), ("mm.sys_training", "M1", 100),
    ("mm.sys_low_results", "M1", 86), ("mm.sys_talents", "M1", 80), ("mm.sys_heads", "M1", 70),
    ("mm.sys_teachers", "M1", 66), ("mm.heads_payroll", "M1", 12.1), ("mm.heads_payroll", "R1", 13.7),
    ("mm.appeals", "M1", 5),
]

CASES: list[Expect] = [
    # row 1: «Юнармия» A1 yes, B2 no, F9 no mark → M1 1 of 2, M2 0 of 1, R1 1 of 3
    E("mm.school.yunarmia", "A1", 1.0),
    E("mm.school.yunarmia", "F9", None),
    E("mm.yunarmia_share", "M1", 50.0, numerator=1, denominator=2),
    E("mm.yunarmia_share", "M2", 0.0, numerator=0, denominator=1),
    E("mm.yunarmia_share", "R1", 100 / 3),
    # rows 2–3: the ЕГЭ results of tests.test_indicator_catalog_gia_vpr
    E("mm.medallists_70_plus", "A1", 100 * 2 / 3, numerator=2, denominator=3),  # e1 once
    E("mm.medallists_70_plus", "M1", 100 * 2 / 3),
    E("mm.medallists_70_plus", "F9", 0.0),
    E("mm.medallists_70_plus", "R1", 50.0),
    E("mm.share_220_plus", "A1", 60.0),
    E("mm.share_220_plus", "B2", 0.0),
    E("mm.share_220_plus", "M1", 100 * 3 / 7),
    E("mm.share_220_plus", "R1", 37.5),
    # row 4: ШСК A1, B2 yes, F9 no
    E("mm.school.ssk", "F9", 0.0),
    E("mm.ssk_share", "M1", 100.0),
    E("mm.ssk_share", "M2", 0.0),
    E("mm.ssk_share", "R1", 100 * 2 / 3),
    # row 5: СПТ A1 3 of 4 (the row without an answer is not counted), B2 2 of 2, F9 0 of 1
    E("mm.spt_share", "A1", 75.0, numerator=3, denominator=4),
    E("mm.spt_share", "B2", 100.0),
    E("mm.spt_share", "F9", 0.0),
    E("mm.spt_share", "M1", 100 * 5 / 6),
    E("mm.spt_share", "R1", 100 * 5 / 7),
    # row 6: B2 is on the list → M1 1 of 2, M2 1 of 1, R1 2 of 3
    E("mm.school.vpr_non_objective", "B2", 1.0),
    E("mm.vpr_objective_share", "M1", 50.0),
    E("mm.vpr_objective_share", "M2", 100.0),
    E("mm.vpr_objective_share", "R1", 100 * 2 / 3),
    # row 8: regional stage: A1 o1; F9 q1, q2. Per 100 pupils of grades 9–11.
    E("mm.vsosh_regional_participants", "A1", 1),
    E("mm.vsosh_regional_participants", "B2", None),
    E("mm.vsosh_regional_participants", "M1", 1),
    E("mm.vsosh_regional_participants", "M2", 2),
    E("mm.vsosh_regional_participants", "R1", 3),
    E("mm.students_9_11", "A1", 50.0),
    E("mm.students_9_11", "M1", 200.0),
    E("mm.vsosh_participation", "A1", 2.0),  # 1 / 50 × 100
    E("mm.vsosh_participation", "F9", 2.0),  # 2 / 100 × 100
    E("mm.vsosh_participation", "M1", 0.5),  # 1 / 200 × 100
    E("mm.vsosh_participation", "M2", 2.0),
    E("mm.vsosh_participation", "B2", None),
    # rows 7, 9–16: entered by the municipality (the region for row 15 too)
    E("mm.contests", "M1", 1.36),
    E("mm.mechanisms", "M1", 100.0),
    E("mm.sys_training", "M1", 100.0),
    E("mm.sys_low_results", "M1", 86.0),
    E("mm.sys_talents", "M1", 80.0),
    E("mm.sys_heads", "M1", 70.0),
    E("mm.sys_teachers", "M1", 66.0),
    E("mm.heads_payroll", "M1", 12.1),
    E("mm.heads_payroll", "R1", 13.7),
    E("mm.heads_payroll", "M2", None),
    E("mm.appeals", "M1", 5.0),
]

NORMS = {  # seed 000, «Норма по показателю» (row 1: 0,48 of one, in percent)
    "mm.yunarmia_share": 48.0, "mm.ssk_share": 68.0, "mm.spt_share": 87.0,
    "mm.vpr_objective_share": 86.0, "mm.contests": 1.36, "mm.vsosh_participation": 1.5,
    "mm.mechanisms": 67.0, "mm.sys_training": 42.0, "mm.sys_low_results": 100.0,
    "mm.sys_talents": 100.0, "mm.sys_heads": 100.0, "mm.sys_teachers": 100.0,
    "mm.heads_payroll": 13.7,
}


def seed_motivating(world: Any) -> None:
    seed_gia_vpr(world)
    seed_olympiad(world)
    pk = {"A1": world.school_a.pk, "B2": world.school_b.pk, "F9": world.school_far.pk}
    write_facts(
        "student_results",
        [{"org_id": pk[s], "year": YEAR, "procedure": "SPT", "grade": 8, "student": st, "passed": p}
         for s, st, p in SPT],
        kind="spt",
    )
    for code, place, value in ENTERED:
        enter(world, code, place, value)


@pytest.mark.django_db
def test_motivating_catalog_against_hand_worked_figures(world: Any) -> None:
    from msoko.indicators.catalog import sync_builtin

    sync_builtin()
    seed_motivating(world)
    check(CASES, compute_values(["motivating"]), world)


def test_motivating_norms_are_those_of_seed_000() -> None:
    from msoko.indicators.catalog import BUILTIN_DIR
    from msoko.indicators.spec import parse_catalog

    spec = parse_catalog((BUILTIN_DIR / "40_motivating.yaml").read_text(encoding="utf-8"))
    norms = {i.code: i.norm.get("value") for i in spec.indicators if i.norm}
    assert norms == NORMS
    assert all(i.code.startswith("mm.") for i in spec.indicators)
