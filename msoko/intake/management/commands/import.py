"""``msoko import KIND FILE`` · ``msoko import template KIND OUT.xlsx`` · ``msoko import rollback ID``
· ``msoko import kinds`` · ``msoko import mappings``."""

from __future__ import annotations

import argparse
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from msoko.access.audit import acting_as
from msoko.intake.kinds import KINDS
from msoko.intake.models import ColumnMapping
from msoko.intake.pipeline import ImportResult, rollback, run_import
from msoko.intake.presets import ensure_presets
from msoko.intake.registry_files import RollbackRefused
from msoko.intake.templates import write_template


def _year(text: str) -> int:
    """``--year 2024`` or ``--year 2024/2025``."""
    from msoko.facts.reference import parse_year

    try:
        return parse_year(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Загрузка данных: msoko import ВИД ФАЙЛ [--year 2024] [--create-year] [--procedure VPR] "
        "[--mapping ИМЯ] [--dry-run]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="вид данных, или template / rollback / kinds / mappings")
        parser.add_argument("rest", nargs="*", metavar="ARG")
        parser.add_argument("--year", type=_year, help="учебный год: 2024 или 2024/2025")
        parser.add_argument(
            "--create-year", action="store_true",
            help="завести учебный год, если его нет в справочнике (при загрузке, не при проверке)",
        )
        parser.add_argument("--procedure", help="процедура: OGE, EGE, GVE9, GVE11, VPR...")
        parser.add_argument("--subject", help="предмет, если в файле нет столбца «Предмет»")
        parser.add_argument("--grade", type=int, help="параллель, если в файле её нет")
        parser.add_argument("--mapping", help="сохранённое сопоставление столбцов")
        parser.add_argument("--save-mapping", help="сохранить сопоставление этого файла под именем")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
        parser.add_argument("--user", help="от имени пользователя (его права на организации)")
        # roadmap (msoko.cycle): msoko import roadmap FILE [--territory CODE] [--years 2022-2024]
        parser.add_argument("--territory", help="roadmap: код территории")
        parser.add_argument("--years", help="roadmap: период, например 2022-2024")
        parser.add_argument("--title", help="roadmap: название дорожной карты")

    def handle(self, *positional: str, **opts: Any) -> None:
        kind: str = opts["kind"]
        args: list[str] = list(opts.get("rest") or [])
        ensure_presets()
        if kind == "kinds":
            for code, k in KINDS.items():
                self.stdout.write(f"{code:16} {k.title}")
            return
        if kind == "mappings":
            for cm in ColumnMapping.objects.all():
                self.stdout.write(f"{cm.name} ({cm.kind}){' — поставляется с msoko' if cm.is_preset else ''}")
                if cm.note:
                    self.stdout.write(f"  {cm.note}")
                for header, field in cm.columns.items():
                    self.stdout.write(f"  «{header}» → {field or '(не загружается)'}")
            return
        if kind == "template":
            if len(args) != 2 or args[0] not in KINDS:
                raise CommandError(f"msoko import template ВИД ФАЙЛ.xlsx; виды: {', '.join(KINDS)}")
            out = write_template(args[0], args[1])
            self.stdout.write(f"Шаблон записан: {out}")
            return
        user = None
        if opts.get("user"):
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"Пользователь {opts['user']} не найден")
        if kind == "roadmap":  # the management cycle's roadmaps, not a fact kind
            from msoko.cycle.cli import run as import_roadmap

            with acting_as(user, "командная строка"):
                import_roadmap(args, opts, user=user, out=self.stdout, err=self.stderr)
            return
        if kind == "rollback":
            if len(args) != 1 or not args[0].isdigit():
                raise CommandError("msoko import rollback НОМЕР_ПАКЕТА")
            try:
                with acting_as(user, "командная строка"):
                    batch = rollback(int(args[0]), user=user)
            except RollbackRefused as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Пакет {batch.pk} отменён.")
            return
        if len(args) != 1:
            raise CommandError("msoko import ВИД ФАЙЛ")
        if kind in KINDS and KINDS[kind].year != "none":  # the registry itself has no year
            self.check_year(opts.get("year"), create=opts.get("create_year", False))
        with acting_as(user, "командная строка"):
            result = run_import(
                args[0], kind=kind, user=user, year=opts.get("year"),
                procedure=opts.get("procedure"), subject=opts.get("subject"),
                grade=opts.get("grade"), mapping=opts.get("mapping"),
                save_mapping=opts.get("save_mapping"), dry_run=opts["dry_run"],
                create_year=opts.get("create_year", False),
            )
        self.report(result)
        if not result.ok:
            raise CommandError(f"Файл не загружен: ошибок {result.problems.error_total}.", returncode=2)

    def check_year(self, year: int | None, *, create: bool) -> None:
        """Refuse before reading the file a year outside the accepted range, or one missing
        from the registry when ``--create-year`` was not given (saying how to ask)."""
        from msoko.facts.reference import year_label, year_problem
        from msoko.registry.models import AcademicYear

        if year is None:
            return
        problem = year_problem(year)
        if problem:
            raise CommandError(problem[0].upper() + problem[1:] + ".")
        if not create and not AcademicYear.objects.filter(start_year=year).exists():
            raise CommandError(
                f"Учебный год {year_label(year)} не заведён в справочнике «Учебные годы». "
                "Добавьте --create-year, чтобы завести его при загрузке, "
                "или заведите его в администрировании."
            )

    def report(self, r: ImportResult) -> None:
        w = self.stdout.write
        if r.mapping:
            w(f"Сопоставление столбцов{f' «{r.mapping_name}»' if r.mapping_name else ''}:")
            for header, title in r.mapping:
                w(f"  «{header}» → {title}")
        if r.status == "duplicate":
            w(r.message)
            return
        for p in r.problems.errors:
            self.stderr.write(str(p))
        if r.problems.error_total > len(r.problems.errors):
            self.stderr.write(f"... и ещё {r.problems.error_total - len(r.problems.errors)} ошибок")
        for p in r.problems.warnings[:50]:
            w(str(p))
        if r.ok:
            head = "Проверка пройдена (ничего не записано)" if r.status == "dry_run" else f"Загружено: пакет {r.batch_id}"
            has_students = r.kind not in KINDS or KINDS[r.kind].students != "none"
            students = (f"обучающихся: {r.students}, из них найдены в прежних данных: {r.matched_students}; "
                        if has_students else "")
            w(f"{head}. Строк: {r.rows}; пропущено пустых и итоговых: {r.skipped_rows}; "
              f"{students}предупреждений: {r.problems.warning_total}.")
            if r.absent:
                w(f"Нет в файле (сохранено как пропуски): {', '.join(r.absent)}.")
            if len(r.years) > 1:
                w(f"Учебные годы в файле: {', '.join(f'{y}/{y + 1}' for y in r.years)}.")
            if r.replaced:
                w(f"Заменены прежние пакеты: {', '.join(map(str, r.replaced))}.")
        if r.registry is not None:
            for line in r.registry.lines():
                w(line)
