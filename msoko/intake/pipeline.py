"""The import pipeline: read → map columns → parse and validate column by column → write one
batch of facts (or registry rows), all or nothing.

``run_import`` is a plain function: the command line calls it, and a background task (the web
upload) can call it with a ``progress`` callback. It never raises for a bad file: problems
come back in the result, in Russian, with file, sheet, row, column and value.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction

from msoko.access.audit import record
from msoko.facts.models import FactFile, ImportBatch, Procedure
from msoko.facts.schema import TABLES
from msoko.facts.store import BatchWriter, file_sha256, open_batch, store_root
from msoko.intake import registry_kinds
from msoko.intake.columns import choice_lookup, clean_text, map_values, parse_date, parse_number
from msoko.intake.context import OrgIndex, Pseudonyms, Specs, Subjects
from msoko.intake.headers import norm, signature
from msoko.intake.kinds import KINDS, TASK_HEADER, Kind
from msoko.intake.models import ColumnMapping
from msoko.intake.problems import Problems
from msoko.intake.readers import ReadError, open_source
from msoko.intake.scales import Range, Ranges
from msoko.intake.years import BARE_YEAR, Qualifiers, parse_year
from msoko.registry.models import AcademicYear, year_in_range, year_range_text

FLUSH_ROWS = 1_000_000
STUDENT_TABLES = ("student_results", "task_scores", "olympiad_results", "attendance",
                  "destinations", "medals")
ORG_PRIORITY = ("ogrn", "inn", "org_code", "org_name")
NOT_DONE = {"x", "х", "н", "-", "—", "н/я", "нп"}
# What a source writes for a value it hides (a small group, no data): stored as missing with
# a warning, never as 0. A 0 itself is a value (see ``_aggregates``).
SUPPRESSED = {"-", "—", "–", "н/д", "нд", "н д", "*", "**", "x", "х", "…", "...", "нет данных", "n/a", "na"}
# Score fields checked against the scale of their work instead of fixed bounds.
SCALED_FIELDS = {"primary_score": "primary", "test_score": "scaled", "score": "task"}
SCALED_KINDS = {"vpr", "gia", "kdr"}
Progress = Callable[[int, str], None]


class _Abort(Exception):
    pass


@dataclass
class ImportResult:
    status: str  # ok / dry_run / errors / duplicate
    kind: str
    file: str
    message: str = ""
    rows: int = 0
    skipped_rows: int = 0
    students: int = 0
    matched_students: int = 0
    batch_id: int | None = None
    replaced: list[int] = field(default_factory=list)
    mapping: list[tuple[str, str]] = field(default_factory=list)  # header → field title
    mapping_name: str = ""
    absent: list[str] = field(default_factory=list)  # optional columns the file does not have
    years: list[int] = field(default_factory=list)  # academic years (start) of the facts
    problems: Problems = field(default_factory=Problems)
    registry: registry_kinds.Summary | None = None  # an upsert kind's new / changed / unchanged

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "dry_run", "duplicate")


Group = tuple[int | None, str | None, int | None]  # (year, subject code, grade) of wide columns


@dataclass
class Mapping:
    fields: dict[str, int]  # field name → column index
    tasks: list[tuple[str, int]]  # wide task columns: (task number, column index)
    ignored: list[str]
    name: str = ""
    # wide columns: per (year, subject, grade) qualifier, field name → column index
    groups: dict[Group, dict[str, int]] = field(default_factory=dict)


@dataclass
class Ctx:
    kind: Kind
    year: AcademicYear | None
    procedure_code: str
    procedure: Procedure | None
    subject: str | None
    grade: int | None
    orgs: OrgIndex
    subjects: Subjects
    specs: Specs
    pseudonyms: Pseudonyms = field(default_factory=Pseudonyms)
    problems: Problems = field(default_factory=Problems)
    keys: list[np.ndarray] = field(default_factory=list)
    key_rows: list[np.ndarray] = field(default_factory=list)
    partial: list[pa.Table] = field(default_factory=list)
    students: set[str] = field(default_factory=set)
    org_ids: set[int] = field(default_factory=set)
    registry_rows: list[dict[str, Any]] = field(default_factory=list)
    registry_plan: Any = None  # what an upsert kind will write, worked out before writing
    warned: set[str] = field(default_factory=set)
    rows: int = 0
    skipped: int = 0
    task_index: dict[str, int] = field(default_factory=dict)
    # years: the start year of rows without one (the chosen year, or the current one when the
    # file has no year column), whether missing years may be created, and what was found
    default_year: int | None = None
    create_year: bool = False
    dry_run: bool = False
    years: dict[int, AcademicYear | None] = field(default_factory=dict)
    missing_years: dict[int, list[int]] = field(default_factory=dict)  # year → rows (first 10)
    missing_year_rows: dict[int, int] = field(default_factory=dict)  # year → rows, all counted
    specs_by_year: dict[tuple[str, int], Specs] = field(default_factory=dict)
    ranges: Ranges | None = None
    ranges_by_procedure: dict[str, Ranges] = field(default_factory=dict)
    procedures: dict[str, Procedure | None] = field(default_factory=dict)
    # what the batch covers: «procedure|year|subject|grade» → organisations
    coverage: dict[str, set[int]] = field(default_factory=dict)

    def warn_once(self, reason: str) -> None:
        if reason not in self.warned:
            self.warned.add(reason)
            self.problems.add(reason, error=False)

    def procedure_object(self, code: str) -> Procedure | None:
        if code == self.procedure_code:
            return self.procedure
        if code not in self.procedures:
            self.procedures[code] = Procedure.objects.filter(code=code).first()
        return self.procedures[code]

    def specs_for(self, year: int, procedure: str | None = None) -> Specs:
        """Mark scales and task maxima of a procedure (the chosen one by default) in ``year``."""
        code = procedure or self.procedure_code
        if (code, year) not in self.specs_by_year:
            self.specs_by_year[(code, year)] = Specs(self.procedure_object(code), self.years.get(year))
        return self.specs_by_year[(code, year)]

    def ranges_for(self, procedure: str) -> Ranges:
        if procedure not in self.ranges_by_procedure:
            self.ranges_by_procedure[procedure] = Ranges(self.procedure_object(procedure))
        return self.ranges_by_procedure[procedure]

    def year_object(self, year: int) -> AcademicYear | None:
        """The registry's year (created, when allowed, inside the batch's transaction)."""
        if year not in self.years:
            found = AcademicYear.objects.filter(start_year=year).first()
            if found is None and self.create_year and not self.dry_run:
                from msoko.facts.reference import ensure_year

                found, _created = ensure_year(year)
                self.problems.add(
                    f"учебный год {year}/{year + 1} заведён в справочнике «Учебные годы»; шкалы "
                    "перевода для него не заведены, отметки не сверены с баллами", error=False)
            self.years[year] = found
        return self.years[year]


# ------------------------------------------------------------------------------------------
# Column mapping


def _auto_field(kind: Kind, header: str) -> str | None:
    key = norm(header)
    for f in kind.fields:
        if key in f.keys():
            return f.name
    return None


def _task_number(kind: Kind, header: str) -> str | None:
    if not kind.wide_tasks:
        return None
    m = TASK_HEADER.match(header.strip())
    return m.group(1).lower() if m else None


def resolve_mapping(kind: Kind, headers: list[str], saved: ColumnMapping | None,
                    qualify: Qualifiers | None = None) -> Mapping:
    fields: dict[str, int] = {}
    tasks: list[tuple[str, int]] = []
    ignored: list[str] = []
    groups: dict[Group, dict[str, int]] = {}
    columns = saved.columns if saved is not None else {}
    for i, header in enumerate(headers):
        if not header.strip():
            continue
        key = norm(header)
        if key in columns:
            target = columns[key]
            if target and target.startswith("task:"):
                tasks.append((target[5:], i))
            elif target and kind.has(target) and target not in fields:
                fields[target] = i
            else:
                ignored.append(header)
            continue
        name = _auto_field(kind, header)
        if name is not None and name not in fields:
            fields[name] = i
            continue
        task = _task_number(kind, header)
        if task is not None:
            tasks.append((task, i))
            continue
        q = qualify(header) if qualify is not None else None
        if q is not None and q.field not in groups.setdefault(q.group, {}):
            groups[q.group][q.field] = i
        else:
            ignored.append(header)
    return Mapping(fields, tasks, ignored, saved.name if saved is not None else "",
                   {g: f for g, f in groups.items() if f})


def _looks_like_header(kind: Kind, saved: ColumnMapping | None,
                       qualify: Qualifiers | None = None) -> Callable[[list[str]], bool]:
    def check(row: list[str]) -> bool:
        hits = 0
        for cell in row:
            if not cell.strip():
                continue
            if (saved is not None and norm(cell) in saved.columns) or _auto_field(kind, cell) or (
                qualify is not None and qualify(cell) is not None
            ):
                hits += 1
        return hits >= 2 or (hits >= 1 and len([c for c in row if c.strip()]) == 1)

    return check


def mapping_as_columns(kind: Kind, headers: list[str], m: Mapping) -> dict[str, str]:
    """The mapping as a user sees and saves it: normalised header → field (or task:N).
    Wide columns (a field with a year, subject or grade in its header) are not saved: they
    are recognised again in the next file."""
    out = {norm(headers[i]): name for name, i in m.fields.items()}
    out.update({norm(headers[i]): f"task:{t}" for t, i in m.tasks})
    out.update({norm(h): "" for h in m.ignored})
    return out


def group_label(g: Group, names: dict[str, str] | None = None) -> str:
    """«2024/2025, Математика, 5 класс»: how a group of wide columns is named to a user."""
    year, subject, grade = g
    parts = []
    if year is not None:
        parts.append(f"{year}/{year + 1}")
    if subject:
        parts.append((names or {}).get(subject, subject))
    if grade is not None:
        parts.append(f"{grade} класс")
    return ", ".join(parts)


# ------------------------------------------------------------------------------------------
# Parsing one chunk


@dataclass
class Parsed:
    n: int
    rows: np.ndarray
    values: dict[str, Any]
    org_id: np.ndarray
    student: pa.Array | None
    student_key: np.ndarray | None
    subject: np.ndarray  # object: subject codes or None
    subject_arr: pa.Array  # the same as Arrow strings
    grade: np.ndarray  # float (NaN = unknown)
    class_label: pa.Array
    tasks: list[tuple[str, np.ndarray]]
    year: np.ndarray  # int64 start year of each row (0 = unknown, already an error)
    procedure: np.ndarray | None = None  # object: procedure code per row; None = the chosen one


def _col(table: pa.Table, i: int) -> pa.Array:
    return clean_text(table.column(f"c{i}"))


def _drop_blank_and_totals(ctx: Ctx, table: pa.Table, rows: np.ndarray, m: Mapping) -> tuple[pa.Table, np.ndarray]:
    used = sorted({*m.fields.values(), *(i for _, i in m.tasks)})
    if not used:
        return table, rows
    blank = np.ones(table.num_rows, dtype=bool)
    total = np.zeros(table.num_rows, dtype=bool)
    texty = {i for name, i in m.fields.items() if ctx.kind.field(name).type in ("org", "student", "text", "subject")}
    for i in used:
        col = _col(table, i)
        blank &= np.asarray(pc.is_null(col))
        if i in texty:
            total |= np.asarray(pc.fill_null(pc.match_substring_regex(pc.utf8_lower(col), r"^(итого|всего|итог)"), False))
    drop = blank | total
    if drop.any():
        ctx.skipped += int(drop.sum())
        keep = pa.array(~drop)
        return table.filter(keep), rows[~drop]
    return table, rows


def _resolve_orgs(ctx: Ctx, table: pa.Table, rows: np.ndarray, m: Mapping) -> np.ndarray:
    n = table.num_rows
    ids = np.full(n, -1, dtype=np.int64)
    first_bad: list[tuple[str, np.ndarray, np.ndarray, list[Any]]] = []
    for name in ORG_PRIORITY:
        if name not in m.fields:
            continue
        col = _col(table, m.fields[name])
        enc = pc.dictionary_encode(col)
        dictionary = enc.dictionary.to_pylist()
        looked = np.array([ctx.orgs.lookup(name, v) for v in dictionary] + [-3], dtype=np.int64)
        idx = enc.indices.fill_null(len(dictionary)).to_numpy(zero_copy_only=False)
        col_ids = looked[idx]
        first_bad.append((name, col_ids, idx, dictionary))
        ids = np.where((ids < 0) & (col_ids >= 0), col_ids, ids)
    unresolved = ids < 0
    if unresolved.any():
        reported = np.zeros(n, dtype=bool)
        for name, col_ids, idx, dictionary in first_bad:
            field_title = ctx.kind.field(name).title
            header = field_title
            for code in (-2, -1):
                mask = unresolved & ~reported & (col_ids == code)
                if not mask.any():
                    continue
                for i in np.flatnonzero(mask)[:1000]:
                    value = dictionary[idx[i]]
                    if code == -2:
                        reason = ("наименование подходит к нескольким организациям: "
                                  f"{ctx.orgs.candidates(value)}; укажите код ОО, ОГРН или ИНН "
                                  "либо уточните вариант наименования в реестре")
                    else:
                        reason = f"организация не найдена в реестре ({field_title})"
                    ctx.problems.add(reason, row=int(rows[i]), column=header, value=value)
                extra = int(mask.sum()) - min(int(mask.sum()), 1000)
                ctx.problems.error_total += extra
                reported |= mask
        missing = unresolved & ~reported
        if missing.any():
            ctx.problems.add_rows(missing, "не указана организация (код ОО, ОГРН, ИНН или наименование)",
                                  rows=rows, column="Организация")
    if ctx.orgs.allowed is not None:
        forbidden = (ids >= 0) & ~np.isin(ids, np.fromiter(ctx.orgs.allowed, dtype=np.int64))
        if forbidden.any():
            ctx.problems.add_rows(forbidden, "нет прав загружать данные этой организации",
                                  rows=rows, column="Организация",
                                  values=[ctx.orgs.names.get(int(i), "") for i in ids])
    return ids


def _resolve_students(ctx: Ctx, table: pa.Table, rows: np.ndarray, m: Mapping) -> tuple[pa.Array | None, np.ndarray | None]:
    n = table.num_rows
    if "student_id" in m.fields:
        # Codes are kept exactly as given (trimmed by _col): "1-12345" and "11-2345" are two
        # students. The pseudonym's message for a code is ("id", code), see registry.pseudonym.
        sid = _col(table, m.fields["student_id"])
        ident = pc.binary_join_element_wise(pa.scalar("id"), sid, "\x1f")
    else:
        ident = pa.nulls(n, pa.string())
    if "surname" in m.fields and "first_name" in m.fields:
        parts = [_col(table, m.fields["surname"]), _col(table, m.fields["first_name"])]
        parts.append(_col(table, m.fields["patronymic"]) if "patronymic" in m.fields else pa.nulls(n, pa.string()))
        if "birth_date" in m.fields:
            bcol = _col(table, m.fields["birth_date"])
            births = map_values(bcol, parse_date, ctx.problems, rows, ctx.kind.field("birth_date").title,
                                "не дата (ожидается ДД.ММ.ГГГГ)")
            parts.append(pa.array(births.tolist(), pa.string()))
        else:
            parts.append(pa.nulls(n, pa.string()))
        fio = pc.binary_join_element_wise(*parts, "\x1f", null_handling="replace", null_replacement="")
        fio = pc.if_else(pc.is_null(parts[0]), pa.scalar(None, pa.string()), fio)
        ident = pc.coalesce(ident, fio)
    present = np.asarray(pc.is_valid(ident))
    if not present.all():
        if ctx.kind.students == "required":
            ctx.problems.add_rows(~present, "не указан обучающийся: нужен код участника или фамилия и имя",
                                  rows=rows, column="Обучающийся")
        if not present.any():
            return None, None
    enc = pc.dictionary_encode(ident)
    dictionary = enc.dictionary.to_pylist()
    pseud = [ctx.pseudonyms.of(v) for v in dictionary]
    ctx.students.update(pseud)
    idx = enc.indices
    student = pc.take(pa.array(pseud, pa.string()), idx)
    keys = np.array([int(p[:15], 16) for p in pseud] + [0], dtype=np.uint64)
    key = keys[idx.fill_null(len(pseud)).to_numpy(zero_copy_only=False)]
    return student, key


def _suppressed(ctx: Ctx, col: pa.Array, rows: np.ndarray, title: str) -> pa.Array:
    """A measure of school aggregates: markers of a hidden value («-», «н/д», «*»...) and
    empty cells become missing, each with a warning naming row, column and value."""
    low = pc.utf8_lower(col)
    marked = np.asarray(pc.fill_null(pc.is_in(low, pa.array(sorted(SUPPRESSED))), False))
    if marked.any():
        ctx.problems.add_rows(marked, "значение скрыто источником — сохранено как пропуск (не 0)",
                              rows=rows, column=title, values=col.to_pylist(), error=False)
        col = pc.if_else(pa.array(marked), pa.scalar(None, pa.string()), col)
    empty = np.asarray(pc.is_null(col)) & ~marked
    if empty.any():
        ctx.problems.add_rows(empty, "значение не указано — сохранено как пропуск (не 0)",
                              rows=rows, column=title, error=False)
    return col


def _row_years(ctx: Ctx, parsed: np.ndarray | None, col: pa.Array | None, rows: np.ndarray) -> np.ndarray:
    """The start year of each row: the file's year column, else the chosen (or current) year.
    A year outside the accepted range, or not in the registry, is an error naming the rows
    (unless years may be created)."""
    n = len(rows)
    years = np.full(n, np.nan) if parsed is None else parsed.astype(np.float64, copy=True)
    if ctx.default_year is not None:
        if parsed is not None and col is not None:
            given = ~np.isnan(years)
            other = sorted({int(y) for y in np.unique(years[given]) if int(y) != ctx.default_year})
            if other:
                ctx.warn_once(
                    f"в файле указаны учебные годы ({', '.join(f'{y}/{y + 1}' for y in other)}), "
                    f"отличные от выбранного ({ctx.default_year}/{ctx.default_year + 1}): для строк "
                    "с годом в файле взят год из файла, выбранный — только для строк без года")
        years = np.where(np.isnan(years), float(ctx.default_year), years)
    if col is not None:
        bare = np.asarray(pc.fill_null(pc.match_substring_regex(col, BARE_YEAR), False))
        if bare.any():
            y = int(years[np.flatnonzero(bare)[0]])
            ctx.warn_once(f"учебный год указан одним числом («{y}»): принят как год начала, "
                          f"то есть {y}/{y + 1}")
    unknown = np.isnan(years)
    if unknown.any() and col is not None:
        empty = unknown & np.asarray(pc.is_null(col))
        ctx.problems.add_rows(empty, "не указан учебный год (ни в файле, ни при загрузке)",
                              rows=rows, column="Учебный год")
    out = np.where(unknown, 0, years).astype(np.int64)
    for y in np.unique(out[~unknown]).tolist():
        mask = out == y
        if not year_in_range(y):
            ctx.problems.add_rows(mask, f"учебный год вне допустимого диапазона ({year_range_text()})",
                                  rows=rows, column="Учебный год", values=[f"{y}/{y + 1}"] * n)
            out[mask] = 0
            continue
        if ctx.year_object(y) is None:
            if ctx.create_year:
                ctx.warn_once(f"учебный год {y}/{y + 1} не заведён в справочнике: он будет создан при загрузке")
                continue
            kept = ctx.missing_years.setdefault(y, [])
            kept.extend(rows[mask][: max(10 - len(kept), 0)].tolist())
            ctx.missing_year_rows[y] = ctx.missing_year_rows.get(y, 0) + int(mask.sum())
    return out


def parse_chunk(ctx: Ctx, table: pa.Table, first_row: int | np.ndarray, m: Mapping) -> Parsed | None:
    if isinstance(first_row, np.ndarray):
        rows = first_row
    else:
        rows = np.arange(first_row, first_row + table.num_rows, dtype=np.int64)
    table, rows = _drop_blank_and_totals(ctx, table, rows, m)
    n = table.num_rows
    if n == 0:
        return None
    kind, probs = ctx.kind, ctx.problems
    values: dict[str, Any] = {}
    year_col: pa.Array | None = None
    for f in kind.fields:
        if f.name not in m.fields or f.type in ("org", "student") or f.name == "birth_date":
            continue
        col = _col(table, m.fields[f.name])
        if f.type in ("number", "int"):
            if kind.code == "aggregates" and f.name != "grade":
                col = _suppressed(ctx, col, rows, f.title)
            # a score of a work is checked against that work's scale, later
            scaled = kind.code in SCALED_KINDS and f.name in SCALED_FIELDS
            lo, hi = (None, None) if scaled else (f.lo, f.hi)
            values[f.name] = parse_number(col, probs, rows, f.title, integer=f.type == "int", lo=lo, hi=hi)
        elif f.type == "procedure":
            procs = ctx.kind.procedures or ((ctx.kind.procedure,) if ctx.kind.procedure else ())
            values[f.name] = map_values(col, _procedure_lookup(procs), probs, rows, f.title,
                                        f"неизвестная процедура; допустимо: {', '.join(procs)}")
        elif f.type == "year":
            year_col = col
            values[f.name] = map_values(col, parse_year, probs, rows, f.title,
                                        "не учебный год (ожидается 2024/2025, 2024-2025 или 2024)",
                                        dtype=np.float64, missing=np.nan)
        elif f.type in ("choice", "bool"):
            allowed = ", ".join(sorted({k for k in (f.choices or {}) if not k.isascii()})[:12])
            values[f.name] = map_values(col, choice_lookup(f.choices or {}), probs, rows, f.title,
                                        f"неизвестное значение; допустимо: {allowed}")
        elif f.type == "date":
            values[f.name] = map_values(col, parse_date, probs, rows, f.title, "не дата (ожидается ДД.ММ.ГГГГ)")
        elif f.type == "subject":
            values[f.name] = map_values(col, ctx.subjects.lookup, probs, rows, f.title, "неизвестный предмет")
        else:
            values[f.name] = col
        if f.required:
            empty = np.asarray(pc.is_null(col))
            if empty.any():
                probs.add_rows(empty, "не заполнено обязательное поле", rows=rows, column=f.title)
    year = _row_years(ctx, values.pop("year", None), year_col, rows)
    procedure = _row_procedures(ctx, values.pop("procedure", None), rows)
    org_id = _resolve_orgs(ctx, table, rows, m) if kind.needs_org else np.full(n, -1, dtype=np.int64)
    ctx.org_ids.update(int(i) for i in np.unique(org_id) if i >= 0)
    student, skey = (None, None)
    if kind.students != "none":
        student, skey = _resolve_students(ctx, table, rows, m)
    if "subject" in values:
        subject = values["subject"]
        if ctx.subject:
            subject = np.where(pd_isnull(subject), ctx.subject, subject)
    else:
        subject = np.full(n, ctx.subject or kind.fixed_subject, dtype=object)
    class_label = values.get("class_label", pa.nulls(n, pa.string()))
    grade = values.get("grade", np.full(n, np.nan))
    if np.isnan(grade).any():
        digits = pc.extract_regex(pc.fill_null(class_label, ""), r"^(?P<g>\d{0,2})").field("g")
        digits = pc.if_else(pc.equal(digits, ""), pa.scalar(None, pa.string()), digits)
        g2 = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)
        grade = np.where(np.isnan(grade), g2, grade)
        if ctx.grade is not None:
            grade = np.where(np.isnan(grade), float(ctx.grade), grade)
    tasks: list[tuple[str, np.ndarray]] = []
    for number, i in m.tasks:
        col = _col(table, i)
        low = pc.utf8_lower(col)
        col = pc.if_else(pc.fill_null(pc.is_in(low, pa.array(sorted(NOT_DONE))), False), pa.scalar(None, pa.string()), col)
        # bounds: the task's own range from the work's specification (``check_task_max``)
        tasks.append((number, parse_number(col, probs, rows, f"Задание {number}")))
    return Parsed(n, rows, values, org_id, student, skey, subject, pa.array(subject, pa.string()), grade,
                  class_label, tasks, year, procedure)


def _procedure_lookup(allowed: tuple[str, ...]) -> Callable[[str], str | None]:
    names = {norm(c): c for c in allowed}
    names.update({norm(k): v for k, v in PROCEDURE_ALIASES.items()})
    for code, name in Procedure.objects.filter(code__in=allowed).values_list("code", "name"):
        names[norm(name)] = code
        names[norm(name).replace("-", " ")] = code
    names.update({"гвэ 9": "GVE9", "гвэ-9": "GVE9", "гвэ 11": "GVE11", "гвэ-11": "GVE11", "огэ": "OGE",
                  "егэ": "EGE", "впр": "VPR", "кдр": "KDR", "нико": "NIKO"})
    return lambda v: (found if (found := names.get(norm(v))) in allowed else None)


def _row_procedures(ctx: Ctx, parsed: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    """The procedure of each row when the file has a procedure column (else None: the chosen
    one for every row); a row without one takes the chosen procedure, or is an error."""
    if parsed is None:
        return None
    empty = np.asarray(pc.is_null(pa.array(parsed, pa.string())))
    if empty.any():
        if ctx.procedure_code:
            parsed = np.where(empty, ctx.procedure_code, parsed)
        else:
            ctx.problems.add_rows(empty, "не указана процедура (ни в файле, ни при загрузке)", rows=rows,
                                  column=ctx.kind.field("procedure").title)
            parsed = np.where(empty, "", parsed)
    return parsed


def pd_isnull(a: np.ndarray) -> np.ndarray:
    return np.asarray(pc.is_null(pa.array(a, pa.string())))


def _codes(arr: pa.Array) -> tuple[np.ndarray, list[Any]]:
    """Dictionary codes of an Arrow array (-1 for null) and its distinct values."""
    enc = pc.dictionary_encode(arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    return enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


# ------------------------------------------------------------------------------------------
# Checks shared by the student kinds


def _groups(p: Parsed, procedure: str) -> list[tuple[str, int, str, int | None, np.ndarray]]:
    """The works of a chunk: (procedure, year, subject, grade, rows mask); ``procedure`` is
    the chosen one, for rows that do not name theirs."""
    codes, values = _codes(p.subject_arr)
    grade = np.where(np.isnan(p.grade), -1, p.grade).astype(np.int64)
    if p.procedure is None:
        procs = [(procedure, np.ones(p.n, dtype=bool))]
    else:
        procs = [(str(c), p.procedure == c) for c in sorted(set(p.procedure.tolist())) if c]
    out = []
    for proc, pmask in procs:
        for y in np.unique(p.year[pmask]).tolist():
            ymask = pmask & (p.year == y)
            for c, s in [(-1, ""), *enumerate(values)]:
                smask = ymask & (codes == c)
                if not smask.any():
                    continue
                for g in np.unique(grade[smask]).tolist():
                    out.append((proc, int(y), s, None if g < 0 else int(g), smask & (grade == g)))
    return out


def check_score_range(ctx: Ctx, p: Parsed, name: str, values: np.ndarray) -> None:
    """A primary or scaled score within the scale of its own work (negative where the scale
    allows penalties); the field's generic bounds where the work has no scale."""
    f = ctx.kind.field(name)
    which = SCALED_FIELDS[name]
    generic = Range(f.lo if f.lo is not None else -np.inf, f.hi if f.hi is not None else np.inf, "")
    for proc, y, s, g, mask in _groups(p, ctx.procedure_code):
        r = None
        if s and y and proc:
            ranges = ctx.ranges_for(proc)
            r = ranges.primary(y, s, g) if which == "primary" else ranges.scaled(y, s, g)
        r = r or generic
        bad = mask & ~np.isnan(values) & ((values < r.lo) | (values > r.hi))
        if bad.any():
            reason = (f"вне шкалы работы: допустимо {r.text()} ({r.source})" if r.source
                      else f"вне допустимого диапазона: {r.text()}")
            ctx.problems.add_rows(bad, reason, rows=p.rows, column=f.title,
                                  values=[f"{x:g}" for x in values])


