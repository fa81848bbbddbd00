"""The facts of the synthetic region, generated with numpy one municipality and one year at a
time, as Arrow tables in the schemas of ``msoko.facts.schema``.

Row conventions (other code relies on them):

* ОГЭ, grade 9: Russian and maths for everyone plus two electives; primary score and the
  mark of that year's ``MarkScale``.
* ЕГЭ, grade 11: Russian, profile maths (test score 0–100 and primary score) or base maths
  (primary score and mark), electives (test and primary score).
* ВПР, grades 4–8: primary score, mark, ``journal_mark`` (the last-term mark in the class
  journal) and ``variant``; the task scores of every row in ``task_scores`` sum to its
  primary score.
* КДР: primary score and ``level`` (low / basic / advanced / high).
* Итоговое сочинение (grade 11) and собеседование (grade 9, with its score): ``passed``.
* СПТ, grades 7–11: one row per enrolled student, ``passed`` = took part.
* ВсОШ: ``olympiad_results``, stages school / municipal / regional.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from msoko.demo import specs as sp
from msoko.demo.calibrate import (
    Selection,
    calibrate_marks,
    calibrate_tasks,
    calibrate_test_scores,
    cuts_to_marks,
    marks_for,
    sigmoid,
)
from msoko.demo.content import OLYMPIAD_SUBJECTS, REGIONAL_VENUE, SIRIUS_VENUE
from msoko.demo.rng import stable_unit, stream
from msoko.demo.world import LETTERS, NON_OBJECTIVE, MunicipalityPlan, Students
from msoko.facts.models import Assessment, MarkScale, Procedure, TaskSpec
from msoko.registry.models import AcademicYear, Subject

# ---------------------------------------------------------------------------------------
# Specifications read from the database (scales, tasks)


@dataclass(frozen=True)
class Scale:
    max_primary: int
    cut_scores: np.ndarray
    cut_marks: np.ndarray
    min_threshold: int | None

    def cut(self, mark: int) -> int:
        for score, m in zip(self.cut_scores.tolist(), self.cut_marks[1:].tolist(), strict=True):
            if m == mark:
                return int(score)
        raise KeyError(mark)


@dataclass(frozen=True)
class Work:
    """A ВПР work of one year: its scale and tasks."""

    subject: str
    grade: int
    scale: Scale
    numbers: pa.Array  # task numbers, strings
    maxes: np.ndarray
    difficulties: np.ndarray


@dataclass
class Specs:
    scales: dict[tuple[str, str, int | None, int], Scale]  # (procedure, subject, grade, year)
    works: dict[tuple[int, int, str], Work]  # (year, grade, subject)

    def scale(self, procedure: str, subject: str, grade: int | None, year: int) -> Scale | None:
        return self.scales.get((procedure, subject, grade, year))


HELD_ON = {
    "OGE": (6, 3),
    "EGE": (6, 1),
    "VPR": (4, 15),
    "KDR": (3, 12),
    "ESSAY": (12, 4),
    "INTERVIEW": (2, 12),
}


def _held_on(procedure: str, year: int) -> datetime.date:
    month, day = HELD_ON[procedure]
    return datetime.date(year if month >= 9 else year + 1, month, day)


def prepare_specs(years: dict[int, AcademicYear]) -> Specs:
    """Read the scales; create the works (``Assessment``) and the ВПР task specifications
    (``TaskSpec``) the demo writes results for. Existing tasks are kept and used."""
    scales: dict[tuple[str, str, int | None, int], Scale] = {}
    for row in MarkScale.objects.filter(year__in=years.values()).select_related(
        "procedure", "subject", "year"
    ):
        scores, marks = cuts_to_marks(row.mark_cuts or {})
        scales[(row.procedure.code, row.subject.code, row.grade, row.year.start_year)] = Scale(
            row.max_primary, scores, marks, row.min_threshold
        )
    procedures = {p.code: p for p in Procedure.objects.all()}
    subjects = {s.code: s for s in Subject.objects.all()}
    works: dict[tuple[int, int, str], Work] = {}

    def assessment(code: str, subject: str, grade: int, y: int) -> Assessment:
        obj, _ = Assessment.objects.get_or_create(
            procedure=procedures[code],
            subject=subjects[subject],
            grade=grade,
            year=years[y],
            defaults={"held_on": _held_on(code, y)},
        )
        return obj

    for y in years:
        for grade in sp.VPR_GRADES:
            for subject in ("ru", "math", *sorted({s for g in sp.VPR_EXTRA[grade] for s in g})):
                scale = scales.get(("VPR", subject, grade, y))
                if scale is None or len(scale.cut_scores) < 3:
                    continue
                a = assessment("VPR", subject, grade, y)
                existing = list(a.tasks.order_by("position", "pk"))
                if not existing:
                    existing = TaskSpec.objects.bulk_create(
                        [
                            TaskSpec(
                                assessment=a,
                                number=t.number,
                                position=t.position,
                                max_score=t.max_score,
                                level=t.level,
                                codifier_code=t.codifier_code,
                                codifier_name=t.codifier_name,
                            )
                            for t in sp.build_tasks(subject, grade, scale.max_primary)
                        ]
                    )
                works[(y, grade, subject)] = Work(
                    subject,
                    grade,
                    scale,
                    pa.array([t.number for t in existing], pa.string()),
                    np.array([t.max_score for t in existing], dtype=np.int16),
                    np.array(
                        [sp.difficulty_of(subject, grade, t.number, t.level) for t in existing]
                    ),
                )
        for subject in sp.OGE_TARGETS:
            if ("OGE", subject, 9, y) in scales:
                assessment("OGE", subject, 9, y)
        for subject in (*sp.EGE_TARGETS, "math_base"):
            if ("EGE", subject, 11, y) in scales:
                assessment("EGE", subject, 11, y)
        for subject, grade, _ in sp.KDR_WORKS:
            assessment("KDR", subject, grade, y)
        assessment("ESSAY", "essay", 11, y)
        assessment("INTERVIEW", "interview", 9, y)
    return Specs(scales, works)


# ---------------------------------------------------------------------------------------
# Helpers

_LABELS = pa.array([f"{g}{LETTERS[k]}" for g in range(12) for k in range(len(LETTERS))])


def _strings(values: list[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index, pa.int32()))


def _gumbel_top(rng: np.random.Generator, n: int, weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Boolean (n, len(weights)): for each row, k[row] items drawn without replacement."""
    keys = np.log(weights)[None, :] + rng.gumbel(size=(n, len(weights)))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    return rank < k[:, None]


