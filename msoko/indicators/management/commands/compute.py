"""``msoko compute``: recompute indicator values from the command line, with progress."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msoko.indicators.catalog import sync_builtin
from msoko.indicators.spec import SpecError


class Command(BaseCommand):
    help = "Пересчитать показатели (все каталоги и годы или выбранные)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--catalog", action="append", help="код каталога (можно несколько)")
        parser.add_argument("--year", action="append", type=int, help="учебный год (год начала)")
        parser.add_argument(
            "--org", action="append", help="код организации: пересчитать только её значения"
        )
        parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
        parser.add_argument(
            "--no-sync", action="store_true", help="не обновлять встроенные каталоги из файлов"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from msoko.indicators.compute import compute
        from msoko.registry.models import Organisation

        if not options["no_sync"]:
            try:
                loaded = sync_builtin()
            except SpecError as exc:
                raise CommandError("Ошибки в каталогах показателей:\n" + str(exc)) from None
            self.stdout.write(f"Встроенных каталогов: {len(loaded)}")
        org_ids = None
        if options["org"]:
            found = dict(
                Organisation.objects.filter(code__in=options["org"]).values_list("code", "pk")
            )
            missing = sorted(set(options["org"]) - set(found))
            if missing:
                raise CommandError(f"Нет организаций с кодами: {', '.join(missing)}")
            org_ids = list(found.values())
        result = compute(
            catalogs=options["catalog"],
            years=options["year"],
            org_ids=org_ids,
            engine=options["engine"],
            trigger="command",
            progress=self.stdout.write,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Расчёт № {result.run.pk}: {result.rows:,} значений за {result.seconds:.1f} с"
                .replace(",", " ")
            )
        )
