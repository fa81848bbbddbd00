"""The social-context index of a school, from its social passport (ШНСУ), and the staffing
figures the factor analysis uses (aggregated per school — never per teacher).

Each passport field is standardised over the territory's schools (z), multiplied by its
weight (``Methodology.context_weights``; positive = more favourable), summed and standardised
again: 0 is the territory's average context, −1 one standard deviation less favourable.
The passport of the analysis year is used, else the latest earlier one, else the nearest
later one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from msoko.analysis.methodology import CONTEXT_LABELS, Methodology

FIELDS = list(CONTEXT_LABELS)


def passports(org_ids: list[int], year: int) -> pd.DataFrame:
    from msoko.registry.models import SocialPassport

    rows = list(
        SocialPassport.objects.filter(organisation_id__in=org_ids).values(
            "organisation_id", "year__start_year", "students_total", *FIELDS
        )
    )
    if not rows:
        return pd.DataFrame(columns=["org_id", "passport_year", "students_total", *FIELDS])
    df = pd.DataFrame(rows).rename(
        columns={"organisation_id": "org_id", "year__start_year": "passport_year"}
    )
    # the analysis year first, then earlier years (nearest first), then later ones
    df["rank"] = np.where(
        df["passport_year"] <= year, year - df["passport_year"], 1000 + df["passport_year"] - year
    )
    df = df.sort_values(["org_id", "rank"]).drop_duplicates("org_id")
    for f in FIELDS:
        df[f] = pd.to_numeric(df[f], errors="coerce").astype(float)
    return df.drop(columns=["rank"]).reset_index(drop=True)


def context_index(passport: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    """org_id, context (standardised index), and each field's contribution."""
    if passport.empty:
        return pd.DataFrame(columns=["org_id", "context"])
    out = pd.DataFrame({"org_id": passport["org_id"].astype(int)})
    total = np.zeros(len(passport))
    used = 0.0
    for field, weight in m.context_weights.items():
        if not weight or field not in passport:
            continue
        v = passport[field].astype(float)
        if v.notna().sum() < 2:
            continue
        v = v.fillna(v.mean())
        sd = float(v.std(ddof=0)) or 1.0
        contribution = weight * (v - v.mean()) / sd
        out[f"part_{field}"] = contribution.to_numpy()
        total += contribution.to_numpy()
        used += abs(weight)
    sd = float(total.std()) or 1.0
    out["context"] = (total - total.mean()) / sd if used else 0.0
    return out


def staffing(org_ids: list[int]) -> pd.DataFrame:
    """Per school: teachers, share with the highest / first category, mean experience, share
    of young specialists. Aggregates only: no teacher is named or ranked."""
    from django.db.models import Avg, Count, Q

    from msoko.registry.models import StaffMember

    rows = list(
        StaffMember.objects.filter(
            organisation_id__in=org_ids, is_active=True, position=StaffMember.Position.TEACHER
        )
        .values("organisation_id")
        .annotate(
            teachers=Count("pk"),
            highest=Count("pk", filter=Q(category=StaffMember.Category.HIGHEST)),
            first=Count("pk", filter=Q(category=StaffMember.Category.FIRST)),
            young=Count("pk", filter=Q(is_young_specialist=True)),
            experience=Avg("experience_years"),
        )
    )
    if not rows:
        return pd.DataFrame(
            columns=["org_id", "teachers", "qualified_pct", "experience", "young_pct"]
        )
    df = pd.DataFrame(rows).rename(columns={"organisation_id": "org_id"})
    df["qualified_pct"] = 100.0 * (df["highest"] + df["first"]) / df["teachers"]
    df["young_pct"] = 100.0 * df["young"] / df["teachers"]
    df["experience"] = df["experience"].astype(float)
    return df[["org_id", "teachers", "qualified_pct", "experience", "young_pct"]]


def describe(passport_row: dict[str, Any]) -> list[dict[str, Any]]:
    """The passport fields of one school with their labels, for the "why" pages."""
    return [{"field": f, "label": CONTEXT_LABELS[f], "value": passport_row.get(f)} for f in FIELDS]
