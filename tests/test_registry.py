"""Registry rules: pseudonyms, mark scales, the territory tree."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from msoko.facts.models import MarkScale, Procedure
from msoko.registry.models import Organisation, Subject
from msoko.registry.pseudonym import student_pseudonym


def test_pseudonym_is_stable_keyed_and_normalised():
    a = student_pseudonym("Иванов", "Пётр", "2010-05-01", key="k1")
    assert a == student_pseudonym("  ИВАНОВ ", "петр", "2010-05-01", key="k1")
    assert a != student_pseudonym("Иванов", "Пётр", "2010-05-02", key="k1")
    assert a != student_pseudonym("Иванов", "Пётр", "2010-05-01", key="k2")
    assert "Иванов" not in a and len(a) == 32


def test_mark_scale_maps_primary_scores(world):  # type: ignore[no-untyped-def]
    scale = MarkScale.objects.get(
        procedure__code="OGE", subject__code="math", year=world.year
    )
    # ОГЭ maths default cut points: 3 from 8, 4 from 15, 5 from 22 (of 31)
    assert [scale.mark_for(s) for s in (0, 7, 8, 14, 15, 21, 22, 31)] == [2, 2, 3, 3, 4, 4, 5, 5]


def test_mark_scale_rejects_decreasing_cuts(world):  # type: ignore[no-untyped-def]
    scale = MarkScale(
        procedure=Procedure.objects.get(code="VPR"),
        subject=Subject.objects.get(code="math"),
        grade=9,
        year=world.year,
        max_primary=20,
        mark_cuts={"3": 10, "4": 8, "5": 15},
    )
    with pytest.raises(ValidationError):
        scale.full_clean()
    scale.mark_cuts = {"3": 5, "4": 10, "5": 25}
    with pytest.raises(ValidationError):
        scale.full_clean()


def test_ogrn_and_inn_are_validated(world):  # type: ignore[no-untyped-def]
    org = Organisation(
        territory=world.municipality, short_name="x", full_name="x", code="Z", ogrn="123"
    )
    with pytest.raises(ValidationError) as err:
        org.full_clean()
    assert "ОГРН состоит из 13 цифр" in str(err.value)


def test_territory_descendants(world):  # type: ignore[no-untyped-def]
    ids = set(world.region.descendant_ids())
    assert ids == {world.region.pk, world.municipality.pk, world.other_municipality.pk}
    assert world.municipality.descendant_ids() == [world.municipality.pk]
