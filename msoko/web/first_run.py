"""«Первый запуск»: the technical administrator creates the region and its municipalities.

A fresh installation has reference data (``msoko migrate``) but no territory, and nobody
can do anything useful before there is one. The home page leads a superuser here while no
region exists; the page creates the region and its municipalities in one transaction
(each row audited by the model signals, attributed to the administrator by the audit
middleware), then links to the next steps: organisations from a file, then users.
Nobody but a superuser ever sees it (404).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from msoko.registry.models import Territory

CODE_MAX = Territory._meta.get_field("code").max_length or 32
NAME_MAX = Territory._meta.get_field("name").max_length or 255


def parse_municipalities(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Lines «Название; код» (or a tab between them, as pasted from Excel) → (name, code)
    pairs, and the problems in Russian, each naming its line and value."""
    rows: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        sep = "\t" if "\t" in line else ";"
        parts = [p.strip() for p in line.rsplit(sep, 1)] if sep in line else [line]
        if len(parts) != 2 or not parts[0] or not parts[1]:
            problems.append(
                f"строка {number}: «{line}» — нужны название и код через точку с запятой, "
                "например «Энский район; M01»"
            )
            continue
        name, code = parts
        if len(name) > NAME_MAX:
            problems.append(f"строка {number}: название длиннее {NAME_MAX} знаков")
        elif len(code) > CODE_MAX:
            problems.append(f"строка {number}: код «{code}» длиннее {CODE_MAX} знаков")
        else:
            rows.append((name, code))
    return rows, problems


class FirstRunForm(forms.Form):
    region_name = forms.CharField(label="Название региона", max_length=NAME_MAX)
    region_code = forms.CharField(
        label="Код региона", max_length=CODE_MAX, help_text="Например, код субъекта РФ: 77"
    )
    municipalities = forms.CharField(
        label="Муниципалитеты",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": "Энский район; M01\nСоседний район; M02"}),
        help_text="По одному на строке: название и код через точку с запятой (или столбцы, "
        "скопированные из Excel). Можно оставить пустым и загрузить муниципалитеты из файла.",
    )

    def __init__(self, *args: Any, region: Territory | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region
        if region is not None:  # the region exists: this form only adds municipalities
            del self.fields["region_name"]
            del self.fields["region_code"]
            self.fields["municipalities"].required = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        rows, problems = parse_municipalities(data.get("municipalities") or "")
        codes = [code for _name, code in rows]
        region_code = (data.get("region_code") or "").strip()
        codes_all = [region_code, *codes] if region_code else codes
        seen: set[str] = set()
        for code in codes_all:
            if code in seen:
                problems.append(f"код «{code}» указан дважды")
            seen.add(code)
        taken = set(Territory.objects.filter(code__in=codes_all).values_list("code", flat=True))
        problems += [f"код «{code}» уже занят другой территорией" for code in sorted(taken)]
        if problems:
            raise forms.ValidationError(problems)
        data["rows"] = rows
        return data


def _require_superuser(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise Http404("Страница не найдена")


def needs_first_run(user: Any) -> bool:
    """A technical administrator of an installation without a region."""
    return bool(
        user.is_authenticated
        and user.is_superuser
        and not Territory.objects.filter(kind=Territory.Kind.REGION).exists()
    )


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def next_steps() -> list[dict[str, Any]]:
    """Links for after the region: registry files (when those kinds exist), then users."""
    from msoko.intake.kinds import KINDS

    steps: list[dict[str, Any]] = []
    upload = reverse("intake:upload")
    for kind, title in (("territories", "Муниципалитеты из файла"), ("organisations", "Организации из файла")):
        if kind in KINDS:
            steps.append({
                "title": title,
                "url": f"{upload}?kind={kind}",
                "template": reverse("intake:template", args=[kind]),
            })
    if not any(s["url"].endswith("=organisations") for s in steps):
        steps.append({"title": "Организации (по одной, в администрировании)",
                      "url": _url("admin:registry_organisation_add"), "template": None})
    steps.append({"title": "Пользователи: специалисты, аналитики, администраторы школ",
                  "url": _url("admin:access_user_add"), "template": None})
    steps.append({"title": "Шкалы перевода и пороги (проверьте на год своих данных)",
                  "url": _url("admin:facts_markscale_changelist"), "template": None})
    return [s for s in steps if s["url"]]


@login_required
def first_run(request: HttpRequest) -> HttpResponse:
    _require_superuser(request)
    region = Territory.objects.filter(kind=Territory.Kind.REGION).order_by("pk").first()
    form = FirstRunForm(request.POST or None, region=region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            if region is None:
                region = Territory.objects.create(
                    kind=Territory.Kind.REGION,
                    name=data["region_name"].strip(),
                    code=data["region_code"].strip(),
                )
            for name, code in data["rows"]:
                Territory.objects.create(
                    kind=Territory.Kind.MUNICIPALITY, name=name, code=code, parent=region
                )
        from django.contrib import messages

        messages.success(
            request,
            f"Регион «{region.name}»: добавлено муниципалитетов — {len(data['rows'])}.",
        )
        return redirect(reverse("first_run"))
    municipalities = list(region.children.order_by("name")) if region is not None else []
    return render(request, "web/first_run.html", {
        "form": form,
        "region": region,
        "municipalities": municipalities,
        "steps": next_steps() if region is not None else [],
    })
