"""A streaming reader of XLSX worksheets, so a book of a million rows is read within bounded
memory (calamine builds the whole sheet first: about 1.1 GB for a million rows of 15 cells
before any Python object exists, 4.9 GB with them).

The sheet's XML is inflated from the zip in blocks and cut at row ends; a compiled regular
expression picks out the row and cell tags of each block (an XML parser calling back into
Python for every element was six times slower). Cells come out as the values calamine gives
(text, float, bool, date/datetime/time for numbers in a date format), so the readers turn
both into the same text. Anything the reader does not recognise raises ``XlsxUnsupported``
and the caller falls back to calamine.
"""

from __future__ import annotations

import codecs
import datetime
import html
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

BLOCK = 4 << 20

# A row tag (group 1 "row", group 2 its attributes) or a cell (3 attributes, 4 content).
_TOKEN = re.compile(
    r"<(?:[\w.-]+:)?(?:(row)(?=[\s/>])([^>]*?)/?>|c(?=[\s/>])([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?c>))",
    re.S,
)
# The usual cell as Excel, LibreOffice and openpyxl write it: r, then s, then t, other
# attributes after them, an optional formula, then the value or an inline string. Parsed
# straight into its parts; a block with any other cell goes the general way (_TOKEN).
_FAST = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?(?: (?![st]=)[\w:.-]+="[^"]*")*'
    r"(?:/>|>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?(?:<v>([^<]*)</v>)?(?:<is>(.*?)</is>)?</c>)",
    re.S,
)
_ROW_END = re.compile(r"</(?:[\w.-]+:)?row>")
_SI = re.compile(r"<(?:[\w.-]+:)?si(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?si>|<(?:[\w.-]+:)?si\s*/>", re.S)
_T = re.compile(r"<(?:[\w.-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?t>", re.S)
_V = re.compile(r"<(?:[\w.-]+:)?v(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?v>", re.S)
_RPH = re.compile(r"<(?:[\w.-]+:)?rPh\b.*?</(?:[\w.-]+:)?rPh>", re.S)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_TAG = re.compile(r"<(?:[\w.-]+:)?(\w+)\b([^>]*)/?>")

# Built-in number formats that are dates or times (ECMA-376 18.8.30), as calamine has them.
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)}
# Excel's serial numbers are wall-clock dates and times, without a time zone.
_EPOCH_1900 = datetime.datetime(1899, 12, 30)  # noqa: DTZ001
_EPOCH_1904 = datetime.datetime(1904, 1, 1)  # noqa: DTZ001


class XlsxUnsupported(Exception):
    """The book has a structure this reader does not handle; calamine reads it instead."""


def _attrs(text: str) -> dict[str, str]:
    return {k.split(":")[-1]: a if a or not b else b for k, a, b in _ATTR.findall(text)}


def _unescape(s: str) -> str:
    if "&" in s:
        s = html.unescape(s)
    if "_x" in s:
        s = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), s)
    return s


def _is_date_format(code: str) -> bool:
    """A custom number format shows a date or time if, outside quotes, brackets and escaped
    characters, it has one of d m y h s (the same rule as calamine and openpyxl)."""
    quoted = bracket = escaped = False
    for ch in code:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "[":
            bracket = True
        elif ch == "]":
            bracket = False
        elif not bracket and ch in "dmyhsDMYHS":
            return True
    return False


