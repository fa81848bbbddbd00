"""Benchmark of the indicator engine at region scale.

    uv run python benchmarks/indicators.py [--size 1.0] [--keep DIR]

Builds, in a data folder of its own, a region of 1,000 schools in 40 municipalities with
400,000 students over three years: ВПР in grades 4–8 (Russian, mathematics and two more
subjects per student, 30–34 tasks each: about 70 million task-score rows at ``--size 1``)
plus ОГЭ and ЕГЭ. ``--size 0.1`` scales the students (and so every row count) down for a
quick run. Then, each phase in a fresh process so that its peak memory is its own:

* ``all_catalogs`` — every shipped catalog computed from scratch (``msoko compute``);
* ``headline`` — the headline ВПР indicators by the engine: per school, year and subject
  the participants, mean primary score, share of marks 4–5, share of 2 and the
  year-over-year change, and per task the share of the maximum score;
* ``scan`` — one plain scan of the same fact columns by the same engine (DuckDB): the
  baseline of the headline figure;
* ``pandas`` — the same headline indicators written directly in pandas (Parquet read with
  pyarrow into categoricals, groupby), checked to give the same figures;
* ``incremental`` — one school's new ВПР batch, then the recomputation it triggers.

Prints a table; the last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEARS = (2023, 2024, 2025)
MUNICIPALITIES = 40
SCHOOLS = 1000
STUDENTS = 400_000
VPR_GRADES = (4, 5, 6, 7, 8)
EXTRA = {4: ("env",), 5: ("hist", "bio"), 6: ("hist", "bio", "geo", "soc"),
         7: ("hist", "bio", "geo", "soc", "phys"), 8: ("hist", "bio", "geo", "soc", "phys", "chem")}
HEADLINE_CATALOG = """
catalog: bench_headline
name: Ключевые показатели ВПР (бенчмарк)
indicators:
  - {code: bench.vpr_participants, name: Участники ВПР, unit: count, direction: none,
     by: [subject], formula: {kind: count, table: student_results, where: {procedure: VPR}}}
  - {code: bench.vpr_mean_primary, name: Средний первичный балл ВПР, unit: points,
     direction: higher, by: [subject],
     formula: {kind: mean, table: student_results, where: {procedure: VPR}, column: primary_score}}
  - {code: bench.vpr_share_45, name: Доля отметок 4 и 5 ВПР, unit: percent, direction: higher,
     by: [subject], formula: {kind: share, table: student_results,
     where: {procedure: VPR, mark: {present: true}}, numerator: {mark: [4, 5]}}}
  - {code: bench.vpr_share_2, name: Доля отметок 2 ВПР, unit: percent, direction: lower,
     by: [subject], formula: {kind: share, table: student_results,
     where: {procedure: VPR, mark: {present: true}}, numerator: {mark: 2}}}
  - {code: bench.vpr_task_share, name: Доля от максимального балла задания, unit: percent,
     direction: higher, by: [subject, grade, task],
     formula: {kind: task_share_of_max, where: {procedure: VPR}}}
