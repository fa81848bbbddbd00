"""Pages of the analysis: the findings of a territory, "why this school is here", element-wise
analysis, clusters and factors; exports to XLSX and DOCX (``msoko.analysis.exports``).

Every page takes the territory through ``service.territory_for`` (404 for one the user may
not see), organisations through ``policy.get_organisation_for_user`` (404 likewise), and
shows the report cut down by ``service.for_user``. No page ranks or names teachers: staffing
enters only as school-level aggregates in the factor model.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from msoko.access import policy
from msoko.access.models import User
from msoko.analysis import elements as element_analysis
from msoko.analysis import engine, methodology, service
from msoko.analysis.context import FIELDS
from msoko.analysis.methodology import CONTEXT_LABELS
from msoko.analysis.objectivity import SIGNALS
from msoko.analysis.scope import RESULTS, AnalysisInputError
from msoko.facts.store import OrgScope, scan
from msoko.registry.models import Territory
from msoko.web.charts import chart


def current_user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _year(request: HttpRequest) -> tuple[int | None, str]:
    raw = (request.GET.get("year") or "").strip()
    if not raw:
        return None, ""
    try:
        value = int(raw.split("/")[0])
    except ValueError:
        return None, f"Год «{raw}» не понят: укажите год начала учебного года, например 2025."
    if not 2000 <= value <= 2100:
        return None, f"Год {value} вне допустимого диапазона 2000–2100."
    return value, ""


def _report(
    request: HttpRequest, territory: Territory | None = None
) -> tuple[Territory | None, dict[str, Any] | None, str]:
    """The report for the territory asked (or ``territory``, already checked by the caller),
    cut down to what the user may see."""
    user = current_user(request)
    if territory is None:
        territory = service.territory_for(user, request.GET.get("territory"))
    if territory is None:
        return None, None, "Вашей учётной записи не назначена территория или организация."
    year, error = _year(request)
    if error:
        return territory, None, error
    try:
        report = service.get_report(territory, year)
    except AnalysisInputError as exc:
        return territory, None, str(exc)
    return territory, service.for_user(report, user), ""


def _territories(user: User) -> list[Territory]:
    return list(
        policy.visible_territories(user).filter(kind=Territory.Kind.MUNICIPALITY).order_by("name")
    )


def _base_context(
    request: HttpRequest, territory: Territory | None, report: dict[str, Any] | None, error: str
) -> dict[str, Any]:
    user = current_user(request)
    return {
        "territory": territory,
        "report": report,
        "error": error,
        "territories": _territories(user),
        "is_school_user": policy.home_territory(user) is None,
        "query": request.GET.urlencode(),
    }


def scatter_chart(report: dict[str, Any]) -> dict[str, Any] | None:
    """Context index against results index, one point per visible school."""
    points = [s for s in report["schools"] if s["context"] is not None and s["results"] is not None]
    if not points:
        return None
    series: dict[str, list[dict[str, Any]]] = {}
    for s in points:
        label = f"Кластер {s['cluster']}" if s["cluster"] else "Без кластера"
        series.setdefault(label, []).append(
            {"name": s["name"], "value": [s["context"], s["results"]]}
        )
    option = {
        "textStyle": {"fontFamily": "inherit"},
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 32, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "name": "контекст", "nameLocation": "middle", "nameGap": 24},
        "yAxis": {"type": "value", "name": "результаты"},
        "series": [
            {"name": name, "type": "scatter", "symbolSize": 12, "data": data}
            for name, data in sorted(series.items())
        ],
        "msoko": {"unit": ""},
    }
    return chart(
        "analysis-scatter",
        "Контекст и результаты школ (в стандартных отклонениях)",
        option,
        height=380,
    )


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    territory, report, error = _report(request)
    context = _base_context(request, territory, report, error)
    if report is not None:
        groups = []
        for code, title in engine.FINDINGS.items():
            items = [f for f in report["findings"] if f["finding"] == code]
            groups.append({"code": code, "title": title, "items": items})
        context["groups"] = groups
        context["scatter"] = scatter_chart(report)
    return render(request, "analysis/index.html", context)


def _school_journal_by_work(user: User, org_id: int, year: int) -> list[dict[str, Any]]:
    """The school's ВПР marks against journal marks per work (drill-down)."""
    t = scan(RESULTS, scope=OrgScope.for_user(user), procedures=["VPR"], years=[year])
    t = t.mutate(year=t.year.cast("int16"))
    t = t.filter(
        (t.org_id == org_id) & (t.year == year) & t.mark.notnull() & t.journal_mark.notnull()
    )
    rows = (
        t.group_by(["subject", "grade"])
        .aggregate(
            n=t.count(),
            lowered=(t.mark < t.journal_mark).ifelse(1, 0).sum(),
            confirmed=(t.mark == t.journal_mark).ifelse(1, 0).sum(),
            raised=(t.mark > t.journal_mark).ifelse(1, 0).sum(),
        )
        .order_by(["grade", "subject"])
        .to_pyarrow()
        .to_pylist()
    )
    from msoko.registry.models import Subject

    names = dict(Subject.objects.values_list("code", "name"))
    for r in rows:
        r["subject_name"] = names.get(r["subject"], r["subject"])
        for k in ("lowered", "confirmed", "raised"):
            r[f"{k}_pct"] = 100.0 * r[k] / r["n"] if r["n"] else None
    return rows


