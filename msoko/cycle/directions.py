"""The 8 directions (seed 001 §3.4) and the default self-assessment checklist, loaded from
``seed_data/directions.yaml`` once (idempotent: a direction or criterion a user changed is
left as it is)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

SEED_DATA = Path(__file__).parent / "seed_data"


@cache
def directions_data() -> dict[str, Any]:
    with open(SEED_DATA / "directions.yaml", encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def ensure_directions() -> list[Any]:
    """The 8 directions, created with their default checklist when missing."""
    from msoko.cycle.models import ChecklistItem, Direction

    existing = list(Direction.objects.order_by("number"))
    if len(existing) >= 8 and ChecklistItem.objects.exists():
        return existing
    data = directions_data()
    for d in data["directions"]:
        Direction.objects.get_or_create(
            number=d["number"],
            defaults={
                "name": d["name"],
                "short_name": d["short_name"],
                "keywords": d.get("keywords", []),
                "indicator_section": d["name"],
            },
        )
    if not ChecklistItem.objects.exists():
        for k, item in enumerate(data["checklist"], start=1):
            ChecklistItem.objects.create(
                direction=None,
                stage=item.get("stage", ""),
                order=k,
                text=item["text"],
                source=data.get("source_checklist", ""),
            )
    return list(Direction.objects.order_by("number"))
