"""Forms of the management cycle pages (labels in Russian come from the models)."""

from __future__ import annotations

from typing import Any

from django import forms

from msoko.access import policy
from msoko.cycle import scope
from msoko.cycle.models import Decision, Measure, MeasureReport, Recommendation, Roadmap
from msoko.indicators.models import IndicatorDefinition
from msoko.registry.models import Territory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def formfield(field: Any, **kwargs: Any) -> Any:
    """Model fields to form fields; a link typed without a scheme is taken as https://."""
    from django.db import models

    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} — {obj.name}"[:160]


def _indicator_field() -> IndicatorChoiceField:
    return IndicatorChoiceField(
        IndicatorDefinition.objects.select_related("catalog").order_by("catalog__order", "order"),
        required=False,
        label="Целевой показатель",
    )


class RoadmapForm(forms.ModelForm):
    class Meta:
        model = Roadmap
        fields = ["territory", "organisation", "kind", "title", "approved_by", "year_from", "year_to", "academic"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = scope.managed_territories(user)  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = policy.editable_organisations(user)  # type: ignore[attr-defined]
        self.fields["title"].widget = forms.TextInput()


class ImportForm(forms.Form):
    file = forms.FileField(label="Файл дорожной карты (XLSX или DOCX)")
    territory: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Territory.objects.none(), label="Территория"
    )
    title = forms.CharField(label="Название (если пусто — из файла)", required=False)
    year_from = forms.IntegerField(label="С года (если пусто — из заголовка)", required=False, min_value=2000, max_value=2100)
    year_to = forms.IntegerField(label="По год", required=False, min_value=2000, max_value=2100)
    approved_by = forms.CharField(label="Утверждена (документ)", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        territories = scope.managed_territories(user)
        self.fields["territory"].queryset = territories  # type: ignore[attr-defined]
        default = scope.default_territory(user)
        if default is not None:
            self.fields["territory"].initial = default.pk


class MeasureForm(forms.ModelForm):
    indicator = _indicator_field()

    class Meta:
        model = Measure
        fields = [
            "number", "section", "direction", "content", "deadline_text", "scheduled_on",
            "responsible", "participants", "report_document", "expected_result",
            "execution_mark", "implementation", "status", "organisation",
            "indicator", "indicator_subject", "indicator_grade", "baseline_year", "target_year",
        ]
        widgets = {
            "scheduled_on": DATE,
            "content": forms.Textarea(attrs={"rows": 3}),
            "expected_result": forms.Textarea(attrs={"rows": 2}),
            "execution_mark": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, roadmap: Roadmap, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = policy.visible_organisations(user).filter(territory_id=roadmap.territory_id)
        if roadmap.organisation_id:
            orgs = orgs.filter(pk=roadmap.organisation_id)
        self.fields["organisation"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["section"].widget = forms.TextInput()


class ReportForm(forms.ModelForm):
    class Meta:
        model = MeasureReport
        formfield_callback = formfield
        fields = ["done_on", "document", "document_url", "implementation", "comment"]
        widgets = {"done_on": DATE, "comment": forms.Textarea(attrs={"rows": 2})}


class RecommendationForm(forms.ModelForm):
    indicator = _indicator_field()

    class Meta:
        model = Recommendation
        fields = [
            "organisation", "addressee_group", "method_association", "direction", "year",
            "title", "text", "due_date", "state", "indicator", "subject", "grade",
        ]
        widgets = {"due_date": DATE, "text": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = policy.editable_organisations(user)  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    state = forms.ChoiceField(
        label="Решение ОО",
        choices=[
            (Recommendation.State.ACCEPTED, "Принята к исполнению"),
            (Recommendation.State.DONE, "Выполнена"),
            (Recommendation.State.DECLINED, "Отклонена"),
        ],
    )
    answer = forms.CharField(label="Ответ ОО", widget=forms.Textarea(attrs={"rows": 4}))


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        formfield_callback = formfield
        fields = ["territory", "kind", "number", "date", "title", "basis", "basis_url", "direction",
                  "document_url", "measures", "recommendations"]
        widgets = {"date": DATE, "basis": forms.Textarea(attrs={"rows": 3}),
                   "measures": forms.SelectMultiple(attrs={"size": 8}),
                   "recommendations": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = scope.managed_territories(user)  # type: ignore[attr-defined]
        self.fields["measures"].queryset = scope.visible_measures(user).select_related("roadmap")  # type: ignore[attr-defined]
        self.fields["recommendations"].queryset = scope.visible_recommendations(user).select_related("organisation")  # type: ignore[attr-defined]
        self.fields["title"].widget = forms.TextInput()
        self.fields["measures"].required = False
        self.fields["recommendations"].required = False
