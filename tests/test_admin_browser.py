"""In a real browser: the specialist hands out school accounts with the button, and a school
logs in with its one-time password from the downloaded sheet and is made to change it."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest

from msoko.access.models import User
from msoko.registry.models import Organisation
from tests.test_browser import Session, browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MSOKO_SCREENSHOTS", "")


def shot(session: Session, name: str) -> None:
    if SHOTS:
        session.page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_button_download_then_first_login(world: Any, live_server: Any, browser: Any, tmp_path: Any) -> None:  # noqa: F811
    Organisation.objects.create(
        territory=world.municipality, short_name="МБОУ СОШ № 3", full_name="Школа В", code="C3"
    )
    bob = Session(browser, live_server.url)
    bob.login("bob")
    bob.page.click("nav >> text=Администрирование")
    assert urlsplit(bob.page.url).path == "/administration/"
    shot(bob, "index")
    bob.goto("/administration/school-accounts/")
    shot(bob, "school_accounts")
    with bob.page.expect_download() as info:
        bob.page.click("#school-accounts-form button[type=submit]")
    path = tmp_path / "logins.xlsx"
    info.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("C3", "МБОУ СОШ № 3", "c3")
    password = rows[1][3]
    bob.goto("/administration/users/")
    shot(bob, "users")
    bob.goto(f"/administration/users/{User.objects.get(username='c3').pk}/")
    shot(bob, "user_edit")
    bob.goto("/administration/mark-scales/")
    shot(bob, "mark_scales")

    school = Session(browser, live_server.url)
    school.goto("/login/")
    school.page.fill("#id_username", "c3")
    school.page.fill("#id_password", password)
    with school.page.expect_navigation():
        school.page.click("button[type=submit]")
    assert urlsplit(school.page.url).path == "/account/password/"
    shot(school, "password_change")
    school.goto("/organisations/")
    assert urlsplit(school.page.url).path == "/account/password/"
    school.page.fill("#id_old_password", password)
    school.page.fill("#id_new_password1", "Свой-пароль-школы-3")
    school.page.fill("#id_new_password2", "Свой-пароль-школы-3")
    with school.page.expect_navigation():
        school.page.click("form.form button[type=submit]")
    # Back where the school wanted to go before the change was asked for.
    assert urlsplit(school.page.url).path == "/organisations/"
    school.goto("/")
    assert urlsplit(school.page.url).path == "/"
    assert "МБОУ СОШ № 3" in school.page.content()
    assert not User.objects.get(username="c3").must_change_password
    assert not bob.errors and not school.errors