def _group_rank(
    group: np.ndarray, score: np.ndarray, tie: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rank (0 = best) of each row within its group by descending score; and the group size."""
    order = np.lexsort((tie, -score, group))
    g_sorted = group[order]
    starts = np.r_[0, np.flatnonzero(g_sorted[1:] != g_sorted[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    start_of = np.repeat(starts, sizes)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start_of
    size = np.empty(len(order), dtype=np.int64)
    size[order] = np.repeat(sizes, sizes)
    return rank, size


@dataclass
class YearView:
    """The municipality's students in one year, with what every generator needs."""

    muni: MunicipalityPlan
    year: int
    st: Students
    org_ids: np.ndarray  # per school
    effect: np.ndarray  # per school, honest
    grade: np.ndarray
    enrolled: np.ndarray
    label: np.ndarray  # index into _LABELS

    @classmethod
    def of(cls, muni: MunicipalityPlan, year: int, org_ids: dict[int, int]) -> YearView:
        st = muni.require_students()
        grade = st.grade(year)
        enrolled = st.enrolled(year, muni.top_grades())
        label = np.clip(grade, 0, 11).astype(np.int64) * len(LETTERS) + st.letter_in(year)
        return cls(
            muni,
            year,
            st,
            np.array([org_ids[s.number] for s in muni.schools], dtype=np.int64),
            muni.effects(year),
            grade,
            enrolled,
            label,
        )

    def select(self, mask: np.ndarray) -> np.ndarray:
        """Indices of the students in ``mask``, ordered by school, class and student."""
        idx = np.flatnonzero(mask & self.enrolled)
        order = np.lexsort((idx, self.label[idx], self.st.school[idx]))
        return idx[order]

    def z(
        self, rng: np.random.Generator, idx: np.ndarray, extra: np.ndarray | float = 0.0
    ) -> np.ndarray:
        a = sp.ABILITY_SHARE
        u = self.st.ability[idx].astype(float)
        eps = rng.normal(size=len(idx))
        return (
            self.effect[self.st.school[idx]]
            + extra
            + math.sqrt(a) * (math.sqrt(sp.RHO) * u + math.sqrt(1 - sp.RHO) * eps)
        )

    def table(self, procedure: str, idx: np.ndarray, **columns: Any) -> pa.Table:
        n = len(idx)
        data: dict[str, Any] = {
            "org_id": pa.array(self.org_ids[self.st.school[idx]], pa.int64()),
            "year": pa.array(np.full(n, self.year, dtype=np.int16)),
            "procedure": pa.repeat(procedure, n),
            "grade": pa.array(self.grade[idx].astype(np.int8)),
            "student": self.st.pseudonym.take(pa.array(idx, pa.int64())),
            "class_label": _LABELS.take(pa.array(self.label[idx], pa.int64())),
        }
        for name, value in columns.items():
            if isinstance(value, str):
                data[name] = pa.repeat(value, n)
            elif isinstance(value, pa.Array):
                data[name] = value
            else:
                data[name] = pa.array(value)
        return pa.table(data)


# ---------------------------------------------------------------------------------------
# ГИА


def oge(view: YearView, specs: Specs, seed: int) -> Iterator[pa.Table]:
    rng = stream(seed, "oge", view.year, view.muni.index)
    idx = view.select(view.grade == 9)
    electives = list(sp.OGE_ELECTIVES)
    chosen = _gumbel_top(
        rng, len(idx), np.array([sp.OGE_ELECTIVES[s] for s in electives]), np.full(len(idx), 2)
    )
    for subject in ("ru", "math", *electives):
        scale = specs.scale("OGE", subject, 9, view.year)
        if scale is None:
            continue
        take = (
            np.ones(len(idx), dtype=bool)
            if subject in ("ru", "math")
            else chosen[:, electives.index(subject)]
        )
        rows = idx[take]
        if not len(rows):
            continue
        share2, share5 = sp.OGE_TARGETS[subject]
        a, s = calibrate_marks(scale.max_primary, scale.cut(3), scale.cut(5), share2, share5)
        primary = rng.binomial(scale.max_primary, sigmoid(a + s * view.z(rng, rows)))
        yield view.table(
            "OGE",
            rows,
            subject=subject,
            variant=rng.integers(1, 41, len(rows)).astype(np.int16),
            primary_score=primary.astype(float),
            mark=marks_for(primary, scale.cut_scores, scale.cut_marks),
        )


def ege(view: YearView, specs: Specs, seed: int) -> Iterator[pa.Table]:
    rng = stream(seed, "ege", view.year, view.muni.index)
    idx = view.select(view.grade == 11)
    if not len(idx):
        return
    u = view.st.ability[idx].astype(float)
    c, b = sp.PROFILE_MATHS
    profile = rng.random(len(idx)) < sigmoid(c + b * u)
    cont = sp.CONTINUE_TO_10
    prof = sp.PROFILE_MATHS
    base = (-prof[0], -prof[1])
    # electives: how many (0–3) and which, by the maths track
    subjects = sorted(set(sp.EGE_ELECTIVES_PROFILE) | set(sp.EGE_ELECTIVES_BASE))
    k = rng.choice(4, size=len(idx), p=[0.08, 0.52, 0.34, 0.06])
    w_prof = np.array([sp.EGE_ELECTIVES_PROFILE.get(s, 0.001) for s in subjects])
    w_base = np.array([sp.EGE_ELECTIVES_BASE.get(s, 0.001) for s in subjects])
    chosen = np.where(
        profile[:, None],
        _gumbel_top(rng, len(idx), w_prof, k),
        _gumbel_top(rng, len(idx), w_base, k),
    )
    plan: list[tuple[str, np.ndarray, Selection]] = [
        ("ru", np.ones(len(idx), dtype=bool), ((1.0, (cont,)),)),
        ("math_profile", profile, ((1.0, (cont, prof)),)),
        ("math_base", ~profile, ((1.0, (cont, base)),)),
    ]
    plan += [
        (
            s,
            chosen[:, j],
            ((float(w_prof[j]), (cont, prof)), (float(w_base[j]), (cont, base))),
        )
        for j, s in enumerate(subjects)
    ]
    for subject, take, selection in plan:
        rows = idx[take]
        scale = specs.scale("EGE", subject, 11, view.year)
        if not len(rows) or scale is None:
            continue
        variant = rng.integers(301, 341, len(rows)).astype(np.int16)
        z = view.z(rng, rows)
        if subject == "math_base":
            share2, share5 = sp.EGE_BASE_TARGET
            a, s = calibrate_marks(
                scale.max_primary, scale.cut(3), scale.cut(5), share2, share5, selection
            )
            primary = rng.binomial(scale.max_primary, sigmoid(a + s * z))
            yield view.table(
                "EGE",
                rows,
                subject=subject,
                variant=variant,
                primary_score=primary.astype(float),
                mark=marks_for(primary, scale.cut_scores, scale.cut_marks),
            )
            continue
        n_primary, mean, below = sp.EGE_TARGETS[subject]
        conversion = sp.ege_conversion(n_primary)
        threshold = scale.min_threshold or 0
        a, s = calibrate_test_scores(n_primary, conversion, mean, threshold, below, selection)
        primary = rng.binomial(n_primary, sigmoid(a + s * z))
        yield view.table(
            "EGE",
            rows,
            subject=subject,
            variant=variant,
            primary_score=primary.astype(float),
            test_score=np.asarray(conversion, dtype=float)[primary],
        )


# ---------------------------------------------------------------------------------------
# ВПР

# Journal marks: thresholds of the latent journal score for «3», «4», «5» (shares about 1.5%
# «2», 38% «3», 43% «4», 17.5% «5» — teachers' marks are kinder than the ВПР).
JOURNAL_CUTS = np.array([-2.30, -0.27, 0.97])
JOURNAL_NOISE = 0.35
NON_OBJECTIVE_BOOST = 0.9


def _pile_up(
    rng: np.random.Generator, scores: np.ndarray, maxes: np.ndarray, rows: np.ndarray, scale: Scale
) -> None:
    """Raise the primary scores just below the cut points for «3» and «4» to the cut point
    (or one above), adding points to tasks that have room: the pile-up of non-objective
    marking."""
    for mark, window, prob in ((3, 3, 0.85), (4, 2, 0.6)):
        cut = scale.cut(mark)
        total = scores.sum(axis=1)
        hit = rows & (total >= cut - window) & (total < cut) & (rng.random(len(total)) < prob)
        target = cut + (rng.random(len(total)) < 0.3)
        deficit = np.where(hit, np.minimum(target, int(maxes.sum())) - total, 0)
        for j in range(scores.shape[1]):
            add = np.minimum(deficit, maxes[j] - scores[:, j])
            add = np.maximum(add, 0)
            scores[:, j] += add.astype(scores.dtype)
            deficit -= add


def vpr(view: YearView, specs: Specs, seed: int) -> Iterator[tuple[str, pa.Table]]:
    rng = stream(seed, "vpr", view.year, view.muni.index)
    muni = view.muni
    inflated_school = -1
    if muni.non_objective_year == view.year:
        inflated_school = muni.planted[NON_OBJECTIVE]
    leniency = np.array([s.leniency for s in muni.schools])
    for grade in sp.VPR_GRADES:
        idx = view.select(view.grade == grade)
        if not len(idx):
            continue
        # the extra subjects are drawn per class
        classes, class_of = np.unique(
            view.st.school[idx].astype(np.int64) * 1000 + view.label[idx], return_inverse=True
        )
        subjects_of_class = [
            [group[int(rng.integers(len(group)))] for group in sp.VPR_EXTRA[grade]] for _ in classes
        ]
        for subject in ("ru", "math", *sorted({s for g in sp.VPR_EXTRA[grade] for s in g})):
            work = specs.works.get((view.year, grade, subject))
            if work is None:
                continue
            if subject in ("ru", "math"):
                takes = np.ones(len(idx), dtype=bool)
            else:
                has = np.array([subject in subs for subs in subjects_of_class])
                takes = has[class_of]
            takes &= rng.random(len(idx)) < sp.VPR_PARTICIPATION
            rows = idx[takes]
            if not len(rows):
                continue
            school = view.st.school[rows]
            inflated = school == inflated_school
            z_honest = view.z(rng, rows)
            z = z_honest + np.where(inflated, NON_OBJECTIVE_BOOST, 0.0)
            share2, share5 = sp.VPR_TARGETS.get((subject, grade), sp.VPR_DEFAULT_TARGET)
            a, s = calibrate_tasks(
                tuple(work.maxes.tolist()),
                tuple(work.difficulties.tolist()),
                work.scale.cut(3),
                work.scale.cut(5),
                share2,
                share5,
            )
            p = sigmoid(a + s * z[:, None] - work.difficulties[None, :])
            scores = rng.binomial(work.maxes[None, :], p).astype(np.int16)
            if inflated.any():
                _pile_up(rng, scores, work.maxes, inflated, work.scale)
            primary = scores.sum(axis=1)
            mark = marks_for(primary, work.scale.cut_scores, work.scale.cut_marks)
            # The journal mark follows what the student can do (the honest z, a little
            # kinder where the school is weaker) with the noise of a term's marking.
            journal_latent = (
                z_honest
                - 0.2 * view.effect[school]
                + leniency[school]
                + rng.normal(0, JOURNAL_NOISE, len(rows))
                + (0.15 if grade == 4 else 0.0)
            )
            journal = (2 + np.searchsorted(JOURNAL_CUTS, journal_latent, side="right")).astype(
                np.int8
            )
            yield (
                "student_results",
                view.table(
                    "VPR",
                    rows,
                    subject=subject,
                    variant=rng.integers(1, 3, len(rows)).astype(np.int16),
                    primary_score=primary.astype(float),
                    mark=mark,
                    journal_mark=journal,
                ),
            )
            n_tasks = len(work.maxes)
            rep = np.repeat(rows, n_tasks)
            yield (
                "task_scores",
                pa.table(
                    {
                        "org_id": pa.array(view.org_ids[view.st.school[rep]], pa.int64()),
                        "year": pa.array(np.full(len(rep), view.year, dtype=np.int16)),
                        "procedure": pa.repeat("VPR", len(rep)),
                        "subject": pa.repeat(subject, len(rep)),
                        "grade": pa.array(np.full(len(rep), grade, dtype=np.int8)),
                        "student": view.st.pseudonym.take(pa.array(rep, pa.int64())),
                        "task": work.numbers.take(pa.array(np.tile(np.arange(n_tasks), len(rows)))),
                        "score": pa.array(scores.reshape(-1).astype(np.float32)),
                    }
                ),
            )


# ---------------------------------------------------------------------------------------
# КДР, итоговое сочинение и собеседование, СПТ


def kdr(view: YearView, specs: Specs, seed: int) -> Iterator[pa.Table]:
    rng = stream(seed, "kdr", view.year, view.muni.index)
    for subject, grade, max_score in sp.KDR_WORKS:
        idx = view.select(view.grade == grade)
        rows = idx[rng.random(len(idx)) < 0.95]
        if not len(rows):
            continue
        cuts = np.array([math.ceil(f * max_score) for f in sp.KDR_LEVEL_CUTS])
        a, s = calibrate_marks(max_score, int(cuts[0]), int(cuts[2]), *sp.KDR_TARGET)
        score = rng.binomial(max_score, sigmoid(a + s * view.z(rng, rows)))
        level = np.searchsorted(cuts, score, side="right")
        yield view.table(
            "KDR",
            rows,
            subject=subject,
            primary_score=score.astype(float),
            level=_strings(list(sp.KDR_LEVELS), level),
        )


def essay(view: YearView, specs: Specs, seed: int) -> Iterator[pa.Table]:
    rng = stream(seed, "essay", view.year, view.muni.index)
    idx = view.select(view.grade == 11)
    if len(idx):
        fail = rng.random(len(idx)) < sigmoid(-3.9 - 1.3 * view.z(rng, idx))
        yield view.table("ESSAY", idx, subject="essay", passed=~fail)


def interview(view: YearView, specs: Specs, seed: int) -> Iterator[pa.Table]:
    rng = stream(seed, "interview", view.year, view.muni.index)
    idx = view.select(view.grade == 9)
    if len(idx):
        a, s = calibrate_marks(sp.INTERVIEW_MAX, sp.INTERVIEW_PASS, 18, *sp.INTERVIEW_TARGET)
        score = rng.binomial(sp.INTERVIEW_MAX, sigmoid(a + s * view.z(rng, idx)))
        yield view.table(
            "INTERVIEW",
            idx,
            subject="interview",
            primary_score=score.astype(float),
            passed=score >= sp.INTERVIEW_PASS,
        )


def spt(view: YearView, specs: Specs, seed: int) -> Iterator[pa.Table]:
    rng = stream(seed, "spt", view.year, view.muni.index)
    idx = view.select(view.grade >= 7)
    if len(idx):
        rate = np.clip(rng.normal(sp.SPT_PARTICIPATION, 0.05, len(view.muni.schools)), 0.7, 0.995)
        took_part = rng.random(len(idx)) < rate[view.st.school[idx]]
        yield view.table("SPT", idx, passed=took_part)


# ---------------------------------------------------------------------------------------
# ВсОШ

OLYMPIAD_MIN_GRADE = {"math": 4, "ru": 4, "soc": 6, "phys": 7, "chem": 8}
OLYMPIAD_RATE = {
    "math": 0.22,
    "ru": 0.16,
    "eng": 0.10,
    "bio": 0.10,
    "hist": 0.08,
    "geo": 0.07,
    "lit": 0.07,
    "soc": 0.09,
    "inf": 0.05,
    "phys": 0.08,
    "chem": 0.07,
}
OLYMPIAD_TASKS = {"math": (5, 7), "phys": (4, 10), "chem": (5, 10), "inf": (4, 25)}
STAGE_EASE = {"school": -0.7, "municipal": -1.2, "regional": -1.9}


def _olympiad_tasks(subject: str, stage: str) -> tuple[int, int]:
    n, task_max = OLYMPIAD_TASKS.get(subject, (10, 10))
    if stage == "regional" and subject in OLYMPIAD_TASKS:
        n *= 2  # two tours
    return n, task_max


def olympiad(view: YearView, specs: Specs, seed: int) -> Iterator[pa.Table]:
    rng = stream(seed, "vsosh", view.year, view.muni.index)
    st, muni = view.st, view.muni
    school_factor = rng.uniform(0.6, 1.4, len(muni.schools))
    venue_school = next(
        (s for s in muni.schools if s.school_type in ("lyceum", "gymnasium")), muni.schools[0]
    ).name.short_name
    school_names = [s.name.short_name for s in muni.schools]
    talent = (
        view.effect[st.school]
        + math.sqrt(sp.ABILITY_SHARE) * st.ability
        + rng.normal(0, 0.45, len(st))
    )

    def sit(stage: str, subject: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, pa.Array]:
        n_tasks, task_max = _olympiad_tasks(subject, stage)
        d = np.array([(stable_unit(subject, stage, t) - 0.3) * 2.0 for t in range(n_tasks)])
        p = sigmoid(
            STAGE_EASE[stage]
            + 1.3 * (talent[rows][:, None] + rng.normal(0, 0.3, (len(rows), 1)))
            - d[None, :]
        )
        pts = rng.binomial(task_max, p)
        answers = pc.binary_join_element_wise(
            *[pa.array(pts[:, t]).cast(pa.string()) for t in range(n_tasks)], ";"
        )
        return pts.sum(axis=1).astype(float), np.full(len(rows), float(n_tasks * task_max)), answers

    for subject, sirius in OLYMPIAD_SUBJECTS:
        min_grade = OLYMPIAD_MIN_GRADE.get(subject, 5)
        eligible = view.select((view.grade >= max(4, min_grade)) & (view.grade <= 11))
        rate = OLYMPIAD_RATE[subject] * school_factor[st.school[eligible]]
        rate = rate * (0.6 + 0.8 * sigmoid(1.2 * st.ability[eligible] - 0.5))
        rows = eligible[rng.random(len(eligible)) < rate]
        if not len(rows):
            continue
        # school stage: ranks within the school, subject and grade
        score, max_score, answers = sit("school", subject, rows)
        group = st.school[rows].astype(np.int64) * 100 + view.grade[rows]
        rank, size = _group_rank(group, score, rng.random(len(rows)))
        good = score >= 0.5 * max_score
        status = np.where(
            good & (rank == 0), 2, np.where(good & (rank <= np.floor(0.3 * size)), 1, 0)
        )
        venue = (
            pa.repeat(SIRIUS_VENUE, len(rows))
            if sirius
            else _strings(school_names, st.school[rows])
        )
        yield _olympiad_table(
            view, "school", subject, rows, score, max_score, status, venue, answers
        )
        # municipal stage: grades 7–11, the best of the school stage of the municipality
        frac = score / max_score
        grade_r = view.grade[rows]
        invited = np.zeros(len(rows), dtype=bool)
        for g in range(7, 12):
            in_g = grade_r == g
            if in_g.sum():
                cut = np.quantile(frac[in_g], 0.88)
                invited |= in_g & ((frac >= cut) | (status == 2))
        m_rows = rows[invited]
        if not len(m_rows):
            continue
        score, max_score, answers = sit("municipal", subject, m_rows)
        group = view.grade[m_rows].astype(np.int64)
        rank, size = _group_rank(group, score, rng.random(len(m_rows)))
        good = score >= 0.5 * max_score
        status = np.where(
            good & (rank == 0), 2, np.where(good & (rank <= np.floor(0.25 * size)), 1, 0)
        )
        yield _olympiad_table(
            view,
            "municipal",
            subject,
            m_rows,
            score,
            max_score,
            status,
            pa.repeat(venue_school, len(m_rows)),
            answers,
        )
        # regional stage: grades 9–11 above the region's passing score
        r_rows = m_rows[(view.grade[m_rows] >= 9) & (score / max_score >= 0.72)]
        if not len(r_rows):
            continue
        score, max_score, answers = sit("regional", subject, r_rows)
        frac = score / max_score
        status = np.where(frac >= 0.9, 2, np.where(frac >= 0.75, 1, 0))
        yield _olympiad_table(
            view,
            "regional",
            subject,
            r_rows,
            score,
            max_score,
            status,
            pa.repeat(REGIONAL_VENUE, len(r_rows)),
            answers,
        )


_STATUS = ["participant", "prize", "winner"]


def _olympiad_table(
    view: YearView,
    stage: str,
    subject: str,
    rows: np.ndarray,
    score: np.ndarray,
    max_score: np.ndarray,
    status: np.ndarray,
    venue: pa.Array,
    answers: pa.Array,
) -> pa.Table:
    n = len(rows)
    return pa.table(
        {
            "org_id": pa.array(view.org_ids[view.st.school[rows]], pa.int64()),
            "year": pa.array(np.full(n, view.year, dtype=np.int16)),
            "procedure": pa.repeat("VSOSH", n),
            "stage": pa.repeat(stage, n),
            "subject": pa.repeat(subject, n),
            "grade": pa.array(view.grade[rows].astype(np.int8)),
            "student": view.st.pseudonym.take(pa.array(rows, pa.int64())),
            "score": pa.array(score),
            "max_score": pa.array(max_score),
            "status": _strings(_STATUS, status),
            "venue": venue,
            "answers": answers,
        }
    )


# (procedure, batch kind, generator). A generator yields tables of student_results, or
# (table name, table) pairs.
Generator = Callable[[YearView, Specs, int], Iterator[Any]]
PROCEDURES: list[tuple[str, str, Generator]] = [
    ("OGE", "student_results", oge),
    ("EGE", "student_results", ege),
    ("VPR", "student_results", vpr),
    ("KDR", "student_results", kdr),
    ("ESSAY", "student_results", essay),
    ("INTERVIEW", "student_results", interview),
    ("SPT", "student_results", spt),
    ("VSOSH", "olympiad_results", olympiad),
]
