"""One advisory lock on the data folder that keeps a sweep of the Parquet stores from
deleting the files of a write in progress (docs/adr/0028-crash-safety.md).

A writer (an import batch, a computation run) writes its files first and registers them in a
transaction; until that transaction commits, its files look exactly like the orphans a crash
leaves. So every writer holds the lock *shared* from before its first file until its
transaction has committed, and a sweep takes it *exclusive* without waiting: when anyone is
writing, the sweep is skipped (the next one cleans up), never a write delayed or broken.

``flock`` locks belong to an open file, so two threads of one process, each opening the file,
behave like two processes; the kernel drops a dead process's lock, so a crash never leaves
the store locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction


def lock_path() -> Path:
    return Path(settings.DATA_DIR) / "store.lock"


def _open() -> int:
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _release(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)  # closing the file drops its lock


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Hold the lock shared while files are written and registered. When the block ends
    inside an outer transaction, the lock is kept until that transaction commits (its files
    are not registered before); on a rollback it is dropped with the block."""
    fd = _open()
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a sweep runs (a moment)
    try:
        yield
    except BaseException:
        _release(fd)
        raise
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _release(fd))
    else:
        _release(fd)


@contextlib.contextmanager
def sweeping() -> Iterator[bool]:
    """Try to hold the lock exclusive; yields whether it was got (``False``: somebody is
    writing, the caller skips its sweep)."""
    fd = _open()
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        _release(fd)


def sweep_stores() -> dict[str, int] | None:
    """Delete unregistered files of the fact store and value store (and value files no
    longer active). ``None`` when a write is in progress and nothing was swept."""
    from msoko.facts.store import sweep_orphans
    from msoko.indicators import values as value_store

    with sweeping() as got:
        if not got:
            return None
        return {"facts": sweep_orphans(), "values": value_store.sweep()}
