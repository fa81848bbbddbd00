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


def _sums(rollup: str, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Numerator, denominator and n of each group of school rows, as the roll-up sums them
    (``compute.ROLLUP_SUMS``), with the number of schools."""
    if rollup == "pooled":
        parts = frame.assign(_num=frame["numerator"], _den=frame["denominator"], _n=frame["n"])
        agg = parts.groupby(keys, sort=False)[["_num", "_den", "_n"]].sum(min_count=1)
    else:
        positive = (frame["value"] > 0).astype("float64")
        first = frame["value"] if rollup == "mean_of_schools" else positive
        parts = frame.assign(_num=first, _den=1.0, _n=1.0)
        agg = parts.groupby(keys, sort=False)[["_num", "_den", "_n"]].sum()
    agg["schools"] = frame.groupby(keys, sort=False).size()
    return agg.reset_index().rename(columns={"_num": "numerator", "_den": "denominator", "_n": "n"})


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
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """For each territory key of ``wanted`` (indicator, level, entity, subject, grade,
    task — keys as ``api._normalise`` makes them): the value of ``year`` and of the year
    before over the schools with a value in both, their number, and the change.

    ``school_rows`` are normalised school rows holding every school of those territories
    for both years. A value is left out (``None``) when this year's group over those
    schools is smaller than the indicator's minimum group, or when the schools left out
    of either year are a group that small (their figure would follow by subtraction)."""
    wanted = list(wanted)
    if not wanted or school_rows.empty:
        return {}
    rows = school_rows[
        (school_rows["level"] == "school")
        & school_rows["year"].isin([year - 1, year])
        & school_rows["value"].notna()
        & school_rows["indicator"].isin([c for c, s in specs.items() if eligible(s)])
    ]
    if rows.empty:
        return {}
    org = pd.to_numeric(rows["org_id"], errors="coerce")
    muni = org.map(org_municipality)
    rows = rows.assign(municipality=muni, region=muni.map(municipality_region))
    # the same school and breakdown in both years
    place = ["indicator", "org_id", "subject", "grade", "task"]
    years_of = rows.groupby(place, sort=False)["year"].transform("nunique")
    both = rows[years_of == 2]
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    want = {tuple(k) for k in wanted}
    for level, column in (("municipality", "municipality"), ("region", "region")):
        if not any(k[1] == level for k in want):
            continue
        keys = ["entity", "subject", "grade", "task", "year"]
        every = rows[rows[column].notna()].assign(entity=rows[column])
        totals = {
            str(code): _sums(specs[str(code)].get("rollup", "pooled"), group, keys).set_index(keys)["n"]
            for code, group in every.groupby("indicator", sort=False)
        }
        keyed = both[both[column].notna()].assign(entity=both[column])
        for code, group in keyed.groupby("indicator", sort=False):
            spec = specs[str(code)]
            summed = _sums(spec.get("rollup", "pooled"), group, keys)
            summed["value"] = _value(spec, summed)
            min_group = int(spec.get("min_group", 5))
            by: dict[tuple[Any, ...], dict[int, Any]] = {}
            for r in summed.itertuples(index=False):
                key = (str(code), level, int(r.entity), r.subject, r.grade, r.task)
                if key in want:
                    by.setdefault(key, {})[int(r.year)] = r
            total = totals[str(code)]
            for key, per_year in by.items():
                now, before = per_year.get(year), per_year.get(year - 1)
                if now is None or before is None:
                    continue
                # as the value itself: hidden when the group is small; and hidden when the
                # schools left out are a small group (the territory's value minus this one
                # would give theirs)
                small = pd.notna(now.n) and now.n < min_group
                for r in (now, before):
                    rest = total.get((r.entity, r.subject, r.grade, r.task, r.year), np.nan) - r.n
                    small = small or bool(pd.notna(rest) and 0 < rest < min_group)
                v_now = None if small or pd.isna(now.value) else float(now.value)
                v_before = None if small or pd.isna(before.value) else float(before.value)
                out[key] = {
                    "value_same_schools": v_now,
                    "previous_same_schools": v_before,
                    "change_same_schools": (
                        None if v_now is None or v_before is None else v_now - v_before
                    ),
                    "same_schools": int(now.schools),
                }
    return out

