"""No escalation (issue 13, item 1): nobody raises her own rights, nor anyone's above her own.

tests/test_admin_pages.py already holds the main crafted requests of «Администрирование»
(user creation with flags, roles and territories above the editor, edits of oneself and of
those above). This file adds what it does not:

* the Django admin, page by page: a staff user holding every model permission opens none of
  its pages and changes nothing by POST (and each POST is audited as ``refused``);
* the self-service pages (password change, second factor): extra fields such as
  ``is_superuser`` are refused and audited, for every persona;
* the edit, activation, password and school-accounts actions of «Администрирование» tried
  by a school administrator, a municipal specialist and a regional analyst against users
  outside their territory or with rights above their own.

Every refusal is a 403 or 404, leaves the accounts exactly as they were, and writes one
``refused`` row naming the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from msoko.access.models import AuditLog, Role, User
from msoko.registry.models import Territory
from tests.conftest import PASSWORD, client_for


@dataclass
class Cast:
    w: Any
    rita: User  # regional analyst of R1
    stan: User  # staff, every permission, municipal specialist of M1
    far_user: User  # a specialist of another region
    far_mun: Territory


@pytest.fixture
def cast(world: Any) -> Cast:
    rita = User.objects.create_user(
        "rita", password=PASSWORD, role=Role.REGIONAL_ANALYST, territory=world.region
    )
    stan = User.objects.create_user(
        "stan", password=PASSWORD, role=Role.MUNICIPAL_SPECIALIST, territory=world.municipality,
        is_staff=True,
    )
    stan.user_permissions.add(*Permission.objects.all())
    far_region = Territory.objects.create(kind="region", name="Чужая область", code="R9")
    far_mun = Territory.objects.create(
        kind="municipality", name="Чужой район", code="M9", parent=far_region
    )
    far_user = User.objects.create_user(
        "farid", password=PASSWORD, role=Role.MUNICIPAL_SPECIALIST, territory=far_mun
    )
    return Cast(world, rita, stan, far_user, far_mun)


def accounts() -> list[dict[str, Any]]:
    """Every account's every column but ``last_login`` (logging in sets it)."""
    return [
        {k: v for k, v in row.items() if k != "last_login"}
        for row in User.objects.order_by("pk").values()
    ]


def refused_rows() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action="refused").order_by("id"))


# --- the Django admin ---------------------------------------------------------------------------


