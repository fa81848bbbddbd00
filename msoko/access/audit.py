"""The audit log: every change to an msoko model is written as who / when / what.

Signals catch every ``save()`` and ``delete()`` of the project's own models (admin, forms,
actions alike). The actor comes from a context variable set by ``AuditActorMiddleware`` for
web requests and by ``acting_as`` for commands. Bulk writes (imports, the demo) bypass
signals by nature; they record one ``BULK`` row through ``record``.

Web rows carry the client's IP address and User-Agent (``request_context``, set by the
middleware). Every row is chained: ``row_hash = sha256(prev_hash | canonical(row))``, the
writers serialised (``_chain_lock``), so a row edited, deleted or inserted behind msoko's
back is found by ``verify`` (``msoko audit verify``). See docs/adr/0030-audit-chain.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import hashlib
import ipaddress
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("msoko_audit_actor", default=None)
_label: contextvars.ContextVar[str] = contextvars.ContextVar("msoko_audit_label", default="")
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "msoko_audit_suppressed", default=False
)
#: (IP address, User-Agent) of the web request being served; empty for commands
_client: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar(
    "msoko_audit_client", default=("", "")
)

OS_PREFIX = "ОС: "
AUDITED_APPS = ("access", "registry", "facts", "intake", "collect", "jobs", "indicators", "analysis", "cycle")
SKIPPED_FIELDS = {"password", "last_login"}


@contextlib.contextmanager
def acting_as(user: Any = None, label: str = "") -> Iterator[None]:
    """Attribute every change made inside the block to ``user`` (or to a system ``label``).

    Inside a command run from the shell (``msoko.cli`` labels it «ОС: <user>»), a system
    label keeps the OS user: «командная строка, ОС: ivanov»."""
    outer = _label.get()
    if user is None and label and outer.startswith(OS_PREFIX) and label != outer and OS_PREFIX not in label:
        label = f"{label}, {outer}"
    t1 = _actor.set(user)
    t2 = _label.set(label or (user.get_username() if user is not None else "система"))
    try:
        yield
    finally:
        _actor.reset(t1)
        _label.reset(t2)


def client_address(request: Any) -> str:
    """The client's IP address: ``REMOTE_ADDR``, or — behind ``MSOKO_TRUSTED_PROXIES``
    reverse proxies that append to ``X-Forwarded-For`` — the address the outermost trusted
    proxy saw. A header entry that is not an IP address gives way to ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    candidates = [remote]
    hops = int(getattr(settings, "MSOKO_TRUSTED_PROXIES", 0) or 0)
    if hops > 0:
        chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(chain) >= hops:
            candidates.insert(0, chain[-hops])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return ""


@contextlib.contextmanager
def request_context(request: Any) -> Iterator[None]:
    """Stamp every row written while serving ``request`` with its IP address and agent."""
    token = _client.set((client_address(request), request.META.get("HTTP_USER_AGENT", "")[:500]))
    try:
        yield
    finally:
        _client.reset(token)


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


# --------------------------------------------------------------------------- the hash chain

#: the fields a row's hash covers, in this order (``actor`` is not: see the model)
HASHED_FIELDS = ("id", "at", "actor_label", "action", "model", "object_id", "object_repr",
                 "changes", "ip_address", "user_agent")
_LOCK_KEY = 0x6D736F6B6F  # "msoko": the advisory lock of the audit chain (PostgreSQL)


def _plain(value: Any) -> Any:
    """JSON as both databases give it back: keys sorted later, integral floats as integers
    (PostgreSQL's jsonb returns 1e16 as 10000000000000000), tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _stamp(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row: Any) -> str:
    """The row's fields (``HASHED_FIELDS``) as one stable JSON text, the same on SQLite and
    PostgreSQL: sorted keys, no spaces, UTF-8, the time in UTC to the microsecond."""
    data = {name: getattr(row, name) for name in HASHED_FIELDS}
    data["at"] = _stamp(data["at"])
    data["changes"] = _plain(data["changes"])
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, row: Any) -> str:
    return hashlib.sha256(f"{prev_hash}|{canonical(row)}".encode()).hexdigest()


def _chain_lock() -> None:
    """One chain writer at a time, until the transaction ends. PostgreSQL: an advisory
    transaction lock; SQLite: every transaction begins IMMEDIATE (settings), so the writer
    already holds the database's only write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def record(
    action: str,
    *,
    model: str = "",
    object_id: Any = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    actor: Any = None,
) -> None:
    """Write one audit row (used directly for logins, exports and bulk operations), chained
    to the last one."""
    from msoko.access.models import AuditLog

    who = actor if actor is not None else _actor.get()
    label = who.get_username() if who is not None else (_label.get() or "система")
    if who is not None and not getattr(who, "pk", None):
        who = None
    ip, agent = _client.get()
    # what the database will give back, so that the hash computed now is the one verified
    plain = json.loads(json.dumps(_plain(changes or {})))
    with transaction.atomic():
        _chain_lock()
        last = AuditLog.objects.order_by("-id").values_list("row_hash", flat=True).first()
        row = AuditLog.objects.create(
            at=timezone.now(),
            actor=who,
            actor_label=label[:255],
            action=action,
            model=model[:100],
            object_id=str(object_id)[:64],
            object_repr=str(object_repr)[:500],
            changes=plain,
            ip_address=ip,
            user_agent=agent,
            prev_hash=last or "",
        )
        row.row_hash = chain_hash(row.prev_hash, row)
        AuditLog.objects.filter(pk=row.pk).update(row_hash=row.row_hash)


@dataclass
class Verdict:
    rows: int
    broken: Any = None  # the first row whose link does not hold
    problem: str = ""
    last: Any = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify() -> Verdict:
    """Walk the chain in id order; stop at the first row whose stored link or hash does not
    match what its fields and its predecessor give."""
    from msoko.access.models import AuditLog

    expected_prev = ""
    previous = None
    count = 0
    for row in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if row.prev_hash != expected_prev:
            where = f"записи № {previous.pk}" if previous is not None else "начала журнала"
            problem = (f"ссылка на предыдущую запись не совпадает с хэшем {where}: между ними "
                       "запись удалена или вставлена, либо предыдущая изменена вместе со своим хэшем")
            return Verdict(count, row, problem, previous)
        actual = chain_hash(row.prev_hash, row)
        if row.row_hash != actual:
            problem = ("содержимое записи не совпадает с её хэшем: запись изменена или добавлена "
                       "в обход msoko" if row.row_hash else "у записи нет хэша: она добавлена в обход msoko")
            return Verdict(count, row, problem, previous)
        expected_prev = row.row_hash
        previous = row
    return Verdict(count, last=previous)


# --------------------------------------------------------------------------- reads


def audited_read(model: str, what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Log every successful read through a view of data derived from students' results:
    action ``read``, who, the object (the view's ``pk``), the path and the query. For the
    JSON API (and the future one of issue 21)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            response = view(request, *args, **kwargs)
            if 200 <= getattr(response, "status_code", 500) < 300:
                record(
                    "read",
                    model=model,
                    object_id=kwargs.get("pk", ""),
                    object_repr=what,
                    changes={"path": request.path, "query": without_secrets(request.GET)},
                    actor=getattr(request, "user", None) if getattr(request.user, "pk", None) else None,
                )
            return response

        return wrapper

    return decorate


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


__all__ = [
    "DANGEROUS_unaudited",
    "acting_as",
    "audited_read",
    "connect_signals",
    "record",
    "refused",
    "request_context",
    "verify",
]
