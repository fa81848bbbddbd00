"""What the headline ВПР indicators cannot cost less than, next to the plain scan.

    uv run python benchmarks/headline_floor.py [--size 1.0] [--keep DIR]

Issue 4 asks for the headline ВПР indicators in ≤ 4× one plain scan of the same fact columns
(``benchmarks/indicators.py`` measures that ratio). This benchmark splits the headline into
the parts that no post-processing can remove, timed one after the other in one fresh
process (as the headline runs them; the scan has a fresh process of its own):

* ``scan`` — the plain scan, the baseline (the same code as ``indicators.py``);
* ``queries`` — the engine's queries of the headline catalog, exactly as ``msoko compute``
  compiles and runs them (66.5 M task-score rows into 2.68 M groups, plus the results),
  to Arrow, with nothing done to their rows;
* ``persist`` — writing the catalog's values (2.8 M rows: schools, municipalities, region)
  as the value store does: one file per year and part, by the same thread pool;
* ``read_back`` — reading the school values back and taking the year-over-year change,
  the last step of the headline in ``indicators.py``;
* ``headline`` — the whole headline, as ``indicators.py`` measures it;
* ``task_sums`` / ``queries_on_sums`` — for comparison, task-score sums kept per batch (what
  an import could store) and the task query over them.

The floor is queries + persist + read back: the headline with post-processing that costs
nothing. Prints a table; the last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import indicators as bench  # noqa: E402 - the region and the phases of the main benchmark


def phase_queries() -> dict[str, Any]:
    from msoko.facts import store
    from msoko.indicators.compiler import ORG_TERRITORY, TASK_MAXIMA, compile_all
    from msoko.indicators.compute import Geography, load_specs, load_thresholds, task_maxima
    from msoko.indicators.engines import make_engine

    specs = load_specs(["bench_headline"])["bench_headline"]
    years = list(bench.YEARS)
    engine = make_engine("duckdb")
    started = time.perf_counter()
    queries = compile_all(specs, load_thresholds(years), years=years)
    engine.register(TASK_MAXIMA, task_maxima())
    engine.register(ORG_TERRITORY, Geography.load().org_territory())
    bound: set[str] = set()
    rows = 0
    for q in queries:
        if q.table not in bound:
            root = store.store_root()
            engine.bind(q.table, [str(root / f.path) for f in store.active_files(q.table, years=years)])
            bound.add(q.table)
        rows += engine.execute(q.expr).num_rows
    return {"seconds": time.perf_counter() - started, "rows": rows}


def phase_persist() -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.parquet as pq

    from msoko.indicators import values
    from msoko.indicators.models import ValueFile

    files = ValueFile.objects.filter(is_active=True, catalog="bench_headline")
    tables = [(f.year, f.part, pq.read_table(values.root() / f.path, schema=values.SCHEMA)) for f in files]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:  # as compute writes them
        written = list(pool.map(lambda t: values.write_pending("bench_floor", *t), tables))
    seconds = time.perf_counter() - started
    shutil.rmtree(values.root() / "bench_floor")
    return {"seconds": seconds, "rows": sum(p.rows for p in written), "files": len(written)}


def phase_read_back() -> dict[str, Any]:
    started = time.perf_counter()
    wide, _change, tasks = bench._headline_frames()
    return {"seconds": time.perf_counter() - started, "rows": int(len(wide) + len(tasks))}


def phase_task_sums() -> dict[str, Any]:
    """Task-score sums per batch, as an import could keep them, then the task query on them."""
    import duckdb

    from msoko.facts.models import FactFile, ImportBatch
    from msoko.facts.store import store_root

    out = Path(tempfile.mkdtemp(prefix="msoko-task-sums-"))
    con = duckdb.connect()
    by_batch: dict[int, list[str]] = {}
    for f in FactFile.objects.filter(table="task_scores", batch__status=ImportBatch.Status.ACTIVE):
        by_batch.setdefault(f.batch_id, []).append(str(store_root() / f.path))
    started = time.perf_counter()
    for batch, paths in by_batch.items():
        target = out / f"{batch}.parquet"  # our own temporary folder and a batch id
        sums = (
            "SELECT org_id, year, procedure, subject, grade, task, sum(CAST(score AS DOUBLE)) AS s, "
            "count(score) AS c FROM read_parquet(?) GROUP BY ALL"
        )
        con.execute(f"COPY ({sums}) TO '{target}' (FORMAT parquet)", [paths])  # noqa: S608
    build = time.perf_counter() - started
    started = time.perf_counter()
    rows = con.execute(
        "SELECT org_id, year, subject, grade, task, sum(s) AS n0, sum(c) AS c0 FROM read_parquet(?) "
        "WHERE procedure = 'VPR' GROUP BY ALL",
        [str(out / "*.parquet")],
    ).to_arrow_table().num_rows
    query = time.perf_counter() - started
    shutil.rmtree(out)
    return {"seconds": build, "query_s": query, "rows": rows, "batches": len(by_batch)}


def phase_floor() -> dict[str, Any]:
    """The three parts in one process, in the headline's order (as warm as it is)."""
    return {"queries": phase_queries(), "persist": phase_persist(), "read_back": phase_read_back()}


