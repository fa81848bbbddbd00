"""The analysis pages and exports with the three personas, and the guard: no page or export
ranks (or names) individual teachers."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from msoko.access.models import AuditLog
from tests.conftest import client_for


def pages(world: Any) -> list[str]:
    a = world.school_a.pk
    return [
        reverse("analysis:index"),
        reverse("analysis:school", args=[a]),
        reverse("analysis:elements") + f"?org={a}",
        reverse("analysis:clusters"),
        reverse("analysis:factors"),
        reverse("analysis:methodology"),
    ]


def exports() -> list[str]:
    return [reverse("analysis:export_xlsx"), reverse("analysis:export_docx")]


def test_every_page_and_export_opens_for_the_owner_and_the_specialist(facts: Any) -> None:
    for user in (facts.alice, facts.bob):
        client = client_for(user)
        for url in pages(facts) + exports():
            response = client.get(url)
            assert response.status_code == 200, (user, url, response.content[:500])


def test_another_school_gets_404_for_school_a(facts: Any) -> None:
    client = client_for(facts.charlie)
    a = facts.school_a.pk
    assert client.get(reverse("analysis:school", args=[a])).status_code == 404
    assert client.get(reverse("analysis:elements") + f"?org={a}").status_code == 404
    # and a territory it may not see
    url = reverse("analysis:index") + f"?territory={facts.municipality.pk}"
    assert client.get(url).status_code == 404


def test_a_school_user_sees_only_their_school(facts: Any) -> None:
    body = client_for(facts.alice).get(reverse("analysis:index")).content.decode()
    assert "Показана только ваша школа" in body
    xlsx = client_for(facts.alice).get(reverse("analysis:export_xlsx"))
    wb = load_workbook(io.BytesIO(xlsx.content))
    codes = {row[0] for row in wb["Школы"].iter_rows(min_row=7, values_only=True)}
    assert codes == {"A1"}
    bob = load_workbook(
        io.BytesIO(client_for(facts.bob).get(reverse("analysis:export_xlsx")).content)
    )
    assert {row[0] for row in bob["Школы"].iter_rows(min_row=7, values_only=True)} == {"A1", "B2"}
    # the other school's name never reaches alice's pages
    for url in pages(facts):
        assert "МБОУ СОШ № 2" not in client_for(facts.alice).get(url).content.decode(), url


def test_exports_are_audited(facts: Any) -> None:
    before = AuditLog.objects.filter(action="export", model="analysis").count()
    client = client_for(facts.bob)
    for url in exports():
        assert client.get(url).status_code == 200
    assert AuditLog.objects.filter(action="export", model="analysis").count() == before + 2


def test_bad_year_gets_a_russian_message(facts: Any) -> None:
    client = client_for(facts.bob)
    body = client.get(reverse("analysis:index") + "?year=abc").content.decode()
    assert "Год «abc» не понят" in body
    body = client.get(reverse("analysis:index") + "?year=2019").content.decode()
    assert "За 2019/2020 учебный год" in body and "результатов нет" in body
    response = client.get(reverse("analysis:export_xlsx") + "?year=abc")
    assert response.status_code == 400 and "Год «abc» не понят" in response.content.decode()
    body = client.get(reverse("analysis:elements") + "?work=x").content.decode()
    assert "analysis-error" in body


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_no_page_or_export_names_or_ranks_teachers(facts: Any, who: str) -> None:
    """Rosobrnadzor: ВПР results must not be used to rate individual teachers. Staff enter
    the analysis only as school aggregates; no teacher's name appears anywhere."""
    from msoko.registry.models import StaffMember

    for org, name in (
        (facts.school_a, "Иванова Мария Петровна"),
        (facts.school_b, "Петров Пётр Ильич"),
    ):
        StaffMember.objects.create(
            organisation=org, full_name=name, category="highest", experience_years=20
        )
    client = client_for(getattr(facts, who))
    for url in pages(facts) + exports():
        content = client.get(url).content
        if url.endswith(".docx"):
            from docx import Document

            text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
        elif url.endswith(".xlsx"):
            wb = load_workbook(io.BytesIO(content))
            text = "\n".join(
                str(c)
                for ws in wb
                for row in ws.iter_rows(values_only=True)
                for c in row
                if c is not None
            )
        else:
            text = content.decode()
        for name in ("Иванова", "Петров Пётр"):
            assert name not in text, (url, name)
        assert "рейтинг учител" not in text.lower()
    # and no route of the analysis takes a teacher
    from msoko.analysis import urls

    for pattern in urls.urlpatterns:
        assert "teacher" not in str(pattern.pattern) and "staff" not in str(pattern.pattern)


@pytest.mark.django_db
def test_the_analysis_page_accepts_the_same_years_as_the_import(world: Any) -> None:
    """One accepted range (2000/2001 … the year after the current one) on every page."""
    from msoko.registry.models import YEAR_MIN, year_max

    bob = client_for(world.bob)
    too_late = year_max() + 1
    body = bob.get(reverse("analysis:index") + f"?year={too_late}").content.decode()
    assert f"Год {too_late} вне допустимого диапазона {YEAR_MIN}–{year_max()}." in body
    body = bob.get(reverse("analysis:index") + f"?year={YEAR_MIN - 1}").content.decode()
    assert "вне допустимого диапазона" in body
