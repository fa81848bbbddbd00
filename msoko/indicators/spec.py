"""The declarative indicator format: parse and validate a catalog, with messages in Russian.

A catalog is a YAML document (``docs/user/indicators-format.md`` describes it for
methodologists)::

    catalog: gia_vpr
    name: Анализ результатов ГИА и ВПР
    source: «…» (seed 002 §1)
    defaults: {levels: [school, municipality, region], min_group: 5}
    indicators:
      - code: oge.share_mark2
        section: ОГЭ
        name: Доля отметок «2» на ОГЭ
        unit: percent
        direction: lower
        by: [subject]
        formula:
          kind: share
          table: student_results
          where: {procedure: OGE, mark: {present: true}}
          numerator: {mark: 2}
        norm: {value: 5}
        seed: seed 002 §1

Validation happens before anything runs: ``parse_catalog(text)`` returns a ``CatalogSpec``
or raises ``SpecError`` with every problem found, each naming the indicator and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from msoko.facts.schema import AGGREGATE_MEASURES, TABLES

UNITS = {"percent", "count", "points", "yes_no", "bucket", "level", "number"}
DIRECTIONS = {"higher", "lower", "none"}
LEVELS = ("school", "municipality", "region")
DIMENSIONS = ("subject", "grade", "task")

# Kinds over school aggregates (``school_aggregates``: one measure per row): a share of sums
# of measures, and a mean weighted by participants. Both pair the measures of one source row
# (organisation × procedure × year × subject × grade) before summing, so a school without one
# of the measures is left out of numerator and denominator alike.
AGGREGATE_KINDS = {"aggregate_share", "aggregate_mean"}
# Kinds computed by the fact engine (DuckDB or Spark) from fact tables.
FACT_KINDS = {"count", "share", "mean", "sum", "presence", "task_share_of_max", *AGGREGATE_KINDS}
# Kinds computed from the database (forms, entered values) or from other indicators.
FORM_KINDS = {"form", "form_share"}
DERIVED_KINDS = {"ratio", "difference", "org_share"}
KINDS = FACT_KINDS | FORM_KINDS | DERIVED_KINDS | {"entered"}

ROLLUPS = {"pooled", "mean_of_schools", "share_of_orgs", "count_of_orgs", "none"}
OPERATORS = {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "present"}
STUDENT_AGGREGATES = {"min", "max", "sum", "count", "mean", "sum_top"}
NORM_REFERENCES = {
    "value",
    "region_average",
    "municipality_average",
    "best_municipality",
    "best_school",
}
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
CATALOG_RE = re.compile(r"^[a-z][a-z0-9_-]*$")

UNIT_NAMES = {
    "percent": "%",
    "count": "чел.",
    "points": "балл",
    "yes_no": "да / нет",
    "bucket": "процент реализации",
    "level": "уровень",
    "number": "",
}


class SpecError(ValueError):
    """A catalog that cannot be used; ``problems`` lists every problem in Russian."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    unit: str
    direction: str
    levels: tuple[str, ...]
    by: tuple[str, ...]
    formula: dict[str, Any]
    rollup: str
    norm: dict[str, Any]
    dynamics: dict[str, Any]
    min_group: int
    colour: dict[str, Any]
    section: str = ""
    data_source: str = ""
    collection_method: str = ""
    seed: str = ""
    description: str = ""
    order: int = 0

    @property
    def kind(self) -> str:
        return str(self.formula["kind"])

    @property
    def table(self) -> str | None:
        return self.formula.get("table")

    @property
    def depends_on(self) -> tuple[str, ...]:
        if self.kind in {"ratio", "difference"}:
            return tuple(self.formula["of"])
        if self.kind == "org_share":
            of = self.formula["of"]
            return tuple(of) if isinstance(of, list) else (of,)
        return ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "levels": list(self.levels),
            "by": list(self.by),
            "formula": self.formula,
            "rollup": self.rollup,
            "norm": self.norm,
            "dynamics": self.dynamics,
            "min_group": self.min_group,
            "colour": self.colour,
            "section": self.section,
            "data_source": self.data_source,
            "collection_method": self.collection_method,
            "seed": self.seed,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], order: int = 0) -> IndicatorSpec:
        return cls(
            code=data["code"],
            name=data["name"],
            unit=data["unit"],
            direction=data["direction"],
            levels=tuple(data["levels"]),
            by=tuple(data.get("by", ())),
            formula=data["formula"],
            rollup=data["rollup"],
            norm=data.get("norm", {}),
            dynamics=data.get("dynamics", {}),
            min_group=int(data.get("min_group", 5)),
            colour=data.get("colour", {}),
            section=data.get("section", ""),
            data_source=data.get("data_source", ""),
            collection_method=data.get("collection_method", ""),
            seed=data.get("seed", ""),
            description=data.get("description", ""),
            order=order,
        )


