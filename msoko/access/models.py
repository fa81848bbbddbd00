"""Users, their role and the part of the territory tree they may see; the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    REGIONAL_ANALYST = "regional_analyst", "Аналитик регионального центра"
    MUNICIPAL_SPECIALIST = "municipal_specialist", "Специалист муниципального органа"
    SCHOOL_ADMIN = "school_admin", "Администратор образовательной организации"
    VIEWER = "viewer", "Наблюдатель (только просмотр)"


class User(AbstractUser):
    """A user bound to one node of the territory tree, or to one organisation.

    * regional analyst — a region (sees every municipality of it);
    * municipal specialist — a municipality;
    * school administrator — one organisation;
    * viewer — a territory or one organisation, read-only.

    Superusers are technical administrators; they see everything.
    """

    role = models.CharField("роль", max_length=30, choices=Role.choices, default=Role.VIEWER)
    territory = models.ForeignKey(
        "registry.Territory",
        verbose_name="территория",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="организация",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    position = models.CharField("должность", max_length=255, blank=True)
    must_change_password = models.BooleanField(
        "сменить пароль при входе",
        default=False,
        help_text="Пароль выдан как временный: до его смены открывается только страница смены пароля.",
    )

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"

    def clean(self) -> None:
        super().clean()
        if self.is_superuser:
            return
        if self.role == Role.SCHOOL_ADMIN and not self.organisation_id:
            raise ValidationError({"organisation": "Администратор ОО привязывается к организации."})
        if self.role in (Role.REGIONAL_ANALYST, Role.MUNICIPAL_SPECIALIST) and not self.territory_id:
            raise ValidationError({"territory": "Укажите территорию, которую видит пользователь."})
        if self.role == Role.VIEWER and not (self.territory_id or self.organisation_id):
            raise ValidationError("Наблюдатель привязывается к территории или к организации.")


class AuditLog(models.Model):
    """One row per change: who, when, what, from where. Written by ``msoko.access.audit``,
    never edited.

    Tamper-evident: ``row_hash`` is the SHA-256 of ``prev_hash`` and the row's canonical form
    (``audit.canonical``); ``prev_hash`` is the previous row's ``row_hash`` (rows in id
    order). ``msoko audit verify`` recomputes the chain and names the first broken link.
    The ``actor`` link is a convenience (it empties when a user is deleted); the hashed
    identity is ``actor_label``."""

    class Action(models.TextChoices):
        CREATE = "create", "Создание"
        UPDATE = "update", "Изменение"
        DELETE = "delete", "Удаление"
        LOGIN = "login", "Вход"
        LOGOUT = "logout", "Выход"
        LOGIN_FAILED = "login_failed", "Неудачный вход"
        BULK = "bulk", "Пакетная операция"
        EXPORT = "export", "Выгрузка"
        IMPORT = "import", "Загрузка пакета данных"
        ROLLBACK = "rollback", "Отмена пакета загрузки"
        REFUSED = "refused", "Отказ: действие сверх полномочий"
        READ = "read", "Чтение данных обучающихся"

    # set in Python before hashing (``audit.record``), not by the database
    at = models.DateTimeField("когда", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField("кто (подпись)", max_length=255, blank=True)
    action = models.CharField("действие", max_length=20, choices=Action.choices)
    model = models.CharField("объект", max_length=100, blank=True)
    object_id = models.CharField("идентификатор", max_length=64, blank=True)
    object_repr = models.CharField("представление", max_length=500, blank=True)
    changes = models.JSONField("что изменилось", default=dict, blank=True)
    ip_address = models.CharField("IP-адрес", max_length=45, blank=True)
    user_agent = models.CharField("браузер (User-Agent)", max_length=500, blank=True)
    prev_hash = models.CharField("хэш предыдущей записи", max_length=64, blank=True)
    row_hash = models.CharField("хэш записи", max_length=64, blank=True)

    class Meta:
        verbose_name = "запись журнала аудита"
        verbose_name_plural = "журнал аудита"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.actor_label} {self.get_action_display()} {self.model}"
