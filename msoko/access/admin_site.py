"""The Django admin is the technical administrator's tool: superusers only.

A municipal specialist or a regional analyst administers her territory in msoko's own pages
(«Администрирование», ``msoko.administration``), which check her scope on every write. The
Django admin checks model permissions, not territory, and could give a staff member a way to
edit users, their roles and flags; so being staff is not enough to enter it.

The admin has no login form of its own: it sends to msoko's login page, which applies the
lockout and the second factor. Its address is ``MSOKO_ADMIN_PATH``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.contrib.admin import apps as admin_apps
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class SuperuserAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Callable[..., Any]:  # type: ignore[override]
        """Django's wrapper, plus: a POST by a signed-in user who may not be here is recorded
        as ``refused`` in the audit log (what was tried, secrets left out)."""
        wrapped = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if (
                request.method == "POST"
                and request.user.is_authenticated
                and not self.has_permission(request)
            ):
                from msoko.access import audit

                audit.refused(
                    "Техническое администрирование доступно только суперпользователю.",
                    actor=request.user,
                    object_repr=request.path,
                    request_data=request.POST,
                )
            return wrapped(request, *args, **kwargs)

        return inner

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """msoko's own login page (lockout, second factor); a signed-in user who is not a
        superuser is refused, not sent round in a loop."""
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(request.GET.get("next") or reverse("admin:index"))
            raise PermissionDenied("Техническое администрирование доступно только суперпользователю.")
        query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
        return redirect(reverse("login") + "?" + query)


class SuperuserAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` whose default site admits superusers only (in INSTALLED_APPS
    instead of ``django.contrib.admin``)."""

    default_site = "msoko.access.admin_site.SuperuserAdminSite"
