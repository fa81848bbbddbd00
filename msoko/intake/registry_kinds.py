"""Registry kinds (staff with courses and diagnostics, social passports, task
specifications, territories and organisations): rows collected while the file is validated,
applied in the batch's transaction, each change recorded so that a rollback can undo it.
Territories and organisations are upserted by a key and compared before writing
(``registry_files``)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from django.apps import apps
from django.db import models

from msoko.access.audit import _snapshot
from msoko.facts.models import Assessment, ImportBatch, TaskSpec
from msoko.intake import registry_files
from msoko.intake.headers import norm
from msoko.intake.models import RegistryChange
from msoko.intake.registry_files import RollbackRefused, Summary
from msoko.registry.models import Course, DeficitDiagnostic, SocialPassport, StaffMember, Subject

if TYPE_CHECKING:
    from msoko.intake.pipeline import Ctx, Parsed


def _py(v: Any) -> Any:
    if isinstance(v, pa.Array):
        return v.to_pylist()
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "f":
            return [None if np.isnan(x) else x for x in v.tolist()]
        return v.tolist()
    return v


def collect(ctx: Ctx, p: Parsed) -> None:
    cols = {k: _py(v) for k, v in p.values.items()}
    subjects = _py(p.subject)
    grades = [None if np.isnan(g) else int(g) for g in p.grade.tolist()]
    for i in range(p.n):
        row = {k: cols[k][i] for k in cols}
        row["_row"] = int(p.rows[i])
        row["org_id"] = int(p.org_id[i])
        row["subject"] = subjects[i]
        row["grade"] = grades[i]
        ctx.registry_rows.append(row)
    if ctx.kind.code == "task_spec":
        missing = [r["_row"] for r in ctx.registry_rows[-p.n:] if not r["subject"]]
        for r in missing[:1000]:
            ctx.problems.add("не указан предмет (ни в столбце «Предмет», ни в параметрах загрузки)", row=r, column="Предмет")
        seen: dict[tuple[Any, ...], int] = {}
        for r in ctx.registry_rows:
            key = (r["subject"], r["grade"], str(r["number"]))
            if key in seen and seen[key] != r["_row"]:
                ctx.problems.add(f"задание повторяется (уже было в строке {seen[key]})", row=r["_row"], column="Номер задания", value=r["number"])
            seen.setdefault(key, r["_row"])


def plan(ctx: Ctx, user: Any) -> Summary | None:
    """After the whole file is read, before anything is written: check an upsert kind's rows
    against the registry and say what would be new, changed and unchanged."""
    if ctx.kind.code == "organisations":
        return registry_files.plan_organisations(ctx, user)
    if ctx.kind.code == "territories":
        return registry_files.plan_territories(ctx, user)
    return None


def _change(batch: ImportBatch, obj: models.Model, before: dict[str, Any] | None) -> None:
    RegistryChange.objects.create(batch=batch, model=obj._meta.label, object_id=obj.pk, before=before)


def _upsert(batch: ImportBatch, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> models.Model:
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        _change(batch, obj, None)
        return obj
    before = _snapshot(obj)
    changed = {k: v for k, v in values.items() if v is not None and getattr(obj, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(obj, k, v)
        obj.save()
        _change(batch, obj, before)
    return obj


def apply(ctx: Ctx, batch: ImportBatch) -> None:
    code = ctx.kind.code
    if code == "organisations":
        registry_files.apply_organisations(ctx, batch)
    elif code == "territories":
        registry_files.apply_territories(ctx, batch)
    elif code == "social_passport":
        for r in ctx.registry_rows:
            values = {k: r.get(k) for k in (
                "students_total", "low_income_share", "single_parent_share", "disability_share",
                "non_native_share", "preventive_registration_share",
                "parents_higher_education_share", "distance_to_centre_km") if r.get(k) is not None}
            for k in ("low_income_share", "single_parent_share", "disability_share",
                      "non_native_share", "preventive_registration_share"):
                values.setdefault(k, 0)
            _upsert(batch, SocialPassport, {"organisation_id": r["org_id"], "year": ctx.year}, values)
    elif code == "task_spec":
        if ctx.procedure is None or ctx.year is None:
            raise ValueError("task_spec needs a procedure and a year")
        for pos, r in enumerate(ctx.registry_rows):
            subject = Subject.objects.get(code=r["subject"])
            a = Assessment.objects.filter(procedure=ctx.procedure, subject=subject, grade=r["grade"], year=ctx.year).first()
            if a is None:
                a = Assessment.objects.create(procedure=ctx.procedure, subject=subject, grade=r["grade"], year=ctx.year)
                _change(batch, a, None)
            _upsert(batch, TaskSpec, {"assessment": a, "number": str(r["number"])}, {
                "position": pos, "max_score": int(r["max_score"]), "level": r.get("level") or "basic",
                "codifier_code": r.get("codifier_code") or "", "codifier_name": r.get("codifier_name") or "",
            })
    elif code == "staff":
        subjects = {norm(n): s for s in Subject.objects.all() for n in (s.name, s.code)}
        for r in ctx.registry_rows:
            existing = {norm(s.full_name): s for s in StaffMember.objects.filter(organisation_id=r["org_id"])}
            found = existing.get(norm(r["full_name"]))
            values = {k: r.get(k) for k in ("position", "category", "experience_years", "birth_year")}
            values = {k: (int(v) if isinstance(v, float) else v) for k, v in values.items() if v is not None}
            lookup = {"organisation_id": r["org_id"], "full_name": found.full_name if found else r["full_name"]}
            staff = _upsert(batch, StaffMember, lookup, values)
            if not isinstance(staff, StaffMember):  # pragma: no cover - _upsert returns the model
                raise TypeError(staff)
            if r.get("subjects"):
                for name in str(r["subjects"]).split(","):
                    s = subjects.get(norm(name))
                    if s is not None:
                        staff.subjects.add(s)
            if r.get("course_title"):
                course = Course.objects.create(
                    staff=staff, title=r["course_title"], provider=r.get("course_provider") or "",
                    hours=int(r.get("course_hours") or 0),
                    completed_on=datetime.date.fromisoformat(r["course_completed_on"]) if r.get("course_completed_on") else (ctx.year.ends_on if ctx.year else datetime.date.today()),  # noqa: DTZ011
                )
                _change(batch, course, None)
            if r.get("diagnostic_area") and ctx.year is not None:
                diag = DeficitDiagnostic.objects.create(
                    staff=staff, year=ctx.year, area=r["diagnostic_area"],
                    score_percent=round(float(r.get("diagnostic_percent") or 0), 2),
                    deficits=r.get("deficits") or "",
                )
                _change(batch, diag, None)


def undo(batch: ImportBatch) -> None:
    """Undo a batch's registry changes, newest first: delete what it created, restore what
    it changed. Territories and organisations that something uses are not deleted: the whole
    rollback is refused (``RollbackRefused``) with what uses them."""
    registry_files.check_undo(batch)
    changes = list(batch.registry_changes.order_by("-pk"))
    registry_files.undo_bulk(batch, changes)
    for ch in changes:
        if ch.model in registry_files.BULK_MODELS:
            continue
        model = apps.get_model(ch.model)
        obj = model._default_manager.filter(pk=ch.object_id).first()
        if obj is None:
            continue
        if ch.before is None:
            obj.delete()
        else:
            for k, v in ch.before.items():
                setattr(obj, k, v)
            obj.save()


__all__ = ["RollbackRefused", "Summary", "apply", "collect", "plan", "undo"]
