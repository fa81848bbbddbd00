"""Subprocess helpers for tests/test_crash_safety.py and tests/test_serve_signals.py: a fresh
data folder (and, when DATABASE_URL is PostgreSQL, a throwaway database) per test, msoko
commands run as real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

WORLD = """
import datetime
from msoko.access.models import Role, User
from msoko.facts.reference import ensure_reference_data
from msoko.registry.models import AcademicYear, Organisation, Territory
region = Territory.objects.create(kind="region", name="Тестовая область", code="R1")
mun = Territory.objects.create(kind="municipality", name="Энский район", code="M1", parent=region)
year = AcademicYear.objects.get_or_create(start_year=2024, defaults=dict(
    starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2025, 8, 31)))[0]
ensure_reference_data([year])
Organisation.objects.create(territory=mun, short_name="СОШ 1", full_name="Школа А", code="A1")
Organisation.objects.create(territory=mun, short_name="СОШ 2", full_name="Школа Б", code="B2")
User.objects.create_superuser("root", password="Pa55-word-for-tests")
"""

# values as a canonical text: every stored value but the ids of runs and batches
VALUES = """
import json
from msoko.indicators import values
frame = values.read(org_ids=None, territory_ids=None)
frame = frame.drop(columns=["run_id", "batches"]).astype(str)
rows = sorted(map(tuple, frame.to_numpy().tolist()))
print("VALUES=" + json.dumps(rows, ensure_ascii=False))
"""

GIA = "Код ОО;Код участника;Предмет;Первичный балл;Отметка\r\n" + "".join(
    f"{org};{org}{i};ru;{10 + (i * 7) % 20};{3 + i % 3}\r\n" for org in ("A1", "B2") for i in range(6)
)


def _umask() -> None:
    os.umask(0o077)  # what an installation does (docs/user/setup.md): owner-only files


class Site:
    """One msoko installation for a test: its data folder and its database."""

    def __init__(self, tmp: Path, template: Site | None = None) -> None:
        """A new installation in ``tmp``: empty, or a copy of ``template``'s."""
        self.data = tmp / "data"
        if template is not None:
            shutil.copytree(template.data, self.data)
            shutil.copy(template.data.parent / "oge.csv", tmp / "oge.csv")
        else:
            self.data.mkdir(mode=0o700)
        self.db_name: str | None = None
        base = os.environ.get("DATABASE_URL", "")
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MSOKO_QUEUE_FILE")}
        self.env.update(MSOKO_DATA_DIR=str(self.data), PYTHONUNBUFFERED="1")
        if base.startswith("postgres"):
            self.db_name = f"{base.rsplit('/', 1)[1].split('?')[0]}_crash_{uuid.uuid4().hex[:8]}"
            like = f' TEMPLATE "{template.db_name}"' if template is not None else ""
            self._admin(f'CREATE DATABASE "{self.db_name}"{like}')
            self.env["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + self.db_name

    def _admin(self, sql: str) -> None:
        import psycopg

        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(sql)  # type: ignore[arg-type]

    def close(self) -> None:
        if self.db_name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def popen(
        self, *args: str, crash_at: str | None = None, log: Path | None = None,
        command: list[str] | None = None,
    ) -> subprocess.Popen[str]:
        """``python -m msoko ARGS`` (or ``command + ARGS``); output to a pipe, or to ``log``
        for a long-running server (a full pipe would block it)."""
        env = dict(self.env)
        if crash_at:
            env["MSOKO_CRASH_AT"] = crash_at
        out: Any = subprocess.PIPE if log is None else log.open("w")
        return subprocess.Popen(
            [*(command or [sys.executable, "-m", "msoko"]), *args], cwd=REPO, env=env,
            text=True, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_umask,
        )

    def run(self, *args: str, crash_at: str | None = None, timeout: float = 600) -> tuple[int, str]:
        p = self.popen(*args, crash_at=crash_at)
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out

    def shell(self, code: str, crash_at: str | None = None) -> tuple[int, str]:
        return self.run("shell", "-c", code, crash_at=crash_at)

    def prepare(self) -> None:
        rc, out = self.run("migrate", "-v0")
        assert rc == 0, out
        rc, out = self.shell(WORLD)
        assert rc == 0, out
        (self.data.parent / "oge.csv").write_bytes(GIA.encode("cp1251"))

    def import_args(self) -> list[str]:
        return ["import", "gia", str(self.data.parent / "oge.csv"), "--procedure", "OGE", "--year", "2024"]

    def values(self) -> list[Any]:
        rc, out = self.shell(VALUES)
        assert rc == 0, out
        line = next(x for x in out.splitlines() if x.startswith("VALUES="))
        return [tuple(r) for r in json.loads(line[len("VALUES="):])]

    def query(self, code: str) -> Any:
        """Evaluate ``code`` (an expression) in a msoko shell and return its JSON value."""
        rc, out = self.shell(f"import json\nprint('OUT=' + json.dumps({code}, default=str))")
        assert rc == 0, out
        line = next(x for x in out.splitlines() if x.startswith("OUT="))
        return json.loads(line[4:])

    def parquet_files(self) -> list[str]:
        return sorted(
            str(p.relative_to(self.data)) for p in self.data.rglob("*.parquet*")
        )


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(port: int, proc: Any, timeout: float = 180) -> None:
    """Wait until the server answers HTTP (any status), failing if it exits first."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout  # deadline
    while time.monotonic() < deadline:  # deadline
        assert proc.poll() is None, f"the server exited with {proc.returncode}"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the server did not answer")
