"""``msoko setup``: make an empty data folder ready to use, and say what to do next.

It runs ``migrate`` (which adds the reference data: ``msoko.facts.reference``), makes sure
the reference data is there even when ``MSOKO_REFERENCE_ON_MIGRATE`` turned that off, and
tells the user in Russian the next two steps: the technical administrator, then the
first-run page («Первый запуск») where the region and its municipalities are created.
Running it again changes nothing that exists.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.urls import reverse

from msoko.access.audit import acting_as
from msoko.facts.reference import ensure_installation_reference, year_label
from msoko.registry.models import Territory


class Command(BaseCommand):
    help = "Подготовить установку: база данных, справочники (процедуры, предметы, учебные годы, шкалы)"

    def handle(self, *args: Any, **options: Any) -> None:
        w = self.stdout.write
        verbosity = int(options.get("verbosity", 1))
        w("База данных: применяю миграции…")
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        with acting_as(None, "msoko setup: начальные справочники"):
            ref = ensure_installation_reference()
        years = f"{year_label(min(ref.years))} — {year_label(max(ref.years))}" if ref.years else "нет"
        current = year_label(ref.current) if ref.current is not None else "не отмечен"
        w(self.style.SUCCESS("Справочники на месте:"))
        w(f"  процедур: {ref.procedures}; предметов: {ref.subjects};")
        w(f"  учебные годы: {years} (текущий — {current});")
        w(f"  шкал перевода и порогов: {ref.scales} (у каждой указан источник; "
          "проверьте их в разделе «Шкалы перевода и пороги»).")
        has_admin = get_user_model().objects.filter(is_superuser=True, is_active=True).exists()
        has_region = Territory.objects.filter(kind=Territory.Kind.REGION).exists()
        w("")
        w("Что дальше:")
        step = 1
        if not has_admin:
            w(f"  {step}. Создайте технического администратора: msoko createsuperuser")
            step += 1
        w(f"  {step}. Запустите msoko serve и войдите от имени технического администратора: "
          f"http://127.0.0.1:8000{reverse('first_run')}")
        step += 1
        if has_region:
            w("     Регион уже заведён: на странице «Первый запуск» — ссылки на загрузку "
              "организаций и создание пользователей.")
        else:
            w("     Откроется страница «Первый запуск»: заведите регион и его муниципалитеты, "
              "затем загрузите организации из файла и создайте пользователей.")
