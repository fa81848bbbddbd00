"""Pages of school forms: the school's list of forms, the form itself (fill / read), the
municipal approval queue and the decisions. Every page loads the organisation through the
policy: another school's form is a 404, whatever its status."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from msoko.access import policy
from msoko.access.models import User
from msoko.collect import actions
from msoko.collect.forms import DecisionForm, SubmissionForm
from msoko.collect.models import EDITABLE_STATUSES, DataForm, Status, Submission
from msoko.registry.models import AcademicYear, Organisation


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _years() -> list[AcademicYear]:
    return list(AcademicYear.objects.order_by("-start_year"))


def _year(request: HttpRequest) -> AcademicYear:
    """The year asked for (``?year=2024``), else the current one, else the latest."""
    asked = request.GET.get("year")
    qs = AcademicYear.objects.all()
    if asked:
        try:
            return qs.get(start_year=int(asked))
        except (AcademicYear.DoesNotExist, ValueError):
            raise Http404("Учебный год не найден") from None
    year = qs.filter(is_current=True).first() or qs.order_by("-start_year").first()
    if year is None:
        raise Http404("Учебные годы не заведены")
    return year


def _is_org_user(user: User) -> bool:
    return policy.home_territory(user) is None and bool(user.organisation_id)


def _forms_for(org: Organisation) -> list[DataForm]:
    return [f for f in DataForm.objects.filter(is_active=True) if f.applies_to(org)]


def submission_url(org_pk: int, form_code: str, start_year: int) -> str:
    return reverse("collect:submission", args=[org_pk, form_code, start_year])


@require_GET
@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    """«Формы»: the forms of the user's own organisation for a year, with their status."""
    user = _user(request)
    if not _is_org_user(user):
        return redirect("collect:queue")
    org = policy.get_organisation_for_user(user, user.organisation_id)
    year = _year(request)
    submissions = {s.form_id: s for s in Submission.objects.filter(organisation=org, year=year)}
    rows = []
    for form in _forms_for(org):
        sub = submissions.get(form.pk)
        rows.append(
            {
                "form": form,
                "submission": sub,
                "status": sub.status if sub else Status.NOT_STARTED,
                "status_label": sub.get_status_display() if sub else Status.NOT_STARTED.label,
                "url": submission_url(org.pk, form.code, year.start_year),
                "editable": (sub.status if sub else Status.NOT_STARTED) in EDITABLE_STATUSES,
            }
        )
    context = {
        "organisation": org,
        "year": year,
        "years": _years(),
        "rows": rows,
        "can_fill": actions.can_fill(user, org),
    }
    return render(request, "collect/form_list.html", context)


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The approval queue: every form of every visible organisation, filtered."""
    user = _user(request)
    if _is_org_user(user):
        return redirect("collect:forms")
    year = _year(request)
    orgs = list(
        policy.visible_organisations(user).filter(is_active=True).select_related("territory")
    )
    forms = list(DataForm.objects.filter(is_active=True))
    submissions = {
        (s.form_id, s.organisation_id): s
        for s in Submission.objects.filter(year=year, organisation__in=orgs)
    }
    form_code = request.GET.get("form", "")
    status = request.GET.get("status", "")
    org_pk = request.GET.get("organisation", "")
    rows: list[dict[str, Any]] = []
    for form in forms:
        if form_code and form.code != form_code:
            continue
        for org in orgs:
            if not form.applies_to(org) or (org_pk and str(org.pk) != org_pk):
                continue
            sub = submissions.get((form.pk, org.pk))
            row_status = sub.status if sub else Status.NOT_STARTED
            rows.append(
                {
                    "form": form,
                    "organisation": org,
                    "submission": sub,
                    "status": row_status,
                    "status_label": Status(row_status).label,
                    "url": submission_url(org.pk, form.code, year.start_year),
                }
            )
    counts = Counter(r["status"] for r in rows)
    if status:
        rows = [r for r in rows if r["status"] == status]
    # Waiting for a decision first.
    rows.sort(
        key=lambda r: (
            r["status"] != Status.SUBMITTED,
            r["form"].order,
            r["organisation"].short_name,
        )
    )
    context = {
        "year": year,
        "years": _years(),
        "rows": rows,
        "forms": forms,
        "organisations": orgs,
        "statuses": Status.choices,
        "counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "selected": {"form": form_code, "status": status, "organisation": org_pk},
        "show_territory": len({o.territory_id for o in orgs}) > 1,
        "is_reviewer": actions.is_reviewer(user),
    }
    return render(request, "collect/queue.html", context)


def _load(
    user: User, org_pk: int, form_code: str, start_year: int
) -> tuple[Organisation, DataForm, AcademicYear, Submission | None]:
    org = policy.get_organisation_for_user(user, org_pk)
    form = get_object_or_404(DataForm, code=form_code, is_active=True)
    if not form.applies_to(org):
        raise Http404("Форма не найдена")
    year = get_object_or_404(AcademicYear, start_year=start_year)
    submission = Submission.objects.filter(form=form, organisation=org, year=year).first()
    return org, form, year, submission


@require_http_methods(["GET", "POST"])
@login_required
def submission_page(request: HttpRequest, org_pk: int, form_code: str, year: int) -> HttpResponse:
    """A form of a school for a year: editable for the school while draft or returned,
    read-only otherwise; the specialist's decisions and the history below."""
    user = _user(request)
    org, form, academic_year, submission = _load(user, org_pk, form_code, year)
    status = submission.status if submission else Status.NOT_STARTED
    definition = list(form.fields.all())
    editable = actions.can_fill(user, org) and status in EDITABLE_STATUSES
    stored = submission.values if submission else {}
    if request.method == "POST":
        # The actions refuse a locked form or a user who may not fill it (403).
        if not actions.can_fill(user, org):
            raise PermissionDenied("Заполнять формы может только администратор своей организации.")
        entry = SubmissionForm(definition, stored, request.POST)
        if entry.is_valid():
            do = actions.submit if request.POST.get("action") == "submit" else actions.save_draft
            try:
                do(
                    user=user,
                    form=form,
                    organisation=org,
                    year=academic_year,
                    values=entry.values(),
                )
            except ValidationError as error:
                entry.add_value_errors(error)
            else:
                if do is actions.submit:
                    messages.success(request, "Форма отправлена на проверку.")
                else:
                    messages.success(request, "Черновик сохранён.")
                return HttpResponseRedirect(request.path)
        return _submission_response(
            request, user, org, form, academic_year, submission, entry, status=400
        )
    entry = SubmissionForm(definition, stored, disabled=not editable)
    return _submission_response(request, user, org, form, academic_year, submission, entry)


