"""The validator's Russian messages for broken catalogs, and that a broken upload saves
nothing (the built-in catalogs stay as they were)."""

from __future__ import annotations

from typing import Any

import pytest

from msoko.indicators.spec import SpecError, parse_catalog

GOOD = """
catalog: mine
name: Мой каталог
indicators:
  - code: my.oge_share2
    name: Доля «2» на ОГЭ
    unit: percent
    direction: lower
    by: [subject]
    formula: {kind: share, table: student_results, where: {procedure: OGE, mark: {present: true}}, numerator: {mark: 2}}
    norm: 5
"""


def problems(text: str, known: set[str] | None = None) -> list[str]:
    with pytest.raises(SpecError) as err:
        parse_catalog(text, known_codes=known)
    return err.value.problems


def broken(**changes: str) -> str:
    text = GOOD
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_a_good_catalog_passes() -> None:
    spec = parse_catalog(GOOD)
    assert [i.code for i in spec.indicators] == ["my.oge_share2"]
    assert spec.indicators[0].norm == {"value": 5.0}


def test_unknown_column_names_the_catalog_indicator_field_and_columns() -> None:
    (message,) = problems(GOOD.replace("numerator: {mark: 2}", "numerator: {marks: 2}"))
    assert message.startswith(
        "каталог «mine», показатель «my.oge_share2», формула.numerator: нет столбца «marks» (есть: "
    )
    assert "journal_mark" in message  # the columns there are, to choose from
    (message,) = problems(GOOD.replace("by: [subject]", "by: [task]"))
    assert "разрез «task» невозможен: в таблице student_results нет такого столбца" in message


def test_unknown_table_and_unknown_kind() -> None:
    (message,) = problems(GOOD.replace("table: student_results", "table: results"))
    assert "неизвестная таблица фактов «results»" in message
    (message,) = problems(GOOD.replace("kind: share", "kind: median"))
    assert "неизвестный вид расчёта «median»" in message
    assert "org_share" in message  # the kinds there are


def test_unknown_operation_and_bad_threshold() -> None:
    (message,) = problems(GOOD.replace("{mark: 2}", "{mark: {between: [2, 3]}}"))
    assert "неизвестная операция «between» для «mark»" in message
    (message,) = problems(GOOD.replace("{mark: 2}", "{mark: {lt: {threshold: max}}}"))
    assert "порог может быть только {threshold: min}" in message


@pytest.mark.parametrize(
    ("norm", "expected"),
    [
        ("norm: высокая", "норма: число или {value: …, by_year: {год: …}} или {reference: …}"),
        ("norm: {value: много}", "значение нормы должно быть числом, а не 'много'"),
        ("norm: {reference: best_city}", "неизвестная ссылка нормы «best_city»"),
        ("norm: {value: 5, by_year: {2024: пять}}", "by_year: год 2024 и число, а не 'пять'"),
    ],
)
def test_bad_norm(norm: str, expected: str) -> None:
    (message,) = problems(GOOD.replace("norm: 5", norm))
    assert message.startswith("каталог «mine», показатель «my.oge_share2», норма: ")
    assert expected in message


CYCLE = """
catalog: loops
name: Каталог с циклом
indicators:
  - code: a.one
    name: Первый
    unit: number
    direction: none
    formula: {kind: ratio, of: [a.two, a.three]}
  - code: a.two
    name: Второй
    unit: number
    direction: none
    formula: {kind: difference, of: [a.one, a.three]}
  - code: a.three
    name: Третий
    unit: count
    direction: none
    formula: {kind: count, table: medals}
"""


def test_cycle() -> None:
    (message,) = problems(CYCLE)
    assert message == "каталог «loops»: циклическая ссылка: a.one → a.two → a.one"


