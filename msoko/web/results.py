"""Results of one organisation as pages, exports and the API present them.

The figures come from ``msoko.facts.summary`` through an ``OrgScope`` built from the
permission policy; this module only narrows that scope, names procedures and subjects and
groups the rows.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import ibis

from msoko.access import policy
from msoko.facts import summary
from msoko.facts.models import Procedure
from msoko.facts.reference import PROCEDURES
from msoko.facts.store import OrgScope, connect
from msoko.registry.models import Organisation, Subject
from msoko.web import charts

PROCEDURE_ORDER = [code for code, *_ in PROCEDURES]


def organisation_scope(user: Any, org: Organisation) -> OrgScope:
    """The user's scope narrowed to one organisation (empty unless the policy shows it)."""
    return OrgScope.of(OrgScope.for_user(user).org_ids & {org.pk})


def territory_scope(user: Any, org: Organisation) -> OrgScope | None:
    """The organisations of ``org``'s municipality that the user sees, if the user may see
    that municipality's figures at all (a school's own users may not)."""
    if not policy.visible_territories(user).filter(pk=org.territory_id).exists():
        return None
    ids = policy.visible_organisations(user).filter(territory_id=org.territory_id)
    return OrgScope.of(ids.values_list("pk", flat=True))


def names() -> tuple[dict[str, str], dict[str, str]]:
    """Display names of procedures and subjects by code."""
    procedures = dict(Procedure.objects.values_list("code", "name"))
    subjects = dict(Subject.objects.values_list("code", "name"))
    return procedures, subjects


def _procedure_rank(code: str) -> tuple[int, str]:
    return (PROCEDURE_ORDER.index(code) if code in PROCEDURE_ORDER else len(PROCEDURE_ORDER), code)


def label_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``summary.results_summary`` rows with the names of their procedure and subject."""
    procedures, subjects = names()
    out = []
    for row in sorted(rows, key=lambda r: (_procedure_rank(r["procedure"]), -r["year"])):
        subject = row.get("subject")
        out.append(
            {
                **row,
                "procedure_name": procedures.get(row["procedure"], row["procedure"]),
                "subject_name": subjects.get(subject, subject) if subject else "—",
            }
        )
    return out


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["procedure"], row["year"], row.get("subject"), row.get("grade"))


LEVEL_LABELS = {
    "low": "Низкий",
    "below_basic": "Ниже базового",
    "basic": "Базовый",
    "advanced": "Повышенный",
    "high": "Высокий",
}


def _level_order(codes: set[str]) -> list[str]:
    known = [code for code in LEVEL_LABELS if code in codes]
    return known + sorted(codes - set(known))


def _section(
    code: str, year: int, title: str, group: list[dict[str, Any]], compared: bool
) -> dict[str, Any]:
    levels = _level_order({level for r in group for level in r.get("levels", {})})
    for row in group:
        counted = sum(row.get("levels", {}).values())
        row["level_cells"] = [
            {
                "count": row["levels"].get(level, 0),
                "share": summary.share(row["levels"].get(level, 0), counted),
            }
            if counted
            else None
            for level in levels
        ]
    return {
        "procedure": code,
        "procedure_name": title,
        "year": year,
        "rows": group,
        "levels": [{"code": level, "label": LEVEL_LABELS.get(level, level)} for level in levels],
        "show": {
            "grade": len({r.get("grade") for r in group}) > 1 or code == summary.VPR,
            "marks": any(r["marked"] for r in group),
            "scores": any(r["scored"] for r in group),
            "threshold": any(r.get("threshold") for r in group),
            "journal": any(r["journal"]["compared"] for r in group),
            "pass": any(r["pass_known"] for r in group),
            "municipality": compared,
        },
    }


def sections(
    rows: list[dict[str, Any]], comparison: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Rows grouped by procedure and year, with the columns that the data fill.

    A procedure with both test scores and marks (ЕГЭ: profile subjects and base mathematics)
    is shown as two tables. ``comparison`` (the municipality's rows) adds the municipality's
    means to each row."""
    by_key = {_key(r): r for r in comparison or []}
    grouped: OrderedDict[tuple[str, int], list[dict[str, Any]]] = OrderedDict()
    for row in label_rows(rows):
        other = by_key.get(_key(row))
        row = {
            **row,
            "municipality": None
            if other is None
            else {
                "mean_mark": other["mean_mark"],
                "mean_test_score": other["mean_test_score"],
                "share_2": other["share_2"],
            },
        }
        grouped.setdefault((row["procedure"], row["year"]), []).append(row)
    compared = comparison is not None
    out = []
    for (code, year), group in grouped.items():
        name = group[0]["procedure_name"]
        scored = [r for r in group if r["scored"]]
        marked_only = [r for r in group if not r["scored"] and r["marked"]]
        if scored and marked_only:
            rest = [r for r in group if r not in scored and r not in marked_only]
            out.append(_section(code, year, name, scored + rest, compared))
            out.append(_section(code, year, f"{name}: отметки", marked_only, compared))
        else:
            out.append(_section(code, year, name, group, compared))
    return out


def work_label(row: dict[str, Any], *, with_procedure: bool = True) -> str:
    parts = [row["procedure_name"]] if with_procedure else []
    parts.append(row["subject_name"])
    if row.get("grade") and row["procedure"] == summary.VPR:
        parts.append(f"{row['grade']} кл.")
    return " · ".join(parts)


