"""The registry: territory, organisations, academic years, social passports, staff, classes
and pseudonymous students.

Nothing here holds a student's name: a student is a keyed pseudonym (see
``msoko.registry.pseudonym``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

SHARE = [MinValueValidator(0), MaxValueValidator(100)]

# The academic years msoko accepts anywhere (import, command line, pages), by start year:
# from YEAR_MIN (2000/2001) to the year after the current one. One place, so a file, a flag
# and a form agree (``msoko.facts.reference.year_range`` reads it too).
YEAR_MIN = 2000


def current_start_year(today: datetime.date | None = None) -> int:
    """The academic year under way on ``today``: years start on 1 September."""
    from django.utils import timezone

    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def year_max(today: datetime.date | None = None) -> int:
    """The latest start year accepted: the academic year after the current one."""
    return current_start_year(today) + 1


def year_in_range(start_year: int) -> bool:
    return YEAR_MIN <= start_year <= year_max()


def year_range_text() -> str:
    """«2000–2027»: how messages name the accepted range."""
    return f"{YEAR_MIN}–{year_max()}"


class WebsiteField(models.URLField):
    """A URL field whose form assumes https:// when the scheme is omitted."""

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


class Territory(models.Model):
    """A node of the territory tree: the region and its municipalities."""

    class Kind(models.TextChoices):
        REGION = "region", "Регион"
        MUNICIPALITY = "municipality", "Муниципалитет"

    kind = models.CharField("уровень", max_length=20, choices=Kind.choices)
    name = models.CharField("название", max_length=255)
    code = models.CharField("код", max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="входит в",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = "территория"
        verbose_name_plural = "территории"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self) -> list[int]:
        """This node and every node below it (the tree is shallow: region → municipality)."""
        ids = [self.pk]
        frontier = [self.pk]
        while frontier:
            frontier = list(
                Territory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.extend(frontier)
        return ids


class AcademicYear(models.Model):
    """An academic year, named by its first calendar year: 2024 is 2024/2025."""

    start_year = models.PositiveSmallIntegerField("год начала", unique=True)
    starts_on = models.DateField("начало")
    ends_on = models.DateField("окончание")
    is_current = models.BooleanField("текущий", default=False)

    class Meta:
        verbose_name = "учебный год"
        verbose_name_plural = "учебные годы"
        ordering = ["start_year"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_year}/{self.start_year + 1}"


class Organisation(models.Model):
    """An educational organisation (ОО): a school, a preschool (ДОУ) or additional education (УДО)."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "Общеобразовательная организация"
        PRESCHOOL = "preschool", "Дошкольная образовательная организация (ДОУ)"
        ADDITIONAL = "additional", "Организация дополнительного образования (УДО)"

    class Locality(models.TextChoices):
        URBAN = "urban", "Городская"
        RURAL = "rural", "Сельская"

    class SchoolLevel(models.TextChoices):
        PRIMARY = "primary", "Начальная (НОШ)"
        BASIC = "basic", "Основная (ООШ)"
        SECONDARY = "secondary", "Средняя (СОШ)"
        NONE = "", "—"

    territory = models.ForeignKey(
        Territory,
        verbose_name="муниципалитет",
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    kind = models.CharField("тип", max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    school_level = models.CharField(
        "уровень образования", max_length=20, choices=SchoolLevel.choices, blank=True
    )
    short_name = models.CharField("краткое наименование", max_length=255)
    full_name = models.CharField("полное наименование", max_length=1000)
    ogrn = models.CharField(
        "ОГРН",
        max_length=13,
        blank=True,
        db_index=True,
        validators=[RegexValidator(r"^\d{13}$", "ОГРН состоит из 13 цифр.")],
    )
    inn = models.CharField(
        "ИНН",
        max_length=10,
        blank=True,
        db_index=True,
        validators=[RegexValidator(r"^\d{10}$", "ИНН организации состоит из 10 цифр.")],
    )
    code = models.CharField(
        "внутренний код", max_length=32, unique=True, help_text="Код ОО в муниципальной системе"
    )
    locality = models.CharField(
        "местность", max_length=10, choices=Locality.choices, default=Locality.URBAN
    )
    is_small = models.BooleanField("малокомплектная", default=False)
    advanced_profile = models.CharField(
        "углублённое изучение / профиль",
        max_length=255,
        blank=True,
        help_text="Например: «углублённое изучение математики», «лицей», «гимназия»",
    )
    address = models.CharField("адрес", max_length=500, blank=True)
    website = WebsiteField("сайт", blank=True)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "образовательная организация"
        verbose_name_plural = "образовательные организации"
        ordering = ["territory__name", "short_name"]

    def __str__(self) -> str:
        return self.short_name


class OrganisationNameVariant(models.Model):
    """Another way a file may name the organisation («СОШ 1», «МБОУ СОШ №1 г. ...»)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="name_variants"
    )
    name = models.CharField("вариант наименования", max_length=1000)

    class Meta:
        verbose_name = "вариант наименования"
        verbose_name_plural = "варианты наименования"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="uniq_org_name_variant")
        ]

    def __str__(self) -> str:
        return self.name


