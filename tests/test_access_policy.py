"""The permission policy with three personas: owner (alice), specialist (bob), outsider (charlie)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from msoko.access import policy
from msoko.access.models import Role, User


def names(qs):  # type: ignore[no-untyped-def]
    return sorted(o.code for o in qs)


def test_school_admin_sees_only_own_school(world):  # type: ignore[no-untyped-def]
    assert names(policy.visible_organisations(world.alice)) == ["A1"]
    assert names(policy.visible_organisations(world.charlie)) == ["B2"]
    assert policy.visible_org_ids(world.charlie) == frozenset({world.school_b.pk})


def test_municipal_specialist_sees_own_municipality_only(world):  # type: ignore[no-untyped-def]
    assert names(policy.visible_organisations(world.bob)) == ["A1", "B2"]
    assert not policy.can_see_organisation(world.bob, world.school_far)


def test_regional_analyst_sees_every_municipality(world):  # type: ignore[no-untyped-def]
    analyst = User.objects.create_user(
        "ra", role=Role.REGIONAL_ANALYST, territory=world.region
    )
    assert names(policy.visible_organisations(analyst)) == ["A1", "B2", "F9"]
    assert sorted(t.code for t in policy.visible_territories(analyst)) == ["M1", "M2", "R1"]


def test_outsider_gets_404_not_403(world):  # type: ignore[no-untyped-def]
    assert policy.get_organisation_for_user(world.alice, world.school_a.pk) == world.school_a
    with pytest.raises(Http404):
        policy.get_organisation_for_user(world.charlie, world.school_a.pk)
    with pytest.raises(Http404):
        policy.get_organisation_for_user(world.charlie, "not-a-number")
    # missing and forbidden look the same
    with pytest.raises(Http404):
        policy.get_organisation_for_user(world.alice, 999999)


def test_viewer_sees_but_cannot_edit(world):  # type: ignore[no-untyped-def]
    viewer = User.objects.create_user("v", role=Role.VIEWER, territory=world.municipality)
    assert names(policy.visible_organisations(viewer)) == ["A1", "B2"]
    assert not policy.editable_organisations(viewer).exists()
    with pytest.raises(Http404):
        policy.get_organisation_for_user(viewer, world.school_a.pk, for_edit=True)
    assert policy.can_edit_organisation(world.alice, world.school_a)
    assert not policy.can_edit_organisation(world.alice, world.school_b)


def test_inactive_and_anonymous_see_nothing(world):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import AnonymousUser

    world.bob.is_active = False
    world.bob.save()
    assert not policy.visible_organisations(world.bob).exists()
    assert not policy.visible_organisations(AnonymousUser()).exists()
    assert policy.visible_org_ids(None) == frozenset()


def test_user_without_binding_sees_nothing(world):  # type: ignore[no-untyped-def]
    loose = User.objects.create_user("loose", role=Role.MUNICIPAL_SPECIALIST)
    assert not policy.visible_organisations(loose).exists()
    with pytest.raises(ValidationError):
        loose.full_clean()
    admin_without_school = User(username="x", role=Role.SCHOOL_ADMIN)
    with pytest.raises(ValidationError):
        admin_without_school.clean()


def test_school_admin_with_stray_territory_still_sees_only_school(world):  # type: ignore[no-untyped-def]
    world.alice.territory = world.region
    world.alice.save()
    assert names(policy.visible_organisations(world.alice)) == ["A1"]
    assert not policy.visible_territories(world.alice).exists()
