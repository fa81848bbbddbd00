"""Personal data not kept (issue 13, item 2): an uploaded file lives only while it may still be
loaded, in a folder only msoko's user can read; the batch keeps its name, hash and size; the
data folder, database and keys are msoko's user's only after a real ``msoko setup`` + import."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from msoko.access.models import AuditLog
from msoko.facts.models import ImportBatch
from msoko.intake import uploads
from msoko.jobs.models import Job
from msoko.registry.models import SocialPassport
from tests.conftest import client_for
from tests.test_intake_web import BAD, GOOD, drain, post_file

ROOT = Path(__file__).resolve().parents[1]
TERRITORIES = ROOT / "docs" / "user" / "examples" / "moscow_territories.csv"


@pytest.fixture
def queue() -> Any:
    """The real huey queue (its SQLite file is per test run, see conftest), emptied."""
    from msoko.jobs.queue import HUEY

    HUEY.flush()
    yield HUEY
    HUEY.flush()


def _stored() -> list[Path]:
    root = Path(settings.UPLOAD_DIR)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db(transaction=True)
def test_upload_is_private_and_deleted_once_loaded(world: Any, queue: Any) -> None:
    bob = client_for(world.bob)
    post_file(bob, GOOD)
    [path] = _stored()
    assert path.read_bytes() == GOOD  # the file as sent, read back
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert _mode(Path(settings.UPLOAD_DIR)) == 0o700

    drain(queue)  # the check passed: the file is kept for the load
    check = Job.objects.get()
    assert check.result["status"] == "dry_run" and _stored() == [path]
    page = bob.get(reverse("intake:job", args=[check.pk])).content.decode()
    assert "Загрузить в хранилище" in page and "Отменить загрузку" in page

    bob.post(reverse("intake:commit", args=[check.pk]))
    drain(queue)
    assert Job.objects.exclude(pk=check.pk).get().result["status"] == "ok"
    assert _stored() == [] and not path.parent.exists()  # gone, folder and all
    batch = ImportBatch.objects.get()
    assert batch.file_name == "passport.csv"
    assert batch.file_sha256 == hashlib.sha256(GOOD).hexdigest()
    assert batch.file_size == len(GOOD)
    journal = bob.get(reverse("intake:batches")).content.decode()
    assert f"{len(GOOD)}\xa0байт" in journal and batch.file_sha256[:12] in journal
    # the page of the finished check no longer offers to load a file that is gone
    page = bob.get(reverse("intake:job", args=[check.pk])).content.decode()
    assert 'id="upload-gone"' in page and "Загрузить в хранилище" not in page


@pytest.mark.django_db(transaction=True)
def test_a_check_with_errors_deletes_the_file_at_once(world: Any, queue: Any) -> None:
    post_file(client_for(world.bob), BAD, "bad.csv")
    assert len(_stored()) == 1
    drain(queue)
    assert Job.objects.get().result["status"] == "errors"
    assert _stored() == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_load_deletes_the_file(world: Any, queue: Any, monkeypatch: Any) -> None:
    """The handler reached an end (an exception it raised): the load failed, the file goes."""
    bob = client_for(world.bob)
    post_file(bob, GOOD)
    drain(queue)
    check = Job.objects.get()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("диск переполнен")

    monkeypatch.setattr("msoko.intake.jobs.run_import", broken)
    bob.post(reverse("intake:commit", args=[check.pk]))
    drain(queue)
    load = Job.objects.exclude(pk=check.pk).get()
    assert load.status == Job.Status.FAILED and "диск переполнен" in load.message
    assert _stored() == []


@pytest.mark.django_db(transaction=True)
def test_a_killed_load_leaves_the_file_for_a_retry(world: Any, queue: Any, monkeypatch: Any) -> None:
    """A process killed midway runs no more of the handler: simulated by an exception that
    is not an ``Exception`` (what SystemExit from a signal handler is), the file stays."""
    bob = client_for(world.bob)
    post_file(bob, GOOD)
    drain(queue)
    check = Job.objects.get()
    [path] = _stored()

    class Killed(BaseException):
        pass

    def killed(*args: Any, **kwargs: Any) -> Any:
        raise Killed

    monkeypatch.setattr("msoko.intake.jobs.run_import", killed)
    bob.post(reverse("intake:commit", args=[check.pk]))
    with pytest.raises(Killed):
        drain(queue)
    assert _stored() == [path]


@pytest.mark.django_db(transaction=True)
def test_discarding_a_checked_file_deletes_it_and_is_audited(world: Any, queue: Any) -> None:
    bob = client_for(world.bob)
    post_file(bob, GOOD)
    drain(queue)
    check = Job.objects.get()
    # someone else cannot discard it (a job is its starter's only)
    assert client_for(world.charlie).post(reverse("intake:discard", args=[check.pk])).status_code == 404
    assert len(_stored()) == 1

    response = bob.post(reverse("intake:discard", args=[check.pk]), follow=True)
    assert _stored() == []
    assert "Загрузка отменена" in response.content.decode()
    entry = AuditLog.objects.get(action="delete", model="intake.upload", object_id=str(check.pk))
    assert entry.actor == world.bob and entry.changes["file_name"] == "passport.csv"
    # loading it now says it is gone, starts nothing
    response = bob.post(reverse("intake:commit", args=[check.pk]), follow=True)
    assert "Загрузите файл заново" in response.content.decode()
    assert Job.objects.count() == 1 and not ImportBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_checked_file_never_loaded_is_swept_after_its_time(world: Any, queue: Any) -> None:
    bob = client_for(world.bob)
    post_file(bob, GOOD)
    drain(queue)
    check = Job.objects.get()
    [path] = _stored()
    assert uploads.sweep_stale_uploads() == 0  # fresh: kept
    hours = uploads.ttl_hours()
    assert hours == 24
    old = time.time() - (hours * 3600 + 60)  # a date, not a duration
    os.utime(path.parent, (old, old))
    assert uploads.sweep_stale_uploads() == 1
    assert _stored() == []

    response = bob.post(reverse("intake:commit", args=[check.pk]), follow=True)
    page = response.content.decode()
    assert "не дольше 24 ч" in page and "Загрузите файл заново" in page
    assert Job.objects.count() == 1 and not SocialPassport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_load_job_whose_file_was_swept_says_so(world: Any, queue: Any) -> None:
    """The race: the load was queued, then the file was swept before the job ran."""
    bob = client_for(world.bob)
    post_file(bob, GOOD)
    drain(queue)
    check = Job.objects.get()
    bob.post(reverse("intake:commit", args=[check.pk]))
    uploads.delete(check.params["path"])
    drain(queue)
    load = Job.objects.exclude(pk=check.pk).get()
    assert load.status == Job.Status.DONE and load.result["status"] == "errors"
    assert load.result["upload_missing"] is True and "24 ч" in load.result["errors"][0]["reason"]
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_doctor_reports_and_deletes_a_stale_upload() -> None:
    """``msoko doctor`` lists a raw upload kept past its time and ``--fix`` deletes it."""
    from msoko.ops import doctor

    stale = uploads.upload_root() / "old"
    stale.mkdir(parents=True)
    (stale / "f.csv").write_bytes(b"surname;birth_date")
    fresh = uploads.upload_root() / "new"
    fresh.mkdir()
    (fresh / "g.csv").write_bytes(b"x")
    old = time.time() - 25 * 3600  # a date, not a duration
    os.utime(stale, (old, old))

    [finding] = doctor.stale_uploads(fix=False)
    assert finding.status == doctor.PROBLEM and finding.detail.startswith("1 ")
    assert (stale / "f.csv").exists()
    [fixed] = doctor.stale_uploads(fix=True)
    assert fixed.status == doctor.FIXED and "удалено: 1" in fixed.detail
    assert not stale.exists() and (fresh / "g.csv").exists()
    assert doctor.stale_uploads(fix=False)[0].status == doctor.OK


@pytest.mark.django_db
def test_sweep_leaves_a_file_in_use_and_nothing_outside_uploads(tmp_path: Path) -> None:
    stale = uploads.upload_root() / "abc"
    stale.mkdir(parents=True)
    (stale / "f.csv").write_bytes(b"x")
    old = time.time() - 25 * 3600  # a date, not a duration
    os.utime(stale, (old, old))
    uploads.touch(stale / "f.csv")  # a job started on it just now
    assert uploads.sweep_stale_uploads() == 0 and (stale / "f.csv").exists()
    # a user's own file (``msoko import FILE``) is never deleted by msoko
    own = tmp_path / "own.csv"
    own.write_bytes(b"x")
    assert uploads.delete(own) is False and own.exists()


def test_job_results_keep_no_student_identity() -> None:
    """A problem in a name or birth-date column, or a whole row quoted, is stored without
    its value; other values (a wrong mark) are kept."""
    from msoko.intake.jobs import result_as_dict
    from msoko.intake.pipeline import ImportResult

    r = ImportResult("errors", "vpr", "f.xlsx")
    r.mapping = [("Фамилия участника", "Фамилия"), ("ДР", "Дата рождения"), ("Отметка", "Отметка")]
    r.problems.add("не дата", row=5, column="ДР", value="31.02.2014")
    r.problems.add("пусто", row=6, column="Фамилия участника", value="Иванов")
    r.problems.add("в строке другое число столбцов", row=7, value="Петров;Пётр;01.01.2014")
    r.problems.add("отметка вне 2–5", row=8, column="Отметка", value="7")
    out = result_as_dict(r)
    assert [e["value"] for e in out["errors"]] == ["", "", "", "7"]
    assert [e["row"] for e in out["errors"]] == [5, 6, 7, 8]
    assert "Иванов" not in str(out) and "31.02.2014" not in str(out) and "Петров" not in str(out)


# -- modes after a real setup and import (SQLite in the data folder) ---------------------------
def _msoko(data: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "MSOKO_SECRET_KEY", "MSOKO_PSEUDONYM_KEY")}
    env.update(MSOKO_DATA_DIR=str(data), MSOKO_QUEUE_FILE=str(data / "queue.sqlite3"), PYTHONUNBUFFERED="1")
    done = subprocess.run([sys.executable, "-m", "msoko", *args], env=env, cwd=ROOT,  # noqa: S603
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"msoko {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="the modes of the embedded SQLite database: SQLite pass")
def test_data_folder_database_keys_and_stores_are_the_owners_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # a folder an older version left loose: tightened on the first start
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / ".pseudonym_key").write_text("ключ-из-старой-версии")
    (data / ".pseudonym_key").chmod(0o644)
    own = tmp_path / "territories.csv"
    own.write_bytes(TERRITORIES.read_bytes())

    _msoko(data, "setup")
    out = _msoko(data, "import", "territories", str(own))
    assert "Загружено" in out, out
    # an upload stored by the web code in this installation
    _msoko(data, "shell", "-c",
           "from django.core.files.uploadedfile import SimpleUploadedFile as F; "
           "from msoko.intake import uploads; print(uploads.store(F('ФИО.csv', b'x')))")

    assert _mode(data) == 0o700
    assert _mode(data / ".pseudonym_key") == 0o600 and (data / ".pseudonym_key").read_text() == "ключ-из-старой-версии"
    for name in ("msoko.sqlite3", ".secret_key"):
        assert _mode(data / name) == 0o600, name
    files = [p for p in data.rglob("*") if p.is_file()]
    folders = [p for p in data.rglob("*") if p.is_dir()]
    assert any(p.name.startswith("msoko.sqlite3") for p in files)
    assert list((data / "uploads").rglob("*.csv"))
    loose = [f"{p.relative_to(data)} {oct(_mode(p))}" for p in files + folders if _mode(p) & 0o077]
    assert loose == [], loose  # -wal/-shm, queue, Parquet, uploads: nothing for group or others
    # the user's own file was read where it is: not copied, not deleted
    assert own.read_bytes() == TERRITORIES.read_bytes()
    assert [p for p in (data / "uploads").rglob("*") if p.is_file() and p.name != "ФИО.csv"] == []
