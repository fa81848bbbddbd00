"""HTML forms built from a form definition. They only carry strings to and from the page:
``msoko.collect.validation`` (called by the actions) decides what is valid, so the same
rules hold for a page, a test and any future API."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from msoko.collect.models import Bucket, FieldKind, FormField
from msoko.collect.validation import URL_KEY

EMPTY = ("", "— не указано —")
DOCUMENT_CHOICES = [EMPTY, ("yes", "Имеется"), ("no", "Отсутствует")]
YES_NO_CHOICES = [EMPTY, ("yes", "Да"), ("no", "Нет")]
BUCKET_CHOICES = [EMPTY, *Bucket.choices]


class SubmissionForm(forms.Form):
    """The fields of one data form; ``rows()`` groups them by section for the template."""

    def __init__(
        self,
        definition: Iterable[FormField],
        stored: Mapping[str, Any],
        data: Any = None,
        *,
        disabled: bool = False,
    ) -> None:
        super().__init__(data=data)
        self.definition = list(definition)
        for field in self.definition:
            for name, form_field in self._form_fields(field).items():
                form_field.disabled = disabled
                form_field.label = field.label
                self.fields[name] = form_field
        self.initial = self._initial(stored)

    @staticmethod
    def _form_fields(field: FormField) -> dict[str, forms.Field]:
        code = field.code
        if field.kind == FieldKind.DOCUMENT:
            return {
                code: forms.ChoiceField(choices=DOCUMENT_CHOICES, required=False),
                URL_KEY.format(code=code): forms.CharField(
                    required=False,
                    max_length=1000,
                    widget=forms.URLInput(attrs={"placeholder": "https://сайт-школы.рф/…"}),
                ),
            }
        if field.kind == FieldKind.BUCKET:
            return {code: forms.ChoiceField(choices=BUCKET_CHOICES, required=False)}
        if field.kind == FieldKind.YES_NO:
            return {code: forms.ChoiceField(choices=YES_NO_CHOICES, required=False)}
        if field.kind == FieldKind.COUNT:
            widget: forms.Widget = forms.NumberInput(attrs={"min": 0, "step": 1})
            return {code: forms.CharField(required=False, widget=widget)}
        if field.kind == FieldKind.NUMBER:
            widget = forms.TextInput(attrs={"inputmode": "decimal"})
            return {code: forms.CharField(required=False, widget=widget)}
        return {
            code: forms.CharField(
                required=False, max_length=5000, widget=forms.Textarea({"rows": 3})
            )
        }

    def _initial(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for field in self.definition:
            value = stored.get(field.code)
            if value is None:
                continue
            if field.kind == FieldKind.DOCUMENT:
                initial[field.code] = "yes" if value.get("present") else "no"
                initial[URL_KEY.format(code=field.code)] = value.get("url", "")
            elif field.kind == FieldKind.YES_NO:
                initial[field.code] = "yes" if value else "no"
            else:
                initial[field.code] = str(value)
        return initial

    def values(self) -> dict[str, Any]:
        """The raw values for ``clean_values`` (empty inputs left out)."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for field in self.definition:
            raw = data.get(field.code) or ""
            if field.kind == FieldKind.DOCUMENT:
                url = (data.get(URL_KEY.format(code=field.code)) or "").strip()
                if raw or url:
                    present = {"yes": True, "no": False}.get(raw)
                    values[field.code] = {"present": present, "url": url}
            elif field.kind == FieldKind.YES_NO:
                if raw:
                    values[field.code] = raw == "yes"
            elif raw.strip():
                values[field.code] = raw.strip()
        return values

    def add_value_errors(self, error: ValidationError) -> None:
        """Attach the errors of ``clean_values`` (keyed by field code) to the inputs."""
        for key, messages in error.message_dict.items():
            self.add_error(None if key not in self.fields else key, messages)

    def rows(self) -> list[dict[str, Any]]:
        """Sections with their fields, each with its bound inputs, for the template."""
        sections: list[dict[str, Any]] = []
        for field in self.definition:
            if not sections or sections[-1]["title"] != field.section:
                sections.append({"title": field.section, "fields": []})
            url_key = URL_KEY.format(code=field.code)
            sections[-1]["fields"].append(
                {
                    "definition": field,
                    "input": self[field.code],
                    "url": self[url_key] if url_key in self.fields else None,
                }
            )
        return sections


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label="Комментарий",
        required=False,
        max_length=5000,
        widget=forms.Textarea({"rows": 3}),
    )
