"""Which process is doing a job or a computation, and whether it is still alive.

A worker is named ``host:pid:start``, ``start`` being the process's start time in clock ticks
after boot (``/proc/<pid>/stat``, field 22): a pid alone is reused — in a container the server
is pid 1 after every restart — while pid and start time together name one process. msoko runs
on one machine; a worker named by another host is reported as unknown, never declared dead.
"""

from __future__ import annotations

import os
import socket
from functools import cache


def _stat(pid: int) -> list[str]:
    """Fields 3… of ``/proc/<pid>/stat`` (state first), or nothing when unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return []
    # the command name (field 2) is in parentheses and may hold spaces: split after it
    return stat.rsplit(")", 1)[-1].split()


def _start_time(pid: int) -> str:
    fields = _stat(pid)
    return fields[19] if len(fields) > 19 else ""


@cache
def _me(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def this_worker() -> str:
    """This process's name (cached per pid: a forked child gets its own)."""
    return _me(os.getpid())


def is_dead(worker: str) -> bool | None:
    """``True`` when the process that ``worker`` names has ended, ``False`` when it runs,
    ``None`` when it cannot be told (another host, or no name recorded)."""
    host, _, rest = worker.partition(":")
    pid_text, _, start = rest.partition(":")
    if not host or not pid_text.isdigit() or host != socket.gethostname():
        return None
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by another user
    fields = _stat(pid)
    if fields and fields[0] in ("Z", "X"):
        return True  # ended, not yet reaped by its parent
    now = fields[19] if len(fields) > 19 else ""
    return bool(start and now and now != start)  # the pid was reused by another process
