"""«Администрирование»: a municipal specialist administers her municipality, a regional
analyst her region, in msoko's own pages (the Django admin is the technical administrator's).

* organisations of her territory: list, create, edit;
* users of her territory: list, create, edit, deactivate, a new one-time password;
* accounts for her schools, handed over as an XLSX download;
* links to the norms (indicators) and the methodology (analysis);
* the mark scales: edited by the analyst of an installation's only region (and a superuser),
  read-only for everyone else in the section.

Scope always comes from ``msoko.access.policy``. An object outside it is a 404, as
everywhere. A request that could only be crafted — a field the form does not have
(``is_superuser``), a role above the actor's, a territory or organisation outside hers — is
refused as a whole with 403, nothing written, and recorded in the audit log as ``refused``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from msoko.access import audit, policy
from msoko.access.accounts import (
    AccountsError,
    accounts_xlsx,
    issue_school_accounts,
)
from msoko.access.models import Role, User
from msoko.administration import actions
from msoko.administration.forms import OrganisationForm, UserForm, scope_errors, unexpected_fields
from msoko.registry.models import Organisation, Territory

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not policy.can_administer(user):
        if request.method == "POST":
            audit.refused(
                "Администрирование недоступно этой роли.",
                actor=user,
                object_repr=request.path,
                request_data=request.POST,
            )
        raise PermissionDenied("Администрирование доступно специалистам и аналитикам территории.")
    return user


def _refuse(
    request: HttpRequest, reason: str, *, model: str = "", object_id: Any = "", **details: Any
) -> HttpResponse:
    """403, nothing written, and an audit row saying what was tried."""
    audit.refused(
        reason,
        actor=request.user,
        model=model,
        object_id=object_id,
        object_repr=request.path,
        request_data=request.POST,
        **details,
    )
    return render(request, "administration/refused.html", {"reason": reason}, status=403)


def _check_post(request: HttpRequest, form: Any, model: str, object_id: Any = "") -> HttpResponse | None:
    """The refusal for a crafted POST (unexpected fields, out-of-scope choices), else None."""
    extra = unexpected_fields(form, request.POST)
    if extra:
        return _refuse(
            request,
            "Запрос содержит поля, которых нет в форме: " + ", ".join(extra) + ".",
            model=model,
            object_id=object_id,
            fields=extra,
        )
    form.is_valid()
    errors = scope_errors(form)
    if errors:
        return _refuse(
            request,
            "Выбор вне ваших полномочий: " + "; ".join(errors),
            model=model,
            object_id=object_id,
        )
    return None


def _search(qs: Any, q: str, fields: tuple[str, ...]) -> Any:
    for token in q.split():
        cond = Q()
        for f in fields:
            cond |= Q(**{f"{f}__icontains": token})
        qs = qs.filter(cond)
    return qs


def _territory_label(user: User) -> str:
    if user.is_superuser:
        return "все территории"
    return user.territory.name if user.territory else ""


# --------------------------------------------------------------------------- overview


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    from msoko.indicators.models import Catalog

    orgs = policy.administered_organisations(actor)
    schools = orgs.filter(kind=Organisation.Kind.SCHOOL, is_active=True)
    with_account = schools.filter(
        users__role=Role.SCHOOL_ADMIN, users__is_active=True
    ).distinct()
    context = {
        "scope_label": _territory_label(actor),
        "organisations": orgs.count(),
        "schools": schools.count(),
        "schools_without_account": schools.count() - with_account.count(),
        "users": policy.manageable_users(actor).filter(is_active=True).count(),
        "catalogs": Catalog.objects.filter(is_active=True).order_by("order", "name"),
        "can_edit_scales": policy.can_edit_mark_scales(actor),
        "section": "index",
    }
    return render(request, "administration/index.html", context)


# --------------------------------------------------------------------------- organisations


@require_GET
@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    q = request.GET.get("q", "").strip()
    orgs = _search(
        policy.administered_organisations(actor).select_related("territory"),
        q,
        ("short_name", "full_name", "code", "inn", "ogrn"),
    ).order_by("territory__name", "short_name")
    page = Paginator(orgs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "administration/organisation_list.html",
        {"page": page, "q": q, "scope_label": _territory_label(actor), "section": "organisations"},
    )


def _administered_organisation(actor: User, pk: int) -> Organisation:
    try:
        return policy.administered_organisations(actor).select_related("territory").get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404("Организация не найдена") from None


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    org: Organisation | None = None
    if pk is not None:
        try:
            org = _administered_organisation(actor, pk)
        except Http404:
            if request.method == "POST":
                audit.refused(
                    "Организация вне области администрирования.",
                    actor=actor,
                    model="registry.Organisation",
                    object_id=pk,
                    object_repr=request.path,
                    request_data=request.POST,
                )
            raise
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, instance=org, actor=actor
    )
    if request.method == "POST":
        refusal = _check_post(request, form, "registry.Organisation", pk or "")
        if refusal is not None:
            return refusal
        if form.is_valid():
            saved = actions.save_organisation(actor, form)
            messages.success(request, f"Карточка «{saved.short_name}» сохранена.")
            return redirect("administration:organisations")
    title = f"Организация: {org.short_name}" if org else "Новая организация"
    return _form_page(request, form, title, "administration:organisations", "organisations")



def _form_page(request: HttpRequest, form: Any, title: str, back: str, section: str,
               note: str = "") -> HttpResponse:
    """The one edit page of the section: a form, its title, the list to go back to."""
    return render(request, "administration/form.html", {
        "form": form, "title": title, "back": reverse(back), "section": section, "note": note,
    })

# --------------------------------------------------------------------------- users


@require_GET
@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    q = request.GET.get("q", "").strip()
    users = _search(
        policy.manageable_users(actor).select_related("territory", "organisation"),
        q,
        ("username", "last_name", "first_name", "organisation__short_name", "organisation__code"),
    ).order_by("-is_active", "role", "organisation__short_name", "last_name", "username")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "administration/user_list.html",
        {"page": page, "q": q, "scope_label": _territory_label(actor), "section": "users"},
    )


def _manageable_user(request: HttpRequest, actor: User, pk: int) -> User:
    """A user she administers; anything else is a 404 (a POST at it is audited)."""
    try:
        return policy.manageable_users(actor).select_related("territory", "organisation").get(pk=pk)
    except User.DoesNotExist:
        if request.method == "POST":
            audit.refused(
                "Учётная запись вне области администрирования (или своя собственная).",
                actor=actor,
                model="access.User",
                object_id=pk,
                object_repr=request.path,
                request_data=request.POST,
            )
        raise Http404("Пользователь не найден") from None


def _one_time(request: HttpRequest, user: User, password: str, created: bool) -> HttpResponse:
    """The one-time password, shown in this response only (never stored, never cached)."""
    response = render(
        request,
        "administration/one_time_password.html",
        {"account": user, "password": password, "created": created, "section": "users"},
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = UserForm(request.POST if request.method == "POST" else None, actor=actor)
    if request.method == "POST":
        refusal = _check_post(request, form, "access.User")
        if refusal is not None:
            return refusal
        if form.is_valid():
            user, password = actions.create_user(actor, form)
            return _one_time(request, user, password, created=True)
    return _form_page(
        request, form, "Новый пользователь", "administration:users", "users",
        note="Пароль задавать не нужно: система выдаст временный, и пользователь сменит его при первом входе.",
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    account = _manageable_user(request, actor, pk)
    form = UserForm(request.POST if request.method == "POST" else None, instance=account, actor=actor)
    if request.method == "POST":
        refusal = _check_post(request, form, "access.User", pk)
        if refusal is not None:
            return refusal
        if form.is_valid():
            actions.update_user(actor, form)
            messages.success(request, f"Учётная запись {account.username} сохранена.")
            return redirect("administration:users")
    return render(
        request,
        "administration/user_edit.html",
        {
            "form": form,
            "account": account,
            "title": f"Пользователь {account.username}",
            "back": reverse("administration:users"),
            "section": "users",
        },
    )


@require_POST
@login_required
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    account = _manageable_user(request, actor, pk)
    extra = sorted(set(request.POST) - {"csrfmiddlewaretoken", "active"})
    if extra:
        return _refuse(request, "Лишние поля: " + ", ".join(extra) + ".", model="access.User", object_id=pk)
    active = request.POST.get("active") == "1"
    actions.set_active(actor, account, active)
    messages.success(
        request,
        f"Учётная запись {account.username} {'включена' if active else 'отключена'}.",
    )
    return redirect("administration:users")


@never_cache
@require_POST
@login_required
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    account = _manageable_user(request, actor, pk)
    extra = sorted(set(request.POST) - {"csrfmiddlewaretoken"})
    if extra:
        return _refuse(request, "Лишние поля: " + ", ".join(extra) + ".", model="access.User", object_id=pk)
    password = actions.reset_password(actor, account)
    return _one_time(request, account, password, created=False)


# --------------------------------------------------------------------------- school accounts


def _territory_choice(actor: User, value: Any) -> Territory | None:
    try:
        return policy.administered_territories(actor).get(pk=int(value))
    except (Territory.DoesNotExist, TypeError, ValueError):
        return None


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def school_accounts(request: HttpRequest) -> HttpResponse:
    """Tick the schools without an account, press the button, get the XLSX of logins."""
    actor = _actor(request)
    territories = list(policy.administered_territories(actor).order_by("kind", "name"))
    if request.method == "POST":
        extra = sorted(set(request.POST) - {"csrfmiddlewaretoken", "territory", "org"})
        if extra:
            return _refuse(
                request, "Лишние поля: " + ", ".join(extra) + ".", model="access.User", fields=extra
            )
        territory = _territory_choice(actor, request.POST.get("territory"))
        if territory is None:
            return _refuse(request, "Территория вне вашей области администрирования.", model="access.User")
        codes = [c for c in request.POST.getlist("org") if c]
        if not codes:
            messages.error(request, "Отметьте школы, которым нужны учётные записи.")
            return redirect(reverse("administration:school_accounts") + f"?territory={territory.pk}")
        try:
            issued = issue_school_accounts(actor, territory, codes)
        except AccountsError as exc:
            return _refuse(request, str(exc), model="access.User", object_id=territory.code)
        if not issued:
            messages.info(request, "У отмеченных школ уже есть учётные записи: новых не создано.")
            return redirect(reverse("administration:school_accounts") + f"?territory={territory.pk}")
        response = HttpResponse(accounts_xlsx(issued), content_type=XLSX)
        name = f"logins-{territory.code}-{timezone.localdate():%Y-%m-%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response
    territory = _territory_choice(actor, request.GET.get("territory"))
    if territory is None:
        territory = actor.territory if actor.territory_id else (territories[0] if territories else None)
    schools: list[dict[str, Any]] = []
    if territory is not None:
        orgs = policy.administered_organisations(actor).filter(
            territory_id__in=territory.descendant_ids(),
            kind=Organisation.Kind.SCHOOL,
            is_active=True,
        )
        with_account = set(
            User.objects.filter(
                role=Role.SCHOOL_ADMIN, is_active=True, organisation__in=orgs
            ).values_list("organisation_id", flat=True)
        )
        for org in orgs.select_related("territory").order_by("territory__name", "short_name"):
            schools.append({"org": org, "has_account": org.pk in with_account})
    return render(
        request,
        "administration/school_accounts.html",
        {
            "territories": territories,
            "territory": territory,
            "schools": schools,
            "without": sum(1 for s in schools if not s["has_account"]),
            "section": "accounts",
        },
    )


# --------------------------------------------------------------------------- mark scales
# A scale has no territory: it is the installation's. The region sets the scales, so the
# analyst of an installation's only region edits them (and a superuser); everyone else in
# the section sees them read-only with the reason (``policy.mark_scales_read_only_reason``).


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
@login_required
def mark_scales(request: HttpRequest) -> HttpResponse:
    """The scales, filtered by year and procedure; edit and add links for who may edit."""
    actor = _actor(request)
    from msoko.access.models import AuditLog
    from msoko.facts.models import MarkScale, Procedure
    from msoko.registry.models import AcademicYear

    reason = policy.mark_scales_read_only_reason(actor)
    scales = MarkScale.objects.select_related("procedure", "subject", "year").order_by(
        "-year__start_year", "procedure__name", "subject__name", "grade"
    )
    year = _int_or_none(request.GET.get("year"))
    procedure = request.GET.get("procedure", "").strip()
    if year is not None:
        scales = scales.filter(year__start_year=year)
    if procedure:
        scales = scales.filter(procedure__code=procedure)
    rows = list(scales)
    deletable: set[str] = set()
    if not reason and rows:
        deletable = set(
            AuditLog.objects.filter(
                model=MarkScale._meta.label,
                action="create",
                actor__isnull=False,
                object_id__in=[str(s.pk) for s in rows],
            ).values_list("object_id", flat=True)
        )
    return render(
        request,
        "administration/mark_scales.html",
        {
            "scales": [(s, str(s.pk) in deletable) for s in rows],
            "can_edit": not reason,
            "read_only_reason": reason,
            "years": AcademicYear.objects.filter(markscale__isnull=False).distinct().order_by("-start_year"),
            "procedures": Procedure.objects.filter(markscale__isnull=False).distinct().order_by("name"),
            "year": year,
            "procedure": procedure,
            "filtered": year is not None or bool(procedure),
            "section": "scales",
        },
    )


def _scales_refusal(request: HttpRequest, actor: User, pk: int | None) -> HttpResponse | None:
    """For whoever may not change the scales: a crafted POST is refused and audited; a page
    typed by hand says why (403, nothing recorded: nothing was tried)."""
    reason = policy.mark_scales_read_only_reason(actor)
    if not reason:
        return None
    if request.method == "POST":
        return _refuse(request, reason, model="facts.MarkScale", object_id=pk or "")
    return render(
        request,
        "administration/refused.html",
        {"reason": reason, "title": "Только просмотр", "viewing": True},
        status=403,
    )


def _scale(pk: int) -> Any:
    from msoko.facts.models import MarkScale

    try:
        return MarkScale.objects.select_related("procedure", "subject", "year").get(pk=pk)
    except MarkScale.DoesNotExist:
        raise Http404("Шкала не найдена") from None


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def mark_scale_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    refusal = _scales_refusal(request, actor, pk)
    if refusal is not None:
        return refusal
    from msoko.administration.forms import MarkScaleForm

    scale = _scale(pk) if pk is not None else None
    form = MarkScaleForm(request.POST if request.method == "POST" else None, instance=scale)
    if request.method == "POST":
        refusal = _check_post(request, form, "facts.MarkScale", pk or "")
        if refusal is not None:
            return refusal
        if form.is_valid():
            saved = actions.save_mark_scale(actor, form)
            messages.success(
                request,
                f"Шкала «{saved}» сохранена. Показатели будут пересчитаны с новой шкалой "
                "(если они уже рассчитывались).",
            )
            return redirect(reverse("administration:mark_scales") + f"?year={saved.year.start_year}")
    return _form_page(
        request, form, f"Шкала: {scale}" if scale else "Новая шкала перевода",
        "administration:mark_scales", "scales",
        note="Шкала общая для всей установки. После сохранения показатели пересчитываются.",
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def mark_scale_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a scale a user added (confirm page, then POST); a reference scale is kept."""
    actor = _actor(request)
    refusal = _scales_refusal(request, actor, pk)
    if refusal is not None:
        return refusal
    scale = _scale(pk)
    if not actions.added_by_user(scale):
        reason = "Шкалу из справочных данных установки можно изменить, но не удалить."
        if request.method == "POST":
            return _refuse(request, reason, model="facts.MarkScale", object_id=pk)
        return render(
            request,
            "administration/refused.html",
            {"reason": reason, "title": "Удалить нельзя", "viewing": True},
            status=403,
        )
    if request.method == "POST":
        extra = sorted(set(request.POST) - {"csrfmiddlewaretoken"})
        if extra:
            return _refuse(request, "Лишние поля: " + ", ".join(extra) + ".", model="facts.MarkScale", object_id=pk)
        name = str(scale)
        actions.delete_mark_scale(actor, scale)
        messages.success(request, f"Шкала «{name}» удалена. Показатели будут пересчитаны.")
        return redirect("administration:mark_scales")
    return render(
        request,
        "administration/mark_scale_delete.html",
        {"scale": scale, "section": "scales"},
    )
