"""A school moved to another municipality (or a municipality to another region) queues a
full recomputation of the indicator values.

A school's stored rows sit in its municipality's part of the value store and in its
municipality's sums; until the values are recomputed, a read of its new municipality does
not find them. The next run after such a change is full in any case (``compute`` compares
the fingerprint of the territorial division); this starts it at once, as a background job
of whoever made the change (``recompute.queue_full``, shared with a changed mark scale).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from msoko.access import audit

TITLE = "Пересчёт показателей после изменения территориального деления"
# the field that places each model in the territorial division
PLACED_BY = {"Organisation": "territory_id", "Territory": "parent_id"}


def _before(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    old = sender._default_manager.filter(pk=instance.pk).values_list(PLACED_BY[sender.__name__], flat=True).first()
    instance._placed_under = old  # noqa: SLF001 - compared in _after


def _after(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or created:
        return
    if getattr(instance, "_placed_under", None) == getattr(instance, PLACED_BY[sender.__name__]):
        return
    user = audit.current_actor()  # who made the change, as the audit log records it
    transaction.on_commit(lambda: _start(user))


def _start(user: Any) -> None:
    from msoko.indicators.recompute import queue_full

    queue_full(user, title=TITLE, trigger="registry")


def connect() -> None:
    from django.db.models.signals import post_save, pre_save

    from msoko.registry.models import Organisation, Territory

    for model in (Organisation, Territory):
        pre_save.connect(_before, sender=model, dispatch_uid=f"msoko_placement_before_{model.__name__}")
        post_save.connect(_after, sender=model, dispatch_uid=f"msoko_placement_after_{model.__name__}")
