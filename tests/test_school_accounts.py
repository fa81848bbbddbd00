"""Accounts for schools: ``msoko accounts schools`` and the button on the administration
pages; one-time passwords delivered as XLSX, a password change forced at first login.

The world: municipality M1 with schools A1 (alice) and B2 (charlie) that already have
accounts; the tests add C3 and «Ш-4» (no account), a preschool and a closed school (never
given one), and F9 of M2 (bob's neighbour).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from msoko.access import accounts
from msoko.access.models import AuditLog, Role, User
from msoko.registry.models import Organisation
from tests.conftest import client_for

HEADERS = ["Код организации", "Наименование организации", "Логин", "Временный пароль"]


@pytest.fixture
def schools(world: Any) -> Any:
    mun = world.municipality
    Organisation.objects.create(territory=mun, short_name="МБОУ СОШ № 3", full_name="Школа В", code="C3")
    Organisation.objects.create(territory=mun, short_name="МКОУ ООШ № 4", full_name="Школа Г", code="Ш-4")
    Organisation.objects.create(
        territory=mun, short_name="МБДОУ № 5", full_name="Детский сад", code="D5", kind="preschool"
    )
    Organisation.objects.create(
        territory=mun, short_name="Закрытая школа", full_name="Закрыта", code="X6", is_active=False
    )
    return world


def read_xlsx(data: bytes | Path) -> list[list[Any]]:
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    wb = openpyxl.load_workbook(source)
    ws = wb.active
    return [list(row) for row in ws.iter_rows(values_only=True)]


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("accounts", "schools", *args, stdout=out)
    return out.getvalue()


def audit_text() -> str:
    return json.dumps(
        [[r.action, r.model, r.object_id, r.object_repr, r.changes] for r in AuditLog.objects.all()],
        ensure_ascii=False,
    )


def change_password(client: Client, old: str, new: str = "Новый-пароль-2026") -> Any:
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


# --- logins and passwords -------------------------------------------------------------------


def test_logins_are_transliterated_codes_and_unique(world: Any) -> None:
    assert accounts.transliterate("Ш-4") == "sh-4"
    assert accounts.transliterate("СОШ № 1 (г. Энск)") == "sosh-1-g-ensk"
    assert accounts.transliterate("A1") == "a1"
    taken: set[str] = set()
    # "a1" exists (case-insensitively: «A1»), so the next one is "a1-2", then "a1-3".
    User.objects.create_user("A1")
    assert accounts.login_for("A1", taken) == "a1-2"
    assert accounts.login_for("a1", taken) == "a1-3"
    assert accounts.login_for("—", taken) == "school"


def test_one_time_passwords_are_readable_random_and_long() -> None:
    passwords = {accounts.one_time_password() for _ in range(200)}
    assert len(passwords) == 200
    for p in passwords:
        assert len(p) >= 12
        groups = p.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set("abcdefghijkmnpqrstuvwxyz23456789")
        assert not set("".join(groups)) & set("01lIoO")


# --- the command ------------------------------------------------------------------------------


def test_command_creates_accounts_for_schools_without_one(schools: Any, tmp_path: Path) -> None:
    out = tmp_path / "logins.xlsx"
    message = run_command("--territory", "M1", "--out", str(out))
    assert "Создано учётных записей: 2" in message
    rows = read_xlsx(out)
    assert rows[0] == HEADERS
    # By hand: A1 and B2 have accounts, D5 is a preschool, X6 is closed; codes in order.
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("C3", "МБОУ СОШ № 3", "c3"),
        ("Ш-4", "МКОУ ООШ № 4", "sh-4"),
    ]
    assert (out.stat().st_mode & 0o777) == 0o600
    for code, _name, login, password in rows[1:]:
        user = User.objects.get(username=login)
        assert (user.role, user.organisation.code) == (Role.SCHOOL_ADMIN, code)
        assert user.must_change_password and not user.is_staff and not user.is_superuser
        assert user.password != password and user.check_password(password)
    # One bulk audit row naming the organisations; no password anywhere in the log.
    bulk = AuditLog.objects.filter(action="bulk", model="access.User")
    assert bulk.count() == 1
    assert bulk.get().changes["organisations"] == ["C3", "Ш-4"]
    assert bulk.get().changes["logins"] == ["c3", "sh-4"]
    assert not AuditLog.objects.filter(model="access.User", object_repr__in=["c3", "sh-4"]).exists()
    text = audit_text()
    for row in rows[1:]:
        assert row[3] not in text


def test_each_password_logs_in_once_then_the_change_is_forced(schools: Any, tmp_path: Path) -> None:
    out = tmp_path / "logins.xlsx"
    run_command("--territory", "M1", "--out", str(out))
    for _code, _name, login, password in read_xlsx(out)[1:]:
        client = Client()
        assert client.login(username=login, password=password)
        # Every page leads to the change page; the API answers 403 in JSON, in Russian.
        home = client.get("/")
        assert home.status_code == 302 and home["Location"] == reverse("password_change")
        page = client.get("/organisations/")
        assert page["Location"] == reverse("password_change") + "?next=%2Forganisations%2F"
        api = client.get("/api/v1/organisations/")
        assert api.status_code == 403
        assert "Смените временный пароль" in api.json()["detail"]
        htmx = client.get("/organisations/", HTTP_HX_REQUEST="true")
        assert htmx["HX-Redirect"].startswith(reverse("password_change"))
        assert client.get(reverse("password_change")).status_code == 200
        # The same password as the new one is refused; then a real change.
        same = change_password(client, password, password)
        assert same.status_code == 200 and not User.objects.get(username=login).password == ""
        assert User.objects.get(username=login).must_change_password
        done = change_password(client, password)
        assert done.status_code == 302 and done["Location"] == reverse("home")
        assert not User.objects.get(username=login).must_change_password
        assert client.get("/").status_code == 200  # the session survives the change
        # The one-time password is spent: it no longer logs in; the new one does.
        assert not Client().login(username=login, password=password)
        assert Client().login(username=login, password="Новый-пароль-2026")


def test_rerun_creates_only_missing_accounts(schools: Any, tmp_path: Path) -> None:
    run_command("--territory", "M1", "--out", str(tmp_path / "first.xlsx"))
    second = tmp_path / "second.xlsx"
    assert "новых не создано" in run_command("--territory", "M1", "--out", str(second))
    assert not second.exists()
    Organisation.objects.create(
        territory=schools.municipality, short_name="Новая школа", full_name="Новая", code="N7"
    )
    run_command("--territory", "M1", "--out", str(second))
    assert [r[0] for r in read_xlsx(second)[1:]] == ["N7"]
    assert User.objects.filter(role=Role.SCHOOL_ADMIN, organisation__territory=schools.municipality).count() == 5


def test_listed_schools_and_reset(schools: Any, tmp_path: Path) -> None:
    first = tmp_path / "first.xlsx"
    run_command("--territory", "M1", "--org", "C3", "--out", str(first))
    (row,) = read_xlsx(first)[1:]
    assert row[:3] == ["C3", "МБОУ СОШ № 3", "c3"]
    assert not User.objects.filter(organisation__code="Ш-4").exists()
    user = User.objects.get(username="c3")
    user.must_change_password = False
    user.save()
    again = tmp_path / "reset.xlsx"
    message = run_command("--territory", "M1", "--org", "C3", "--reset", "--out", str(again))
    assert "Выданы новые пароли: 1" in message
    (new_row,) = read_xlsx(again)[1:]
    assert new_row[2] == "c3" and new_row[3] != row[3]
    assert not Client().login(username="c3", password=row[3])
    assert Client().login(username="c3", password=new_row[3])
    assert User.objects.get(username="c3").must_change_password
    assert User.objects.filter(organisation__code="C3").count() == 1
    assert row[3] not in audit_text() and new_row[3] not in audit_text()
    with pytest.raises(CommandError, match="только перечисленным школам"):
        run_command("--territory", "M1", "--reset", "--out", str(tmp_path / "all.xlsx"))


def test_command_refusals(schools: Any, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match="Территории с кодом ZZ нет"):
        run_command("--territory", "ZZ", "--out", str(out))
    with pytest.raises(CommandError, match="вне вашей области"):
        run_command("--territory", "M2", "--user", "bob", "--out", str(out))
    with pytest.raises(CommandError, match="не можете"):
        run_command("--territory", "M1", "--user", "alice", "--out", str(out))
    with pytest.raises(CommandError, match="F9"):
        run_command("--territory", "M1", "--org", "F9", "--user", "bob", "--out", str(out))
    with pytest.raises(CommandError, match="D5"):
        run_command("--territory", "M1", "--org", "D5", "--out", str(out))
    assert not out.exists()
    assert not User.objects.filter(organisation__code__in=["C3", "Ш-4", "F9"]).exists()
    existing = tmp_path / "old.xlsx"
    existing.write_bytes(b"earlier passwords")
    with pytest.raises(CommandError, match="уже существует"):
        run_command("--territory", "M1", "--out", str(existing))
    assert existing.read_bytes() == b"earlier passwords"
    assert not User.objects.filter(organisation__code="C3").exists()


def test_command_as_a_specialist_stays_in_her_municipality(schools: Any, tmp_path: Path) -> None:
    Organisation.objects.create(
        territory=schools.other_municipality, short_name="Соседняя", full_name="С", code="F8"
    )
    out = tmp_path / "bob.xlsx"
    run_command("--territory", "M1", "--user", "bob", "--out", str(out))
    assert [r[0] for r in read_xlsx(out)[1:]] == ["C3", "Ш-4"]
    assert AuditLog.objects.get(action="bulk", model="access.User").actor == schools.bob
    # A regional analyst's region: only the neighbour's schools are left.
    User.objects.create_user("rita", role=Role.REGIONAL_ANALYST, territory=schools.region)
    region = tmp_path / "rita.xlsx"
    run_command("--territory", "R1", "--user", "rita", "--out", str(region))
    assert [r[0] for r in read_xlsx(region)[1:]] == ["F8", "F9"]


def test_one_time_hasher_is_cheap_and_replaced_at_first_login(world: Any, settings: Any) -> None:
    from django.contrib.auth import authenticate

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "msoko.access.hashers.OneTimePBKDF2PasswordHasher",
    ]
    from msoko.access.hashers import one_time_hash

    encoded = one_time_hash("abcd-efgh-ijkm")
    assert encoded.startswith("pbkdf2_sha256_onetime$20000$")
    user = User.objects.create_user("onetime", role=Role.SCHOOL_ADMIN, organisation=world.school_a)
    user.password = encoded
    user.save()
    from django.test import RequestFactory

    login = RequestFactory().post("/login/", REMOTE_ADDR="127.0.0.1")  # django-axes needs it
    assert authenticate(login, username="onetime", password="abcd-efgh-ijkm") is not None
    assert User.objects.get(username="onetime").password.startswith("md5$")


# --- the button -------------------------------------------------------------------------------


def test_button_downloads_the_xlsx_to_the_specialist(schools: Any) -> None:
    client = client_for(schools.bob)
    page = client.get(reverse("administration:school_accounts"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "МБОУ СОШ № 3" in text and "МКОУ ООШ № 4" in text
    assert "МБОУ СОШ № 9" not in text and "МБДОУ № 5" not in text
    response = client.post(
        reverse("administration:school_accounts"),
        {"territory": schools.municipality.pk, "org": ["C3", "Ш-4"]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = read_xlsx(response.content)
    assert rows[0] == HEADERS
    assert [r[:3] for r in rows[1:]] == [["C3", "МБОУ СОШ № 3", "c3"], ["Ш-4", "МКОУ ООШ № 4", "sh-4"]]
    for _c, _n, login, password in rows[1:]:
        assert Client().login(username=login, password=password)
        assert password not in audit_text()
    bulk = AuditLog.objects.get(action="bulk", model="access.User")
    assert bulk.actor == schools.bob and bulk.changes["organisations"] == ["C3", "Ш-4"]
    # Pressed again: nothing new.
    again = client.post(
        reverse("administration:school_accounts"),
        {"territory": schools.municipality.pk, "org": ["C3"]},
    )
    assert again.status_code == 302
    assert User.objects.filter(organisation__code="C3").count() == 1


@pytest.mark.parametrize(
    "data_of",
    [
        lambda w: {"territory": w.other_municipality.pk, "org": ["F9"]},
        lambda w: {"territory": w.municipality.pk, "org": ["F9"]},
        lambda w: {"territory": w.region.pk, "org": ["F9"]},
        lambda w: {"territory": w.municipality.pk, "org": ["C3"], "is_superuser": "on"},
    ],
    ids=["other-municipality", "foreign-school", "region", "extra-field"],
)
def test_button_refuses_crafted_requests(schools: Any, data_of: Any) -> None:
    response = client_for(schools.bob).post(reverse("administration:school_accounts"), data_of(schools))
    assert response.status_code == 403
    assert not User.objects.filter(organisation__code__in=["C3", "F9"]).exists()
    refused = AuditLog.objects.get(action="refused")
    assert refused.actor == schools.bob


def test_school_administrators_have_no_button(schools: Any) -> None:
    for user in (schools.alice, schools.charlie):
        client = client_for(user)
        assert client.get(reverse("administration:school_accounts")).status_code == 403
        post = client.post(
            reverse("administration:school_accounts"),
            {"territory": schools.municipality.pk, "org": ["C3"]},
        )
        assert post.status_code == 403
    assert not User.objects.filter(organisation__code="C3").exists()
    assert AuditLog.objects.filter(action="refused").count() == 2


def test_territory_ids_are_not_localized_on_the_page(schools: Any) -> None:
    from msoko.registry.models import Territory

    big = Territory.objects.create(
        pk=123456, kind="municipality", name="Большой район", code="M77", parent=schools.region
    )
    Organisation.objects.create(territory=big, short_name="СОШ № 77", full_name="Ш", code="S77")
    rita = User.objects.create_user("rita", role=Role.REGIONAL_ANALYST, territory=schools.region)
    page = client_for(rita).get(
        reverse("administration:school_accounts"), {"territory": big.pk}
    ).content.decode()
    assert '<option value="123456" selected>' in page
    assert 'name="territory" value="123456"' in page
    assert "123\u00a0456" not in page