def _histogram_chart(user: User, org_id: int, year: int) -> dict[str, Any] | None:
    """Primary scores of the school's ВПР works as a share of the maximum, against the
    municipality's is too coarse; show the works pooled by distance to the nearest «3»/«4»
    cut point instead: the shape a pile-up leaves."""
    from msoko.analysis.objectivity import _cuts

    cuts = _cuts([year])
    t = scan(RESULTS, scope=OrgScope.for_user(user), procedures=["VPR"], years=[year])
    t = t.mutate(year=t.year.cast("int16"))
    t = t.filter((t.org_id == org_id) & (t.year == year) & t.primary_score.notnull())
    df = t.group_by(["subject", "grade", "primary_score"]).aggregate(n=t.count()).to_pandas()
    if df.empty:
        return None
    counts: dict[int, int] = {}
    for r in df.itertuples():
        key = (year, str(r.subject), int(r.grade))
        if key not in cuts:
            continue
        for cut in cuts[key][:2]:
            d = int(round(float(r.primary_score))) - cut
            if -6 <= d <= 5:
                counts[d] = counts.get(d, 0) + int(r.n)
    if not counts:
        return None
    xs = list(range(-6, 6))
    option = {
        "textStyle": {"fontFamily": "inherit"},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 32, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [f"{x:+d}" if x else "граница" for x in xs],
            "name": "балл относительно границы «3» и «4»",
        },
        "yAxis": {"type": "value"},
        "series": [{"name": "Результатов", "type": "bar", "data": [counts.get(x, 0) for x in xs]}],
        "msoko": {"unit": ""},
    }
    return chart("analysis-cuts", "Первичные баллы ВПР у границ отметок «3» и «4»", option)


@require_GET
@login_required
def school(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    organisation = policy.get_organisation_for_user(user, pk)
    # the school's own municipality: the comparison group, whatever the user's role
    territory, report, error = _report(request, organisation.territory)
    context = _base_context(request, territory, report, error)
    context["organisation"] = organisation
    if report is not None:
        org = organisation.pk
        row = next((s for s in report["schools"] if s["org_id"] == org), None)
        context["school"] = row
        context["findings"] = [f for f in report["findings"] if f["org_id"] == org]
        context["low"] = report["low"].get(str(org))
        context["objectivity"] = [r for r in report["objectivity"] if r["org_id"] == org]
        passport = report["context"]["passports"].get(str(org))
        context["passport"] = (
            [
                {
                    "label": CONTEXT_LABELS[f],
                    "value": passport.get(f),
                    "weight": report["context"]["weights"].get(f),
                }
                for f in FIELDS
            ]
            if passport
            else None
        )
        context["passport_year"] = passport.get("passport_year") if passport else None
        context["dynamics"] = report["dynamics"].get(str(org), [])
        cluster = None
        if row and row["cluster"]:
            cluster = next(
                (c for c in report["clusters"]["clusters"] if c["cluster"] == row["cluster"]),
                None,
            )
        context["cluster"] = cluster
        context["journal"] = _school_journal_by_work(user, org, report["year"])
        context["cuts_chart"] = _histogram_chart(user, org, report["year"])
        context["signals"] = SIGNALS
    return render(request, "analysis/school.html", context)


@require_GET
@login_required
def elements(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    visible = sorted(policy.visible_org_ids(user))
    orgs = list(policy.visible_organisations(user).filter(kind="school").order_by("short_name"))
    context: dict[str, Any] = {"organisations": orgs, "error": ""}
    org_raw = request.GET.get("org") or (str(orgs[0].pk) if len(orgs) == 1 else "")
    organisation = policy.get_organisation_for_user(user, org_raw) if org_raw else None
    context["organisation"] = organisation
    territory = organisation.territory if organisation else service.territory_for(user)
    if territory is None:
        context["error"] = "Вашей учётной записи не назначена территория или организация."
        return render(request, "analysis/elements.html", context)
    territory_orgs = service.schools_of_territory(territory)
    works = element_analysis.works(territory_orgs if organisation is None else [organisation.pk])
    context["works"] = works
    work_raw = request.GET.get("work") or (str(works[0]["id"]) if works else "")
    if not works:
        context["error"] = "Нет работ с результатами по заданиям и спецификацией заданий."
        return render(request, "analysis/elements.html", context)
    try:
        work_id = int(work_raw)
    except ValueError:
        context["error"] = "Работа не выбрана или указана неверно."
        return render(request, "analysis/elements.html", context)
    if work_id not in {w["id"] for w in works}:
        context["error"] = "По выбранной работе нет результатов по заданиям."
        return render(request, "analysis/elements.html", context)
    context["work_id"] = work_id
    m = methodology.load(territory)
    context["methodology"] = m
    # Municipal figures are aggregates over the territory's schools; the school and class
    # figures only for a school the user may see.
    context["result"] = element_analysis.analyse(
        work_id,
        territory_orgs,
        organisation.pk if organisation and organisation.pk in visible else None,
        m,
    )
    return render(request, "analysis/elements.html", context)


@require_GET
@login_required
def clusters(request: HttpRequest) -> HttpResponse:
    territory, report, error = _report(request)
    context = _base_context(request, territory, report, error)
    if report is not None:
        names = {s["org_id"]: s for s in report["schools"]}
        context["clusters"] = [
            {**c, "schools": [names[o] for o in c["org_ids"] if o in names]}
            for c in report["clusters"].get("clusters", [])
        ]
        context["scatter"] = scatter_chart(report)
    return render(request, "analysis/clusters.html", context)


@require_GET
@login_required
def factors(request: HttpRequest) -> HttpResponse:
    territory, report, error = _report(request)
    return render(
        request, "analysis/factors.html", _base_context(request, territory, report, error)
    )


@require_GET
@login_required
def method(request: HttpRequest) -> HttpResponse:
    territory = service.territory_for(current_user(request), request.GET.get("territory"))
    m = methodology.load(territory) if territory else methodology.Methodology()
    return render(
        request,
        "analysis/methodology.html",
        {"territory": territory, "values": m.to_dict(), "sources": methodology.SOURCES},
    )
