"""School data-entry forms with approval (DHIS2's data approval is the model).

* ``DataForm`` — a form definition: what a school enters that no file brings (a document's
  presence with its link on the school's site, percent of implementation in the seed 003
  buckets, counts), the seed document it comes from, its period (an academic year) and which
  kinds of organisation fill it;
* ``FormField`` — an ordered field of a form, with the indicator it feeds;
* ``Submission`` — one form of one organisation for one academic year: draft → submitted →
  approved, or submitted → returned (with the specialist's comment) → draft again; approved
  data is locked until a specialist unapproves it with a reason;
* ``SubmissionEvent`` — the approval history: who, when, what, with which comment.

Every change goes through ``msoko.collect.actions``; the audit signals record every save.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class PeriodType(models.TextChoices):
    ACADEMIC_YEAR = "academic_year", "Учебный год"


class FieldKind(models.TextChoices):
    DOCUMENT = "document", "Наличие документа (со ссылкой на сайт ОО)"
    BUCKET = "bucket", "Процент реализации"
    COUNT = "count", "Количество"
    NUMBER = "number", "Числовой показатель"
    YES_NO = "yes_no", "Да / нет"
    TEXT = "text", "Текст"


class Bucket(models.TextChoices):
    """Percent of implementation, as seed 003 collects it («Процент реализации»)."""

    NOT_IMPLEMENTED = "not_implemented", "не реализуется"
    LT25 = "lt25", "менее 25 %"
    P25_50 = "25_50", "25–50 %"
    P51_75 = "51_75", "51–75 %"
    GT75 = "gt75", "более 75 %"
    FULL = "full", "в полном объёме"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Не начата"
    DRAFT = "draft", "Черновик"
    SUBMITTED = "submitted", "На проверке"
    RETURNED = "returned", "Возвращена на доработку"
    APPROVED = "approved", "Утверждена"


#: Statuses in which the school may change the values.
EDITABLE_STATUSES = frozenset({Status.NOT_STARTED, Status.DRAFT, Status.RETURNED})


class DataForm(models.Model):
    """A form definition (DHIS2's data set): fields, period type, who fills it, its source."""

    code = models.SlugField("код", max_length=64, unique=True)
    name = models.CharField("название", max_length=500)
    description = models.TextField("описание", blank=True)
    source = models.CharField(
        "документ-источник",
        max_length=1000,
        help_text="Документ, из которого взяты показатели формы",
    )
    period_type = models.CharField(
        "период", max_length=20, choices=PeriodType.choices, default=PeriodType.ACADEMIC_YEAR
    )
    organisation_kinds = models.JSONField(
        "кто заполняет",
        default=list,
        help_text="Типы организаций, которые заполняют форму (school, preschool, additional)",
    )
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "форма сбора данных"
        verbose_name_plural = "формы сбора данных"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, organisation: Any) -> bool:
        return organisation.kind in (self.organisation_kinds or [])


class FormField(models.Model):
    """One field of a form, in order, with the indicator it feeds later."""

    form = models.ForeignKey(
        DataForm, verbose_name="форма", on_delete=models.CASCADE, related_name="fields"
    )
    order = models.PositiveSmallIntegerField("порядок", default=0)
    code = models.SlugField("код", max_length=64)
    section = models.CharField("раздел", max_length=500, blank=True)
    label = models.CharField("показатель", max_length=1000)
    kind = models.CharField("тип", max_length=20, choices=FieldKind.choices)
    required = models.BooleanField("обязательное", default=False)
    help_text = models.TextField("пояснение", blank=True)
    collection_method = models.CharField(
        "метод сбора", max_length=255, blank=True, help_text="Как в документе-источнике"
    )
    indicator_code = models.CharField("код показателя", max_length=100, blank=True)
    not_more_than = models.SlugField(
        "не больше поля",
        max_length=64,
        blank=True,
        help_text="Код поля этой же формы, значение которого не может быть превышено",
    )

    class Meta:
        verbose_name = "поле формы"
        verbose_name_plural = "поля формы"
        ordering = ["form", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "code"], name="collect_field_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form.code}.{self.code}"


class Submission(models.Model):
    """One form of one organisation for one academic year, with its values and status.

    ``values`` maps a field code to its value: a document is ``{"present": bool, "url": str}``,
    a bucket its code, a count an int, a number a decimal string, yes/no a bool, text a str.
    """

    form = models.ForeignKey(
        DataForm, verbose_name="форма", on_delete=models.PROTECT, related_name="submissions"
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="организация",
        on_delete=models.PROTECT,
        related_name="form_submissions",
    )
    year = models.ForeignKey(
        "registry.AcademicYear",
        verbose_name="учебный год",
        on_delete=models.PROTECT,
        related_name="form_submissions",
    )
    status = models.CharField(
        "статус", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    values = models.JSONField("значения", default=dict, blank=True)
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)
    submitted_at = models.DateTimeField("отправлена", null=True, blank=True)
    decided_at = models.DateTimeField("решение принято", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="решение принял",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField("комментарий проверяющего", blank=True)

    class Meta:
        verbose_name = "заполненная форма"
        verbose_name_plural = "заполненные формы"
        ordering = ["form__order", "organisation__short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "organisation", "year"], name="collect_submission_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form.code} · {self.organisation_id} · {self.year_id}"

    @property
    def is_locked(self) -> bool:
        return self.status not in EDITABLE_STATUSES


class SubmissionEvent(models.Model):
    """The approval history of a submission (never edited)."""

    class Action(models.TextChoices):
        SAVE = "save", "Сохранён черновик"
        SUBMIT = "submit", "Отправлена на проверку"
        APPROVE = "approve", "Утверждена"
        RETURN = "return", "Возвращена на доработку"
        UNAPPROVE = "unapprove", "Утверждение отменено"

    submission = models.ForeignKey(
        Submission, verbose_name="форма", on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField("когда", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField("кто (подпись)", max_length=255, blank=True)
    action = models.CharField("действие", max_length=20, choices=Action.choices)
    from_status = models.CharField("было", max_length=20, choices=Status.choices)
    to_status = models.CharField("стало", max_length=20, choices=Status.choices)
    comment = models.TextField("комментарий", blank=True)

    class Meta:
        verbose_name = "событие согласования"
        verbose_name_plural = "история согласования"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.action}"
