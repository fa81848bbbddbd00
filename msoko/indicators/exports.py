"""Exports of a catalog in the seed's own table form (seed 000: «Показатель», «Норма по
показателю», «Фактический показатель»; seed 003: the dynamics, «Наличие динамики /
Отсутствие», the data source and the collection method), grouped by section, for one
organisation or territory and one year: XLSX (openpyxl) and DOCX (python-docx, landscape).

Both read values as the pages do (``views.indicator_table`` over ``api.readings`` with an
``OrgScope`` from the policy), load organisations through ``get_organisation_for_user``
(404 otherwise) and write an audit row.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from msoko.access import audit, policy
from msoko.exports_safe import SafeWorkbook
from msoko.facts.store import OrgScope
from msoko.indicators import api
from msoko.indicators.forms import YearForm
from msoko.indicators.models import Catalog
from msoko.indicators.views import (
    Entity,
    _active_catalog,
    _definitions,
    _has_tasks,
    _org_entity,
    current_user,
    default_level,
    indicator_table,
    make_plan,
    scoped_readings,
    subject_names,
)
from msoko.registry.models import Territory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
SECTION_FILL = PatternFill("solid", fgColor="EEF2F7")
THIN = Side(style="thin", color="9AA5B1")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# (header, sub-header under «Динамика», column width)
COLUMNS: list[tuple[str, str, int]] = [
    ("Показатель", "", 60),
    ("Норма по показателю", "", 14),
    ("Фактический показатель", "", 16),
    ("Динамика", "изменение к прошлому году", 15),
    ("Динамика", "положительная динамика (есть / нет)", 15),
    # territories only (``columns``): the change over the schools present in both years
    ("Динамика", "в т. ч. по школам, участвовавшим в оба года", 17),
    ("Источник данных", "", 24),
    ("Способ сбора", "", 26),
    ("Основание нормы", "", 24),
]
VALUE_FORMATS = {"percent": '0.0" %"', "bucket": '0.0" %"', "points": "0.00", "count": "0"}
CHANGE_FORMATS = {"percent": '+0.0" п. п.";-0.0" п. п.";0.0', "bucket": '+0.0" п. п.";-0.0" п. п.";0.0'}
TEXT_UNITS = {"yes_no", "bucket"}
SAME_SUB = "в т. ч. по школам, участвовавшим в оба года"


@dataclass
class Table:
    catalog: Catalog
    entity: Entity
    entity_line: str
    code: str
    year: int
    sections: list[dict[str, Any]]

    @property
    def title(self) -> str:
        return f"Показатели: {self.catalog.name}"

    @property
    def year_label(self) -> str:
        return f"{self.year}/{self.year + 1} учебный год"

    @property
    def territory(self) -> bool:
        return self.entity.level != "school"

    @property
    def columns(self) -> list[tuple[str, str, int]]:
        """The seed's columns; a territory's table adds its like-for-like change."""
        return COLUMNS if self.territory else [c for c in COLUMNS if c[1] != SAME_SUB]

    @property
    def lines(self) -> int:
        return sum(len(s["lines"]) for s in self.sections)


def _readable_territory_ids(user: Any) -> set[int]:
    """Territories whose aggregates the user may read: those the policy shows, and the
    municipality and region of the user's own organisations (shown beside a school)."""
    scope = OrgScope.for_user(user)
    ids = set(policy.visible_territories(user).values_list("pk", flat=True))
    if scope.org_ids:
        ids |= set(api.visibility(scope).territory_ids or ())
    return ids


def _entity(request: HttpRequest, user: Any) -> tuple[Entity, str, str]:
    """The organisation (``?org=``) or territory (``?territory=``) of an export, its line
    for the title and its code; by default what the user's dashboard shows first."""
    if request.GET.get("org"):
        org = policy.get_organisation_for_user(user, request.GET["org"])
        return _org_entity(org), f"Организация: {org.short_name} ({org.territory.name})", org.code
    if request.GET.get("territory"):
        try:
            pk = int(request.GET["territory"])
        except ValueError:
            raise Http404("Территория не найдена") from None
        if pk not in _readable_territory_ids(user):
            raise Http404("Территория не найдена")
        territory = Territory.objects.get(pk=pk)
        return _territory(territory)
    plan = make_plan(user, default_level(user), None)
    if plan.focus is None:
        raise Http404("Нечего выгружать")
    if plan.focus.level == "school":
        org = policy.get_organisation_for_user(user, plan.focus.pk)
        return plan.focus, f"Организация: {org.short_name} ({org.territory.name})", org.code
    return _territory(Territory.objects.get(pk=plan.focus.pk))


