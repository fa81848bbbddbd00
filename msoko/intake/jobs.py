"""Imports as background jobs: the web upload runs ``run_import`` on the task queue."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from msoko.intake import uploads
from msoko.intake.kinds import STUDENT
from msoko.intake.pipeline import ImportResult, run_import
from msoko.intake.problems import Problem
from msoko.jobs.queue import JobContext

HANDLER = "msoko.intake.jobs.import_job"


# A student's identity (names, birth date, code) is never stored (152-ФЗ): a problem in one of
# these columns, or a row of the file quoted whole, is kept without its value.
PERSONAL_TITLES = frozenset(f.title for f in STUDENT)


def _without_personal(problems: list[Problem], personal_headers: set[str]) -> list[dict[str, Any]]:
    out = []
    for p in problems:
        d = asdict(p)
        if d["value"] != "" and (p.column in personal_headers or (not p.column and p.row is not None)):
            d["value"] = ""
        out.append(d)
    return out


def result_as_dict(result: ImportResult) -> dict[str, Any]:
    """What the job page shows: summary, mapping, the first problems (all of them counted).
    It is kept in the job's row, so a problem's value is left out where it would be a
    student's name, birth date or code (the row and column still say where to look)."""
    probs = result.problems
    personal = {header for header, title in result.mapping if title in PERSONAL_TITLES}
    return {
        "status": result.status,
        "ok": result.ok,
        "kind": result.kind,
        "file": result.file,
        "message": result.message,
        "rows": result.rows,
        "skipped_rows": result.skipped_rows,
        "students": result.students,
        "matched_students": result.matched_students,
        "batch_id": result.batch_id,
        "replaced": list(result.replaced),
        "mapping": [list(pair) for pair in result.mapping],
        "mapping_name": result.mapping_name,
        "absent_columns": list(result.absent),
        "years": list(result.years),
        "errors": _without_personal(probs.errors[:500], personal),
        "warnings": _without_personal(probs.warnings[:500], personal),
        "error_total": probs.error_total,
        "warning_total": probs.warning_total,
        "registry": result.registry.as_dict() if result.registry is not None else None,
    }


def import_job(ctx: JobContext, *, path: str, kind: str, dry_run: bool, **options: Any) -> dict[str, Any]:
    """Check (``dry_run``) or load one uploaded file, reporting rows read as progress.

    The raw file is personal data, kept only while it may still be loaded
    (``msoko.intake.uploads``): deleted here as soon as a check finds it cannot be
    committed, and once a load has finished, loaded or not. Only an outcome this handler
    reaches deletes it — a process killed midway leaves the file for a retry until the
    sweep of stale uploads."""
    uploads.sweep_stale_uploads()
    if uploads.is_upload(path) and not Path(path).exists():
        return missing_result(kind, options.get("file_name") or Path(path).name)
    uploads.touch(path)

    def progress(rows: int, message: str) -> None:
        # the pipeline says "rows" for rows read (the page shows the count); once reading,
        # that replaces «Ожидает завершения другой загрузки»
        ctx.progress(rows, "Файл читается" if message == "rows" else message)

    try:
        result = run_import(
            path,
            kind=kind,
            user=ctx.job.created_by,
            dry_run=dry_run,
            progress=progress,
            **options,
        )
    except Exception:
        uploads.delete(path)  # failed: a check that failed cannot be committed either
        raise
    if not dry_run or result.status != "dry_run":
        uploads.delete(path)
    return result_as_dict(result)


def missing_result(kind: str, file_name: str) -> dict[str, Any]:
    """The outcome of a job whose upload is gone (swept after its time, or discarded)."""
    result = ImportResult("errors", kind, file_name)
    result.problems.file = file_name
    result.problems.add(uploads.missing_message())
    out = result_as_dict(result)
    out["message"] = uploads.missing_message()
    out["upload_missing"] = True
    return out
