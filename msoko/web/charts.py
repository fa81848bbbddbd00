"""ECharts options built from the summaries (plain dicts, rendered with ``json_script`` and
drawn by ``static/web/msoko.js``; no inline scripts)."""

from __future__ import annotations

from typing import Any

MARK_COLOURS = {2: "#c0392b", 3: "#e3a21a", 4: "#7cb342", 5: "#2e7d32"}
SERIES_COLOURS = ["#1f5fa8", "#2a9d8f", "#8e6bbf", "#e76f51"]


def chart(
    chart_id: str, title: str, option: dict[str, Any], *, height: int = 320
) -> dict[str, Any]:
    """One chart for a template: ``{% include "web/_chart.html" %}``."""
    return {
        "id": chart_id,
        "data_id": f"{chart_id}-data",
        "title": title,
        "height": f"{int(height)}px",
        "option": option,
    }


def _base(unit: str = "") -> dict[str, Any]:
    return {
        "color": SERIES_COLOURS,
        "textStyle": {"fontFamily": "inherit"},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 32, "top": 36, "bottom": 8, "containLabel": True},
        "msoko": {"unit": unit},
    }


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def mean_by_group_chart(
    chart_id: str,
    title: str,
    series: list[tuple[str, dict[str, dict[str, Any]]]],
    *,
    unit: str = "",
) -> dict[str, Any] | None:
    """Horizontal bars: one row per group (an organisation or a municipality), one series
    per subject. ``series`` is ``[(subject name, {group name: {"mean": ...}}), ...]``."""
    groups = sorted({group for _, means in series for group in means})
    if not groups:
        return None
    option = _base(unit)
    option["yAxis"] = {
        "type": "category",
        "inverse": True,
        "data": groups,
        "axisLabel": {"width": 180, "overflow": "truncate"},
    }
    option["xAxis"] = {"type": "value"}
    option["series"] = [
        {
            "name": name,
            "type": "bar",
            "data": [_round(means.get(group, {}).get("mean")) for group in groups],
        }
        for name, means in series
    ]
    return chart(chart_id, title, option, height=max(260, 60 + 26 * len(groups) * len(series)))


def mark_distribution_chart(
    chart_id: str, title: str, distributions: list[tuple[str, dict[int, int]]]
) -> dict[str, Any] | None:
    """Stacked horizontal bars of the shares of marks 2–5, one bar per work."""
    rows = [(label, dist) for label, dist in distributions if sum(dist.values())]
    if not rows:
        return None
    option = _base("%")
    option["yAxis"] = {
        "type": "category",
        "inverse": True,
        "data": [label for label, _ in rows],
        "axisLabel": {"width": 200, "overflow": "truncate"},
    }
    option["xAxis"] = {"type": "value", "max": 100}
    option["series"] = [
        {
            "name": f"«{mark}»",
            "type": "bar",
            "stack": "marks",
            "color": MARK_COLOURS[mark],
            "data": [_round(100 * dist.get(mark, 0) / sum(dist.values()), 1) for _, dist in rows],
        }
        for mark in (2, 3, 4, 5)
    ]
    return chart(chart_id, title, option, height=max(200, 70 + 34 * len(rows)))


def score_chart(
    chart_id: str, title: str, categories: list[str], series: list[tuple[str, list[float | None]]]
) -> dict[str, Any] | None:
    """Vertical bars of mean scores by subject (the school, and its municipality if known)."""
    if not categories:
        return None
    option = _base()
    option["xAxis"] = {
        "type": "category",
        "data": categories,
        "axisLabel": {"interval": 0, "width": 110, "overflow": "break"},
    }
    option["yAxis"] = {"type": "value"}
    option["series"] = [
        {"name": name, "type": "bar", "data": [_round(v) for v in values]}
        for name, values in series
    ]
    return chart(chart_id, title, option, height=320)
