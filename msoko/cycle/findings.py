"""Findings for the rule library, computed from the fact store when no analysis module has
supplied them: weak topics (element-wise analysis against the codifier) and a high share of
the mark «2». Both read only the organisations of ``scope`` (the asking user's).

* **weak topic** of a school in a work: a codifier element (tasks grouped by their
  ``TaskSpec.codifier_code``, or the task itself when it has none) whose share of the
  maximum score the school's students got is below ``WEAK_SHARE`` (50 %) and at least
  ``WEAK_GAP`` (15 percentage points) below the share over all schools in scope;
  schools with fewer than ``MIN_STUDENTS`` (5) students in the work are not judged;
* **high share of «2»**: the share of the mark «2» above ``MARK2_THRESHOLD`` (30 %) and above
  the share over all schools in scope, with at least ``MIN_STUDENTS`` marks.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from msoko.facts.store import OrgScope, scan

WEAK_SHARE = 50.0
WEAK_GAP = 15.0
MIN_STUDENTS = 5
MARK2_THRESHOLD = 30.0


def _task_specs(procedure: str, subject: str, grade: int, year: int) -> dict[str, tuple[float, str, str]]:
    from msoko.facts.models import TaskSpec

    return {
        t.number: (float(t.max_score), t.codifier_code, t.codifier_name)
        for t in TaskSpec.objects.filter(
            assessment__procedure__code=procedure,
            assessment__subject__code=subject,
            assessment__grade=grade,
            assessment__year__start_year=year,
        )
    }


def weak_topics(
    *, scope: OrgScope, year: int, procedure: str, subject: str, grade: int
) -> list[dict[str, Any]]:
    specs = _task_specs(procedure, subject, grade, year)
    if not specs:
        return []
    t = scan("task_scores", scope=scope, procedures=[procedure], years=[year])
    t = t.filter((t.subject == subject) & (t.grade == grade))
    per_task = (
        t.group_by(["org_id", "task"])
        .aggregate(score=t.score.sum(), n=t.student.nunique())
        .to_pyarrow()
        .to_pylist()
    )
    students = (
        t.group_by("org_id").aggregate(n=t.student.nunique()).to_pyarrow().to_pylist()
    )
    n_students = {int(r["org_id"]): int(r["n"]) for r in students}
    # topic → org → (score, max)
    school: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    overall: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    names: dict[str, tuple[str, str]] = {}
    for row in per_task:
        spec = specs.get(str(row["task"]))
        if spec is None:
            continue
        max_score, code, name = spec
        topic = code or f"задание {row['task']}"
        names[topic] = (code, name or f"задание № {row['task']}")
        got, possible = float(row["score"] or 0), max_score * int(row["n"])
        acc = school[int(row["org_id"])][topic]
        acc[0] += got
        acc[1] += possible
        overall[topic][0] += got
        overall[topic][1] += possible
    findings = []
    for org_id, topics in sorted(school.items()):
        if n_students.get(org_id, 0) < MIN_STUDENTS:
            continue
        weak = []
        for topic, (got, possible) in sorted(topics.items()):
            if not possible:
                continue
            share = 100 * got / possible
            all_got, all_possible = overall[topic]
            mean = 100 * all_got / all_possible if all_possible else share
            if share < WEAK_SHARE and mean - share >= WEAK_GAP:
                code, name = names[topic]
                weak.append({"code": code, "name": name, "school": round(share, 1), "municipality": round(mean, 1)})
        if weak:
            findings.append(
                {
                    "kind": "weak_topics",
                    "org_id": org_id,
                    "year": year,
                    "procedure": procedure,
                    "subject": subject,
                    "grade": grade,
                    "topics": weak,
                }
            )
    return findings


def high_share_mark2(
    *, scope: OrgScope, year: int, procedure: str, subject: str, grade: int | None = None
) -> list[dict[str, Any]]:
    t = scan("student_results", scope=scope, procedures=[procedure], years=[year])
    t = t.filter((t.subject == subject) & t.mark.notnull())
    if grade is not None:
        t = t.filter(t.grade == grade)
    rows = (
        t.group_by("org_id")
        .aggregate(n=t.count(), twos=(t.mark == 2).cast("int64").sum())
        .to_pyarrow()
        .to_pylist()
    )
    total = sum(int(r["n"]) for r in rows)
    twos = sum(int(r["twos"] or 0) for r in rows)
    overall = 100 * twos / total if total else 0.0
    out = []
    for r in sorted(rows, key=lambda r: int(r["org_id"])):
        n, k = int(r["n"]), int(r["twos"] or 0)
        share = 100 * k / n if n else 0.0
        if n >= MIN_STUDENTS and share > MARK2_THRESHOLD and share > overall:
            out.append(
                {
                    "kind": "high_share_mark2",
                    "org_id": int(r["org_id"]),
                    "year": year,
                    "procedure": procedure,
                    "subject": subject,
                    "grade": grade,
                    "share": round(share, 1),
                    "municipality": round(overall, 1),
                    "threshold": MARK2_THRESHOLD,
                }
            )
    return out


def all_findings(*, scope: OrgScope, year: int) -> list[dict[str, Any]]:
    """Weak topics of every work with a task specification in ``year``, and a high share of
    «2» on ОГЭ and ВПР, for the organisations of ``scope``."""
    from msoko.facts.models import Assessment

    found: list[dict[str, Any]] = []
    works = (
        Assessment.objects.filter(year__start_year=year, tasks__isnull=False, subject__isnull=False)
        .select_related("procedure", "subject")
        .distinct()
    )
    for a in works:
        if a.grade is None or a.subject is None:
            continue
        found += weak_topics(
            scope=scope, year=year, procedure=a.procedure.code, subject=a.subject.code, grade=a.grade
        )
    subjects = {
        (a.procedure.code, a.subject.code, a.grade)
        for a in Assessment.objects.filter(
            year__start_year=year, procedure__code__in=["OGE", "VPR"], subject__isnull=False
        ).select_related("procedure", "subject")
        if a.subject is not None
    }
    for procedure, subject, grade in sorted(subjects, key=lambda s: (s[0], s[1], s[2] or 0)):
        found += high_share_mark2(
            scope=scope, year=year, procedure=procedure, subject=subject,
            grade=grade if procedure == "VPR" else None,
        )
    return found
