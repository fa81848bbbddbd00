"""Roadmaps from XLSX and DOCX tables shaped like the seeds' (001, 002, 004), back out in the
same shape, and bad files refused with Russian messages naming where.

The files are built here, by openpyxl and python-docx, from the seed tables kept in
``msoko/cycle/seed_data`` — each in its seed's own columns, with title rows above the header
and section rows merged across the table. Expected counts are counted by hand in the seeds:

* seed 001 (Стрежевой 2021): 9 sections, 2 + 16 + 15 + 7 + 3 + 5 + 14 + 3 + 13 = 78 measures;
* seed 002 (Сампурский район 2022–2024): 10 sections, 15 + 2 + 7 + 3 + 4 + 2 + 5 + 6 + 4 + 6 = 54;
* seed 004 (Горячий Ключ 2023–2024): 3 sections, 12 + 19 + 4 = 35.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from msoko.cycle.directions import SEED_DATA

SEEDS = {
    "strezhevoy": ("roadmap_strezhevoy_2021.yaml", 78, 9),
    "sampur": ("roadmap_sampur_2022_2024.yaml", 54, 10),
    "goryachy": ("roadmap_goryachy_klyuch_2023_2024.yaml", 35, 3),
}
# Title lines as the seeds print them above their tables (the period is read from them).
TITLES = {
    "strezhevoy": ["План мероприятий («дорожная карта»)",
                   "по реализации муниципальной системы оценки качества образования в городском округе Стрежевой на 2021 год"],
    "sampur": ["Утвержден постановлением администрации района от 19.07.2022 № 320",
               "План мероприятий («дорожная карта») реализации муниципальной системы оценки качества образования в Сампурском районе на 2022-2024 г.г."],
    "goryachy": ["ПЛАН МЕТОДИЧЕСКИХ МЕРОПРИЯТИЙ по повышению показателей мотивирующего мониторинга муниципального образования город Горячий Ключ на 2023-2024 учебный год"],
}


def seed(key: str) -> dict[str, Any]:
    with open(Path(SEED_DATA) / SEEDS[key][0], encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def write_xlsx(path: Path, key: str, *, numbered_columns: bool = False) -> Path:
    from openpyxl import Workbook

    data = seed(key)
    n = len(data["columns"])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Приложение 2"
    for line in TITLES[key]:
        sheet.append([line])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=n)
    sheet.append(data["columns"])
    if numbered_columns:
        sheet.append(list(range(1, n + 1)))
    for row in data["rows"]:
        if isinstance(row, dict):
            sheet.append([row["section"]])
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=n)
        else:
            sheet.append(row)
    book.save(path)
    return path


def write_docx(path: Path, key: str) -> Path:
    import docx

    data = seed(key)
    n = len(data["columns"])
    document = docx.Document()
    for line in TITLES[key]:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=n)
    for j, header in enumerate(data["columns"]):
        table.rows[0].cells[j].text = header
    for row in data["rows"]:
        cells = table.add_row().cells
        if isinstance(row, dict):
            merged = cells[0].merge(cells[-1])
            merged.text = row["section"]
        else:
            for j, text in enumerate(row):
                cells[j].text = text
    document.save(str(path))
    return path


@pytest.mark.parametrize("key", sorted(SEEDS))
@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_seed_roadmap_imports_with_every_row(world: Any, tmp_path: Path, key: str, fmt: str) -> None:
    from msoko.cycle.models import Measure
    from msoko.cycle.roadmap_io import import_roadmap

    _, count, sections = SEEDS[key]
    writer = write_xlsx if fmt == "xlsx" else write_docx
    path = writer(tmp_path / f"{key}.{fmt}", key)
    outcome = import_roadmap(path, territory=world.municipality, user=world.bob)
    assert outcome.ok, outcome.messages()
    assert outcome.measures == count
    assert len(outcome.parsed.sections) == sections
    roadmap = outcome.roadmap
    assert roadmap.measures.count() == count
    data = seed(key)
    assert [c["header"] for c in roadmap.columns] == data["columns"]
    # the same rows, in order, every column as written
    rows = [r for r in data["rows"] if isinstance(r, list)]
    fields = [c["field"] for c in roadmap.columns]
    got = list(Measure.objects.filter(roadmap=roadmap).order_by("order"))
    for row, m in zip(rows, got, strict=True):
        values = dict(zip(fields, row, strict=True))
        assert m.content == values["content"]
        assert m.deadline_text == values.get("deadline", "")
        assert m.responsible == values.get("responsible", "")
        assert m.number == values.get("number", "")


def test_seed_001_sample_rows_and_directions(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.roadmap_io import import_roadmap

    outcome = import_roadmap(write_xlsx(tmp_path / "s.xlsx", "strezhevoy"), territory=world.municipality)
    rm = outcome.roadmap
    assert (rm.year_from, rm.year_to, rm.academic) == (2021, 2021, False)
    ms = list(rm.measures.order_by("order").select_related("direction"))
    assert (ms[0].number, ms[0].deadline_text, ms[0].responsible, ms[0].direction) == ("1.", "май", "УО", None)
    ms2 = [m for m in ms if m.direction and m.direction.number == 2]
    assert len(ms2) == 15
    assert ms2[1].deadline_text == "июнь, октябрь, ежегодно"
    assert ms2[1].deadline().kind == "annual"
    assert [o.due.isoformat() for o in ms2[1].deadline().occurrences] == ["2021-06-30", "2021-10-31"]
    by_dir = {n: sum(1 for m in ms if m.direction and m.direction.number == n) for n in range(1, 9)}
    assert by_dir == {1: 16, 2: 15, 3: 7, 4: 3, 5: 5, 6: 14, 7: 3, 8: 13}
    last = ms[-1]
    assert last.number == "13." and last.responsible == "ИМО" and last.deadline_text == "ежегодно"


def test_seed_002_sample_rows(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.roadmap_io import import_roadmap

    outcome = import_roadmap(write_docx(tmp_path / "s.docx", "sampur"), territory=world.municipality)
    rm = outcome.roadmap
    assert (rm.year_from, rm.year_to) == (2022, 2024)
    m = rm.measures.get(number="1.13.")
    assert m.report_document == "Доклад"
    assert m.deadline_text == "август 2022-2024 г.г."
    assert m.section.startswith("1. Мониторинг качества подготовки")
    assert m.direction is not None and m.direction.number == 1
    assert rm.measures.get(number="5.2").direction.number == 2
    assert rm.measures.get(number="9.3.").report_document == "Протокол заседания комиссии"
    assert rm.measures.get(number="7.1").content.count("\n-") + rm.measures.get(number="7.1").content.count("\n -") >= 15


def test_seed_004_sample_rows(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.roadmap_io import import_roadmap

    outcome = import_roadmap(write_xlsx(tmp_path / "g.xlsx", "goryachy"), territory=world.municipality)
    rm = outcome.roadmap
    assert (rm.year_from, rm.year_to, rm.academic) == (2023, 2024, True)
    ms = list(rm.measures.order_by("order"))
    assert ms[1].deadline_text == "до 01.03.2024"
    assert ms[1].participants == "Управление образования, администрация ОУ, МКУ «ЦРО»"
    assert ms[1].responsible == "Батюк Н.В., руководитель МКУ «ЦРО»"
    assert ms[1].expected_result == "Обобщение административного и педагогического опыта и его транслирование"
    assert ms[1].execution_mark == ""
    assert ms[-1].section == "3. Механизмы управления качеством образования"


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_export_reads_back_the_same(world: Any, tmp_path: Path, fmt: str) -> None:
    import datetime

    from msoko.cycle.models import MeasureReport
    from msoko.cycle.roadmap_io import export_docx, export_xlsx, import_roadmap

    first = import_roadmap(write_xlsx(tmp_path / "a.xlsx", "sampur"), territory=world.municipality).roadmap
    m = first.measures.get(number="1.1.")
    MeasureReport.objects.create(measure=m, done_on=datetime.date(2022, 8, 1), document="Аналитическая справка № 12")
    data = export_xlsx(first) if fmt == "xlsx" else export_docx(first)
    out = tmp_path / f"export.{fmt}"
    out.write_bytes(data)
    # into the neighbouring municipality: in the same one the export (now with the report in
    # its marks) would be refused as a changed copy of the same roadmap (see below)
    again = import_roadmap(out, territory=world.other_municipality)
    assert again.ok, again.messages()
    second = again.roadmap
    assert (second.year_from, second.year_to) == (2022, 2024)
    assert [c["header"] for c in second.columns] == [c["header"] for c in first.columns]
    a = list(first.measures.order_by("order").values_list("number", "section", "content", "deadline_text", "responsible", "report_document"))
    b = list(second.measures.order_by("order").values_list("number", "section", "content", "deadline_text", "responsible", "report_document"))
    assert a == b


def test_bad_files_write_nothing_and_say_where(world: Any, tmp_path: Path) -> None:
    from openpyxl import Workbook

    from msoko.cycle.models import Measure, Roadmap
    from msoko.cycle.roadmap_io import import_roadmap

    # no header row
    book = Workbook()
    sh = book.active
    assert sh is not None
    sh.append(["Что", "Когда"])
    sh.append(["Совещание", "май"])
    book.save(tmp_path / "noheader.xlsx")
    r = import_roadmap(tmp_path / "noheader.xlsx", territory=world.municipality)
    assert not r.ok
    assert "не найдена таблица со строкой заголовков" in r.messages()[0]
    assert "файл «noheader.xlsx»" in r.messages()[0]

    # a measure without content, and an unknown percent of implementation: both reported
    book = Workbook()
    sh = book.active
    assert sh is not None
    sh.title = "Карта"
    sh.append(["№ п/п", "Мероприятие", "Сроки", "Ответственные", "Процент реализации"])
    sh.append(["1.", "Совещание", "май 2024", "УО", "более 75 %"])
    sh.append(["2.", "", "июнь 2024", "УО", ""])
    sh.append(["3.", "Анализ ВПР", "июль 2024", "УО", "почти всё"])
    book.save(tmp_path / "bad.xlsx")
    r = import_roadmap(tmp_path / "bad.xlsx", territory=world.municipality)
    assert not r.ok
    msgs = r.messages()
    assert "файл «bad.xlsx», лист «Карта», строка 3: нет текста мероприятия (столбец «Мероприятие»)" in msgs
    assert any(m.startswith("файл «bad.xlsx», лист «Карта», строка 4, столбец «Процент реализации»: процент реализации «почти всё» не распознан") for m in msgs)
    assert Roadmap.objects.count() == 0 and Measure.objects.count() == 0

    # not a spreadsheet at all
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
    r = import_roadmap(tmp_path / "broken.xlsx", territory=world.municipality)
    assert not r.ok and "файл не читается как XLSX" in r.messages()[0]
    (tmp_path / "roadmap.pdf").write_bytes(b"%PDF")
    r = import_roadmap(tmp_path / "roadmap.pdf", territory=world.municipality)
    assert "нужен XLSX или DOCX" in r.messages()[0]
    assert Roadmap.objects.count() == 0


def test_column_number_row_and_bucket_words(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.roadmap_io import import_roadmap, parse_bucket

    r = import_roadmap(write_xlsx(tmp_path / "n.xlsx", "strezhevoy", numbered_columns=True), territory=world.municipality)
    assert r.measures == 78
    assert parse_bucket("менее 25 %") == "lt25"
    assert parse_bucket("25–50 %") == "25_50"
    assert parse_bucket("51-75%") == "51_75"
    assert parse_bucket("более 75 %") == "gt75"
    assert parse_bucket("в полном объёме") == "full"
    assert parse_bucket("не реализуется") == "not_implemented"


def test_msoko_import_roadmap_command(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.models import Roadmap

    out, err = io.StringIO(), io.StringIO()
    call_command("import", "roadmap", str(write_docx(tmp_path / "g.docx", "goryachy")), territory="M1", stdout=out, stderr=err)
    assert "Загружено мероприятий: 35; разделов: 3" in out.getvalue()
    assert Roadmap.objects.get().territory == world.municipality

    bad = tmp_path / "empty.docx"
    import docx

    docx.Document().save(str(bad))
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "roadmap", str(bad), territory="M1", stdout=io.StringIO(), stderr=err)
    assert "Файл не загружен" in str(exc.value)
    assert "файл «empty.docx»: не найдена таблица со строкой заголовков" in err.getvalue()
    assert Roadmap.objects.count() == 1


# --- the same roadmap twice (issue 13, item 10) -----------------------------------------------


def changed_copy(source: Path, target: Path) -> Path:
    """The same table with one measure's text changed (a new edition of the roadmap)."""
    import openpyxl

    book = openpyxl.load_workbook(source)
    sheet = book.active
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == "1.1.":
                sheet.cell(cell.row, cell.column + 1).value = "Изменённое мероприятие"
                book.save(target)
                return target
    raise AssertionError("no measure 1.1.")


