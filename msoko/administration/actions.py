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
from msoko.administration.forms import OrganisationForm, UserForm
from msoko.registry.models import Organisation


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
