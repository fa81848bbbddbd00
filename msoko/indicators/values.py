"""The store of computed indicator values: one Parquet file per catalog and year.

``<DATA_DIR>/indicators/<catalog>/year=<y>/run-<id>-<hex>.parquet``, registered as
``ValueFile``; exactly one active file per catalog and year. A run writes its files first
(``write_pending``), then activates them and deactivates the old ones in one transaction
(``activate``); files no active row names are removed afterwards (``sweep``). A reader only
ever sees whole runs.

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

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from msoko.indicators.models import ComputationRun, ValueFile

SCHEMA = pa.schema(
    [
        pa.field("indicator", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("org_id", pa.int64()),
        pa.field("territory_id", pa.int64()),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("subject", pa.string()),
        pa.field("grade", pa.int16()),
        pa.field("task", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("numerator", pa.float64()),
        pa.field("denominator", pa.float64()),
        pa.field("n", pa.float64()),
        pa.field("source", pa.string()),
        pa.field("batches", pa.string()),
        pa.field("run_id", pa.int64()),
    ]
)
COLUMNS = SCHEMA.names


def root() -> Path:
    return Path(settings.INDICATOR_STORE_DIR)


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly the store's columns and types (absent columns are nulls);
    empty strings in text columns become nulls."""
    out = pd.DataFrame(index=frame.index)
    for name in COLUMNS:
        col = frame[name] if name in frame.columns else pd.Series(None, index=frame.index)
        if name in {"org_id", "territory_id", "run_id", "year", "grade"}:
            col = pd.to_numeric(col, errors="coerce").astype("Int64")
        elif name in {"value", "numerator", "denominator", "n"}:
            col = pd.to_numeric(col, errors="coerce").astype("float64")
        else:
            col = col.astype("string")
            col = col.mask(col == "")
        out[name] = col
    return out


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A conformed frame as an Arrow table of the store's schema."""
    return pa.Table.from_pandas(frame[COLUMNS], schema=SCHEMA, preserve_index=False)


@dataclass
class Pending:
    catalog: str
    year: int
    path: Path
    rows: int


def write_pending(catalog: str, year: int, frame: pd.DataFrame) -> Pending:
    """Write the values of one catalog and year to a new file (not yet visible)."""
    folder = root() / catalog / f"year={year}"
    folder.mkdir(parents=True, exist_ok=True)
    run_id = int(frame["run_id"].iloc[0]) if len(frame) else 0
    final = folder / f"run-{run_id}-{uuid.uuid4().hex[:8]}.parquet"
    table = to_arrow(frame if list(frame.columns) == COLUMNS else conform(frame))
    tmp = final.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression="zstd")
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    tmp.rename(final)
    return Pending(catalog, year, final, table.num_rows)


def activate(run: ComputationRun, pending: list[Pending]) -> None:
    """Make ``pending`` the active files of their catalogs and years (call in a transaction)."""
    base = root()
    for p in pending:
        ValueFile.objects.filter(catalog=p.catalog, year=p.year, is_active=True).update(
            is_active=False
        )
        ValueFile.objects.create(
            run=run,
            catalog=p.catalog,
            year=p.year,
            path=str(p.path.relative_to(base)),
            rows=p.rows,
            is_active=True,
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


def active_paths(catalogs: Iterable[str] | None = None, years: Iterable[int] | None = None) -> list[str]:
    qs = ValueFile.objects.filter(is_active=True)
    if catalogs is not None:
        qs = qs.filter(catalog__in=list(catalogs))
    if years is not None:
        qs = qs.filter(year__in=list(years))
    base = root()
    return [str(base / p) for p in qs.order_by("catalog", "year").values_list("path", flat=True)]


def _query(paths: list[str], where: str, params: list[Any]) -> pd.DataFrame:
    if not paths:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in COLUMNS})
    con = duckdb.connect()
    try:
        sql = f"SELECT * FROM read_parquet(?) WHERE {where}"  # noqa: S608 - where is ours
        table = con.execute(sql, [paths, *params]).fetch_arrow_table()
        return table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    finally:
        con.close()


def read_catalog(catalog: str, years: Iterable[int]) -> pd.DataFrame:
    """Every stored value of a catalog in ``years`` (system use: incremental runs)."""
    return _query(active_paths([catalog], years), "TRUE", [])


def read(
    *,
    org_ids: Iterable[int] | None,
    territory_ids: Iterable[int] | None,
    indicators: Iterable[str] | None = None,
    catalogs: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    levels: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Stored values of the given organisations (school rows) and territories (territory
    rows). ``None`` means no restriction — only for system code; pages pass what the access
    policy allows (see ``api.py``)."""
    clauses: list[str] = []
    params: list[Any] = []
    vis: list[str] = []
    if org_ids is not None:
        vis.append("(level = 'school' AND list_contains(?, org_id))")
        params.append(sorted(int(i) for i in org_ids))
    else:
        vis.append("level = 'school'")
    if territory_ids is not None:
        vis.append("(level <> 'school' AND list_contains(?, territory_id))")
        params.append(sorted(int(i) for i in territory_ids))
    else:
        vis.append("level <> 'school'")
    clauses.append("(" + " OR ".join(vis) + ")")
    if indicators is not None:
        clauses.append("list_contains(?, indicator)")
        params.append(sorted(indicators))
    if levels is not None:
        clauses.append("list_contains(?, level)")
        params.append(sorted(levels))
    df = _query(active_paths(catalogs, years), " AND ".join(clauses), params)
    return df
