"""Like-for-like change of a territory, and ``msoko values`` under the three personas.

Hand-worked (share of 220+ over ЕГЭ aggregates, pooled by participants):

| school | 2023 | 2024 |
|---|---|---|
| A1 (M1) | 4 of 20 = 20 % | 5 of 20 = 25 % |
| B2 (M1) | — | 0 of 20 = 0 % (joins) |
| F9 (M2) | 3 of 10 = 30 % | 3 of 10 = 30 % |

* M1, all schools: 4/20 = 20 % → 5/40 = 12,5 %: −7,5 points.
  Schools present in both years (A1 only): 20 % → 25 %: +5,0 points.
* R1, all schools: 7/30 → 8/50: 16 − 23,33… = −7,33… points.
  Both years (A1, F9): 7/30 → 8/30: +3,33… points.
* M2 (F9 both years): 0 and 0.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.conftest import client_for
from tests.test_indicator_catalog_aggregates import seed_aggregates

CODE = "agg.ege.share_220_plus"


def _ege(school: str, sat: int, top: int) -> tuple[Any, ...]:
    return (school, "EGE", None, 11, {"sat": sat, "count_220_plus": top})


def seed_two_years(world: Any, *, joining_sat: int = 20) -> None:
    from msoko.indicators.catalog import sync_builtin
    from msoko.indicators.compute import compute

    sync_builtin()
    seed_aggregates(world, year=2023, rows=[_ege("A1", 20, 4), _ege("F9", 10, 3)])
    seed_aggregates(world, year=2024, rows=[_ege("A1", 20, 5), _ege("B2", joining_sat, 0), _ege("F9", 10, 3)])
    compute(catalogs=["aggregates"], years=[2023, 2024])


def _territories(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {r["territory_id"]: r for r in rows if r["level"] != "school"}


@pytest.mark.django_db
def test_a_joining_school_changes_all_schools_but_not_like_for_like(world: Any) -> None:
    from msoko.indicators import api

    seed_two_years(world)
    rows = api.readings(scope=None, year=2024, codes=[CODE], same_schools=True)
    t = _territories(rows)
    m1, m2, r1 = t[world.municipality.pk], t[world.other_municipality.pk], t[world.region.pk]
    assert m1["value"] == pytest.approx(12.5)
    assert m1["change"] == pytest.approx(12.5 - 20.0)
    assert m1["value_same_schools"] == pytest.approx(25.0)
    assert m1["previous_same_schools"] == pytest.approx(20.0)
    assert m1["change_same_schools"] == pytest.approx(5.0)
    assert m1["same_schools"] == 1
    assert r1["change"] == pytest.approx(100 * 8 / 50 - 100 * 7 / 30)
    assert r1["change_same_schools"] == pytest.approx(100 * 8 / 30 - 100 * 7 / 30)
    assert r1["same_schools"] == 2
    assert m2["change"] == pytest.approx(0.0) and m2["change_same_schools"] == pytest.approx(0.0)
    # school rows have none; a read without same_schools computes none
    assert all(r["change_same_schools"] is None for r in rows if r["level"] == "school")
    plain = _territories(api.readings(scope=None, year=2024, codes=[CODE]))
    assert plain[world.municipality.pk]["change_same_schools"] is None


@pytest.mark.django_db
def test_like_for_like_hidden_when_the_schools_left_out_are_a_small_group(world: Any) -> None:
    """B2 joins with 3 graduates: M1's value (8 of 23) is shown, but its like-for-like
    figure is not — M1's value minus A1's would give B2's three graduates."""
    from msoko.indicators import api

    seed_two_years(world, joining_sat=3)
    t = _territories(api.readings(scope=None, year=2024, codes=[CODE], same_schools=True))
    m1 = t[world.municipality.pk]
    assert m1["value"] == pytest.approx(100 * 5 / 23) and not m1["suppressed"]
    assert m1["change_same_schools"] is None and m1["value_same_schools"] is None


