"""The audit log (issue 13, item 9): IP address and agent on web actions, the OS user on
command-line actions, logged API reads of student-derived data, and the hash chain that
``msoko audit verify`` checks — a row edited, deleted or inserted through SQL is named;
concurrent writers still give one valid chain. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import getpass
import io
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from msoko.access import audit
from msoko.access.models import AuditLog
from tests.conftest import client_for

UA = "Mozilla/5.0 (X11; Linux x86_64) msoko-test/1.0"


def verify_output() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def broken_at() -> tuple[int, str]:
    """Run verify expecting a broken chain: (exit code, message)."""
    with pytest.raises(CommandError) as exc:
        verify_output()
    return exc.value.returncode, str(exc.value)


def mixed_actions(world: Any) -> None:
    """Creates, updates, deletes, logins (good and bad), an export, a refusal, an API read."""
    from msoko.registry.models import Territory

    with audit.acting_as(world.bob):
        t = Territory.objects.create(kind="municipality", name="Новый район", code="M9", parent=world.region)
        t.name = "Новый район (переименован)"
        t.save()
        t.delete()
    anonymous = Client()
    anonymous.post(reverse("login"), {"username": "bob", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    bob = client_for(world.bob)
    assert bob.get(reverse("organisation_list_export")).status_code == 200
    assert bob.get(reverse("api_organisation_results", args=[world.school_a.pk]), {"year": "2024"}).status_code == 200
    audit.refused("попытка сверх полномочий", actor=world.alice, model="registry.Territory",
                  changes_note={"float": 1.0, "big": 1e16, "tiny": 1e-7, "nested": {"b": 1, "a": [0.5, "ё"]}})


@pytest.mark.django_db
def test_a_chain_of_mixed_actions_verifies(world: Any) -> None:
    mixed_actions(world)
    rows = list(AuditLog.objects.order_by("id"))
    assert {"create", "update", "delete", "login_failed", "export", "read", "refused"} <= {r.action for r in rows}
    prev = ""
    for row in rows:  # each row links to the one before it
        assert row.prev_hash == prev and len(row.row_hash) == 64
        prev = row.row_hash
    out = verify_output()
    assert f"OK: цепочка журнала аудита цела, записей: {len(rows)}." in out
    assert f"№ {rows[-1].pk}" in out and rows[-1].row_hash in out


@pytest.mark.django_db
def test_a_row_edited_through_sql_is_named(world: Any) -> None:
    mixed_actions(world)
    ids = list(AuditLog.objects.order_by("id").values_list("id", flat=True))
    target = ids[len(ids) // 2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE access_auditlog SET actor_label = %s WHERE id = %s", ["кто-то другой", target])
    code, message = broken_at()
    assert code == 1
    assert f"на записи № {target} от" in message and "содержимое записи не совпадает с её хэшем" in message
    assert f"Записей до неё проверено и цело: {ids.index(target)}." in message


@pytest.mark.django_db
def test_a_changed_json_field_is_named(world: Any) -> None:
    mixed_actions(world)
    row = AuditLog.objects.filter(action="read").get()
    AuditLog.objects.filter(pk=row.pk).update(changes={"path": "/elsewhere/"})
    code, message = broken_at()
    assert code == 1 and f"на записи № {row.pk} от" in message


@pytest.mark.django_db
def test_a_deleted_row_is_found_at_its_successor(world: Any) -> None:
    mixed_actions(world)
    ids = list(AuditLog.objects.order_by("id").values_list("id", flat=True))
    gone = ids[3]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM access_auditlog WHERE id = %s", [gone])
    code, message = broken_at()
    assert code == 1
    # the row itself is gone: the link of the next one names the gap
    assert f"на записи № {ids[4]} от" in message and f"с хэшем записи № {ids[2]}" in message
    assert "запись удалена или вставлена" in message


def _copy_row(new_id: int, like: AuditLog, prev_hash: str, row_hash: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO access_auditlog (id, at, actor_label, action, model, object_id, object_repr, changes,"
            " ip_address, user_agent, prev_hash, row_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [new_id, like.at, "admin", "delete", like.model, like.object_id, like.object_repr, "{}",
             "", "", prev_hash, row_hash],
        )


def _skip_ids(n: int) -> None:
    """Leave a gap of ``n`` ids (a rolled-back insert does this on PostgreSQL anyway)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence('access_auditlog', 'id'), "
                           "(SELECT MAX(id) FROM access_auditlog) + %s)", [n])
        else:
            cursor.execute("UPDATE sqlite_sequence SET seq = seq + %s WHERE name = 'access_auditlog'", [n])