def test_the_same_file_twice_on_the_command_line(world: Any, tmp_path: Path) -> None:
    from msoko.access.models import AuditLog
    from msoko.cycle.models import Measure, Roadmap

    path = write_xlsx(tmp_path / "sampur.xlsx", "sampur")
    call_command("import", "roadmap", str(path), territory="M1", stdout=io.StringIO(), stderr=io.StringIO())
    roadmap = Roadmap.objects.get()
    assert roadmap.measures.count() == 54 and len(roadmap.source_sha256) == 64
    out = io.StringIO()
    call_command("import", "roadmap", str(path), territory="M1", stdout=out, stderr=io.StringIO())
    assert f"Эта дорожная карта уже загружена: № {roadmap.pk} «{roadmap.title}»" in out.getvalue()
    assert "ничего не изменила" in out.getvalue()
    assert Roadmap.objects.count() == 1 and Measure.objects.count() == 54
    assert AuditLog.objects.filter(action="import", model="cycle.Roadmap").count() == 1
    # the same file for another municipality is that municipality's own roadmap
    call_command("import", "roadmap", str(path), territory="M2", stdout=io.StringIO(), stderr=io.StringIO())
    assert Roadmap.objects.count() == 2


def test_the_same_table_in_another_file_is_already_loaded(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.models import Roadmap
    from msoko.cycle.roadmap_io import import_roadmap

    first = import_roadmap(write_xlsx(tmp_path / "g.xlsx", "goryachy"), territory=world.municipality)
    again = import_roadmap(write_docx(tmp_path / "g.docx", "goryachy"), territory=world.municipality)
    assert again.already and again.roadmap == first.roadmap and again.measures == 0
    assert Roadmap.objects.count() == 1


def test_a_changed_file_for_the_same_roadmap_is_refused(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.models import Measure, Roadmap

    path = write_xlsx(tmp_path / "sampur.xlsx", "sampur")
    call_command("import", "roadmap", str(path), territory="M1", stdout=io.StringIO(), stderr=io.StringIO())
    roadmap = Roadmap.objects.get()
    before = list(Measure.objects.order_by("pk").values_list("pk", "content"))
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "roadmap", str(changed_copy(path, tmp_path / "sampur-2.xlsx")), territory="M1",
                     stdout=io.StringIO(), stderr=err)
    assert "Файл не загружен" in str(exc.value)
    assert f"уже есть дорожная карта № {roadmap.pk} «{roadmap.title}»" in err.getvalue()
    assert "из файла «sampur.xlsx»" in err.getvalue() and "этот файл от неё отличается" in err.getvalue()
    assert list(Measure.objects.order_by("pk").values_list("pk", "content")) == before
    # as a new edition under another title it loads
    call_command("import", "roadmap", str(tmp_path / "sampur-2.xlsx"), territory="M1", title="Редакция 2",
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert Roadmap.objects.count() == 2
    assert Roadmap.objects.get(title="Редакция 2").measures.filter(content="Изменённое мероприятие").count() == 1


def test_the_same_file_twice_in_the_web(world: Any, tmp_path: Path) -> None:
    from msoko.cycle.models import Measure, Roadmap
    from tests.conftest import client_for

    bob = client_for(world.bob)
    path = write_xlsx(tmp_path / "sampur.xlsx", "sampur")

    def post(p: Path) -> Any:
        with open(p, "rb") as fh:
            return bob.post("/cycle/roadmaps/import/", {"file": fh, "territory": world.municipality.pk}, follow=True)

    post(path)
    roadmap = Roadmap.objects.get()
    assert roadmap.source_file == "sampur.xlsx"
    page = post(path)
    assert page.redirect_chain[-1][0] == f"/cycle/roadmaps/{roadmap.pk}/"
    assert f"уже загружена: № {roadmap.pk} «{roadmap.title}»" in page.content.decode()
    assert Roadmap.objects.count() == 1 and Measure.objects.count() == 54
    page = post(changed_copy(path, tmp_path / "new.xlsx"))
    body = page.content.decode()
    assert page.redirect_chain == [] and "Файл не загружен" in body
    assert f"уже есть дорожная карта № {roadmap.pk}" in body and "из файла «sampur.xlsx»" in body
    assert Roadmap.objects.count() == 1 and Measure.objects.count() == 54