PHASES = {
    "scan": bench.phase_scan,
    "floor": phase_floor,
    "headline": bench.phase_headline,
    "task_sums": phase_task_sums,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=float, default=1.0, help="доля от 400 000 учеников")
    parser.add_argument("--keep", help="папка данных (по умолчанию временная)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = args.keep or tempfile.mkdtemp(prefix="msoko-floor-bench-")
    bench._django(data_dir)
    if args.phase:
        result = PHASES[args.phase]()
        result["peak_rss_mib"] = round(bench._rss_mib(), 1)
        print(json.dumps(result, default=str))
        return
    built = bench.generate(args.size)
    figures: dict[str, dict[str, Any]] = {}
    # the headline first: it defines the catalog and stores the values the others read
    for name in ("headline", "scan", "floor", "task_sums"):
        figures[name] = bench.run_phase(name, data_dir, script=__file__)
    parts = figures.pop("floor")
    floor_rss = parts.pop("peak_rss_mib")  # the three parts share one process
    figures.update(parts)
    scan = figures["scan"]["seconds"]
    floor = figures["queries"]["seconds"] + figures["persist"]["seconds"] + figures["read_back"]["seconds"]
    print(f"Region: {bench.SCHOOLS} schools, {built['students']:,} students; "
          f"{built['task_rows']:,} task-score rows + {built['result_rows']:,} result rows")
    fact_rows = built["task_rows"] + built["result_rows"]
    values = figures["persist"]["rows"]
    print(f"{'part':46} {'time, s':>8} {'rows/s':>13} {'peak RSS, MiB':>14} {'× scan':>7}")
    lines = [
        ("plain scan (baseline)", scan, fact_rows, figures["scan"]["peak_rss_mib"]),
        ("queries of the headline catalog, to Arrow", figures["queries"]["seconds"], fact_rows, floor_rss),
        ("writing its values (store layout, 8 threads)", figures["persist"]["seconds"], values, floor_rss),
        ("reading them back + year-over-year change", figures["read_back"]["seconds"],
         figures["read_back"]["rows"], floor_rss),
        ("floor: the three above", floor, fact_rows, floor_rss),
        ("the whole headline (as indicators.py)", figures["headline"]["seconds"], fact_rows,
         figures["headline"]["peak_rss_mib"]),
        ("post-processing (headline − floor)", figures["headline"]["seconds"] - floor, None, None),
        ("task sums kept per batch: building them", figures["task_sums"]["seconds"], built["task_rows"],
         figures["task_sums"]["peak_rss_mib"]),
        ("task query over those sums", figures["task_sums"]["query_s"], figures["task_sums"]["rows"],
         figures["task_sums"]["peak_rss_mib"]),
    ]
    for name, seconds, n, rss in lines:
        rate = f"{n / seconds:,.0f}" if n and seconds > 0 else "—"
        memory = f"{rss:,.0f}" if rss else "—"
        print(f"{name:46} {seconds:8.2f} {rate:>13} {memory:>14} {seconds / scan:6.2f}×")
    print(json.dumps({
        "fact_rows": fact_rows,
        "scan_s": round(scan, 2),
        "queries_s": round(figures["queries"]["seconds"], 2),
        "persist_s": round(figures["persist"]["seconds"], 2),
        "read_back_s": round(figures["read_back"]["seconds"], 2),
        "floor_s": round(floor, 2),
        "floor_to_scan_ratio": round(floor / scan, 2),
        "headline_s": round(figures["headline"]["seconds"], 2),
        "headline_to_scan_ratio": round(figures["headline"]["seconds"] / scan, 2),
        "task_sums_build_s": round(figures["task_sums"]["seconds"], 2),
        "task_query_on_sums_s": round(figures["task_sums"]["query_s"], 2),
        "peak_rss_mib": max(floor_rss, *(figures[p]["peak_rss_mib"] for p in ("headline", "scan", "task_sums"))),
    }))


if __name__ == "__main__":
    main()
