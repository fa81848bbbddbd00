"""The permission policy: the one place that answers "which organisations may this user see,
and which may they edit".

Every page, export, API and analytics query asks here (``visible_organisations``,
``get_organisation_for_user``, ``visible_org_ids``); the fact store refuses a scan without
the ids this module returns (``msoko.facts.store``). "Missing" and "forbidden" look the same
to the user: both are a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from msoko.access.models import Role
from msoko.registry.models import Organisation, Territory


def _is_active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def visible_territories(user: Any) -> QuerySet[Territory]:
    """Territories whose aggregate figures the user may see."""
    if not _is_active(user):
        return Territory.objects.none()
    if user.is_superuser:
        return Territory.objects.all()
    if user.territory_id and user.role != Role.SCHOOL_ADMIN:
        return Territory.objects.filter(pk__in=user.territory.descendant_ids())
    return Territory.objects.none()


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose data the user may see."""
    if not _is_active(user):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    if user.role == Role.SCHOOL_ADMIN:
        return Organisation.objects.filter(pk=user.organisation_id or -1)
    if user.role == Role.VIEWER and user.organisation_id:
        return Organisation.objects.filter(pk=user.organisation_id)
    if user.territory_id:
        return Organisation.objects.filter(territory_id__in=user.territory.descendant_ids())
    return Organisation.objects.none()


def editable_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose data the user may change (viewers change nothing)."""
    if not _is_active(user) or (user.role == Role.VIEWER and not user.is_superuser):
        return Organisation.objects.none()
    return visible_organisations(user)


def visible_org_ids(user: Any) -> frozenset[int]:
    """Ids for the analytics guard: the fact store filters every scan by them."""
    return frozenset(visible_organisations(user).values_list("pk", flat=True))


def can_see_organisation(user: Any, organisation: Organisation | int) -> bool:
    pk = organisation if isinstance(organisation, int) else organisation.pk
    return visible_organisations(user).filter(pk=pk).exists()


def can_edit_organisation(user: Any, organisation: Organisation | int) -> bool:
    pk = organisation if isinstance(organisation, int) else organisation.pk
    return editable_organisations(user).filter(pk=pk).exists()


def get_organisation_for_user(user: Any, pk: Any, *, for_edit: bool = False) -> Organisation:
    """Load an organisation the user may see (or edit); anything else is a 404."""
    qs = editable_organisations(user) if for_edit else visible_organisations(user)
    try:
        return qs.select_related("territory").get(pk=int(pk))
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("Организация не найдена") from None


def home_territory(user: Any) -> Territory | None:
    """The territory a user's home page summarises (None for a school's own users)."""
    if not _is_active(user):
        return None
    if user.is_superuser and not user.territory_id:
        return Territory.objects.filter(kind=Territory.Kind.REGION).first()
    if user.role == Role.SCHOOL_ADMIN or (user.role == Role.VIEWER and user.organisation_id):
        return None
    return user.territory
