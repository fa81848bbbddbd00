"""Real file shapes: several years, subjects and grades in one file (long and wide); the
same file with other parameters; school aggregates with hidden values and absent columns;
a preset missing a column; scores against the scale of their work; the accepted years.

Expected figures are read from the files with the csv module and worked out by hand here,
never by the pipeline under test."""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

MOSCOW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "moscow_ege_2015_16.csv"
if not MOSCOW.exists():
    MOSCOW = Path("/work/shared/data/moscow_ege_2015_16.csv")

SUBJECT_CODES = {"Русский язык": "ru", "Математика": "math"}
YEAR_STARTS = {"2023/2024": 2023, "2024-2025": 2024, "2023-2024": 2023, "2024/2025": 2024}
# ВПР cut points of the shipped scales (reference.VPR_SCALES), copied by hand: (3, 4, 5)
VPR_CUTS = {("ru", 5): (18, 29, 39), ("math", 5): (5, 10, 15), ("ru", 6): (21, 33, 44), ("math", 6): (6, 10, 14)}


def _write(path: Path, rows: list[list[Any]], sep: str = ";") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=sep).writerows(rows)
    return path


def _facts(table: str) -> list[dict[str, Any]]:
    from msoko.facts.store import DANGEROUS_scan_all

    return DANGEROUS_scan_all(table).to_pyarrow().to_pylist()


def _year(start: int, *, scales: bool = True) -> Any:
    from msoko.facts.reference import ensure_reference_data
    from msoko.registry.models import AcademicYear

    y, _ = AcademicYear.objects.get_or_create(
        start_year=start, defaults={"starts_on": datetime.date(start, 9, 1), "ends_on": datetime.date(start + 1, 8, 31)})
    if scales:
        ensure_reference_data([y])
    return y


def _mark(subject: str, grade: int, primary: float) -> int:
    c3, c4, c5 = VPR_CUTS[(subject, grade)]
    return 5 if primary >= c5 else 4 if primary >= c4 else 3 if primary >= c3 else 2


def _errors(r: Any) -> list[str]:
    return [str(p) for p in r.problems.errors]


# ---------------------------------------------------------------------------------------------
# One file — several years, subjects and grades


