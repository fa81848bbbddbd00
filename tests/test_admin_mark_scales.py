"""Mark scales in «Администрирование»: the region's analyst edits them when the installation
holds her region alone (a superuser always); everyone else sees them read-only, and a crafted
POST is refused (403, nothing written) and audited as ``refused``.

Personas: alice (school A's administrator), bob (specialist of M1), charlie (school B's
administrator), dave (specialist of M2), vera (viewer of M1), rita (regional analyst of R1),
root (superuser). The reference scale OGE · Русский язык · 9 класс · 2024/2025 is
max 33, cuts 15 / 22 / 29 (``msoko.facts.reference.OGE_SCALES``), typed again here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from msoko.access.models import AuditLog, Role, User
from msoko.administration.actions import SCALES_RECOMPUTE_TITLE
from msoko.facts.models import MarkScale, Procedure
from msoko.registry.models import Subject, Territory
from tests.conftest import PASSWORD, client_for

LIST = reverse("administration:mark_scales")
CREATE = reverse("administration:mark_scale_create")
BY_REGION = "Шкалы перевода и пороги утверждает регион: изменяет их аналитик регионального центра."
SEVERAL = "В установке несколько регионов"


@dataclass
class People:
    w: Any
    dave: User
    vera: User
    rita: User
    root: User


@pytest.fixture
def people(world: Any) -> People:
    dave = User.objects.create_user(
        "dave", password=PASSWORD, role=Role.MUNICIPAL_SPECIALIST, territory=world.other_municipality
    )
    vera = User.objects.create_user("vera", password=PASSWORD, role=Role.VIEWER, territory=world.municipality)
    rita = User.objects.create_user(
        "rita", password=PASSWORD, role=Role.REGIONAL_ANALYST, territory=world.region
    )
    root = User.objects.create_superuser("root", "root@example.ru", PASSWORD)
    return People(world, dave, vera, rita, root)


def oge_ru() -> MarkScale:
    return MarkScale.objects.get(procedure__code="OGE", subject__code="ru", grade=9, year__start_year=2024)


def form_data(scale: MarkScale | None = None, **changes: Any) -> dict[str, Any]:
    """The form as the page posts it: every field, as text."""
    s = scale or oge_ru()
    data: dict[str, Any] = {
        "procedure": s.procedure_id,
        "subject": s.subject_id,
        "grade": "" if s.grade is None else s.grade,
        "year": s.year_id,
        "max_primary": s.max_primary,
        "min_primary": s.min_primary,
        "cut_3": s.mark_cuts.get("3", ""),
        "cut_4": s.mark_cuts.get("4", ""),
        "cut_5": s.mark_cuts.get("5", ""),
        "min_threshold": "" if s.min_threshold is None else s.min_threshold,
        "score_bands": ", ".join(str(b) for b in s.score_bands),
        "scaled_min": "" if s.scaled_min is None else s.scaled_min,
        "scaled_max": "" if s.scaled_max is None else s.scaled_max,
        "source": s.source,
    }
    data.update(changes)
    return data


def edit_url(scale: MarkScale) -> str:
    return reverse("administration:mark_scale_edit", args=[scale.pk])


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        MarkScale.objects.order_by("pk").values_list(
            "pk", "procedure_id", "subject_id", "grade", "year_id", "max_primary", "min_primary",
            "mark_cuts", "min_threshold", "score_bands", "scaled_min", "scaled_max", "source",
        )
    )


def something_computed() -> None:
    """An active value file: the installation has computed values a scale change makes stale."""
    from msoko.indicators.models import ComputationRun, ValueFile

    run = ComputationRun.objects.create(trigger="test")
    ValueFile.objects.create(run=run, catalog="c", year=2024, part="territories", path="/tmp/never-read.parquet")  # noqa: S108


def compute_jobs() -> list[Any]:
    from msoko.jobs.models import Job

    return list(Job.objects.filter(title=SCALES_RECOMPUTE_TITLE).order_by("pk"))


# --- who may edit -------------------------------------------------------------------------


def test_analyst_of_the_only_region_edits_oge_ru_cuts(people: People, django_capture_on_commit_callbacks: Any) -> None:
    something_computed()
    scale = oge_ru()
    assert (scale.max_primary, scale.mark_cuts) == (33, {"3": 15, "4": 22, "5": 29})
    client = client_for(people.rita)
    page = client.get(LIST).content.decode()
    assert edit_url(scale) in page and CREATE in page and "Только просмотр" not in page
    assert client.get(edit_url(scale)).status_code == 200

    order = "Приказ министерства образования Тестовой области от 01.04.2025 № 123"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(scale), form_data(cut_3=14, cut_4=21, cut_5=28, source=order))
    assert response.status_code == 302, response.content.decode()[:2000]
    scale.refresh_from_db()
    assert scale.mark_cuts == {"3": 14, "4": 21, "5": 28}
    assert scale.source == order
    assert scale.max_primary == 33 and scale.grade == 9  # the rest as it was

    row = AuditLog.objects.get(action="update", model="facts.MarkScale", object_id=str(scale.pk))
    assert row.actor == people.rita
    assert row.changes["changed"]["mark_cuts"] == [{"3": 15, "4": 22, "5": 29}, {"3": 14, "4": 21, "5": 28}]
    assert row.changes["changed"]["source"][1] == order

    jobs = compute_jobs()
    assert len(jobs) == 1
    job = jobs[0]
    assert job.created_by == people.rita and job.status == job.Status.QUEUED
    assert job.params == {"catalogs": None, "years": None, "trigger": "scales"}

    # a second change before the job starts is served by the same job
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_url(scale), form_data(min_threshold=10))
    scale.refresh_from_db()
    assert scale.min_threshold == 10
    assert len(compute_jobs()) == 1


def test_nothing_is_queued_while_nothing_was_computed(people: People, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people.rita).post(edit_url(oge_ru()), form_data(cut_5=30))
    assert response.status_code == 302
    assert oge_ru().mark_cuts == {"3": 15, "4": 22, "5": 30}
    assert compute_jobs() == []


@pytest.mark.parametrize("who", ["bob", "dave"])
def test_specialists_see_scales_read_only(people: People, who: str) -> None:
    user = getattr(people.w, who, None) or getattr(people, who)
    client = client_for(user)
    response = client.get(LIST)
    assert response.status_code == 200
    text = response.content.decode()
    assert BY_REGION in text
    scale = oge_ru()
    assert edit_url(scale) not in text and CREATE not in text
    assert "«3» от 15; «4» от 22; «5» от 29" in text
    main = text.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'method="post"' not in main
    for url in (edit_url(scale), CREATE, reverse("administration:mark_scale_delete", args=[scale.pk])):
        page = client.get(url)
        assert page.status_code == 403
        assert BY_REGION in page.content.decode()
    assert not AuditLog.objects.filter(action="refused").exists()  # looking is not trying


def test_school_users_and_viewers_have_no_scales_page(people: People) -> None:
    for user in (people.w.alice, people.w.charlie, people.vera):
        assert client_for(user).get(LIST).status_code == 403
        assert client_for(user).get(edit_url(oge_ru())).status_code == 403


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "dave", "vera"])
def test_crafted_posts_are_refused_and_audited(people: People, who: str) -> None:
    user = getattr(people.w, who, None) or getattr(people, who)
    added = MarkScale.objects.create(
        procedure=Procedure.objects.get(code="GVE9"), subject=Subject.objects.get(code="ru"), grade=9,
        year=people.w.year, max_primary=26, mark_cuts={"3": 10, "4": 16, "5": 22}, source="проба",
    )
    before = snapshot()
    client = client_for(user)
    scale = oge_ru()
    attempts = [
        (edit_url(scale), form_data(cut_3=1, cut_4=2, cut_5=3)),
        (CREATE, form_data(subject=Subject.objects.get(code="essay").pk)),
        (reverse("administration:mark_scale_delete", args=[added.pk]), {}),
    ]
    for number, (url, data) in enumerate(attempts, start=1):
        response = client.post(url, data)
        assert response.status_code == 403, url
        refused = AuditLog.objects.filter(action="refused", actor=user)
        assert refused.count() == number
        assert refused.latest("pk").object_repr == url
    assert snapshot() == before
    assert not AuditLog.objects.filter(model="facts.MarkScale", action__in=["update", "create", "delete"], actor=user).exists()


def test_analyst_of_a_several_region_installation_is_refused(people: People) -> None:
    Territory.objects.create(kind="region", name="Другая область", code="R2")
    client = client_for(people.rita)
    text = client.get(LIST).content.decode()
    assert SEVERAL in text and "только технический администратор" in text
    assert edit_url(oge_ru()) not in text
    before = snapshot()
    response = client.post(edit_url(oge_ru()), form_data(cut_3=14))
    assert response.status_code == 403
    assert snapshot() == before
    row = AuditLog.objects.get(action="refused", actor=people.rita)
    assert SEVERAL in row.changes["reason"] and row.model == "facts.MarkScale"
    assert row.changes["request"]["cut_3"] == "14"
    # the technical administrator still edits them
    response = client_for(people.root).post(edit_url(oge_ru()), form_data(cut_3=14))
    assert response.status_code == 302
    assert oge_ru().mark_cuts == {"3": 14, "4": 22, "5": 29}
    assert AuditLog.objects.get(action="update", model="facts.MarkScale").actor == people.root


def test_a_field_the_form_does_not_have_is_refused(people: People) -> None:
    before = snapshot()
    response = client_for(people.rita).post(edit_url(oge_ru()), form_data(mark_cuts='{"3": 1}'))
    assert response.status_code == 403
    assert snapshot() == before
    row = AuditLog.objects.get(action="refused")
    assert row.actor == people.rita and row.changes["fields"] == ["mark_cuts"]


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cut_4": 15}, "cut_4", "Граница отметки «4» (15) должна быть больше границы «3» (15)"),
        ({"cut_4": 30, "cut_5": 29}, "cut_5", "Граница отметки «5» (29) должна быть больше границы «4» (30)"),
        ({"cut_5": 34}, "cut_5", "Граница отметки «5» (34) больше максимального первичного балла (33)"),
        ({"cut_3": -1}, "cut_3", "Граница отметки «3» (-1) меньше минимального первичного балла (0)"),
        ({"source": ""}, "source", "Укажите источник шкалы"),
        ({"source": "   "}, "source", "Укажите источник шкалы"),
        ({"cut_4": ""}, "cut_4", "Не указана граница отметки «4»"),
        ({"min_primary": 33}, "min_primary", "Минимальный первичный балл (33) должен быть меньше максимального (33)"),
        ({"grade": 11}, "grade", "ОГЭ проводится в классах: 9; указан 11"),
        ({"cut_3": "пятнадцать"}, "cut_3", "Введите целое число"),
        ({"score_bands": "60, 50"}, "score_bands", "Границы групп должны строго возрастать"),
        ({"min_threshold": 101}, "min_threshold", "Минимальный порог (101) вне шкалированного балла 0–100"),
    ],
)
def test_validation_messages(people: People, changes: dict[str, Any], field: str, message: str) -> None:
    before = snapshot()
    response = client_for(people.rita).post(edit_url(oge_ru()), form_data(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert message in response.content.decode().replace("&laquo;", "«").replace("&raquo;", "»").replace("&#x27;", "'")
    assert snapshot() == before
    assert not AuditLog.objects.filter(action="refused").exists()  # a typing mistake is not an attempt


def test_duplicate_scale_is_refused_with_a_readable_message(people: People) -> None:
    before = snapshot()
    client = client_for(people.rita)
    response = client.post(CREATE, form_data())  # OGE · ru · 9 · 2024 exists
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Шкала «ОГЭ, Русский язык, 9 класс, 2024/2025» уже есть: измените её, а не добавляйте вторую."
    ]
    # an existing one moved onto another's key: the same
    response = client.post(edit_url(oge_ru()), form_data(subject=Subject.objects.get(code="math").pk))
    assert "Шкала «ОГЭ, Математика, 9 класс, 2024/2025» уже есть" in response.context["form"].non_field_errors()[0]
    # without a grade (which the database alone would let repeat): also one only
    assert client.post(CREATE, form_data(grade="", cut_3=14)).status_code == 302
    response = client.post(CREATE, form_data(grade="", cut_3=13))
    assert "Шкала «ОГЭ, Русский язык, без класса, 2024/2025» уже есть" in response.context["form"].non_field_errors()[0]
    assert len(snapshot()) == len(before) + 1


# --- add and delete -----------------------------------------------------------------------


def test_analyst_adds_a_scale_and_deletes_only_what_a_user_added(people: People, django_capture_on_commit_callbacks: Any) -> None:
    something_computed()
    client = client_for(people.rita)
    gve = Procedure.objects.get(code="GVE9")
    ru = Subject.objects.get(code="ru")
    data = {
        "procedure": gve.pk, "subject": ru.pk, "grade": "9", "year": people.w.year.pk,
        "max_primary": "26", "min_primary": "0", "cut_3": "10", "cut_4": "16", "cut_5": "22",
        "min_threshold": "", "score_bands": "", "scaled_min": "", "scaled_max": "",
        "source": "Приказ министерства образования Тестовой области от 01.04.2025 № 124",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, data)
    assert response.status_code == 302
    added = MarkScale.objects.get(procedure=gve, subject=ru, grade=9, year=people.w.year)
    assert (added.max_primary, added.min_primary, added.mark_cuts) == (26, 0, {"3": 10, "4": 16, "5": 22})
    assert added.score_bands == [] and added.min_threshold is None and added.scaled_min is None
    created = AuditLog.objects.get(action="create", model="facts.MarkScale", object_id=str(added.pk))
    assert created.actor == people.rita
    assert len(compute_jobs()) == 1

    delete = reverse("administration:mark_scale_delete", args=[added.pk])
    reference_delete = reverse("administration:mark_scale_delete", args=[oge_ru().pk])
    page = client.get(LIST + "?year=2024&procedure=GVE9").content.decode()
    assert delete in page and "Шкал: 1." in page
    assert reference_delete not in client.get(LIST + "?procedure=OGE").content.decode()

    # a reference scale: no delete page, a crafted POST refused and audited
    assert client.get(reference_delete).status_code == 403
    assert client.post(reference_delete).status_code == 403
    assert MarkScale.objects.filter(pk=oge_ru().pk).exists()
    assert AuditLog.objects.get(action="refused", actor=people.rita).object_id == str(oge_ru().pk)

    assert "Удалить шкалу «ГВЭ-9 Русский язык 9 кл. 2024/2025»?" in client.get(delete).content.decode()
    from msoko.jobs.models import Job

    Job.objects.filter(title=SCALES_RECOMPUTE_TITLE).update(status=Job.Status.DONE)  # the first one ran
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete).status_code == 302
    assert not MarkScale.objects.filter(pk=added.pk).exists()
    gone = AuditLog.objects.get(action="delete", model="facts.MarkScale", object_id=str(added.pk))
    assert gone.actor == people.rita and gone.changes["before"]["max_primary"] == 26
    assert [j.status for j in compute_jobs()] == [Job.Status.DONE, Job.Status.QUEUED]


def test_list_filters_by_year_and_procedure(people: People) -> None:
    from msoko.facts.reference import EGE_THRESHOLDS, OGE_SCALES, VPR_SCALES, ensure_default_scales
    from msoko.registry.models import AcademicYear

    other = AcademicYear.objects.create(
        start_year=2023, starts_on=datetime.date(2023, 9, 1), ends_on=datetime.date(2024, 8, 31)
    )
    ensure_default_scales(other)
    client = client_for(people.w.bob)
    per_year = len(OGE_SCALES) + len(EGE_THRESHOLDS) + 1 + len(VPR_SCALES)  # +1: ЕГЭ базовая математика
    assert f"Шкал: {2 * per_year}." in client.get(LIST).content.decode()
    assert f"Шкал: {per_year}." in client.get(LIST + "?year=2023").content.decode()
    page = client.get(LIST + "?year=2023&procedure=OGE").content.decode()
    assert f"Шкал: {len(OGE_SCALES)}." in page and "2024/2025</td>" not in page
    assert "Шкал с такими условиями нет." in client.get(LIST + "?procedure=KDR").content.decode()
