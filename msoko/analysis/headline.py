"""Headline indicator values by school, year, subject and grade, for the low-results rule.

The rule engine (``msoko.analysis.low_results``) is configured by indicator codes
(``vpr.share_mark2``, ``oge.mean_mark``...). When the indicator engine
(``msoko.indicators.api.values_frame``) is installed and has values for the codes, they are
read from it; otherwise the same figures are computed here from the facts with one Ibis
group-by per procedure. Both give a frame with the columns

    indicator, org_id, year, subject, grade, value, n

where ``value`` is a share in percent or a mean and ``n`` the number of results behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from msoko.analysis.methodology import HEADLINE_INDICATORS, HEADLINE_SUBJECTS
from msoko.facts.store import OrgScope, scan
from msoko.facts.summary import ege_thresholds

COLUMNS = ["indicator", "org_id", "year", "subject", "grade", "value", "n"]


def _count(cond: ir.BooleanValue) -> ir.IntegerScalar:
    return cond.ifelse(1, 0).sum()


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})


def _from_indicator_engine(
    codes: list[str], org_ids: Iterable[int], years: list[int]
) -> pd.DataFrame | None:
    """Values from ``msoko.indicators`` when it is installed and holds them, else None."""
    try:
        from msoko.indicators import api  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    values_frame = getattr(api, "values_frame", None)
    if values_frame is None:
        return None
    try:
        frame = values_frame(codes, scope=OrgScope.of(org_ids), years=years, level="school")
    except Exception:  # noqa: BLE001 - an engine not ready yet is not our failure
        return None
    if frame is None or frame.empty:
        return None
    frame = frame[frame["indicator"].isin(codes)]
    if set(frame["indicator"]) != set(codes):
        return None  # some codes are not computed: use the facts for all, consistently
    frame = frame.assign(n=frame["n"].fillna(frame["denominator"]).fillna(0))
    return frame[[*COLUMNS, "task"]].copy()


def headline_values(
    codes: Iterable[str],
    org_ids: Iterable[int],
    years: Iterable[int],
    *,
    con: ibis.BaseBackend | None = None,
    source: str = "auto",
) -> tuple[pd.DataFrame, str]:
    """The values of ``codes`` for the schools ``org_ids`` in ``years``, and where they came
    from (``indicators`` or ``facts``)."""
    codes = [c for c in codes if c in HEADLINE_INDICATORS]
    ids = sorted(int(i) for i in org_ids)
    years = sorted(int(y) for y in years)
    if not codes or not ids:
        return _empty(), "facts"
    if source in ("auto", "indicators"):
        frame = _from_indicator_engine(codes, ids, years)
        if frame is not None:
            return _pooled_subjects(frame)[COLUMNS], "indicators"
    return _from_facts(codes, ids, years, con), "facts"


def rule_meta(entries: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per indicator of the rule: label, unit, direction (``bad``: which way is worse),
    weight, procedure, catalog; ``missing`` when no catalog holds it any more."""
    from msoko.analysis.methodology import definitions

    entries = list(entries)
    own = definitions([str(e["code"]) for e in entries if e["code"] not in HEADLINE_INDICATORS])
    out: dict[str, dict[str, Any]] = {}
    for e in entries:
        code = str(e["code"])
        bad = "high" if e["direction"] == "lower" else "low"
        if code in HEADLINE_INDICATORS:
            base = HEADLINE_INDICATORS[code]
            out[code] = {
                "label": base["label"],
                "unit": base["unit"],
                "procedure": base["procedure"],
                "catalog": "built-in",
                "builtin": True,
                "missing": False,
            }
        elif code in own:
            d = own[code]
            out[code] = {
                "label": d["label"] + (", %" if d["unit"] == "%" else ""),
                "unit": d["unit"],
                "procedure": d["procedure"],
                "catalog": d["catalog"],
                "builtin": False,
                "missing": False,
                "kind": d["kind"],
                "formula": d["formula"],
            }
        else:
            out[code] = {
                "label": code,
                "unit": "",
                "procedure": None,
                "catalog": "",
                "builtin": False,
                "missing": True,
            }
        out[code].update(bad=bad, direction=e["direction"], weight=float(e.get("weight", 1.0)))
    return out


def _group_size(frame: pd.DataFrame, meta: dict[str, Any]) -> pd.Series:
    """The number of results behind each value: the value's ``n`` (or its denominator). A
    ratio whose denominator is a number of people (an indicator in «чел.», such as the
    participants of school aggregates) is judged by those people, not by the rows the
    numerator was summed from."""
    n = frame["n"].astype("float64").fillna(frame["denominator"].astype("float64"))
    if meta.get("kind") == "ratio":
        of = (meta.get("formula") or {}).get("of") or []
        if len(of) == 2:
            from msoko.indicators.models import IndicatorDefinition

            unit = (
                IndicatorDefinition.objects.filter(code=of[1])
                .values_list("unit", flat=True)
                .first()
            )
            if unit == "count":
                n = frame["denominator"].astype("float64")
    return n


