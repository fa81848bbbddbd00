"""Compute indicator values: facts → school rows → municipality and region → derived.

1. The fact indicators of every catalog are compiled (``compiler.py``) into one aggregate per
   fact table plus one query per non-additive indicator, and run by an engine
   (``engines.py``): numerators, denominators and group sizes per organisation, year and the
   finest breakdown.
2. Values from school forms (approved submissions) and values entered by hand join them.
3. School rows roll up to the municipality and the region as the definition says — pooled
   counts by default (Σ numerators / Σ denominators: a municipality's share of «2» is the
   share among all its pupils, not a mean of school shares).
4. Derived indicators (ratio, difference, share of organisations) are computed at each level
   from the values above.
5. The values of each catalog and year are written to one Parquet file (``values.py``) and
   replace the previous one in one transaction.

An incremental run (``org_ids``) recomputes the fact rows of those organisations only, takes
every other school's rows from the current files, and redoes the roll-ups and derived values:
what one school's new batch affects, and nothing else.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.utils import timezone

from msoko.facts import store
from msoko.facts.models import FactFile, ImportBatch, MarkScale, TaskSpec
from msoko.indicators import values as value_store
from msoko.indicators.compiler import (
    KEYS,
    ORG_TERRITORY,
    ORG_TERRITORY_SCHEMA,
    TASK_MAXIMA,
    TASK_MAXIMA_SCHEMA,
    Query,
    Thresholds,
    compile_all,
    procedures_of,
)
from msoko.indicators.engines import Engine, make_engine
from msoko.indicators.models import ComputationRun, IndicatorDefinition
from msoko.indicators.spec import FACT_KINDS, IndicatorSpec, topological
from msoko.indicators.values import TEXT
from msoko.jobs.worker import this_worker
from msoko.ops import storelock
from msoko.ops.crash import crash_point

DIMS = ("subject", "grade", "task")
BUCKET_PERCENT = {
    "not_implemented": 0.0,
    "lt25": 12.5,
    "25_50": 37.5,
    "51_75": 63.0,
    "gt75": 87.5,
    "full": 100.0,
}
Progress = Callable[[str], None]


@dataclass
class Geography:
    """Which municipality each organisation belongs to, and which region each municipality."""

    org_municipality: dict[int, int]
    municipality_region: dict[int, int]
    schools: dict[int, set[int]] = field(default_factory=dict)  # territory → its schools

    def __post_init__(self) -> None:
        # dense lookups by id: a dict ``map`` over millions of rows costs seconds
        self._muni = _dense(self.org_municipality)
        self._region = _dense(self.municipality_region)

    def municipality_of(self, org_ids: Any) -> np.ndarray:
        """The territory of each organisation (NaN when unknown), as float64."""
        return _look(self._muni, org_ids)

    def region_of(self, territory_ids: Any) -> np.ndarray:
        """The parent of each territory (NaN when it has none), as float64."""
        return _look(self._region, territory_ids)

    @classmethod
    def load(cls) -> Geography:
        from msoko.registry.models import Organisation, Territory

        muni_region = {
            int(pk): int(parent)
            for pk, parent in Territory.objects.filter(parent__isnull=False).values_list(
                "pk", "parent_id"
            )
        }
        org_muni: dict[int, int] = {}
        schools: dict[int, set[int]] = defaultdict(set)
        for pk, territory, kind in Organisation.objects.values_list("pk", "territory_id", "kind"):
            org_muni[int(pk)] = int(territory)
            if kind == Organisation.Kind.SCHOOL:
                schools[int(territory)].add(int(pk))
                if int(territory) in muni_region:
                    schools[muni_region[int(territory)]].add(int(pk))
        return cls(org_muni, muni_region, dict(schools))

    def fingerprint(self) -> str:
        """A hash of which municipality each organisation is in and which region each
        municipality: a school's stored rows sit in its municipality's part, so a run over
        some schools is safe only where this has not changed since the stored values."""
        digest = hashlib.sha256()
        for org, territory in sorted(self.org_municipality.items()):
            digest.update(f"{org}:{territory};".encode())
        digest.update(b"|")
        for muni, region in sorted(self.municipality_region.items()):
            digest.update(f"{muni}:{region};".encode())
        return digest.hexdigest()

    def org_territory(self) -> pa.Table:
        """The organisations' municipalities, for the queries (``compiler.ORG_TERRITORY``)."""
        return pa.table(
            [
                pa.array(list(self.org_municipality), pa.int64()),
                pa.array(list(self.org_municipality.values()), pa.int64()),
            ],
            schema=ORG_TERRITORY_SCHEMA,
        )


def _dense(mapping: dict[int, int]) -> np.ndarray:
    size = max(mapping, default=-1) + 1
    out = np.full(size, np.nan)
    if mapping:
        out[np.fromiter(mapping.keys(), dtype=np.int64)] = np.fromiter(
            mapping.values(), dtype=np.float64
        )
    return out


def _look(table: np.ndarray, ids: Any) -> np.ndarray:
    series = ids if isinstance(ids, pd.Series) else pd.Series(ids)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        series = pd.to_numeric(series, errors="coerce")
    keys = series.to_numpy(dtype="float64", na_value=np.nan)
    ok = ~np.isnan(keys) & (keys >= 0) & (keys < len(table))
    out = np.full(len(keys), np.nan)
    out[ok] = table[keys[ok].astype(np.int64)]
    return out


def load_specs(catalogs: Iterable[str] | None = None) -> dict[str, list[IndicatorSpec]]:
    """The active definitions, by catalog code."""
    qs = IndicatorDefinition.objects.filter(catalog__is_active=True).select_related("catalog")
    if catalogs is not None:
        qs = qs.filter(catalog__code__in=list(catalogs))
    out: dict[str, list[IndicatorSpec]] = defaultdict(list)
    for d in qs.order_by("catalog__order", "catalog__code", "order"):
        out[d.catalog.code].append(IndicatorSpec.from_dict(d.spec, d.order))
    return dict(out)


