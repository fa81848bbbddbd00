"""Russian presentation helpers: plural forms, numbers with a decimal comma, percentages,
academic years.

``{% load ru %}`` then::

    {{ n|ru_count:"школа,школы,школ" }}   → «1 школа», «3 школы», «11 школ», «1 234 школы»
    {{ n|ru_plural:"балл,балла,баллов" }} → the word alone
    {{ value|num:2 }}                      → «3,75» (or «—» when there is no value)
    {{ value|pct }}                        → «25,0 %»
    {{ 2024|academic_year }}               → «2024/2025» (never «2 024»)
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils import formats

register = template.Library()

NO_VALUE = "—"


def plural_form(n: Any, forms: str | tuple[str, str, str] | list[str]) -> str:
    """The Russian form of a word for the number ``n``: ``forms`` are the forms for 1, 2 and 5
    («школа», «школы», «школ»), as a tuple or separated by commas.

    11–14 take the third form («11 школ»); a fractional number takes the second
    («2,5 балла»)."""
    one, few, many = _forms(forms)
    try:
        number = Decimal(str(n))
    except ArithmeticError:
        return many
    if number != number.to_integral_value():
        return few
    value = abs(int(number))
    if value % 10 == 1 and value % 100 != 11:
        return one
    if 2 <= value % 10 <= 4 and not 12 <= value % 100 <= 14:
        return few
    return many


def _forms(forms: str | tuple[str, str, str] | list[str]) -> tuple[str, str, str]:
    parts = [p.strip() for p in forms.split(",")] if isinstance(forms, str) else list(forms)
    if len(parts) != 3:
        raise template.TemplateSyntaxError("Нужны три формы слова: «школа,школы,школ»")
    return parts[0], parts[1], parts[2]


@register.filter
def ru_plural(n: Any, forms: str) -> str:
    """The word alone: ``{{ n|ru_plural:"школа,школы,школ" }}``."""
    if n is None or n == "":
        return _forms(forms)[2]
    return plural_form(n, forms)


@register.filter
def ru_count(n: Any, forms: str) -> str:
    """The number and the word: ``{{ n|ru_count:"школа,школы,школ" }}`` → «5 школ»."""
    if n is None or n == "":
        return NO_VALUE
    return f"{formats.number_format(n, use_l10n=True)}\u00a0{plural_form(n, forms)}"


@register.filter
def num(value: Any, decimals: Any = 0) -> str:
    """A number in Russian notation (decimal comma, grouped thousands), rounded half up as
    reports round, or «—»."""
    if value is None or value == "":
        return NO_VALUE
    try:
        places = int(decimals)
    except (TypeError, ValueError):
        places = 0
    try:
        rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    except ArithmeticError:
        return NO_VALUE
    return formats.number_format(rounded, decimal_pos=places, use_l10n=True)


@register.filter
def pct(value: Any, decimals: Any = 1) -> str:
    """A percentage: «25,0 %», or «—» when there is none."""
    if value is None or value == "":
        return NO_VALUE
    return f"{num(value, decimals)}\u00a0%"


@register.filter
def academic_year(start_year: Any) -> str:
    """«2024/2025» for the start year 2024."""
    if start_year is None or start_year == "":
        return NO_VALUE
    year = int(start_year)
    return f"{year}/{year + 1}"


@register.filter
def yes_no(value: Any) -> str:
    return "да" if value else "нет"
