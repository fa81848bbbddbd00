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

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from msoko.facts import store
from msoko.facts.models import FactFile, ImportBatch, MarkScale, TaskSpec
from msoko.indicators import values as value_store
from msoko.indicators.compiler import Query, Thresholds, compile_all, procedures_of
from msoko.indicators.engines import Engine, make_engine
from msoko.indicators.models import ComputationRun, IndicatorDefinition
from msoko.indicators.spec import FACT_KINDS, IndicatorSpec, topological

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


def task_maxima() -> pd.DataFrame:
    """The maximum score of every task of every work (procedure, subject, grade, year)."""
    rows = TaskSpec.objects.values_list(
        "assessment__procedure__code",
        "assessment__subject__code",
        "assessment__grade",
        "assessment__year__start_year",
        "number",
        "max_score",
    )
    return pd.DataFrame(
        list(rows), columns=["procedure", "subject", "grade", "year", "task", "max_score"]
    ).astype({"grade": "float64", "year": "int64", "max_score": "float64"})


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
    keys = ["org_id", "year", *by]
    agg = frame.groupby(keys, sort=False, dropna=False, observed=True)[
        ["numerator", "denominator", "n"]
    ].sum(min_count=1)
    out = agg.reset_index()
    for dim in DIMS:
        if dim not in out.columns:
            out[dim] = None
    return out


def run_fact_queries(
    engine: Engine,
    specs: list[IndicatorSpec],
    thresholds: Thresholds,
    *,
    org_ids: list[int] | None = None,
    years: list[int] | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, pd.DataFrame], list[int], dict[str, float]]:
    """School rows of every fact indicator of ``specs``; the batches read; seconds per query."""
    fact_specs = [s for s in specs if s.kind in FACT_KINDS]
    queries = compile_all(fact_specs, thresholds, org_ids=org_ids, years=years)
    by_code = {s.code: s for s in fact_specs}
    bound: set[str] = set()
    batches: set[int] = set()
    out: dict[str, pd.DataFrame] = {}
    timings: dict[str, float] = {}
    maxima: pd.DataFrame | None = None
    for q in queries:
        tables = {q.table, *_semi_tables(q, by_code)}
        for table in tables - bound:
            files = store.active_files(table, years=years)
            batches.update(f.batch_id for f in files)
            root = store.store_root()
            engine.bind(table, [str(root / f.path) for f in files])
            bound.add(table)
        started = time.perf_counter()
        result = engine.execute(q.expr).to_pandas()
        timings[q.name] = time.perf_counter() - started
        if progress:
            progress(f"  {q.name}: {len(result):,} строк за {timings[q.name]:.2f} с")
        for code, (num, den, n) in q.columns.items():
            spec = by_code[code]
            frame = pd.DataFrame({k: result[k] for k in q.keys})
            frame["numerator"] = result[num].astype("float64")
            frame["denominator"] = result[den].astype("float64") if den else np.nan
            frame["n"] = result[n].astype("float64")
            if spec.kind == "task_share_of_max":
                if maxima is None:
                    maxima = task_maxima()
                frame["grade"] = frame["grade"].astype("float64")
                frame["year"] = frame["year"].astype("int64")
                frame = frame.merge(
                    maxima, on=["procedure", "subject", "grade", "year", "task"], how="inner"
                )
                frame["denominator"] = frame["denominator"] * frame["max_score"]
                frame["n"] = frame["n"] / frame.groupby(
                    ["org_id", "year", "procedure", "subject", "grade"], sort=False, observed=True
                )["task"].transform("count") if "task" not in spec.by else frame["n"]
            frame = frame[(frame["n"] > 0) | (frame["numerator"] > 0)]
            procedures = procedures_of(spec.formula.get("where"))
            if (
                procedures is not None
                and len(procedures) == 1
                and set(q.keys) - {"procedure"} == {"org_id", "year", *spec.by}
            ):
                # already at the indicator's own grain: one procedure, no coarser breakdown
                frame = frame.drop(columns=["procedure", "max_score"], errors="ignore")
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
        if kind in {"share", "form_share", "org_share", "task_share_of_max"}:
            v = 100.0 * num / den.where(den > 0)
        elif kind in {"mean", "ratio"}:
            v = num / den.where(den > 0)
        elif kind == "presence":
            v = (num > 0).astype("float64").where(num.notna())
        elif kind == "form" and den.notna().any():
            v = num / den.where(den > 0)
        else:
            v = num
    return v.astype("float64")