"""


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _django(data_dir: str) -> None:
    os.environ["MSOKO_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["MSOKO_REFERENCE_ON_MIGRATE"] = "0"  # the benchmark creates its own years
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    import django

    django.setup()


def _tasks(grade: int, subject: str) -> int:
    return 30 + (grade + len(subject)) % 5  # 30–34 tasks


def generate(size: float) -> dict[str, Any]:
    """The region: registry, task specifications and facts."""
    import numpy as np
    import pyarrow as pa
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from msoko.access.audit import DANGEROUS_unaudited
    from msoko.facts.models import Assessment, Procedure, TaskSpec
    from msoko.facts.reference import ensure_reference_data
    from msoko.facts.store import open_batch
    from msoko.registry.models import AcademicYear, Organisation, Subject, Territory

    rng = np.random.default_rng(7)
    with DANGEROUS_unaudited():
        years = [
            AcademicYear.objects.create(
                start_year=y,
                starts_on=datetime.date(y, 9, 1),
                ends_on=datetime.date(y + 1, 8, 31),
                is_current=y == YEARS[-1],
            )
            for y in YEARS
        ]
        ensure_reference_data(years)
        region = Territory.objects.create(kind="region", name="Бенчмарк-область", code="BR")
        munis = Territory.objects.bulk_create(
            [Territory(kind="municipality", name=f"Район {i + 1}", code=f"BM{i + 1:02d}", parent=region)
             for i in range(MUNICIPALITIES)]
        )
        orgs = Organisation.objects.bulk_create(
            [Organisation(territory=munis[i % MUNICIPALITIES], short_name=f"Школа {i + 1}",
                          full_name=f"Школа {i + 1}", code=f"B{i + 1:04d}")
             for i in range(SCHOOLS)]
        )
        vpr = Procedure.objects.get(code="VPR")
        subjects = {s.code: s for s in Subject.objects.all()}
        specs = []
        for year in years:
            for grade in VPR_GRADES:
                for subject in ("ru", "math", *EXTRA[grade]):
                    a = Assessment.objects.create(procedure=vpr, subject=subjects[subject], grade=grade, year=year)
                    specs += [
                        TaskSpec(assessment=a, number=str(t + 1), position=t,
                                 max_score=1 + (t % 3), level="basic" if t < 20 else "advanced")
                        for t in range(_tasks(grade, subject))
                    ]
        TaskSpec.objects.bulk_create(specs)
    org_ids = np.array([o.pk for o in orgs], dtype=np.int64)
    n_students = int(STUDENTS * size)
    school_of = rng.integers(0, SCHOOLS, n_students)
    ability = rng.normal(0, 1, n_students) + rng.normal(0, 0.4, SCHOOLS)[school_of]
    grade0 = rng.integers(1, 12, n_students)  # grade in the first year
    names = np.array([f"st{i:07d}" for i in range(n_students)], dtype=object)
    task_rows = result_rows = 0
    started = time.perf_counter()
    for yi, year in enumerate(YEARS):
        grade = grade0 + yi
        with open_batch(kind="bench", source="benchmark", scope=[int(i) for i in org_ids]) as writer:
            for g in VPR_GRADES:
                idx = np.flatnonzero(grade == g)
                for subject in ("ru", "math", *EXTRA[g]):
                    if subject in ("ru", "math"):
                        who = idx
                    else:
                        # two extra subjects per student (drawn per student)
                        who = idx[rng.random(len(idx)) < 2 / len(EXTRA[g])]
                    if not len(who):
                        continue
                    tasks = _tasks(g, subject)
                    maxes = np.array([1 + (t % 3) for t in range(tasks)], dtype=np.int64)
                    p = 1 / (1 + np.exp(-(ability[who][:, None] + 0.5 - np.linspace(-1, 1.5, tasks)[None, :])))
                    scores = rng.binomial(maxes[None, :], p).astype(np.float32)
                    total = scores.sum(axis=1)
                    share = total / maxes.sum()
                    mark = np.select([share < 0.3, share < 0.55, share < 0.8], [2, 3, 4], 5).astype(np.int8)
                    n = len(who)
                    students = pa.array(names[who])
                    writer.write("task_scores", pa.table({
                        "org_id": pa.array(np.repeat(org_ids[school_of[who]], tasks)),
                        "year": pa.array(np.full(n * tasks, year, dtype=np.int16)),
                        "procedure": pa.array(["VPR"] * (n * tasks)).dictionary_encode(),
                        "subject": pa.array([subject] * (n * tasks)).dictionary_encode(),
                        "grade": pa.array(np.full(n * tasks, g, dtype=np.int8)),
                        "student": students.take(pa.array(np.repeat(np.arange(n), tasks))),
                        "task": pa.array([str(t + 1) for t in range(tasks)] * n),
                        "score": pa.array(scores.ravel()),
                    }))
                    writer.write("student_results", pa.table({
                        "org_id": pa.array(org_ids[school_of[who]]),
                        "year": pa.array(np.full(n, year, dtype=np.int16)),
                        "procedure": pa.array(["VPR"] * n),
                        "subject": pa.array([subject] * n),
                        "grade": pa.array(np.full(n, g, dtype=np.int8)),
                        "student": students,
                        "primary_score": pa.array(total.astype(np.float64)),
                        "mark": pa.array(mark),
                        "journal_mark": pa.array(np.clip(mark + rng.integers(-1, 2, n), 2, 5).astype(np.int8)),
                    }))
                    task_rows += n * tasks
                    result_rows += n
            for g, procedure, subjects_of in ((9, "OGE", ("ru", "math", "soc", "inf")),
                                              (11, "EGE", ("ru", "math_profile", "soc"))):
                who = np.flatnonzero(grade == g)
                for subject in subjects_of:
                    n = len(who)
                    score = np.clip(60 + 18 * ability[who] + rng.normal(0, 10, n), 0, 100)
                    writer.write("student_results", pa.table({
                        "org_id": pa.array(org_ids[school_of[who]]),
                        "year": pa.array(np.full(n, year, dtype=np.int16)),
                        "procedure": pa.array([procedure] * n),
                        "subject": pa.array([subject] * n),
                        "grade": pa.array(np.full(n, g, dtype=np.int8)),
                        "student": pa.array(names[who]),
                        "test_score": pa.array(score.round()) if procedure == "EGE" else pa.nulls(n, pa.float64()),
                        "primary_score": pa.array(score.round() / 3),
                        "mark": pa.array(np.select([score < 35, score < 55, score < 75], [2, 3, 4], 5).astype(np.int8)),
                    }))
                    result_rows += n
    return {"task_rows": task_rows, "result_rows": result_rows, "students": n_students,
            "generate_s": round(time.perf_counter() - started, 1)}


def phase_all_catalogs() -> dict[str, Any]:
    from msoko.indicators.catalog import sync_builtin
    from msoko.indicators.compute import compute

    catalogs = sync_builtin()
    started = time.perf_counter()
    result = compute(catalogs=[c.code for c in catalogs], trigger="benchmark")
    return {"seconds": time.perf_counter() - started, "values": result.rows,
            "catalogs": len(catalogs), "queries": result.timings}


def _headline_frames() -> Any:
    """The headline figures from the stored values, with the year-over-year change."""
    from msoko.indicators import values

    rows = values.read(org_ids=None, territory_ids=None, catalogs=["bench_headline"],
                       levels=["school"], columns=["indicator", "org_id", "year", "subject", "grade", "task",
                                                   "value"], categorical=True)
    per_task = (rows["indicator"] == "bench.vpr_task_share").to_numpy()
    per_subject = rows[~per_task]
    wide = per_subject.pivot_table(index=["org_id", "subject", "year"], columns="indicator", values="value")
    wide = wide.sort_index()
    change = wide.groupby(level=["org_id", "subject"]).diff()
    return wide, change, rows[per_task]


def phase_headline() -> dict[str, Any]:
    from msoko.indicators.catalog import load_text
    from msoko.indicators.compute import compute

    load_text(HEADLINE_CATALOG, file_name="bench_headline.yaml")
    started = time.perf_counter()
    compute(catalogs=["bench_headline"], trigger="benchmark")
    wide, change, tasks = _headline_frames()
    seconds = time.perf_counter() - started
    sample = wide.reset_index().sort_values(["org_id", "subject", "year"]).head(3)
    return {"seconds": seconds, "rows": int(len(wide) + len(tasks)),
            "check": _digest(wide, change, tasks), "sample": sample.to_dict("records")}


def _digest(wide: Any, change: Any, tasks: Any) -> dict[str, float]:
    """A few sums to check the pandas implementation against the engine."""
    return {
        "participants": float(wide["bench.vpr_participants"].sum()),
        "mean_primary": round(float(wide["bench.vpr_mean_primary"].sum()), 6),
        "share_45": round(float(wide["bench.vpr_share_45"].sum()), 6),
        "share_2": round(float(wide["bench.vpr_share_2"].sum()), 6),
        "change_share_2": round(float(change["bench.vpr_share_2"].sum()), 6),
        "task_share": round(float(tasks["value"].sum()), 4),
        "task_rows": int(len(tasks)),
    }


def phase_scan() -> dict[str, Any]:
    """One plain scan of the columns the headline indicators read, by DuckDB."""
    import duckdb

    from msoko.facts.store import active_paths

    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(
        "SELECT count(org_id), count(year), count(procedure), count(subject), count(grade), "
        "count(task), sum(score) FROM read_parquet(?)",
        [active_paths("task_scores")],
    ).fetchall()
    con.execute(
        "SELECT count(org_id), count(year), count(procedure), count(subject), count(mark), "
        "sum(primary_score) FROM read_parquet(?)",
        [active_paths("student_results")],
    ).fetchall()
    return {"seconds": time.perf_counter() - started}


def phase_pandas() -> dict[str, Any]:
    """The headline indicators written directly in pandas."""
    import pandas as pd
    import pyarrow.parquet as pq

    from msoko.facts.models import TaskSpec
    from msoko.facts.store import active_paths

    started = time.perf_counter()
    res = pd.concat(
        [pq.read_table(p, columns=["org_id", "year", "procedure", "subject", "mark", "primary_score"],
                       read_dictionary=["procedure", "subject"]).to_pandas()
         for p in active_paths("student_results")],
        ignore_index=True,
    )
    res = res[res["procedure"] == "VPR"]
    res["m45"] = res["mark"].isin([4, 5])
    res["m2"] = res["mark"] == 2
    res["marked"] = res["mark"].notna()
    g = res.groupby(["org_id", "subject", "year"], observed=True)
    agg = g.agg(participants=("org_id", "size"), primary_sum=("primary_score", "sum"),
                primary_n=("primary_score", "count"), m45=("m45", "sum"), m2=("m2", "sum"),
                marked=("marked", "sum"))
    wide = pd.DataFrame({
        "bench.vpr_participants": agg["participants"].astype(float),
        "bench.vpr_mean_primary": agg["primary_sum"] / agg["primary_n"],
        "bench.vpr_share_45": 100 * agg["m45"] / agg["marked"],
        "bench.vpr_share_2": 100 * agg["m2"] / agg["marked"],
    }).sort_index()
    change = wide.groupby(level=["org_id", "subject"], observed=True).diff()
    parts = []
    for p in active_paths("task_scores"):
        t = pq.read_table(p, columns=["org_id", "year", "procedure", "subject", "grade", "task", "score"],
                          read_dictionary=["procedure", "subject", "task"]).to_pandas()
        t = t[t["procedure"] == "VPR"]
        parts.append(t.groupby(["org_id", "year", "subject", "grade", "task"], observed=True)["score"]
                     .agg(["sum", "count"]))
    sums = pd.concat(parts).groupby(level=[0, 1, 2, 3, 4], observed=True).sum().reset_index()
    maxima = pd.DataFrame(list(TaskSpec.objects.values_list(
        "assessment__subject__code", "assessment__grade", "assessment__year__start_year", "number", "max_score")),
        columns=["subject", "grade", "year", "task", "max_score"])
    for col in ("subject", "task"):
        sums[col] = sums[col].astype(str)
    sums["grade"] = sums["grade"].astype("int64")
    sums["year"] = sums["year"].astype("int64")
    tasks = sums.merge(maxima, on=["subject", "grade", "year", "task"])
    tasks = tasks[tasks["count"] > 0]
    tasks["value"] = 100 * tasks["sum"] / (tasks["count"] * tasks["max_score"])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "check": _digest(wide, change, tasks)}


def phase_incremental() -> dict[str, Any]:
    """One school sends a corrected ВПР file for the last year: its batch is stored and the
    recomputation it triggers runs (what the import pipeline calls)."""
    import numpy as np
    import pyarrow as pa

    from msoko.facts.store import open_batch
    from msoko.indicators.compute import recompute_after_batch
    from msoko.registry.models import Organisation

    org = Organisation.objects.order_by("pk").first()
    assert org is not None  # noqa: S101
    year = YEARS[-1]
    rng = np.random.default_rng(3)
    n, tasks = 60, _tasks(5, "math")
    with open_batch(kind="bench", source="benchmark", scope=[org.pk]) as writer:
        writer.write("task_scores", pa.table({
            "org_id": pa.array([org.pk] * n * tasks, pa.int64()),
            "year": pa.array([year] * n * tasks, pa.int16()),
            "procedure": ["VPR"] * n * tasks, "subject": ["math"] * n * tasks,
            "grade": pa.array([5] * n * tasks, pa.int8()),
            "student": [f"new{i // tasks}" for i in range(n * tasks)],
            "task": [str(i % tasks + 1) for i in range(n * tasks)],
            "score": pa.array(rng.integers(0, 2, n * tasks).astype(np.float32)),
        }))
        batch_id = writer.batch.pk
    started = time.perf_counter()
    result = recompute_after_batch(batch_id)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "values": result.rows if result else 0,
            "catalogs": result.run.catalogs if result else []}


PHASES = {
    "all_catalogs": phase_all_catalogs,
    "headline": phase_headline,
    "scan": phase_scan,
    "pandas": phase_pandas,
    "incremental": phase_incremental,
}


def run_phase(name: str, data_dir: str, script: str = __file__) -> dict[str, Any]:
    """One phase of ``script`` (this benchmark, or another that reuses its region) in a
    fresh process, so that its peak memory is its own."""
    out = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, script, "--phase", name, "--keep", data_dir],
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"phase {name} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=float, default=1.0, help="доля от 400 000 учеников")
    parser.add_argument("--keep", help="папка данных (по умолчанию временная)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = args.keep or tempfile.mkdtemp(prefix="msoko-indicators-bench-")
    _django(data_dir)
    if args.phase:
        result = PHASES[args.phase]()
        result["peak_rss_mib"] = round(_rss_mib(), 1)
        print(json.dumps(result, default=str))
        return
    built = generate(args.size)
    figures: dict[str, dict[str, Any]] = {}
    for name in ("all_catalogs", "headline", "scan", "pandas", "incremental"):
        figures[name] = run_phase(name, data_dir)
    head, scan, pandas_ = figures["headline"], figures["scan"], figures["pandas"]
    if head["check"] != pandas_["check"]:
        raise SystemExit(f"pandas and msoko disagree: {head['check']} != {pandas_['check']}")
    fact_rows = built["task_rows"] + built["result_rows"]
    rows = [
        ("all shipped catalogs", figures["all_catalogs"]["seconds"], fact_rows, figures["all_catalogs"]["peak_rss_mib"]),
        ("headline ВПР (msoko, DuckDB)", head["seconds"], fact_rows, head["peak_rss_mib"]),
        ("plain scan (DuckDB, baseline)", scan["seconds"], fact_rows, scan["peak_rss_mib"]),
        ("headline ВПР (pandas)", pandas_["seconds"], fact_rows, pandas_["peak_rss_mib"]),
        ("one school's batch: recompute", figures["incremental"]["seconds"], None, figures["incremental"]["peak_rss_mib"]),
    ]
    print(f"Region: {SCHOOLS} schools, {built['students']:,} students, {len(YEARS)} years; "
          f"{built['task_rows']:,} task-score rows + {built['result_rows']:,} result rows "
          f"(generated in {built['generate_s']} s)")
    print(f"{'phase':34} {'time, s':>8} {'rows/s':>14} {'peak RSS, MiB':>14}")
    for name, seconds, n, rss in rows:
        rate = f"{n / seconds:,.0f}" if n else "—"
        print(f"{name:34} {seconds:8.2f} {rate:>14} {rss:14.0f}")
    ratio = head["seconds"] / scan["seconds"]
    speedup = pandas_["seconds"] / head["seconds"]
    print(f"headline / plain scan: {ratio:.2f}× (target ≤ 4×); pandas / msoko: {speedup:.2f}× "
          f"(msoko must be faster); pandas and msoko give the same figures: {head['check']}")
    print(json.dumps({
        "fact_rows": fact_rows,
        "task_rows": built["task_rows"],
        "students": built["students"],
        "values": figures["all_catalogs"]["values"],
        "all_catalogs_s": round(figures["all_catalogs"]["seconds"], 2),
        "headline_s": round(head["seconds"], 2),
        "scan_s": round(scan["seconds"], 2),
        "headline_to_scan_ratio": round(ratio, 2),
        "pandas_s": round(pandas_["seconds"], 2),
        "pandas_speedup": round(speedup, 2),
        "incremental_s": round(figures["incremental"]["seconds"], 2),
        "peak_rss_mib": max(f["peak_rss_mib"] for f in figures.values()),
    }))


if __name__ == "__main__":
    main()
