"""Registry figures for the home pages and the school profile: organisations by type and
locality, students, staff by category and experience.

Each function takes organisations the caller has already loaded through the permission
policy (``policy.visible_organisations`` / ``policy.get_organisation_for_user``).

The staff summary counts people by category, experience and age only. It never ranks
teachers by their students' results: Rosobrnadzor forbids rating teachers by ВПР.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from msoko.facts.summary import share
from msoko.registry.models import Organisation, SocialPassport, StaffMember, Student

SHORT_KIND: dict[str, str] = {
    Organisation.Kind.SCHOOL: "общеобразовательных",
    Organisation.Kind.PRESCHOOL: "ДОУ",
    Organisation.Kind.ADDITIONAL: "УДО",
}

# (lower bound inclusive, upper bound exclusive or None, label)
EXPERIENCE_BANDS: list[tuple[int, int | None, str]] = [
    (0, 3, "до 3 лет"),
    (3, 10, "от 3 до 10 лет"),
    (10, 20, "от 10 до 20 лет"),
    (20, None, "20 лет и более"),
]
AGE_BANDS: list[tuple[int, int | None, str]] = [
    (0, 35, "моложе 35 лет"),
    (35, 55, "от 35 до 54 лет"),
    (55, 65, "от 55 до 64 лет"),
    (65, None, "65 лет и старше"),
]


def _band_q(field: str, low: int, high: int | None) -> Q:
    q = Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lt": high})
    return q


def organisations_overview(orgs: QuerySet[Organisation]) -> dict[str, Any]:
    """Organisations by type with urban / rural / small counts, and their students."""
    active = orgs.filter(is_active=True)
    counts = {
        row["kind"]: row
        for row in active.values("kind").annotate(
            total=Count("pk"),
            urban=Count("pk", filter=Q(locality=Organisation.Locality.URBAN)),
            rural=Count("pk", filter=Q(locality=Organisation.Locality.RURAL)),
            small=Count("pk", filter=Q(is_small=True)),
        )
    }
    by_kind = []
    for kind, label in Organisation.Kind.choices:
        row = counts.get(kind)
        if row:
            by_kind.append(
                {
                    "kind": kind,
                    "label": label,
                    "short": SHORT_KIND.get(kind, label),
                    "total": row["total"],
                    "urban": row["urban"],
                    "rural": row["rural"],
                    "small": row["small"],
                }
            )
    schools = counts.get(Organisation.Kind.SCHOOL, {})
    return {
        "total": sum(r["total"] for r in by_kind),
        "schools": schools.get("total", 0),
        "schools_urban": schools.get("urban", 0),
        "schools_rural": schools.get("rural", 0),
        "schools_small": schools.get("small", 0),
        "by_kind": by_kind,
        "students": students_overview(active),
        "staff": StaffMember.objects.filter(organisation__in=active, is_active=True).count(),
    }


def students_overview(orgs: QuerySet[Organisation]) -> dict[str, Any]:
    """Students of ``orgs`` by each organisation's latest social passport; when no passport
    exists, the pseudonymous student registry."""
    latest: dict[int, tuple[int, int]] = {}  # organisation → (year, students)
    passports = (
        SocialPassport.objects.filter(organisation__in=orgs)
        .order_by("organisation_id", "-year__start_year")
        .values_list("organisation_id", "year__start_year", "students_total")
    )
    for org_id, year, students in passports:
        latest.setdefault(org_id, (year, students))
    if latest:
        return {
            "source": "passport",
            "total": sum(students for _, students in latest.values()),
            "reporting": len(latest),
            "years": sorted({year for year, _ in latest.values()}),
        }
    return {
        "source": "registry",
        "total": Student.objects.filter(organisation__in=orgs).count(),
        "reporting": 0,
        "years": [],
    }


def latest_passport(org: Organisation) -> SocialPassport | None:
    return (
        SocialPassport.objects.filter(organisation=org)
        .select_related("year")
        .order_by("-year__start_year")
        .first()
    )


def staff_summary(org: Organisation) -> dict[str, Any]:
    """Counts of the school's active staff by position, category, experience and age."""
    staff = StaffMember.objects.filter(organisation=org, is_active=True)
    this_year = timezone.localdate().year
    aggregates: dict[str, Any] = {
        "total": Count("pk"),
        "young": Count("pk", filter=Q(is_young_specialist=True)),
    }
    for value, _ in StaffMember.Position.choices:
        aggregates[f"position_{value}"] = Count("pk", filter=Q(position=value))
    for value, _ in StaffMember.Category.choices:
        aggregates[f"category_{value}"] = Count("pk", filter=Q(category=value))
    for i, (low, high, _) in enumerate(EXPERIENCE_BANDS):
        aggregates[f"experience_{i}"] = Count("pk", filter=_band_q("experience_years", low, high))
    for i, (low, high, _) in enumerate(AGE_BANDS):
        # Born in ``this_year - age`` or earlier is at least ``age`` this year (by the end of it).
        q = Q(birth_year__isnull=False, birth_year__lte=this_year - low)
        if high is not None:
            q &= Q(birth_year__gt=this_year - high)
        aggregates[f"age_{i}"] = Count("pk", filter=q)
    aggregates["age_unknown"] = Count("pk", filter=Q(birth_year__isnull=True))
    row = staff.aggregate(**aggregates)
    total = row["total"]

    def rows(prefix: str, labels: list[str]) -> list[dict[str, Any]]:
        out = []
        for i, label in enumerate(labels):
            n = row[f"{prefix}_{i}"]
            out.append({"label": label, "count": n, "share": share(n, total)})
        return out

    def choice_rows(prefix: str, choices: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [
            {
                "label": label,
                "count": row[f"{prefix}_{value}"],
                "share": share(row[f"{prefix}_{value}"], total),
            }
            for value, label in choices
        ]

    ages = rows("age", [label for _, _, label in AGE_BANDS])
    if row["age_unknown"]:
        ages.append(
            {
                "label": "год рождения не указан",
                "count": row["age_unknown"],
                "share": share(row["age_unknown"], total),
            }
        )
    return {
        "total": total,
        "young_specialists": row["young"],
        "by_position": choice_rows("position", list(StaffMember.Position.choices)),
        "by_category": choice_rows("category", list(StaffMember.Category.choices)),
        "by_experience": rows("experience", [label for _, _, label in EXPERIENCE_BANDS]),
        "by_age": ages,
    }
