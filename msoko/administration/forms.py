"""Forms of the administration pages. Each names its fields explicitly; the choices of
territory, organisation and role are cut to what the acting user administers
(``msoko.access.policy``), and ``clean`` checks the result against the policy again.

A value outside those choices cannot come from the page, only from a crafted request: the
views refuse such a request as a whole and audit it (``scope_errors``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from msoko.access import policy
from msoko.access.models import Role, User
from msoko.facts.models import MarkScale, Procedure
from msoko.registry.models import (
    AcademicYear,
    Organisation,
    OrganisationNameVariant,
    Subject,
    Territory,
)

# Fields whose invalid value means "outside your rights", not "a typing mistake".
SCOPED_FIELDS = ("role", "territory", "organisation")
SCOPE_CODES = ("invalid_choice", "scope")
# Fields every form may carry besides its own.
TECHNICAL_FIELDS = {"csrfmiddlewaretoken", "next"}


def unexpected_fields(form: forms.BaseForm, data: Any) -> list[str]:
    """Names in the request that the form does not have (``is_superuser``, ``is_staff``, ...)."""
    allowed = set(form.fields) | TECHNICAL_FIELDS
    return sorted(key for key in data if key not in allowed)


def scope_errors(form: forms.BaseForm) -> list[str]:
    """The form's errors that say a choice lies outside the user's rights."""
    out = []
    for field, errors in form.errors.as_data().items():
        for error in errors:
            if field in SCOPED_FIELDS and error.code in SCOPE_CODES:
                out.append(f"{field}: {' '.join(error.messages)}")
            elif field == "__all__" and error.code == "scope":
                out.append(" ".join(error.messages))
    return out


class TerritoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.short_name} ({obj.code}) — {obj.territory.name}"


def _municipalities(actor: Any, current: Territory | None = None) -> QuerySet[Territory]:
    qs = policy.administered_territories(actor).filter(kind=Territory.Kind.MUNICIPALITY)
    if current is not None:
        qs = qs | policy.administered_territories(actor).filter(pk=current.pk)
    return qs.distinct().order_by("name")


class OrganisationForm(forms.ModelForm):
    """The registry card of an organisation: only these fields, in the actor's territory."""

    name_variants = forms.CharField(
        label="Варианты наименования",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="По одному на строку: как организацию называют в файлах («СОШ 1», «МБОУ СОШ № 1 г. …»).",
    )

    class Meta:
        model = Organisation
        fields = [
            "code",
            "short_name",
            "full_name",
            "territory",
            "kind",
            "school_level",
            "ogrn",
            "inn",
            "locality",
            "is_small",
            "advanced_profile",
            "address",
            "website",
            "is_active",
        ]
        field_classes = {"territory": TerritoryChoiceField}
        widgets = {"full_name": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        current = self.instance.territory if self.instance.pk else None
        territory = cast(forms.ModelChoiceField, self.fields["territory"])
        territory.queryset = _municipalities(actor, current)
        territory.empty_label = None
        if self.instance.pk:
            self.initial["name_variants"] = "\n".join(
                self.instance.name_variants.order_by("name").values_list("name", flat=True)
            )

    def clean_territory(self) -> Territory:
        territory: Territory = self.cleaned_data["territory"]
        if not policy.administered_territories(self.actor).filter(pk=territory.pk).exists():
            raise forms.ValidationError(
                "Эта территория вне вашей области администрирования.", code="scope"
            )
        return territory

    def clean_name_variants(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["name_variants"].splitlines()]
        out: list[str] = []
        for line in lines:
            if not line:
                continue
            if len(line) > 1000:
                raise forms.ValidationError(f"Вариант длиннее 1000 символов: «{line[:60]}…».")
            if line not in out:
                out.append(line)
        return out

    def save_variants(self, org: Organisation) -> None:
        """Name variants as listed: new ones added, the ones removed deleted (each audited)."""
        wanted = self.cleaned_data["name_variants"]
        for variant in org.name_variants.exclude(name__in=wanted):
            variant.delete()
        have = set(org.name_variants.values_list("name", flat=True))
        for name in wanted:
            if name not in have:
                OrganisationNameVariant.objects.create(organisation=org, name=name)


class UserForm(forms.ModelForm):
    """An account of the actor's territory: names, role and binding — no password, no flags.

    The password is always a generated one-time one (``msoko.administration.actions``)."""

    role = forms.ChoiceField(label="Роль")
    territory = TerritoryChoiceField(
        Territory.objects.none(),
        label="Территория",
        required=False,
        help_text="Для специалиста муниципалитета и наблюдателя территории.",
    )
    organisation = OrganisationChoiceField(
        Organisation.objects.none(),
        label="Организация",
        required=False,
        help_text="Для администратора ОО и наблюдателя одной организации.",
    )

    class Meta:
        model = User
        fields = ["username", "last_name", "first_name", "email", "position", "role", "territory", "organisation"]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        if self.instance.pk:
            del self.fields["username"]  # a login is not renamed here
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [("", "—")] + [
            (value, label) for value, label in Role.choices if value in policy.assignable_roles(actor)
        ]
        territory = cast(forms.ModelChoiceField, self.fields["territory"])
        territory.queryset = policy.administered_territories(actor).order_by("kind", "name")
        organisation = cast(forms.ModelChoiceField, self.fields["organisation"])
        organisation.queryset = (
            policy.administered_organisations(actor)
            .select_related("territory")
            .order_by("territory__name", "short_name")
        )
        for name in ("last_name", "first_name"):
            self.fields[name].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        territory: Territory | None = data.get("territory")
        organisation: Organisation | None = data.get("organisation")
        if not role or self.errors:
            return data
        if role == Role.SCHOOL_ADMIN:
            if organisation is None:
                self.add_error("organisation", "Администратор ОО привязывается к организации.")
            data["territory"] = None
        elif role == Role.VIEWER:
            if (territory is None) == (organisation is None):
                raise forms.ValidationError(
                    "Наблюдатель привязывается либо к территории, либо к одной организации."
                )
        elif role == Role.MUNICIPAL_SPECIALIST:
            if territory is None or territory.kind != Territory.Kind.MUNICIPALITY:
                self.add_error("territory", "Специалист привязывается к муниципалитету.")
            data["organisation"] = None
        elif role == Role.REGIONAL_ANALYST:
            if territory is None or territory.kind != Territory.Kind.REGION:
                self.add_error("territory", "Аналитик привязывается к региону.")
            data["organisation"] = None
        reason = policy.binding_allowed(
            self.actor, role, data.get("territory"), data.get("organisation")
        )
        if reason:
            raise forms.ValidationError(reason, code="scope")
        return data


# --------------------------------------------------------------------------- mark scales

MARKS = ("3", "4", "5")
SCALE_FIELDS = (
    "procedure", "subject", "grade", "year", "max_primary", "min_primary", "mark_cuts",
    "min_threshold", "score_bands", "scaled_min", "scaled_max", "source",
)


class _NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "label", None) or obj.name)


