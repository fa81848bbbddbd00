"""«Администрирование»: the specialist administers her territory in msoko's own pages, and
nothing there lets anyone act above their place.

Personas: alice (school A's administrator), bob (specialist of M1), charlie (school B's
administrator), dave (specialist of M2, the other municipality), rita (regional analyst of
R1), root (superuser), and stan (staff, not superuser). Every crafted request is refused
(403 or 404, nothing written) and leaves a ``refused`` row in the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from msoko.access import policy
from msoko.access.models import AuditLog, Role, User
from msoko.registry.models import Organisation, OrganisationNameVariant, Territory
from tests.conftest import PASSWORD, client_for


@dataclass
class People:
    w: Any
    dave: User
    rita: User
    root: User
    stan: User


@pytest.fixture
def people(world: Any) -> People:
    dave = User.objects.create_user(
        "dave", password=PASSWORD, role=Role.MUNICIPAL_SPECIALIST, territory=world.other_municipality
    )
    rita = User.objects.create_user(
        "rita", password=PASSWORD, role=Role.REGIONAL_ANALYST, territory=world.region
    )
    root = User.objects.create_superuser("root", "root@example.ru", PASSWORD)
    stan = User.objects.create_user(
        "stan", password=PASSWORD, role=Role.MUNICIPAL_SPECIALIST, territory=world.municipality,
        is_staff=True,
    )
    return People(world, dave, rita, root, stan)


def refused_rows() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action="refused").order_by("id"))


def user_form(**extra: Any) -> dict[str, Any]:
    data = {
        "username": "newbie",
        "last_name": "Новикова",
        "first_name": "Нина",
        "email": "",
        "position": "завуч",
        "role": Role.SCHOOL_ADMIN,
        "territory": "",
        "organisation": "",
    }
    data.update(extra)
    return data


def org_form(org: Organisation, **extra: Any) -> dict[str, Any]:
    data = {
        "code": org.code,
        "short_name": org.short_name,
        "full_name": org.full_name,
        "territory": org.territory_id,
        "kind": org.kind,
        "school_level": org.school_level,
        "ogrn": org.ogrn,
        "inn": org.inn,
        "locality": org.locality,
        "advanced_profile": org.advanced_profile,
        "address": org.address,
        "website": org.website,
        "is_active": "on" if org.is_active else "",
        "name_variants": "",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v != "" or k in ("name_variants", "school_level")}


# --- who reaches the section ------------------------------------------------------------------


def test_section_is_for_specialists_analysts_and_superusers(people: People) -> None:
    w = people.w
    url = reverse("administration:index")
    for user in (w.bob, people.dave, people.rita, people.root):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        labels = [item["label"] for item in response.context["nav_items"]]
        assert "Администрирование" in labels
    viewer = User.objects.create_user("vera", role=Role.VIEWER, territory=w.municipality)
    for user in (w.alice, w.charlie, viewer):
        client = client_for(user)
        assert client.get(url).status_code == 403
        labels = [item["label"] for item in client.get("/").context["nav_items"]]
        assert "Администрирование" not in labels
    for name in ("organisations", "users", "school_accounts", "mark_scales"):
        assert client_for(w.alice).get(reverse(f"administration:{name}")).status_code == 403
        assert client_for(w.bob).get(reverse(f"administration:{name}")).status_code == 200


def test_links_to_norms_methodology_and_read_only_scales(people: People) -> None:
    from msoko.facts.models import MarkScale

    page = client_for(people.w.bob).get(reverse("administration:index")).content.decode()
    assert reverse("analysis:methodology") in page
    scales = client_for(people.w.bob).get(reverse("administration:mark_scales"))
    text = scales.content.decode()
    assert "утверждает регион" in text  # read-only for a specialist (tests/test_admin_mark_scales.py)
    assert MarkScale.objects.exists()
    assert 'method="post"' not in text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "/admin/" not in text  # the technical administrator's link is for superusers only
    assert "/admin/" in client_for(people.root).get(reverse("administration:mark_scales")).content.decode()


# --- organisations ------------------------------------------------------------------------------


def test_organisation_list_is_her_territory(people: People) -> None:
    w = people.w

    def codes(user: User) -> set[str]:
        page = client_for(user).get(reverse("administration:organisations")).context["page"]
        return {o.code for o in page.object_list}

    assert codes(w.bob) == {"A1", "B2"}
    assert codes(people.dave) == {"F9"}
    assert codes(people.rita) == {"A1", "B2", "F9"}


def test_specialist_edits_her_school_with_name_variants(people: People) -> None:
    w = people.w
    url = reverse("administration:organisation_edit", args=[w.school_a.pk])
    client = client_for(w.bob)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        org_form(
            w.school_a,
            short_name="МБОУ СОШ № 1 им. Пушкина",
            ogrn="1027000000001",
            is_small="on",
            locality="rural",
            advanced_profile="лицей",
            name_variants="СОШ 1\nшкола № 1\nСОШ 1",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    org = Organisation.objects.get(pk=w.school_a.pk)
    assert (org.short_name, org.ogrn, org.is_small, org.locality, org.advanced_profile) == (
        "МБОУ СОШ № 1 им. Пушкина", "1027000000001", True, "rural", "лицей",
    )
    assert sorted(org.name_variants.values_list("name", flat=True)) == ["СОШ 1", "школа № 1"]
    row = AuditLog.objects.filter(model="registry.Organisation", action="update").latest("id")
    assert row.actor == w.bob
    assert row.changes["changed"]["short_name"][1] == "МБОУ СОШ № 1 им. Пушкина"
    # Removing a variant deletes it (audited as well).
    client.post(url, org_form(org, name_variants="школа № 1"))
    assert list(org.name_variants.values_list("name", flat=True)) == ["школа № 1"]
    assert AuditLog.objects.filter(model="registry.OrganisationNameVariant", action="delete").exists()
    # A wrong ИНН is a form error, in Russian, nothing saved.
    bad = client.post(url, org_form(org, inn="12"))
    assert bad.status_code == 200 and "ИНН организации состоит из 10 цифр" in bad.content.decode()
    assert Organisation.objects.get(pk=org.pk).inn == "7000000001"


def test_specialist_creates_an_organisation_in_her_municipality(people: People) -> None:
    w = people.w
    client = client_for(w.bob)
    form = client.get(reverse("administration:organisation_create")).context["form"]
    assert list(form.fields["territory"].queryset) == [w.municipality]
    data = {
        "code": "N10", "short_name": "МБОУ СОШ № 10", "full_name": "Школа десятая",
        "territory": w.municipality.pk, "kind": "school", "locality": "urban", "is_active": "on",
        "name_variants": "СОШ 10",
    }
    response = client.post(reverse("administration:organisation_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    org = Organisation.objects.get(code="N10")
    assert org.territory == w.municipality
    assert OrganisationNameVariant.objects.filter(organisation=org, name="СОШ 10").exists()
    assert AuditLog.objects.filter(model="registry.Organisation", action="create", actor=w.bob).exists()


@pytest.mark.parametrize(
    "attempt",
    ["foreign-school", "move-out", "create-foreign", "extra-field"],
)
def test_organisation_escalations_are_refused_and_audited(people: People, attempt: str) -> None:
    w = people.w
    client = client_for(w.bob)
    before = list(Organisation.objects.order_by("pk").values())
    if attempt == "foreign-school":  # another municipality's school, edited by id
        response = client.post(
            reverse("administration:organisation_edit", args=[w.school_far.pk]),
            org_form(w.school_far, short_name="Захвачено", territory=w.municipality.pk),
        )
        assert response.status_code == 404
    elif attempt == "move-out":  # her school moved into the neighbour's municipality
        response = client.post(
            reverse("administration:organisation_edit", args=[w.school_a.pk]),
            org_form(w.school_a, territory=w.other_municipality.pk),
        )
        assert response.status_code == 403
    elif attempt == "create-foreign":
        response = client.post(
            reverse("administration:organisation_create"),
            {"code": "Z1", "short_name": "Чужая", "full_name": "Чужая", "kind": "school",
             "locality": "urban", "territory": w.other_municipality.pk},
        )
        assert response.status_code == 403
    else:
        response = client.post(
            reverse("administration:organisation_edit", args=[w.school_a.pk]),
            {**org_form(w.school_a, short_name="Новое имя"), "id": w.school_far.pk},
        )
        assert response.status_code == 403
    assert list(Organisation.objects.order_by("pk").values()) == before
    (row,) = refused_rows()
    assert row.actor == w.bob


# --- users --------------------------------------------------------------------------------------


def test_user_list_is_her_territory_and_never_above_her(people: People) -> None:
    w = people.w

    def names(user: User) -> set[str]:
        page = client_for(user).get(reverse("administration:users")).context["page"]
        return {u.username for u in page.object_list}

    # bob manages his schools' administrators; never dave, rita, root, stan (staff) or himself.
    assert names(w.bob) == {"alice", "charlie"}
    assert names(people.dave) == set()
    assert names(people.rita) == {"alice", "bob", "charlie", "dave"}
    assert names(people.root) == {"alice", "bob", "charlie", "dave", "rita"}


def test_specialist_creates_a_school_administrator_with_a_one_time_password(people: People) -> None:
    w = people.w
    client = client_for(w.bob)
    form = client.get(reverse("administration:user_create")).context["form"]
    assert [c[0] for c in form.fields["role"].choices] == ["", Role.SCHOOL_ADMIN, Role.VIEWER]
    assert set(form.fields["organisation"].queryset) == {w.school_a, w.school_b}
    assert set(form.fields["territory"].queryset) == {w.municipality}
    response = client.post(
        reverse("administration:user_create"), user_form(organisation=w.school_b.pk)
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    password = response.context["password"]
    assert len(password) >= 12 and password in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    user = User.objects.get(username="newbie")
    assert (user.role, user.organisation, user.territory) == (Role.SCHOOL_ADMIN, w.school_b, None)
    assert user.must_change_password and not user.is_staff and not user.is_superuser
    created = AuditLog.objects.get(model="access.User", action="create", object_id=str(user.pk))
    assert created.actor == w.bob
    assert password not in json.dumps([r.changes for r in AuditLog.objects.all()], ensure_ascii=False)
    # The password logs in, and the change is forced.
    newbie = Client()
    assert newbie.login(username="newbie", password=password)
    assert newbie.get("/")["Location"] == reverse("password_change")


def test_specialist_creates_a_viewer_of_her_municipality(people: People) -> None:
    w = people.w
    response = client_for(w.bob).post(
        reverse("administration:user_create"),
        user_form(username="vika", role=Role.VIEWER, territory=w.municipality.pk),
    )
    assert response.status_code == 200
    vika = User.objects.get(username="vika")
    assert (vika.role, vika.territory, vika.organisation) == (Role.VIEWER, w.municipality, None)
    # A viewer bound to both, or to nothing, is a form error (not an escalation).
    both = client_for(w.bob).post(
        reverse("administration:user_create"),
        user_form(username="vova", role=Role.VIEWER, territory=w.municipality.pk,
                  organisation=w.school_a.pk),
    )
    assert both.status_code == 200 and "либо к территории, либо к одной организации" in both.content.decode()
    assert not User.objects.filter(username="vova").exists()
    assert refused_rows() == []


def test_analyst_creates_a_specialist_of_her_regions_municipality(people: People) -> None:
    w = people.w
    response = client_for(people.rita).post(
        reverse("administration:user_create"),
        user_form(username="mila", role=Role.MUNICIPAL_SPECIALIST, territory=w.other_municipality.pk),
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    mila = User.objects.get(username="mila")
    assert (mila.role, mila.territory) == (Role.MUNICIPAL_SPECIALIST, w.other_municipality)
    # A specialist bound to the region itself is a form error.
    region = client_for(people.rita).post(
        reverse("administration:user_create"),
        user_form(username="mira", role=Role.MUNICIPAL_SPECIALIST, territory=w.region.pk),
    )
    assert region.status_code == 200 and "привязывается к муниципалитету" in region.content.decode()


def _crafted_create(people: People, name: str) -> tuple[User, dict[str, Any]]:
    w = people.w
    far_region = Territory.objects.create(kind="region", name="Чужая область", code="R9")
    far_mun = Territory.objects.create(
        kind="municipality", name="Чужой район", code="M9", parent=far_region
    )
    cases: dict[str, tuple[User, dict[str, Any]]] = {
        "is_superuser": (w.bob, user_form(organisation=w.school_a.pk, is_superuser="on")),
        "is_staff": (w.bob, user_form(organisation=w.school_a.pk, is_staff="on")),
        "groups": (w.bob, user_form(organisation=w.school_a.pk, groups="1")),
        "password": (w.bob, user_form(organisation=w.school_a.pk, password="chosen-by-me-1")),
        "analyst-role": (w.bob, user_form(role=Role.REGIONAL_ANALYST, territory=w.region.pk)),
        "specialist-role": (
            w.bob, user_form(role=Role.MUNICIPAL_SPECIALIST, territory=w.municipality.pk)
        ),
        "foreign-territory": (w.bob, user_form(role=Role.VIEWER, territory=w.other_municipality.pk)),
        "region-territory": (w.bob, user_form(role=Role.VIEWER, territory=w.region.pk)),
        "foreign-org": (w.bob, user_form(organisation=w.school_far.pk)),
        "other-specialist-org": (people.dave, user_form(organisation=w.school_a.pk)),
        "analyst-above": (people.rita, user_form(role=Role.REGIONAL_ANALYST, territory=w.region.pk)),
        "analyst-other-region": (
            people.rita, user_form(role=Role.MUNICIPAL_SPECIALIST, territory=far_mun.pk)
        ),
        "superuser-flag": (people.root, user_form(organisation=w.school_a.pk, is_superuser="on")),
    }
    return cases[name]


CRAFTED = [
    "is_superuser", "is_staff", "groups", "password", "analyst-role", "specialist-role",
    "foreign-territory", "region-territory", "foreign-org", "other-specialist-org",
    "analyst-above", "analyst-other-region", "superuser-flag",
]


@pytest.mark.parametrize("case", CRAFTED)
def test_crafted_user_creation_is_refused_and_audited(people: People, case: str) -> None:
    actor, data = _crafted_create(people, case)
    users_before = set(User.objects.values_list("username", flat=True))
    response = client_for(actor).post(reverse("administration:user_create"), data)
    assert response.status_code == 403, response.content.decode()[:2000]
    assert "Действие отклонено" in response.content.decode()
    assert set(User.objects.values_list("username", flat=True)) == users_before
    assert not User.objects.filter(is_superuser=True).exclude(username="root").exists()
    (row,) = refused_rows()
    assert row.actor == actor and row.model == "access.User"
    assert row.changes["request"]["username"] == "newbie"
    assert "chosen-by-me-1" not in json.dumps(row.changes, ensure_ascii=False)


def test_nobody_edits_herself_or_anyone_above(people: People) -> None:
    w = people.w
    attempts = [
        (w.bob, w.bob, user_form(role=Role.REGIONAL_ANALYST, territory=w.region.pk)),
        (w.bob, w.bob, user_form(role=Role.MUNICIPAL_SPECIALIST, territory=w.other_municipality.pk)),
        (w.bob, people.dave, user_form(role=Role.VIEWER, territory=w.municipality.pk)),
        (w.bob, people.rita, user_form(role=Role.VIEWER, territory=w.municipality.pk)),
        (w.bob, people.root, user_form(role=Role.VIEWER, territory=w.municipality.pk)),
        (w.bob, people.stan, user_form(role=Role.VIEWER, territory=w.municipality.pk)),
        (people.dave, w.alice, user_form(organisation=w.school_far.pk)),
        (people.rita, people.rita, user_form(role=Role.REGIONAL_ANALYST, territory=w.region.pk)),
    ]
    def accounts() -> list[dict[str, Any]]:
        return [
            {k: v for k, v in row.items() if k != "last_login"}  # force_login sets it
            for row in User.objects.order_by("pk").values()
        ]

    snapshot = accounts()
    for actor, target, data in attempts:
        data.pop("username")
        client = client_for(actor)
        assert client.get(reverse("administration:user_edit", args=[target.pk])).status_code == 404
        response = client.post(reverse("administration:user_edit", args=[target.pk]), data)
        assert response.status_code == 404
    for actor, target, _data in attempts:
        client = client_for(actor)
        assert client.post(reverse("administration:user_password", args=[target.pk])).status_code == 404
        assert client.post(
            reverse("administration:user_active", args=[target.pk]), {"active": "0"}
        ).status_code == 404
    assert accounts() == snapshot
    assert len(refused_rows()) == 3 * len(attempts)


def test_edit_within_scope_and_crafted_edit(people: People) -> None:
    w = people.w
    client = client_for(w.bob)
    url = reverse("administration:user_edit", args=[w.alice.pk])
    data = user_form(role=Role.VIEWER, organisation=w.school_a.pk, last_name="Алисова")
    data.pop("username")
    assert client.post(url, data).status_code == 302
    alice = User.objects.get(pk=w.alice.pk)
    assert (alice.role, alice.organisation, alice.last_name) == (Role.VIEWER, w.school_a, "Алисова")
    crafted = {**data, "is_superuser": "on", "username": "root2"}
    assert client.post(url, crafted).status_code == 403
    up = {**data, "role": Role.MUNICIPAL_SPECIALIST, "territory": w.municipality.pk, "organisation": ""}
    assert client.post(url, up).status_code == 403
    alice = User.objects.get(pk=w.alice.pk)
    assert (alice.username, alice.role, alice.is_superuser) == ("alice", Role.VIEWER, False)
    assert len(refused_rows()) == 2


def test_deactivate_and_reset_password(people: People) -> None:
    w = people.w
    client = client_for(w.bob)
    assert client.post(
        reverse("administration:user_active", args=[w.charlie.pk]), {"active": "0"}
    ).status_code == 302
    assert not User.objects.get(pk=w.charlie.pk).is_active
    assert not Client().login(username="charlie", password=PASSWORD)
    row = AuditLog.objects.filter(model="access.User", action="update", object_id=str(w.charlie.pk)).latest("id")
    assert row.actor == w.bob and row.changes["changed"]["is_active"] == [True, False]
    client.post(reverse("administration:user_active", args=[w.charlie.pk]), {"active": "1"})
    assert Client().login(username="charlie", password=PASSWORD)
    # A crafted extra field on the toggle is refused.
    assert client.post(
        reverse("administration:user_active", args=[w.charlie.pk]),
        {"active": "1", "is_superuser": "on"},
    ).status_code == 403
    # A new one-time password: the old one stops working, the new one forces a change.
    response = client.post(reverse("administration:user_password", args=[w.alice.pk]))
    assert response.status_code == 200
    password = response.context["password"]
    assert not Client().login(username="alice", password=PASSWORD)
    alice = Client()
    assert alice.login(username="alice", password=password)
    assert alice.get("/")["Location"] == reverse("password_change")
    assert User.objects.get(pk=w.alice.pk).must_change_password
    everything = json.dumps(
        [[r.object_repr, r.changes] for r in AuditLog.objects.all()], ensure_ascii=False
    )
    assert password not in everything
    assert AuditLog.objects.filter(
        model="access.User", object_id=str(w.alice.pk), changes__operation="one_time_password_issued"
    ).exists()


def test_school_administrators_cannot_post_anything(people: People) -> None:
    w = people.w
    for user in (w.alice, w.charlie):
        client = client_for(user)
        assert client.post(
            reverse("administration:user_create"), user_form(organisation=w.school_a.pk)
        ).status_code == 403
        assert client.post(
            reverse("administration:organisation_edit", args=[w.school_a.pk]),
            org_form(w.school_a, short_name="x"),
        ).status_code == 403
    assert not User.objects.filter(username="newbie").exists()
    assert Organisation.objects.get(pk=w.school_a.pk).short_name == "МБОУ СОШ № 1"
    assert len(refused_rows()) == 4


# --- the Django admin --------------------------------------------------------------------------


def test_django_admin_is_for_superusers_only(people: People) -> None:
    from django.contrib.auth.models import Permission

    stan = people.stan
    stan.user_permissions.add(*Permission.objects.all())  # even with every permission
    client = client_for(stan)
    for url in ("/admin/", "/admin/access/user/", f"/admin/access/user/{stan.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.post(
        f"/admin/access/user/{stan.pk}/change/",
        {"username": "stan", "is_superuser": "on", "is_staff": "on", "role": Role.REGIONAL_ANALYST},
    )
    stan.refresh_from_db()
    assert not stan.is_superuser and stan.role == Role.MUNICIPAL_SPECIALIST
    assert client_for(people.root).get("/admin/access/user/").status_code == 200
    assert client_for(people.w.bob).get("/admin/").status_code == 302


# --- the demo specialist ------------------------------------------------------------------------


def test_demo_specialist_reaches_the_administration(world: Any) -> None:
    from msoko.demo.generator import DEMO_USERS

    spec = next(u for u in DEMO_USERS if u.username == "specialist")
    user = User.objects.create_user(
        "specialist", role=spec.role, territory=world.municipality, is_staff=spec.is_staff
    )
    assert policy.can_administer(user) and not user.is_staff
    assert client_for(user).get(reverse("administration:index")).status_code == 200
