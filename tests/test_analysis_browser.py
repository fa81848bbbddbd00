"""The analysis pages in a real browser (Playwright on Debian's chromium) with the three
personas: bob (municipal specialist) sees both schools and opens "why this school is here";
alice (school A) sees only her school; charlie (school B) gets a 404 for school A."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser import Session, browser  # noqa: F401 - the module-scoped fixture
from tests.test_web_helpers import seed_results

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analysis_pages_with_three_personas(browser: Any, live_server: Any, world: Any) -> None:  # noqa: F811
    seed_results(world)
    a = world.school_a.pk

    bob = Session(browser, live_server.url)
    bob.login("bob")
    bob.goto("/analysis/")
    assert bob.page.locator("h1").inner_text() == "Школы, которым нужна помощь, и почему"
    assert "Энский район" in bob.page.locator(".lead").first.inner_text()
    assert bob.page.locator("#card-non_objective").count() == 1
    assert bob.page.locator("#export-xlsx").count() == 1
    bob.goto(f"/analysis/school/{a}/")
    assert bob.page.locator("#school-name").inner_text() == "МБОУ СОШ № 1"
    assert bob.page.locator("#objectivity").count() == 1
    assert bob.page.locator("#journal-by-work").count() == 1
    bob.goto(f"/analysis/elements/?org={a}")
    assert bob.page.locator("h1").inner_text() == "Поэлементный анализ"
    bob.goto("/analysis/clusters/")
    assert bob.page.locator("h1").inner_text() == "Кластеры школ"
    bob.goto("/analysis/factors/")
    assert "не используются для оценки отдельных учителей" in bob.page.inner_text("main")
    bob.page.goto(live_server.url + "/analysis/?year=abc")
    assert "Год «abc» не понят" in bob.page.locator("#analysis-error").inner_text()
    assert bob.foreign_requests() == [] and bob.errors == []

    alice = Session(browser, live_server.url)
    alice.login("alice")
    alice.goto("/analysis/")
    assert "Показана только ваша школа" in alice.page.locator(".lead").first.inner_text()
    alice.goto(f"/analysis/school/{a}/")
    assert alice.page.locator("#school-name").inner_text() == "МБОУ СОШ № 1"
    assert "МБОУ СОШ № 2" not in alice.page.inner_text("main")
    assert alice.errors == []

    charlie = Session(browser, live_server.url)
    charlie.login("charlie")
    response = charlie.goto(f"/analysis/school/{a}/")
    assert response.status == 404
    charlie.goto("/analysis/")
    assert "МБОУ СОШ № 1" not in charlie.page.inner_text("main")
