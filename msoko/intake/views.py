"""Upload pages: choose the kind, upload (with a progress bar), see the check's problems,
then load. Both the check and the load run as background jobs on the task queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from msoko.access import policy
from msoko.access.models import Role
from msoko.facts.models import ImportBatch, Procedure
from msoko.intake import uploads
from msoko.intake.jobs import HANDLER
from msoko.intake.kinds import KINDS
from msoko.intake.models import ColumnMapping
from msoko.intake.presets import ensure_presets
from msoko.jobs.models import Job
from msoko.jobs.queue import start_job
from msoko.registry.models import AcademicYear, Subject

UPLOAD_ROLES = {Role.MUNICIPAL_SPECIALIST, Role.REGIONAL_ANALYST}
ALLOWED_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}


def can_upload(user: Any) -> bool:
    """Territory specialists and analysts load files for the organisations they may edit
    (and, with no organisation yet, the registry of their territory); the technical
    administrator always (a fresh installation's first file is its list of organisations)."""
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or (user.role in UPLOAD_ROLES
                and (user.territory_id or policy.editable_organisations(user).exists()))
        )
    )


def _require_uploader(request: HttpRequest) -> None:
    if not can_upload(request.user):
        raise Http404("Страница не найдена")


def max_upload_bytes() -> int:
    """The upload size limit (``MSOKO_MAX_UPLOAD_MB``, 200 MB unless set)."""
    return int(getattr(settings, "MSOKO_MAX_UPLOAD_MB", 200)) * 1024 * 1024


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def too_large_message(size: int | None = None) -> str:
    limit = getattr(settings, "MSOKO_MAX_UPLOAD_MB", 200)
    given = f" ({_mb(size)} МБ)" if size else ""
    return (
        f"Файл слишком большой{given}: можно загрузить не больше {limit} МБ. Разделите его на "
        "части (например, по муниципалитетам или предметам) или попросите технического "
        "администратора увеличить предел."
    )


def year_choices() -> list[tuple[int, str]]:
    """Every year of the registry and every year of the accepted range, newest first; a year
    not yet in the registry says so (the checkbox below creates it)."""
    from msoko.facts.reference import year_label, year_range

    known = set(AcademicYear.objects.values_list("start_year", flat=True))
    first, last = year_range()
    every = sorted(known | set(range(first, last + 1)), reverse=True)
    return [(y, year_label(y) if y in known else f"{year_label(y)} — не заведён") for y in every]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="Вид данных", choices=[])
    file = forms.FileField(label="Файл (XLSX или CSV)")
    year = forms.TypedChoiceField(label="Учебный год", coerce=int, choices=[])
    create_year = forms.BooleanField(
        label="Создать учебный год, если его нет",
        required=False,
        help_text="Год заводится в справочнике «Учебные годы» при загрузке файла (проверка ничего не записывает); шкалы перевода для него заводятся отдельно",
    )
    procedure = forms.ChoiceField(
        label="Процедура (для ГИА и сводных данных)", required=False, choices=[]
    )
    subject = forms.ChoiceField(label="Предмет (если его нет в файле)", required=False, choices=[])
    grade = forms.TypedChoiceField(
        label="Класс (если его нет в файле)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "— из файла —")] + [(g, f"{g} класс") for g in range(1, 12)],
    )
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
        year_field.choices = year_choices()
        cast(forms.ChoiceField, self.fields["procedure"]).choices = [
            ("", "— по виду данных —")
        ] + [(p.code, p.name) for p in Procedure.objects.order_by("family", "name")]
        cast(forms.ChoiceField, self.fields["subject"]).choices = [("", "— из файла —")] + [
            (s.code, s.name) for s in Subject.objects.order_by("name")
        ]
        mapping_field = cast(forms.ChoiceField, self.fields["mapping"])
        mapping_field.choices = [("", "— определить по заголовкам —")] + [
            (m.name, f"{m.name} ({KINDS[m.kind].title if m.kind in KINDS else m.kind})")
            for m in ColumnMapping.objects.all()
        ]
        current = AcademicYear.objects.filter(is_current=True).first()
        if current is not None:
            self.fields["year"].initial = current.start_year

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError("Загрузите файл XLSX или CSV.")
        if upload.size is not None and upload.size > max_upload_bytes():
            raise forms.ValidationError(too_large_message(upload.size))
        return upload

    def clean(self) -> dict[str, Any]:
        from msoko.facts.reference import year_label

        super().clean()
        data = self.cleaned_data
        year = data.get("year")
        if (
            year is not None
            and not data.get("create_year")
            and data.get("kind") != "staff"
            and not AcademicYear.objects.filter(start_year=year).exists()
        ):
            self.add_error(
                "year",
                f"Учебный год {year_label(year)} ещё не заведён в справочнике «Учебные годы». "
                "Отметьте «Создать учебный год, если его нет» — он будет заведён при загрузке.",
            )
        return data


