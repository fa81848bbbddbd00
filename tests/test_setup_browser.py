"""«Первый запуск» in a real browser: a technical administrator of an empty installation
logs in, is led to the page, creates the region and its municipalities, sees what next."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from msoko.access.models import User
from msoko.registry.models import Territory
from tests.conftest import PASSWORD
from tests.test_browser import Session, browser  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_creates_the_region_on_first_run(live_server: Any, browser: Any) -> None:  # noqa: F811
    User.objects.create_superuser("root", password=PASSWORD)
    s = Session(browser, live_server.url)
    page = s.page
    s.goto("/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/first-run/")
    assert page.inner_text("h1") == "Первый запуск"

    page.fill("#id_region_name", "Тестовая область")
    page.fill("#id_region_code", "77")
    page.fill("#id_municipalities", "Энский район; M01\nСоседний район; M02")
    page.click("text=Завести регион")
    page.wait_for_selector("text=Регион заведён")
    assert "добавлено муниципалитетов — 2" in page.inner_text(".messages")
    assert "Соседний район" in page.inner_text("table")
    assert page.locator("ol.steps a[href='/admin/access/user/add/']").count() == 1
    assert set(Territory.objects.values_list("code", flat=True)) == {"77", "M01", "M02"}

    s.goto("/")  # the home page is the region's overview now, not the first-run page
    assert urlsplit(page.url).path == "/"
    assert not s.errors
    s.close()


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    world: Any, live_server: Any, browser: Any, settings: Any, tmp_path: Any  # noqa: F811
) -> None:
    settings.MSOKO_MAX_UPLOAD_MB = 1
    big = tmp_path / "большой.csv"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    s = Session(browser, live_server.url)
    s.login("bob")
    s.goto("/intake/")
    page = s.page
    page.select_option("#id_kind", "social_passport")
    page.set_input_files("#id_file", str(big))
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector(".upload-error")
    assert "не больше 1 МБ" in page.inner_text(".upload-error")
    assert posts == []  # nothing was sent
    s.close()


def test_the_upload_form_shows_only_the_fields_of_the_chosen_kind(
    world: Any, live_server: Any, browser: Any  # noqa: F811
) -> None:
    s = Session(browser, live_server.url)
    s.login("bob")
    s.goto("/intake/?kind=organisations")
    page = s.page
    # the registry itself has no year, procedure, subject or grade
    for name in ("year", "create_year", "procedure", "subject", "grade"):
        assert not page.is_visible(f"#id_{name}"), name
    page.select_option("#id_kind", "aggregates")
    for name in ("year", "create_year", "procedure", "subject", "grade"):
        assert page.is_visible(f"#id_{name}"), name
    page.select_option("#id_kind", "essay")  # a fixed procedure and subject
    assert page.is_visible("#id_year") and not page.is_visible("#id_procedure")
    assert not page.is_visible("#id_subject")
    assert not s.errors
    s.close()
