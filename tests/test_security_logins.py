"""Logins (issue 13, item 3): lockout after repeated failures, password rules on every path that
sets a password, session idle and absolute timeouts, the Content Security Policy, the admin at
a configurable address, and the optional second factor (TOTP).

Time is moved with time-machine, never slept. TOTP codes are computed here from RFC 6238
(HMAC-SHA1, 30 s step, 6 digits) with hmac/hashlib, independently of django-otp.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import importlib
import re
import struct
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.test import Client
from django.urls import clear_url_caches, reverse

from msoko.access.middleware import AUTH_AT, SEEN_AT
from msoko.access.models import AuditLog, Role, User
from tests.conftest import PASSWORD, client_for

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
WRONG = "not-the-password-1"


def totp(secret_b32: str, at: datetime.datetime, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP (RFC 4226 HOTP over the 30-second counter), written out."""
    key = base64.b32decode(secret_b32.replace(" ", "").upper())
    counter = int(at.timestamp()) // step
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(number).zfill(digits)


def test_totp_helper_matches_rfc_6238_vectors() -> None:
    # RFC 6238 appendix B, SHA-1 key "12345678901234567890", 8 digits.
    secret = base64.b32encode(b"12345678901234567890").decode()
    at = datetime.datetime.fromtimestamp(59, tz=datetime.UTC)
    assert totp(secret, at, digits=8) == "94287082"
    at = datetime.datetime.fromtimestamp(1111111109, tz=datetime.UTC)
    assert totp(secret, at, digits=8) == "07081804"


def post_login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- lockout ---------------------------------------------------------------------------------


def test_five_failures_lock_the_name_from_that_address_for_15_minutes(world: Any, settings: Any) -> None:
    assert (settings.MSOKO_LOGIN_FAILURE_LIMIT, settings.MSOKO_LOGIN_COOLOFF_MINUTES) == (5, 15)
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(4):
            response = post_login(client, "bob", WRONG)
            assert response.status_code == 200 and "_auth_user_id" not in client.session
        fifth = post_login(client, "bob", WRONG)
        assert fifth.status_code == 429
        text = fifth.content.decode()
        assert "Слишком много неудачных попыток входа" in text
        assert "«bob»" in text and "15 мин" in text
        # The right password no longer opens the door from this address...
        right = post_login(client, "bob", PASSWORD)
        assert right.status_code == 429 and "_auth_user_id" not in client.session
        # ...but another address, or another name from this address, is not locked.
        elsewhere = Client(REMOTE_ADDR="10.0.0.7")
        assert post_login(elsewhere, "bob", PASSWORD).status_code == 302
        assert post_login(Client(), "alice", PASSWORD).status_code == 302
        # Lockouts are in the audit log, with the address.
        rows = AuditLog.objects.filter(action="refused", changes__lockout=True)
        assert rows.count() == 2  # the fifth failure and the refused right password
        assert {r.object_repr for r in rows} == {"bob"}
        assert rows.first().changes["ip_address"] == "127.0.0.1"
        assert AuditLog.objects.filter(action="login_failed", object_repr="bob").count() >= 5
        clock.shift(datetime.timedelta(minutes=14))
        assert post_login(client, "bob", PASSWORD).status_code == 429
        # An attempt during the lockout starts the 15 minutes again (axes' default).
        clock.shift(datetime.timedelta(minutes=14))
        assert post_login(client, "bob", PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=15, seconds=1))
        assert post_login(client, "bob", PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(world.bob.pk)


def test_success_resets_the_count_and_axes_reset_unlocks(world: Any) -> None:
    client = Client()
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            post_login(client, "bob", WRONG)
        assert post_login(client, "bob", PASSWORD).status_code == 302
        client.logout()
        for _ in range(4):  # counted from zero again: four more do not lock
            assert post_login(client, "bob", WRONG).status_code == 200
        assert post_login(client, "bob", WRONG).status_code == 429
        call_command("axes_reset", verbosity=0)  # the superuser's «msoko axes_reset»
        assert post_login(client, "bob", PASSWORD).status_code == 302


def test_client_login_goes_through_the_lockout_too(world: Any) -> None:
    """The test client's ``login`` is not a way round: the axes backend refuses it as well."""
    for _ in range(5):
        assert not Client().login(username="charlie", password=WRONG)
    assert not Client().login(username="charlie", password=PASSWORD)
    assert Client().login(username="alice", password=PASSWORD)


# --- password rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("Ab1-x", "слишком короткий"),
        ("Xq7-mLp2-Rv", "как минимум 12 символов"),  # 11 characters (ASVS 2.1.1 asks 12)
        ("80417263950", "состоит только из цифр"),
        ("password123", "слишком широко распространён"),
    ],
)
def test_weak_password_refused_in_russian_on_change_and_forced_change(
    world: Any, weak: str, message: str
) -> None:
    bob = world.bob
    for forced in (False, True):
        User.objects.filter(pk=bob.pk).update(must_change_password=forced)
        response = client_for(bob).post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        bob.refresh_from_db()
        assert bob.check_password(PASSWORD) and bob.must_change_password is forced


