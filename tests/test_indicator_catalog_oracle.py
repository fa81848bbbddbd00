"""Oracle tests of the shipped indicator catalogs: the shared helpers and the coverage check.

Every shipped indicator is checked against a figure worked out by hand (``Expect``): each
``tests/test_indicator_catalog_<catalog>.py`` module writes small hand-made facts, approved
school forms and entered values into the ``world`` fixture (region R1; municipality M1 with
schools A1 and B2; municipality M2 with school F9; year 2024), runs ``compute()``, and
compares its ``CASES`` with the stored values. ``test_every_shipped_indicator_has_an_oracle``
requires that the ``CASES`` of those modules name every indicator of every built-in catalog,
at the school level and at the municipality level where the indicator exists there.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from msoko.facts.schema import TABLES
from msoko.indicators.catalog import builtin_files
from msoko.indicators.spec import parse_catalog

YEAR = 2024
ORACLE_MODULES = (
    "tests.test_indicator_catalog_gia_vpr",
    "tests.test_indicator_catalog_career",
    "tests.test_indicator_catalog_lrs",
    "tests.test_indicator_catalog_motivating",
    "tests.test_indicator_catalog_directions",
    "tests.test_indicator_catalog_aggregates",
)
SCHOOLS = ("A1", "B2", "F9")
MUNICIPALITIES = ("M1", "M2")
REGIONS = ("R1",)


@dataclass(frozen=True)
class Expect:
    """One value the engine must produce: indicator ``code`` at ``place`` (a school code
    A1 / B2 / F9, a municipality M1 / M2 or the region R1). ``value=None`` means no value
    at all (no row, or a row without a value)."""

    code: str
    place: str
    value: float | None
    subject: str | None = None
    grade: int | None = None
    task: str | None = None
    year: int = YEAR
    numerator: float | None = None
    denominator: float | None = None

    @property
    def level(self) -> str:
        if self.place in SCHOOLS:
            return "school"
        if self.place in MUNICIPALITIES:
            return "municipality"
        return "region"


def places(world: Any) -> dict[str, int]:
    """Symbolic places → primary keys of the ``world`` fixture."""
    return {
        "A1": world.school_a.pk,
        "B2": world.school_b.pk,
        "F9": world.school_far.pk,
        "M1": world.municipality.pk,
        "M2": world.other_municipality.pk,
        "R1": world.region.pk,
    }


def _matches(frame: pd.DataFrame, case: Expect, pk: int) -> pd.DataFrame:
    rows = frame[
        (frame["indicator"] == case.code)
        & (frame["level"] == case.level)
        & (frame["year"] == case.year)
    ]
    key = "org_id" if case.level == "school" else "territory_id"
    rows = rows[rows[key] == pk]
    for dim in ("subject", "task"):
        want = getattr(case, dim)
        rows = rows[rows[dim].isna()] if want is None else rows[rows[dim] == want]
    rows = rows[rows["grade"].isna()] if case.grade is None else rows[rows["grade"] == case.grade]
    return rows


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


def check(cases: Iterable[Expect], frame: pd.DataFrame, world: Any) -> None:
    """Assert every case against the stored values; report all mismatches at once."""
    pks = places(world)
    problems: list[str] = []
    for case in cases:
        rows = _matches(frame, case, pks[case.place])
        label = (
            f"{case.code} @ {case.place} {case.year}"
            + "".join(f" {d}={getattr(case, d)}" for d in ("subject", "grade", "task") if getattr(case, d) is not None)
        )
        if case.value is None:
            if len(rows) and rows["value"].notna().any():
                problems.append(f"{label}: ожидалось «нет значения», получено {rows['value'].tolist()}")
            continue
        if len(rows) != 1:
            problems.append(f"{label}: ожидалась одна строка, найдено {len(rows)}")
            continue
        row = rows.iloc[0]
        got = row["value"]
        if pd.isna(got) or not _close(float(got), case.value):
            problems.append(f"{label}: ожидалось {case.value!r}, получено {got!r}")
        for part in ("numerator", "denominator"):
            want = getattr(case, part)
            if want is not None and (pd.isna(row[part]) or not _close(float(row[part]), want)):
                problems.append(f"{label}: {part} ожидался {want!r}, получен {row[part]!r}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------ writing data


def org(world: Any, place: str) -> Any:
    return {"A1": world.school_a, "B2": world.school_b, "F9": world.school_far}[place]


def write_facts(table: str, rows: list[dict[str, Any]], *, kind: str | None = None) -> None:
    """Write ``rows`` (dicts with the table's columns; absent columns are empty) as one
    import batch."""
    from msoko.facts.store import open_batch

    schema = pa.schema([f for f in TABLES[table] if f.name != "batch_id"])
    data = pa.Table.from_pylist(rows, schema=schema)
    with open_batch(kind=kind or table, source="tests") as batch:
        batch.write(table, data)


def approve_form(world: Any, form_code: str, place: str, values: dict[str, Any], *, year: Any = None) -> None:
    """An approved submission of a school form with ``values`` (field code → value)."""
    from msoko.collect.models import DataForm, Status, Submission

    Submission.objects.create(
        form=DataForm.objects.get(code=form_code),
        organisation=org(world, place),
        year=year or world.year,
        status=Status.APPROVED,
        values=values,
    )


def enter(world: Any, code: str, place: str, value: float, *, year: int = YEAR) -> None:
    """A value entered by hand for a school (A1 / B2 / F9) or a territory (M1 / M2 / R1)."""
    from msoko.indicators.models import EnteredValue, IndicatorDefinition

    indicator = IndicatorDefinition.objects.get(code=code)
    if place in SCHOOLS:
        EnteredValue.objects.create(
            indicator=indicator, organisation=org(world, place), year=year, value=value
        )
    else:
        territory = {"M1": world.municipality, "M2": world.other_municipality, "R1": world.region}[place]
        EnteredValue.objects.create(indicator=indicator, territory=territory, year=year, value=value)


def compute_values(catalogs: list[str], years: list[int] | None = None) -> pd.DataFrame:
    """Compute ``catalogs`` and read back every stored value."""
    from msoko.indicators import values
    from msoko.indicators.compute import compute

    compute(catalogs=catalogs, years=years or [YEAR])
    return values.read(org_ids=None, territory_ids=None, catalogs=catalogs)


# ------------------------------------------------------------------------------ coverage


def shipped_indicators() -> dict[str, tuple[str, ...]]:
    """Every indicator of the built-in catalogs → the levels it exists at."""
    out: dict[str, tuple[str, ...]] = {}
    known: set[str] = set()
    for path in builtin_files():
        spec = parse_catalog(path.read_text(encoding="utf-8"), known_codes=known)
        for ind in spec.indicators:
            out[ind.code] = ind.levels
        known |= {i.code for i in spec.indicators}
    return out


def all_cases() -> list[Expect]:
    cases: list[Expect] = []
    for name in ORACLE_MODULES:
        cases.extend(importlib.import_module(name).CASES)
    return cases


def test_every_shipped_indicator_has_an_oracle() -> None:
    shipped = shipped_indicators()
    assert len(shipped) > 150
    asserted: dict[str, set[str]] = {}
    for case in all_cases():
        asserted.setdefault(case.code, set()).add(case.level)
    unknown = sorted(set(asserted) - set(shipped))
    assert not unknown, f"проверки показателей, которых нет в каталогах: {unknown}"
    missing = []
    for code, levels in sorted(shipped.items()):
        for level in ("school", "municipality"):
            if level in levels and level not in asserted.get(code, set()):
                missing.append(f"{code} ({level})")
    assert not missing, "показатели без проверки по образцу: " + ", ".join(missing)


def test_every_shipped_indicator_names_its_source() -> None:
    """``seed``, ``data_source``, ``collection_method``, ``direction``, ``unit``, ``levels``."""
    vocabulary = {
        "Наличие / Отсутствие, сайт ОО",
        "Наличие / Отсутствие",
        "Процент реализации",
        "Наличие динамики / Отсутствие",
        "Количество / %, отчёт ОО",
        "Количество / % от количества сдававших",
        "Числовое значение",
    }
    known: set[str] = set()
    for path in builtin_files():
        spec = parse_catalog(path.read_text(encoding="utf-8"), known_codes=known)
        known |= {i.code for i in spec.indicators}
        for ind in spec.indicators:
            assert ind.seed.startswith("seed 00"), (path.name, ind.code)
            assert ind.data_source, (path.name, ind.code)
            assert ind.collection_method in vocabulary, (path.name, ind.code, ind.collection_method)
            assert ind.levels and ind.unit and ind.direction, (path.name, ind.code)
