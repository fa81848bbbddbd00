"""Pages. Every page that shows an organisation's data loads it through the policy
(``msoko.access.policy``) and reads facts through an ``OrgScope`` built from it."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from msoko.access import policy
from msoko.access.models import User
from msoko.facts import summary
from msoko.facts.store import OrgScope, connect
from msoko.registry.models import Organisation, Territory
from msoko.web import overview, results
from msoko.web.first_run import needs_first_run
from msoko.web.forms import OrganisationFilterForm

PAGE_SIZE = 50


def current_user(request: HttpRequest) -> User:
    """The signed-in user (views are behind ``login_required``)."""
    return cast(User, request.user)


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a page whose URL also answers htmx with a fragment (hence ``Vary``)."""
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The municipality at a glance for territory users; the school's page for its own users."""
    user = current_user(request)
    if needs_first_run(user):  # a fresh installation: the region comes first
        return redirect("first_run")
    territory = policy.home_territory(user)
    if territory is None and user.organisation_id:
        org = policy.get_organisation_for_user(user, user.organisation_id)
        return _organisation_page(request, org, is_home=True)
    if territory is None:
        return render(request, "web/home_empty.html", {})
    return render(request, "web/home_territory.html", territory_context(user, territory))


def headline_cards(headlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Headlines with the names of procedures and subjects, subjects in a fixed order."""
    procedures, subjects = results.names()
    order = {summary.OGE: summary.OGE_HEADLINE_SUBJECTS, summary.EGE: summary.EGE_HEADLINE_SUBJECTS}
    cards = []
    for head in headlines:
        codes = order.get(head["procedure"], ())
        cards.append(
            {
                **head,
                "name": procedures.get(head["procedure"], head["procedure"]),
                "subject_rows": [
                    {"code": code, "name": subjects.get(code, code), **head["subjects"][code]}
                    for code in codes
                    if code in head.get("subjects", {})
                ],
            }
        )
    return cards


def territory_context(user: User, territory: Territory) -> dict[str, Any]:
    orgs = policy.visible_organisations(user)
    scope = OrgScope.for_user(user)

    def figures() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        con = connect()
        heads = summary.headlines(scope, con=con)
        return heads, results.territory_chart_data(scope, heads, con=con)

    # Over a region the figures take seconds to compute: they are cached until the fact
    # store changes, for users who see exactly the same organisations.
    heads, chart_data = summary.memoised(scope, "territory-home", figures)
    org_names = {
        pk: (name, territory_name)
        for pk, name, territory_name in orgs.values_list("pk", "short_name", "territory__name")
    }
    return {
        "territory": territory,
        "overview": overview.organisations_overview(orgs),
        "headlines": headline_cards(heads),
        "charts": results.territory_charts(heads, chart_data, org_names),
    }


@require_GET
@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = OrganisationFilterForm(request.GET, user=user)
    orgs = form.organisations()
    page = Paginator(orgs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "organisations": page.object_list,
        "found": len(orgs),
        "show_territory": form.show_territory,
    }
    template = "web/_organisation_table.html" if is_htmx(request) else "web/organisation_list.html"
    return _render(request, template, context)


@require_GET
@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = policy.get_organisation_for_user(current_user(request), pk)
    return _organisation_page(request, org)


def _organisation_page(
    request: HttpRequest, org: Organisation, *, is_home: bool = False
) -> HttpResponse:
    """The school profile: registry card, social passport, staff, results, charts."""
    user = current_user(request)
    context: dict[str, Any] = {
        "organisation": org,
        "is_home": is_home,
        "results": results.organisation_results(user, org, request.GET.get("year")),
    }
    # The year switch asks htmx for the results block alone.
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        return _render(request, "web/_results.html", context)
    context.update(
        {
            "passport": overview.latest_passport(org),
            "staff": overview.staff_summary(org),
            "can_edit": policy.can_edit_organisation(user, org),
            "can_administer": policy.administered_organisations(user).filter(pk=org.pk).exists(),
        }
    )
    return _render(request, "web/organisation_detail.html", context)
