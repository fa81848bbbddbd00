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
