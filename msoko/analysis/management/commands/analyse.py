"""``msoko analyse``: the findings of the analysis for a territory and a year.

msoko analyse                              # the only municipality, the latest year
msoko analyse --territory DEMO-M1 --year 2025
msoko analyse --json                       # for each flagged school: code, finding, signals
msoko analyse --json --full                # the whole report (every table behind the findings)
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msoko.analysis import engine
from msoko.analysis.methodology import MethodologyError
from msoko.analysis.scope import AnalysisInputError, resolve_territory


def _signal(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "signal": s["signal"],
        "fired": s["fired"],
        "status": s.get("status", ""),
        "reason": s.get("reason", ""),
        "figures": s["figures"],
    }


def findings_json(report: dict[str, Any]) -> dict[str, Any]:
    """The short JSON of ``msoko analyse --json``: the findings with their signals, and for
    every school and finding whether it was found, evaluated, or not evaluated and why."""
    code_of = {s["org_id"]: s["code"] for s in report["schools"]}
    return {
        "territory": report["territory"]["code"],
        "year": report["year"],
        "years": report["years"],
        "methodology_fingerprint": report["methodology_fingerprint"],
        "headline_source": report["headline_source"],
        "results_source": report.get("results_source", ""),
        "available": report.get("available", {}),
        "indicators": report.get("indicators", []),
        "evaluation": report.get("evaluation", {}),
        "findings": [
            {
                "code": f["code"],
                "name": f["name"],
                "finding": f["finding"],
                "status": f.get("status", "fired"),
                "year": f["year"],
                "text": f["text"],
                "signals": [_signal(s) for s in f["signals"]],
            }
            for f in report["findings"]
        ],
        "schools": [
            {"code": s["code"], "name": s["name"], "statuses": s.get("statuses", {})}
            for s in report["schools"]
        ],
        "objectivity": [
            {
                "code": code_of.get(r["org_id"], str(r["org_id"])),
                "year": r["year"],
                "flagged": r["flagged"],
                "signals": [
                    {k: v for k, v in _signal(s).items() if k != "figures"} for s in r["signals"]
                ],
            }
            for r in report["objectivity"]
        ],
    }


class Command(BaseCommand):
    help = (
        "Анализ результатов: ШНОР, зона риска, ШНСУ, резильентные школы, признаки необъективности."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--territory", help="Код муниципалитета или региона")
        parser.add_argument("--year", help="Учебный год (год начала: 2025 — это 2025/2026)")
        parser.add_argument("--json", action="store_true", help="Вывести находки в JSON")
        parser.add_argument("--full", action="store_true", help="С --json: весь отчёт")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options.get("year")
        if year is not None:
            try:
                year = int(str(year).split("/")[0])
            except ValueError:
                raise CommandError(
                    f"Год «{options['year']}» не понят: укажите год начала учебного года, "
                    "например 2025."
                ) from None
        try:
            territory = resolve_territory(options.get("territory"))
            report = engine.run(territory, year)
        except (AnalysisInputError, MethodologyError) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            data = report if options["full"] else findings_json(report)
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self._print(report)

    def _print(self, report: dict[str, Any]) -> None:
        y = report["year"]
        self.stdout.write(
            f"Анализ результатов: {report['territory']['name']}, {y}/{y + 1} учебный год "
            f"(годы {', '.join(f'{v}/{v + 1}' for v in report['years'])})"
        )
        self.stdout.write(f"Школ: {len(report['schools'])}; находок: {len(report['findings'])}")
        evaluation = report.get("evaluation", {})
        for code, title in engine.FINDINGS.items():
            items = [f for f in report["findings"] if f["finding"] == code]
            self.stdout.write("")
            self.stdout.write(f"{title}: {len(items)}")
            e = evaluation.get(code)
            if e and e["not_evaluated"]:
                self.stdout.write(
                    f"  не оценивалось для {e['not_evaluated']} из {e['schools']} школ:"
                )
                for r in e["reasons"]:
                    self.stdout.write(f"    — {r['reason']} (школ: {r['schools']})")
            for f in items:
                year = f" [{f['year']}/{f['year'] + 1}]" if f["year"] else ""
                self.stdout.write(f"  {f['code']}  {f['name']}{year}")
                self.stdout.write(f"      {f['text']}")
                for s in f["signals"]:
                    if s["fired"] and s.get("text"):
                        self.stdout.write(f"      • {s['name']}: {s['text']}")
        clusters = report["clusters"]
        if clusters.get("k"):
            self.stdout.write("")
            self.stdout.write(f"Кластеры: {clusters['k']} (выбрано по коэффициенту силуэта)")
            for c in clusters["clusters"]:
                self.stdout.write(f"  {c['cluster']}. {c['description']} — школ: {c['size']}")
