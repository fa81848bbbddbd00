"""The web upload form: Russian choices, «Создать учебный год, если его нет», the upload
size limit, and messages that never mention command-line flags."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from msoko.facts.models import ImportBatch
from msoko.jobs.models import Job
from msoko.registry.models import AcademicYear
from tests.conftest import client_for
from tests.test_intake_web import drain, queue  # noqa: F401 - the queue fixture

OGE = "Код ОО;Код участника;Предмет;Первичный балл;Отметка\r\nA1;1;ru;30;5\r\n".encode("cp1251")
FLAG = re.compile(r"(?<![\w-])--[a-z]")  # a flag, not a CSS modifier such as «button--ghost»


def options(page: str, select: str) -> dict[str, str]:
    block = re.search(rf'<select name="{select}"[^>]*>(.*?)</select>', page, re.S)
    assert block is not None, select
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block.group(1)))


def test_form_offers_russian_choices(world: Any) -> None:
    page = client_for(world.bob).get(reverse("intake:upload")).content.decode()
    procedures = options(page, "procedure")
    assert procedures["OGE"] == "ОГЭ" and procedures["EGE"] == "ЕГЭ" and procedures["VPR"] == "ВПР"
    assert procedures[""] == "— по виду данных —"
    subjects = options(page, "subject")
    assert subjects["ru"] == "Русский язык" and subjects["math"] == "Математика"
    grades = options(page, "grade")
    assert [grades[str(g)] for g in range(1, 12)] == [f"{g} класс" for g in range(1, 12)]
    years = options(page, "year")
    assert years["2024"] == "2024/2025"  # in the registry
    assert years["2019"] == "2019/2020 — не заведён"  # in the range, not yet in the registry
    assert years["2000"] == "2000/2001 — не заведён" and "1999" not in years
    assert re.search(r'<option value="2024"[^>]*selected', page)  # the current year
    assert "Создать учебный год, если его нет" in page
    assert not FLAG.search(page)
    # a link may preselect the kind (the first-run page links to the registry kinds)
    page = client_for(world.bob).get(reverse("intake:upload") + "?kind=gia").content.decode()
    assert re.search(r'<option value="gia"[^>]*selected', page)


def post(client: Any, data: dict[str, Any], content: bytes = OGE, name: str = "oge.csv", **extra: Any) -> Any:
    return client.post(reverse("intake:upload"), {**data, "file": SimpleUploadedFile(name, content)}, **extra)


@pytest.mark.django_db(transaction=True)
def test_checkbox_creates_the_year(world: Any, queue: Any) -> None:  # noqa: F811
    bob = client_for(world.bob)
    refused = post(bob, {"kind": "gia", "procedure": "OGE", "year": 2019})
    page = refused.content.decode()
    assert refused.status_code == 200 and not Job.objects.exists()
    assert "Учебный год 2019/2020 ещё не заведён" in page
    assert "Отметьте «Создать учебный год, если его нет»" in page and not FLAG.search(page)

    sent = post(bob, {"kind": "gia", "procedure": "OGE", "year": 2019, "create_year": "on"})
    assert sent.status_code == 302
    assert drain(queue) == 1
    check = Job.objects.get()
    assert check.result["status"] == "dry_run", check.result
    # the check writes nothing, not even the year; it says the load will create it
    assert not AcademicYear.objects.filter(start_year=2019).exists()
    assert any("2019/2020 не заведён в справочнике: он будет создан при загрузке" in w["reason"]
               for w in check.result["warnings"]), check.result["warnings"]
    bob.post(reverse("intake:commit", args=[check.pk]))
    assert drain(queue) == 1
    year = AcademicYear.objects.get(start_year=2019)
    assert not year.is_current
    assert ImportBatch.objects.get().year == year


@pytest.mark.django_db(transaction=True)
def test_pipeline_messages_in_the_web_name_no_flag(world: Any, queue: Any) -> None:  # noqa: F811
    bob = client_for(world.bob)
    no_subject = "Код ОО;Код участника;Первичный балл;Отметка\r\nA1;1;30;5\r\n".encode("cp1251")
    post(bob, {"kind": "gia", "year": 2024})  # no procedure
    post(bob, {"kind": "gia", "procedure": "OGE", "year": 2024}, content=no_subject, name="nosubj.csv")
    assert drain(queue) == 2
    reasons = [e["reason"] for j in Job.objects.order_by("pk") for e in j.result["errors"]]
    assert any(r.startswith("укажите процедуру: одну из") for r in reasons), reasons
    assert any("не указан предмет" in r for r in reasons), reasons
    assert not any(FLAG.search(r) for r in reasons)
    for j in Job.objects.all():
        page = bob.get(reverse("intake:job", args=[j.pk])).content.decode()
        assert not FLAG.search(page)


def _stored(settings: Any) -> list[Path]:
    root = Path(settings.UPLOAD_DIR)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("size_mb", [1.5, 3])
def test_upload_size_limit(world: Any, settings: Any, size_mb: float) -> None:
    settings.MSOKO_MAX_UPLOAD_MB = 1
    big = OGE + b"A1;2;ru;30;5\r\n" * int(size_mb * 1024 * 1024 / 14)
    assert len(big) > 1024 * 1024
    bob = client_for(world.bob)
    response = post(bob, {"kind": "gia", "procedure": "OGE", "year": 2024}, content=big)
    page = response.content.decode()
    assert response.status_code == 413
    assert "Файл слишком большой" in page and "не больше 1 МБ" in page
    assert not Job.objects.exists() and _stored(settings) == []

    ajax = post(bob, {"kind": "gia", "procedure": "OGE", "year": 2024}, content=big,
                headers={"x-requested-with": "XMLHttpRequest"})
    assert ajax.status_code == 413
    assert "не больше 1 МБ" in ajax.json()["errors"]["file"][0]
    assert not Job.objects.exists() and _stored(settings) == []


def test_a_file_within_the_limit_is_accepted(world: Any, settings: Any) -> None:
    settings.MSOKO_MAX_UPLOAD_MB = 1
    bob = client_for(world.bob)
    response = post(bob, {"kind": "gia", "procedure": "OGE", "year": 2024})
    assert response.status_code == 302 and Job.objects.count() == 1
    assert len(_stored(settings)) == 1


def test_the_page_states_the_limit(world: Any, settings: Any) -> None:
    settings.MSOKO_MAX_UPLOAD_MB = 7
    page = client_for(world.bob).get(reverse("intake:upload")).content.decode()
    assert f'data-max-bytes="{7 * 1024 * 1024}"' in page and "Не больше 7 МБ." in page


def test_superuser_may_upload_on_an_empty_installation(db: Any) -> None:
    from msoko.access.models import User

    root = User.objects.create_superuser("root", password="x-Pa55-word")
    assert client_for(root).get(reverse("intake:upload")).status_code == 200
