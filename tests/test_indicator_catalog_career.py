"""Oracle test of the catalog ``career`` (20_career.yaml): the career-guidance indicators of
seed 002 §7.1 — the shares computed from the graduates' destinations, worked out below, and
the values a school or the municipality enters (they pass through unchanged, at the level
they were entered for, and are not summed up from schools).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_indicator_catalog_oracle import (
    YEAR,
    Expect,
    check,
    compute_values,
    enter,
    write_facts,
)

E = Expect

# (school, graduate, grade, destination, target training)
DESTINATIONS = [
    ("A1", "d1", 9, "school", None), ("A1", "d2", 9, "college", True),
    ("A1", "d3", 9, "college", False), ("A1", "d4", 9, "none", None),
    ("A1", "d5", 11, "university", True), ("A1", "d6", 11, "college", False),
    ("A1", "d7", 11, "work", None), ("A1", "d8", 11, "university", None),
    ("B2", "d9", 9, "school", None), ("B2", "d10", 11, "army", None),
    ("B2", "d11", 11, "university", False),
    ("F9", "d12", 9, "college", None), ("F9", "d13", 11, "other", None),
]

ENTERED_CODES = (
    "career.grads_by_profile", "career.grads9_college_gia_profile", "career.profile_subjects_gia",
    "career.worldskills_juniors", "career.worldskills_masterclasses", "career.abilympics",
    "career.abilympics_masterclasses", "career.ticket_to_future", "career.career_events",
    "career.career_testing", "career.practice_places", "career.parents_help", "career.agreements",
    "career.additional_education", "career.advanced_study",
)


def entered_values(i: int) -> tuple[float, float, float]:
    """The values entered for the i-th entered indicator: A1, B2, M1 (M1's own figure, not
    a sum or mean of its schools)."""
    return 10.0 + i, 20.5 + i, 99.0 - i


def seed_destinations(world: Any) -> None:
    pk = {"A1": world.school_a.pk, "B2": world.school_b.pk, "F9": world.school_far.pk}
    write_facts(
        "destinations",
        [{"org_id": pk[s], "year": YEAR, "procedure": "DESTINATIONS", "grade": g, "student": st,
          "destination": d, "is_target": t} for s, st, g, d, t in DESTINATIONS],
    )


CASES: list[Expect] = [
    # 11th grade: A1 d5 university, d6 college, d7 work, d8 university; B2 d10 army,
    # d11 university; F9 d13 other.
    E("career.grads11_college", "A1", 25.0, numerator=1, denominator=4),
    E("career.grads11_college", "B2", 0.0),
    E("career.grads11_college", "M1", 100 / 6),
    E("career.grads11_college", "F9", 0.0),
    E("career.grads11_college", "R1", 100 / 7),
    E("career.grads11_university", "A1", 50.0),
    E("career.grads11_university", "B2", 50.0),
    E("career.grads11_university", "M1", 50.0),  # 3 of 6
    E("career.grads11_university", "R1", 100 * 3 / 7),
    # 9th grade: A1 d1 10th grade, d2 and d3 college, d4 neither works nor studies; B2 d9
    # 10th grade; F9 d12 college.
    E("career.grads9_college", "A1", 50.0),
    E("career.grads9_college", "B2", 0.0),
    E("career.grads9_college", "M1", 40.0),  # 2 of 5
    E("career.grads9_college", "F9", 100.0),
    E("career.grads9_college", "R1", 50.0),  # 3 of 6
    E("career.grads9_school", "A1", 25.0),
    E("career.grads9_school", "B2", 100.0),
    E("career.grads9_school", "M1", 40.0),
    E("career.grads9_school", "R1", 100 * 2 / 6),
    # entrants to colleges and universities: A1 d2 (target), d3, d5 (target), d6, d8;
    # B2 d11; F9 d12. Target training: A1 2 of 5; B2 0 of 1.
    E("career.grads_target", "A1", 40.0, numerator=2, denominator=5),
    E("career.grads_target", "B2", 0.0),
    E("career.grads_target", "M1", 100 * 2 / 6),
    E("career.grads_target", "R1", 100 * 2 / 7),
    # neither working nor studying: A1 d4 of 8 graduates
    E("career.grads_not_placed", "A1", 12.5),
    E("career.grads_not_placed", "B2", 0.0),
    E("career.grads_not_placed", "M1", 100 / 11),
    E("career.grads_not_placed", "R1", 100 / 13),
    E("career.graduates", "A1", 8.0),
    E("career.graduates", "B2", 3.0),
    E("career.graduates", "M1", 11.0),
    E("career.graduates", "M2", 2.0),
    E("career.graduates", "R1", 13.0),
]
for _i, _code in enumerate(ENTERED_CODES):
    _a1, _b2, _m1 = entered_values(_i)
    CASES += [E(_code, "A1", _a1), E(_code, "B2", _b2), E(_code, "M1", _m1), E(_code, "F9", None),
              E(_code, "M2", None)]


@pytest.mark.django_db
def test_career_catalog_against_hand_worked_figures(world: Any) -> None:
    from msoko.indicators.catalog import sync_builtin

    sync_builtin()
    seed_destinations(world)
    for i, code in enumerate(ENTERED_CODES):
        a1, b2, m1 = entered_values(i)
        enter(world, code, "A1", a1)
        enter(world, code, "B2", b2)
        enter(world, code, "M1", m1)
    check(CASES, compute_values(["career"]), world)