@dataclass
class CatalogSpec:
    code: str
    name: str
    source: str = ""
    description: str = ""
    order: int = 0
    indicators: list[IndicatorSpec] = field(default_factory=list)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")


def _where(catalog: str, code: str | None, index: int, path: str = "") -> str:
    who = f"показатель «{code}»" if code else f"показатель № {index + 1}"
    return f"каталог «{catalog}», {who}" + (f", поле {path}" if path else "")


def _check_operand(chk: _Checker, where: str, columns: set[str], operand: Any) -> None:
    if isinstance(operand, dict):
        if set(operand) == {"column"}:
            if operand["column"] not in columns:
                chk.add(where, f"нет столбца «{operand['column']}» для сравнения")
        elif set(operand) == {"threshold"}:
            if operand["threshold"] != "min":
                chk.add(where, "порог может быть только {threshold: min} (минимальный балл)")
        else:
            chk.add(where, "значение для сравнения: число, строка, {column: …} или {threshold: min}")
    elif isinstance(operand, list):
        for item in operand:
            if isinstance(item, dict | list):
                chk.add(where, "список значений должен состоять из чисел или строк")
    elif not isinstance(operand, int | float | str | bool):
        chk.add(where, f"непонятное значение {operand!r}")


def check_filter(chk: _Checker, where: str, columns: set[str], flt: Any) -> None:
    """A filter maps a column to a value (equality), a list (one of) or {operator: value}."""
    if flt is None:
        return
    if not isinstance(flt, dict):
        chk.add(where, "условие должно быть словарём «столбец: значение»")
        return
    for column, cond in flt.items():
        if column == "any_of":
            if not isinstance(cond, list) or not cond:
                chk.add(where, "any_of — это непустой список условий")
                continue
            for i, sub in enumerate(cond):
                check_filter(chk, f"{where}.any_of[{i + 1}]", columns, sub)
            continue
        if column not in columns:
            chk.add(where, f"нет столбца «{column}» (есть: {', '.join(sorted(columns))})")
            continue
        if isinstance(cond, dict):
            for op, operand in cond.items():
                if op not in OPERATORS:
                    chk.add(
                        where,
                        f"неизвестная операция «{op}» для «{column}» "
                        f"(допустимы: {', '.join(sorted(OPERATORS))})",
                    )
                elif op == "present":
                    if not isinstance(operand, bool):
                        chk.add(where, f"present для «{column}»: true (заполнено) или false (пусто)")
                elif op in {"in", "not_in"} and not isinstance(operand, list):
                    chk.add(where, f"{op} для «{column}»: нужен список значений")
                else:
                    _check_operand(chk, where, columns, operand)
        else:
            _check_operand(chk, where, columns, cond)