def own_values(
    meta: dict[str, dict[str, Any]], org_ids: Iterable[int], years: Iterable[int]
) -> pd.DataFrame:
    """Values of the rule's indicators that are not built in (a user's catalog, school
    aggregates), from the indicator engine, per school and year: the row without breakdown
    where there is one, else the rows by subject and grade (pooled later by ``pool``)."""
    from msoko.indicators import api

    codes = [c for c, v in meta.items() if not v["builtin"] and not v["missing"]]
    ids = sorted(int(i) for i in org_ids)
    if not codes or not ids:
        return _empty()
    frame = api.values_frame(codes, scope=OrgScope.of(ids), years=list(years), level="school")
    if frame is None or frame.empty:
        return _empty()
    frame = frame[frame["task"].isna() & frame["value"].notna()].copy()
    if frame.empty:
        return _empty()
    parts = []
    for code, rows in frame.groupby("indicator"):
        rows = rows.assign(n=_group_size(rows, meta[str(code)]))
        total = rows["subject"].isna() & rows["grade"].isna()
        has_total = set(zip(rows.loc[total, "org_id"], rows.loc[total, "year"], strict=True))
        keep = total | ~pd.Series(
            [(o, y) in has_total for o, y in zip(rows["org_id"], rows["year"], strict=True)],
            index=rows.index,
        )
        parts.append(rows[keep])
    out = pd.concat(parts, ignore_index=True)
    out["org_id"] = out["org_id"].astype(int)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    out["n"] = out["n"].fillna(0).astype(float)
    return out[COLUMNS]


def _pooled_subjects(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the headline subjects by subject and grade (the engine also stores totals
    over subjects and task-level rows, which would count results twice)."""
    frame = frame[frame["subject"].notna()]
    if "task" in frame:
        frame = frame[frame["task"].isna()]
    keep = []
    for code, rows in frame.groupby("indicator"):
        subjects = HEADLINE_SUBJECTS[HEADLINE_INDICATORS[str(code)]["procedure"]]
        if subjects:
            rows = rows[rows["subject"].isin(subjects)]
        keep.append(rows)
    return pd.concat(keep, ignore_index=True) if keep else _empty()


def _from_facts(
    codes: list[str], org_ids: list[int], years: list[int], con: ibis.BaseBackend | None
) -> pd.DataFrame:
    scope = OrgScope.of(org_ids)
    by_procedure: dict[str, list[str]] = {}
    for code in codes:
        by_procedure.setdefault(HEADLINE_INDICATORS[code]["procedure"], []).append(code)
    parts: list[pd.DataFrame] = []
    for procedure, wanted in by_procedure.items():
        t = scan("student_results", scope=scope, con=con, procedures=[procedure], years=years)
        t = t.filter((t.procedure == procedure) & t.year.isin(years))
        subjects = HEADLINE_SUBJECTS[procedure]
        if subjects:
            t = t.filter(t.subject.isin(list(subjects)))
        metrics: dict[str, Any] = {
            "marked": t.mark.count(),
            "mark2": _count(t.mark == 2),
            "mark45": _count(t.mark >= 4),
            "mean_mark": t.mark.mean(),
            "scored": t.test_score.count(),
            "mean_test": t.test_score.mean(),
        }
        if procedure == "EGE":
            branches = [
                ((t.year == y) & (t.subject == s), thr)
                for y in years
                for s, thr in ege_thresholds(y).items()
            ]
            threshold = (
                ibis.cases(*branches, else_=ibis.null("int64")) if branches else ibis.null("int64")
            )
            metrics["known"] = _count(t.test_score.notnull() & threshold.notnull())
            metrics["below"] = _count(t.test_score < threshold)
        keys = ["org_id", "year", "subject", "grade"]
        df = t.group_by(keys).aggregate(**metrics).to_pandas()
        if df.empty:
            continue
        for code in wanted:
            if code.endswith("share_mark2"):
                value = 100.0 * df["mark2"] / df["marked"].where(df["marked"] > 0)
                n = df["marked"]
            elif code.endswith("share_mark45"):
                value = 100.0 * df["mark45"] / df["marked"].where(df["marked"] > 0)
                n = df["marked"]
            elif code.endswith("mean_mark"):
                value, n = df["mean_mark"], df["marked"]
            elif code.endswith("mean_test_score"):
                value, n = df["mean_test"], df["scored"]
            elif code.endswith("share_below_min"):
                value = 100.0 * df["below"] / df["known"].where(df["known"] > 0)
                n = df["known"]
            else:  # pragma: no cover - HEADLINE_INDICATORS and this list agree
                continue
            part = df[keys].copy()
            part["indicator"] = code
            part["value"] = value.astype(float)
            part["n"] = n.astype(int)
            parts.append(part[part["n"] > 0])
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out["org_id"] = out["org_id"].astype(int)
    out["year"] = out["year"].astype(int)
    return out


def pool(frame: pd.DataFrame) -> pd.DataFrame:
    """One value per indicator, school and year: the results-weighted mean over subjects and
    grades (for a share this is the share over all the results pooled)."""
    if frame.empty:
        return pd.DataFrame(columns=["indicator", "org_id", "year", "value", "n"])
    f = frame.dropna(subset=["value"]).copy()
    f["n"] = f["n"].astype(float)
    f["weighted"] = f["value"] * f["n"]
    g = f.groupby(["indicator", "org_id", "year"], as_index=False).agg(
        weighted=("weighted", "sum"), n=("n", "sum"), plain=("value", "mean")
    )
    # a value without a known group (an entered value) stands as it is
    g["value"] = (g["weighted"] / g["n"].where(g["n"] > 0)).fillna(g["plain"])
    return g[["indicator", "org_id", "year", "value", "n"]]
