"""Like-for-like change of a territory: the change against last year over only the schools
with a value in both years.

A municipality's change against last year mixes two things: how its schools did, and which
schools there were. When a school with low results joins (its first ЕГЭ, a new file), the
municipality's share drops although no school got worse. So beside the change over all
schools, a territory row carries the change recomputed over the schools that have a value
in both years — the same indicator and breakdown, rolled up the same way (pooled: Σ
numerators / Σ denominators of those schools; mean of schools: the mean of their values;
share or count of organisations: of those schools).

It is computed when read, from the stored school rows of the two years (``api.readings``
with ``same_schools=True``), not stored: a late import for last year changes it at once,
with nothing to recompute. Indicators without school rows (territory-only, entered,
derived) have none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from msoko.indicators.compute import value_of
from msoko.indicators.spec import FACT_KINDS, FORM_KINDS

KEY = ["indicator", "level", "entity", "subject", "grade", "task"]
ROLLUPS = {"pooled", "mean_of_schools", "share_of_orgs", "count_of_orgs"}


def eligible(spec: dict[str, Any]) -> bool:
    """Whether an indicator's territory values are a roll-up of stored school rows."""
    kind = (spec.get("formula") or {}).get("kind")
    return (
        (kind in FACT_KINDS or kind in FORM_KINDS)
        and "school" in (spec.get("levels") or ())
        and spec.get("rollup", "pooled") in ROLLUPS
    )


def _contributions(specs: dict[str, dict[str, Any]], rows: pd.DataFrame) -> pd.DataFrame:
    """What each school row adds to its territory's sums, as its indicator's roll-up sums
    them (``compute.ROLLUP_SUMS``): pooled — numerator, denominator, n; mean of schools —
    value, 1, 1; share or count of organisations — value > 0, 1, 1."""
    rollup = rows["indicator"].map({c: s.get("rollup", "pooled") for c, s in specs.items()})
    pooled = (rollup == "pooled").to_numpy()
    mean = (rollup == "mean_of_schools").to_numpy()
    value = rows["value"].to_numpy(dtype="float64")
    num = np.where(pooled, rows["numerator"].to_numpy(dtype="float64"), np.where(mean, value, (value > 0) * 1.0))
    den = np.where(pooled, rows["denominator"].to_numpy(dtype="float64"), 1.0)
    n = np.where(pooled, rows["n"].to_numpy(dtype="float64"), 1.0)
    return pd.DataFrame({"numerator": num, "denominator": den, "n": n}, index=rows.index)


def _school_sets(
    placed: pd.DataFrame, keys: list[str], visible: frozenset[int] | None
) -> dict[tuple[Any, ...], tuple[frozenset[int], frozenset[int]]]:
    """For the groups of territories whose schools the reader may not all see: every
    school of the group and those present in both years."""
    if visible is None:
        return {}
    members = placed.groupby("entity", sort=False)["org_id"].unique()
    unseen = [e for e, orgs in members.items() if not {int(o) for o in orgs} <= visible]
    if not unseen:
        return {}
    rows = placed[placed["entity"].isin(unseen)]
    every = rows.groupby(keys, sort=False, observed=True)["org_id"].agg(
        lambda x: frozenset(int(o) for o in x)
    )
    same = rows[rows["both"]].groupby(keys, sort=False, observed=True)["org_id"].agg(
        lambda x: frozenset(int(o) for o in x)
    )
    return {k: (v, same.get(k, frozenset())) for k, v in every.items()}


def _alone(schools: frozenset[int], visible: frozenset[int] | None) -> bool:
    """A single school the reader may not see: a figure over it alone is its own."""
    return len(schools) == 1 and visible is not None and not schools <= visible


def _value(spec: dict[str, Any], rows: pd.DataFrame) -> pd.Series:
    rollup = spec.get("rollup", "pooled")
    kind = str((spec.get("formula") or {}).get("kind"))
    den = rows["denominator"]
    if rollup == "pooled":
        return value_of(kind, str(spec.get("unit")), rows["numerator"], den)
    if rollup == "mean_of_schools":
        return rows["numerator"] / den.where(den > 0)
    if rollup == "share_of_orgs":
        return 100.0 * rows["numerator"] / den.where(den > 0)
    return rows["numerator"].astype("float64")


