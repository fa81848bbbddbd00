"""The management cycle in a real browser (Playwright on Debian's chromium), with the three
personas: bob adds a measure for school A to the municipal roadmap, aimed at an indicator;
alice sees it among her school's items, reports it done with its document and sees the
indicator before and after (30 % → 20 % of «2», better); charlie sees none of it; bob sees it
done in the roadmap."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.test_browser import Session, browser  # noqa: F401 - the module-scoped fixture
from tests.test_cycle_pages import indicator_values

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def click(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_measure_reported_done_with_before_and_after(browser: Any, live_server: Any, world: Any) -> None:  # noqa: F811
    from msoko.cycle.models import Measure, Roadmap

    indicator = indicator_values(world)
    roadmap = Roadmap.objects.create(
        territory=world.municipality, title="Дорожная карта Энского района на 2024 год", year_from=2024, year_to=2024
    )
    Measure.objects.create(roadmap=roadmap, order=1, number="1.", content="Анализ результатов ВПР",
                           deadline_text="май 2024", report_document="Аналитическая справка")

    # Bob adds a measure for school A, aimed at the share of «2» on ВПР.
    bob = Session(browser, live_server.url)
    bob.login("bob")
    bob.goto("/cycle/")
    assert bob.page.locator("h1").inner_text() == "Управленческий цикл"
    click(bob.page, f'#roadmaps-table tr[data-roadmap="{roadmap.pk}"] a')
    click(bob.page, "#add-measure")
    bob.page.fill("#id_number", "2.")
    bob.page.fill("#id_content", "Семинар для учителей математики СОШ № 1 по западающим темам ВПР")
    bob.page.fill("#id_deadline_text", "до 01.03.2025")
    bob.page.fill("#id_report_document", "Протокол заседания ШМО")
    bob.page.select_option("#id_organisation", str(world.school_a.pk))
    bob.page.select_option("#id_indicator", str(indicator.pk))
    click(bob.page, "#save")
    measure = Measure.objects.get(number="2.")
    assert urlsplit(bob.page.url).path == f"/cycle/measures/{measure.pk}/"
    assert bob.page.locator("#value-before").inner_text().startswith("30")
    assert bob.page.locator("#value-after").inner_text().startswith("20")
    assert bob.page.locator("#measure-state").inner_text() in ("Запланировано", "Срок подходит", "Просрочено")

    # Alice finds it among her school's items and reports it done with its document.
    alice = Session(browser, live_server.url)
    alice.login("alice")
    alice.goto("/cycle/")
    rows = alice.page.locator("#measures-table tbody tr")
    assert rows.count() == 1, alice.page.inner_text("main")[:2000]
    click(alice.page, f'#measures-table tr[data-measure="{measure.pk}"] a')
    alice.page.fill("#id_document", "Протокол заседания ШМО № 4 от 20.02.2025")
    alice.page.fill("#id_document_url", "https://school-a.example.ru/shmo-4.pdf")
    alice.page.select_option("#id_implementation", "full")
    click(alice.page, "#report-done")
    assert "Исполнение отмечено." in alice.page.locator(".messages").inner_text()
    assert alice.page.locator("#measure-state").inner_text() == "Исполнено"
    assert "Протокол заседания ШМО № 4 от 20.02.2025" in alice.page.locator("#reports-table").inner_text()
    assert alice.page.locator("#implementation").inner_text() == "в полном объёме"
    assert alice.page.locator("#value-before").inner_text().startswith("30")
    assert alice.page.locator("#value-after").inner_text().startswith("20")
    assert "улучшился" in alice.page.locator("#value-verdict").inner_text()
    assert alice.page.locator("#report-form").count() == 0
    assert not alice.errors

    # Charlie sees nothing of school A's.
    charlie = Session(browser, live_server.url)
    charlie.login("charlie")
    charlie.goto("/cycle/")
    assert charlie.page.locator(f'tr[data-measure="{measure.pk}"]').count() == 0
    response = charlie.goto(f"/cycle/measures/{measure.pk}/")
    assert response.status == 404

    # Bob sees it done in the roadmap; the municipal measure of May 2024 is overdue.
    bob.goto(f"/cycle/roadmaps/{roadmap.pk}/")
    row = bob.page.locator(f'#measures-table tr[data-measure="{measure.pk}"]')
    assert "Исполнено" in row.inner_text()
    assert "Просрочено" in bob.page.locator("#roadmap-counts").inner_text()
    assert not bob.foreign_requests()
