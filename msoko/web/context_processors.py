"""Navigation by role: the menu a user sees depends on what the policy lets them do.

* a territory user (regional analyst, municipal specialist, viewer of a territory) —
  «Обзор» (the municipality or region at a glance) and «Организации»;
* a school's own user (its administrator, a viewer bound to it) — «Моя школа» (the home
  page is the school's page) and «Формы» (the school's data-entry forms);
* territory users also get «Согласование форм» (the approval queue) and, when they may load
  files, «Загрузка данных»;
* municipal specialists, regional analysts and superusers — «Администрирование» (their
  territory's organisations and users, ``msoko.administration``); the Django admin is reached
  from there by superusers only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from msoko.access import policy

ORGANISATION_PAGES = {
    "organisation_list",
    "organisation_detail",
}


def _item(key: str, label: str, url: str, active: bool) -> dict[str, Any]:
    return {"key": key, "label": label, "url": url, "active": active}


def _role_label(user: Any) -> str:
    if user.is_superuser:
        return "Технический администратор"
    return str(user.get_role_display())


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None else ""
    territory = policy.home_territory(user)
    school_user = territory is None and bool(user.organisation_id)
    items = []
    if school_user:
        own = current == "organisation_detail" and str(
            (match.kwargs if match else {}).get("pk")
        ) == str(user.organisation_id)
        items.append(_item("home", "Моя школа", reverse("home"), current == "home" or own))
    else:
        items.append(_item("home", "Обзор", reverse("home"), current == "home"))
        items.append(
            _item(
                "organisations",
                "Организации",
                reverse("organisation_list"),
                current in ORGANISATION_PAGES,
            )
        )
    namespace = match.namespace if match is not None else ""
    items.append(
        _item("indicators", "Показатели", reverse("indicators:index"), namespace == "indicators")
    )
    items.append(_item("analysis", "Анализ", reverse("analysis:index"), namespace == "analysis"))
    items.append(_item("cycle", "Управление", reverse("cycle:index"), namespace == "cycle"))
    in_collect = match is not None and match.namespace == "collect"
    if school_user:
        items.append(_item("collect", "Формы", reverse("collect:forms"), in_collect))
    else:
        items.append(
            _item("collect", "Согласование форм", reverse("collect:queue"), in_collect)
        )
    from msoko.intake.views import can_upload

    if not school_user and can_upload(user):
        in_intake = match is not None and match.namespace == "intake"
        items.append(_item("intake", "Загрузка данных", reverse("intake:upload"), in_intake))
    if policy.can_administer(user):
        items.append(
            _item(
                "administration",
                "Администрирование",
                reverse("administration:index"),
                namespace == "administration",
            )
        )
    if school_user and user.organisation_id:
        scope_label = str(user.organisation)
    elif territory is not None:
        scope_label = territory.name
    else:
        scope_label = ""
    return {
        "nav_items": items,
        "user_role_label": _role_label(user),
        "user_scope_label": scope_label,
    }