def load_thresholds(years: Iterable[int]) -> Thresholds:
    """Minimum thresholds per procedure, subject and year: the scale of that year, else the
    nearest earlier year's, else the nearest later one's."""
    rows = MarkScale.objects.filter(min_threshold__isnull=False, subject__isnull=False).values_list(
        "procedure__code", "subject__code", "year__start_year", "min_threshold"
    )
    by_key: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for procedure, subject, year, threshold in rows:
        if threshold is not None:
            by_key[(procedure, subject)][int(year)] = float(threshold)
    out: dict[tuple[str, str, int], float] = {}
    for (procedure, subject), per_year in by_key.items():
        for year in years:
            earlier = [y for y in per_year if y <= year]
            later = [y for y in per_year if y > year]
            chosen = max(earlier) if earlier else min(later)
            out[(procedure, subject, int(year))] = per_year[chosen]
    return Thresholds(out)


def task_maxima() -> pa.Table:
    """The maximum score of every task of every work (procedure, subject, grade, year)."""
    rows = TaskSpec.objects.values_list(
        "assessment__procedure__code",
        "assessment__subject__code",
        "assessment__grade",
        "assessment__year__start_year",
        "number",
        "max_score",
    )
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) or [() for _ in TASK_MAXIMA_SCHEMA]
    return pa.Table.from_arrays(
        [pa.array(list(c), f.type) for c, f in zip(columns, TASK_MAXIMA_SCHEMA, strict=True)],
        schema=TASK_MAXIMA_SCHEMA,
    )


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org_id": pd.Series(dtype="Int64"),
            "territory_id": pd.Series(dtype="Int64"),
            "year": pd.Series(dtype="int64"),
            "subject": pd.Series(dtype="object"),
            "grade": pd.Series(dtype="float64"),
            "task": pd.Series(dtype="object"),
            "numerator": pd.Series(dtype="float64"),
            "denominator": pd.Series(dtype="float64"),
            "n": pd.Series(dtype="float64"),
        }
    )


def _to_rows(frame: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Sum a finer-grained frame (org_id, year, dims…, numerator, denominator, n) up to the
    indicator's own breakdown ``by``."""
    keys = ["org_id", "territory_id", "year", *by]
    agg = frame.groupby(keys, sort=False, dropna=False, observed=True)[
        ["numerator", "denominator", "n"]
    ].sum(min_count=1)
    out = agg.reset_index()
    for dim in DIMS:
        if dim not in out.columns:
            out[dim] = None
    return out


def _frame(table: pa.Table) -> pd.DataFrame:
    """An engine's result as pandas, text columns as categoricals (grouping and taking on
    them is many times faster than on Arrow-backed strings)."""
    columns = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = col.dictionary_encode()
        columns.append(col)
    return pa.Table.from_arrays(columns, names=table.column_names).to_pandas()


def _task_shares(frame: pd.DataFrame, *, per_task: bool) -> pd.DataFrame:
    """Rows of a share of the maximum score (the query joined each task's maximum into the
    denominator): a task without a specification has no value. Without a per-task
    breakdown, ``n`` is the number of participants: answers over the tasks of the work."""
    frame = frame[frame["denominator"].notna()]
    if not per_task:
        work = [k for k in KEYS if k in frame.columns]  # the work's keys, without the task
        tasks = frame.groupby(work, sort=False, observed=True, dropna=False)["task"].transform("count")
        frame = frame.assign(n=frame["n"] / tasks)
    return frame


def run_fact_queries(
    engine: Engine,
    specs: list[IndicatorSpec],
    thresholds: Thresholds,
    geo: Geography,
    *,
    org_ids: list[int] | None = None,
    years: list[int] | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, pd.DataFrame], list[int], dict[str, float]]:
    """School rows of every fact indicator of ``specs`` (with their municipality, ordered by
    year and municipality); the batches read; seconds per query."""
    fact_specs = [s for s in specs if s.kind in FACT_KINDS]
    queries = compile_all(fact_specs, thresholds, org_ids=org_ids, years=years)
    by_code = {s.code: s for s in fact_specs}
    bound: set[str] = set()
    batches: set[int] = set()
    out: dict[str, pd.DataFrame] = {}
    timings: dict[str, float] = {}
    if any(TASK_MAXIMA in q.reads for q in queries):
        engine.register(TASK_MAXIMA, task_maxima())
    if queries:
        engine.register(ORG_TERRITORY, geo.org_territory())
    for q in queries:
        tables = {q.table, *_semi_tables(q, by_code)}
        for table in tables - bound:
            files = store.active_files(table, years=years)
            batches.update(f.batch_id for f in files)
            root = store.store_root()
            engine.bind(table, [str(root / f.path) for f in files])
            bound.add(table)
        started = time.perf_counter()
        arrow = engine.execute(q.expr)
        timings[q.name] = time.perf_counter() - started
        if progress:
            progress(f"  {q.name}: {arrow.num_rows:,} строк за {timings[q.name]:.2f} с")
        result = _frame(arrow)
        for code, (num, den, n) in q.columns.items():
            spec = by_code[code]
            frame = result[[*q.keys]].assign(
                territory_id=result["territory_id"].astype("float64"),
                numerator=result[num].astype("float64"),
                denominator=result[den].astype("float64") if den else np.nan,
                n=result[n].astype("float64"),
            )
            if spec.kind == "task_share_of_max":
                frame = _task_shares(frame, per_task="task" in spec.by)
            frame = frame[(frame["n"] > 0) | (frame["numerator"] > 0)]
            procedures = procedures_of(spec.formula.get("where"))
            if (
                procedures is not None
                and len(procedures) == 1
                and set(q.keys) - {"procedure"} == {"org_id", "year", *spec.by}
            ):
                # already at the indicator's own grain: one procedure, no coarser breakdown
                frame = frame.drop(columns=["procedure"], errors="ignore")
                for dim in DIMS:
                    if dim not in frame.columns:
                        frame[dim] = None
                out[code] = frame
            else:
                out[code] = _to_rows(frame, spec.by)
    return out, sorted(batches), timings


def _semi_tables(q: Query, by_code: dict[str, IndicatorSpec]) -> set[str]:
    out: set[str] = set()
    for code in q.columns:
        semi = by_code[code].formula.get("per_student", {}).get("with_students_in")
        if semi:
            out.add(semi["table"])
    return out


