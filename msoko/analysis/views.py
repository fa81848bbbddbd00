"""Pages of the analysis: the findings of a territory, "why this school is here", element-wise
analysis, clusters and factors; exports to XLSX and DOCX (``msoko.analysis.exports``).

Every page takes the territory through ``service.territory_for`` (404 for one the user may
not see), organisations through ``policy.get_organisation_for_user`` (404 likewise), and
shows the report cut down by ``service.for_user``. No page ranks or names teachers: staffing
enters only as school-level aggregates in the factor model.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from msoko.access import audit, policy
from msoko.access.models import Role, User
from msoko.analysis import elements as element_analysis
from msoko.analysis import engine, methodology, service
from msoko.analysis.context import FIELDS
from msoko.analysis.methodology import CONTEXT_LABELS
from msoko.analysis.models import MethodologySetting
from msoko.analysis.objectivity import SIGNALS
from msoko.analysis.scope import RESULTS, AnalysisInputError
from msoko.facts.store import OrgScope, scan
from msoko.registry.models import Territory, year_in_range, year_range_text
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
    if not year_in_range(value):
        return None, f"Год {value} вне допустимого диапазона {year_range_text()}."
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
        context["evaluation"] = list(report.get("evaluation", {}).values())
        context["uses_builtin"] = any(
            i["catalog"] == "built-in" for i in report.get("indicators", [{"catalog": "built-in"}])
        )
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
        context["statuses"] = (
            [
                {"finding": code, "title": title, **(row or {}).get("statuses", {}).get(code, {})}
                for code, title in engine.FINDINGS.items()
            ]
            if row
            else []
        )
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


def can_edit_methodology_of(user: User, territory: Territory | None) -> bool:
    """Whether ``user`` may change the methodology of ``territory``: the municipal specialist
    of that municipality, the regional analyst of its region (the region itself included),
    the technical administrator of any; never a school, a viewer, or another territory."""
    if territory is None or not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if user.role not in (Role.MUNICIPAL_SPECIALIST, Role.REGIONAL_ANALYST):
        return False
    return policy.visible_territories(user).filter(pk=territory.pk).exists()


def picker(catalog_code: str = "") -> dict[str, Any]:
    """The catalogs and their indicators computed per school, for the picker."""
    from msoko.indicators.models import Catalog, IndicatorDefinition

    catalogs = list(Catalog.objects.filter(is_active=True).order_by("order", "code"))
    qs = IndicatorDefinition.objects.filter(catalog__is_active=True).select_related("catalog")
    if catalog_code:
        qs = qs.filter(catalog__code=catalog_code)
    groups: dict[str, dict[str, Any]] = {}
    for d in qs.order_by("catalog__order", "catalog__code", "order"):
        if "school" not in (d.levels or []):
            continue
        g = groups.setdefault(d.catalog.code, {"catalog": d.catalog, "indicators": []})
        g["indicators"].append(d)
    return {"catalogs": catalogs, "groups": list(groups.values()), "catalog": catalog_code}


def _rule_rows(m: methodology.Methodology) -> list[dict[str, Any]]:
    from msoko.analysis.headline import rule_meta

    meta = rule_meta(m.low_indicators)
    return [
        {**e, **{k: meta[e["code"]][k] for k in ("label", "catalog", "missing")}}
        for e in m.low_indicators
    ]


def _posted_rule(request: HttpRequest) -> list[Any]:
    """The rule's indicators from the form: the kept rows, then the one added."""
    codes = request.POST.getlist("code")
    directions = request.POST.getlist("direction")
    weights = request.POST.getlist("weight")
    remove = set(request.POST.getlist("remove"))
    entries: list[Any] = []
    for i, code in enumerate(codes):
        if code in remove:
            continue
        entries.append(
            {
                "code": code,
                "direction": directions[i] if i < len(directions) else None,
                "weight": _number(weights[i] if i < len(weights) else "1"),
            }
        )
    add = (request.POST.get("add_code") or "").strip()
    if add:
        entry: dict[str, Any] = {
            "code": add,
            "weight": _number(request.POST.get("add_weight") or "1"),
        }
        if request.POST.get("add_direction"):
            entry["direction"] = request.POST["add_direction"]
        entries.append(entry)
    return entries


def _number(raw: str) -> Any:
    try:
        return float(raw.replace(",", ".").strip())
    except (AttributeError, ValueError):
        return raw


@require_http_methods(["GET", "POST"])
@login_required
def method(request: HttpRequest) -> HttpResponse:
    """The methodology in force for a territory, with its sources; the territory's own
    choice of the ШНОР / risk-zone indicators (any catalog, a user's included), edited by
    whoever keeps the territory's methodology. A POST for a territory the user may not
    edit is refused (404, like a territory they may not see) and written to the audit."""
    user = current_user(request)
    raw = (
        request.POST.get("territory") if request.method == "POST" else request.GET.get("territory")
    )
    if request.method == "POST":
        territory = Territory.objects.filter(pk=_pk(raw)).first()
        if not can_edit_methodology_of(user, territory):
            audit.refused(
                "изменение методики чужой территории или без полномочий",
                model="analysis.MethodologySetting",
                object_id=str(raw or "")[:64],
                object_repr=f"Методика анализа: {territory or raw}",
                request_data=request.POST,
                actor=user,
            )
            if (
                territory is not None
                and policy.visible_territories(user).filter(pk=territory.pk).exists()
            ):
                raise PermissionDenied(
                    "Изменять методику анализа может специалист этой территории."
                )
            raise Http404("Территория не найдена")
    else:
        territory = service.territory_for(user, raw)
    errors: list[str] = []
    if request.method == "POST" and territory is not None:
        entries = _posted_rule(request)
        reason = (request.POST.get("reason") or "").strip()[:500]
        try:
            if request.POST.get("inherit"):
                rule = None
            else:
                rule = methodology.parse_low_indicators(entries, check=True)
        except methodology.MethodologyError as exc:
            errors.append(str(exc))
        else:
            setting = MethodologySetting.objects.filter(territory=territory).first()
            overrides = dict(setting.overrides) if setting else {}
            if rule is None:
                overrides.pop("low_indicators", None)
            else:
                overrides["low_indicators"] = [dict(e) for e in rule]
            try:
                methodology.apply_overrides(methodology.Methodology(), overrides)
            except methodology.MethodologyError as exc:
                errors.append(str(exc))
            else:
                if setting is None:
                    setting = MethodologySetting(territory=territory)
                setting.overrides = overrides
                if reason:
                    setting.reason = reason
                setting.save()
                messages.success(
                    request,
                    "Показатели ШНОР и зоны риска для территории «"
                    f"{territory.name}» сохранены. Анализ пересчитается при следующем открытии.",
                )
                return redirect(f"{reverse('analysis:methodology')}?territory={territory.pk}")
    m = methodology.load(territory) if territory else methodology.Methodology()
    own = MethodologySetting.objects.filter(territory=territory).first() if territory else None
    context: dict[str, Any] = {
        "territory": territory,
        "values": m.to_dict(),
        "sources": methodology.SOURCES,
        "rule": _rule_rows(m),
        "own_rule": bool(own and "low_indicators" in (own.overrides or {})),
        "setting": own,
        "can_edit": can_edit_methodology_of(user, territory),
        "errors": errors,
        "directions": methodology.DIRECTIONS,
    }
    if context["can_edit"]:
        context.update(picker((request.GET.get("catalog") or "").strip()))
    return render(request, "analysis/methodology.html", context, status=400 if errors else 200)


def _pk(raw: Any) -> int:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return -1
