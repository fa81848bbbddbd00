"""Pages of the management cycle («Управление»): the overview with the 8 directions and the
reminders, roadmaps (import, export, measures, reports), the improvement plan, addressed
recommendations, management decisions, a direction's cycle and self-assessment, and the
effectiveness table. Every object is loaded through ``msoko.cycle.scope`` (404 if not
visible); every write goes through ``msoko.cycle.actions``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from msoko.access import policy
from msoko.access.audit import record
from msoko.access.models import User
from msoko.analysis import service as analysis_service
from msoko.analysis.scope import AnalysisInputError
from msoko.cycle import actions, effect, from_analysis, roadmap_io, rules, scope
from msoko.cycle.directions import ensure_directions
from msoko.cycle.forms import (
    AnswerForm,
    DecisionForm,
    ImportForm,
    MeasureForm,
    RecommendationForm,
    ReportForm,
    RoadmapForm,
)
from msoko.cycle.models import (
    Direction,
    Measure,
    Recommendation,
    Roadmap,
    Stage,
    StageEvidence,
)
from msoko.cycle.status import State, measure_state, reminders
from msoko.facts.store import OrgScope
from msoko.registry.models import AcademicYear, Territory


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _current_year() -> int:
    year = AcademicYear.objects.filter(is_current=True).first() or AcademicYear.objects.order_by("-start_year").first()
    if year is not None:
        return year.start_year
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or _current_year())
    except ValueError:
        raise Http404("Год не найден") from None


def _territory(request: HttpRequest, user: User) -> Territory | None:
    asked = request.GET.get("territory")
    ids = scope.territory_ids(user)
    if asked:
        try:
            pk = int(asked)
        except ValueError:
            raise Http404("Территория не найдена") from None
        if pk not in ids:
            raise Http404("Территория не найдена")
        return Territory.objects.get(pk=pk)
    return scope.default_territory(user)


def _rows(measures: Any, on: Any = None) -> list[dict[str, Any]]:
    out = []
    for m in measures:
        state = measure_state(m, on)
        out.append({"measure": m, "state": state})
    return out


# --- overview -----------------------------------------------------------------------------


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    directions = ensure_directions()
    year = _year(request)
    if scope.is_school_user(user):
        measures = (
            scope.visible_measures(user).select_related("roadmap", "direction").prefetch_related("reports")
        )
        return render(
            request,
            "cycle/school.html",
            {
                "rows": _rows(measures),
                "recommendations": scope.visible_recommendations(user).select_related("organisation"),
                "year": year,
            },
        )
    territory = _territory(request, user)
    direction_rows = []
    if territory is not None:
        for d in directions:
            stages = effect.stage_evidence(territory, d, year)
            assessment = effect.self_assessment(territory, d, year)
            direction_rows.append(
                {
                    "direction": d,
                    "stages": [(Stage(s).label, bool(v)) for s, v in stages.items()],
                    "with_evidence": sum(1 for v in stages.values() if v),
                    "assessment": assessment,
                }
            )
    roadmaps = []
    for rm in scope.visible_roadmaps(user).select_related("territory", "organisation"):
        states = [measure_state(m).code for m in rm.measures.prefetch_related("reports").select_related("roadmap")]
        roadmaps.append(
            {
                "roadmap": rm,
                "total": len(states),
                "done": states.count(State.DONE),
                "overdue": states.count(State.OVERDUE),
            }
        )
    recs = scope.visible_recommendations(user)
    context = {
        "territory": territory,
        "territories": scope.territory_ids(user),
        "year": year,
        "years": list(AcademicYear.objects.order_by("-start_year").values_list("start_year", flat=True)),
        "directions": direction_rows,
        "stage_labels": [s.label for s in Stage],
        "roadmaps": roadmaps,
        "recommendation_counts": {
            "total": recs.count(),
            "draft": recs.filter(state=Recommendation.State.DRAFT).count(),
            "answered": recs.exclude(answer="").count(),
        },
        "decisions": scope.visible_decisions(user)[:10],
        "can_manage": scope.can_manage(user),
    }
    return render(request, "cycle/index.html", context)


@require_GET
@login_required
def reminders_fragment(request: HttpRequest) -> HttpResponse:
    """Overdue and upcoming measures of what the user sees (the dashboard's htmx block)."""
    user = _user(request)
    found = reminders(scope.visible_measures(user))
    return render(
        request,
        "cycle/_reminders.html",
        {"overdue": found.overdue[:15], "upcoming": found.upcoming[:15],
         "overdue_total": len(found.overdue), "upcoming_total": len(found.upcoming)},
    )


# --- roadmaps -----------------------------------------------------------------------------


@require_GET
@login_required
def roadmap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    roadmap = scope.get_or_404(scope.visible_roadmaps(user).select_related("territory", "organisation"), pk)
    measures = (
        scope.visible_measures(user)
        .filter(roadmap=roadmap)
        .select_related("roadmap", "direction", "organisation", "indicator", "plan_row")
        .prefetch_related("reports")
        .order_by("order", "pk")
    )
    rows = _rows(measures)
    sections: list[dict[str, Any]] = []
    for row in rows:
        m = row["measure"]
        if not sections or sections[-1]["name"] != m.section:
            sections.append({"name": m.section, "rows": []})
        sections[-1]["rows"].append(row)
    plan_rows = []
    if roadmap.kind == Roadmap.Kind.IMPROVEMENT_PLAN:
        org_scope = OrgScope.for_user(user)
        visible_ids = {r["measure"].pk for r in rows}
        for pr in roadmap.plan_rows.select_related("indicator", "direction", "roadmap").order_by("order"):
            plan_rows.append(
                {
                    "row": pr,
                    "measures": [r for r in rows if r["measure"].plan_row_id == pr.pk and r["measure"].pk in visible_ids],
                    "change": effect.plan_row_change(pr, org_scope),
                }
            )
    counts = {code: sum(1 for r in rows if r["state"].code == code) for code in State.LABELS}
    return render(
        request,
        "cycle/roadmap.html",
        {
            "roadmap": roadmap,
            "sections": sections,
            "plan_rows": plan_rows,
            "counts": counts,
            "state_labels": State.LABELS,
            "total": len(rows),
            "can_edit": scope.can_edit_roadmap(user, roadmap),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not scope.can_manage(user) and not scope.is_school_user(user):
        raise PermissionDenied("Нет прав на создание дорожных карт.")
    form = RoadmapForm(request.POST or None, user=user)
    if scope.is_school_user(user) and not request.POST:
        form.initial.update({"organisation": user.organisation_id, "territory": user.organisation.territory_id if user.organisation else None})
    if request.method == "POST" and form.is_valid():
        roadmap = form.save(commit=False)
        try:
            actions.save_roadmap(user=user, roadmap=roadmap)
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Дорожная карта создана.")
            return redirect("cycle:roadmap", pk=roadmap.pk)
    return render(request, "cycle/form.html", {"form": form, "title": "Новая дорожная карта"})


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_import(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not scope.can_manage(user):
        raise PermissionDenied("Загружать дорожные карты может специалист управления образования.")
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory(prefix="msoko-roadmap-") as tmp:
            path = Path(tmp) / f"roadmap{suffix}"
            with open(path, "wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            parsed = roadmap_io.parse_file(path)
            parsed.source = f"файл «{upload.name}»"
            for p in parsed.problems:
                p.where = p.where.replace(f"файл «{path.name}»", parsed.source)
            years = None
            if form.cleaned_data.get("year_from"):
                years = (form.cleaned_data["year_from"], form.cleaned_data.get("year_to") or form.cleaned_data["year_from"])
            outcome = roadmap_io.import_roadmap(
                path,
                parsed=parsed,
                territory=form.cleaned_data["territory"],
                user=user,
                title=form.cleaned_data.get("title") or None,
                years=years,
                approved_by=form.cleaned_data.get("approved_by") or "",
                source_name=upload.name,
            )
        if outcome.already:
            messages.info(request, roadmap_io.already_loaded_message(outcome.roadmap))
            return redirect("cycle:roadmap", pk=outcome.roadmap.pk)
        if outcome.ok:
            messages.success(request, f"Загружено мероприятий: {outcome.measures}.")
            for w in outcome.parsed.warnings[:20]:
                messages.warning(request, str(w))
            return redirect("cycle:roadmap", pk=outcome.roadmap.pk)
    return render(request, "cycle/import.html", {"form": form, "outcome": outcome})


def _export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = _user(request)
    roadmap = scope.get_or_404(scope.visible_roadmaps(user), pk)
    if not scope.can_edit_roadmap(user, roadmap) and not scope.can_manage(user):
        # a school user sees only their own measures: the whole table is for its keepers
        raise Http404("Не найдено")
    if kind == "xlsx":
        data = roadmap_io.export_xlsx(roadmap)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = roadmap_io.export_docx(roadmap)
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    record("export", model="cycle.Roadmap", object_id=roadmap.pk, object_repr=str(roadmap)[:500],
           changes={"format": kind, "measures": roadmap.measures.count()})
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="roadmap-{roadmap.pk}.{kind}"'
    return response


@require_GET
@login_required
def roadmap_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "xlsx")


@require_GET
@login_required
def roadmap_export_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "docx")


# --- measures -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    roadmap = scope.get_or_404(scope.visible_roadmaps(user), pk)
    if not scope.can_edit_roadmap(user, roadmap):
        raise PermissionDenied("Нет прав на изменение этой дорожной карты.")
    form = MeasureForm(request.POST or None, user=user, roadmap=roadmap, instance=Measure(roadmap=roadmap))
    if request.method == "POST" and form.is_valid():
        measure = actions.save_measure(user=user, measure=form.save(commit=False))
        messages.success(request, "Мероприятие добавлено.")
        return redirect("cycle:measure", pk=measure.pk)
    return render(request, "cycle/form.html", {"form": form, "title": "Новое мероприятие", "back": reverse("cycle:roadmap", args=[roadmap.pk]), "form_id": "measure-form"})


@require_http_methods(["GET", "POST"])
@login_required
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    measure = scope.get_or_404(scope.visible_measures(user).select_related("roadmap"), pk)
    if not scope.can_edit_measure(user, measure):
        raise PermissionDenied("Нет прав на изменение мероприятия.")
    form = MeasureForm(request.POST or None, user=user, roadmap=measure.roadmap, instance=measure)
    if request.method == "POST" and form.is_valid():
        actions.save_measure(user=user, measure=form.save(commit=False))
        messages.success(request, "Мероприятие сохранено.")
        return redirect("cycle:measure", pk=measure.pk)
    return render(request, "cycle/form.html", {"form": form, "title": "Мероприятие", "back": reverse("cycle:measure", args=[measure.pk]), "form_id": "measure-form"})


@require_http_methods(["GET", "POST"])
@login_required
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    measure = scope.get_or_404(
        scope.visible_measures(user).select_related("roadmap", "direction", "organisation", "indicator", "plan_row", "recommendation"),
        pk,
    )
    can_report = scope.can_report_measure(user, measure)
    state = measure_state(measure)
    form = ReportForm(
        request.POST or None,
        initial={"done_on": timezone.localdate(), "document": measure.report_document},
    )
    if request.method == "POST":
        if not can_report:
            raise PermissionDenied("Нет прав на отчёт по этому мероприятию.")
        if form.is_valid():
            data = form.cleaned_data
            actions.report_measure(
                user=user, measure=measure, done_on=data["done_on"], document=data["document"],
                document_url=data.get("document_url") or "", comment=data.get("comment") or "",
                implementation=data.get("implementation") or "",
            )
            messages.success(request, "Исполнение отмечено.")
            return redirect("cycle:measure", pk=measure.pk)
    change = effect.measure_change(measure, OrgScope.for_user(user))
    return render(
        request,
        "cycle/measure.html",
        {
            "measure": measure,
            "state": state,
            "deadline": measure.deadline(),
            "reports": measure.reports.select_related("reported_by").all(),
            "form": form,
            "can_report": can_report and state.code != State.DONE,
            "can_edit": scope.can_edit_measure(user, measure),
            "change": change,
            "decisions": scope.visible_decisions(user).filter(measures=measure),
        },
    )


# --- recommendations ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def recommendation_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    ensure_directions()
    year = _year(request)
    recs = scope.visible_recommendations(user).select_related("organisation", "direction", "method_association")
    if request.method == "POST":
        if not scope.can_manage(user):
            raise PermissionDenied("Рекомендации формирует специалист управления образования.")
        if request.POST.get("action") == "generate":
            # the analysis report of the user's territory, cut down to the schools they see
            try:
                asked = request.POST.get("territory") or request.GET.get("territory")
                found = from_analysis.for_user(user, year, asked)
            except AnalysisInputError as exc:
                messages.error(request, f"Рекомендации не сформированы: {exc}")
            else:
                editable = set(scope.org_ids(user))
                result = rules.generate(found.findings, user=user, allowed_org_ids=editable)
                messages.success(
                    request,
                    f"{found.summary()} Новых рекомендаций: {len(result.created)}; "
                    f"уже были: {result.existing}.",
                )
        elif request.POST.get("action") == "send":
            ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
            sent = actions.send_recommendations(user=user, recommendations=list(recs.filter(pk__in=ids)))
            messages.success(request, f"Направлено в ОО: {sent}.")
        return redirect(f"{reverse('cycle:recommendations')}?year={year}")
    can_manage = scope.can_manage(user)
    return render(
        request,
        "cycle/recommendations.html",
        {
            "recommendations": recs.filter(year=year),
            "year": year,
            "years": list(AcademicYear.objects.order_by("-start_year").values_list("start_year", flat=True)),
            "rules": rules.RULES,
            "can_manage": can_manage,
            # a regional user picks the municipality whose analysis to turn into recommendations
            "territories": list(
                policy.visible_territories(user).filter(kind=Territory.Kind.MUNICIPALITY).order_by("name")
            )
            if can_manage
            else [],
            "territory_id": getattr(analysis_service.territory_for(user), "pk", None) if can_manage else None,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def recommendation_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not scope.can_manage(user):
        raise PermissionDenied("Рекомендации составляет специалист управления образования.")
    form = RecommendationForm(request.POST or None, user=user, initial={"year": _current_year()})
    if request.method == "POST" and form.is_valid():
        rec = form.save(commit=False)
        rec.territory_id = rec.organisation.territory_id
        actions.save_recommendation(user=user, recommendation=rec)
        messages.success(request, "Рекомендация сохранена.")
        return redirect("cycle:recommendation", pk=rec.pk)
    return render(request, "cycle/form.html", {"form": form, "title": "Новая адресная рекомендация"})


@require_http_methods(["GET", "POST"])
@login_required
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    rec = scope.get_or_404(scope.visible_recommendations(user).select_related("organisation"), pk)
    can_edit = scope.can_manage(user, rec.territory_id)
    can_answer = scope.can_answer(user, rec)
    edit_form = RecommendationForm(
        request.POST if request.POST.get("action") == "edit" else None, user=user, instance=rec
    ) if can_edit else None
    answer_form = AnswerForm(
        request.POST if request.POST.get("action") == "answer" else None,
        initial={"answer": rec.answer, "state": rec.state},
    ) if can_answer else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "edit":
            if edit_form is None:
                raise PermissionDenied("Рекомендацию изменяет специалист управления образования.")
            if edit_form.is_valid():
                actions.save_recommendation(user=user, recommendation=edit_form.save(commit=False))
                messages.success(request, "Рекомендация сохранена.")
                return redirect("cycle:recommendation", pk=rec.pk)
        elif action == "answer":
            if answer_form is None:
                raise PermissionDenied("Ответить может только администратор организации-адресата.")
            if answer_form.is_valid():
                actions.answer_recommendation(
                    user=user, recommendation=rec, answer=answer_form.cleaned_data["answer"],
                    state=answer_form.cleaned_data["state"],
                )
                messages.success(request, "Ответ сохранён.")
                return redirect("cycle:recommendation", pk=rec.pk)
        else:
            raise PermissionDenied("Неизвестное действие.")
    return render(
        request,
        "cycle/recommendation.html",
        {"rec": rec, "edit_form": edit_form, "answer_form": answer_form,
         "measures": scope.visible_measures(user).filter(recommendation=rec)},
    )


# --- decisions ---------------------------------------------------------------------------


@require_GET
@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    # a decision may order measures of several schools: each user sees only theirs
    measures = set(scope.visible_measures(user).values_list("pk", flat=True))
    recs = set(scope.visible_recommendations(user).values_list("pk", flat=True))
    roadmaps = set(scope.visible_roadmaps(user).values_list("pk", flat=True))
    rows = [
        {
            "decision": d,
            "measures": [m for m in d.measures.all() if m.pk in measures],
            "recommendations": [r for r in d.recommendations.all() if r.pk in recs],
            "roadmaps": [r for r in d.roadmaps.all() if r.pk in roadmaps],
        }
        for d in scope.visible_decisions(user).prefetch_related("measures", "recommendations", "roadmaps")
    ]
    return render(
        request,
        "cycle/decisions.html",
        {"rows": rows, "can_manage": scope.can_manage(user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def decision_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not scope.can_manage(user):
        raise PermissionDenied("Управленческие решения вносит специалист управления образования.")
    initial = {"territory": getattr(scope.default_territory(user), "pk", None)}
    form = DecisionForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        decision = form.save(commit=False)
        actions.save_decision(
            user=user, decision=decision,
            measures=list(form.cleaned_data["measures"]),
            recommendations=list(form.cleaned_data["recommendations"]),
        )
        messages.success(request, "Решение сохранено.")
        return redirect("cycle:decisions")
    return render(request, "cycle/form.html", {"form": form, "title": "Управленческое решение"})


# --- directions and effectiveness ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def direction_detail(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    ensure_directions()
    if scope.is_school_user(user):
        raise Http404("Не найдено")
    try:
        direction = Direction.objects.get(number=number)
    except Direction.DoesNotExist:
        raise Http404("Направление не найдено") from None
    territory = _territory(request, user)
    if territory is None:
        raise Http404("Территория не найдена")
    year = _year(request)
    can_manage = scope.can_manage(user, territory.pk)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Самооценку заполняет специалист управления образования.")
        if request.POST.get("action") == "evidence":
            stage = request.POST.get("stage", "")
            document = (request.POST.get("document") or "").strip()
            if stage in Stage.values and document:
                actions.add_stage_evidence(
                    user=user,
                    evidence=StageEvidence(territory=territory, direction=direction, stage=stage,
                                           year=year, document=document[:1000], url=request.POST.get("url", "")[:200]),
                )
                messages.success(request, "Подтверждение этапа добавлено.")
        else:
            items = effect.self_assessment(territory, direction, year).items
            marks = {
                item.pk: (request.POST.get(f"met-{item.pk}") == "on", request.POST.get(f"evidence-{item.pk}", ""))
                for item, _ in items
            }
            actions.mark_checklist(user=user, territory=territory, direction=direction, year=year, marks=marks)
            messages.success(request, "Самооценка сохранена.")
        return redirect(f"{reverse('cycle:direction', args=[number])}?territory={territory.pk}&year={year}")
    from msoko.cycle.models import TerritoryDirection

    td = TerritoryDirection.objects.filter(territory=territory, direction=direction).first()
    stages = effect.stage_evidence(territory, direction, year)
    measures = (
        scope.visible_measures(user).filter(direction=direction, roadmap__territory=territory)
        .select_related("roadmap").prefetch_related("reports")
    )
    return render(
        request,
        "cycle/direction.html",
        {
            "direction": direction,
            "territory": territory,
            "year": year,
            "td": td,
            "stages": [(Stage(s), v) for s, v in stages.items()],
            "stage_choices": Stage.choices,
            "assessment": effect.self_assessment(territory, direction, year),
            "rows": _rows(measures),
            "can_manage": can_manage,
        },
    )


@require_GET
@login_required
def effectiveness(request: HttpRequest) -> HttpResponse:
    """Every measure and plan row with a target indicator: before and after."""
    user = _user(request)
    org_scope = OrgScope.for_user(user)
    rows = []
    for m in (
        scope.visible_measures(user)
        .filter(indicator__isnull=False)
        .select_related("roadmap", "indicator", "organisation", "plan_row")
        .prefetch_related("reports")
    ):
        rows.append({"measure": m, "state": measure_state(m), "change": effect.measure_change(m, org_scope)})
    plan_rows = []
    from msoko.cycle.models import PlanRow

    if not scope.is_school_user(user):
        for pr in PlanRow.objects.filter(
            roadmap__in=scope.visible_roadmaps(user), indicator__isnull=False
        ).select_related("roadmap", "indicator"):
            plan_rows.append({"row": pr, "change": effect.plan_row_change(pr, org_scope)})
    return render(request, "cycle/effectiveness.html", {"rows": rows, "plan_rows": plan_rows})