def _form_value(raw: Any, unit: str) -> float | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dict):  # a document: {"present": bool, "url": str}
        return 1.0 if raw.get("present") else 0.0
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if unit == "bucket" or (isinstance(raw, str) and raw in BUCKET_PERCENT):
        return BUCKET_PERCENT.get(str(raw))
    try:
        return float(str(raw).replace(",", "."))
    except ValueError:
        return None


def form_rows(specs: list[IndicatorSpec], years: list[int], org_ids: list[int] | None) -> dict[str, pd.DataFrame]:
    """School rows of indicators collected through school forms (approved submissions only)."""
    from msoko.collect.models import FormField, Status, Submission

    wanted = [s for s in specs if s.kind in {"form", "form_share"}]
    if not wanted:
        return {}
    field_codes: dict[str, str] = dict(
        FormField.objects.exclude(indicator_code="").values_list("indicator_code", "code")
    )
    subs = Submission.objects.filter(status=Status.APPROVED, year__start_year__in=years)
    if org_ids:
        subs = subs.filter(organisation_id__in=org_ids)
    values: dict[tuple[int, int], dict[str, Any]] = defaultdict(dict)
    for org, year, vals in subs.values_list("organisation_id", "year__start_year", "values"):
        values[(int(org), int(year))].update(vals or {})
    out: dict[str, pd.DataFrame] = {}
    for spec in wanted:
        rows = []
        f = spec.formula
        for (org, year), vals in values.items():
            if spec.kind == "form":
                code = field_codes.get(f["field"], f["field"])
                v = _form_value(vals.get(code), spec.unit)
                if v is not None:
                    rows.append((org, year, v, 1.0, 1.0))
            else:
                num = _form_value(vals.get(field_codes.get(f["numerator_field"], f["numerator_field"])), "count")
                den = _form_value(vals.get(field_codes.get(f["denominator_field"], f["denominator_field"])), "count")
                if num is not None and den:
                    rows.append((org, year, num, den, den))
        frame = pd.DataFrame(rows, columns=["org_id", "year", "numerator", "denominator", "n"])
        for dim in DIMS:
            frame[dim] = None
        out[spec.code] = frame
    return out


def entered_rows(specs: list[IndicatorSpec], years: list[int]) -> dict[str, pd.DataFrame]:
    """Values entered by hand, at the level they were entered for."""
    from msoko.indicators.models import EnteredValue

    wanted = {s.code for s in specs if s.kind == "entered"}
    out: dict[str, pd.DataFrame] = {}
    if not wanted:
        return out
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for code, org, territory, year, value in EnteredValue.objects.filter(
        indicator__code__in=wanted, year__in=years
    ).values_list("indicator__code", "organisation_id", "territory_id", "year", "value"):
        rows[code].append((org, territory, int(year), float(value)))
    for code, items in rows.items():
        frame = pd.DataFrame(items, columns=["org_id", "territory_id", "year", "numerator"])
        frame["denominator"] = np.nan
        frame["n"] = np.nan
        for dim in DIMS:
            frame[dim] = None
        out[code] = frame
    return out


def value_of(kind: str, unit: str, num: pd.Series, den: pd.Series) -> pd.Series:
    """The value from numerator and denominator, by the kind of formula."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind in {"share", "form_share", "org_share", "task_share_of_max", "aggregate_share"}:
            v = 100.0 * num / den.where(den > 0)
        elif kind in {"mean", "ratio", "aggregate_mean"}:
            v = num / den.where(den > 0)
        elif kind == "presence":
            v = (num > 0).astype("float64").where(num.notna())
        elif kind == "form" and den.notna().any():
            v = num / den.where(den > 0)
        else:
            v = num
    return v.astype("float64")


def _rolled_value(spec: IndicatorSpec, frame: pd.DataFrame) -> pd.Series:
    den = frame["denominator"]
    if spec.rollup == "pooled":
        return value_of(spec.kind, spec.unit, frame["numerator"], den)
    if spec.rollup == "mean_of_schools":
        return (frame["numerator"] / den.where(den > 0)).astype("float64")
    if spec.rollup == "share_of_orgs":
        return (100.0 * frame["numerator"] / den.where(den > 0)).astype("float64")
    return frame["numerator"].astype("float64")  # count_of_orgs


def roll_up(
    spec: IndicatorSpec,
    school: pd.DataFrame,
    geo: Geography,
    *,
    other_municipalities: pd.DataFrame | None = None,
) -> list[pd.DataFrame]:
    """Municipality and region rows from school rows, as ``spec.rollup`` says.

    Every roll-up is a sum of numerators and denominators (pooled: of the schools'; mean of
    schools: of their values and their number; share or count of organisations: of the
    schools that have a positive value and their number), so the region is summed from the
    municipalities' sums. ``other_municipalities`` are stored municipality rows of the
    municipalities whose schools are not in ``school`` (an incremental run)."""
    if spec.rollup == "none" or (school.empty and other_municipalities is None):
        return []
    keys = ["territory_id", "year", *DIMS]
    muni = _sum_by_territory(school, spec.rollup)
    for dim in DIMS:
        muni[dim] = muni[dim].astype("object").where(muni[dim].notna(), None)
    if other_municipalities is not None and not other_municipalities.empty:
        other = other_municipalities[[*keys, "numerator", "denominator", "n"]].copy()
        for dim in DIMS:
            other[dim] = other[dim].astype("object").where(other[dim].notna(), None)
        muni = pd.concat([muni, other], ignore_index=True)
    if muni.empty:
        return []
    muni["territory_id"] = muni["territory_id"].astype("float64")
    muni["year"] = muni["year"].astype("int64")
    muni["grade"] = muni["grade"].astype("float64")
    muni["value"] = _rolled_value(spec, muni)
    out = []
    if "municipality" in spec.levels:
        out.append(muni.assign(org_id=pd.NA, level="municipality"))
    if "region" in spec.levels:
        reg = muni.assign(territory_id=geo.region_of(muni["territory_id"]))
        reg = reg[reg["territory_id"].notna()]
        if not reg.empty:
            g = reg.groupby(keys, sort=False, dropna=False, observed=True)
            summed = g[["numerator", "denominator", "n"]].sum(
                min_count=1 if spec.rollup in {"pooled", "mean_of_schools"} else 0
            )
            summed = summed.reset_index()
            summed["value"] = _rolled_value(spec, summed)
            out.append(summed.assign(org_id=pd.NA, level="region"))
    return out


# the sums of a roll-up: numerator, denominator and n of a municipality from its schools
ROLLUP_SUMS = {
    "pooled": ("sum(numerator)", "sum(denominator)", "sum(n)"),
    "mean_of_schools": ("sum(value)", "count(value)", "count(value)"),
    "share_of_orgs": ("sum(CASE WHEN value > 0 THEN 1.0 ELSE 0.0 END)", "count(value)", "count(value)"),
}
ROLLUP_SUMS["count_of_orgs"] = ROLLUP_SUMS["share_of_orgs"]
_local = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    """This thread's in-process DuckDB connection for sums over frames in memory."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    return con


