"""Upload in a real browser with the real consumer running: the upload's progress bar,
the check's progress and problems, then the load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from msoko.facts.models import ImportBatch
from msoko.registry.models import SocialPassport
from tests.test_browser import Session, browser  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consumer() -> Any:
    from msoko.jobs.queue import HUEY, start_consumer

    HUEY.flush()
    running = start_consumer()
    yield running
    running.stop(graceful=True)
    HUEY.flush()


def test_specialist_uploads_checks_and_loads(
    world: Any, live_server: Any, browser: Any, consumer: Any, tmp_path: Path  # noqa: F811
) -> None:
    bad = tmp_path / "паспорт с ошибкой.csv"
    bad.write_bytes("Код ОО;Обучающихся всего\r\nZZ-404;10\r\n".encode("cp1251"))
    good = tmp_path / "паспорт.csv"
    good.write_bytes(
        "Код ОО;Обучающихся всего;Доля из малоимущих семей, %\r\nA1;500;12,5\r\n".encode("cp1251")
    )
    s = Session(browser, live_server.url)
    s.login("bob")
    s.page.click("nav.nav >> text=Загрузка данных")
    page = s.page

    page.select_option("#id_kind", "social_passport")
    page.set_input_files("#id_file", str(bad))
    assert page.locator("#upload-progress progress#upload-bar").count() == 1
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/intake/")
    ) as sent:
        page.click("#upload-form button[type=submit]")
    # the file went by XMLHttpRequest (that is what reports upload progress) and got a JSON answer
    assert sent.value.request.headers.get("x-requested-with") == "XMLHttpRequest"
    page.wait_for_url("**/intake/jobs/*/")
    page.wait_for_selector("#job-panel[data-status=done]", timeout=30_000)
    assert "Ничего не записано" in page.inner_text("#job-panel")
    assert "ZZ-404" in page.inner_text("table.problems")
    assert page.locator("text=Загрузить в хранилище").count() == 0
    assert not ImportBatch.objects.exists()

    s.goto("/intake/")
    page.select_option("#id_kind", "social_passport")
    page.set_input_files("#id_file", str(good))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#job-panel[data-status=done]", timeout=30_000)
    assert "Проверка пройдена" in page.inner_text("#job-panel")
    page.click("text=Загрузить в хранилище")
    page.wait_for_selector("#job-panel[data-status=done]", timeout=30_000)
    batch = ImportBatch.objects.get()
    assert f"пакет № {batch.pk}" in page.inner_text("#job-panel")
    assert float(SocialPassport.objects.get(organisation=world.school_a).low_income_share) == 12.5
    s.close()
