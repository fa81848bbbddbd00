"""``msoko audit verify``: check the audit log's hash chain.

Prints «OK» with the number of rows and the last row (its id, time and hash — write the hash
down or keep it with the backups: a chain cut short at its end is found only against it), or
the first broken link: the row's id and time and what does not match; exit code 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from msoko.access import audit


def _when(row: Any) -> str:
    return f"{timezone.localtime(row.at):%d.%m.%Y %H:%M:%S}"


class Command(BaseCommand):
    help = "Журнал аудита: msoko audit verify — проверить цепочку хэшей записей"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["verify"], help="verify — проверить цепочку хэшей")

    def handle(self, *args: Any, **opts: Any) -> None:
        verdict = audit.verify()
        if verdict.ok:
            if verdict.last is None:
                self.stdout.write("OK: журнал аудита пуст.")
                return
            last = verdict.last
            self.stdout.write(
                f"OK: цепочка журнала аудита цела, записей: {verdict.rows}. Последняя запись "
                f"№ {last.pk} от {_when(last)}, хэш {last.row_hash}."
            )
            return
        row = verdict.broken
        raise CommandError(
            f"Цепочка журнала аудита нарушена на записи № {row.pk} от {_when(row)} "
            f"({row.actor_label}, {row.get_action_display()} {row.model}): {verdict.problem}. "
            f"Записей до неё проверено и цело: {verdict.rows - 1}.",
            returncode=1,
        )
