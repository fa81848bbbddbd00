"""Readers of incoming tables: CSV (UTF-8 with or without BOM, UTF-16 with BOM, cp1251,
KOI8-R; `;` `,` or tab) streamed in blocks by pyarrow, XLSX/XLS/ODS through python-calamine,
and large XLSX sheets through a streaming reader of their XML (``msoko.intake.xlsx``) so
memory stays bounded. Every cell comes out as text (or null), in Arrow string columns named
``c0``, ``c1``...; the kinds parse them column by column.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import gc
import io
import itertools
import math
import os
import zipfile
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
# Sheets whose XML inflates to more than this are streamed (msoko.intake.xlsx) instead of
# loaded whole by calamine, which is faster but holds about 2.4 bytes per byte of XML: 128 MB
# is about 300,000 rows of 15 cells in Excel's own writing (shared strings), about 300 MB.
XLSX_STREAM_BYTES = 128 << 20
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
    _raw_top: list[list[Any]] = field(default_factory=list)  # the top rows as read
    _rest: Iterator[list[Any]] | None = None  # the rows after them, read as chunks are asked

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
            title = ENCODING_TITLES.get(self.encoding, self.encoding)
            bad = _first_undecodable_line(self.path, self.encoding)
            if bad is not None:
                raise ReadError(
                    f"Строка {bad} файла не в кодировке {title}, в которой записано его начало "
                    f"(возможно, файл склеен из частей в разных кодировках). {RESAVE_HINT}"
                ) from exc
            raise ReadError(
                f"Не удалось прочитать CSV (кодировка {title}, разделитель "
                f"«{self.delimiter}»): {_short(exc)}."
            ) from exc

    # -- spreadsheets ------------------------------------------------------------------------
    def _sheet_chunks(self) -> Iterator[Chunk]:
        """The rows after the header in chunks of XLSX_CHUNK; only one chunk's cells exist as
        Python objects at a time (the streaming reader reads the sheet as they are asked)."""
        ncols = len(self.headers)
        lo = self.header_index + 1
        rows = itertools.islice(itertools.chain(self._raw_top, self._rest or ()), lo, None)
        while True:
            with _gc_paused():
                part = list(itertools.islice(rows, XLSX_CHUNK))
                if not part:
                    return
                width = max(ncols, max((len(r) for r in part), default=0))
                padded = [r if len(r) == width else [*r, *([None] * (width - len(r)))] for r in part]
                columns = list(zip(*padded, strict=True))[:ncols] if padded else []
                table = pa.table({f"c{i}": _text_column(list(c)) for i, c in enumerate(columns)})
                n = len(part)
                del part, padded, columns
            yield Chunk(lo + 1, table)
            lo += n


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


def _first_undecodable_line(path: Path, encoding: str) -> int | None:
    """The number of the first line that does not decode in ``encoding`` (None if all do):
    read again only after pyarrow has failed, to say where."""
    decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf8" else encoding)()
    lines = 0
    nl = "\n".encode(encoding if encoding != "utf8" else "utf-8")
    if nl.startswith(codecs.BOM_UTF16_LE) or nl.startswith(codecs.BOM_UTF16_BE):
        nl = nl[2:]
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return lines + block[: max(exc.start, 0)].count(nl) + 1
            lines += block.count(nl)
    return None


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


def max_unpacked_bytes() -> int:
    """The largest book accepted, counted unpacked (``MSOKO_MAX_UNPACKED_MB``, 1536 MB unless
    set: docs/adr/0026-bounded-uploads.md)."""
    from django.conf import settings

    mb = getattr(settings, "MSOKO_MAX_UNPACKED_MB", None) or os.environ.get("MSOKO_MAX_UNPACKED_MB") or 1536
    return int(mb) * 1024 * 1024


# A member this much larger unpacked than packed is a zip bomb, not a sheet: Excel's sheets
# pack 5-20 times, a sheet of one value repeated without cell references about 200 times;
# deflate cannot go past about 1030. Members under MIN_RATIO_BYTES unpacked are not judged.
MAX_ZIP_RATIO = 300
MIN_RATIO_BYTES = 1 << 20
MAX_ZIP_ENTRIES = 10_000
SPLIT_HINT = ("Разделите файл на части (например, по муниципалитетам или предметам) или "
              "попросите технического администратора увеличить предел (MSOKO_MAX_UNPACKED_MB).")


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.0f}".replace(",", " ")


def unpacked_size(path: Path) -> int | None:
    """The total unpacked size a zip's central directory declares (None: not a zip)."""
    try:
        with zipfile.ZipFile(path) as z:
            return sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def check_book(path: Path) -> None:
    """Refuse, before anything is inflated, a zip that is not a workbook, unpacks to more
    than the limit, or packs absurdly well. Only the central directory is read; Python's
    zipfile never inflates a member past the size declared there, so the declared sizes
    bound what the streaming reader will ever hold."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(f"Файл не читается как книга Excel (XLSX): он повреждён или имеет другой формат ({_short(exc)}).") from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ReadError(f"В архиве файла {len(infos)} частей: это не книга Excel (в книге их десятки). Ничего не записано.")
    names = {i.filename for i in infos}
    xlsx = "[Content_Types].xml" in names and any(n.rsplit("/", 1)[-1] in ("workbook.xml", "workbook.bin") for n in names)
    ods = "content.xml" in names and "mimetype" in names
    if not (xlsx or ods):
        raise ReadError("Файл — zip-архив, но не книга Excel (XLSX) или OpenDocument (ODS): в нём нет "
                        "описания книги. Сохраните таблицу в Excel как «Книга Excel (*.xlsx)». Ничего не записано.")
    total = sum(i.file_size for i in infos)
    limit = max_unpacked_bytes()
    if total > limit:
        raise ReadError(
            f"Книга слишком велика в распакованном виде: {_mb(total)} МБ при пределе {_mb(limit)} МБ "
            f"(файл XLSX — это сжатый архив; в нём {_mb(path.stat().st_size)} МБ). {SPLIT_HINT} Ничего не записано."
        )
    for info in infos:
        if info.file_size >= MIN_RATIO_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise ReadError(
                f"Часть «{info.filename}» книги сжата в {ratio} раз (у настоящих таблиц — в 5–20, "
                f"допускается до {MAX_ZIP_RATIO}): файл похож на «zip-бомбу» и не читается. Ничего не записано."
            )


def _open_book(path: Path) -> Source:
    """A book's first sheet that is not an explanation. Large XLSX sheets are streamed;
    everything else (and any XLSX the streaming reader does not understand) goes through
    calamine, which holds the whole sheet (outside Python) and hands out its rows one by one."""
    if zipfile.is_zipfile(path):
        check_book(path)
        streamed = _open_streamed(path)
        if streamed is not None:
            return streamed
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        chosen = _choose_sheet(names)
        sheet = book.get_sheet_by_name(chosen)
        rows = _calamine_rows(sheet)
        raw_top = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    except ReadError:
        raise
    except Exception as exc:  # calamine raises its own types for broken books
        raise ReadError(
            f"Файл не читается как книга Excel (XLSX/XLS): он повреждён или имеет другой формат ({_short(exc)})."
        ) from exc
    return _sheet_source(path, chosen, raw_top, rows)


def _calamine_rows(sheet: Any) -> Iterator[list[Any]]:
    """The sheet's rows from row 1 and column A, made into Python objects one at a time
    (``to_python`` makes all of them at once: 4.9 GB for a million rows). calamine's
    ``iter_rows`` starts at row 1 but at the first used column: pad to column A."""
    first_col = sheet.start[1] if sheet.start else 0
    pad = [None] * first_col
    for row in sheet.iter_rows():
        yield [*pad, *row] if first_col else row


def _choose_sheet(names: list[str]) -> str:
    chosen = next((n for n in names if norm(n) not in SKIPPED_SHEETS), names[0] if names else None)
    if chosen is None:
        raise ReadError("В книге нет листов.")
    return chosen


def _sheet_source(path: Path, sheet: str, raw_top: list[list[Any]], rest: Iterator[list[Any]]) -> Source:
    top = [[_cell(c) or "" for c in r] for r in raw_top]
    return Source(path, "xlsx", sheet=str(sheet), top=top, _raw_top=raw_top, _rest=rest)


def _open_streamed(path: Path, threshold: int | None = None) -> Source | None:
    """The book through the streaming reader if its chosen sheet is large (or ``threshold``
    is given: 0 streams every sheet); None to read it with calamine."""
    from msoko.intake.xlsx import XlsxBook, XlsxUnsupported

    limit = XLSX_STREAM_BYTES if threshold is None else threshold
    try:
        book = XlsxBook(path)
        chosen = _choose_sheet(book.sheet_names)
        member = dict(book.sheets)[chosen]
        if book.zip.getinfo(member).file_size <= limit:
            book.close()
            return None
        rows = _guarded(book.rows(chosen), path)
        raw_top = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    except XlsxUnsupported:
        return None
    except (zipfile.BadZipFile, OSError, ValueError, IndexError, KeyError) as exc:
        raise ReadError(
            f"Файл не читается как книга Excel (XLSX): он повреждён или имеет другой формат ({_short(exc)})."
        ) from exc
    return _sheet_source(path, chosen, raw_top, rows)


def _guarded(rows: Iterator[list[Any]], path: Path) -> Iterator[list[Any]]:
    """Rows of the streaming reader with its failures (a damaged zip, a cell that does not
    parse) turned into a ReadError naming the row reached."""
    from msoko.intake.xlsx import XlsxUnsupported

    n = 0
    try:
        for n, row in enumerate(rows, 1):  # noqa: B007 - n is reported below
            yield row
    except (zipfile.BadZipFile, OSError, ValueError, IndexError, KeyError, XlsxUnsupported, EOFError) as exc:
        raise ReadError(
            f"Книга Excel повреждена или записана необычно: не удалось прочитать строку {n + 1} ({_short(exc)}). "
            "Откройте её в Excel и сохраните заново как XLSX."
        ) from exc


# Letters of Russian text per 1000 (ё counted as е): the yardstick that tells cp1251 from
# KOI8-R and cp866. The same bytes read in the wrong one of them give rare letters (ф, ъ, щ,
# э, ю) and capitals in the middle of words.
_RU_FREQ = {
    "о": 109.7, "е": 84.9, "а": 80.1, "и": 73.5, "н": 67.0, "т": 62.6, "с": 54.7, "р": 47.3,
    "в": 45.4, "л": 44.0, "к": 34.9, "м": 32.1, "д": 29.8, "п": 28.1, "у": 26.2, "я": 20.1,
    "ы": 19.0, "ь": 17.4, "г": 17.0, "з": 16.5, "б": 15.9, "ч": 14.4, "й": 12.1, "х": 9.7,
    "ж": 9.4, "ш": 7.3, "ю": 6.4, "ц": 4.8, "щ": 3.6, "э": 3.2, "ф": 2.6, "ъ": 0.4,
}
# Letters of Ukrainian and Belarusian that cp1251 also has: rare, but letters.
_RU_LOG = {ch: math.log(f / 1000) for ch, f in {**_RU_FREQ, "і": 5, "ї": 5, "є": 5, "ґ": 5, "ў": 5}.items()}
_JUNK_LOG = math.log(1e-4)  # a character other than a letter or usual punctuation
_USUAL = set("«»—–№…“”„‘’•° \u00a0\u2116")
SINGLE_BYTE = ("cp1251", "koi8-r", "cp866")
ENCODING_TITLES = {
    "utf8": "UTF-8", "utf-16": "UTF-16 («Юникод-текст» Excel)", "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE", "utf-32": "UTF-32", "cp1251": "Windows-1251 (cp1251)",
    "koi8-r": "KOI8-R", "cp866": "DOS (cp866)",
}
RESAVE_HINT = (
    "Сохраните файл как CSV UTF-8: в Excel — «Файл → Сохранить как → CSV UTF-8 (разделитель — запятая)», "
    "в LibreOffice — «Сохранить как → Текст CSV» с кодировкой «Юникод (UTF-8)»."
)


def russian_score(text: str) -> tuple[float, int]:
    """How much ``text`` looks like Russian: the mean log-frequency of its non-ASCII
    characters (letters by their frequency, other symbols as very rare), less a penalty for
    every small letter followed by a capital; and the number of Cyrillic letters seen."""
    total = 0.0
    count = letters = flips = 0
    prev_lower = False
    for ch in text:
        if ch < "\x80":
            prev_lower = ch.isalpha() and ch.islower()
            continue
        low = ch.lower()
        if low == "ё":
            low = "е"
        weight = _RU_LOG.get(low)
        if weight is None:
            prev_lower = False
            if ch in _USUAL:
                continue
            weight = _JUNK_LOG
        else:
            letters += 1
            if prev_lower and ch.isupper():
                flips += 1
            prev_lower = ch.islower()
        total += weight
        count += 1
    if count == 0:
        return 0.0, 0
    return total / count - 3.0 * flips / max(letters, 1), letters


def detect_encoding(head: bytes) -> tuple[str, str]:
    """The encoding of a text table from its first bytes, and the sample decoded.

    A BOM decides first; then a strict UTF-8 decoding of the sample; then, of the Cyrillic
    single-byte encodings, the one whose reading looks most like Russian text. Binary data
    and a sample too ambiguous to decide are refused (ReadError) with how to re-save it.
    """
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF8, "utf8"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return enc, _decode_sample(head, "utf-8-sig" if enc == "utf8" else enc)
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        zeros_even, zeros_odd = even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)
        if zeros_odd > 0.3 and zeros_even < 0.05:
            return "utf-16-le", _decode_sample(head, "utf-16-le")
        if zeros_even > 0.3 and zeros_odd < 0.05:
            return "utf-16-be", _decode_sample(head, "utf-16-be")
        raise ReadError(_binary_message(head))
    try:
        return "utf8", head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4 and exc.reason == "unexpected end of data":
            return "utf8", head[: exc.start].decode("utf-8")  # a character cut by the sample's end
    scored = []
    for enc in SINGLE_BYTE:
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        score, letters = russian_score(text)
        scored.append((score, letters, enc, text))
    scored.sort(reverse=True)
    if not scored:
        raise ReadError(_binary_message(head))
    best_score, letters, enc, text = scored[0]
    if _control_share(text) > 0.01:
        raise ReadError(_binary_message(head))
    second = scored[1][0] if len(scored) > 1 else -math.inf
    # Russian text scores about -3.0 to -3.5 in its own encoding and -3.8 or less in the
    # others; under -4.5 it is no Russian in any of them.
    if letters == 0 or best_score < -4.5 or (best_score - second < 0.3 and letters < 40):
        likely = " или ".join(ENCODING_TITLES[e] for _, _, e, _ in scored[:2])
        raise ReadError(
            f"Не удалось уверенно определить кодировку файла (похоже на {likely}). {RESAVE_HINT}"
        )
    return enc, text


def _decode_sample(head: bytes, encoding: str) -> str:
    if encoding.startswith("utf-16"):
        head = head[: len(head) - len(head) % 2]
    elif encoding == "utf-32":
        head = head[: len(head) - len(head) % 4]
    return head.decode(encoding, errors="replace")


def _control_share(text: str) -> float:
    bad = sum(1 for ch in text if ch < " " and ch not in "\t\r\n\x0c")
    return bad / max(len(text), 1)


def _binary_message(head: bytes) -> str:
    what = ""
    if head.startswith(b"%PDF"):
        what = " (это PDF)"
    elif head.startswith(b"{\\rtf"):
        what = " (это документ RTF)"
    return (
        f"Файл не похож на таблицу{what}: в нём двоичные данные, это не CSV/TXT и не книга Excel "
        "(XLSX/XLS). Если это таблица, откройте её в Excel и сохраните как «Книга Excel (*.xlsx)» "
        "или как «CSV UTF-8 (разделитель — запятая)»."
    )


def _open_csv(path: Path, head: bytes) -> Source:
    encoding, text = detect_encoding(head)
    if _control_share(text) > 0.01:
        raise ReadError(_binary_message(head))
    if text.startswith("\ufeff"):
        text = text[1:]
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
