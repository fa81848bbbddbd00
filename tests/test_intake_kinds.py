"""Each kind from its template (XLSX) and from a messy CSV (cp1251, `;`, decimal comma, blank
and total rows, odd headers); re-import, replacement, rollback; names never stored."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

SURNAME = "Перепелицына"


def _xlsx(path: Path, rows: list[list[Any]], *, title: list[str] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.append(title)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _csv(path: Path, rows: list[list[Any]], *, encoding: str = "cp1251", sep: str = ";") -> Path:
    text = "\r\n".join(sep.join("" if v is None else str(v) for v in r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def _facts(table: str) -> list[dict[str, Any]]:
    from msoko.facts.store import DANGEROUS_scan_all

    return DANGEROUS_scan_all(table).to_pyarrow().to_pylist()


def _template_rows(kind: str, tmp_path: Path) -> list[str]:
    from msoko.intake.templates import write_template

    out = write_template(kind, tmp_path / f"{kind}.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["Данные", "Пояснения"]
    notes = [r[0] for r in wb["Пояснения"].iter_rows(min_row=5, values_only=True)]
    headers = [c.value for c in wb["Данные"][1]]
    assert all(h in notes for h in headers if not str(h).isdigit())
    return headers


def _vpr_scale_and_spec(world: Any) -> None:
    from msoko.facts.models import Assessment, Procedure, TaskSpec
    from msoko.registry.models import Subject

    a = Assessment.objects.create(procedure=Procedure.objects.get(code="VPR"),
                                  subject=Subject.objects.get(code="math"), grade=5, year=world.year)
    for pos, (num, mx) in enumerate([("1", 1), ("2", 2), ("3", 17)]):
        TaskSpec.objects.create(assessment=a, number=num, position=pos, max_score=mx, level="basic")


# ---------------------------------------------------------------------------------------------
# ВПР


def test_vpr_from_template(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import

    _vpr_scale_and_spec(world)
    headers = _template_rows("vpr", tmp_path)
    values = {"Код ОО": "A1", "Код обучающегося": "S-1", "Класс": "5А", "Предмет": "Математика",
              "Первичный балл": 12, "Отметка": 4, "1": 1, "2": 2, "3": 9}
    rows = [headers, [values.get(h, None) for h in headers]]
    # Фамилия/Имя are in the template too; fill them for a second student
    values2 = dict(values, **{"Код обучающегося": None, "Фамилия": SURNAME, "Имя": "Ольга",
                              "Дата рождения": "05.03.2014", "Первичный балл": 3, "Отметка": 2,
                              "1": 0, "2": 1, "3": 2})
    rows.append([values2.get(h, None) for h in headers])
    r = run_import(_xlsx(tmp_path / "vpr.xlsx", rows), kind="vpr", year=2024)
    assert r.ok, [str(p) for p in r.problems.errors]
    res = sorted(_facts("student_results"), key=lambda x: -x["primary_score"])
    assert [(x["primary_score"], x["mark"], x["grade"], x["subject"]) for x in res] == [
        (12, 4, 5, "math"), (3, 2, 5, "math")]
    assert len(_facts("task_scores")) == 6
    assert r.students == 2 and r.matched_students == 0


def test_vpr_messy_csv_wide_and_errors(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import FactFile, ImportBatch
    from msoko.intake.pipeline import run_import

    _vpr_scale_and_spec(world)
    head = ["  код  ОО ", "ФАМИЛИЯ", "имя", "Отчество", "Дата рождения", "Класс", "Задание 1", "№ 2", "3",
            "Сумма баллов", "ОТМЕТКА", "Отметка по журналу"]
    good = [
        ["A1", SURNAME, "Ольга", "Петровна", "05.03.2014", "5Б", "1", "2", "9,0", "12", "4", "5"],
        [None] * 12,
        ["МБОУ СОШ № 2", "Иванов", "Иван", "", "2014-01-02", "5А", "0", "X", "3", "3", "2", ""],
        ["Итого", None, None, None, None, None, None, None, None, "15", None, None],
    ]
    path = _csv(tmp_path / "vpr.csv", [["Результаты ВПР, математика 5 класс"], head, *good])
    r = run_import(path, kind="vpr", year=2024, subject="математика")
    assert r.ok, [str(p) for p in r.problems.errors]
    assert r.rows == 2 and r.skipped_rows == 2
    scores = {(x["task"], x["score"]) for x in _facts("task_scores")}
    assert scores == {("1", 1.0), ("2", 2.0), ("3", 9.0), ("1", 0.0), ("3", 3.0)}

    # errors: score above max, mark disagreeing with the scale, total ≠ parts, not a number,
    # unknown school; nothing new is written
    bad = [
        ["A1", "Петров", "Пётр", "", "01.01.2014", "5А", "2", "2", "9", "13", "4", ""],  # 2 > max 1
        ["A1", "Сидоров", "Сидор", "", "01.01.2014", "5А", "1", "2", "9", "12", "5", ""],  # mark 5 ≠ 4
        ["A1", "Кузнецов", "Кузьма", "", "01.01.2014", "5А", "1", "1", "9", "12", "4", ""],  # 11 ≠ 12
        ["A1", "Орлов", "Олег", "", "01.01.2014", "5А", "1", "один", "9", "", "", ""],
        ["Школа № 404", "Волков", "Влад", "", "01.01.2014", "5А", "1", "2", "9", "12", "4", ""],
    ]
    before = (ImportBatch.objects.count(), FactFile.objects.count())
    r2 = run_import(_csv(tmp_path / "bad.csv", [head, *bad]), kind="vpr", year=2024, subject="math")
    assert not r2.ok
    reasons = {(p.row, p.reason.split(" (")[0].split(":")[0]) for p in r2.problems.errors}
    text = " | ".join(str(p) for p in r2.problems.errors)
    assert "балл выше максимального" in text and "не соответствует первичному баллу" in text
    assert "не равен сумме" in text and "не число" in text and "не найдена" in text
    assert {row for row, _ in reasons} >= {2, 3, 4, 5, 6}
    assert (ImportBatch.objects.count(), FactFile.objects.count()) == before


def test_vpr_long_format_and_duplicates(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import

    _vpr_scale_and_spec(world)
    head = ["Код ОО", "Код участника", "Предмет", "Параллель", "Номер задания", "Балл за задание"]
    rows = [head]
    for sid in ("100", "101"):
        for t, s in (("1", 1), ("2", 2), ("3", 12)):
            rows.append(["A1", sid, "math", 5, t, s])
    r = run_import(_csv(tmp_path / "long.csv", rows, encoding="utf-8", sep=","), kind="vpr", year=2024)
    assert r.ok, [str(p) for p in r.problems.errors]
    res = _facts("student_results")
    assert sorted((x["primary_score"], x["mark"]) for x in res) == [(15, 5), (15, 5)]
    dup = rows + [["A1", "100", "math", 5, "2", 1]]
    r2 = run_import(_csv(tmp_path / "dup.csv", dup, encoding="utf-8", sep=","), kind="vpr", year=2024)
    assert not r2.ok and any("повторяется" in p.reason for p in r2.problems.errors)


# ---------------------------------------------------------------------------------------------
# Batches


def test_reimport_replacement_and_rollback(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import rollback, run_import

    head = ["Код ОО", "Код участника", "Предмет", "Первичный балл", "Отметка"]
    f1 = _csv(tmp_path / "oge1.csv", [head, ["A1", "7", "ru", "30", "5"], ["B2", "8", "ru", "20", "3"]])
    r1 = run_import(f1, kind="gia", procedure="OGE", year=2024, user=world.bob)
    assert r1.ok and r1.status == "ok", [str(p) for p in r1.problems.errors]
    # the same file again: nothing changes
    r_again = run_import(f1, kind="gia", procedure="OGE", year=2024, user=world.bob)
    assert r_again.status == "duplicate" and "уже загружен" in r_again.message
    assert ImportBatch.objects.count() == 1
    # a corrected file for the same scope replaces the batch
    f2 = _csv(tmp_path / "oge2.csv", [head, ["A1", "7", "ru", "31", "5"], ["B2", "8", "ru", "22", "4"]])
    r2 = run_import(f2, kind="gia", procedure="OGE", year=2024, user=world.bob)
    assert r2.ok and r2.replaced == [r1.batch_id]
    assert r2.matched_students == 2  # the same students as in the file it corrects
    old = ImportBatch.objects.get(pk=r1.batch_id)
    assert old.status == "replaced" and old.replaced_by_id == r2.batch_id
    assert sorted(x["primary_score"] for x in _facts("student_results")) == [22, 31]
    # rollback: the correction is undone and the first batch is read again
    rollback(r2.batch_id)
    assert ImportBatch.objects.get(pk=r2.batch_id).status == "rolled_back"
    assert sorted(x["primary_score"] for x in _facts("student_results")) == [20, 30]
    # a school administrator may not load another school's results
    r3 = run_import(f2, kind="gia", procedure="OGE", year=2024, user=world.alice)
    assert not r3.ok and any("нет прав" in p.reason for p in r3.problems.errors)


def test_students_matched_across_procedures_and_names_never_stored(world: Any, tmp_path: Path, settings: Any) -> None:
    from django.db import connection

    from msoko.intake.pipeline import run_import

    head = ["Код ОО", "Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Результат"]
    essay = _csv(tmp_path / "essay.csv", [head, ["A1", SURNAME, "Ольга", "", "05.03.2007", "11А", "зачёт"],
                                          ["A1", "Иванов", "Иван", "", "01.01.2007", "11А", "незачет"]])
    r1 = run_import(essay, kind="essay", year=2024)
    assert r1.ok, [str(p) for p in r1.problems.errors]
    spt = _csv(tmp_path / "spt.csv", [["Код ОО", "ФИО? нет", "Фамилия", "Имя", "Дата рождения", "Участие"],
                                      ["A1", "", SURNAME.upper(), "ольга", "05.03.2007", "да"]])
    r2 = run_import(spt, kind="spt", year=2024)
    assert r2.ok, [str(p) for p in r2.problems.errors]
    assert r2.students == 1 and r2.matched_students == 1
    # the surname is nowhere: not in Parquet files, not in the database
    for path in Path(settings.FACT_STORE_DIR).rglob("*.parquet"):
        data = path.read_bytes()
        assert SURNAME.encode() not in data and SURNAME.upper().encode() not in data
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            assert SURNAME.lower() not in repr(cur.fetchall()).lower()


# ---------------------------------------------------------------------------------------------
# The other kinds: template and messy variant


KIND_CASES: list[tuple[str, dict[str, Any], list[list[Any]], dict[str, Any]]] = [
    # kind, options, messy rows (header first), expected facts: table → predicate on rows
    ("gia", {"procedure": "EGE"},
     [["код оо", "Код участника", "Предмет", "Тестовый  балл"], ["A1", "1", "Математика профильная", "72,0"],
      ["Всего", None, None, None]],
     {"student_results": lambda rows: [(r["subject"], r["test_score"]) for r in rows] == [("math_profile", 72.0)]}),
    ("kdr", {},
     [["Код ОО", "Код участника", "Предмет", "Класс", "Уровень"], ["A1", "1", "Читательская грамотность", "6Б", "Повышенный"]],
     {"student_results": lambda rows: rows[0]["level"] == "advanced" and rows[0]["grade"] == 6}),
    ("interview", {},
     [["ОО", "Код участника", "Балл", "Результат"], ["МБОУ СОШ № 1", "1", "14", "Зачёт"]],
     {"student_results": lambda rows: rows[0]["passed"] is True and rows[0]["subject"] == "interview"}),
    ("olympiad", {},
     [["Код ОО", "Код участника", "Предмет", "Класс", "Этап", "Балл", "Максимальный балл", "Статус"],
      ["A1", "1", "Физика", "9", "Муниципальный", "35,5", "50", "Призер"]],
     {"olympiad_results": lambda rows: (rows[0]["stage"], rows[0]["status"], rows[0]["score"]) == ("municipal", "prize", 35.5)}),
    ("spt", {},
     [["Код ОО", "Код участника", "Класс", "Участие"], ["A1", "1", "8А", "нет"]],
     {"student_results": lambda rows: rows[0]["passed"] is False}),
    ("attendance", {},
     [["Код ОО", "Класс", "Период", "Уроков всего", "Пропущено уроков", "Пропущено без уважительной причины"],
      ["A1", "7А", "1 четверть", "180", "20", "3"]],
     {"attendance": lambda rows: rows[0]["lessons_missed_unexcused"] == 3 and rows[0]["student"] is None}),
    ("destinations", {},
     [["Код ОО", "Код участника", "Класс", "Куда поступил", "Профиль"], ["A1", "1", "11А", "ВУЗ", "педагогический"]],
     {"destinations": lambda rows: (rows[0]["destination"], rows[0]["profile"]) == ("university", "педагогический")}),
    ("medals", {},
     [["Код ОО", "Код участника", "Класс", "Медаль"], ["A1", "1", "11А", "II степени"]],
     {"medals": lambda rows: rows[0]["medal"] == "second"}),
    ("aggregates", {"procedure": "OGE"},
     [["Код ОО", "Предмет", "Участников", "Отметка «2»", "Отметка «3»", "Отметка «4»", "Отметка «5»", "Средний балл"],
      ["A1", "ru", "10", "1", "3", "4", "2", "3,7"], ["Итого", None, "10", None, None, None, None, None]],
     {"school_aggregates": lambda rows: {r["measure"]: r["value"] for r in rows}["mean_score"] == 3.7}),
]


@pytest.mark.parametrize("kind,opts,rows,expect", KIND_CASES, ids=[c[0] for c in KIND_CASES])
def test_kind_messy_csv(world: Any, tmp_path: Path, kind: str, opts: dict[str, Any], rows: list[list[Any]], expect: dict[str, Any]) -> None:
    from msoko.intake.pipeline import run_import

    r = run_import(_csv(tmp_path / f"{kind}.csv", rows), kind=kind, year=2024, **opts)
    assert r.ok, [str(p) for p in r.problems.errors]
    for table, check in expect.items():
        assert check(_facts(table)), _facts(table)


@pytest.mark.parametrize("kind", ["gia", "kdr", "essay", "interview", "olympiad", "spt", "attendance",
                                  "destinations", "medals", "aggregates", "staff", "social_passport", "task_spec"])
def test_kind_from_template(world: Any, tmp_path: Path, kind: str) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.kinds import KINDS
    from msoko.intake.pipeline import run_import
    from msoko.intake.templates import template_fields, write_template

    path = write_template(kind, tmp_path / f"{kind}.xlsx")
    opts = {"procedure": "OGE"} if kind in ("gia", "aggregates") else {}
    if kind == "task_spec":
        opts = {"procedure": "VPR"}
    fields = template_fields(KINDS[kind])
    if kind == "gia":  # the template's example row is a valid ОГЭ row once the mark fits the score
        wb = load_workbook(path)
        ws = wb["Данные"]
        titles = [c.value for c in ws[1]]
        ws.cell(2, titles.index("Предмет") + 1, "Русский язык")
        ws.cell(2, titles.index("Первичный балл") + 1, 3)
        ws.cell(2, titles.index("Отметка") + 1, 2)
        wb.save(path)
    if kind == "aggregates":
        wb = load_workbook(path)
        ws = wb["Данные"]
        titles = [c.value for c in ws[1]]
        ws.cell(2, titles.index("Участников") + 1, 20)
        wb.save(path)
    r = run_import(path, kind=kind, year=2024, **opts)
    assert r.ok, [str(p) for p in r.problems.errors]
    assert r.rows == 1 and fields
    batch = ImportBatch.objects.get(pk=r.batch_id)
    assert batch.rows >= 1


def test_registry_kinds_roll_back(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import rollback, run_import
    from msoko.registry.models import Course, SocialPassport, StaffMember

    staff = _csv(tmp_path / "staff.csv", [
        ["Код ОО", "ФИО", "Должность", "Предметы", "Категория", "Стаж", "Курсы: программа", "Курсы: часов",
         "Курсы: дата окончания", "Диагностика: вид дефицитов", "Диагностика: результат, %"],
        ["A1", "Петрова Анна Сергеевна", "учитель", "Математика, Физика", "Высшая", "12",
         "Функциональная грамотность", "36", "15.03.2025", "Предметные", "64,5"],
    ])
    r = run_import(staff, kind="staff", year=2024)
    assert r.ok, [str(p) for p in r.problems.errors]
    s = StaffMember.objects.get(full_name="Петрова Анна Сергеевна")
    assert s.category == "highest" and s.subjects.count() == 2 and Course.objects.filter(staff=s).count() == 1
    assert s.diagnostics.get().score_percent == pytest.approx(64.5)
    sp = _csv(tmp_path / "sp.csv", [["Код ОО", "Обучающихся всего", "Доля из малоимущих семей, %", "Доля обучающихся с ОВЗ, %"],
                                    ["A1", "500", "12,5", "3"]])
    r2 = run_import(sp, kind="social_passport", year=2024)
    assert r2.ok, [str(p) for p in r2.problems.errors]
    assert float(SocialPassport.objects.get(organisation=world.school_a).low_income_share) == 12.5
    rollback(r.batch_id)
    rollback(r2.batch_id)
    assert not StaffMember.objects.exists() and not Course.objects.exists()
    assert not SocialPassport.objects.exists()


def test_ambiguous_name_is_a_question(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import OrganisationNameVariant

    OrganisationNameVariant.objects.create(organisation=world.school_a, name="Школа у реки")
    OrganisationNameVariant.objects.create(organisation=world.school_b, name="Школа у реки")
    f = _csv(tmp_path / "m.csv", [["Наименование ОО", "Код участника", "Класс", "Медаль"], ["школа  у  реки", "1", "11", "I степени"]])
    r = run_import(f, kind="medals", year=2024)
    assert not r.ok
    assert "нескольким организациям" in r.problems.errors[0].reason
    assert "МБОУ СОШ № 1" in r.problems.errors[0].reason and "МБОУ СОШ № 2" in r.problems.errors[0].reason


def test_saved_mapping_is_used_for_the_next_file(world: Any, tmp_path: Path) -> None:
    from msoko.intake.models import ColumnMapping
    from msoko.intake.pipeline import run_import

    head = ["Код ОО", "Код участника", "Класс", "Медаль"]
    r = run_import(_csv(tmp_path / "a.csv", [head, ["A1", "1", "11", "I степени"]]), kind="medals", year=2024,
                   save_mapping="медали школы")
    assert r.ok
    cm = ColumnMapping.objects.get(name="медали школы")
    assert cm.columns["медаль"] == "medal"
    r2 = run_import(_csv(tmp_path / "b.csv", [head, ["B2", "2", "11", "золотая"]]), kind="medals", year=2024)
    assert r2.ok and r2.mapping_name == "медали школы"
    assert datetime.date.today()  # noqa: DTZ011
