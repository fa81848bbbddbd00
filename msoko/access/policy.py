"""The permission policy: the one place that answers "which organisations may this user see,
and which may they edit".

Every page, export, API and analytics query asks here (``visible_organisations``,
``get_organisation_for_user``, ``visible_org_ids``); the fact store refuses a scan without
the ids this module returns (``msoko.facts.store``). "Missing" and "forbidden" look the same
to the user: both are a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
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


# --------------------------------------------------------------------------- administration
# Who may administer what in msoko's own pages (the «Администрирование» section and
# ``msoko accounts``). The rule: nobody acts above their own place in the territory tree.
# A municipal specialist administers her municipality, a regional analyst her region, a
# superuser everything; nobody gives a role above their own, and nobody here makes staff or
# superusers (that stays with the technical administrator in the Django admin).

ADMINISTRATOR_ROLES = (Role.REGIONAL_ANALYST, Role.MUNICIPAL_SPECIALIST)
ROLE_RANK = {
    Role.VIEWER: 0,
    Role.SCHOOL_ADMIN: 1,
    Role.MUNICIPAL_SPECIALIST: 2,
    Role.REGIONAL_ANALYST: 3,
}


def can_administer(user: Any) -> bool:
    """Specialists and analysts bound to a territory, and superusers."""
    if not _is_active(user):
        return False
    if user.is_superuser:
        return True
    return bool(user.role in ADMINISTRATOR_ROLES and user.territory_id)


def administered_territories(user: Any) -> QuerySet[Territory]:
    """The territory nodes a user administers: her own node and everything below it."""
    if not can_administer(user):
        return Territory.objects.none()
    if user.is_superuser:
        return Territory.objects.all()
    return Territory.objects.filter(pk__in=user.territory.descendant_ids())


def administered_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose registry card and school accounts a user administers."""
    if not can_administer(user):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(territory_id__in=user.territory.descendant_ids())


def assignable_roles(user: Any) -> list[str]:
    """Roles a user may give: a specialist — school administrators and viewers; an analyst —
    also municipal specialists; a superuser — every role (but never staff or superuser)."""
    if not can_administer(user):
        return []
    if user.is_superuser:
        return [r.value for r in Role]
    if user.role == Role.REGIONAL_ANALYST:
        return [Role.MUNICIPAL_SPECIALIST, Role.SCHOOL_ADMIN, Role.VIEWER]
    return [Role.SCHOOL_ADMIN, Role.VIEWER]


def binding_allowed(user: Any, role: str, territory: Territory | None, organisation: Any) -> str:
    """Why ``user`` may not give an account this role and binding ('' when she may).

    The answer is in Russian: it is shown to the user and written to the audit log."""
    if role not in assignable_roles(user):
        return "Эту роль вы назначать не можете."
    if territory is not None and not administered_territories(user).filter(pk=territory.pk).exists():
        return "Эта территория вне вашей области администрирования."
    if organisation is not None and not administered_organisations(user).filter(
        pk=organisation.pk
    ).exists():
        return "Эта организация вне вашей области администрирования."
    return ""


def manageable_users(user: Any) -> QuerySet[Any]:
    """Accounts a user may list, edit, deactivate and reset: within her territory, of a role
    she may give, never a superuser, a staff member or herself."""
    from msoko.access.models import User

    if not can_administer(user):
        return User.objects.none()
    qs = User.objects.exclude(pk=user.pk).filter(is_superuser=False, is_staff=False)
    if user.is_superuser:
        return qs
    territories = list(administered_territories(user).values_list("pk", flat=True))
    orgs = administered_organisations(user)
    # Every binding the account has must lie inside her territory, and it must have one.
    return (
        qs.filter(role__in=assignable_roles(user))
        .filter(Q(territory__isnull=True) | Q(territory_id__in=territories))
        .filter(Q(organisation__isnull=True) | Q(organisation__in=orgs))
        .exclude(territory__isnull=True, organisation__isnull=True)
    )


# --------------------------------------------------------------------------- mark scales
# A mark scale (``facts.MarkScale``) has no territory: it is the installation's. In Russia
# the region sets the scales (ОГЭ cut points by regional order; ЕГЭ minimums and ВПР
# recommendations come from federal bodies and the region applies them), never a
# municipality. So an installation that holds exactly one region has its scales as that
# region's, and the region's analyst keeps them; with several regions in one installation
# a scale would be shared by all of them and only the technical administrator changes it.

SCALES_SEVERAL_REGIONS = (
    "В установке несколько регионов, а шкалы перевода общие для всей установки: "
    "изменить их может только технический администратор."
)
SCALES_BY_REGION = (
    "Шкалы перевода и пороги утверждает регион: изменяет их аналитик регионального центра."
)


def mark_scales_read_only_reason(user: Any) -> str:
    """Why ``user`` may not change the mark scales ('' when she may). In Russian: it is shown
    on the page and written to the audit log."""
    if not _is_active(user):
        return SCALES_BY_REGION
    if user.is_superuser:
        return ""
    if user.role == Role.REGIONAL_ANALYST and user.territory_id:
        if user.territory.kind != Territory.Kind.REGION:
            return SCALES_BY_REGION
        if Territory.objects.filter(kind=Territory.Kind.REGION).count() != 1:
            return SCALES_SEVERAL_REGIONS
        return ""
    return SCALES_BY_REGION


def can_edit_mark_scales(user: Any) -> bool:
    """A superuser; a regional analyst when her region is the installation's only one."""
    return not mark_scales_read_only_reason(user)
