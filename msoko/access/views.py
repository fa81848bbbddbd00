"""The pages of signing in and of one's own account.

* the password-change page: every user's, and the one a user with a one-time password is held
  at until the password is changed (``ForcePasswordChangeMiddleware``);
* the login page (with django-axes' lockout and the expired-session message) and its second
  step, the authenticator's code;
* the profile's security page, where a user turns the second factor on or off.
"""

from __future__ import annotations

import time
from typing import Any, cast

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from msoko.access import audit, otp
from msoko.access.middleware import EXPIRY_MESSAGES, LOGOUT_REASON, expiry_message, mark_signed_in
from msoko.access.models import User


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    forced = user.must_change_password
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        extra = _extra_fields(request, PASSWORD_CHANGE_FIELDS)
        if extra:
            return _refuse(
                request, "Запрос содержит поля, которых нет в форме: " + ", ".join(extra) + ".",
                fields=extra,
            )
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["new_password1"] == form.cleaned_data["old_password"]:
            form.add_error("new_password1", "Новый пароль должен отличаться от прежнего.")
        else:
            form.save(commit=False)
            user.must_change_password = False
            user.save()
            update_session_auth_hash(request, user)
            messages.success(request, "Пароль изменён.")
            return redirect(next_url or "home")
    return render(
        request,
        "access/password_change.html",
        {"form": form, "forced": forced, "next": next_url},
    )


# --- the password-change page refuses crafted fields --------------------------------------------

PASSWORD_CHANGE_FIELDS = {"csrfmiddlewaretoken", "old_password", "new_password1", "new_password2", "next"}


def _refuse(request: HttpRequest, reason: str, **details: Any) -> HttpResponse:
    """403, nothing written, and an audit row saying what was tried (as in «Администрирование»)."""
    audit.refused(
        reason,
        actor=request.user,
        model="access.User",
        object_id=request.user.pk,
        object_repr=request.path,
        request_data=request.POST,
        **details,
    )
    return render(request, "administration/refused.html", {"reason": reason}, status=403)


def _extra_fields(request: HttpRequest, allowed: set[str]) -> list[str]:
    return sorted(set(request.POST) - allowed)


# --- signing in: password, then (if the user has one) the authenticator's code ----------------

OTP_PENDING = "msoko_otp_pending"
OTP_PENDING_SECONDS = 300


