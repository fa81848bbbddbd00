"""The cycle's pages with alice (school A), bob (the municipality) and charlie (school B);
a measure's indicator before and after through the indicator store; the daily digest;
the demo cycle from the seeds.

Indicator values for the before/after are entered values computed by the indicator engine
(catalog ``cycle_test``): school A's share of «2» on ВПР — 30 % in 2023/24, 20 % in 2024/25;
the municipality's 25 % and 15 %. A measure of the 2024 roadmap for school A, baseline the
year before the roadmap (2023), shows 30 → 20: −10, better (lower is better).
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import time_machine
from django.core import mail
from django.core.management import call_command

from tests.conftest import client_for

CATALOG = """
catalog: cycle_test
name: Показатели для проверки цикла
indicators:
  - code: ct.vpr_share_mark2
    name: Доля отметок «2» на ВПР
    unit: percent
    direction: lower
    levels: [school, municipality]
    formula: {kind: entered}
"""


def indicator_values(world: Any) -> Any:
    from msoko.indicators.catalog import load_text
    from msoko.indicators.compute import compute
    from msoko.indicators.models import EnteredValue, IndicatorDefinition
    from msoko.registry.models import AcademicYear

    AcademicYear.objects.create(start_year=2023, starts_on=datetime.date(2023, 9, 1), ends_on=datetime.date(2024, 8, 31))
    load_text(CATALOG, file_name="cycle_test.yaml")
    ind = IndicatorDefinition.objects.get(code="ct.vpr_share_mark2")
    for year, a, m in [(2023, 30.0, 25.0), (2024, 20.0, 15.0)]:
        EnteredValue.objects.create(indicator=ind, organisation=world.school_a, year=year, value=a)
        EnteredValue.objects.create(indicator=ind, territory=world.municipality, year=year, value=m)
    compute(catalogs=["cycle_test"], years=[2023, 2024])
    return ind


def roadmap_with_measures(world: Any) -> Any:
    from msoko.cycle.models import Measure, Roadmap

    rm = Roadmap.objects.create(territory=world.municipality, title="Дорожная карта Энского района на 2024 год",
                                year_from=2024, year_to=2024)
    a = Measure.objects.create(roadmap=rm, order=1, number="1.", content="Семинар для учителей математики СОШ № 1",
                               deadline_text="до 01.03.2025", organisation=world.school_a)
    b = Measure.objects.create(roadmap=rm, order=2, number="2.", content="Перепроверка работ ВПР в СОШ № 2",
                               deadline_text="до 01.03.2025", organisation=world.school_b)
    c = Measure.objects.create(roadmap=rm, order=3, number="3.", content="Анализ результатов ГИА",
                               deadline_text="август, ежегодно", report_document="Аналитическая справка")
    return rm, a, b, c


def test_three_personas_see_their_own(world: Any) -> None:
    rm, a, b, c = roadmap_with_measures(world)
    alice, bob, charlie = client_for(world.alice), client_for(world.bob), client_for(world.charlie)
    page = bob.get("/cycle/").content.decode()
    assert "Управленческий цикл" in page and f'data-roadmap="{rm.pk}"' in page
    assert bob.get(f"/cycle/roadmaps/{rm.pk}/").status_code == 200
    for m in (a, b, c):
        assert bob.get(f"/cycle/measures/{m.pk}/").status_code == 200
    page = alice.get("/cycle/").content.decode()
    assert f'data-measure="{a.pk}"' in page
    assert f'data-measure="{b.pk}"' not in page and f'data-measure="{c.pk}"' not in page
    assert alice.get(f"/cycle/measures/{b.pk}/").status_code == 404
    assert alice.get(f"/cycle/measures/{c.pk}/").status_code == 404
    roadmap_page = alice.get(f"/cycle/roadmaps/{rm.pk}/").content.decode()
    assert f'data-measure="{a.pk}"' in roadmap_page and f'data-measure="{b.pk}"' not in roadmap_page
    assert charlie.get(f"/cycle/measures/{a.pk}/").status_code == 404
    assert alice.get(f"/cycle/roadmaps/{rm.pk}/export.xlsx").status_code == 404
    assert bob.get(f"/cycle/roadmaps/{rm.pk}/export.xlsx").status_code == 200
    # the neighbouring municipality's roadmap is not bob's
    from msoko.cycle.models import Roadmap

    far = Roadmap.objects.create(territory=world.other_municipality, title="Соседи", year_from=2024, year_to=2024)
    assert bob.get(f"/cycle/roadmaps/{far.pk}/").status_code == 404
    assert alice.get("/cycle/directions/1/").status_code == 404
    assert bob.get("/cycle/directions/1/").status_code == 200


def test_reporting_permissions(world: Any) -> None:
    from msoko.access.models import AuditLog

    rm, a, b, c = roadmap_with_measures(world)
    alice, charlie = client_for(world.alice), client_for(world.charlie)
    form = {"done_on": "2025-02-20", "document": "Протокол ШМО № 3", "document_url": "school-a.example.ru/p3", "implementation": "full"}
    assert charlie.post(f"/cycle/measures/{a.pk}/", form).status_code == 404
    assert alice.post(f"/cycle/measures/{a.pk}/", form).status_code == 302
    a.refresh_from_db()
    report = a.reports.get()
    assert (report.document, report.document_url, report.due) == ("Протокол ШМО № 3", "https://school-a.example.ru/p3", datetime.date(2025, 3, 1))
    assert a.status == "done" and a.implementation == "full"
    assert AuditLog.objects.filter(model="cycle.MeasureReport", action="create").exists()
    # alice may not edit the municipal roadmap's measure, bob may
    assert alice.get(f"/cycle/measures/{a.pk}/edit/").status_code == 403
    assert client_for(world.bob).get(f"/cycle/measures/{a.pk}/edit/").status_code == 200


def test_measure_before_and_after(world: Any) -> None:
    ind = indicator_values(world)
    rm, a, b, c = roadmap_with_measures(world)
    a.indicator = ind
    a.save()
    c.indicator = ind
    c.save()
    page = client_for(world.alice).get(f"/cycle/measures/{a.pk}/").content.decode()
    assert 'id="value-before">30' in page
    assert 'id="value-after">20' in page
    assert "улучшился" in page
    # the municipal measure reads the municipality's values: 25 → 15
    from msoko.cycle.effect import measure_change
    from msoko.facts.store import OrgScope

    change = measure_change(c, OrgScope.for_user(world.bob))
    assert change is not None
    assert (change.before_year, change.before, change.after_year, change.after) == (2023, 25.0, 2024, 15.0)
    assert change.delta == -10.0 and change.verdict == "better"
    table = client_for(world.bob).get("/cycle/effectiveness/").content.decode()
    assert f'data-measure="{a.pk}"' in table and f'data-measure="{c.pk}"' in table
    assert f'data-measure="{a.pk}"' in client_for(world.alice).get("/cycle/effectiveness/").content.decode()
    assert f'data-measure="{c.pk}"' not in client_for(world.alice).get("/cycle/effectiveness/").content.decode()


def test_reminders_fragment_and_digest(world: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rm, a, b, c = roadmap_with_measures(world)
    world.alice.email = "alice@school-a.example.ru"
    world.alice.save()
    world.bob.email = "bob@uo.example.ru"
    world.bob.save()
    world.charlie.email = "charlie@school-b.example.ru"
    world.charlie.save()
    with time_machine.travel(datetime.date(2025, 2, 15), tick=False):
        frag = client_for(world.alice).get("/cycle/reminders/").content.decode()
        # a and b are due 01.03.2025 (in 14 days); c («август, ежегодно», 2024) was due 31.08.2024
        assert f'data-measure="{a.pk}"' in frag and f'data-measure="{b.pk}"' not in frag
        bob_frag = client_for(world.bob).get("/cycle/reminders/").content.decode()
        assert "Просрочено: 1" in bob_frag and "Срок подходит: 2" in bob_frag
        out = io.StringIO()
        call_command("cycle_digest", stdout=out)
    assert "Отправлено писем: 3." in out.getvalue()
    by_to = {m.to[0]: m for m in mail.outbox}
    assert by_to["bob@uo.example.ru"].subject == "МСОКО: просрочено 1, срок подходит 2"
    assert "Анализ результатов ГИА (срок 31.08.2024; «август, ежегодно»)" in by_to["bob@uo.example.ru"].body
    assert "Перепроверка работ ВПР" not in by_to["alice@school-a.example.ru"].body
    assert "Семинар для учителей математики" in by_to["alice@school-a.example.ru"].body


def test_dashboard_includes_reminders(world: Any) -> None:
    page = client_for(world.bob).get("/").content.decode()
    assert 'hx-get="/cycle/reminders/"' in page
    page = client_for(world.alice).get("/").content.decode()
    assert 'hx-get="/cycle/reminders/"' in page


def test_decision_links_analysis_and_measures(world: Any) -> None:
    rm, a, b, c = roadmap_with_measures(world)
    resp = client_for(world.bob).post("/cycle/decisions/new/", {
        "territory": world.municipality.pk, "kind": "order", "number": "145/а", "date": "2025-01-20",
        "title": "О мерах по итогам ВПР", "basis": "Аналитическая справка по итогам ВПР 2024 от 15.01.2025",
        "measures": [a.pk, b.pk],
    })
    assert resp.status_code == 302, resp.content.decode()[:3000]
    from msoko.cycle.models import Decision

    d = Decision.objects.get()
    assert str(d) == "Приказ от 20.01.2025 № 145/а"
    assert set(d.measures.all()) == {a, b}
    page = client_for(world.alice).get("/cycle/decisions/").content.decode()
    assert "145/а" in page and "Перепроверка работ" not in page
    assert client_for(world.alice).get("/cycle/decisions/new/").status_code == 403
    page = client_for(world.charlie).get("/cycle/decisions/").content.decode()
    assert "145/а" in page and "Перепроверка работ" in page and "Семинар для учителей" not in page


def test_self_assessment_share(world: Any) -> None:
    from msoko.cycle.directions import ensure_directions
    from msoko.cycle.effect import self_assessment
    from msoko.cycle.models import ChecklistItem

    d1 = ensure_directions()[0]
    items = list(ChecklistItem.objects.order_by("order"))
    assert len(items) == 10
    form = {f"met-{i.pk}": "on" for i in items[:5]} | {"action": "checklist"}
    resp = client_for(world.bob).post(f"/cycle/directions/1/?territory={world.municipality.pk}&year=2024", form)
    assert resp.status_code == 302
    sa = self_assessment(world.municipality, d1, 2024)
    assert (sa.met, sa.total, sa.percent) == (5, 10, 50)  # «сформированы на 50 %»
    page = client_for(world.bob).get(f"/cycle/directions/1/?territory={world.municipality.pk}&year=2024").content.decode()
    assert 'id="self-assessment">50 %' in page
    assert client_for(world.alice).post("/cycle/directions/1/", form).status_code == 404


def test_create_measure_and_import_in_the_web(world: Any, tmp_path: Any) -> None:
    from msoko.cycle.models import Roadmap
    from tests.test_cycle_roadmap_io import write_xlsx

    bob = client_for(world.bob)
    with open(write_xlsx(tmp_path / "sampur.xlsx", "sampur"), "rb") as fh:
        resp = bob.post("/cycle/roadmaps/import/", {"file": fh, "territory": world.municipality.pk})
    assert resp.status_code == 302
    rm = Roadmap.objects.get()
    assert rm.measures.count() == 54
    resp = bob.post(f"/cycle/roadmaps/{rm.pk}/measures/new/", {
        "number": "11.1", "content": "Новое мероприятие", "deadline_text": "IV квартал", "status": "planned",
    })
    assert resp.status_code == 302
    assert rm.measures.count() == 55
    (tmp_path / "bad.docx").write_bytes(b"nope")
    with open(tmp_path / "bad.docx", "rb") as fh:
        page = bob.post("/cycle/roadmaps/import/", {"file": fh, "territory": world.municipality.pk}).content.decode()
    assert "Файл не загружен" in page and "файл «bad.docx»" in page
    assert Roadmap.objects.count() == 1
    assert client_for(world.alice).get("/cycle/roadmaps/import/").status_code == 403


def test_demo_fill_from_the_seeds(world: Any) -> None:
    from msoko.cycle.demo import fill_demo
    from msoko.cycle.models import Decision, PlanRow, Roadmap

    counts = fill_demo(world.municipality, 2025, today=datetime.date(2025, 1, 15))
    assert counts["roadmaps"] == {"strezhevoy-2021": 78, "sampur-2022-2024": 54, "goryachy-klyuch-2023-2024": 35}
    assert (counts["plan_rows"], counts["plan_measures"]) == (16, 49)
    assert Decision.objects.filter(territory=world.municipality).count() == 3
    assert PlanRow.objects.get(order=1).norm == 0.48
    again = fill_demo(world.municipality, 2025, today=datetime.date(2025, 1, 15))
    assert again["roadmaps"] == counts["roadmaps"]
    assert Roadmap.objects.filter(territory=world.municipality).count() == 5  # 3 roadmaps, plan, recommendations
    page = client_for(world.bob).get("/cycle/?year=2025").content.decode()
    assert 'data-direction="1"' in page and "50 %" in page


def test_plan_rows_find_their_indicator_by_name(world: Any) -> None:
    from msoko.cycle.demo import match_indicator
    from msoko.indicators.catalog import load_text

    load_text(
        """
