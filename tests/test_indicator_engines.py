"""The same definitions on DuckDB and on Spark: identical values, and reviewed SQL.

The equivalence test builds the demo municipality (three years of every procedure, ~0.9 M
fact rows), computes the engine catalog — every kind of formula — and every built-in
catalog on both engines, and requires the same rows with values equal to 1e-9.

The compiled SQL of each catalog and engine is kept under ``tests/snapshots/indicators/``;
a change to the compiler shows up there for review. Regenerate with
``MSOKO_UPDATE_SNAPSHOTS=1 uv run pytest tests/test_indicator_engines.py -k snapshot``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from msoko.indicators import values
from msoko.indicators.catalog import builtin_files, load_text, sync_builtin
from msoko.indicators.compiler import compile_all
from msoko.indicators.compute import compute, load_thresholds
from msoko.indicators.engines import compiled_sql
from msoko.indicators.spec import parse_catalog

HERE = Path(__file__).parent
ENGINE_CATALOG = HERE / "indicators_data" / "engine_catalog.yaml"
SNAPSHOTS = HERE / "snapshots" / "indicators"
KEYS = ["indicator", "level", "org_id", "territory_id", "year", "subject", "grade", "task"]


def _catalog_files() -> list[Path]:
    return [ENGINE_CATALOG, *builtin_files()]


@pytest.mark.parametrize("path", _catalog_files(), ids=lambda p: p.stem)
@pytest.mark.parametrize("dialect", ["duckdb", "pyspark"])
def test_compiled_sql_snapshot(db: Any, path: Path, dialect: str) -> None:
    from msoko.facts.reference import ensure_reference_data
    from msoko.registry.models import AcademicYear

    years = [
        AcademicYear.objects.get_or_create(
            start_year=y,
            defaults={"starts_on": f"{y}-09-01", "ends_on": f"{y + 1}-08-31"},
        )[0]
        for y in (2023, 2024, 2025)
    ]
    ensure_reference_data(years)
    spec = parse_catalog(path.read_text(encoding="utf-8"), known_codes=_all_codes())
    queries = compile_all(spec.indicators, load_thresholds([2023, 2024, 2025]))
    text = "\n\n".join(f"-- {q.name}\n{compiled_sql(q.expr, dialect)};" for q in queries) + "\n"
    target = SNAPSHOTS / f"{path.stem}.{dialect}.sql"
    if os.environ.get("MSOKO_UPDATE_SNAPSHOTS") or not target.exists():
        target.write_text(text, encoding="utf-8")
        if not os.environ.get("MSOKO_UPDATE_SNAPSHOTS"):
            pytest.fail(f"Снимок {target.name} создан: просмотрите и добавьте его в репозиторий")
    assert text == target.read_text(encoding="utf-8"), (
        f"SQL каталога {path.stem} для {dialect} изменился: просмотрите разницу и обновите "
        "снимок (MSOKO_UPDATE_SNAPSHOTS=1)"
    )


def _all_codes() -> set[str]:
    """Codes of every built-in catalog (derived indicators may refer across catalogs)."""
    codes: set[str] = set()
    for path in builtin_files():
        text = path.read_text(encoding="utf-8")
        codes |= {s.code for s in parse_catalog(text, known_codes=codes).indicators}
    return codes


def _frame() -> pd.DataFrame:
    df = values.read(org_ids=None, territory_ids=None)
    df = df.drop(columns=["run_id"])
    for col in ("subject", "task", "batches", "source"):
        df[col] = df[col].fillna("")
    for col in ("org_id", "territory_id", "grade"):
        df[col] = pd.to_numeric(df[col]).fillna(-1).astype("int64")
    return df.sort_values(KEYS).reset_index(drop=True)


@pytest.mark.spark
@pytest.mark.django_db(transaction=True)
def test_duckdb_and_spark_give_identical_values(settings: Any, tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    from msoko.demo.generator import build_demo
    from msoko.indicators.engines import SparkEngine, spark_session

    settings.DATA_DIR = tmp_path
    build_demo(1, "municipality")
    sync_builtin()
    load_text(ENGINE_CATALOG.read_text(encoding="utf-8"), file_name=ENGINE_CATALOG.name)

    compute(engine="duckdb")
    duck = _frame()
    session = spark_session()
    try:
        compute(engine=SparkEngine(session))
        spark = _frame()
    finally:
        session.stop()

    assert len(duck) > 1000
    assert set(duck["indicator"]) >= {"t.ege_220", "t.ege_all_70", "t.vpr_task_share", "t.vpr_participants"}
    assert len(duck) == len(spark)
    pd.testing.assert_frame_equal(
        duck.drop(columns=["value", "numerator", "denominator", "n"]),
        spark.drop(columns=["value", "numerator", "denominator", "n"]),
    )
    for col in ("value", "numerator", "denominator", "n"):
        a, b = duck[col].to_numpy(), spark[col].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), col
        ok = ~np.isnan(a)
        assert np.allclose(a[ok], b[ok], rtol=0, atol=1e-9), col
