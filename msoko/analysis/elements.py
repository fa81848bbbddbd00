"""Element-wise analysis (поэлементный анализ): for each task of a work and each codifier
element, the share of the maximum score by class, school and municipality; weak topics.

A task is weak ("западающая тема") when its share of the maximum is below
``element_basic_pct`` (basic level) or ``element_advanced_pct`` (advanced and high levels) —
60 % and 30 % by default, the FIOKO guidance for analysing ВПР. A group of fewer than
``element_min_students`` students is marked as not informative and never called weak.
"""

from __future__ import annotations

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
        return round(100.0 * float(r["score"].iloc[0]) / (n * max_score), 1), n

    rows: list[dict[str, Any]] = []
    for t in tasks:
        threshold = _threshold(t["level"], m)
        m_pct, m_n = pct(muni, t["number"], t["max_score"])
        s_pct, s_n = pct(school, t["number"], t["max_score"])
        by_class = []
        for label in class_labels:
            c_pct, c_n = pct(classes[classes["class_label"] == label], t["number"], t["max_score"])
            informative = c_n >= m.element_min_students
            by_class.append(
                {
                    "label": label,
                    "pct": c_pct,
                    "n": c_n,
                    "informative": informative,
                    "weak": bool(informative and c_pct is not None and c_pct < threshold),
                }
            )
        s_inf = s_n >= m.element_min_students
        rows.append(
            {
                **t,
                "level_name": LEVEL_NAMES.get(t["level"], t["level"]),
                "threshold": threshold,
                "municipality_pct": m_pct,
                "municipality_n": m_n,
                "municipality_weak": bool(m_pct is not None and m_pct < threshold),
                "school_pct": s_pct,
                "school_n": s_n,
                "school_informative": s_inf,
                "school_weak": bool(s_inf and s_pct is not None and s_pct < threshold),
                "classes": by_class,
            }
        )
    # codifier elements: tasks pooled by element, thresholds by the element's lowest level
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
        threshold = _threshold("basic" if e["levels"] == {"basic"} else "advanced", m)
        m_pct = round(100.0 * e["m_score"] / e["m_max"], 1) if e["m_max"] else None
        s_pct = round(100.0 * e["s_score"] / e["s_max"], 1) if e["s_max"] else None
        s_inf = e["s_n"] >= m.element_min_students
        element_rows.append(
            {
                "code": e["code"],
                "name": e["name"],
                "tasks": e["tasks"],
                "threshold": threshold,
                "municipality_pct": m_pct,
                "municipality_weak": bool(m_pct is not None and m_pct < threshold),
                "school_pct": s_pct,
                "school_informative": s_inf,
                "school_weak": bool(s_inf and s_pct is not None and s_pct < threshold),
            }
        )
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
