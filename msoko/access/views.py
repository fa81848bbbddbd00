"""The password-change page: every user's, and the one a user with a one-time password is
held at until the password is changed (``ForcePasswordChangeMiddleware``)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

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
