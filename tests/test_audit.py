"""Every change is written to the audit log: who, when, what."""

from __future__ import annotations

from msoko.access import audit
from msoko.access.models import AuditLog
from msoko.registry.models import Organisation, SocialPassport
from tests.conftest import PASSWORD


def test_create_update_delete_are_audited_with_actor(world):  # type: ignore[no-untyped-def]
    with audit.acting_as(world.bob):
        org = Organisation.objects.create(
            territory=world.municipality, short_name="Новая школа", full_name="Новая", code="N1"
        )
        org.short_name = "Новая школа № 3"
        org.save()
        org.save()  # no change, no row
        pk = org.pk
        org.delete()
    rows = list(AuditLog.objects.filter(model="registry.Organisation", object_id=str(pk)).order_by("id"))
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert all(r.actor == world.bob and r.actor_label == "bob" for r in rows)
    assert rows[0].changes["after"]["short_name"] == "Новая школа"
    assert rows[1].changes["changed"]["short_name"] == ["Новая школа", "Новая школа № 3"]
    assert rows[2].changes["before"]["code"] == "N1"


def test_decimal_and_date_values_are_stored_as_json(world):  # type: ignore[no-untyped-def]
    SocialPassport.objects.create(
        organisation=world.school_a,
        year=world.year,
        low_income_share="12.50",
        single_parent_share="20",
        disability_share="3",
        non_native_share="1",
        preventive_registration_share="0.5",
    )
    row = AuditLog.objects.get(model="registry.SocialPassport")
    assert row.changes["after"]["low_income_share"] == "12.50"
    assert row.actor is None and row.actor_label == "система"


def test_password_is_never_written_to_the_log(world):  # type: ignore[no-untyped-def]
    world.alice.set_password("another-Pa55word")
    world.alice.save()
    for row in AuditLog.objects.filter(model="access.User"):
        for part in ("after", "before", "changed"):
            assert "password" not in row.changes.get(part, {})
        assert "another-Pa55word" not in str(row.changes)
        assert world.alice.password not in str(row.changes)


def test_web_change_is_attributed_to_the_logged_in_user(world, client):  # type: ignore[no-untyped-def]
    assert client.login(username="bob", password=PASSWORD)
    assert AuditLog.objects.filter(action="login", actor=world.bob).exists()
    url = f"/administration/organisations/{world.school_b.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data.update({"territory": world.municipality.pk, "short_name": "МБОУ СОШ № 2 им. Героя"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AuditLog.objects.filter(model="registry.Organisation", action="update").latest("id")
    assert row.actor == world.bob
    assert row.changes["changed"]["short_name"][1] == "МБОУ СОШ № 2 им. Героя"


def test_specialist_cannot_reach_foreign_school(world, client):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Permission

    # Staff with a model permission still cannot enter the Django admin (superusers only) ...
    world.bob.is_staff = True
    world.bob.save()
    world.bob.user_permissions.add(Permission.objects.get(codename="change_organisation"))
    client.force_login(world.bob)
    assert client.get("/admin/registry/organisation/").status_code == 302
    # ... and her own administration pages know only her municipality.
    listing = client.get("/administration/organisations/").content.decode()
    assert "МБОУ СОШ № 1" in listing and "МБОУ СОШ № 9" not in listing
    foreign = client.get(f"/administration/organisations/{world.school_far.pk}/")
    assert foreign.status_code == 404
    assert Organisation.objects.get(pk=world.school_far.pk).short_name == "МБОУ СОШ № 9"


def test_failed_login_is_audited(world, client):  # type: ignore[no-untyped-def]
    assert not client.login(username="alice", password="wrong")
    assert AuditLog.objects.filter(action="login_failed", object_repr="alice").exists()


def test_suppressed_block_writes_only_the_bulk_row(world):  # type: ignore[no-untyped-def]
    before = AuditLog.objects.count()
    with audit.acting_as(None, label="demo"), audit.DANGEROUS_unaudited():
        Organisation.objects.create(
            territory=world.municipality, short_name="Б", full_name="Б", code="BULK1"
        )
    assert AuditLog.objects.count() == before
    with audit.acting_as(None, label="demo"):
        audit.record("bulk", model="demo", changes={"organisations": 1})
    row = AuditLog.objects.latest("id")
    assert (row.action, row.actor_label, row.changes) == ("bulk", "demo", {"organisations": 1})
