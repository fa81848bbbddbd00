"""Russian presentation helpers: plural forms, numbers with a decimal comma, percentages."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from msoko.web.templatetags.ru import academic_year, num, pct, plural_form, ru_count, ru_plural

SCHOOL = "школа,школы,школ"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (0, "школ"),
        (1, "школа"),
        (2, "школы"),
        (3, "школы"),
        (4, "школы"),
        (5, "школ"),
        (10, "школ"),
        (11, "школ"),
        (12, "школ"),
        (13, "школ"),
        (14, "школ"),
        (15, "школ"),
        (20, "школ"),
        (21, "школа"),
        (22, "школы"),
        (25, "школ"),
        (101, "школа"),
        (111, "школ"),
        (112, "школ"),
        (122, "школы"),
        (1001, "школа"),
        (-1, "школа"),
    ],
)
def test_plural_forms(n: int, word: str) -> None:
    assert plural_form(n, SCHOOL) == word
    assert ru_plural(n, SCHOOL) == word


def test_plural_of_a_fraction_takes_the_genitive_singular() -> None:
    assert plural_form(2.5, "балл,балла,баллов") == "балла"
    assert plural_form(1.0, "балл,балла,баллов") == "балл"


def test_plural_needs_three_forms() -> None:
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        plural_form(1, "школа,школы")


def test_count_with_grouped_thousands() -> None:
    assert ru_count(5, SCHOOL) == f"5{NBSP}школ"
    assert ru_count(1234, SCHOOL) == f"1{NBSP}234{NBSP}школы"
    assert ru_count(None, SCHOOL) == "—"


def test_numbers_use_a_decimal_comma_and_round_half_up() -> None:
    assert num(3.75, 2) == "3,75"
    assert num(3.745, 2) == "3,75"
    assert num(58.4, 1) == "58,4"
    assert num(1234567.891, 1) == f"1{NBSP}234{NBSP}567,9"
    assert num(None) == "—"
    assert pct(100 * 4 / 9) == f"44,4{NBSP}%"
    assert pct(None) == "—"
    assert pct(25, 0) == f"25{NBSP}%"


def test_academic_year_is_never_grouped() -> None:
    assert academic_year(2024) == "2024/2025"


def test_filters_in_a_template() -> None:
    out = Template(
        '{% load ru %}{{ n|ru_count:"школа,школы,школ" }}; {{ x|num:2 }}; {{ y|academic_year }}'
    ).render(Context({"n": 12, "x": 4.5, "y": 2023}))
    assert out == f"12{NBSP}школ; 4,50; 2023/2024"


def test_dates_are_russian() -> None:
    import datetime

    out = Template('{{ d|date:"j E Y" }}').render(Context({"d": datetime.date(2025, 3, 1)}))
    assert out == "1 марта 2025"
