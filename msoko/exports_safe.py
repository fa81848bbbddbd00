"""Spreadsheet exports that never carry a formula (CSV / formula injection, OWASP).

Every XLSX msoko writes is made with ``SafeWorkbook`` (a guard test greps ``msoko/`` for any
other ``Workbook(``). Its ``save`` walks every cell first: a text that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is written as a *string* cell with Excel's
quote-prefix flag — exactly what Excel itself stores when a person types ``'=…`` — so
openpyxl writes no ``<f>`` element, Excel and LibreOffice show the text as it was entered
and keep it text when the cell is edited, and reading the file back gives the same text
(a roadmap exported and imported again keeps its «- провести…» measures). Numbers stay
numbers: a negative number is a number cell, not text. See docs/adr/0031-formula-injection.md.

CSV has no cell types, so ``csv_text`` prefixes such a text with an apostrophe, as OWASP
recommends; numbers are never passed through it.
"""

from __future__ import annotations

import io
from typing import IO, Any

from openpyxl import Workbook

#: What makes Excel, LibreOffice or Google Sheets read a text as a formula (OWASP).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: Any) -> bool:
    """A text a spreadsheet could take for a formula (numbers never are)."""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def neutralise(workbook: Workbook) -> int:
    """Make every risky text cell of ``workbook`` a quote-prefixed string; returns how many.

    openpyxl turns any assigned text beginning with ``=`` into a formula cell (data type
    ``f``); here it goes back to a string whatever the writer did."""
    count = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if is_risky(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    count += 1
    return count


class SafeWorkbook(Workbook):
    """openpyxl's ``Workbook`` whose ``save`` first neutralises every cell (``neutralise``)."""

    def save(self, filename: str | IO[bytes] | Any) -> None:
        neutralise(self)
        super().save(filename)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def csv_text(value: str) -> str:
    """A text for a CSV cell: a leading apostrophe when a spreadsheet could run it."""
    return "'" + value if is_risky(value) else value


__all__ = ["TRIGGERS", "SafeWorkbook", "csv_text", "is_risky", "neutralise"]
