"""The audit log: every change to an msoko model is written as who / when / what.

Signals catch every ``save()`` and ``delete()`` of the project's own models (admin, forms,
actions alike). The actor comes from a context variable set by ``AuditActorMiddleware`` for
web requests and by ``acting_as`` for commands. Bulk writes (imports, the demo) bypass
signals by nature; they record one ``BULK`` row through ``record``.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("msoko_audit_actor", default=None)
_label: contextvars.ContextVar[str] = contextvars.ContextVar("msoko_audit_label", default="")
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "msoko_audit_suppressed", default=False
)

AUDITED_APPS = ("access", "registry", "facts", "intake", "collect", "jobs", "indicators", "analysis", "cycle")
SKIPPED_FIELDS = {"password", "last_login"}


@contextlib.contextmanager
def acting_as(user: Any = None, label: str = "") -> Iterator[None]:
    """Attribute every change made inside the block to ``user`` (or to a system ``label``)."""
    t1 = _actor.set(user)
    t2 = _label.set(label or (user.get_username() if user is not None else "система"))
    try:
        yield
    finally:
        _actor.reset(t1)
        _label.reset(t2)


def current_actor() -> Any:
    """The user changes are attributed to now (``None``: the system or a script)."""
    return _actor.get()


@contextlib.contextmanager
def DANGEROUS_unaudited() -> Iterator[None]:  # noqa: N802 - the name is the warning
    """Silence per-row audit inside the block. The caller must ``record`` one BULK row."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _snapshot(instance: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data


def record(
    action: str,
    *,
    model: str = "",
    object_id: Any = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    actor: Any = None,
) -> None:
    """Write one audit row (used directly for logins, exports and bulk operations)."""
    from msoko.access.models import AuditLog

    who = actor if actor is not None else _actor.get()
    label = who.get_username() if who is not None else (_label.get() or "система")
    if who is not None and not getattr(who, "pk", None):
        who = None
    AuditLog.objects.create(
        actor=who,
        actor_label=label[:255],
        action=action,
        model=model[:100],
        object_id=str(object_id)[:64],
        object_repr=str(object_repr)[:500],
        changes=changes or {},
    )


SECRET_MARKERS = ("password", "secret", "token", "csrf")


def without_secrets(data: Any) -> dict[str, Any]:
    """A request's fields for the log: anything that looks like a secret is left out."""
    out: dict[str, Any] = {}
    for key in data:
        if any(marker in key.lower() for marker in SECRET_MARKERS):
            continue
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        out[key] = [str(v)[:200] for v in values] if len(values) != 1 else str(values[0])[:200]
    return out


def refused(
    reason: str,
    *,
    actor: Any = None,
    model: str = "",
    object_id: Any = "",
    object_repr: str = "",
    request_data: Any = None,
    **details: Any,
) -> None:
    """Record an attempt to act above one's rights (a crafted request): who, what, why refused.

    The request's fields are kept (their names and values, secrets left out) so that the
    technical administrator sees exactly what was tried."""
    changes: dict[str, Any] = {"reason": reason, **details}
    if request_data is not None:
        changes["request"] = without_secrets(request_data)
    record(
        "refused",
        model=model,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes,
        actor=actor,
    )


def _audited(sender: Any) -> bool:
    meta = getattr(sender, "_meta", None)
    if meta is None or _suppressed.get():
        return False
    return meta.app_label in AUDITED_APPS and meta.model_name != "auditlog"


def _pre_save(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _audited(sender) or instance.pk is None:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(old) if old is not None else None  # type: ignore[attr-defined]


def _post_save(
    sender: Any, instance: models.Model, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not _audited(sender):
        return
    after = _snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = {"after": after}
        action = "create"
    else:
        diff = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if not diff:
            return
        changes = {"changed": diff}
        action = "update"
    record(
        action,
        model=sender._meta.label,
        object_id=instance.pk,
        object_repr=str(instance),
        changes=changes,
    )


def _post_delete(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    if not _audited(sender):
        return
    record(
        "delete",
        model=sender._meta.label,
        object_id=instance.pk,
        object_repr=str(instance),
        changes={"before": _snapshot(instance)},
    )


def _m2m_changed(
    sender: Any, instance: models.Model, action: str, pk_set: Any, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear") or not _audited(type(instance)):
        return
    field = sender._meta.model_name
    record(
        "update",
        model=type(instance)._meta.label,
        object_id=instance.pk,
        object_repr=str(instance),
        changes={"m2m": field, "action": action, "ids": sorted(pk_set or [])},
    )


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record("login", model="access.User", object_id=user.pk, object_repr=str(user), actor=user)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("logout", model="access.User", object_id=user.pk, object_repr=str(user), actor=user)


def _login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    record("login_failed", model="access.User", object_repr=str(credentials.get("username", "")))


def connect_signals() -> None:
    pre_save.connect(_pre_save, dispatch_uid="msoko_audit_pre_save")
    post_save.connect(_post_save, dispatch_uid="msoko_audit_post_save")
    post_delete.connect(_post_delete, dispatch_uid="msoko_audit_post_delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="msoko_audit_m2m")
    user_logged_in.connect(_logged_in, dispatch_uid="msoko_audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="msoko_audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="msoko_audit_login_failed")


__all__ = ["DANGEROUS_unaudited", "acting_as", "connect_signals", "record", "refused"]
