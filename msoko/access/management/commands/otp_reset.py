"""``msoko otp_reset USER``: remove a user's authenticator (a lost phone); she signs in with her
password and, if she wants or her role requires, sets up a new one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from msoko.access import audit, otp
from msoko.access.models import User


class Command(BaseCommand):
    help = "Сбросить второй фактор (приложение-аутентификатор) пользователя."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="имя пользователя")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Пользователь «{username}» не найден.")
        removed = otp.reset(user)
        with audit.acting_as(None, label="командная строка"):
            audit.record(
                "update", model="access.User", object_id=user.pk, object_repr=str(user),
                changes={"operation": "second_factor_reset", "devices_removed": removed},
            )
        if removed:
            self.stdout.write(f"Второй фактор пользователя «{username}» сброшен.")
        else:
            self.stdout.write(f"У пользователя «{username}» не было второго фактора.")
