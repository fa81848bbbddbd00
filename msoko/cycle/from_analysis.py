"""Findings for the rule library (``msoko.cycle.rules``) from the analysis (``msoko.analysis``).

The analysis report of a territory and year (``msoko.analysis.service.get_report``, cut down
by ``service.for_user``) becomes plain finding dicts, one per school and finding:

* ``low_results`` and ``risk_zone`` — the report's findings of the same name (ШНОР by the
  municipality's methodology: the lowest decile on the headline indicators two years running;
  the risk zone is the next band, or the lowest decile in one year only). The reasons are the
  report's sentence and every indicator and year that put the school in the band, with its
  value, the municipality's value and the school's place from the bottom.
* ``non_objective`` — the report's finding (at least two independent signals agreeing in one
  year), with the fired signals' names and figures.
* ``weak_topics`` — the analysis's element-wise output (``analysis.elements.by_school``, the
  same shares and verdicts as the «Поэлементный анализ» page): one finding per school and
  work, naming each codifier element the school did below its threshold — by default 60 % of
  the maximum for basic-level tasks and 30 % for advanced and high ones (FIOKO), configurable
  in the methodology (``element_basic_pct``, ``element_advanced_pct``). A school's group
  under ``element_min_students`` (10) in a work is not informative and gets no finding. This
  is the only definition of a weak topic in msoko.
* ``below_norm`` — **the cycle's own, from the indicator engine**: a school's value of the
  year worse than a norm set for the indicator (a ``Norm`` of the territory or of
  everywhere, or the definition's own), not suppressed for a small group; values of single
  tasks are left to the element-wise analysis.
* ``high_share_mark2`` — **the cycle's own rule, not the analysis's**: the analysis judges the
  share of «2» only pooled over subjects, inside the low-results rule (``vpr.share_mark2``,
  ``oge.share_mark2``), and has no per-subject finding. A school gets one for an ОГЭ subject
  or a ВПР subject and grade when its share of «2» is above ``MARK2_THRESHOLD`` (30 %) and
  above the municipality's, with at least the methodology's ``min_results`` (10) marks.

The schools findings are made for are those of the report given (a report cut down for a
user has only the schools the user may see), intersected with ``org_ids`` when given; a
school's figures are always compared with the whole territory's, as on the analysis pages.
``resilient`` and ``adverse_conditions`` findings describe a school's context rather than
something to correct and lead to no recommendation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from msoko.analysis.methodology import HEADLINE_INDICATORS, Methodology, apply_overrides
from msoko.analysis.scope import AnalysisInputError

MARK2_THRESHOLD = 30.0
MARK2_PROCEDURES = ("OGE", "VPR")

# the kinds the analysis supplies, and the cycle's own
ANALYSIS_KINDS = ("low_results", "risk_zone", "non_objective", "weak_topics")
OWN_KINDS = ("high_share_mark2", "below_norm")
KIND_NAMES = {
    "weak_topics": "западающие темы",
    "low_results": "ШНОР",
    "risk_zone": "зона риска",
    "non_objective": "признаки необъективности",
    "high_share_mark2": "высокая доля «2»",
    "below_norm": "показатель ниже нормы",
}


@dataclass
class Found:
    """The findings of one report, with what the message to the user needs."""

    territory: str
    year: int
    work_year: int
    findings: list[dict[str, Any]] = field(default_factory=list)
    not_informative: int = 0  # school × work groups under the minimum: not judged

    @property
    def counts(self) -> Counter[str]:
        return Counter(f["kind"] for f in self.findings)

    @property
    def from_analysis(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind in ANALYSIS_KINDS)

    @property
    def own(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind in OWN_KINDS)

    def summary(self) -> str:
        """One sentence in Russian: how many findings came from the analysis, by kind."""
        counts = self.counts
        parts = ", ".join(f"{KIND_NAMES[k]} — {counts.get(k, 0)}" for k in ANALYSIS_KINDS)
        text = f"Анализ результатов «{self.territory}» за {self.year}/{self.year + 1} уч. год"
        if self.work_year != self.year:
            text += (
                f" (западающие темы и доля «2» — по работам "
                f"{self.work_year}/{self.work_year + 1} уч. года)"
            )
        own = "; ".join(f"по правилу «{KIND_NAMES[k]}» — {counts.get(k, 0)}" for k in OWN_KINDS)
        text += f": выводов анализа {self.from_analysis} ({parts}); {own}."
        if self.not_informative:
            text += (
                f" Групп менее минимального числа участников (не оцениваются): "
                f"{self.not_informative}."
            )
        return text


def methodology_of(report: dict[str, Any]) -> Methodology:
    """The methodology the report was computed with (it carries every value)."""
    return apply_overrides(Methodology(), dict(report["methodology"]))


def _num(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{float(value):.1f}" if unit == "%" else f"{float(value):.2f}"
    return text.replace(".", ",") + (" %" if unit == "%" else "")


def _visible(report: dict[str, Any], org_ids: Iterable[int] | None) -> set[int]:
    visible = {int(s["org_id"]) for s in report.get("schools", [])}
    return visible & {int(o) for o in org_ids} if org_ids is not None else visible


def _indicator_reason(fig: dict[str, Any], m: Methodology) -> str:
    unit = HEADLINE_INDICATORS.get(fig["indicator"], {}).get("unit", "")
    label = str(fig.get("label") or fig["indicator"]).removesuffix(", %")
    band = (
        f"в нижних {round(100 * m.low_share)} % муниципалитета"
        if fig.get("band") == "low"
        else f"в зоне риска (нижние {round(100 * m.risk_share)} %)"
    )
    year = int(fig["year"])
    return (
        f"{label}, {year}/{year + 1}: {_num(fig.get('value'), unit)} при "
        f"{_num(fig.get('municipality'), unit)} по муниципалитету, "
        f"{fig.get('place_from_worst')}-е место с конца из {fig.get('schools')} — {band}"
    )


def _low_or_risk(finding: dict[str, Any], report: dict[str, Any], m: Methodology) -> dict[str, Any]:
    kind = finding["finding"]
    bands = ("low",) if kind == "low_results" else ("low", "risk")
    figures = [
        s["figures"]
        for s in finding.get("signals", [])
        if s.get("fired") and (s.get("figures") or {}).get("band") in bands
    ]
    figures.sort(key=lambda f: (int(f["year"]), str(f["indicator"])))
    reasons = [finding["text"]] if finding.get("text") else []
    reasons += [_indicator_reason(f, m) for f in figures]
    return {
        "kind": kind,
        "org_id": int(finding["org_id"]),
        "year": int(finding.get("year") or report["year"]),
        "reasons": reasons,
        "indicators": [
            {k: f.get(k) for k in ("indicator", "year", "value", "municipality", "band")}
            for f in figures
        ],
        "source": "analysis",
        "methodology": report.get("methodology_fingerprint", ""),
    }


def _non_objective(finding: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    fired = [s for s in finding.get("signals", []) if s.get("fired")]
    return {
        "kind": "non_objective",
        "org_id": int(finding["org_id"]),
        "year": int(finding.get("year") or report["year"]),
        "procedure": "VPR",
        "signs": [f"{s['name']}. {s['text']}" if s.get("text") else s["name"] for s in fired],
        "signals": [s["signal"] for s in fired],
        "source": "analysis",
        "methodology": report.get("methodology_fingerprint", ""),
    }


def report_findings(
    report: dict[str, Any], *, org_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """``low_results``, ``risk_zone`` and ``non_objective`` findings of the report."""
    m = methodology_of(report)
    visible = _visible(report, org_ids)
    out = []
    for f in report.get("findings", []):
        if int(f["org_id"]) not in visible:
            continue
        if f["finding"] in ("low_results", "risk_zone"):
            out.append(_low_or_risk(f, report, m))
        elif f["finding"] == "non_objective":
            out.append(_non_objective(f, report))
    return out


def _territory_org_ids(report: dict[str, Any]) -> list[int]:
    """The territory's schools: the comparison group, as in the analysis run."""
    from msoko.analysis.service import schools_of_territory
    from msoko.registry.models import Territory

    territory = Territory.objects.get(pk=report["territory"]["id"])
    return schools_of_territory(territory)


