"""The registry from files: territories and organisations, upserted by code, compared before
writing (new / changed / unchanged), scoped, rolled back; the Moscow ЕГЭ file as a list of
schools through the shipped preset ``moscow_orgs_2015``."""

from __future__ import annotations

import collections
import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "moscow_ege_2015_16.csv"
if not DATA.exists():
    DATA = Path("/work/shared/data/moscow_ege_2015_16.csv")

OKRUGS = [
    "Центральный административный округ", "Северный административный округ",
    "Северо-Восточный административный округ", "Восточный административный округ",
    "Юго-Восточный административный округ", "Южный административный округ",
    "Юго-Западный административный округ", "Западный административный округ",
    "Северо-Западный административный округ", "Зеленоградский административный округ",
]


def _csv(path: Path, rows: list[list[Any]], *, encoding: str = "utf-8", sep: str = ";") -> Path:
    text = "\r\n".join(sep.join("" if v is None else str(v) for v in r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def _moscow_rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _territories_file(tmp_path: Path) -> Path:
    rows: list[list[Any]] = [["Регион", "Код региона", "Муниципалитет", "Код"]]
    rows += [["Москва", "77", name, f"77-{i:02d}"] for i, name in enumerate(OKRUGS, 1)]
    return _csv(tmp_path / "территории.csv", rows)


def _errors(r: Any) -> list[str]:
    return [str(p) for p in r.problems.errors]


# ------------------------------------------------------------------------------------------
# The Moscow path: territories, then the ЕГЭ file as a list of schools


@pytest.mark.django_db
def test_moscow_schools_from_the_ege_file(tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import rollback, run_import
    from msoko.registry.models import Organisation, Territory

    # territories: the region and its ten okrugs, from an empty registry
    out = io.StringIO()
    call_command("import", "territories", str(_territories_file(tmp_path)), stdout=out)
    assert "новых — 11, изменённых — 0, без изменений — 0" in out.getvalue()
    moscow = Territory.objects.get(code="77")
    assert moscow.kind == "region" and moscow.name == "Москва"
    assert sorted(moscow.children.values_list("name", flat=True)) == sorted(OKRUGS)

    # the schools, by the shipped preset
    rows = _moscow_rows()
    out = io.StringIO()
    call_command("import", "organisations", str(DATA), "--mapping", "moscow_orgs_2015", stdout=out)
    text = out.getvalue()
    assert "«ID» → Код" in text and "«AdmArea» → Муниципалитет" in text
    assert f"новых — {len(rows)}, изменённых — 0, без изменений — 0" in text
    assert Organisation.objects.count() == len(rows) == 626
    placed = dict(Organisation.objects.values_list("code", "territory__name"))
    assert placed == {r["ID"]: r["AdmArea"] for r in rows}
    by_okrug = collections.Counter(Organisation.objects.values_list("territory__name", flat=True))
    assert by_okrug == collections.Counter(r["AdmArea"] for r in rows)
    ogrn = dict(Organisation.objects.values_list("code", "ogrn"))
    assert ogrn == {r["ID"]: r["OGRN"] for r in rows}
    o = Organisation.objects.get(code="5135")
    assert o.full_name == "Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 426»"
    assert o.short_name == "ГБОУ «Школа № 426»"
    assert o.kind == "school" and o.locality == "urban"
    assert all(len(s) <= 255 for s in Organisation.objects.values_list("short_name", flat=True))
    first = ImportBatch.objects.get(kind="organisations")

    # the same file again: nothing new, nothing changed, never a duplicate
    again = run_import(DATA, kind="organisations", mapping="moscow_orgs_2015")
    assert again.status == "ok", _errors(again)
    s = again.registry
    assert s is not None and (s.new, s.changed, s.unchanged) == (0, 0, 626)
    assert Organisation.objects.count() == 626

    # one school renamed: one changed, the rest unchanged; a dry run writes nothing
    text = DATA.read_text(encoding="utf-8").replace("«Школа № 426»", "«Школа № 426 имени Героя»")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(text, encoding="utf-8")
    check = run_import(renamed, kind="organisations", mapping="moscow_orgs_2015", dry_run=True)
    assert check.status == "dry_run" and check.registry is not None
    assert (check.registry.new, check.registry.changed, check.registry.unchanged) == (0, 1, 625)
    assert check.registry.fields == {"Полное наименование": 1, "Краткое наименование": 1}
    assert "«ГБОУ «Школа № 426»» → «ГБОУ «Школа № 426 имени Героя»»" in check.registry.examples[0]
    assert Organisation.objects.get(code="5135").short_name == "ГБОУ «Школа № 426»"
    load = run_import(renamed, kind="organisations", mapping="moscow_orgs_2015")
    assert load.status == "ok" and load.registry is not None and load.registry.changed == 1
    assert Organisation.objects.get(code="5135").short_name == "ГБОУ «Школа № 426 имени Героя»"

    # rollback restores the name; then the first batch's schools are deleted on its rollback
    rollback(load.batch_id)
    assert Organisation.objects.get(code="5135").short_name == "ГБОУ «Школа № 426»"
    assert Organisation.objects.count() == 626
    rollback(first.pk)
    assert not Organisation.objects.exists()
    assert Territory.objects.count() == 11


@pytest.mark.django_db
def test_results_make_the_schools_batch_irreversible(tmp_path: Path) -> None:
    """The lead's path: territories, schools, then the results file; the schools cannot be
    undone while results use them, and the refusal says so."""
    import datetime

    from msoko.facts.reference import ensure_reference_data
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import AcademicYear, Organisation

    assert run_import(_territories_file(tmp_path), kind="territories").ok
    orgs = run_import(DATA, kind="organisations")  # the preset is found by the file's headers
    assert orgs.status == "ok" and orgs.mapping_name == "moscow_orgs_2015", _errors(orgs)
    year = AcademicYear.objects.create(start_year=2015, starts_on=datetime.date(2015, 9, 1),
                                       ends_on=datetime.date(2016, 8, 31))
    ensure_reference_data([year])
    results = run_import(DATA, kind="aggregates", procedure="EGE", year=2015, mapping="moscow_ege_2015")
    assert results.status == "ok", _errors(results)
    with pytest.raises(CommandError) as exc:
        call_command("import", "rollback", str(orgs.batch_id), stdout=io.StringIO())
    assert f"Пакет № {orgs.batch_id} нельзя отменить" in str(exc.value)
    assert f"№ {results.batch_id}" in str(exc.value)
    assert Organisation.objects.count() == 626


# ------------------------------------------------------------------------------------------
# Organisations: headers, upsert, validation, scope


ORG_HEAD = ["Муниципалитет", "Код", "ОГРН", "ИНН", "Полное наименование", "Краткое наименование",
            "Вид", "Тип местности", "Малокомплектная", "Профиль", "Варианты наименования"]


def test_organisations_headers_values_and_upsert(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Organisation, OrganisationNameVariant

    f = _csv(tmp_path / "оо.csv", [
        ["Реестр образовательных организаций на 01.09.2025"],
        ORG_HEAD,
        ["Энский район", "A1", "1020000000001", "7000000001", "Школа А", "МБОУ СОШ № 1",
         "общеобразовательная организация", "городская", "нет", "", ""],
        ["Энский", "D5", "", "", "Муниципальное бюджетное дошкольное образовательное учреждение "
         "«Детский сад № 5 «Ромашка»»", "", "детский сад", "сельская", "", "", "Д/с 5; Ромашка"],
        ["M1", "U7", "", "", "Центр детского творчества", "ЦДТ", "УДО", "", "", "", ""],
        ["Соседний район", "S3", "1020000000003", "", "Средняя школа села Липки", "", "", "сельская",
         "да", "углублённое изучение математики", ""],
        ["", "", "", "", "", "", "", "", "", "", ""],
        ["Итого", "", "", "", "", "", "", "", "", "", ""],
    ], encoding="cp1251", sep=",")
    r = run_import(f, kind="organisations")
    assert r.ok, _errors(r)
    assert r.skipped_rows == 2
    assert r.registry is not None and (r.registry.new, r.registry.changed, r.registry.unchanged) == (3, 1, 0)
    # school A existed: ОГРН added (the ИНН and names were the same)
    assert r.registry.fields == {"ОГРН": 1}
    world.school_a.refresh_from_db()
    assert world.school_a.ogrn == "1020000000001" and world.school_a.full_name == "Школа А"
    d5 = Organisation.objects.get(code="D5")
    assert d5.kind == "preschool" and d5.locality == "rural" and d5.territory == world.municipality
    assert d5.short_name == "МБДОУ «Детский сад № 5 «Ромашка»»"
    assert sorted(OrganisationNameVariant.objects.filter(organisation=d5).values_list("name", flat=True)) == ["Д/с 5", "Ромашка"]
    u7 = Organisation.objects.get(code="U7")
    assert u7.kind == "additional" and u7.short_name == "ЦДТ" and u7.territory == world.municipality
    s3 = Organisation.objects.get(code="S3")
    assert s3.territory == world.other_municipality and s3.is_small and s3.locality == "rural"
    assert s3.advanced_profile == "углублённое изучение математики"
    assert s3.full_name == s3.short_name == "Средняя школа села Липки"
    assert Organisation.objects.count() == 3 + 3

    # the same schools again with one change and one more variant: no duplicates
    f2 = _csv(tmp_path / "оо2.csv", [
        ["Код", "Тип местности", "Варианты наименования", "Малокомплектная"],
        ["A1", "", "", ""], ["D5", "городская", "Ромашка", ""], ["U7", "", "ЦДТ № 1", ""], ["S3", "", "", "да"],
    ])
    r2 = run_import(f2, kind="organisations")
    assert r2.ok, _errors(r2)
    assert r2.registry is not None and (r2.registry.new, r2.registry.changed, r2.registry.unchanged) == (0, 2, 2)
    assert r2.registry.fields == {"Тип местности": 1, "Варианты наименования": 1}
    assert Organisation.objects.count() == 6
    assert Organisation.objects.get(code="D5").locality == "urban"
    assert OrganisationNameVariant.objects.filter(organisation=u7).count() == 1


def test_bad_rows_are_refused_with_where_and_nothing_written(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Organisation

    f = _csv(tmp_path / "bad.csv", [
        ["Код", "Муниципалитет", "ОГРН", "ИНН", "Наименование", "Вид"],
        ["N1", "Энский район", "12345", "", "Школа 1", ""],
        ["N2", "Энский район", "", "770000000012", "Школа 2", ""],
        ["N3", "Энский район", "", "", "Школа 3", "вуз"],
        ["N4", "Нигдейский район", "", "", "Школа 4", ""],
        ["N5", "", "", "", "Школа 5", ""],
        ["N6", "Энский район", "", "", "", ""],
        ["N1", "Энский район", "", "", "Школа 1 ещё раз", ""],
        ["N8", "Энский район", "", "", "Школа 8", ""],
    ])
    r = run_import(f, kind="organisations")
    assert not r.ok
    got = {(p.row, p.column, p.value): p.reason for p in r.problems.errors}
    assert "13 цифр" in got[(2, "ОГРН", "12345")]
    assert "10 цифр" in got[(3, "ИНН", "770000000012")] and "физического лица" in got[(3, "ИНН", "770000000012")]
    assert "неизвестное значение" in got[(4, "Вид", "вуз")]
    assert "не найден" in got[(5, "Муниципалитет", "Нигдейский район")]
    assert "не указан муниципалитет" in got[(6, "Муниципалитет", "")]
    assert "не указано наименование" in got[(7, "Полное наименование", "")]
    assert "повторяется в файле (уже в строке 2)" in got[(8, "Код", "N1")]
    assert len(got) == 7
    assert str(r.problems.errors[0]).startswith("bad.csv, строка")
    assert r.registry is None
    assert not Organisation.objects.filter(code__startswith="N").exists()
    assert not ImportBatch.objects.exists()


def test_inn_lost_zero_and_check_digits_are_warnings(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Organisation

    f = _csv(tmp_path / "inn.csv", [
        ["Код", "Муниципалитет", "Наименование", "ИНН", "ОГРН"],
        ["Q1", "Энский район", "Школа с ИНН без нуля", "274062111", "1027700566761"],  # real checksums
        ["Q2", "Энский район", "Школа с опечаткой", "7707083894", "1027700566762"],
    ])
    r = run_import(f, kind="organisations")
    assert r.ok, _errors(r)
    warn = {(p.row, p.column): p.reason for p in r.problems.warnings}
    assert "дополнен нулём слева" in warn[(2, "ИНН")]
    assert "контрольная цифра ИНН" in warn[(3, "ИНН")] and "контрольная цифра ОГРН" in warn[(3, "ОГРН")]
    assert (2, "ОГРН") not in warn
    assert Organisation.objects.get(code="Q1").inn == "0274062111"


def test_key_falls_back_to_ogrn_then_inn(world: Any, tmp_path: Path) -> None:
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Organisation

    Organisation.objects.filter(pk=world.school_b.pk).update(ogrn="1020000000002")
    f = _csv(tmp_path / "ogrn.csv", [
        ["ОГРН", "Муниципалитет", "Наименование"],
        ["1020000000002", "", "Школа Б"],
        ["1020000000009", "Соседний район", "Новая школа"],
    ])
    r = run_import(f, kind="organisations", dry_run=True)
    assert r.ok and r.registry is not None
    assert (r.registry.new, r.registry.changed, r.registry.unchanged) == (1, 0, 1)
    assert "по ОГРН" in r.registry.key and any("нет столбца «Код»" in n for n in r.registry.notes)
    assert run_import(f, kind="organisations").ok
    assert Organisation.objects.get(ogrn="1020000000009").code == "1020000000009"

    f2 = _csv(tmp_path / "inn.csv", [["ИНН", "Краткое наименование"], ["7000000001", "СОШ № 1 (новое имя)"]])
    r2 = run_import(f2, kind="organisations")
    assert r2.ok and r2.registry is not None and "по ИНН" in r2.registry.key
    assert r2.registry.changed == 1 and r2.registry.fields == {"Краткое наименование": 1}
    world.school_a.refresh_from_db()
    assert world.school_a.short_name == "СОШ № 1 (новое имя)" and world.school_a.full_name == "Школа А"

    f3 = _csv(tmp_path / "nokey.csv", [["Наименование", "Муниципалитет"], ["Школа", "Энский район"]])
    r3 = run_import(f3, kind="organisations")
    assert not r3.ok and "нет столбца «Код»" in r3.problems.errors[0].reason


def test_municipal_specialist_loads_only_her_municipality(world: Any, tmp_path: Path) -> None:
    from msoko.access.models import Role, User
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Organisation

    f = _csv(tmp_path / "mine.csv", [
        ["Код", "Муниципалитет", "Наименование"],
        ["B9", "", "Школа без муниципалитета"],  # bob's municipality by default
        ["F10", "Соседний район", "Чужая школа"],
        ["F9", "", "Школа соседей, переименованная"],  # an existing school of the other municipality
    ])
    r = run_import(f, kind="organisations", user=world.bob)
    assert not r.ok
    got = {(p.row, p.column, p.value): p.reason for p in r.problems.errors}
    assert "вне вашей территории" in got[(3, "Муниципалитет", "Соседний район")]
    assert "менять её может специалист её муниципалитета" in got[(4, "Код", "F9")]
    assert len(got) == 2
    assert not Organisation.objects.filter(code__in=["B9", "F10"]).exists()

    ok = run_import(_csv(tmp_path / "ok.csv", [["Код", "Наименование"], ["B9", "Школа Б-9"]]),
                    kind="organisations", user=world.bob)
    assert ok.ok, _errors(ok)
    assert Organisation.objects.get(code="B9").territory == world.municipality

    # school administrators and territories: refused with what is allowed
    denied = run_import(_csv(tmp_path / "a.csv", [["Код", "Наименование"], ["A1", "Школа А"]]),
                        kind="organisations", user=world.alice)
    assert not denied.ok and "специалист муниципального органа" in denied.problems.errors[0].reason
    t = run_import(_territories_file(tmp_path), kind="territories", user=world.bob)
    assert not t.ok and "аналитик регионального центра" in t.problems.errors[0].reason
    analyst = User.objects.create_user("rita", role=Role.REGIONAL_ANALYST, territory=world.region)
    t2 = run_import(_territories_file(tmp_path), kind="territories", user=analyst)
    assert not t2.ok
    assert "регион вне вашей территории" in t2.problems.errors[0].reason and t2.problems.errors[0].row == 2


def test_regional_analyst_adds_municipalities_of_her_region(world: Any, tmp_path: Path) -> None:
    from msoko.access.models import Role, User
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Territory

    analyst = User.objects.create_user("rita", role=Role.REGIONAL_ANALYST, territory=world.region)
    f = _csv(tmp_path / "t.csv", [
        ["Муниципальное образование", "Код"],
        ["Энский муниципальный район", "M1"],  # renamed
        ["Соседний район", "M2"],
        ["Новый городской округ", "M3"],
    ])
    r = run_import(f, kind="territories", user=analyst)
    assert r.ok, _errors(r)
    assert r.registry is not None and (r.registry.new, r.registry.changed, r.registry.unchanged) == (1, 1, 1)
    assert r.registry.fields == {"Наименование": 1}
    assert Territory.objects.get(code="M3").parent == world.region
    assert Territory.objects.get(code="M1").name == "Энский муниципальный район"

    # a municipality named without its generic words is found for an organisation
    o = run_import(_csv(tmp_path / "o.csv", [["Код", "Муниципалитет", "Наименование"], ["N1", "Энский", "Школа"]]),
                   kind="organisations", user=analyst)
    assert o.ok, _errors(o)

    dup = _csv(tmp_path / "dup.csv", [["Муниципалитет", "Код"], ["Раз", "M9"], ["Два", "m9"]])
    rd = run_import(dup, kind="territories", user=analyst)
    assert not rd.ok and "повторяется в файле (уже в строке 2)" in rd.problems.errors[0].reason


@pytest.mark.django_db
def test_territories_as_a_list_with_levels(tmp_path: Path) -> None:
    """A tree written as a list: the region is a row, its municipalities follow it."""
    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Territory

    f = _csv(tmp_path / "list.csv", [
        ["Код", "Наименование", "Уровень", "Входит в"],
        ["77", "Москва", "регион", ""],
        ["77-01", "Центральный административный округ", "муниципалитет", "77"],
        ["77-02", "Северный административный округ", "", ""],
        ["50", "Московская область", "субъект", ""],
        ["50-01", "Городской округ Химки", "городской округ", ""],
    ])
    r = run_import(f, kind="territories")
    assert r.ok, _errors(r)
    assert r.registry is not None and (r.registry.new, r.registry.changed, r.registry.unchanged) == (5, 0, 0)
    assert set(Territory.objects.get(code="77").children.values_list("code", flat=True)) == {"77-01", "77-02"}
    assert Territory.objects.get(code="50-01").parent.code == "50"
    assert Territory.objects.get(code="50").kind == "region"


def test_territory_rollback_refused_while_used_then_allowed(world: Any, tmp_path: Path) -> None:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import rollback, run_import
    from msoko.intake.registry_files import RollbackRefused
    from msoko.registry.models import Organisation, Territory

    t = run_import(_territories_file(tmp_path), kind="territories")
    assert t.ok, _errors(t)
    assert ImportBatch.objects.get(pk=t.batch_id).territory == Territory.objects.get(code="77")
    o = run_import(_csv(tmp_path / "o.csv", [["Код", "Муниципалитет", "Наименование"],
                                             ["Z1", "Северный административный округ", "Школа"]]),
                   kind="organisations")
    assert o.ok, _errors(o)
    with pytest.raises(RollbackRefused) as exc:
        rollback(t.batch_id)
    assert "образовательные организации" in str(exc.value)
    assert Territory.objects.filter(code__startswith="77").count() == 11
    assert ImportBatch.objects.get(pk=t.batch_id).status == "active"
    rollback(o.batch_id)
    assert not Organisation.objects.filter(code="Z1").exists()
    rollback(t.batch_id)
    assert not Territory.objects.filter(code__startswith="77").exists()
    assert ImportBatch.objects.get(pk=t.batch_id).status == "rolled_back"


def test_templates_of_the_registry_kinds_load(world: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Organisation, Territory

    for kind in ("territories", "organisations"):
        out = tmp_path / f"{kind}.xlsx"
        call_command("import", "template", kind, str(out), stdout=io.StringIO())
        headers = [c.value for c in load_workbook(out)["Данные"][1]]
        if kind == "organisations":
            assert {"Муниципалитет", "Код", "ОГРН", "ИНН", "Полное наименование", "Краткое наименование",
                    "Вид", "Тип местности", "Малокомплектная"} <= set(headers)
        r = run_import(out, kind=kind)
        assert r.ok, _errors(r)
    # the template's examples: the fixture's region and municipality, and school A updated
    assert Territory.objects.count() == 3
    world.school_a.refresh_from_db()
    assert world.school_a.ogrn == "1020000000001" and world.school_a.website == "https://school1.example.ru"
    assert Organisation.objects.count() == 3


def test_short_names() -> None:
    from msoko.intake.registry_files import core_name, short_name

    assert short_name("Государственное автономное образовательное учреждение высшего образования города "
                      "Москвы «Московский институт открытого образования» (средняя общеобразовательная "
                      "школа № 179)") == "ГАОУ ВО «Московский институт открытого образования» (СОШ № 179)"
    assert short_name("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная "
                      "школа № 1»") == "МБОУ «СОШ № 1»"
    assert short_name("Муниципальное бюджетное учреждение дополнительного образования «Дом творчества»") \
        == "МБУ ДО «Дом творчества»"
    assert short_name("Муниципальное казённое общеобразовательное учреждение основная "
                      "общеобразовательная школа с. Липки") == "МКОУ ООШ с. Липки"
    assert short_name("Государственное бюджетное образовательное учреждение города Москвы средняя "
                      "общеобразовательная школа № 1482") == "ГБОУ СОШ № 1482"
    assert short_name("Государственное бюджетное профессиональное образовательное учреждение города Москвы "
                      "«Колледж малого бизнеса № 4»") == "ГБПОУ «Колледж малого бизнеса № 4»"
    assert short_name("Школа № 5") == "Школа № 5"
    long = short_name("Частное учреждение «" + "очень длинное название " * 20 + "»")
    assert len(long) <= 255 and long.endswith("…")
    assert core_name("Северный административный округ") == core_name("Северный АО") == "северный"


# ------------------------------------------------------------------------------------------
# The web upload: the check page shows new / changed / unchanged before loading


@pytest.mark.django_db(transaction=True)
def test_web_check_shows_the_comparison_then_loads(world: Any, tmp_path: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from msoko.access.models import Role, User
    from msoko.facts.models import ImportBatch
    from msoko.jobs.models import Job
    from msoko.jobs.queue import HUEY
    from msoko.registry.models import Organisation, Territory
    from tests.conftest import client_for
    from tests.test_intake_web import drain

    HUEY.flush()
    content = ("Код;Наименование;Тип местности\r\nA1;Школа А;сельская\r\nB7;Школа № 7;городская\r\n"
               "B2;Школа Б;\r\n").encode("cp1251")
    bob = client_for(world.bob)
    upload = bob.get(reverse("intake:upload")).content.decode()
    assert 'value="organisations"' in upload and 'value="territories"' in upload
    response = bob.post(reverse("intake:upload"), {
        "kind": "organisations", "year": 2024, "file": SimpleUploadedFile("школы.csv", content)})
    assert response.status_code == 302
    drain(HUEY)
    job = Job.objects.get()
    assert job.result["status"] == "dry_run"
    assert job.result["registry"]["new"] == 1 and job.result["registry"]["changed"] == 1
    assert job.result["registry"]["unchanged"] == 1
    page = bob.get(response.url).content.decode()
    assert 'data-count="new">1<' in page and 'data-count="changed">1<' in page and 'data-count="unchanged">1<' in page
    assert "Тип местности" in page and "Ничего ещё не записано" in page
    assert not Organisation.objects.filter(code="B7").exists()
    bob.post(reverse("intake:commit", args=[job.pk]))
    drain(HUEY)
    assert Organisation.objects.get(code="B7").territory == world.municipality
    world.school_a.refresh_from_db()
    assert world.school_a.locality == "rural"
    HUEY.flush()

    # an analyst of a region without any school yet may upload its registry, and undo it
    north = Territory.objects.create(kind="region", name="Северная область", code="N")
    rita = User.objects.create_user("rita", role=Role.REGIONAL_ANALYST, territory=north)
    rita_client = client_for(rita)
    terr = "Муниципалитет;Код\r\nПолярный район;N-1\r\n".encode()
    response = rita_client.post(reverse("intake:upload"), {
        "kind": "territories", "year": 2024, "file": SimpleUploadedFile("мо.csv", terr)})
    assert response.status_code == 302
    drain(HUEY)
    rita_client.post(reverse("intake:commit", args=[Job.objects.filter(created_by=rita).get().pk]))
    drain(HUEY)
    batch = ImportBatch.objects.get(kind="territories")
    assert batch.territory == north and Territory.objects.get(code="N-1").parent == north
    journal = rita_client.get(reverse("intake:batches")).content.decode()
    assert f'data-batch="{batch.pk}"' in journal
    assert f'data-batch="{batch.pk}"' not in bob.get(reverse("intake:batches")).content.decode()
    # while a school uses the municipality, the rollback is refused with the reason
    Organisation.objects.create(territory=Territory.objects.get(code="N-1"), short_name="Ш", full_name="Ш", code="N1S")
    answer = rita_client.post(reverse("intake:rollback", args=[batch.pk]), follow=True).content.decode()
    assert "нельзя отменить" in answer
    batch.refresh_from_db()
    assert batch.status == "active"
    Organisation.objects.filter(code="N1S").delete()
    rita_client.post(reverse("intake:rollback", args=[batch.pk]))
    assert not Territory.objects.filter(code="N-1").exists()
    HUEY.flush()


def test_a_registry_report_in_xlsx_with_a_title_and_its_own_headers(world: Any, tmp_path: Path) -> None:
    """An authority's own register: a title row above the table, «Наименование
    муниципального образования», «Городская/сельская», kinds spelled out, no code column."""
    from openpyxl import Workbook

    from msoko.intake.pipeline import run_import
    from msoko.registry.models import Organisation

    wb = Workbook()
    ws = wb.active
    ws.append(["Реестр образовательных организаций (по состоянию на 01.09.2025)"])
    ws.append([])
    ws.append(["№ п/п", "Наименование муниципального образования", "Полное наименование ОО",
               "Сокращенное наименование", "ИНН", "ОГРН", "Тип ОО", "Городская/сельская"])
    ws.append([1, "Энский район", "Муниципальное бюджетное дошкольное образовательное учреждение "
               "«Детский сад № 7»", "МБДОУ д/с № 7", "7000000007", "1027000000007",
               "Дошкольная образовательная организация", "Сельская"])
    ws.append([2, "Энский район", "Муниципальное бюджетное учреждение дополнительного образования "
               "«Дом творчества»", "МБУ ДО ДТ", "7000000008", "1027000000008",
               "Организация дополнительного образования", "городская"])
    path = tmp_path / "reestr.xlsx"
    wb.save(path)
    r = run_import(path, kind="organisations")
    assert r.ok, [str(p) for p in r.problems.errors]
    assert r.registry is not None and (r.registry.new, r.registry.changed) == (2, 0)
    got = {o.ogrn: (o.territory.code, o.kind, o.locality, o.short_name)
           for o in Organisation.objects.filter(ogrn__in=["1027000000007", "1027000000008"])}
    assert got == {"1027000000007": ("M1", "preschool", "rural", "МБДОУ д/с № 7"),
                   "1027000000008": ("M1", "additional", "urban", "МБУ ДО ДТ")}
