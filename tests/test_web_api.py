"""The JSON API under /api/v1/: shape, authentication and the policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for


@pytest.mark.parametrize(
    "url",
    ["/api/v1/organisations/", "/api/v1/organisations/1/", "/api/v1/organisations/1/results/"],
)
def test_anonymous_gets_401_json_not_a_redirect(client: Client, world: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Требуется вход в систему."}


def test_an_inactive_user_gets_401(world: Any) -> None:
    client = client_for(world.bob)
    world.bob.is_active = False
    world.bob.save()
    assert client.get(reverse("api_organisations")).status_code in (401, 403)


def test_only_get_is_allowed(world: Any) -> None:
    response = client_for(world.bob).post(reverse("api_organisations"))
    assert response.status_code == 405
    assert response.json() == {"detail": "Метод не поддерживается."}


def test_organisation_list(world: Any) -> None:
    data = client_for(world.bob).get(reverse("api_organisations")).json()
    assert data["count"] == 2
    first = data["results"][0]
    assert first["short_name"] == "МБОУ СОШ № 1"
    assert first["inn"] == "7000000001"
    assert first["kind_display"] == "Общеобразовательная организация"
    assert first["territory"] == {"id": world.municipality.pk, "name": "Энский район"}
    assert first["url"] == f"/api/v1/organisations/{world.school_a.pk}/"
    rural = client_for(world.bob).get(reverse("api_organisations"), {"locality": "rural"}).json()
    assert [o["short_name"] for o in rural["results"]] == ["МБОУ СОШ № 2"]


def test_an_invalid_filter_is_a_400(world: Any) -> None:
    response = client_for(world.bob).get(reverse("api_organisations"), {"kind": "castle"})
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_one_organisation(world: Any) -> None:
    data = client_for(world.alice).get(reverse("api_organisation", args=[world.school_a.pk])).json()
    assert data["id"] == world.school_a.pk
    assert data["full_name"] == "Школа А"


def test_results_summary(facts: Any) -> None:
    url = reverse("api_organisation_results", args=[facts.school_a.pk])
    data = client_for(facts.alice).get(url).json()
    assert data["organisation"] == {"id": facts.school_a.pk, "short_name": "МБОУ СОШ № 1"}
    assert data["years"] == [2024, 2023]
    rows = {(r["procedure"], r["year"], r["subject"]): r for r in data["results"]}
    oge = rows[("OGE", 2024, "ru")]
    assert oge["procedure_name"] == "ОГЭ"
    assert oge["subject_name"] == "Русский язык"
    assert oge["marks"] == {"2": 1, "3": 0, "4": 2, "5": 1}
    assert oge["mean_mark"] == pytest.approx(3.75)
    ege = rows[("EGE", 2024, "ru")]
    assert ege["mean_test_score"] == pytest.approx(84.5)
    assert ege["threshold"] == 24
    only_2023 = client_for(facts.alice).get(url, {"year": 2023}).json()["results"]
    assert [(r["procedure"], r["year"]) for r in only_2023] == [("OGE", 2023)]
    assert client_for(facts.alice).get(url, {"year": "last"}).status_code == 400


def test_another_schools_organisation_is_a_json_404(facts: Any) -> None:
    client = client_for(facts.charlie)
    for name in ("api_organisation", "api_organisation_results"):
        response = client.get(reverse(name, args=[facts.school_a.pk]))
        assert response.status_code == 404
        assert response.json() == {"detail": "Не найдено."}
