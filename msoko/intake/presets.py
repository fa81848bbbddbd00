"""Column mappings shipped with msoko (``presets/*.json``): loaded into ``ColumnMapping`` so a
user sees them, uses them by name (``--mapping``) and can edit them in the admin."""

from __future__ import annotations

import json
from pathlib import Path

from msoko.intake.headers import norm, signature
from msoko.intake.models import ColumnMapping

PRESETS_DIR = Path(__file__).parent / "presets"


def ensure_presets() -> None:
    """Create the shipped mappings that are not in the database yet (edits are kept)."""
    for path in sorted(PRESETS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if ColumnMapping.objects.filter(name=data["name"]).exists():
            continue
        ColumnMapping.objects.create(
            name=data["name"],
            kind=data["kind"],
            signature=signature(data["headers"]),
            columns={norm(h): f for h, f in data["columns"].items()},
            note=data.get("note", ""),
            is_preset=True,
        )


def original_headers(name: str) -> dict[str, str]:
    """A shipped preset's headers as the source spells them (normalised → original), so a
    message names «PASSES_OVER_220», not its normalised form; {} for a user's own mapping."""
    for path in sorted(PRESETS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("name") == name:
            return {norm(h): h for h in data.get("headers", [])}
    return {}