class SocialPassport(models.Model):
    """A school's social passport for one academic year: the context of its results (ШНСУ)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="организация",
        on_delete=models.CASCADE,
        related_name="social_passports",
    )
    year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    students_total = models.PositiveIntegerField("обучающихся всего", default=0)
    low_income_share = models.DecimalField(
        "доля из малоимущих семей, %", max_digits=5, decimal_places=2, validators=SHARE
    )
    single_parent_share = models.DecimalField(
        "доля из неполных семей, %", max_digits=5, decimal_places=2, validators=SHARE
    )
    disability_share = models.DecimalField(
        "доля обучающихся с ОВЗ, %", max_digits=5, decimal_places=2, validators=SHARE
    )
    non_native_share = models.DecimalField(
        "доля для которых русский язык неродной, %",
        max_digits=5,
        decimal_places=2,
        validators=SHARE,
    )
    preventive_registration_share = models.DecimalField(
        "доля состоящих на профилактическом учёте, %",
        max_digits=5,
        decimal_places=2,
        validators=SHARE,
    )
    parents_higher_education_share = models.DecimalField(
        "доля родителей с высшим образованием, %",
        max_digits=5,
        decimal_places=2,
        validators=SHARE,
        null=True,
        blank=True,
    )
    distance_to_centre_km = models.DecimalField(
        "удалённость от районного центра, км", max_digits=6, decimal_places=1, default=0
    )

    class Meta:
        verbose_name = "социальный паспорт"
        verbose_name_plural = "социальные паспорта"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="uniq_passport_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.year}"


class Subject(models.Model):
    """A school subject («математика», «русский язык», ...)."""

    code = models.CharField("код", max_length=32, unique=True)
    name = models.CharField("название", max_length=255)

    class Meta:
        verbose_name = "предмет"
        verbose_name_plural = "предметы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    """A teacher or a leader of an organisation."""

    class Position(models.TextChoices):
        TEACHER = "teacher", "Учитель"
        DIRECTOR = "director", "Руководитель"
        DEPUTY = "deputy", "Заместитель руководителя"
        OTHER = "other", "Другой педагогический работник"

    class Category(models.TextChoices):
        NONE = "none", "Без категории"
        CONFORMITY = "conformity", "Соответствие занимаемой должности"
        FIRST = "first", "Первая"
        HIGHEST = "highest", "Высшая"

    organisation = models.ForeignKey(
        Organisation, verbose_name="организация", on_delete=models.CASCADE, related_name="staff"
    )
    full_name = models.CharField("ФИО", max_length=255)
    position = models.CharField(
        "должность", max_length=20, choices=Position.choices, default=Position.TEACHER
    )
    subjects = models.ManyToManyField(Subject, verbose_name="предметы", blank=True)
    category = models.CharField(
        "квалификационная категория", max_length=20, choices=Category.choices, default="none"
    )
    experience_years = models.PositiveSmallIntegerField("педагогический стаж, лет", default=0)
    birth_year = models.PositiveSmallIntegerField("год рождения", null=True, blank=True)
    is_young_specialist = models.BooleanField("молодой специалист", default=False)
    is_active = models.BooleanField("работает", default=True)

    class Meta:
        verbose_name = "педагогический работник"
        verbose_name_plural = "педагогические работники"
        ordering = ["organisation", "full_name"]

    def __str__(self) -> str:
        return self.full_name


class Course(models.Model):
    """A professional development course a staff member completed (КПК)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="courses")
    title = models.CharField("программа", max_length=500)
    provider = models.CharField("организатор", max_length=255, blank=True)
    hours = models.PositiveSmallIntegerField("часов", default=0)
    completed_on = models.DateField("дата окончания")
    from_federal_register = models.BooleanField("из федерального реестра ДПП", default=False)

    class Meta:
        verbose_name = "курсы повышения квалификации"
        verbose_name_plural = "курсы повышения квалификации"

    def __str__(self) -> str:
        return self.title


class DeficitDiagnostic(models.Model):
    """A diagnostic of professional deficits: subject, methodological, psycho-pedagogical."""

    class Area(models.TextChoices):
        SUBJECT = "subject", "Предметные"
        METHODOLOGICAL = "methodological", "Методические"
        PSYCHO_PEDAGOGICAL = "psycho_pedagogical", "Психолого-педагогические"

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="diagnostics")
    year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    area = models.CharField("вид дефицитов", max_length=30, choices=Area.choices)
    score_percent = models.DecimalField(
        "результат, % от максимума", max_digits=5, decimal_places=2, validators=SHARE
    )
    deficits = models.TextField("выявленные дефициты", blank=True)

    class Meta:
        verbose_name = "диагностика профессиональных дефицитов"
        verbose_name_plural = "диагностики профессиональных дефицитов"

    def __str__(self) -> str:
        return f"{self.staff}: {self.get_area_display()} ({self.year})"


