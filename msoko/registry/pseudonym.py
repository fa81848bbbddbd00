"""Keyed pseudonyms for students (152-ФЗ).

A student's identifying fields are passed through HMAC-SHA256 under the installation's
secret ``PSEUDONYM_KEY``: names and birth date normalised (case, spaces, ё→е), a code from a
file exactly as given (only surrounding spaces trimmed), because two distinct codes such as
"1-12345" and "11-2345" must stay two students (ADR 0004, 2026-12-07). The same child gives the same pseudonym in every
file, procedure and year; without the key the pseudonym cannot be reversed or recomputed.
Names are never stored.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def normalise(part: str) -> str:
    return " ".join(str(part).replace("ё", "е").replace("Ё", "Е").lower().split())


CODE = "id"  # the first part of a code's identity: ("id", code)


def identity_message(identity: tuple[str, ...] | list[str]) -> bytes:
    """What is keyed for ``identity``: a code ``("id", code)`` as given, trimmed; any other
    identity (surname, name, patronymic, birth date...) normalised part by part.

    For a code of digits (or small letters) without inner spaces or dashes this is the same
    message as before codes were kept exactly, so such pseudonyms did not change."""
    if len(identity) == 2 and identity[0] == CODE:
        return f"{CODE}\x1f{str(identity[1]).strip()}".encode()
    return "\x1f".join(normalise(p) for p in identity).encode()


def student_pseudonym(*identity: str, key: str | None = None) -> str:
    """The pseudonym of a student identified by ``identity`` (e.g. surname, name, birth date).
    A code from a file is ``student_pseudonym("id", code)``: kept exactly, see above."""
    secret = (key if key is not None else settings.PSEUDONYM_KEY).encode()
    return hmac.new(secret, identity_message(identity), hashlib.sha256).hexdigest()[:32]