def changes(
    specs: dict[str, dict[str, Any]],
    school_rows: pd.DataFrame,
    year: int,
    wanted: Iterable[tuple[Any, ...]],
    org_municipality: dict[int, int],
    municipality_region: dict[int, int],
    visible: frozenset[int] | None = None,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """For each territory key of ``wanted`` (indicator, level, entity, subject, grade,
    task — keys as ``api._normalise`` makes them): the value of ``year`` and of the year
    before over the schools with a value in both, their number, and the change.

    ``school_rows`` are normalised school rows holding every school of those territories
    for both years. A value is left out (``None``) when this year's group over those
    schools is smaller than the indicator's minimum group, or when the schools left out
    of either year are a group that small (their figure would follow by subtraction).
    A reader who may not see every school of the territory (``visible``: the
    organisations the reader may see, ``None`` for all) also gets none when either set is
    a single school: it would be that school's own figure.
    All indicators are summed in one group-by per level (the readings of a catalog's
    dashboard ask for dozens at once)."""
    want = {tuple(k) for k in wanted}
    codes = sorted({k[0] for k in want} & {c for c, s in specs.items() if eligible(s)})
    if not codes or school_rows.empty:
        return {}
    keep = (
        (school_rows["level"] == "school").to_numpy()
        & school_rows["year"].isin([year - 1, year]).to_numpy()
        & school_rows["value"].notna().to_numpy()
        & school_rows["indicator"].isin(codes).to_numpy()
    )
    rows = school_rows.loc[keep, ["indicator", "org_id", "year", "subject", "grade", "task", "value",
                                  "numerator", "denominator", "n"]]
    if rows.empty:
        return {}
    part = _contributions({c: specs[c] for c in codes}, rows)
    org = pd.to_numeric(rows["org_id"], errors="coerce")
    muni = org.map(org_municipality)
    frame = pd.DataFrame(
        {
            "indicator": rows["indicator"].astype("category"),
            "subject": rows["subject"].astype("category"),
            "grade": rows["grade"],
            "task": rows["task"].astype("category"),
            "year": rows["year"],
            "org_id": org,
            "municipality": muni,
            "region": muni.map(municipality_region),
            **part,
        }
    )
    # the same school and breakdown in both years: two rows (one a year)
    place = ["indicator", "org_id", "subject", "grade", "task"]
    both = frame.groupby(place, sort=False, observed=True)["year"].transform("size").to_numpy() == 2
    frame["both"] = both
    keys = ["indicator", "entity", "subject", "grade", "task", "year"]
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for level in ("municipality", "region"):
        if not any(k[1] == level for k in want):
            continue
        located = frame[level].notna().to_numpy()
        placed = frame[located].assign(entity=frame.loc[located, level])
        total = placed.groupby(keys, sort=False, observed=True)["n"].sum(min_count=1)
        sets = _school_sets(placed, keys, visible)
        same = frame[located & both].assign(entity=frame.loc[located & both, level])
        grouped = same.groupby(keys, sort=False, observed=True)
        summed = grouped[["numerator", "denominator", "n"]].sum(min_count=1)
        summed["schools"] = grouped.size()
        summed = summed.reset_index()
        values = pd.Series(np.nan, index=summed.index)
        for code, group in summed.groupby("indicator", sort=False, observed=True):
            values[group.index] = _value(specs[str(code)], group)
        summed["value"] = values
        found: dict[tuple[Any, ...], dict[int, Any]] = {}
        for r in summed.itertuples(index=False):
            key = (str(r.indicator), level, int(r.entity), str(r.subject), int(r.grade), str(r.task))
            if key in want:
                found.setdefault(key, {})[int(r.year)] = r
        for key, per_year in found.items():
            now, before = per_year.get(year), per_year.get(year - 1)
            if now is None or before is None:
                continue
            min_group = int(specs[key[0]].get("min_group", 5))
            # as the value itself: hidden when the group is small; and hidden when the
            # schools left out are a small group (the territory's value minus this one
            # would give theirs)
            small = bool(pd.notna(now.n) and now.n < min_group)
            for r in (now, before):
                at = (r.indicator, r.entity, r.subject, r.grade, r.task, r.year)
                rest = total.get(at, np.nan) - r.n
                small = small or bool(pd.notna(rest) and 0 < rest < min_group)
                if at in sets:
                    every, same_set = sets[at]
                    small = small or _alone(same_set, visible) or _alone(every - same_set, visible)
            v_now = None if small or pd.isna(now.value) else float(now.value)
            v_before = None if small or pd.isna(before.value) else float(before.value)
            out[key] = {
                "value_same_schools": v_now,
                "previous_same_schools": v_before,
                "change_same_schools": None if v_now is None or v_before is None else v_now - v_before,
                "same_schools": int(now.schools),
            }
    return out