def test_long_file_with_two_years_subjects_and_grades_is_one_batch(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import FactFile, ImportBatch
    from msoko.intake.pipeline import run_import

    _year(2023)
    rows: list[list[Any]] = [["Код ОО", "Учебный год", "Предмет", "Класс", "Код участника", "Первичный балл"]]
    n = 0
    for year in ("2023/2024", "2024-2025"):
        for subject in ("Русский язык", "Математика"):
            for cls in ("5А", "6Б"):
                for school in ("A1", "B2"):
                    for _ in range(2):
                        n += 1
                        rows.append([school, year, subject, cls, f"S{n:04d}", (n * 7) % 14])
    path = _write(tmp_path / "vpr_long.csv", rows)

    r = run_import(path, kind="vpr")

    assert r.ok, _errors(r)
    assert r.rows == n and r.years == [2023, 2024]
    batch = ImportBatch.objects.get()
    assert batch.year is None and batch.years_label == "2023/2024, 2024/2025"
    assert sorted(set(FactFile.objects.values_list("procedure_code", "year"))) == [("VPR", 2023), ("VPR", 2024)]
    # expected from the file itself, read with the csv module
    org = {"A1": world.school_a.pk, "B2": world.school_b.pk}
    expected: dict[tuple[int, str, int], list[tuple[int, float, int]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter=";"):
            key = (YEAR_STARTS[rec["Учебный год"]], SUBJECT_CODES[rec["Предмет"]], int(rec["Класс"][0]))
            p = float(rec["Первичный балл"])
            expected[key].append((org[rec["Код ОО"]], p, _mark(key[1], key[2], p)))
    got: dict[tuple[int, str, int], list[tuple[int, float, int]]] = defaultdict(list)
    for f in _facts("student_results"):
        got[(f["year"], f["subject"], f["grade"])].append((f["org_id"], f["primary_score"], f["mark"]))
    assert len(expected) == 8
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in expected.items()}


def test_wide_file_with_years_subjects_and_grades_in_headers(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import run_import

    _year(2023)
    groups = [(y, s, g) for y in ("2023/2024", "2024-2025") for s in ("Русский язык", "Математика") for g in (5, 6)]
    head = ["Наименование ОО"]
    spelled: dict[str, tuple[str, str, int, str]] = {}
    for i, (y, s, g) in enumerate(groups):
        # two spellings of a wide header, as real files have them
        for measure, field in (("Участников", "sat"), ("Средний балл", "mean_score")):
            h = f"{measure} ({s}, {g} класс, {y})" if i % 2 else f"{s} {g} кл. {y}: {measure.lower()}"
            head.append(h)
            spelled[h] = (y, s, g, field)
    rows: list[list[Any]] = [head]
    for k, name in enumerate(("МБОУ СОШ № 1", "МБОУ СОШ № 2")):
        line: list[Any] = [name]
        for j, h in enumerate(head[1:]):
            y, s, g, field = spelled[h]
            empty = name.endswith("2") and (y, s, g) == ("2023/2024", "Математика", 6)  # did not take it
            value = "" if empty else (10 + j + k if field == "sat" else f"{30 + j + k},5")
            line.append(value)
        rows.append(line)
    path = _write(tmp_path / "wide.csv", rows)

    r = run_import(path, kind="aggregates", procedure="VPR")

    assert r.ok, _errors(r)
    assert ImportBatch.objects.count() == 1 and r.rows == 2 and r.years == [2023, 2024]
    org = {"МБОУ СОШ № 1": world.school_a.pk, "МБОУ СОШ № 2": world.school_b.pk}
    expected = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter=";"):
            for h, (y, s, g, field) in spelled.items():
                if rec[h]:
                    expected[(org[rec["Наименование ОО"]], YEAR_STARTS[y], SUBJECT_CODES[s], g, field)] = float(
                        rec[h].replace(",", "."))
    got = {(f["org_id"], f["year"], f["subject"], f["grade"], f["measure"]): f["value"] for f in _facts("school_aggregates")}
    assert len(expected) == 2 * 8 * 2 - 2
    assert got == expected


def test_year_not_in_registry_is_named_unless_created(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import AcademicYear

    rows = [["Код ОО", "Год", "Предмет", "Участников", "Средний балл"],
            ["A1", "2024/2025", "ru", "10", "3,5"],
            ["A1", "2021-2022", "ru", "12", "3,9"],
            ["B2", "2021/22", "ru", "8", "4,1"]]
    path = _write(tmp_path / "years.csv", rows)

    r = run_import(path, kind="aggregates", procedure="OGE")
    assert not r.ok
    text = " ".join(_errors(r))
    assert "учебный год 2021/2022 не заведён" in text and "строки 3, 4" in text
    assert not ImportBatch.objects.exists()

    # a check with creation allowed creates nothing
    r = run_import(path, kind="aggregates", procedure="OGE", create_year=True, dry_run=True)
    assert r.status == "dry_run", _errors(r)
    assert not AcademicYear.objects.filter(start_year=2021).exists()

    r = run_import(path, kind="aggregates", procedure="OGE", create_year=True)
    assert r.ok, _errors(r)
    assert AcademicYear.objects.filter(start_year=2021).exists()
    assert sorted({(f["year"], f["org_id"]) for f in _facts("school_aggregates")}) == [
        (2021, world.school_a.pk), (2021, world.school_b.pk), (2024, world.school_a.pk)]


def test_years_outside_the_accepted_range_are_refused(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import YEAR_MIN, year_max

    path = _write(tmp_path / "old.csv", [["Код ОО", "Учебный год", "Предмет", "Участников"],
                                         ["A1", "1999/2000", "ru", "10"]])
    r = run_import(path, kind="aggregates", procedure="OGE", create_year=True)
    assert not r.ok
    assert any("вне допустимого диапазона" in p.reason and p.row == 2 for p in r.problems.errors)
    far = year_max() + 1
    r = run_import(path, kind="aggregates", procedure="OGE", year=far, create_year=True)
    assert not r.ok and f"{YEAR_MIN}–{year_max()}" in " ".join(_errors(r))


# ---------------------------------------------------------------------------------------------
# Повторная загрузка


def test_same_file_with_other_parameters_is_not_a_duplicate(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import run_import

    _year(2023)
    path = _write(tmp_path / "agg.csv", [["Код ОО", "Участников", "Средний балл"], ["A1", "20", "3,8"]])
    r1 = run_import(path, kind="aggregates", procedure="OGE", year=2024, subject="ru")
    assert r1.ok, _errors(r1)
    again = run_import(path, kind="aggregates", procedure="OGE", year=2024, subject="ru")
    assert again.status == "duplicate" and "уже загружен" in again.message
    other_year = run_import(path, kind="aggregates", procedure="OGE", year=2023, subject="ru")
    assert other_year.status == "ok" and other_year.replaced == []
    other_subject = run_import(path, kind="aggregates", procedure="OGE", year=2024, subject="math")
    assert other_subject.status == "ok" and other_subject.replaced == []
    assert ImportBatch.objects.filter(status="active").count() == 3
    got = sorted((f["year"], f["subject"], f["measure"], f["value"]) for f in _facts("school_aggregates"))
    assert got == sorted((y, s, m, v) for y, s in ((2024, "ru"), (2023, "ru"), (2024, "math"))
                         for m, v in (("sat", 20.0), ("mean_score", 3.8)))


def test_replacement_when_a_batch_spans_years(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import run_import

    _year(2023)
    head = ["Код ОО", "Учебный год", "Предмет", "Участников"]
    both = run_import(_write(tmp_path / "both.csv", [head, ["A1", "2023/2024", "ru", "10"], ["A1", "2024/2025", "ru", "11"]]),
                      kind="aggregates", procedure="OGE")
    assert both.ok, _errors(both)
    # a file of one of its years covers only part of it: both stay active, with a warning
    one = run_import(_write(tmp_path / "one.csv", [head, ["A1", "2024/2025", "ru", "12"]]), kind="aggregates", procedure="OGE")
    assert one.ok and one.replaced == []
    assert any(f"пакет {both.batch_id}" in p.reason for p in one.problems.warnings)
    # a corrected file of both years covers both batches: it replaces them
    fixed = run_import(_write(tmp_path / "fixed.csv", [head, ["A1", "2023/2024", "ru", "20"], ["A1", "2024/2025", "ru", "21"]]),
                       kind="aggregates", procedure="OGE")
    assert fixed.ok and sorted(fixed.replaced) == sorted([both.batch_id, one.batch_id])
    assert set(ImportBatch.objects.filter(status="active").values_list("pk", flat=True)) == {fixed.batch_id}
    assert sorted((f["year"], f["value"]) for f in _facts("school_aggregates")) == [(2023, 20.0), (2024, 21.0)]


# ---------------------------------------------------------------------------------------------
# Сводные данные по школам


def test_aggregates_hidden_values_are_missing_with_warnings(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import

    head = ["Код ОО", "Предмет", "Участников", "Средний балл", "Отметка «2»", "Качество знаний, %"]
    rows = [head,
            ["A1", "ru", "12", "-", "—", "н/д"],     # row 2: three markers
            ["B2", "ru", "", "3,6", "*", ""],        # row 3: no participants, «*», an empty cell
            ["A1", "math", "0", "0", "0", "0"],      # row 4: nobody sat: the rates are undefined
            ["B2", "math", "9", "0", "1", "44,4"]]   # row 5: a mean of 0 is kept, with a warning
    r = run_import(_write(tmp_path / "agg.csv", rows), kind="aggregates", procedure="OGE", year=2024)

    assert r.ok, _errors(r)
    got = {(f["org_id"], f["subject"], f["measure"]): f["value"] for f in _facts("school_aggregates")}
    a, b = world.school_a.pk, world.school_b.pk
    assert got == {
        (a, "ru", "sat"): 12.0,
        (b, "ru", "mean_score"): 3.6,
        (a, "math", "sat"): 0.0, (a, "math", "count_mark_2"): 0.0,
        (b, "math", "sat"): 9.0, (b, "math", "mean_score"): 0.0, (b, "math", "count_mark_2"): 1.0,
        (b, "math", "share_quality"): 44.4,
    }
    warned = {(p.row, p.column, p.value) for p in r.problems.warnings}
    for cell in [(2, "Средний балл", "-"), (2, "Отметка «2»", "—"), (2, "Качество знаний, %", "н/д"),
                 (3, "Отметка «2»", "*"), (3, "Качество знаний, %", ""), (3, "Участников", "")]:
        assert cell in warned, (cell, warned)
    assert any(p.row == 4 and p.column == "Средний балл" and "0 участников" in p.reason for p in r.problems.warnings)
    assert any(p.row == 5 and p.column == "Средний балл" and "сохранён как значение" in p.reason
               for p in r.problems.warnings)
    # absent optional columns: stored as missing and listed in the summary
    assert "Средняя отметка" in r.absent and "Отметка «5»" in r.absent and "Участников" not in r.absent
    assert any(p.reason.startswith("нет в файле: ") and "Отметка «3»" in p.reason for p in r.problems.warnings)


def test_aggregates_by_ogrn_or_by_name_and_without_participants(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import

    world.school_b.ogrn = "1027700000001"
    world.school_b.save()
    by_ogrn = run_import(_write(tmp_path / "ogrn.csv", [["ОГРН", "Предмет", "Участников", "Доля «2», %"],
                                                        ["1027700000001", "ru", "20", "5"]]),
                         kind="aggregates", procedure="OGE", year=2024)
    assert by_ogrn.ok, _errors(by_ogrn)
    by_name = run_import(_write(tmp_path / "name.csv", [["Наименование ОО", "Предмет", "Средний балл"],
                                                        ["МБОУ СОШ № 1", "math", "3,2"]]),
                         kind="aggregates", procedure="OGE", year=2024)
    assert by_name.ok, _errors(by_name)
    assert any("нет столбца «Участников»" in p.reason for p in by_name.problems.warnings)
    got = sorted((f["org_id"], f["measure"], f["value"]) for f in _facts("school_aggregates"))
    assert got == sorted([(world.school_b.pk, "sat", 20.0), (world.school_b.pk, "share_mark_2", 5.0),
                          (world.school_a.pk, "mean_score", 3.2)])


def test_moscow_preset_names_the_missing_column(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import AcademicYear

    AcademicYear.objects.create(start_year=2015, starts_on=datetime.date(2015, 9, 1), ends_on=datetime.date(2016, 8, 31))
    with MOSCOW.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    drop = rows[0].index("PASSES_OVER_220")
    cut = [r[:drop] + r[drop + 1:] for r in rows]
    path = _write(tmp_path / "moscow_cut.csv", cut)

    r = run_import(path, kind="aggregates", procedure="EGE", year=2015, mapping="moscow_ege_2015")

    assert not r.ok
    missing = [p for p in r.problems.errors if p.column == "PASSES_OVER_220"]
    assert len(missing) == 1 and "220 и более баллов" in missing[0].reason
    assert not ImportBatch.objects.exists()


# ---------------------------------------------------------------------------------------------
# Scores follow the work's scale


def _vpr_file(tmp_path: Path, name: str, primary: str, subject: str = "math", cls: str = "5А") -> Path:
    return _write(tmp_path / name, [["Код ОО", "Код участника", "Предмет", "Класс", "Первичный балл"],
                                    ["A1", "1", subject, cls, primary]])


def test_negative_primary_scores_follow_the_scale(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import MarkScale
    from msoko.intake.pipeline import run_import

    # the shipped scale (0–20): a negative score is refused, naming the scale's range
    r = run_import(_vpr_file(tmp_path, "neg.csv", "-2"), kind="vpr", year=2024)
    assert not r.ok and "от 0 до 20" in " ".join(_errors(r))
    # a scale with penalty points allows it (and the mark follows the cuts: «2»)
    MarkScale.objects.filter(procedure__code="VPR", subject__code="math", grade=5, year=world.year).update(min_primary=-3)
    r = run_import(_vpr_file(tmp_path, "neg.csv", "-2"), kind="vpr", year=2024)
    assert r.ok, _errors(r)
    assert [(f["primary_score"], f["mark"]) for f in _facts("student_results")] == [(-2.0, 2)]
    r = run_import(_vpr_file(tmp_path, "neg4.csv", "-4"), kind="vpr", year=2024)
    assert not r.ok and any("от −3 до 20" in p.reason and p.row == 2 for p in r.problems.errors)
    # over the maximum of the scale
    r = run_import(_vpr_file(tmp_path, "over.csv", "21"), kind="vpr", year=2024)
    assert not r.ok and "от −3 до 20" in " ".join(_errors(r))
    # a work without a scale keeps the generic bounds
    r = run_import(_vpr_file(tmp_path, "noscale.csv", "-1", subject="hist", cls="9А"), kind="vpr", year=2024)
    assert not r.ok and "от 0 до 1000" in " ".join(_errors(r))


def test_scaled_scores_follow_the_scale(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import MarkScale
    from msoko.intake.pipeline import run_import

    head = ["Код ОО", "Код участника", "Предмет", "Класс", "Тестовый балл"]
    f = _write(tmp_path / "ege.csv", [head, ["A1", "1", "ru", "11А", "350"]])
    r = run_import(f, kind="gia", procedure="EGE", year=2024)
    assert not r.ok and "от 0 до 100" in " ".join(_errors(r))
    MarkScale.objects.filter(procedure__code="EGE", subject__code="ru", year=world.year).update(scaled_min=100, scaled_max=700)
    r = run_import(f, kind="gia", procedure="EGE", year=2024)
    assert r.ok, _errors(r)
    assert [x["test_score"] for x in _facts("student_results")] == [350.0]
    low = _write(tmp_path / "ege_low.csv", [head, ["A1", "2", "ru", "11А", "90"]])
    r = run_import(low, kind="gia", procedure="EGE", year=2024)
    assert not r.ok and "от 100 до 700" in " ".join(_errors(r))


def test_negative_task_scores_follow_the_task_spec(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import Assessment, MarkScale, Procedure, TaskSpec
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Subject

    a = Assessment.objects.create(procedure=Procedure.objects.get(code="VPR"),
                                  subject=Subject.objects.get(code="math"), grade=5, year=world.year)
    TaskSpec.objects.create(assessment=a, number="1", position=1, max_score=2, min_score=-1, level="basic")
    TaskSpec.objects.create(assessment=a, number="2", position=2, max_score=3, level="basic")
    MarkScale.objects.filter(procedure__code="VPR", subject__code="math", grade=5, year=world.year).update(min_primary=-1)
    head = ["Код ОО", "Код участника", "Предмет", "Класс", "1", "2"]
    ok = run_import(_write(tmp_path / "t.csv", [head, ["A1", "1", "math", "5А", "-1", "0"]]), kind="vpr", year=2024)
    assert ok.ok, _errors(ok)
    assert sorted((x["task"], x["score"]) for x in _facts("task_scores")) == [("1", -1.0), ("2", 0.0)]
    bad = run_import(_write(tmp_path / "t2.csv", [head, ["A1", "2", "math", "5А", "1", "-1"]]), kind="vpr", year=2024)
    assert not bad.ok
    assert any(p.column == "Задание 2" and "ниже минимального" in p.reason and "от 0 до 3" in p.reason
               for p in bad.problems.errors)


@pytest.mark.parametrize("text,start", [("2024/2025", 2024), ("2024-2025", 2024), ("2024/25", 2024),
                                        ("2024–2025 уч. г.", 2024), ("2024", 2024), ("2024.0", 2024),
                                        ("2024/2026", None), ("двадцать", None)])
def test_year_cells(text: str, start: int | None) -> None:
    from msoko.intake.years import parse_year

    assert parse_year(text) == start


def test_moscow_preset_takes_the_year_from_the_file(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import AcademicYear, Organisation

    AcademicYear.objects.create(start_year=2015, starts_on=datetime.date(2015, 9, 1), ends_on=datetime.date(2016, 8, 31))
    with MOSCOW.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    head, first, second = rows[0], rows[1], rows[2]
    for r in (first, second):
        Organisation.objects.create(territory=world.municipality, short_name=r[head.index("EDU_NAME")][:250],
                                    full_name=r[head.index("EDU_NAME")], code=r[head.index("ID")],
                                    ogrn=r[head.index("OGRN")])
    path = tmp_path / "moscow_two.csv"
    path.write_text("\n".join(";".join(f'"{c}"' for c in r) + ";" for r in (head, first, second)) + "\n", encoding="utf-8")

    r = run_import(path, kind="aggregates", procedure="EGE", mapping="moscow_ege_2015")

    assert r.ok, _errors(r)
    assert r.years == [2015]
    got = {(f["year"], f["measure"]) for f in _facts("school_aggregates")}
    assert got == {(2015, m) for m in ("sat", "count_220_plus", "count_160_plus")}


def test_wide_student_file_one_column_per_subject(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import

    head = ["Код ОО", "Код участника", "Класс", "Русский язык, первичный балл", "Математика, первичный балл"]
    rows = [head, ["A1", "1", "9А", "30", "20"], ["A1", "2", "9А", "", "8"], ["B2", "3", "9Б", "15", ""]]
    path = _write(tmp_path / "oge_wide.csv", rows)
    r = run_import(path, kind="gia", procedure="OGE", year=2024)
    assert r.ok, _errors(r)
    assert r.rows == 3
    expected = set()
    org = {"A1": world.school_a.pk, "B2": world.school_b.pk}
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter=";"):
            for h, code in ((head[3], "ru"), (head[4], "math")):
                if rec[h]:
                    expected.add((org[rec["Код ОО"]], code, 9, float(rec[h])))
    got = {(f["org_id"], f["subject"], f["grade"], f["primary_score"]) for f in _facts("student_results")}
    assert got == expected and len(got) == 4


def test_batches_from_before_coverage_are_replaced_only_when_covered(world: Any, tmp_path: Path) -> None:
    import pyarrow as pa

    from msoko.facts.models import ImportBatch, Procedure
    from msoko.facts.store import open_batch
    from msoko.intake.pipeline import run_import

    # an ОГЭ Russian batch written before parameters and coverage were recorded
    with open_batch(kind="aggregates", procedure=Procedure.objects.get(code="OGE"), year=world.year,
                    file_name="old.csv", file_sha256="0" * 64, source="file") as w:
        w.write("school_aggregates", pa.table({
            "org_id": pa.array([world.school_a.pk], pa.int64()), "year": pa.array([2024], pa.int16()),
            "procedure": ["OGE"], "subject": ["ru"], "grade": pa.array([9], pa.int8()),
            "measure": ["sat"], "value": [15.0]}))
        w.batch.scope = [world.school_a.pk]
        w.batch.save()
    old = ImportBatch.objects.get()
    assert old.coverage == {} and old.parameters == {}
    head = ["Код ОО", "Предмет", "Параллель", "Участников"]
    maths = run_import(_write(tmp_path / "m.csv", [head, ["A1", "math", "9", "16"]]), kind="aggregates",
                       procedure="OGE", year=2024)
    assert maths.ok and maths.replaced == []  # another subject: the Russian batch stays
    old.refresh_from_db()
    assert old.status == "active" and old.coverage == {"OGE|2024|ru|9": [world.school_a.pk]}
    russian = run_import(_write(tmp_path / "r.csv", [head, ["A1", "ru", "9", "17"]]), kind="aggregates",
                         procedure="OGE", year=2024)
    assert russian.ok and russian.replaced == [old.pk], (russian.problems.warnings, list(ImportBatch.objects.values("pk", "status", "coverage", "kind")))
    assert sorted((f["subject"], f["value"]) for f in _facts("school_aggregates")) == [("math", 16.0), ("ru", 17.0)]


@pytest.mark.django_db(transaction=True)
def test_the_check_page_lists_years_and_absent_columns(world: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from msoko.jobs.queue import HUEY
    from tests.conftest import client_for

    _year(2023, scales=False)
    HUEY.flush()
    content = ("Код ОО;Учебный год;Предмет;Участников;Средний балл\r\n"
               "A1;2023/2024;ru;10;3,5\r\nA1;2024/2025;ru;12;-\r\n").encode("cp1251")
    bob = client_for(world.bob)
    response = bob.post(reverse("intake:upload"), {
        "kind": "aggregates", "year": 2024, "procedure": "OGE",
        "file": SimpleUploadedFile("agg.csv", content)})
    assert response.status_code == 302
    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
    page = bob.get(response.url).content.decode()
    HUEY.flush()
    assert "Проверка пройдена" in page
    assert "2023/2024, 2024/2025" in page
    assert "Нет в файле (сохранено как пропуски)" in page and "Средняя отметка" in page
    assert "значение скрыто источником" in page


def test_several_procedures_in_one_file(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import FactFile, ImportBatch
    from msoko.intake.pipeline import run_import

    head = ["Код ОО", "Форма ГИА", "Код участника", "Предмет", "Класс", "Первичный балл", "Отметка"]
    rows = [head, ["A1", "ОГЭ", "1", "ru", "9А", "30", "5"], ["A1", "ГВЭ-9", "2", "ru", "9А", "10", "3"],
            ["B2", "огэ", "3", "math", "9Б", "9", "3"]]
    r = run_import(_write(tmp_path / "gia9.csv", rows), kind="gia")
    assert r.ok, _errors(r)
    batch = ImportBatch.objects.get()
    assert batch.procedure is None
    assert sorted(set(FactFile.objects.values_list("procedure_code", flat=True))) == ["GVE9", "OGE"]
    got = sorted((f["procedure"], f["subject"], f["primary_score"], f["mark"]) for f in _facts("student_results"))
    assert got == [("GVE9", "ru", 10.0, 3), ("OGE", "math", 9.0, 3), ("OGE", "ru", 30.0, 5)]
    # ОГЭ rows are checked against the ОГЭ scale of their subject (ru: «5» from 29)
    wrong = rows[:1] + [["A1", "ОГЭ", "4", "ru", "9А", "20", "5"]]
    r = run_import(_write(tmp_path / "gia9_bad.csv", wrong), kind="gia")
    assert not r.ok and any("не соответствует первичному баллу 20" in p.reason for p in r.problems.errors)
    # a row without a procedure, none chosen: an error naming the row
    r = run_import(_write(tmp_path / "gia9_none.csv", rows[:1] + [["A1", "", "5", "ru", "9А", "30", "5"]]), kind="gia")
    assert not r.ok and any(p.row == 2 and "не указана процедура" in p.reason for p in r.problems.errors)


def test_aggregates_read_the_usual_headers_of_school_reports(world: Any, tmp_path: Path) -> None:
    """«Кол-во участников» is the participants and «Класс» the grade in a school report."""
    from msoko.intake.pipeline import run_import

    r = run_import(_write(tmp_path / "vpr_report.csv", [
        ["Код ОО", "Предмет", "Класс", "Кол-во участников", "Средний балл"],
        ["A1", "Математика", "5", "54", "12,3"],
        ["A1", "Математика", "6", "48", "-"],
    ]), kind="aggregates", procedure="VPR", year=2024)
    assert r.ok, _errors(r)
    assert "Участников" not in r.absent
    got = sorted((f["grade"], f["measure"], f["value"]) for f in _facts("school_aggregates"))
    # the hidden mean of grade 6 is no fact at all (missing, never 0)
    assert got == [(5, "mean_score", 12.3), (5, "sat", 54.0), (6, "sat", 48.0)]
