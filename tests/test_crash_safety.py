"""Crash safety (issue 13, item 6): a real ``msoko`` process is killed with SIGKILL at
several points of an import (``MSOKO_CRASH_AT``, msoko/ops/crash.py); then the database holds
no half batch, ``msoko doctor`` finds what the crash left and ``--fix`` repairs it, the dead
computation is redone and the dead job marked, and the values are those of an import that
was never interrupted. SQLite, and PostgreSQL when DATABASE_URL names it (a throwaway
database per installation)."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.crash_helpers import Site, free_port, wait_http

KILLED = -signal.SIGKILL


@pytest.fixture(scope="module")
def base(tmp_path_factory: Any) -> Iterator[Site]:
    """An installation with a territory, two schools and a superuser, nothing imported."""
    site = Site(tmp_path_factory.mktemp("base"))
    site.prepare()
    yield site
    site.close()


@pytest.fixture(scope="module")
def reference(base: Site, tmp_path_factory: Any) -> list[Any]:
    """The values of the same import, never interrupted."""
    site = Site(tmp_path_factory.mktemp("reference"), base)
    try:
        rc, out = site.run(*site.import_args())
        assert rc == 0, out
        values = site.values()
    finally:
        site.close()
    assert values, "the import must give some indicator values"
    return values


@pytest.fixture
def site(base: Site, tmp_path: Path) -> Iterator[Site]:
    s = Site(tmp_path, base)
    yield s
    s.close()


def doctor(site: Site, *args: str) -> tuple[int, str]:
    return site.run("doctor", *args)


def test_killed_before_the_batch_commits(site: Site, reference: list[Any]) -> None:
    rc, out = site.run(*site.import_args(), crash_at="facts.before_commit")
    assert rc == KILLED, out
    # the files were written, the batch never committed: nothing of it in the database
    assert any(p.startswith("facts/") for p in site.parquet_files())
    assert site.query("[__import__('msoko.facts.models', fromlist=['x']).ImportBatch.objects.count(),"
                      " __import__('msoko.facts.models', fromlist=['x']).FactFile.objects.count()]") == [0, 0]
    rc, out = doctor(site)
    assert rc == 1 and re.search(r"Незарегистрированные файлы хранилищ\s+проблема", out), out
    rc, out = doctor(site, "--fix")
    assert rc == 0 and "исправлено" in out, out
    assert site.parquet_files() == []
    rc, out = doctor(site)
    assert rc == 0, out
    # the same import runs cleanly and gives the values of an uninterrupted one
    rc, out = site.run(*site.import_args())
    assert rc == 0 and "Загружено: пакет" in out, out
    assert site.values() == reference


RUNS = (
    "[(r.status, r.for_batch, r.error) for r in "
    "__import__('msoko.indicators.models', fromlist=['x']).ComputationRun.objects.order_by('pk')]"
)


def test_killed_after_the_batch_before_the_recompute(site: Site, reference: list[Any]) -> None:
    rc, out = site.run(*site.import_args(), crash_at="recompute.start")
    assert rc == KILLED, out
    # the batch is whole; its recomputation is recorded as owed, «running» in a dead process
    runs = site.query(RUNS)
    assert [(s, b) for s, b, _ in runs] == [("running", 1)]
    assert not any(p.startswith("indicators/") for p in site.parquet_files())
    rc, out = doctor(site)
    assert rc == 1 and "Прерванные расчёты показателей" in out and "проблема" in out, out
    rc, out = doctor(site, "--fix")
    assert rc == 0, out
    runs = site.query(RUNS)
    assert runs[0][0] == "failed" and "прерван" in runs[0][2]
    assert [s for s, _, _ in runs[1:]] == ["done"]
    assert site.values() == reference
    # the same import again: already loaded, nothing changes
    rc, out = site.run(*site.import_args())
    assert rc == 0 and "уже загружен" in out, out
    assert site.values() == reference


def test_killed_inside_the_recompute_before_activation(site: Site, reference: list[Any]) -> None:
    rc, out = site.run(*site.import_args(), crash_at="recompute.before_activate")
    assert rc == KILLED, out
    pending = [p for p in site.parquet_files() if p.startswith("indicators/")]
    assert pending, "the run had written its value files"
    assert site.query("__import__('msoko.indicators.models', fromlist=['x']).ValueFile.objects.count()") == 0
    rc, out = doctor(site)
    assert rc == 1 and "хранилище значений: " in out, out
    rc, out = doctor(site, "--fix")
    assert rc == 0, out
    assert not set(pending) & set(site.parquet_files()), "the dead run's files are swept"
    assert site.query(RUNS)[0][0] == "failed"
    assert site.values() == reference
    rc, out = doctor(site)
    assert rc == 0, out


JOB = """
from msoko.access.models import User
from msoko.intake.jobs import HANDLER
from msoko.jobs.models import Job
from msoko.jobs.queue import execute
job = Job.objects.create(handler=HANDLER, title="Загрузка", created_by=User.objects.get(username="root"),
    params={{"path": "{path}", "kind": "gia", "dry_run": False, "procedure": "OGE", "year": 2024}})
