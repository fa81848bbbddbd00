"""``msoko cycle_digest``: the daily e-mail of overdue and upcoming measures.

Each active user with an e-mail address gets one letter listing the overdue measures and
those due within 30 days among the measures they see (the same list as the dashboard's
«Сроки мероприятий»); users with nothing to do get no letter. Mail goes through Django's
mail settings (``EMAIL_BACKEND``; the console by default). A cron job or a systemd timer
calls it once a day::

    15 7 * * *  cd /srv/msoko && uv run msoko cycle_digest

``--date 2024-03-01`` computes as of another day; ``--dry-run`` prints who would get what.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser

from msoko.cycle import scope
from msoko.cycle.status import UPCOMING_DAYS, reminders


def digest_text(user: Any, found: Any, day: datetime.date) -> str:
    lines = [f"Здравствуйте, {user.get_full_name() or user.get_username()}!", ""]
    lines.append(f"Мероприятия дорожных карт на {day:%d.%m.%Y}.")
    if found.overdue:
        lines += ["", f"Просрочено ({len(found.overdue)}):"]
        for m, st in found.overdue:
            where = f" — {m.organisation.short_name}" if m.organisation_id else ""
            lines.append(f"• {m.content[:150]} (срок {st.overdue[0]:%d.%m.%Y}; «{m.deadline_text}»){where}")
    if found.upcoming:
        lines += ["", f"Срок в ближайшие {UPCOMING_DAYS} дней ({len(found.upcoming)}):"]
        for m, st in found.upcoming:
            where = f" — {m.organisation.short_name}" if m.organisation_id else ""
            lines.append(f"• {m.content[:150]} (до {st.next_due:%d.%m.%Y}; «{m.deadline_text}»){where}")
    lines += ["", "Отметить исполнение: МСОКО → Управление.", "Письмо отправлено автоматически."]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Ежедневная рассылка: просроченные и приближающиеся мероприятия дорожных карт"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="на дату ГГГГ-ММ-ДД (по умолчанию сегодня)")
        parser.add_argument("--dry-run", action="store_true", help="не отправлять, только показать")

    def handle(self, *args: Any, **opts: Any) -> None:
        from django.utils import timezone

        day = timezone.localdate()
        if opts.get("date"):
            try:
                day = datetime.date.fromisoformat(opts["date"])
            except ValueError:
                raise CommandError(f"--date: ожидается ГГГГ-ММ-ДД, получено «{opts['date']}»") from None
        sent = 0
        users = get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk")
        for user in users:
            found = reminders(scope.visible_measures(user), day)
            if found.empty:
                continue
            subject = (
                f"МСОКО: просрочено {len(found.overdue)}, срок подходит {len(found.upcoming)}"
            )
            body = digest_text(user, found, day)
            if opts.get("dry_run"):
                self.stdout.write(f"{user.email}: {subject}")
                continue
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            sent += 1
        if not opts.get("dry_run"):
            self.stdout.write(f"Отправлено писем: {sent}.")