class UploadSizeLimit(FileUploadHandler):
    """Drops a file larger than the upload limit as it is read: it is never kept, in memory
    or on disk. Installed before anything reads the body (see :func:`upload`)."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = max_upload_bytes()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        # A body whose declared length is refused before parsing (``upload``); this counts
        # the file itself as it comes and drops it once it passes the limit.
        if start + len(raw_data) > self.limit:
            if self.request is not None:
                self.request.msoko_upload_too_large = True  # type: ignore[attr-defined]
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


FORM_OVERHEAD = 1024 * 1024  # the other fields and the multipart boundaries


def _job_for_user(request: HttpRequest, pk: int) -> Job:
    """A job is seen only by whoever started it (missing and foreign look the same)."""
    try:
        job = Job.objects.get(pk=pk, handler=HANDLER)
    except Job.DoesNotExist:
        raise Http404("Задание не найдено") from None
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404("Задание не найдено")
    return job


OPTIONAL_FIELDS = ("year", "create_year", "procedure", "subject", "grade")


def kind_fields() -> dict[str, list[str]]:
    """Per kind, which of the optional upload fields apply (the page hides the others): the
    registry itself has no year, a kind with a fixed procedure or subject asks for none."""
    out: dict[str, list[str]] = {}
    for code, k in KINDS.items():
        names = []
        if k.year != "none":
            names += ["year", "create_year"]
        if not k.procedure and k.procedures:
            names.append("procedure")
        if k.has("subject") and not k.fixed_subject:
            names.append("subject")
        if k.has("grade"):
            names.append("grade")
        out[code] = names
    return out


def _page(request: HttpRequest, form: UploadForm, **extra: Any) -> HttpResponse:
    jobs = Job.objects.filter(handler=HANDLER, created_by_id=request.user.pk)[:20]
    return render(request, "intake/upload.html", {
        "form": form, "jobs": jobs, "kinds": KINDS, "kind_fields": kind_fields(),
        "optional_fields": OPTIONAL_FIELDS,
        "max_upload_bytes": max_upload_bytes(), "max_upload_mb": settings.MSOKO_MAX_UPLOAD_MB,
        **extra,
    })


def _refuse_too_large(request: HttpRequest, size: int | None) -> HttpResponse:
    """The upload limit's refusal, before the body is read: JSON for the progress upload,
    the page with the message otherwise."""
    message = too_large_message(size)
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse({"errors": {"file": [message]}}, status=413)
    response = _page(request, UploadForm(), refusal=message)
    response.status_code = 413
    return response


@csrf_exempt  # the CSRF check reads the body: it runs in ``_upload``, after the size limit
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _require_uploader(request)
    if request.method == "POST":
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > max_upload_bytes() + FORM_OVERHEAD:
            return _refuse_too_large(request, declared)
        request.upload_handlers = [UploadSizeLimit(request), *request.upload_handlers]
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    ensure_presets()
    form = UploadForm(request.POST or None, request.FILES or None,
                      initial={"kind": request.GET.get("kind")} if request.GET.get("kind") in KINDS else None)
    if request.method == "POST" and getattr(request, "msoko_upload_too_large", False):
        return _refuse_too_large(request, None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        path = uploads.store(data["file"])
        options = {
            "year": data["year"],
            "create_year": bool(data["create_year"]),
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
    return _page(request, form)


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    _require_uploader(request)
    job = _job_for_user(request, pk)
    context = {"job": job, "result": job.result, "kind": KINDS.get(job.params.get("kind", "")),
               "upload_present": _upload_present(job), "ttl_hours": uploads.ttl_hours()}
    template = "intake/_job.html" if request.headers.get("HX-Request") else "intake/job.html"
    return render(request, template, context)


def _upload_present(job: Job) -> bool:
    path = job.params.get("path")
    return bool(path) and Path(path).exists()


def _checked(request: HttpRequest, pk: int) -> Job:
    """The user's own check job that passed: the only kind that can be loaded or discarded."""
    checked = _job_for_user(request, pk)
    if not (checked.finished and checked.result.get("status") == "dry_run" and checked.params.get("dry_run")):
        raise Http404("Загружать можно только файл, проверка которого прошла без ошибок")
    return checked


@login_required
@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Load a checked file: a new job with the same file and options, not a dry run. A file
    already deleted (kept only so long after its check, or discarded) is said to be gone."""
    from django.contrib import messages

    _require_uploader(request)
    checked = _checked(request, pk)
    if not _upload_present(checked):
        messages.error(request, uploads.missing_message())
        return redirect(reverse("intake:job", args=[checked.pk]))
    params = {**checked.params, "dry_run": False}
    job = start_job(
        handler=HANDLER,
        title=f"Загрузка файла «{params.get('file_name', '')}»",
        params=params,
        user=request.user,
    )
    return redirect(reverse("intake:job", args=[job.pk]))


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    """«Отменить загрузку»: delete a checked file the user will not load (audited)."""
    from django.contrib import messages

    from msoko.access.audit import record

    _require_uploader(request)
    checked = _checked(request, pk)
    name = checked.params.get("file_name", "")
    if uploads.delete(checked.params.get("path", "")):
        record("delete", model="intake.upload", object_id=checked.pk, object_repr=name[:200],
               changes={"file_name": name, "reason": "загрузка отменена после проверки"})
        messages.success(request, f"Загрузка отменена: файл «{name}» удалён, ничего не записано.")
    else:
        messages.info(request, f"Файл «{name}» уже удалён.")
    return redirect(reverse("intake:job", args=[checked.pk]))


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Repeat a failed job (one a stopped or crashed server interrupted): a new job with
    the same file and options (msoko.jobs.queue.retry)."""
    from msoko.jobs.queue import retry as retry_job

    _require_uploader(request)
    failed = _job_for_user(request, pk)
    if failed.status != Job.Status.FAILED:
        raise Http404("Повторить можно только задание, завершившееся сбоем")
    if not Path(str(failed.params.get("path", ""))).is_file():
        raise Http404("Файл этого задания больше не хранится: загрузите его снова")
    job = retry_job(failed, user=request.user)
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
