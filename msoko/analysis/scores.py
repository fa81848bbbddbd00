"""Standardised student scores: the common currency of the results index, the cohort
comparison, ВПР against ГИА and the factor model.

A student's score on a work is standardised within the territory's results of that work
(procedure × year × subject × grade): z = (score − mean) / sd. The score is the test score
where there is one (ЕГЭ), else the primary score, else the mark. A school's mean z on a
procedure says how far its students are above or below the territory, in the territory's
standard deviations, comparably across works.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from msoko.analysis.scope import RESULTS, Scope

WORK = ["procedure", "year", "subject", "grade"]
MAIN_PROCEDURES = ["VPR", "OGE", "EGE"]


def student_z(scope: Scope, procedures: list[str], years: list[int] | None = None) -> ir.Table:
    """One row per result: org_id, year, procedure, subject, grade, student, z."""
    t = scope.scan(RESULTS, procedures=procedures, years=years)
    t = t.filter(t.procedure.isin(procedures))
    score = ibis.coalesce(t.test_score, t.primary_score, t.mark.cast("float64"))
    t = t.mutate(score=score).filter(ibis._.score.notnull())
    w = ibis.window(group_by=WORK)
    mean = t.score.mean().over(w)
    sd = t.score.std().over(w)
    t = t.mutate(z=ibis.ifelse(sd > 0, (t.score - mean) / sd, 0.0))
    return t.select("org_id", "year", "procedure", "subject", "grade", "student", "z")


def school_means(scope: Scope, procedures: list[str] = MAIN_PROCEDURES) -> pd.DataFrame:
    """Per school, year and procedure: mean z, its within-school variance and the count."""
    z = student_z(scope, procedures)
    df = (
        z.group_by(["org_id", "year", "procedure"])
        .aggregate(z=z.z.mean(), var=z.z.var(), n=z.count())
        .to_pandas()
    )
    if df.empty:
        return pd.DataFrame(columns=["org_id", "year", "procedure", "z", "var", "n"])
    df["org_id"] = df["org_id"].astype(int)
    df["year"] = df["year"].astype(int)
    df["n"] = df["n"].astype(int)
    return df


def results_index(
    means: pd.DataFrame,
    years: list[int],
    min_results: int,
    exclude: set[tuple[int, int, str]] | None = None,
) -> pd.DataFrame:
    """A school's results index over ``years``: the mean over procedures (ВПР, ОГЭ, ЕГЭ) of
    the school's mean z, each procedure averaged over the years first. Figures behind fewer
    than ``min_results`` results and the (org, year, procedure) in ``exclude`` (results with
    signs of non-objectivity) are left out."""
    m = means[means["year"].isin(years) & (means["n"] >= min_results)].copy()
    if exclude:
        keys = list(zip(m["org_id"], m["year"], m["procedure"], strict=True))
        m = m[[k not in exclude for k in keys]]
    if m.empty:
        return pd.DataFrame(columns=["org_id", "results", "n", "procedures"])
    per_proc = m.groupby(["org_id", "procedure"], as_index=False).agg(
        z=("z", "mean"), n=("n", "sum")
    )
    out = per_proc.groupby("org_id", as_index=False).agg(
        results=("z", "mean"),
        n=("n", "sum"),
        procedures=("procedure", lambda s: ",".join(sorted(s))),
    )
    return out
