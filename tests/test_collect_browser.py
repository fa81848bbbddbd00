"""The approval workflow of a school form in a real browser (Playwright on Debian's chromium):
alice fills and submits, bob returns it with a comment, alice fixes and resubmits, bob
approves, and then alice can no longer change anything."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from msoko.collect.models import Status, Submission
from tests.test_browser import Session, browser  # noqa: F401 - the module-scoped fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = "lrs-management"


def fill_required(page: Any) -> None:
    page.select_option("#id_shppko_doc", "yes")
    page.fill("#id_shppko_doc__url", "https://school-a.example.ru/shppko.pdf")
    page.select_option("#id_quality_orders_doc", "no")
    page.select_option("#id_quality_indicators_doc", "yes")
    page.fill("#id_quality_indicators_doc__url", "https://school-a.example.ru/shsoko")
    page.select_option("#id_self_assessment_doc", "yes")
    page.fill("#id_self_assessment_doc__url", "https://school-a.example.ru/self")
    page.select_option("#id_oge_math_dynamics", "yes")
    page.select_option("#id_oge_russian_dynamics", "no")


def click(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_school_form_approval_workflow(browser: Any, live_server: Any, world: Any) -> None:  # noqa: F811
    path = f"/collect/{world.school_a.pk}/{FORM}/{world.year.start_year}/"

    # Alice opens «Формы», fills part of the form and saves a draft.
    alice = Session(browser, live_server.url)
    alice.login("alice")
    alice.goto("/collect/")
    assert alice.page.locator("h1").inner_text() == "Формы"
    row = alice.page.locator(f'#forms-table tr[data-form="{FORM}"]')
    assert "Не начата" in row.inner_text()
    click(alice.page, f'#forms-table tr[data-form="{FORM}"] a.button')
    assert urlsplit(alice.page.url).path == path
    alice.page.select_option("#id_shppko_implementation", "25_50")
    # A document marked present without its link is refused, in Russian.
    alice.page.select_option("#id_shppko_doc", "yes")
    click(alice.page, "#save-draft")
    assert "Укажите ссылку на документ на сайте ОО." in alice.page.content()
    fill_required(alice.page)
    click(alice.page, "#save-draft")
    assert "Черновик сохранён." in alice.page.locator(".messages").inner_text()
    assert alice.page.locator("#submission-status").inner_text().startswith("Черновик")
    assert alice.page.input_value("#id_shppko_implementation") == "25_50"

    # … and submits it.
    click(alice.page, "#submit-form")
    assert "Форма отправлена на проверку." in alice.page.locator(".messages").inner_text()
    assert alice.page.locator("#save-draft").count() == 0
    assert alice.page.locator("#id_shppko_implementation").is_disabled()

    # Bob finds it in the queue and returns it with a comment.
    bob = Session(browser, live_server.url)
    bob.login("bob")
    bob.goto("/collect/queue/")
    queue_row = bob.page.locator(f'#queue-table tr[data-organisation="{world.school_a.pk}"]')
    assert queue_row.count() >= 1, (bob.page.url, bob.page.inner_text("main")[:3000])
    assert "На проверке" in queue_row.first.inner_text()
    click(bob.page, f'#queue-table tr[data-organisation="{world.school_a.pk}"] a.button')
    assert urlsplit(bob.page.url).path == path
    assert bob.page.input_value("#id_shppko_doc__url") == "https://school-a.example.ru/shppko.pdf"
    bob.page.fill("#id_comment", "Укажите реальный процент реализации ШППКО")
    click(bob.page, "#return")
    assert "Возвращена на доработку" in bob.page.locator("#submission-status").inner_text()

    # Alice sees the comment, fixes the value and resubmits.
    alice.goto("/collect/")
    assert (
        "Укажите реальный процент реализации ШППКО"
        in alice.page.locator("#forms-table").inner_text()
    )
    alice.goto(path)
    assert (
        "Укажите реальный процент реализации ШППКО"
        in alice.page.locator("#review-comment").inner_text()
    )
    alice.page.select_option("#id_shppko_implementation", "gt75")
    click(alice.page, "#submit-form")
    assert "На проверке" in alice.page.locator("#submission-status").inner_text()

    # Bob approves.
    bob.goto(path)
    click(bob.page, "#approve")
    assert "Утверждена" in bob.page.locator("#submission-status").inner_text()
    assert bob.page.locator("#unapprove").count() == 1
    history = bob.page.locator("#history").inner_text()
    for label in ("Сохранён черновик", "Отправлена на проверку", "Возвращена на доработку"):
        assert label in history

    # Alice can no longer edit: inputs disabled, no buttons, and a POST is refused.
    alice.goto(path)
    assert "Утверждена" in alice.page.locator("#submission-status").inner_text()
    assert alice.page.locator("#save-draft").count() == 0
    assert alice.page.locator("#submit-form").count() == 0
    assert alice.page.locator("#id_shppko_implementation").is_disabled()
    assert alice.page.locator("#id_shppko_doc__url").is_disabled()
    status = alice.page.evaluate(
        """async (path) => {
            const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
            const body = new URLSearchParams({csrfmiddlewaretoken: token, action: 'save',
                                              shppko_implementation: 'full'});
            const r = await fetch(path, {method: 'POST', body});
            return r.status;
        }""",
        path,
    )
    assert status == 403
    sub = Submission.objects.get(organisation=world.school_a, form__code=FORM)
    assert sub.status == Status.APPROVED
    assert sub.values["shppko_implementation"] == "gt75"
    alice.close()
    bob.close()


def test_charlie_gets_a_404_for_school_a_form(browser: Any, live_server: Any, world: Any) -> None:  # noqa: F811
    charlie = Session(browser, live_server.url)
    charlie.login("charlie")
    response = charlie.goto(f"/collect/{world.school_a.pk}/{FORM}/{world.year.start_year}/")
    assert response.status == 404
    assert "МБОУ СОШ № 1" not in charlie.page.content()
    charlie.close()
