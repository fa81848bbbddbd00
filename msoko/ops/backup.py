"""Backup and restore of a whole installation (docs/adr/0029-online-backup.md).

A backup is one tar file (gzip-compressed unless its name ends in ``.tar``)::

    manifest.json                 format, versions, engine, counts, sha256 of every member
    database/msoko.sqlite3        SQLite: a copy made with the online backup API
    database/msoko.pgdump         PostgreSQL: ``pg_dump --format=custom``
    facts/<path>                  every Parquet file a ``FactFile`` of the snapshot registers
    indicators/<path>             every ``ValueFile`` file of the snapshot (active ones always)
    secrets/secret_key            SECRET_KEY
    secrets/pseudonym_key         PSEUDONYM_KEY (the key of the students' pseudonyms)

Consistency while the server runs: the database snapshot comes first; the files to copy are
read *from the snapshot* and hard-linked into a staging folder at once. Registered files are
never changed (written to a temporary name, renamed, then registered), so the link holds
exactly the registered bytes even if a sweep unlinks the live name a moment later. A file the
snapshot needs but that is already gone (superseded and swept in between) makes the attempt
start over with a new snapshot.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

FORMAT = "msoko-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/msoko.sqlite3"
PG_MEMBER = "database/msoko.pgdump"
SECRET_MEMBERS = {"secrets/secret_key": ".secret_key", "secrets/pseudonym_key": ".pseudonym_key"}
ATTEMPTS = 10
CHUNK = 1 << 20

# What msoko itself creates in a data folder just by starting (settings, the task queue): a
# folder holding only these is still "empty" for a restore.
STARTUP_ENTRIES = {
    ".secret_key",
    ".pseudonym_key",
    "static",
    "queue.sqlite3",
    "queue.sqlite3-wal",
    "queue.sqlite3-shm",
    "facts",
    "indicators",
    "uploads",
}

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the administrator."""


# ---------------------------------------------------------------------------- helpers


def engine() -> str:
    """``sqlite`` or ``postgresql``: the engine of the configured database."""
    name = settings.DATABASES["default"]["ENGINE"]
    if name.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in name:
        return "postgresql"
    raise BackupError(f"Резервное копирование поддерживает SQLite и PostgreSQL, а настроена база {name}.")


def msoko_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("msoko")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_relative(name: str) -> PurePosixPath:
    """A member's path below its folder, refusing anything that could escape it."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise BackupError(f"Недопустимое имя файла в архиве: «{name}».")
    return path


def _pg_params() -> dict[str, str]:
    """libpq connection parameters of the configured PostgreSQL database (no password: that
    goes to the tools through PGPASSWORD, never on a command line)."""
    db = settings.DATABASES["default"]
    params = {"dbname": db["NAME"], "user": db.get("USER") or "", "host": db.get("HOST") or "",
              "port": str(db.get("PORT") or "")}
    for key, value in (db.get("OPTIONS") or {}).items():
        if isinstance(value, str | int) and key in ("sslmode", "sslrootcert", "sslcert", "sslkey",
                                                    "options", "application_name"):
            params[key] = str(value)
    return {k: v for k, v in params.items() if v}


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    password = settings.DATABASES["default"].get("PASSWORD")
    if password:
        env["PGPASSWORD"] = str(password)
    return env


def _pg_connect() -> Any:
    import psycopg
    from psycopg.conninfo import make_conninfo

    password = settings.DATABASES["default"].get("PASSWORD") or None
    extra = {"password": str(password)} if password else {}
    return psycopg.connect(make_conninfo(**_pg_params(), **extra))


def _pg_conninfo() -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**_pg_params())


def _tool(name: str) -> str:
    path = os.environ.get(f"MSOKO_{name.upper()}") or shutil.which(name)
    if not path:
        raise BackupError(
            f"Не найдена программа {name} (клиент PostgreSQL). Установите пакет postgresql-client "
            f"той же или более новой версии, что и сервер, или укажите путь в MSOKO_{name.upper()}."
        )
    return path


# ---------------------------------------------------------------------------- backup


@dataclass
class Snapshot:
    """One consistent state: the database copy and the files it registers, in ``staging``."""

    staging: Path
    db_member: str
    fact_files: list[str] = field(default_factory=list)  # relative to FACT_STORE_DIR
    value_files: list[str] = field(default_factory=list)  # relative to INDICATOR_STORE_DIR
    absent_inactive: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: dict[str, Any]
    attempts: int


class _Missing(Exception):
    """A file the snapshot registers was gone before it could be linked."""


def _link(source: Path, target: Path) -> None:
    """Hard-link ``source`` to ``target`` (a copy across file systems)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileNotFoundError:
        raise _Missing(str(source)) from None
    except OSError:
        try:
            shutil.copy2(source, target)
        except FileNotFoundError:
            raise _Missing(str(source)) from None