def organisation_results(
    user: Any, org: Organisation, requested_year: Any = None, *, con: ibis.BaseBackend | None = None
) -> dict[str, Any]:
    """The results block of a school's page: the years there are, the chosen one (the latest
    unless asked), the sections of that year and its charts."""
    con = con if con is not None else connect()
    scope = organisation_scope(user, org)
    years = summary.memoised(
        scope, "years_with_results", lambda: summary.years_with_results(scope, con=con)
    )
    try:
        year: int | None = int(requested_year)
    except (TypeError, ValueError):
        year = None
    if year not in years:
        year = years[0] if years else None
    if year is None:
        return {
            "years": [],
            "year": None,
            "sections": [],
            "journal": False,
            "compared": False,
            "charts": [],
        }

    def summary_of(of: OrgScope) -> list[dict[str, Any]]:
        return summary.memoised(
            of,
            f"results_summary|{year}",
            lambda: summary.results_summary(of, years=[year], con=con),
        )

    rows = summary_of(scope)
    muni_scope = territory_scope(user, org)
    comparison = summary_of(muni_scope) if muni_scope is not None else None
    result_sections = sections(rows, comparison)
    return {
        "years": years,
        "year": year,
        "sections": result_sections,
        "journal": any(section["show"]["journal"] for section in result_sections),
        "compared": comparison is not None,
        "charts": _organisation_charts(result_sections, year),
    }


def _organisation_charts(result_sections: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    label = f"{year}/{year + 1}"
    marked = [
        (work_label(row), row["marks"])
        for section in result_sections
        for row in section["rows"]
        if row["marked"]
    ]
    out = []
    distribution = charts.mark_distribution_chart(
        "chart-marks", f"Распределение отметок, % ({label})", marked
    )
    if distribution:
        out.append(distribution)
    for section in result_sections:
        scored = [r for r in section["rows"] if r["scored"]]
        if not scored:
            continue
        series: list[tuple[str, list[float | None]]] = [
            ("Организация", [r["mean_test_score"] for r in scored])
        ]
        if section["show"]["municipality"]:
            series.append(
                (
                    "Муниципалитет",
                    [(r["municipality"] or {}).get("mean_test_score") for r in scored],
                )
            )
        score = charts.score_chart(
            f"chart-scores-{section['procedure'].lower()}",
            f"{section['procedure_name']}: средний тестовый балл ({label})",
            [r["subject_name"] for r in scored],
            series,
        )
        if score:
            out.append(score)
    return out


def territory_chart_data(
    scope: OrgScope, headlines: list[dict[str, Any]], *, con: ibis.BaseBackend
) -> dict[str, Any]:
    """The figures behind the charts of a territory's home page (no names: those are added
    when the charts are drawn, so the figures can be cached)."""
    data: dict[str, Any] = {}
    for head in headlines:
        code, year = head["procedure"], head["year"]
        if code in (summary.OGE, summary.EGE):
            oge = code == summary.OGE
            data[code] = summary.means_by_organisation(
                scope,
                code,
                year,
                summary.OGE_HEADLINE_SUBJECTS if oge else summary.EGE_HEADLINE_SUBJECTS,
                value="mark" if oge else "test_score",
                con=con,
            )
        elif code == summary.VPR:
            data[code] = summary.results_summary(
                scope, years=[year], procedures=[summary.VPR], con=con
            )
    return data


def territory_charts(
    headlines: list[dict[str, Any]],
    data: dict[str, Any],
    orgs: dict[int, tuple[str, str]],
) -> list[dict[str, Any]]:
    """Charts of a territory's home page: ОГЭ and ЕГЭ means and ВПР marks.

    ``data`` comes from ``territory_chart_data``; ``orgs`` maps each visible organisation
    to its name and its municipality's name. Over one municipality the means are per
    organisation; over several (a region), per municipality, pooled over every result."""
    _, subjects = names()
    by_municipality = len({territory for _, territory in orgs.values()}) > 1
    if by_municipality:
        group_of = {org: territory for org, (_, territory) in orgs.items()}
        per = "по муниципалитетам"
    else:
        group_of = {org: name for org, (name, _) in orgs.items()}
        per = "по организациям"
    out: list[dict[str, Any]] = []
    for head in headlines:
        code, year = head["procedure"], head["year"]
        label = f"{year}/{year + 1}"
        built: dict[str, Any] | None = None
        if code in (summary.OGE, summary.EGE) and code in data:
            what = "ОГЭ: средняя отметка" if code == summary.OGE else "ЕГЭ: средний тестовый балл"
            built = charts.mean_by_group_chart(
                f"chart-{code.lower()}",
                f"{what} {per} ({label})",
                [
                    (subjects.get(subject, subject), summary.pooled_means(means, group_of))
                    for subject, means in data[code].items()
                ],
            )
        elif code == summary.VPR and code in data:
            rows = label_rows(data[code])
            built = charts.mark_distribution_chart(
                "chart-vpr",
                f"ВПР: распределение отметок, % ({label})",
                [(work_label(r, with_procedure=False), r["marks"]) for r in rows if r["marked"]],
            )
        if built:
            out.append(built)
    return out
