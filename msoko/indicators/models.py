"""Indicator catalogs, definitions, norms, entered values and computation runs.

An indicator is defined declaratively (``msoko/indicators/spec.py`` validates the format;
the built-in catalogs are YAML files in ``msoko/indicators/catalogs/``). Computed values are
not rows of this database: they are Parquet files in the data folder (``values.py``), one
per catalog and year of a run, registered here as ``ValueFile`` — a region holds millions of
values (per school, subject, grade and task), which a columnar file writes and reads in a
fraction of a second, and which every page reads through the same organisation guard as the
facts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Unit(models.TextChoices):
    PERCENT = "percent", "%"
    COUNT = "count", "количество"
    POINTS = "points", "баллы"
    YES_NO = "yes_no", "да / нет"
    BUCKET = "bucket", "процент реализации"
    LEVEL = "level", "уровень"
    NUMBER = "number", "число"


class Direction(models.TextChoices):
    HIGHER = "higher", "чем больше, тем лучше"
    LOWER = "lower", "чем меньше, тем лучше"
    NONE = "none", "без оценки"


class Level(models.TextChoices):
    SCHOOL = "school", "организация"
    MUNICIPALITY = "municipality", "муниципалитет"
    REGION = "region", "регион"


class Catalog(models.Model):
    """A named list of indicators: one of the seeds' tables, or one a user uploaded."""

    class Origin(models.TextChoices):
        BUILTIN = "builtin", "встроенный"
        UPLOADED = "uploaded", "загружен пользователем"

    code = models.SlugField("код", max_length=64, unique=True)
    name = models.CharField("название", max_length=500)
    description = models.TextField("описание", blank=True)
    source = models.TextField("источник (документ)", blank=True)
    origin = models.CharField(
        "происхождение", max_length=20, choices=Origin.choices, default=Origin.BUILTIN
    )
    file_name = models.CharField("файл определения", max_length=500, blank=True)
    text = models.TextField("текст определения (YAML)", blank=True)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("действует", default=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="загрузил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "каталог показателей"
        verbose_name_plural = "каталоги показателей"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class IndicatorDefinition(models.Model):
    """One indicator of a catalog; ``spec`` is its validated definition (see ``spec.py``)."""

    catalog = models.ForeignKey(
        Catalog, verbose_name="каталог", on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField("код", max_length=100, unique=True)
    order = models.PositiveIntegerField("порядок", default=0)
    section = models.CharField("раздел", max_length=500, blank=True)
    name = models.CharField("показатель", max_length=1000)
    unit = models.CharField("единица", max_length=20, choices=Unit.choices)
    direction = models.CharField("направленность", max_length=10, choices=Direction.choices)
    levels = models.JSONField("уровни", default=list)
    spec = models.JSONField("определение", default=dict)
    source_document = models.CharField("документ-источник", max_length=500, blank=True)
    data_source = models.CharField("источник данных", max_length=500, blank=True)
    collection_method = models.CharField("способ сбора", max_length=500, blank=True)
    min_group = models.PositiveSmallIntegerField("минимальный размер группы", default=5)

    class Meta:
        verbose_name = "показатель"
        verbose_name_plural = "показатели"
        ordering = ["catalog__order", "catalog__code", "order"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Norm(models.Model):
    """The norm of an indicator for a territory (or everywhere) and a year (or every year).

    Either a ``value`` or a ``reference`` to other values of the same year: the regional or
    municipal average, the best municipality or the best organisation. The most specific
    norm wins: territory and year, then territory, then everywhere and year, then everywhere.
    """

    class Reference(models.TextChoices):
        VALUE = "value", "значение"
        REGION_AVERAGE = "region_average", "среднее по региону"
        MUNICIPALITY_AVERAGE = "municipality_average", "среднее по муниципалитету"
        BEST_MUNICIPALITY = "best_municipality", "лучший муниципалитет"
        BEST_SCHOOL = "best_school", "лучшая организация"

    indicator = models.ForeignKey(
        IndicatorDefinition, verbose_name="показатель", on_delete=models.CASCADE, related_name="norms"
    )
    territory = models.ForeignKey(
        "registry.Territory",
        verbose_name="территория",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="пусто — для всех территорий",
    )
    year = models.PositiveSmallIntegerField(
        "учебный год (год начала)", null=True, blank=True, help_text="пусто — для всех лет"
    )
    reference = models.CharField(
        "норма задаётся как", max_length=30, choices=Reference.choices, default=Reference.VALUE
    )
    value = models.FloatField("значение нормы", null=True, blank=True)
    comment = models.TextField("комментарий", blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="установил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("изменена", auto_now=True)

    class Meta:
        verbose_name = "норма показателя"
        verbose_name_plural = "нормы показателей"
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory", "year"], name="norm_unique_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.value if self.value is not None else self.reference}"


class EnteredValue(models.Model):
    """A value entered by hand (an indicator whose collection method is the authority's own
    assessment), for a territory or an organisation and a year."""

    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name="показатель",
        on_delete=models.CASCADE,
        related_name="entered_values",
    )
    territory = models.ForeignKey(
        "registry.Territory", verbose_name="территория", null=True, blank=True, on_delete=models.CASCADE
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="организация",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    year = models.PositiveSmallIntegerField("учебный год (год начала)")
    value = models.FloatField("значение")
    comment = models.TextField("комментарий / подтверждающий документ", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="внёс",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "введённое значение показателя"
        verbose_name_plural = "введённые значения показателей"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(territory__isnull=False) | models.Q(organisation__isnull=False),
                name="entered_value_has_owner",
            ),
            models.UniqueConstraint(
                fields=["indicator", "territory", "organisation", "year"],
                name="entered_value_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


class ComputationRun(models.Model):
    """One computation of indicator values: what it computed, from which batches, how long."""

    class Status(models.TextChoices):
        RUNNING = "running", "выполняется"
        DONE = "done", "завершён"
        FAILED = "failed", "ошибка"

    started_at = models.DateTimeField("начат", auto_now_add=True)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)
    status = models.CharField(
        "статус", max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    engine = models.CharField("движок", max_length=20, default="duckdb")
    trigger = models.CharField("запуск", max_length=50, blank=True)
    catalogs = models.JSONField("каталоги", default=list, blank=True)
    years = models.JSONField("годы", default=list, blank=True)
    org_ids = models.JSONField(
        "организации (пусто — все)", default=list, blank=True
    )
    batches = models.JSONField("прочитанные пакеты загрузки", default=list, blank=True)
    # which municipality each organisation was in when the run placed its rows (a hash):
    # a run over some organisations is full when it changed since the stored values
    geography = models.CharField("отпечаток территориального деления", max_length=64, blank=True)
    rows = models.PositiveBigIntegerField("значений", default=0)
    seconds = models.FloatField("секунд", null=True, blank=True)
    error = models.TextField("ошибка", blank=True)
    # the process computing (msoko.jobs.worker): a run left «running» by a process that
    # died is marked failed and redone (msoko.indicators.recompute.redo_dead_runs)
    worker = models.CharField("процесс", max_length=200, blank=True)
    # the import batch whose recomputation this run is: recorded in the batch's own
    # transaction, so a crash between the batch and its recomputation leaves it owed
    for_batch = models.PositiveBigIntegerField("пересчёт после пакета", null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="запустил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "расчёт показателей"
        verbose_name_plural = "расчёты показателей"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Расчёт № {self.pk} ({self.get_status_display()})"


class ValueFile(models.Model):
    """A Parquet file of computed values: one catalog, year and part of a run. A part is
    ``territories`` (the rows of municipalities and regions) or ``schools-<territory id>``
    (the school rows of one municipality), so that one school's new batch rewrites its
    municipality's part and the territories, not the whole region. Exactly one active file
    per catalog, year and part; a run replaces the parts it wrote in one transaction."""

    run = models.ForeignKey(
        ComputationRun, verbose_name="расчёт", on_delete=models.CASCADE, related_name="files"
    )
    catalog = models.CharField("каталог", max_length=64)
    year = models.PositiveSmallIntegerField("учебный год (год начала)")
    part = models.CharField("часть", max_length=40, default="")
    path = models.CharField("путь", max_length=1000, unique=True)
    rows = models.PositiveBigIntegerField("значений", default=0)
    is_active = models.BooleanField("действует", default=True, db_index=True)

    class Meta:
        verbose_name = "файл значений показателей"
        verbose_name_plural = "файлы значений показателей"
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "year", "part"],
                condition=models.Q(is_active=True),
                name="one_active_value_file_part",
            )
        ]

    def __str__(self) -> str:
        return self.path