def _submission_response(
    request: HttpRequest,
    user: User,
    org: Organisation,
    form: DataForm,
    year: AcademicYear,
    submission: Submission | None,
    entry: SubmissionForm,
    *,
    status: int = 200,
    decision: DecisionForm | None = None,
) -> HttpResponse:
    current = submission.status if submission else Status.NOT_STARTED
    editable = actions.can_fill(user, org) and current in EDITABLE_STATUSES
    context: dict[str, Any] = {
        "organisation": org,
        "form": form,
        "year": year,
        "submission": submission,
        "status": current,
        "status_label": Status(current).label,
        "entry": entry,
        "editable": editable,
        "can_review": submission is not None and actions.can_review(user, org),
        "decision": decision or DecisionForm(),
        "events": list(submission.events.select_related("actor")) if submission else [],
        "is_org_user": _is_org_user(user),
        "review_url": reverse("collect:review", args=[org.pk, form.code, year.start_year]),
    }
    return render(request, "collect/submission.html", context, status=status)


@require_POST
@login_required
def review(request: HttpRequest, org_pk: int, form_code: str, year: int) -> HttpResponse:
    """A specialist's decision: approve, return with a comment, or unapprove with a reason."""
    user = _user(request)
    org, form, academic_year, submission = _load(user, org_pk, form_code, year)
    if submission is None:
        raise Http404("Форма ещё не заполнялась")
    if not actions.can_review(user, org):
        raise PermissionDenied("Решение по форме принимает специалист муниципального органа.")
    decision = DecisionForm(request.POST)
    comment = decision.cleaned_data.get("comment", "") if decision.is_valid() else ""
    what = request.POST.get("action")
    try:
        if what == "approve":
            actions.approve(user=user, submission=submission, comment=comment)
            messages.success(request, "Форма утверждена.")
        elif what == "return":
            actions.return_for_revision(user=user, submission=submission, comment=comment)
            messages.success(request, "Форма возвращена на доработку.")
        elif what == "unapprove":
            actions.unapprove(user=user, submission=submission, reason=comment)
            messages.success(request, "Утверждение отменено, форма возвращена школе.")
        else:
            raise Http404("Неизвестное действие")
    except ValidationError as error:
        for messages_ in error.message_dict.values():
            for message in messages_:
                decision.add_error("comment", message)
        entry = SubmissionForm(list(form.fields.all()), submission.values, disabled=True)
        return _submission_response(
            request,
            user,
            org,
            form,
            academic_year,
            submission,
            entry,
            status=400,
            decision=decision,
        )
    return redirect(submission_url(org.pk, form.code, academic_year.start_year))
