"""Every write to school forms goes through one function here (keyword-only, typed, atomic),
and each checks the permission policy first.

The state machine (DHIS2's data approval):

    (none) ─save_draft→ draft ─submit→ submitted ─approve→ approved (locked)
                          ↑                │                    │
                   save_draft          return_for_revision   unapprove (with a reason)
                          │                ↓                    │
                          └──────────── returned ←──────────────┘
                                    (submit is allowed from returned too)

* the school (its administrator, or a superuser) fills: ``save_draft`` and ``submit``,
  only while the submission is not started, a draft or returned;
* a municipal specialist or a regional analyst whose territory holds the school decides:
  ``approve``, ``return_for_revision`` (comment required) and ``unapprove`` (reason
  required);
* viewers change nothing; an organisation the user may not see is a 404.

Each action writes a ``SubmissionEvent``; the audit signals record the saves, attributed to
the acting user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from msoko.access import policy
from msoko.access.audit import acting_as
from msoko.access.models import Role, User
from msoko.collect.models import (
    EDITABLE_STATUSES,
    DataForm,
    Status,
    Submission,
    SubmissionEvent,
)
from msoko.collect.validation import clean_values
from msoko.registry.models import AcademicYear, Organisation

REVIEWER_ROLES = frozenset({Role.MUNICIPAL_SPECIALIST, Role.REGIONAL_ANALYST})


def is_reviewer(user: Any) -> bool:
    """May approve and return forms (of the organisations the policy lets them edit)."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser or user.role in REVIEWER_ROLES)


def is_filler(user: Any) -> bool:
    """Fills forms for their own organisation (a school administrator; a superuser too)."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser or user.role == Role.SCHOOL_ADMIN)


def can_fill(user: Any, organisation: Organisation) -> bool:
    return is_filler(user) and policy.can_edit_organisation(user, organisation)


def can_review(user: Any, organisation: Organisation) -> bool:
    return is_reviewer(user) and policy.can_edit_organisation(user, organisation)


def _visible_org(user: User, organisation: Organisation) -> Organisation:
    """The organisation, reloaded through the policy: invisible is a 404."""
    return policy.get_organisation_for_user(user, organisation.pk)


def _locked_submission(
    *, form: DataForm, organisation: Organisation, year: AcademicYear
) -> Submission | None:
    return (
        Submission.objects.select_for_update()
        .filter(form=form, organisation=organisation, year=year)
        .first()
    )


def _check_form(form: DataForm, organisation: Organisation) -> None:
    if not form.is_active or not form.applies_to(organisation):
        raise Http404("Форма не найдена")


def _event(
    submission: Submission, user: User, action: str, from_status: str, comment: str = ""
) -> SubmissionEvent:
    return SubmissionEvent.objects.create(
        submission=submission,
        actor=user,
        actor_label=user.get_full_name() or user.get_username(),
        action=action,
        from_status=from_status,
        to_status=submission.status,
        comment=comment,
    )


def _fill(
    *,
    user: User,
    form: DataForm,
    organisation: Organisation,
    year: AcademicYear,
    values: Mapping[str, Any],
    complete: bool,
) -> Submission:
    org = _visible_org(user, organisation)
    _check_form(form, org)
    if not can_fill(user, org):
        raise PermissionDenied("Заполнять формы может только администратор своей организации.")
    submission = _locked_submission(form=form, organisation=org, year=year)
    before = submission.status if submission is not None else Status.NOT_STARTED
    if before not in EDITABLE_STATUSES:
        raise PermissionDenied("Форма отправлена или утверждена: изменять её нельзя.")
    cleaned = clean_values(form.fields.all(), values, complete=complete)
    if submission is None:
        submission = Submission(form=form, organisation=org, year=year)
    submission.values = cleaned
    if complete:
        submission.status = Status.SUBMITTED
        submission.submitted_at = timezone.now()
    else:
        submission.status = Status.DRAFT
    with acting_as(user):
        submission.save()
        _event(
            submission,
            user,
            SubmissionEvent.Action.SUBMIT if complete else SubmissionEvent.Action.SAVE,
            before,
        )
    return submission


@transaction.atomic
def save_draft(
    *,
    user: User,
    form: DataForm,
    organisation: Organisation,
    year: AcademicYear,
    values: Mapping[str, Any],
) -> Submission:
    """Save the school's values as a draft (incomplete is fine, wrong is not)."""
    return _fill(
        user=user, form=form, organisation=organisation, year=year, values=values, complete=False
    )


@transaction.atomic
def submit(
    *,
    user: User,
    form: DataForm,
    organisation: Organisation,
    year: AcademicYear,
    values: Mapping[str, Any],
) -> Submission:
    """Save the values and send them for approval (every required field filled)."""
    return _fill(
        user=user, form=form, organisation=organisation, year=year, values=values, complete=True
    )


def _decide(
    *,
    user: User,
    submission: Submission,
    allowed_from: set[str],
    to: str,
    action: str,
    comment: str,
    comment_required: str = "",
) -> Submission:
    org = _visible_org(user, submission.organisation)
    if not can_review(user, org):
        raise PermissionDenied("Решение по форме принимает специалист муниципального органа.")
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status not in allowed_from:
        raise PermissionDenied(
            f"Действие недоступно: форма в статусе «{locked.get_status_display()}»."
        )
    comment = comment.strip()
    if comment_required and not comment:
        raise ValidationError({"comment": [comment_required]})
    before = locked.status
    locked.status = to
    locked.decided_at = timezone.now()
    locked.decided_by = user
    locked.review_comment = comment
    with acting_as(user):
        locked.save()
        _event(locked, user, action, before, comment)
    return locked


@transaction.atomic
def approve(*, user: User, submission: Submission, comment: str = "") -> Submission:
    """Approve a submitted form: its values are locked for the period."""
    return _decide(
        user=user,
        submission=submission,
        allowed_from={Status.SUBMITTED},
        to=Status.APPROVED,
        action=SubmissionEvent.Action.APPROVE,
        comment=comment,
    )


@transaction.atomic
def return_for_revision(*, user: User, submission: Submission, comment: str) -> Submission:
    """Return a submitted form to the school with a comment saying what to fix."""
    return _decide(
        user=user,
        submission=submission,
        allowed_from={Status.SUBMITTED},
        to=Status.RETURNED,
        action=SubmissionEvent.Action.RETURN,
        comment=comment,
        comment_required="Напишите, что нужно исправить.",
    )


@transaction.atomic
def unapprove(*, user: User, submission: Submission, reason: str) -> Submission:
    """Unlock an approved form (the reason is recorded); it goes back to the school."""
    return _decide(
        user=user,
        submission=submission,
        allowed_from={Status.APPROVED},
        to=Status.RETURNED,
        action=SubmissionEvent.Action.UNAPPROVE,
        comment=reason,
        comment_required="Укажите причину отмены утверждения.",
    )
