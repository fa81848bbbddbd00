"""The three personas in a real browser (Playwright on Debian's chromium) against the live
server: log in through the form, see the home page, open school A's page, and check that
htmx and ECharts come from the application and that no request leaves it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD
from tests.test_web_helpers import seed_results

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Session:
    """A browser page of one persona that remembers every request it made."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.base_url = base_url
        self.context = browser.new_context(locale="ru-RU")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def login(self, username: str) -> None:
        self.goto("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        assert urlsplit(self.page.url).path == "/"

    def foreign_requests(self) -> list[str]:
        own = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:", "about:")) and urlsplit(url).netloc != own
        ]

    def assert_libraries_from_the_app(self, *, charts: bool) -> None:
        assert self.page.evaluate("typeof window.htmx") == "object"
        static = [u for u in self.requests if "/static/vendor/" in u]
        assert any(u.endswith("/static/vendor/htmx/htmx.min.js") for u in static)
        if charts:
            assert self.page.evaluate("typeof window.echarts") == "object"
            assert any(u.endswith("/static/vendor/echarts/echarts.min.js") for u in static)
            self.page.wait_for_selector(".chart__canvas canvas", state="attached", timeout=10_000)
            drawn = self.page.evaluate(
                """() => [...document.querySelectorAll('.chart__canvas canvas')]
                      .filter(c => c.width > 0 && c.height > 0).length"""
            )
            assert drawn >= 1

    def close(self) -> None:
        assert self.errors == [], f"JavaScript errors: {self.errors}"
        assert self.foreign_requests() == []
        self.context.close()


@pytest.fixture
def facts(world: Any) -> Any:
    seed_results(world)
    return world


def test_anonymous_visitor_lands_on_the_russian_login_page(
    browser: Any, live_server: Any, world: Any
) -> None:
    s = Session(browser, live_server.url)
    s.goto("/")
    assert urlsplit(s.page.url).path == "/login/"
    assert s.page.locator("h1").inner_text() == "Вход в систему"
    s.page.fill("#id_username", "alice")
    s.page.fill("#id_password", "wrong")
    s.page.click("button[type=submit]")
    assert "правильные имя пользователя и пароль" in s.page.locator(".alert--error").inner_text()
    s.close()


def test_school_administrator_sees_their_school(browser: Any, live_server: Any, facts: Any) -> None:
    s = Session(browser, live_server.url)
    s.login("alice")
    assert s.page.locator("h1").inner_text() == "МБОУ СОШ № 1"
    assert s.page.locator("nav.nav").inner_text().split() == [
        "Моя", "школа", "Показатели", "Анализ", "Управление", "Формы",
    ]
    assert "Администратор образовательной организации" in s.page.locator(".userbox").inner_text()
    s.assert_libraries_from_the_app(charts=True)

    response = s.goto(f"/organisations/{facts.school_a.pk}/")
    assert response.status == 200
    assert s.page.locator("h1").inner_text() == "МБОУ СОШ № 1"
    assert "84,5" in s.page.locator("#results").inner_text()

    # The year switch replaces the results block through htmx, without reloading the page.
    s.page.evaluate("window.__same_page = true")
    with s.page.expect_response(lambda r: "year=2023" in r.url):
        s.page.select_option("#results-year", "2023")
    s.page.wait_for_function("document.querySelector('#results').innerText.includes('2023/2024')")
    assert s.page.evaluate("window.__same_page") is True
    assert "year=2023" in s.page.url
    s.assert_libraries_from_the_app(charts=True)

    # Logout is a POST from the header.
    with s.page.expect_navigation():
        s.page.click(".userbox__logout button")
    assert urlsplit(s.page.url).path == "/login/"
    s.close()


def test_municipal_specialist_sees_the_municipality_and_both_schools(
    browser: Any, live_server: Any, facts: Any
) -> None:
    s = Session(browser, live_server.url)
    s.login("bob")
    assert "Энский район" in s.page.locator("h1").inner_text()
    oge = s.page.locator("#headline-oge").inner_text()
    assert "9 участников" in oge.replace("\u00a0", " ")
    assert "44,4" in oge
    s.assert_libraries_from_the_app(charts=True)
    assert s.page.locator(".chart__canvas canvas").count() >= 3

    # The list filters through htmx: the table changes, the page stays.
    s.goto("/organisations/")
    rows = s.page.locator("#organisation-table tbody tr")
    assert rows.count() == 2
    s.page.evaluate("window.__same_page = true")
    with s.page.expect_response(lambda r: "/organisations/?" in r.url and "q=" in r.url):
        s.page.fill("#id_q", "сош 2")
    s.page.wait_for_function(
        "document.querySelectorAll('#organisation-table tbody tr').length === 1"
    )
    assert s.page.evaluate("window.__same_page") is True
    assert rows.first.inner_text().startswith("МБОУ СОШ № 2")

    for school in (facts.school_a, facts.school_b):
        response = s.goto(f"/organisations/{school.pk}/")
        assert response.status == 200
        assert s.page.locator("h1").inner_text() == school.short_name
    s.close()


def test_another_schools_administrator_gets_a_404_for_school_a(
    browser: Any, live_server: Any, facts: Any
) -> None:
    s = Session(browser, live_server.url)
    s.login("charlie")
    assert s.page.locator("h1").inner_text() == "МБОУ СОШ № 2"
    s.assert_libraries_from_the_app(charts=True)
    home = s.page.content()

    response = s.goto(f"/organisations/{facts.school_a.pk}/")
    assert response.status == 404
    assert s.page.locator("h1").inner_text() == "Страница не найдена"
    s.assert_libraries_from_the_app(charts=False)
    for page in (home, s.page.content()):
        assert "МБОУ СОШ № 1" not in page
        assert "Школа А" not in page
        assert "84,5" not in page
    s.close()
