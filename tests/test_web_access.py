"""Three personas on every page, API endpoint and export that shows an organisation's data:
alice (school A's administrator), bob (the municipal specialist), charlie (school B's
administrator, an outsider to school A). Nothing of school A may reach charlie.

School A's marks are its names, its ИНН and its figures (see ``test_web_helpers``): the
mean ЕГЭ score in Russian 84.5 and the mean ОГЭ mark in Russian 3.75; the municipality's
figures, which include school A (the mean ЕГЭ score in Russian 58.4), must not reach
charlie either.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from tests.conftest import client_for

SCHOOL_A_MARKS = ["МБОУ СОШ № 1", "Школа А", "7000000001", "84,5", "84.5", "3,75", "3.75"]
MUNICIPALITY_MARKS = ["58,4", "58.4"]
SCHOOL_B_MARKS = ["МБОУ СОШ № 2", "Школа Б"]
FAR_SCHOOL_MARKS = ["МБОУ СОШ № 9", "Школа соседей"]

# Pages, exports and API endpoints of one organisation: (url name, kind of response).
ORGANISATION_ENDPOINTS = [
    ("organisation_detail", "html"),
    ("organisation_results_export", "xlsx"),
    ("api_organisation", "json"),
    ("api_organisation_results", "json"),
]
# Pages, exports and API endpoints over all the organisations a user sees.
LIST_ENDPOINTS = [
    ("home", {}, {}),
    ("organisation_list", {}, {}),
    ("organisation_list", {"q": "сош"}, {"HTTP_HX_REQUEST": "true"}),
    ("organisation_list_export", {}, {}),
    ("api_organisations", {}, {}),
]


def text_of(response: Any) -> str:
    """Everything a user can read in a response: the HTML, the JSON or every cell of the XLSX."""
    content_type = response["Content-Type"]
    if content_type.startswith("application/vnd.openxmlformats"):
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(cell)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if content_type.startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    page = response.content.decode()
    # Chart data is JSON inside the page, with non-ASCII letters escaped: read it as data.
    blocks = re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', page, re.S)
    return "\n".join([page, *(json.dumps(json.loads(b), ensure_ascii=False) for b in blocks)])


def without_csrf_tokens(content: bytes) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "<token>", content.decode())


def assert_none_of(text: str, marks: list[str]) -> None:
    leaked = [mark for mark in marks if mark in text]
    assert not leaked, f"leaked: {leaked}"


@pytest.mark.parametrize(("name", "kind"), ORGANISATION_ENDPOINTS)
def test_school_a_is_seen_by_its_administrator(facts: Any, name: str, kind: str) -> None:
    response = client_for(facts.alice).get(reverse(name, args=[facts.school_a.pk]))
    assert response.status_code == 200
    text = text_of(response)
    assert "МБОУ СОШ № 1" in text
    assert_none_of(text, SCHOOL_B_MARKS + FAR_SCHOOL_MARKS + MUNICIPALITY_MARKS)


@pytest.mark.parametrize(("name", "kind"), ORGANISATION_ENDPOINTS)
def test_both_schools_are_seen_by_the_municipal_specialist(
    facts: Any, name: str, kind: str
) -> None:
    client = client_for(facts.bob)
    a = client.get(reverse(name, args=[facts.school_a.pk]))
    b = client.get(reverse(name, args=[facts.school_b.pk]))
    assert (a.status_code, b.status_code) == (200, 200)
    assert "МБОУ СОШ № 1" in text_of(a)
    assert "МБОУ СОШ № 2" in text_of(b)
    # Another municipality's school is as missing to bob as school A is to charlie.
    assert client.get(reverse(name, args=[facts.school_far.pk])).status_code == 404


@pytest.mark.parametrize(("name", "kind"), ORGANISATION_ENDPOINTS)
def test_school_a_is_a_404_to_another_schools_administrator(
    facts: Any, name: str, kind: str
) -> None:
    client = client_for(facts.charlie)
    response = client.get(reverse(name, args=[facts.school_a.pk]))
    assert response.status_code == 404
    assert_none_of(response.content.decode(errors="replace"), SCHOOL_A_MARKS)
    # Forbidden and missing look the same.
    missing = client.get(reverse(name, args=[10**9]))
    assert missing.status_code == 404
    assert without_csrf_tokens(missing.content) == without_csrf_tokens(response.content)
    if kind == "json":
        assert response.json() == {"detail": "Не найдено."}
    else:
        assert "Страница не найдена" in response.content.decode()
    # Charlie's own school answers.
    own = client.get(reverse(name, args=[facts.school_b.pk]))
    assert own.status_code == 200
    assert_none_of(text_of(own), SCHOOL_A_MARKS + MUNICIPALITY_MARKS)


@pytest.mark.parametrize(("name", "params", "headers"), LIST_ENDPOINTS)
def test_lists_show_each_persona_only_their_organisations(
    facts: Any, name: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    url = reverse(name)

    alice = text_of(client_for(facts.alice).get(url, params, **headers))
    assert "МБОУ СОШ № 1" in alice
    assert_none_of(alice, SCHOOL_B_MARKS + FAR_SCHOOL_MARKS + MUNICIPALITY_MARKS)

    bob = text_of(client_for(facts.bob).get(url, params, **headers))
    assert "МБОУ СОШ № 1" in bob and "МБОУ СОШ № 2" in bob
    assert_none_of(bob, FAR_SCHOOL_MARKS)

    charlie_response = client_for(facts.charlie).get(url, params, **headers)
    assert charlie_response.status_code == 200
    charlie = text_of(charlie_response)
    assert "МБОУ СОШ № 2" in charlie
    assert_none_of(charlie, SCHOOL_A_MARKS + MUNICIPALITY_MARKS + FAR_SCHOOL_MARKS)


def test_searching_for_school_a_finds_nothing_for_charlie(facts: Any) -> None:
    client = client_for(facts.charlie)
    for q in ("СОШ № 1", "Школа А", "7000000001", "A1"):
        page = client.get(reverse("organisation_list"), {"q": q})
        assert page.context["found"] == 0
        table = client.get(reverse("organisation_list"), {"q": q}, HTTP_HX_REQUEST="true")
        # (The page echoes the query itself in the search box and the export link.)
        assert_none_of(table.content.decode(), [m for m in SCHOOL_A_MARKS if m != q])
        api = client.get(reverse("api_organisations"), {"q": q}).json()
        assert api == {"count": 0, "results": []}


def test_charlie_cannot_reach_school_a_through_the_year_switch(facts: Any) -> None:
    client = client_for(facts.charlie)
    url = reverse("organisation_detail", args=[facts.school_a.pk])
    fragment = client.get(url, {"year": 2024}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert fragment.status_code == 404
    # School A has 2023 results; school B has none, so charlie's own page never offers 2023.
    own = client.get(reverse("home"), {"year": 2023})
    assert own.context["results"]["years"] == [2024]
    assert "2023/2024" not in own.content.decode()


def test_exports_of_charlie_contain_only_school_b(facts: Any) -> None:
    client = client_for(facts.charlie)
    wb = openpyxl.load_workbook(io.BytesIO(client.get(reverse("organisation_list_export")).content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[3][:2] == ("Муниципалитет", "Краткое наименование")
    assert [row[1] for row in rows[4:]] == ["МБОУ СОШ № 2"]
    wb = openpyxl.load_workbook(
        io.BytesIO(
            client.get(reverse("organisation_results_export", args=[facts.school_b.pk])).content
        )
    )
    rows = list(wb.active.iter_rows(values_only=True))
    header = [row[0] for row in rows].index("Процедура")
    rows = rows[header + 1 :]
    # School B: ЕГЭ profile maths and Russian, ОГЭ maths and Russian, ВПР maths 5.
    assert sum(row[4] for row in rows) == 1 + 3 + 5 + 5 + 6