execute(job.pk)
"""

JOBS = (
    "[(j.status, j.message, j.retry_of_id) for j in "
    "__import__('msoko.jobs.models', fromlist=['x']).Job.objects.order_by('pk')]"
)


def test_killed_during_a_job_marked_at_start_and_retried(
    site: Site, reference: list[Any]
) -> None:
    rc, out = site.shell(JOB.format(path=site.data.parent / "oge.csv"), crash_at="job.running")
    assert rc == KILLED, out
    assert [s for s, _, _ in site.query(JOBS)] == ["running"]
    rc, out = doctor(site)
    assert rc == 1 and "Прерванные фоновые задания" in out, out
    # a server start marks it failed (before answering), and the job can be repeated
    port = free_port()
    server = site.popen("serve", "--port", str(port), log=site.data.parent / "serve.log")
    try:
        wait_http(port, server)
        status, message, _ = site.query(JOBS)[0]
        assert status == "failed" and "прервано" in message and "«Повторить»" in message
        rc, out = site.shell(
            "from msoko.jobs.models import Job\nfrom msoko.jobs.queue import retry\n"
            "from django.db import transaction\n"
            "with transaction.atomic():\n    j = Job.objects.get(pk=1)\n    retry(j, user=j.created_by)\n"
        )
        assert rc == 0, out
        for _ in range(150):  # polls every 2 s: a hang guard of about 5 minutes, not a timing
            if site.query(JOBS)[-1][0] not in ("queued", "running"):
                break
            time.sleep(2)
        jobs = site.query(JOBS)
        assert jobs[-1][0] == "done" and jobs[-1][2] == 1, jobs
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    assert site.values() == reference


# --- in-process parts -------------------------------------------------------------------


def test_worker_names_a_dead_process_dead() -> None:
    import subprocess
    import sys

    from msoko.jobs.worker import is_dead, this_worker

    assert is_dead(this_worker()) is False
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    host, pid, start = this_worker().split(":")
    from msoko.jobs.worker import _start_time

    name = f"{host}:{child.pid}:{_start_time(child.pid)}"
    assert is_dead(name) is False
    child.kill()
    child.wait()
    assert is_dead(name) is True
    # the same pid with another start time is another process: this one is «dead»
    assert is_dead(f"{host}:{pid}:{int(start) + 1}") is True
    assert is_dead(f"another-host:{pid}:{start}") is None


def test_a_sweep_is_skipped_while_a_write_is_in_progress(settings: Any, tmp_path: Path) -> None:
    from msoko.ops import storelock

    settings.DATA_DIR = tmp_path
    orphan = tmp_path / "facts" / "t" / "x.parquet"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"not registered")
    settings.FACT_STORE_DIR = tmp_path / "facts"
    with storelock.writing():
        assert storelock.sweep_stores() is None  # a writer holds the lock: nothing swept
        assert orphan.exists()


@pytest.mark.django_db
def test_sweep_removes_unregistered_files_when_nobody_writes(settings: Any, tmp_path: Path) -> None:
    from msoko.ops import storelock

    settings.DATA_DIR = tmp_path
    settings.FACT_STORE_DIR = tmp_path / "facts"
    orphan = tmp_path / "facts" / "t" / "x.parquet.tmp"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a crash")
    assert storelock.sweep_stores() == {"facts": 1, "values": 0}
    assert not orphan.exists()


def test_retry_button_repeats_a_failed_import_job(world: Any, tmp_path: Path) -> None:
    from django.urls import reverse

    from msoko.intake.jobs import HANDLER
    from msoko.jobs.models import Job
    from msoko.jobs.queue import INTERRUPTED
    from tests.conftest import client_for

    upload = tmp_path / "up.csv"
    upload.write_text("x")
    failed = Job.objects.create(
        handler=HANDLER, title="Загрузка файла «up.csv»", created_by=world.bob,
        params={"path": str(upload), "kind": "gia", "dry_run": True},
        status=Job.Status.FAILED, message=INTERRUPTED.format(worker="h:1:2"),
    )
    bob = client_for(world.bob)
    page = bob.get(reverse("intake:job", args=[failed.pk]))
    assert "Повторить" in page.content.decode()
    # another user's job is not found; a GET does nothing
    assert client_for(world.charlie).post(reverse("intake:retry", args=[failed.pk])).status_code == 404
    assert bob.get(reverse("intake:retry", args=[failed.pk])).status_code == 405
    response = bob.post(reverse("intake:retry", args=[failed.pk]))
    new = Job.objects.exclude(pk=failed.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("intake:job", args=[new.pk])
    assert new.retry_of == failed and new.params == failed.params and new.created_by == world.bob
    # a job that did not fail cannot be repeated; nor one whose file is gone
    assert bob.post(reverse("intake:retry", args=[new.pk])).status_code == 404
    upload.unlink()
    assert bob.post(reverse("intake:retry", args=[failed.pk])).status_code == 404