@pytest.mark.django_db
def test_an_inserted_row_is_named(world: Any) -> None:
    audit.record("bulk", model="demo", object_repr="первая")
    _skip_ids(5)
    audit.record("bulk", model="demo", object_repr="вторая")
    audit.record("bulk", model="demo", object_repr="третья")
    first, second, third = AuditLog.objects.filter(model="demo").order_by("id")
    assert verify_output().startswith("OK")
    # a row slipped in between, linked to its predecessor as an intruder would copy it
    _copy_row(first.pk + 2, second, first.row_hash, "0" * 64)
    code, message = broken_at()
    assert code == 1 and f"на записи № {first.pk + 2} от" in message and "содержимое записи" in message
    # an intruder who computes a valid hash for the row is caught at the next row's link
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM access_auditlog WHERE id = %s", [first.pk + 2])
    forged = AuditLog(id=first.pk + 2, at=second.at, actor_label="admin", action="delete", model=second.model,
                      object_id=second.object_id, object_repr=second.object_repr, changes={},
                      ip_address="", user_agent="")
    _copy_row(first.pk + 2, second, first.row_hash, audit.chain_hash(first.row_hash, forged))
    code, message = broken_at()
    assert code == 1 and f"на записи № {second.pk} от" in message and f"с хэшем записи № {first.pk + 2}" in message
    # and a row appended without a hash
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM access_auditlog WHERE id = %s", [first.pk + 2])
    assert verify_output().startswith("OK")
    _copy_row(third.pk + 1, third, third.row_hash, "")
    code, message = broken_at()
    assert code == 1 and f"на записи № {third.pk + 1} от" in message and "у записи нет хэша" in message


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_give_one_valid_chain(world: Any) -> None:
    """Four threads, each with its own database connection, write 25 rows each at once."""
    before = AuditLog.objects.count()
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for k in range(25):
                audit.record("bulk", model="test", object_id=f"{n}-{k}", changes={"writer": n, "k": k})
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = list(AuditLog.objects.order_by("id"))
    assert len(rows) == before + 100
    prevs = [r.prev_hash for r in rows]
    assert len(set(prevs)) == len(prevs)  # no two rows chained to the same predecessor
    assert verify_output().startswith(f"OK: цепочка журнала аудита цела, записей: {before + 100}.")