def _stage_files(snap: Snapshot, facts: list[str], values: list[tuple[str, bool]]) -> None:
    """Link the registered files into the staging folder, right after the snapshot."""
    fact_root, value_root = Path(settings.FACT_STORE_DIR), Path(settings.INDICATOR_STORE_DIR)
    # value files first: a recomputation may sweep a superseded one at any moment, while a
    # registered fact file stays until its batch is deleted
    for rel, active in values:
        try:
            _link(value_root / _safe_relative(rel), snap.staging / "indicators" / rel)
        except _Missing:
            if active:
                raise
            snap.absent_inactive.append(rel)  # superseded and swept: nothing reads it
            continue
        snap.value_files.append(rel)
    for rel in facts:
        _link(fact_root / _safe_relative(rel), snap.staging / "facts" / rel)
        snap.fact_files.append(rel)


def _table_names() -> tuple[str, str]:
    from msoko.facts.models import FactFile
    from msoko.indicators.models import ValueFile

    return FactFile._meta.db_table, ValueFile._meta.db_table


def _registered(con: Any) -> tuple[list[str], list[tuple[str, bool]]]:
    facts_table, values_table = _table_names()
    facts = [r[0] for r in con.execute(f'SELECT path FROM "{facts_table}" ORDER BY id')]  # noqa: S608
    values = [(r[0], bool(r[1])) for r in con.execute(
        f'SELECT path, is_active FROM "{values_table}" ORDER BY id')]  # noqa: S608
    return facts, values


def _snapshot_sqlite(staging: Path) -> Snapshot:
    """SQLite: one read transaction (WAL: writers go on) reads the registered files, which
    are linked at once; the online backup API then copies the database inside the same read
    transaction, so the copy is the state the lists came from (checked on the copy)."""
    snap = Snapshot(staging, SQLITE_MEMBER)
    target = staging / "database" / "msoko.sqlite3"
    target.parent.mkdir(parents=True)
    source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=30,
                             isolation_level=None)
    try:
        source.execute("BEGIN")
        facts, values = _registered(source)  # the read transaction's snapshot starts here
        _stage_files(snap, facts, values)
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # all pages in one step, within the open read transaction
        finally:
            copy.close()
        source.execute("COMMIT")
    finally:
        source.close()
    copy = sqlite3.connect(str(target))
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if _registered(copy) != (facts, values):  # never expected: then take a new snapshot
            raise _Missing("(список файлов в копии базы отличается от прочитанного)")
        names = [r[0] for r in copy.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        snap.tables = {n: copy.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608
    finally:
        copy.close()
    return snap


def _snapshot_postgresql(staging: Path) -> Snapshot:
    """PostgreSQL: one REPEATABLE READ transaction exports its snapshot; the file lists and
    the row counts are read in it, the files linked, and ``pg_dump --snapshot`` dumps exactly
    that state (sequences included) while the transaction is held open."""
    from psycopg import sql

    snap = Snapshot(staging, PG_MEMBER)
    target = staging / "database" / "msoko.pgdump"
    target.parent.mkdir(parents=True)
    facts_table, values_table = _table_names()
    with _pg_connect() as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        facts = [r[0] for r in conn.execute(
            sql.SQL("SELECT path FROM {} ORDER BY id").format(sql.Identifier(facts_table)))]
        values = [(r[0], bool(r[1])) for r in conn.execute(
            sql.SQL("SELECT path, is_active FROM {} ORDER BY id").format(sql.Identifier(values_table)))]
        _stage_files(snap, facts, values)  # at once: the window for a sweep stays small
        names = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")]
        snap.tables = {
            n: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(n))).fetchone()[0]
            for n in names
        }
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot_id}", f"--file={target}", f"--dbname={_pg_conninfo()}"],
            env=_pg_env(), capture_output=True, text=True, check=False,
        )
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump завершился с ошибкой: {done.stderr.strip()}")
    return snap


