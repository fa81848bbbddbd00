"""XLSX exports: the organisation list and one school's results summary.

Both go through the permission policy, as the pages do, and each writes an audit row
(``msoko.access.audit.record("export", ...)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from msoko.access import audit, policy
from msoko.exports_safe import SafeWorkbook
from msoko.facts import summary
from msoko.web import results
from msoko.web.forms import OrganisationFilterForm
from msoko.web.views import current_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
PERCENT = "0.0"
MEAN = "0.00"

ORGANISATION_COLUMNS = [
    "Муниципалитет",
    "Краткое наименование",
    "Полное наименование",
    "Тип",
    "Уровень образования",
    "Местность",
    "Малокомплектная",
    "Углублённое изучение / профиль",
    "Код",
    "ИНН",
    "ОГРН",
    "Адрес",
    "Сайт",
    "Действует",
]

RESULT_COLUMNS: list[tuple[str, str | None]] = [
    # (header, number format)
    ("Процедура", None),
    ("Учебный год", None),
    ("Предмет", None),
    ("Класс", None),
    ("Результатов", None),
    ("Участников", None),
    ("Отметка «2»", None),
    ("Отметка «3»", None),
    ("Отметка «4»", None),
    ("Отметка «5»", None),
    ("Средняя отметка", MEAN),
    ("Доля «2», %", PERCENT),
    ("Доля «4» и «5», %", PERCENT),
    ("Средний тестовый балл", MEAN),
    ("Минимальный порог", None),
    ("Не преодолели порог", None),
    ("Не преодолели порог, %", PERCENT),
    ("Зачёт", None),
    ("Зачёт, %", PERCENT),
    ("Понизили отметку по журналу, %", PERCENT),
    ("Подтвердили, %", PERCENT),
    ("Повысили, %", PERCENT),
]


def _yes_no(value: bool) -> str:
    return "да" if value else "нет"


def _sheet_header(ws: Worksheet, title: str, lines: Sequence[str], headers: Sequence[str]) -> int:
    """A title, a few lines of context and a bold header row; returns the header's row number."""
    ws.append([title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    for line in lines:
        ws.append([line])
    ws.append([])
    ws.append(list(headers))
    header_row = ws.max_row
    for col in range(1, len(headers) + 1):
        cell = ws.cell(row=header_row, column=col)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{header_row + 1}"
    return header_row


def _widths(ws: Worksheet, header_row: int) -> None:
    for col in range(1, ws.max_column + 1):
        longest = max(
            (
                len(str(ws.cell(row=r, column=col).value or ""))
                for r in range(header_row, ws.max_row + 1)
            ),
            default=8,
        )
        ws.column_dimensions[get_column_letter(col)].width = min(max(10, longest + 2), 60)


def _response(wb: SafeWorkbook, filename: str) -> HttpResponse:
    return HttpResponse(
        wb.to_bytes(),
        content_type=XLSX,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def _context_lines(user: Any) -> list[str]:
    now = timezone.localtime()
    who = user.get_full_name() or user.get_username()
    return [f"Выгружено {now:%d.%m.%Y %H:%M}, пользователь: {who}"]


@require_GET
@login_required
def organisation_list_xlsx(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = OrganisationFilterForm(request.GET, user=user)
    orgs = form.organisations()
    wb = SafeWorkbook()
    ws = cast(Worksheet, wb.active)
    ws.title = "Организации"
    header_row = _sheet_header(
        ws, "Образовательные организации", _context_lines(user), ORGANISATION_COLUMNS
    )
    for org in orgs:
        ws.append(
            [
                org.territory.name,
                org.short_name,
                org.full_name,
                org.get_kind_display(),
                org.get_school_level_display() if org.school_level else "",
                org.get_locality_display(),
                _yes_no(org.is_small),
                org.advanced_profile,
                org.code,
                org.inn,
                org.ogrn,
                org.address,
                org.website,
                _yes_no(org.is_active),
            ]
        )
    _widths(ws, header_row)
    audit.record(
        "export",
        model="registry.Organisation",
        object_repr="Список образовательных организаций (XLSX)",
        changes={
            "export": "organisation_list",
            "format": "xlsx",
            "rows": len(orgs),
            "filters": form.filters(),
        },
        actor=user,
    )
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    return _response(wb, f"Организации_{stamp}.xlsx")


def result_cells(row: dict[str, Any]) -> list[Any]:
    """One row of the results sheet (see ``RESULT_COLUMNS``)."""
    journal = row["journal"]
    marked = row["marked"]

    def pct(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    def mean(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return [
        row["procedure_name"],
        f"{row['year']}/{row['year'] + 1}",
        row["subject_name"],
        row.get("grade"),
        row["rows"],
        row["students"],
        *([row["marks"][m] for m in summary.MARKS] if marked else [None] * 4),
        mean(row["mean_mark"]),
        pct(row["share_2"]),
        pct(row["share_4_5"]),
        mean(row["mean_test_score"]),
        row.get("threshold"),
        row.get("below_threshold") if row.get("threshold") else None,
        pct(row.get("share_below_threshold")) if row.get("threshold") else None,
        row["passed"] if row["pass_known"] else None,
        pct(row["share_passed"]),
        pct(journal["share_lowered"]),
        pct(journal["share_confirmed"]),
        pct(journal["share_raised"]),
    ]


@require_GET
@login_required
def organisation_results_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    org = policy.get_organisation_for_user(user, pk)
    rows = results.label_rows(summary.results_summary(results.organisation_scope(user, org)))
    wb = SafeWorkbook()
    ws = cast(Worksheet, wb.active)
    ws.title = "Результаты"
    header_row = _sheet_header(
        ws,
        f"Результаты оценочных процедур: {org.short_name}",
        [org.full_name, f"Код: {org.code}", *_context_lines(user)],
        [header for header, _ in RESULT_COLUMNS],
    )
    for row in rows:
        ws.append(result_cells(row))
        for col, (_, number_format) in enumerate(RESULT_COLUMNS, start=1):
            if number_format:
                ws.cell(row=ws.max_row, column=col).number_format = number_format
    _widths(ws, header_row)
    audit.record(
        "export",
        model="registry.Organisation",
        object_id=org.pk,
        object_repr=f"Результаты: {org.short_name} (XLSX)",
        changes={"export": "organisation_results", "format": "xlsx", "rows": len(rows)},
        actor=user,
    )
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    return _response(wb, f"Результаты_{org.code}_{stamp}.xlsx")
