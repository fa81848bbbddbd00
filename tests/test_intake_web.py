"""The web upload: check then load, both as jobs on the real task queue (huey over SQLite);
three personas; nothing of a job reaches anyone but who started it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from msoko.access.models import Role, User
from msoko.facts.models import ImportBatch
from msoko.jobs.models import Job
from msoko.registry.models import SocialPassport
from tests.conftest import client_for

GOOD = (
    "Код ОО;Обучающихся всего;Доля из малоимущих семей, %;Доля обучающихся с ОВЗ, %\r\n"
    "A1;500;12,5;3\r\n"
).encode("cp1251")
BAD = (
    "Код ОО;Обучающихся всего;Доля из малоимущих семей, %\r\n"
    "A1;500;12,5\r\n"
    "ZZ-404;10;1\r\n"
).encode("cp1251")


@pytest.fixture
def queue() -> Any:
    """The real huey queue (its SQLite file is per test run, see conftest), emptied."""
    from msoko.jobs.queue import HUEY

    HUEY.flush()
    yield HUEY
    HUEY.flush()


def drain(huey: Any) -> int:
    """Do what the consumer does: take each queued task from storage and execute it."""
    n = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        n += 1
    return n


def post_file(client: Any, content: bytes, name: str = "passport.csv") -> Any:
    return client.post(
        reverse("intake:upload"),
        {"kind": "social_passport", "year": 2024, "file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.django_db(transaction=True)
def test_check_then_load_through_the_queue(world: Any, queue: Any) -> None:
    bob = client_for(world.bob)
    response = post_file(bob, GOOD)
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("intake:job", args=[job.pk])
    assert job.status == Job.Status.QUEUED and job.params["dry_run"] is True
    page = bob.get(response.url).content.decode()
    assert "В очереди" in page and 'hx-trigger="every 1s"' in page

    assert drain(queue) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["status"] == "dry_run"
    assert not SocialPassport.objects.exists() and not ImportBatch.objects.exists()
    page = bob.get(response.url).content.decode()
    assert "Проверка пройдена" in page and "Загрузить в хранилище" in page
    assert "Доля из малоимущих семей, %" in page  # the mapping is shown

    load = bob.post(reverse("intake:commit", args=[job.pk]))
    assert load.status_code == 302
    assert drain(queue) == 1
    loaded = Job.objects.exclude(pk=job.pk).get()
    assert loaded.status == Job.Status.DONE and loaded.result["status"] == "ok"
    batch = ImportBatch.objects.get()
    assert batch.created_by == world.bob and batch.file_name == "passport.csv"
    assert float(SocialPassport.objects.get(organisation=world.school_a).low_income_share) == 12.5
    assert f"пакет № {batch.pk}" in bob.get(load.url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_file_with_errors_shows_where_and_writes_nothing(world: Any, queue: Any) -> None:
    bob = client_for(world.bob)
    url = post_file(bob, BAD, "bad.csv").url
    drain(queue)
    job = Job.objects.get()
    assert job.result["status"] == "errors" and job.result["error_total"] >= 1
    page = bob.get(url).content.decode()
    assert "Ничего не записано" in page and "ZZ-404" in page and "bad.csv" in page
    assert "Загрузить в хранилище" not in page
    assert bob.post(reverse("intake:commit", args=[job.pk])).status_code == 404
    assert not ImportBatch.objects.exists() and not SocialPassport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_wrong_file_type_is_refused_before_the_queue(world: Any, queue: Any) -> None:
    response = post_file(client_for(world.bob), b"%PDF-1.4", "report.pdf")
    assert response.status_code == 200
    assert "Загрузите файл XLSX или CSV." in response.content.decode()
    assert not Job.objects.exists() and drain(queue) == 0


@pytest.mark.django_db(transaction=True)
def test_three_personas_and_foreign_jobs(world: Any, queue: Any) -> None:
    bob = client_for(world.bob)
    url = post_file(bob, GOOD).url
    drain(queue)
    for school_admin in (world.alice, world.charlie):
        client = client_for(school_admin)
        assert client.get(reverse("intake:upload")).status_code == 404
        assert client.get(url).status_code == 404
        assert post_file(client, GOOD).status_code == 404
    other = User.objects.create_user(
        "dora", role=Role.MUNICIPAL_SPECIALIST, territory=world.other_municipality
    )
    dora = client_for(other)
    assert dora.get(reverse("intake:upload")).status_code == 200
    assert dora.get(url).status_code == 404  # another specialist's job does not exist for her
    viewer = User.objects.create_user("v", role=Role.VIEWER, territory=world.municipality)
    assert client_for(viewer).get(reverse("intake:upload")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_specialist_cannot_load_another_municipality(world: Any, queue: Any) -> None:
    """A file naming a school outside the user's territory is refused as unknown."""
    other = User.objects.create_user(
        "dora", role=Role.MUNICIPAL_SPECIALIST, territory=world.other_municipality
    )
    post_file(client_for(other), GOOD)
    drain(queue)
    job = Job.objects.get()
    assert job.result["status"] == "errors"
    assert not SocialPassport.objects.exists()