def _secret_values() -> dict[str, str]:
    return {"secrets/secret_key": settings.SECRET_KEY, "secrets/pseudonym_key": settings.PSEUDONYM_KEY}


def take_snapshot(staging_parent: Path, say: Say = lambda _: None) -> tuple[Snapshot, int]:
    """A consistent snapshot in a new staging folder; retried while a file vanishes under it."""
    kind = engine()
    for attempt in range(1, ATTEMPTS + 1):
        staging = staging_parent / f".backup-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging.mkdir(mode=0o700)
        try:
            snap = _snapshot_sqlite(staging) if kind == "sqlite" else _snapshot_postgresql(staging)
        except _Missing as exc:
            shutil.rmtree(staging, ignore_errors=True)
            say(f"Файл {exc} исчез между снимком базы и копированием (его заменил новый расчёт); "
                f"повторяю снимок (попытка {attempt + 1}).")
            time.sleep(0.2 * attempt)
            continue
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        for member, value in _secret_values().items():
            path = staging / member
            path.parent.mkdir(exist_ok=True, mode=0o700)
            path.write_text(value, encoding="utf-8")
        return snap, attempt
    raise BackupError(
        f"Не удалось получить согласованный снимок за {ATTEMPTS} попыток: файлы хранилища всё время "
        "заменяются. Повторите резервное копирование позже, когда завершится пересчёт."
    )


def _check_fact_hashes(snap: Snapshot, hashes: dict[str, str]) -> None:
    """A fact file whose bytes differ from the sha256 its batch registered is damaged: such a
    backup would restore the damage, so it is refused (``msoko doctor`` looks for the cause)."""
    db = snap.staging / SQLITE_MEMBER
    if not db.exists():
        return  # PostgreSQL: checked after restore by the verification pass
    facts_table, _ = _table_names()
    con = sqlite3.connect(str(db))
    try:
        registered = dict(con.execute(f'SELECT path, sha256 FROM "{facts_table}"').fetchall())  # noqa: S608
    finally:
        con.close()
    for rel in snap.fact_files:
        want = registered.get(rel) or ""
        if want and hashes[f"facts/{rel}"] != want:
            raise BackupError(
                f"Файл фактов «{rel}» повреждён: его SHA-256 не совпадает с записанным при загрузке. "
                "Резервная копия не создана; выясните причину (msoko doctor)."
            )


def build_manifest(snap: Snapshot) -> dict[str, Any]:
    members: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in snap.staging.rglob("*") if p.is_file()):
        name = path.relative_to(snap.staging).as_posix()
        members[name] = {"sha256": sha256_of(path), "size": path.stat().st_size}
    _check_fact_hashes(snap, {k: v["sha256"] for k, v in members.items()})
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "msoko_version": msoko_version(),
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine(),
        "database": snap.db_member,
        "counts": {
            "fact_files": len(snap.fact_files),
            "value_files": len(snap.value_files),
            "value_files_absent_inactive": len(snap.absent_inactive),
            "tables": snap.tables,
        },
        "value_files_absent_inactive": snap.absent_inactive,
        "members": members,
    }


def _compressed(path: Path) -> bool:
    return not path.name.endswith(".tar")


