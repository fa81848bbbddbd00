"""``msoko values``: print stored indicator values as the pages show them, for machines.

Every row comes from ``api.readings`` — the reading the pages use — so norms, colours,
suppression of small groups and the like-for-like change are those of the pages. With
``--user`` the read is scoped by the permission policy exactly as that user's pages are
(a school administrator gets her own school's rows and the aggregates of her municipality
and region, never another school's); without it the read is unscoped, as for any command
run by whoever holds the installation.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msoko.exports_safe import csv_text
from msoko.indicators.models import Catalog, IndicatorDefinition, ValueFile

COLUMNS = [
    "year",
    "level",
    "code",
    "name",
    "indicator",
    "indicator_name",
    "subject",
    "grade",
    "task",
    "value",
    "numerator",
    "denominator",
    "n",
    "suppressed",
    "norm",
    "colour",
    "change",
    "change_same_schools",
    "same_schools",
]
LEVELS = ("school", "municipality", "region")
LEVEL_ORDER = {"region": 0, "municipality": 1, "school": 2}
HELP = (
    "Вывести рассчитанные значения показателей так, как их показывают страницы (норма, цвет, "
    "скрытие малых групп, изменение к прошлому году — по всем школам и по школам, "
    "участвовавшим в оба года). Формат для программ: CSV — UTF-8, разделитель «,», "
    "десятичная точка, первая строка — имена столбцов; json — массив объектов; jsonl — "
    "по объекту JSON в строке. Пустое поле (null) — значения нет или оно скрыто. В CSV текст, "
    "начинающийся с =, +, -, @, табуляции или возврата каретки, предваряется апострофом (защита "
    "от формул в таблицах). "
    "Столбцы: " + ", ".join(COLUMNS) + "."
)


def _year(text: str) -> int:
    """«2015», «2015/2016» or «2015/16» → 2015."""
    head = text.strip().split("/")[0]
    if not head.isdigit() or not 1900 < int(head) < 2200:
        raise CommandError(f"--year: «{text}» — не учебный год (например 2015 или 2015/2016)")
    return int(head)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--catalog", action="append", help="код каталога (можно несколько)")
        parser.add_argument(
            "--indicator", action="append", help="код показателя (можно несколько)"
        )
        parser.add_argument(
            "--year",
            action="append",
            help="учебный год: 2015 или 2015/2016 (можно несколько; по умолчанию все рассчитанные)",
        )
        parser.add_argument("--level", choices=LEVELS, help="уровень: school, municipality, region")
        parser.add_argument(
            "--territory",
            help="код территории: только она, её муниципалитеты и их организации",
        )
        parser.add_argument("--format", choices=["csv", "json", "jsonl"], default="csv")
        parser.add_argument(
            "--user", help="логин: показать только то, что видит этот пользователь на страницах"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from msoko.facts.store import OrgScope
        from msoko.indicators import api

        user = _user(options["user"])
        scope = OrgScope.for_user(user) if user is not None else None
        defs = _definitions(options["catalog"], options["indicator"])
        years = (
            sorted({_year(y) for y in options["year"]})
            if options["year"]
            else sorted(
                set(
                    ValueFile.objects.filter(
                        is_active=True, catalog__in={d.catalog.code for d in defs}
                    ).values_list("year", flat=True)
                )
            )
        )
        territories, orgs = _within(options["territory"])
        rows: list[dict[str, Any]] = []
        if defs and (scope is None or scope.org_ids):
            for year in years:
                rows += api.readings(
                    scope=scope,
                    year=year,
                    codes=[d.code for d in defs],
                    level=options["level"],
                    same_schools=True,
                )
        if territories is not None:
            rows = [
                r
                for r in rows
                if (r["org_id"] in orgs if r["level"] == "school" else r["territory_id"] in territories)
            ]
        lines = _lines(rows, defs)
        self.stdout.write(_render(lines, options["format"]), ending="")


def _user(login: str | None) -> Any:
    if not login:
        return None
    from msoko.access.models import User

    user = User.objects.filter(username=login).first()
    if user is None:
        raise CommandError(f"--user: нет пользователя с логином «{login}»")
    if not user.is_active:
        raise CommandError(f"--user: пользователь «{login}» отключён")
    return user


def _definitions(catalogs: list[str] | None, codes: list[str] | None) -> list[IndicatorDefinition]:
    qs = IndicatorDefinition.objects.filter(catalog__is_active=True).select_related("catalog")
    if catalogs:
        known = set(Catalog.objects.filter(code__in=catalogs, is_active=True).values_list("code", flat=True))
        missing = [c for c in catalogs if c not in known]
        if missing:
            raise CommandError(f"--catalog: нет действующего каталога «{', '.join(missing)}»")
        qs = qs.filter(catalog__code__in=catalogs)
    if codes:
        found = set(qs.filter(code__in=codes).values_list("code", flat=True))
        missing = [c for c in codes if c not in found]
        if missing:
            where = " в выбранных каталогах" if catalogs else ""
            raise CommandError(f"--indicator: нет показателя «{', '.join(missing)}»{where}")
        qs = qs.filter(code__in=codes)
    return list(qs.order_by("catalog__order", "catalog__code", "order"))


def _within(code: str | None) -> tuple[set[int] | None, set[int]]:
    """The territory named by ``code`` with its municipalities, and their organisations."""
    if not code:
        return None, set()
    from msoko.registry.models import Organisation, Territory

    territory = Territory.objects.filter(code=code).first()
    if territory is None:
        raise CommandError(f"--territory: нет территории с кодом «{code}»")
    ids = {territory.pk} | set(Territory.objects.filter(parent=territory).values_list("pk", flat=True))
    return ids, set(Organisation.objects.filter(territory_id__in=ids).values_list("pk", flat=True))


def _number(value: Any) -> float | None:
    """A figure for output: a float, or None for none (NaN is not JSON)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _lines(rows: Iterable[dict[str, Any]], defs: list[IndicatorDefinition]) -> list[dict[str, Any]]:
    from msoko.registry.models import Organisation, Territory

    order = {d.code: i for i, d in enumerate(defs)}
    names = {d.code: d.name for d in defs}
    rows = list(rows)
    orgs = {
        pk: (c, n)
        for pk, c, n in Organisation.objects.filter(
            pk__in={r["org_id"] for r in rows if r["level"] == "school"}
        ).values_list("pk", "code", "short_name")
    }
    territories = {pk: (c, n) for pk, c, n in Territory.objects.values_list("pk", "code", "name")}
    out = []
    for r in rows:
        code, name = (
            orgs.get(r["org_id"], ("", "")) if r["level"] == "school" else territories.get(r["territory_id"], ("", ""))
        )
        out.append(
            {
                "year": f"{r['year']}/{r['year'] + 1}",
                "level": r["level"],
                "code": code,
                "name": name,
                "indicator": r["indicator"],
                "indicator_name": names[r["indicator"]],
                "subject": r["subject"],
                "grade": r["grade"],
                "task": r["task"],
                "value": _number(r["value"]),
                "numerator": _number(r["numerator"]),
                "denominator": _number(r["denominator"]),
                "n": _number(r["n"]),
                "suppressed": bool(r["suppressed"]),
                "norm": _number(r["norm"]),
                "colour": r["colour"],
                "change": _number(r["change"]),
                "change_same_schools": _number(r.get("change_same_schools")),
                "same_schools": r.get("same_schools"),
                "_sort": (
                    r["year"],
                    order[r["indicator"]],
                    r["subject"] or "",
                    -1 if r["grade"] is None else r["grade"],
                    r["task"] or "",
                    LEVEL_ORDER[r["level"]],
                    name.casefold(),
                ),
            }
        )
    out.sort(key=lambda line: line["_sort"])
    for line in out:
        del line["_sort"]
    return out


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return csv_text(value)  # a name like «=cmd|…» must not run in a spreadsheet
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # a dot decimal, every digit (no locale)
    return str(value)


def _render(lines: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(lines, ensure_ascii=False, indent=1) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow([_cell(line[c]) for c in COLUMNS])
    return buffer.getvalue()