def weak_topics(
    report: dict[str, Any], *, year: int | None = None, org_ids: Iterable[int] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Weak-topic findings from the element-wise analysis of the works of ``year`` (the
    report's by default), and how many school × work groups were not informative."""
    from msoko.analysis import elements

    m = methodology_of(report)
    visible = _visible(report, org_ids)
    year = int(year if year is not None else report["year"])
    out: list[dict[str, Any]] = []
    not_informative = 0
    for item in elements.by_school(_territory_org_ids(report), year, m):
        if item["org_id"] not in visible:
            continue
        if not item["informative"]:
            not_informative += 1
            continue
        weak = [e for e in item["elements"] if e["school_weak"]]
        if not weak:
            continue
        out.append(
            {
                "kind": "weak_topics",
                "org_id": item["org_id"],
                "year": year,
                "procedure": item["procedure"],
                "subject": item["subject"],
                "grade": item["grade"],
                "students": item["students"],
                "topics": [
                    {
                        "code": "" if e["code"].startswith("№") else e["code"],
                        "name": e["name"] or f"задание {e['code']}",
                        "tasks": list(e["tasks"]),
                        "level": e["level"],
                        "level_name": e["level_name"],
                        "school": e["school_pct"],
                        "threshold": e["threshold"],
                        "municipality": e["municipality_pct"],
                    }
                    for e in weak
                ],
                "thresholds": {
                    "basic": m.element_basic_pct,
                    "advanced": m.element_advanced_pct,
                    "min_students": m.element_min_students,
                },
                "source": "analysis",
                "methodology": report.get("methodology_fingerprint", ""),
            }
        )
    return out, not_informative


def high_share_mark2(
    report: dict[str, Any], *, year: int | None = None, org_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """The cycle's own rule (see the module's docstring): a share of «2» on an ОГЭ subject or a
    ВПР subject and grade above ``MARK2_THRESHOLD`` and above the municipality's."""
    from msoko.facts.store import OrgScope, scan

    m = methodology_of(report)
    visible = _visible(report, org_ids)
    year = int(year if year is not None else report["year"])
    t = scan(
        "student_results",
        scope=OrgScope.of(_territory_org_ids(report)),
        procedures=list(MARK2_PROCEDURES),
        years=[year],
    )
    t = t.mutate(year=t.year.cast("int16"))
    t = t.filter((t.year == year) & t.mark.notnull() & t.subject.notnull())
    rows = (
        t.group_by(["procedure", "subject", "grade", "org_id"])
        .aggregate(n=t.count(), twos=(t.mark == 2).cast("int64").sum())
        .to_pyarrow()
        .to_pylist()
    )
    # ВПР by subject and grade; ОГЭ by subject (all its grades)
    groups: dict[tuple[str, str, int | None], dict[int, list[int]]] = {}
    for r in rows:
        grade = int(r["grade"]) if r["procedure"] == "VPR" and r["grade"] is not None else None
        acc = groups.setdefault((r["procedure"], r["subject"], grade), {}).setdefault(
            int(r["org_id"]), [0, 0]
        )
        acc[0] += int(r["n"])
        acc[1] += int(r["twos"] or 0)
    out = []
    for (procedure, subject, grade), schools in sorted(
        groups.items(), key=lambda g: (g[0][0], g[0][1], g[0][2] or 0)
    ):
        total = sum(n for n, _ in schools.values())
        twos = sum(k for _, k in schools.values())
        overall = 100 * twos / total if total else 0.0
        for org_id, (n, k) in sorted(schools.items()):
            share = 100 * k / n if n else 0.0
            if (
                org_id in visible
                and n >= m.min_results
                and share > MARK2_THRESHOLD
                and share > overall
            ):
                out.append(
                    {
                        "kind": "high_share_mark2",
                        "org_id": org_id,
                        "year": year,
                        "procedure": procedure,
                        "subject": subject,
                        "grade": grade,
                        "share": round(share, 1),
                        "municipality": round(overall, 1),
                        "threshold": MARK2_THRESHOLD,
                        "results": n,
                        "source": "cycle",
                    }
                )
    return out


UNIT_SIGNS = {"percent": "%", "points": "балл.", "bucket": "%"}


def below_norm(
    report: dict[str, Any], *, year: int, org_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """``below_norm`` findings from the indicator engine's readings of ``year``: every value
    of a school of the report that is worse than a norm **set** for its indicator (a
    ``Norm`` of the territory or of everywhere, or the definition's own norm; not the
    municipality's value a reading falls back to) — of an indicator with a direction, not
    suppressed for a small group. Values of single tasks are left out (the element-wise
    analysis judges those)."""
    from msoko.facts.store import OrgScope
    from msoko.indicators import api as indicators
    from msoko.indicators.models import IndicatorDefinition, Norm

    schools = _visible(report, org_ids)
    if not schools:
        return []
    codes = {
        code
        for code, spec in IndicatorDefinition.objects.exclude(direction="none").values_list("code", "spec")
        if (spec or {}).get("norm")
    } | set(
        Norm.objects.exclude(indicator__direction="none").values_list("indicator__code", flat=True)
    )
    if not codes:
        return []
    rows = indicators.readings(scope=OrgScope.of(schools), year=year, codes=sorted(codes), level="school")
    out = []
    for r in rows:
        value, norm = r["value"], r["norm"]
        if r["task"] or r["suppressed"] or not r["norm_set"] or value is None or norm is None:
            continue
        worse = value < norm if r["direction"] == "higher" else value > norm
        if not worse or abs(value - norm) < 1e-9 or r["org_id"] not in schools:
            continue
        sign = UNIT_SIGNS.get(r["unit"], "")
        out.append(
            {
                "kind": "below_norm",
                "org_id": int(r["org_id"]),
                "year": int(year),
                "indicator": r["indicator"],
                "name": r["name"],
                "subject": r["subject"],
                "grade": r["grade"],
                "value": round(float(value), 1 if sign == "%" else 2),
                "norm": round(float(norm), 1 if sign == "%" else 2),
                "unit": sign,
                "norm_label": r["norm_label"],
                "source": "indicators",
            }
        )
    return out


def from_report(
    report: dict[str, Any],
    *,
    work_year: int | None = None,
    kinds: Collection[str] | None = None,
    org_ids: Iterable[int] | None = None,
) -> Found:
    """Every finding of ``report`` for the rule library. ``work_year`` — the year of the
    works whose element-wise analysis and marks are read (the report's year by default);
    ``kinds`` — only these kinds; ``org_ids`` — only these schools (besides the report's)."""
    wanted = set(kinds) if kinds is not None else set(ANALYSIS_KINDS + OWN_KINDS)
    ids = list(org_ids) if org_ids is not None else None
    year = int(report["year"])
    work_year = int(work_year) if work_year is not None else year
    found = Found(territory=report["territory"]["name"], year=year, work_year=work_year)
    found.findings = [f for f in report_findings(report, org_ids=ids) if f["kind"] in wanted]
    if "weak_topics" in wanted:
        weak, found.not_informative = weak_topics(report, year=work_year, org_ids=ids)
        found.findings += weak
    if "high_share_mark2" in wanted:
        found.findings += high_share_mark2(report, year=work_year, org_ids=ids)
    if "below_norm" in wanted:
        found.findings += below_norm(report, year=year, org_ids=ids)
    return found


def for_user(user: Any, year: int | None, territory: Any = None) -> Found:
    """The findings of the analysis report of the user's territory (``territory`` — a code or
    pk the user asked for, else their home territory or their school's municipality) for
    ``year``, cut down to the schools the user may see. Raises ``AnalysisInputError`` (a
    Russian message) when there is no territory or nothing to analyse."""
    from msoko.analysis import service

    chosen = service.territory_for(user, territory)
    if chosen is None:
        raise AnalysisInputError("Вашей учётной записи не назначена территория или организация.")
    report = service.for_user(service.get_report(chosen, year), user)
    return from_report(report)
