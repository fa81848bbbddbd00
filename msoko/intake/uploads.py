"""The life of an uploaded file, and the slots that bound heavy reads (152-ФЗ; issue 13).

A file uploaded through the web is personal data (the template asks for surnames and birth
dates), so msoko keeps it only as long as the workflow needs it:

* ``store`` writes it to ``UPLOAD_DIR/<random>/<name>`` — folder 0700, file 0600;
* the check job deletes it at once when the check found errors (it cannot be committed);
* the commit job deletes it once it has finished, loaded or failed;
* the user may discard a checked file (``discard``);
* a checked file never committed is deleted by ``sweep_stale_uploads`` after
  ``MSOKO_UPLOAD_TTL_HOURS`` (24 unless set), called when the job consumer starts, at the
  start of every import job and by ``msoko doctor``.

A job killed midway (the process died) runs none of this: its file stays for a retry until
the sweep. What the batch keeps of the file is its name, SHA-256 and size.

``import_slot`` lets at most ``MSOKO_IMPORT_SLOTS`` (1 unless set) processes of the
installation read a large file at once: a second import waits for the first instead of
doubling the memory (docs/adr/0026-bounded-uploads.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings

log = logging.getLogger(__name__)

WAITING_MESSAGE = "Ожидает завершения другой загрузки"


def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return int(value)


def ttl_hours() -> int:
    """How long a checked, never committed upload is kept (``MSOKO_UPLOAD_TTL_HOURS``)."""
    return _setting("MSOKO_UPLOAD_TTL_HOURS", 24)


def upload_root() -> Path:
    return Path(settings.UPLOAD_DIR)


# -- the raw file -------------------------------------------------------------------------------
def store(upload: Any) -> Path:
    """Write an uploaded file (a Django ``UploadedFile``) to a folder of its own, readable by
    msoko's user only."""
    root = upload_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    root.chmod(0o700)
    folder = root / uuid.uuid4().hex
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)  # mkdir's mode is filtered by the umask; this is not
    safe = Path(upload.name).name.replace("/", "_").lstrip(".") or "file"
    path = folder / safe
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def _folder_of(path: str | Path) -> Path | None:
    """The upload's own folder, if ``path`` is a file msoko stored (anything else — the
    user's own file given to ``msoko import`` — is never touched)."""
    p = Path(path)
    root = upload_root().resolve()
    try:
        folder = p.parent.resolve()
    except OSError:
        return None
    if folder.parent != root:
        return None
    return folder


def is_upload(path: str | Path) -> bool:
    return _folder_of(path) is not None


def delete(path: str | Path) -> bool:
    """Delete an uploaded file and its folder; True if there was one to delete."""
    folder = _folder_of(path)
    if folder is None or not folder.exists():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def touch(path: str | Path) -> None:
    """Mark an upload as in use now, so the sweep counts its age from this moment (a file
    committed just before its time is up is not swept from under the commit)."""
    folder = _folder_of(path)
    if folder is not None and folder.exists():
        with contextlib.suppress(OSError):
            os.utime(folder)


def missing_message() -> str:
    hours = ttl_hours()
    return (
        f"Файл уже удалён: проверенный, но не загруженный файл хранится не дольше {hours} ч "
        "(в нём персональные данные), или его загрузку отменили. Загрузите файл заново."
    )


def stale_uploads(now: float | None = None) -> list[Path]:
    """Uploads untouched for ``MSOKO_UPLOAD_TTL_HOURS`` (and anything else found in the uploads
    folder, a stray file, once as old)."""
    root = upload_root()
    if not root.exists():
        return []
    limit = (time.time() if now is None else now) - ttl_hours() * 3600
    out = []
    for entry in root.iterdir():
        try:
            if entry.lstat().st_mtime <= limit:
                out.append(entry)
        except OSError:  # vanished meanwhile
            continue
    return out


def sweep_stale_uploads(now: float | None = None) -> int:
    """Delete the stale uploads (``stale_uploads``); the number deleted."""
    removed = 0
    for entry in stale_uploads(now):
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError as exc:  # a file vanishing meanwhile is fine; others are logged
            log.warning("upload %s not swept: %s", entry, exc)
    if removed:
        log.info("swept %d stale uploads", removed)
    return removed


# -- slots for heavy reads ----------------------------------------------------------------------
def import_slots() -> int:
    """How many heavy file reads may run at once on the installation (``MSOKO_IMPORT_SLOTS``)."""
    return max(1, _setting("MSOKO_IMPORT_SLOTS", 1))


def slot_free_bytes() -> int:
    """Files smaller than this (unpacked) read without a slot (``MSOKO_IMPORT_SLOT_MIN_MB``,
    16 unless set): a class list never waits behind a region's results."""
    return _setting("MSOKO_IMPORT_SLOT_MIN_MB", 16) * 1024 * 1024


def _lock_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "locks"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _try_slots(n: int) -> IO[bytes] | None:
    for i in range(n):
        fh = (_lock_dir() / f"import-slot-{i}.lock").open("ab")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        return fh
    return None


@contextlib.contextmanager
def import_slot(weight: int | None = None, *, on_wait: Callable[[], None] | None = None,
                poll: float = 0.2) -> Iterator[bool]:
    """Hold one of the installation's import slots while the block runs (yields True), or
    none (yields False) for a file lighter than ``slot_free_bytes``. With every slot taken,
    ``on_wait`` is called once and the block waits. The lock is an ``flock`` on a file in the
    data folder: the kernel releases it when the holder exits, killed or not."""
    if weight is not None and weight < slot_free_bytes():
        yield False
        return
    n = import_slots()
    fh = _try_slots(n)
    if fh is None:
        if on_wait is not None:
            on_wait()
        while fh is None:
            time.sleep(poll)
            fh = _try_slots(n)
    try:
        yield True
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def read_weight(path: Path) -> int:
    """What reading ``path`` will weigh: a book's unpacked size, else the file's size."""
    from msoko.intake.readers import unpacked_size

    try:
        size = path.stat().st_size
    except OSError:
        return 0
    return unpacked_size(path) or size
