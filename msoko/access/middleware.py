"""Attribute every change made during a request to the user who made it; hold a user with a
one-time password at the password-change page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from msoko.access.audit import acting_as, request_context


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with acting_as(actor, label="" if actor else "аноним"), request_context(request):
            return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Until a user with a one-time password has changed it, every page leads to the
    password-change page (htmx is told to go there too) and the API answers 403 in JSON.
    Signing out, the change page itself and static files stay reachable."""

    API_PREFIX = "/api/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not self._exempt(request.path)
        ):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        exempt = (reverse("password_change"), reverse("logout"), reverse("login"))
        return path in exempt or path.startswith("/" + settings.STATIC_URL.lstrip("/"))

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        message = "Смените временный пароль: до этого остальные страницы недоступны."
        if request.path.startswith(self.API_PREFIX):
            return JsonResponse(
                {"detail": message, "password_change_url": reverse("password_change")},
                status=403,
                json_dumps_params={"ensure_ascii": False},
            )
        target = reverse("password_change")
        if request.method == "GET" and request.path != reverse("home"):
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