def write_archive(snap: Snapshot, manifest: dict[str, Any], out: Path) -> int:
    """The tar file: manifest first (a restore checks against it while reading), then every
    member. Created 0600 under a temporary name and renamed: it holds the pseudonym key, and
    a half-written file never carries the final name."""
    part = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            mode = "w:gz" if _compressed(out) else "w"
            with tarfile.open(fileobj=fh, mode=mode, format=tarfile.PAX_FORMAT,  # type: ignore[call-overload]
                              **({"compresslevel": 6} if _compressed(out) else {})) as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(data), 0o600
                info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
                tar.addfile(info, io.BytesIO(data))
                for name in manifest["members"]:
                    src = snap.staging / name
                    info = tar.gettarinfo(str(src), arcname=name)
                    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                    with src.open("rb") as data_fh:
                        tar.addfile(info, data_fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return out.stat().st_size


def backup(out: Path, say: Say = lambda _: None) -> BackupResult:
    """Take a backup of the installation into ``out``; see the module docstring."""
    out = out.resolve()
    if out.is_dir():
        raise BackupError(f"{out} — это папка; укажите имя файла, например msoko-backup.tar.gz.")
    if not out.parent.is_dir():
        raise BackupError(f"Папки {out.parent} нет: создайте её или укажите другой путь.")
    data_dir = Path(settings.DATA_DIR)
    if out.is_relative_to(Path(settings.FACT_STORE_DIR)) or out.is_relative_to(Path(settings.INDICATOR_STORE_DIR)):
        raise BackupError("Не кладите резервную копию в хранилище фактов или значений: её удалит очистка.")
    snap, attempts = take_snapshot(data_dir, say)
    try:
        manifest = build_manifest(snap)
        size = write_archive(snap, manifest, out)
    finally:
        shutil.rmtree(snap.staging, ignore_errors=True)
    _audit("export", "резервная копия", out, manifest, size)
    return BackupResult(out, size, manifest, attempts)


def _audit(action: str, what: str, path: Path, manifest: dict[str, Any], size: int | None) -> None:
    from msoko.access.audit import record

    counts = manifest["counts"]
    record(
        action,
        model="backup",
        object_id=manifest["created_at"],
        object_repr=f"{what}: {path}",
        changes={
            "file": str(path),
            "size": size,
            "engine": manifest["engine"],
            "created_at": manifest["created_at"],
            "fact_files": counts["fact_files"],
            "value_files": counts["value_files"],
            "manifest_sha256": hashlib.sha256(
                json.dumps(manifest, sort_keys=True).encode("utf-8")).hexdigest(),
        },
    )


# ---------------------------------------------------------------------------- restore


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    warnings: list[str]
    checked_files: int


READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)


def _iter_members(archive: Path) -> Iterator[tuple[tarfile.TarInfo, IO[bytes] | None]]:
    try:
        with tarfile.open(archive, mode="r|*") as tar:
            for info in tar:
                yield info, (tar.extractfile(info) if info.isfile() else None)
    except READ_ERRORS as exc:
        raise _Broken(str(exc)) from exc


class _Broken(Exception):
    """The archive could not be read on (damaged compression, truncated)."""


def _broken_message(archive: Path, current: str | None, detail: str) -> str:
    where = f" при чтении файла «{current}»" if current else ""
    return (f"Архив {archive} повреждён или обрезан{where} ({detail}). "
            "Ничего не восстановлено; возьмите другую резервную копию.")


def _read_manifest(archive: Path) -> dict[str, Any]:
    try:
        for info, fh in _iter_members(archive):
            if info.name != MANIFEST or fh is None:
                break
            manifest = json.loads(fh.read().decode("utf-8"))
            if manifest.get("format") != FORMAT:
                break
            if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
                raise BackupError(
                    f"Резервная копия сделана более новой версией msoko (формат {manifest['format_version']}); "
                    "обновите msoko и повторите.")
            return dict(manifest)
    except _Broken as exc:
        raise BackupError(_broken_message(archive, MANIFEST, str(exc))) from None
    except (ValueError, UnicodeDecodeError):
        pass
    raise BackupError(f"{archive} — не резервная копия msoko: в начале архива нет описи {MANIFEST}.")


def _read(fh: IO[bytes]) -> bytes:
    try:
        return fh.read(CHUNK)
    except READ_ERRORS as exc:
        raise _Broken(str(exc)) from exc


def _copy_hashing(fh: IO[bytes], sink: IO[bytes] | None) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: _read(fh), b""):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest(), size


def _walk(archive: Path, manifest: dict[str, Any], write: Callable[[str], IO[bytes] | None]) -> None:
    """Read every member, check it against the manifest and hand its bytes to ``write``'s
    sink (``None``: only check). Any difference names the member, in Russian."""
    expected: dict[str, dict[str, Any]] = manifest["members"]
    seen: set[str] = set()
    current: str | None = None
    try:
        for info, fh in _iter_members(archive):
            if info.name == MANIFEST:
                continue
            current = info.name
            if info.name not in expected or fh is None:
                raise BackupError(f"В архиве лишний файл «{info.name}», которого нет в описи; архив изменён.")
            sink = write(info.name)
            try:
                digest, size = _copy_hashing(fh, sink)
            finally:
                if sink is not None:
                    sink.close()
            want = expected[info.name]
            if size != want["size"]:
                raise BackupError(
                    f"Файл «{info.name}» в архиве обрезан: {size} байт вместо {want['size']}. Ничего не восстановлено.")
            if digest != want["sha256"]:
                raise BackupError(
                    f"Контрольная сумма файла «{info.name}» не совпадает с описью: файл повреждён. "
                    "Ничего не восстановлено.")
            seen.add(info.name)
            current = None
    except _Broken as exc:
        raise BackupError(_broken_message(archive, current, str(exc))) from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            f"В архиве нет файла «{missing[0]}», указанного в описи (всего недостаёт {len(missing)}): "
            "архив обрезан. Ничего не восстановлено.")