@pytest.mark.django_db
def test_like_for_like_is_never_one_hidden_schools_own_figure(world: Any) -> None:
    """A like-for-like figure over one school — or that leaves out one school — is that
    school's own figure (directly, or by subtraction from the territory's value). It is
    shown only to readers who may see that school.

    M1 compares A1 alone and leaves out B2: bob sees both and gets it; charlie and alice
    do not. The region compares A1 and F9 and leaves out B2 alone: bob and charlie (B2 is
    hers) get it; alice does not."""
    from msoko.facts.store import OrgScope
    from msoko.indicators import api

    seed_two_years(world)

    def like(user: Any) -> dict[int, Any]:
        rows = api.readings(scope=OrgScope.for_user(user), year=2024, codes=[CODE], same_schools=True)
        return {t: r["change_same_schools"] for t, r in _territories(rows).items()}

    bob, charlie, alice = like(world.bob), like(world.charlie), like(world.alice)
    assert bob[world.municipality.pk] == pytest.approx(5.0)
    assert bob[world.region.pk] == pytest.approx(100 * 8 / 30 - 100 * 7 / 30)
    assert charlie[world.municipality.pk] is None
    # the region compares A1 and F9 (two schools); the one left out is B2, charlie's own
    assert charlie[world.region.pk] == pytest.approx(100 * 8 / 30 - 100 * 7 / 30)
    # alice: M1 compares her own school alone, but the one school left out, B2, is not
    # hers (M1's value against it would be B2's): hidden; so is the region's, for the same B2
    assert alice[world.municipality.pk] is None
    assert alice[world.region.pk] is None


@pytest.mark.django_db
def test_indicator_page_shows_both_changes(world: Any) -> None:
    seed_two_years(world)
    response = client_for(world.bob).get(reverse("indicators:indicator", args=[CODE]), {"year": 2024})
    assert response.status_code == 200
    html = response.content.decode()
    assert "−7,5\u00a0п.\u00a0п." in html
    assert "в т. ч. по школам, участвовавшим в оба года: +5,0\u00a0п.\u00a0п. (школ: 1)" in html


@pytest.mark.django_db
def test_catalog_page_of_a_municipality_shows_both_changes(world: Any) -> None:
    """bob's dashboard shows M1 (territory rows only: the schools' rows are read for it)."""
    seed_two_years(world)
    response = client_for(world.bob).get(reverse("indicators:catalog", args=["aggregates"]), {"year": 2024})
    assert response.status_code == 200
    html = response.content.decode()
    assert "в т. ч. по школам, участвовавшим в оба года: +5,0\u00a0п.\u00a0п. (школ: 1)" in html
    # alice's dashboard is her school: a school has no like-for-like figure
    html = client_for(world.alice).get(reverse("indicators:catalog", args=["aggregates"]), {"year": 2024}).content.decode()
    assert "участвовавшим в оба года" not in html


def _values(*args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("values", "--indicator", CODE, "--year", "2024", *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.mark.django_db
def test_values_command_scope_follows_the_policy(world: Any) -> None:
    seed_two_years(world)
    everything = _values()
    assert {(r["level"], r["code"]) for r in everything} == {
        ("school", "A1"), ("school", "B2"), ("school", "F9"),
        ("municipality", "M1"), ("municipality", "M2"), ("region", "R1"),
    }
    m1 = next(r for r in everything if r["code"] == "M1")
    assert float(m1["change"]) == pytest.approx(-7.5)
    assert float(m1["change_same_schools"]) == pytest.approx(5.0) and m1["same_schools"] == "1"
    # alice: her school, and the aggregates of her municipality and region — never B2 or F9
    alice = _values("--user", "alice")
    assert {(r["level"], r["code"]) for r in alice} == {("school", "A1"), ("municipality", "M1"), ("region", "R1")}
    charlie = _values("--user", "charlie")
    assert {(r["level"], r["code"]) for r in charlie} == {("school", "B2"), ("municipality", "M1"), ("region", "R1")}
    bob = _values("--user", "bob")
    assert {(r["level"], r["code"]) for r in bob} == {
        ("school", "A1"), ("school", "B2"), ("municipality", "M1"), ("region", "R1"),
    }
    # the same figures as the unscoped read, school level only for alice
    assert _values("--user", "alice", "--level", "school")[0]["value"] == "25.0"


@pytest.mark.django_db
def test_values_command_refuses_in_russian(world: Any) -> None:
    seed_two_years(world)
    with pytest.raises(CommandError, match="нет пользователя с логином «mallory»"):
        _values("--user", "mallory")
    with pytest.raises(CommandError, match="нет показателя «agg.nothing»"):
        call_command("values", "--indicator", "agg.nothing", stdout=io.StringIO())
    with pytest.raises(CommandError, match="нет территории с кодом «ZZ»"):
        _values("--territory", "ZZ")
    with pytest.raises(CommandError, match="не учебный год"):
        _values("--year", "вчера")
    out = io.StringIO()
    call_command("values", "--indicator", CODE, "--format", "jsonl", "--user", "alice", stdout=out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert {x["year"] for x in lines} == {"2023/2024", "2024/2025"}
    assert {x["code"] for x in lines if x["level"] == "school"} == {"A1"}
