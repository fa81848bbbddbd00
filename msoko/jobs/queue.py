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
from msoko.jobs.worker import is_dead, this_worker
from msoko.ops.crash import crash_point

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
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), worker=this_worker()
    )
    try:
        handler: Handler = import_string(job.handler)
        crash_point("job.running")
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


INTERRUPTED = (
    "Задание прервано: процесс, который его выполнял ({worker}), завершился, не закончив его "
    "(остановка или сбой сервера). Изменения незавершённого задания не сохранены; "
    "его можно повторить кнопкой «Повторить»."
)


def mark_interrupted(job: Job) -> bool:
    """Mark a running job failed as interrupted (only if it is still «running»)."""
    return bool(
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED,
            message=INTERRUPTED.format(worker=job.worker or "неизвестен")[:1000],
            finished_at=timezone.now(),
        )
    )


def dead_jobs() -> list[Job]:
    """Jobs left «running» by a process that has ended."""
    return [
        j for j in Job.objects.filter(status=Job.Status.RUNNING)
        if is_dead(j.worker) is True or not j.worker
    ]


def fail_dead_jobs() -> list[Job]:
    """Mark every job of a dead process failed (retryable); returns them."""
    return [j for j in dead_jobs() if mark_interrupted(j)]


def retry(job: Job, *, user: Any) -> Job:
    """A new job with the same handler and parameters as a failed one."""
    if job.status != Job.Status.FAILED:
        raise ValueError("Повторить можно только задание, завершившееся сбоем.")
    new = start_job(handler=job.handler, title=job.title, params=job.params, user=user)
    Job.objects.filter(pk=new.pk).update(retry_of=job)
    new.retry_of = job
    return new


@HUEY.on_startup()
def recover_at_start() -> None:
    """When a consumer starts (``msoko serve`` or ``msoko run_huey``): clean up after a crash
    before taking jobs (msoko.ops.doctor.recover)."""
    from msoko.ops.doctor import recover

    close_old_connections()
    try:
        recover(redo=True)
    except Exception:  # a start must not fail on the clean-up; msoko doctor reports it
        log.exception("clean-up at start failed")
    finally:
        close_old_connections()


def start_consumer(workers: int = 1) -> Any:
    """Start huey's consumer in background threads of this process (used by ``msoko serve``).

    ``Consumer.start`` installs signal handlers for SIGINT, SIGTERM and SIGHUP that only set a
    flag which ``Consumer.run``'s loop reads; embedded here, nothing reads it, so the server
    ignored SIGTERM and the first Ctrl+C. The handlers that were in place are put back: the
    process that embeds the consumer (``msoko serve``) owns the signals and stops it itself.
    """
    import signal

    from msoko.intake.uploads import sweep_stale_uploads

    sweep_stale_uploads()  # uploads checked but never committed, past their time (152-ФЗ)
    consumer = HUEY.create_consumer(
        workers=workers, worker_type="thread", periodic=False, initial_delay=0.1, max_delay=1.0
    )
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    return consumer


def stop_consumer(consumer: Any, grace: float) -> bool:
    """Stop taking jobs and wait up to ``grace`` seconds for a running one to finish.
    Returns whether every worker thread ended."""
    import time

    consumer.stop_flag.set()
    deadline = time.monotonic() + grace
    threads = [t for _, t in consumer.worker_threads] + [consumer.scheduler]
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in threads)


__all__ = [
    "HUEY", "Job", "JobContext", "execute", "fail_dead_jobs", "retry", "start_consumer",
    "start_job", "stop_consumer",
]
