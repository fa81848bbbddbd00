"""Indicator pages with the three personas: the dashboard (catalog list, a catalog's indicators
with value, norm, colour, change, sparkline; filters), one indicator across schools, a
school's profile. Figures are worked out by hand from ``tests.test_web_helpers``:

ОГЭ 2024/2025 (marks):
* school A — русский 5, 4, 4, 2 (one «2» of 4: 25 %, mean 3,75); математика 5, 5, 3, 3
  (0 %, mean 4,00); 2023/2024 русский 3, 3 (0 %, mean 3,00);
* school B — русский 3, 3, 2, 2, 2 (60 %, mean 2,40); математика 2, 3, 3, 3, 4 (20 %, 3,00);
* the far school (another municipality) — русский 5, 5.
* Энский район (A + B) — русский 4 of 9 = 44,4 %, mean 27 / 9 = 3,00; математика 1 of 9
  = 11,1 %, mean 31 / 9 = 3,44; 2023/2024 русский 0 %.

The catalog's norm of the share of «2» is 10 %. School A, русский: 25 % is 15 points worse
than the norm (very low status) and 25 points worse than last year (declined
significantly): red. School A, математика: 0 % is 10 points better (very high), no last
year: blue. School B, математика: 20 %, 10 points worse (low): orange.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
from django.urls import reverse
from lxml import html as lxml_html

from msoko.access.models import Role, User
from msoko.indicators.models import Catalog
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CATALOG = """
catalog: tpages
name: Тестовый каталог показателей
source: Проверочный документ (для тестов)
order: 1
defaults: {levels: [school, municipality, region], min_group: 2}
indicators:
  - code: tp.oge_share2
    section: ГИА-9
    name: Доля отметок «2» на ОГЭ
    unit: percent
    direction: lower
    by: [subject]
    formula: {kind: share, table: student_results, where: {procedure: OGE, mark: {present: true}}, numerator: {mark: 2}}
    norm: {value: 10}
    data_source: РЦОИ
    collection_method: Количество / %, отчёт ОО
  - code: tp.oge_mean
    section: ГИА-9
    name: Средняя отметка на ОГЭ
    unit: points
    direction: higher
    by: [subject]
    formula: {kind: mean, table: student_results, where: {procedure: OGE}, column: mark}
    data_source: РЦОИ
    collection_method: Числовое значение
  - code: tp.ege_below
    section: ГИА-11
    name: Доля не преодолевших минимальный порог ЕГЭ
    unit: percent
    direction: lower
    by: [subject]
    min_group: 3
    formula: {kind: share, table: student_results, where: {procedure: EGE, test_score: {present: true}}, numerator: {test_score: {lt: {threshold: min}}}}
  - code: tp.plan
    section: Управление
    name: Наличие плана повышения качества
    unit: yes_no
    direction: higher
    levels: [school, municipality]
    formula: {kind: entered}
    data_source: сайт ОО
    collection_method: Наличие / Отсутствие, сайт ОО
