"""Reading a value: norm, status, change, colour, score, confidence interval, suppression.

* **Norm** — the most specific ``Norm`` row (territory and year → territory → everywhere and
  year → everywhere), else the definition's own ``norm``; a norm may be a value or a
  reference to other values of the same year (regional or municipal average, best
  municipality, best organisation). Without any norm, the reference is the level above: a
  school is read against its municipality, a municipality against its region.
* **Status** — the gap to the norm, signed so that positive is better (``direction``), in
  percentage points for shares and in percent of the norm otherwise, cut into five levels
  (very low … very high) at ``colour.status`` (default −10, −3, 3, 10).
* **Change** — the difference from the previous year, signed the same way, cut into five
  levels (declined significantly … increased significantly) at ``colour.change``
  (default −5, −1, 1, 5).
* **Colour** — status × change on the California School Dashboard's five-by-five grid
  (red, orange, yellow, green, blue); without last year's value, the status alone.
* **Score 0–100** — the value placed between the worst (0) and the best (100) organisation
  of the same level, year and breakdown among those the reader compares (motivating
  monitoring gives the best 100).
* **Confidence interval** — Wilson's 95 % interval for shares.
* **Suppression** — a group smaller than the indicator's ``min_group`` is not shown.
* **Positive dynamics** (seed 003, «Наличие динамики») — a change in the good direction
  larger than ``dynamics.threshold`` (default: any).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

STATUS_LEVELS = ("very_low", "low", "medium", "high", "very_high")
CHANGE_LEVELS = ("declined_significantly", "declined", "maintained", "increased", "increased_significantly")
STATUS_NAMES = {
    "very_low": "очень низкий",
    "low": "низкий",
    "medium": "средний",
    "high": "высокий",
    "very_high": "очень высокий",
}
CHANGE_NAMES = {
    "declined_significantly": "значительно ухудшился",
    "declined": "ухудшился",
    "maintained": "без изменений",
    "increased": "улучшился",
    "increased_significantly": "значительно улучшился",
}
COLOUR_NAMES = {
    "red": "красный",
    "orange": "оранжевый",
    "yellow": "жёлтый",
    "green": "зелёный",
    "blue": "синий",
}
# rows: status very low → very high; columns: change declined significantly → increased
# significantly (California School Dashboard, five-by-five colour grid)
GRID = (
    ("red", "red", "red", "orange", "yellow"),
    ("red", "orange", "orange", "yellow", "yellow"),
    ("orange", "orange", "yellow", "green", "green"),
    ("orange", "yellow", "green", "green", "blue"),
    ("yellow", "green", "blue", "blue", "blue"),
)
STATUS_ONLY = ("red", "orange", "yellow", "green", "blue")
DEFAULT_STATUS_CUTS = (-10.0, -3.0, 3.0, 10.0)
DEFAULT_CHANGE_CUTS = (-5.0, -1.0, 1.0, 5.0)
PERCENT_KINDS = {"share", "form_share", "org_share", "task_share_of_max", "aggregate_share"}
# shares of a count among a count (Wilson's interval applies)
COUNT_SHARE_KINDS = {"share", "form_share", "org_share", "aggregate_share"}


def wilson(k: float | None, n: float | None, z: float = 1.959963984540054) -> tuple[float, float] | None:
    """Wilson's score interval for a share ``k/n``, in percent."""
    if k is None or n is None or not n or n <= 0 or math.isnan(k) or math.isnan(n):
        return None
    if not 0 <= k <= n:  # counts from a school's own table that do not add up
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (100 * max(0.0, centre - half), 100 * min(1.0, centre + half))


def cut(value: float, cuts: tuple[float, ...] | list[float], names: tuple[str, ...]) -> str:
    """``names[i]`` for the interval of ``cuts`` that ``value`` falls in (cuts are the upper
    bounds, exclusive, of the first four levels)."""
    for i, c in enumerate(cuts):
        if value < c:
            return names[i]
    return names[-1]


def signed_gap(value: float, reference: float, *, direction: str, percent: bool) -> float | None:
    """How much better than ``reference`` (positive) or worse (negative): percentage points
    for shares, percent of the reference otherwise."""
    if direction == "none":
        return None
    diff = value - reference
    if not percent:
        if reference == 0:
            return None if diff == 0 else math.copysign(100.0, diff) * (1 if direction == "higher" else -1)
        diff = 100.0 * diff / abs(reference)
    return diff if direction == "higher" else -diff


def colour_of(status: str | None, change: str | None) -> str | None:
    if status is None:
        return None
    row = STATUS_LEVELS.index(status)
    if change is None:
        return STATUS_ONLY[row]
    return GRID[row][CHANGE_LEVELS.index(change)]


def scores(values: pd.Series, direction: str) -> pd.Series:
    """0–100 between the worst and the best of ``values`` (the best gets 100)."""
    v = values.astype("float64")
    lo, hi = v.min(), v.max()
    if direction == "none" or pd.isna(lo) or pd.isna(hi):
        return pd.Series(np.nan, index=values.index)
    if hi == lo:
        return pd.Series(np.where(v.notna(), 100.0, np.nan), index=values.index)
    s = 100.0 * (v - lo) / (hi - lo)
    return s if direction == "higher" else 100.0 - s


def read_one(
    spec: dict[str, Any],
    *,
    value: float | None,
    numerator: float | None,
    denominator: float | None,
    n: float | None,
    previous: float | None,
    norm: float | None,
) -> dict[str, Any]:
    """Everything a page shows about one value (``spec`` is the stored definition)."""
    direction = spec.get("direction", "none")
    kind = spec.get("formula", {}).get("kind", "")
    percent = kind in PERCENT_KINDS or spec.get("unit") == "percent"
    colour_cfg = spec.get("colour") or {}
    status_cuts = colour_cfg.get("status", DEFAULT_STATUS_CUTS)
    change_cuts = colour_cfg.get("change", DEFAULT_CHANGE_CUTS)
    min_group = int(spec.get("min_group", 5))
    suppressed = n is not None and not math.isnan(n) and n < min_group
    out: dict[str, Any] = {
        "value": None if value is None or math.isnan(value) else value,
        "norm": norm,
        "previous": previous,
        "change": None,
        "status": None,
        "change_level": None,
        "colour": None,
        "ci": None,
        "suppressed": suppressed,
        "positive_dynamics": None,
    }
    if out["value"] is None or suppressed:
        out["value"] = None
        return out
    v = float(out["value"])
    if norm is not None:
        gap = signed_gap(v, norm, direction=direction, percent=percent)
        if gap is not None:
            out["status"] = cut(gap, status_cuts, STATUS_LEVELS)
    if previous is not None and not math.isnan(previous):
        out["change"] = v - previous
        delta = signed_gap(v, previous, direction=direction, percent=percent)
        if delta is not None:
            out["change_level"] = cut(delta, change_cuts, CHANGE_LEVELS)
            threshold = float((spec.get("dynamics") or {}).get("threshold", 0))
            better = (v - previous) if direction == "higher" else (previous - v)
            out["positive_dynamics"] = better > threshold
    out["colour"] = colour_of(out["status"], out["change_level"])
    if kind in COUNT_SHARE_KINDS and denominator:
        out["ci"] = wilson(numerator, denominator)
    return out
