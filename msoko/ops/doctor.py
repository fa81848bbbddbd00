"""``msoko doctor``: checks that the data folder and the database agree, and repairs what is
safe to repair (``--fix``). Also the clean-up every start does (``recover``).

Each check is a function ``(fix: bool) -> list[Finding]`` in ``CHECKS``; a new check is one
more line there. A finding is «problem» while the problem remains, «fixed» once ``--fix``
repaired it; ``msoko doctor`` exits 1 when any problem remains.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

log = logging.getLogger("msoko.ops")

OK, FIXED, PROBLEM, SKIPPED = "в порядке", "исправлено", "проблема", "пропущено"


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    detail: str = ""


Check = Callable[[bool], list[Finding]]


def _unregistered(root: Path, known: set[str]) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*.parquet*") if str(p.relative_to(root)) not in known)


def orphan_files(fix: bool) -> list[Finding]:
    """Parquet files in the fact and value stores that nothing registers (a crash's, or a
    failed write's). Looked at under the store lock: a write in progress is not a crash."""
    from msoko.facts.models import FactFile
    from msoko.facts.store import store_root
    from msoko.indicators import values as value_store
    from msoko.indicators.models import ValueFile
    from msoko.ops import storelock

    title = "Незарегистрированные файлы хранилищ"
    with storelock.sweeping() as got:
        if not got:
            return [Finding(title, SKIPPED, "идёт загрузка или расчёт; повторите проверку позже")]
        facts = _unregistered(store_root(), set(FactFile.objects.values_list("path", flat=True)))
        values = _unregistered(
            value_store.root(),
            set(ValueFile.objects.filter(is_active=True).values_list("path", flat=True)),
        )
        if not facts and not values:
            return [Finding(title, OK)]
        detail = f"хранилище фактов: {len(facts)}, хранилище значений: {len(values)}"
        if not fix:
            return [Finding(title, PROBLEM, detail + _examples(facts + values))]
        from msoko.facts.store import sweep_orphans

        sweep_orphans()
        value_store.sweep()
        return [Finding(title, FIXED, detail + " — удалены")]


def _examples(paths: list[Path], limit: int = 3) -> str:
    shown = ", ".join(p.name for p in paths[:limit])
    return f" (например: {shown})" if shown else ""


def fact_files(fix: bool) -> list[Finding]:
    """Registered fact files of active batches that are missing or whose SHA-256 differs
    from the one recorded: only reported — the facts must come back from a backup or the
    batch be loaded again."""
    from msoko.facts.models import FactFile, ImportBatch
    from msoko.facts.store import file_sha256, store_root

    title = "Файлы хранилища фактов"
    root = store_root()
    missing, changed = [], []
    for f in FactFile.objects.filter(batch__status=ImportBatch.Status.ACTIVE).order_by("pk"):
        path = root / f.path
        if not path.exists():
            missing.append(f)
        elif f.sha256 and file_sha256(path) != f.sha256:
            changed.append(f)
    if not missing and not changed:
        return [Finding(title, OK)]
    batches = sorted({f.batch_id for f in missing + changed})
    return [Finding(
        title, PROBLEM,
        f"нет файлов: {len(missing)}, изменены (SHA-256 не совпадает): {len(changed)}; "
        f"пакеты загрузки № {', '.join(map(str, batches[:10]))}. Восстановите папку данных "
        "из резервной копии или отмените эти пакеты и загрузите файлы заново.",
    )]


def value_files(fix: bool) -> list[Finding]:
    """Active value files that are missing: ``--fix`` computes every indicator again."""
    from msoko.indicators import values as value_store
    from msoko.indicators.models import ValueFile

    title = "Файлы значений показателей"
    root = value_store.root()
    missing = [
        v for v in ValueFile.objects.filter(is_active=True).order_by("pk")
        if not (root / v.path).exists()
    ]
    if not missing:
        return [Finding(title, OK)]
    detail = f"нет файлов: {len(missing)}"
    if not fix:
        return [Finding(title, PROBLEM, detail + "; исправляется полным пересчётом (--fix)")]
    from msoko.indicators.compute import compute

    compute(trigger="msoko doctor --fix")
    return [Finding(title, FIXED, detail + " — показатели рассчитаны заново")]


def dead_runs(fix: bool) -> list[Finding]:
    """Computations left «running» by a process that has ended: ``--fix`` redoes them."""
    from msoko.indicators import recompute

    title = "Прерванные расчёты показателей"
    runs = recompute.dead_runs()
    if not runs:
        return [Finding(title, OK)]
    detail = "расчёты № " + ", ".join(str(r.pk) for r in runs)
    if not fix:
        return [Finding(title, PROBLEM, detail + " числятся выполняющимися, их процесс завершился")]
    redone = recompute.redo_dead_runs()
    return [Finding(title, FIXED, detail + f" — отмечены прерванными, повторено: {len(redone)}")]


def dead_jobs(fix: bool) -> list[Finding]:
    """Jobs left «running» by a process that has ended: ``--fix`` marks them failed (they
    can be repeated from their page)."""
    from msoko.jobs.queue import dead_jobs as find
    from msoko.jobs.queue import fail_dead_jobs

    title = "Прерванные фоновые задания"
    jobs = find()
    if not jobs:
        return [Finding(title, OK)]
    detail = "задания № " + ", ".join(str(j.pk) for j in jobs)
    if not fix:
        return [Finding(title, PROBLEM, detail + " числятся выполняющимися, их процесс завершился")]
    fail_dead_jobs()
    return [Finding(title, FIXED, detail + " — отмечены прерванными, их можно повторить")]


def stale_uploads(fix: bool) -> list[Finding]:
    """Uploaded files checked but never loaded, kept past ``MSOKO_UPLOAD_TTL_HOURS``: personal
    data that must not stay (152-ФЗ); ``--fix`` deletes them (as every consumer start does)."""
    from msoko.intake import uploads

    title = "Загруженные файлы старше срока хранения"
    stale = uploads.stale_uploads()
    if not stale:
        return [Finding(title, OK)]
    detail = f"{len(stale)} (срок — {uploads.ttl_hours()} ч)"
    if not fix:
        return [Finding(title, PROBLEM, detail + "; удаляются при --fix и при запуске сервера")]
    removed = uploads.sweep_stale_uploads()
    return [Finding(title, FIXED, f"{detail} — удалено: {removed}")]


def data_permissions(fix: bool) -> list[Finding]:
    """The data folder and the files directly in it must be readable by their owner only
    (they hold personal data and keys). Only reported: changing modes is the installer's
    choice (``chmod -R go-rwx``)."""
    title = "Права доступа к папке данных"
    root = Path(settings.DATA_DIR)
    loose = [
        p for p in [root, *sorted(root.iterdir())]
        if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    if not loose:
        return [Finding(title, OK)]
    shown = ", ".join(f"{p.name or p} ({stat.S_IMODE(p.stat().st_mode):o})" for p in loose[:5])
    return [Finding(
        title, PROBLEM,
        f"доступны не только владельцу: {shown}. Исправьте: chmod -R go-rwx {root}",
    )]


CHECKS: list[Check] = [
    orphan_files,
    fact_files,
    value_files,
    dead_runs,
    dead_jobs,
    stale_uploads,
    data_permissions,
]


def run(*, fix: bool = False) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        try:
            findings.extend(check(fix))
        except Exception as exc:  # one broken check must not hide the others
            log.exception("doctor check %s failed", check.__name__)
            findings.append(Finding(check.__name__, PROBLEM, f"проверка не выполнена: {exc}"))
    return findings


def recover(*, redo: bool = True) -> dict[str, object]:
    """The clean-up at every start (``msoko serve``, a consumer): delete unregistered store
    files (unless someone is writing), mark the jobs of dead processes failed and, with
    ``redo``, redo the computations of dead processes."""
    from msoko.indicators import recompute
    from msoko.jobs.queue import fail_dead_jobs
    from msoko.ops.storelock import sweep_stores

    summary: dict[str, object] = {
        "swept": sweep_stores(),
        "jobs": [j.pk for j in fail_dead_jobs()],
        "runs": recompute.redo_dead_runs() if redo else [],
    }
    swept = summary["swept"]
    if (isinstance(swept, dict) and any(swept.values())) or summary["jobs"] or summary["runs"]:
        log.warning("clean-up at start: %s", summary)
    return summary


