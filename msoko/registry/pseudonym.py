"""Keyed pseudonyms for students (152-ФЗ).

A student's identifying fields are normalised and passed through HMAC-SHA256 under the
installation's secret ``PSEUDONYM_KEY``. The same child gives the same pseudonym in every
file, procedure and year; without the key the pseudonym cannot be reversed or recomputed.
Names are never stored.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def normalise(part: str) -> str:
    return " ".join(str(part).replace("ё", "е").replace("Ё", "Е").lower().split())


def student_pseudonym(*identity: str, key: str | None = None) -> str:
    """The pseudonym of a student identified by ``identity`` (e.g. surname, name, birth date)."""
    secret = (key if key is not None else settings.PSEUDONYM_KEY).encode()
    message = "\x1f".join(normalise(p) for p in identity).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]
