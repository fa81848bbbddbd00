"""Readers of incoming tables: CSV (UTF-8 or cp1251, `;` `,` or tab) streamed in blocks by
pyarrow, XLSX/XLS/ODS through python-calamine. Every cell comes out as text (or null), in
Arrow string columns named ``c0``, ``c1``...; the kinds parse them column by column.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import gc
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from msoko.intake.headers import norm

HEADER_SCAN_ROWS = 30
CSV_BLOCK = 8 << 20
XLSX_CHUNK = 50_000
SKIPPED_SHEETS = {"пояснения", "инструкция", "описание", "справка"}


class ReadError(Exception):
    """The file cannot be read as a table; the message is for the user (Russian)."""


@dataclass
class Chunk:
    first_row: int  # the file's row number (1-based) of the chunk's first row
    table: pa.Table  # string columns c0..cN


@dataclass
class Source:
    """An opened table: its top rows (to find the header) and a stream of chunks after it."""

    path: Path
    file_format: str
    sheet: str = ""
    encoding: str = ""
    delimiter: str = ""
    top: list[list[str]] = field(default_factory=list)
    header_index: int = 0
    bad_rows: list[tuple[int | None, str]] = field(default_factory=list)
    width: int = 0  # columns of the header row as read, trailing empty cells included
    _rows: list[list[Any]] | None = None

    @property
    def headers(self) -> list[str]:
        return self.top[self.header_index] if self.top else []

    def chunks(self) -> Iterator[Chunk]:
        if self.file_format == "csv":
            yield from self._csv_chunks()
        else:
            yield from self._sheet_chunks()

    # -- CSV -------------------------------------------------------------------------------
    def _csv_chunks(self) -> Iterator[Chunk]:
        ncols = max(self.width, len(self.headers))
        names = [f"c{i}" for i in range(ncols)]

        def on_invalid(row: Any) -> str:
            self.bad_rows.append((row.number, str(row.text)[:200]))
            return "skip"

        read = pacsv.ReadOptions(
            skip_rows=self.header_index + 1,
            column_names=names,
            encoding=self.encoding,
            block_size=CSV_BLOCK,
            use_threads=True,
        )
        parse = pacsv.ParseOptions(
            delimiter=self.delimiter,
            quote_char='"',
            double_quote=True,
            newlines_in_values=False,
            ignore_empty_lines=True,
            invalid_row_handler=on_invalid,
        )
        conv = pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        )
        try:
            reader = pacsv.open_csv(
                self.path, read_options=read, parse_options=parse, convert_options=conv
            )
            row = self.header_index + 2
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                yield Chunk(row, pa.Table.from_batches([batch]))
                row += batch.num_rows
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise ReadError(
                f"Не удалось прочитать CSV (кодировка {self.encoding}, разделитель "
                f"«{self.delimiter}»): {_short(exc)}"
            ) from exc

    # -- spreadsheets ------------------------------------------------------------------------
    def _sheet_chunks(self) -> Iterator[Chunk]:
        rows = self._rows or []
        ncols = len(self.headers)
        start = self.header_index + 1
        for lo in range(start, len(rows), XLSX_CHUNK):
            with _gc_paused():
                part = rows[lo : lo + XLSX_CHUNK]
                width = max(ncols, max((len(r) for r in part), default=0))
                padded = [r if len(r) == width else [*r, *([None] * (width - len(r)))] for r in part]
                columns = list(zip(*padded, strict=True))[:ncols] if padded else []
                table = pa.table({f"c{i}": _text_column(list(c)) for i, c in enumerate(columns)})
                del part, padded, columns
            yield Chunk(lo + 1, table)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a sheet's cells are read and converted.

    A 100,000-row sheet is ~1.6 million Python objects; while they are being allocated, every
    automatic collection walks all of them (measured: 1.6 s of a 5 s import). The cells hold
    no reference cycles, so nothing is lost by collecting after instead of during.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _text_column(values: list[Any]) -> pa.Array:
    """A column of cells as text: whole numbers without «.0», dates as ISO; typed columns are
    converted by Arrow, mixed ones cell by cell."""
    values = [None if v == "" else v for v in values]
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        arr = None
    if arr is not None:
        if pa.types.is_null(arr.type):
            return pa.nulls(len(values), pa.string())
        if pa.types.is_string(arr.type):
            return arr
        if pa.types.is_integer(arr.type) or pa.types.is_date32(arr.type):
            return arr.cast(pa.string())
        if pa.types.is_floating(arr.type):
            whole = pc.fill_null(pc.equal(pc.floor(arr), arr), False)
            big = pc.fill_null(pc.greater(pc.abs(arr), 1e15), False)
            exact = pc.and_(whole, pc.invert(big))
            ints = pc.if_else(exact, arr, None).cast(pa.int64(), safe=False).cast(pa.string())
            return pc.if_else(exact, ints, arr.cast(pa.string()))
    return pa.array([_cell(v) for v in values], pa.string())


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _cell(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        if v != v:  # NaN
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, datetime.datetime):
        return v.date().isoformat() if v.time() == datetime.time() else v.isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def open_source(path: Path, *, looks_like_header: Any = None) -> Source:
    """Open ``path`` and find its header row: the first of the top rows for which
    ``looks_like_header(row)`` is true (or the first non-empty row)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError as exc:
        raise ReadError(f"Файл не открывается: {_short(exc)}") from exc
    if not head.strip():
        raise ReadError("Файл пуст.")
    if head[:4] == b"PK\x03\x04" or head[:4] == b"\xd0\xcf\x11\xe0":
        src = _open_book(path)
    else:
        src = _open_csv(path, head)
    nonempty = [i for i, r in enumerate(src.top) if any(c.strip() for c in r)]
    if not nonempty:
        raise ReadError("В файле нет ни одной непустой строки.")
    src.header_index = nonempty[0]
    if looks_like_header is not None:
        for i in nonempty:
            if looks_like_header(src.top[i]):
                src.header_index = i
                break
    # Drop trailing empty header cells (a trailing `;` on every line).
    hdr = src.top[src.header_index]
    src.width = len(hdr)
    while hdr and not hdr[-1].strip():
        hdr.pop()
    if not hdr:
        raise ReadError("Не найдена строка заголовков.")
    return src


