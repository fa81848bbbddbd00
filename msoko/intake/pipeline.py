"""The import pipeline: read → map columns → parse and validate column by column → write one
batch of facts (or registry rows), all or nothing.

``run_import`` is a plain function: the command line calls it, and a background task (the web
upload) can call it with a ``progress`` callback. It never raises for a bad file: problems
come back in the result, in Russian, with file, sheet, row, column and value.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
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
from msoko.facts.store import BatchWriter, file_sha256, open_batch, store_root
from msoko.intake import registry_kinds
from msoko.intake.columns import choice_lookup, clean_text, map_values, parse_date, parse_number
from msoko.intake.context import OrgIndex, Pseudonyms, Specs, Subjects
from msoko.intake.headers import norm, signature
from msoko.intake.kinds import KINDS, TASK_HEADER, Kind
from msoko.intake.models import ColumnMapping
from msoko.intake.problems import Problems
from msoko.intake.readers import ReadError, open_source
from msoko.registry.models import AcademicYear

FLUSH_ROWS = 1_000_000
STUDENT_TABLES = ("student_results", "task_scores", "olympiad_results", "attendance",
                  "destinations", "medals")
ORG_PRIORITY = ("ogrn", "inn", "org_code", "org_name")
NOT_DONE = {"x", "х", "н", "-", "—", "н/я", "нп"}
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
    problems: Problems = field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "dry_run", "duplicate")


@dataclass
class Mapping:
    fields: dict[str, int]  # field name → column index
    tasks: list[tuple[str, int]]  # wide task columns: (task number, column index)
    ignored: list[str]
    name: str = ""


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
    warned: set[str] = field(default_factory=set)
    rows: int = 0
    skipped: int = 0
    task_index: dict[str, int] = field(default_factory=dict)

    def warn_once(self, reason: str) -> None:
        if reason not in self.warned:
            self.warned.add(reason)
            self.problems.add(reason, error=False)


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


def resolve_mapping(kind: Kind, headers: list[str], saved: ColumnMapping | None) -> Mapping:
    fields: dict[str, int] = {}
    tasks: list[tuple[str, int]] = []
    ignored: list[str] = []
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
        else:
            ignored.append(header)
    return Mapping(fields, tasks, ignored, saved.name if saved is not None else "")


def _looks_like_header(kind: Kind, saved: ColumnMapping | None) -> Callable[[list[str]], bool]:
    def check(row: list[str]) -> bool:
        hits = 0
        for cell in row:
            if not cell.strip():
                continue
            if (saved is not None and norm(cell) in saved.columns) or _auto_field(kind, cell):
                hits += 1
        return hits >= 2 or (hits >= 1 and len([c for c in row if c.strip()]) == 1)

    return check


def mapping_as_columns(kind: Kind, headers: list[str], m: Mapping) -> dict[str, str]:
    """The mapping as a user sees and saves it: normalised header → field (or task:N)."""
    out = {norm(headers[i]): name for name, i in m.fields.items()}
    out.update({norm(headers[i]): f"task:{t}" for t, i in m.tasks})
    out.update({norm(h): "" for h in m.ignored})
    return out


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


def parse_chunk(ctx: Ctx, table: pa.Table, first_row: int, m: Mapping) -> Parsed | None:
    rows = np.arange(first_row, first_row + table.num_rows, dtype=np.int64)
    table, rows = _drop_blank_and_totals(ctx, table, rows, m)
    n = table.num_rows
    if n == 0:
        return None
    kind, probs = ctx.kind, ctx.problems
    values: dict[str, Any] = {}
    for f in kind.fields:
        if f.name not in m.fields or f.type in ("org", "student") or f.name == "birth_date":
            continue
        col = _col(table, m.fields[f.name])
        if f.type in ("number", "int"):
            values[f.name] = parse_number(col, probs, rows, f.title, integer=f.type == "int", lo=f.lo, hi=f.hi)
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
        tasks.append((number, parse_number(col, probs, rows, f"Задание {number}", lo=0, hi=100)))
    return Parsed(n, rows, values, org_id, student, skey, subject, pa.array(subject, pa.string()), grade, class_label, tasks)


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


def _groups(p: Parsed) -> list[tuple[str, int | None, np.ndarray]]:
    codes, values = _codes(p.subject_arr)
    grade = np.where(np.isnan(p.grade), -1, p.grade).astype(np.int64)
    out = []
    for c, s in [(-1, ""), *enumerate(values)]:
        smask = codes == c
        if not smask.any():
            continue
        for g in np.unique(grade[smask]).tolist():
            out.append((s, None if g < 0 else int(g), smask & (grade == g)))
    return out


def check_mark(ctx: Ctx, p: Parsed, primary: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """The mark of each row under the year's scale; mismatches with ``mark`` are errors."""
    expected = np.full(p.n, np.nan)
    for s, g, mask in _groups(p):
        if not s:
            continue
        scale = ctx.specs.scale(s, g)
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
            f"{ctx.year.label if ctx.year else ''} (по шкале — «{int(expected[i])}»)",
            row=int(p.rows[i]), column="Отметка", value=int(mark[i]),
        )
    ctx.problems.error_total += max(int(bad.sum()) - 1000, 0)
    return expected


