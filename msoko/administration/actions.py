"""Every write of the administration pages. Each checks the actor's scope once more through
the policy (the views have, too) and saves through the model, so the audit signals record it;
a password is never written to the log (``audit.SKIPPED_FIELDS``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from msoko.access import audit, policy
from msoko.access.accounts import one_time_password
from msoko.access.hashers import one_time_hash
from msoko.access.models import User
from msoko.administration.forms import MarkScaleForm, OrganisationForm, UserForm
from msoko.facts.models import MarkScale
from msoko.registry.models import Organisation

SCALES_RECOMPUTE_TITLE = "Пересчёт показателей после изменения шкал перевода"


def _check_user(actor: Any, user: User) -> None:
    if not policy.manageable_users(actor).filter(pk=user.pk).exists():
        raise PermissionDenied("Эта учётная запись вне вашей области администрирования.")


def save_organisation(actor: Any, form: OrganisationForm) -> Organisation:
    if not policy.can_administer(actor):
        raise PermissionDenied("Администрировать организации вы не можете.")
    with transaction.atomic():
        org: Organisation = form.save()
        if not policy.administered_organisations(actor).filter(pk=org.pk).exists():
            raise PermissionDenied("Организация оказалась бы вне вашей области администрирования.")
        form.save_variants(org)
    return org


def create_user(actor: Any, form: UserForm) -> tuple[User, str]:
    """A new account with a one-time password (returned once, to be shown once)."""
    user: User = form.save(commit=False)
    # Whatever reached the instance, these are never set here.
    user.is_staff = False
    user.is_superuser = False
    password = one_time_password()
    user.password = one_time_hash(password)
    user.must_change_password = True
    with transaction.atomic():
        user.save()
        _check_user(actor, user)
    return user, password


def update_user(actor: Any, form: UserForm) -> User:
    _check_user(actor, User.objects.get(pk=form.instance.pk))
    with transaction.atomic():
        user: User = form.save(commit=False)
        user.is_staff = False
        user.is_superuser = False
        user.save()
        _check_user(actor, user)
    return user


def set_active(actor: Any, user: User, active: bool) -> None:
    _check_user(actor, user)
    user.is_active = active
    user.save(update_fields=["is_active"])


def reset_password(actor: Any, user: User) -> str:
    """A new one-time password for ``user``; she must change it at her next login."""
    _check_user(actor, user)
    password = one_time_password()
    with transaction.atomic():
        user.password = one_time_hash(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        audit.record(
            "update",
            model="access.User",
            object_id=user.pk,
            object_repr=str(user),
            changes={"operation": "one_time_password_issued"},
            actor=actor,
        )
    return password


# --------------------------------------------------------------------------- mark scales


def _check_scales(actor: Any) -> None:
    reason = policy.mark_scales_read_only_reason(actor)
    if reason:
        raise PermissionDenied(reason)


def _recompute_after_scales(actor: Any) -> None:
    """Scales feed the indicators (minimum thresholds, marks): one full recomputation in the
    editor's name, queued once the change commits (``indicators.recompute``)."""
    from msoko.indicators.recompute import queue_full

    transaction.on_commit(lambda: queue_full(actor, title=SCALES_RECOMPUTE_TITLE, trigger="scales"))


def save_mark_scale(actor: Any, form: MarkScaleForm) -> MarkScale:
    """Create or change a scale from a valid form (the model save is audited)."""
    _check_scales(actor)
    scale = form.candidate
    if scale is None:
        raise ValueError("save_mark_scale needs a valid form")
    with transaction.atomic():
        scale.save()
        _recompute_after_scales(actor)
    return scale


def added_by_user(scale: MarkScale) -> bool:
    """Whether a user (not the installation's reference data, the demo or a script) created
    this scale: its ``create`` row in the audit log names a user."""
    from msoko.access.models import AuditLog

    return AuditLog.objects.filter(
        model=MarkScale._meta.label, object_id=str(scale.pk), action="create", actor__isnull=False
    ).exists()


def delete_mark_scale(actor: Any, scale: MarkScale) -> None:
    _check_scales(actor)
    if not added_by_user(scale):
        raise PermissionDenied("Шкалу из справочных данных установки можно изменить, но не удалить.")
    with transaction.atomic():
        scale.delete()
        _recompute_after_scales(actor)
