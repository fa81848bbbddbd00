"""``msoko backup`` / ``msoko restore`` on real installations in real subprocesses.

A demo installation is built in its own data folder (and, on PostgreSQL, its own database),
backed up, restored into a new folder and database, and the two are compared from the
outside: the value files' bytes, the values read back, the row counts of every table and
the HTML of a few pages. A damaged backup, a non-empty target and a backup taken while
another process commits imports and recomputations are tried too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("DATABASE_URL", "")
ON_PG = PG_URL.startswith(("postgres://", "postgresql://"))
# Each pass of the suite backs up its own engine (the demo is built once per pass): the
# PostgreSQL pass the PostgreSQL installation, the SQLite pass the embedded default.
ENGINE = "postgresql" if ON_PG else "sqlite"
ENGINES = [ENGINE]


@dataclass
class Installation:
    data_dir: Path
    database_url: str | None
    extra: dict[str, str] | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "MSOKO_SECRET_KEY", "MSOKO_PSEUDONYM_KEY", "MSOKO_QUEUE_FILE")}
        env["MSOKO_DATA_DIR"] = str(self.data_dir)
        env["MSOKO_QUEUE_FILE"] = str(self.data_dir / "queue.sqlite3")
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env | (self.extra or {})

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=900, check=False,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def python(self, code: str) -> Any:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], cwd=ROOT, env=self.env, capture_output=True,
            text=True, timeout=600, check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])


class Databases:
    """New PostgreSQL databases on the server of the test run's DATABASE_URL, dropped after."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def _admin(self) -> Any:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(PG_URL.replace("postgres://", "postgresql://", 1))
        params["dbname"] = "postgres"
        return psycopg.connect(make_conninfo(**params), autocommit=True)

    def new(self) -> str:
        name = f"msoko_bk_{uuid.uuid4().hex[:10]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        base, _, _ = PG_URL.rpartition("/")
        return f"{base}/{name}"

    def drop_all(self) -> None:
        with self._admin() as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def databases() -> Iterator[Databases]:
    dbs = Databases()
    yield dbs
    if dbs.names:
        dbs.drop_all()


def new_installation(engine: str, folder: Path, databases: Databases) -> Installation:
    return Installation(folder, databases.new() if engine == "postgresql" else None)


@dataclass
class Demo:
    source: Installation
    backup: Path  # .tar.gz
    plain: Path  # an uncompressed one, taken right after
    restored: Installation
    restore_output: str


_demos: dict[str, Demo] = {}