@pytest.mark.django_db
def test_web_actions_carry_the_address_and_the_agent(world: Any, settings: Any) -> None:
    anonymous = Client()
    forged = "198.51.100.1"
    anonymous.post(reverse("login"), {"username": "bob", "password": "wrong"},
                   REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=UA, HTTP_X_FORWARDED_FOR=forged)
    row = AuditLog.objects.get(action="login_failed")
    assert (row.ip_address, row.user_agent) == ("203.0.113.7", UA)  # the header is not trusted
    # behind one trusted proxy: the address the proxy appended
    settings.MSOKO_TRUSTED_PROXIES = 1
    bob = client_for(world.bob)
    bob.get(reverse("organisation_list_export"), REMOTE_ADDR="10.0.0.2", HTTP_USER_AGENT=UA,
            HTTP_X_FORWARDED_FOR=f"{forged}, 2001:db8::1")
    row = AuditLog.objects.get(action="export")
    assert (row.ip_address, row.user_agent, row.actor_label) == ("2001:db8::1", UA, "bob")
    # a header that is not an address is not recorded as one
    bob.get(reverse("organisation_list_export"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")
    assert AuditLog.objects.filter(action="export").order_by("-id").first().ip_address == "10.0.0.2"
    # a command writes no address
    audit.record("bulk", model="demo")
    assert AuditLog.objects.order_by("-id").first().ip_address == ""


@pytest.mark.django_db
def test_api_reads_of_results_are_logged(facts: Any) -> None:
    bob = client_for(facts.bob)
    url = reverse("api_organisation_results", args=[facts.school_a.pk])
    assert bob.get(url, {"year": "2024"}, REMOTE_ADDR="192.0.2.5", HTTP_USER_AGENT=UA).status_code == 200
    row = AuditLog.objects.get(action="read")
    assert (row.actor_label, row.model, row.object_id) == ("bob", "registry.Organisation", str(facts.school_a.pk))
    assert row.changes == {"path": url, "query": {"year": "2024"}}
    assert (row.ip_address, row.user_agent) == ("192.0.2.5", UA)
    assert row.get_action_display() == "Чтение данных обучающихся"
    # a read that returns nothing is not a read of data
    assert client_for(facts.charlie).get(url).status_code == 404
    assert bob.get(url, {"year": "abc"}).status_code == 400
    assert AuditLog.objects.filter(action="read").count() == 1


@pytest.mark.django_db
def test_command_line_actions_name_the_os_user(world: Any, tmp_path: Any, monkeypatch: Any) -> None:
    import django.core.management

    from msoko import cli
    from tests.test_cycle_roadmap_io import write_xlsx

    # msoko's entry point runs every command inside the OS user's label
    seen: list[str] = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line",
                        lambda argv: seen.append(audit._label.get()))
    assert cli.main(["check"]) == 0
    assert seen == [f"ОС: {getpass.getuser()}"]
    path = write_xlsx(tmp_path / "sampur.xlsx", "sampur")
    with cli.command_line_actor():
        call_command("import", "roadmap", str(path), territory="M1", stdout=io.StringIO())
    row = AuditLog.objects.get(action="import")
    assert row.actor_id is None and row.actor_label == f"командная строка, ОС: {getpass.getuser()}"
    monkeypatch.setenv("MSOKO_USER", "ivanova")
    with cli.command_line_actor():
        audit.record("bulk", model="demo")
    assert AuditLog.objects.get(action="bulk").actor_label == f"ОС: {getpass.getuser()}, MSOKO_USER=ivanova"
    # a command acting for an msoko user names that user
    with cli.command_line_actor():
        call_command("import", "roadmap", str(path), territory="M2", user="bob", stdout=io.StringIO())
    assert AuditLog.objects.filter(action="import").order_by("-id").first().actor_label == "bob"


@pytest.mark.django_db
def test_the_migration_chains_existing_rows(world: Any) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("msoko.access.migrations.0004_audit_chain")
    AuditLog.objects.bulk_create(
        [AuditLog(actor_label="старая запись", action="update", changes={"n": k, "x": 2.0}) for k in range(5)]
    )
    assert AuditLog.objects.filter(row_hash="").count() == 5
    first_old = AuditLog.objects.filter(row_hash="").order_by("id").first()
    assert f"на записи № {first_old.pk} от" in broken_at()[1]

    class Editor:
        connection = connection

    migration.chain_existing_rows(apps, Editor())
    total = AuditLog.objects.count()
    assert total > 5  # the world's own rows, written chained, are re-chained too
    assert verify_output().startswith(f"OK: цепочка журнала аудита цела, записей: {total}.")


@pytest.mark.skipif(bool(__import__("os").environ.get("DATABASE_URL")),
                    reason="a real msoko process on its own SQLite data folder: the SQLite pass")
def test_msoko_audit_verify_as_a_real_process(tmp_path: Any) -> None:
    """``msoko`` in a subprocess: a row written by a command names the OS user; verify says
    OK (exit 0); a row edited in the database file makes it exit 1 naming that row."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "MSOKO_USER")}
    env.update(MSOKO_DATA_DIR=str(tmp_path), MSOKO_QUEUE_FILE=str(tmp_path / "queue.sqlite3"))

    def msoko(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "msoko", *args], env=env, cwd=root,
                              capture_output=True, text=True, timeout=600)

    assert msoko("migrate", "--noinput").returncode == 0
    write = msoko("shell", "-c", "from msoko.access.audit import record\nfor k in range(3): record('bulk', model='demo', object_id=k)")
    assert write.returncode == 0, write.stderr
    ok = msoko("audit", "verify")
    assert ok.returncode == 0 and "OK: цепочка журнала аудита цела" in ok.stdout, ok.stderr
    db = sqlite3.connect(tmp_path / "msoko.sqlite3")
    labels = db.execute("SELECT id, actor_label FROM access_auditlog WHERE model = 'demo' ORDER BY id").fetchall()
    assert [label for _, label in labels] == [f"ОС: {getpass.getuser()}"] * 3
    target = labels[1][0]
    db.execute("UPDATE access_auditlog SET object_id = '99' WHERE id = ?", [target])
    db.commit()
    db.close()
    bad = msoko("audit", "verify")
    assert bad.returncode == 1
    assert f"нарушена на записи № {target} от" in bad.stderr and "содержимое записи" in bad.stderr