def verify_archive(archive: Path) -> dict[str, Any]:
    """Check every member's size and sha256 against the manifest, writing nothing."""
    manifest = _read_manifest(archive)
    for name in manifest["members"]:
        head = name.split("/", 1)[0]
        if name not in (SQLITE_MEMBER, PG_MEMBER, *SECRET_MEMBERS) and head not in ("facts", "indicators"):
            raise BackupError(f"Недопустимый файл в описи: «{name}».")
        _safe_relative(name)
    _walk(archive, manifest, lambda _name: None)
    return manifest


def _data_dir_problems() -> list[str]:
    data_dir = Path(settings.DATA_DIR)
    problems = []
    db = Path(str(settings.DATABASES["default"]["NAME"]))
    for entry in sorted(data_dir.iterdir()) if data_dir.exists() else []:
        if entry == db and entry.stat().st_size == 0:
            continue  # an empty SQLite file a connection left: nothing in it
        if entry.name not in STARTUP_ENTRIES:
            problems.append(entry.name)
        elif entry.is_dir() and any(entry.iterdir()):
            problems.append(entry.name + "/")
    for store in (Path(settings.FACT_STORE_DIR), Path(settings.INDICATOR_STORE_DIR)):
        if store.exists() and any(store.iterdir()) and store.name + "/" not in problems:
            problems.append(str(store))
    return problems


def _pg_tables() -> list[str]:
    with _pg_connect() as conn:
        return [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "ORDER BY table_name")]


def check_target(manifest: dict[str, Any]) -> None:
    """The restore goes only into an empty data folder and an empty database of the same engine."""
    kind = engine()
    if manifest["engine"] != kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"Резервная копия сделана с базой {names.get(manifest['engine'], manifest['engine'])}, а настроена "
            f"{names[kind]}. Восстанавливайте в базу того же вида (DATABASE_URL).")
    problems = _data_dir_problems()
    if problems:
        raise BackupError(
            f"Папка данных {settings.DATA_DIR} не пуста (есть: {', '.join(problems[:5])}). "
            "Восстановление выполняется только в новую пустую папку: задайте MSOKO_DATA_DIR новой папки.")
    if kind == "sqlite":
        db = Path(settings.DATABASES["default"]["NAME"])
        if db.exists() and db.stat().st_size > 0:
            raise BackupError(f"База данных {db} уже существует. Восстановление — только в новую пустую базу.")
    else:
        tables = _pg_tables()
        if tables:
            raise BackupError(
                f"База данных PostgreSQL «{settings.DATABASES['default']['NAME']}» не пуста: в ней "
                f"{len(tables)} таблиц (например, {tables[0]}). Создайте новую пустую базу и укажите её в DATABASE_URL.")


def _open_target(name: str, staging: Path) -> IO[bytes]:
    """Where a member goes: fact and value files to their stores, the database and the
    secrets first to a staging folder (put in place after the walk)."""
    head, _, rest = name.partition("/")
    if head == "facts":
        path = Path(settings.FACT_STORE_DIR) / _safe_relative(rest)
    elif head == "indicators":
        path = Path(settings.INDICATOR_STORE_DIR) / _safe_relative(rest)
    else:
        path = staging / _safe_relative(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _write_secret(path: Path, value: str) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value)


def _restore_secrets(staging: Path) -> list[str]:
    warnings = []
    env_names = {"secrets/secret_key": "MSOKO_SECRET_KEY", "secrets/pseudonym_key": "MSOKO_PSEUDONYM_KEY"}
    for member, file_name in SECRET_MEMBERS.items():
        value = (staging / member).read_text(encoding="utf-8")
        _write_secret(Path(settings.DATA_DIR) / file_name, value)
        env = os.environ.get(env_names[member])
        if env and env != value:
            what = ("ключ псевдонимов: пока он задан, псевдонимы новых загрузок не совпадут с "
                    "восстановленными, одни и те же обучающиеся станут разными"
                    if member.endswith("pseudonym_key")
                    else "SECRET_KEY: сеансы и ссылки сброса пароля из копии не подойдут")
            warnings.append(
                f"Внимание: переменная окружения {env_names[member]} задаёт другой {what}. "
                f"Ключ из копии записан в {file_name} папки данных; уберите {env_names[member]} "
                "из окружения или задайте в ней ключ из копии.")
    return warnings