def _check_formula(
    chk: _Checker, where: str, formula: Any, by: tuple[str, ...]
) -> dict[str, Any]:
    if not isinstance(formula, dict) or "kind" not in formula:
        chk.add(where, "нужна формула с видом расчёта (kind)")
        return {}
    kind = formula["kind"]
    if kind not in KINDS:
        chk.add(where, f"неизвестный вид расчёта «{kind}» (допустимы: {', '.join(sorted(KINDS))})")
        return formula
    if kind in AGGREGATE_KINDS:
        return _check_aggregate_formula(chk, where, formula, by)
    if kind in FACT_KINDS:
        table = formula.get("table", "task_scores" if kind == "task_share_of_max" else None)
        if table not in TABLES:
            chk.add(where, f"неизвестная таблица фактов «{table}» (есть: {', '.join(TABLES)})")
            return formula
        formula = {**formula, "table": table}
        if kind == "task_share_of_max" and table != "task_scores":
            chk.add(where, "доля от максимального балла считается только по task_scores")
        columns = set(TABLES[table].names) - {"batch_id"}
        for dim in by:
            if dim not in columns:
                chk.add(where, f"разрез «{dim}» невозможен: в таблице {table} нет такого столбца")
        check_filter(chk, f"{where}.where", columns, formula.get("where"))
        student_columns = set(columns)
        per_student = formula.get("per_student")
        if per_student is not None:
            if "student" not in columns:
                chk.add(where, f"в таблице {table} нет учеников")
            if kind not in {"count", "share"}:
                chk.add(where, "per_student возможен для count и share")
            measures = per_student.get("measures", {}) if isinstance(per_student, dict) else None
            if not isinstance(measures, dict):
                chk.add(where, "per_student.measures: словарь «имя: {функция: столбец}»")
                measures = {}
            for name, agg in measures.items():
                if not isinstance(agg, dict) or len(agg) != 1:
                    chk.add(where, f"мера ученика «{name}»: ровно одна функция")
                    continue
                fn, arg = next(iter(agg.items()))
                if fn not in STUDENT_AGGREGATES:
                    chk.add(
                        where,
                        f"мера ученика «{name}»: неизвестная функция «{fn}» "
                        f"(допустимы: {', '.join(sorted(STUDENT_AGGREGATES))})",
                    )
                    continue
                col = arg.get("column") if isinstance(arg, dict) else arg
                if col not in columns:
                    chk.add(where, f"мера ученика «{name}»: нет столбца «{col}»")
                if fn == "sum_top" and not (isinstance(arg, dict) and int(arg.get("n", 0)) > 0):
                    chk.add(where, f"мера ученика «{name}»: sum_top требует {{column: …, n: …}}")
            keep = {"org_id", "year", "procedure", "student", *[d for d in by if d != "task"]}
            student_columns = set(measures) | keep
            if "subject" in by:
                chk.add(where, "с per_student разрез по предмету невозможен")
            semi = per_student.get("with_students_in") if isinstance(per_student, dict) else None
            if semi is not None:
                other = semi.get("table") if isinstance(semi, dict) else None
                if other not in TABLES or "student" not in TABLES[other].names:
                    chk.add(where, "with_students_in: нужна таблица с учениками")
                else:
                    check_filter(
                        chk,
                        f"{where}.with_students_in.where",
                        set(TABLES[other].names),
                        semi.get("where"),
                    )
        for part in ("numerator", "denominator"):
            check_filter(chk, f"{where}.{part}", student_columns, formula.get(part))
        if kind == "share" and "numerator" not in formula:
            chk.add(where, "для доли нужен числитель (numerator)")
        if kind in {"mean", "sum"}:
            column = formula.get("column")
            if column not in columns:
                chk.add(where, f"для «{kind}» нужен столбец (column) таблицы {table}")
        distinct = formula.get("distinct")
        if distinct is not None and distinct not in columns:
            chk.add(where, f"distinct: нет столбца «{distinct}»")
    elif kind == "form":
        if not isinstance(formula.get("field"), str):
            chk.add(where, "для показателя из формы нужен код поля (field)")
    elif kind == "form_share":
        for part in ("numerator_field", "denominator_field"):
            if not isinstance(formula.get(part), str):
                chk.add(where, f"для доли из формы нужно поле {part}")
    elif kind in {"ratio", "difference"}:
        of = formula.get("of")
        if not (isinstance(of, list) and len(of) == 2 and all(isinstance(x, str) for x in of)):
            chk.add(where, f"для «{kind}» нужны два кода показателей: of: [a, b]")
    elif kind == "org_share":
        of = formula.get("of")
        if not (
            isinstance(of, str)
            or (isinstance(of, list) and of and all(isinstance(x, str) for x in of))
        ):
            chk.add(
                where,
                "для доли организаций нужен код показателя уровня ОО (of) или список кодов "
                "(of: [a, b] — ОО, где условие выполнено хотя бы для одного)",
            )
        cond = formula.get("condition", {"gt": 0})
        if not isinstance(cond, dict) or not set(cond) <= OPERATORS:
            chk.add(where, "condition: {операция: значение}, например {gt: 0}")
        if formula.get("denominator", "with_value") not in {"with_value", "all_schools"}:
            chk.add(where, "denominator: with_value или all_schools")
    return formula