catalog: motivating
name: Мотивирующий мониторинг (проверка)
indicators:
  - code: mm.spt_share
    name: "Доля обучающихся, принявших участие в СПТ"
    unit: percent
    direction: higher
    formula: {kind: entered}
  - code: mm.fot_share
    name: "Доля фонда оплаты труда руководящих работников в общем фонде оплаты труда работников образовательных организаций в субъекте РФ, %"
    unit: percent
    direction: none
    formula: {kind: entered}
""",
        file_name="motivating-test.yaml",
    )
    assert match_indicator("Доля обучающихся, принявших участие в СПТ (2021г.)", "motivating").code == "mm.spt_share"
    fot = "Доля фонда оплаты труда руководящих работников в общем фонде оплаты труда работников образовательных организаций в субъекте РФ (2020 г.), %"
    assert match_indicator(fot, "motivating").code == "mm.fot_share"
    assert match_indicator("Работа с обращениями и сообщениями граждан", "motivating") is None


def test_admin_configuration_pages(world: Any) -> None:
    from msoko.access.models import User
    from msoko.cycle.directions import ensure_directions

    ensure_directions()
    admin = User.objects.create_superuser("root", "root@example.ru", "x")
    client = client_for(admin)
    for url in ("/admin/cycle/direction/", "/admin/cycle/checklistitem/", "/admin/cycle/territorydirection/"):
        assert client.get(url).status_code == 200