def _sum_by_territory(school: pd.DataFrame, rollup: str) -> pd.DataFrame:
    """Municipality rows (territory_id, year, subject, grade, task, numerator, denominator,
    n) summed from school rows by the embedded engine (a pandas group-by over five keys
    of millions of rows is several times slower); missing is NULL, as in pandas' NaN."""
    columns = ["territory_id", "year", *DIMS, "numerator", "denominator", "n", "value"]
    frame = school[[c for c in columns if c in school.columns]]
    rows = pa.Table.from_pandas(frame, preserve_index=False)  # NaN → null
    numerator, denominator, n = ROLLUP_SUMS[rollup]
    con = _duckdb()
    con.register("_school_rows", rows)
    try:
        keys = ", ".join(["territory_id", "year", *DIMS])
        out = con.execute(
            f"SELECT {keys}, {numerator} AS numerator, {denominator} AS denominator, "  # noqa: S608
            f"{n} AS n FROM _school_rows WHERE territory_id IS NOT NULL GROUP BY {keys}"
        ).to_arrow_table()
    finally:
        con.unregister("_school_rows")
    return out.to_pandas().astype({"numerator": "float64", "denominator": "float64", "n": "float64"})


def _compare(values: pd.Series, condition: dict[str, Any]) -> pd.Series:
    result = pd.Series(True, index=values.index)
    for op, operand in condition.items():
        result &= {
            "eq": values == operand,
            "ne": values != operand,
            "lt": values < operand,
            "le": values <= operand,
            "gt": values > operand,
            "ge": values >= operand,
        }.get(op, values.notna())
    return result


