"""Shared fixtures: a small territory with two schools and the three personas.

* ``alice`` — administrator of school A (the owner of school A's data);
* ``bob``   — municipal specialist of the municipality (sees both schools);
* ``charlie`` — administrator of school B (an outsider to school A).

Every view test asks all three (Healthchecks' alice / bob / charlie).
"""

from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The task queue's SQLite file: one per test run, never the data folder's.
os.environ.setdefault(
    "MSOKO_QUEUE_FILE",
    os.path.join(tempfile.mkdtemp(prefix="msoko-queue-"), "queue.sqlite3"),
)

PASSWORD = "Pa55-word-for-tests"


def pytest_configure(config: Any) -> None:
    """The tests build their own world: ``migrate`` (and a transactional test's flush) adds
    no reference data here; tests/test_setup.py turns it on where it is the subject."""
    from django.conf import settings

    settings.MSOKO_REFERENCE_ON_MIGRATE = False
    _login_with_a_request()


def _login_with_a_request() -> None:
    """django-axes stays on in every test (its backend is first in AUTHENTICATION_BACKENDS), and
    it needs the request of a login to know the address. The browser and the login page pass
    it; ``Client.login(...)`` does not, so here it passes a POST to the login page from
    127.0.0.1 unless the test gives its own ``request=`` (docs/adr/0020-login-lockout.md)."""
    from django.test import Client, RequestFactory

    original = Client.login
    if getattr(original, "_msoko_with_request", False):
        return

    def login(self: Any, **credentials: Any) -> bool:
        if "request" not in credentials:
            credentials["request"] = RequestFactory().post("/login/", REMOTE_ADDR="127.0.0.1")
        return bool(original(self, **credentials))

    login._msoko_with_request = True  # type: ignore[attr-defined]
    Client.login = login  # type: ignore[method-assign]


@dataclass
class World:
    region: Any
    municipality: Any
    other_municipality: Any
    school_a: Any
    school_b: Any
    school_far: Any
    year: Any
    alice: Any
    bob: Any
    charlie: Any


@pytest.fixture(autouse=True)
def _isolated_fact_store(settings: Any, tmp_path: Any) -> None:
    settings.FACT_STORE_DIR = tmp_path / "facts"
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.INDICATOR_STORE_DIR = tmp_path / "indicators"
    # A fast hasher: the production one costs ~0.5 s per password by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: Any) -> World:
    from msoko.access.models import Role, User
    from msoko.facts.reference import ensure_reference_data
    from msoko.registry.models import AcademicYear, Organisation, Territory

    region = Territory.objects.create(kind="region", name="Тестовая область", code="R1")
    mun = Territory.objects.create(
        kind="municipality", name="Энский район", code="M1", parent=region
    )
    other = Territory.objects.create(
        kind="municipality", name="Соседний район", code="M2", parent=region
    )
    year = AcademicYear.objects.create(
        start_year=2024,
        starts_on=datetime.date(2024, 9, 1),
        ends_on=datetime.date(2025, 8, 31),
        is_current=True,
    )
    ensure_reference_data([year])
    # Shipped by a data migration, which a transactional test's flush empties: load again.
    from msoko.collect.catalog import load_forms
    from msoko.collect.models import DataForm, FormField

    load_forms(DataForm, FormField)
    school_a = Organisation.objects.create(
        territory=mun, short_name="МБОУ СОШ № 1", full_name="Школа А", code="A1", inn="7000000001"
    )
    school_b = Organisation.objects.create(
        territory=mun,
        short_name="МБОУ СОШ № 2",
        full_name="Школа Б",
        code="B2",
        locality="rural",
    )
    school_far = Organisation.objects.create(
        territory=other, short_name="МБОУ СОШ № 9", full_name="Школа соседей", code="F9"
    )
    alice = User.objects.create_user(
        "alice", password=PASSWORD, role=Role.SCHOOL_ADMIN, organisation=school_a
    )
    bob = User.objects.create_user(
        "bob", password=PASSWORD, role=Role.MUNICIPAL_SPECIALIST, territory=mun
    )
    charlie = User.objects.create_user(
        "charlie", password=PASSWORD, role=Role.SCHOOL_ADMIN, organisation=school_b
    )
    return World(region, mun, other, school_a, school_b, school_far, year, alice, bob, charlie)


@pytest.fixture
def facts(world: World) -> World:
    """The world with distinct results for every school (see ``tests.test_web_helpers``)."""
    from tests.test_web_helpers import seed_results

    seed_results(world)
    return world


def client_for(user: Any) -> Any:
    """A Django test client logged in as ``user``."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
