"""Indicator pages: the dashboard (catalogs → a catalog's indicators with value, norm, colour,
change and a sparkline), one indicator across every visible school, a school's profile over
all catalogs; the methodologist's pages (catalog upload, norms, entered values) and the
«Пересчитать» button, which runs ``compute`` as a background job.

Every figure comes from ``msoko.indicators.api.readings`` with an ``OrgScope`` built from the
permission policy, so a page shows only the schools the user may see and the aggregates of
their municipalities and regions. Organisations are loaded through
``policy.get_organisation_for_user`` (404 for anything not visible).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from msoko.access import policy
from msoko.access.models import Role, User
from msoko.facts.store import OrgScope
from msoko.indicators import api
from msoko.indicators.compute import BUCKET_PERCENT
from msoko.indicators.forms import (
    CatalogUploadForm,
    DashboardFilterForm,
    EnteredValueForm,
    IndicatorFilterForm,
    NormForm,
    YearForm,
    visible_municipalities,
)
from msoko.indicators.models import (
    Catalog,
    ComputationRun,
    EnteredValue,
    IndicatorDefinition,
    Norm,
)
from msoko.indicators.reading import CHANGE_NAMES, COLOUR_NAMES, STATUS_NAMES
from msoko.jobs.models import Job
from msoko.jobs.queue import JobContext, start_job
from msoko.registry.models import Organisation, Subject, Territory
from msoko.web import charts
from msoko.web.templatetags.ru import num, pct
from msoko.web.views import _render, current_user, is_htmx

COMPUTE_HANDLER = "msoko.indicators.views.compute_job"
TERRITORY_EDITORS = {Role.REGIONAL_ANALYST, Role.MUNICIPAL_SPECIALIST}
COLOURS = ("red", "orange", "yellow", "green", "blue")
COLOUR_HEX = {
    "red": "#c0392b",
    "orange": "#e67e22",
    "yellow": "#f1c40f",
    "green": "#27ae60",
    "blue": "#2e86c1",
}
NO_COLOUR_HEX = "#9aa5b1"
LEVEL_NAMES = {"school": "Организация", "municipality": "Муниципалитет", "region": "Регион"}
SOURCE_NAMES = {
    "computed": "рассчитано по загруженным данным",
    "form": "из форм образовательных организаций",
    "entered": "введено вручную",
    "derived": "рассчитано из других показателей",
}
BUCKET_LABELS = {
    BUCKET_PERCENT["not_implemented"]: "не реализуется",
    BUCKET_PERCENT["lt25"]: "менее 25 %",
    BUCKET_PERCENT["25_50"]: "25–50 %",
    BUCKET_PERCENT["51_75"]: "51–75 %",
    BUCKET_PERCENT["gt75"]: "более 75 %",
    BUCKET_PERCENT["full"]: "в полном объёме",
}
SAME_SCHOOLS_LABEL = "в т. ч. по школам, участвовавшим в оба года"
GRID_LIMIT = 500
GRID_CHIPS = 120


# --------------------------------------------------------------------------- who may do what


def can_edit_methodology(user: Any) -> bool:
    """Upload catalogs, set the territory's norms, recompute: the regional analyst and the
    municipal specialist (and the technical administrator); never a viewer or a school."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.role in TERRITORY_EDITORS and user.territory_id))
    )


def can_enter_values(user: Any) -> bool:
    """Territory editors enter values for their territory; a school administrator for the
    school."""
    return can_edit_methodology(user) or bool(
        user.is_authenticated and user.role == Role.SCHOOL_ADMIN and user.organisation_id
    )


def editor_territory(user: Any) -> Territory | None:
    """The territory whose norms and entered values the user keeps."""
    if user.territory_id:
        return user.territory
    return policy.home_territory(user) if user.is_superuser else None


# --------------------------------------------------------------------------- presentation


def subject_names() -> dict[str, str]:
    return dict(Subject.objects.values_list("code", "name"))


def _number(value: float, places: int) -> str:
    return num(value, places)


def format_value(value: float | None, unit: str) -> str:
    """A value in Russian notation for its unit."""
    if value is None:
        return "—"
    v = float(value)
    if unit == "percent":
        return pct(v, 1)
    if unit == "yes_no" and v in (0.0, 1.0):
        return "да" if v else "нет"
    if unit == "bucket" and v in BUCKET_LABELS:
        return BUCKET_LABELS[v]
    if unit == "bucket":
        return pct(v, 1)
    if unit == "points":
        return _number(v, 2)
    if v.is_integer():
        return _number(v, 0)
    return _number(v, 2)


def round_value(value: float | None, unit: str) -> float | None:
    """The value as exports write it: shares to 0.1, other values to 0.01."""
    if value is None:
        return None
    return round(float(value), 1 if unit in {"percent", "bucket"} else 2)


def format_change(change: float | None, unit: str) -> str:
    if change is None:
        return "—"
    sign = "+" if change > 0 else ("−" if change < 0 else "")
    if unit in {"percent", "bucket"}:
        return f"{sign}{num(abs(change), 1)}\u00a0п.\u00a0п."
    return f"{sign}{num(abs(change), 2)}"


def breakdown_label(subject: str | None, grade: int | None, task: str | None, subjects: dict[str, str]) -> str:
    parts = []
    if subject:
        parts.append(subjects.get(subject, subject))
    if grade is not None:
        parts.append(f"{grade} класс")
    if task:
        parts.append(f"задание {task}")
    return ", ".join(parts)