def _merge_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its key columns in one representation, whatever produced it (a query,
    a roll-up or stored rows read back): text as str with "" for none, ids and grade as
    floats with −1 for none — so that rows of the same place match in a merge."""
    out = frame.copy()
    out["level"] = out["level"].astype("object").astype(str)
    for col in ("org_id", "territory_id"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64").fillna(-1.0)
    out["year"] = pd.to_numeric(out["year"]).astype("int64")
    out["grade"] = pd.to_numeric(out["grade"], errors="coerce").astype("float64").fillna(-1.0)
    for dim in ("subject", "task"):
        col = out[dim].astype("object")
        out[dim] = col.where(col.notna(), "").astype(str)
    return out


def derive(
    spec: IndicatorSpec, frames: dict[str, pd.DataFrame], geo: Geography
) -> pd.DataFrame:
    """Rows of a derived indicator at every level, from the rows of what it is derived from."""
    f = spec.formula
    keys = ["level", "org_id", "territory_id", "year", *DIMS]
    if spec.kind in {"ratio", "difference"}:
        a, b = (frames.get(code, pd.DataFrame()) for code in f["of"])
        if a.empty or b.empty:
            return pd.DataFrame()
        left = _merge_keys(a[[*keys, "value", "n"]]).rename(columns={"value": "numerator"})
        right = _merge_keys(b[[*keys, "value"]]).rename(columns={"value": "denominator"})
        m = left.merge(right, on=keys, how="inner")
        for dim in ("subject", "task"):
            m[dim] = m[dim].where(m[dim] != "", None)
        for col in ("org_id", "territory_id", "grade"):
            m[col] = m[col].where(m[col] >= 0)
        if spec.kind == "ratio":
            scale = float(f.get("scale", 1))
            with np.errstate(divide="ignore", invalid="ignore"):
                m["value"] = scale * m["numerator"] / m["denominator"].where(m["denominator"] != 0)
        else:
            m["value"] = m["numerator"] - m["denominator"]
        return m[m["level"].isin(spec.levels)]
    # org_share: the share of organisations whose school value meets the condition (with a
    # list of indicators: meets it for at least one of them)
    codes = f["of"] if isinstance(f["of"], list) else [f["of"]]
    found = [frames[c] for c in codes if c in frames and not frames[c].empty]
    of = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    school = of[of["level"] == "school"] if not of.empty else of
    cond = f.get("condition", {"gt": 0})
    territories: dict[str, set[int]] = {
        "municipality": set(geo.municipality_region),
        "region": set(geo.municipality_region.values()),
    }
    years = sorted({int(y) for y in school["year"]}) if not school.empty else []
    if not years:
        return pd.DataFrame()
    valid = school[school["value"].notna()]
    # per organisation and year: has a value; meets the condition (for any of its rows)
    per_org = (
        pd.DataFrame(
            {
                "org_id": pd.to_numeric(valid["org_id"]).astype("int64"),
                "year": valid["year"].astype("int64"),
                "meets": _compare(valid["value"], cond).to_numpy(dtype=bool),
            }
        )
        .groupby(["org_id", "year"], sort=False)["meets"]
        .any()
        .reset_index()
    )
    out = []
    for level in ("municipality", "region"):
        if level not in spec.levels or not territories[level]:
            continue
        members = pd.DataFrame(
            [(t, o) for t in territories[level] for o in geo.schools.get(t, ())],
            columns=["territory_id", "org_id"],
        ).astype("int64")
        counted = (
            members.merge(per_org, on="org_id")
            .groupby(["territory_id", "year"])["meets"]
            .agg(["sum", "count"])
        )
        grid = pd.MultiIndex.from_product(
            [sorted(territories[level]), years], names=["territory_id", "year"]
        )
        counted = counted.reindex(grid, fill_value=0).reset_index()
        if f.get("denominator") == "all_schools":
            sizes = {t: len(geo.schools.get(t, ())) for t in territories[level]}
            den = counted["territory_id"].map(sizes).astype("float64")
        else:
            den = counted["count"].astype("float64")
        out.append(
            pd.DataFrame(
                {
                    "level": level,
                    "org_id": pd.NA,
                    "territory_id": counted["territory_id"],
                    "year": counted["year"],
                    "numerator": counted["sum"].astype("float64"),
                    "denominator": den,
                    "n": den,
                }
            )
        )
    if not out:
        return pd.DataFrame()
    rows = pd.concat(out, ignore_index=True)
    for dim in DIMS:
        rows[dim] = None
    rows["value"] = 100.0 * rows["numerator"] / rows["denominator"].where(rows["denominator"] > 0)
    return rows


def batch_lookup(years: list[int]) -> Callable[[IndicatorSpec, pd.DataFrame], pd.DataFrame]:
    """Adds to school rows of a fact indicator their ``batches``: "12,15" — the active
    batches with files of the indicator's table, year and procedures that hold facts of
    that organisation (a batch's scope lists its organisations; an empty scope means any)."""
    files = FactFile.objects.filter(batch__status=ImportBatch.Status.ACTIVE, year__in=years)
    per: dict[tuple[str, int], dict[int, tuple[set[str], list[int]]]] = defaultdict(dict)
    for table, year, procedure, batch_id, scope in files.values_list(
        "table", "year", "procedure_code", "batch_id", "batch__scope"
    ).distinct():
        if year is not None:
            entry = per[(table, int(year))].setdefault(int(batch_id), (set(), list(scope or [])))
            entry[0].add(str(procedure))

    @functools.cache
    def label(table: str, year: int, org: int, procedures: frozenset[str] | None) -> str:
        ids = {
            b
            for b, (procs, scope) in per.get((table, year), {}).items()
            if (not scope or org in scope) and (procedures is None or procs & procedures)
        }
        return ",".join(str(b) for b in sorted(ids))

    def add(spec: IndicatorSpec, school: pd.DataFrame) -> pd.DataFrame:
        school = school.drop(columns=["batches"], errors="ignore")
        if school.empty:
            return school.assign(batches=pd.Series(dtype="string"))
        table = str(spec.table)
        procedures = procedures_of(spec.formula.get("where"))
        year = school["year"].to_numpy(dtype="int64")
        org = school["org_id"].to_numpy(dtype="int64")
        pair_codes, pairs = pd.factorize(year * (1 << 32) + org)
        labels = [label(table, int(p >> 32), int(p & 0xFFFFFFFF), procedures) for p in pairs]
        label_codes, uniques = pd.factorize(pd.Series(labels, dtype="object"))
        # no batch at all is no label (null), not an empty string
        label_codes = np.where(uniques[label_codes] == "", -1, label_codes) if len(uniques) else label_codes
        return school.assign(
            batches=pd.Categorical.from_codes(label_codes[pair_codes], categories=uniques)
        )

    return add


@dataclass
class RunResult:
    run: ComputationRun
    rows: int
    seconds: float
    timings: dict[str, float]


def compute(
    *,
    catalogs: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    org_ids: Iterable[int] | None = None,
    engine: Engine | str = "duckdb",
    trigger: str = "command",
    user: Any = None,
    progress: Progress | None = None,
    audit: bool = True,
    changed: Iterable[tuple[str, str]] | None = None,
    run: ComputationRun | None = None,
) -> RunResult:
    """Compute (or, with ``org_ids``, recompute for those organisations) and store values.

    The run's bookkeeping rows are not audited one by one: one BULK audit row names the run
    (``audit=False`` for callers that record their own, such as the demo)."""
    from msoko.access import audit as audit_log

    with audit_log.DANGEROUS_unaudited():
        result = _compute(
            catalogs=catalogs, years=years, org_ids=org_ids, engine=engine,
            trigger=trigger, user=user, progress=progress,
            changed=set(changed) if changed is not None else None, run=run,
        )
    if audit:
        audit_log.record(
            "bulk",
            model="indicators.ComputationRun",
            object_id=result.run.pk,
            object_repr=str(result.run),
            changes={
                "values": result.rows,
                "catalogs": result.run.catalogs,
                "years": result.run.years,
                "organisations": result.run.org_ids,
                "trigger": trigger,
            },
            actor=user if getattr(user, "is_authenticated", False) else None,
        )
    return result


def incremental_ok(specs: list[IndicatorSpec]) -> bool:
    """Whether a catalog can be recomputed for some organisations from its stored rows:
    every fact indicator keeps its school rows and, when it rolls up to the region, its
    municipality rows (the region is summed from them)."""
    for spec in specs:
        if spec.kind not in FACT_KINDS:
            continue
        if "school" not in spec.levels:
            return False
        if spec.rollup != "none" and "region" in spec.levels and "municipality" not in spec.levels:
            return False
    return True


def reads_changed(spec: IndicatorSpec, changed: set[tuple[str, str]] | None) -> bool:
    """Whether a fact indicator reads any of the ``changed`` (table, procedure) facts
    (``None``: anything may have changed). Other kinds are always recomputed."""
    if changed is None or spec.kind not in FACT_KINDS:
        return True
    semi = spec.formula.get("per_student", {}).get("with_students_in")
    if semi and any(t == semi["table"] for t, _ in changed):
        return True
    procedures = procedures_of(spec.formula.get("where"))
    return any(
        t == spec.table and (procedures is None or p in procedures) for t, p in changed
    )


@dataclass
class Scope:
    """What a run writes: everything, or (incremental) the rows of some organisations, with
    the parts of the value store they touch."""

    orgs: list[int] | None = None
    municipalities: set[int] = field(default_factory=set)
    # fact indicators that read none of the changed facts: their stored rows stand
    untouched: set[str] = field(default_factory=set)

    @property
    def incremental(self) -> bool:
        return self.orgs is not None

    def parts(self) -> list[str]:
        return [value_store.TERRITORIES, *(value_store.school_part(m) for m in sorted(self.municipalities))]


def _compute(
    *,
    catalogs: Iterable[str] | None,
    years: Iterable[int] | None,
    org_ids: Iterable[int] | None,
    engine: Engine | str,
    trigger: str,
    user: Any,
    progress: Progress | None,
    changed: set[tuple[str, str]] | None = None,
    run: ComputationRun | None = None,
) -> RunResult:
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    specs_by_catalog = load_specs(catalogs)
    all_years: list[int] = sorted(
        {int(y) for y in years}
        if years is not None
        else set(
            int(y)
            for y in FactFile.objects.filter(
                batch__status=ImportBatch.Status.ACTIVE, year__isnull=False
            )
            .values_list("year", flat=True)
            .distinct()
            if y is not None
        )
        | _form_years()
    )
    orgs = sorted(int(o) for o in org_ids) if org_ids else None
    geo = Geography.load()
    fingerprint = geo.fingerprint()
    if orgs is not None:
        from msoko.indicators.models import ValueFile

        stored = ValueFile.objects.filter(
            is_active=True, catalog__in=list(specs_by_catalog), year__in=all_years
        )
        have = set(stored.values_list("catalog", "year"))
        if (
            len(have) < len(specs_by_catalog) * len(all_years)
            or stored.filter(part="").exists()
            or stored.exclude(run__geography=fingerprint).exists()
            or not all(incremental_ok(specs) for specs in specs_by_catalog.values())
        ):
            # nothing stored to take the other schools' rows from (or stored before the
            # store had parts, or when a school was in another municipality — its rows sit
            # in that municipality's part and in its sums —, or a catalog that cannot be
            # recomputed in part): everything
            orgs = None
    fields = {
        "engine": eng.name,
        "trigger": trigger,
        "catalogs": sorted(specs_by_catalog),
        "years": all_years,
        "org_ids": orgs or [],
        "geography": fingerprint,
        "started_by": user if getattr(user, "is_authenticated", False) else None,
        "worker": this_worker(),
    }
    if run is None:
        run = ComputationRun.objects.create(**fields)
    else:  # the run an import batch recorded as owed (recompute_after_batch)
        for name, value in fields.items():
            setattr(run, name, value)
        run.save()
    try:
        every = [s for specs in specs_by_catalog.values() for s in specs]
        scope = Scope(
            orgs,
            {geo.org_municipality[o] for o in orgs or [] if o in geo.org_municipality},
            {s.code for s in every if not reads_changed(s, changed)} if orgs is not None else set(),
        )
        thresholds = load_thresholds(all_years)
        say(f"Показателей: {len(every)} в {len(specs_by_catalog)} каталогах; годы: {all_years}")
        wanted = [s for s in every if s.code not in scope.untouched]
        fact, batches, timings = (
            run_fact_queries(eng, wanted, thresholds, geo, org_ids=orgs, years=all_years, progress=say)
            if all_years
            else ({}, [], {})
        )
        # forms and entered values are few: always all of them
        forms = form_rows(every, all_years, None)
        entered = entered_rows(every, all_years)
        lookup = batch_lookup(all_years)
        total = 0
        written: list[value_store.Pending] = []
        # held from the first file until the activation commits: a sweep in another
        # process must not take the pending files for a crash's orphans
        # (files are written by a few threads: Parquet encoding and fsync release the GIL)
        with storelock.writing(), ThreadPoolExecutor(max_workers=8) as pool:
            futures = []
            for catalog, specs in specs_by_catalog.items():
                tables = _catalog_table(
                    specs, fact, forms, entered, geo, lookup, scope, catalog, all_years, run.pk
                )
                for year, part, rows in _split(tables, all_years, scope):
                    futures.append(pool.submit(value_store.write_pending, catalog, year, part, rows))
                    total += rows.num_rows
                say(f"Каталог {catalog}: {sum(t.num_rows for t in tables):,} значений")
            written = [f.result() for f in futures]
            crash_point("recompute.before_activate")
            with transaction.atomic():
                value_store.activate(
                    run,
                    written,
                    replace_all=[]
                    if scope.incremental
                    else [(c, y) for c in specs_by_catalog for y in all_years],
                )
                run.status = ComputationRun.Status.DONE
                run.finished_at = timezone.now()
                run.rows = total
                run.batches = batches
                run.seconds = time.perf_counter() - started
                run.save()
        sweep_values()
    except BaseException as exc:
        run.status = ComputationRun.Status.FAILED
        run.error = str(exc)[:5000]
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save()
        raise
    return RunResult(run, total, run.seconds or 0.0, timings)


def _split(
    tables: list[pa.Table], years: list[int], scope: Scope
) -> Iterator[tuple[int, str, pa.Table]]:
    """A catalog's rows (a list of tables, each of one indicator and level, or rows carried
    over) by year and part. Each table is ordered by its own keys and sliced, so no sort
    runs over the whole catalog. An incremental run writes every part it touches, also when
    it has no rows left (so that no stale file stays active)."""
    slices: dict[tuple[int, str], list[pa.Table]] = defaultdict(list)
    for table in tables:
        if not table.num_rows:
            continue
        year = table.column("year").to_numpy(zero_copy_only=False).astype("int64")
        school = np.zeros(table.num_rows, dtype=bool)
        for chunk, start in _chunks(table.column("level")):
            names = np.asarray(chunk.dictionary.to_pylist(), dtype=object) == "school"
            indices = chunk.indices.fill_null(0).to_numpy(zero_copy_only=False)
            school[start : start + len(chunk)] = names[indices] if len(names) else False
        territory = (
            pc.fill_null(table.column("territory_id"), -1).to_numpy(zero_copy_only=False).astype("int64")
        )
        key = year * (1 << 32) + np.where(school, territory + 2, 0)  # 0: the territories part
        if len(key) > 1 and (np.diff(key) < 0).any():
            order = np.argsort(key, kind="stable")
            table, key = _take(table, order), key[order]
        bounds = np.flatnonzero(np.diff(key) != 0) + 1
        for start, end in zip([0, *bounds.tolist()], [*bounds.tolist(), len(key)], strict=True):
            y, code = int(key[start] >> 32), int(key[start] & 0xFFFFFFFF)
            part = value_store.TERRITORIES if code == 0 else value_store.school_part(
                None if code == 1 else code - 2
            )
            slices[(y, part)].append(table.slice(start, end - start))
    wanted = {(y, p) for y in years for p in scope.parts()} if scope.incremental else set(slices)
    for y, part in sorted(wanted):
        parts = slices.get((y, part))
        yield y, part, pa.concat_tables(parts) if parts else value_store.SCHEMA.empty_table()


def _take(table: pa.Table, order: np.ndarray) -> pa.Table:
    """``table.take(order)`` column by column (several times faster for a table of
    dictionary columns)."""
    indices = pa.array(order)
    return pa.Table.from_arrays([c.take(indices) for c in table.columns], schema=table.schema)


def _chunks(column: pa.ChunkedArray) -> Iterator[tuple[Any, int]]:
    start = 0
    for chunk in column.chunks:
        yield chunk, start
        start += len(chunk)


def _form_years() -> set[int]:
    from msoko.collect.models import Status, Submission
    from msoko.indicators.models import EnteredValue

    years = set(
        Submission.objects.filter(status=Status.APPROVED).values_list("year__start_year", flat=True)
    )
    years |= set(EnteredValue.objects.values_list("year", flat=True))
    return {int(y) for y in years}


SOURCES = {
    "form": "form",
    "form_share": "form",
    "entered": "entered",
    "ratio": "derived",
    "difference": "derived",
    "org_share": "derived",
}


def _catalog_table(
    specs: list[IndicatorSpec],
    fact: dict[str, pd.DataFrame],
    forms: dict[str, pd.DataFrame],
    entered: dict[str, pd.DataFrame],
    geo: Geography,
    lookup: Callable[[IndicatorSpec, pd.DataFrame], pd.DataFrame],
    scope: Scope,
    catalog: str,
    years: list[int],
    run_id: int,
) -> list[pa.Table]:
    """Every row of one catalog (in an incremental run: every row of the parts it rewrites,
    and school rows of other municipalities, which ``_split`` leaves out)."""
    previous: dict[str, pd.DataFrame] = {}
    others: dict[str, pd.DataFrame] = {}
    frames: dict[str, pd.DataFrame] = {}
    external: dict[str, pd.DataFrame] = {}
    tables: list[pa.Table] = []
    referenced = {code for spec in specs for code in spec.depends_on}
    if scope.incremental:
        stored = value_store.read_parts(catalog, years, scope.parts(), frame=False)
        codes = stored.column("indicator")
        kept = sorted(scope.untouched & {s.code for s in specs})
        if kept:
            # indicators that read none of the changed facts: their rows stand as stored
            tables.append(stored.filter(pc.is_in(codes, pa.array(kept))).cast(value_store.SCHEMA))
        redo = stored.filter(pc.invert(pc.is_in(codes, pa.array(sorted(set(kept) - referenced), pa.string()))))
        previous = {
            str(code): part
            for code, part in redo.to_pandas().groupby("indicator", sort=False)
        }
        others = _other_school_rows(specs, catalog, years, scope)
    for spec in topological(specs):
        if spec.code in scope.untouched:
            if spec.code in referenced:
                frames[spec.code] = previous.get(spec.code, pd.DataFrame())
            continue
        if spec.kind in FACT_KINDS or spec.kind in {"form", "form_share"}:
            new = (fact if spec.kind in FACT_KINDS else forms).get(spec.code)
            if new is None:
                new = _empty_rows()
            other_munis = None
            if scope.incremental and spec.kind in FACT_KINDS:
                # the other schools of the municipalities rewritten keep their stored rows;
                # the other municipalities' sums come from their stored rows
                old = previous.get(spec.code)
                if old is not None:
                    stay = old[(old["level"] == "school") & ~old["org_id"].isin(scope.orgs or [])]
                    new = pd.concat(
                        [stay[new.columns.intersection(stay.columns)], new], ignore_index=True
                    )
                    other_munis = old[
                        (old["level"] == "municipality")
                        & ~old["territory_id"].isin(scope.municipalities)
                    ]
            # query rows carry their municipality (and come ordered by it); form rows and
            # the stored rows an incremental run merges in are placed here
            school = (
                new
                if "territory_id" in new.columns and not (scope.incremental or spec.kind not in FACT_KINDS)
                else new.assign(territory_id=geo.municipality_of(new["org_id"]))
            )
            school["value"] = value_of(spec.kind, spec.unit, school["numerator"], school["denominator"])
            school["level"] = pd.Categorical.from_codes(np.zeros(len(school), dtype=np.int8), ["school"])
            if spec.table:
                school = lookup(spec, school)
            parts = [school] if "school" in spec.levels else []
            parts += roll_up(spec, school, geo, other_municipalities=other_munis)
            if "school" not in spec.levels:
                # keep school rows for org_share and derived use, not for display
                external[spec.code] = school
            source = SOURCES.get(spec.kind, "computed")
            tables += [_arrow_rows(p, spec.code, source, run_id) for p in parts if not p.empty]
            # a frame of all levels only for what other indicators of the catalog read
            frame = (
                pd.concat(parts, ignore_index=True) if parts and spec.code in referenced else pd.DataFrame()
            )
            frames[spec.code] = frame
            continue
        elif spec.kind == "entered":
            frame = entered.get(spec.code, pd.DataFrame())
            if not frame.empty:
                frame = frame.copy()
                frame["level"] = np.where(frame["org_id"].notna(), "school", "")
                territory_level = {
                    t: ("region" if t in set(geo.municipality_region.values()) else "municipality")
                    for t in frame["territory_id"].dropna().unique()
                }
                frame.loc[frame["org_id"].isna(), "level"] = frame.loc[
                    frame["org_id"].isna(), "territory_id"
                ].map(territory_level)
                frame.loc[frame["org_id"].notna(), "territory_id"] = frame.loc[
                    frame["org_id"].notna(), "org_id"
                ].map(geo.org_municipality)
                frame["value"] = frame["numerator"]
        else:
            sources = {
                **frames,
                **{k: pd.concat([frames.get(k, pd.DataFrame()), v]) for k, v in external.items()},
            }
            if spec.kind == "org_share":
                for code, rows in others.items():
                    sources[code] = pd.concat([sources.get(code, pd.DataFrame()), rows], ignore_index=True)
            frame = derive(spec, sources, geo)
        frames[spec.code] = frame
        if not frame.empty:
            tables.append(_arrow_rows(frame, spec.code, SOURCES.get(spec.kind, "computed"), run_id))
    return tables


def _other_school_rows(
    specs: list[IndicatorSpec], catalog: str, years: list[int], scope: Scope
) -> dict[str, pd.DataFrame]:
    """For an incremental run: the stored school rows, outside the parts it rewrites, of the
    indicators whose share of organisations is taken (the region's share needs every
    school of the region). Forms and entered values are read whole anyway."""
    by_code = {s.code: s for s in specs}
    wanted = set()
    for spec in specs:
        if spec.kind == "org_share":
            of = spec.formula["of"]
            wanted |= set(of if isinstance(of, list) else [of])
    wanted = {
        c for c in wanted
        if c in by_code and by_code[c].kind not in {"form", "form_share", "entered"}
    }
    if not wanted:
        return {}
    rest = value_store.read_parts(catalog, years, None, exclude=scope.parts(), indicators=wanted)
    rest = rest[rest["level"] == "school"]
    return {str(code): part for code, part in rest.groupby("indicator", sort=False)}


def _arrow_rows(frame: pd.DataFrame, code: str, source: str, run_id: int) -> pa.Table:
    """One indicator's rows as an Arrow table of the value store's schema (empty text is
    null; whole-number columns may arrive as floats with NaN)."""
    n = len(frame)

    def number(name: str, kind: pa.DataType) -> pa.Array:
        if name not in frame.columns:
            return pa.nulls(n, kind)
        col = frame[name]
        if pd.api.types.is_integer_dtype(col.dtype) and not isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
            return pa.array(col.to_numpy()).cast(kind)  # no missing values: no float detour
        if pd.api.types.is_numeric_dtype(col.dtype):
            values = col.to_numpy(dtype="float64", na_value=np.nan)
        else:
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return pa.array(values, from_pandas=True).cast(kind)

    def text(name: str) -> pa.Array:
        if name not in frame.columns:
            return pa.nulls(n, TEXT)
        col = frame[name]
        if not isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype("object").where(col.notna(), None).astype("category")
        categories = col.cat.categories
        codes = col.cat.codes.to_numpy()
        if len(categories) and (categories == "").any():
            codes = np.where(np.asarray(categories == "")[np.maximum(codes, 0)], -1, codes)
        indices = pa.array(codes.astype(np.int32), mask=codes < 0)
        return pa.DictionaryArray.from_arrays(indices, pa.array(categories.astype(str), pa.string()))

    def constant(value: Any, kind: pa.DataType) -> pa.Array:
        if kind == TEXT:
            return pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], pa.string())
            )
        return pa.array(np.full(n, value), kind)

    levels = frame["level"].unique() if "level" in frame.columns else []
    columns = {
        "indicator": constant(code, TEXT),
        "level": constant(str(levels[0]), TEXT) if len(levels) == 1 else text("level"),
        "org_id": number("org_id", pa.int64()),
        "territory_id": number("territory_id", pa.int64()),
        "year": number("year", pa.int16()),
        "subject": text("subject"),
        "grade": number("grade", pa.int16()),
        "task": text("task"),
        "value": number("value", pa.float64()),
        "numerator": number("numerator", pa.float64()),
        "denominator": number("denominator", pa.float64()),
        "n": number("n", pa.float64()),
        "source": constant(source, TEXT),
        "batches": text("batches"),
        "run_id": constant(run_id, pa.int64()),
    }
    return pa.Table.from_pydict(columns, schema=value_store.SCHEMA)