"""

def _xpath(css: str) -> str:
    """A CSS selector (tags, #id, .class, [attr], [attr="value"], descendants) as XPath:
    enough for these tests without another dependency."""
    steps = []
    for part in re.findall(r'(?:[^\s"\[]+|\[[^\]]*\])+', css):
        tag = re.match(r"^[a-zA-Z][\w-]*", part)
        conds = []
        rest = part[tag.end():] if tag else part
        for kind, name, eq, value in re.findall(r'([#.]|\[)([\w-]+)(="([^"]*)")?\]?', rest):
            if kind == "#":
                conds.append(f"@id='{name}'")
            elif kind == ".":
                conds.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')")
            elif eq:
                conds.append(f"@{name}='{value}'")
            else:
                conds.append(f"@{name}")
        steps.append((tag.group(0) if tag else "*") + "".join(f"[{c}]" for c in conds))
    return ".//" + "//".join(steps)


def q(node: Any, css: str) -> list[Any]:
    return node.xpath(_xpath(css))


A_ONLY = ["МБОУ СОШ № 1", "Школа А", "3,75", "25,0\u00a0%"]


def load_and_compute(world: Any) -> Any:
    from msoko.indicators.catalog import load_text
    from msoko.indicators.compute import compute

    load_text(CATALOG, file_name="tpages.yaml", origin=Catalog.Origin.BUILTIN)
    compute(catalogs=["tpages"], years=[2023, 2024])
    return world


@pytest.fixture
def computed(facts: Any) -> Any:
    return load_and_compute(facts)


def page(response: Any) -> Any:
    assert response.status_code == 200, response.status_code
    return lxml_html.document_fromstring(response.content.decode())


def squash(value: str | None) -> str:
    return re.sub(r"\s+", " ", value or "").strip()


def text(node: Any) -> str:
    """The text of a node, its elements' texts separated by spaces."""
    return re.sub(r"\s+", " ", " ".join(node.itertext())).strip()


def line(tree: Any, code: str, breakdown: str = "", within: str = "#focus") -> Any:
    rows = q(tree, f'{within} tr[data-indicator="{code}"][data-breakdown="{breakdown}"]')
    assert len(rows) == 1, (code, breakdown, len(rows))
    return rows[0]


def assert_nothing_of_school_a(content: str, world: Any) -> None:
    for marker in A_ONLY:
        assert marker not in content, marker
    assert f"/indicators/school/{world.school_a.pk}/" not in content
    assert f"org={world.school_a.pk}&" not in content


# --------------------------------------------------------------------------- catalog list


def test_catalog_list_for_each_persona(computed: Any) -> None:
    for user, editor in ((computed.alice, False), (computed.bob, True), (computed.charlie, False)):
        tree = page(client_for(user).get(reverse("indicators:index")))
        links = q(tree, '#catalogs tr[data-catalog="tpages"] a')
        assert [text(a) for a in links] == ["Тестовый каталог показателей"]
        assert bool(q(tree, "#recompute-all")) is editor
        assert bool(q(tree, f'a[href="{reverse("indicators:upload")}"]')) is editor


def test_nav_points_at_the_dashboard(world: Any) -> None:
    tree = page(client_for(world.alice).get(reverse("indicators:index")))
    active = q(tree, "nav.nav a.is-active")
    assert [text(a) for a in active] == ["Показатели"]


# --------------------------------------------------------------------------- catalog page


def test_school_admin_sees_her_school_with_the_municipality_beside(computed: Any) -> None:
    tree = page(client_for(computed.alice).get(reverse("indicators:catalog", args=["tpages"])))
    focus = q(tree, "#focus")[0]
    assert focus.get("data-level") == "school"
    assert "МБОУ СОШ № 1" in text(q(focus, "h2")[0])
    assert "Энский район" in text(q(focus, "h2")[0])
    # sections in the catalog's order
    assert [text(th) for th in q(focus, "tr.ind-section th")] == ["ГИА-9", "ГИА-11", "Управление"]

    ru = line(tree, "tp.oge_share2", "Русский язык")
    assert ru.get("data-colour") == "red"
    assert text(q(ru, "[data-value] .value")[0]) == "25,0 %"
    assert text(q(ru, "[data-value] .ci")[0]) == "95 % ДИ: 4,6–69,9 %"  # Wilson, 1 of 4
    assert text(q(ru, "[data-norm]")[0]) == "10,0 % норма по документу"
    assert text(q(ru, "[data-change]")[0]) == "+25,0 п. п. положительная динамика: нет"
    chip = q(ru, ".chip")[0]
    assert squash(chip.get("title")) == (
        "Цвет: красный; статус: очень низкий (норма 10,0 %, норма по документу); "
        "изменение: значительно ухудшился (+25,0 п. п.)"
    )
    # the municipality beside: 4 of 9
    assert text(q(ru, "[data-comparison] .value")[0]) == "44,4 %"
    # sparkline: two years, a line and the last point in the colour of the value
    svg = q(ru, "svg.spark")[0]
    assert squash(q(svg, "title")[0].text) == "Динамика: 2023/2024 — 0,0 %; 2024/2025 — 25,0 %"
    assert len(q(svg, "polyline")) == 1
    assert q(svg, "circle")[0].get("fill") == "#c0392b"
    assert "," not in svg.get("width") and re.fullmatch(r"[\d. ,]+", q(svg, "polyline")[0].get("points"))

    math = line(tree, "tp.oge_share2", "Математика")
    assert math.get("data-colour") == "blue"
    assert text(q(math, "[data-change]")[0]) == "—"
    assert not q(math, "polyline") and q(math, "circle")  # one year: a point

    mean = line(tree, "tp.oge_mean", "Русский язык")
    assert text(q(mean, "[data-value]")[0]) == "3,75"
    assert text(q(mean, "[data-norm]")[0]) == "3,00 среднее по муниципалитету"
    assert mean.get("data-colour") == "blue"  # 25 % above the municipality, +25 % on last year
    assert "положительная динамика: есть" in text(q(mean, "[data-change]")[0])

    # two pupils sat ЕГЭ in school A: fewer than the indicator's minimum of 3
    ege = line(tree, "tp.ege_below", "Русский язык")
    assert text(q(ege, "[data-value]")[0]) == "скрыто (менее 3)"
    assert ege.get("data-colour") == ""
    assert squash(q(ege, ".chip")[0].get("title")) == "Скрыто: группа меньше 3"
    assert not q(ege, "svg")

    plan = line(tree, "tp.plan")
    assert text(q(plan, "[data-value]")[0]) == "нет данных"
    # colour counts of the school's lines: red (русский), blue (математика; mean русский)…
    counts = {el.get("data-count"): el.text for el in q(focus, ".chip-legend strong")}
    assert counts["red"] == "1" and counts["blue"] == "3"
    # the school's own export and no grid of other schools
    assert q(tree, "#export-xlsx")[0].get("href").endswith(
        f"?org={computed.school_a.pk}&year=2024"
    )
    assert not q(tree, "#colour-grid")
    assert not q(tree, "#recompute")
    assert q(tree, f'a[href="{reverse("indicators:values", args=["tpages"])}"]')  # enters values


def test_outsider_sees_only_his_school_and_the_municipality(computed: Any) -> None:
    response = client_for(computed.charlie).get(reverse("indicators:catalog", args=["tpages"]))
    tree = page(response)
    assert "МБОУ СОШ № 2" in text(q(tree, "#focus h2")[0])
    ru = line(tree, "tp.oge_share2", "Русский язык")
    assert text(q(ru, "[data-value] .value")[0]) == "60,0 %"
    assert ru.get("data-colour") == "red"
    assert line(tree, "tp.oge_share2", "Математика").get("data-colour") == "orange"
    assert_nothing_of_school_a(response.content.decode(), computed)
    for level in ("municipality", "region"):
        response = client_for(computed.charlie).get(
            reverse("indicators:catalog", args=["tpages"]), {"level": level}
        )
        assert_nothing_of_school_a(response.content.decode(), computed)


def test_specialist_sees_the_municipality_and_its_schools(computed: Any) -> None:
    response = client_for(computed.bob).get(reverse("indicators:catalog", args=["tpages"]))
    tree = page(response)
    focus = q(tree, "#focus")[0]
    assert focus.get("data-level") == "municipality"
    assert "Энский район" in text(q(focus, "h2")[0])
    assert "Тестовая область" in text(q(focus, "h2")[0])
    ru = line(tree, "tp.oge_share2", "Русский язык")
    assert text(q(ru, "[data-value] .value")[0]) == "44,4 %"
    assert text(q(ru, "[data-value] .ci")[0]) == "95 % ДИ: 18,9–73,3 %"  # Wilson, 4 of 9
    assert text(q(ru, "[data-comparison] .value")[0]) == "36,4 %"  # region: 4 of 11
    assert ru.get("data-colour") == "red"
    mean_math = line(tree, "tp.oge_mean", "Математика")
    assert text(q(mean_math, "[data-value]")[0]) == "3,44"
    # the colour grid: both schools, B (two red lines) before A (one)
    grid = q(tree, "#colour-grid tbody tr")
    assert [r.get("data-entity") for r in grid] == [str(computed.school_b.pk), str(computed.school_a.pk)]
    assert [text(q(r, "th")[0]) for r in grid] == ["МБОУ СОШ № 2", "МБОУ СОШ № 1"]
    b_counts = {td.get("data-count"): td.text for td in q(grid[0], "td.count")}
    # B: «2» русский, mean русский and математика, ЕГЭ русский red; «2» математика orange
    assert b_counts == {"red": "4", "orange": "1", "yellow": "0", "green": "0", "blue": "0"}
    assert q(grid[1], "a")[0].get("href").startswith(f"/indicators/school/{computed.school_a.pk}/")
    assert q(tree, "#recompute")
    assert q(tree, "#export-docx")[0].get("href").endswith(
        f"?territory={computed.municipality.pk}&year=2024"
    )
    # nothing of the other municipality's school
    assert "МБОУ СОШ № 9" not in response.content.decode()


def test_levels_and_filters(computed: Any) -> None:
    bob = client_for(computed.bob)
    url = reverse("indicators:catalog", args=["tpages"])
    schools = page(bob.get(url, {"level": "school"}))
    assert not q(schools, "#focus")
    assert len(q(schools, "#colour-grid tbody tr")) == 2
    region = page(bob.get(url, {"level": "region"}))
    assert q(region, "#focus")[0].get("data-level") == "region"
    assert [r.get("data-level") for r in q(region, "#colour-grid tbody tr")] == ["municipality"]
    rural = page(bob.get(url, {"locality": "rural"}))
    assert [text(q(r, "th")[0]) for r in q(rural, "#colour-grid tbody tr")] == ["МБОУ СОШ № 2"]
    small = page(bob.get(url, {"small": "yes"}))
    assert not q(small, "#colour-grid tbody tr")
    higher = page(bob.get(url, {"direction": "higher"}))
    assert {r.get("data-indicator") for r in q(higher, "#focus tr[data-indicator]")} == {
        "tp.oge_mean",
        "tp.plan",
    }
    maths = page(bob.get(url, {"subject": "math"}))
    assert {r.get("data-breakdown") for r in q(maths, "#focus tr[data-indicator]")} == {"Математика"}
    year = page(client_for(computed.alice).get(url, {"year": 2023}))
    old = line(year, "tp.oge_share2", "Русский язык")
    assert text(q(old, "[data-value] .value")[0]) == "0,0 %"
    assert squash(q(old, "svg title")[0].text) == "Динамика: 2023/2024 — 0,0 %"  # not the next year


def test_htmx_filter_returns_the_fragment(computed: Any) -> None:
    response = client_for(computed.bob).get(
        reverse("indicators:catalog", args=["tpages"]), {"subject": "ru"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content and 'id="focus"' in content
    assert "HX-Request" in response["Vary"]


def test_unknown_catalog_is_404(computed: Any) -> None:
    assert client_for(computed.bob).get(reverse("indicators:catalog", args=["nope"])).status_code == 404


# --------------------------------------------------------------------------- one indicator


def test_indicator_across_schools(computed: Any) -> None:
    bob = client_for(computed.bob)
    url = reverse("indicators:indicator", args=["tp.oge_share2"])
    tree = page(bob.get(url, {"breakdown": "ru||", "sort": "value", "order": "desc"}))
    rows = q(tree, "#school-table tbody tr")
    assert [text(q(r, "th")[0]) for r in rows] == ["МБОУ СОШ № 2", "МБОУ СОШ № 1"]
    assert [text(q(r, "[data-value] .value")[0]) for r in rows] == ["60,0 %", "25,0 %"]
    # 0–100 among the municipality's schools, lower is better: A best (100), B worst (0)
    assert [text(q(r, "[data-score]")[0]) for r in rows] == ["0", "100"]
    assert [r.get("data-colour") for r in rows] == ["red", "red"]
    territories = q(tree, "#territory-table tbody tr")
    assert [r.get("data-level") for r in territories] == ["region", "municipality"]
    # the bar chart's data
    data = q(tree, "script#indicator-chart-data")[0].text
    assert '"value": 60.0' in data and '"#c0392b"' in data
    ascending = page(bob.get(url, {"breakdown": "ru||", "sort": "value", "order": "asc"}))
    assert [text(q(r, "th")[0]) for r in q(ascending, "#school-table tbody tr")] == [
        "МБОУ СОШ № 1",
        "МБОУ СОШ № 2",
    ]
    # sort links turn the order round
    header = q(ascending, '#school-table th.is-sorted a[data-sort="value"]')[0]
    assert "order=desc" in header.get("href")
    # the default breakdown is the first subject by name (математика)
    default = page(bob.get(url))
    assert [text(q(r, "[data-value] .value")[0]) for r in q(default, "#school-table tbody tr")] == [
        "0,0 %",
        "20,0 %",
    ]


def test_indicator_page_for_school_users(computed: Any) -> None:
    url = reverse("indicators:indicator", args=["tp.oge_share2"])
    alice = page(client_for(computed.alice).get(url, {"breakdown": "ru||"}))
    assert [text(q(r, "th")[0]) for r in q(alice, "#school-table tbody tr")] == ["МБОУ СОШ № 1"]
    response = client_for(computed.charlie).get(url, {"breakdown": "ru||"})
    tree = page(response)
    assert [text(q(r, "th")[0]) for r in q(tree, "#school-table tbody tr")] == ["МБОУ СОШ № 2"]
    assert_nothing_of_school_a(response.content.decode(), computed)
    assert client_for(computed.bob).get(reverse("indicators:indicator", args=["no.such"])).status_code == 404


def test_suppressed_rows_on_the_indicator_page(computed: Any) -> None:
    tree = page(
        client_for(computed.bob).get(
            reverse("indicators:indicator", args=["tp.ege_below"]), {"breakdown": "math_profile||"}
        )
    )
    values = {text(q(r, "th")[0]): text(q(r, "[data-value]")[0]) for r in q(tree, "#school-table tbody tr")}
    # A: two results, B: one — both under 3; the municipality: 2 of 3 below 27
    assert values == {"МБОУ СОШ № 1": "скрыто (менее 3)", "МБОУ СОШ № 2": "скрыто (менее 3)"}
    muni = q(tree, '#territory-table tr[data-level="municipality"] .value')[0]
    assert text(muni) == "66,7 %"


# --------------------------------------------------------------------------- school profile


def test_school_profile_for_each_persona(computed: Any) -> None:
    a = reverse("indicators:school", args=[computed.school_a.pk])
    b = reverse("indicators:school", args=[computed.school_b.pk])
    far = reverse("indicators:school", args=[computed.school_far.pk])
    tree = page(client_for(computed.alice).get(a))
    block = q(tree, 'section[data-catalog="tpages"]')[0]
    assert "Энский район" in text(q(block, "thead")[0])
    ru = line(tree, "tp.oge_share2", "Русский язык", within='section[data-catalog="tpages"]')
    assert text(q(ru, "[data-value] .value")[0]) == "25,0 %"
    assert text(q(ru, "[data-comparison] .value")[0]) == "44,4 %"
    assert q(block, 'a[data-export="xlsx"]')[0].get("href").endswith(
        f"?org={computed.school_a.pk}&year=2024"
    )
    assert client_for(computed.alice).get(b).status_code == 404
    assert client_for(computed.charlie).get(a).status_code == 404
    assert client_for(computed.bob).get(a).status_code == 200
    assert client_for(computed.bob).get(b).status_code == 200
    assert client_for(computed.bob).get(far).status_code == 404
    charlie = client_for(computed.charlie).get(b)
    assert charlie.status_code == 200
    assert_nothing_of_school_a(charlie.content.decode(), computed)


def test_school_profile_year_switch_by_htmx(computed: Any) -> None:
    response = client_for(computed.alice).get(
        reverse("indicators:school", args=[computed.school_a.pk]), {"year": 2023}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "<html" not in content and "2023/2024" in content


def test_organisation_page_links_to_the_profile(computed: Any) -> None:
    tree = page(client_for(computed.alice).get(reverse("organisation_detail", args=[computed.school_a.pk])))
    assert q(tree, f'a[href="{reverse("indicators:school", args=[computed.school_a.pk])}"]')


# --------------------------------------------------------------------------- ids and viewers


def test_big_ids_are_not_localized(computed: Any) -> None:
    from msoko.registry.models import Organisation

    big = Organisation.objects.create(
        pk=123456, territory=computed.municipality, short_name="МБОУ СОШ № 77", full_name="Школа 77", code="S77"
    )
    content = client_for(computed.bob).get(reverse("indicators:catalog", args=["tpages"])).content.decode()
    assert f'data-entity="{big.pk}"' in content and "123\u00a0456" not in content
    content = client_for(computed.bob).get(reverse("indicators:school", args=[big.pk])).content.decode()
    assert "123\u00a0456" not in content


def test_viewer_reads_but_does_not_edit(computed: Any) -> None:
    viewer = User.objects.create_user(
        "vera", password="x", role=Role.VIEWER, territory=computed.municipality
    )
    client = client_for(viewer)
    tree = page(client.get(reverse("indicators:catalog", args=["tpages"])))
    assert line(tree, "tp.oge_share2", "Русский язык").get("data-colour") == "red"
    assert not q(tree, "#recompute")
    for url in (
        reverse("indicators:upload"),
        reverse("indicators:norms", args=["tpages"]),
        reverse("indicators:values", args=["tpages"]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("indicators:recompute")).status_code == 404


def test_pages_without_values(world: Any) -> None:
    """Before anything is computed: catalog lines say «нет данных», nothing breaks."""
    from msoko.indicators.catalog import load_text

    load_text(CATALOG, file_name="tpages.yaml")
    for user in (world.alice, world.bob, world.charlie):
        client = client_for(user)
        tree = page(client.get(reverse("indicators:catalog", args=["tpages"])))
        assert q(tree, '#focus tr[data-indicator="tp.oge_share2"] [data-value]')[0].text_content().strip() == "нет данных"
        assert client.get(reverse("indicators:indicator", args=["tp.oge_share2"])).status_code == 200
        assert client.get(reverse("indicators:index")).status_code == 200


def test_regional_analyst_sees_the_region_and_chooses_a_municipality(computed: Any) -> None:
    analyst = User.objects.create_user(
        "anna", password="x", role=Role.REGIONAL_ANALYST, territory=computed.region
    )
    client = client_for(analyst)
    url = reverse("indicators:catalog", args=["tpages"])
    tree = page(client.get(url))
    assert q(tree, "#focus")[0].get("data-level") == "region"
    ru = line(tree, "tp.oge_share2", "Русский язык")
    assert text(q(ru, "[data-value] .value")[0]) == "36,4 %"  # 4 of 11
    grid = q(tree, "#colour-grid tbody tr")
    assert {text(q(r, "th")[0]) for r in grid} == {"Энский район", "Соседний район"}
    # the municipality selector: Энский район and its two schools
    chosen = page(client.get(url, {"level": "municipality", "territory": computed.municipality.pk}))
    assert "Энский район" in text(q(chosen, "#focus h2")[0])
    assert [r.get("data-level") for r in q(chosen, "#colour-grid tbody tr")] == ["school", "school"]
    # the neighbours' school, 2 of 2 «5» in русский: 0 % of «2»
    far = page(client.get(reverse("indicators:school", args=[computed.school_far.pk])))
    far_ru = line(far, "tp.oge_share2", "Русский язык", within='section[data-catalog="tpages"]')
    assert text(q(far_ru, "[data-value] .value")[0]) == "0,0 %"
    assert far_ru.get("data-colour") == "blue"


def test_a_scoped_read_opens_only_its_parts(computed: Any) -> None:
    """A read for school A needs its municipality's school part and the territories part:
    with every other school part gone from disk, it returns exactly what it returned
    before; a read of territory rows alone needs only the territories part."""
    from pathlib import Path

    from msoko.indicators import values
    from msoko.indicators.models import ValueFile

    w = computed
    a_rows = values.read(org_ids=[w.school_a.pk], territory_ids=[w.municipality.pk], catalogs=["tpages"])
    muni_rows = values.read(org_ids=None, territory_ids=None, catalogs=["tpages"], levels=["municipality"])
    assert set(a_rows["level"]) == {"school", "municipality"} and len(muni_rows) > 0
    assert set(a_rows.loc[a_rows["level"] == "school", "org_id"]) == {w.school_a.pk}
    own = values.school_part(w.municipality.pk)
    other_parts = ValueFile.objects.filter(is_active=True).exclude(part__in=[own, values.TERRITORIES])
    assert other_parts.exists()  # the far school's municipality has a part of its own
    for f in other_parts:
        path = values.root() / f.path
        path.rename(Path(str(path) + ".away"))
    again = values.read(org_ids=[w.school_a.pk], territory_ids=[w.municipality.pk], catalogs=["tpages"])
    pd.testing.assert_frame_equal(a_rows.reset_index(drop=True), again.reset_index(drop=True))
    for f in ValueFile.objects.filter(is_active=True, part=own):
        path = values.root() / f.path
        path.rename(Path(str(path) + ".away"))
    muni_again = values.read(org_ids=None, territory_ids=None, catalogs=["tpages"], levels=["municipality"])
    pd.testing.assert_frame_equal(muni_rows.reset_index(drop=True), muni_again.reset_index(drop=True))
    with pytest.raises(FileNotFoundError):  # a read of every school needs every part
        values.read(org_ids=None, territory_ids=None, catalogs=["tpages"])


@pytest.mark.parametrize("where", ["norm row", "definition"])
def test_a_municipalitys_best_school_norm_is_read_from_its_schools(computed: Any, where: str) -> None:
    """«The best organisation» as a municipality's norm: the highest school value of the
    municipality (the mean ОГЭ mark is «higher is better»), per subject, taken from the
    stored school rows — the only reading of a territory that needs school rows."""
    from msoko.facts.store import OrgScope
    from msoko.indicators import api, values
    from msoko.indicators.models import IndicatorDefinition, Norm

    w = computed
    ind = IndicatorDefinition.objects.get(code="tp.oge_mean")
    if where == "norm row":
        Norm.objects.create(indicator=ind, reference=Norm.Reference.BEST_SCHOOL)
    else:
        ind.spec = {**ind.spec, "norm": {"reference": "best_school"}}
        ind.save()
    schools = values.read(org_ids=[w.school_a.pk, w.school_b.pk], territory_ids=[], indicators=["tp.oge_mean"],
                          years=[2024], levels=["school"])
    best = schools.groupby(schools["subject"].astype(str))["value"].max().to_dict()
    assert best  # the municipality has school values to pick from
    rows = api.readings(scope=OrgScope.of([w.school_a.pk, w.school_b.pk]), year=2024, codes=["tp.oge_mean"],
                        level="municipality")
    got = {r["subject"]: r["norm"] for r in rows if r["territory_id"] == w.municipality.pk}
    assert got == pytest.approx(best)
    assert {r["norm_label"] for r in rows} == {"лучшая организация"}


def test_readings_show_a_school_only_her_rows_but_rank_her_among_her_peers(computed: Any) -> None:
    """One read serves what a scope sees and the peers it is ranked among. School B's scope
    sees B's rows and the rows of its municipality and region, nothing of A or of the far
    school; yet B is scored against A (lower share of «2» is better): русский B 60 % against
    A 25 % — the worst of the two, 0; математика B 20 % against A 0 % — 0 as well. Alone,
    B would be the best of one: 100."""
    from msoko.facts.store import OrgScope
    from msoko.indicators import api

    w = computed
    rows = api.readings(scope=OrgScope.of([w.school_b.pk]), year=2024, codes=["tp.oge_share2"])
    seen = {(r["level"], r["org_id"] if r["level"] == "school" else r["territory_id"]) for r in rows}
    assert seen == {("school", w.school_b.pk), ("municipality", w.municipality.pk), ("region", w.region.pk)}
    b = {r["subject"]: r for r in rows if r["level"] == "school"}
    assert b["ru"]["value"] == pytest.approx(60.0) and b["math"]["value"] == pytest.approx(20.0)
    assert b["ru"]["score"] == pytest.approx(0.0) and b["math"]["score"] == pytest.approx(0.0)
    # the far school's municipality: its own row only for a scope that holds the far school
    far = api.readings(scope=OrgScope.of([w.school_far.pk]), year=2024, codes=["tp.oge_share2"])
    assert {(r["level"], r["org_id"]) for r in far if r["level"] == "school"} == {("school", w.school_far.pk)}
    assert w.municipality.pk not in {r["territory_id"] for r in far if r["level"] == "municipality"}
    # one school's rows (the profile): the same figures as in the municipality's list
    one = api.readings(scope=OrgScope.of([w.school_a.pk, w.school_b.pk]), year=2024, codes=["tp.oge_share2"],
                       level="school", entities=[w.school_b.pk])
    assert {r["org_id"] for r in one} == {w.school_b.pk}
    assert {r["subject"]: r["score"] for r in one} == {"ru": pytest.approx(0.0), "math": pytest.approx(0.0)}


def test_a_read_of_some_indicators_opens_only_their_catalogs(computed: Any) -> None:
    """Values of named indicators are read from their own catalog's files: with another
    catalog's files gone from disk, the read returns exactly what it returned before."""
    from pathlib import Path

    from msoko.indicators import values
    from msoko.indicators.catalog import load_text
    from msoko.indicators.compute import compute
    from msoko.indicators.models import ValueFile

    load_text(
        "catalog: tother\nname: Другой каталог\nindicators:\n"
        "  - {code: to.oge_mean, name: Средняя отметка ОГЭ, unit: points, direction: higher, by: [subject],\n"
        "     formula: {kind: mean, table: student_results, where: {procedure: OGE}, column: mark}}\n",
        file_name="tother.yaml",
        origin=Catalog.Origin.BUILTIN,
    )
    compute(catalogs=["tother"], years=[2023, 2024])
    before = values.read(org_ids=None, territory_ids=None, indicators=["tp.oge_share2"])
    assert len(before) > 0 and set(before["indicator"]) == {"tp.oge_share2"}
    other = ValueFile.objects.filter(is_active=True, catalog="tother")
    assert other.exists()
    for f in other:
        path = values.root() / f.path
        path.rename(Path(str(path) + ".away"))
    again = values.read(org_ids=None, territory_ids=None, indicators=["tp.oge_share2"])
    pd.testing.assert_frame_equal(before.reset_index(drop=True), again.reset_index(drop=True))
    with pytest.raises(FileNotFoundError):  # the other catalog's indicator needs its files
        values.read(org_ids=None, territory_ids=None, indicators=["to.oge_mean"])
