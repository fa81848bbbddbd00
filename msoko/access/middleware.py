"""Attribute every change made during a request to the user who made it; hold a user with a
one-time password at the password-change page; end idle and old sessions; hold a user whose
role requires a second factor at its set-up until she has one."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
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


# Session keys: when the user signed in and when she was last seen (Unix seconds), and why a
# session was ended (read once by the login page).
AUTH_AT = "msoko_auth_at"
SEEN_AT = "msoko_seen_at"
LOGOUT_REASON = "msoko_logout_reason"
# The last-seen time is rewritten at most this often, so a session is not saved on every request.
SEEN_RESOLUTION_SECONDS = 60

EXPIRY_MESSAGES = {
    "idle": "Сеанс завершён: вы не работали в системе {idle} мин. Войдите снова.",
    "absolute": "Сеанс завершён: с момента входа прошло {absolute} ч. Войдите снова.",
}


def expiry_message(reason: str) -> str:
    return EXPIRY_MESSAGES[reason].format(
        idle=settings.MSOKO_SESSION_IDLE_MINUTES, absolute=settings.MSOKO_SESSION_ABSOLUTE_HOURS
    )


def mark_signed_in(request: HttpRequest) -> None:
    """Start the clocks of a fresh session (called on every login)."""
    now = int(time.time())
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now


def _redirect_to_login(request: HttpRequest, message: str) -> HttpResponse:
    if request.path.startswith(ForcePasswordChangeMiddleware.API_PREFIX):
        return JsonResponse(
            {"detail": message}, status=401, json_dumps_params={"ensure_ascii": False}
        )
    target = reverse("login")
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


class SessionTimeoutMiddleware:
    """Signs a user out after ``MSOKO_SESSION_IDLE_MINUTES`` without a request and
    ``MSOKO_SESSION_ABSOLUTE_HOURS`` after signing in (OWASP ASVS 3.3.2).

    The last-seen time is refreshed at most once a minute, so most requests do not write the
    session; the idle limit therefore holds to within a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = self._expired(request)
            if reason:
                logout(request)
                request.session[LOGOUT_REASON] = reason
                return _redirect_to_login(request, expiry_message(reason))
        return self.get_response(request)

    @staticmethod
    def _expired(request: HttpRequest) -> str:
        now = int(time.time())
        session = request.session
        signed_in = session.get(AUTH_AT)
        seen = session.get(SEEN_AT)
        if not isinstance(signed_in, int) or not isinstance(seen, int):
            mark_signed_in(request)  # a session from before this check: its clocks start now
            return ""
        if now - signed_in >= settings.MSOKO_SESSION_ABSOLUTE_HOURS * 3600:
            return "absolute"
        if now - seen >= settings.MSOKO_SESSION_IDLE_MINUTES * 60:
            return "idle"
        if now - seen >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        return ""


class SecondFactorEnrolmentMiddleware:
    """A user whose role is in ``MSOKO_OTP_REQUIRED_ROLES`` and who has no confirmed
    authenticator yet reaches only the page that sets one up (and signing out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from msoko.access import otp

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and otp.required_for(user)
            and not otp.has_device(user)
            and not self._exempt(request.path)
        ):
            target = reverse("account_security")
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            if request.path.startswith(ForcePasswordChangeMiddleware.API_PREFIX):
                return JsonResponse(
                    {"detail": "Подключите второй фактор входа в профиле."},
                    status=403,
                    json_dumps_params={"ensure_ascii": False},
                )
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        exempt = (reverse("account_security"), reverse("logout"), reverse("password_change"))
        return path in exempt or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
