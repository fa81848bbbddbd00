"""Malformed files: each gets a clear Russian message and nothing is written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

GOOD_HEAD = "Код ОО;Код участника;Предмет;Первичный балл;Отметка\r\n"


def _files(store: Path) -> set[Path]:
    return set(store.rglob("*.parquet*")) if store.exists() else set()


def _nothing_written(before: tuple[int, ...], files_before: set[Path], store: Path) -> None:
    from msoko.facts.models import FactFile, ImportBatch
    from msoko.intake.models import RegistryChange
    from msoko.registry.models import SocialPassport, StaffMember

    after = (ImportBatch.objects.count(), FactFile.objects.count(), RegistryChange.objects.count(),
             StaffMember.objects.count(), SocialPassport.objects.count())
    assert after == before
    # the store is shared by hypothesis's examples, and an earlier valid example may have
    # written a batch: this example must add no file (not even a temporary one)
    assert _files(store) == files_before


def _counts() -> tuple[int, ...]:
    from msoko.facts.models import FactFile, ImportBatch
    from msoko.intake.models import RegistryChange
    from msoko.registry.models import SocialPassport, StaffMember

    return (ImportBatch.objects.count(), FactFile.objects.count(), RegistryChange.objects.count(),
            StaffMember.objects.count(), SocialPassport.objects.count())


def _xlsx_bytes() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Код ОО", "Код участника", "Предмет", "Первичный балл", "Отметка"])
    ws.append(["A1", "1", "ru", 30, 5])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BAD_CELLS = st.sampled_from(["abc", "1e999", "99999999999", "-5", "3,5,6", "", "NaN", "∞", "12..3", "0x10", "x"])


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    variant=st.sampled_from(["garbage", "truncated_xlsx", "wrong_encoding", "missing_column", "bad_score", "bad_mark", "empty", "zip_not_xlsx"]),
    garbage=st.binary(min_size=1, max_size=400),
    cell=BAD_CELLS,
    cut=st.integers(min_value=10, max_value=2000),
    kind=st.sampled_from(["gia", "social_passport", "staff"]),
)
def test_malformed_files_write_nothing(world: Any, tmp_path_factory: Any, variant: str, garbage: bytes,
                                       cell: str, cut: int, kind: str) -> None:
    from django.conf import settings as dj

    from msoko.intake.pipeline import run_import

    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    if variant == "garbage":
        path.write_bytes(b"\x00" + garbage)
    elif variant == "truncated_xlsx":
        path = path.with_suffix(".xlsx")
        path.write_bytes(_xlsx_bytes()[:cut])
    elif variant == "zip_not_xlsx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", garbage)
        path.write_bytes(buf.getvalue())
    elif variant == "wrong_encoding":
        # UTF-16 with a BOM is read now (Excel's «Юникод-текст»); UTF-32 without one is not.
        path.write_bytes((GOOD_HEAD + "A1;1;ru;30;5\r\n").encode("utf-32-le"))
    elif variant == "missing_column":
        path.write_bytes("Предмет;Отметка\r\nru;5\r\n".encode("cp1251"))
    elif variant == "bad_score":
        path.write_bytes((GOOD_HEAD + f"A1;1;ru;{cell};\r\n").encode("cp1251", errors="replace"))
        kind = "gia" if cell != "" else kind
    elif variant == "bad_mark":
        path.write_bytes((GOOD_HEAD + f"A1;1;ru;;{cell or '7'}\r\n").encode("cp1251", errors="replace"))
        kind = "gia"
    else:
        path.write_bytes(b"")
    before = _counts()
    files_before = _files(Path(dj.FACT_STORE_DIR))
    r = run_import(path, kind=kind, procedure="OGE" if kind == "gia" else None, year=2024)
    if r.ok:  # a valid file for another kind is possible only for blank cells: then it must have written
        assert variant == "bad_score" and cell == ""
        return
    assert r.problems.errors, variant
    msg = str(r.problems.errors[0])
    assert any("а" <= ch <= "я" for ch in msg.lower()), msg  # a Russian message
    _nothing_written(before, files_before, Path(dj.FACT_STORE_DIR))


@pytest.mark.django_db
def test_huge_values_and_non_numbers_are_reported_by_cell(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import

    p = tmp_path / "x.csv"
    p.write_bytes((GOOD_HEAD + "A1;1;ru;1e999;5\r\nA1;2;ru;abc;5\r\nA1;3;ru;999999;5\r\n").encode("cp1251"))
    r = run_import(p, kind="gia", procedure="OGE", year=2024)
    assert not r.ok
    got = {(e.row, e.column) for e in r.problems.errors}
    assert {(2, "Первичный балл"), (3, "Первичный балл"), (4, "Первичный балл")} <= got
