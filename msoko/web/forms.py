"""The filter of the organisation list, shared by the page, its export and the API."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from msoko.access import policy
from msoko.registry.models import Organisation, Territory


def _normalise(text: str) -> str:
    """Case- and «ё»-insensitive, «№» and punctuation as spaces: «сош 1» finds «СОШ № 1»."""
    text = text.casefold().replace("ё", "е")
    return re.sub(r"[\W_]+", " ", text).strip()


def _matches(tokens: list[str], org: Organisation) -> bool:
    words = _normalise(f"{org.short_name} {org.full_name} {org.code} {org.inn} {org.ogrn}").split()
    return all(any(word.startswith(token) for word in words) for token in tokens)


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(
        label="Поиск",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Наименование, код или ИНН",
                "autocomplete": "off",
            }
        ),
    )
    kind = forms.ChoiceField(
        label="Тип",
        required=False,
        choices=[("", "Все типы"), *Organisation.Kind.choices],
    )
    locality = forms.ChoiceField(
        label="Местность",
        required=False,
        choices=[("", "Любая"), *Organisation.Locality.choices],
    )
    territory = forms.ModelChoiceField(
        label="Муниципалитет",
        required=False,
        queryset=Territory.objects.none(),
        empty_label="Все муниципалитеты",
    )

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data)
        self.user = user
        municipalities = policy.visible_territories(user).filter(kind=Territory.Kind.MUNICIPALITY)
        territory_field = cast(forms.ModelChoiceField, self.fields["territory"])
        territory_field.queryset = municipalities
        # A choice of municipality only makes sense to someone who sees more than one.
        self.show_territory = municipalities.count() > 1
        if not self.show_territory:
            del self.fields["territory"]

    def organisations(self) -> list[Organisation]:
        """The visible organisations that match the filter (an invalid filter matches none)."""
        qs: QuerySet[Organisation] = policy.visible_organisations(self.user).select_related(
            "territory"
        )
        if not self.is_valid():
            return []
        data = self.cleaned_data
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("locality"):
            qs = qs.filter(locality=data["locality"])
        if data.get("territory"):
            qs = qs.filter(territory=data["territory"])
        orgs = list(qs.order_by("territory__name", "short_name"))
        # Searched in Python: SQLite's LIKE folds only ASCII case, and the names are Cyrillic.
        # Every word of the query must begin a word of the organisation's names or codes.
        tokens = _normalise(data.get("q") or "").split()
        if tokens:
            orgs = [org for org in orgs if _matches(tokens, org)]
        return orgs

    def filters(self) -> dict[str, str]:
        """The filter as it was asked (for the audit row of an export)."""
        if not self.is_valid():
            return {}
        return {
            k: str(v.pk if isinstance(v, Territory) else v)
            for k, v in self.cleaned_data.items()
            if v
        }