def test_generated_one_time_passwords_satisfy_the_validators(world: Any) -> None:
    from msoko.access.accounts import one_time_password

    root = User.objects.create_superuser("root", "root@example.ru", PASSWORD)
    response = client_for(root).post(
        reverse("administration:user_create"),
        {"username": "newbie", "last_name": "Н", "first_name": "Н", "role": Role.SCHOOL_ADMIN,
         "organisation": world.school_a.pk},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    newbie = User.objects.get(username="newbie")
    validate_password(response.context["password"], newbie)
    reset = client_for(root).post(reverse("administration:user_password", args=[newbie.pk]))
    validate_password(reset.context["password"], newbie)
    for _ in range(20):  # the school-accounts file uses the same generator
        validate_password(one_time_password(), newbie)


# --- session timeouts -------------------------------------------------------------------------


def test_idle_session_ends_after_30_minutes_with_a_russian_message(world: Any, settings: Any) -> None:
    assert settings.MSOKO_SESSION_IDLE_MINUTES == 30
    with time_machine.travel(T0, tick=False) as clock:
        client = client_for(world.bob)
        assert client.get("/").status_code == 200
        seen = client.session[SEEN_AT]
        assert client.session[AUTH_AT] == seen == int(T0.timestamp())
        clock.shift(datetime.timedelta(seconds=40))
        assert client.get("/").status_code == 200
        assert client.session[SEEN_AT] == seen  # not rewritten within the minute
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # 29 min 40 s idle: still in
        assert client.session[SEEN_AT] == seen + 40 + 29 * 60
        clock.shift(datetime.timedelta(minutes=29, seconds=59))
        assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=30))
        response = client.get(reverse("organisation_list"))
        assert response.status_code == 302
        assert response["Location"] == reverse("login") + "?next=%2Forganisations%2F"
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"]).content.decode()
        assert "Сеанс завершён: вы не работали в системе 30 мин" in page
        # Shown once.
        assert "Сеанс завершён" not in client.get(reverse("login")).content.decode()
        assert client.get("/").status_code == 302


def test_absolute_session_limit_is_12_hours_even_when_active(world: Any, settings: Any) -> None:
    assert settings.MSOKO_SESSION_ABSOLUTE_HOURS == 12
    with time_machine.travel(T0, tick=False) as clock:
        client = client_for(world.bob)
        for _ in range(12 * 3 - 1):  # a request every 20 minutes, for 11 h 40 min
            clock.shift(datetime.timedelta(minutes=20))
            assert client.get(reverse("organisation_list")).status_code == 200
        clock.shift(datetime.timedelta(minutes=20))
        response = client.get(reverse("organisation_list"))
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "Сеанс завершён: с момента входа прошло 12 ч" in page


def test_expired_session_answers_htmx_and_api_in_their_own_terms(world: Any) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        htmx = client_for(world.bob)
        api = client_for(world.bob)
        clock.shift(datetime.timedelta(minutes=31))
        response = htmx.get(reverse("organisation_list"), HTTP_HX_REQUEST="true")
        assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("login"))
        response = api.get(reverse("api_organisations"))
        assert response.status_code == 401
        assert "Сеанс завершён" in response.json()["detail"]


def test_settings_shorten_the_limits(world: Any, settings: Any) -> None:
    settings.MSOKO_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(T0, tick=False) as clock:
        client = client_for(world.bob)
        clock.shift(datetime.timedelta(minutes=4))
        assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=5))
        assert client.get("/").status_code == 302


