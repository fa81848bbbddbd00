"""Assessment procedures, their task specifications and mark scales; import batches and the
Parquet files that hold the facts.

The facts themselves (per-student results, task scores, olympiad results, school
aggregates) live in Parquet files registered here, never in the Django database
(docs/adr/0002-fact-store.md).
"""

from __future__ import annotations

from bisect import bisect_right

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Procedure(models.Model):
    """An assessment procedure: ОГЭ, ГВЭ, ЕГЭ, ВПР, КДР, итоговое сочинение, ВсОШ, НИКО, СПТ..."""

    class Family(models.TextChoices):
        GIA9 = "gia9", "ГИА-9"
        GIA11 = "gia11", "ГИА-11"
        VPR = "vpr", "ВПР"
        KDR = "kdr", "Региональные диагностические работы"
        FINAL_ESSAY = "essay", "Итоговое сочинение (изложение)"
        FINAL_INTERVIEW = "interview", "Итоговое собеседование"
        OLYMPIAD = "olympiad", "Всероссийская олимпиада школьников"
        NIKO = "niko", "НИКО"
        SPT = "spt", "Социально-психологическое тестирование"

    class ResultKind(models.TextChoices):
        MARK = "mark", "Отметка 2–5 по первичному баллу"
        SCORE100 = "score100", "Тестовый балл 0–100"
        PASS_FAIL = "pass_fail", "Зачёт / незачёт"
        LEVEL = "level", "Уровень (КДР)"
        OLYMPIAD = "olympiad", "Статус участника олимпиады"
        PARTICIPATION = "participation", "Участие"

    code = models.CharField("код", max_length=32, unique=True)
    name = models.CharField("название", max_length=255)
    family = models.CharField("вид", max_length=20, choices=Family.choices)
    result_kind = models.CharField("результат", max_length=20, choices=ResultKind.choices)
    grades = models.CharField(
        "классы", max_length=64, blank=True, help_text="Через запятую: 4,5,6,7,8"
    )

    class Meta:
        verbose_name = "оценочная процедура"
        verbose_name_plural = "оценочные процедуры"
        ordering = ["family", "code"]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """One work of a procedure: subject, grade and year (ВПР математика 5 класс 2024/2025)."""

    procedure = models.ForeignKey(Procedure, verbose_name="процедура", on_delete=models.PROTECT)
    subject = models.ForeignKey(
        "registry.Subject", verbose_name="предмет", on_delete=models.PROTECT, null=True, blank=True
    )
    grade = models.PositiveSmallIntegerField("класс", null=True, blank=True)
    year = models.ForeignKey(
        "registry.AcademicYear", verbose_name="учебный год", on_delete=models.PROTECT
    )
    held_on = models.DateField("дата проведения", null=True, blank=True)

    class Meta:
        verbose_name = "работа (процедура × предмет × класс × год)"
        verbose_name_plural = "работы"
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "subject", "grade", "year"], name="uniq_assessment"
            )
        ]

    def __str__(self) -> str:
        parts = [self.procedure.name, str(self.subject or ""), f"{self.grade} кл." if self.grade else ""]
        return " ".join(p for p in parts if p) + f" {self.year}"


class TaskSpec(models.Model):
    """A task of an assessment: its maximum score, difficulty level and codifier element."""

    class Level(models.TextChoices):
        BASIC = "basic", "Базовый"
        ADVANCED = "advanced", "Повышенный"
        HIGH = "high", "Высокий"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="tasks")
    number = models.CharField("номер задания", max_length=16)
    position = models.PositiveSmallIntegerField("порядок", default=0)
    max_score = models.PositiveSmallIntegerField("максимальный балл")
    min_score = models.SmallIntegerField(
        "минимальный балл",
        default=0,
        help_text="Обычно 0; отрицательный, если за задание снимают штрафные баллы.",
    )
    level = models.CharField("уровень сложности", max_length=10, choices=Level.choices)
    codifier_code = models.CharField("код элемента кодификатора", max_length=64, blank=True)
    codifier_name = models.CharField("проверяемый элемент содержания", max_length=1000, blank=True)

    class Meta:
        verbose_name = "задание (спецификация)"
        verbose_name_plural = "задания (спецификация)"
        ordering = ["assessment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="uniq_task_number")
        ]

    def __str__(self) -> str:
        return f"№ {self.number}"