def _open_book(path: Path) -> Source:
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        chosen = next((n for n in names if norm(n) not in SKIPPED_SHEETS), names[0] if names else None)
        if chosen is None:
            raise ReadError("В книге нет листов.")
        with _gc_paused():
            rows = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except ReadError:
        raise
    except Exception as exc:  # calamine raises its own types for broken books
        raise ReadError(
            f"Файл не читается как книга Excel (XLSX/XLS): он повреждён или имеет другой формат ({_short(exc)})."
        ) from exc
    top = [[_cell(c) or "" for c in r] for r in rows[:HEADER_SCAN_ROWS]]
    return Source(path, "xlsx", sheet=str(chosen), top=top, _rows=rows)


def _open_csv(path: Path, head: bytes) -> Source:
    if b"\x00" in head:
        raise ReadError("Файл не похож на таблицу: это не CSV и не книга Excel (XLSX).")
    if head.startswith(codecs.BOM_UTF8):
        encoding, text = "utf-8-sig", head[3:].decode("utf-8", errors="ignore")
    else:
        try:
            text = head.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the sample's end
                text, encoding = head[: exc.start].decode("utf-8"), "utf-8"
            else:
                text, encoding = head.decode("cp1251", errors="replace"), "cp1251"
    lines = text.splitlines()
    if len(head) == 1 << 16 and lines:
        lines = lines[:-1]  # the last line of the sample may be cut
    sample = "\n".join(lines[:HEADER_SCAN_ROWS])
    counts = {d: sample.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        delimiter = ";"
    top = [list(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter)]
    top = [[c.strip() for c in r] for r in top]
    return Source(path, "csv", encoding=encoding, delimiter=delimiter, top=top)
