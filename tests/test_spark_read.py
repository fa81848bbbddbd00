"""The facts DuckDB reads are the facts Spark reads: the same registered Parquet files."""

from __future__ import annotations

import pyarrow as pa
import pytest

from msoko.facts import store
from msoko.facts.store import OrgScope

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark(tmp_path_factory):  # type: ignore[no-untyped-def]
    pyspark_sql = pytest.importorskip("pyspark.sql")
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("msoko-tests")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_reads_the_same_active_facts(world, spark):  # type: ignore[no-untyped-def]
    def rows(org, scores, year):  # type: ignore[no-untyped-def]
        n = len(scores)
        return pa.table(
            {
                "org_id": [org.pk] * n,
                "year": [year] * n,
                "procedure": ["VPR"] * n,
                "subject": ["math"] * n,
                "grade": [5] * n,
                "student": [f"p{org.pk}{year}{i}" for i in range(n)],
                "task": ["1"] * n,
                "score": scores,
            }
        )

    with store.open_batch(kind="task_scores") as w:
        w.write("task_scores", pa.concat_tables([rows(world.school_a, [1.0, 2.0, 0.5], 2023),
                                                 rows(world.school_b, [1.0], 2024)]))
    with store.open_batch(kind="task_scores") as dropped:
        dropped.write("task_scores", rows(world.school_a, [100.0], 2024))
    dropped.batch.status = "rolled_back"
    dropped.batch.save()

    duck = store.DANGEROUS_scan_all("task_scores")
    duck_by_org = (
        duck.group_by("org_id").aggregate(n=duck.count(), s=duck.score.sum()).order_by("org_id").execute()
    )
    df = spark.read.parquet(*store.active_paths("task_scores"))
    spark_by_org = sorted(
        (r["org_id"], r["n"], r["s"])
        for r in df.groupBy("org_id").agg({"*": "count", "score": "sum"})
        .withColumnRenamed("count(1)", "n").withColumnRenamed("sum(score)", "s").collect()
    )
    assert spark_by_org == [(world.school_a.pk, 3, 3.5), (world.school_b.pk, 1, 1.0)]
    assert [tuple(x) for x in duck_by_org.itertuples(index=False)] == spark_by_org
    # the guard's scope is the same filter on both engines
    scoped = store.scan("task_scores", scope=OrgScope.for_user(world.charlie)).count().execute()
    assert scoped == df.filter(df.org_id == world.school_b.pk).count() == 1
