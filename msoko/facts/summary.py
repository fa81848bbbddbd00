"""Read-only summaries of assessment results, always through an ``OrgScope``.

Every function here reads the fact store with ``msoko.facts.store.scan`` and the scope the
caller built from the permission policy (``OrgScope.for_user(request.user)``), composes Ibis
expressions on top of the guarded scan, and returns plain Python dicts and lists that pages,
the JSON API and the exports render as they are.

Conventions:

* a *share* is a percentage, 0–100, of the rows that carry the value in question (a share of
  marks «2» is counted over the rows that have a mark); ``None`` when nothing is counted;
* a *mean* is ``None`` when no row carries the value;
* ``year`` is the start year of the academic year (2024 is 2024/2025), as in the facts;
* booleans are counted with ``cond.ifelse(1, 0).sum()``, which every SQL engine compiles the
  same way (no casts of booleans to numbers).

Definitions follow the reports the seeds ask for (seeds 002 §6, 004): ОГЭ — participants,
share of marks «2» in Russian and mathematics, mean mark; ЕГЭ — mean test score in Russian and
profile mathematics, the number and share of those below the minimum threshold
(``MarkScale.min_threshold``); ВПР — shares of marks «2» and «4»–«5» and the journal
comparison of ФИС ОКО: lowered (ВПР mark below the journal mark), confirmed, raised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

import ibis
import ibis.expr.types as ir
from django.core.cache import cache

from msoko.facts.store import OrgScope, active_files, connect, scan

OGE = "OGE"
EGE = "EGE"
VPR = "VPR"

# The subjects the home page headlines (codes of ``msoko.facts.reference.SUBJECTS``).
OGE_HEADLINE_SUBJECTS = ("ru", "math")
EGE_HEADLINE_SUBJECTS = ("ru", "math_profile")

MARKS = (2, 3, 4, 5)

RESULTS = "student_results"

T = TypeVar("T")


def store_fingerprint() -> str:
    """A digest that changes whenever what the summaries read changes: the active result
    files (by path and content hash) and the ЕГЭ minimum thresholds."""
    from msoko.facts.models import FactFile, ImportBatch, MarkScale

    files = (
        FactFile.objects.filter(table=RESULTS, batch__status=ImportBatch.Status.ACTIVE)
        .order_by("path")
        .values_list("path", "sha256")
    )
    scales = (
        MarkScale.objects.filter(procedure__code=EGE)
        .order_by("pk")
        .values_list("pk", "subject__code", "year__start_year", "min_threshold")
    )
    return hashlib.sha256(repr((list(files), list(scales))).encode()).hexdigest()


def memoised(scope: OrgScope, name: str, compute: Callable[[], T], *, timeout: int = 3600) -> T:
    """``compute()``, cached until the fact store or the thresholds change.

    The key holds every organisation id of ``scope``: only a user who may see exactly the
    same organisations shares an entry. ``name`` must name everything else the result
    depends on (the function and its arguments)."""
    ids = ",".join(str(i) for i in sorted(scope.org_ids))
    digest = hashlib.sha256(f"{name}|{ids}|{store_fingerprint()}".encode()).hexdigest()
    return cast(T, cache.get_or_set(f"msoko:summary:{digest}", compute, timeout))


def share(part: float | int | None, whole: float | int | None) -> float | None:
    """``part`` as a percentage of ``whole``; ``None`` when ``whole`` is empty."""
    if not whole:
        return None
    return 100.0 * float(part or 0) / float(whole)


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    return list(expr.to_pyarrow().to_pylist())


def _one(expr: ir.Table) -> dict[str, Any]:
    rows = _rows(expr)
    return rows[0] if rows else {}


def _count(cond: ir.BooleanValue) -> ir.IntegerScalar:
    return cond.ifelse(1, 0).sum()


def _con(con: ibis.BaseBackend | None) -> ibis.BaseBackend:
    return con if con is not None else connect()


def ege_thresholds(year: int) -> dict[str, int]:
    """The minimum test score of each ЕГЭ subject in ``year``: the scale of that year, else the
    nearest earlier year's, else the nearest later one's (scales are kept per year)."""
    from msoko.facts.models import MarkScale

    scales = MarkScale.objects.filter(procedure__code=EGE, min_threshold__isnull=False).values_list(
        "subject__code", "year__start_year", "min_threshold"
    )
    best: dict[str, tuple[tuple[int, int], int]] = {}
    for subject, scale_year, threshold in scales:
        if threshold is None:
            continue
        # The same year first, then earlier years (nearest first), then later ones.
        rank = (0, year - scale_year) if scale_year <= year else (1, scale_year - year)
        if subject not in best or rank < best[subject][0]:
            best[subject] = (rank, int(threshold))
    return {subject: threshold for subject, (_, threshold) in best.items()}


def _threshold_expr(t: ir.Table, thresholds: dict[int, dict[str, int]]) -> ir.NumericValue:
    """The ЕГЭ minimum threshold of each row (null for other procedures and unknown subjects);
    ``thresholds`` maps a year to ``ege_thresholds(year)``."""
    branches = [
        ((t.procedure == EGE) & (t.year == year) & (t.subject == subject), threshold)
        for year, by_subject in thresholds.items()
        for subject, threshold in by_subject.items()
    ]
    if not branches:
        return ibis.null("int64")
    return ibis.cases(*branches, else_=ibis.null("int64"))


def _metrics(t: ir.Table, threshold: ir.NumericValue | None = None) -> dict[str, ir.Scalar]:
    """The figures of a group of result rows (see the module docstring)."""
    mark = t.mark
    journal = t.journal_mark
    metrics: dict[str, ir.Scalar] = {
        "rows": t.count(),
        "students": t.student.nunique(),
        "marked": mark.count(),
        "mean_mark": mark.mean(),
        **{f"mark_{m}": _count(mark == m) for m in MARKS},
        "scored": t.test_score.count(),
        "mean_test_score": t.test_score.mean(),
        "mean_primary_score": t.primary_score.mean(),
        "pass_known": t.passed.count(),
        "passed": _count(t.passed),
        "journal_compared": _count(mark.notnull() & journal.notnull()),
        "lowered": _count(mark < journal),
        "confirmed": _count(mark == journal),
        "raised": _count(mark > journal),
    }
    if threshold is not None:
        metrics["threshold_known"] = _count(t.test_score.notnull() & threshold.notnull())
        metrics["below_threshold"] = _count(t.test_score < threshold)
    return metrics


def _derive(row: dict[str, Any]) -> dict[str, Any]:
    """Plain figures and shares from the raw counts of ``_metrics``."""
    marked = int(row.get("marked") or 0)
    counts = {m: int(row.get(f"mark_{m}") or 0) for m in MARKS}
    compared = int(row.get("journal_compared") or 0)
    out: dict[str, Any] = {
        "rows": int(row.get("rows") or 0),
        "students": int(row.get("students") or 0),
        "marked": marked,
        "marks": counts,
        "mean_mark": row.get("mean_mark"),
        "share_2": share(counts[2], marked),
        "share_3_5": share(counts[3] + counts[4] + counts[5], marked),
        "share_4_5": share(counts[4] + counts[5], marked),
        "scored": int(row.get("scored") or 0),
        "mean_test_score": row.get("mean_test_score"),
        "mean_primary_score": row.get("mean_primary_score"),
        "pass_known": int(row.get("pass_known") or 0),
        "passed": int(row.get("passed") or 0),
        "share_passed": share(row.get("passed"), row.get("pass_known")),
        "journal": {
            "compared": compared,
            "lowered": int(row.get("lowered") or 0),
            "confirmed": int(row.get("confirmed") or 0),
            "raised": int(row.get("raised") or 0),
            "share_lowered": share(row.get("lowered"), compared),
            "share_confirmed": share(row.get("confirmed"), compared),
            "share_raised": share(row.get("raised"), compared),
        },
    }
    if "below_threshold" in row:
        known = int(row.get("threshold_known") or 0)
        out["below_threshold"] = int(row.get("below_threshold") or 0)
        out["share_below_threshold"] = share(row.get("below_threshold"), known)
    return out


def latest_years(
    scope: OrgScope, *, procedures: Iterable[str] | None = None, con: ibis.BaseBackend | None = None
) -> dict[str, int]:
    """The latest year with results of each procedure that ``scope`` may see."""
    t = scan(RESULTS, scope=scope, con=_con(con), procedures=procedures)
    expr = t.group_by("procedure").aggregate(year=t.year.max())
    return {r["procedure"]: int(r["year"]) for r in _rows(expr)}


def years_with_results(
    scope: OrgScope, *, procedure: str | None = None, con: ibis.BaseBackend | None = None
) -> list[int]:
    """Years with results that ``scope`` may see, newest first."""
    procedures = [procedure] if procedure else None
    t = scan(RESULTS, scope=scope, con=_con(con), procedures=procedures)
    expr = t.select("year").distinct().order_by(ibis.desc("year"))
    return [int(r["year"]) for r in _rows(expr)]


def _subject_figures(
    scope: OrgScope,
    procedure: str,
    year: int,
    subjects: Iterable[str],
    con: ibis.BaseBackend,
    *,
    with_threshold: bool = False,
) -> tuple[int, dict[str, Any], dict[str, dict[str, Any]]]:
    """Participants (distinct students), figures over all subjects, figures per subject."""
    t = scan(RESULTS, scope=scope, con=con, procedures=[procedure], years=[year])
    t = t.filter((t.procedure == procedure) & (t.year == year))
    thresholds = {year: ege_thresholds(year)} if with_threshold else None
    threshold = _threshold_expr(t, thresholds) if thresholds is not None else None
    overall = _derive(_one(t.aggregate(**_metrics(t, threshold))))
    wanted = list(subjects)
    by_subject: dict[str, dict[str, Any]] = {}
    if wanted:
        s = t.filter(t.subject.isin(wanted))
        threshold = _threshold_expr(s, thresholds) if thresholds is not None else None
        for row in _rows(s.group_by("subject").aggregate(**_metrics(s, threshold))):
            by_subject[row["subject"]] = _derive(row)
    return overall["students"], overall, by_subject


def oge_headline(
    scope: OrgScope, year: int, *, con: ibis.BaseBackend | None = None
) -> dict[str, Any]:
    """ОГЭ of ``year``: participants, mean mark over all subjects; per headline subject the
    number who sat, the share of marks «2» and the mean mark."""
    participants, overall, subjects = _subject_figures(
        scope, OGE, year, OGE_HEADLINE_SUBJECTS, _con(con)
    )
    return {
        "procedure": OGE,
        "year": year,
        "participants": participants,
        "mean_mark": overall["mean_mark"],
        "share_2": overall["share_2"],
        "subjects": {
            code: {
                "sat": fig["rows"],
                "share_2": fig["share_2"],
                "mean_mark": fig["mean_mark"],
            }
            for code, fig in subjects.items()
        },
    }


def ege_headline(
    scope: OrgScope, year: int, *, con: ibis.BaseBackend | None = None
) -> dict[str, Any]:
    """ЕГЭ of ``year``: participants; per headline subject the number who sat, the mean test
    score, the minimum threshold and the number and share below it."""
    participants, _overall, subjects = _subject_figures(
        scope, EGE, year, EGE_HEADLINE_SUBJECTS, _con(con), with_threshold=True
    )
    thresholds = ege_thresholds(year)
    return {
        "procedure": EGE,
        "year": year,
        "participants": participants,
        "subjects": {
            code: {
                "sat": fig["rows"],
                "mean_test_score": fig["mean_test_score"],
                "threshold": thresholds.get(code),
                "below_threshold": fig["below_threshold"],
                "share_below_threshold": fig["share_below_threshold"],
            }
            for code, fig in subjects.items()
        },
    }


def vpr_headline(
    scope: OrgScope, year: int, *, con: ibis.BaseBackend | None = None
) -> dict[str, Any]:
    """ВПР of ``year``: participants (distinct students), works written, shares of marks «2»
    and «4»–«5», and the comparison with journal marks (lowered / confirmed / raised)."""
    participants, overall, _ = _subject_figures(scope, VPR, year, (), _con(con))
    return {
        "procedure": VPR,
        "year": year,
        "participants": participants,
        "works": overall["marked"],
        "share_2": overall["share_2"],
        "share_4_5": overall["share_4_5"],
        "journal": overall["journal"],
    }


HEADLINES = {OGE: oge_headline, EGE: ege_headline, VPR: vpr_headline}


def headlines(scope: OrgScope, *, con: ibis.BaseBackend | None = None) -> list[dict[str, Any]]:
    """The headline figures of ОГЭ, ЕГЭ and ВПР, each for its latest year within ``scope``."""
    con = _con(con)
    latest = latest_years(scope, procedures=list(HEADLINES), con=con)
    return [fn(scope, latest[code], con=con) for code, fn in HEADLINES.items() if code in latest]


def mark_distribution(
    scope: OrgScope,
    procedure: str,
    year: int,
    *,
    subject: str | None = None,
    con: ibis.BaseBackend | None = None,
) -> dict[int, int]:
    """How many results of ``procedure`` in ``year`` got each mark 2–5."""
    t = scan(RESULTS, scope=scope, con=_con(con), procedures=[procedure], years=[year])
    t = t.filter((t.procedure == procedure) & (t.year == year) & t.mark.notnull())
    if subject is not None:
        t = t.filter(t.subject == subject)
    counts = {int(r["mark"]): int(r["n"]) for r in _rows(t.group_by("mark").aggregate(n=t.count()))}
    return {m: counts.get(m, 0) for m in MARKS}


def means_by_organisation(
    scope: OrgScope,
    procedure: str,
    year: int,
    subjects: Iterable[str],
    *,
    value: str = "mark",
    con: ibis.BaseBackend | None = None,
) -> dict[str, dict[int, dict[str, Any]]]:
    """Per subject and organisation: how many results carry ``value`` (``mark``,
    ``test_score`` or ``primary_score``) and its mean. One query for all ``subjects``."""
    if value not in ("mark", "test_score", "primary_score"):
        raise ValueError(f"unknown value column: {value}")
    wanted = list(subjects)
    t = scan(RESULTS, scope=scope, con=_con(con), procedures=[procedure], years=[year])
    col = t[value]
    t = t.filter(
        (t.procedure == procedure) & (t.year == year) & t.subject.isin(wanted) & col.notnull()
    )
    expr = t.group_by(["subject", "org_id"]).aggregate(sat=t.count(), mean=col.mean())
    out: dict[str, dict[int, dict[str, Any]]] = {subject: {} for subject in wanted}
    for r in _rows(expr.order_by(["subject", "org_id"])):
        out[r["subject"]][int(r["org_id"])] = {"sat": int(r["sat"]), "mean": r["mean"]}
    return out


def mean_by_organisation(
    scope: OrgScope,
    procedure: str,
    year: int,
    subject: str,
    *,
    value: str = "mark",
    con: ibis.BaseBackend | None = None,
) -> dict[int, dict[str, Any]]:
    """Per organisation: how many sat ``subject`` and the mean ``value``."""
    return means_by_organisation(scope, procedure, year, [subject], value=value, con=con)[subject]


def pooled_means(
    means: dict[int, dict[str, Any]], group_of: dict[int, Any]
) -> dict[Any, dict[str, Any]]:
    """Per-organisation means pooled into groups (``group_of``: organisation → group): each
    result weighs the same, so a group's mean is the mean over all its results."""
    totals: dict[Any, list[float]] = {}
    for org, figures in means.items():
        if org not in group_of or figures["mean"] is None:
            continue
        acc = totals.setdefault(group_of[org], [0, 0.0])
        acc[0] += figures["sat"]
        acc[1] += figures["sat"] * float(figures["mean"])
    return {group: {"sat": int(n), "mean": total / n} for group, (n, total) in totals.items() if n}