# --- Content Security Policy ------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(world: Any) -> None:
    for client, url in ((client_for(world.bob), "/"), (Client(), reverse("login"))):
        header = client.get(url)["Content-Security-Policy"]
        directives = {
            part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()
        }
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        assert directives["form-action"] == ["'self'"]
        assert "'unsafe-eval'" not in header


TEMPLATE_ROOT = Path(__file__).resolve().parent.parent / "msoko"


def test_no_template_has_inline_script_or_event_handlers() -> None:
    offenders = []
    for path in TEMPLATE_ROOT.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path}: {tag}")
        for handler in re.findall(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", text):
            offenders.append(f"{path}: {handler}=")
        if "javascript:" in text:
            offenders.append(f"{path}: javascript:")
    assert offenders == []
    assert "includeIndicatorStyles" in (
        TEMPLATE_ROOT / "web" / "templates" / "web" / "base.html"
    ).read_text(encoding="utf-8")


# --- the admin's address ----------------------------------------------------------------------


@pytest.fixture
def admin_at_custom_path(settings: Any) -> Any:
    import msoko.urls

    settings.MSOKO_ADMIN_PATH = "tech-desk-7f3/"
    importlib.reload(msoko.urls)
    clear_url_caches()
    yield
    settings.MSOKO_ADMIN_PATH = "admin/"
    importlib.reload(msoko.urls)
    clear_url_caches()


def test_admin_moves_to_the_configured_path(world: Any, admin_at_custom_path: Any) -> None:
    root = User.objects.create_superuser("root", "root@example.ru", PASSWORD)
    client = client_for(root)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/access/user/").status_code == 404
    assert client.get("/tech-desk-7f3/").status_code == 200
    assert client.get("/tech-desk-7f3/access/user/").status_code == 200
    assert reverse("admin:index") == "/tech-desk-7f3/"


def test_admin_default_path_and_login_through_msoko(world: Any, settings: Any) -> None:
    assert settings.MSOKO_ADMIN_PATH == "admin/"
    root = User.objects.create_superuser("root", "root@example.ru", PASSWORD)
    anonymous = Client()
    first = anonymous.get("/admin/")
    assert first.status_code == 302 and first["Location"].startswith("/admin/login/")
    second = anonymous.get(first["Location"])
    assert second.status_code == 302
    assert second["Location"] == reverse("login") + "?next=%2Fadmin%2F"
    response = anonymous.post(
        second["Location"], {"username": "root", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert anonymous.get("/admin/").status_code == 200
    # A signed-in user who is not a superuser gets a refusal, not a redirect loop.
    assert client_for(world.bob).get("/admin/login/?next=/admin/").status_code == 403
    assert client_for(root).get("/admin/login/").status_code == 302


# --- second factor ----------------------------------------------------------------------------


def enable_second_factor(client: Client, clock: Any) -> str:
    """Turn the factor on through the profile page (a wrong code first, then the right one);
    the secret as the page shows it."""
    url = reverse("account_security")
    page = client.post(url, {"action": "start"}).content.decode()
    assert "<svg" in page  # the QR code, inline
    secret = re.search(r'<code id="otp-secret">([A-Z2-7 ]+)</code>', page)
    assert secret is not None
    right = totp(secret.group(1), datetime.datetime.now(datetime.UTC))
    wrong = str((int(right) + 1) % 10**6).zfill(6)
    refused = client.post(url, {"action": "confirm", "code": wrong})
    assert refused.status_code == 200 and "Код не подошёл" in refused.content.decode()
    clock.shift(datetime.timedelta(seconds=3))  # past django-otp's throttle after a wrong code
    right = totp(secret.group(1), datetime.datetime.now(datetime.UTC))
    response = client.post(url, {"action": "confirm", "code": right})
    assert response.status_code == 302
    return secret.group(1)


def test_second_factor_enabled_on_the_profile_then_asked_at_login(world: Any) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        bob_client = client_for(world.bob)
        secret = enable_second_factor(bob_client, clock)
        clock.shift(datetime.timedelta(seconds=3))
        page = bob_client.get(reverse("account_security")).content.decode()
        assert "Второй фактор подключён" in page
        assert AuditLog.objects.filter(
            model="access.User", object_id=str(world.bob.pk), changes__operation="second_factor_enabled"
        ).exists()
        clock.shift(datetime.timedelta(minutes=1))
        client = Client()
        response = post_login(client, "bob", PASSWORD)
        assert response.status_code == 302 and response["Location"] == reverse("login_otp")
        assert "_auth_user_id" not in client.session  # not signed in by the password alone
        assert client.get("/").status_code == 302
        code_page = client.get(reverse("login_otp")).content.decode()
        assert "Код подтверждения" in code_page and "6 цифр" in code_page
        right = totp(secret, datetime.datetime.now(datetime.UTC))
        wrong = str((int(right) + 1) % 10**6).zfill(6)
        refused = client.post(reverse("login_otp"), {"code": wrong})
        assert refused.status_code == 200 and "Неверный код" in refused.content.decode()
        assert "_auth_user_id" not in client.session
        assert AuditLog.objects.filter(action="login_failed", object_repr="bob").count() == 1
        clock.shift(datetime.timedelta(seconds=5))  # past django-otp's 1 s throttle
        right = totp(secret, datetime.datetime.now(datetime.UTC))
        response = client.post(reverse("login_otp"), {"code": right})
        assert response.status_code == 302 and response["Location"] == reverse("home")
        assert client.session["_auth_user_id"] == str(world.bob.pk)
        assert client.get("/").status_code == 200


def test_wrong_codes_count_towards_the_lockout(world: Any) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        secret = enable_second_factor(client_for(world.bob), clock)
        client = Client()
        statuses = []
        for _ in range(5):
            clock.shift(datetime.timedelta(seconds=40))  # past the device's own throttle
            assert post_login(client, "bob", PASSWORD).status_code == 302
            right = totp(secret, datetime.datetime.now(datetime.UTC))
            wrong = str((int(right) + 1) % 10**6).zfill(6)
            response = client.post(reverse("login_otp"), {"code": wrong})
            statuses.append(response.status_code)
        assert statuses == [200, 200, 200, 200, 429]
        assert "Слишком много неудачных попыток входа" in response.content.decode()
        clock.shift(datetime.timedelta(seconds=40))
        # Locked: even the right password and code are refused now.
        assert post_login(client, "bob", PASSWORD).status_code == 429
        assert "_auth_user_id" not in client.session
        assert AuditLog.objects.filter(action="refused", changes__lockout=True).exists()


def test_otp_reset_command_and_required_roles(world: Any, settings: Any) -> None:
    from io import StringIO

    from django_otp.plugins.otp_totp.models import TOTPDevice

    with time_machine.travel(T0, tick=False) as clock:
        enable_second_factor(client_for(world.bob), clock)
        assert TOTPDevice.objects.filter(user=world.bob, confirmed=True).count() == 1
        out = StringIO()
        call_command("otp_reset", "bob", stdout=out)
        assert "сброшен" in out.getvalue()
        assert not TOTPDevice.objects.filter(user=world.bob).exists()
        clock.shift(datetime.timedelta(minutes=1))
        assert post_login(Client(), "bob", PASSWORD)["Location"] == reverse("home")
        # Required for specialists: bob is held at the set-up page until he has one.
        settings.MSOKO_OTP_REQUIRED_ROLES = [Role.MUNICIPAL_SPECIALIST]
        bob = client_for(world.bob)
        response = bob.get(reverse("organisation_list"))
        assert response.status_code == 302 and response["Location"] == reverse("account_security")
        page = bob.get(reverse("account_security")).content.decode()
        assert "обязателен" in page
        assert client_for(world.alice).get(reverse("organisation_list")).status_code == 200
        clock.shift(datetime.timedelta(minutes=1))
        enable_second_factor(bob, clock)
        assert bob.get(reverse("organisation_list")).status_code == 200


@pytest.mark.django_db
def test_login_issues_a_new_session_key(world: Any) -> None:
    """ASVS 3.2.1: a session key known before the login (fixated by an attacker) is not the
    one the signed-in user gets."""
    from django.conf import settings

    client = Client()
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    response = client.post(reverse("login"), {"username": world.alice.username, "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert client.get(reverse("home")).status_code == 200
