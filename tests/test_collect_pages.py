"""School forms' pages with the three personas: alice (school A) fills, bob (the municipal
specialist) approves, charlie (school B) never sees school A's form or its values."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from msoko.access.models import Role, User
from msoko.collect import actions
from msoko.collect.models import DataForm, Status, Submission
from tests.conftest import client_for

SECRET_URL = "https://school-a.example.ru/secret-shppko.pdf"

POST = {
    "shppko_doc": "yes",
    "shppko_doc__url": SECRET_URL,
    "quality_orders_doc": "no",
    "shppko_implementation": "51_75",
    "quality_indicators_doc": "yes",
    "quality_indicators_doc__url": "https://school-a.example.ru/shsoko",
    "self_assessment_doc": "yes",
    "self_assessment_doc__url": "https://school-a.example.ru/self",
    "oge_math_dynamics": "yes",
    "oge_russian_dynamics": "no",
    "curriculum_changes": "Добавлен курс «Практикум по математике»",
}


def html(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def form(world: Any) -> DataForm:
    return DataForm.objects.get(code="lrs-management")


def page_url(org: Any, year: Any, code: str = "lrs-management") -> str:
    return reverse("collect:submission", args=[org.pk, code, year.start_year])


def review_url(org: Any, year: Any, code: str = "lrs-management") -> str:
    return reverse("collect:review", args=[org.pk, code, year.start_year])


def submitted(world: Any, form: DataForm) -> Submission:
    response = client_for(world.alice).post(
        page_url(world.school_a, world.year), {**POST, "action": "submit"}
    )
    assert response.status_code == 302
    return Submission.objects.get(form=form, organisation=world.school_a)


@pytest.mark.parametrize(
    "url",
    ["/collect/", "/collect/queue/", "/collect/1/lrs-management/2024/"],
)
def test_anonymous_users_are_sent_to_login(client: Client, world: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- alice, the owner --------------------------------------------------------------------


def test_alice_sees_her_schools_forms_with_status(world: Any, form: DataForm) -> None:
    c = client_for(world.alice)
    response = c.get(reverse("collect:forms"))
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Формы</h1>" in page
    assert "МБОУ СОШ № 1" in page
    assert form.name in page
    assert "Не начата" in page
    assert page_url(world.school_a, world.year) in page
    assert "МБОУ СОШ № 2" not in page
    # The queue is for territory users: a school user is sent to their forms.
    assert c.get(reverse("collect:queue"))["Location"] == reverse("collect:forms")


def test_alice_saves_a_draft_then_submits(world: Any, form: DataForm) -> None:
    c = client_for(world.alice)
    url = page_url(world.school_a, world.year)
    page = html(c.get(url))
    assert 'id="save-draft"' in page
    assert "школьная программа повышения качества образования (ШППКО)" in page
    assert "в полном объёме" in page and "менее 25 %" in page

    response = c.post(url, {"shppko_implementation": "lt25", "action": "save"})
    assert response.status_code == 302
    sub = Submission.objects.get()
    assert (sub.status, sub.values) == (Status.DRAFT, {"shppko_implementation": "lt25"})
    page = html(c.get(url))
    assert "Черновик сохранён." in page
    assert '<option value="lt25" selected>' in page

    response = c.post(url, {**POST, "action": "submit"})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.status == Status.SUBMITTED
    assert sub.values["shppko_doc"] == {"present": True, "url": SECRET_URL}
    page = html(c.get(url))
    assert "Форма отправлена на проверку." in page
    assert 'id="save-draft"' not in page
    assert "disabled" in page
    assert c.post(url, {**POST, "action": "save"}).status_code == 403


def test_validation_messages_are_russian_and_nothing_is_saved(world: Any, form: DataForm) -> None:
    c = client_for(world.alice)
    url = page_url(world.school_a, world.year)
    response = c.post(url, {"shppko_doc": "yes", "shppko_doc__url": "", "action": "save"})
    assert response.status_code == 400
    page = html(response)
    assert "Укажите ссылку на документ на сайте ОО." in page
    assert "Форма не сохранена: исправьте отмеченные поля." in page
    assert not Submission.objects.exists()

    response = c.post(url, {"shppko_implementation": "full", "action": "submit"})
    assert response.status_code == 400
    assert "Обязательное поле." in html(response)
    assert not Submission.objects.exists()

    staff = page_url(world.school_a, world.year, "lrs-staff")
    response = c.post(staff, {"teachers_total": "-3", "action": "save"})
    assert response.status_code == 400
    assert "Количество не может быть отрицательным." in html(response)


# --- bob, the municipal specialist ----------------------------------------------------------


def test_bob_sees_both_schools_in_the_queue(world: Any, form: DataForm) -> None:
    submitted(world, form)
    c = client_for(world.bob)
    assert c.get(reverse("collect:forms"))["Location"] == reverse("collect:queue")
    response = c.get(reverse("collect:queue"))
    assert response.status_code == 200
    page = html(response)
    assert "Согласование форм" in page
    assert "МБОУ СОШ № 1" in page and "МБОУ СОШ № 2" in page
    assert "МБОУ СОШ № 9" not in page  # another municipality
    assert "На проверке: 1" in page
    assert "Проверить" in page
    filtered = html(c.get(reverse("collect:queue"), {"status": "submitted"}))
    assert filtered.count("<tr data-organisation") == 1
    by_org = html(c.get(reverse("collect:queue"), {"organisation": world.school_b.pk}))
    assert f'data-organisation="{world.school_a.pk}"' not in by_org
    assert c.get(reverse("collect:queue"), {"year": "1999"}).status_code == 404


def test_bob_reviews_returns_and_approves(world: Any, form: DataForm) -> None:
    sub = submitted(world, form)
    c = client_for(world.bob)
    url = page_url(world.school_a, world.year)
    page = html(c.get(url))
    assert SECRET_URL in page
    assert 'id="approve"' in page and 'id="return"' in page
    assert 'id="save-draft"' not in page

    response = c.post(review_url(world.school_a, world.year), {"action": "return", "comment": ""})
    assert response.status_code == 400
    assert "Напишите, что нужно исправить." in html(response)

    c.post(review_url(world.school_a, world.year), {"action": "return", "comment": "Нет приказа"})
    sub.refresh_from_db()
    assert (sub.status, sub.review_comment) == (Status.RETURNED, "Нет приказа")
    alice_page = html(client_for(world.alice).get(url))
    assert "Нет приказа" in alice_page
    assert 'id="save-draft"' in alice_page

    submitted(world, form)
    c.post(review_url(world.school_a, world.year), {"action": "approve"})
    sub.refresh_from_db()
    assert sub.status == Status.APPROVED
    page = html(c.get(url))
    assert 'id="unapprove"' in page
    history = page[page.index('id="history"') :]
    for label in ("Отправлена на проверку", "Возвращена на доработку", "Утверждена"):
        assert label in history


def test_approved_data_is_locked_for_a_post_to_the_page(world: Any, form: DataForm) -> None:
    sub = submitted(world, form)
    actions.approve(user=world.bob, submission=sub)
    url = page_url(world.school_a, world.year)
    page = html(client_for(world.alice).get(url))
    assert 'id="save-draft"' not in page and 'id="submit-form"' not in page
    assert "закрыты для изменений" in page
    for user in (world.alice, world.bob):
        for action in ("save", "submit"):
            response = client_for(user).post(
                url, {**POST, "shppko_implementation": "full", "action": action}
            )
            assert response.status_code == 403
    # Approving twice or returning an approved form is refused too.
    for action in ("approve", "return"):
        response = client_for(world.bob).post(
            review_url(world.school_a, world.year), {"action": action, "comment": "x"}
        )
        assert response.status_code == 403
    sub.refresh_from_db()
    assert (sub.status, sub.values["shppko_implementation"]) == (Status.APPROVED, "51_75")


def test_bob_unapproves_with_a_reason(world: Any, form: DataForm) -> None:
    sub = actions.approve(user=world.bob, submission=submitted(world, form))
    c = client_for(world.bob)
    response = c.post(review_url(world.school_a, world.year), {"action": "unapprove"})
    assert response.status_code == 400
    assert "Укажите причину отмены утверждения." in html(response)
    c.post(review_url(world.school_a, world.year), {"action": "unapprove", "comment": "Ошибка"})
    sub.refresh_from_db()
    assert sub.status == Status.RETURNED


# --- charlie, the outsider ------------------------------------------------------------------


def test_charlie_gets_404_for_school_a_and_never_sees_its_values(
    world: Any, form: DataForm
) -> None:
    submitted(world, form)
    c = client_for(world.charlie)
    url = page_url(world.school_a, world.year)
    for response in (
        c.get(url),
        c.post(url, {**POST, "action": "save"}),
        c.post(review_url(world.school_a, world.year), {"action": "approve"}),
    ):
        assert response.status_code == 404
        assert SECRET_URL not in html(response)
    own = html(c.get(reverse("collect:forms")))
    assert "МБОУ СОШ № 2" in own
    assert "МБОУ СОШ № 1" not in own and SECRET_URL not in own
    assert c.get(page_url(world.school_b, world.year)).status_code == 200
    assert Submission.objects.get().status == Status.SUBMITTED


def test_unknown_form_year_or_organisation_is_a_404(world: Any) -> None:
    c = client_for(world.alice)
    assert c.get(page_url(world.school_a, world.year, "no-such-form")).status_code == 404
    assert c.get(f"/collect/{world.school_a.pk}/lrs-management/1999/").status_code == 404
    assert c.get(f"/collect/999999/lrs-management/{world.year.start_year}/").status_code == 404
    assert c.get(reverse("collect:forms"), {"year": "abc"}).status_code == 404


# --- viewers --------------------------------------------------------------------------------


def test_viewers_read_but_change_nothing(world: Any, form: DataForm) -> None:
    submitted(world, form)
    url = page_url(world.school_a, world.year)
    for kwargs in ({"territory": world.municipality}, {"organisation": world.school_a}):
        watcher = User.objects.create_user(
            f"viewer{len(kwargs)}{next(iter(kwargs))}", role=Role.VIEWER, **kwargs
        )
        c = client_for(watcher)
        page = html(c.get(url))
        assert SECRET_URL in page
        assert 'id="save-draft"' not in page and 'id="approve"' not in page
        assert c.post(url, {**POST, "action": "save"}).status_code == 403
        response = c.post(review_url(world.school_a, world.year), {"action": "approve"})
        assert response.status_code == 403
    assert Submission.objects.get().status == Status.SUBMITTED
