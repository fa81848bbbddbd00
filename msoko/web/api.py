"""The JSON API, version 1 (``/api/v1/``): read-only, session-authenticated, through the
permission policy like every page.

* ``GET /api/v1/organisations/`` — the organisations the user sees (filters ``q``, ``kind``,
  ``locality``, ``territory`` as on the list page);
* ``GET /api/v1/organisations/<id>/`` — one of them;
* ``GET /api/v1/organisations/<id>/results/`` — its results summary (``?year=`` narrows it).

No endpoint returns a student's row; the results summary is derived from students'
results, so each successful read of it is logged (action ``read``, with the query) by
``audit.audited_read`` — the decorator every future endpoint of student data must carry.

Not signed in → 401 with a JSON body (never a redirect to the login page). An organisation
the user may not see is a 404, exactly as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from msoko.access import policy
from msoko.access.audit import audited_read
from msoko.facts import summary
from msoko.registry.models import Organisation
from msoko.web import results
from msoko.web.forms import OrganisationFilterForm
from msoko.web.views import current_user

JSON_PARAMS = {"ensure_ascii": False}

View = Callable[..., HttpResponse]


def error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, json_dumps_params=JSON_PARAMS)


def api_view(view: View) -> View:
    """GET only; 401 for anonymous users; a 404 as JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = error(405, "Метод не поддерживается.")
            response["Allow"] = "GET, HEAD"
            return response
        user = request.user
        if not user.is_authenticated or not user.is_active:
            response = error(401, "Требуется вход в систему.")
            response["WWW-Authenticate"] = 'Session realm="msoko"'
            return response
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return error(404, "Не найдено.")

    return wrapper


def organisation_json(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.pk,
        "code": org.code,
        "short_name": org.short_name,
        "full_name": org.full_name,
        "kind": org.kind,
        "kind_display": org.get_kind_display(),
        "school_level": org.school_level,
        "locality": org.locality,
        "locality_display": org.get_locality_display(),
        "is_small": org.is_small,
        "advanced_profile": org.advanced_profile,
        "inn": org.inn,
        "ogrn": org.ogrn,
        "address": org.address,
        "website": org.website,
        "is_active": org.is_active,
        "territory": {"id": org.territory_id, "name": org.territory.name},
        "url": reverse("api_organisation", args=[org.pk]),
        "results_url": reverse("api_organisation_results", args=[org.pk]),
    }


@api_view
def organisations(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET, user=current_user(request))
    if not form.is_valid():
        return JsonResponse(
            {"detail": "Неверный фильтр.", "errors": form.errors.get_json_data()},
            status=400,
            json_dumps_params=JSON_PARAMS,
        )
    orgs = form.organisations()
    return JsonResponse(
        {"count": len(orgs), "results": [organisation_json(org) for org in orgs]},
        json_dumps_params=JSON_PARAMS,
    )


@api_view
def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    org = policy.get_organisation_for_user(current_user(request), pk)
    return JsonResponse(organisation_json(org), json_dumps_params=JSON_PARAMS)


def result_json(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "marks"}
    out["marks"] = {str(mark): n for mark, n in row["marks"].items()}
    return out


@api_view
@audited_read("registry.Organisation", "API: результаты организации (сводка по обучающимся)")
def organisation_results(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    org = policy.get_organisation_for_user(user, pk)
    scope = results.organisation_scope(user, org)
    years: list[int] | None = None
    if request.GET.get("year"):
        try:
            years = [int(request.GET["year"])]
        except ValueError:
            return error(400, "Год указывается числом: год начала учебного года, например 2024.")
    rows = results.label_rows(summary.results_summary(scope, years=years))
    return JsonResponse(
        {
            "organisation": {"id": org.pk, "short_name": org.short_name},
            "years": summary.years_with_results(scope),
            "results": [result_json(row) for row in rows],
        },
        json_dumps_params=JSON_PARAMS,
    )
