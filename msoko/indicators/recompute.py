"""One queued full recomputation of the indicator values after a change the stored values
depend on: a school moved to another municipality (``registry_watch``), a mark scale
changed (``administration``).

The job runs in the name of whoever made the change (a change made without a user — a
script — leaves it to the next run). One queued job serves every change made before it
starts: it reads the registry and the scales as they are when it runs. Nothing is queued
while nothing has been computed yet (there is nothing stale to replace).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("msoko.indicators")


def queue_full(user: Any, *, title: str, trigger: str) -> Any:
    """Queue a full computation job titled ``title`` for ``user``, unless one with this title
    is already waiting, nothing is computed yet, or there is no user. Returns the new job
    (``None`` when none was queued). Call it after the change commits (``on_commit``)."""
    from msoko.indicators.models import ValueFile
    from msoko.indicators.views import COMPUTE_HANDLER
    from msoko.jobs.models import Job
    from msoko.jobs.queue import start_job

    if not ValueFile.objects.filter(is_active=True).exists():
        return None  # nothing computed yet: nothing stale
    if user is None or not getattr(user, "pk", None):
        log.info("%s: изменение сделано без пользователя, показатели пересчитает следующий расчёт", title)
        return None
    if Job.objects.filter(handler=COMPUTE_HANDLER, status=Job.Status.QUEUED, title=title).exists():
        return None  # one queued recomputation serves every change before it starts
    return start_job(
        handler=COMPUTE_HANDLER,
        title=title,
        params={"catalogs": None, "years": None, "trigger": trigger},
        user=user,
    )


def owe(batch: Any, *, user: Any = None) -> Any:
    """Record, in the transaction of the import batch ``batch``, that its recomputation is
    owed: a run «running» in this process. ``recompute_after_batch`` fills it in; if the
    process dies first, the run is found dead and redone (``redo_dead_runs``)."""
    from msoko.indicators.models import ComputationRun
    from msoko.jobs.worker import this_worker

    return ComputationRun.objects.create(
        trigger=f"пакет загрузки № {batch.pk}",
        for_batch=batch.pk,
        worker=this_worker(),
        started_by=user if getattr(user, "is_authenticated", False) else None,
    )


INTERRUPTED = "Расчёт прерван: процесс {worker} завершился, не закончив его; расчёт повторён."


def dead_runs() -> list[Any]:
    """Runs left «running» by a process that has ended (or that named none)."""
    from msoko.indicators.models import ComputationRun
    from msoko.jobs.worker import is_dead

    return [
        r for r in ComputationRun.objects.filter(status=ComputationRun.Status.RUNNING).order_by("pk")
        if not r.worker or is_dead(r.worker) is True
    ]


def mark_dead(run: Any) -> bool:
    """Mark a dead run failed (only if still «running»: another process may have got it)."""
    from django.utils import timezone

    from msoko.indicators.models import ComputationRun

    return bool(
        ComputationRun.objects.filter(pk=run.pk, status=ComputationRun.Status.RUNNING).update(
            status=ComputationRun.Status.FAILED,
            error=INTERRUPTED.format(worker=run.worker or "неизвестен"),
            finished_at=timezone.now(),
        )
    )


def redo(run: Any) -> Any:
    """Compute again what a dead run was computing: the recomputation after its batch, or
    the same catalogs, years and organisations (every fact read again: what had changed is
    not known any more)."""
    from msoko.facts.models import ImportBatch
    from msoko.indicators.compute import compute, recompute_after_batch

    if run.for_batch is not None:
        if not ImportBatch.objects.filter(pk=run.for_batch).exists():
            return None
        return recompute_after_batch(run.for_batch, user=run.started_by)
    return compute(
        catalogs=run.catalogs or None,
        years=run.years or None,
        org_ids=run.org_ids or None,
        trigger=f"повтор прерванного расчёта № {run.pk}",
        user=run.started_by,
    )


def redo_dead_runs() -> list[int]:
    """Mark every dead run failed and redo it; returns the ids of the runs redone. A run
    is claimed by marking it (one process wins), so two starting processes do not both
    redo it."""
    done = []
    for run in dead_runs():
        if mark_dead(run):
            try:
                redo(run)
            except Exception:
                log.exception("повтор прерванного расчёта № %s не удался", run.pk)
                continue
            done.append(run.pk)
    return done
