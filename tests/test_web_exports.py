"""XLSX exports read back with openpyxl; each export writes an audit row."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from msoko.access.models import AuditLog
from tests.conftest import client_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table(response: Any, first_header: str) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """The header and the data rows of the only sheet."""
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    at = [row[0] for row in rows].index(first_header)
    return list(rows[at]), rows[at + 1 :]


def test_organisation_list_export(world: Any) -> None:
    response = client_for(world.bob).get(reverse("organisation_list_export"))
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    header, rows = table(response, "Муниципалитет")
    assert header[:4] == ["Муниципалитет", "Краткое наименование", "Полное наименование", "Тип"]
    assert [(r[1], r[5], r[6], r[9]) for r in rows] == [
        ("МБОУ СОШ № 1", "Городская", "нет", "7000000001"),
        ("МБОУ СОШ № 2", "Сельская", "нет", None),
    ]


def test_organisation_list_export_keeps_the_filter_and_is_audited(world: Any) -> None:
    response = client_for(world.bob).get(reverse("organisation_list_export"), {"locality": "rural"})
    _, rows = table(response, "Муниципалитет")
    assert [r[1] for r in rows] == ["МБОУ СОШ № 2"]
    entry = AuditLog.objects.get(action="export")
    assert entry.actor == world.bob
    assert entry.model == "registry.Organisation"
    assert entry.changes == {
        "export": "organisation_list",
        "format": "xlsx",
        "rows": 1,
        "filters": {"locality": "rural"},
    }


def test_results_export(facts: Any) -> None:
    response = client_for(facts.alice).get(
        reverse("organisation_results_export", args=[facts.school_a.pk])
    )
    header, rows = table(response, "Процедура")
    assert header[:6] == [
        "Процедура",
        "Учебный год",
        "Предмет",
        "Класс",
        "Результатов",
        "Участников",
    ]
    col = {name: i for i, name in enumerate(header)}
    by_work = {(r[col["Процедура"]], r[col["Учебный год"]], r[col["Предмет"]]): r for r in rows}
    oge = by_work[("ОГЭ", "2024/2025", "Русский язык")]
    assert oge[col["Результатов"]] == 4
    assert [oge[col[f"Отметка «{m}»"]] for m in (2, 3, 4, 5)] == [1, 0, 2, 1]
    assert oge[col["Средняя отметка"]] == pytest.approx(3.75)
    assert oge[col["Доля «2», %"]] == pytest.approx(25.0)
    ege = by_work[("ЕГЭ", "2024/2025", "Математика (профильный уровень)")]
    assert ege[col["Средний тестовый балл"]] == pytest.approx(51.0)
    assert ege[col["Минимальный порог"]] == 27
    assert ege[col["Не преодолели порог"]] == 1
    assert ege[col["Не преодолели порог, %"]] == pytest.approx(50.0)
    vpr = by_work[("ВПР", "2024/2025", "Математика")]
    assert vpr[col["Класс"]] == 5
    assert vpr[col["Понизили отметку по журналу, %"]] == pytest.approx(25.0)
    assert vpr[col["Подтвердили, %"]] == pytest.approx(75.0)
    assert ("ОГЭ", "2023/2024", "Русский язык") in by_work
    entry = AuditLog.objects.get(action="export")
    assert entry.actor == facts.alice
    assert entry.object_id == str(facts.school_a.pk)
    assert entry.changes["export"] == "organisation_results"
    assert entry.changes["rows"] == len(rows)


def test_a_refused_export_writes_no_audit_row(facts: Any) -> None:
    response = client_for(facts.charlie).get(
        reverse("organisation_results_export", args=[facts.school_a.pk])
    )
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="export").exists()
