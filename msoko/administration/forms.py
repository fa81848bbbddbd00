"""Forms of the administration pages. Each names its fields explicitly; the choices of
territory, organisation and role are cut to what the acting user administers
(``msoko.access.policy``), and ``clean`` checks the result against the policy again.

A value outside those choices cannot come from the page, only from a crafted request: the
views refuse such a request as a whole and audit it (``scope_errors``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from msoko.access import policy
from msoko.access.models import Role, User
from msoko.registry.models import Organisation, OrganisationNameVariant, Territory

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