def _restore_database(manifest: dict[str, Any], staging: Path) -> None:
    if manifest["engine"] == "sqlite":
        target = Path(settings.DATABASES["default"]["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        placed = target.with_name(f".{target.name}.restore")
        shutil.copyfile(staging / SQLITE_MEMBER, placed)
        placed.chmod(0o600)
        os.replace(placed, target)
        return
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={_pg_conninfo()}", str(staging / PG_MEMBER)],
        env=_pg_env(), capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore завершился с ошибкой: {done.stderr.strip()}")


def table_counts() -> dict[str, int]:
    from django.db import connection

    names = sorted(connection.introspection.table_names(include_views=False))
    with connection.cursor() as cur:
        out = {}
        for name in names:
            cur.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            out[name] = int(cur.fetchone()[0])
    return out


def verify_installation(manifest: dict[str, Any]) -> int:
    """After restore: every registered fact file and every backed-up value file is in place
    with the right sha256; returns how many files were checked."""
    from msoko.facts.models import FactFile
    from msoko.indicators.models import ValueFile

    members = manifest["members"]
    checked = 0
    fact_root, value_root = Path(settings.FACT_STORE_DIR), Path(settings.INDICATOR_STORE_DIR)
    for rel, registered in FactFile.objects.values_list("path", "sha256"):
        want = registered or members.get(f"facts/{rel}", {}).get("sha256", "")
        _check_file(fact_root / rel, want, f"facts/{rel}")
        checked += 1
    absent = set(manifest.get("value_files_absent_inactive", []))
    for rel in ValueFile.objects.values_list("path", flat=True):
        if rel in absent:
            continue
        _check_file(value_root / rel, members.get(f"indicators/{rel}", {}).get("sha256", ""), f"indicators/{rel}")
        checked += 1
    return checked


def _check_file(path: Path, want: str, name: str) -> None:
    if not path.is_file():
        raise BackupError(f"Проверка после восстановления: нет файла «{name}», который зарегистрирован в базе.")
    if not want or sha256_of(path) != want:
        raise BackupError(f"Проверка после восстановления: контрольная сумма файла «{name}» не совпадает.")


def restore(archive: Path, say: Say = lambda _: None) -> RestoreResult:
    """Restore ``archive`` into the configured (empty) data folder and database."""
    from django.core.management import call_command
    from django.db import connections

    archive = archive.resolve()
    if not archive.is_file():
        raise BackupError(f"Файла {archive} нет.")
    manifest = _read_manifest(archive)
    check_target(manifest)
    say("Проверяю контрольные суммы всех файлов архива…")
    verify_archive(archive)
    from msoko.web.templatetags.ru import plural_form

    n = len(manifest["members"])
    say(f"Архив цел: {n} {plural_form(n, 'файл,файла,файлов')}. Восстанавливаю…")
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.DATA_DIR))
    try:
        _walk(archive, manifest, lambda name: _open_target(name, staging))
        connections.close_all()
        _restore_database(manifest, staging)
        warnings = _restore_secrets(staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = table_counts()
    differ = sorted(t for t, n in manifest["counts"]["tables"].items() if counts.get(t) != n)
    if differ:
        raise BackupError(f"Проверка после восстановления: число строк таблицы {differ[0]} не совпадает с описью.")
    say("База восстановлена; применяю миграции (если копия сделана старой версией)…")
    reference = getattr(settings, "MSOKO_REFERENCE_ON_MIGRATE", True)
    settings.MSOKO_REFERENCE_ON_MIGRATE = False  # restore the data as it was, add nothing
    try:
        call_command("migrate", interactive=False, verbosity=0)
    finally:
        settings.MSOKO_REFERENCE_ON_MIGRATE = reference
    checked = verify_installation(manifest)
    _audit("bulk", "восстановление из резервной копии", archive, manifest, archive.stat().st_size)
    return RestoreResult(manifest, warnings, checked)