def sparkline(history: list[tuple[int, float | None]], unit: str, colour: str | None) -> dict[str, Any] | None:
    """An inline SVG line of the yearly values (coordinates as strings: a localised template
    would print «3,5» in an SVG attribute)."""
    points = [(int(y), float(v)) for y, v in history if v is not None]
    if not points:
        return None
    width, height, pad = 84, 24, 3
    years = [y for y, _ in points]
    values = [v for _, v in points]
    x0, x1 = min(years), max(years)
    lo, hi = min(values), max(values)

    def x(year: int) -> float:
        return pad + (width - 2 * pad) * ((year - x0) / (x1 - x0) if x1 > x0 else 0.5)

    def y(value: float) -> float:
        return height - pad - (height - 2 * pad) * ((value - lo) / (hi - lo) if hi > lo else 0.5)

    coords = [(x(yr), y(v)) for yr, v in points]
    return {
        "width": str(width),
        "height": str(height),
        "points": " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords),
        "last_x": f"{coords[-1][0]:.1f}",
        "last_y": f"{coords[-1][1]:.1f}",
        "colour": COLOUR_HEX.get(colour or "", NO_COLOUR_HEX),
        "count": len(points),
        "label": "Динамика: "
        + "; ".join(f"{yr}/{yr + 1} — {format_value(v, unit)}" for yr, v in points),
    }


def chip_title(r: dict[str, Any] | None, d: IndicatorDefinition, norm_text: str, change_text: str) -> str:
    """Why a value has its colour (or none), in Russian."""
    if r is None or (r["value"] is None and not r["suppressed"]):
        return "Нет данных"
    if r["suppressed"]:
        return f"Скрыто: группа меньше {d.min_group}"
    if d.direction == "none":
        return "Без оценки: у показателя не задано, что лучше — больше или меньше"
    if r["colour"] is None:
        return "Без цвета: нет нормы для сравнения"
    parts = [f"Цвет: {COLOUR_NAMES[r['colour']]}"]
    basis = f"норма {norm_text}" + (f", {r['norm_label']}" if r.get("norm_label") else "")
    parts.append(f"статус: {STATUS_NAMES[r['status']]} ({basis})")
    if r["change_level"]:
        parts.append(f"изменение: {CHANGE_NAMES[r['change_level']]} ({change_text})")
    else:
        parts.append("изменение: нет значения за прошлый год")
    return "; ".join(parts)


