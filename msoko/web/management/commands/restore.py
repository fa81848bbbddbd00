"""``msoko restore FILE``: restore a backup into a new, empty data folder and database.

Every member's sha256 is checked against the manifest before anything is written; then the
files, the database and the secrets are put in place, ``migrate`` brings an older schema up
to date, and a verification pass checks that every registered file is there with the right
checksum. See msoko/ops/backup.py and docs/user/backup.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msoko.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Восстановить установку из резервной копии в новую пустую папку данных и пустую базу"
    # the checks must not open (and so create) the database before it is found to be empty
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="файл резервной копии (msoko backup)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore(Path(options["file"]), say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        m = result.manifest
        self.stdout.write(self.style.SUCCESS(
            f"Восстановлено из копии от {m['created_at']} (msoko {m['msoko_version']}): "
            f"файлов фактов {m['counts']['fact_files']}, файлов значений {m['counts']['value_files']}; "
            f"проверено файлов после восстановления: {result.checked_files}."
        ))
