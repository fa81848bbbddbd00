"""Imports as background jobs: the web upload runs ``run_import`` on the task queue."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from msoko.intake.pipeline import ImportResult, run_import
from msoko.jobs.queue import JobContext

HANDLER = "msoko.intake.jobs.import_job"


def result_as_dict(result: ImportResult) -> dict[str, Any]:
    """What the job page shows: summary, mapping, the first problems (all of them counted)."""
    probs = result.problems
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
        "errors": [asdict(p) for p in probs.errors[:500]],
        "warnings": [asdict(p) for p in probs.warnings[:500]],
        "error_total": probs.error_total,
        "warning_total": probs.warning_total,
        "registry": result.registry.as_dict() if result.registry is not None else None,
    }


def import_job(ctx: JobContext, *, path: str, kind: str, dry_run: bool, **options: Any) -> dict[str, Any]:
    """Check (``dry_run``) or load one uploaded file, reporting rows read as progress."""

    def progress(rows: int, message: str) -> None:
        ctx.progress(rows, message)

    result = run_import(
        path,
        kind=kind,
        user=ctx.job.created_by,
        dry_run=dry_run,
        progress=progress,
        **options,
    )
    return result_as_dict(result)