def _territory(territory: Territory) -> tuple[Entity, str, str]:
    kind = "Регион" if territory.kind == Territory.Kind.REGION else "Муниципалитет"
    entity = Entity(str(territory.kind), territory.pk, territory.name)
    return entity, f"{kind}: {territory.name}", territory.code


def build_table(request: HttpRequest, code: str) -> Table:
    user = current_user(request)
    catalog = _active_catalog(code)
    entity, line, entity_code = _entity(request, user)
    year = YearForm(request.GET or None).chosen_year()
    if year is None:
        raise Http404("Нет учебных лет")
    scope = OrgScope.for_user(user)
    if entity.level == "school":
        scope = OrgScope.of(scope.org_ids & {entity.pk})
    defs = _definitions(catalog)
    rows = scoped_readings(
        scope,
        year=year,
        codes=[d.code for d in defs if not _has_tasks(d)],
        level=entity.level,
        entities=[entity.pk],
        same_schools=entity.level != "school",
    )
    sections = indicator_table(defs, rows, None, subjects=subject_names(), year=year)
    return Table(catalog, entity, line, entity_code, year, sections)


def _audit(user: Any, table: Table, fmt: str) -> None:
    audit.record(
        "export",
        model="indicators.Catalog",
        object_id=table.catalog.pk,
        object_repr=f"Показатели «{table.catalog.name}»: {table.entity.name}, {table.year_label} ({fmt.upper()})",
        changes={
            "export": "indicator_catalog",
            "format": fmt,
            "catalog": table.catalog.code,
            "year": table.year,
            "level": table.entity.level,
            "entity": table.entity.pk,
            "rows": table.lines,
        },
        actor=user,
    )


def _filename(table: Table, ext: str) -> str:
    return f"Показатели_{table.catalog.code}_{table.code}_{table.year}.{ext}"


def _generated(user: Any) -> str:
    who = user.get_full_name() or user.get_username()
    return f"Выгружено {timezone.localtime():%d.%m.%Y %H:%M}, пользователь: {who}"


# --------------------------------------------------------------------------- cells


def xlsx_cells(line: dict[str, Any], *, territory: bool = False) -> list[Any]:
    """One indicator line as the XLSX writes it: numbers stay numbers (rounded as the page
    shows them), yes / no and implementation buckets are words."""
    unit = line["unit"]
    if unit in TEXT_UNITS:
        norm: Any = line["norm_text"] if line["norm"] is not None else None
        value: Any = line["value_text"]
    else:
        norm = line["norm_rounded"]
        value = line["rounded"] if line["has_value"] else line["value_text"]
    same = [line["change_same_schools_rounded"]] if territory else []
    return [
        line["label"],
        norm,
        value,
        line["change_rounded"],
        None if line["positive_dynamics"] is None else line["dynamics_text"],
        *same,
        line["data_source"] or None,
        line["collection_method"] or None,
        line["norm_label"] or None,
    ]


def docx_cells(line: dict[str, Any], *, territory: bool = False) -> list[str]:
    """The same line in Russian notation («25,0 %», «+25,0 п. п.»)."""
    value = line["value_text"]
    if line["ci_text"]:
        value = f"{value} ({line['ci_text']})"
    return [
        line["label"],
        line["norm_text"],
        value,
        line["change_text"],
        line["dynamics_text"],
        *([line["change_same_schools_text"]] if territory else []),
        line["data_source"],
        line["collection_method"],
        line["norm_label"],
    ]


# --------------------------------------------------------------------------- XLSX


