"""Engines that run the compiled indicator queries: DuckDB in process (the default) and
Apache Spark (local mode in the tests; a cluster when ``MSOKO_SPARK_MASTER`` says so).

Both bind the unbound fact tables of ``compiler.py`` to the same registered Parquet files
(``facts.store.active_paths``) and return Arrow tables with the same columns and types.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Protocol

import ibis
import ibis.backends.duckdb  # noqa: F401 - the default engine: loaded with the module, not per run
import ibis.expr.types as ir
import pyarrow as pa

from msoko.facts.schema import TABLES


class Engine(Protocol):
    name: str

    def bind(self, table: str, paths: list[str]) -> None: ...

    def register(self, name: str, table: pa.Table) -> None: ...

    def execute(self, expr: ir.Table) -> pa.Table: ...

    def dialect(self) -> str: ...


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.con = ibis.duckdb.connect(**config)

    def bind(self, table: str, paths: list[str]) -> None:
        raw = self.con.con
        # ``table`` is a key of facts.schema.TABLES and ``paths`` are the store's own files
        # (quoted); a view's query cannot take parameters
        if table not in TABLES:
            raise ValueError(table)
        if paths:
            files = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
            raw.execute(
                f'CREATE OR REPLACE VIEW "{table}" AS SELECT * FROM read_parquet([{files}], '  # noqa: S608
                "union_by_name = true, hive_partitioning = false)"
            )
        else:
            raw.register(f"_empty_{table}", TABLES[table].empty_table())
            raw.execute(f'CREATE OR REPLACE VIEW "{table}" AS SELECT * FROM "_empty_{table}"')  # noqa: S608

    def register(self, name: str, table: pa.Table) -> None:
        """A small table the queries read beside the facts (``compiler.TASK_MAXIMA``,
        ``compiler.ORG_TERRITORY``)."""
        self.con.con.register(name, table)

    def execute(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def dialect(self) -> str:
        return "duckdb"


def spark_session() -> Any:
    """A Spark session: local (two cores, no UI, a temporary warehouse) unless
    ``MSOKO_SPARK_MASTER`` names a cluster."""
    from pyspark.sql import SparkSession

    master = os.environ.get("MSOKO_SPARK_MASTER", "local[2]")
    warehouse = os.environ.get("MSOKO_SPARK_WAREHOUSE") or tempfile.mkdtemp(prefix="msoko-spark-")
    return (
        SparkSession.builder.master(master)
        .appName("msoko-indicators")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", os.environ.get("MSOKO_SPARK_PARTITIONS", "4"))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


class SparkEngine:
    name = "spark"

    def __init__(self, session: Any | None = None) -> None:
        self.session = session or spark_session()
        self.con = ibis.pyspark.connect(self.session)

    def bind(self, table: str, paths: list[str]) -> None:
        from pyspark.sql.pandas.types import from_arrow_schema

        schema = from_arrow_schema(TABLES[table])
        if paths:
            df = self.session.read.schema(schema).parquet(*paths)
        else:
            df = self.session.createDataFrame([], schema)
        df.createOrReplaceTempView(table)

    def register(self, name: str, table: pa.Table) -> None:
        from pyspark.sql.pandas.types import from_arrow_schema

        rows = [tuple(r.values()) for r in table.to_pylist()]
        self.session.createDataFrame(rows, from_arrow_schema(table.schema)).createOrReplaceTempView(name)

    def execute(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def dialect(self) -> str:
        return "pyspark"


def make_engine(name: str = "duckdb", **kwargs: Any) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(**kwargs)
    if name == "spark":
        return SparkEngine(**kwargs)
    raise ValueError(f"Неизвестный движок расчёта: {name} (есть duckdb и spark)")


def compiled_sql(expr: ir.Table, dialect: str) -> str:
    """The SQL an engine runs for ``expr`` (for the reviewed snapshots)."""
    if dialect == "pyspark":
        # registers the backend's options that its compiler reads
        _ = ibis.pyspark
    return str(ibis.to_sql(expr, dialect=dialect))