@pytest.mark.django_db
def test_templates_download(world: Any) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_for(world.bob).get(reverse("intake:template", args=["vpr"]))
    assert response.status_code == 200
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["Данные", "Пояснения"]
    assert client_for(world.bob).get("/intake/templates/nope.xlsx").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_failed_handler_is_reported(world: Any, queue: Any) -> None:
    from msoko.jobs.queue import execute, start_job

    job = start_job(
        handler="msoko.intake.jobs.import_job",
        title="x",
        params={"path": str(Path("/nonexistent/file.csv")), "kind": "social_passport", "dry_run": True, "unknown_option": 1},
        user=world.bob,
    )
    execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "сбоем" in job.message


@pytest.mark.django_db(transaction=True)
def test_mapping_is_saved_from_the_web_and_shown(world: Any, queue: Any) -> None:
    """A user names the mapping of a file when loading it; it is listed with every column."""
    from msoko.intake.models import ColumnMapping

    bob = client_for(world.bob)
    response = bob.post(
        reverse("intake:upload"),
        {
            "kind": "social_passport",
            "year": 2024,
            "save_mapping": "паспорт от ЦОКО",
            "file": SimpleUploadedFile("p.csv", GOOD),
        },
    )
    assert response.status_code == 302
    drain(queue)
    check = Job.objects.get()
    assert not ColumnMapping.objects.filter(name="паспорт от ЦОКО").exists()  # not on a check
    bob.post(reverse("intake:commit", args=[check.pk]))
    drain(queue)
    saved = ColumnMapping.objects.get(name="паспорт от ЦОКО")
    assert saved.kind == "social_passport"
    page = bob.get(reverse("intake:mappings")).content.decode()
    assert "паспорт от ЦОКО" in page and "Доля из малоимущих семей, %" in page
    # the shipped preset for the Moscow file says what its misleading column means
    assert "moscow_ege_2015" in page and "passer under 160" in page.lower()
    upload_page = bob.get(reverse("intake:upload")).content.decode()
    assert 'value="паспорт от ЦОКО"' in upload_page
    assert client_for(world.alice).get(reverse("intake:mappings")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_batch_journal_and_rollback_from_the_web(world: Any, queue: Any) -> None:
    bob = client_for(world.bob)
    post_file(bob, GOOD)
    drain(queue)
    bob.post(reverse("intake:commit", args=[Job.objects.get().pk]))
    drain(queue)
    batch = ImportBatch.objects.get()
    journal = bob.get(reverse("intake:batches")).content.decode()
    assert f'data-batch="{batch.pk}"' in journal and "passport.csv" in journal
    # outsiders: another municipality's specialist and school admins do not see or undo it
    other = User.objects.create_user(
        "dora", role=Role.MUNICIPAL_SPECIALIST, territory=world.other_municipality
    )
    assert f'data-batch="{batch.pk}"' not in client_for(other).get(reverse("intake:batches")).content.decode()
    assert client_for(other).post(reverse("intake:rollback", args=[batch.pk])).status_code == 404
    assert client_for(world.charlie).post(reverse("intake:rollback", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ACTIVE
    assert SocialPassport.objects.exists()

    response = bob.post(reverse("intake:rollback", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert not SocialPassport.objects.exists()  # a registry kind is undone too
    assert "отменён" in bob.get(reverse("intake:batches")).content.decode()
