"""The indicator pages in a real browser (Playwright on Debian's chromium) with the three
personas: the dashboard with its colour chips and sparklines drawn, an htmx filter, a
school's profile, the bar chart of one indicator, and exports downloaded and read back."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.test_browser import Session, browser  # noqa: F401 - the browser fixture
from tests.test_indicator_pages import load_and_compute
from tests.test_web_helpers import seed_results

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RED = "rgb(192, 57, 43)"
RU_SHARE2 = 'tr[data-indicator="tp.oge_share2"][data-breakdown="Русский язык"]'


@pytest.fixture
def computed(world: Any) -> Any:
    seed_results(world)
    return load_and_compute(world)


def drawn(s: Session, row: str) -> dict[str, Any]:
    """What the browser made of a line: the chip's colour and the sparkline's size."""
    return dict(
        s.page.evaluate(
            """(row) => {
                const tr = document.querySelector(row);
                const chip = tr.querySelector('.chip');
                const svg = tr.querySelector('svg.spark');
                const line = svg && svg.querySelector('polyline');
                return {
                    chip: getComputedStyle(chip).backgroundColor,
                    chipWidth: chip.getBoundingClientRect().width,
                    svgWidth: svg ? svg.getBoundingClientRect().width : 0,
                    lineLength: line ? line.getTotalLength() : 0,
                };
            }""",
            row,
        )
    )


def download(s: Session, selector: str) -> bytes:
    with s.page.expect_download() as info:
        s.page.click(selector)
    return Path(info.value.path()).read_bytes()


def rows_of(xlsx: bytes) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    return list(ws.iter_rows(values_only=True))


def test_school_administrator_reads_her_indicators(browser: Any, live_server: Any, computed: Any) -> None:  # noqa: F811
    s = Session(browser, live_server.url)
    s.login("alice")
    s.page.click("nav.nav >> text=Показатели")
    s.page.click("#catalogs >> text=Тестовый каталог показателей")
    assert "МБОУ СОШ № 1" in s.page.inner_text("#focus h2")
    shown = drawn(s, f"#focus {RU_SHARE2}")
    assert shown["chip"] == RED and shown["chipWidth"] > 0
    assert shown["svgWidth"] > 0 and shown["lineLength"] > 0  # two years: a line
    assert "25,0" in s.page.inner_text(f"#focus {RU_SHARE2} [data-value]")
    # the chip explains its colour
    title = s.page.get_attribute(f"#focus {RU_SHARE2} .chip", "title") or ""
    assert "значительно ухудшился" in title

    # a filter swaps the table through htmx; the page stays
    s.page.evaluate("window.__same_page = true")
    with s.page.expect_response(lambda r: "subject=math" in r.url):
        s.page.select_option("#id_subject", "math")
    s.page.wait_for_function(
        """() => [...document.querySelectorAll('#focus tr[data-indicator]')]
              .every(tr => tr.dataset.breakdown === 'Математика')"""
    )
    assert s.page.evaluate("window.__same_page") is True
    assert "subject=math" in s.page.url

    # the export of the filtered page is still the whole catalog of the school
    rows = rows_of(download(s, "#export-xlsx"))
    assert rows[1][0] == "Организация: МБОУ СОШ № 1 (Энский район)"
    assert ("Доля отметок «2» на ОГЭ (Русский язык)", 10, 25, 25, "нет") == rows[[r[0] for r in rows].index("Доля отметок «2» на ОГЭ (Русский язык)")][:5]

    # the school's profile over every catalog, and one indicator with its chart
    s.goto(f"/indicators/school/{computed.school_a.pk}/")
    assert s.page.locator("h1").inner_text() == "МБОУ СОШ № 1"
    assert drawn(s, f'section[data-catalog="tpages"] {RU_SHARE2}')["chip"] == RED
    s.goto("/indicators/i/tp.oge_share2/?breakdown=ru||")
    assert s.page.locator("#school-table tbody tr").count() == 1
    s.assert_libraries_from_the_app(charts=True)
    s.close()


def test_specialist_sees_the_schools_and_downloads_word(browser: Any, live_server: Any, computed: Any) -> None:  # noqa: F811
    from docx import Document

    s = Session(browser, live_server.url)
    s.login("bob")
    s.goto("/indicators/c/tpages/")
    assert "Энский район" in s.page.inner_text("#focus h2")
    assert s.page.locator("#colour-grid tbody tr").count() == 2
    assert drawn(s, f"#focus {RU_SHARE2}")["chip"] == RED
    docx = Document(io.BytesIO(download(s, "#export-docx")))
    assert docx.paragraphs[1].text == "Муниципалитет: Энский район. 2024/2025 учебный год."

    # from the grid to school A's profile, and its Excel export
    s.page.click(f'#colour-grid a[href^="/indicators/school/{computed.school_a.pk}/"]')
    s.page.wait_for_url(f"**/indicators/school/{computed.school_a.pk}/**")
    rows = rows_of(download(s, 'section[data-catalog="tpages"] a[data-export="xlsx"]'))
    assert rows[1][0] == "Организация: МБОУ СОШ № 1 (Энский район)"

    # one indicator across both schools: a bar per school, sorted by a header click
    s.goto("/indicators/i/tp.oge_share2/?breakdown=ru||")
    s.assert_libraries_from_the_app(charts=True)
    with s.page.expect_response(lambda r: "sort=value" in r.url):
        s.page.click('#school-table a[data-sort="value"]')
    s.page.wait_for_function(
        "document.querySelector('#school-table tbody tr th').innerText.startsWith('МБОУ СОШ № 2')"
    )
    s.close()


def test_outsider_sees_nothing_of_school_a(browser: Any, live_server: Any, computed: Any) -> None:  # noqa: F811
    s = Session(browser, live_server.url)
    s.login("charlie")
    s.goto("/indicators/c/tpages/")
    assert "МБОУ СОШ № 2" in s.page.inner_text("#focus h2")
    assert drawn(s, f"#focus {RU_SHARE2}")["chip"] == RED  # 60 %: three of five
    rows = rows_of(download(s, "#export-xlsx"))
    assert rows[1][0] == "Организация: МБОУ СОШ № 2 (Энский район)"
    pages = [s.page.content()]
    assert s.goto(f"/indicators/school/{computed.school_a.pk}/").status == 404
    pages.append(s.page.content())
    s.goto(f"/indicators/school/{computed.school_b.pk}/")
    pages.append(s.page.content())
    s.goto("/indicators/i/tp.oge_share2/?breakdown=ru||")
    pages.append(s.page.content())
    for content in pages:
        assert "МБОУ СОШ № 1" not in content and "3,75" not in content and "25,0" not in content
    response = s.page.request.get(
        f"{live_server.url}/indicators/c/tpages/export.xlsx?org={computed.school_a.pk}"
    )
    assert response.status == 404
    s.close()
