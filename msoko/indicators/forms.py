"""Forms of the indicator pages: the dashboard's filter, the indicator page's filter, the
catalog upload, a norm and an entered value.

The filters never widen what a user sees: every choice of territory or organisation is taken
from the permission policy, and the pages read values through ``OrgScope.for_user``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from msoko.access import policy
from msoko.indicators.models import Direction, Level, Norm, ValueFile
from msoko.registry.models import AcademicYear, Organisation, Subject, Territory

MAX_CATALOG_BYTES = 1024 * 1024
SMALL_CHOICES = [("", "Все"), ("yes", "Малокомплектные"), ("no", "Кроме малокомплектных")]
SORT_CHOICES = [
    ("name", "наименованию"),
    ("value", "значению"),
    ("norm", "норме"),
    ("score", "баллу 0–100"),
    ("n", "численности группы"),
    ("change", "изменению"),
]


def value_years() -> list[int]:
    """Years that have computed values (newest first)."""
    return sorted(
        {int(y) for y in ValueFile.objects.filter(is_active=True).values_list("year", flat=True)},
        reverse=True,
    )


def year_choices() -> list[tuple[int, str]]:
    """Years with values and the academic years of the registry, newest first."""
    years = set(value_years()) | set(AcademicYear.objects.values_list("start_year", flat=True))
    return [(y, f"{y}/{y + 1}") for y in sorted(years, reverse=True)]


def default_year() -> int | None:
    """The newest year with values; else the current academic year; else the newest one."""
    years = value_years()
    if years:
        return years[0]
    current = AcademicYear.objects.filter(is_current=True).first()
    if current is not None:
        return int(current.start_year)
    latest = AcademicYear.objects.order_by("-start_year").first()
    return int(latest.start_year) if latest else None


def visible_municipalities(user: Any) -> QuerySet[Territory]:
    return policy.visible_territories(user).filter(kind=Territory.Kind.MUNICIPALITY)


class _OrganisationFilters(forms.Form):
    """The school-type part of a filter (Organisation.kind, locality, is_small) and, for users
    who see more than one municipality, the municipality."""

    kind = forms.ChoiceField(
        label="Тип организации", required=False, choices=[("", "Все типы"), *Organisation.Kind.choices]
    )
    locality = forms.ChoiceField(
        label="Местность", required=False, choices=[("", "Любая"), *Organisation.Locality.choices]
    )
    small = forms.ChoiceField(label="Малокомплектность", required=False, choices=SMALL_CHOICES)
    territory = forms.ModelChoiceField(
        label="Муниципалитет",
        required=False,
        queryset=Territory.objects.none(),
        empty_label="Все муниципалитеты",
    )

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data)
        self.user = user
        municipalities = visible_municipalities(user)
        cast(forms.ModelChoiceField, self.fields["territory"]).queryset = municipalities
        self.show_territory = municipalities.count() > 1
        if not self.show_territory:
            del self.fields["territory"]

    def value(self, name: str) -> Any:
        """A field's cleaned value, or None (an invalid field is ignored, the rest applies)."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None

    def filter_organisations(self, qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
        """``qs`` narrowed by type, locality and small-school flag."""
        if self.value("kind"):
            qs = qs.filter(kind=self.value("kind"))
        if self.value("locality"):
            qs = qs.filter(locality=self.value("locality"))
        if self.value("small") == "yes":
            qs = qs.filter(is_small=True)
        elif self.value("small") == "no":
            qs = qs.filter(is_small=False)
        return qs

    def chosen_territory(self) -> Territory | None:
        value = self.value("territory")
        return value if isinstance(value, Territory) else None

    def filters(self) -> dict[str, str]:
        """The filter as asked (for links and audit rows)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            k: str(v.pk if isinstance(v, Territory) else v)
            for k, v in self.cleaned_data.items()
            if v not in (None, "")
        }


class DashboardFilterForm(_OrganisationFilters):
    """Year, level, direction, school type and subject of a catalog page."""

    year = forms.TypedChoiceField(label="Учебный год", coerce=int, required=False, choices=[])
    level = forms.ChoiceField(label="Уровень", required=False, choices=Level.choices)
    direction = forms.ChoiceField(
        label="Направленность", required=False, choices=[("", "Любая"), *Direction.choices]
    )
    subject = forms.ChoiceField(label="Предмет", required=False, choices=[])

    field_order = ["year", "level", "territory", "direction", "subject", "kind", "locality", "small"]

    def __init__(self, data: Any = None, *, user: Any, default_level: str) -> None:
        super().__init__(data, user=user)
        cast(forms.ChoiceField, self.fields["year"]).choices = year_choices()
        cast(forms.ChoiceField, self.fields["subject"]).choices = [("", "Все предметы")] + list(
            Subject.objects.order_by("name").values_list("code", "name")
        )
        self.fields["level"].initial = default_level
        self.default_level = default_level
        self.order_fields(self.field_order)

    def chosen_year(self) -> int | None:
        return self.value("year") or default_year()

    def chosen_level(self) -> str:
        return self.value("level") or self.default_level


class IndicatorFilterForm(_OrganisationFilters):
    """Year, breakdown (subject, grade, task), school type and sort of an indicator page."""

    year = forms.TypedChoiceField(label="Учебный год", coerce=int, required=False, choices=[])
    breakdown = forms.ChoiceField(label="Разрез", required=False, choices=[])
    sort = forms.ChoiceField(label="Сортировать по", required=False, choices=SORT_CHOICES)
    order = forms.ChoiceField(
        label="Порядок", required=False, choices=[("asc", "по возрастанию"), ("desc", "по убыванию")]
    )

    field_order = ["year", "breakdown", "territory", "kind", "locality", "small", "sort", "order"]

    def __init__(self, data: Any = None, *, user: Any, breakdowns: list[tuple[str, str]]) -> None:
        super().__init__(data, user=user)
        cast(forms.ChoiceField, self.fields["year"]).choices = year_choices()
        cast(forms.ChoiceField, self.fields["breakdown"]).choices = breakdowns
        self.order_fields(self.field_order)


class YearForm(forms.Form):
    """The year of a school profile."""

    year = forms.TypedChoiceField(label="Учебный год", coerce=int, required=False, choices=[])

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["year"]).choices = year_choices()

    def chosen_year(self) -> int | None:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("year"):
            return int(self.cleaned_data["year"])
        return default_year()


class CatalogUploadForm(forms.Form):
    file = forms.FileField(label="Файл каталога (YAML)", required=False)
    text = forms.CharField(
        label="…или текст каталога",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        text = (data.get("text") or "").strip()
        if upload is None and not text:
            raise forms.ValidationError("Выберите файл каталога или вставьте его текст.")
        if upload is not None:
            if upload.size > MAX_CATALOG_BYTES:
                raise forms.ValidationError("Файл каталога больше 1 МБ.")
            if Path(upload.name).suffix.lower() not in {".yaml", ".yml", ".txt"}:
                raise forms.ValidationError("Загрузите файл YAML (.yaml или .yml).")
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError("Файл каталога должен быть в кодировке UTF-8.") from None
            data["file_name"] = Path(upload.name).name
        else:
            data["file_name"] = "загружен как текст"
        data["catalog_text"] = text
        return data


class NormForm(forms.Form):
    """The norm of one indicator for the user's territory and a year (or every year)."""

    indicator = forms.CharField(widget=forms.HiddenInput)
    year = forms.TypedChoiceField(
        label="Год", coerce=int, required=False, empty_value=None, choices=[]
    )
    reference = forms.ChoiceField(
        label="Норма задаётся как", choices=Norm.Reference.choices, initial=Norm.Reference.VALUE
    )
    value = forms.FloatField(label="Значение", required=False, localize=True)
    comment = forms.CharField(label="Комментарий", required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = [("", "все годы"), *year_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reference") == Norm.Reference.VALUE and data.get("value") is None:
            self.add_error("value", "Укажите значение нормы.")
        if data.get("reference") and data.get("reference") != Norm.Reference.VALUE:
            data["value"] = None
        return data


class EnteredValueForm(forms.Form):
    """A value entered by hand for the user's territory or school."""

    indicator = forms.CharField(widget=forms.HiddenInput)
    year = forms.TypedChoiceField(label="Год", coerce=int, choices=[])
    value = forms.FloatField(label="Значение", localize=True)
    comment = forms.CharField(
        label="Комментарий / подтверждающий документ", required=False, max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = year_choices()