def _int(label: str, *, required: bool = False, help_text: str = "", **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=required, help_text=help_text, min_value=-32768, max_value=32767, **kwargs
    )


class MarkScaleForm(forms.Form):
    """A mark scale: these fields only. The cut points of «3», «4», «5» are three integer
    fields stored together in ``mark_cuts``; the score bands a list typed as «60, 70, 80».

    A plain form rather than a ModelForm: ``MarkScale.clean`` names ``mark_cuts``, which is
    not a field here, so every rule is checked in ``clean`` with a message at the field the
    user typed, and the model's own check runs last as a safeguard (``actions``)."""

    procedure = _NamedChoiceField(Procedure.objects.order_by("name"), label="Процедура")
    subject = _NamedChoiceField(Subject.objects.order_by("name"), label="Предмет")
    grade = forms.IntegerField(
        label="Класс", required=False, min_value=1, max_value=11,
        help_text="Пусто — шкала для всех классов процедуры (ОГЭ, ЕГЭ).",
    )
    year = _NamedChoiceField(AcademicYear.objects.order_by("-start_year"), label="Учебный год")
    max_primary = forms.IntegerField(label="Максимальный первичный балл", min_value=1, max_value=32767)
    min_primary = _int(
        "Минимальный первичный балл", required=True, initial=0,
        help_text="Обычно 0; отрицательный, если в работе есть штрафные баллы.",
    )
    cut_3 = _int("Отметка «3» — от (первичный балл)")
    cut_4 = _int("Отметка «4» — от (первичный балл)")
    cut_5 = _int(
        "Отметка «5» — от (первичный балл)",
        help_text="Все три границы или ни одной (процедура без отметок, например ЕГЭ).",
    )
    min_threshold = forms.IntegerField(
        label="Минимальный порог (тестовый балл)", required=False, min_value=0, max_value=32767,
        help_text="Например, минимальный балл ЕГЭ.",
    )
    score_bands = forms.CharField(
        label="Границы групп по баллам", required=False, max_length=200,
        help_text="Целые числа по возрастанию через запятую, например «60, 70, 80».",
    )
    scaled_min = _int("Шкалированный (тестовый) балл: от", help_text="Пусто — от 0.")
    scaled_max = _int("Шкалированный (тестовый) балл: до", help_text="Пусто — до 100.")
    source = forms.CharField(
        label="Источник", max_length=500,
        help_text="Документ, из которого шкала: приказ или распоряжение (номер, дата), рекомендации ФИПИ или ФИОКО.",
        error_messages={"required": "Укажите источник шкалы: приказ, распоряжение или рекомендации, из которых она взята."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, instance: MarkScale | None = None, **kwargs: Any) -> None:
        self.instance = instance
        self.candidate: MarkScale | None = None
        if instance is not None and "initial" not in kwargs:
            cuts = instance.mark_cuts or {}
            kwargs["initial"] = {
                "procedure": instance.procedure_id,
                "subject": instance.subject_id,
                "grade": instance.grade,
                "year": instance.year_id,
                "max_primary": instance.max_primary,
                "min_primary": instance.min_primary,
                **{f"cut_{m}": cuts.get(m) for m in MARKS},
                "min_threshold": instance.min_threshold,
                "score_bands": ", ".join(str(b) for b in instance.score_bands or []),
                "scaled_min": instance.scaled_min,
                "scaled_max": instance.scaled_max,
                "source": instance.source,
            }
        super().__init__(*args, **kwargs)

    def clean_source(self) -> str:
        source = " ".join(self.cleaned_data["source"].split())
        if not source:
            raise forms.ValidationError(self.fields["source"].error_messages["required"])
        return source

    def clean_score_bands(self) -> list[int]:
        text = self.cleaned_data["score_bands"].strip()
        bands: list[int] = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                bands.append(int(part))
            except ValueError:
                raise forms.ValidationError(f"«{part}» — не целое число.") from None
        if any(b <= a for a, b in zip(bands, bands[1:], strict=False)):
            raise forms.ValidationError("Границы групп должны строго возрастать.")
        return bands

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_primary"), data.get("max_primary")
        if low is not None and high is not None and low >= high:
            self.add_error(
                "min_primary",
                f"Минимальный первичный балл ({low}) должен быть меньше максимального ({high}).",
            )
            low = high = None
        cuts = {m: data.get(f"cut_{m}") for m in MARKS}
        given = {m: v for m, v in cuts.items() if v is not None}
        if given and len(given) < len(MARKS) and not any(f"cut_{m}" in self.errors for m in MARKS):
            missing = ", ".join(f"«{m}»" for m in MARKS if cuts[m] is None)
            self.add_error(
                "cut_3" if cuts["3"] is None else "cut_4" if cuts["4"] is None else "cut_5",
                f"Не указана граница отметки {missing}. Укажите все три границы или ни одной "
                "(для процедуры без отметок).",
            )
        elif len(given) == len(MARKS):
            previous: tuple[str, int] | None = None
            for mark in MARKS:
                value = given[mark]
                if low is not None and value < low:
                    self.add_error(
                        f"cut_{mark}",
                        f"Граница отметки «{mark}» ({value}) меньше минимального первичного балла ({low}).",
                    )
                elif high is not None and value > high:
                    self.add_error(
                        f"cut_{mark}",
                        f"Граница отметки «{mark}» ({value}) больше максимального первичного балла ({high}).",
                    )
                elif previous is not None and value <= previous[1]:
                    self.add_error(
                        f"cut_{mark}",
                        f"Граница отметки «{mark}» ({value}) должна быть больше границы «{previous[0]}» "
                        f"({previous[1]}): границы строго возрастают с отметкой.",
                    )
                previous = (mark, value)
        data["mark_cuts"] = given if len(given) == len(MARKS) else {}
        lo = 0 if data.get("scaled_min") is None else data["scaled_min"]
        hi = 100 if data.get("scaled_max") is None else data["scaled_max"]
        if "scaled_min" not in self.errors and "scaled_max" not in self.errors:
            if lo >= hi:
                self.add_error(
                    "scaled_max", f"Верхняя граница шкалы ({hi}) должна быть больше нижней ({lo})."
                )
            elif data.get("min_threshold") is not None and not lo <= data["min_threshold"] <= hi:
                self.add_error(
                    "min_threshold",
                    f"Минимальный порог ({data['min_threshold']}) вне шкалированного балла {lo}–{hi}.",
                )
        procedure: Procedure | None = data.get("procedure")
        grade = data.get("grade")
        if procedure is not None and grade is not None and procedure.grades:
            grades = [g.strip() for g in procedure.grades.split(",") if g.strip()]
            if str(grade) not in grades:
                self.add_error(
                    "grade", f"{procedure.name} проводится в классах: {', '.join(grades)}; указан {grade}."
                )
        self._check_duplicate(data)
        if not self.errors:
            self.candidate = self._model_checked(data)
        return data

    def _model_checked(self, data: dict[str, Any]) -> MarkScale | None:
        """The scale as it would be saved, checked by the model itself (its ``clean`` and
        constraint) as a safeguard; a message it gives is shown above the form."""
        scale = MarkScale.objects.get(pk=self.instance.pk) if self.instance is not None else MarkScale()
        for name in SCALE_FIELDS:
            setattr(scale, name, data[name])
        try:
            scale.full_clean()
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                for message in messages:
                    self.add_error(None, message)
            return None
        return scale

    def _check_duplicate(self, data: dict[str, Any]) -> None:
        """The model's constraint (procedure, subject, grade, year) with a readable message;
        also for a scale without a grade, which the database alone would let repeat (NULL)."""
        procedure, subject, year = data.get("procedure"), data.get("subject"), data.get("year")
        if procedure is None or subject is None or year is None or "grade" in self.errors:
            return
        grade = data.get("grade")
        twins = MarkScale.objects.filter(procedure=procedure, subject=subject, year=year)
        twins = twins.filter(grade__isnull=True) if grade is None else twins.filter(grade=grade)
        if self.instance is not None and self.instance.pk:
            twins = twins.exclude(pk=self.instance.pk)
        if twins.exists():
            which = f"{grade} класс" if grade is not None else "без класса"
            raise forms.ValidationError(
                f"Шкала «{procedure.name}, {subject.name}, {which}, {year.label}» уже есть: "
                "измените её, а не добавляйте вторую.",
                code="duplicate",
            )
