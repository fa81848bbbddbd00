"""The optional second factor: a TOTP authenticator app (RFC 6238, 6 digits, 30 s), kept by
django-otp's ``TOTPDevice``.

A user turns it on in her profile (``account_security``); from then on signing in asks for the
code after the password. ``MSOKO_OTP_REQUIRED_ROLES`` makes it compulsory for some roles. A
superuser resets a lost authenticator with ``msoko otp_reset USER`` or in the admin.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Приложение-аутентификатор"


def required_for(user: Any) -> bool:
    return bool(getattr(user, "role", "") in settings.MSOKO_OTP_REQUIRED_ROLES)


def confirmed_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user: Any) -> bool:
    return confirmed_device(user) is not None


def pending_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def start_enrolment(user: Any) -> TOTPDevice:
    """A fresh, unconfirmed authenticator (any earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def check(device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is the device's current code (a code is accepted once: replays fail)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == device.digits):
        return False
    return bool(device.verify_token(code))


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an app by hand."""
    key = b32encode(device.bin_key).decode("ascii")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, no script)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR-код"))


def reset(user: Any) -> int:
    """Remove every authenticator of ``user``; how many were removed."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    return int(count)
