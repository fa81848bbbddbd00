"""``msoko doctor [--fix]``: is the data folder in order? (msoko/ops/doctor.py)"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Проверить папку данных и базу: незарегистрированные файлы, пропавшие или изменённые "
        "файлы, прерванные расчёты и задания, права доступа; --fix — исправить то, что безопасно"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fix", action="store_true", help="исправить то, что безопасно")

    def handle(self, *args: Any, fix: bool, **options: Any) -> None:
        from msoko.ops.doctor import PROBLEM, run

        findings = run(fix=fix)
        rows = [("Проверка", "Состояние", "Подробности")] + [
            (f.check, f.status, f.detail) for f in findings
        ]
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        for i, (check, status, detail) in enumerate(rows):
            self.stdout.write(f"{check:<{w0}}  {status:<{w1}}  {detail}".rstrip())
            if i == 0:
                self.stdout.write(f"{'-' * w0}  {'-' * w1}  {'-' * 11}")
        left = [f for f in findings if f.status == PROBLEM]
        if left:
            hint = "" if fix else " Запустите msoko doctor --fix, чтобы исправить безопасное."
            raise CommandError(f"Проблем: {len(left)}.{hint}", returncode=1)
        self.stdout.write("Проблем не найдено.")
