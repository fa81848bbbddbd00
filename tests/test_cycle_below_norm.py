"""«Показатель ниже нормы»: school values worse than a norm someone set become addressed
recommendations; values read against the municipality for want of a norm do not.

Facts (ВПР, математика, 5 класс, 2024/25, from ``test_cycle_recommendations.plant``):
school A has 12 students, all with mark «4»; school B has 6 students, all with «3»; the far
school (another municipality) has 12 students with «3». So, worked by hand:

* share of marks 4–5: A 12/12 = 100 %, B 0/6 = 0 %, far 0/12 = 0 %;
* share of marks «3» (lower is better): A 0 %, B 6/6 = 100 %, far 100 %.

The catalog below sets a norm of 50 % on the share of 4–5 (B is below it: 0 < 50) and of
40 % on the share of «3» (B is worse: 100 > 40). The same share of 4–5 without a norm is
read against the municipality (B is below the municipal 12/18 = 66.7 %) and must not give
a finding; with a minimum group of 7, B's 6 students are suppressed and give none either.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import client_for
from tests.test_cycle_recommendations import plant, report_of

CATALOG = """
catalog: below_norm_test
name: Показатели с нормами
defaults: {levels: [school, municipality, region]}
indicators:
  - {code: bn.share45, name: Доля отметок 4 и 5 ВПР, unit: percent, direction: higher, norm: 50,
     formula: {kind: share, table: student_results, where: {procedure: VPR, mark: {present: true}},
               numerator: {mark: [4, 5]}}}
  - {code: bn.share3, name: Доля отметок 3 ВПР, unit: percent, direction: lower, norm: {value: 40},
     formula: {kind: share, table: student_results, where: {procedure: VPR, mark: {present: true}},
               numerator: {mark: 3}}}
  - {code: bn.share45_no_norm, name: Доля 4 и 5 без нормы, unit: percent, direction: higher,
     formula: {kind: share, table: student_results, where: {procedure: VPR, mark: {present: true}},
               numerator: {mark: [4, 5]}}}
  - {code: bn.share45_big_groups, name: Доля 4 и 5 (группы от 7), unit: percent, direction: higher,
     norm: 50, min_group: 7,
     formula: {kind: share, table: student_results, where: {procedure: VPR, mark: {present: true}},
               numerator: {mark: [4, 5]}}}
  - {code: bn.share45_by_subject, name: Доля 4 и 5 по предмету, unit: percent, direction: higher,
     norm: 50, by: [subject],
     formula: {kind: share, table: student_results, where: {procedure: VPR, mark: {present: true}},
               numerator: {mark: [4, 5]}}}
"""


@pytest.fixture
def computed(world: Any) -> Any:
    from msoko.indicators.catalog import load_text
    from msoko.indicators.compute import compute

    plant(world)
    load_text(CATALOG, file_name="below_norm_test.yaml")
    compute(catalogs=["below_norm_test"], years=[2024])
    return world


def test_only_values_worse_than_a_set_norm_are_findings(computed: Any) -> None:
    from msoko.cycle import from_analysis

    w = computed
    found = from_analysis.below_norm(report_of(w.municipality), year=2024)
    got = sorted((f["org_id"], f["indicator"], f["subject"], f["value"], f["norm"]) for f in found)
    b = w.school_b.pk
    assert got == [
        (b, "bn.share3", None, 100.0, 40.0),
        (b, "bn.share45", None, 0.0, 50.0),
        (b, "bn.share45_by_subject", "math", 0.0, 50.0),
    ]
    assert {f["unit"] for f in found} == {"%"}


def test_a_municipal_norm_overrides_the_definitions(computed: Any) -> None:
    from msoko.cycle import from_analysis
    from msoko.indicators.models import IndicatorDefinition, Norm

    w = computed
    ind = IndicatorDefinition.objects.get(code="bn.share45")
    Norm.objects.create(indicator=ind, territory=w.municipality, value=0)  # B's 0 % meets it
    Norm.objects.create(indicator=ind, territory=w.other_municipality, value=100)  # not B's
    found = from_analysis.below_norm(report_of(w.municipality), year=2024)
    assert "bn.share45" not in {f["indicator"] for f in found}
    Norm.objects.filter(territory=w.municipality).update(value=100)  # now A's 100 % meets it, B not
    found = from_analysis.below_norm(report_of(w.municipality), year=2024)
    assert [(f["org_id"], f["norm"]) for f in found if f["indicator"] == "bn.share45"] == [(w.school_b.pk, 100.0)]


def test_generated_from_the_page_for_the_right_school_only(computed: Any) -> None:
    from msoko.cycle.models import Recommendation

    w = computed
    bob = client_for(w.bob)
    page = bob.post("/cycle/recommendations/?year=2024", {"action": "generate"}, follow=True).content.decode()
    assert "по правилу «показатель ниже нормы» — 3." in page
    recs = Recommendation.objects.filter(rule="below_norm")
    assert {r.organisation_id for r in recs} == {w.school_b.pk}
    titles = sorted(r.title for r in recs)
    assert titles == [
        "Ниже нормы: Доля 4 и 5 по предмету (Математика)",
        "Ниже нормы: Доля отметок 3 ВПР",
        "Ниже нормы: Доля отметок 4 и 5 ВПР",
    ]
    text = recs.get(finding_key="bn.share3").text
    assert text.startswith("Показатель «Доля отметок 3 ВПР» за 2024/2025 уч. год: 100 % при норме 40 %.")
    subject = recs.get(finding_key="bn.share45_by_subject|math|")
    assert subject.subject == "math" and subject.addressee_group == "администрация ОО"
    # a second run adds nothing
    page = bob.post("/cycle/recommendations/?year=2024", {"action": "generate"}, follow=True).content.decode()
    assert "Новых рекомендаций: 0" in page
    assert Recommendation.objects.filter(rule="below_norm").count() == 3


def test_a_regional_analyst_picks_the_municipality(computed: Any) -> None:
    from msoko.access.models import Role, User
    from msoko.cycle.models import Recommendation

    w = computed
    analyst = User.objects.create_user("rita", password="x", role=Role.REGIONAL_ANALYST, territory=w.region)
    client = client_for(analyst)
    page = client.get("/cycle/recommendations/?year=2024").content.decode()
    assert 'id="generate-territory"' in page
    assert f'value="{w.other_municipality.pk}"' in page and f'value="{w.municipality.pk}"' in page
    client.post("/cycle/recommendations/?year=2024",
                {"action": "generate", "territory": str(w.other_municipality.pk)}, follow=True)
    # the far school's 0 % of 4–5 and 100 % of «3»: its municipality's analysis only
    orgs = set(Recommendation.objects.filter(rule="below_norm").values_list("organisation_id", flat=True))
    assert orgs == {w.school_far.pk}
    # a municipal specialist has one municipality: no picker, and asking for another is a 404
    bob = client_for(w.bob)
    assert 'id="generate-territory"' not in bob.get("/cycle/recommendations/?year=2024").content.decode()
    before = Recommendation.objects.count()
    resp = bob.post("/cycle/recommendations/?year=2024",
                    {"action": "generate", "territory": str(w.other_municipality.pk)})
    assert resp.status_code == 404 and Recommendation.objects.count() == before
