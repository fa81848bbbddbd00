"""The analysis report for pages and exports: computed once per territory, year and state of
the data (cached), then cut down to what the asking user may see.

The report of a territory is computed over all its schools (a school is compared with its
municipality). ``for_user`` keeps only the schools the permission policy lets the user see:
a school's administrator gets their own school's rows, findings and signals, and the
territory's aggregate figures (thresholds, the municipality's values), never another
school's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache

from msoko.access import policy
from msoko.analysis import engine, methodology
from msoko.registry.models import Organisation, SocialPassport, StaffMember, Territory


def data_fingerprint(territory: Territory) -> str:
    """Changes whenever anything the analysis reads changes: active fact files, mark scales,
    task specifications, social passports and staff of the territory, the methodology, the
    active files of indicator values."""
    from msoko.facts.models import FactFile, ImportBatch, MarkScale, TaskSpec
    from msoko.indicators.models import ValueFile

    org_ids = list(
        Organisation.objects.filter(territory_id__in=territory.descendant_ids()).values_list(
            "pk", flat=True
        )
    )
    parts: list[Any] = [
        list(
            FactFile.objects.filter(batch__status=ImportBatch.Status.ACTIVE)
            .order_by("pk")
            .values_list("pk", "sha256")
        ),
        list(MarkScale.objects.order_by("pk").values_list("pk", "mark_cuts", "min_threshold")),
        TaskSpec.objects.count(),
        list(
            SocialPassport.objects.filter(organisation_id__in=org_ids).order_by("pk").values_list()
        ),
        list(
            StaffMember.objects.filter(organisation_id__in=org_ids)
            .order_by("pk")
            .values_list("pk", "category", "experience_years", "is_young_specialist", "is_active")
        ),
        methodology.load(territory).fingerprint(),
        # the values of the rule's indicators from the indicator store (a user's catalog,
        # school aggregates): a recomputation changes the report
        list(ValueFile.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)),
        list(
            Organisation.objects.filter(pk__in=org_ids)
            .order_by("pk")
            .values_list(
                "pk", "is_active", "kind", "locality", "is_small", "territory_id",
                "short_name", "full_name",
            )
        ),
        # the report names schools and territories: a renamed one is a new report
        list(
            Territory.objects.filter(pk__in=territory.descendant_ids())
            .order_by("pk")
            .values_list("pk", "name")
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def get_report(territory: Territory, year: int | None = None) -> dict[str, Any]:
    """The report of ``territory`` for ``year`` (latest if None), from the cache when the data
    has not changed. Raises ``AnalysisInputError`` with a Russian message."""
    key = f"msoko:analysis:{territory.pk}:{year}:{data_fingerprint(territory)}"
    report = cache.get(key)
    if report is None:
        report = engine.run(territory, year)
        cache.set(key, report, 3600)
    return report


def territory_for(user: Any, code_or_pk: Any = None) -> Territory | None:
    """The territory whose analysis the user asks for: one they may see (404 otherwise);
    by default their home territory, or their school's municipality."""
    from django.http import Http404

    if code_or_pk:
        qs = policy.visible_territories(user)
        try:
            return qs.get(pk=int(code_or_pk))
        except (Territory.DoesNotExist, ValueError, TypeError):
            raise Http404("Территория не найдена") from None
    home = policy.home_territory(user)
    if home is not None:
        if home.kind == Territory.Kind.REGION:
            first = home.children.order_by("name").first()
            return first or home
        return home
    if user.organisation_id:
        org = policy.get_organisation_for_user(user, user.organisation_id)
        return org.territory
    return None


def for_user(report: dict[str, Any], user: Any) -> dict[str, Any]:
    """``report`` with only the schools ``user`` may see."""
    visible = set(policy.visible_org_ids(user))
    out = dict(report)
    out["schools"] = [s for s in report["schools"] if s["org_id"] in visible]
    out["findings"] = [f for f in report["findings"] if f["org_id"] in visible]
    out["objectivity"] = [r for r in report["objectivity"] if r["org_id"] in visible]
    out["low"] = {k: v for k, v in report["low"].items() if int(k) in visible}
    out["dynamics"] = {k: v for k, v in report["dynamics"].items() if int(k) in visible}
    ctx = dict(report["context"])
    ctx["passports"] = {k: v for k, v in ctx["passports"].items() if int(k) in visible}
    out["context"] = ctx
    clusters = dict(report["clusters"])
    clusters["clusters"] = [
        {**c, "org_ids": [o for o in c["org_ids"] if o in visible]}
        for c in report["clusters"].get("clusters", [])
    ]
    out["clusters"] = clusters
    out["all_schools"] = len(report["schools"])
    # what was evaluated, counted over the schools the user sees
    out["evaluation"] = engine.evaluation_summary(out["schools"])
    return out


def schools_of_territory(territory: Territory) -> list[int]:
    """Ids of the active schools of ``territory`` (the comparison group of the analysis)."""
    return list(
        Organisation.objects.filter(
            territory_id__in=territory.descendant_ids(),
            kind=Organisation.Kind.SCHOOL,
            is_active=True,
        ).values_list("pk", flat=True)
    )