def write_xlsx(table: Table, user: Any) -> bytes:
    wb = SafeWorkbook()
    ws = cast(Worksheet, wb.active)
    ws.title = "Показатели"
    columns = table.columns
    ws.append([table.title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    for text in (table.entity_line, table.year_label, table.catalog.source, _generated(user)):
        if text:
            ws.append([text])
    ws.append([])
    ws.append([header for header, _, _ in columns])
    top = ws.max_row
    ws.append([sub or None for _, sub, _ in columns])
    for col, (_header, sub, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        if not sub:
            ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
        for row in (top, top + 1):
            cell = ws.cell(row=row, column=col)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    dyn = [i for i, (h, _, _) in enumerate(columns, start=1) if h == "Динамика"]
    ws.merge_cells(start_row=top, start_column=dyn[0], end_row=top, end_column=dyn[-1])
    ws.freeze_panes = f"B{top + 2}"
    for section in table.sections:
        if section["name"]:
            ws.append([section["name"]])
            row = ws.max_row
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(columns))
            cell = ws.cell(row=row, column=1)
            cell.font = Font(bold=True)
            cell.fill = SECTION_FILL
        for line in section["lines"]:
            ws.append(xlsx_cells(line, territory=table.territory))
            row = ws.max_row
            unit = line["unit"]
            for col in range(1, len(columns) + 1):
                cell = ws.cell(row=row, column=col)
                cell.border = BORDER
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if unit not in TEXT_UNITS:
                fmt = VALUE_FORMATS.get(unit, "General")
                ws.cell(row=row, column=2).number_format = fmt
                ws.cell(row=row, column=3).number_format = fmt
            change_format = CHANGE_FORMATS.get(unit, "+0.00;-0.00;0.00")
            ws.cell(row=row, column=4).number_format = change_format
            if table.territory:
                ws.cell(row=row, column=6).number_format = change_format
    return wb.to_bytes()


@require_GET
@login_required
def catalog_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    user = current_user(request)
    table = build_table(request, code)
    content = write_xlsx(table, user)
    _audit(user, table, "xlsx")
    return HttpResponse(
        content,
        content_type=XLSX,
        headers={"Content-Disposition": content_disposition_header(True, _filename(table, "xlsx"))},
    )


# --------------------------------------------------------------------------- DOCX


def write_docx(table: Table, user: Any) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    columns = table.columns
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    doc.add_heading(table.title, level=1)
    doc.add_paragraph(f"{table.entity_line}. {table.year_label}.")
    if table.catalog.source:
        doc.add_paragraph(f"Источник: {table.catalog.source}")
    small = doc.add_paragraph(_generated(user))
    for run in small.runs:
        run.font.size = Pt(8)

    grid = doc.add_table(rows=2, cols=len(columns))
    grid.style = "Table Grid"
    for col, (_header, sub, _) in enumerate(columns):
        if sub:
            grid.cell(1, col).text = sub
        else:
            grid.cell(0, col).merge(grid.cell(1, col))
    dyn = [i for i, (h, _, _) in enumerate(columns) if h == "Динамика"]
    grid.cell(0, dyn[0]).merge(grid.cell(0, dyn[-1]))
    for col, (header, _sub, _) in enumerate(columns):
        if col not in dyn[1:]:
            grid.cell(0, col).text = header
    for row in grid.rows[:2]:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.bold = True
    for sec in table.sections:
        if sec["name"]:
            cells = grid.add_row().cells
            merged = cells[0].merge(cells[-1])
            merged.text = sec["name"]
            for run in merged.paragraphs[0].runs:
                run.font.bold = True
        for line in sec["lines"]:
            cells = grid.add_row().cells
            for cell, text in zip(cells, docx_cells(line, territory=table.territory), strict=True):
                cell.text = text
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@require_GET
@login_required
def catalog_docx(request: HttpRequest, code: str) -> HttpResponse:
    user = current_user(request)
    table = build_table(request, code)
    content = write_docx(table, user)
    _audit(user, table, "docx")
    return HttpResponse(
        content,
        content_type=DOCX,
        headers={"Content-Disposition": content_disposition_header(True, _filename(table, "docx"))},
    )
