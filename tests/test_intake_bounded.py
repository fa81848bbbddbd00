"""Bounded uploads (issue 13, item 8): a book is judged by its zip's central directory before
anything is inflated — over the unpacked-size limit, packed like a zip bomb, or not a workbook,
it is refused in Russian and nothing is written; and at most MSOKO_IMPORT_SLOTS large reads run
at once on the installation, the next one waiting (and saying so)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from msoko.facts.models import ImportBatch
from msoko.intake import uploads
from msoko.intake.pipeline import run_import
from msoko.jobs.models import Job
from msoko.registry.models import SocialPassport
from tests.conftest import client_for
from tests.test_intake_web import drain

ROOT = Path(__file__).resolve().parents[1]
TERRITORIES = ROOT / "docs" / "user" / "examples" / "moscow_territories.csv"
HEAD = ["Код ОО", "Обучающихся всего", "Доля из малоимущих семей, %", "Доля обучающихся с ОВЗ, %"]


@pytest.fixture
def queue() -> Any:
    from msoko.jobs.queue import HUEY

    HUEY.flush()
    yield HUEY
    HUEY.flush()


def passport_book(path: Path, extra_rows: int = 0) -> Path:
    """A social passport for school A1, and ``extra_rows`` rows of varied numbers in a second
    sheet (they make the book large unpacked, packing as real data does: about 5-10 times)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Паспорт"
    ws.append(HEAD)
    ws.append(["A1", 500, 12.5, 3])
    if extra_rows:
        more = wb.create_sheet("Справка")
        for i in range(extra_rows):
            more.append([i, i * 7919 % 10007, f"строка {i * 31337 % 99991}", i / 7])
    wb.save(path)
    return path


