"""``msoko backup FILE``: a consistent copy of the whole installation while it runs.

Database, fact store, value store and the secrets (SECRET_KEY and the pseudonym key) in one
tar file, gzip-compressed unless FILE ends in ``.tar``, created with permissions 0600
(it holds the pseudonym key). See msoko/ops/backup.py and docs/user/backup.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msoko.ops.backup import BackupError, backup


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} МБ".replace(".", ",")


class Command(BaseCommand):
    help = "Резервная копия установки: база данных, хранилища фактов и значений, ключи (в один файл)"
    # the command needs no URL or model checks (they import every view: seconds in a cron job)
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="файл копии, например /backup/msoko-2026-12-07.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup(Path(options["file"]), say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = result.manifest["counts"]
        self.stdout.write(self.style.SUCCESS(f"Резервная копия записана: {result.path} ({_mb(result.size)})."))
        self.stdout.write(
            f"  база: {result.manifest['engine']}, таблиц {len(counts['tables'])}, "
            f"строк {sum(counts['tables'].values())}; файлов фактов {counts['fact_files']}, "
            f"файлов значений {counts['value_files']}."
        )
        self.stdout.write(
            "  В копии ключ псевдонимов обучающихся: храните её так же бережно, как саму базу "
            "(права файла — 0600, только владелец)."
        )