def _school_values(spec: IndicatorSpec, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["value"] = value_of(spec.kind, spec.unit, frame["numerator"], frame["denominator"])
    return frame


def roll_up(spec: IndicatorSpec, school: pd.DataFrame, geo: Geography) -> list[pd.DataFrame]:
    """Municipality and region rows from school rows, as ``spec.rollup`` says."""
    if spec.rollup == "none" or school.empty:
        return []
    base = school.copy()
    base["municipality"] = base["org_id"].map(geo.org_municipality)
    base["region"] = base["municipality"].map(geo.municipality_region)
    out = []
    for level in ("municipality", "region"):
        if level not in spec.levels:
            continue
        keys = [level, "year", *DIMS]
        part = base.dropna(subset=[level])
        if part.empty:
            continue
        g = part.groupby(keys, sort=False, dropna=False, observed=True)
        if spec.rollup == "pooled":
            agg = g[["numerator", "denominator", "n"]].sum(min_count=1)
            agg["value"] = value_of(spec.kind, spec.unit, agg["numerator"], agg["denominator"])
        elif spec.rollup == "mean_of_schools":
            agg = pd.DataFrame(
                {"numerator": g["value"].sum(min_count=1), "denominator": g["value"].count()}
            )
            agg["n"] = agg["denominator"]
            agg["value"] = agg["numerator"] / agg["denominator"].where(agg["denominator"] > 0)
        else:  # share_of_orgs / count_of_orgs
            positive = part.assign(_pos=(part["value"] > 0).astype("float64"))
            g2 = positive.groupby(keys, sort=False, dropna=False, observed=True)
            agg = pd.DataFrame({"numerator": g2["_pos"].sum(), "denominator": g2["value"].count()})
            agg["n"] = agg["denominator"]
            if spec.rollup == "share_of_orgs":
                agg["value"] = 100.0 * agg["numerator"] / agg["denominator"].where(agg["denominator"] > 0)
            else:
                agg["value"] = agg["numerator"]
        agg = agg.reset_index().rename(columns={level: "territory_id"})
        agg["org_id"] = pd.NA
        agg["level"] = level
        out.append(agg)
    return out


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
        left = a[[*keys, "value", "n"]].rename(columns={"value": "numerator"})
        right = b[[*keys, "value"]].rename(columns={"value": "denominator"})
        m = left.merge(right, on=keys, how="inner")
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
    rows = []
    territories: dict[str, set[int]] = {
        "municipality": set(geo.municipality_region),
        "region": set(geo.municipality_region.values()),
    }
    years = sorted(set(school["year"])) if not school.empty else []
    for level in ("municipality", "region"):
        if level not in spec.levels:
            continue
        for territory in territories[level]:
            members = geo.schools.get(territory, set())
            for year in years:
                part = school[(school["year"] == year) & school["org_id"].isin(members)]
                part = part[part["value"].notna()]
                meets = int(part.loc[_compare(part["value"], cond), "org_id"].nunique())
                den = len(members) if f.get("denominator") == "all_schools" else part["org_id"].nunique()
                rows.append(
                    {"level": level, "org_id": pd.NA, "territory_id": territory, "year": year,
                     "numerator": float(meets), "denominator": float(den), "n": float(den)}
                )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    for dim in DIMS:
        out[dim] = None
    out["value"] = 100.0 * out["numerator"] / out["denominator"].where(out["denominator"] > 0)
    return out


def batch_lookup(years: list[int]) -> Callable[[str, pd.DataFrame], pd.DataFrame]:
    """Adds to school rows of a fact table their ``batches``: "12,15" — the active batches
    of that table and year that hold facts of that organisation (a batch's scope lists its
    organisations; an empty scope means any)."""
    files = FactFile.objects.filter(batch__status=ImportBatch.Status.ACTIVE, year__in=years)
    per: dict[tuple[str, int], dict[int, list[int]]] = defaultdict(dict)
    for table, year, batch_id, scope in files.values_list(
        "table", "year", "batch_id", "batch__scope"
    ).distinct():
        if year is not None:
            per[(table, int(year))][int(batch_id)] = list(scope or [])

    def add(table: str, school: pd.DataFrame) -> pd.DataFrame:
        if school.empty:
            return school.assign(batches=pd.Series(dtype="string"))
        pairs = school[["year", "org_id"]].drop_duplicates()
        labels = []
        for year, org in zip(pairs["year"], pairs["org_id"], strict=True):
            ids = [
                b for b, scope in per.get((table, int(year)), {}).items()
                if not scope or int(org) in scope
            ]
            labels.append(",".join(str(b) for b in sorted(ids)))
        mapping = pairs.assign(batches=labels)
        return school.drop(columns=["batches"], errors="ignore").merge(
            mapping, on=["year", "org_id"], how="left"
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
) -> RunResult:
    """Compute (or, with ``org_ids``, recompute for those organisations) and store values.

    The run's bookkeeping rows are not audited one by one: one BULK audit row names the run
    (``audit=False`` for callers that record their own, such as the demo)."""
    from msoko.access import audit as audit_log

    with audit_log.DANGEROUS_unaudited():
        result = _compute(
            catalogs=catalogs, years=years, org_ids=org_ids, engine=engine,
            trigger=trigger, user=user, progress=progress,
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


def _compute(
    *,
    catalogs: Iterable[str] | None,
    years: Iterable[int] | None,
    org_ids: Iterable[int] | None,
    engine: Engine | str,
    trigger: str,
    user: Any,
    progress: Progress | None,
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
    if orgs is not None:
        from msoko.indicators.models import ValueFile

        have = set(
            ValueFile.objects.filter(
                is_active=True, catalog__in=list(specs_by_catalog), year__in=all_years
            ).values_list("catalog", "year")
        )
        if len(have) < len(specs_by_catalog) * len(all_years):
            # nothing stored yet to take the other schools' rows from: compute everything
            orgs = None
    run = ComputationRun.objects.create(
        engine=eng.name,
        trigger=trigger,
        catalogs=sorted(specs_by_catalog),
        years=all_years,
        org_ids=orgs or [],
        started_by=user if getattr(user, "is_authenticated", False) else None,
    )
    try:
        geo = Geography.load()
        thresholds = load_thresholds(all_years)
        every = [s for specs in specs_by_catalog.values() for s in specs]
        say(f"Показателей: {len(every)} в {len(specs_by_catalog)} каталогах; годы: {all_years}")
        fact, batches, timings = (
            run_fact_queries(eng, every, thresholds, org_ids=orgs, years=all_years, progress=say)
            if all_years
            else ({}, [], {})
        )
        # forms and entered values are few: always all of them
        forms = form_rows(every, all_years, None)
        entered = entered_rows(every, all_years)
        lookup = batch_lookup(all_years)
        total = 0
        written: list[value_store.Pending] = []
        for catalog, specs in specs_by_catalog.items():
            by_year = _catalog_frames(specs, fact, forms, entered, geo, lookup, orgs, catalog, all_years)
            for year, frame in by_year.items():
                frame["run_id"] = run.pk
                written.append(value_store.write_pending(catalog, year, frame))
                total += len(frame)
            say(f"Каталог {catalog}: {sum(len(f) for f in by_year.values()):,} значений")
        with transaction.atomic():
            value_store.activate(run, written)
            run.status = ComputationRun.Status.DONE
            run.finished_at = timezone.now()
            run.rows = total
            run.batches = batches
            run.seconds = time.perf_counter() - started
            run.save()
        value_store.sweep()
    except BaseException as exc:
        run.status = ComputationRun.Status.FAILED
        run.error = str(exc)[:5000]
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save()
        raise
    return RunResult(run, total, run.seconds or 0.0, timings)


def _form_years() -> set[int]:
    from msoko.collect.models import Status, Submission
    from msoko.indicators.models import EnteredValue

    years = set(
        Submission.objects.filter(status=Status.APPROVED).values_list("year__start_year", flat=True)
    )
    years |= set(EnteredValue.objects.values_list("year", flat=True))
    return {int(y) for y in years}


def _catalog_frames(
    specs: list[IndicatorSpec],
    fact: dict[str, pd.DataFrame],
    forms: dict[str, pd.DataFrame],
    entered: dict[str, pd.DataFrame],
    geo: Geography,
    lookup: Callable[[str, pd.DataFrame], pd.DataFrame],
    orgs: list[int] | None,
    catalog: str,
    years: list[int],
) -> dict[int, pd.DataFrame]:
    """Every row of one catalog, by year."""
    previous: pd.DataFrame | None = None
    if orgs:
        previous = value_store.read_catalog(catalog, years)
    frames: dict[str, pd.DataFrame] = {}
    external: dict[str, pd.DataFrame] = {}
    ordered = topological(specs)
    for spec in ordered:
        if spec.kind in FACT_KINDS or spec.kind in {"form", "form_share"}:
            new = (fact if spec.kind in FACT_KINDS else forms).get(spec.code, _empty_rows())
            new = new.copy()
            new["territory_id"] = new["org_id"].map(geo.org_municipality)
            if previous is not None and spec.kind in FACT_KINDS:
                old = previous[(previous["indicator"] == spec.code) & (previous["level"] == "school")]
                old = old[~old["org_id"].isin(orgs or [])]
                new = pd.concat([old[new.columns.intersection(old.columns)], new], ignore_index=True)
            school = _school_values(spec, new)
            school["level"] = "school"
            if spec.table:
                school = lookup(spec.table, school)
            parts = [school[school["level"].isin(spec.levels)]] if "school" in spec.levels else []
            parts += roll_up(spec, school, geo)
            if "school" not in spec.levels:
                # keep school rows for org_share and derived use, not for display
                external[spec.code] = school
            frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
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
            sources = {**frames, **{k: pd.concat([frames.get(k, pd.DataFrame()), v]) for k, v in external.items()}}
            frame = derive(spec, sources, geo)
        if not frame.empty:
            frame = frame.copy()
            frame["indicator"] = spec.code
            frame["source"] = {
                "form": "form",
                "form_share": "form",
                "entered": "entered",
                "ratio": "derived",
                "difference": "derived",
                "org_share": "derived",
            }.get(spec.kind, "computed")
        frames[spec.code] = frame
    every = [f for f in frames.values() if not f.empty]
    if not every:
        return {}
    combined = pd.concat(every, ignore_index=True)
    combined = value_store.conform(combined)
    years_present = sorted(int(y) for y in combined["year"].dropna().unique())
    return {y: combined[combined["year"] == y].reset_index(drop=True) for y in years_present}


def recompute_after_batch(batch_id: int, *, user: Any = None) -> RunResult | None:
    """Recompute what one import batch (loaded or rolled back) affects: the catalogs whose
    fact indicators read its tables (and those derived from them), for its years and, when
    the batch names its organisations, for those organisations only. Nothing to do when no
    indicator reads its tables."""
    batch = ImportBatch.objects.get(pk=batch_id)
    files = list(FactFile.objects.filter(batch=batch).values_list("table", "year"))
    if not files:
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
