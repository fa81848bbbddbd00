"""The fact store: append-only import batches as Parquet files, read through a guard.

Layout (docs/adr/0002-fact-store.md)::

    <FACT_STORE_DIR>/<table>/procedure=<code>/year=<start year>/batch-<id>-<n>.parquet

A file is written to a temporary name, flushed and renamed, then registered as a
``FactFile`` in the same transaction as its ``ImportBatch``; a file that is not registered
to an active batch is never read. Readers get an Ibis table over DuckDB (the embedded
default); ``active_paths`` gives the same files to Spark.

Every read goes through ``scan`` with an ``OrgScope`` - the organisations the asking user
may see - and the guard filters the scan by them before anything else is composed on top
(PostHog's ``team_id_guard_for_table``). The unscoped read is named ``DANGEROUS_scan_all``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction

from msoko.facts.models import FactFile, ImportBatch
from msoko.facts.schema import TABLES
from msoko.ops import storelock
from msoko.ops.crash import crash_point

# rows per Parquet row group: large enough for fast scans, small enough that a read of one
# school (an incremental recomputation) skips most of a region-wide file
ROW_GROUP_ROWS = 1 << 18


class FactStoreError(Exception):
    """A fact table or a batch that cannot be written as asked."""


@dataclass(frozen=True)
class OrgScope:
    """The organisations a read may touch. Built from the permission policy, never by hand
    in views: ``OrgScope.for_user(request.user)``."""

    org_ids: frozenset[int]

    @classmethod
    def for_user(cls, user: Any) -> OrgScope:
        from msoko.access.policy import visible_org_ids

        return cls(visible_org_ids(user))

    @classmethod
    def of(cls, org_ids: Iterable[int]) -> OrgScope:
        return cls(frozenset(int(i) for i in org_ids))


def store_root() -> Path:
    return Path(settings.FACT_STORE_DIR)


def _conform(table_name: str, data: pa.Table) -> pa.Table:
    """Cast ``data`` to the table's schema, filling absent nullable columns with nulls."""
    schema = TABLES[table_name]
    unknown = set(data.column_names) - set(schema.names)
    if unknown:
        raise FactStoreError(f"Неизвестные столбцы таблицы {table_name}: {sorted(unknown)}")
    columns = []
    for field in schema:
        if field.name in data.column_names:
            col = data.column(field.name).cast(field.type)
        elif field.nullable:
            col = pa.nulls(data.num_rows, field.type)
        else:
            raise FactStoreError(f"Нет обязательного столбца {field.name} в таблице {table_name}")
        if not field.nullable and col.null_count:
            raise FactStoreError(f"Пустые значения в обязательном столбце {field.name}")
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=schema)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks (fact files and imported files alike)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class BatchWriter:
    """Writes the fact files of one open batch; see ``open_batch``."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self.paths: list[Path] = []
        self.rows = 0

    def write(self, table: str, data: pa.Table) -> list[FactFile]:
        """Append ``data`` (rows of one fact table): one file per procedure and year."""
        if table not in TABLES:
            raise FactStoreError(f"Неизвестная таблица фактов: {table}")
        if data.num_rows == 0:
            return []
        if "batch_id" in data.column_names:
            data = data.drop_columns(["batch_id"])
        data = data.append_column(
            "batch_id", pa.array([self.batch.pk] * data.num_rows, pa.int64())
        )
        data = _conform(table, data)
        root = store_root()
        keys = data.select(["procedure", "year"]).group_by(["procedure", "year"]).aggregate([])
        written: list[FactFile] = []
        for procedure, year in zip(
            keys.column("procedure").to_pylist(), keys.column("year").to_pylist(), strict=True
        ):
            mask = pc.and_(
                pc.equal(data.column("procedure"), procedure), pc.equal(data.column("year"), year)
            )
            # clustered by organisation: a school's rows sit together, so aggregates by
            # organisation hash with locality (about 2× faster at region scale) and a read of
            # one school skips the row groups of the others by their statistics
            part = data.filter(mask).sort_by([("org_id", "ascending")])
            folder = root / table / f"procedure={procedure}" / f"year={year}"
            folder.mkdir(parents=True, exist_ok=True)
            final = folder / f"batch-{self.batch.pk}-{uuid.uuid4().hex[:8]}.parquet"
            tmp = final.with_suffix(".parquet.tmp")
            pq.write_table(part, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            tmp.rename(final)
            self.paths.append(final)
            written.append(
                FactFile(
                    batch=self.batch,
                    table=table,
                    procedure_code=str(procedure),
                    year=int(year),
                    path=str(final.relative_to(root)),
                    rows=part.num_rows,
                    sha256=file_sha256(final),
                )
            )
        FactFile.objects.bulk_create(written)
        self.rows += data.num_rows
        return written


@contextlib.contextmanager
def open_batch(**fields: Any) -> Iterator[BatchWriter]:
    """Create an ``ImportBatch`` and write its facts, all or nothing.

    The batch row, its ``FactFile`` rows and the files commit together; on any error the
    transaction rolls back and the files written so far are deleted, so a reader never sees
    half a batch (it reads only files registered to an active batch in any case).
    """
    writer: BatchWriter | None = None
    try:
        # the store lock, shared, until the batch commits: a sweep in another process must
        # not take its files for a crash's orphans (msoko.ops.storelock)
        with storelock.writing(), transaction.atomic():
            batch = ImportBatch.objects.create(**fields)
            writer = BatchWriter(batch)
            yield writer
            batch.rows = writer.rows
            batch.save(update_fields=["rows"])
            crash_point("facts.before_commit")
    except BaseException:
        if writer is not None:
            for path in writer.paths:
                path.unlink(missing_ok=True)
        raise


def sweep_orphans() -> int:
    """Delete Parquet files that no batch registers (left by a crash or a rolled-back import).

    Call it holding the store lock exclusive (``msoko.ops.storelock.sweep_stores``): the
    files of a batch being written in another process are not registered before it commits."""
    root = store_root()
    if not root.exists():
        return 0
    known = set(FactFile.objects.values_list("path", flat=True))
    removed = 0
    for path in root.rglob("*.parquet*"):
        rel = str(path.relative_to(root))
        if rel not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def active_files(
    table: str,
    *,
    procedures: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
) -> list[FactFile]:
    qs = FactFile.objects.filter(table=table, batch__status=ImportBatch.Status.ACTIVE)
    if procedures is not None:
        qs = qs.filter(procedure_code__in=list(procedures))
    if years is not None:
        qs = qs.filter(year__in=list(years))
    return list(qs.order_by("pk"))


def active_paths(table: str, **filters: Any) -> list[str]:
    """Absolute paths of the active files of ``table``: what DuckDB or Spark should read."""
    root = store_root()
    return [str(root / f.path) for f in active_files(table, **filters)]


def connect() -> ibis.BaseBackend:
    """An in-process DuckDB connection through Ibis (the embedded default engine)."""
    return ibis.duckdb.connect()


def _read(
    con: ibis.BaseBackend, table: str, procedures: Any, years: Any
) -> ibis.expr.types.Table:
    paths = active_paths(table, procedures=procedures, years=years)
    if not paths:
        return ibis.memtable(TABLES[table].empty_table())
    # the partition folders (year=2024) must not become columns: they would shadow the
    # files' own typed ``year`` and ``procedure``
    return con.read_parquet(paths, union_by_name=True, hive_partitioning=False)


def scan(
    table: str,
    *,
    scope: OrgScope,
    con: ibis.BaseBackend | None = None,
    procedures: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
) -> ibis.expr.types.Table:
    """The active facts of ``table`` that ``scope`` may see, as an Ibis table."""
    if not isinstance(scope, OrgScope):
        raise TypeError("scan() needs an OrgScope built from the permission policy")
    if table not in TABLES:
        raise FactStoreError(f"Неизвестная таблица фактов: {table}")
    t = _read(con or connect(), table, procedures, years)
    ids = sorted(scope.org_ids)
    if not ids:
        return t.filter(ibis.literal(False))
    # the organisations as a small table (``org_id IN (SELECT …)``): a region's thousand ids
    # as literals made every query's compilation take a tenth of a second or more
    allowed = ibis.memtable(pa.table({"org_id": pa.array(ids, pa.int64())}))
    return t.filter(t.org_id.isin(allowed.org_id))


def DANGEROUS_scan_all(  # noqa: N802 - the name is the warning
    table: str,
    *,
    con: ibis.BaseBackend | None = None,
    procedures: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
) -> ibis.expr.types.Table:
    """Every active fact of ``table``, unscoped: only for system jobs that store results which
    are themselves read through the policy (indicator computation, the demo)."""
    if table not in TABLES:
        raise FactStoreError(f"Неизвестная таблица фактов: {table}")
    return _read(con or connect(), table, procedures, years)
