"""Upload pages: choose the kind, upload (with a progress bar), see the check's problems,
then load. Both the check and the load run as background jobs on the task queue."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from msoko.access import policy
from msoko.access.models import Role
from msoko.facts.models import ImportBatch
from msoko.intake.jobs import HANDLER
from msoko.intake.kinds import KINDS
from msoko.intake.models import ColumnMapping
from msoko.intake.presets import ensure_presets
from msoko.jobs.models import Job
from msoko.jobs.queue import start_job
from msoko.registry.models import AcademicYear

UPLOAD_ROLES = {Role.MUNICIPAL_SPECIALIST, Role.REGIONAL_ANALYST}
ALLOWED_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}


def can_upload(user: Any) -> bool:
    """Territory specialists and analysts load files for the organisations they may edit
    (and, with no organisation yet, the registry of their territory)."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.role in UPLOAD_ROLES)
        and (user.is_superuser or user.territory_id or policy.editable_organisations(user).exists())
    )


def _require_uploader(request: HttpRequest) -> None:
    if not can_upload(request.user):
        raise Http404("Страница не найдена")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="Вид данных", choices=[])
    file = forms.FileField(label="Файл (XLSX или CSV)")
    year = forms.TypedChoiceField(label="Учебный год", coerce=int, choices=[])
    procedure = forms.CharField(
        label="Процедура (для ГИА и сводных данных)", required=False, max_length=16
    )
    subject = forms.CharField(label="Предмет (если его нет в файле)", required=False, max_length=32)
    grade = forms.IntegerField(label="Класс (если его нет в файле)", required=False, min_value=1, max_value=11)
    mapping = forms.ChoiceField(
        label="Сопоставление столбцов",
        required=False,
        help_text="По умолчанию — сохранённое для файлов такого же вида, иначе по заголовкам",
    )
    save_mapping = forms.CharField(
        label="Сохранить сопоставление этого файла под именем",
        required=False,
        max_length=100,
        help_text="Для следующих файлов того же вида; сохраняется при загрузке",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        year_field = cast(forms.ChoiceField, self.fields["year"])
        kind_field.choices = [(code, k.title) for code, k in KINDS.items()]
        years = AcademicYear.objects.order_by("-start_year")
        year_field.choices = [(y.start_year, y.label) for y in years]
        mapping_field = cast(forms.ChoiceField, self.fields["mapping"])
        mapping_field.choices = [("", "— определить по заголовкам —")] + [
            (m.name, f"{m.name} ({KINDS[m.kind].title if m.kind in KINDS else m.kind})")
            for m in ColumnMapping.objects.all()
        ]
        current = years.filter(is_current=True).first()
        if current is not None:
            self.fields["year"].initial = current.start_year

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError("Загрузите файл XLSX или CSV.")
        return upload


def _store_upload(upload: Any) -> Path:
    folder = Path(settings.UPLOAD_DIR) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    safe = Path(upload.name).name.replace("/", "_") or "file"
    path = folder / safe
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def _job_for_user(request: HttpRequest, pk: int) -> Job:
    """A job is seen only by whoever started it (missing and foreign look the same)."""
    try:
        job = Job.objects.get(pk=pk, handler=HANDLER)
    except Job.DoesNotExist:
        raise Http404("Задание не найдено") from None
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404("Задание не найдено")
    return job


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _require_uploader(request)
    ensure_presets()
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        path = _store_upload(data["file"])
        options = {
            "year": data["year"],
            "procedure": data["procedure"] or None,
            "subject": data["subject"] or None,
            "grade": data["grade"],
            "file_name": Path(data["file"].name).name,
            "mapping": data["mapping"] or None,
            "save_mapping": data["save_mapping"].strip() or None,
        }
        job = start_job(
            handler=HANDLER,
            title=f"Проверка файла «{options['file_name']}»",
            params={"path": str(path), "kind": data["kind"], "dry_run": True, **options},
            user=request.user,
        )
        url = reverse("intake:job", args=[job.pk])
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            return JsonResponse({"redirect": url})
        return redirect(url)
    if request.method == "POST" and request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse({"errors": {k: [str(e) for e in v] for k, v in form.errors.items()}}, status=400)
    jobs = Job.objects.filter(handler=HANDLER, created_by_id=request.user.pk)[:20]
    return render(request, "intake/upload.html", {"form": form, "jobs": jobs, "kinds": KINDS})


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    _require_uploader(request)
    job = _job_for_user(request, pk)
    context = {"job": job, "result": job.result, "kind": KINDS.get(job.params.get("kind", ""))}
    template = "intake/_job.html" if request.headers.get("HX-Request") else "intake/job.html"
    return render(request, template, context)


@login_required
@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Load a checked file: a new job with the same file and options, not a dry run."""
    _require_uploader(request)
    checked = _job_for_user(request, pk)
    if not (checked.finished and checked.result.get("status") == "dry_run" and checked.params.get("dry_run")):
        raise Http404("Загружать можно только файл, проверка которого прошла без ошибок")
    params = {**checked.params, "dry_run": False}
    job = start_job(
        handler=HANDLER,
        title=f"Загрузка файла «{params.get('file_name', '')}»",
        params=params,
        user=request.user,
    )
    return redirect(reverse("intake:job", args=[job.pk]))


@login_required
def template(request: HttpRequest, kind: str) -> FileResponse:
    """The XLSX template of a kind: Russian headers and a sheet explaining each column."""
    from msoko.intake.templates import write_template

    if kind not in KINDS:
        raise Http404("Нет такого вида данных")
    folder = Path(settings.DATA_DIR) / "templates"
    folder.mkdir(exist_ok=True)
    path = write_template(kind, folder / f"{kind}.xlsx")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"шаблон_{kind}.xlsx")


def _target_title(target: str, titles: dict[str, str]) -> str:
    if not target:
        return "— не загружается —"
    if target.startswith("task:"):
        return f"Задание {target[5:]}"
    return titles.get(target, target)


@login_required
def mappings(request: HttpRequest) -> HttpResponse:
    """Saved column mappings: which header of a file goes to which field."""
    _require_uploader(request)
    ensure_presets()
    rows = []
    for m in ColumnMapping.objects.all():
        kind = KINDS.get(m.kind)
        titles = {f.name: f.title for f in kind.fields} if kind else {}
        columns = [(header, _target_title(target, titles)) for header, target in m.columns.items()]
        rows.append({"mapping": m, "kind": kind, "columns": columns})
    return render(request, "intake/mappings.html", {"rows": rows})


def batches_for_user(user: Any) -> list[ImportBatch]:
    """Batches whose every organisation the user may edit (a batch that touches a school
    outside their territory is not theirs to see or undo)."""
    allowed = policy.visible_org_ids(user) if user.is_superuser else frozenset(
        policy.editable_organisations(user).values_list("pk", flat=True)
    )
    qs = ImportBatch.objects.exclude(source="demo").select_related("procedure", "year", "created_by")
    # a territories batch names no organisation: it belongs to whoever may load its region
    regions = {user.territory_id} if user.is_superuser or user.role == Role.REGIONAL_ANALYST else set()
    return [b for b in qs[:500] if (b.scope and set(b.scope) <= allowed) or (
        b.kind == "territories" and (user.is_superuser or (b.territory_id and b.territory_id in regions)))]


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    """The import journal: every batch, its file, rows, status; roll back an active one."""
    _require_uploader(request)
    return render(request, "intake/batches.html", {"batches": batches_for_user(request.user)})


@login_required
@require_POST
def rollback(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib import messages

    from msoko.intake.pipeline import rollback as rollback_batch
    from msoko.intake.registry_files import RollbackRefused

    _require_uploader(request)
    if not any(b.pk == pk for b in batches_for_user(request.user)):
        raise Http404("Пакет не найден")
    try:
        batch = rollback_batch(pk, user=request.user)
    except RollbackRefused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("intake:batches"))
    messages.success(request, f"Пакет № {batch.pk} отменён: его данные больше не учитываются.")
    return redirect(reverse("intake:batches"))
