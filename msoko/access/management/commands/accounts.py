"""``msoko accounts schools --territory КОД [--org КОД ...] --out logins.xlsx [--user ЛОГИН] [--reset]``.

Creates a school-administrator account for every school of the territory that has none yet
(or only for the listed schools) and writes the logins with their one-time passwords to a new
XLSX file — the only place the passwords exist in clear. Without ``--user`` the command acts
as the server's operator (every territory); with it, within that user's rights.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from msoko.access.accounts import AccountsError, accounts_xlsx, issue_school_accounts
from msoko.access.audit import acting_as
from msoko.access.models import User
from msoko.registry.models import Territory


class Command(BaseCommand):
    help = (
        "Учётные записи школ: msoko accounts schools --territory КОД [--org КОД ...] "
        "--out logins.xlsx [--user ЛОГИН] [--reset]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["schools"], help="schools — учётные записи школ")
        parser.add_argument("--territory", required=True, help="код территории (регион или муниципалитет)")
        parser.add_argument(
            "--org", action="append", default=[], metavar="КОД",
            help="только эти школы (код ОО; можно повторять)",
        )
        parser.add_argument("--out", required=True, help="новый файл XLSX для логинов и паролей")
        parser.add_argument("--user", help="от имени пользователя (в пределах его прав)")
        parser.add_argument(
            "--reset", action="store_true",
            help="выдать новые временные пароли учётным записям перечисленных школ (--org)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        out = Path(opts["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"Файл для логинов должен быть .xlsx: {out}")
        if out.exists():
            raise CommandError(
                f"Файл {out} уже существует: укажите новый — прежний может хранить ещё не "
                "выданные пароли."
            )
        if not out.parent.exists():
            raise CommandError(f"Папки {out.parent} нет.")
        territory = Territory.objects.filter(code=opts["territory"]).first()
        if territory is None:
            raise CommandError(f"Территории с кодом {opts['territory']} нет.")
        user = None
        if opts.get("user"):
            user = User.objects.filter(username=opts["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"Действующего пользователя {opts['user']} нет.")
        codes = [c.strip() for value in opts["org"] for c in value.split(",") if c.strip()]
        # The file is claimed before anything is written (owner-only rights, never over a
        # file that exists): the passwords must have somewhere to go once the accounts exist.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            # One transaction: accounts whose passwords could not be written are not kept.
            with transaction.atomic(), acting_as(user, "командная строка"):
                issued = issue_school_accounts(user, territory, codes, reset=opts["reset"])
                if issued:
                    with os.fdopen(os.dup(fd), "wb") as fh:
                        fh.write(accounts_xlsx(issued))
        except AccountsError as exc:
            os.close(fd)
            out.unlink()
            raise CommandError(str(exc)) from None
        except BaseException:
            os.close(fd)
            out.unlink()
            raise
        os.close(fd)
        if not issued:
            out.unlink()
            self.stdout.write(
                "У всех школ уже есть учётные записи администратора ОО: новых не создано, "
                "файл не записан."
            )
            return
        verb = "Выданы новые пароли" if opts["reset"] else "Создано учётных записей"
        self.stdout.write(
            f"{verb}: {len(issued)}. Логины и временные пароли: {out} — передайте школам и "
            "удалите файл; при первом входе пароль нужно сменить."
        )
