"""Pages. Every page that shows an organisation's data loads it through the policy."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from msoko.access import policy


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {})


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    orgs = policy.visible_organisations(request.user).select_related("territory")
    return render(request, "web/organisation_list.html", {"organisations": orgs})


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = policy.get_organisation_for_user(request.user, pk)
    return render(request, "web/organisation_detail.html", {"organisation": org})