def test_unknown_reference_and_org_share_of_a_list() -> None:
    text = CYCLE.replace("of: [a.one, a.three]", "of: [a.nowhere, a.three]")
    (message,) = problems(text)
    assert message == "каталог «loops», показатель «a.two»: ссылается на неизвестный показатель «a.nowhere»"
    # a share of schools over several indicators names each unknown one
    shares = GOOD + """
  - code: my.schools
    name: Доля ОО
    unit: percent
    direction: higher
    levels: [municipality]
    formula: {kind: org_share, of: [my.oge_share2, my.missing]}
"""
    assert problems(shares) == [
        "каталог «mine», показатель «my.schools»: ссылается на неизвестный показатель «my.missing»"
    ]
    (message,) = problems(shares.replace("of: [my.oge_share2, my.missing]", "of: []"))
    assert "для доли организаций нужен код показателя уровня ОО (of) или список кодов" in message
    # a reference to another catalog's indicator is fine when that catalog is known
    parse_catalog(shares.replace("my.missing", "oge.share_mark2"), known_codes={"oge.share_mark2"})


def test_every_problem_is_listed_at_once() -> None:
    text = GOOD.replace("unit: percent", "unit: процент").replace("direction: lower", "direction: down")
    text = text.replace("norm: 5", "norm: {reference: best_city}")
    found = problems(text)
    assert len(found) == 3
    assert any("единица (unit) «процент» неизвестна" in p for p in found)
    assert any("direction: higher (больше — лучше), lower (меньше — лучше) или none" in p for p in found)
    assert any("неизвестная ссылка нормы «best_city»" in p for p in found)


def test_not_yaml() -> None:
    (message,) = problems("catalog: x\nname: [не закрыто\n")
    assert message.startswith("строка ") and "это не YAML" in message


@pytest.mark.django_db
def test_a_broken_upload_saves_nothing(world: Any) -> None:
    from msoko.indicators.catalog import load_text, sync_builtin
    from msoko.indicators.models import Catalog, IndicatorDefinition

    sync_builtin()
    before = list(IndicatorDefinition.objects.order_by("code").values_list("code", "catalog__code", "spec"))
    texts = {c.code: c.text for c in Catalog.objects.all()}

    # a new catalog with an error: no catalog row, no definition
    with pytest.raises(SpecError):
        load_text(GOOD.replace("kind: share", "kind: median"), file_name="mine.yaml")
    # a shipped catalog replaced by a broken version: the shipped one stays whole
    gia = Catalog.objects.get(code="gia_vpr").text
    with pytest.raises(SpecError) as err:
        load_text(gia.replace("numerator: {mark: 2}", "numerator: {marks: 2}", 1), file_name="gia.yaml")
    assert "каталог «gia_vpr», показатель «vpr.share_mark2»" in str(err.value)
    # a valid catalog whose code clashes with another catalog's indicator
    with pytest.raises(SpecError) as err:
        load_text(GOOD.replace("my.oge_share2", "oge.share_mark2"), file_name="mine.yaml")
    assert err.value.problems == ["показатель «oge.share_mark2» уже есть в каталоге «gia_vpr»"]

    assert not Catalog.objects.filter(code="mine").exists()
    assert {c.code: c.text for c in Catalog.objects.all()} == texts
    after = list(IndicatorDefinition.objects.order_by("code").values_list("code", "catalog__code", "spec"))
    assert after == before


@pytest.mark.django_db
def test_builtin_catalogs_load_in_order(world: Any) -> None:
    from msoko.indicators.catalog import sync_builtin
    from msoko.indicators.models import Catalog, IndicatorDefinition

    loaded = sync_builtin()
    assert [c.code for c in loaded] == ["gia_vpr", "aggregates", "career", "lrs", "motivating", "directions"]
    counts = dict(
        (code, IndicatorDefinition.objects.filter(catalog__code=code).count())
        for code in Catalog.objects.values_list("code", flat=True)
    )
    assert counts == {
        "gia_vpr": 38, "aggregates": 9, "career": 22, "lrs": 90, "motivating": 21, "directions": 50,
    }
    # loading again changes nothing (idempotent)
    sync_builtin()
    assert IndicatorDefinition.objects.count() == 230