def sweep_values() -> int | None:
    """Remove value files no run uses any more, unless another process is writing (then
    the next sweep does it): ``None`` when skipped."""
    with storelock.sweeping() as got:
        return value_store.sweep() if got else None


def recompute_after_batch(batch_id: int, *, user: Any = None) -> RunResult | None:
    """Recompute what one import batch (loaded or rolled back) affects: the catalogs whose
    fact indicators read its tables (and those derived from them), for its years and, when
    the batch names its organisations, for those organisations only. Nothing to do when no
    indicator reads its tables."""
    crash_point("recompute.start")
    batch = ImportBatch.objects.get(pk=batch_id)
    # the run the batch recorded as owed in its own transaction (recompute.owe)
    owed = ComputationRun.objects.filter(
        for_batch=batch_id, status=ComputationRun.Status.RUNNING, worker=this_worker()
    ).first()
    files = list(FactFile.objects.filter(batch=batch).values_list("table", "year"))
    if not files:
        if owed is not None:
            owed.delete()
        return None
    tables = {t for t, _ in files}
    years = sorted({int(y) for _, y in files if y is not None})
    specs = load_specs()
    touched = {
        catalog
        for catalog, items in specs.items()
        if any(s.kind in FACT_KINDS and s.table in tables for s in items)
    }
    if not touched:
        if owed is not None:
            owed.delete()
        return None
    # catalogs with indicators derived from indicators of the touched ones
    codes = {s.code for c in touched for s in specs[c]}
    changed = True
    while changed:
        changed = False
        for catalog, items in specs.items():
            if catalog not in touched and any(set(s.depends_on) & codes for s in items):
                touched.add(catalog)
                codes |= {s.code for s in items}
                changed = True
    scope = [int(o) for o in (batch.scope or [])]
    return compute(
        catalogs=sorted(touched),
        years=years,
        org_ids=scope or None,
        trigger=f"пакет загрузки № {batch.pk}",
        user=user,
        changed={
            (str(t), str(p))
            for t, p in FactFile.objects.filter(batch=batch).values_list("table", "procedure_code")
        },
        run=owed,
    )


def recompute_quietly(batch_id: int, *, user: Any = None) -> RunResult | None:
    """``recompute_after_batch`` for the import pipeline: a failure is recorded on the run
    (and logged), never undoes the import that has already been committed."""
    import logging

    try:
        return recompute_after_batch(batch_id, user=user)
    except Exception:
        logging.getLogger("msoko.indicators").exception(
            "Пересчёт показателей после пакета № %s не удался", batch_id
        )
        return None
