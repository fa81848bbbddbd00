"""A fresh installation is ready to use: ``msoko migrate`` leaves procedures, subjects,
academic years around today and default scales with their sources, idempotently and
without touching what users edited; ``msoko setup``; ``--create-year``; «Первый запуск»."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from msoko.access.models import AuditLog, User
from msoko.facts.models import MarkScale, Procedure
from msoko.registry.models import AcademicYear, Subject, Territory
from tests.conftest import PASSWORD, client_for

# 15 March 2026 is in the academic year 2025/2026: five before it (2020..2024) and the next
# one (2026) make 2020..2026.
MARCH_2026 = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=datetime.UTC)
EXPECTED_YEARS = [2020, 2021, 2022, 2023, 2024, 2025, 2026]
# Counted by hand in msoko/facts/reference.py: 11 ОГЭ + 11 ЕГЭ thresholds + 1 ЕГЭ base
# mathematics + 13 ВПР scales per year.
SCALES_PER_YEAR = 11 + 11 + 1 + 13


def migrate(settings: Any) -> None:
    settings.MSOKO_REFERENCE_ON_MIGRATE = True
    call_command("migrate", verbosity=0, interactive=False)


@pytest.mark.django_db
def test_migrate_leaves_reference_data(settings: Any) -> None:
    assert not Procedure.objects.exists() and not AcademicYear.objects.exists()
    with time_machine.travel(MARCH_2026, tick=False):
        migrate(settings)
    codes = set(Procedure.objects.values_list("code", flat=True))
    assert {"OGE", "GVE9", "EGE", "GVE11", "VPR", "KDR", "ESSAY", "INTERVIEW", "VSOSH", "NIKO", "SPT"} == codes
    assert Procedure.objects.get(code="EGE").name == "ЕГЭ"
    assert Subject.objects.get(code="ru").name == "Русский язык"
    assert Subject.objects.filter(code__in=["math", "phys", "hist"]).count() == 3

    years = list(AcademicYear.objects.order_by("start_year"))
    assert [y.start_year for y in years] == EXPECTED_YEARS
    assert [y.start_year for y in years if y.is_current] == [2025]
    assert years[0].starts_on == datetime.date(2020, 9, 1)
    assert years[0].ends_on == datetime.date(2021, 8, 31)

    for year in years:
        assert MarkScale.objects.filter(year=year).count() == SCALES_PER_YEAR
    assert not MarkScale.objects.filter(source="").exists()  # every scale names its source
    oge_ru = MarkScale.objects.get(procedure__code="OGE", subject__code="ru", grade=9, year__start_year=2025)
    assert oge_ru.mark_cuts == {"3": 15, "4": 22, "5": 29} and "ФИПИ" in oge_ru.source
    ege_ru = MarkScale.objects.get(procedure__code="EGE", subject__code="ru", year__start_year=2025)
    assert ege_ru.min_threshold == 24 and "Рособрнадзор" in ege_ru.source


@pytest.mark.django_db
def test_reference_is_idempotent_and_keeps_what_users_edited(settings: Any) -> None:
    with time_machine.travel(MARCH_2026, tick=False):
        migrate(settings)
        scale = MarkScale.objects.get(procedure__code="OGE", subject__code="ru", year__start_year=2025)
        scale.mark_cuts = {"3": 16, "4": 23, "5": 30}
        scale.source = "Приказ министерства образования области № 1"
        scale.save()
        removed = MarkScale.objects.get(procedure__code="VPR", subject__code="env", year__start_year=2024)
        removed.delete()
        AcademicYear.objects.filter(start_year=2025).update(is_current=False)
        AcademicYear.objects.filter(start_year=2024).update(is_current=True)
        audit_rows = AuditLog.objects.count()
        scales = MarkScale.objects.count()
        migrate(settings)  # the second run changes nothing
    assert AuditLog.objects.count() == audit_rows
    assert MarkScale.objects.count() == scales == 7 * SCALES_PER_YEAR - 1
    scale.refresh_from_db()
    assert scale.mark_cuts == {"3": 16, "4": 23, "5": 30}
    assert scale.source == "Приказ министерства образования области № 1"
    assert not MarkScale.objects.filter(procedure__code="VPR", subject__code="env", year__start_year=2024).exists()
    assert list(AcademicYear.objects.filter(is_current=True).values_list("start_year", flat=True)) == [2024]

    # A year and a half later: the new years arrive with their scales, nothing else moves.
    with time_machine.travel(datetime.datetime(2027, 10, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        migrate(settings)
    assert list(AcademicYear.objects.values_list("start_year", flat=True)) == [*EXPECTED_YEARS, 2027, 2028]
    assert MarkScale.objects.filter(year__start_year=2028).count() == SCALES_PER_YEAR
    assert list(AcademicYear.objects.filter(is_current=True).values_list("start_year", flat=True)) == [2024]


@pytest.mark.django_db
def test_migrate_adds_nothing_when_switched_off(settings: Any) -> None:
    settings.MSOKO_REFERENCE_ON_MIGRATE = False
    call_command("migrate", verbosity=0, interactive=False)
    assert not AcademicYear.objects.exists() and not Procedure.objects.exists()


@pytest.mark.django_db
def test_setup_command_tells_what_to_do_next(settings: Any) -> None:
    settings.MSOKO_REFERENCE_ON_MIGRATE = False  # setup adds the reference data itself
    out = io.StringIO()
    with time_machine.travel(MARCH_2026, tick=False):
        call_command("setup", stdout=out)
    text = out.getvalue()
    assert [y.start_year for y in AcademicYear.objects.all()] == EXPECTED_YEARS
    assert "2020/2021 — 2026/2027 (текущий — 2025/2026)" in text
    assert f"шкал перевода и порогов: {7 * SCALES_PER_YEAR}" in text
    assert "msoko createsuperuser" in text and "/first-run/" in text and "Первый запуск" in text

    User.objects.create_superuser("root", password=PASSWORD)
    out = io.StringIO()
    with time_machine.travel(MARCH_2026, tick=False):
        call_command("setup", stdout=out)
    assert "createsuperuser" not in out.getvalue()  # the administrator exists now
    assert AcademicYear.objects.count() == 7


@pytest.mark.django_db
def test_ensure_year_accepts_only_the_range() -> None:
    from msoko.facts.reference import ensure_year, parse_year

    with time_machine.travel(MARCH_2026, tick=False):
        year, created = ensure_year(2001)
        assert created and year.label == "2001/2002" and not year.is_current
        # only the year: the 2024 reference cut points would misjudge an older year's marks
        assert not MarkScale.objects.filter(year=year).exists()
        assert ensure_year(2001) == (year, False)
        with pytest.raises(ValueError, match="вне допустимого диапазона: от 2000/2001 до 2026/2027"):
            ensure_year(1999)
        with pytest.raises(ValueError, match="вне допустимого диапазона"):
            ensure_year(2027)
    assert parse_year("2024/2025") == parse_year("2024") == 2024
    with pytest.raises(ValueError, match="не распознан"):
        parse_year("2024/2026")


# --- ``msoko import --create-year`` ----------------------------------------------------------

OGE_ROW = "Код ОО;Код участника;Предмет;Первичный балл;Отметка\r\nA1;1;ru;30;5\r\n"


def _oge(tmp_path: Path) -> Path:
    f = tmp_path / "oge 2019.csv"
    f.write_bytes(OGE_ROW.encode("cp1251"))
    return f


def test_import_refuses_a_missing_year_and_says_how(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch

    with pytest.raises(CommandError) as exc:
        call_command("import", "gia", str(_oge(tmp_path)), "--procedure", "OGE", "--year", "2019",
                     stdout=io.StringIO(), stderr=io.StringIO())
    message = str(exc.value)
    assert "Учебный год 2019/2020 не заведён" in message and "--create-year" in message
    assert not AcademicYear.objects.filter(start_year=2019).exists()
    assert not ImportBatch.objects.exists()

    with time_machine.travel(MARCH_2026, tick=False), pytest.raises(CommandError) as exc:
        call_command("import", "gia", str(_oge(tmp_path)), "--procedure", "OGE", "--year", "1990",
                     "--create-year", stdout=io.StringIO(), stderr=io.StringIO())
    assert "вне допустимого диапазона" in str(exc.value)
    assert not AcademicYear.objects.filter(start_year=1990).exists()


def test_import_creates_the_year_when_asked(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch

    out = io.StringIO()
    call_command("import", "gia", str(_oge(tmp_path)), "--procedure", "OGE", "--year", "2019/2020",
                 "--create-year", stdout=out, stderr=io.StringIO())
    year = AcademicYear.objects.get(start_year=2019)
    assert not year.is_current and world.year.is_current  # the current year stays as it was
    assert "учебный год 2019/2020 заведён" in out.getvalue()
    assert "Загружено: пакет" in out.getvalue()
    batch = ImportBatch.objects.get()
    assert batch.year == year
    # No scale is invented for the new year, and the user is told marks went unchecked.
    assert not MarkScale.objects.filter(year=year).exists()
    assert "шкалы перевода для него не заведены" in out.getvalue()


def test_pipeline_message_names_no_flag(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import

    result = run_import(_oge(tmp_path), kind="gia", procedure="OGE", year=2019)
    text = " ".join(p.reason for p in result.problems.errors)
    assert "учебный год 2019/2020 не заведён" in text and "--" not in text
    result = run_import(_oge(tmp_path), kind="gia", year=2024)
    text = " ".join(p.reason for p in result.problems.errors)
    assert "укажите процедуру" in text and "--" not in text


# --- «Первый запуск» ------------------------------------------------------------------------


@pytest.fixture
def root(db: Any) -> User:
    return User.objects.create_superuser("root", password=PASSWORD)


def test_superuser_is_led_to_first_run_and_creates_the_region(root: User) -> None:
    client = client_for(root)
    home = client.get("/")
    assert home.status_code == 302 and home.url == "/first-run/"
    page = client.get("/first-run/").content.decode()
    assert "Первый запуск" in page and "Завести регион" in page

    response = client.post("/first-run/", {
        "region_name": "Тестовая область",
        "region_code": "77",
        "municipalities": "Энский район; M01\n\nСоседний район\tM02\nГ. Н-ск, городской округ; M03\n",
    })
    assert response.status_code == 302 and response.url == "/first-run/"
    region = Territory.objects.get(kind="region")
    assert (region.name, region.code) == ("Тестовая область", "77")
    munis = {t.code: t.name for t in Territory.objects.filter(kind="municipality", parent=region)}
    assert munis == {"M01": "Энский район", "M02": "Соседний район", "M03": "Г. Н-ск, городской округ"}
    created = AuditLog.objects.filter(model="registry.Territory", action="create")
    assert created.count() == 4 and {a.actor_id for a in created} == {root.pk}

    page = client.get("/first-run/").content.decode()
    assert "Регион заведён" in page and "Энский район" in page
    assert "/admin/access/user/add/" in page  # the next step: users
    assert client.get("/").status_code == 200  # no longer led away from the home page


def test_first_run_refuses_bad_lines_and_writes_nothing(root: User) -> None:
    client = client_for(root)
    page = client.post("/first-run/", {
        "region_name": "Область",
        "region_code": "R",
        "municipalities": "Энский район; M01\nБез кода\nДубль; M01\nСовпадает с регионом; R\n",
    }).content.decode()
    assert "строка 2: «Без кода»" in page
    assert "код «M01» указан дважды" in page and "код «R» указан дважды" in page
    assert not Territory.objects.exists()


def test_first_run_adds_municipalities_to_an_existing_region(root: User) -> None:
    region = Territory.objects.create(kind="region", name="Область", code="R")
    Territory.objects.create(kind="municipality", name="Первый", code="M1", parent=region)
    client = client_for(root)
    assert client.get("/").status_code == 200
    page = client.post("/first-run/", {"municipalities": "Второй; M1"}).content.decode()
    assert "код «M1» уже занят другой территорией" in page
    client.post("/first-run/", {"municipalities": "Второй; M2"})
    assert Territory.objects.get(code="M2").parent == region


def test_nobody_but_a_superuser_sees_first_run(world: Any, db: Any) -> None:
    for user in (world.alice, world.bob, world.charlie):
        client = client_for(user)
        assert client.get("/first-run/").status_code == 404
        assert client.post("/first-run/", {"municipalities": "Лишний; X1"}).status_code == 404
    assert not Territory.objects.filter(code="X1").exists()
    assert Client().get("/first-run/").status_code == 302  # to the login page


def test_non_superuser_of_an_empty_installation_is_not_led_there(db: Any) -> None:
    user = User.objects.create_user("plain", password=PASSWORD)
    client = client_for(user)
    assert client.get("/").status_code == 200
    assert client.get("/first-run/").status_code == 404


def test_msoko_migrate_on_an_empty_data_folder(tmp_path: Path) -> None:
    """The real thing, as a new user runs it: ``msoko migrate`` in a fresh process on an
    empty data folder (SQLite), with the default settings."""
    import os
    import sqlite3
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MSOKO_REFERENCE_ON_MIGRATE")}
    env["MSOKO_DATA_DIR"] = str(tmp_path)
    msoko = str(Path(sys.executable).parent / "msoko")
    out = subprocess.run([msoko, "migrate", "-v0"], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    from zoneinfo import ZoneInfo

    # the installation's local date (msoko's time zone, Moscow unless MSOKO_TIME_ZONE says)
    today = datetime.datetime.now(ZoneInfo(env.get("MSOKO_TIME_ZONE", "Europe/Moscow"))).date()
    current = today.year if today.month >= 9 else today.year - 1
    with sqlite3.connect(tmp_path / "msoko.sqlite3") as db:
        years = db.execute("SELECT start_year, is_current FROM registry_academicyear ORDER BY start_year").fetchall()
        procedures = db.execute("SELECT COUNT(*) FROM facts_procedure").fetchone()[0]
        scales = db.execute("SELECT COUNT(*), SUM(source = '') FROM facts_markscale").fetchone()
    assert [y for y, _ in years] == list(range(current - 5, current + 2))
    assert [y for y, flagged in years if flagged] == [current]
    assert procedures == 11
    assert scales == (7 * SCALES_PER_YEAR, 0)
