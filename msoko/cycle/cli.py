"""``msoko import roadmap FILE``: the command-line side of the roadmap import (called from
``msoko.intake.management.commands.import``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from msoko.cycle.roadmap_io import already_loaded_message, import_roadmap, parse_file

USAGE = (
    "msoko import roadmap ФАЙЛ.xlsx|docx [--territory КОД] [--years 2022-2024] "
    "[--title НАЗВАНИЕ] [--dry-run] [--user ЛОГИН]"
)


def _years(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    parts = text.replace("–", "-").split("-")
    try:
        first = int(parts[0])
        last = int(parts[-1])
    except ValueError:
        raise CommandError(f"--years: ожидается «2022» или «2022-2024», получено «{text}»") from None
    return (first, last)


def run(args: list[str], opts: dict[str, Any], *, user: Any, out: Any, err: Any) -> None:
    """Import one roadmap file; print the number of measures, or every problem with where."""
    from msoko.registry.models import Territory

    if len(args) != 1:
        raise CommandError(USAGE)
    code = opts.get("territory")
    if code:
        territory = Territory.objects.filter(code=code).first()
        if territory is None:
            raise CommandError(f"Территория с кодом «{code}» не найдена")
    else:
        if user is not None and getattr(user, "territory_id", None):
            territory = user.territory
        else:
            municipalities = list(Territory.objects.filter(kind=Territory.Kind.MUNICIPALITY)[:2])
            if len(municipalities) != 1:
                raise CommandError("Укажите территорию: --territory КОД")
            territory = municipalities[0]
    parsed = parse_file(args[0])
    if opts.get("dry_run") or parsed.errors:
        for p in parsed.errors:
            err.write(str(p))
        for p in parsed.warnings:
            out.write(str(p))
        if parsed.errors:
            raise CommandError(f"Файл не загружен: ошибок {len(parsed.errors)}.", returncode=2)
        out.write(f"Проверка пройдена (ничего не записано). Мероприятий: {len(parsed.measures)}; разделов: {len(parsed.sections)}.")
        return
    outcome = import_roadmap(
        args[0], parsed=parsed, territory=territory, user=user,
        title=opts.get("title") or None, years=_years(opts.get("years")),
    )
    if outcome.already:
        out.write(already_loaded_message(outcome.roadmap))
        return
    if not outcome.ok:
        for p in outcome.parsed.errors:
            err.write(str(p))
        raise CommandError(f"Файл не загружен: ошибок {len(outcome.parsed.errors)}.", returncode=2)
    for p in outcome.parsed.warnings:
        out.write(str(p))
    roadmap = outcome.roadmap
    out.write(
        f"Загружено мероприятий: {outcome.measures}; разделов: {len(parsed.sections)}; "
        f"дорожная карта {roadmap.pk} «{roadmap.title}» ({roadmap.period_label}, {territory.name})."
    )
