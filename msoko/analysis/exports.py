"""Exports of the analysis: the findings with their signals to XLSX, an analytical report
(аналитическая справка) to DOCX. Both show only what the user may see (``service.for_user``)
and each writes an audit row. No export ranks or names teachers."""

from __future__ import annotations

import io
import json
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from msoko.access import audit
from msoko.analysis import engine
from msoko.analysis.views import _report, current_user
from msoko.exports_safe import SafeWorkbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def _error(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _sheet(ws: Worksheet, title: str, lines: list[str], headers: list[str]) -> None:
    ws.append([title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    for line in lines:
        ws.append([line])
    ws.append([])
    ws.append(headers)
    row = ws.max_row
    for col in range(1, len(headers) + 1):
        cell = ws.cell(row=row, column=col)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{row + 1}"


def _widths(ws: Worksheet) -> None:
    for col in range(1, ws.max_column + 1):
        longest = max(
            (len(str(ws.cell(row=r, column=col).value or "")) for r in range(5, ws.max_row + 1)),
            default=8,
        )
        ws.column_dimensions[get_column_letter(col)].width = min(max(10, longest + 2), 70)


def _lines(user: Any, report: dict[str, Any]) -> list[str]:
    now = timezone.localtime()
    who = user.get_full_name() or user.get_username()
    y = report["year"]
    return [
        f"{report['territory']['name']}, {y}/{y + 1} учебный год",
        f"Выгружено {now:%d.%m.%Y %H:%M}, пользователь: {who}",
        f"Методика: {report['methodology_fingerprint']} (параметры — в руководстве «Анализ результатов»)",
    ]


def _year_label(year: Any) -> str:
    return f"{year}/{int(year) + 1}" if year else ""


def _audit(user: Any, fmt: str, report: dict[str, Any]) -> None:
    audit.record(
        "export",
        model="analysis",
        object_id=report["territory"]["id"],
        object_repr=f"Анализ результатов ({fmt}): {report['territory']['name']}, {report['year']}",
        changes={
            "format": fmt,
            "year": report["year"],
            "findings": len(report["findings"]),
            "schools": [s["code"] for s in report["schools"]],
        },
        actor=user,
    )


@require_GET
@login_required
def findings_xlsx(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    _territory, report, error = _report(request)
    if report is None:
        return _error(error)
    wb = SafeWorkbook()
    ws = cast(Worksheet, wb.active)
    ws.title = "Находки"
    _sheet(
        ws,
        "Анализ результатов: находки",
        _lines(user, report),
        ["Код ОО", "Организация", "Находка", "Учебный год", "Почему"],
    )
    for f in report["findings"]:
        ws.append([f["code"], f["name"], f["title"], _year_label(f["year"]), f["text"]])
    _widths(ws)
    ws2 = cast(Worksheet, wb.create_sheet("Признаки и показатели"))
    _sheet(
        ws2,
        "Признаки и показатели каждой находки",
        _lines(user, report),
        ["Код ОО", "Находка", "Признак / показатель", "Сработал", "Пояснение", "Цифры"],
    )
    for f in report["findings"]:
        for s in f["signals"]:
            fired = "да" if s["fired"] else ("не оценивался" if s["fired"] is None else "нет")
            ws2.append(
                [
                    f["code"],
                    f["title"],
                    s["name"],
                    fired,
                    s.get("text", ""),
                    json.dumps(s["figures"], ensure_ascii=False),
                ]
            )
    _widths(ws2)
    ws3 = cast(Worksheet, wb.create_sheet("Школы"))
    _sheet(
        ws3,
        "Индексы контекста и результатов, кластеры",
        _lines(user, report),
        [
            "Код ОО",
            "Организация",
            "Сельская",
            "Индекс контекста",
            "Индекс результатов",
            "Ожидаемый по контексту",
            "Остаток (ст. откл.)",
            "Кластер",
        ],
    )
    for s in report["schools"]:
        ws3.append(
            [
                s["code"],
                s["name"],
                "да" if s["rural"] else "нет",
                s["context"],
                s["results"],
                s["expected"],
                s["residual"],
                s["cluster"],
            ]
        )
    _widths(ws3)
    content = wb.to_bytes()
    _audit(user, "xlsx", report)
    name = f"analysis-{report['territory']['code']}-{report['year']}.xlsx"
    return HttpResponse(
        content,
        content_type=XLSX,
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )


@require_GET
@login_required
def findings_docx(request: HttpRequest) -> HttpResponse:
    from docx import Document

    user = current_user(request)
    _territory, report, error = _report(request)
    if report is None:
        return _error(error)
    doc = Document()
    y = report["year"]
    doc.add_heading("Аналитическая справка по результатам анализа", level=1)
    for line in _lines(user, report):
        doc.add_paragraph(line)
    doc.add_paragraph(
        "Справка перечисляет школы, выявленные по правилам методики, и для каждой — "
        "признаки и цифры, на которых основан вывод. Правила, пороги и их источники — в "
        "руководстве пользователя «Анализ результатов»."
    )
    for code, title in engine.FINDINGS.items():
        items = [f for f in report["findings"] if f["finding"] == code]
        doc.add_heading(f"{title}: {len(items)}", level=2)
        if not items:
            doc.add_paragraph("Не выявлено.")
            continue
        for f in items:
            year = f" ({_year_label(f['year'])})" if f["year"] else ""
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"{f['name']} ({f['code']}){year}. ").bold = True
            p.add_run(f["text"])
            for s in f["signals"]:
                if s["fired"] and s.get("text"):
                    doc.add_paragraph(f"{s['name']}: {s['text']}", style="List Bullet 2")
    clusters = report["clusters"]
    if clusters.get("k"):
        doc.add_heading("Кластеры школ", level=2)
        doc.add_paragraph(
            f"Школы сгруппированы методом k-средних по индексам социального контекста и "
            f"результатов; число кластеров {clusters['k']} выбрано по наибольшему "
            "коэффициенту силуэта."
        )
        for c in clusters["clusters"]:
            doc.add_paragraph(
                f"Кластер {c['cluster']}: {c['description']}; школ {c['size']}, "
                f"сельских {c['rural_pct']} %.",
                style="List Bullet",
            )
    factors = report["factors"]
    if factors.get("fitted"):
        doc.add_heading("Факторы, связанные с результатами", level=2)
        for row in factors["coefficients"]:
            doc.add_paragraph(row["text"], style="List Bullet")
        doc.add_paragraph(factors["caution"])
    doc.add_paragraph(f"Результаты ВПР не используются для оценки отдельных учителей. {y}/{y + 1}.")
    buffer = io.BytesIO()
    doc.save(buffer)
    _audit(user, "docx", report)
    name = f"analysis-{report['territory']['code']}-{report['year']}.docx"
    return HttpResponse(
        buffer.getvalue(),
        content_type=DOCX,
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )
