"""Benchmark of ``msoko backup`` and ``msoko restore`` on the demo, as real subprocesses.

    uv run python benchmarks/backup.py                      # SQLite, in a temporary folder
    uv run python benchmarks/backup.py --database-url postgres://postgres@127.0.0.1:5432/msoko

Builds the demo (``--size``, municipality by default) in a new data folder (and, with
``--database-url``, in a new database on that server, dropped afterwards), then times a
backup to ``.tar.gz``, one to ``.tar`` and a restore of each into a new folder (and
database). Wall times include the command's start-up (Django import), as an administrator
sees them. Prints a table, then the figures as JSON on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """New databases on the server of a PostgreSQL URL (dropped at the end)."""

    def __init__(self, url: str) -> None:
        self.url, self.names = url, []  # type: ignore[var-annotated]

    def _admin(self) -> Any:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(self.url.replace("postgres://", "postgresql://", 1))
        params["dbname"] = "postgres"
        return psycopg.connect(make_conninfo(**params), autocommit=True)

    def new(self) -> str:
        name = f"msoko_bench_{uuid.uuid4().hex[:8]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return f"{self.url.rpartition('/')[0]}/{name}"

    def drop(self) -> None:
        with self._admin() as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(data_dir: Path, database_url: str | None, *args: str) -> float:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "MSOKO_SECRET_KEY", "MSOKO_PSEUDONYM_KEY")}
    env |= {"MSOKO_DATA_DIR": str(data_dir), "MSOKO_QUEUE_FILE": str(data_dir / "queue.sqlite3")}
    if database_url:
        env["DATABASE_URL"] = database_url
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["municipality", "region"], default="municipality")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    server = Server(args.database_url) if args.database_url else None
    try:
        with tempfile.TemporaryDirectory(prefix="msoko-bench-backup-") as tmp:
            base = Path(tmp)
            source_db = server.new() if server else None
            rows: list[tuple[str, float, int | None]] = []
            rows.append(("demo build", run(base / "source", source_db, "demo", "--no-serve", "--size", args.size), None))
            for name in ("backup.tar.gz", "backup.tar"):
                archive = base / name
                rows.append((f"backup → {name}", run(base / "source", source_db, "backup", str(archive)),
                             archive.stat().st_size))
                target_db = server.new() if server else None
                rows.append((f"restore ← {name}", run(base / f"restored-{name}", target_db, "restore", str(archive)),
                             None))
            start_up = run(base / "source", source_db, "help")
            rows.append(("(start-up alone: msoko help)", start_up, None))
    finally:
        if server:
            server.drop()
    engine = "postgresql" if server else "sqlite"
    print(f"msoko backup / restore, demo {args.size}, {engine}, {os.cpu_count()} CPUs")
    print(f"{'step':<34} {'seconds':>8} {'size, MB':>9}")
    for step, seconds, size in rows:
        print(f"{step:<34} {seconds:>8.1f} {'' if size is None else f'{size / 1e6:.1f}':>9}")
    print(json.dumps({
        "engine": engine, "size": args.size, "cpus": os.cpu_count(),
        "steps": {step: {"seconds": round(s, 2), **({"bytes": b} if b is not None else {})} for step, s, b in rows},
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
