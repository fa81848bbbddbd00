"""Pages: login, navigation by role, the home page of each role, the organisation list and
the school profile. The three-persona leak checks are in ``test_web_access``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from msoko.access.models import AuditLog, Role, User
from tests.conftest import PASSWORD, client_for
from tests.test_web_helpers import seed_results

NBSP = "\u00a0"


def html(response: Any) -> str:
    return response.content.decode()


# --- login, logout, anonymous --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/organisations/",
        "/organisations/1/",
        "/organisations/export.xlsx",
        "/organisations/1/results.xlsx",
    ],
)
def test_anonymous_users_are_sent_to_login(client: Client, world: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_page_is_russian(client: Client, world: Any) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="ru">' in page
    assert "Вход в систему" in page
    assert "Имя пользователя" in page
    assert "Пароль" in page
    assert "/static/vendor/htmx/htmx.min.js" in page


def test_login_with_the_form_then_logout_with_post(client: Client, world: Any) -> None:
    response = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert AuditLog.objects.filter(action="login", actor=world.bob).exists()
    assert client.get(reverse("home")).status_code == 200

    assert client.get(reverse("logout")).status_code == 405  # Django 5: logout is a POST
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_is_refused_in_russian(client: Client, world: Any) -> None:
    response = client.post(reverse("login"), {"username": "bob", "password": "wrong"})
    assert response.status_code == 200
    assert "правильные имя пользователя и пароль" in html(response)
    assert AuditLog.objects.filter(action="login_failed").exists()


def test_login_redirects_to_the_page_asked_for(client: Client, world: Any) -> None:
    url = reverse("organisation_list")
    response = client.post(
        reverse("login") + f"?next={url}", {"username": "bob", "password": PASSWORD, "next": url}
    )
    assert response["Location"] == url


# --- base template, navigation ----------------------------------------------------------


def test_header_shows_name_role_and_a_logout_form(world: Any) -> None:
    world.bob.first_name, world.bob.last_name = "Борис", "Петров"
    world.bob.save()
    page = html(client_for(world.bob).get(reverse("home")))
    assert "Борис Петров" in page
    assert "Специалист муниципального органа" in page
    assert "Энский район" in page
    assert f'<form method="post" action="{reverse("logout")}"' in page
    assert "Выйти" in page


def test_navigation_of_a_territory_user(world: Any) -> None:
    response = client_for(world.bob).get(reverse("organisation_list"))
    labels = [item["label"] for item in response.context["nav_items"]]
    assert labels == [
        "Обзор", "Организации", "Показатели", "Анализ", "Управление", "Согласование форм",
        "Загрузка данных", "Администрирование",
    ]
    active = [item["label"] for item in response.context["nav_items"] if item["active"]]
    assert active == ["Организации"]


def test_navigation_of_a_school_user(world: Any) -> None:
    response = client_for(world.alice).get(reverse("home"))
    assert [item["label"] for item in response.context["nav_items"]] == [
        "Моя школа", "Показатели", "Анализ", "Управление", "Формы",
    ]
    assert response.context["user_scope_label"] == "МБОУ СОШ № 1"


def test_territory_administrators_see_the_administration_link(world: Any) -> None:
    response = client_for(world.bob).get(reverse("home"))
    item = next(i for i in response.context["nav_items"] if i["label"] == "Администрирование")
    assert item["url"] == reverse("administration:index")


def test_404_page_is_russian(world: Any) -> None:
    response = client_for(world.bob).get("/no-such-page/")
    assert response.status_code == 404
    page = html(response)
    assert "Страница не найдена" in page
    assert '<html lang="ru">' in page


# --- home pages -------------------------------------------------------------------------


def test_home_of_the_specialist_is_the_municipality_at_a_glance(facts: Any) -> None:
    response = client_for(facts.bob).get(reverse("home"))
    assert response.status_code == 200
    page = html(response)
    assert "Энский район: система образования в цифрах" in page
    overview = response.context["overview"]
    # Schools A (urban) and B (rural); the far school is another municipality's.
    assert (overview["schools"], overview["schools_urban"], overview["schools_rural"]) == (2, 1, 1)
    assert "общеобразовательные организации" in page
    assert "городских — 1, сельских — 1" in page

    # ОГЭ (see test_web_helpers): 9 participants, 18 marks with a mean of 58/18 = 3.22,
    # Russian: 4 of 9 «2» (44.4 %), mean 3.00; mathematics: 1 of 9 «2» (11.1 %), mean 3.44.
    assert f"9{NBSP}участников" in page
    assert "3,22" in page
    assert f"44,4{NBSP}%" in page
    assert f"11,1{NBSP}%" in page
    assert "3,44" in page
    # ЕГЭ: Russian 91, 78, 40, 20, 63 — mean 58.4, one below 24 (20 %);
    # profile mathematics 82, 20, 15 — mean 39.0, two below 27 (66.7 %).
    assert "58,4" in page
    assert f"1 (20,0{NBSP}%)" in page
    assert "39,0" in page
    assert f"2 (66,7{NBSP}%)" in page
    assert "(24 балла)" in page
    assert "(27 баллов)" in page
    # ВПР: 10 works, 20 % «2», 50 % «4»–«5», lowered 40 %, confirmed 50 %, raised 10 %.
    vpr = [h for h in response.context["headlines"] if h["procedure"] == "VPR"][0]
    assert vpr["share_2"] == pytest.approx(20.0)
    assert f"40,0{NBSP}%" in page
    assert f"50,0{NBSP}%" in page
    assert f"10,0{NBSP}%" in page
    # Charts: ОГЭ and ЕГЭ per school, ВПР marks; the library comes from the app.
    assert [c["id"] for c in response.context["charts"]] == ["chart-oge", "chart-ege", "chart-vpr"]
    ege_chart = response.context["charts"][1]
    assert ege_chart["title"] == "ЕГЭ: средний тестовый балл по организациям (2024/2025)"
    assert ege_chart["option"]["yAxis"]["data"] == ["МБОУ СОШ № 1", "МБОУ СОШ № 2"]
    assert ege_chart["option"]["series"][0]["data"] == [84.5, 41.0]
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert 'data-chart="chart-ege-data"' in page
    assert "МБОУ СОШ № 9" not in page  # another municipality's school


def test_home_without_results_says_so(world: Any) -> None:
    page = html(client_for(world.bob).get(reverse("home")))
    assert "Результаты оценочных процедур ещё не загружены" in page


def test_home_of_a_school_administrator_is_their_school(facts: Any) -> None:
    response = client_for(facts.alice).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["organisation"] == facts.school_a
    page = html(response)
    assert "<h1>МБОУ СОШ № 1</h1>" in page
    assert "Школа А" in page
    assert "84,5" in page  # ЕГЭ Russian mean of school A


def test_home_of_a_viewer_bound_to_a_school_is_that_school(world: Any) -> None:
    viewer = User.objects.create_user("vera", role=Role.VIEWER, organisation=world.school_b)
    response = client_for(viewer).get(reverse("home"))
    assert response.context["organisation"] == world.school_b
    assert response.context["can_edit"] is False


def test_home_of_a_regional_analyst_covers_the_region(facts: Any) -> None:
    analyst = User.objects.create_user("rita", role=Role.REGIONAL_ANALYST, territory=facts.region)
    response = client_for(analyst).get(reverse("home"))
    assert response.context["territory"] == facts.region
    assert response.context["overview"]["schools"] == 3
    oge = [h for h in response.context["headlines"] if h["procedure"] == "OGE"][0]
    assert oge["participants"] == 11  # 4 + 5 + the far school's 2
    # Over a region the charts compare municipalities, each pooled over all its results:
    # ОГЭ Russian in Энский район (5+4+4+2+3+3+2+2+2) / 9 = 3.0, in Соседний район 5.0.
    chart = [c for c in response.context["charts"] if c["id"] == "chart-oge"][0]
    assert chart["title"].startswith("ОГЭ: средняя отметка по муниципалитетам")
    assert chart["option"]["yAxis"]["data"] == ["Соседний район", "Энский район"]
    assert chart["option"]["series"][0]["name"] == "Русский язык"
    assert chart["option"]["series"][0]["data"] == [5.0, 3.0]


def test_home_of_a_user_without_a_scope(world: Any) -> None:
    nobody = User.objects.create_user("nobody", role=Role.VIEWER)
    response = client_for(nobody).get(reverse("home"))
    assert response.status_code == 200
    assert "не назначена территория или организация" in html(response)


# --- organisation list ------------------------------------------------------------------


def test_organisation_list_filters_by_type_and_locality(world: Any) -> None:
    client = client_for(world.bob)
    names = lambda r: [o.short_name for o in r.context["organisations"]]  # noqa: E731
    assert names(client.get(reverse("organisation_list"))) == ["МБОУ СОШ № 1", "МБОУ СОШ № 2"]
    assert names(client.get(reverse("organisation_list"), {"locality": "rural"})) == [
        "МБОУ СОШ № 2"
    ]
    assert names(client.get(reverse("organisation_list"), {"kind": "preschool"})) == []
    response = client.get(reverse("organisation_list"), {"kind": "nonsense"})
    assert names(response) == []
    assert "Проверьте условия поиска" in html(response)


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("сош № 2", ["МБОУ СОШ № 2"]),
        ("мбоу сош 1", ["МБОУ СОШ № 1"]),
        ("школа а", ["МБОУ СОШ № 1"]),
        ("7000000001", ["МБОУ СОШ № 1"]),
        ("B2", ["МБОУ СОШ № 2"]),
        ("гимназия", []),
    ],
)
def test_organisation_list_search_ignores_case_and_signs(
    world: Any, q: str, found: list[str]
) -> None:
    response = client_for(world.bob).get(reverse("organisation_list"), {"q": q})
    assert [o.short_name for o in response.context["organisations"]] == found


def test_organisation_list_answers_htmx_with_the_table_only(world: Any) -> None:
    response = client_for(world.bob).get(
        reverse("organisation_list"), {"locality": "rural"}, HTTP_HX_REQUEST="true"
    )
    page = html(response)
    assert "<html" not in page
    assert "МБОУ СОШ № 2" in page
    assert "МБОУ СОШ № 1" not in page
    assert f"Найдено: 1{NBSP}организация" in page
    assert "HX-Request" in response["Vary"]
    # The export link keeps the filter.
    assert f"{reverse('organisation_list_export')}?locality=rural" in page


def test_organisation_list_offers_a_municipality_filter_to_a_regional_analyst(world: Any) -> None:
    analyst = User.objects.create_user("rita", role=Role.REGIONAL_ANALYST, territory=world.region)
    client = client_for(analyst)
    response = client.get(reverse("organisation_list"))
    assert response.context["show_territory"] is True
    response = client.get(reverse("organisation_list"), {"territory": world.other_municipality.pk})
    assert [o.short_name for o in response.context["organisations"]] == ["МБОУ СОШ № 9"]
    # A municipal specialist sees one municipality: no such filter.
    assert (
        client_for(world.bob).get(reverse("organisation_list")).context["show_territory"] is False
    )


def test_organisation_list_pages(world: Any) -> None:
    from msoko.registry.models import Organisation

    for i in range(60):
        Organisation.objects.create(
            territory=world.municipality,
            short_name=f"ДОУ {i:02d}",
            full_name=f"Сад {i}",
            code=f"D{i}",
            kind="preschool",
        )
    client = client_for(world.bob)
    first = client.get(reverse("organisation_list"))
    assert len(first.context["organisations"]) == 50
    assert first.context["found"] == 62
    assert "Страница 1 из 2" in html(first)
    second = client.get(reverse("organisation_list"), {"page": 2})
    assert len(second.context["organisations"]) == 12


# --- school profile ---------------------------------------------------------------------


def test_school_profile_shows_card_passport_staff_and_results(facts: Any) -> None:
    from decimal import Decimal

    from django.utils import timezone

    from msoko.registry.models import SocialPassport, StaffMember

    SocialPassport.objects.create(
        organisation=facts.school_a,
        year=facts.year,
        students_total=1234,
        low_income_share=Decimal("12.5"),
        single_parent_share=Decimal("20"),
        disability_share=Decimal("3.25"),
        non_native_share=Decimal("1"),
        preventive_registration_share=Decimal("0.5"),
    )
    this_year = timezone.localdate().year
    StaffMember.objects.create(
        organisation=facts.school_a,
        full_name="Иванова И. И.",
        category="highest",
        experience_years=25,
        birth_year=this_year - 50,
    )
    StaffMember.objects.create(
        organisation=facts.school_a,
        full_name="Петров П. П.",
        category="first",
        experience_years=2,
        birth_year=this_year - 24,
        is_young_specialist=True,
    )
    response = client_for(facts.bob).get(reverse("organisation_detail", args=[facts.school_a.pk]))
    assert response.status_code == 200
    page = html(response)
    assert "Карточка организации" in page
    assert "7000000001" in page
    assert "Социальный паспорт" in page and "2024/2025" in page
    assert f"1{NBSP}234" in page
    assert f"12,5{NBSP}%" in page
    assert f"2{NBSP}педагогических работника" in page
    assert f"1{NBSP}молодой специалист" in page
    staff = response.context["staff"]
    assert [r["count"] for r in staff["by_experience"]] == [1, 0, 0, 1]
    assert [r["count"] for r in staff["by_age"]] == [1, 1, 0, 0]
    # No teacher is named, let alone ranked by results.
    assert "Иванова" not in page and "Петров" not in page
    # Results of the latest year, against the municipality for a municipal specialist.
    res = response.context["results"]
    assert res["years"] == [2024, 2023] and res["year"] == 2024
    assert [s["procedure"] for s in res["sections"]] == ["OGE", "EGE", "VPR"]
    assert "Среднее по МО" in page
    assert "84,5" in page  # school A's ЕГЭ Russian
    assert "58,4" in page  # the municipality's
    assert [c["id"] for c in res["charts"]] == ["chart-marks", "chart-scores-ege"]


def test_school_profile_of_another_year_and_its_htmx_fragment(facts: Any) -> None:
    client = client_for(facts.alice)
    url = reverse("organisation_detail", args=[facts.school_a.pk])
    response = client.get(url, {"year": 2023})
    assert response.context["results"]["year"] == 2023
    fragment = client.get(url, {"year": 2023}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    page = html(fragment)
    assert "<html" not in page
    assert "Карточка организации" not in page
    assert "2023/2024" in page
    # A year without results falls back to the latest.
    assert client.get(url, {"year": 1999}).context["results"]["year"] == 2024


def test_a_school_user_does_not_get_the_municipality_comparison(facts: Any) -> None:
    response = client_for(facts.alice).get(reverse("home"))
    page = html(response)
    assert "Среднее по МО" not in page
    assert "58,4" not in page
    assert all(not s["show"]["municipality"] for s in response.context["results"]["sections"])


def test_school_profile_without_data(world: Any) -> None:
    page = html(client_for(world.charlie).get(reverse("home")))
    assert "Социальный паспорт не заполнен" in page
    assert "Сведения о педагогических работниках не внесены" in page
    assert "ещё не загружены" in page


def test_school_profile_splits_ege_scores_from_base_mathematics_marks(facts: Any) -> None:
    import pyarrow as pa

    from msoko.facts.store import open_batch

    a = facts.school_a.pk
    rows = [
        {
            "org_id": a,
            "year": 2024,
            "procedure": "EGE",
            "subject": "math_base",
            "grade": 11,
            "student": f"base{i}",
            "mark": mark,
        }
        for i, mark in enumerate([5, 4, 2])
    ]
    with open_batch(kind="student_results") as batch:
        batch.write("student_results", pa.Table.from_pylist(rows))
    response = client_for(facts.alice).get(reverse("home"))
    sections = response.context["results"]["sections"]
    assert [s["procedure_name"] for s in sections] == ["ОГЭ", "ЕГЭ", "ЕГЭ: отметки", "ВПР"]
    scores, marks = sections[1], sections[2]
    assert scores["show"]["scores"] and not scores["show"]["marks"]
    assert marks["show"]["marks"] and not marks["show"]["scores"]
    assert [r["subject"] for r in marks["rows"]] == ["math_base"]
    assert marks["rows"][0]["mean_mark"] == pytest.approx(11 / 3)
    assert "3,67" in html(response)


def test_school_profile_shows_kdr_levels(world: Any) -> None:
    import pyarrow as pa

    from msoko.facts.store import open_batch

    rows = [
        {
            "org_id": world.school_b.pk,
            "year": 2024,
            "procedure": "KDR",
            "subject": "read",
            "grade": 4,
            "student": f"k{i}",
            "level": level,
        }
        for i, level in enumerate(["basic", "basic", "high", "low"])
    ]
    with open_batch(kind="student_results") as batch:
        batch.write("student_results", pa.Table.from_pylist(rows))
    page = html(client_for(world.charlie).get(reverse("home")))
    assert "КДР" in page and "Читательская грамотность" in page
    assert "Низкий" in page and "Базовый" in page and "Высокий" in page
    assert f"2 (50,0{NBSP}%)" in page


def test_cached_figures_follow_the_fact_store(facts: Any) -> None:
    from msoko.facts.models import ImportBatch, MarkScale

    client = client_for(facts.bob)
    oge = lambda r: [h for h in r.context["headlines"] if h["procedure"] == "OGE"][0]  # noqa: E731
    ege = lambda r: [h for h in r.context["headlines"] if h["procedure"] == "EGE"][0]  # noqa: E731
    assert oge(client.get(reverse("home")))["participants"] == 9
    assert oge(client.get(reverse("home")))["participants"] == 9  # from the cache

    seed_results(facts)  # a second batch with the same rows: every figure counts them twice
    assert oge(client.get(reverse("home")))["participants"] == 9  # the same pseudonyms
    assert oge(client.get(reverse("home")))["subjects"]["ru"]["sat"] == 18

    ImportBatch.objects.filter(pk=ImportBatch.objects.order_by("-pk")[0].pk).update(
        status=ImportBatch.Status.ROLLED_BACK
    )
    assert oge(client.get(reverse("home")))["subjects"]["ru"]["sat"] == 9

    MarkScale.objects.filter(procedure__code="EGE", subject__code="ru").update(min_threshold=45)
    assert ege(client.get(reverse("home")))["subjects"]["ru"]["below_threshold"] == 2


def test_403_and_500_pages_are_russian(rf: Any, world: Any) -> None:
    from django.core.exceptions import PermissionDenied
    from django.views import defaults

    request = rf.get("/")
    request.user = world.bob
    response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()
    response = defaults.server_error(request)
    assert response.status_code == 500
    assert "Ошибка на сервере" in response.content.decode()


def test_a_stale_form_gets_a_russian_csrf_page(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 403
    assert "Форма устарела" in response.content.decode()


def test_edit_link_only_for_those_who_administer_the_school(world: Any) -> None:
    url = reverse("organisation_detail", args=[world.school_a.pk])
    assert "Изменить карточку" in html(client_for(world.bob).get(url))
    assert reverse("administration:organisation_edit", args=[world.school_a.pk]) in html(
        client_for(world.bob).get(url)
    )
    assert "Изменить карточку" not in html(client_for(world.alice).get("/"))
    viewer = User.objects.create_user(
        "vera", role=Role.VIEWER, territory=world.municipality, is_staff=True
    )
    assert "Изменить карточку" not in html(client_for(viewer).get(url))
