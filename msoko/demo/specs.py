"""What the demo generates for each procedure: works, tasks, targets of the distributions.

Targets are the shapes of published results (ФИПИ and ФИОКО analytical reports, regional
ЦОКО reports, 2022–2024): rounded shares of marks «2» and «5», ЕГЭ mean test scores and
shares below the minimum threshold. They are targets of the generator, not statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msoko.demo.content import CODIFIER
from msoko.demo.rng import stable_unit

# ---------------------------------------------------------------------------------------
# ОГЭ: (subject, share of «2», share of «5», popularity as an elective)
OGE_TARGETS = {
    "ru": (0.04, 0.24),
    "math": (0.11, 0.09),
    "phys": (0.05, 0.10),
    "chem": (0.06, 0.25),
    "bio": (0.08, 0.05),
    "soc": (0.09, 0.06),
    "inf": (0.07, 0.14),
    "geo": (0.06, 0.16),
    "hist": (0.08, 0.09),
    "eng": (0.03, 0.30),
    "lit": (0.04, 0.20),
}
OGE_ELECTIVES = {
    "soc": 0.30,
    "inf": 0.19,
    "geo": 0.20,
    "bio": 0.11,
    "eng": 0.06,
    "chem": 0.05,
    "phys": 0.05,
    "hist": 0.02,
    "lit": 0.02,
}

# ЕГЭ: (subject, primary maximum, mean test score, share below the minimum threshold)
EGE_TARGETS = {
    "ru": (50, 69.0, 0.01),
    "math_profile": (32, 56.0, 0.06),
    "soc": (58, 56.0, 0.14),
    "phys": (45, 55.0, 0.05),
    "chem": (56, 55.0, 0.12),
    "bio": (57, 50.0, 0.15),
    "hist": (42, 55.0, 0.08),
    "inf": (29, 58.0, 0.10),
    "eng": (82, 66.0, 0.02),
    "lit": (53, 60.0, 0.04),
    "geo": (37, 57.0, 0.04),
}
EGE_BASE_TARGET = (0.04, 0.30)  # base maths: shares of «2» and «5»
# Electives of ЕГЭ by the maths track a student takes.
EGE_ELECTIVES_PROFILE = {
    "phys": 0.30,
    "inf": 0.33,
    "chem": 0.10,
    "soc": 0.14,
    "eng": 0.06,
    "bio": 0.04,
    "hist": 0.02,
    "geo": 0.01,
}
EGE_ELECTIVES_BASE = {
    "soc": 0.38,
    "bio": 0.16,
    "hist": 0.14,
    "chem": 0.08,
    "eng": 0.10,
    "lit": 0.08,
    "geo": 0.02,
    "inf": 0.02,
    "phys": 0.02,
}
# Who goes on to grades 10–11 (and so sits ЕГЭ), as a function of ability; and who takes
# profile maths: sigmoid(c + b·ability).
CONTINUE_TO_10 = (-0.15, 1.3)
PROFILE_MATHS = (-0.35, 1.4)


def ege_conversion(n: int) -> tuple[int, ...]:
    """A primary → test score table shaped like ФИПИ's: steep at the start (the minimum
    threshold is a few primary points), flatter in the middle, steeper again at the top."""
    knots_x = [0.0, 0.12, 0.30, 0.55, 0.80, 0.92, 1.0]
    knots_y = [0.0, 0.30, 0.50, 0.66, 0.80, 0.90, 1.0]
    x = np.arange(n + 1) / n
    return tuple(int(v) for v in np.rint(100 * np.interp(x, knots_x, knots_y)))


# ---------------------------------------------------------------------------------------
# ВПР: which works each grade writes, and targets.
# Every grade writes Russian and maths, and more subjects distributed by class, as in the
# ВПР of 2024–2025: grade 4 the world around; grade 5 history and biology; grades 6–8 one
# subject of the humanities group and one of the natural-science group, drawn per class.
VPR_GRADES = (4, 5, 6, 7, 8)
VPR_EXTRA: dict[int, tuple[tuple[str, ...], ...]] = {
    4: (("env",),),
    5: (("hist",), ("bio",)),
    6: (("hist", "soc"), ("bio", "geo")),
    7: (("hist", "soc", "geo"), ("bio", "phys")),
    8: (("hist", "soc", "geo"), ("bio", "phys", "chem")),
}
VPR_PARTICIPATION = 0.94
VPR_TARGETS = {
    ("ru", 4): (0.05, 0.20),
    ("math", 4): (0.03, 0.25),
    ("env", 4): (0.02, 0.18),
    ("ru", 5): (0.16, 0.10),
    ("math", 5): (0.12, 0.14),
    ("ru", 6): (0.18, 0.08),
    ("math", 6): (0.15, 0.09),
    ("ru", 7): (0.19, 0.07),
    ("math", 7): (0.14, 0.08),
    ("ru", 8): (0.17, 0.06),
    ("math", 8): (0.14, 0.06),
}
VPR_DEFAULT_TARGET = (0.10, 0.09)

# Scales of the ВПР works the reference data does not carry: (subject, grade, max, 3, 4, 5).
EXTRA_VPR_SCALES = [
    ("hist", 6, 20, 6, 11, 16),
    ("bio", 6, 24, 10, 16, 21),
    ("geo", 6, 37, 10, 20, 29),
    ("soc", 6, 23, 8, 14, 19),
    ("hist", 7, 25, 7, 13, 19),
    ("bio", 7, 28, 11, 17, 23),
    ("geo", 7, 35, 10, 20, 28),
    ("soc", 7, 23, 8, 14, 19),
    ("phys", 7, 18, 4, 8, 11),
    ("hist", 8, 25, 7, 13, 19),
    ("bio", 8, 29, 13, 20, 25),
    ("geo", 8, 37, 11, 21, 30),
    ("soc", 8, 23, 8, 14, 19),
    ("phys", 8, 18, 5, 8, 11),
    ("chem", 8, 36, 9, 18, 27),
]
EXTRA_VPR_SOURCE = (
    "Демонстрационная шкала msoko по образцу рекомендаций ФИОКО (ориентир 2024 г.); "
    "проверьте перед работой с реальными данными"
)

# КДР: (subject, grade, maximum score); levels by share of the maximum.
KDR_WORKS = [("read", 4, 16), ("read", 6, 20), ("sci", 8, 22)]
KDR_LEVEL_CUTS = (0.35, 0.65, 0.85)  # basic, advanced, high from these shares of the maximum
KDR_LEVELS = ("low", "basic", "advanced", "high")
KDR_TARGET = (0.14, 0.09)  # shares of "low" and "high"

INTERVIEW_MAX, INTERVIEW_PASS = 20, 10
INTERVIEW_TARGET = (0.02, 0.35)  # share failing, share with 18+ points
ESSAY_FAIL = 0.035
SPT_PARTICIPATION = 0.9

# Latent structure: the variance of school effects, the correlation of a student's results
# across works, the form on the day.
SCHOOL_SD = 0.22
ABILITY_SHARE = 0.85  # variance of the student part of z
RHO = 0.8  # correlation between two works of a student, school apart


# ---------------------------------------------------------------------------------------
# Task specifications of a ВПР work


@dataclass(frozen=True)
class TaskDef:
    number: str
    position: int
    max_score: int
    level: str
    codifier_code: str
    codifier_name: str
    difficulty: float


_AVG_MAX = {"ru": 2.2, "math": 1.3, "env": 1.9, "hist": 1.6, "bio": 1.8, "geo": 2.0, "soc": 1.9}
_LEVEL_DIFFICULTY = {"basic": -0.55, "advanced": 0.45, "high": 1.35}


def build_tasks(subject: str, grade: int, max_primary: int) -> list[TaskDef]:
    """The tasks of ВПР ``subject`` in ``grade``: maxima summing to ``max_primary``, levels,
    content elements. Deterministic (no seed): the same work gets the same specification."""
    n = int(np.clip(round(max_primary / _AVG_MAX.get(subject, 1.8)), min(6, max_primary), 26))
    n = min(n, max_primary)
    maxes = [1] * n
    extra = max_primary - n
    # Later (harder) tasks carry more points; Russian's first task (списывание) carries most.
    order = sorted(range(n), key=lambda i: -(i / n) - stable_unit(subject, grade, "w", i) * 0.6)
    if subject == "ru":
        order = [0, *[i for i in order if i != 0]]
    cap = 5 if subject == "ru" else 3
    while extra > 0:
        progressed = False
        for i in order:
            if extra == 0:
                break
            limit = cap + (1 if subject == "ru" and i == 0 else 0)
            if maxes[i] < limit:
                maxes[i] += 1
                extra -= 1
                progressed = True
        if not progressed:
            cap += 1
    elements = CODIFIER.get(subject, CODIFIER["math"])
    offset = (grade * 3) % len(elements)
    tasks: list[TaskDef] = []
    number_base = 0
    split_every = 5 if subject in ("ru", "math") else 4
    i = 0
    while i < n:
        number_base += 1
        if subject == "ru" and number_base == 1 and grade >= 5 and n - i >= 3:
            parts = [f"1К{k}" for k in (1, 2, 3)]
        elif subject == "ru" and number_base == 1 and n - i >= 2:
            parts = ["1К1", "1К2"]
        elif number_base % split_every == 0 and n - i >= 2:
            parts = [f"{number_base}({k})" for k in (1, 2)]
        else:
            parts = [str(number_base)]
        for number in parts:
            if i >= n:
                break
            frac = i / n
            level = "basic" if frac < 0.62 else ("advanced" if frac < 0.88 else "high")
            if i == n - 1:
                level = "high"
            code, name = elements[(offset + i) % len(elements)]
            jitter = (stable_unit(subject, grade, number, "d") - 0.5) * 1.1
            tasks.append(
                TaskDef(
                    number=number,
                    position=i + 1,
                    max_score=maxes[i],
                    level=level,
                    codifier_code=code,
                    codifier_name=name,
                    difficulty=_LEVEL_DIFFICULTY[level] + jitter,
                )
            )
            i += 1
    return tasks


def difficulty_of(subject: str, grade: int, number: str, level: str) -> float:
    """The difficulty of an existing task (one whose specification came from elsewhere)."""
    jitter = (stable_unit(subject, grade, number, "d") - 0.5) * 1.1
    return _LEVEL_DIFFICULTY.get(level, 0.0) + jitter