@pytest.fixture(scope="module")
def demo_of(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Any:
    """The demo of an engine built once per module: source, backups, restored copy."""

    def get(engine: str) -> Demo:
        if engine not in _demos:
            base = tmp_path_factory.mktemp(f"backup-{engine}")
            source = new_installation(engine, base / "source", databases)
            source.run("demo", "--no-serve")
            archive, plain = base / "msoko.tar.gz", base / "msoko.tar"
            source.run("backup", str(archive))
            source.run("backup", str(plain))
            restored = new_installation(engine, base / "restored", databases)
            done = restored.run("restore", str(archive))
            _demos[engine] = Demo(source, archive, plain, restored, done.stdout + done.stderr)
        return _demos[engine]

    return get


PROBE = r"""
import django, hashlib, json, os, re
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
os.environ["MSOKO_ALLOWED_HOSTS"] = "testserver"
django.setup()
from django.conf import settings
from django.test import Client
from msoko.ops.backup import table_counts
from msoko.indicators import values
from msoko.indicators.models import Catalog, ValueFile
from msoko.registry.models import Organisation
from msoko.access.models import AuditLog, User

counts = table_counts()  # before the pages: a login writes audit and session rows
last = AuditLog.objects.order_by("-id").first()
frame = values.read(org_ids=None, territory_ids=None)
frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
rows = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
files = {p: str(settings.INDICATOR_STORE_DIR / p) for p in ValueFile.objects.filter(is_active=True).values_list("path", flat=True)}
client = Client()
client.force_login(User.objects.filter(is_superuser=True).order_by("pk").first())
school = Organisation.objects.filter(kind="school").order_by("code").first()
catalog = Catalog.objects.order_by("code").first()
urls = ["/organisations/", f"/organisations/{school.pk}/", f"/indicators/c/{catalog.code}/", f"/indicators/school/{school.pk}/"]
pages = {}
for url in urls:
    r = client.get(url)
    pages[url] = [r.status_code, r.content.decode()]
print(json.dumps({"counts": counts, "value_rows": len(frame), "rows_sha": rows, "files": files,
                  "last_audit": [last.action, last.model], "pages": pages}))
"""


def probe(inst: Installation) -> dict[str, Any]:
    return dict(inst.python(PROBE))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def without_tokens(html: str) -> str:
    """Page HTML with what differs per request removed: CSRF tokens and CSP nonces."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)
    html = re.sub(r'(csrf[A-Za-z_-]*["\']?\s*[:=]\s*["\'])[A-Za-z0-9]{32,}', r"\1", html, flags=re.I)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


def manifest_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:*") as tar:
        first = tar.next()
        assert first is not None and first.name == "manifest.json"
        fh = tar.extractfile(first)
        assert fh is not None
        return dict(json.loads(fh.read()))


def key_of(inst: Installation) -> str:
    return (inst.data_dir / ".pseudonym_key").read_text(encoding="utf-8").strip()


# ------------------------------------------------------------------- (a) restore = source


@pytest.mark.parametrize("engine", ENGINES)
def test_restored_demo_has_identical_values_counts_and_pages(engine: str, demo_of: Any) -> None:
    demo = demo_of(engine)
    # the file is private: it holds the pseudonym key
    assert demo.backup.stat().st_mode & 0o777 == 0o600
    manifest = manifest_of(demo.backup)
    assert manifest["engine"] == engine and manifest["format_version"] == 1
    for name, member in manifest["members"].items():
        assert len(member["sha256"]) == 64, name
    src, dst = probe(demo.source), probe(demo.restored)

    # every indicator value file byte-identical, and as the manifest recorded it
    assert src["files"] and src["files"].keys() == dst["files"].keys()
    for rel in src["files"]:
        a, b = Path(src["files"][rel]), Path(dst["files"][rel])
        assert a.parent != b.parent
        assert sha(a) == sha(b) == manifest["members"][f"indicators/{rel}"]["sha256"], rel
        assert pq.read_table(a).equals(pq.read_table(b)), rel
    # the values read back through the store's reader
    assert src["value_rows"] > 1000 and src["value_rows"] == dst["value_rows"]
    assert src["rows_sha"] == dst["rows_sha"]

    # the same rows in every table; the audit log differs only by the backup / restore rows
    assert src["counts"].keys() == dst["counts"].keys()
    audit = "access_auditlog"
    differ = {t for t in src["counts"] if src["counts"][t] != dst["counts"][t]}
    assert differ == {audit}, differ
    assert src["counts"][audit] == manifest["counts"]["tables"][audit] + 2  # two backups taken
    assert dst["counts"][audit] == manifest["counts"]["tables"][audit] + 1  # the restore
    assert src["last_audit"] == ["export", "backup"]
    assert dst["last_audit"] == ["bulk", "backup"]
    for table, n in manifest["counts"]["tables"].items():
        if table != audit:
            assert dst["counts"][table] == n, table

    # the same pages
    assert set(src["pages"]) == set(dst["pages"])
    for url, (status, html) in src["pages"].items():
        assert status == 200, url
        assert dst["pages"][url][0] == 200, url
        assert without_tokens(html) == without_tokens(dst["pages"][url][1]), url
    # secrets: restored into the data folder, private
    assert key_of(demo.restored) == key_of(demo.source)
    assert (demo.restored.data_dir / ".secret_key").read_text() == (demo.source.data_dir / ".secret_key").read_text()
    assert (demo.restored.data_dir / ".pseudonym_key").stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------- (b) a damaged backup


def assert_nothing_restored(target: Installation, source: Installation) -> None:
    assert not (target.data_dir / "facts").exists() or not any((target.data_dir / "facts").iterdir())
    assert not (target.data_dir / "indicators").exists() or not any((target.data_dir / "indicators").iterdir())
    assert not (target.data_dir / "msoko.sqlite3").exists()
    assert key_of(target) != key_of(source)  # its own, generated at start-up, not the backup's
    if target.database_url:
        tables = target.python(
            "import json, psycopg, os; c = psycopg.connect(os.environ['DATABASE_URL']);"
            "print(json.dumps(c.execute(\"select count(*) from information_schema.tables "
            "where table_schema = 'public'\").fetchone()[0]))")
        assert tables == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_a_changed_byte_is_refused_naming_the_member(
    engine: str, demo_of: Any, tmp_path: Path, databases: Databases
) -> None:
    demo = demo_of(engine)
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(demo.plain.read_bytes())
    with tarfile.open(damaged) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("indicators/"))
    with damaged.open("r+b") as fh:
        fh.seek(member.offset_data + member.size // 2)
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x01]))
    target = new_installation(engine, tmp_path / "target", databases)
    done = target.run("restore", str(damaged), check=False)
    assert done.returncode != 0
    assert f"Контрольная сумма файла «{member.name}» не совпадает с описью" in done.stderr
    assert "Ничего не восстановлено" in done.stderr
    assert_nothing_restored(target, demo.source)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_truncated_backup_is_refused(engine: str, demo_of: Any, tmp_path: Path, databases: Databases) -> None:
    demo = demo_of(engine)
    cut = tmp_path / "cut.tar.gz"
    data = demo.backup.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    target = new_installation(engine, tmp_path / "target", databases)
    done = target.run("restore", str(cut), check=False)
    assert done.returncode != 0
    assert "повреждён или обрезан при чтении файла «" in done.stderr, done.stderr
    assert_nothing_restored(target, demo.source)


# -------------------------------------------------------------- (c) a non-empty target


@pytest.mark.parametrize("engine", ENGINES)
def test_restore_refuses_a_folder_or_database_in_use(
    engine: str, demo_of: Any, tmp_path: Path, databases: Databases
) -> None:
    demo = demo_of(engine)
    folder = tmp_path / "used"
    folder.mkdir()
    (folder / "notes.txt").write_text("не трогать", encoding="utf-8")
    target = new_installation(engine, folder, databases)
    done = target.run("restore", str(demo.backup), check=False)
    assert done.returncode != 0
    assert f"Папка данных {folder} не пуста (есть: notes.txt)" in done.stderr
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "не трогать"
    assert_nothing_restored(target, demo.source)
    # the source installation itself: its data folder is in use
    done = demo.source.run("restore", str(demo.backup), check=False)
    assert done.returncode != 0 and "не пуста" in done.stderr
    if engine == "postgresql":
        # an empty folder but the source's database: refused for its tables
        other = Installation(tmp_path / "fresh", demo.source.database_url)
        done = other.run("restore", str(demo.backup), check=False)
        assert done.returncode != 0
        assert "База данных PostgreSQL" in done.stderr and "не пуста" in done.stderr


def test_restore_refuses_a_backup_of_the_other_engine(demo_of: Any, tmp_path: Path, databases: Databases) -> None:
    other = "sqlite" if ON_PG else "postgresql"
    if other == "postgresql":
        pytest.skip("the SQLite pass has no PostgreSQL server to restore into")
    target = new_installation(other, tmp_path / "t", databases)
    done = target.run("restore", str(demo_of(ENGINE).backup), check=False)
    assert done.returncode != 0 and "Резервная копия сделана с базой PostgreSQL" in done.stderr


# ------------------------------------------------ (d) a backup while another process commits


WRITER = r"""
import django, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
django.setup()
from pathlib import Path
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from msoko.facts.models import FactFile, ImportBatch
from msoko.facts.store import open_batch
from msoko.indicators import values
from msoko.indicators.models import ComputationRun, ValueFile

counter, stop = Path(sys.argv[1]), Path(sys.argv[2])
template = FactFile.objects.filter(table="student_results").order_by("pk").first()
facts = pq.read_table(settings.FACT_STORE_DIR / template.path).slice(0, 200)
batch0 = template.batch
n = 0
while not stop.exists() and n < 200:
    # an import commits: a batch, its files and their registration in one transaction
    with open_batch(kind=batch0.kind, procedure=batch0.procedure, year=batch0.year,
                    territory=batch0.territory, source="concurrent-writer") as writer:
        writer.write("student_results", facts)
    # a recomputation replaces one value file and sweeps the superseded one
    old = ValueFile.objects.filter(is_active=True).order_by("catalog", "year", "part").first()
    table = pq.read_table(settings.INDICATOR_STORE_DIR / old.path)
    with transaction.atomic():
        run = ComputationRun.objects.create(trigger="concurrent-writer")
        pending = values.write_pending(old.catalog, old.year, old.part, table)
        values.activate(run, [pending])
    values.sweep()
    n += 1
    counter.write_text(str(n))
    time.sleep(0.1)  # a real recomputation takes seconds; this one is many times as frequent
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_backup_during_imports_is_consistent(
    engine: str, demo_of: Any, tmp_path: Path, databases: Databases
) -> None:
    demo = demo_of(engine)
    live = new_installation(engine, tmp_path / "live", databases)
    live.run("restore", str(demo.backup))
    counter, stop = tmp_path / "commits", tmp_path / "stop"
    writer = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", WRITER, str(counter), str(stop)], cwd=ROOT, env=live.env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    archives = []
    try:
        for k in range(3):
            seen = int(counter.read_text()) if counter.exists() else 0
            while (int(counter.read_text()) if counter.exists() else 0) <= seen:  # a new commit
                assert writer.poll() is None, writer.communicate()
                time.sleep(0.05)
            archive = tmp_path / f"during-{k}.tar.gz"
            live.run("backup", str(archive))
            archives.append(archive)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, out + err
    manifests = [manifest_of(a) for a in archives]
    # the writer committed between the backups: each holds more batches than the one before
    fact_counts = [m["counts"]["fact_files"] for m in manifests]
    assert fact_counts == sorted(set(fact_counts)), fact_counts
    for k, archive in enumerate(archives):
        target = new_installation(engine, tmp_path / f"back-{k}", databases)
        # restore's verification pass: every registered file present with its sha256
        done = target.run("restore", str(archive))
        m = manifests[k]
        assert f"проверено файлов после восстановления: {m['counts']['fact_files'] + m['counts']['value_files']}" in done.stdout
        registered = target.python(
            "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'msoko.settings'); django.setup()\n"
            "from msoko.facts.models import FactFile\n"
            "from msoko.indicators.models import ValueFile\n"
            "print(json.dumps([list(FactFile.objects.values_list('path', flat=True)),"
            " list(ValueFile.objects.filter(is_active=True).values_list('path', flat=True))]))")
        facts, value_files = registered
        assert len(facts) == m["counts"]["fact_files"]
        for rel in facts:
            assert (target.data_dir / "facts" / rel).is_file(), rel
        for rel in value_files:
            assert (target.data_dir / "indicators" / rel).is_file(), rel


def test_a_member_name_leaving_its_folder_is_refused(tmp_path: Path) -> None:
    """A crafted archive whose manifest and member name point outside the data folder
    (``facts/../../…``) is refused before anything is written (no path traversal)."""
    import io

    payload = b"not a parquet file"
    name = "facts/../../escaped.txt"
    manifest = {
        "format": "msoko-backup", "format_version": 1, "msoko_version": "x", "created_at": "x",
        "engine": "sqlite", "database": "database/msoko.sqlite3",
        "counts": {"fact_files": 1, "value_files": 0, "tables": {}},
        "members": {name: {"sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}},
    }
    archive = tmp_path / "crafted.tar"
    with tarfile.open(archive, "w") as tar:
        for member, data in (("manifest.json", json.dumps(manifest).encode()), (name, payload)):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target = Installation(tmp_path / "a" / "b" / "data", None)
    done = target.run("restore", str(archive), check=False)
    assert done.returncode != 0
    assert f"Недопустимое имя файла в архиве: «{name}»" in done.stderr, done.stderr
    assert not (tmp_path / "a" / "escaped.txt").exists()
    assert not (target.data_dir / "facts").exists()


def test_restore_warns_when_the_environment_sets_another_pseudonym_key(
    demo_of: Any, tmp_path: Path, databases: Databases
) -> None:
    demo = demo_of(ENGINE)
    target = Installation(
        tmp_path / "t",
        new_installation(ENGINE, tmp_path / "t", databases).database_url,
        {"MSOKO_PSEUDONYM_KEY": "another-key-of-the-environment"},
    )
    done = target.run("restore", str(demo.backup))
    assert "MSOKO_PSEUDONYM_KEY задаёт другой ключ псевдонимов" in done.stderr, done.stderr
    # the backup's key is kept in the data folder all the same
    assert key_of(target) == key_of(demo.source)
