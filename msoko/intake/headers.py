"""Normalisation of headers and cell text: case, spacing, ё/е, punctuation."""

from __future__ import annotations

import hashlib
import re

_SPACES = re.compile(r"[\s\u00a0_]+")
_PUNCT = re.compile(r"[\"'«»“”„`.,:;()\[\]{}]+")


def norm(text: object) -> str:
    """«  Код ОО  (ОГРН) » → «код оо огрн»; used for headers, names and choice values."""
    s = str(text or "").replace("ё", "е").replace("Ё", "Е").lower()
    s = s.replace("№", " № ")
    s = _PUNCT.sub(" ", s)
    return _SPACES.sub(" ", s).strip()


def signature(headers: list[str]) -> str:
    """The shape of a file: a hash of its normalised headers in order."""
    return hashlib.sha256("\x1f".join(norm(h) for h in headers).encode()).hexdigest()