def check_mark(ctx: Ctx, p: Parsed, primary: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """The mark of each row under the year's scale; mismatches with ``mark`` are errors."""
    expected = np.full(p.n, np.nan)
    for proc, y, s, g, mask in _groups(p, ctx.procedure_code):
        if not s:
            continue
        scale = ctx.specs_for(y, proc).scale(s, g)
        if scale is None:
            ctx.warn_once(f"нет шкалы перевода для предмета {s}{f', {g} класс' if g else ''}: "
                          "отметки не сверены с баллами")
            continue
        cuts, marks = scale
        sel = mask & ~np.isnan(primary)
        expected[sel] = marks[np.searchsorted(cuts, primary[sel], side="right")]
    bad = ~np.isnan(mark) & ~np.isnan(expected) & (mark != expected)
    for i in np.flatnonzero(bad)[:1000]:
        ctx.problems.add(
            f"отметка не соответствует первичному баллу {primary[i]:g} по шкале перевода "
            f"{p.year[i]}/{p.year[i] + 1} (по шкале — «{int(expected[i])}»)",
            row=int(p.rows[i]), column="Отметка", value=int(mark[i]),
        )
    ctx.problems.error_total += max(int(bad.sum()) - 1000, 0)
    return expected


def check_task_max(ctx: Ctx, p: Parsed, row_idx: np.ndarray, task_codes: np.ndarray, task_dict: list[Any], score: np.ndarray) -> None:
    """Scores outside the task's range (TaskSpec: minimum, maximum) and task numbers the
    spec does not have; without a spec, the generic 0–100."""
    for proc, y, s, g, mask in _groups(p, ctx.procedure_code):
        sel = mask[row_idx]
        codes = task_codes[sel]
        rows_sel = p.rows[row_idx[sel]]
        vals = score[sel]
        spec = ctx.ranges_for(proc).tasks(y, s, g) if (s and proc) else None
        if spec is None:
            if s:
                ctx.warn_once(f"нет спецификации работы ({s}{f', {g} класс' if g else ''}): баллы за "
                              "задания сверены только с общими границами 0–100")
            out = ~np.isnan(vals) & ((vals < 0) | (vals > 100))
            for k in np.flatnonzero(out)[:1000]:
                t = task_dict[codes[k]] if codes[k] >= 0 else ""
                ctx.problems.add("балл за задание вне допустимого диапазона: от 0 до 100",
                                 row=int(rows_sel[k]), column=f"Задание {t}", value=f"{vals[k]:g}")
            ctx.problems.error_total += max(int(out.sum()) - 1000, 0)
            continue
        table = np.array([spec.get(str(t), (np.nan, np.nan))[1] for t in task_dict] + [np.nan])
        lows = np.array([spec.get(str(t), (np.nan, np.nan))[0] for t in task_dict] + [np.nan])
        maxes = table[np.where(codes < 0, len(task_dict), codes)]
        mins = lows[np.where(codes < 0, len(task_dict), codes)]
        under = ~np.isnan(mins) & (vals < mins)
        for k in np.flatnonzero(under)[:1000]:
            t = task_dict[codes[k]]
            ctx.problems.add(f"балл ниже минимального за задание {t}: допустимо от {mins[k]:g} до {maxes[k]:g}",
                             row=int(rows_sel[k]), column=f"Задание {t}", value=f"{vals[k]:g}")
        ctx.problems.error_total += max(int(under.sum()) - 1000, 0)
        unknown = np.isnan(maxes) & (codes >= 0)
        if unknown.any():
            names = np.array([str(t) for t in task_dict] + [""], dtype=object)
            ctx.problems.add_rows(unknown, "такого задания нет в спецификации работы",
                                  rows=rows_sel, column="Номер задания", values=names[codes])
        over = ~np.isnan(maxes) & (vals > maxes)
        if over.any():
            for k in np.flatnonzero(over)[:1000]:
                t = task_dict[codes[k]]
                ctx.problems.add(f"балл выше максимального за задание {t} ({maxes[k]:g})",
                                 row=int(rows_sel[k]), column=f"Задание {t}", value=f"{vals[k]:g}")
            ctx.problems.error_total += max(int(over.sum()) - 1000, 0)


def _subject_index(ctx: Ctx, values: np.ndarray | pa.Array) -> np.ndarray:
    """A small integer per distinct value (subject, stage, task...), stable over the file."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    if not len(arr):
        return np.empty(0, dtype=np.uint64)
    codes, dictionary = _codes(arr)
    table = np.array([ctx.task_index.setdefault(f"v:{u}", len(ctx.task_index)) for u in dictionary] + [0], dtype=np.uint64)
    return table[np.where(codes < 0, len(dictionary), codes)]


def remember_keys(ctx: Ctx, p: Parsed, row_idx: np.ndarray, extra: np.ndarray | None = None) -> None:
    """Keys for the «same student twice» check across the whole file."""
    if p.student_key is None:
        return
    with np.errstate(over="ignore"):
        k = p.student_key[row_idx].astype(np.uint64) * np.uint64(1_000_003)
        k = (k + _subject_index(ctx, p.subject_arr)[row_idx]) * np.uint64(1_000_003)
        k = (k + np.nan_to_num(p.grade[row_idx], nan=0).astype(np.uint64)) * np.uint64(1_000_003)
        k = k + p.year[row_idx].astype(np.uint64)
        if p.procedure is not None:
            k = k * np.uint64(1_000_003) + _subject_index(ctx, p.procedure[row_idx])
        if extra is not None:
            k = k * np.uint64(1_000_003) + extra.astype(np.uint64)
    ctx.keys.append(k)
    ctx.key_rows.append(p.rows[row_idx])


def check_duplicates(ctx: Ctx, what: str) -> None:
    if not ctx.keys:
        return
    keys = np.concatenate(ctx.keys)
    rows = np.concatenate(ctx.key_rows)
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    dup = np.zeros(len(sk), dtype=bool)
    dup[1:] = sk[1:] == sk[:-1]
    if dup.any():
        first_rows = rows[order][np.flatnonzero(dup) - 1]
        dup_rows = rows[order][dup]
        for r, f in list(zip(dup_rows.tolist(), first_rows.tolist(), strict=True))[:1000]:
            ctx.problems.add(f"{what} повторяется (уже была в строке {f})", row=int(r), column="Обучающийся")
        ctx.problems.error_total += max(int(dup.sum()) - 1000, 0)
    ctx.keys, ctx.key_rows = [], []


# ------------------------------------------------------------------------------------------
# Building facts


def _base(ctx: Ctx, p: Parsed, idx: np.ndarray | None = None) -> dict[str, Any]:
    sel = slice(None) if idx is None else idx
    n = p.n if idx is None else len(idx)
    take = (lambda a: a) if idx is None else (lambda a: pc.take(a, pa.array(idx)))
    out: dict[str, Any] = {
        "org_id": pa.array(p.org_id[sel], pa.int64()),
        "year": pa.array(p.year[sel].astype(np.int16)),
        "procedure": (pa.array([ctx.procedure_code] * n, pa.string()) if p.procedure is None
                      else pa.array(p.procedure[sel].tolist(), pa.string())),
        "grade": _num(p.grade[sel], pa.int8()),
        "class_label": take(p.class_label),
    }
    if p.student is not None:
        out["student"] = take(p.student)
    return out


def _num(a: np.ndarray, typ: pa.DataType) -> pa.Array:
    # unsafe: out-of-range values are already errors, and a file with errors is never written
    return pa.array(a, pa.float64(), from_pandas=True).cast(typ, safe=False)


def _obj(a: np.ndarray, typ: pa.DataType) -> pa.Array:
    return pa.array(a.tolist(), typ)


def build_student_kind(ctx: Ctx, p: Parsed) -> dict[str, pa.Table]:
    kind, v = ctx.kind, p.values
    out: dict[str, pa.Table] = {}
    if kind.code in ("vpr", "gia", "kdr", "essay", "interview", "spt"):
        subj = p.subject_arr
        need_subject = kind.code in ("vpr", "gia", "kdr")
        if need_subject:
            missing = pd_isnull(p.subject)
            if missing.any():
                ctx.problems.add_rows(missing, "не указан предмет (ни в столбце «Предмет», ни в параметрах загрузки)",
                                      rows=p.rows, column="Предмет")
        for name in ("primary_score", "test_score"):
            if name in v and kind.code in SCALED_KINDS:
                check_score_range(ctx, p, name, v[name])
        primary = v.get("primary_score")
        tasks = p.tasks
        if tasks:
            stacked = np.column_stack([t for _, t in tasks])
            numbers = np.array([t for t, _ in tasks], dtype=object)
            present = ~np.isnan(stacked)
            r_idx, t_idx = np.nonzero(present)
            check_task_max(ctx, p, r_idx, t_idx, [t for t, _ in tasks], stacked[r_idx, t_idx])
            sums = np.where(present.any(axis=1), np.nansum(stacked, axis=1), np.nan)
            if primary is not None:
                bad = ~np.isnan(primary) & ~np.isnan(sums) & (np.abs(primary - sums) > 1e-6)
                for i in np.flatnonzero(bad)[:1000]:
                    ctx.problems.add(f"первичный балл не равен сумме баллов за задания ({sums[i]:g})",
                                     row=int(p.rows[i]), column="Первичный балл", value=f"{primary[i]:g}")
                ctx.problems.error_total += max(int(bad.sum()) - 1000, 0)
                primary = np.where(np.isnan(primary), sums, primary)
            else:
                primary = sums
            base = _base(ctx, p, r_idx)
            out["task_scores"] = pa.table({
                "org_id": base["org_id"], "year": base["year"], "procedure": base["procedure"],
                "subject": pc.take(subj, pa.array(r_idx)), "grade": base["grade"],
                "student": base["student"], "task": pa.array(numbers[t_idx].tolist(), pa.string()),
                "score": pa.array(stacked[r_idx, t_idx], pa.float32()),
            }) if p.student is not None else pa.table({})
        if kind.code == "vpr" and "task" in v and "score" in v and not tasks:
            return _vpr_long(ctx, p, subj)
        mark = v.get("mark")
        if primary is not None and kind.code in ("vpr", "gia"):
            expected = check_mark(ctx, p, primary, mark if mark is not None else np.full(p.n, np.nan))
            if mark is None and kind.code == "vpr":
                mark = expected
        remember_keys(ctx, p, np.arange(p.n))
        base = _base(ctx, p)
        cols = {**base, "subject": subj}
        for name, typ in (("variant", pa.int16()), ("test_score", pa.float64()),
                          ("journal_mark", pa.int8())):
            if name in v:
                cols[name] = _num(v[name], typ)
        if primary is not None:
            cols["primary_score"] = _num(primary, pa.float64())
        if mark is not None:
            cols["mark"] = _num(mark, pa.int8())
        if "passed" in v:
            cols["passed"] = _obj(v["passed"], pa.bool_())
        if "level" in v:
            cols["level"] = _obj(v["level"], pa.string())
        if p.student is not None:
            out["student_results"] = pa.table(cols)
        return {k: t for k, t in out.items() if t.num_rows}
    base = _base(ctx, p)
    if kind.code == "olympiad":
        score, mx = v.get("score"), v.get("max_score")
        if score is not None and mx is not None:
            bad = ~np.isnan(score) & ~np.isnan(mx) & (score > mx)
            ctx.problems.add_rows(bad, "балл больше максимального", rows=p.rows, column="Балл",
                                  values=score)
        stage = v["stage"]
        remember_keys(ctx, p, np.arange(p.n), _subject_index(ctx, pa.array(stage, pa.string())))
        cols = {k: base[k] for k in ("org_id", "year", "procedure", "grade", "student")}
        cols.update(stage=_obj(stage, pa.string()), subject=_obj(p.subject, pa.string()),
                    status=_obj(v["status"], pa.string()))  # noqa: E501
        if score is not None:
            cols["score"] = _num(score, pa.float64())
        if mx is not None:
            cols["max_score"] = _num(mx, pa.float64())
        return {"olympiad_results": pa.table(cols)} if p.student is not None else {}
    if kind.code == "attendance":
        t, ms, un = (v.get(k) for k in ("lessons_total", "lessons_missed", "lessons_missed_unexcused"))
        if ms is not None and un is not None:
            ctx.problems.add_rows(~np.isnan(ms) & ~np.isnan(un) & (un > ms),
                                  "без уважительной причины пропущено больше, чем всего",
                                  rows=p.rows, column="Пропущено без уважительной причины", values=un)
        if t is not None and ms is not None:
            ctx.problems.add_rows(~np.isnan(t) & ~np.isnan(ms) & (ms > t),
                                  "пропущено больше уроков, чем было", rows=p.rows,
                                  column="Пропущено уроков", values=ms)
        cols = dict(base)
        cols["period"] = v.get("period", pa.nulls(p.n, pa.string()))
        for name in ("lessons_total", "lessons_missed", "lessons_missed_unexcused"):
            if v.get(name) is not None:
                cols[name] = _num(v[name], pa.int32())
        return {"attendance": pa.table(cols)}
    if kind.code == "destinations":
        remember_keys(ctx, p, np.arange(p.n))
        cols = dict(base)
        cols["destination"] = _obj(v["destination"], pa.string())
        if "profile" in v:
            cols["profile"] = v["profile"]
        if "is_target" in v:
            cols["is_target"] = _obj(v["is_target"], pa.bool_())
        return {"destinations": pa.table(cols)}
    if kind.code == "medals":
        remember_keys(ctx, p, np.arange(p.n))
        cols = dict(base)
        cols["medal"] = _obj(v["medal"], pa.string())
        return {"medals": pa.table(cols)} if p.student is not None else {}
    if kind.code == "aggregates":
        return _aggregates(ctx, p)
    raise ValueError(kind.code)


def _vpr_long(ctx: Ctx, p: Parsed, subj: pa.Array) -> dict[str, pa.Table]:
    v = p.values
    task_codes, task_dict = _codes(v["task"])
    score = v["score"]
    missing = task_codes < 0
    if missing.any():
        ctx.problems.add_rows(missing, "не указан номер задания", rows=p.rows, column="Номер задания")
    idx = np.arange(p.n)
    check_task_max(ctx, p, idx, task_codes, task_dict, score)
    remember_keys(ctx, p, idx, _subject_index(ctx, v["task"]))
    base = _base(ctx, p)
    table = pa.table({
        "org_id": base["org_id"], "year": base["year"], "procedure": base["procedure"],
        "subject": subj, "grade": base["grade"], "student": base["student"],
        "task": v["task"], "score": pa.array(score, pa.float32(), from_pandas=True),
    })
    keys = ["org_id", "year", "subject", "grade", "student"]
    part = table.group_by(keys).aggregate([("score", "sum")])
    ctx.partial.append(part)
    return {"task_scores": table}


def finish_vpr_long(ctx: Ctx) -> pa.Table | None:
    """Per-student totals of a long task-score file: primary score and the scale's mark."""
    if not ctx.partial:
        return None
    t = pa.concat_tables(ctx.partial).group_by(["org_id", "year", "subject", "grade", "student"]).aggregate([("score_sum", "sum")])
    ctx.partial = []
    primary = t.column("score_sum_sum").to_numpy().astype(np.float64)
    mark = np.full(t.num_rows, np.nan)
    subj = np.asarray(t.column("subject").to_pylist(), dtype=object)
    grade = t.column("grade").to_numpy(zero_copy_only=False).astype(np.float64)
    years = t.column("year").to_numpy(zero_copy_only=False).astype(np.int64)
    for y in set(years.tolist()):
        for s in set(subj[years == y].tolist()):
            for g in set(grade[(years == y) & (subj == s)].tolist()):
                mask = (years == y) & (subj == s) & ((grade == g) | (np.isnan(grade) & np.isnan(g)))
                scale = ctx.specs_for(y).scale(s, None if np.isnan(g) else int(g))
                if scale is not None:
                    cuts, marks = scale
                    mark[mask] = marks[np.searchsorted(cuts, primary[mask], side="right")]
    n = t.num_rows
    return pa.table({
        "org_id": t.column("org_id"), "year": pa.array(years.astype(np.int16)),
        "procedure": pa.array([ctx.procedure_code] * n, pa.string()), "subject": t.column("subject"),
        "grade": t.column("grade"), "student": t.column("student"),
        "primary_score": pa.array(primary), "mark": _num(mark, pa.int8()),
    })


RATE_MEASURES = ("mean_score", "mean_mark", "share_mark_2", "share_mark_3", "share_mark_4",
                 "share_mark_5", "share_quality", "share_success")


def _aggregates(ctx: Ctx, p: Parsed) -> dict[str, pa.Table]:
    """School-level aggregates, one measure per fact row; a missing value is no row (never 0).

    Means and shares: with 0 participants they are undefined and stored as missing (a
    warning); a 0 with participants is kept as a value (a warning asks to check it), since
    a source that hides values with 0 cannot be told from a real 0 by msoko.
    """
    v = p.values
    measures = [f.name for f in ctx.kind.fields if f.name in v and f.type in ("int", "number") and f.name != "grade"]
    if not measures:
        return {}
    sat = v.get("sat")
    if sat is not None:
        ctx.problems.add_rows(np.isnan(sat), "не указано число участников: по этой строке нельзя "
                              "судить о малой группе", rows=p.rows, column=ctx.kind.field("sat").title,
                              error=False)
        for name in measures:
            if name.startswith("count_"):
                bad = ~np.isnan(v[name]) & ~np.isnan(sat) & (v[name] > sat)
                ctx.problems.add_rows(bad, "больше числа участников", rows=p.rows,
                                      column=ctx.kind.field(name).title, values=v[name])
        for name in RATE_MEASURES:
            if name not in v:
                continue
            title = ctx.kind.field(name).title
            nobody = ~np.isnan(v[name]) & (sat == 0)
            if nobody.any():
                ctx.problems.add_rows(nobody, "при 0 участников значение не определено — сохранено как "
                                      "пропуск", rows=p.rows, column=title, values=v[name], error=False)
                v[name] = np.where(nobody, np.nan, v[name])
            zero = (v[name] == 0) & (sat > 0)
            ctx.problems.add_rows(zero, "0 при ненулевом числе участников сохранён как значение; "
                                  "если источник так скрывает данные, замените 0 на «-»", rows=p.rows,
                                  column=title, values=v[name], error=False)
        marks = [f"count_mark_{m}" for m in (2, 3, 4, 5)]
        if all(m in v for m in marks):
            parts = np.column_stack([v[m] for m in marks])
            full = ~np.isnan(parts).any(axis=1) & ~np.isnan(sat)
            total = parts.sum(axis=1)
            bad = full & (total != sat)
            for i in np.flatnonzero(bad)[:1000]:
                ctx.problems.add(f"сумма отметок «2»–«5» ({total[i]:g}) не равна числу участников",
                                 row=int(p.rows[i]), column="Участников", value=f"{sat[i]:g}")
    if "count_160_plus" in v and "count_220_plus" in v:
        a, b = v["count_220_plus"], v["count_160_plus"]
        ctx.problems.add_rows(~np.isnan(a) & ~np.isnan(b) & (a > b),
                              "набравших 220+ больше, чем набравших 160+", rows=p.rows,
                              column=ctx.kind.field("count_220_plus").title, values=a)
    with np.errstate(over="ignore"):
        key = p.org_id.astype(np.uint64) * np.uint64(1_000_003) + _subject_index(ctx, p.subject_arr)
        key = key * np.uint64(1_000_003) + np.nan_to_num(p.grade, nan=0).astype(np.uint64)
        key = key * np.uint64(1_000_003) + p.year.astype(np.uint64)
        if p.procedure is not None:
            key = key * np.uint64(1_000_003) + _subject_index(ctx, p.procedure)
    ctx.keys.append(key)
    ctx.key_rows.append(p.rows)
    org, year, proc, subj, grade, meas, val = [], [], [], [], [], [], []
    procedure = p.procedure if p.procedure is not None else np.full(p.n, ctx.procedure_code, dtype=object)
    for name in measures:
        present = ~np.isnan(v[name])
        org.append(p.org_id[present])
        year.append(p.year[present])
        proc.append(procedure[present])
        subj.append(p.subject[present])
        grade.append(p.grade[present])
        meas.append(np.full(int(present.sum()), name, dtype=object))
        val.append(v[name][present])
    return {"school_aggregates": pa.table({
        "org_id": pa.array(np.concatenate(org), pa.int64()),
        "year": pa.array(np.concatenate(year).astype(np.int16)),
        "procedure": pa.array(np.concatenate(proc).tolist(), pa.string()),
        "subject": pa.array(np.concatenate(subj).tolist(), pa.string()),
        "grade": _num(np.concatenate(grade), pa.int8()),
        "measure": pa.array(np.concatenate(meas).tolist(), pa.string()),
        "value": pa.array(np.concatenate(val), pa.float64()),
    })}


# ------------------------------------------------------------------------------------------
# The import


def _matched_students(students: set[str], exclude_batch: int | None) -> int:
    if not students:
        return 0
    from django.db import connection

    from msoko.registry.models import Student

    seen: set[str] = set()
    ordered = list(students)
    # Plain SQL: the ORM's per-parameter preparation of 100,000 values costs more than the query.
    table = connection.ops.quote_name(Student._meta.db_table)
    with connection.cursor() as cursor:
        for lo in range(0, len(ordered), 5000):
            chunk = ordered[lo : lo + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT pseudonym FROM {table} WHERE pseudonym IN ({marks})", chunk)  # noqa: S608 - only placeholders are interpolated
            seen.update(row[0] for row in cursor.fetchall())
    files = FactFile.objects.filter(batch__status=ImportBatch.Status.ACTIVE, table__in=STUDENT_TABLES)
    if exclude_batch is not None:
        files = files.exclude(batch_id=exclude_batch)
    paths = [str(store_root() / f.path) for f in files]
    if paths:
        con = duckdb.connect()
        mine = pa.table({"student": pa.array(ordered, pa.string())})  # noqa: F841 - read by DuckDB
        rows = con.execute(
            "SELECT DISTINCT f.student FROM read_parquet(?, union_by_name=true) f "
            "JOIN mine USING (student)", [paths]
        ).fetchall()
        seen.update(r[0] for r in rows)
        con.close()
    return len(seen)


PROCEDURE_ALIASES = {"ОГЭ": "OGE", "ЕГЭ": "EGE", "ВПР": "VPR", "КДР": "KDR"}


def _procedure(k: Kind, procedure: str | None, probs: Problems, in_file: bool = False) -> tuple[str, Procedure | None]:
    """The chosen procedure; none is needed when the file has a procedure column."""
    code = (procedure or k.procedure or "").upper()
    code = PROCEDURE_ALIASES.get(code, code)
    if k.procedure and procedure and code != k.procedure:
        probs.add(f"для вида «{k.title}» процедура всегда {k.procedure}")
    if not k.procedure and k.procedures and code not in k.procedures and (code or not in_file):
        probs.add(f"укажите процедуру: одну из {', '.join(k.procedures)}")
    return code, (Procedure.objects.filter(code=code).first() if code else None)


def _has_year_column(m: Mapping) -> bool:
    return "year" in m.fields or any(g[0] is not None for g in m.groups)


def _default_year(k: Kind, year: int | None, m: Mapping, probs: Problems, create_year: bool) -> int | None:
    """The start year of rows that do not name their own: the chosen year, else (when the file
    has no year column) the current one. None when every row names its year, or when the kind
    has no year (the registry itself)."""
    if k.year == "none":
        return None
    if year is not None:
        if not year_in_range(year):
            probs.add(f"учебный год {year}/{year + 1} вне допустимого диапазона ({year_range_text()})")
        elif not create_year and not AcademicYear.objects.filter(start_year=year).exists():
            probs.add(f"учебный год {year}/{year + 1} не заведён в справочнике «Учебные годы»; "
                      "заведите его или разрешите создать год при загрузке")
        return year
    if _has_year_column(m):
        return None
    current = AcademicYear.objects.filter(is_current=True).first()
    if current is None:
        if k.year == "required":
            probs.add("учебный год не выбран, а текущий не отмечен в справочнике «Учебные годы»")
        return None
    return current.start_year


def _parameters(k: Kind, proc_code: str, default_year: int | None, subject: str | None,
                grade: int | None, headers: list[str], m: Mapping) -> dict[str, Any]:
    """What, besides the file's bytes, decides what a load writes: the same file with other
    parameters (another year, subject, mapping...) is another load, not «уже загружен»."""
    columns = mapping_as_columns(k, headers, m)
    columns.update({norm(headers[i]): f"{f}@{group_label(g)}" for g, fs in m.groups.items() for f, i in fs.items()})
    params = {"kind": k.code, "procedure": proc_code or None, "year": default_year, "subject": subject,
              "grade": grade, "mapping": columns}
    return json.loads(json.dumps(params, sort_keys=True))


def _same_parameters(batch: ImportBatch, params: dict[str, Any]) -> bool:
    if batch.parameters:
        return batch.parameters == params
    # a batch loaded before parameters were recorded: its procedure and year are known
    if batch.procedure is not None and batch.procedure.code != params["procedure"]:
        return False
    return (batch.year.start_year if batch.year else None) == params["year"]


def _duplicate_of(k: Kind, sha: str, params: dict[str, Any]) -> ImportBatch | None:
    same = ImportBatch.objects.filter(kind=k.code, file_sha256=sha, status=ImportBatch.Status.ACTIVE)
    return next((b for b in same.select_related("procedure", "year") if _same_parameters(b, params)), None)


def _check_required(k: Kind, m: Mapping, probs: Problems, hdr_row: int) -> None:
    have = set(m.fields) | {f for fs in m.groups.values() for f in fs}
    missing = [f.title for f in k.fields if f.required and f.name not in have]
    if k.needs_org and not any(n in m.fields for n in ORG_PRIORITY):
        missing.append("Код ОО / ОГРН / ИНН / Наименование ОО")
    if k.students == "required" and "student_id" not in m.fields and not (
        "surname" in m.fields and "first_name" in m.fields
    ):
        missing.append("Код обучающегося (или Фамилия и Имя)")
    if k.code == "vpr" and not m.tasks and not ("task" in m.fields and "score" in m.fields) and not (
        "primary_score" in have or "mark" in have
    ):
        missing.append("баллы за задания (столбцы «1», «2»... или «Номер задания» и «Балл за задание»)")
    for title in missing:
        probs.add(f"нет обязательного столбца «{title}»", row=hdr_row)
    if m.groups and m.tasks:
        probs.add("столбцы заданий («1», «2»...) нельзя сочетать со столбцами по годам, предметам или "
                  "классам: загрузите такой файл по частям", row=hdr_row)


def _check_expected_columns(k: Kind, saved: ColumnMapping | None, headers: list[str], probs: Problems,
                            hdr_row: int) -> None:
    """A saved mapping (or a shipped preset) loads named columns: one the file lacks is an
    error naming it, not a measure silently left out."""
    if saved is None:
        return
    from msoko.intake.presets import original_headers

    present = {norm(h) for h in headers}
    originals = original_headers(saved.name)
    for key, target in saved.columns.items():
        if not target or key in present:
            continue
        title = (k.field(target).title if k.has(target)
                 else f"Задание {target[5:]}" if target.startswith("task:") else target)
        header = originals.get(key, key)
        probs.add(f"в файле нет столбца «{header}», который сопоставление «{saved.name}» загружает "
                  f"в поле «{title}»", row=hdr_row, column=header)


def _absent_columns(k: Kind, m: Mapping, probs: Problems, hdr_row: int) -> list[str]:
    """Optional measures of school aggregates that the file does not have: stored as missing
    (no fact row, never 0) and named in the check's summary."""
    if k.code != "aggregates":
        return []
    have = set(m.fields) | {f for fs in m.groups.values() for f in fs}
    absent = [f.title for f in k.fields if f.type in ("int", "number") and f.name != "grade" and f.name not in have]
    if absent:
        probs.add(f"нет в файле: {', '.join(absent)} — эти значения сохранены как пропуски (не 0)",
                  row=hdr_row, error=False)
    if "sat" not in have:
        probs.add("нет столбца «Участников»: малые группы нельзя оценить по числу участников, "
                  "а средние — взвесить", row=hdr_row, error=False)
    return absent


def run_import(path: str | Path, *, progress: Progress | None = None, **options: Any) -> ImportResult:
    """Import one file of ``kind`` (see ``_run_import``), holding one of the installation's
    import slots while a large file is read: a second large import waits for the first
    (saying so through ``progress``) instead of doubling the memory. A book over the
    unpacked-size limit needs no slot: it is refused without being read."""
    from msoko.intake.readers import max_unpacked_bytes
    from msoko.intake.uploads import WAITING_MESSAGE, import_slot, read_weight

    weight = read_weight(Path(path))
    if weight > max_unpacked_bytes():
        weight = 0

    def waiting() -> None:
        if progress is not None:
            progress(0, WAITING_MESSAGE)
        else:
            print(f"{WAITING_MESSAGE}…", file=sys.stderr, flush=True)

    with import_slot(weight, on_wait=waiting):
        return _run_import(path, progress=progress, **options)


def _run_import(
    path: str | Path,
    *,
    kind: str,
    user: Any = None,
    year: int | None = None,
    procedure: str | None = None,
    subject: str | None = None,
    grade: int | None = None,
    mapping: str | None = None,
    save_mapping: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    file_name: str | None = None,
    create_year: bool = False,
) -> ImportResult:
    """Import one file of ``kind``. Nothing is written when any error is found.

    ``year``, ``subject`` and ``grade`` apply to rows that do not name their own: a file may
    hold several years, subjects and grades (columns, or wide headers such as «Математика,
    средний балл, 2024/2025»), and its facts are split by procedure and year. ``create_year``
    creates the academic years the file names that the registry lacks (else each is an error).
    """
    path = Path(path)
    name = file_name or path.name
    result = ImportResult("errors", kind, name)
    probs = result.problems
    probs.file = name
    k = KINDS.get(kind)
    if k is None:
        probs.add(f"неизвестный вид данных «{kind}»; есть: {', '.join(KINDS)}")
        return result
    subjects = Subjects()
    subject_code = subjects.lookup(subject) if subject else None
    if subject and subject_code is None:
        probs.add(f"неизвестный предмет «{subject}»")
    if probs.has_errors:
        return result
    try:
        sha = file_sha256(path)
    except OSError as exc:
        probs.add(f"файл не открывается: {exc}")
        return result
    from msoko.intake.presets import ensure_presets

    ensure_presets()
    saved: ColumnMapping | None = None
    if mapping:
        saved = ColumnMapping.objects.filter(name=mapping).first()
        if saved is None or saved.kind != k.code:
            probs.add(f"сопоставление столбцов «{mapping}» для вида «{k.title}» не найдено")
            return result
    qualify = Qualifiers(k, subjects.codes) if k.table != "registry" else None
    try:
        src = open_source(path, looks_like_header=_looks_like_header(k, saved, qualify))
    except ReadError as exc:
        probs.add(str(exc))
        return result
    probs.sheet = src.sheet
    headers = src.headers
    if saved is None:
        saved = ColumnMapping.objects.filter(kind=k.code, signature=signature(headers)).first()
    m = resolve_mapping(k, headers, saved, qualify)
    hdr_row = src.header_index + 1
    _describe_mapping(result, k, headers, m)
    for h in m.ignored:
        probs.add("столбец не сопоставлен ни с одним полем и не загружается", row=hdr_row, column=h, error=False)
    _check_required(k, m, probs, hdr_row)
    _check_expected_columns(k, saved, headers, probs, hdr_row)
    proc_code, proc = _procedure(k, procedure, probs, in_file="procedure" in m.fields)
    default_year = _default_year(k, year, m, probs, create_year)
    if probs.has_errors:
        return result
    params = _parameters(k, proc_code, default_year, subject_code, grade, headers, m)
    earlier = None if k.upsert else _duplicate_of(k, sha, params)  # an upsert compares instead
    if earlier is not None:
        result.status = "duplicate"
        result.batch_id = earlier.pk
        result.message = (f"Файл уже загружен с теми же параметрами (пакет {earlier.pk} от "
                          f"{earlier.created_at:%d.%m.%Y %H:%M}); ничего не изменено.")
        return result
    result.absent = _absent_columns(k, m, probs, hdr_row)
    allowed = None
    if user is not None and not getattr(user, "is_superuser", False):
        from msoko.access.policy import editable_organisations

        allowed = frozenset(editable_organisations(user).values_list("pk", flat=True))
    ay = AcademicYear.objects.filter(start_year=default_year).first() if default_year is not None else None
    ctx = Ctx(k, ay, proc_code, proc, subject_code, grade, OrgIndex(allowed), subjects, Specs(proc, ay), problems=probs)
    ctx.default_year, ctx.create_year, ctx.dry_run = default_year, create_year, dry_run
    try:
        _load(ctx, src, m, result, name=name, sha=sha, user=user, dry_run=dry_run, progress=progress,
              params=params)
    except _Abort:
        result.status = "errors"
        return result
    except ReadError as exc:
        probs.add(str(exc))
        result.status = "errors"
        return result
    if not dry_run and save_mapping:
        ColumnMapping.objects.update_or_create(
            name=save_mapping,
            defaults={"kind": k.code, "signature": signature(headers),
                      "columns": mapping_as_columns(k, headers, m)},
        )
    result.status = "dry_run" if dry_run else "ok"
    if not dry_run and result.batch_id:
        from msoko.indicators.compute import recompute_quietly

        recompute_quietly(result.batch_id, user=user)
    return result


def _describe_mapping(result: ImportResult, k: Kind, headers: list[str], m: Mapping) -> None:
    """The mapping as the check shows it: header → field (and the group of a wide column)."""
    result.mapping_name = m.name
    result.mapping = [(headers[i], k.field(f).title) for f, i in m.fields.items()]
    result.mapping += [(headers[i], f"Задание {t}") for t, i in m.tasks]
    if m.groups:
        from msoko.registry.models import Subject

        names = dict(Subject.objects.values_list("code", "name"))
        result.mapping += [(headers[i], f"{k.field(f).title} ({group_label(g, names)})")
                           for g, fs in m.groups.items() for f, i in fs.items()]


def _views(ctx: Ctx, table: pa.Table, first_row: int, m: Mapping) -> Iterator[tuple[pa.Table, np.ndarray, Mapping]]:
    """A chunk as long tables: itself, or one view per group of wide columns, where the group's
    columns stand for their fields and its year, subject and grade for the row's own."""
    rows = np.arange(first_row, first_row + table.num_rows, dtype=np.int64)
    if not m.groups:
        yield table, rows, m
        return
    width = table.num_columns
    for n, (g, fs) in enumerate(m.groups.items()):
        present = np.zeros(table.num_rows, dtype=bool)
        for i in fs.values():
            present |= np.asarray(pc.is_valid(_col(table, i)))
        if not present.any():
            continue
        view = table.filter(pa.array(present))
        fields = {name: i for name, i in m.fields.items()}
        fields.update(fs)
        extra: list[tuple[str, str]] = []
        for name, value in (("year", None if g[0] is None else f"{g[0]}/{g[0] + 1}"),
                            ("subject", g[1]), ("grade", None if g[2] is None else str(g[2]))):
            if value is None or not ctx.kind.has(name):
                continue
            index = width + 3 * n + len(extra)
            extra.append((f"c{index}", value))
            fields[name] = index
        for column, value in extra:
            view = view.append_column(column, pa.array([value] * view.num_rows, pa.string()))
        yield view, rows[present], Mapping(fields, [], [], m.name)


def _load(ctx: Ctx, src: Any, m: Mapping, result: ImportResult, *, name: str, sha: str, user: Any,
          dry_run: bool, progress: Progress | None, params: dict[str, Any]) -> None:
    """Read every chunk, validate, write the batch (unless a dry run); raise ``_Abort`` on
    any error, when the batch's transaction rolls back and its files are deleted."""
    k, probs = ctx.kind, ctx.problems
    with contextlib.ExitStack() as stack:
        writer: BatchWriter | None = None
        if not dry_run:
            writer = stack.enter_context(open_batch(
                kind=k.code, procedure=ctx.procedure, year=ctx.year, file_name=name[:500], file_sha256=sha,
                file_size=src.path.stat().st_size,
                source="file", created_by=user if getattr(user, "pk", None) else None,
            ))
            if ctx.default_year is not None and ctx.year is None and ctx.create_year:
                ctx.year = ctx.year_object(ctx.default_year)  # created in the batch's transaction
        buffers: dict[str, list[pa.Table]] = {}

        def flush(final: bool = False) -> None:
            for table, parts in buffers.items():
                rows = sum(t.num_rows for t in parts)
                if parts and (final or rows >= FLUSH_ROWS):
                    if writer is not None and not probs.has_errors:
                        data = pa.concat_tables(parts, promote_options="default")
                        _cover(ctx, data)
                        writer.write(table, data)
                    buffers[table] = []

        for chunk in src.chunks():
            seen = np.zeros(chunk.table.num_rows, dtype=bool)
            skipped = ctx.skipped
            for view, rows, vm in _views(ctx, chunk.table, chunk.first_row, m):
                parsed = parse_chunk(ctx, view, rows, vm)
                if parsed is None:
                    continue
                seen[parsed.rows - chunk.first_row] = True
                if k.table == "registry":
                    registry_kinds.collect(ctx, parsed)
                else:
                    built = build_student_kind(ctx, parsed)
                    if not probs.has_errors:
                        for table, data in built.items():
                            buffers.setdefault(table, []).append(data)
                        flush()
                    else:
                        buffers.clear()
            ctx.rows += int(seen.sum())
            if m.groups:  # a row counts once, skipped when no group had a value in it
                ctx.skipped = skipped + chunk.table.num_rows - int(seen.sum())
            if progress is not None:
                progress(ctx.rows, "rows")
        for number, text in src.bad_rows[:1000]:
            probs.add("в строке другое число столбцов, чем в заголовке", row=number, value=text)
        if ctx.rows == 0:
            probs.add("в файле нет строк с данными")
        _report_missing_years(ctx)
        if k.table == "registry":
            result.registry = registry_kinds.plan(ctx, user)
        check_duplicates(ctx, "обучающийся (школа) с тем же предметом, классом и годом" if k.code != "vpr"
                         else "балл того же обучающегося за то же задание")
        if k.code == "vpr" and not m.tasks and "task" in m.fields and not probs.has_errors:
            totals = finish_vpr_long(ctx)
            if totals is not None:
                buffers.setdefault("student_results", []).append(totals)
        if probs.has_errors:
            raise _Abort
        flush(final=True)
        if k.table == "registry" and writer is not None:
            registry_kinds.apply(ctx, writer.batch)
        result.rows = ctx.rows
        result.skipped_rows = ctx.skipped
        result.students = len(ctx.students)
        result.years = sorted(y for y, obj in ctx.years.items() if y and (obj is not None or ctx.create_year))
        result.matched_students = _matched_students(ctx.students, writer.batch.pk if writer else None)
        if writer is not None:
            result.replaced = _finish_batch(ctx, writer, user, params)
            result.batch_id = writer.batch.pk


def _report_missing_years(ctx: Ctx) -> None:
    for y, rows in sorted(ctx.missing_years.items()):
        total = ctx.missing_year_rows[y]
        more = f" и ещё {total - len(rows)}" if total > len(rows) else ""
        ctx.problems.add(
            f"учебный год {y}/{y + 1} не заведён в справочнике «Учебные годы» (строки "
            f"{', '.join(map(str, rows))}{more}); заведите его или разрешите создать год при загрузке",
            row=rows[0], column="Учебный год", value=f"{y}/{y + 1}")


def _cover(ctx: Ctx, data: pa.Table) -> None:
    """Record the works (procedure, year, subject, grade) and organisations of written facts."""
    cols = [c for c in ("procedure", "year", "subject", "grade", "org_id") if c in data.column_names]
    keys = data.select(cols).group_by(cols).aggregate([])
    for r in keys.to_pylist():
        key = _work_key(r)
        ctx.coverage.setdefault(key, set()).add(int(r["org_id"]))


def _work_key(r: dict[str, Any]) -> str:
    grade = r.get("grade")
    return f"{r['procedure']}|{r['year']}|{r.get('subject') or ''}|{'' if grade is None else int(grade)}"


def _pairs(coverage: dict[str, list[int]]) -> set[tuple[str, int]]:
    return {(work, int(o)) for work, orgs in coverage.items() for o in orgs}


def _coverage_of(batch: ImportBatch) -> dict[str, list[int]]:
    """What an active batch covers; for one loaded before coverage was recorded, read from its
    files once (and kept)."""
    if batch.coverage:
        return batch.coverage
    found: dict[str, set[int]] = {}
    by_table: dict[str, list[str]] = {}
    for f in FactFile.objects.filter(batch=batch):
        by_table.setdefault(f.table, []).append(str(store_root() / f.path))
    con = duckdb.connect()
    try:
        for table, paths in by_table.items():
            names = TABLES[table].names if table in TABLES else []
            cols = [c for c in ("procedure", "year", "subject", "grade", "org_id") if c in names]
            rows = con.execute(
                f"SELECT DISTINCT {', '.join(cols)} FROM read_parquet(?, union_by_name=true)",  # noqa: S608 - schema names
                [paths],
            ).fetchall()
            for row in rows:
                r = dict(zip(cols, row, strict=True))
                found.setdefault(_work_key(r), set()).add(int(r["org_id"]))
    finally:
        con.close()
    coverage = {k: sorted(v) for k, v in found.items()}
    ImportBatch.objects.filter(pk=batch.pk).update(coverage=coverage)
    return coverage


def _replace_older(ctx: Ctx, batch: ImportBatch) -> list[int]:
    """A new batch replaces each active batch of its kind whose every (work, organisation) it
    covers too: nothing the older one held is lost. One it covers only in part stays active,
    with a warning naming it (its overlapping results would otherwise count twice)."""
    mine = _pairs(batch.coverage)
    if not mine:
        return []
    procs = {w.split("|")[0] for w, _ in mine}
    years = {int(w.split("|")[1]) for w, _ in mine}
    older = (ImportBatch.objects.filter(kind=batch.kind, status=ImportBatch.Status.ACTIVE,
                                        files__procedure_code__in=procs, files__year__in=years)
             .exclude(pk=batch.pk).distinct().order_by("pk"))
    replaced: list[int] = []
    for old in older:
        theirs = _pairs(_coverage_of(old))
        if theirs and theirs <= mine:
            old.status = ImportBatch.Status.REPLACED
            old.replaced_by = batch
            old.save(update_fields=["status", "replaced_by"])
            replaced.append(old.pk)
        elif theirs & mine:
            works = sorted({w for w, _ in theirs & mine})
            shown = "; ".join(_work_text(w) for w in works[:5]) + (" и др." if len(works) > 5 else "")
            ctx.problems.add(
                f"пакет {old.pk} («{old.file_name}») тоже содержит данные этих школ ({shown}), но и "
                "другие, которых нет в этом файле: он остаётся действующим. Если новый файл его "
                "заменяет, отмените пакет в журнале загрузок", error=False)
    return replaced


def _work_text(work: str) -> str:
    proc, year, subject, grade = work.split("|")
    return ", ".join(x for x in (proc, f"{year}/{int(year) + 1}", subject, f"{grade} класс" if grade else "") if x)


def _finish_batch(ctx: Ctx, writer: BatchWriter, user: Any, params: dict[str, Any]) -> list[int]:
    batch = writer.batch
    scope = sorted(ctx.org_ids)
    batch.scope = scope
    batch.rows = writer.rows if ctx.kind.table != "registry" else ctx.rows
    batch.parameters = params
    batch.coverage = {k: sorted(v) for k, v in sorted(ctx.coverage.items())}
    procedures = {k.split("|")[0] for k in batch.coverage}
    if len(procedures) == 1:
        batch.procedure = ctx.procedure_object(procedures.pop())
    elif procedures:
        batch.procedure = None  # several procedures: ``coverage`` names them
    years = {int(k.split("|")[1]) for k in batch.coverage}
    if len(years) == 1:
        batch.year = ctx.year_object(years.pop())
    elif years:
        batch.year = None  # several years: ``coverage`` (and ``years_label``) name them
    from msoko.registry.models import Organisation

    territories = set(Organisation.objects.filter(pk__in=scope).values_list("territory_id", flat=True))
    if len(territories) == 1:
        batch.territory_id = territories.pop()
    replaced = _replace_older(ctx, batch) if ctx.kind.table != "registry" else []
    batch.warnings = [p.as_dict() for p in ctx.problems.warnings]
    batch.save()
    from msoko.indicators.recompute import owe

    owe(batch, user=user)  # committed with the batch: a crash before the recomputation leaves it owed
    record("import", model="facts.ImportBatch", object_id=batch.pk, object_repr=str(batch),
           changes={"rows": batch.rows, "sha256": batch.file_sha256, "replaced": replaced,
                    "years": sorted(int(k.split("|")[1]) for k in batch.coverage)}, actor=user)
    # the batch rows are set again by open_batch on exit
    writer.rows = batch.rows
    return replaced


@transaction.atomic
def rollback(batch_id: int, *, user: Any = None) -> ImportBatch:
    """Mark a batch rolled back (its facts are no longer read), undo its registry changes,
    and make active again the batch it had replaced."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status == ImportBatch.Status.ROLLED_BACK:
        return batch
    registry_kinds.undo(batch)
    was_active = batch.status == ImportBatch.Status.ACTIVE
    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.save(update_fields=["status"])
    if was_active:
        ImportBatch.objects.filter(replaced_by=batch, status=ImportBatch.Status.REPLACED).update(
            status=ImportBatch.Status.ACTIVE, replaced_by=None
        )
    record("rollback", model="facts.ImportBatch", object_id=batch.pk, object_repr=str(batch), actor=user)
    from msoko.indicators.compute import recompute_quietly

    transaction.on_commit(lambda: recompute_quietly(batch.pk, user=user))
    return batch
