"""Create or update the built-in school forms (seed 003); safe to repeat."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from msoko.access.audit import acting_as
from msoko.collect.catalog import FORMS, load_forms
from msoko.collect.models import DataForm, FormField


class Command(BaseCommand):
    help = "Загрузить (обновить) встроенные формы сбора данных от ОО (мониторинг ШНРО, seed 003)"

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic(), acting_as(label="collect_load_forms"):
            fields = load_forms(DataForm, FormField)
        self.stdout.write(f"Форм: {len(FORMS)}, полей: {fields}")