class IndividualRoute(models.Model):
    """An individual educational route (ИОМ) built on a staff member's deficits."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Разработан"
        IN_PROGRESS = "in_progress", "Реализуется"
        DONE = "done", "Реализован"

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="routes")
    year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    goal = models.TextField("цель / дефициты, на устранение которых направлен")
    status = models.CharField(
        "статус", max_length=20, choices=Status.choices, default=Status.PLANNED
    )

    class Meta:
        verbose_name = "индивидуальный образовательный маршрут (ИОМ)"
        verbose_name_plural = "индивидуальные образовательные маршруты (ИОМ)"

    def __str__(self) -> str:
        return f"ИОМ {self.staff} ({self.year})"


class Mentoring(models.Model):
    """A mentoring pair (наставничество)."""

    mentor = models.ForeignKey(
        StaffMember, verbose_name="наставник", on_delete=models.CASCADE, related_name="mentees"
    )
    mentee = models.ForeignKey(
        StaffMember, verbose_name="наставляемый", on_delete=models.CASCADE, related_name="mentors"
    )
    year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    form = models.CharField("форма наставничества", max_length=100, default="педагог — педагог")

    class Meta:
        verbose_name = "наставничество"
        verbose_name_plural = "наставничество"

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee} ({self.year})"


class MethodAssociation(models.Model):
    """A methodological association: district (РМО) or school (ШМО)."""

    class Level(models.TextChoices):
        DISTRICT = "district", "РМО (районное)"
        SCHOOL = "school", "ШМО (школьное)"

    level = models.CharField("уровень", max_length=20, choices=Level.choices)
    name = models.CharField("название", max_length=255)
    territory = models.ForeignKey(
        Territory, verbose_name="территория", on_delete=models.CASCADE, null=True, blank=True
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="организация (для ШМО)",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    subjects = models.ManyToManyField(Subject, verbose_name="предметы", blank=True)
    leader = models.ForeignKey(
        StaffMember,
        verbose_name="руководитель",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_associations",
    )
    members = models.ManyToManyField(
        StaffMember, verbose_name="участники", blank=True, related_name="associations"
    )

    class Meta:
        verbose_name = "методическое объединение"
        verbose_name_plural = "методические объединения"

    def __str__(self) -> str:
        return self.name


class CompetitionEntry(models.Model):
    """A staff member's part in a professional competition («Учитель года», ...)."""

    class Result(models.TextChoices):
        PARTICIPANT = "participant", "Участник"
        PRIZE = "prize", "Призёр"
        WINNER = "winner", "Победитель"

    class Level(models.TextChoices):
        MUNICIPAL = "municipal", "Муниципальный"
        REGIONAL = "regional", "Региональный"
        FEDERAL = "federal", "Всероссийский"

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="competitions")
    year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    name = models.CharField("конкурс", max_length=255)
    level = models.CharField("уровень", max_length=20, choices=Level.choices)
    result = models.CharField("результат", max_length=20, choices=Result.choices)

    class Meta:
        verbose_name = "участие в профессиональном конкурсе"
        verbose_name_plural = "участие в профессиональных конкурсах"

    def __str__(self) -> str:
        return f"{self.name}: {self.staff} — {self.get_result_display()}"


class SchoolClass(models.Model):
    """A class (1 «А») of an organisation in one academic year."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="организация", on_delete=models.CASCADE, related_name="classes"
    )
    year = models.ForeignKey(AcademicYear, verbose_name="учебный год", on_delete=models.PROTECT)
    grade = models.PositiveSmallIntegerField(
        "параллель", validators=[MinValueValidator(1), MaxValueValidator(11)]
    )
    letter = models.CharField("литера", max_length=8, blank=True)
    profile = models.CharField("профиль", max_length=100, blank=True)

    class Meta:
        verbose_name = "класс"
        verbose_name_plural = "классы"
        ordering = ["organisation", "year", "grade", "letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "grade", "letter"], name="uniq_class"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grade} {self.letter}".strip()


class Student(models.Model):
    """A pseudonymous student: no name, no birth date, only a keyed pseudonym."""

    pseudonym = models.CharField("псевдоним", max_length=64, unique=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="организация",
        on_delete=models.PROTECT,
        related_name="students",
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name="класс", on_delete=models.SET_NULL, null=True, blank=True
    )
    has_disability = models.BooleanField("ОВЗ", default=False)

    class Meta:
        verbose_name = "обучающийся (псевдонимизирован)"
        verbose_name_plural = "обучающиеся (псевдонимизированы)"

    def __str__(self) -> str:
        return self.pseudonym[:12]
