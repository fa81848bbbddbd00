"""Oracle test of the catalog ``gia_vpr`` (10_gia_vpr.yaml): ВПР, ОГЭ, ЕГЭ, КДР, итоговое
сочинение и собеседование, on hand-made results with every figure worked out below.

Joins that multiply rows: graduate e1 of school A1 has **two** medal rows (the same medal
loaded twice); the medallist shares and counts still count e1 once (2 of 3 medallists of A1
have 70+ in every subject, not 3 of 4). Graduate e4 fails both Russian and base maths and
is one graduate below the minimum, not two. Student a1 of A1 sat ОГЭ maths twice (a
retake): two results in the shares, one participant.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_indicator_catalog_oracle import YEAR, Expect, check, compute_values, write_facts

E = Expect

# --------------------------------------------------------------------------------- ОГЭ
# (school, student, subject, mark, primary score)
OGE = [
    ("A1", "a1", "ru", 2, 10), ("A1", "a2", "ru", 3, 18), ("A1", "a3", "ru", 4, 25),
    ("A1", "a4", "ru", 5, 30),
    ("A1", "a1", "math", 2, 5), ("A1", "a1", "math", 3, 9),  # a1: a retake
    ("A1", "a2", "math", 2, 7), ("A1", "a3", "math", 4, 16), ("A1", "a4", "math", 3, 12),
    ("B2", "b1", "ru", 4, 24), ("B2", "b2", "ru", 5, 31),
    ("B2", "b1", "math", 3, 10), ("B2", "b2", "math", None, None),  # b2: no result
    ("F9", "f1", "ru", 3, 20), ("F9", "f1", "math", 2, 6),
]
GVE9 = [("A1", "a5", "ru", 2, None)]

# --------------------------------------------------------------------------------- ЕГЭ
# (school, student, subject, test score, mark). Minimum thresholds of 2024 (reference data):
# ru 24, math_profile 27, phys 36, inf 40, soc 42, hist 32, chem 36, bio 36.
EGE = [
    ("A1", "e1", "ru", 85, None), ("A1", "e1", "math_profile", 78, None),
    ("A1", "e1", "phys", 72, None),
    ("A1", "e2", "ru", 90, None), ("A1", "e2", "math_profile", 65, None),
    ("A1", "e2", "inf", 70, None),
    ("A1", "e3", "ru", 60, None), ("A1", "e3", "math_profile", 20, None),
    ("A1", "e3", "soc", 50, None),
    ("A1", "e4", "ru", 22, None), ("A1", "e4", "math_base", None, 2),
    ("A1", "e5", "ru", 70, None), ("A1", "e5", "math_base", None, 5),
    ("A1", "e5", "soc", 80, None), ("A1", "e5", "hist", 75, None),
    ("B2", "g1", "ru", 70, None), ("B2", "g1", "math_profile", 72, None),
    ("B2", "g1", "chem", 75, None), ("B2", "g1", "bio", 60, None),
    ("B2", "g2", "ru", 50, None), ("B2", "g2", "math_base", None, 4),
    ("F9", "h1", "ru", 71, None), ("F9", "h1", "math_profile", 69, None),
    ("F9", "h1", "phys", 70, None),
]
# e1 twice: the join with medals must not count e1 twice
MEDALS = [("A1", "e1", "first"), ("A1", "e1", "first"), ("A1", "e2", "second"),
          ("A1", "e5", "first"), ("F9", "h1", "first")]

# --------------------------------------------------------------------------------- ВПР
# (school, student, subject, grade, primary, mark, journal mark)
VPR = [
    ("A1", "v1", "math", 5, 16, 5, 5), ("A1", "v2", "math", 5, 9, 3, 4),
    ("A1", "v3", "math", 5, 4, 2, 3), ("A1", "v4", "math", 5, 12, 4, 3),
    ("A1", "v5", "math", 5, 11, 4, None),
    ("A1", "y1", "ru", 4, 30, 4, 5), ("A1", "y2", "ru", 4, 10, 2, 3),
    ("B2", "w1", "math", 5, 14, 4, 4), ("B2", "w2", "math", 5, 3, 2, 2),
    ("F9", "x1", "math", 5, 20, 5, 4),
]
# ВПР maths grade 5 task scores; the specification: task 1 max 1, task 2 max 2.
TASKS = [
    ("A1", "v1", "1", 1), ("A1", "v1", "2", 2), ("A1", "v2", "1", 1), ("A1", "v2", "2", 0),
    ("A1", "v3", "1", 0), ("A1", "v3", "2", 1),
    ("B2", "w1", "1", 1), ("B2", "w1", "2", 1),
    ("F9", "x1", "1", 0), ("F9", "x1", "2", 2),
]

# --------------------------------------------------------------------------------- КДР
KDR = [
    ("A1", "k1", "read", 4, "low"), ("A1", "k2", "read", 4, "basic"),
    ("A1", "k3", "read", 4, "advanced"), ("A1", "k4", "read", 4, "high"),
    ("A1", "k10", "read", 4, None),  # absent: not in any share
    ("B2", "k5", "read", 4, "low"), ("B2", "k6", "read", 4, "basic"),
    ("B2", "k8", "read", 6, "basic"), ("B2", "k9", "read", 6, "low"),
    ("F9", "k7", "sci", 8, "advanced"),
]
ESSAY = [("A1", "s1", True), ("A1", "s2", True), ("A1", "s3", False), ("B2", "s4", True)]
INTERVIEW = [("A1", "i1", True, 15), ("A1", "i2", False, 8), ("F9", "i3", True, 18)]


def seed_gia_vpr(world: Any) -> None:
    """Write the results above (also used by the catalogs that read the same facts)."""
    from msoko.facts.models import Assessment, Procedure, TaskSpec
    from msoko.registry.models import Subject

    pk = {"A1": world.school_a.pk, "B2": world.school_b.pk, "F9": world.school_far.pk}
    base = {"year": YEAR}
    rows: list[dict[str, Any]] = []
    for school, student, subject, mark, primary in OGE:
        rows.append({**base, "org_id": pk[school], "procedure": "OGE", "grade": 9, "student": student,
                     "subject": subject, "mark": mark, "primary_score": primary})
    for school, student, subject, mark, primary in GVE9:
        rows.append({**base, "org_id": pk[school], "procedure": "GVE9", "grade": 9, "student": student,
                     "subject": subject, "mark": mark, "primary_score": primary})
    for school, student, subject, score, mark in EGE:
        rows.append({**base, "org_id": pk[school], "procedure": "EGE", "grade": 11, "student": student,
                     "subject": subject, "test_score": score, "mark": mark})
    for school, student, subject, grade, primary, mark, journal in VPR:
        rows.append({**base, "org_id": pk[school], "procedure": "VPR", "grade": grade, "student": student,
                     "subject": subject, "primary_score": primary, "mark": mark, "journal_mark": journal})
    for school, student, subject, grade, level in KDR:
        rows.append({**base, "org_id": pk[school], "procedure": "KDR", "grade": grade, "student": student,
                     "subject": subject, "level": level})
    for school, student, passed in ESSAY:
        rows.append({**base, "org_id": pk[school], "procedure": "ESSAY", "grade": 11, "student": student,
                     "subject": "essay", "passed": passed})
    for school, student, passed, score in INTERVIEW:
        rows.append({**base, "org_id": pk[school], "procedure": "INTERVIEW", "grade": 9, "student": student,
                     "subject": "interview", "passed": passed, "primary_score": score})
    write_facts("student_results", rows)
    write_facts(
        "medals",
        [{**base, "org_id": pk[s], "procedure": "MEDALS", "grade": 11, "student": st, "medal": m}
         for s, st, m in MEDALS],
    )
    write_facts(
        "task_scores",
        [{**base, "org_id": pk[s], "procedure": "VPR", "subject": "math", "grade": 5, "student": st,
          "task": task, "score": score} for s, st, task, score in TASKS],
        kind="vpr",
    )
    work = Assessment.objects.create(
        procedure=Procedure.objects.get(code="VPR"), subject=Subject.objects.get(code="math"),
        grade=5, year=world.year,
    )
    TaskSpec.objects.create(assessment=work, number="1", position=1, max_score=1, level="basic")
    TaskSpec.objects.create(assessment=work, number="2", position=2, max_score=2, level="basic")


CASES: list[Expect] = [
    # ---- ВПР, математика 5 класс. A1: v1..v5, marks 5,3,2,4,4; primary 16,9,4,12,11;
    # journal 5,4,3,3,— . B2: w1 (14, 4, j4), w2 (3, 2, j2). F9: x1 (20, 5, j4).
    E("vpr.participants", "A1", 5, "math", 5),
    E("vpr.participants", "B2", 2, "math", 5),
    E("vpr.participants", "M1", 7, "math", 5),  # 5 + 2
    E("vpr.participants", "R1", 8, "math", 5),  # 5 + 2 + 1
    E("vpr.participants", "A1", 2, "ru", 4),
    E("vpr.share_mark2", "A1", 20.0, "math", 5, numerator=1, denominator=5),  # v3
    E("vpr.share_mark2", "B2", 50.0, "math", 5),  # w2 of 2
    E("vpr.share_mark2", "M1", 100 * 2 / 7, "math", 5, numerator=2, denominator=7),  # pooled, not (20+50)/2
    E("vpr.share_mark2", "F9", 0.0, "math", 5),
    E("vpr.share_mark2", "M2", 0.0, "math", 5),
    E("vpr.share_mark2", "R1", 25.0, "math", 5),  # 2 of 8
    E("vpr.share_mark2", "A1", 50.0, "ru", 4),  # y2 of 2
    E("vpr.share_mark45", "A1", 60.0, "math", 5),  # v1, v4, v5 of 5
    E("vpr.share_mark45", "B2", 50.0, "math", 5),  # w1
    E("vpr.share_mark45", "M1", 100 * 4 / 7, "math", 5),
    E("vpr.share_mark45", "R1", 62.5, "math", 5),  # 5 of 8
    E("vpr.mean_mark", "A1", 3.6, "math", 5),  # (5+3+2+4+4)/5
    E("vpr.mean_mark", "B2", 3.0, "math", 5),  # (4+2)/2
    E("vpr.mean_mark", "M1", 24 / 7, "math", 5),  # (18+6)/7
    E("vpr.mean_mark", "R1", 29 / 8, "math", 5),  # (24+5)/8
    E("vpr.mean_primary", "A1", 10.4, "math", 5),  # (16+9+4+12+11)/5 = 52/5
    E("vpr.mean_primary", "B2", 8.5, "math", 5),  # (14+3)/2
    E("vpr.mean_primary", "M1", 69 / 7, "math", 5),  # (52+17)/7
    E("vpr.mean_primary", "F9", 20.0, "math", 5),
    E("vpr.mean_primary", "R1", 89 / 8, "math", 5),  # (69+20)/8
    E("vpr.mean_primary", "A1", 20.0, "ru", 4),  # (30+10)/2
    # journal: A1 v1 5=5 confirmed, v2 3<4 lowered, v3 2<3 lowered, v4 4>3 raised, v5 no
    # journal mark (not compared) → 4 compared; B2 both confirmed; F9 x1 5>4 raised.
    E("vpr.journal_lowered", "A1", 50.0, "math", 5, numerator=2, denominator=4),
    E("vpr.journal_lowered", "B2", 0.0, "math", 5),
    E("vpr.journal_lowered", "M1", 100 * 2 / 6, "math", 5),
    E("vpr.journal_lowered", "R1", 100 * 2 / 7, "math", 5),
    E("vpr.journal_lowered", "A1", 100.0, "ru", 4),  # y1 4<5, y2 2<3
    E("vpr.journal_confirmed", "A1", 25.0, "math", 5),
    E("vpr.journal_confirmed", "B2", 100.0, "math", 5),
    E("vpr.journal_confirmed", "M1", 50.0, "math", 5),  # 1 + 2 of 6
    E("vpr.journal_confirmed", "R1", 100 * 3 / 7, "math", 5),
    E("vpr.journal_raised", "A1", 25.0, "math", 5),
    E("vpr.journal_raised", "B2", 0.0, "math", 5),
    E("vpr.journal_raised", "M1", 100 / 6, "math", 5),
    E("vpr.journal_raised", "F9", 100.0, "math", 5),
    E("vpr.journal_raised", "R1", 100 * 2 / 7, "math", 5),
    # tasks: task 1 (max 1) A1 1+1+0 = 2 of 3×1; B2 1 of 1; F9 0 of 1.
    #        task 2 (max 2) A1 2+0+1 = 3 of 3×2; B2 1 of 2; F9 2 of 2.
    E("vpr.task_share_of_max", "A1", 100 * 2 / 3, "math", 5, "1"),
    E("vpr.task_share_of_max", "B2", 100.0, "math", 5, "1"),
    E("vpr.task_share_of_max", "M1", 75.0, "math", 5, "1"),  # 3 of 4
    E("vpr.task_share_of_max", "F9", 0.0, "math", 5, "1"),
    E("vpr.task_share_of_max", "R1", 60.0, "math", 5, "1"),  # 3 of 5
    E("vpr.task_share_of_max", "A1", 50.0, "math", 5, "2", numerator=3, denominator=6),
    E("vpr.task_share_of_max", "M1", 50.0, "math", 5, "2"),  # 4 of 4×2
    E("vpr.task_share_of_max", "R1", 60.0, "math", 5, "2"),  # 6 of 5×2
    # ---- ОГЭ. ru: A1 marks 2,3,4,5 (primary 10,18,25,30); B2 4,5 (24,31); F9 3 (20).
    # math: A1 2,3 (a1 twice), 2,4,3 (primary 5,9,7,16,12); B2 3 (10) and b2 without a
    # result; F9 2 (6).
    E("oge.participants", "A1", 4, "ru"),
    E("oge.participants", "A1", 4, "math"),  # a1 sat twice: 5 results, 4 participants
    E("oge.participants", "B2", 1, "math"),  # b2 has no mark
    E("oge.participants", "M1", 5, "math"),
    E("oge.participants", "M1", 6, "ru"),
    E("oge.participants", "R1", 7, "ru"),
    E("oge.share_mark2", "A1", 25.0, "ru"),  # 1 of 4
    E("oge.share_mark2", "B2", 0.0, "ru"),
    E("oge.share_mark2", "M1", 100 / 6, "ru"),
    E("oge.share_mark2", "R1", 100 / 7, "ru"),
    E("oge.share_mark2", "A1", 40.0, "math", numerator=2, denominator=5),  # a1 (first), a2
    E("oge.share_mark2", "B2", 0.0, "math", numerator=0, denominator=1),
    E("oge.share_mark2", "M1", 100 * 2 / 6, "math"),
    E("oge.share_mark2", "F9", 100.0, "math"),
    E("oge.share_mark2", "M2", 100.0, "math"),
    E("oge.share_mark2", "R1", 100 * 3 / 7, "math"),
    E("oge.share_mark45", "A1", 50.0, "ru"),  # 4, 5
    E("oge.share_mark45", "B2", 100.0, "ru"),
    E("oge.share_mark45", "M1", 100 * 4 / 6, "ru"),
    E("oge.share_mark45", "R1", 100 * 4 / 7, "ru"),
    E("oge.share_mark45", "A1", 20.0, "math"),  # a3's 4 of 5
    E("oge.share_mark45", "M1", 100 / 6, "math"),
    E("oge.mean_mark", "A1", 3.5, "ru"),  # (2+3+4+5)/4
    E("oge.mean_mark", "B2", 4.5, "ru"),
    E("oge.mean_mark", "M1", 23 / 6, "ru"),  # (14+9)/6
    E("oge.mean_mark", "R1", 26 / 7, "ru"),
    E("oge.mean_mark", "A1", 2.8, "math"),  # (2+3+2+4+3)/5
    E("oge.mean_mark", "M1", 17 / 6, "math"),  # (14+3)/6
    E("oge.mean_mark", "F9", 2.0, "math"),
    E("oge.mean_primary", "A1", 20.75, "ru"),  # 83/4
    E("oge.mean_primary", "B2", 27.5, "ru"),
    E("oge.mean_primary", "M1", 23.0, "ru"),  # 138/6
    E("oge.mean_primary", "A1", 9.8, "math"),  # 49/5
    E("oge.mean_primary", "B2", 10.0, "math"),  # b2's empty score is not a zero
    E("oge.mean_primary", "M1", 59 / 6, "math"),
    # ГИА-9 = ОГЭ + ГВЭ: A1 ru adds a5 (ГВЭ, «2») → 2 of 5
    E("gia9.share_mark2", "A1", 40.0, "ru"),
    E("gia9.share_mark2", "B2", 0.0, "ru"),
    E("gia9.share_mark2", "M1", 100 * 2 / 7, "ru"),
    E("gia9.share_mark2", "R1", 25.0, "ru"),  # 2 of 8
    # ---- ЕГЭ
    E("ege.participants", "A1", 5, "ru"),
    E("ege.participants", "A1", 2, "math_base"),
    E("ege.participants", "B2", 2, "ru"),
    E("ege.participants", "M1", 4, "math_profile"),  # e1, e2, e3, g1
    E("ege.participants", "R1", 8, "ru"),
    # ru: A1 85, 90, 60, 22, 70 (327); B2 70, 50 (120); F9 71
    E("ege.mean_test_score", "A1", 65.4, "ru"),
    E("ege.mean_test_score", "B2", 60.0, "ru"),
    E("ege.mean_test_score", "M1", 447 / 7, "ru"),
    E("ege.mean_test_score", "F9", 71.0, "ru"),
    E("ege.mean_test_score", "R1", 518 / 8, "ru"),
    E("ege.mean_test_score", "A1", 163 / 3, "math_profile"),  # 78+65+20
    E("ege.mean_test_score", "M1", 235 / 4, "math_profile"),  # 163 + 72
    E("ege.mean_test_score", "A1", 65.0, "soc"),  # (50+80)/2
    E("ege.mean_test_score", "A1", None, "math_base"),  # base maths has no test score
    E("ege.share_below_min", "A1", 20.0, "ru"),  # e4: 22 < 24
    E("ege.share_below_min", "B2", 0.0, "ru"),
    E("ege.share_below_min", "M1", 100 / 7, "ru"),
    E("ege.share_below_min", "R1", 12.5, "ru"),
    E("ege.share_below_min", "A1", 100 / 3, "math_profile"),  # e3: 20 < 27
    E("ege.share_below_min", "M1", 25.0, "math_profile"),
    E("ege.share_below_min", "A1", 50.0, "math_base"),  # e4's «2» of 2
    E("ege.share_below_min", "M1", 100 / 3, "math_base"),
    E("ege.share_below_min", "A1", 0.0, "soc"),  # 50 and 80 ≥ 42
    E("ege.share_60_plus", "A1", 80.0, "ru"),  # 85, 90, 60, 70 (60 counts)
    E("ege.share_60_plus", "B2", 50.0, "ru"),
    E("ege.share_60_plus", "M1", 100 * 5 / 7, "ru"),
    E("ege.share_60_plus", "R1", 75.0, "ru"),  # 6 of 8
    E("ege.share_60_plus", "A1", 100 * 2 / 3, "math_profile"),
    E("ege.share_70_plus", "A1", 60.0, "ru"),  # 85, 90, 70
    E("ege.share_70_plus", "B2", 50.0, "ru"),  # 70
    E("ege.share_70_plus", "M1", 100 * 4 / 7, "ru"),
    E("ege.share_70_plus", "F9", 100.0, "ru"),
    E("ege.share_70_plus", "R1", 62.5, "ru"),
    E("ege.share_80_plus", "A1", 40.0, "ru"),  # 85, 90
    E("ege.share_80_plus", "B2", 0.0, "ru"),
    E("ege.share_80_plus", "M1", 100 * 2 / 7, "ru"),
    E("ege.share_80_plus", "R1", 25.0, "ru"),
    E("ege.share_80_plus", "M1", 0.0, "math_profile"),
    # base maths: A1 e4 «2», e5 «5»; B2 g2 «4»
    E("ege.share_mark2", "A1", 50.0, "math_base"),
    E("ege.share_mark2", "B2", 0.0, "math_base"),
    E("ege.share_mark2", "M1", 100 / 3, "math_base"),
    E("ege.share_mark45", "A1", 50.0, "math_base"),
    E("ege.share_mark45", "B2", 100.0, "math_base"),
    E("ege.share_mark45", "M1", 100 * 2 / 3, "math_base"),
    E("ege.mean_mark", "A1", 3.5, "math_base"),
    E("ege.mean_mark", "B2", 4.0, "math_base"),
    E("ege.mean_mark", "M1", 11 / 3, "math_base"),
    E("ege.graduates", "A1", 5),
    E("ege.graduates", "B2", 2),
    E("ege.graduates", "M1", 7),
    E("ege.graduates", "M2", 1),
    E("ege.graduates", "R1", 8),
    # below the minimum in ru or maths: A1 e3 (maths 20) and e4 (ru 22 and base «2»: two
    # failing results, one graduate); B2 and F9 none — a zero, not a missing value
    E("ege.below_min_ru_math", "A1", 2),
    E("ege.below_min_ru_math", "B2", 0),
    E("ege.below_min_ru_math", "M1", 2),
    E("ege.below_min_ru_math", "F9", 0),
    E("ege.below_min_ru_math", "R1", 2),
    E("ege.share_below_min_ru_math", "A1", 40.0),  # 2 of 5
    E("ege.share_below_min_ru_math", "B2", 0.0),
    E("ege.share_below_min_ru_math", "M1", 100 * 2 / 7),
    E("ege.share_below_min_ru_math", "R1", 25.0),  # 2 of 8
    # medallists: A1 e1 (two rows), e2, e5; F9 h1
    E("ege.medallists", "A1", 3),
    E("ege.medallists", "B2", None),
    E("ege.medallists", "M1", 3),
    E("ege.medallists", "R1", 4),
    # lowest test score: e1 72 ✓, e2 65 ✗, e5 70 ✓ (base maths «5» is not a test score);
    # h1 69 ✗. A1: 2 of 3 (a join counting e1 twice would give 3 of 4).
    E("ege.medallists_70_plus", "A1", 100 * 2 / 3, numerator=2, denominator=3),
    E("ege.medallists_70_plus", "B2", None),  # no medallists
    E("ege.medallists_70_plus", "M1", 100 * 2 / 3, numerator=2, denominator=3),
    E("ege.medallists_70_plus", "F9", 0.0),
    E("ege.medallists_70_plus", "M2", 0.0),
    E("ege.medallists_70_plus", "R1", 50.0, numerator=2, denominator=4),
    # best three test scores: e1 85+78+72 = 235 ✓, e2 90+70+65 = 225 ✓, e3 130, e4 22,
    # e5 80+75+70 = 225 ✓; g1 75+72+70 = 217 ✗ (all four would be 277), g2 50; h1 210.
    E("ege.share_220_plus", "A1", 60.0, numerator=3, denominator=5),
    E("ege.share_220_plus", "B2", 0.0, numerator=0, denominator=2),
    E("ege.share_220_plus", "M1", 100 * 3 / 7),
    E("ege.share_220_plus", "F9", 0.0),
    E("ege.share_220_plus", "R1", 37.5),  # 3 of 8
    # ---- КДР. read 4: A1 low, basic, advanced, high (+ one absent); B2 low, basic.
    # read 6: B2 basic, low. sci 8: F9 advanced.
    E("kdr.share_low", "A1", 25.0, "read", 4),
    E("kdr.share_low", "B2", 50.0, "read", 4),
    E("kdr.share_low", "M1", 100 * 2 / 6, "read", 4),
    E("kdr.share_basic", "A1", 25.0, "read", 4),
    E("kdr.share_basic", "M1", 100 * 2 / 6, "read", 4),
    E("kdr.share_advanced", "A1", 25.0, "read", 4),
    E("kdr.share_advanced", "B2", 0.0, "read", 4),
    E("kdr.share_advanced", "M1", 100 / 6, "read", 4),
    E("kdr.share_advanced", "F9", 100.0, "sci", 8),
    E("kdr.share_advanced", "M2", 100.0, "sci", 8),
    E("kdr.share_high", "A1", 25.0, "read", 4),
    E("kdr.share_high", "M1", 100 / 6, "read", 4),
    E("kdr.share_basic_plus", "A1", 75.0, "read", 4),
    E("kdr.share_basic_plus", "B2", 50.0, "read", 4),
    E("kdr.share_basic_plus", "M1", 100 * 4 / 6, "read", 4),
    E("kdr.share_basic_plus", "R1", 100 * 4 / 6, "read", 4),
    E("kdr.share_basic_plus", "B2", 50.0, "read", 6),
    E("kdr.share_basic_plus", "M1", 50.0, "read", 6),
    # ---- сочинение: A1 2 of 3 «зачёт», B2 1 of 1; собеседование: A1 1 of 2 (15, 8), F9 1 (18)
    E("essay.share_passed", "A1", 100 * 2 / 3),
    E("essay.share_passed", "B2", 100.0),
    E("essay.share_passed", "M1", 75.0),
    E("essay.share_passed", "R1", 75.0),
    E("interview.share_passed", "A1", 50.0),
    E("interview.share_passed", "M1", 50.0),
    E("interview.share_passed", "R1", 100 * 2 / 3),
    E("interview.mean_score", "A1", 11.5),
    E("interview.mean_score", "M1", 11.5),
    E("interview.mean_score", "F9", 18.0),
    E("interview.mean_score", "R1", 41 / 3),
]


@pytest.mark.django_db
def test_gia_vpr_catalog_against_hand_worked_figures(world: Any) -> None:
    from msoko.indicators.catalog import sync_builtin

    sync_builtin()
    seed_gia_vpr(world)
    check(CASES, compute_values(["gia_vpr"]), world)
