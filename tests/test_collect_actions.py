"""School forms: the approval state machine, locking, who may do what, validation and audit,
through ``msoko.collect.actions`` (the pages are in ``test_collect_pages``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404

from msoko.access.models import AuditLog, Role, User
from msoko.collect import actions
from msoko.collect.catalog import FORMS, SEED_003
from msoko.collect.models import DataForm, FormField, Status, Submission, SubmissionEvent
from msoko.collect.validation import clean_values

GOOD = {
    "shppko_doc": {"present": True, "url": "https://school1.example.ru/docs/shppko.pdf"},
    "quality_orders_doc": {"present": False, "url": ""},
    "shppko_implementation": "51_75",
    "quality_indicators_doc": {"present": True, "url": "https://school1.example.ru/shsoko"},
    "self_assessment_doc": {"present": True, "url": "https://school1.example.ru/self"},
    "oge_math_dynamics": True,
    "oge_russian_dynamics": False,
}


@pytest.fixture
def form(world: Any) -> DataForm:
    return DataForm.objects.get(code="lrs-management")


@pytest.fixture
def staff_form(world: Any) -> DataForm:
    return DataForm.objects.get(code="lrs-staff")


def fill(user: Any, form: DataForm, world: Any, values: dict[str, Any] | None = None) -> Submission:
    return actions.save_draft(
        user=user, form=form, organisation=world.school_a, year=world.year, values=values or GOOD
    )


def send(user: Any, form: DataForm, world: Any, values: dict[str, Any] | None = None) -> Submission:
    return actions.submit(
        user=user, form=form, organisation=world.school_a, year=world.year, values=values or GOOD
    )


def viewer(world: Any, **kwargs: Any) -> User:
    return User.objects.create_user("victor", role=Role.VIEWER, **kwargs)


# --- the catalog ---------------------------------------------------------------------------


def test_the_seed_003_forms_are_shipped_by_the_migration(world: Any) -> None:
    forms = {f.code: f for f in DataForm.objects.all()}
    assert set(forms) == {spec["code"] for spec in FORMS}
    management = forms["lrs-management"]
    assert management.source == SEED_003
    assert "Мотыгинского района" in management.source
    assert management.organisation_kinds == ["school"]
    kinds = set(management.fields.values_list("kind", flat=True))
    assert {"document", "bucket", "yes_no", "text"} <= kinds
    shppko = management.fields.get(code="shppko_doc")
    assert "ШППКО" in shppko.label
    assert shppko.collection_method == "Наличие / Отсутствие, сайт ОО"
    assert shppko.indicator_code == "lrs.school.shppko_doc"
    staff = forms["lrs-staff"]
    assert staff.fields.filter(kind="count").count() == staff.fields.count()
    assert staff.fields.get(code="iom").not_more_than == "teachers_total"


def test_the_loader_command_is_idempotent(world: Any) -> None:
    before = FormField.objects.count()
    call_command("collect_load_forms")
    call_command("collect_load_forms")
    assert FormField.objects.count() == before
    assert DataForm.objects.count() == len(FORMS)


# --- the state machine ---------------------------------------------------------------------


def test_the_whole_cycle_draft_submit_return_draft_submit_approve(world: Any, form: Any) -> None:
    sub = fill(world.alice, form, world, {"shppko_implementation": "lt25"})
    assert sub.status == Status.DRAFT
    assert sub.values == {"shppko_implementation": "lt25"}

    sub = send(world.alice, form, world)
    assert sub.status == Status.SUBMITTED
    assert sub.submitted_at is not None

    sub = actions.return_for_revision(
        user=world.bob, submission=sub, comment="Нет ссылки на приказ"
    )
    assert sub.status == Status.RETURNED
    assert sub.review_comment == "Нет ссылки на приказ"

    sub = fill(world.alice, form, world)
    assert sub.status == Status.DRAFT
    sub = send(world.alice, form, world)
    sub = actions.approve(user=world.bob, submission=sub)
    assert sub.status == Status.APPROVED
    assert sub.decided_by == world.bob
    assert sub.is_locked

    history = list(sub.events.values_list("action", "from_status", "to_status"))
    assert history == [
        ("save", "not_started", "draft"),
        ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"),
        ("save", "returned", "draft"),
        ("submit", "draft", "submitted"),
        ("approve", "submitted", "approved"),
    ]


def test_submit_directly_from_returned_and_from_nothing(world: Any, form: Any) -> None:
    sub = send(world.alice, form, world)
    sub = actions.return_for_revision(user=world.bob, submission=sub, comment="Уточните")
    sub = send(world.alice, form, world)
    assert sub.status == Status.SUBMITTED


def test_unapprove_with_a_reason_returns_the_form_to_the_school(world: Any, form: Any) -> None:
    sub = actions.approve(user=world.bob, submission=send(world.alice, form, world))
    with pytest.raises(ValidationError):
        actions.unapprove(user=world.bob, submission=sub, reason="  ")
    sub = actions.unapprove(user=world.bob, submission=sub, reason="Ошибка в ссылке")
    assert sub.status == Status.RETURNED
    event = sub.events.last()
    assert event is not None
    assert (event.action, event.comment, event.actor) == ("unapprove", "Ошибка в ссылке", world.bob)
    assert fill(world.alice, form, world).status == Status.DRAFT


@pytest.mark.parametrize(
    ("status", "forbidden"),
    [
        ("draft", ["approve", "return", "unapprove"]),
        ("submitted", ["save", "submit", "unapprove"]),
        ("returned", ["approve", "return", "unapprove"]),
        ("approved", ["save", "submit", "approve", "return"]),
    ],
)
def test_forbidden_transitions(world: Any, form: Any, status: str, forbidden: list[str]) -> None:
    sub = Submission.objects.create(
        form=form, organisation=world.school_a, year=world.year, status=status, values=GOOD
    )
    calls = {
        "save": lambda: fill(world.alice, form, world, {"shppko_implementation": "full"}),
        "submit": lambda: send(world.alice, form, world, {**GOOD, "shppko_implementation": "full"}),
        "approve": lambda: actions.approve(user=world.bob, submission=sub),
        "return": lambda: actions.return_for_revision(user=world.bob, submission=sub, comment="x"),
        "unapprove": lambda: actions.unapprove(user=world.bob, submission=sub, reason="x"),
    }
    for name in forbidden:
        with pytest.raises(PermissionDenied):
            calls[name]()
    sub.refresh_from_db()
    assert sub.status == status
    assert sub.values == GOOD
    assert not sub.events.exists()


def test_return_needs_a_comment(world: Any, form: Any) -> None:
    sub = send(world.alice, form, world)
    with pytest.raises(ValidationError) as caught:
        actions.return_for_revision(user=world.bob, submission=sub, comment="   ")
    assert caught.value.message_dict == {"comment": ["Напишите, что нужно исправить."]}
    sub.refresh_from_db()
    assert sub.status == Status.SUBMITTED


# --- who may do what -----------------------------------------------------------------------


def test_approved_values_cannot_change_through_any_action(world: Any, form: Any) -> None:
    sub = actions.approve(user=world.bob, submission=send(world.alice, form, world))
    for user in (world.alice, world.bob):
        for action in (actions.save_draft, actions.submit):
            with pytest.raises((PermissionDenied, Http404)):
                action(
                    user=user,
                    form=form,
                    organisation=world.school_a,
                    year=world.year,
                    values={**GOOD, "shppko_implementation": "full"},
                )
    sub.refresh_from_db()
    assert sub.values["shppko_implementation"] == "51_75"


def test_another_school_cannot_fill_or_decide_it_is_a_404(world: Any, form: Any) -> None:
    with pytest.raises(Http404):
        fill(world.charlie, form, world)
    sub = send(world.alice, form, world)
    for call in (
        lambda: actions.approve(user=world.charlie, submission=sub),
        lambda: actions.return_for_revision(user=world.charlie, submission=sub, comment="x"),
    ):
        with pytest.raises(Http404):
            call()
    assert Submission.objects.get().status == Status.SUBMITTED


def test_a_school_cannot_approve_its_own_form(world: Any, form: Any) -> None:
    sub = send(world.alice, form, world)
    with pytest.raises(PermissionDenied):
        actions.approve(user=world.alice, submission=sub)


def test_the_specialist_does_not_fill_the_schools_form(world: Any, form: Any) -> None:
    with pytest.raises(PermissionDenied):
        fill(world.bob, form, world)
    assert not Submission.objects.exists()


def test_a_specialist_of_another_municipality_gets_a_404(world: Any, form: Any) -> None:
    sub = send(world.alice, form, world)
    stranger = User.objects.create_user(
        "dora", role=Role.MUNICIPAL_SPECIALIST, territory=world.other_municipality
    )
    with pytest.raises(Http404):
        actions.approve(user=stranger, submission=sub)


def test_a_regional_analyst_may_decide(world: Any, form: Any) -> None:
    analyst = User.objects.create_user("rita", role=Role.REGIONAL_ANALYST, territory=world.region)
    sub = actions.approve(user=analyst, submission=send(world.alice, form, world))
    assert sub.status == Status.APPROVED


@pytest.mark.parametrize("bound_to", ["territory", "organisation"])
def test_viewers_change_nothing(world: Any, form: Any, bound_to: str) -> None:
    if bound_to == "territory":
        watcher = viewer(world, territory=world.municipality)
    else:
        watcher = viewer(world, organisation=world.school_a)
    with pytest.raises(PermissionDenied):
        fill(watcher, form, world)
    sub = send(world.alice, form, world)
    for call in (
        lambda: actions.approve(user=watcher, submission=sub),
        lambda: actions.return_for_revision(user=watcher, submission=sub, comment="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    approved = actions.approve(user=world.bob, submission=sub)
    with pytest.raises(PermissionDenied):
        actions.unapprove(user=watcher, submission=approved, reason="x")
    assert Submission.objects.get().status == Status.APPROVED


def test_a_form_for_another_kind_of_organisation_is_a_404(world: Any, form: Any) -> None:
    world.school_a.kind = "preschool"
    world.school_a.save()
    with pytest.raises(Http404):
        fill(world.alice, form, world)


# --- audit ---------------------------------------------------------------------------------


def test_every_action_writes_audit_rows_attributed_to_the_user(world: Any, form: Any) -> None:
    AuditLog.objects.all().delete()
    sub = fill(world.alice, form, world)
    assert AuditLog.objects.filter(
        actor=world.alice, action="create", model="collect.Submission", object_id=str(sub.pk)
    ).exists()
    assert AuditLog.objects.filter(
        actor=world.alice, action="create", model="collect.SubmissionEvent"
    ).exists()
    sub = send(world.alice, form, world)
    sub = actions.return_for_revision(user=world.bob, submission=sub, comment="Исправьте")
    sub = send(world.alice, form, world)
    sub = actions.approve(user=world.bob, submission=sub)
    actions.unapprove(user=world.bob, submission=sub, reason="Ошибка")
    updates = AuditLog.objects.filter(model="collect.Submission", action="update")
    statuses = [row.changes["changed"]["status"] for row in updates.order_by("id")]
    assert statuses == [
        ["draft", "submitted"],
        ["submitted", "returned"],
        ["returned", "submitted"],
        ["submitted", "approved"],
        ["approved", "returned"],
    ]
    assert [row.actor for row in updates.order_by("id")] == [
        world.alice,
        world.bob,
        world.alice,
        world.bob,
        world.bob,
    ]
    assert SubmissionEvent.objects.count() == 6
    assert AuditLog.objects.filter(model="collect.SubmissionEvent", action="create").count() == 6


# --- validation ----------------------------------------------------------------------------


def test_a_link_is_required_when_a_document_is_present(world: Any, form: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        fill(world.alice, form, world, {"shppko_doc": {"present": True, "url": ""}})
    assert caught.value.message_dict == {
        "shppko_doc__url": ["Укажите ссылку на документ на сайте ОО."]
    }
    with pytest.raises(ValidationError) as caught:
        fill(world.alice, form, world, {"shppko_doc": {"present": True, "url": "школа.рф/док"}})
    assert "shppko_doc__url" in caught.value.message_dict
    assert not Submission.objects.exists()
    sub = fill(world.alice, form, world, {"shppko_doc": {"present": False, "url": "ignored"}})
    assert sub.values == {"shppko_doc": {"present": False, "url": ""}}


def test_counts_are_non_negative_integers_not_above_the_total(world: Any, staff_form: Any) -> None:
    for bad, message in [
        ({"teachers_total": -1}, "Количество не может быть отрицательным."),
        ({"teachers_total": "2.5"}, "Введите целое число."),
        ({"teachers_total": "много"}, "Введите целое число."),
    ]:
        with pytest.raises(ValidationError) as caught:
            fill(world.alice, staff_form, world, bad)
        assert caught.value.message_dict == {"teachers_total": [message]}
    with pytest.raises(ValidationError) as caught:
        fill(world.alice, staff_form, world, {"teachers_total": 10, "iom": 11})
    assert caught.value.message_dict["iom"][0].startswith("Не может быть больше")
    sub = fill(world.alice, staff_form, world, {"teachers_total": "10", "iom": 0})
    assert sub.values == {"teachers_total": 10, "iom": 0}


def test_submission_demands_the_required_fields_a_draft_does_not(world: Any, form: Any) -> None:
    partial = {"shppko_implementation": "full"}
    assert fill(world.alice, form, world, partial).status == Status.DRAFT
    with pytest.raises(ValidationError) as caught:
        send(world.alice, form, world, partial)
    missing = set(caught.value.message_dict)
    assert "shppko_doc" in missing
    assert "oge_math_dynamics" in missing
    assert "shppko_report_doc" not in missing  # optional
    assert Submission.objects.get().status == Status.DRAFT


def test_buckets_yes_no_numbers_and_unknown_fields() -> None:
    fields = [
        FormField(code="b", kind="bucket", label="b"),
        FormField(code="y", kind="yes_no", label="y"),
        FormField(code="n", kind="number", label="n"),
        FormField(code="t", kind="text", label="t", required=True),
    ]
    assert clean_values(
        fields, {"b": "gt75", "y": False, "n": "3,5", "t": " текст "}, complete=True
    ) == {"b": "gt75", "y": False, "n": "3.5", "t": "текст"}
    with pytest.raises(ValidationError) as caught:
        clean_values(fields, {"b": "80", "y": "да", "n": "x", "zzz": 1}, complete=True)
    errors = caught.value.message_dict
    assert errors["b"] == ["Выберите процент реализации из списка."]
    assert errors["y"] == ["Выберите «да» или «нет»."]
    assert errors["n"] == ["Введите число."]
    assert errors["t"] == ["Обязательное поле."]
    assert errors["__all__"] == ["Неизвестные поля: zzz"]