def present(
    r: dict[str, Any] | None,
    d: IndicatorDefinition,
    subjects: dict[str, str],
    *,
    year: int | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Everything a page or an export shows about one reading (``None``: no value)."""
    unit = d.unit
    subject = r["subject"] if r else None
    grade = r["grade"] if r else None
    task = r["task"] if r else None
    breakdown = breakdown_label(subject, grade, task, subjects)
    out: dict[str, Any] = {
        "code": d.code,
        "name": d.name,
        "label": f"{d.name} ({breakdown})" if breakdown else d.name,
        "breakdown": breakdown,
        "section": d.section,
        "unit": unit,
        "direction": d.direction,
        "data_source": d.data_source,
        "collection_method": d.collection_method,
        "min_group": d.min_group,
        "subject": subject,
        "grade": grade,
        "task": task,
        "level": r["level"] if r else None,
        "org_id": r["org_id"] if r else None,
        "territory_id": r["territory_id"] if r else None,
        "note": note,
    }
    value = r["value"] if r else None
    suppressed = bool(r and r["suppressed"])
    norm = r["norm"] if r else None
    change = r["change"] if r else None
    same_change = (r or {}).get("change_same_schools")
    same_count = (r or {}).get("same_schools")
    norm_text = format_value(norm, unit)
    change_text = format_change(change, unit)
    if suppressed:
        value_text = f"скрыто (менее {d.min_group})"
    elif value is None:
        value_text = note or "нет данных"
    else:
        value_text = format_value(value, unit)
    ci = r["ci"] if r and not suppressed else None
    history = [(y, v) for y, v in (r["history"] if r else []) if year is None or y <= year]
    colour = r["colour"] if r else None
    dynamics = r["positive_dynamics"] if r else None
    out.update(
        {
            "has_value": value is not None,
            "value": value,
            "rounded": round_value(value, unit),
            "value_text": value_text,
            "suppressed": suppressed,
            "ci": ci,
            "ci_text": f"95\u00a0% ДИ: {num(ci[0], 1)}–{num(ci[1], 1)}\u00a0%" if ci else "",
            "norm": norm,
            "norm_rounded": round_value(norm, unit),
            "norm_text": norm_text if norm is not None else "—",
            "norm_label": (r or {}).get("norm_label") or "",
            "previous": r["previous"] if r else None,
            "previous_text": format_value(r["previous"], unit) if r and r["previous"] is not None else "—",
            "change": change,
            "change_rounded": round_value(change, unit),
            "change_text": change_text,
            # territories: the change over only the schools with a value in both years
            "change_same_schools": same_change,
            "change_same_schools_rounded": round_value(same_change, unit),
            "change_same_schools_text": format_change(same_change, unit),
            "same_schools": same_count,
            "same_schools_note": (
                f"{SAME_SCHOOLS_LABEL}: {format_change(same_change, unit)} (школ: {same_count})"
                if same_change is not None
                else ""
            ),
            "positive_dynamics": dynamics,
            "dynamics_text": "—" if dynamics is None else ("есть" if dynamics else "нет"),
            "colour": colour,
            "colour_name": COLOUR_NAMES.get(colour or "", "нет оценки"),
            "colour_hex": COLOUR_HEX.get(colour or "", NO_COLOUR_HEX),
            "status_name": STATUS_NAMES.get((r or {}).get("status") or "", ""),
            "change_name": CHANGE_NAMES.get((r or {}).get("change_level") or "", ""),
            "title": chip_title(r, d, norm_text, change_text),
            "score": r["score"] if r else None,
            "score_text": num(r["score"], 0) if r and r["score"] is not None else "—",
            "n": r["n"] if r else None,
            "n_text": num(r["n"], 0) if r and r["n"] is not None else "—",
            "source_name": SOURCE_NAMES.get((r or {}).get("source") or "", ""),
            "sparkline": None if suppressed else sparkline(history, unit, colour),
        }
    )
    return out


def _key(r: dict[str, Any]) -> tuple[str, str, int, str]:
    return (
        r["indicator"],
        r["subject"] or "",
        -1 if r["grade"] is None else int(r["grade"]),
        r["task"] or "",
    )


def _has_tasks(d: IndicatorDefinition) -> bool:
    return "task" in (d.spec.get("by") or [])


def indicator_table(
    defs: list[IndicatorDefinition],
    rows: list[dict[str, Any]],
    comparison: list[dict[str, Any]] | None = None,
    *,
    subjects: dict[str, str],
    subject: str | None = None,
    year: int | None = None,
) -> list[dict[str, Any]]:
    """The catalog's indicators for one organisation or territory, grouped by section: one
    line per indicator and breakdown (task-level lines live on the indicator's page), with
    the comparison entity's value beside. An indicator without values still has its line."""
    by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["task"] is None and (subject is None or r["subject"] == subject):
            by_code[r["indicator"]].append(r)
    beside = {_key(r): r for r in comparison or [] if r["task"] is None}
    sections: list[dict[str, Any]] = []
    for d in defs:
        items = sorted(
            by_code.get(d.code, []),
            key=lambda r: (subjects.get(r["subject"] or "", r["subject"] or ""), r["grade"] or -1),
        )
        if subject is not None and not items:
            continue
        if items:
            lines = []
            for r in items:
                line = present(r, d, subjects, year=year)
                other = beside.get(_key(r))
                line["comparison"] = present(other, d, subjects, year=year) if other else None
                lines.append(line)
        else:
            note = "по заданиям — на странице показателя" if _has_tasks(d) else ""
            line = present(None, d, subjects, year=year, note=note)
            line["comparison"] = None
            lines = [line]
        name = d.section or ""
        if not sections or sections[-1]["name"] != name:
            sections.append({"name": name, "lines": []})
        sections[-1]["lines"].extend(lines)
    return sections


def colour_counts(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = Counter(line["colour"] for s in sections for line in s["lines"] if line["colour"])
    return [{"colour": c, "name": COLOUR_NAMES[c], "count": counts[c]} for c in COLOURS]


@dataclass
class Entity:
    level: str
    pk: int
    name: str
    url: str = ""
    note: str = ""


def colour_grid(
    defs: list[IndicatorDefinition],
    rows: list[dict[str, Any]],
    entities: list[Entity],
    *,
    subjects: dict[str, str],
    subject: str | None,
    year: int | None,
) -> dict[str, Any]:
    """Entities × the catalog's indicator lines: how many lines of each colour (entities with
    the most red lines first) and, when there are at most ``GRID_CHIPS`` lines, one colour
    chip per line in the catalog's order (a catalog by subject and grade has hundreds: then
    the subject filter brings the chips back)."""
    order = {d.code: i for i, d in enumerate(defs)}
    by_code = {d.code: d for d in defs}
    cells: dict[int, dict[tuple[str, str, int, str], dict[str, Any]]] = defaultdict(dict)
    keys: set[tuple[str, str, int, str]] = set()
    for r in rows:
        if r["task"] is not None or (subject is not None and r["subject"] != subject):
            continue
        entity = r["org_id"] if r["level"] == "school" else r["territory_id"]
        keys.add(_key(r))
        cells[int(entity)][_key(r)] = r
    columns = sorted(keys, key=lambda k: (order.get(k[0], 0), subjects.get(k[1], k[1]), k[2]))
    chips = len(columns) <= GRID_CHIPS
    out_rows: list[dict[str, Any]] = []
    for e in entities:
        mine = cells[e.pk]
        counts = Counter(r["colour"] for r in mine.values() if r["colour"])
        line_cells = []
        for key in columns if chips else []:
            found = mine.get(key)
            d = by_code[key[0]]
            cell = present(found, d, subjects, year=year)
            if found is None:
                label = breakdown_label(key[1] or None, None if key[2] == -1 else key[2], None, subjects)
                cell["label"] = f"{d.name} ({label})" if label else d.name
            line_cells.append(cell)
        out_rows.append(
            {
                "entity": e,
                "cells": line_cells,
                "counts": [{"colour": c, "count": counts[c]} for c in COLOURS],
                "rank": (-counts["red"], -counts["orange"], e.name.casefold()),
            }
        )
    out_rows.sort(key=lambda row: row["rank"])
    return {"columns": len(columns), "chips": chips, "rows": out_rows}


# --------------------------------------------------------------------------- reading values


def scoped_readings(scope: OrgScope, **kwargs: Any) -> list[dict[str, Any]]:
    """``api.readings`` for a scope; a scope with no organisations reads nothing."""
    if not scope.org_ids or kwargs.get("year") is None:
        return []
    if "codes" in kwargs and kwargs["codes"] is not None and not kwargs["codes"]:
        return []
    return api.readings(scope=scope, **kwargs)


def _active_catalog(code: str) -> Catalog:
    return get_object_or_404(Catalog, code=code, is_active=True)


def _definitions(catalog: Catalog, direction: str | None = None) -> list[IndicatorDefinition]:
    qs = catalog.indicators.select_related("catalog").order_by("order")
    if direction:
        qs = qs.filter(direction=direction)
    return list(qs)


def default_level(user: Any) -> str:
    home = policy.home_territory(user)
    if home is None:
        return "school"
    return "region" if home.kind == Territory.Kind.REGION else "municipality"


@dataclass
class Plan:
    """What a catalog page shows: one entity's table (with the level above beside) and a
    colour grid of entities (schools or municipalities)."""

    focus: Entity | None = None
    comparison: Entity | None = None
    grid_level: str | None = None
    grid: list[Entity] = field(default_factory=list)
    grid_title: str = ""
    grid_hidden: int = 0


def _territory_entity(t: Territory | None, url: str = "") -> Entity | None:
    if t is None:
        return None
    return Entity(str(t.kind), t.pk, t.name, url)


def _org_entity(org: Organisation) -> Entity:
    return Entity(
        "school",
        org.pk,
        org.short_name,
        reverse("indicators:school", args=[org.pk]),
        org.territory.name,
    )


def _capped(entities: list[Entity]) -> tuple[list[Entity], int]:
    return entities[:GRID_LIMIT], max(0, len(entities) - GRID_LIMIT)


def make_plan(user: Any, level: str, form: DashboardFilterForm | None) -> Plan:
    home = policy.home_territory(user)
    if home is None:
        if not user.organisation_id:
            return Plan()
        org = policy.get_organisation_for_user(user, user.organisation_id)
        muni = org.territory
        region = muni.parent
        if level == "school":
            return Plan(_org_entity(org), _territory_entity(muni))
        if level == "municipality":
            return Plan(_territory_entity(muni), _territory_entity(region))
        return Plan(_territory_entity(region))
    chosen = form.chosen_territory() if form else None
    if chosen is None and home.kind == Territory.Kind.MUNICIPALITY:
        chosen = home
    region = home if home.kind == Territory.Kind.REGION else home.parent
    orgs: QuerySet[Organisation] = policy.visible_organisations(user).select_related("territory")
    if form is not None:
        orgs = form.filter_organisations(orgs)
    munis = list(visible_municipalities(user).order_by("name"))
    muni_entities = [Entity("municipality", t.pk, t.name) for t in munis]
    if level == "school":
        if chosen is not None:
            orgs = orgs.filter(territory=chosen)
        grid, hidden = _capped([_org_entity(o) for o in orgs.order_by("territory__name", "short_name")])
        return Plan(grid_level="school", grid=grid, grid_title="Организации", grid_hidden=hidden)
    if level == "municipality":
        if chosen is not None:
            grid, hidden = _capped(
                [_org_entity(o) for o in orgs.filter(territory=chosen).order_by("short_name")]
            )
            return Plan(
                _territory_entity(chosen),
                _territory_entity(chosen.parent),
                "school",
                grid,
                "Организации муниципалитета",
                hidden,
            )
        grid, hidden = _capped(muni_entities)
        return Plan(grid_level="municipality", grid=grid, grid_title="Муниципалитеты", grid_hidden=hidden)
    grid, hidden = _capped(muni_entities)
    return Plan(_territory_entity(region), None, "municipality", grid, "Муниципалитеты", hidden)


def entity_readings(
    scope: OrgScope,
    entity: Entity | None,
    *,
    year: int | None,
    codes: list[str] | None,
    same_schools: bool = False,
) -> list[dict[str, Any]]:
    if entity is None:
        return []
    return scoped_readings(
        scope,
        year=year,
        codes=codes,
        level=entity.level,
        entities=[entity.pk],
        same_schools=same_schools and entity.level != "school",
    )


# --------------------------------------------------------------------------- pages


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The catalogs, with what the user may do about them."""
    user = current_user(request)
    catalogs = [
        {"catalog": c, "count": c.indicators.count()}
        for c in Catalog.objects.filter(is_active=True).order_by("order", "code")
    ]
    context = {
        "catalogs": catalogs,
        "can_edit": can_edit_methodology(user),
        "can_enter": can_enter_values(user),
        "last_run": ComputationRun.objects.filter(status=ComputationRun.Status.DONE).first(),
        "running": ComputationRun.objects.filter(status=ComputationRun.Status.RUNNING).exists(),
    }
    return _render(request, "indicators/index.html", context)


@require_GET
@login_required
def catalog_page(request: HttpRequest, code: str) -> HttpResponse:
    """One catalog: the user's school or territory, indicator by indicator, and the colour
    grid of the schools (or municipalities) under it; htmx swaps the body when a filter
    changes."""
    user = current_user(request)
    catalog = _active_catalog(code)
    form = DashboardFilterForm(request.GET or None, user=user, default_level=default_level(user))
    year = form.chosen_year()
    level = form.chosen_level()
    subject = form.value("subject")
    defs = _definitions(catalog, form.value("direction"))
    subjects = subject_names()
    plan = make_plan(user, level, form)
    scope = OrgScope.for_user(user)
    # task-level lines live on the indicator's page: never read them for the tables
    codes = [d.code for d in defs if not _has_tasks(d)]
    focus_rows = entity_readings(scope, plan.focus, year=year, codes=codes, same_schools=True)
    beside_rows = entity_readings(scope, plan.comparison, year=year, codes=codes)
    sections = (
        indicator_table(defs, focus_rows, beside_rows, subjects=subjects, subject=subject, year=year)
        if plan.focus
        else []
    )
    grid = None
    if plan.grid_level:
        grid_rows = scoped_readings(
            scope,
            year=year,
            codes=codes,
            level=plan.grid_level,
            entities=[e.pk for e in plan.grid],
        )
        grid = colour_grid(
            [d for d in defs if not _has_tasks(d)],
            grid_rows,
            plan.grid,
            subjects=subjects,
            subject=subject,
            year=year,
        )
    export_query = _export_query(plan.focus, year)
    context = {
        "catalog": catalog,
        "form": form,
        "year": year,
        "level": level,
        "plan": plan,
        "sections": sections,
        "counts": colour_counts(sections),
        "grid": grid,
        "export_query": export_query,
        "can_edit": can_edit_methodology(user),
        "can_enter": can_enter_values(user) and any(d.spec.get("formula", {}).get("kind") == "entered" for d in defs),
        "indicator_query": urlencode({"year": year}) if year else "",
        "territory_user": policy.home_territory(user) is not None,
    }
    template = "indicators/_dashboard.html" if is_htmx(request) else "indicators/catalog.html"
    return _render(request, template, context)


def _export_query(entity: Entity | None, year: int | None) -> str:
    if entity is None or year is None:
        return ""
    key = "org" if entity.level == "school" else "territory"
    return urlencode({key: entity.pk, "year": year})


def breakdowns_of(
    scope: OrgScope, code: str, year: int | None
) -> list[tuple[str | None, int | None, str | None]]:
    """The (subject, grade, task) an indicator has values for in ``year``, in the order of
    the filter: without tasks first, then by subject name, grade and task number."""
    if not scope.org_ids or year is None:
        return []
    frame = api.values_frame(
        [code], scope=scope, years=[year], columns=["subject", "grade", "task"], categorical=True
    ).drop_duplicates()
    subjects = subject_names()
    keys = {
        (
            None if pd.isna(s) or s == "" else str(s),
            None if pd.isna(g) else int(g),
            None if pd.isna(t) or t == "" else str(t),
        )
        for s, g, t in zip(frame["subject"], frame["grade"], frame["task"], strict=True)
    }
    return sorted(
        keys,
        key=lambda k: (
            k[2] is not None,
            subjects.get(k[0] or "", k[0] or ""),
            -1 if k[1] is None else k[1],
            _task_order(k[2] or ""),
        ),
    )


def _breakdown_str(key: tuple[str | None, int | None, str | None]) -> str:
    subject, grade, task = key
    return f"{subject or ''}|{'' if grade is None else grade}|{task or ''}"


SORT_COLUMNS = [
    ("name", "Организация"),
    ("value", "Значение"),
    ("norm", "Норма"),
    ("score", "Балл 0–100"),
    ("n", "Численность группы"),
    ("change", "Изменение"),
]
SORT_KEYS = {
    "value": "value",
    "norm": "norm",
    "score": "score",
    "n": "n",
    "change": "change",
}


def _sorted(lines: list[dict[str, Any]], sort: str, descending: bool) -> list[dict[str, Any]]:
    if sort in SORT_KEYS:
        key = SORT_KEYS[sort]
        present_ = [line for line in lines if line[key] is not None]
        missing = [line for line in lines if line[key] is None]
        present_.sort(key=lambda line: (line[key], line["entity"].name.casefold()), reverse=descending)
        return present_ + sorted(missing, key=lambda line: line["entity"].name.casefold())
    return sorted(lines, key=lambda line: line["entity"].name.casefold(), reverse=descending)


@require_GET
@login_required
def indicator_page(request: HttpRequest, code: str) -> HttpResponse:
    """One indicator across every school the user sees (and the territories above them):
    value, norm, colour, 0–100 score and group size, sortable, with a bar chart."""
    user = current_user(request)
    d = get_object_or_404(
        IndicatorDefinition.objects.select_related("catalog"), code=code, catalog__is_active=True
    )
    year = YearForm(request.GET or None).chosen_year()
    scope = OrgScope.for_user(user)
    subjects = subject_names()
    present_keys = breakdowns_of(scope, d.code, year)
    breakdowns = [(_breakdown_str(k), breakdown_label(*k, subjects) or "без разреза") for k in present_keys]
    form = IndicatorFilterForm(request.GET or None, user=user, breakdowns=breakdowns)
    chosen = form.value("breakdown") or (breakdowns[0][0] if breakdowns else "")
    rows = (
        scoped_readings(
            scope, year=year, codes=[d.code], breakdown=_split_key(chosen), same_schools=True
        )
        if chosen
        else []
    )
    # territories: the region first, then municipalities by name
    territory_names = dict(Territory.objects.values_list("pk", "name"))
    territory_lines = []
    for r in sorted(
        (r for r in rows if r["level"] != "school"),
        key=lambda r: (r["level"] != "region", territory_names.get(r["territory_id"], "")),
    ):
        line = present(r, d, subjects, year=year)
        line["entity"] = Entity(r["level"], r["territory_id"], territory_names.get(r["territory_id"], ""))
        territory_lines.append(line)
    orgs = form.filter_organisations(policy.visible_organisations(user).select_related("territory"))
    if form.chosen_territory() is not None:
        orgs = orgs.filter(territory=form.chosen_territory())
    school_rows = {r["org_id"]: r for r in rows if r["level"] == "school"}
    school_lines = []
    for org in orgs:
        found = school_rows.get(org.pk)
        if found is None and org.kind != Organisation.Kind.SCHOOL:
            continue
        line = present(found, d, subjects, year=year)
        line["entity"] = _org_entity(org)
        school_lines.append(line)
    sort = form.value("sort") or "name"
    descending = form.value("order") == "desc"
    school_lines = _sorted(school_lines, sort, descending)
    context = {
        "indicator": d,
        "catalog": d.catalog,
        "form": form,
        "year": year,
        "territory_lines": territory_lines,
        "school_lines": school_lines,
        "chart": _bar_chart(d, school_lines, year),
        "sort": sort,
        "order": "desc" if descending else "asc",
        "sort_columns": [
            {"key": key, "label": label, "query": query}
            for (key, label), query in zip(
                SORT_COLUMNS, _sort_links(request, sort, descending).values(), strict=True
            )
        ],
        "spec_norm": describe_spec_norm(d.spec),
    }
    template = "indicators/_indicator_body.html" if is_htmx(request) else "indicators/indicator.html"
    return _render(request, template, context)


def _split_key(key: str) -> tuple[str | None, int | None, str | None]:
    subject, grade, task = key.split("|")
    return subject or None, int(grade) if grade else None, task or None


def _task_order(task: str) -> tuple[int, str]:
    digits = "".join(ch for ch in task if ch.isdigit())
    return (int(digits) if digits else 0, task)


def _sort_links(request: HttpRequest, sort: str, descending: bool) -> dict[str, str]:
    """For each sortable column, the query that sorts by it: names A→Я and figures from the
    largest first; the current column again turns the order round."""
    links = {}
    for key in ["name", *SORT_KEYS]:
        params = request.GET.copy()
        params["sort"] = key
        if key == sort:
            params["order"] = "asc" if descending else "desc"
        else:
            params["order"] = "asc" if key == "name" else "desc"
        links[key] = params.urlencode()
    return links


def _bar_chart(d: IndicatorDefinition, lines: list[dict[str, Any]], year: int | None) -> dict[str, Any] | None:
    shown = [line for line in lines if line["value"] is not None]
    if not shown:
        return None
    option: dict[str, Any] = {
        "textStyle": {"fontFamily": "inherit"},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 32, "top": 16, "bottom": 8, "containLabel": True},
        "msoko": {"unit": "%" if d.unit == "percent" else ""},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [line["entity"].name for line in shown],
            "axisLabel": {"width": 200, "overflow": "truncate"},
        },
        "xAxis": {"type": "value"},
        "series": [
            {
                "name": d.name,
                "type": "bar",
                "data": [
                    {"value": round(float(line["value"]), 2), "itemStyle": {"color": line["colour_hex"]}}
                    for line in shown
                ],
            }
        ],
    }
    title = f"{d.name}: значения организаций" + (f", {year}/{year + 1}" if year else "")
    return charts.chart("indicator-chart", title, option, height=max(220, 60 + 28 * len(shown)))


def describe_spec_norm(spec: dict[str, Any]) -> str:
    """The norm a definition gives, in words."""
    raw = spec.get("norm") or {}
    reference = raw.get("reference", "value")
    if reference != "value":
        return str(Norm.Reference(reference).label) if reference in Norm.Reference.values else reference
    unit = spec.get("unit", "")
    parts = []
    if raw.get("value") is not None:
        parts.append(format_value(float(raw["value"]), unit))
    for y, v in sorted((raw.get("by_year") or {}).items()):
        parts.append(f"в {int(y)}/{int(y) + 1}: {format_value(float(v), unit)}")
    if not parts:
        return "не задана (сравнение с уровнем выше)"
    return "; ".join(parts)


@require_GET
@login_required
def school_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """Every catalog's indicators for one organisation, its municipality beside."""
    user = current_user(request)
    org = policy.get_organisation_for_user(user, pk)
    year_form = YearForm(request.GET or None)
    year = year_form.chosen_year()
    scope = OrgScope.of(OrgScope.for_user(user).org_ids & {org.pk})
    catalogs = [
        (catalog, _definitions(catalog))
        for catalog in Catalog.objects.filter(is_active=True).order_by("order", "code")
    ]
    codes = [d.code for _, defs in catalogs for d in defs if not _has_tasks(d)]
    school_rows = scoped_readings(scope, year=year, codes=codes, level="school", entities=[org.pk])
    muni_rows = scoped_readings(
        scope, year=year, codes=codes, level="municipality", entities=[org.territory_id]
    )
    subjects = subject_names()
    blocks = []
    for catalog, defs in catalogs:
        if not defs:
            continue
        own = [r for r in school_rows if r["catalog"] == catalog.code]
        beside = [r for r in muni_rows if r["catalog"] == catalog.code]
        sections = indicator_table(defs, own, beside, subjects=subjects, year=year)
        blocks.append(
            {
                "catalog": catalog,
                "sections": sections,
                "counts": colour_counts(sections),
                "export_query": urlencode({"org": org.pk, "year": year}) if year else "",
            }
        )
    context = {
        "organisation": org,
        "year_form": year_form,
        "year": year,
        "blocks": blocks,
        "comparison_name": org.territory.name,
        "indicator_query": urlencode({"year": year}) if year else "",
    }
    template = "indicators/_school_body.html" if is_htmx(request) else "indicators/school.html"
    return _render(request, template, context)


# --------------------------------------------------------------------------- methodology


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404("Страница не найдена")


def _may_replace(user: Any, catalog: Catalog) -> str | None:
    """Why ``user`` may not replace an existing catalog by an upload, or None."""
    if catalog.origin == Catalog.Origin.BUILTIN:
        return (
            f"Каталог «{catalog.code}» встроенный: его нельзя заменить загрузкой. "
            "Дайте своему каталогу другой код (поле catalog)."
        )
    if user.is_superuser or user.role == Role.REGIONAL_ANALYST or catalog.uploaded_by_id == user.pk:
        return None
    return (
        f"Каталог «{catalog.code}» загрузил другой пользователь: заменить его может он сам "
        "или аналитик регионального центра. Дайте своему каталогу другой код."
    )


@require_http_methods(["GET", "POST"])
@login_required
def catalog_upload(request: HttpRequest) -> HttpResponse:
    """Upload a catalog (a YAML file or its text): every problem is listed in Russian and
    nothing is saved unless the whole catalog is valid."""
    from msoko.indicators.catalog import load_text
    from msoko.indicators.spec import SpecError, parse_catalog

    user = current_user(request)
    _require(can_edit_methodology(user))
    form = CatalogUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["catalog_text"]
        try:
            probe = parse_catalog(text)
            existing = Catalog.objects.filter(code=probe.code).first()
            refusal = _may_replace(user, existing) if existing else None
            if refusal:
                raise SpecError([refusal])
            catalog = load_text(text, file_name=form.cleaned_data["file_name"], user=user)
        except SpecError as exc:
            problems = list(exc.problems)
        else:
            count = catalog.indicators.count()
            messages.success(
                request,
                f"Каталог «{catalog.name}» сохранён: показателей — {count}. "
                "Чтобы посчитать значения, нажмите «Пересчитать».",
            )
            return redirect(reverse("indicators:catalog", args=[catalog.code]))
    return _render(
        request,
        "indicators/upload.html",
        {"form": form, "problems": problems, "uploaded": Catalog.objects.filter(origin=Catalog.Origin.UPLOADED)},
    )


def _norm_scope(user: Any) -> list[int | None]:
    """The territories whose norms apply to the user's territory, most specific first."""
    territory = editor_territory(user)
    if territory is None:
        return [None]
    chain: list[int | None] = [territory.pk]
    if territory.parent_id:
        chain.append(territory.parent_id)
    chain.append(None)
    return chain


@require_http_methods(["GET", "POST"])
@login_required
def norms(request: HttpRequest, code: str) -> HttpResponse:
    """The territory's norms of a catalog's indicators, beside the norms of the document."""
    user = current_user(request)
    _require(can_edit_methodology(user))
    catalog = _active_catalog(code)
    territory = editor_territory(user)
    defs = _definitions(catalog)
    by_code = {d.code: d for d in defs}
    bound: NormForm | None = None
    if request.method == "POST":
        if request.POST.get("delete"):
            norm = get_object_or_404(
                Norm,
                pk=_int(request.POST.get("delete")),
                indicator__catalog=catalog,
                territory=territory,
            )
            norm.delete()
            messages.success(request, f"Норма показателя «{norm.indicator.name}» удалена.")
            return redirect(reverse("indicators:norms", args=[catalog.code]) + f"#{norm.indicator.code}")
        bound = NormForm(request.POST)
        if bound.is_valid() and bound.cleaned_data["indicator"] in by_code:
            data = bound.cleaned_data
            d = by_code[data["indicator"]]
            Norm.objects.update_or_create(
                indicator=d,
                territory=territory,
                year=data["year"],
                defaults={
                    "reference": data["reference"],
                    "value": data["value"],
                    "comment": data["comment"],
                    "set_by": user,
                },
            )
            messages.success(
                request,
                f"Норма показателя «{d.name}» сохранена. Цвета пересчитываются сразу; "
                "значения пересчитывать не нужно.",
            )
            return redirect(reverse("indicators:norms", args=[catalog.code]) + f"#{d.code}")
    chain = _norm_scope(user)
    rows: dict[str, list[Norm]] = defaultdict(list)
    for n in (
        Norm.objects.filter(indicator__in=defs)
        .select_related("territory", "indicator")
        .order_by("territory_id", "year")
    ):
        if n.territory_id in chain:
            rows[n.indicator.code].append(n)
    items = []
    for d in defs:
        form = (
            bound
            if bound is not None and bound.data.get("indicator") == d.code
            else NormForm(initial={"indicator": d.code}, auto_id=f"id_{d.pk}_%s")
        )
        items.append(
            {
                "indicator": d,
                "spec_norm": describe_spec_norm(d.spec),
                "norms": [
                    {
                        "norm": n,
                        "own": n.territory_id == (territory.pk if territory else None),
                        "where": n.territory.name if n.territory else "для всех территорий",
                        "text": format_value(n.value, d.unit)
                        if n.reference == Norm.Reference.VALUE
                        else n.get_reference_display(),
                    }
                    for n in rows.get(d.code, [])
                ],
                "form": form,
            }
        )
    return _render(
        request,
        "indicators/norms.html",
        {"catalog": catalog, "territory": territory, "items": items},
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Не найдено") from None


@dataclass
class Target:
    """Whose values a user enters: a territory or one organisation."""

    territory: Territory | None = None
    organisation: Organisation | None = None

    @property
    def level(self) -> str:
        if self.organisation is not None:
            return "school"
        return str(self.territory.kind) if self.territory else ""

    @property
    def name(self) -> str:
        if self.organisation is not None:
            return self.organisation.short_name
        return self.territory.name if self.territory else ""

    def values(self) -> QuerySet[EnteredValue]:
        if self.organisation is not None:
            return EnteredValue.objects.filter(organisation=self.organisation)
        return EnteredValue.objects.filter(territory=self.territory, organisation__isnull=True)


def entry_target(user: Any) -> Target:
    if can_edit_methodology(user):
        return Target(territory=editor_territory(user))
    org = policy.get_organisation_for_user(user, user.organisation_id, for_edit=True)
    return Target(organisation=org)


@require_http_methods(["GET", "POST"])
@login_required
def entered_values(request: HttpRequest, code: str) -> HttpResponse:
    """Values of the catalog's hand-entered indicators for the user's territory or school;
    saving one recomputes that catalog and year in the background."""
    user = current_user(request)
    _require(can_enter_values(user))
    catalog = _active_catalog(code)
    target = entry_target(user)
    _require(target.territory is not None or target.organisation is not None)
    defs = [
        d
        for d in _definitions(catalog)
        if d.spec.get("formula", {}).get("kind") == "entered" and target.level in (d.levels or [])
    ]
    by_code = {d.code: d for d in defs}
    bound: EnteredValueForm | None = None
    if request.method == "POST":
        if request.POST.get("delete"):
            entry = get_object_or_404(
                target.values().filter(indicator__catalog=catalog), pk=_int(request.POST.get("delete"))
            )
            year = entry.year
            entry.delete()
            job = _start_compute(user, [catalog.code], [year], trigger="web:entered")
            messages.success(request, f"Значение удалено; показатели за {year}/{year + 1} пересчитываются.")
            return redirect(reverse("indicators:job", args=[job.pk]))
        bound = EnteredValueForm(request.POST)
        if bound.is_valid() and bound.cleaned_data["indicator"] in by_code:
            data = bound.cleaned_data
            d = by_code[data["indicator"]]
            with transaction.atomic():
                EnteredValue.objects.update_or_create(
                    indicator=d,
                    territory=target.territory,
                    organisation=target.organisation,
                    year=data["year"],
                    defaults={"value": data["value"], "comment": data["comment"], "entered_by": user},
                )
                job = _start_compute(user, [catalog.code], [data["year"]], trigger="web:entered")
            messages.success(
                request,
                f"Значение показателя «{d.name}» сохранено; показатели каталога "
                f"за {data['year']}/{data['year'] + 1} пересчитываются.",
            )
            return redirect(reverse("indicators:job", args=[job.pk]))
    existing: dict[str, list[EnteredValue]] = defaultdict(list)
    for entry in target.values().filter(indicator__in=defs).select_related("indicator").order_by("-year"):
        existing[entry.indicator.code].append(entry)
    items = []
    for d in defs:
        form = (
            bound
            if bound is not None and bound.data.get("indicator") == d.code
            else EnteredValueForm(initial={"indicator": d.code}, auto_id=f"id_{d.pk}_%s")
        )
        items.append(
            {
                "indicator": d,
                "form": form,
                "values": [
                    {"entry": e, "text": format_value(e.value, d.unit)} for e in existing.get(d.code, [])
                ],
                "choices": _value_choices(d.unit),
            }
        )
    return _render(
        request,
        "indicators/entered.html",
        {"catalog": catalog, "target": target, "items": items},
    )


def _value_choices(unit: str) -> list[tuple[str, str]] | None:
    """Fixed values of a unit (yes / no; implementation buckets), else None (a number)."""
    if unit == "yes_no":
        return [("1", "да"), ("0", "нет")]
    if unit == "bucket":
        return [(f"{v:g}", label) for v, label in BUCKET_LABELS.items()]
    return None


# --------------------------------------------------------------------------- recomputation


def _start_compute(user: Any, catalogs: list[str] | None, years: list[int] | None, *, trigger: str) -> Job:
    names = ", ".join(catalogs) if catalogs else "все каталоги"
    when = ", ".join(f"{y}/{y + 1}" for y in years) if years else "все годы"
    return start_job(
        handler=COMPUTE_HANDLER,
        title=f"Расчёт показателей ({names}; {when})",
        params={"catalogs": catalogs, "years": years, "trigger": trigger},
        user=user,
    )


def compute_job(
    ctx: JobContext,
    *,
    catalogs: list[str] | None = None,
    years: list[int] | None = None,
    trigger: str = "web",
) -> dict[str, Any]:
    """The job behind «Пересчитать»: ``compute`` with its progress on the job page."""
    from msoko.indicators.compute import compute

    steps = 0

    def progress(message: str) -> None:
        nonlocal steps
        steps += 1
        ctx.progress(steps, message)

    known = set(Catalog.objects.filter(is_active=True).values_list("code", flat=True))
    wanted = [c for c in catalogs if c in known] if catalogs else None
    result = compute(
        catalogs=wanted,
        years=years,
        trigger=trigger,
        user=ctx.job.created_by,
        progress=progress,
    )
    return {
        "run_id": result.run.pk,
        "rows": result.rows,
        "seconds": round(result.seconds, 2),
        "catalogs": list(result.run.catalogs),
        "years": list(result.run.years),
    }


@require_POST
@login_required
def recompute(request: HttpRequest) -> HttpResponse:
    """«Пересчитать»: every catalog (or one) and every year (or one), in the background."""
    user = current_user(request)
    _require(can_edit_methodology(user))
    code = request.POST.get("catalog") or None
    catalogs = [_active_catalog(code).code] if code else None
    year = request.POST.get("year") or None
    years = [_int(year)] if year else None
    job = _start_compute(user, catalogs, years, trigger="web")
    return redirect(reverse("indicators:job", args=[job.pk]))


@require_GET
@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """A computation job's progress (polled by htmx), seen only by whoever started it."""
    user: User = current_user(request)
    try:
        job = Job.objects.get(pk=pk, handler=COMPUTE_HANDLER)
    except Job.DoesNotExist:
        raise Http404("Задание не найдено") from None
    if job.created_by_id != user.pk and not user.is_superuser:
        raise Http404("Задание не найдено")
    catalogs: Iterable[str] = job.params.get("catalogs") or []
    context = {
        "job": job,
        "result": job.result,
        "catalogs": list(Catalog.objects.filter(code__in=list(catalogs))),
    }
    template = "indicators/_job.html" if is_htmx(request) else "indicators/job.html"
    return _render(request, template, context)