def _blocks(fh: IO[bytes], end: re.Pattern[str]) -> Iterator[str]:
    """The inflated XML in blocks of whole elements: each cut after the last ``end`` tag."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry = ""
    while True:
        data = fh.read(BLOCK)
        text = carry + decoder.decode(data, final=not data)
        if not data:
            if text:
                yield text
            return
        cut = -1
        for m in end.finditer(text, max(0, len(text) - (1 << 16))):
            cut = m.end()
        if cut == -1:  # no end tag in the last 64 KiB: look through the whole buffer
            for m in end.finditer(text):
                cut = m.end()
        if cut == -1:
            carry = text
            continue
        yield text[:cut]
        carry = text[cut:]


class XlsxBook:
    """An XLSX book opened for streaming: sheet names, shared strings, date styles."""

    def __init__(self, path: Path) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
            names = set(self.zip.namelist())
            rels = self._rels("_rels/.rels")
            book = next((t for t, kind in rels.values() if kind.endswith("/officeDocument")), "xl/workbook.xml")
            book = book.lstrip("/")
            if book not in names:
                raise XlsxUnsupported(f"нет части {book}")
            base = posixpath.dirname(book)
            book_rels = self._rels(posixpath.join(base, "_rels", posixpath.basename(book) + ".rels"))
            xml = self.zip.read(book).decode("utf-8")
        except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, OSError) as exc:
            raise XlsxUnsupported(str(exc)) from exc
        self.date1904 = False
        self.sheets: list[tuple[str, str]] = []
        for tag, attrs in _TAG.findall(xml):
            a = _attrs(attrs)
            if tag == "workbookPr":
                self.date1904 = a.get("date1904", "").lower() in ("1", "true")
            elif tag == "sheet":
                target, kind = book_rels.get(a.get("id", ""), ("", ""))
                if not kind.endswith("/worksheet"):
                    raise XlsxUnsupported(f"лист «{a.get('name')}» не таблица")
                member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                if member not in names:
                    raise XlsxUnsupported(f"нет части {member}")
                self.sheets.append((_unescape(a.get("name", "")), member))
        self._strings_member = next((posixpath.normpath(posixpath.join(base, t)).lstrip("/")
                                     for t, kind in book_rels.values() if kind.endswith("/sharedStrings")), None)
        self._styles_member = next((posixpath.normpath(posixpath.join(base, t)).lstrip("/")
                                    for t, kind in book_rels.values() if kind.endswith("/styles")), None)

    def _rels(self, member: str) -> dict[str, tuple[str, str]]:
        try:
            xml = self.zip.read(member).decode("utf-8")
        except KeyError:
            return {}
        out = {}
        for tag, attrs in _TAG.findall(xml):
            if tag == "Relationship":
                a = _attrs(attrs)
                out[a.get("Id", "")] = (a.get("Target", ""), a.get("Type", ""))
        return out

    @property
    def sheet_names(self) -> list[str]:
        return [n for n, _ in self.sheets]

    def shared_strings(self) -> list[str]:
        if self._strings_member is None or self._strings_member not in self.zip.namelist():
            return []
        out: list[str] = []
        with self.zip.open(self._strings_member) as fh:
            for block in _blocks(fh, re.compile(r"</(?:[\w.-]+:)?si>|<(?:[\w.-]+:)?si\s*/>")):
                for body in _SI.findall(block):
                    if body.startswith("<t>") and body.endswith("</t>") and body.count("<t") == 1:
                        out.append(_unescape(body[3:-4]))
                    else:
                        if "<rPh" in body or ":rPh" in body:
                            body = _RPH.sub("", body)
                        out.append(_unescape("".join(_T.findall(body))))
        return out

    def date_styles(self) -> frozenset[str]:
        """Indices (as written in a cell's ``s``) of the cell formats that show dates."""
        if self._styles_member is None or self._styles_member not in self.zip.namelist():
            return frozenset()
        xml = self.zip.read(self._styles_member).decode("utf-8")
        custom: dict[int, str] = {}
        for tag, attrs in _TAG.findall(xml):
            if tag == "numFmt":
                a = _attrs(attrs)
                with_id = a.get("numFmtId", "")
                if with_id.isdigit():
                    custom[int(with_id)] = _unescape(a.get("formatCode", ""))
        xfs = re.search(r"<(?:[\w.-]+:)?cellXfs\b[^>]*>(.*?)</(?:[\w.-]+:)?cellXfs>", xml, re.S)
        dates = set()
        if xfs:
            for i, (_tag, attrs) in enumerate(t for t in _TAG.findall(xfs.group(1)) if t[0] == "xf"):
                fid = _attrs(attrs).get("numFmtId", "0")
                n = int(fid) if fid.isdigit() else 0
                if n in custom:
                    if _is_date_format(custom[n]):
                        dates.add(str(i))
                elif n in _DATE_FORMAT_IDS:
                    dates.add(str(i))
        return frozenset(dates)

    def rows(self, sheet: str) -> Iterator[list[Any]]:
        """Every row of ``sheet`` from row 1 (empty rows between as ``[]``, none after the
        last), cells placed by their column from column A, missing cells as None."""
        member = dict(self.sheets)[sheet]
        strings = self.shared_strings()
        date_styles = self.date_styles()
        epoch = _EPOCH_1904 if self.date1904 else _EPOCH_1900
        columns: dict[str, int] = {}
        emitted = 0  # rows yielded so far (the next row's number is emitted + 1)
        row_no = 0
        cells: list[Any] = []
        value: Any
        with self.zip.open(member) as fh:
            for block in _blocks(fh, _ROW_END):
                fast = None
                if ":c " not in block and ":c>" not in block:
                    fast = _FAST.findall(block)
                    if len(fast) != block.count("<c ") + block.count("<c>"):
                        fast = None
                if fast is not None:
                    current = ""
                    for letters, number, style, typ, raw, inline in fast:
                        if number != current:
                            if cells:
                                yield from _pad(row_no - emitted - 1)
                                yield cells
                                emitted = row_no
                                cells = []
                            current = number
                            row_no = int(number)
                        if typ == "s":
                            if not raw:
                                continue
                            value = strings[int(raw)]
                        elif not typ or typ == "n":
                            if not raw:
                                continue
                            value = float(raw)
                            if style and style in date_styles:
                                value = _as_date(value, epoch)
                        else:
                            value = _typed(typ, raw, inline)
                            if value is None:
                                continue
                        col = columns.get(letters, -1)
                        if col < 0:
                            col = _column(letters)
                            columns[letters] = col
                        if col == len(cells):
                            cells.append(value)
                        elif col > len(cells):
                            cells.extend([None] * (col - len(cells)))
                            cells.append(value)
                        else:
                            cells[col] = value
                    continue
                for is_row, rattrs, cattrs, content in _TOKEN.findall(block):
                    if is_row:
                        if cells:
                            yield from _pad(row_no - emitted - 1)
                            yield cells
                            emitted = row_no
                            cells = []
                        number = _attrs(rattrs).get("r") if "'" in rattrs else None
                        i = rattrs.find(' r="')
                        if i >= 0:
                            number = rattrs[i + 4 : rattrs.index('"', i + 4)]
                        row_no = int(number) if number else max(row_no, emitted) + 1
                        continue
                    if not content:
                        continue
                    if "'" in cattrs:  # attributes in single quotes: the slow, general way
                        a = _attrs(cattrs)
                        ref, typ, style = a.get("r"), a.get("t", "n"), a.get("s", "0")
                    else:
                        i = cattrs.find(' r="')
                        ref = cattrs[i + 4 : cattrs.index('"', i + 4)] if i >= 0 else None
                        i = cattrs.find(' t="')
                        typ = cattrs[i + 4 : cattrs.index('"', i + 4)] if i >= 0 else "n"
                        i = cattrs.find(' s="')
                        style = cattrs[i + 4 : cattrs.index('"', i + 4)] if i >= 0 else "0"
                    if typ == "inlineStr":
                        if "<rPh" in content or ":rPh" in content:
                            content = _RPH.sub("", content)
                        value = _unescape("".join(_T.findall(content)))
                    else:
                        if content.startswith("<v>") and content.endswith("</v>"):
                            raw = content[3:-4]
                        else:
                            found = _V.search(content)
                            if found is None:
                                continue  # a formula without a stored result
                            raw = found.group(1)
                        if not raw:
                            continue
                        if typ == "s":
                            value = strings[int(raw)]
                        elif typ == "n":
                            value = float(raw)
                            if style in date_styles:
                                value = _as_date(value, epoch)
                        elif typ in ("str", "e"):
                            value = _unescape(raw)
                        elif typ == "b":
                            value = raw.strip() in ("1", "true")
                        elif typ == "d":
                            value = _iso_date(raw)
                        else:
                            raise XlsxUnsupported(f"тип ячейки «{typ}»")
                    if ref is None:
                        col = len(cells)
                    else:
                        letters = ref.rstrip("0123456789")
                        col = columns.get(letters, -1)
                        if col < 0:
                            col = _column(letters)
                            columns[letters] = col
                    if col == len(cells):
                        cells.append(value)
                    elif col > len(cells):
                        cells.extend([None] * (col - len(cells)))
                        cells.append(value)
                    else:
                        cells[col] = value
        if cells:
            yield from _pad(row_no - emitted - 1)
            yield cells

    def close(self) -> None:
        self.zip.close()


def _column(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1


def _typed(typ: str, raw: str, inline: str) -> Any:
    """A cell of a rarer type from the fast path; None for no value."""
    if typ == "inlineStr":
        if "<rPh" in inline:
            inline = _RPH.sub("", inline)
        return _unescape("".join(_T.findall(inline)))
    if not raw:
        return None
    if typ in ("str", "e"):
        return _unescape(raw)
    if typ == "b":
        return raw.strip() in ("1", "true")
    if typ == "d":
        return _iso_date(raw)
    raise XlsxUnsupported(f"тип ячейки «{typ}»")


def _pad(n: int) -> Iterator[list[Any]]:
    for _ in range(n):
        yield []


def _as_date(serial: float, epoch: datetime.datetime) -> Any:
    """An Excel serial number in a date format: a date, a datetime, or a time of day (under
    one day), as calamine gives them (1900 system: serials before 1 March 1900 count from
    31.12.1899, because of Excel's nonexistent 29.02.1900)."""
    if 0 <= serial < 1:
        ms = round(serial * 86_400_000)
        return (datetime.datetime.min + datetime.timedelta(milliseconds=ms)).time()  # noqa: DTZ901
    if epoch is _EPOCH_1900 and serial < 60:
        serial += 1
    try:
        moment = epoch + datetime.timedelta(milliseconds=round(serial * 86_400_000))
    except OverflowError:
        return serial
    if moment.time() == datetime.time():
        return moment.date()
    return moment


def _iso_date(raw: str) -> Any:
    try:
        moment = datetime.datetime.fromisoformat(raw.strip().rstrip("Z"))
    except ValueError:
        return raw
    return moment.date() if moment.time() == datetime.time() else moment
