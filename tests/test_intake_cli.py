"""``msoko import``: summary, problems and a non-zero exit, templates, rollback."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_import_command(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch

    f = tmp_path / "oge.csv"
    f.write_bytes("Код ОО;Код участника;Предмет;Первичный балл;Отметка\r\nA1;1;ru;30;5\r\n".encode("cp1251"))
    out = io.StringIO()
    call_command("import", "gia", str(f), "--procedure", "OGE", "--year", "2024", "--user", "bob", stdout=out)
    assert "Загружено: пакет" in out.getvalue() and "Строк: 1" in out.getvalue()
    batch = ImportBatch.objects.get()
    assert batch.created_by == world.bob and batch.file_sha256

    out = io.StringIO()
    call_command("import", "gia", str(f), "--procedure", "OGE", "--year", "2024", stdout=out)
    assert "уже загружен" in out.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_bytes("Код ОО;Код участника;Предмет;Первичный балл;Отметка\r\nZZ;1;ru;30;5\r\n".encode("cp1251"))
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "gia", str(bad), "--procedure", "OGE", "--year", "2024", stderr=err)
    assert exc.value.returncode == 2
    assert "bad.csv, строка 2, столбец «Код ОО»" in err.getvalue()

    call_command("import", "rollback", str(batch.pk), stdout=io.StringIO())
    assert ImportBatch.objects.get().status == "rolled_back"

    call_command("import", "template", "vpr", str(tmp_path / "t.xlsx"), stdout=io.StringIO())
    assert (tmp_path / "t.xlsx").stat().st_size > 0
    out = io.StringIO()
    call_command("import", "mappings", stdout=out)
    assert "passer under 160" in out.getvalue() and "count_160_plus" in out.getvalue()
