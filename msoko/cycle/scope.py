"""Who sees and changes what in the management cycle — on top of ``msoko.access.policy``.

* territory users (municipal specialist, regional analyst, a viewer of a territory) see the
  roadmaps, measures, recommendations and decisions of the territories they see, and the
  measures and recommendations addressed to their organisations;
* a school's own users see only what is addressed to their school: its measures (of a
  municipal roadmap or of the school's own plan) and the recommendations sent to it;
* specialists and analysts (not viewers) manage the cycle of their territories; a school
  administrator keeps the school's own plan, reports on the measures addressed to the school
  and answers the school's recommendations — never another school's.

Anything not visible is a 404, like everywhere else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from msoko.access import policy
from msoko.access.models import Role
from msoko.cycle.models import Decision, Measure, Recommendation, Roadmap


def is_school_user(user: Any) -> bool:
    return policy.home_territory(user) is None and bool(getattr(user, "organisation_id", None))


def territory_ids(user: Any) -> list[int]:
    if is_school_user(user):
        return []
    return list(policy.visible_territories(user).values_list("pk", flat=True))


def org_ids(user: Any) -> list[int]:
    return list(policy.visible_org_ids(user))


def can_manage(user: Any, territory_id: int | None = None) -> bool:
    """May the user create and edit roadmaps, recommendations, decisions (of a territory)?"""
    if not policy._is_active(user):
        return False
    if user.is_superuser:
        return True
    if user.role not in (Role.MUNICIPAL_SPECIALIST, Role.REGIONAL_ANALYST) or is_school_user(user):
        return False
    return territory_id is None or territory_id in territory_ids(user)


def visible_roadmaps(user: Any) -> QuerySet[Roadmap]:
    if is_school_user(user):
        own = user.organisation_id
        return Roadmap.objects.filter(Q(organisation_id=own) | Q(measures__organisation_id=own)).distinct()
    return Roadmap.objects.filter(
        Q(territory_id__in=territory_ids(user)) | Q(organisation_id__in=org_ids(user))
    ).distinct()


def visible_measures(user: Any) -> QuerySet[Measure]:
    if is_school_user(user):
        own = user.organisation_id
        return Measure.objects.filter(Q(organisation_id=own) | Q(roadmap__organisation_id=own))
    orgs = org_ids(user)
    return Measure.objects.filter(
        Q(roadmap__territory_id__in=territory_ids(user))
        | Q(organisation_id__in=orgs)
        | Q(roadmap__organisation_id__in=orgs)
    )


def visible_recommendations(user: Any) -> QuerySet[Recommendation]:
    if is_school_user(user):
        return Recommendation.objects.filter(organisation_id=user.organisation_id).exclude(
            state=Recommendation.State.DRAFT
        )
    return Recommendation.objects.filter(
        Q(territory_id__in=territory_ids(user)) | Q(organisation_id__in=org_ids(user))
    )


def visible_decisions(user: Any) -> QuerySet[Decision]:
    if is_school_user(user):
        return Decision.objects.filter(measures__in=visible_measures(user)).distinct()
    return Decision.objects.filter(territory_id__in=territory_ids(user))


def get_or_404(qs: QuerySet[Any], pk: Any) -> Any:
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404("Не найдено") from None


def can_edit_roadmap(user: Any, roadmap: Roadmap) -> bool:
    if can_manage(user, roadmap.territory_id):
        return True
    return (
        roadmap.organisation_id is not None
        and getattr(user, "role", "") == Role.SCHOOL_ADMIN
        and policy.can_edit_organisation(user, roadmap.organisation_id)
    )


def can_edit_measure(user: Any, measure: Measure) -> bool:
    return can_edit_roadmap(user, measure.roadmap)


def can_report_measure(user: Any, measure: Measure) -> bool:
    """The roadmap's keepers, and the administrator of the school the measure is for."""
    if can_edit_measure(user, measure):
        return True
    return (
        measure.organisation_id is not None
        and getattr(user, "role", "") == Role.SCHOOL_ADMIN
        and policy.can_edit_organisation(user, measure.organisation_id)
    )


def can_answer(user: Any, recommendation: Recommendation) -> bool:
    """Only the addressed school's administrator answers a recommendation."""
    return (
        policy._is_active(user)
        and getattr(user, "role", "") == Role.SCHOOL_ADMIN
        and user.organisation_id == recommendation.organisation_id
        and recommendation.state != Recommendation.State.DRAFT
    )


def managed_territories(user: Any) -> QuerySet[Any]:
    from msoko.registry.models import Territory

    if not can_manage(user):
        return Territory.objects.none()
    return Territory.objects.filter(pk__in=territory_ids(user))


def default_territory(user: Any) -> Any:
    """The territory a specialist works in: their own, else the first municipality they see."""
    if getattr(user, "territory_id", None) and not is_school_user(user):
        return user.territory
    from msoko.registry.models import Territory

    return Territory.objects.filter(pk__in=territory_ids(user), kind="municipality").first()