def check_task_max(ctx: Ctx, p: Parsed, row_idx: np.ndarray, task_codes: np.ndarray, task_dict: list[Any], score: np.ndarray) -> None:
    """Scores above the task's maximum (TaskSpec) and task numbers the spec does not have."""
    for s, g, mask in _groups(p):
        if not s:
            continue
        spec = ctx.specs.tasks(s, g)
        sel = mask[row_idx]
        if spec is None:
            ctx.warn_once(f"нет спецификации работы ({s}{f', {g} класс' if g else ''}): баллы за "
                          "задания не сверены с максимальными")
            continue
        table = np.array([spec.get(str(t), np.nan) for t in task_dict] + [np.nan])
        codes = task_codes[sel]
        maxes = table[np.where(codes < 0, len(task_dict), codes)]
        rows_sel = p.rows[row_idx[sel]]
        unknown = np.isnan(maxes) & (codes >= 0)
        if unknown.any():
            names = np.array([str(t) for t in task_dict] + [""], dtype=object)
            ctx.problems.add_rows(unknown, "такого задания нет в спецификации работы",
                                  rows=rows_sel, column="Номер задания", values=names[codes])
        vals = score[sel]
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
        k = k + np.nan_to_num(p.grade[row_idx], nan=0).astype(np.uint64)
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
        "year": pa.array(np.full(n, ctx.year.start_year if ctx.year else 0, dtype=np.int16)),
        "procedure": pa.array([ctx.procedure_code] * n, pa.string()),
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
                ctx.problems.add_rows(missing, "не указан предмет (столбец «Предмет» или параметр --subject)",
                                      rows=p.rows, column="Предмет")
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
    keys = ["org_id", "subject", "grade", "student"]
    part = table.group_by(keys).aggregate([("score", "sum")])
    ctx.partial.append(part)
    return {"task_scores": table}


def finish_vpr_long(ctx: Ctx) -> pa.Table | None:
    """Per-student totals of a long task-score file: primary score and the scale's mark."""
    if not ctx.partial:
        return None
    t = pa.concat_tables(ctx.partial).group_by(["org_id", "subject", "grade", "student"]).aggregate([("score_sum", "sum")])
    ctx.partial = []
    primary = t.column("score_sum_sum").to_numpy().astype(np.float64)
    mark = np.full(t.num_rows, np.nan)
    subj = np.asarray(t.column("subject").to_pylist(), dtype=object)
    grade = t.column("grade").to_numpy(zero_copy_only=False).astype(np.float64)
    for s in set(subj.tolist()):
        for g in set(grade[subj == s].tolist()):
            mask = (subj == s) & (grade == g)
            scale = ctx.specs.scale(s, None if np.isnan(g) else int(g))
            if scale is not None:
                cuts, marks = scale
                mark[mask] = marks[np.searchsorted(cuts, primary[mask], side="right")]
    n = t.num_rows
    return pa.table({
        "org_id": t.column("org_id"), "year": pa.array(np.full(n, ctx.year.start_year if ctx.year else 0, dtype=np.int16)),
        "procedure": pa.array([ctx.procedure_code] * n, pa.string()), "subject": t.column("subject"),
        "grade": t.column("grade"), "student": t.column("student"),
        "primary_score": pa.array(primary), "mark": _num(mark, pa.int8()),
    })


