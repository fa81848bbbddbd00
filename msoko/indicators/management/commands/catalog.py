"""``msoko catalog check|load FILE``: validate or load a catalog of indicators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msoko.indicators.catalog import load_text
from msoko.indicators.spec import SpecError, parse_catalog


class Command(BaseCommand):
    help = "Проверить (check) или загрузить (load) каталог показателей из файла YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "load"])
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Нет файла {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"{path.name}: файл не в кодировке UTF-8") from None
        try:
            if options["action"] == "check":
                spec = parse_catalog(text)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Каталог «{spec.code}» без ошибок: показателей {len(spec.indicators)}"
                    )
                )
            else:
                catalog = load_text(text, file_name=path.name)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Каталог «{catalog.code}» загружен: показателей "
                        f"{catalog.indicators.count()}"
                    )
                )
        except SpecError as exc:
            raise CommandError(f"{path.name}: ошибки в каталоге:\n" + str(exc)) from None
