"""The store of computed indicator values: Parquet files per catalog, year and part.

``<DATA_DIR>/indicators/<catalog>/year=<y>/run-<id>-<part>-<hex>.parquet``, registered as
``ValueFile``; exactly one active file per catalog, year and part. The parts are
``territories`` (municipality and region rows) and ``schools-<territory>`` (the school rows
of one municipality): one school's new batch rewrites two small files, not the region.
A run writes its files first (``write_pending``), then activates them and deactivates the
old ones in one transaction (``activate``); files no active row names are removed
afterwards (``sweep``). A reader only ever sees whole runs.

Every read names a scope, like the facts: school rows are filtered by the organisations the
user may see; territory rows (municipality, region) are aggregates and are visible to anyone
who may see the territory or a school in it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from django.conf import settings

from msoko.indicators.models import ComputationRun, ValueFile

# text columns are dictionary-encoded: a few distinct values over millions of rows
TEXT = pa.dictionary(pa.int32(), pa.string())
SCHEMA = pa.schema(
    [
        pa.field("indicator", TEXT, nullable=False),
        pa.field("level", TEXT, nullable=False),
        pa.field("org_id", pa.int64()),
        pa.field("territory_id", pa.int64()),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("subject", TEXT),
        pa.field("grade", pa.int16()),
        pa.field("task", TEXT),
        pa.field("value", pa.float64()),
        pa.field("numerator", pa.float64()),
        pa.field("denominator", pa.float64()),
        pa.field("n", pa.float64()),
        pa.field("source", TEXT),
        pa.field("batches", TEXT),
        pa.field("run_id", pa.int64()),
    ]
)
COLUMNS = SCHEMA.names
DICTIONARY = [f.name for f in SCHEMA if f.type == TEXT] + ["org_id", "territory_id", "year", "grade", "run_id"]
FILTERED = ["indicator", "level", "org_id", "territory_id", "year"]


def root() -> Path:
    return Path(settings.INDICATOR_STORE_DIR)


TERRITORIES = "territories"


def school_part(territory_id: int | None) -> str:
    """The part holding the school rows of organisations of one territory."""
    return f"schools-{territory_id}" if territory_id is not None else "schools-none"


@dataclass
class Pending:
    catalog: str
    year: int
    part: str
    path: Path
    rows: int


def write_pending(catalog: str, year: int, part: str, table: pa.Table) -> Pending:
    """Write the values of one catalog, year and part to a new file (not yet visible)."""
    folder = root() / catalog / f"year={year}"
    folder.mkdir(parents=True, exist_ok=True)
    run_id = int(table.column("run_id")[0].as_py() or 0) if table.num_rows else 0
    final = folder / f"run-{run_id}-{part}-{uuid.uuid4().hex[:8]}.parquet"
    tmp = final.with_suffix(".parquet.tmp")
    pq.write_table(
        table.select(COLUMNS).cast(SCHEMA),
        tmp,
        compression="zstd",
        # dictionary pages for text and ids; statistics for the columns reads filter on
        use_dictionary=DICTIONARY,
        write_statistics=FILTERED,
    )
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    tmp.rename(final)
    return Pending(catalog, year, part, final, table.num_rows)


def activate(
    run: ComputationRun, pending: list[Pending], *, replace_all: Iterable[tuple[str, int]] = ()
) -> None:
    """Make ``pending`` the active files of their catalogs, years and parts (call in a
    transaction). For the (catalog, year) pairs of ``replace_all`` (a full run) every active
    part is replaced, also a part the run no longer has."""
    base = root()
    replaced = set(replace_all)
    for catalog, year in replaced:
        ValueFile.objects.filter(catalog=catalog, year=year, is_active=True).update(is_active=False)
    for p in pending:
        if (p.catalog, p.year) in replaced:
            continue  # nothing of it is active any more
        ValueFile.objects.filter(
            catalog=p.catalog, year=p.year, part=p.part, is_active=True
        ).update(is_active=False)
    ValueFile.objects.bulk_create(
        [
            ValueFile(
                run=run,
                catalog=p.catalog,
                year=p.year,
                part=p.part,
                path=str(p.path.relative_to(base)),
                rows=p.rows,
                is_active=True,
            )
            for p in pending
        ]
    )


def sweep() -> int:
    """Remove value files that are no longer active (older runs, failed runs)."""
    base = root()
    if not base.exists():
        return 0
    ValueFile.objects.filter(is_active=False).delete()
    known = set(ValueFile.objects.values_list("path", flat=True))
    removed = 0
    for path in base.rglob("*.parquet*"):
        if str(path.relative_to(base)) not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def read_parts(
    catalog: str,
    years: Iterable[int],
    parts: Iterable[str] | None,
    *,
    exclude: Iterable[str] = (),
    indicators: Iterable[str] | None = None,
    frame: bool = True,
) -> Any:
    """The stored rows of some parts of a catalog (``None``: every part but ``exclude``) —
    system use: incremental runs. A pandas frame, or with ``frame=False`` an Arrow table."""
    qs = ValueFile.objects.filter(is_active=True, catalog=catalog, year__in=list(years))
    if parts is not None:
        qs = qs.filter(part__in=list(parts))
    qs = qs.exclude(part__in=list(exclude))
    base = root()
    paths = [str(base / p) for p in qs.order_by("year", "part").values_list("path", flat=True)]
    where = None if indicators is None else ds.field("indicator").isin(sorted(indicators))
    return _query(paths, where, frame=frame)


def active_paths(
    catalogs: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    parts: Iterable[str] | None = None,
) -> list[str]:
    """The active value files (of some catalogs, years and parts; files written before the
    store had parts, part "", hold every row and are always included)."""
    qs = ValueFile.objects.filter(is_active=True)
    if catalogs is not None:
        qs = qs.filter(catalog__in=list(catalogs))
    if years is not None:
        qs = qs.filter(year__in=list(years))
    if parts is not None:
        qs = qs.filter(part__in=[*parts, ""])
    base = root()
    return [str(base / p) for p in qs.order_by("catalog", "year", "part").values_list("path", flat=True)]


PLAIN = pa.schema([pa.field(f.name, pa.string() if f.type == TEXT else f.type) for f in SCHEMA])


def _query(
    paths: list[str],
    where: ds.Expression | None,
    *,
    frame: bool = True,
    columns: list[str] | None = None,
    categorical: bool = False,
) -> Any:
    """Rows of ``paths`` that ``where`` selects (only ``columns``, if given): a pandas frame,
    text as ``StringDtype`` (or, with ``categorical``, as categoricals, which skips turning
    millions of dictionary codes into strings), or with ``frame=False`` Arrow, text as plain
    strings."""
    stored = SCHEMA if columns is None else pa.schema([SCHEMA.field(c) for c in columns])
    if not paths:
        table = stored.empty_table()
    else:
        dataset = ds.dataset(paths, format="parquet", schema=SCHEMA)
        table = dataset.to_table(columns=columns, filter=where)
    if frame and categorical:
        return table.to_pandas()
    table = table.cast(pa.schema([PLAIN.field(c) for c in stored.names]))
    if not frame:
        return table
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)


def read(
    *,
    org_ids: Iterable[int] | None,
    territory_ids: Iterable[int] | None,
    indicators: Iterable[str] | None = None,
    catalogs: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    levels: Iterable[str] | None = None,
    columns: Iterable[str] | None = None,
    categorical: bool = False,
    breakdown: tuple[str | None, int | None, str | None] | None = None,
) -> pd.DataFrame:
    """Stored values of the given organisations (school rows) and territories (territory
    rows); every column, or only ``columns``; text as strings or, with ``categorical``, as
    categoricals (for reads of millions of rows); with ``breakdown``, only the values of one
    (subject, grade, task), ``None`` in it meaning «no such breakdown». ``None`` means no
    restriction — only for system code; pages pass what the access policy allows (see
    ``api.py``)."""
    f = ds.field
    school = f("level") == "school"
    if org_ids is not None:
        school = school & f("org_id").isin(sorted(int(i) for i in org_ids))
    territory = f("level") != "school"
    if territory_ids is not None:
        territory = territory & f("territory_id").isin(sorted(int(i) for i in territory_ids))
    where = school | territory
    if indicators is not None:
        where = where & f("indicator").isin(sorted(indicators))
    if levels is not None:
        where = where & f("level").isin(sorted(levels))
    if breakdown is not None:
        for name, want in zip(("subject", "grade", "task"), breakdown, strict=True):
            where = where & (f(name).is_null() if want is None or want == "" else f(name) == want)
    wanted = None if columns is None else [c for c in COLUMNS if c in set(columns)]
    if catalogs is None and indicators is not None:
        catalogs = _catalogs_of(indicators)
    paths = active_paths(catalogs, years, _parts(org_ids, levels))
    return _query(paths, where, columns=wanted, categorical=categorical)


def _catalogs_of(indicators: Iterable[str]) -> list[str]:
    """The catalogs that hold ``indicators`` (a code is unique across catalogs): a read of a
    few indicators opens only their catalogs' files (at region scale, opening every
    catalog's hundreds of files cost most of a page's time)."""
    from msoko.indicators.models import IndicatorDefinition

    return sorted(
        set(IndicatorDefinition.objects.filter(code__in=list(indicators)).values_list("catalog__code", flat=True))
    )


def _parts(org_ids: Iterable[int] | None, levels: Iterable[str] | None) -> set[str] | None:
    """The parts a read needs (``None``: every part): the territories part if territory
    rows are read, and the school parts of the organisations' municipalities if school rows
    are (a school's rows are in the part of the municipality it belonged to when last
    computed)."""
    wanted = None if levels is None else set(levels)
    need_school = wanted is None or "school" in wanted
    if need_school and org_ids is None:
        return None
    parts: set[str] = set()
    if need_school:
        from msoko.registry.models import Organisation

        ids = sorted({int(i) for i in org_ids or ()})
        parts |= {
            school_part(t)
            for t in Organisation.objects.filter(pk__in=ids).values_list("territory_id", flat=True).distinct()
        }
    if wanted is None or wanted - {"school"}:
        parts.add(TERRITORIES)
    return parts
