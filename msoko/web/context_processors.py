"""Navigation by role: the menu a user sees depends on what the policy lets them do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from msoko.access.models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("home", "Главная", reverse("home"))]
    if user.is_superuser or user.role != Role.SCHOOL_ADMIN and not (
        user.role == Role.VIEWER and user.organisation_id
    ):
        items.append(("organisations", "Организации", reverse("organisation_list")))
    elif user.organisation_id:
        items.append(
            ("organisation", "Моя школа", reverse("organisation_detail", args=[user.organisation_id]))
        )
    if user.is_staff:
        items.append(("admin", "Администрирование", reverse("admin:index")))
    return {"nav_items": items}
