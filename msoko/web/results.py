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
                "subject_name": subjects.get(subject, subject or "—") if subject else "—",
            }
        )
    return out


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["procedure"], row["year"], row.get("subject"), row.get("grade"))


def sections(
    rows: list[dict[str, Any]], comparison: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Rows grouped by procedure and year, with the columns that the data fill.

    ``comparison`` (the municipality's rows) adds the municipality's means to each row."""
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
    out = []
    for (code, year), group in grouped.items():
        out.append(
            {
                "procedure": code,
                "procedure_name": group[0]["procedure_name"],
                "year": year,
                "rows": group,
                "show": {
                    "grade": len({r.get("grade") for r in group}) > 1 or code == summary.VPR,
                    "marks": any(r["marked"] for r in group),
                    "scores": any(r["scored"] for r in group),
                    "threshold": any(r.get("threshold") for r in group),
                    "journal": any(r["journal"]["compared"] for r in group),
                    "pass": any(r["pass_known"] for r in group),
                    "municipality": comparison is not None,
                },
            }
        )
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
    years = summary.years_with_results(scope, con=con)
    try:
        year: int | None = int(requested_year)
    except (TypeError, ValueError):
        year = None
    if year not in years:
        year = years[0] if years else None
    if year is None:
        return {"years": [], "year": None, "sections": [], "charts": []}
    rows = summary.results_summary(scope, years=[year], con=con)
    muni_scope = territory_scope(user, org)
    comparison = (
        summary.results_summary(muni_scope, years=[year], con=con)
        if muni_scope is not None
        else None
    )
    result_sections = sections(rows, comparison)
    return {
        "years": years,
        "year": year,
        "sections": result_sections,
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


def territory_charts(
    scope: OrgScope,
    headlines: list[dict[str, Any]],
    org_names: dict[int, str],
    *,
    con: ibis.BaseBackend,
) -> list[dict[str, Any]]:
    """Charts of the home page of a territory: ОГЭ and ЕГЭ means per school, ВПР marks."""
    _, subjects = names()
    out: list[dict[str, Any]] = []
    for head in headlines:
        year = head["year"]
        label = f"{year}/{year + 1}"
        built: dict[str, Any] | None = None
        if head["procedure"] == summary.OGE:
            built = charts.mean_by_organisation_chart(
                "chart-oge",
                f"ОГЭ: средняя отметка по организациям ({label})",
                org_names,
                [
                    (
                        subjects.get(code, code),
                        summary.mean_by_organisation(scope, summary.OGE, year, code, con=con),
                    )
                    for code in summary.OGE_HEADLINE_SUBJECTS
                ],
            )
        elif head["procedure"] == summary.EGE:
            built = charts.mean_by_organisation_chart(
                "chart-ege",
                f"ЕГЭ: средний тестовый балл по организациям ({label})",
                org_names,
                [
                    (
                        subjects.get(code, code),
                        summary.mean_by_organisation(
                            scope, summary.EGE, year, code, value="test_score", con=con
                        ),
                    )
                    for code in summary.EGE_HEADLINE_SUBJECTS
                ],
            )
        elif head["procedure"] == summary.VPR:
            rows = label_rows(
                summary.results_summary(scope, years=[year], procedures=[summary.VPR], con=con)
            )
            built = charts.mark_distribution_chart(
                "chart-vpr",
                f"ВПР: распределение отметок, % ({label})",
                [(work_label(r, with_procedure=False), r["marks"]) for r in rows if r["marked"]],
            )
        if built:
            out.append(built)
    return out
