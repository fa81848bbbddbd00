"""Element-wise analysis (поэлементный анализ): for each task of a work and each codifier
element, the share of the maximum score by class, school and municipality; weak topics.

A task is weak ("западающая тема") when its share of the maximum is below
``element_basic_pct`` (basic level) or ``element_advanced_pct`` (advanced and high levels) —
60 % and 30 % by default, the FIOKO guidance for analysing ВПР. A group of fewer than
``element_min_students`` students is marked as not informative and never called weak.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis
import pandas as pd

from msoko.analysis.methodology import Methodology
from msoko.facts.store import OrgScope, connect, scan

LEVEL_NAMES = {"basic": "базовый", "advanced": "повышенный", "high": "высокий"}


def works(org_ids: list[int], years: list[int] | None = None) -> list[dict[str, Any]]:
    """Works with a task specification that have task scores for some of ``org_ids``."""
    from msoko.facts.models import Assessment

    con = connect()
    t = scan("task_scores", scope=OrgScope.of(org_ids), con=con, years=years)
    t = t.mutate(year=t.year.cast("int16"))
    present = {
        (r["procedure"], int(r["year"]), r["subject"], int(r["grade"]))
        for r in t.select("procedure", "year", "subject", "grade")
        .distinct()
        .to_pyarrow()
        .to_pylist()
        if r["grade"] is not None
    }
    out = []
    for a in (
        Assessment.objects.filter(tasks__isnull=False)
        .select_related("procedure", "subject", "year")
        .distinct()
        .order_by("-year__start_year", "procedure__code", "grade", "subject__name")
    ):
        if a.subject is None or a.grade is None:
            continue
        key = (a.procedure.code, a.year.start_year, a.subject.code, int(a.grade))
        if key in present:
            out.append(
                {
                    "id": a.pk,
                    "procedure": a.procedure.code,
                    "year": a.year.start_year,
                    "subject": a.subject.code,
                    "grade": int(a.grade),
                    "label": f"{a.procedure.name}, {a.subject.name}, {a.grade} класс, "
                    f"{a.year.start_year}/{a.year.start_year + 1}",
                }
            )
    return out


def _threshold(level: str, m: Methodology) -> float:
    return m.element_basic_pct if level == "basic" else m.element_advanced_pct


def _share(score: float, n: int, max_score: float) -> float | None:
    """The share of the maximum score ``n`` students got, in percent (one decimal)."""
    if not n or not max_score:
        return None
    return round(100.0 * float(score) / (n * float(max_score)), 1)


def _verdict(pct: float | None, n: int, threshold: float, m: Methodology) -> tuple[bool, bool]:
    """(informative, weak) of a group of ``n`` students with ``pct`` against ``threshold``:
    a group under ``element_min_students`` is not informative and never weak."""
    informative = n >= m.element_min_students
    return informative, bool(informative and pct is not None and pct < threshold)


def _task_row(
    t: Mapping[str, Any],
    m: Methodology,
    municipality: tuple[float | None, int],
    school: tuple[float | None, int],
) -> dict[str, Any]:
    """A task of the specification with the municipality's and the school's (share, students)
    and their verdicts."""
    threshold = _threshold(t["level"], m)
    (m_pct, m_n), (s_pct, s_n) = municipality, school
    s_inf, s_weak = _verdict(s_pct, s_n, threshold, m)
    return {
        **t,
        "level_name": LEVEL_NAMES.get(t["level"], t["level"]),
        "threshold": threshold,
        "municipality_pct": m_pct,
        "municipality_n": m_n,
        "municipality_weak": bool(m_pct is not None and m_pct < threshold),
        "school_pct": s_pct,
        "school_n": s_n,
        "school_informative": s_inf,
        "school_weak": s_weak,
    }


def _element_rows(rows: list[dict[str, Any]], m: Methodology) -> list[dict[str, Any]]:
    """Codifier elements: the task rows pooled by element (a task without a code is its own
    element, «№ n»); the threshold is the basic one only when every task of the element is
    basic."""
    elements: dict[str, dict[str, Any]] = {}
    for r in rows:
        code = r["codifier_code"] or f"№ {r['number']}"
        e = elements.setdefault(
            code,
            {
                "code": code,
                "name": r["codifier_name"],
                "tasks": [],
                "max": 0,
                "m_score": 0.0,
                "m_max": 0.0,
                "s_score": 0.0,
                "s_max": 0.0,
                "levels": set(),
                "s_n": 0,
            },
        )
        e["tasks"].append(r["number"])
        e["levels"].add(r["level"])
        if r["municipality_pct"] is not None:
            e["m_score"] += r["municipality_pct"] * r["municipality_n"] * r["max_score"]
            e["m_max"] += 100.0 * r["municipality_n"] * r["max_score"]
        if r["school_pct"] is not None:
            e["s_score"] += r["school_pct"] * r["school_n"] * r["max_score"]
            e["s_max"] += 100.0 * r["school_n"] * r["max_score"]
            e["s_n"] = max(e["s_n"], r["school_n"])
    element_rows = []
    for e in elements.values():
        level = "basic" if e["levels"] == {"basic"} else "advanced"
        threshold = _threshold(level, m)
        m_pct = round(100.0 * e["m_score"] / e["m_max"], 1) if e["m_max"] else None
        s_pct = round(100.0 * e["s_score"] / e["s_max"], 1) if e["s_max"] else None
        s_inf, s_weak = _verdict(s_pct, e["s_n"], threshold, m)
        element_rows.append(
            {
                "code": e["code"],
                "name": e["name"],
                "tasks": e["tasks"],
                "level": level,
                "level_name": ", ".join(LEVEL_NAMES[k] for k in LEVEL_NAMES if k in e["levels"]),
                "threshold": threshold,
                "municipality_pct": m_pct,
                "municipality_weak": bool(m_pct is not None and m_pct < threshold),
                "school_pct": s_pct,
                "school_n": e["s_n"],
                "school_informative": s_inf,
                "school_weak": s_weak,
            }
        )
    return element_rows


def analyse(
    assessment_id: int, territory_org_ids: list[int], org_id: int | None, m: Methodology
) -> dict[str, Any]:
    """Tasks of the work with the municipality's, the school's and each class's share of the
    maximum score; codifier elements likewise; weak tasks and elements."""
    from msoko.facts.models import Assessment

    a = Assessment.objects.select_related("procedure", "subject", "year").get(pk=assessment_id)
    tasks = list(
        a.tasks.order_by("position", "number").values(
            "number", "max_score", "level", "codifier_code", "codifier_name"
        )
    )
    spec = pd.DataFrame(tasks)
    if spec.empty:
        return {"tasks": [], "elements": [], "classes": []}
    con = connect()
    scope = OrgScope.of(territory_org_ids)
    year = a.year.start_year
    subject = a.subject.code if a.subject else None
    ts = scan("task_scores", scope=scope, con=con, procedures=[a.procedure.code], years=[year])
    ts = ts.mutate(year=ts.year.cast("int16"))
    ts = ts.filter(
        (ts.year == year)
        & (ts.subject == subject)
        & (ts.grade == a.grade)
        & (ts.procedure == a.procedure.code)
    )
    muni = ts.group_by("task").aggregate(score=ts.score.sum(), n=ts.student.nunique()).to_pandas()
    school = pd.DataFrame(columns=["task", "score", "n"])
    classes = pd.DataFrame(columns=["class_label", "task", "score", "n"])
    if org_id is not None:
        own = ts.filter(ts.org_id == org_id)
        school = (
            own.group_by("task")
            .aggregate(score=own.score.sum(), n=own.student.nunique())
            .to_pandas()
        )
        sr = scan(
            "student_results",
            scope=OrgScope.of([org_id]),
            con=con,
            procedures=[a.procedure.code],
            years=[year],
        )
        sr = sr.mutate(year=sr.year.cast("int16"))
        sr = sr.filter((sr.year == year) & (sr.subject == subject) & (sr.grade == a.grade))
        labels = sr.select("student", "class_label").distinct()
        j = own.join(labels, own.student == labels.student)
        j = j.mutate(class_label=ibis.coalesce(j.class_label, ibis.literal("без класса")))
        classes = (
            j.group_by(["class_label", "task"])
            .aggregate(score=j.score.sum(), n=j.student.nunique())
            .to_pandas()
        )
    class_labels = sorted(classes["class_label"].unique()) if not classes.empty else []

    def pct(df: pd.DataFrame, number: str, max_score: int) -> tuple[float | None, int]:
        r = df[df["task"] == number]
        if r.empty or not int(r["n"].iloc[0]):
            return None, 0
        n = int(r["n"].iloc[0])
        return _share(float(r["score"].iloc[0]), n, max_score), n

    rows: list[dict[str, Any]] = []
    for t in tasks:
        threshold = _threshold(t["level"], m)
        m_pct, m_n = pct(muni, t["number"], t["max_score"])
        s_pct, s_n = pct(school, t["number"], t["max_score"])
        by_class = []
        for label in class_labels:
            c_pct, c_n = pct(classes[classes["class_label"] == label], t["number"], t["max_score"])
            informative, weak = _verdict(c_pct, c_n, threshold, m)
            by_class.append(
                {"label": label, "pct": c_pct, "n": c_n, "informative": informative, "weak": weak}
            )
        rows.append({**_task_row(t, m, (m_pct, m_n), (s_pct, s_n)), "classes": by_class})
    element_rows = _element_rows(rows, m)
    return {
        "assessment": {
            "id": a.pk,
            "label": f"{a.procedure.name}, {a.subject}, {a.grade} класс, {year}/{year + 1}",
        },
        "tasks": rows,
        "elements": element_rows,
        "classes": class_labels,
        "weak_school": [r["number"] for r in rows if r["school_weak"]],
        "weak_municipality": [r["number"] for r in rows if r["municipality_weak"]],
    }


def by_school(territory_org_ids: list[int], year: int, m: Methodology) -> list[dict[str, Any]]:
    """The element-wise analysis of ``analyse`` for every school of ``territory_org_ids`` and
    every work of ``year`` that has a task specification, in two group-bys (schools, the
    municipality) instead of one run per school and work. One item per school and work:

    ``{"assessment_id", "procedure", "subject", "grade", "year", "label", "org_id",
    "students", "informative", "tasks": [...], "elements": [...]}`` — ``tasks`` and
    ``elements`` are the rows ``analyse`` gives (the same shares, thresholds and verdicts);
    ``students`` is the largest number of the school's students with a score on a task,
    ``informative`` whether it reaches ``element_min_students``. The municipality is
    ``territory_org_ids``: the caller shows the items of the schools a user may see only.
    """
    from msoko.facts.models import Assessment

    if not territory_org_ids:
        return []
    con = connect()
    ts = scan("task_scores", scope=OrgScope.of(territory_org_ids), con=con, years=[int(year)])
    ts = ts.mutate(year=ts.year.cast("int16"))
    ts = ts.filter(ts.year == int(year))
    keys = ["procedure", "subject", "grade"]
    schools = (
        ts.group_by([*keys, "org_id", "task"])
        .aggregate(score=ts.score.sum(), n=ts.student.nunique())
        .to_pyarrow()
        .to_pylist()
    )
    if not schools:
        return []
    municipal = (
        ts.group_by([*keys, "task"])
        .aggregate(score=ts.score.sum(), n=ts.student.nunique())
        .to_pyarrow()
        .to_pylist()
    )

    def work_key(r: dict[str, Any]) -> tuple[str, str, int]:
        return (str(r["procedure"]), str(r["subject"]), int(r["grade"]))

    muni: dict[tuple[str, str, int], dict[str, tuple[float, int]]] = {}
    for r in municipal:
        if r["grade"] is not None and r["n"]:
            muni.setdefault(work_key(r), {})[str(r["task"])] = (float(r["score"] or 0), int(r["n"]))
    own: dict[tuple[str, str, int], dict[int, dict[str, tuple[float, int]]]] = {}
    for r in schools:
        if r["grade"] is not None and r["n"]:
            own.setdefault(work_key(r), {}).setdefault(int(r["org_id"]), {})[str(r["task"])] = (
                float(r["score"] or 0),
                int(r["n"]),
            )

    def share(
        got: dict[str, tuple[float, int]], number: str, max_score: int
    ) -> tuple[float | None, int]:
        score, n = got.get(number, (0.0, 0))
        return (_share(score, n, max_score), n) if n else (None, 0)

    out: list[dict[str, Any]] = []
    assessments = (
        Assessment.objects.filter(year__start_year=year, tasks__isnull=False)
        .select_related("procedure", "subject", "year")
        .prefetch_related("tasks")
        .distinct()
        .order_by("procedure__code", "grade", "subject__code")
    )
    for a in assessments:
        if a.subject is None or a.grade is None:
            continue
        key = (a.procedure.code, a.subject.code, int(a.grade))
        if key not in own:
            continue
        tasks: list[dict[str, Any]] = [
            {
                "number": t.number,
                "max_score": t.max_score,
                "level": t.level,
                "codifier_code": t.codifier_code,
                "codifier_name": t.codifier_name,
            }
            for t in sorted(a.tasks.all(), key=lambda t: (t.position, t.number))
        ]

        for org_id, got in sorted(own[key].items()):
            rows = [
                _task_row(
                    t,
                    m,
                    share(muni.get(key, {}), t["number"], t["max_score"]),
                    share(got, t["number"], t["max_score"]),
                )
                for t in tasks
            ]
            students = max((r["school_n"] for r in rows), default=0)
            out.append(
                {
                    "assessment_id": a.pk,
                    "procedure": a.procedure.code,
                    "subject": a.subject.code,
                    "grade": int(a.grade),
                    "year": int(year),
                    "label": f"{a.procedure.name}, {a.subject.name}, {a.grade} класс, "
                    f"{year}/{int(year) + 1}",
                    "org_id": org_id,
                    "students": students,
                    "informative": students >= m.element_min_students,
                    "tasks": rows,
                    "elements": _element_rows(rows, m),
                }
            )
    return out