def unpacked(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(i.file_size for i in z.infolist())


def bomb(path: Path, mb: int = 20) -> Path:
    """A zip shaped like a book whose sheet is ``mb`` MB of one repeated byte (packs ~1000×)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (mb << 20))
    return path


@pytest.mark.django_db
def test_a_book_over_the_unpacked_limit_is_refused_before_reading(world: Any, tmp_path: Path, settings: Any) -> None:
    path = passport_book(tmp_path / "big.xlsx", extra_rows=40_000)
    size = unpacked(path)
    assert size > 2 << 20 and size < 20 * path.stat().st_size  # large, packed like real data
    settings.MSOKO_MAX_UNPACKED_MB = 1
    r = run_import(path, kind="social_passport", year=2024)
    assert r.status == "errors" and r.problems.error_total == 1
    reason = r.problems.errors[0].reason
    assert f"{size / (1 << 20):.0f} МБ при пределе 1 МБ" in reason and "Ничего не записано" in reason
    assert not ImportBatch.objects.exists() and not SocialPassport.objects.exists()
    # the same book under a limit that admits it loads
    settings.MSOKO_MAX_UNPACKED_MB = 64
    r = run_import(path, kind="social_passport", year=2024)
    assert r.status == "ok", r.problems.errors
    assert float(SocialPassport.objects.get(organisation=world.school_a).low_income_share) == 12.5


@pytest.mark.django_db
def test_a_zip_bomb_and_a_zip_that_is_no_book_are_refused(world: Any, tmp_path: Path) -> None:
    b = bomb(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(b) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    ratio = info.file_size // info.compress_size
    assert ratio > 300
    r = run_import(b, kind="social_passport", year=2024)
    assert r.status == "errors"
    assert f"сжата в {ratio} раз" in r.problems.errors[0].reason and "zip-бомб" in r.problems.errors[0].reason

    other = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("photo.jpg", b"\xff\xd8" * 100)
    r = run_import(other, kind="social_passport", year=2024)
    assert r.status == "errors" and "не книга Excel" in r.problems.errors[0].reason
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_web_check_refuses_an_oversized_book_and_deletes_it(world: Any, queue: Any, tmp_path: Path, settings: Any) -> None:
    settings.MSOKO_MAX_UNPACKED_MB = 1
    path = passport_book(tmp_path / "big.xlsx", extra_rows=40_000)
    bob = client_for(world.bob)
    response = bob.post(reverse("intake:upload"), {
        "kind": "social_passport", "year": 2024,
        "file": SimpleUploadedFile("big.xlsx", path.read_bytes()),
    })
    assert response.status_code == 302
    drain(queue)
    job = Job.objects.get()
    assert job.result["status"] == "errors"
    page = bob.get(response.url).content.decode()
    assert "при пределе 1 МБ" in page and "Загрузить в хранилище" not in page
    assert not any(p.is_file() for p in uploads.upload_root().rglob("*"))
    assert not ImportBatch.objects.exists()


def test_slots_admit_as_many_readers_as_set(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.MSOKO_IMPORT_SLOTS = 2
    settings.MSOKO_IMPORT_SLOT_MIN_MB = 0
    with uploads.import_slot(1) as first, uploads.import_slot(1) as second:
        assert first is True and second is True
        assert uploads._try_slots(2) is None  # a third would wait
    held = uploads._try_slots(2)
    assert held is not None  # released on leaving
    held.close()
    settings.MSOKO_IMPORT_SLOT_MIN_MB = 16
    with uploads.import_slot(1 << 20) as took:
        assert took is False  # a small file needs no slot


@pytest.mark.django_db
def test_an_import_waits_for_the_slot_and_says_so(world: Any, tmp_path: Path, settings: Any) -> None:
    """The slot held by another reader: the import reports «Ожидает завершения другой
    загрузки» and reads nothing until the holder lets go (released only once that message
    is seen, so the order is certain)."""
    settings.MSOKO_IMPORT_SLOT_MIN_MB = 0
    path = passport_book(tmp_path / "p.xlsx")
    holding, release = threading.Event(), threading.Event()
    events: list[str] = []

    def holder() -> None:
        with uploads.import_slot(None):
            holding.set()
            release.wait(60)
            events.append("released")

    t = threading.Thread(target=holder)
    t.start()
    assert holding.wait(60)

    def progress(rows: int, message: str) -> None:
        events.append(message)
        if message == uploads.WAITING_MESSAGE:
            release.set()

    r = run_import(path, kind="social_passport", year=2024, dry_run=True, progress=progress)
    t.join()
    assert r.status == "dry_run" and r.rows == 1
    assert events[:2] == [uploads.WAITING_MESSAGE, "released"]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="two processes of one installation on its embedded SQLite: SQLite pass")
def test_a_second_process_reads_only_after_the_first_released_the_slot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(MSOKO_DATA_DIR=str(data), MSOKO_QUEUE_FILE=str(data / "queue.sqlite3"),
               MSOKO_IMPORT_SLOT_MIN_MB="0", PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="msoko.settings")
    run = {"env": env, "cwd": ROOT, "text": True}
    setup = subprocess.run([sys.executable, "-m", "msoko", "setup"], capture_output=True, timeout=600, check=False, **run)  # noqa: S603
    assert setup.returncode == 0, setup.stderr
    # the first reader: a process holding the installation's one slot until told to let go
    first = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c",
         "from msoko.intake.uploads import import_slot\n"
         "with import_slot(None):\n"
         "    print('slot taken', flush=True)\n"
         "    input()\n"
         "print('slot released', flush=True)\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, **run)
    assert first.stdout is not None and first.stdin is not None
    assert first.stdout.readline().strip() == "slot taken"
    second = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "msoko", "import", "territories", str(TERRITORIES), "--dry-run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **run)
    assert second.stderr is not None
    line = second.stderr.readline()
    while line and uploads.WAITING_MESSAGE not in line:
        line = second.stderr.readline()
    assert uploads.WAITING_MESSAGE in line
    assert second.poll() is None  # waiting, not reading: it cannot end while the slot is held
    first.stdin.write("\n")
    first.stdin.flush()
    assert first.stdout.readline().strip() == "slot released"
    assert first.wait(60) == 0
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    assert "Проверка пройдена (ничего не записано)" in out, out


@pytest.mark.django_db(transaction=True)
def test_a_web_check_waiting_for_the_slot_shows_it_on_its_job(
        world: Any, queue: Any, tmp_path: Path, settings: Any, monkeypatch: Any) -> None:
    """The job of a check that waits says «Ожидает завершения другой загрузки» (stored in the
    job's message, which its page shows), then reading replaces it."""
    from msoko.jobs.queue import JobContext

    settings.MSOKO_IMPORT_SLOT_MIN_MB = 0
    path = passport_book(tmp_path / "p.xlsx")
    bob = client_for(world.bob)
    url = bob.post(reverse("intake:upload"), {
        "kind": "social_passport", "year": 2024, "file": SimpleUploadedFile("p.xlsx", path.read_bytes()),
    }).url
    holding, release = threading.Event(), threading.Event()
    seen: list[tuple[str, str]] = []
    original = JobContext.progress

    def progress(self: Any, done: int, message: str = "", total: int | None = None) -> None:
        original(self, done, message, total)
        seen.append((message, Job.objects.get(pk=self.job.pk).message))
        if message == uploads.WAITING_MESSAGE:
            page = bob.get(url).content.decode()
            seen.append(("page", "waiting shown" if uploads.WAITING_MESSAGE in page else page))
            release.set()

    monkeypatch.setattr(JobContext, "progress", progress)

    def holder() -> None:
        with uploads.import_slot(None):
            holding.set()
            release.wait(60)

    t = threading.Thread(target=holder)
    t.start()
    assert holding.wait(60)
    drain(queue)
    t.join()
    assert seen[0] == (uploads.WAITING_MESSAGE, uploads.WAITING_MESSAGE)
    assert seen[1] == ("page", "waiting shown")
    assert seen[2] == ("Файл читается", "Файл читается")
    assert Job.objects.get().result["status"] == "dry_run"
