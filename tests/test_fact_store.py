"""The Parquet fact store: all-or-nothing batches, the access guard, engine-neutral files."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from msoko.facts import store
from msoko.facts.models import FactFile, ImportBatch
from msoko.facts.store import FactStoreError, OrgScope


def results(world, org, scores, procedure="OGE", year=2024):  # type: ignore[no-untyped-def]
    n = len(scores)
    return pa.table(
        {
            "org_id": [org.pk] * n,
            "year": [year] * n,
            "procedure": [procedure] * n,
            "subject": ["math"] * n,
            "grade": [9] * n,
            "student": [f"s{org.pk}-{i}" for i in range(n)],
            "primary_score": [float(s) for s in scores],
        }
    )


def test_batch_is_written_partitioned_and_registered(world, settings):  # type: ignore[no-untyped-def]
    data = pa.concat_tables(
        [results(world, world.school_a, [10, 20]), results(world, world.school_a, [5], "VPR", 2023)]
    )
    with store.open_batch(kind="student_results", source="test") as w:
        w.write("student_results", data)
    batch = ImportBatch.objects.get()
    assert batch.rows == 3
    files = sorted(FactFile.objects.values_list("table", "procedure_code", "year", "rows"))
    assert files == [("student_results", "OGE", 2024, 2), ("student_results", "VPR", 2023, 1)]
    for f in FactFile.objects.all():
        path = settings.FACT_STORE_DIR / f.path
        assert path.exists()
        assert f"procedure={f.procedure_code}" in f.path and f"year={f.year}" in f.path
        assert pq.read_table(path).column("batch_id").to_pylist() == [batch.pk] * f.rows


def test_scan_only_returns_the_scope(world):  # type: ignore[no-untyped-def]
    with store.open_batch(kind="student_results") as w:
        w.write("student_results", results(world, world.school_a, [10, 20, 30]))
        w.write("student_results", results(world, world.school_b, [1, 2]))
    a_only = store.scan("student_results", scope=OrgScope.of([world.school_a.pk]))
    assert a_only.primary_score.sum().execute() == 60
    assert a_only.count().execute() == 3
    outsider = store.scan("student_results", scope=OrgScope.for_user(world.charlie))
    assert sorted(outsider.primary_score.execute().tolist()) == [1.0, 2.0]
    specialist = store.scan("student_results", scope=OrgScope.for_user(world.bob))
    assert specialist.count().execute() == 5
    nobody = store.scan("student_results", scope=OrgScope.of([]))
    assert nobody.count().execute() == 0
    assert store.DANGEROUS_scan_all("student_results").count().execute() == 5


def test_scan_requires_a_scope_object(world):  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError):
        store.scan("student_results", scope={world.school_a.pk})  # type: ignore[arg-type]


def test_failed_batch_leaves_nothing(world, settings):  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError):
        with store.open_batch(kind="student_results") as w:
            w.write("student_results", results(world, world.school_a, [10]))
            raise RuntimeError("validation failed half-way")
    assert not ImportBatch.objects.exists()
    assert not FactFile.objects.exists()
    assert not list(settings.FACT_STORE_DIR.rglob("*.parquet*"))
    assert store.scan("student_results", scope=OrgScope.for_user(world.bob)).count().execute() == 0


def test_rows_with_missing_keys_are_refused(world):  # type: ignore[no-untyped-def]
    bad = results(world, world.school_a, [1]).drop_columns(["student"])
    with pytest.raises(FactStoreError, match="student"):
        with store.open_batch(kind="student_results") as w:
            w.write("student_results", bad)
    with pytest.raises(FactStoreError, match="Неизвестные столбцы"):
        with store.open_batch(kind="student_results") as w:
            w.write("student_results", results(world, world.school_a, [1]).append_column("x", pa.array([1])))
    assert not ImportBatch.objects.exists()


def test_rolled_back_and_replaced_batches_are_not_read(world):  # type: ignore[no-untyped-def]
    with store.open_batch(kind="student_results") as w:
        w.write("student_results", results(world, world.school_a, [10]))
    with store.open_batch(kind="student_results") as w2:
        w2.write("student_results", results(world, world.school_a, [99]))
    scope = OrgScope.for_user(world.alice)
    assert store.scan("student_results", scope=scope).count().execute() == 2
    ImportBatch.objects.filter(pk=w.batch.pk).update(status=ImportBatch.Status.ROLLED_BACK)
    assert store.scan("student_results", scope=scope).primary_score.execute().tolist() == [99.0]
    assert store.active_paths("student_results") == [
        str(store.store_root() / f.path) for f in w2.batch.files.all()
    ]


def test_orphan_files_are_swept(world, settings):  # type: ignore[no-untyped-def]
    with store.open_batch(kind="student_results") as w:
        w.write("student_results", results(world, world.school_a, [1]))
    stray = settings.FACT_STORE_DIR / "student_results" / "procedure=OGE" / "year=2024" / "x.parquet"
    stray.write_bytes(b"junk")
    assert store.sweep_orphans() == 1
    assert not stray.exists()
    assert store.scan("student_results", scope=OrgScope.for_user(world.alice)).count().execute() == 1


def test_files_use_types_spark_reads(world, settings):  # type: ignore[no-untyped-def]
    """Spark has no unsigned integers; the schema must stay in signed, plain types."""
    with store.open_batch(kind="student_results") as w:
        w.write("student_results", results(world, world.school_a, [1]))
    path = settings.FACT_STORE_DIR / FactFile.objects.get().path
    schema = pq.read_schema(path)
    for field in schema:
        assert not pa.types.is_unsigned_integer(field.type), field
        assert not pa.types.is_dictionary(field.type), field
    assert schema.field("org_id").type == pa.int64()


def test_empty_table_reads_as_empty(world):  # type: ignore[no-untyped-def]
    t = store.scan("task_scores", scope=OrgScope.for_user(world.bob))
    assert t.count().execute() == 0
    assert "score" in t.columns