class MarkScale(models.Model):
    """The scale of one procedure and subject in one year: cut points of marks on the primary
    score, the minimum threshold and score bands. Configurable per year, as the
    regional and federal scales change.
    """

    procedure = models.ForeignKey(Procedure, verbose_name="процедура", on_delete=models.PROTECT)
    subject = models.ForeignKey(
        "registry.Subject", verbose_name="предмет", on_delete=models.PROTECT
    )
    grade = models.PositiveSmallIntegerField("класс", null=True, blank=True)
    year = models.ForeignKey(
        "registry.AcademicYear", verbose_name="учебный год", on_delete=models.PROTECT
    )
    max_primary = models.PositiveSmallIntegerField("максимальный первичный балл")
    min_primary = models.SmallIntegerField(
        "минимальный первичный балл",
        default=0,
        help_text="Обычно 0; отрицательный, если в работе есть штрафные баллы.",
    )
    scaled_min = models.SmallIntegerField(
        "шкалированный (тестовый) балл: от", null=True, blank=True,
        help_text="Если пусто — от 0.",
    )
    scaled_max = models.SmallIntegerField(
        "шкалированный (тестовый) балл: до", null=True, blank=True,
        help_text="Если пусто — до 100.",
    )
    mark_cuts = models.JSONField(
        "границы отметок (первичный балл)",
        default=dict,
        blank=True,
        help_text='Наименьший первичный балл каждой отметки: {"3": 10, "4": 15, "5": 20}',
    )
    min_threshold = models.PositiveSmallIntegerField(
        "минимальный порог (тестовый балл)", null=True, blank=True
    )
    score_bands = models.JSONField(
        "границы групп по баллам", default=list, blank=True, help_text="Например [60, 70, 80]"
    )
    source = models.CharField("источник шкалы", max_length=500, blank=True)

    class Meta:
        verbose_name = "шкала перевода и пороги"
        verbose_name_plural = "шкалы перевода и пороги"
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "subject", "grade", "year"], name="uniq_mark_scale"
            )
        ]

    def __str__(self) -> str:
        grade = f" {self.grade} кл." if self.grade else ""
        return f"{self.procedure.name} {self.subject}{grade} {self.year}"

    def clean(self) -> None:
        cuts = self._cuts()
        if self.min_primary >= self.max_primary:
            raise ValidationError({"min_primary": "Минимальный балл должен быть меньше максимального."})
        if cuts and cuts[0][1] < self.min_primary:
            raise ValidationError({"mark_cuts": "Граница отметки меньше минимального балла."})
        lo, hi = self.scaled_range()
        if lo >= hi:
            raise ValidationError({"scaled_max": "Верхняя граница шкалы должна быть больше нижней."})
        if any(b <= a for (_, a), (_, b) in zip(cuts, cuts[1:], strict=False)):
            raise ValidationError({"mark_cuts": "Границы отметок должны возрастать с отметкой."})
        if cuts and cuts[-1][1] > self.max_primary:
            raise ValidationError({"mark_cuts": "Граница отметки больше максимального балла."})

    def scaled_range(self) -> tuple[int, int]:
        """The range of the scaled (test) score: 0–100 unless the scale says otherwise."""
        return (
            0 if self.scaled_min is None else self.scaled_min,
            100 if self.scaled_max is None else self.scaled_max,
        )

    def _cuts(self) -> list[tuple[int, int]]:
        return sorted(((int(m), int(s)) for m, s in (self.mark_cuts or {}).items()))

    def mark_for(self, primary_score: float) -> int:
        """The mark (2–5) a primary score earns under this scale."""
        cuts = self._cuts()
        idx = bisect_right([s for _, s in cuts], primary_score)
        return 2 if idx == 0 else cuts[idx - 1][0]


class ImportBatch(models.Model):
    """One import: a file (or a generated data set) appended to the fact store.

    Batches are append-only; a corrected file replaces a batch by marking it ``replaced``,
    and a rollback marks it ``rolled_back``. Only ``active`` batches are read.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Действует"
        REPLACED = "replaced", "Заменён"
        ROLLED_BACK = "rolled_back", "Отменён"

    kind = models.CharField("вид данных", max_length=64)
    procedure = models.ForeignKey(
        Procedure, verbose_name="процедура", on_delete=models.PROTECT, null=True, blank=True
    )
    year = models.ForeignKey(
        "registry.AcademicYear",
        verbose_name="учебный год",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    territory = models.ForeignKey(
        "registry.Territory",
        verbose_name="территория",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    scope = models.JSONField("область (организации)", default=list, blank=True)
    file_name = models.CharField("файл", max_length=500, blank=True)
    file_sha256 = models.CharField("SHA-256 файла", max_length=64, blank=True, db_index=True)
    # The uploaded file itself is deleted once loaded (152-ФЗ, docs/user/personal-data.md):
    # its name, hash and size are what is left of it.
    file_size = models.PositiveBigIntegerField("размер файла, байт", null=True, blank=True)
    source = models.CharField("источник", max_length=100, blank=True)
    rows = models.PositiveBigIntegerField("строк", default=0)
    status = models.CharField(
        "статус", max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    warnings = models.JSONField("предупреждения", default=list, blank=True)
    parameters = models.JSONField(
        "параметры загрузки",
        default=dict,
        blank=True,
        help_text="Вид, процедура, год, предмет, класс и сопоставление столбцов, с которыми "
        "загружен файл: тот же файл с другими параметрами — другая загрузка.",
    )
    coverage = models.JSONField(
        "что покрывает пакет",
        default=dict,
        blank=True,
        help_text="Работы пакета («процедура|год|предмет|класс») и организации каждой: "
        "новый пакет заменяет прежний, только если покрывает всё, что покрывал прежний.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто загрузил",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name="заменён пакетом", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "пакет загрузки"
        verbose_name_plural = "пакеты загрузки"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Пакет {self.pk}: {self.kind} {self.file_name}".strip()

    @property
    def years_label(self) -> str:
        """The academic years of the batch's facts: «2023/2024, 2024/2025» (a file may span
        several years; ``year`` is set only when there is one)."""
        years = sorted({int(k.split("|")[1]) for k in (self.coverage or {}) if k.count("|") >= 3})
        if not years:
            return str(self.year or "")
        return ", ".join(f"{y}/{y + 1}" for y in years)


class FactFile(models.Model):
    """A Parquet file of one batch, one fact table and one (procedure, year) partition."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    table = models.CharField("таблица фактов", max_length=64, db_index=True)
    procedure_code = models.CharField("процедура", max_length=32, blank=True)
    year = models.PositiveSmallIntegerField("учебный год (год начала)", null=True)
    path = models.CharField("путь в хранилище", max_length=1000, unique=True)
    rows = models.PositiveBigIntegerField("строк", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)

    class Meta:
        verbose_name = "файл фактов"
        verbose_name_plural = "файлы фактов"

    def __str__(self) -> str:
        return self.path
