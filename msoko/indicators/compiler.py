"""Compile indicator definitions over fact tables into portable Ibis expressions.

The expressions are built over *unbound* tables named after the fact tables, so one
expression runs on DuckDB (the embedded default) and on Spark alike (``engines.py`` binds the
names to the active Parquet files), and ``ibis.to_sql(expr, dialect=…)`` gives the reviewed
SQL snapshot of each engine.

Every additive indicator of a table is one pair of conditional sums (numerator,
denominator) in **one** aggregate per table, grouped at the finest grain any indicator needs
(organisation, year, procedure, subject, grade, and task for task scores). Coarser
breakdowns are sums of that grain, done after the query, so the facts are scanned once per
table however many indicators read them. Indicators that are not additive over that grain —
distinct counts and per-student conditions (e.g. 70+ in every ЕГЭ subject) — get a query of
their own, grouped by what they need.

Booleans are counted with ``cond.ifelse(1, 0).sum()``: no casts of booleans to numbers,
which PostgreSQL and Spark treat differently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from msoko.facts.schema import TABLES
from msoko.indicators.spec import AGGREGATE_KINDS, IndicatorSpec

KEYS = ("org_id", "year", "procedure", "subject", "grade")
TASK_KEYS = (*KEYS, "task")

# The maximum score of every task of every work (the works' specifications), bound by the
# engines beside the fact tables: a share of the maximum joins it in its query.
TASK_MAXIMA = "task_maxima"
WORK_TASK = ("procedure", "subject", "grade", "year", "task")
TASK_MAXIMA_SCHEMA = pa.schema(
    [
        pa.field("procedure", pa.string()),
        pa.field("subject", pa.string()),
        pa.field("grade", pa.int8()),
        pa.field("year", pa.int16()),
        pa.field("task", pa.string()),
        pa.field("max_score", pa.float64()),
    ]
)
# Which municipality each organisation belongs to (the registry), bound the same way: every
# query's rows carry it and come ordered by year and municipality, the order the value
# store is split in (one file of school rows per municipality and year), so that nothing
# re-sorts millions of rows after the query.
ORG_TERRITORY = "org_territory"
ORG_TERRITORY_SCHEMA = pa.schema(
    [pa.field("org_id", pa.int64(), nullable=False), pa.field("territory_id", pa.int64())]
)


@dataclass
class Thresholds:
    """Minimum thresholds by (procedure, subject, year): what ``{threshold: min}`` means."""

    values: dict[tuple[str, str, int], float] = field(default_factory=dict)

    def expr(self, t: ir.Table) -> ir.NumericValue:
        """The threshold of each row: one branch per procedure and subject whose threshold is
        the same every year, one per year otherwise."""
        per_subject: dict[tuple[str, str], dict[int, float]] = {}
        for (p, s, y), v in self.values.items():
            per_subject.setdefault((p, s), {})[y] = float(v)
        branches = []
        for (p, s), by_year in sorted(per_subject.items()):
            if len(set(by_year.values())) == 1:
                branches.append(((t.procedure == p) & (t.subject == s), next(iter(by_year.values()))))
            else:
                branches += [
                    ((t.procedure == p) & (t.subject == s) & (t.year == y), v)
                    for y, v in sorted(by_year.items())
                ]
        if not branches:
            return ibis.null("float64")
        return ibis.cases(*branches, else_=ibis.null("float64"))


THRESHOLD = "_min_threshold"


def with_threshold(t: ir.Table, specs: list[IndicatorSpec], thresholds: Thresholds) -> ir.Table:
    """``t`` with the minimum threshold of each row as a column, computed once, when any of
    ``specs`` compares with it ({threshold: min}); otherwise ``t`` unchanged."""
    uses = any('"threshold"' in json.dumps(s.formula) for s in specs)
    if not uses or not {"procedure", "subject", "year"} <= set(t.columns):
        return t
    return t.mutate(**{THRESHOLD: thresholds.expr(t)})


@dataclass
class Query:
    """One compiled query: its name, the fact table it reads, its expression, and how its
    columns map to indicators (``columns[code] = (numerator, denominator, n)``)."""

    name: str
    table: str
    expr: ir.Table
    keys: tuple[str, ...]
    columns: dict[str, tuple[str, str | None, str]]
    procedures: frozenset[str] | None
    # tables other than facts the query reads (``TASK_MAXIMA``, ``ORG_TERRITORY``)
    reads: tuple[str, ...] = ()


def fact_table(name: str) -> ir.Table:
    """The unbound table of a fact table: engines bind the name to its active files."""
    return ibis.table(ibis.Schema.from_pyarrow(TABLES[name]), name=name)


Source = Callable[[str], ir.Table]


def source(*, org_ids: list[int] | None = None, years: list[int] | None = None) -> Source:
    """Fact tables, optionally limited to some organisations and years before anything else."""

    def table(name: str) -> ir.Table:
        t = fact_table(name)
        if org_ids:
            t = t.filter(t.org_id.isin(sorted(org_ids)))
        if years:
            t = t.filter(t.year.isin(sorted(years)))
        return t

    return table


def _operand(t: ir.Table, operand: Any, thresholds: Thresholds) -> Any:
    if isinstance(operand, dict):
        if "column" in operand:
            return t[operand["column"]]
        if "threshold" in operand:
            return t[THRESHOLD] if THRESHOLD in t.columns else thresholds.expr(t)
    return operand


def condition(t: ir.Table, flt: dict[str, Any] | None, thresholds: Thresholds) -> ir.BooleanValue:
    """The boolean expression of a filter (see ``spec.check_filter``); ``True`` when empty."""
    parts: list[ir.BooleanValue] = []
    for column, cond in (flt or {}).items():
        if column == "any_of":
            alternatives = [condition(t, sub, thresholds) for sub in cond]
            combined = alternatives[0]
            for alt in alternatives[1:]:
                combined = combined | alt
            parts.append(combined)
            continue
        col = t[column]
        if isinstance(cond, list):
            parts.append(col.isin(cond))
        elif isinstance(cond, dict):
            for op, operand in cond.items():
                value = _operand(t, operand, thresholds)
                if op == "present":
                    parts.append(col.notnull() if operand else col.isnull())
                elif op == "eq":
                    parts.append(col == value)
                elif op == "ne":
                    parts.append(col != value)
                elif op == "lt":
                    parts.append(col < value)
                elif op == "le":
                    parts.append(col <= value)
                elif op == "gt":
                    parts.append(col > value)
                elif op == "ge":
                    parts.append(col >= value)
                elif op == "in":
                    parts.append(col.isin(value))
                elif op == "not_in":
                    parts.append(~col.isin(value))
        else:
            parts.append(col == _operand(t, cond, thresholds))
    return conj(t, *parts)


def conj(t: ir.Table, *conds: ir.BooleanValue | None) -> ir.BooleanValue:
    """``a & b & …`` of the conditions given; with none, a condition true for every row (a
    column expression, not a literal: it must stay a per-row value inside aggregates)."""
    parts = [c for c in conds if c is not None and not _is_all(c)]
    if not parts:
        return t.org_id.notnull()
    out = parts[0]
    for p in parts[1:]:
        out = out & p
    return out


def _is_all(cond: ir.BooleanValue) -> bool:
    op = cond.op()
    return type(op).__name__ == "NotNull" and getattr(op.arg, "name", None) == "org_id"


def procedures_of(flt: dict[str, Any] | None) -> frozenset[str] | None:
    """The procedures a filter restricts to (for reading only those partitions), or None."""
    cond = (flt or {}).get("procedure")
    if isinstance(cond, str):
        return frozenset({cond})
    if isinstance(cond, list):
        return frozenset(str(c) for c in cond)
    if isinstance(cond, dict):
        if "eq" in cond:
            return frozenset({str(cond["eq"])})
        if "in" in cond:
            return frozenset(str(c) for c in cond["in"])
    return None


def _union(sets: list[frozenset[str] | None]) -> frozenset[str] | None:
    if any(s is None for s in sets):
        return None
    out: frozenset[str] = frozenset()
    for s in sets:
        out |= s or frozenset()
    return out


def is_additive(spec: IndicatorSpec) -> bool:
    f = spec.formula
    return (
        spec.kind in {"count", "share", "mean", "sum", "presence", "task_share_of_max", *AGGREGATE_KINDS}
        and "per_student" not in f
        and not f.get("distinct")
    )


def _sum_if(cond: ir.BooleanValue) -> ir.IntegerScalar:
    return cond.ifelse(1, 0).sum()


def _additive_columns(
    spec: IndicatorSpec, t: ir.Table, i: int, thresholds: Thresholds, *, filtered: bool = False
) -> tuple[dict[str, ir.Scalar], tuple[str, str | None, str]]:
    """The aggregates of one indicator. ``filtered``: the query's rows are already limited
    to the procedures this indicator's ``where`` names, so that part is left out (a plain
    ``sum``/``count`` aggregates markedly faster than a conditional one)."""
    f = spec.formula
    own = dict(f.get("where") or {})
    if filtered:
        own.pop("procedure", None)
    where = condition(t, own, thresholds)
    num, den, n = f"n{i}", f"d{i}", f"c{i}"
    kind = spec.kind
    if kind in AGGREGATE_KINDS:
        return _aggregate_columns(spec, t, where, num, den)
    denom = conj(t, where, condition(t, f.get("denominator"), thresholds))
    if kind == "share":
        numer = conj(t, denom, condition(t, f.get("numerator"), thresholds))
        return {num: _sum_if(numer), den: _sum_if(denom)}, (num, den, den)
    if kind in {"count", "presence"}:
        cond = conj(t, denom, condition(t, f.get("numerator"), thresholds))
        return {num: _sum_if(cond), n: _sum_if(denom)}, (num, None, n)
    if kind in {"mean", "sum"} and not own and not f.get("denominator"):
        col = t[f["column"]]
        return {num: col.cast("float64").sum(), n: col.count()}, (num, n if kind == "mean" else None, n)
    if kind == "task_share_of_max" and not own:
        # the denominator (tasks solved × maximum score) is joined after the aggregate
        return {num: t.score.cast("float64").sum(), n: t.score.count()}, (num, f"d{i}", n)
    if kind in {"mean", "sum"}:
        col = t[f["column"]]
        has = conj(t, where, col.notnull())
        aggs: dict[str, ir.Scalar] = {
            num: has.ifelse(col.cast("float64"), 0.0).sum(),
            n: _sum_if(has),
        }
        return aggs, (num, n if kind == "mean" else None, n)
    if kind == "task_share_of_max":
        col = t.score
        has = conj(t, where, col.notnull())
        aggs = {num: has.ifelse(col.cast("float64"), 0.0).sum(), n: _sum_if(has)}
        return aggs, (num, f"d{i}", n)
    raise ValueError(kind)


def _aggregate_columns(
    spec: IndicatorSpec, t: ir.Table, where: ir.BooleanValue, num: str, den: str
) -> tuple[dict[str, ir.Scalar], tuple[str, str | None, str]]:
    """An indicator over school aggregates (one measure per row), in the table's aggregate.

    The query's grain (organisation, year, procedure, subject, grade) is one row of the
    source file, so its measures pair up inside one group. A group counts only when every
    measure the formula names is there: a school whose file has participants but no
    «220 и более» is left out of numerator and denominator alike (missing, not 0). The
    denominator — participants, as a rule — is also the group size ``n``, so the minimum
    group counts participants, not rows. A weighted mean's numerator is mean × weight
    (the mean of the group's rows of that measure, one row unless a file repeats it)."""
    f = spec.formula
    rows = conj(t, where, t.value.notnull())

    def has(measure: str) -> ir.BooleanScalar:
        return _sum_if(conj(t, rows, t.measure == measure)) > 0

    def total(measures: list[str]) -> ir.FloatingScalar:
        picked = t.measure == measures[0] if len(measures) == 1 else t.measure.isin(measures)
        return conj(t, rows, picked).ifelse(t.value, 0.0).sum()

    if spec.kind == "aggregate_share":
        numerator = [f["numerator"]] if isinstance(f["numerator"], str) else list(f["numerator"])
        weight = str(f["denominator"])
        top = total(numerator)
        needed = [*dict.fromkeys([*numerator, weight])]
    else:
        measure, weight = str(f["measure"]), str(f["weight"])
        count = _sum_if(conj(t, rows, t.measure == measure))
        top = total([measure]) / count.cast("float64") * total([weight])
        needed = [measure, weight]
    complete = has(needed[0])
    for m in needed[1:]:
        complete = complete & has(m)
    missing = ibis.null("float64")
    return (
        {num: complete.ifelse(top, missing), den: complete.ifelse(total([weight]), missing)},
        (num, den, den),
    )


def compile_additive(
    table: str, specs: list[IndicatorSpec], thresholds: Thresholds, src: Source
) -> Query | None:
    """One aggregate of every additive indicator of ``table`` at the finest grain."""
    specs = [s for s in specs if s.table == table and is_additive(s)]
    if not specs:
        return None
    t = with_threshold(src(table), specs, thresholds)
    own = [procedures_of(s.formula.get("where")) for s in specs]
    procedures = _union(own)
    filtered = procedures is not None and all(p == procedures for p in own)
    # rows of one procedure are not grouped by it (a text key costs the aggregate ~15 %)
    single = next(iter(procedures)) if procedures is not None and len(procedures) == 1 else None
    keys = tuple(
        k
        for k in (TASK_KEYS if table == "task_scores" else KEYS)
        if k in t.columns and not (k == "procedure" and single)
    )
    aggs: dict[str, ir.Scalar] = {}
    columns: dict[str, tuple[str, str | None, str]] = {}
    for i, spec in enumerate(specs):
        cols, mapping = _additive_columns(spec, t, i, thresholds, filtered=filtered)
        aggs.update(cols)
        columns[spec.code] = mapping
    rows = t if procedures is None else t.filter(t.procedure.isin(sorted(procedures)))
    expr = rows.group_by(list(keys)).aggregate(**aggs)
    shares = {s.code: columns[s.code] for s in specs if s.kind == "task_share_of_max"}
    if not shares:
        return Query(f"{table}:additive", table, expr, keys, columns, procedures)
    # tasks solved × the task's maximum score; a task without a specification gets none
    m = ibis.table(ibis.Schema.from_pyarrow(TASK_MAXIMA_SCHEMA), name=TASK_MAXIMA)
    joined = expr.left_join(
        m,
        [expr[k] == m[k] if k in keys else m[k] == single for k in WORK_TASK],
    )
    expr = joined.select(
        *[joined[c] for c in expr.columns],
        **{str(den): joined[n] * joined.max_score for _, den, n in shares.values()},
    )
    return Query(f"{table}:additive", table, expr, keys, columns, procedures, (TASK_MAXIMA,))


def compile_distinct(spec: IndicatorSpec, thresholds: Thresholds, src: Source) -> Query:
    """A distinct count (e.g. participants of any ВПР work): grouped by the indicator's own
    breakdown, since distinct counts do not add up over finer groups."""
    f = spec.formula
    t = with_threshold(src(str(spec.table)), [spec], thresholds)
    rows = t.filter(
        conj(
            t,
            condition(t, f.get("where"), thresholds),
            condition(t, f.get("denominator"), thresholds),
        )
    )
    keys = ("org_id", "year", *spec.by)
    col = rows[f["distinct"]]
    # the numerator counts inside the group (COUNT(DISTINCT …) FILTER): a school whose rows
    # all fail it keeps its row with a zero instead of having no row at all
    numerator = f.get("numerator")
    if numerator:
        aggs = {"n0": col.nunique(where=condition(rows, numerator, thresholds)), "d0": col.nunique()}
        mapping: tuple[str, str | None, str] = ("n0", None, "d0")
    else:
        aggs, mapping = {"n0": col.nunique()}, ("n0", None, "n0")
    expr = rows.group_by(list(keys)).aggregate(**aggs)
    return Query(
        f"{spec.code}:distinct",
        str(spec.table),
        expr,
        keys,
        {spec.code: mapping},
        procedures_of(f.get("where")),
    )


def compile_per_student(spec: IndicatorSpec, thresholds: Thresholds, src: Source) -> Query:
    """Indicators over students rather than rows: first one row per student (with the
    measures the definition names), optionally only students found in another table (a
    semi-join, so a student with two rows there still counts once), then the share or count."""
    f = spec.formula
    ps = f["per_student"]
    t = with_threshold(src(str(spec.table)), [spec], thresholds)
    rows = t.filter(condition(t, f.get("where"), thresholds))
    group = ["org_id", "year", "student", *[d for d in spec.by if d != "task"]]
    definitions = [(name, *next(iter(agg.items()))) for name, agg in ps.get("measures", {}).items()]
    for name, fn, arg in definitions:
        if fn == "sum_top":
            window = ibis.window(group_by=group, order_by=ibis.desc(arg["column"]))
            rows = rows.mutate(**{f"_rank_{name}": ibis.row_number().over(window)})
    measures: dict[str, ir.Scalar] = {}
    for name, fn, arg in definitions:
        col = rows[arg["column"] if isinstance(arg, dict) else arg]
        if fn == "sum_top":
            # row_number() is 0-based in Ibis
            top = rows[f"_rank_{name}"] < int(arg["n"])
            measures[name] = conj(rows, top, col.notnull()).ifelse(col.cast("float64"), 0.0).sum()
        elif fn == "sum":
            measures[name] = col.cast("float64").sum()
        elif fn == "mean":
            measures[name] = col.cast("float64").mean()
        else:
            measures[name] = getattr(col, fn)()
    students = rows.group_by(group).aggregate(**measures)
    semi = ps.get("with_students_in")
    if semi:
        other = src(semi["table"])
        other = other.filter(condition(other, semi.get("where"), thresholds))
        keyed = other.select("org_id", "year", "student").distinct()
        students = students.semi_join(keyed, ["org_id", "year", "student"])
    denom = condition(students, f.get("denominator"), thresholds)
    keys = ("org_id", "year", *[d for d in spec.by if d != "task"])
    numer = conj(students, denom, condition(students, f.get("numerator"), thresholds))
    if spec.kind == "share":
        aggs = {"n0": _sum_if(numer), "d0": _sum_if(denom)}
        mapping: tuple[str, str | None, str] = ("n0", "d0", "d0")
    else:
        aggs = {"n0": _sum_if(numer), "d0": _sum_if(denom)}
        mapping = ("n0", None, "d0")
    expr = students.group_by(list(keys)).aggregate(**aggs)
    return Query(
        f"{spec.code}:per_student",
        str(spec.table),
        expr,
        keys,
        {spec.code: mapping},
        procedures_of(f.get("where")),
    )


def compile_all(
    specs: list[IndicatorSpec],
    thresholds: Thresholds,
    *,
    org_ids: list[int] | None = None,
    years: list[int] | None = None,
) -> list[Query]:
    """Every query the fact indicators of ``specs`` need, in a stable order; ``org_ids`` and
    ``years`` restrict the facts read (an incremental run after one school's batch)."""
    src = source(org_ids=org_ids, years=years)
    queries: list[Query] = []
    for table in TABLES:
        q = compile_additive(table, specs, thresholds, src)
        if q is not None:
            queries.append(q)
    for spec in specs:
        if spec.table is None or spec.kind not in {"count", "share", "mean", "sum", "presence"}:
            continue
        if "per_student" in spec.formula:
            queries.append(compile_per_student(spec, thresholds, src))
        elif spec.formula.get("distinct"):
            queries.append(compile_distinct(spec, thresholds, src))
    return [_placed(q) for q in queries]


def _placed(q: Query) -> Query:
    """``q`` with each row's municipality, ordered by year, municipality (organisations of
    none first) and organisation."""
    g = ibis.table(ibis.Schema.from_pyarrow(ORG_TERRITORY_SCHEMA), name=ORG_TERRITORY)
    joined = q.expr.left_join(g, q.expr.org_id == g.org_id)
    expr = joined.select(*[joined[c] for c in q.expr.columns], territory_id=joined.territory_id)
    expr = expr.order_by(
        [expr.year, ibis.asc(expr.territory_id, nulls_first=True), expr.org_id]
    )
    return replace(q, expr=expr, reads=(*q.reads, ORG_TERRITORY))
