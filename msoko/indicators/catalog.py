"""Load catalogs into the database: the built-in YAML files and files users upload.

A catalog is validated as a whole (``spec.parse_catalog``) before anything is saved; then its
definitions replace the catalog's previous ones in one transaction. Definitions of other
catalogs that derived indicators refer to must already be loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from msoko.indicators.models import Catalog, IndicatorDefinition
from msoko.indicators.spec import CatalogSpec, SpecError, parse_catalog

BUILTIN_DIR = Path(__file__).resolve().parent / "catalogs"


def builtin_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def _known_codes(exclude_catalog: str) -> set[str]:
    return set(
        IndicatorDefinition.objects.exclude(catalog__code=exclude_catalog).values_list(
            "code", flat=True
        )
    )


@transaction.atomic
def save_catalog(
    spec: CatalogSpec,
    *,
    text: str,
    file_name: str,
    origin: str = Catalog.Origin.BUILTIN,
    user: Any = None,
) -> Catalog:
    """Store a validated catalog, replacing its previous definitions."""
    clash = (
        IndicatorDefinition.objects.filter(code__in=[s.code for s in spec.indicators])
        .exclude(catalog__code=spec.code)
        .values_list("code", "catalog__code")
    )
    problems = [f"показатель «{c}» уже есть в каталоге «{other}»" for c, other in clash]
    if problems:
        raise SpecError(problems)
    catalog, _ = Catalog.objects.update_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "description": spec.description,
            "source": spec.source,
            "origin": origin,
            "file_name": file_name,
            "text": text,
            "order": spec.order,
            "uploaded_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    keep = {s.code for s in spec.indicators}
    catalog.indicators.exclude(code__in=keep).delete()
    for order, ind in enumerate(spec.indicators):
        IndicatorDefinition.objects.update_or_create(
            code=ind.code,
            defaults={
                "catalog": catalog,
                "order": order,
                "section": ind.section,
                "name": ind.name,
                "unit": ind.unit,
                "direction": ind.direction,
                "levels": list(ind.levels),
                "spec": ind.as_dict(),
                "source_document": ind.seed,
                "data_source": ind.data_source,
                "collection_method": ind.collection_method,
                "min_group": ind.min_group,
            },
        )
    return catalog


def load_text(
    text: str, *, file_name: str, origin: str = Catalog.Origin.UPLOADED, user: Any = None
) -> Catalog:
    """Validate and store a catalog given as YAML text (an upload or a file)."""
    try:
        head = yaml.safe_load(text)
    except yaml.YAMLError:
        head = None
    own = head.get("catalog") if isinstance(head, dict) else None
    spec = parse_catalog(text, known_codes=_known_codes(str(own or "")))
    return save_catalog(spec, text=text, file_name=file_name, origin=origin, user=user)


def sync_builtin() -> list[Catalog]:
    """Load every built-in catalog file (in name order: later files may refer to earlier).

    Built-in catalogs ship with the release, like migrations: loading them is not audited
    row by row (a catalog a user uploads is, through ``load_text`` in the web)."""
    from msoko.access.audit import DANGEROUS_unaudited

    with DANGEROUS_unaudited():
        return _sync_builtin()


def _sync_builtin() -> list[Catalog]:
    out = []
    for path in builtin_files():
        text = path.read_text(encoding="utf-8")
        same = Catalog.objects.filter(
            file_name=path.name, origin=Catalog.Origin.BUILTIN, text=text
        ).first()
        if same is not None:
            # unchanged since the last sync: nothing to write (and nothing to audit)
            out.append(same)
            continue
        try:
            out.append(
                load_text(text, file_name=path.name, origin=Catalog.Origin.BUILTIN)
            )
        except SpecError as exc:
            raise SpecError([f"{path.name}: {p}" for p in exc.problems]) from None
    return out