def _measures(value: Any) -> list[str] | None:
    """A measure or a list of measures, as a list (None when it is neither)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _check_aggregate_formula(
    chk: _Checker, where: str, formula: dict[str, Any], by: tuple[str, ...]
) -> dict[str, Any]:
    """``aggregate_share`` (numerator: measures summed; denominator: a measure, participants
    by default) and ``aggregate_mean`` (measure weighted by a measure, participants by
    default), always over ``school_aggregates``."""
    table = formula.get("table", "school_aggregates")
    if table != "school_aggregates":
        chk.add(where, f"«{formula['kind']}» считается только по таблице school_aggregates")
    formula = {**formula, "table": "school_aggregates"}
    known = ", ".join(AGGREGATE_MEASURES)
    # measure and value are what the formula itself reads: a filter on them would break
    # the pairing of measures of one source row
    columns = set(TABLES["school_aggregates"].names) - {"batch_id", "measure", "value"}
    for dim in by:
        if dim not in columns:
            chk.add(where, f"разрез «{dim}» невозможен: в таблице school_aggregates нет такого столбца")
    check_filter(chk, f"{where}.where", columns, formula.get("where"))
    if formula["kind"] == "aggregate_share":
        parts = {"numerator": formula.get("numerator"), "denominator": formula.get("denominator", "sat")}
        formula["denominator"] = parts["denominator"]
    else:
        parts = {"measure": formula.get("measure"), "weight": formula.get("weight", "sat")}
        formula["weight"] = parts["weight"]
    for name, value in parts.items():
        measures = _measures(value)
        if measures is None or (name != "numerator" and len(measures) != 1):
            what = "мера или список мер" if name == "numerator" else "одна мера"
            chk.add(where, f"{name}: нужна {what} таблицы school_aggregates (есть: {known})")
            continue
        for m in measures:
            if m not in AGGREGATE_MEASURES:
                chk.add(where, f"{name}: неизвестная мера «{m}» (есть: {known})")
    for extra in set(formula) - {"kind", "table", "where", *parts}:
        chk.add(where, f"лишнее поле «{extra}» для «{formula['kind']}»")
    return formula


def _check_norm(chk: _Checker, where: str, norm: Any) -> dict[str, Any]:
    if norm is None:
        return {}
    if isinstance(norm, int | float) and not isinstance(norm, bool):
        return {"value": float(norm)}
    if not isinstance(norm, dict):
        chk.add(where, "норма: число или {value: …, by_year: {год: …}} или {reference: …}")
        return {}
    ref = norm.get("reference", "value")
    if ref not in NORM_REFERENCES:
        chk.add(where, f"неизвестная ссылка нормы «{ref}» (допустимы: {', '.join(sorted(NORM_REFERENCES))})")
    by_year = norm.get("by_year", {})
    if not isinstance(by_year, dict):
        chk.add(where, "by_year: словарь «год: значение»")
    else:
        for year, value in by_year.items():
            if not str(year).isdigit() or not isinstance(value, int | float):
                chk.add(where, f"by_year: год {year!r} и число, а не {value!r}")
    value = norm.get("value")
    if value is not None and not isinstance(value, int | float):
        chk.add(where, f"значение нормы должно быть числом, а не {value!r}")
    return {k: v for k, v in norm.items()}


def _check_colour(chk: _Checker, where: str, colour: Any) -> dict[str, Any]:
    if colour is None:
        return {}
    if not isinstance(colour, dict):
        chk.add(where, "colour: {status: [4 порога], change: [4 порога]}")
        return {}
    for key in ("status", "change"):
        cuts = colour.get(key)
        if cuts is None:
            continue
        if not (
            isinstance(cuts, list)
            and len(cuts) == 4
            and all(isinstance(c, int | float) for c in cuts)
            and cuts == sorted(cuts)
        ):
            chk.add(where, f"colour.{key}: четыре возрастающих числа")
    return colour


def _indicator(
    chk: _Checker, catalog: str, index: int, raw: Any, defaults: dict[str, Any]
) -> IndicatorSpec | None:
    if not isinstance(raw, dict):
        chk.add(_where(catalog, None, index), "описание показателя должно быть словарём")
        return None
    data = {**defaults, **raw}
    code = data.get("code")
    w = _where(catalog, code if isinstance(code, str) else None, index)
    before = len(chk.problems)
    if not isinstance(code, str) or not CODE_RE.match(code):
        chk.add(w, "код: латинские строчные буквы, цифры, «_» и точки (например oge.share_mark2)")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        chk.add(w, "нет названия (name)")
    unit = data.get("unit")
    if unit not in UNITS:
        chk.add(w, f"единица (unit) «{unit}» неизвестна (допустимы: {', '.join(sorted(UNITS))})")
    direction = data.get("direction", "higher")
    if direction not in DIRECTIONS:
        chk.add(w, "direction: higher (больше — лучше), lower (меньше — лучше) или none")
    levels = data.get("levels", list(LEVELS))
    if not isinstance(levels, list) or not levels or not set(levels) <= set(LEVELS):
        chk.add(w, f"levels: список из {', '.join(LEVELS)}")
        levels = list(LEVELS)
    by = data.get("by", [])
    if not isinstance(by, list) or not set(by) <= set(DIMENSIONS):
        chk.add(w, f"by: список разрезов из {', '.join(DIMENSIONS)}")
        by = []
    by_t = tuple(d for d in DIMENSIONS if d in by)
    formula = _check_formula(chk, f"{w}, формула", data.get("formula"), by_t)
    kind = formula.get("kind") if isinstance(formula, dict) else None
    default_rollup = {
        "presence": "share_of_orgs",
        "form": "mean_of_schools",
        "entered": "none",
        "org_share": "pooled",
    }.get(str(kind), "pooled")
    rollup = data.get("rollup", default_rollup)
    if rollup not in ROLLUPS:
        chk.add(w, f"rollup «{rollup}» неизвестен (допустимы: {', '.join(sorted(ROLLUPS))})")
    if kind == "org_share" and "school" in levels:
        chk.add(w, "доля организаций существует только на уровне муниципалитета и региона")
    min_group = data.get("min_group", 5)
    if not isinstance(min_group, int) or min_group < 0:
        chk.add(w, "min_group: целое неотрицательное число")
        min_group = 5
    norm = _check_norm(chk, f"{w}, норма", data.get("norm"))
    dynamics = data.get("dynamics", {}) or {}
    if not isinstance(dynamics, dict) or not set(dynamics) <= {"threshold", "years"}:
        chk.add(w, "dynamics: {threshold: минимальное изменение, years: число лет}")
        dynamics = {}
    colour = _check_colour(chk, w, data.get("colour"))
    if len(chk.problems) > before:
        return None
    return IndicatorSpec(
        code=str(code),
        name=str(name).strip(),
        unit=str(unit),
        direction=direction,
        levels=tuple(lv for lv in LEVELS if lv in levels),
        by=by_t,
        formula=formula,
        rollup=rollup,
        norm=norm,
        dynamics=dynamics,
        min_group=min_group,
        colour=colour,
        section=str(data.get("section", "")),
        data_source=str(data.get("data_source", "")),
        collection_method=str(data.get("collection_method", "")),
        seed=str(data.get("seed", "")),
        description=str(data.get("description", "")),
        order=index,
    )


def parse_catalog(text: str, *, known_codes: set[str] | None = None) -> CatalogSpec:
    """Parse and validate a catalog; ``known_codes`` are indicators of other catalogs that
    derived indicators of this one may refer to."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"строка {mark.line + 1}, позиция {mark.column + 1}" if mark else "файл"
        raise SpecError([f"{where}: это не YAML ({getattr(exc, 'problem', exc)})"]) from None
    chk = _Checker()
    if not isinstance(data, dict):
        raise SpecError(["файл: ожидается описание каталога (catalog, name, indicators)"])
    code = data.get("catalog")
    if not isinstance(code, str) or not CATALOG_RE.match(code):
        chk.add("каталог", "код каталога (catalog): латинские строчные буквы, цифры, «_», «-»")
        code = "?"
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        chk.add(f"каталог «{code}»", "нет названия (name)")
        name = ""
    defaults = data.get("defaults", {}) or {}
    if not isinstance(defaults, dict):
        chk.add(f"каталог «{code}»", "defaults должен быть словарём")
        defaults = {}
    raw_indicators = data.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        chk.add(f"каталог «{code}»", "нет списка показателей (indicators)")
        raw_indicators = []
    specs: list[IndicatorSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_indicators):
        spec = _indicator(chk, code, i, raw, defaults)
        if spec is None:
            continue
        if spec.code in seen:
            chk.add(_where(code, spec.code, i), "код повторяется")
        seen.add(spec.code)
        specs.append(spec)
    available = seen | (known_codes or set())
    by_code = {s.code: s for s in specs}
    for i, spec in enumerate(specs):
        for dep in spec.depends_on:
            if dep not in available:
                chk.add(_where(code, spec.code, i), f"ссылается на неизвестный показатель «{dep}»")
            elif spec.kind == "org_share" and dep in by_code and "school" not in by_code[dep].levels:
                chk.add(_where(code, spec.code, i), f"показатель «{dep}» не считается на уровне ОО")
    _check_cycles(chk, code, by_code)
    if chk.problems:
        raise SpecError(chk.problems)
    return CatalogSpec(
        code=code,
        name=name.strip(),
        source=str(data.get("source", "")),
        description=str(data.get("description", "")),
        order=int(data.get("order", 0) or 0),
        indicators=specs,
    )


def _check_cycles(chk: _Checker, catalog: str, by_code: dict[str, IndicatorSpec]) -> None:
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]) -> None:
        if state.get(code) == 2 or code not in by_code:
            return
        if state.get(code) == 1:
            chk.add(f"каталог «{catalog}»", "циклическая ссылка: " + " → ".join([*path, code]))
            return
        state[code] = 1
        for dep in by_code[code].depends_on:
            visit(dep, [*path, code])
        state[code] = 2

    for code in by_code:
        visit(code, [])


def topological(specs: list[IndicatorSpec]) -> list[IndicatorSpec]:
    """``specs`` ordered so that every indicator comes after those it is derived from."""
    by_code = {s.code: s for s in specs}
    done: set[str] = set()
    out: list[IndicatorSpec] = []

    def visit(spec: IndicatorSpec) -> None:
        if spec.code in done:
            return
        done.add(spec.code)
        for dep in spec.depends_on:
            if dep in by_code:
                visit(by_code[dep])
        out.append(spec)

    for spec in specs:
        visit(spec)
    return out
