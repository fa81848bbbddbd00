"""Background jobs on a real task queue that needs no server: huey over a SQLite file in the
data folder (docs/adr/0008-background-jobs.md).

``start_job`` records a ``Job`` and enqueues it once the transaction commits; the consumer
(started by ``msoko serve``, or ``msoko run_huey`` on its own) calls the job's handler — a
dotted path chosen by server code, never by the user — with a ``JobContext`` through which
the handler reports progress. The handler's return value becomes ``Job.result``.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from huey.contrib.djhuey import HUEY, task

from msoko.access.audit import acting_as
from msoko.jobs.models import Job

log = logging.getLogger(__name__)


class Handler(Protocol):
    def __call__(self, ctx: JobContext, **params: Any) -> dict[str, Any]: ...


class JobContext:
    """What a handler sees: the job, and a way to report progress."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def progress(self, done: int, message: str = "", total: int | None = None) -> None:
        fields: dict[str, Any] = {"done": done}
        if message:
            fields["message"] = message[:1000]
        if total is not None:
            fields["total"] = total
        Job.objects.filter(pk=self.job.pk).update(**fields)


def start_job(*, handler: str, title: str, params: dict[str, Any], user: Any) -> Job:
    """Record a job and put it on the queue (after the surrounding transaction commits)."""
    import_string(handler)  # fail now, not in the worker, if the handler does not exist
    job = Job.objects.create(handler=handler, title=title, params=params, created_by=user)
    transaction.on_commit(lambda: run_job(job.pk))
    return job


def execute(job_id: int) -> None:
    """Run one job in this thread (what the consumer does for each queued job)."""
    close_old_connections()
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.status != Job.Status.QUEUED:
        return
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    try:
        handler: Handler = import_string(job.handler)
        with acting_as(job.created_by):
            result = handler(JobContext(job), **job.params)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.DONE, result=result or {}, finished_at=timezone.now()
        )
    except Exception as exc:  # the page must say what happened, whatever it was
        log.exception("job %s failed", job_id)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            message=f"Задание завершилось сбоем: {exc}"[:1000],
            finished_at=timezone.now(),
        )
    finally:
        close_old_connections()


@task()
def run_job(job_id: int) -> None:
    execute(job_id)


def start_consumer(workers: int = 1) -> Any:
    """Start huey's consumer in background threads of this process (used by ``msoko serve``)."""
    from msoko.intake.uploads import sweep_stale_uploads

    sweep_stale_uploads()  # uploads checked but never committed, past their time (152-ФЗ)
    consumer = HUEY.create_consumer(
        workers=workers, worker_type="thread", periodic=False, initial_delay=0.1, max_delay=1.0
    )
    consumer.start()
    return consumer


__all__ = ["HUEY", "Job", "JobContext", "execute", "start_consumer", "start_job"]