def _aggregates(ctx: Ctx, p: Parsed) -> dict[str, pa.Table]:
    v = p.values
    measures = [f.name for f in ctx.kind.fields if f.name in v and f.type in ("int", "number") and f.name != "grade"]
    if not measures:
        return {}
    sat = v.get("sat")
    if sat is not None:
        for name in measures:
            if name.startswith("count_"):
                bad = ~np.isnan(v[name]) & ~np.isnan(sat) & (v[name] > sat)
                ctx.problems.add_rows(bad, "больше числа участников", rows=p.rows,
                                      column=ctx.kind.field(name).title, values=v[name])
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
    ctx.keys.append(key)
    ctx.key_rows.append(p.rows)
    org, subj, grade, meas, val = [], [], [], [], []
    for name in measures:
        present = ~np.isnan(v[name])
        org.append(p.org_id[present])
        subj.append(p.subject[present])
        grade.append(p.grade[present])
        meas.append(np.full(int(present.sum()), name, dtype=object))
        val.append(v[name][present])
    n = sum(len(o) for o in org)
    return {"school_aggregates": pa.table({
        "org_id": pa.array(np.concatenate(org), pa.int64()),
        "year": pa.array(np.full(n, ctx.year.start_year if ctx.year else 0, dtype=np.int16)),
        "procedure": pa.array([ctx.procedure_code] * n, pa.string()),
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


def _resolve_year(year: int | None) -> AcademicYear | None:
    if year is None:
        return AcademicYear.objects.filter(is_current=True).first()
    return AcademicYear.objects.filter(start_year=year).first()


def run_import(
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
) -> ImportResult:
    """Import one file of ``kind``. Nothing is written when any error is found."""
    path = Path(path)
    name = file_name or path.name
    result = ImportResult("errors", kind, name)
    probs = result.problems
    probs.file = name
    k = KINDS.get(kind)
    if k is None:
        probs.add(f"неизвестный вид данных «{kind}»; есть: {', '.join(KINDS)}")
        return result
    # Procedure and year
    proc_code = (procedure or k.procedure or "").upper()
    proc_aliases = {"ОГЭ": "OGE", "ЕГЭ": "EGE", "ВПР": "VPR", "КДР": "KDR"}
    proc_code = proc_aliases.get(proc_code, proc_code)
    if k.procedure and procedure and proc_code != k.procedure:
        probs.add(f"для вида «{k.title}» процедура всегда {k.procedure}")
    if not k.procedure and k.procedures and proc_code not in k.procedures:
        probs.add(f"укажите процедуру (--procedure): одну из {', '.join(k.procedures)}")
    proc = Procedure.objects.filter(code=proc_code).first() if proc_code else None
    ay = _resolve_year(year)
    if ay is None and kind not in ("staff",):
        probs.add(f"учебный год {year or 'текущий'} не заведён в справочнике «Учебные годы»")
    if probs.has_errors:
        return result
    try:
        sha = file_sha256(path)
    except OSError as exc:
        probs.add(f"файл не открывается: {exc}")
        return result
    same = ImportBatch.objects.filter(kind=k.code, file_sha256=sha, status=ImportBatch.Status.ACTIVE)
    if proc is not None:
        same = same.filter(procedure=proc)
    earlier = same.first()
    if earlier is not None:
        result.status = "duplicate"
        result.batch_id = earlier.pk
        result.message = f"Файл уже загружен (пакет {earlier.pk} от {earlier.created_at:%d.%m.%Y %H:%M}); ничего не изменено."
        return result
    from msoko.intake.presets import ensure_presets

    ensure_presets()
    saved: ColumnMapping | None = None
    if mapping:
        saved = ColumnMapping.objects.filter(name=mapping).first()
        if saved is None or saved.kind != k.code:
            probs.add(f"сопоставление столбцов «{mapping}» для вида «{k.title}» не найдено")
            return result
    try:
        src = open_source(path, looks_like_header=_looks_like_header(k, saved))
    except ReadError as exc:
        probs.add(str(exc))
        return result
    probs.sheet = src.sheet
    headers = src.headers
    if saved is None:
        saved = ColumnMapping.objects.filter(kind=k.code, signature=signature(headers)).first()
    m = resolve_mapping(k, headers, saved)
    result.mapping_name = m.name
    result.mapping = [(headers[i], k.field(f).title) for f, i in m.fields.items()]
    result.mapping += [(headers[i], f"Задание {t}") for t, i in m.tasks]
    hdr_row = src.header_index + 1
    for h in m.ignored:
        probs.add("столбец не сопоставлен ни с одним полем и не загружается", row=hdr_row, column=h, error=False)
    _check_required(k, m, probs, hdr_row)
    if probs.has_errors:
        return result
    allowed = None
    if user is not None and not getattr(user, "is_superuser", False):
        from msoko.access.policy import editable_organisations

        allowed = frozenset(editable_organisations(user).values_list("pk", flat=True))
    ctx = Ctx(k, ay, proc_code, proc, subject, grade, OrgIndex(allowed), Subjects(), Specs(proc, ay), problems=probs)
    if subject and ctx.subjects.lookup(subject) is None:
        probs.add(f"неизвестный предмет «{subject}»")
        return result
    ctx.subject = ctx.subjects.lookup(subject) if subject else None
    try:
        with contextlib.ExitStack() as stack:
            writer: BatchWriter | None = None
            if not dry_run:
                writer = stack.enter_context(open_batch(
                    kind=k.code, procedure=proc, year=ay, file_name=name[:500], file_sha256=sha,
                    source="file", created_by=user if getattr(user, "pk", None) else None,
                ))
            buffers: dict[str, list[pa.Table]] = {}

            def flush(final: bool = False) -> None:
                for table, parts in buffers.items():
                    rows = sum(t.num_rows for t in parts)
                    if parts and (final or rows >= FLUSH_ROWS):
                        if writer is not None and not probs.has_errors:
                            writer.write(table, pa.concat_tables(parts, promote_options="default"))
                        buffers[table] = []

            for chunk in src.chunks():
                parsed = parse_chunk(ctx, chunk.table, chunk.first_row, m)
                if parsed is None:
                    continue
                ctx.rows += parsed.n
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
                if progress is not None:
                    progress(ctx.rows, "rows")
            for number, text in src.bad_rows[:1000]:
                probs.add("в строке другое число столбцов, чем в заголовке", row=number, value=text)
            if ctx.rows == 0:
                probs.add("в файле нет строк с данными")
            check_duplicates(ctx, "обучающийся (школа) с тем же предметом и классом" if k.code != "vpr" else "балл того же обучающегося за то же задание")
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
            result.matched_students = _matched_students(ctx.students, writer.batch.pk if writer else None)
            if writer is not None:
                result.replaced = _finish_batch(ctx, writer, user)
                result.batch_id = writer.batch.pk
                if save_mapping:
                    ColumnMapping.objects.update_or_create(
                        name=save_mapping,
                        defaults={"kind": k.code, "signature": signature(headers),
                                  "columns": mapping_as_columns(k, headers, m)},
                    )
    except _Abort:
        result.status = "errors"
        return result
    except ReadError as exc:
        probs.add(str(exc))
        result.status = "errors"
        return result
    result.status = "dry_run" if dry_run else "ok"
    if not dry_run and result.batch_id:
        from msoko.indicators.compute import recompute_quietly

        recompute_quietly(result.batch_id, user=user)
    return result


def _check_required(k: Kind, m: Mapping, probs: Problems, hdr_row: int) -> None:
    missing = [f.title for f in k.fields if f.required and f.name not in m.fields]
    if k.needs_org and not any(n in m.fields for n in ORG_PRIORITY):
        missing.append("Код ОО / ОГРН / ИНН / Наименование ОО")
    if k.students == "required" and "student_id" not in m.fields and not (
        "surname" in m.fields and "first_name" in m.fields
    ):
        missing.append("Код обучающегося (или Фамилия и Имя)")
    if k.code == "vpr" and not m.tasks and not ("task" in m.fields and "score" in m.fields) and not (
        "primary_score" in m.fields or "mark" in m.fields
    ):
        missing.append("баллы за задания (столбцы «1», «2»... или «Номер задания» и «Балл за задание»)")
    for title in missing:
        probs.add(f"нет обязательного столбца «{title}»", row=hdr_row)


def _finish_batch(ctx: Ctx, writer: BatchWriter, user: Any) -> list[int]:
    batch = writer.batch
    scope = sorted(ctx.org_ids)
    batch.scope = scope
    batch.rows = writer.rows if ctx.kind.table != "registry" else ctx.rows
    batch.warnings = [p.as_dict() for p in ctx.problems.warnings]
    from msoko.registry.models import Organisation

    territories = set(Organisation.objects.filter(pk__in=scope).values_list("territory_id", flat=True))
    if len(territories) == 1:
        batch.territory_id = territories.pop()
    batch.save()
    replaced: list[int] = []
    if ctx.kind.table != "registry":
        older = ImportBatch.objects.filter(
            kind=batch.kind, procedure=batch.procedure, year=batch.year,
            status=ImportBatch.Status.ACTIVE,
        ).exclude(pk=batch.pk)
        for old in older:
            if sorted(old.scope or []) == scope:
                old.status = ImportBatch.Status.REPLACED
                old.replaced_by = batch
                old.save(update_fields=["status", "replaced_by"])
                replaced.append(old.pk)
    record("import", model="facts.ImportBatch", object_id=batch.pk, object_repr=str(batch),
           changes={"rows": batch.rows, "sha256": batch.file_sha256, "replaced": replaced}, actor=user)
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