def lockout_message(username: str = "") -> str:
    who = f" для «{username}»" if username else ""
    return (
        f"Слишком много неудачных попыток входа. Вход{who} с этого адреса заблокирован на "
        f"{settings.MSOKO_LOGIN_COOLOFF_MINUTES} мин. Попробуйте позже или обратитесь к "
        "администратору системы."
    )


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lockout response (``AXES_LOCKOUT_CALLABLE``): the login page, with the
    reason, answered 429."""
    username = str((credentials or {}).get("username") or "")
    form = AuthenticationForm(request)
    return render(
        request,
        "web/login.html",
        {"form": form, "lockout_message": lockout_message(username), "next": ""},
        status=429,
    )


def _on_locked_out(sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any) -> None:
    """Every login refused because of a lockout is in the audit log."""
    audit.record(
        "refused",
        model="access.User",
        object_repr=str(username or "")[:200],
        changes={
            "reason": "Вход заблокирован после повторных неудачных попыток.",
            "lockout": True,
            "ip_address": ip_address or "",
            "failure_limit": settings.MSOKO_LOGIN_FAILURE_LIMIT,
            "cooloff_minutes": settings.MSOKO_LOGIN_COOLOFF_MINUTES,
        },
    )


def _on_logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        mark_signed_in(request)


def connect_signals() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_locked_out, dispatch_uid="msoko_audit_locked_out")
    user_logged_in.connect(_on_logged_in, dispatch_uid="msoko_session_clocks")


class LoginView(auth_views.LoginView):
    """Django's login page, which shows why a session ended and, for a user with an
    authenticator, asks for its code before signing her in."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reason = self.request.session.pop(LOGOUT_REASON, "")
        if reason in EXPIRY_MESSAGES:
            context["expired_message"] = expiry_message(reason)
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not otp.has_device(user):
            return super().form_valid(form)
        self.request.session[OTP_PENDING] = {
            "user": user.pk,
            "backend": getattr(user, "backend", ""),
            "at": int(time.time()),
            "next": self.get_redirect_url(),
        }
        return redirect("login_otp")


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(OTP_PENDING)
    if not isinstance(pending, dict) or int(time.time()) - int(pending.get("at", 0)) > OTP_PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return (user, pending) if user is not None else None


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def login_otp(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the 6-digit code. A wrong code counts as a failed login
    (the lockout counts it), a right one signs the user in."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(OTP_PENDING, None)
        messages.info(request, "Войдите снова: код нужно ввести в течение 5 минут после пароля.")
        return redirect("login")
    user, pending = found
    error = ""
    if request.method == "POST":
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.session.pop(OTP_PENDING, None)
            return locked_out(request, credentials=credentials)
        device = otp.confirmed_device(user)
        if device is not None and otp.check(device, request.POST.get("code", "")):
            request.session.pop(OTP_PENDING, None)
            auth_login(request, user, backend=pending.get("backend") or None)
            next_url = str(pending.get("next") or "")
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        user_login_failed.send(
            sender=__name__, credentials={**credentials, "second_factor": True}, request=request
        )
        if getattr(request, "axes_locked_out", False):
            request.session.pop(OTP_PENDING, None)
            return locked_out(request, credentials=credentials)
        error = "Неверный код. Введите 6 цифр, которые сейчас показывает приложение-аутентификатор."
    return render(request, "access/login_otp.html", {"error": error, "username": user.get_username()})


# --- the profile: password and second factor -----------------------------------------------------

SECURITY_FIELDS = {"csrfmiddlewaretoken", "action", "code"}


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """The user's own profile page: turn the second factor on (scan, confirm a code) or off."""
    user = cast(User, request.user)
    error = ""
    if request.method == "POST":
        extra = _extra_fields(request, SECURITY_FIELDS)
        if extra:
            return _refuse(request, "Запрос содержит поля, которых нет в форме: " + ", ".join(extra) + ".", fields=extra)
        action = request.POST.get("action", "")
        code = request.POST.get("code", "")
        if action == "start":
            otp.start_enrolment(user)
        elif action == "confirm":
            device = otp.pending_device(user)
            if device is not None and otp.check(device, code):
                device.confirmed = True
                device.save()
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                audit.record(
                    "update", model="access.User", object_id=user.pk, object_repr=str(user),
                    changes={"operation": "second_factor_enabled"},
                )
                messages.success(request, "Второй фактор подключён: при входе система спросит код.")
                return redirect("account_security")
            error = "Код не подошёл. Введите 6 цифр, которые сейчас показывает приложение."
        elif action == "disable":
            device = otp.confirmed_device(user)
            if otp.required_for(user):
                error = "Для вашей роли второй фактор обязателен: отключить его нельзя."
            elif device is not None and otp.check(device, code):
                otp.reset(user)
                audit.record(
                    "update", model="access.User", object_id=user.pk, object_repr=str(user),
                    changes={"operation": "second_factor_disabled"},
                )
                messages.success(request, "Второй фактор отключён.")
                return redirect("account_security")
            else:
                error = "Чтобы отключить второй фактор, введите текущий код из приложения."
        else:
            return _refuse(request, f"Неизвестное действие: «{action[:50]}».")
    pending = otp.pending_device(user)
    return render(
        request,
        "access/security.html",
        {
            "enabled": otp.has_device(user),
            "required": otp.required_for(user),
            "pending": pending,
            "qr": otp.qr_svg(pending) if pending else "",
            "secret": otp.secret_text(pending) if pending else "",
            "uri": pending.config_url if pending else "",
            "error": error,
        },
    )
