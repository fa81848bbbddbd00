"""Catalog exports in the seed's table form, read back: XLSX with openpyxl, DOCX with
python-docx; figures checked against the hand-worked values of ``test_indicator_pages``;
every export audited; nothing of school A reaches school B's administrator."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from msoko.access.models import AuditLog
from tests.conftest import client_for
from tests.test_indicator_pages import load_and_compute

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADER = [
    "Показатель",
    "Норма по показателю",
    "Фактический показатель",
    "Динамика",
    None,
    "Источник данных",
    "Способ сбора",
    "Основание нормы",
]
SUBHEADER = [None, None, None, "изменение к прошлому году", "положительная динамика (есть / нет)", None, None, None]


@pytest.fixture
def computed(facts: Any) -> Any:
    return load_and_compute(facts)


def sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(ws.iter_rows(values_only=True))


def body(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    at = [r[0] for r in rows].index("Показатель")
    assert list(rows[at]) == HEADER
    assert list(rows[at + 1]) == SUBHEADER
    return rows[at + 2 :]


def test_school_xlsx_in_the_seed_form(computed: Any) -> None:
    url = reverse("indicators:export_xlsx", args=["tpages"])
    response = client_for(computed.alice).get(url, {"org": computed.school_a.pk, "year": 2024})
    rows = sheet(response)
    assert rows[0][0] == "Показатели: Тестовый каталог показателей"
    assert rows[1][0] == "Организация: МБОУ СОШ № 1 (Энский район)"
    assert rows[2][0] == "2024/2025 учебный год"
    assert rows[3][0] == "Проверочный документ (для тестов)"
    assert body(rows) == [
        ("ГИА-9", None, None, None, None, None, None, None),
        # 0 of 4 «2»; no ОГЭ in математика last year
        ("Доля отметок «2» на ОГЭ (Математика)", 10.0, 0.0, None, None, "РЦОИ", "Количество / %, отчёт ОО", "норма по документу"),
        # 1 of 4 = 25 %, last year 0 of 2: +25 points, no positive dynamics
        ("Доля отметок «2» на ОГЭ (Русский язык)", 10.0, 25.0, 25.0, "нет", "РЦОИ", "Количество / %, отчёт ОО", "норма по документу"),
        # mean 16 / 4 = 4.00 against the municipality's 31 / 9 = 3.44
        ("Средняя отметка на ОГЭ (Математика)", 3.44, 4.0, None, None, "РЦОИ", "Числовое значение", "среднее по муниципалитету"),
        # mean 15 / 4 = 3.75 against 27 / 9 = 3.00; last year 3.00: +0.75, positive dynamics
        ("Средняя отметка на ОГЭ (Русский язык)", 3.0, 3.75, 0.75, "есть", "РЦОИ", "Числовое значение", "среднее по муниципалитету"),
        ("ГИА-11", None, None, None, None, None, None, None),
        # two results each: fewer than 3, hidden; the norm is the municipality's 2 of 3 and 1 of 5
        ("Доля не преодолевших минимальный порог ЕГЭ (Математика (профильный уровень))", 66.7, "скрыто (менее 3)", None, None, None, None, "среднее по муниципалитету"),
        ("Доля не преодолевших минимальный порог ЕГЭ (Русский язык)", 20.0, "скрыто (менее 3)", None, None, None, None, "среднее по муниципалитету"),
        ("Управление", None, None, None, None, None, None, None),
        ("Наличие плана повышения качества", None, "нет данных", None, None, "сайт ОО", "Наличие / Отсутствие, сайт ОО", None),
    ]
    entry = AuditLog.objects.get(action="export")
    assert entry.actor == computed.alice and entry.model == "indicators.Catalog"
    assert entry.changes == {
        "export": "indicator_catalog",
        "format": "xlsx",
        "catalog": "tpages",
        "year": 2024,
        "level": "school",
        "entity": computed.school_a.pk,
        "rows": 7,
    }
    assert "tpages_A1_2024.xlsx" in response["Content-Disposition"]


def test_municipality_docx_landscape_with_the_same_table(computed: Any) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT

    response = client_for(computed.bob).get(
        reverse("indicators:export_docx", args=["tpages"]),
        {"territory": computed.municipality.pk, "year": 2024},
    )
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    doc = Document(io.BytesIO(response.content))
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "Показатели: Тестовый каталог показателей"
    assert paragraphs[1] == "Муниципалитет: Энский район. 2024/2025 учебный год."
    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][:4] == ["Показатель", "Норма по показателю", "Фактический показатель", "Динамика"]
    # a territory's table adds the change over the schools present in both years
    assert cells[1][3:6] == [
        "изменение к прошлому году",
        "положительная динамика (есть / нет)",
        "в т. ч. по школам, участвовавшим в оба года",
    ]
    assert cells[2] == ["ГИА-9"] * 9  # a merged section row
    by_name = {row[0]: row for row in cells[2:]}
    # 4 of 9 «2» in русский (44,4 %), last year 0 of 2: +44,4 points; Wilson interval 18,9–73,3.
    # Only A1 wrote it both years: 0 of 2, then 1 of 4 — +25,0 points over the same schools
    assert by_name["Доля отметок «2» на ОГЭ (Русский язык)"][1:6] == [
        "10,0\u00a0%",
        "44,4\u00a0% (95\u00a0% ДИ: 18,9–73,3\u00a0%)",
        "+44,4\u00a0п.\u00a0п.",
        "нет",
        "+25,0\u00a0п.\u00a0п.",
    ]
    # mean of математика 31 / 9 against the region (the same nine pupils)
    assert by_name["Средняя отметка на ОГЭ (Математика)"][1:3] == ["3,44", "3,44"]
    # ЕГЭ профильная математика: 2 of 3 below 27
    assert by_name["Доля не преодолевших минимальный порог ЕГЭ (Математика (профильный уровень))"][2].startswith("66,7\u00a0%")
    entry = AuditLog.objects.get(action="export")
    assert entry.actor == computed.bob and entry.changes["format"] == "docx"
    assert entry.changes["level"] == "municipality" and entry.changes["entity"] == computed.municipality.pk


def test_default_export_is_the_users_own_table(computed: Any) -> None:
    rows = sheet(client_for(computed.charlie).get(reverse("indicators:export_xlsx", args=["tpages"])))
    assert rows[1][0] == "Организация: МБОУ СОШ № 2 (Энский район)"
    flat = " ".join(str(c) for r in rows for c in r if c is not None)
    assert "МБОУ СОШ № 1" not in flat and "3.75" not in flat
    data = {r[0]: r for r in body(rows)}
    assert data["Доля отметок «2» на ОГЭ (Русский язык)"][2] == 60.0  # 3 of 5
    assert data["Доля не преодолевших минимальный порог ЕГЭ (Русский язык)"][2] == 33.3  # 1 of 3
    bob = sheet(client_for(computed.bob).get(reverse("indicators:export_xlsx", args=["tpages"])))
    assert bob[1][0] == "Муниципалитет: Энский район"


def test_exports_follow_the_access_policy(computed: Any) -> None:
    for fmt in ("export_xlsx", "export_docx"):
        url = reverse(f"indicators:{fmt}", args=["tpages"])
        charlie = client_for(computed.charlie)
        assert charlie.get(url, {"org": computed.school_a.pk}).status_code == 404
        assert charlie.get(url, {"territory": computed.other_municipality.pk}).status_code == 404
        assert charlie.get(url, {"territory": "x"}).status_code == 404
        # a school's own user may print the municipality the page shows beside the school
        assert charlie.get(url, {"territory": computed.municipality.pk}).status_code == 200
        bob = client_for(computed.bob)
        assert bob.get(url, {"org": computed.school_far.pk}).status_code == 404
        assert bob.get(url, {"territory": computed.other_municipality.pk}).status_code == 404
        assert bob.get(url, {"org": computed.school_b.pk}).status_code == 200
        assert bob.get(reverse(f"indicators:{fmt}", args=["nope"])).status_code == 404
    # refused exports are not audited; the four that were served are
    assert AuditLog.objects.filter(action="export").count() == 4


def test_export_of_another_year(computed: Any) -> None:
    rows = sheet(
        client_for(computed.alice).get(
            reverse("indicators:export_xlsx", args=["tpages"]), {"org": computed.school_a.pk, "year": 2023}
        )
    )
    data = {r[0]: r for r in body(rows)}
    # 2023/2024: русский 3, 3 — no «2», mean 3.00; no earlier year
    assert data["Доля отметок «2» на ОГЭ (Русский язык)"][2:5] == (0.0, None, None)
    assert data["Средняя отметка на ОГЭ (Русский язык)"][2] == 3.0
    assert "Доля отметок «2» на ОГЭ (Математика)" not in data  # no ОГЭ in математика that year
