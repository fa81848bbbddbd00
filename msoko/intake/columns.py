"""Vectorised parsing of text columns (Arrow string arrays) into typed numpy arrays.

Only the rows that fail become ``Problem`` objects; everything else is array arithmetic.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from msoko.intake.headers import norm
from msoko.intake.problems import Problems

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def clean_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    a = pc.utf8_trim_whitespace(a)
    return pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)


def parse_number(
    arr: pa.Array,
    problems: Problems,
    rows: np.ndarray,
    column: str,
    *,
    integer: bool = False,
    lo: float | None = None,
    hi: float | None = None,
) -> np.ndarray:
    """Numbers with a decimal comma, spaces or NBSP as thousands separators; NaN where empty."""
    s = pc.replace_substring_regex(arr, "[\\s\u00a0]", "")
    s = pc.replace_substring(s, ",", ".")
    ok = pc.fill_null(pc.match_substring_regex(s, _NUMBER), False)
    present = pc.is_valid(s)
    out = pc.if_else(ok, s, pa.scalar(None, pa.string())).cast(pa.float64())
    values = out.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    bad = np.asarray(pc.and_(present, pc.invert(ok)))
    if bad.any():
        problems.add_rows(bad, "не число", rows=rows, column=column, values=arr.to_pylist())
    finite = ~np.isnan(values)
    inf = finite & ~np.isfinite(values)
    if inf.any():
        problems.add_rows(inf, "слишком большое число", rows=rows, column=column, values=arr.to_pylist())
        values[inf] = np.nan
        finite &= ~inf
    if integer:
        frac = finite & (np.floor(values) != values)
        if frac.any():
            problems.add_rows(frac, "должно быть целым числом", rows=rows, column=column, values=arr.to_pylist())
    if lo is not None:
        low = finite & (values < lo)
        if low.any():
            problems.add_rows(low, f"меньше допустимого ({lo:g})", rows=rows, column=column, values=arr.to_pylist())
    if hi is not None:
        high = finite & (values > hi)
        if high.any():
            problems.add_rows(high, f"больше допустимого ({hi:g})", rows=rows, column=column, values=arr.to_pylist())
    return values


def map_values(
    arr: pa.Array,
    lookup: Callable[[str], Any],
    problems: Problems,
    rows: np.ndarray,
    column: str,
    reason: Callable[[str], str] | str,
    *,
    dtype: Any = object,
    missing: Any = None,
) -> np.ndarray:
    """Map each distinct text value through ``lookup`` (None = unknown → a problem)."""
    enc = pc.dictionary_encode(arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    dictionary = enc.dictionary.to_pylist()
    mapped = [lookup(v) for v in dictionary]
    indices = enc.indices.to_numpy(zero_copy_only=False)
    valid = np.asarray(pc.is_valid(enc.indices))
    table = np.array([missing if m is None else m for m in mapped] + [missing], dtype=dtype)
    idx = np.where(valid, np.nan_to_num(indices, nan=len(dictionary)).astype(np.int64), len(dictionary))
    out = table[idx]
    unknown_codes = [i for i, m in enumerate(mapped) if m is None]
    if unknown_codes:
        bad = valid & np.isin(idx, unknown_codes)
        for code in unknown_codes:
            rows_of = np.flatnonzero(bad & (idx == code))
            if not len(rows_of):
                continue
            text = reason(dictionary[code]) if callable(reason) else reason
            mask = np.zeros(len(out), dtype=bool)
            mask[rows_of] = True
            problems.add_rows(mask, text, rows=rows, column=column, values=[dictionary[code]] * len(out))
    return out


def choice_lookup(choices: dict[str, Any]) -> Callable[[str], Any]:
    normalised = {norm(k): v for k, v in choices.items()}
    return lambda v: normalised.get(norm(v))


_DATE_RE = [
    (re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$"), (1, 2, 3)),
]


def parse_date(text: str) -> str | None:
    """«05.03.2011», «2011-03-05» → «2011-03-05»; None if not a date."""
    s = str(text).strip()
    for rx, (y, m, d) in _DATE_RE:
        match = rx.match(s)
        if match:
            try:
                return datetime.date(
                    int(match.group(y)), int(match.group(m)), int(match.group(d))
                ).isoformat()
            except ValueError:
                return None
    return None
