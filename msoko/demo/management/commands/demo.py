"""``msoko demo``: build the demonstration municipality and serve it.

msoko demo                      # seed 1, one municipality, then http://127.0.0.1:8000/
msoko demo --seed 7 --no-serve  # build only
msoko demo --size region        # ~1,000 schools in 40 municipalities (benchmarks)
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from msoko.cycle.demo import fill_after_build
from msoko.demo.generator import DEMO_PASSWORD, ROLE_LABELS, DemoResult, build_demo
from msoko.demo.world import SIZES

FACT_TABLES = {
    "student_results": "результаты обучающихся",
    "task_scores": "баллы по заданиям ВПР",
    "olympiad_results": "результаты ВсОШ",
}
COUNTS = [
    ("schools", "общеобразовательных организаций"),
    ("organisations", "организаций всего (с ДОУ и УДО)"),
    ("students", "обучающихся (псевдонимизированы)"),
    ("classes", "классов (за три года)"),
    ("passports", "социальных паспортов"),
    ("staff", "педагогических работников"),
    ("courses", "курсов повышения квалификации"),
    ("diagnostics", "диагностик профессиональных дефицитов"),
    ("routes", "ИОМ"),
    ("mentoring", "пар наставничества"),
    ("associations", "методических объединений (РМО и ШМО)"),
    ("competitions", "участий в профессиональных конкурсах"),
]


def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


class Command(BaseCommand):
    help = (
        "Построить демонстрационный муниципалитет (синтетические данные за три года) "
        "и запустить веб-приложение"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="зерно генератора (по умолчанию 1)")
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="municipality",
            help="municipality — один район (~25 школ); region — ~1000 школ в 40 муниципалитетах",
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="только построить данные, не запускать сервер"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seed, size = options["seed"], options["size"]
        self.verbosity = int(options.get("verbosity", 1))
        call_command("migrate", verbosity=0)
        self.stdout.write(f"Строю демонстрационные данные: seed {seed}, размер {size}.")
        result = build_demo(seed, size, progress=self.stdout.write)
        fill_after_build(result, self.stdout.write)
        self._report(result)
        self._compute_indicators()
        if options["no_serve"]:
            return
        host, port = options["host"], options["port"]
        self.stdout.write(self.style.SUCCESS(f"Веб-приложение: http://{host}:{port}/"))
        self.stdout.write("(Ctrl+C — остановить)")
        from msoko.web.management.commands.serve import serve

        serve(host, port)

    def _compute_indicators(self) -> None:
        from msoko.indicators.catalog import sync_builtin
        from msoko.indicators.compute import compute

        sync_builtin()
        run = compute(trigger="demo", audit=False)  # the demo records its own BULK rows
        self.stdout.write(
            f"Показатели рассчитаны: {_n(run.rows)} значений за {run.seconds:.1f} с."
        )

    def _report(self, r: DemoResult) -> None:
        w = self.stdout.write
        w("")
        w(self.style.MIGRATE_HEADING(f"Построено за {r.seconds:.1f} с:"))
        for key, label in COUNTS:
            if key in r.counts:
                w(f"  {_n(r.counts[key]):>12}  {label}")
        w("  Строк фактов (Parquet):")
        for table, label in FACT_TABLES.items():
            w(f"  {_n(r.fact_rows.get(table, 0)):>12}  {label} ({table})")
        truth = r.ground_truth_data
        w("")
        w(self.style.MIGRATE_HEADING("Заложенные случаи (для проверки анализа):"))
        names = {
            "low_results": "низкие результаты",
            "resilient": "резильентная",
            "non_objective": "признаки необъективности",
        }
        shown = [
            p
            for p in truth.get("planted", [])
            if p.get("municipality") == truth.get("municipality")
        ]
        for p in shown:
            when = p.get("years") or [p.get("year")]
            w(
                f"  {p['org_code']}  {p['name']}: {names[p['case']]} ({', '.join(str(y) for y in when)})"
            )
        if len(shown) < len(truth.get("planted", [])):
            w(f"  … и ещё {len(truth['planted']) - len(shown)} в других муниципалитетах")
        w(f"Эталон (ground truth): {r.ground_truth}")
        if self.verbosity >= 2:
            w("Время по этапам, с: " + ", ".join(f"{k} {v}" for k, v in r.timings.items()))
        w("")
        w(self.style.MIGRATE_HEADING(f"Входы (пароль у всех: {DEMO_PASSWORD}):"))
        rows = [("Логин", "Роль", "Что видит")] + [
            (u.username, ROLE_LABELS[u.role], sees) for u, sees in r.users
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        for k, (login, role, sees) in enumerate(rows):
            w(f"  {login:<{widths[0]}}  {role:<{widths[1]}}  {sees}")
            if k == 0:
                w(f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * 40}")
        w("")