def admin_urls(objects: dict[str, Any]) -> list[str]:
    """Every page of the admin: index, each app, and each registered model's list, add,
    change, history and delete pages (for one existing object where there is one)."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    apps = set()
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        apps.add(meta.app_label)
        base = f"admin:{meta.app_label}_{meta.model_name}"
        urls += [reverse(f"{base}_changelist"), reverse(f"{base}_add")]
        obj = objects.get(meta.label) or model._default_manager.first()
        if obj is not None:
            urls += [
                reverse(f"{base}_change", args=[obj.pk]),
                reverse(f"{base}_history", args=[obj.pk]),
                reverse(f"{base}_delete", args=[obj.pk]),
            ]
    urls += [reverse("admin:app_list", args=[app]) for app in sorted(apps)]
    return urls


def test_staff_with_every_permission_opens_no_admin_page(cast: Cast) -> None:
    stan = cast.stan
    assert stan.has_perm("access.change_user")  # the permissions are really there
    urls = admin_urls({"access.User": stan})
    assert len(urls) > 40
    client = client_for(stan)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    # The admin's own login page refuses her too (no loop back to the admin).
    assert client.get(reverse("admin:login")).status_code == 403
    # The superuser opens the same pages.
    root = User.objects.create_superuser("root", "root@example.ru", PASSWORD)
    assert client_for(root).get(reverse("admin:access_user_changelist")).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"is_superuser": "on"},
        {"is_staff": "on", "is_superuser": "on"},
        {"role": Role.REGIONAL_ANALYST},
        {"territory": "region"},
        {"groups": "admins"},
    ],
    ids=["is_superuser", "staff+superuser", "role", "territory", "groups"],
)
def test_staff_cannot_post_a_change_to_herself_through_the_admin(cast: Cast, change: dict[str, str]) -> None:
    stan = cast.stan
    group = Group.objects.create(name="admins")
    group.permissions.add(*Permission.objects.all())
    data = {
        "username": "stan",
        "is_active": "on",
        "is_staff": "on",
        "role": Role.MUNICIPAL_SPECIALIST,
        "territory": str(cast.w.municipality.pk),
        "date_joined_0": "01.01.2026",
        "date_joined_1": "00:00:00",
        **change,
    }
    if data["territory"] == "region":
        data["territory"] = str(cast.w.region.pk)
    if data.get("groups") == "admins":
        data["groups"] = str(group.pk)
    before = accounts()
    client = client_for(stan)
    response = client.post(reverse("admin:access_user_change", args=[stan.pk]), data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    # Nor by creating a new superuser, nor by adding herself to a group.
    client.post(
        reverse("admin:access_user_add"),
        {"username": "evil", "password1": "Zx-long-pass-991", "password2": "Zx-long-pass-991",
         "usable_password": "true", "is_superuser": "on", "is_staff": "on"},
    )
    client.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "admins"})
    assert accounts() == before
    assert not stan.groups.exists()
    assert not User.objects.filter(username="evil").exists()
    rows = refused_rows()
    assert len(rows) == 3 and {r.actor for r in rows} == {stan}
    assert rows[0].changes["request"].get("is_superuser") == change.get("is_superuser")
    assert "Zx-long-pass-991" not in str([r.changes for r in rows])


# --- self-service pages -------------------------------------------------------------------------

SELF_ESCALATIONS: list[dict[str, Any]] = [
    {"is_superuser": "on"},
    {"is_staff": "on"},
    {"role": Role.REGIONAL_ANALYST},
    {"territory": "far"},
    {"organisation": "far"},
]


def personas(cast: Cast) -> list[User]:
    return [cast.w.alice, cast.w.bob, cast.rita]


@pytest.mark.parametrize("extra", SELF_ESCALATIONS, ids=lambda e: next(iter(e)))
def test_password_page_refuses_extra_fields_for_every_persona(cast: Cast, extra: dict[str, Any]) -> None:
    far = {"territory": cast.far_mun.pk, "organisation": cast.w.school_far.pk}
    extra = {k: far.get(k, v) if v == "far" else v for k, v in extra.items()}
    before = accounts()
    for user in personas(cast):
        response = client_for(user).post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "Nw-pass-7731x", "new_password2": "Nw-pass-7731x", **extra},
        )
        assert response.status_code == 403
        assert "Действие отклонено" in response.content.decode()
    assert accounts() == before  # not even the password changed
    rows = refused_rows()
    assert [r.actor for r in rows] == personas(cast)
    assert all(r.changes["fields"] == sorted(extra) for r in rows)
    assert "Nw-pass-7731x" not in str([r.changes for r in rows])


@pytest.mark.parametrize("extra", SELF_ESCALATIONS, ids=lambda e: next(iter(e)))
def test_second_factor_page_refuses_extra_fields(cast: Cast, extra: dict[str, Any]) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    before = accounts()
    for user in personas(cast):
        response = client_for(user).post(
            reverse("account_security"), {"action": "start", **extra}
        )
        assert response.status_code == 403
    assert accounts() == before
    assert not TOTPDevice.objects.exists()
    assert len(refused_rows()) == len(personas(cast))


# --- «Администрирование»: edits, activation, passwords, school accounts -------------------------


def edit_form(user: User, **extra: Any) -> dict[str, Any]:
    data = {
        "last_name": user.last_name or "Фамилия",
        "first_name": user.first_name or "Имя",
        "email": "",
        "position": "",
        "role": user.role,
        "territory": user.territory_id or "",
        "organisation": user.organisation_id or "",
    }
    data.update(extra)
    return data


def test_school_administrator_reaches_no_action_of_the_section(cast: Cast) -> None:
    w = cast.w
    alice = client_for(w.alice)
    before = accounts()
    attempts = [
        (reverse("administration:user_edit", args=[w.charlie.pk]), edit_form(w.charlie, role=Role.VIEWER)),
        (reverse("administration:user_edit", args=[w.alice.pk]), edit_form(w.alice, is_superuser="on")),
        (reverse("administration:user_active", args=[w.charlie.pk]), {"active": "0"}),
        (reverse("administration:user_password", args=[w.charlie.pk]), {}),
        (reverse("administration:school_accounts"), {"territory": w.municipality.pk, "org": w.school_b.code}),
        (reverse("administration:mark_scale_create"), {"procedure": "x"}),
    ]
    for url, data in attempts:
        assert alice.post(url, data).status_code == 403, url
    assert accounts() == before
    rows = refused_rows()
    assert len(rows) == len(attempts) and {r.actor for r in rows} == {w.alice}


@pytest.mark.parametrize(
    "case",
    [
        "bob-promotes-alice-to-specialist",
        "bob-promotes-alice-to-analyst",
        "bob-moves-alice-to-another-municipality",
        "bob-sets-is_staff-on-alice",
        "rita-sets-is_superuser-on-bob",
        "rita-promotes-bob-to-analyst",
        "rita-moves-bob-to-another-region",
    ],
)
def test_edits_above_the_editor_are_refused(cast: Cast, case: str) -> None:
    w = cast.w
    cases: dict[str, tuple[User, User, dict[str, Any]]] = {
        "bob-promotes-alice-to-specialist": (
            w.bob, w.alice,
            edit_form(w.alice, role=Role.MUNICIPAL_SPECIALIST, territory=w.municipality.pk, organisation=""),
        ),
        "bob-promotes-alice-to-analyst": (
            w.bob, w.alice,
            edit_form(w.alice, role=Role.REGIONAL_ANALYST, territory=w.region.pk, organisation=""),
        ),
        "bob-moves-alice-to-another-municipality": (
            w.bob, w.alice, edit_form(w.alice, organisation=w.school_far.pk)
        ),
        "bob-sets-is_staff-on-alice": (w.bob, w.alice, edit_form(w.alice, is_staff="on")),
        "rita-sets-is_superuser-on-bob": (cast.rita, w.bob, edit_form(w.bob, is_superuser="on")),
        "rita-promotes-bob-to-analyst": (
            cast.rita, w.bob, edit_form(w.bob, role=Role.REGIONAL_ANALYST, territory=w.region.pk)
        ),
        "rita-moves-bob-to-another-region": (
            cast.rita, w.bob, edit_form(w.bob, territory=cast.far_mun.pk)
        ),
    }
    actor, target, data = cases[case]
    before = accounts()
    response = client_for(actor).post(reverse("administration:user_edit", args=[target.pk]), data)
    assert response.status_code == 403, response.content.decode()[:2000]
    assert accounts() == before
    (row,) = refused_rows()
    assert row.actor == actor and row.model == "access.User"


def test_users_of_another_territory_are_not_found(cast: Cast) -> None:
    """An analyst of one region and a specialist of one municipality cannot reach a user of
    another: edit, deactivate, new password are 404 and audited."""
    w = cast.w
    attempts = [
        (cast.rita, cast.far_user),
        (w.bob, cast.far_user),
        (w.bob, cast.rita),
    ]
    before = accounts()
    for actor, target in attempts:
        client = client_for(actor)
        assert client.post(
            reverse("administration:user_edit", args=[target.pk]), edit_form(target, role=Role.VIEWER)
        ).status_code == 404
        assert client.post(
            reverse("administration:user_active", args=[target.pk]), {"active": "0"}
        ).status_code == 404
        assert client.post(reverse("administration:user_password", args=[target.pk])).status_code == 404
    assert accounts() == before
    assert len(refused_rows()) == 3 * len(attempts)


def test_school_accounts_for_a_foreign_territory_are_refused(cast: Cast) -> None:
    w = cast.w
    before = accounts()
    cases = [
        (w.bob, {"territory": w.other_municipality.pk, "org": w.school_far.code}),
        (cast.rita, {"territory": cast.far_mun.pk, "org": "X1"}),
        (w.bob, {"territory": w.municipality.pk, "org": w.school_b.code, "is_staff": "on"}),
    ]
    for actor, data in cases:
        assert client_for(actor).post(reverse("administration:school_accounts"), data).status_code == 403
    assert accounts() == before
    assert [r.actor for r in refused_rows()] == [actor for actor, _ in cases]
