"""The methodologist's side of the indicator pages, with the three personas: uploading a
catalog (every Russian problem listed, nothing saved on error), a municipality's norms beside
the document's, values entered by hand, and «Пересчитать» as a background job. Every change
is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from msoko.access.models import AuditLog
from msoko.indicators.models import Catalog, ComputationRun, EnteredValue, IndicatorDefinition, Norm
from msoko.jobs.models import Job
from msoko.jobs.queue import execute
from tests.conftest import client_for
from tests.test_indicator_pages import CATALOG, line, load_and_compute, page, q, squash, text

pytestmark = pytest.mark.django_db

NEW_CATALOG = """
catalog: mycat
name: Каталог района
indicators:
  - code: my.oge_count
    name: Участники ОГЭ
    unit: count
    direction: none
    formula: {kind: count, table: student_results, where: {procedure: OGE}, distinct: student}
"""
BROKEN = """
catalog: broken
name: Ошибки
indicators:
  - code: Bad Code
    name: Первый
    unit: metres
    direction: up
    formula: {kind: share, table: nowhere}
  - code: ok.one
    unit: percent
    direction: higher
    formula: {kind: entered}
"""


@pytest.fixture
def computed(facts: Any) -> Any:
    return load_and_compute(facts)


# --------------------------------------------------------------------------- upload


def test_only_territory_editors_may_upload(world: Any) -> None:
    url = reverse("indicators:upload")
    assert client_for(world.alice).get(url).status_code == 404
    assert client_for(world.charlie).get(url).status_code == 404
    assert client_for(world.alice).post(url, {"text": NEW_CATALOG}).status_code == 404
    assert not Catalog.objects.filter(code="mycat").exists()
    tree = page(client_for(world.bob).get(url))
    assert q(tree, "#upload-form")


def test_broken_catalog_lists_every_problem_and_saves_nothing(world: Any) -> None:
    response = client_for(world.bob).post(reverse("indicators:upload"), {"text": BROKEN})
    tree = page(response)
    problems = [text(li) for li in q(tree, "#problems li")]
    assert len(problems) >= 4, problems
    joined = " | ".join(problems)
    assert "Bad Code" in joined and "metres" in joined and "ok.one" in joined
    assert "Каталог не сохранён" in text(q(tree, "#problems")[0])
    assert not Catalog.objects.filter(code="broken").exists()
    assert not IndicatorDefinition.objects.filter(code="ok.one").exists()


def test_upload_as_text_and_as_file(facts: Any) -> None:
    bob = client_for(facts.bob)
    response = bob.post(reverse("indicators:upload"), {"text": NEW_CATALOG})
    assert response.status_code == 302 and response.url == reverse("indicators:catalog", args=["mycat"])
    catalog = Catalog.objects.get(code="mycat")
    assert catalog.origin == Catalog.Origin.UPLOADED and catalog.uploaded_by == facts.bob
    assert list(catalog.indicators.values_list("code", flat=True)) == ["my.oge_count"]
    assert AuditLog.objects.filter(action="create", model="indicators.Catalog", actor=facts.bob).exists()
    followed = page(bob.get(response.url))
    assert "сохранён" in text(q(followed, ".messages")[0])

    changed = NEW_CATALOG.replace("Каталог района", "Каталог района (2)")
    upload = SimpleUploadedFile("мой каталог.yaml", changed.encode("utf-8"))
    assert bob.post(reverse("indicators:upload"), {"file": upload}).status_code == 302
    catalog.refresh_from_db()
    assert catalog.name == "Каталог района (2)" and catalog.file_name == "мой каталог.yaml"
    wrong = SimpleUploadedFile("catalog.xlsx", b"PK\x03\x04")
    tree = page(bob.post(reverse("indicators:upload"), {"file": wrong}))
    assert "YAML" in text(q(tree, ".alert--error")[0])


def test_upload_may_not_replace_a_builtin_catalog(computed: Any) -> None:
    replaced = CATALOG.replace("Тестовый каталог показателей", "Подмена")
    tree = page(client_for(computed.bob).post(reverse("indicators:upload"), {"text": replaced}))
    assert "встроенный" in text(q(tree, "#problems")[0])
    assert Catalog.objects.get(code="tpages").name == "Тестовый каталог показателей"


# --------------------------------------------------------------------------- norms


def test_municipality_sets_its_norm_beside_the_documents(computed: Any) -> None:
    url = reverse("indicators:norms", args=["tpages"])
    for user in (computed.alice, computed.charlie):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).post(url, {"indicator": "tp.oge_share2", "reference": "value", "value": "30"}).status_code == 404
    bob = client_for(computed.bob)
    tree = page(bob.get(url))
    block = q(tree, 'section[data-indicator="tp.oge_share2"]')[0]
    assert "Норма по документу: 10,0 %" in squash(text(block))
    assert "не задана" in text(q(tree, 'section[data-indicator="tp.oge_mean"]')[0])

    # a value is required when the norm is a value
    tree = page(bob.post(url, {"indicator": "tp.oge_share2", "reference": "value", "value": ""}))
    assert "Укажите значение нормы" in text(q(tree, 'section[data-indicator="tp.oge_share2"]')[0])
    assert not Norm.objects.exists()

    response = bob.post(url, {"indicator": "tp.oge_share2", "reference": "value", "value": "30,0", "comment": "план МППКО"})
    assert response.status_code == 302
    norm = Norm.objects.get()
    assert (norm.territory, norm.year, norm.value, norm.set_by) == (computed.municipality, None, 30.0, computed.bob)
    assert AuditLog.objects.filter(action="create", model="indicators.Norm", actor=computed.bob).exists()

    # school A, русский: 25 % against the municipality's 30 % is 5 points better (high),
    # but 25 points worse than last year: orange; the norm says where it comes from
    tree = page(client_for(computed.alice).get(reverse("indicators:catalog", args=["tpages"])))
    ru = line(tree, "tp.oge_share2", "Русский язык")
    assert ru.get("data-colour") == "orange"
    assert text(q(ru, "[data-norm]")[0]) == "30,0 % норма муниципалитета"
    # school B, математика: 20 % is 10 points better than 30 %: very high, blue
    tree = page(client_for(computed.charlie).get(reverse("indicators:catalog", args=["tpages"])))
    assert line(tree, "tp.oge_share2", "Математика").get("data-colour") == "blue"

    # a norm of a year beats the norm of every year; a reference instead of a value
    bob.post(url, {"indicator": "tp.oge_share2", "year": "2024", "reference": "region_average"})
    assert Norm.objects.count() == 2
    tree = page(client_for(computed.alice).get(reverse("indicators:catalog", args=["tpages"])))
    ru = line(tree, "tp.oge_share2", "Русский язык")
    assert text(q(ru, "[data-norm]")[0]) == "36,4 % среднее по региону"  # 4 of 11

    # deleting: only the territory's own norms
    yearly = Norm.objects.get(year=2024)
    assert bob.post(url, {"delete": yearly.pk}).status_code == 302
    assert not Norm.objects.filter(pk=yearly.pk).exists()
    foreign = Norm.objects.create(indicator=norm.indicator, territory=computed.other_municipality, value=1)
    assert bob.post(url, {"delete": foreign.pk}).status_code == 404
    assert AuditLog.objects.filter(action="delete", model="indicators.Norm").count() == 1


# --------------------------------------------------------------------------- entered values


@pytest.mark.django_db(transaction=True)  # a job closes the connection, as the worker does
def test_values_entered_by_the_municipality_and_by_a_school(computed: Any) -> None:
    url = reverse("indicators:values", args=["tpages"])
    bob = client_for(computed.bob)
    tree = page(bob.get(url))
    assert [s.get("data-indicator") for s in q(tree, "section[data-indicator]")] == ["tp.plan"]
    response = bob.post(url, {"indicator": "tp.plan", "year": "2024", "value": "1", "comment": "приказ № 5"})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("indicators:job", args=[job.pk])
    entry = EnteredValue.objects.get()
    assert (entry.territory, entry.organisation, entry.value, entry.entered_by) == (
        computed.municipality,
        None,
        1.0,
        computed.bob,
    )
    assert AuditLog.objects.filter(action="create", model="indicators.EnteredValue").exists()
    assert job.params == {"catalogs": ["tpages"], "years": [2024], "trigger": "web:entered"}
    execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    tree = page(bob.get(reverse("indicators:catalog", args=["tpages"])))
    assert text(q(line(tree, "tp.plan"), "[data-value]")[0]) == "да"

    alice = client_for(computed.alice)
    response = alice.post(url, {"indicator": "tp.plan", "year": "2024", "value": "0"})
    assert response.status_code == 302
    mine = EnteredValue.objects.get(organisation=computed.school_a)
    assert mine.territory is None and mine.entered_by == computed.alice
    execute(Job.objects.filter(created_by=computed.alice).get().pk)
    tree = page(alice.get(reverse("indicators:catalog", args=["tpages"])))
    assert text(q(line(tree, "tp.plan"), "[data-value]")[0]) == "нет"
    # charlie sees neither alice's entry nor may delete it
    charlie = client_for(computed.charlie)
    content = charlie.get(url).content.decode()
    assert f'data-entry="{mine.pk}"' not in content
    assert charlie.post(url, {"delete": mine.pk}).status_code == 404
    # nor alice the municipality's
    assert alice.post(url, {"delete": entry.pk}).status_code == 404
    assert EnteredValue.objects.count() == 2
    # nor anyone alice's computation job
    alice_job = Job.objects.filter(created_by=computed.alice).get()
    assert charlie.get(reverse("indicators:job", args=[alice_job.pk])).status_code == 404


def test_entered_value_must_be_a_number(computed: Any) -> None:
    url = reverse("indicators:values", args=["tpages"])
    tree = page(client_for(computed.bob).post(url, {"indicator": "tp.plan", "year": "2024", "value": "много"}))
    assert q(tree, 'section[data-indicator="tp.plan"] .field__error')
    assert not EnteredValue.objects.exists() and not Job.objects.exists()


# --------------------------------------------------------------------------- recompute


@pytest.mark.django_db(transaction=True)
def test_recompute_is_a_background_job(computed: Any) -> None:
    runs = ComputationRun.objects.count()
    for user in (computed.alice, computed.charlie):
        assert client_for(user).post(reverse("indicators:recompute")).status_code == 404
    bob = client_for(computed.bob)
    response = bob.post(reverse("indicators:recompute"), {"catalog": "tpages", "year": "2024"})
    job = Job.objects.get()
    assert response.url == reverse("indicators:job", args=[job.pk])
    waiting = bob.get(response.url).content.decode()
    assert "В очереди" in waiting and 'hx-trigger="every 1s"' in waiting
    execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert job.result["catalogs"] == ["tpages"] and job.result["years"] == [2024]
    run = ComputationRun.objects.get(pk=job.result["run_id"])
    assert run.started_by == computed.bob and run.trigger == "web" and ComputationRun.objects.count() == runs + 1
    done = page(bob.get(response.url, HTTP_HX_REQUEST="true"))
    assert "завершён" in text(q(done, "#job-panel")[0])
    assert client_for(computed.alice).get(response.url).status_code == 404
    assert bob.post(reverse("indicators:recompute"), {"catalog": "nope"}).status_code == 404