def _stored_partitions(
    procedures: Iterable[str] | None, years: Iterable[int] | None
) -> set[tuple[str, int]]:
    """(procedure, year) partitions of the active result files."""
    files = active_files(RESULTS, procedures=procedures, years=years)
    return {(f.procedure_code, int(f.year)) for f in files if f.year is not None}


def _level_procedures() -> list[str]:
    from msoko.facts.models import Procedure

    return list(
        Procedure.objects.filter(result_kind=Procedure.ResultKind.LEVEL).values_list(
            "code", flat=True
        )
    )


def results_summary(
    scope: OrgScope,
    *,
    years: Iterable[int] | None = None,
    procedures: Iterable[str] | None = None,
    con: ibis.BaseBackend | None = None,
) -> list[dict[str, Any]]:
    """One row per procedure, year, subject and grade within ``scope``: participants, marks,
    means, shares, the ЕГЭ threshold, the journal comparison and the count of each level
    (КДР). Ordered by procedure, year (newest first), subject and grade."""
    years = list(years) if years is not None else None
    t = scan(RESULTS, scope=scope, con=_con(con), procedures=procedures, years=years)
    if years is not None:
        t = t.filter(t.year.isin(years))
    # Which years and procedures the store holds is known from its file list, without a scan.
    stored = _stored_partitions(procedures, years)
    thresholds = {year: ege_thresholds(year) for proc, year in stored if proc == EGE}
    threshold = _threshold_expr(t, thresholds)
    keys = ["procedure", "year", "subject", "grade"]
    expr = t.group_by(keys).aggregate(**_metrics(t, threshold))
    expr = expr.order_by(["procedure", ibis.desc("year"), "subject", "grade"])
    # Levels (КДР: low / basic / advanced / high) of the procedures whose result is a level.
    level_procedures = sorted(set(_level_procedures()) & {proc for proc, _ in stored})
    levels: dict[tuple[Any, ...], dict[str, int]] = {}
    if level_procedures:
        leveled = t.filter(t.procedure.isin(level_procedures) & t.level.notnull())
        for r in _rows(leveled.group_by([*keys, "level"]).aggregate(n=leveled.count())):
            levels.setdefault(tuple(r[k] for k in keys), {})[r["level"]] = int(r["n"])
    out = []
    for row in _rows(expr):
        figures = _derive(row)
        figures["levels"] = levels.get(tuple(row[k] for k in keys), {})
        key = {k: row[k] for k in keys}
        key["year"] = int(key["year"])
        if key["grade"] is not None:
            key["grade"] = int(key["grade"])
        if row["procedure"] == EGE and row["subject"] is not None:
            key["threshold"] = thresholds.get(key["year"], {}).get(row["subject"])
        out.append({**key, **figures})
    return out
