"""Validation of a submission's values against its form: types, a link for every document
marked present, counts ≥ 0, «не больше» rules between fields, and — on submission —
required fields. Returns the values normalised for storage, or raises ``ValidationError``
whose ``message_dict`` is keyed by field code (``"<code>__url"`` for a document's link).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from msoko.collect.models import Bucket, FieldKind, FormField

URL_KEY = "{code}__url"
_url = URLValidator(schemes=["http", "https"])


def is_empty(kind: str, value: Any) -> bool:
    if value is None or value == "":
        return True
    if kind == FieldKind.DOCUMENT:
        return not isinstance(value, Mapping) or value.get("present") is None
    return False


def _clean_one(field: FormField, value: Any, errors: dict[str, list[str]]) -> Any:
    code = field.code

    def fail(message: str, key: str = code) -> None:
        errors.setdefault(key, []).append(message)

    if field.kind == FieldKind.DOCUMENT:
        if not isinstance(value, Mapping):
            fail("Укажите, имеется ли документ.")
            return None
        present = value.get("present")
        url = str(value.get("url") or "").strip()
        if present not in (True, False):
            if url:
                fail("Укажите, имеется ли документ.")
            return None
        if present:
            if not url:
                fail("Укажите ссылку на документ на сайте ОО.", URL_KEY.format(code=code))
                return None
            try:
                _url(url)
            except ValidationError:
                fail(
                    "Введите правильную ссылку (начинается с https:// или http://).",
                    URL_KEY.format(code=code),
                )
                return None
            return {"present": True, "url": url}
        return {"present": False, "url": ""}
    if field.kind == FieldKind.BUCKET:
        if value not in Bucket.values:
            fail("Выберите процент реализации из списка.")
            return None
        return value
    if field.kind == FieldKind.COUNT:
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value).strip())
            except ValueError:
                fail("Введите целое число.")
                return None
        if value < 0:
            fail("Количество не может быть отрицательным.")
            return None
        return value
    if field.kind == FieldKind.NUMBER:
        try:
            number = decimal.Decimal(str(value).strip().replace(",", "."))
        except decimal.InvalidOperation:
            fail("Введите число.")
            return None
        if not number.is_finite():
            fail("Введите число.")
            return None
        return str(number)
    if field.kind == FieldKind.YES_NO:
        if value not in (True, False):
            fail("Выберите «да» или «нет».")
            return None
        return value
    if field.kind == FieldKind.TEXT:
        text = str(value).strip()
        if len(text) > 5000:
            fail("Не более 5000 знаков.")
            return None
        return text
    fail("Неизвестный тип поля.")
    return None


def clean_values(
    fields: Iterable[FormField], values: Mapping[str, Any], *, complete: bool
) -> dict[str, Any]:
    """Normalise ``values`` for ``fields``; ``complete`` also demands the required fields."""
    fields = list(fields)
    by_code = {f.code: f for f in fields}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(values) - set(by_code))
    if unknown:
        errors.setdefault("__all__", []).append("Неизвестные поля: " + ", ".join(unknown))
    cleaned: dict[str, Any] = {}
    for field in fields:
        raw = values.get(field.code)
        if is_empty(field.kind, raw):
            if complete and field.required:
                errors.setdefault(field.code, []).append("Обязательное поле.")
            continue
        value = _clean_one(field, raw, errors)
        if value is None:
            continue
        if complete and field.required and field.kind == FieldKind.TEXT and value == "":
            errors.setdefault(field.code, []).append("Обязательное поле.")
            continue
        cleaned[field.code] = value
    for field in fields:
        limit_field = by_code.get(field.not_more_than) if field.not_more_than else None
        value, limit = cleaned.get(field.code), cleaned.get(field.not_more_than)
        if limit_field is None or value is None or limit is None:
            continue
        if decimal.Decimal(str(value)) > decimal.Decimal(str(limit)):
            errors.setdefault(field.code, []).append(
                f"Не может быть больше, чем «{limit_field.label}» ({limit})."
            )
    if errors:
        raise ValidationError(errors)
    return cleaned
