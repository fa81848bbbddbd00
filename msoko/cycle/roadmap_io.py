"""Roadmaps in and out of XLSX and DOCX tables shaped like the seeds' (001, 002, 004).

Reading: the first table (sheet) with a header row — the first of its top 30 rows in which at
least two known column headers are found, one of them the measure's content. Headers vary
(«Мероприятие (содержание деятельности)», «Основные направления деятельности», «Сроки
реализации», «Сроки исполнения», «Ответственные исполнители», «Исполнитель», «Отчетная
документация», «Форма отчётности», «Результаты исполнения», «Отметка об исполнении»...); they
are matched after normalisation (case, «ё», punctuation, spaces). Below the header:

* an empty row, a repeated header row and a row of column numbers («1 2 3 4») are skipped;
* a row with one text only (a merged cell across the table, or a lone cell) is a section
  header: it names the section of the rows below it and, when it names a direction of
  seed 001 §3.4, their direction;
* any other row is a measure; a row with no content is an error.

Title rows above the header (or paragraphs before the table in a DOCX) give the roadmap's
title and period («на 2022-2024 г.г.», «на 2021 год», «на 2023-2024 учебный год»).

Nothing is written unless the whole file is correct (``import_roadmap``); problems say the
file, sheet or table, row and column, in Russian.

Writing (``export_xlsx``, ``export_docx``): the roadmap's own columns in their original order
and with their original headers, a title row, section rows merged across the table; reading
an export back gives the same measures.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from msoko.collect.models import Bucket
from msoko.cycle import deadlines

#: field → (the header msoko writes, the headers it recognises, normalised).
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "number": ("№ п/п", ("№ п/п", "№", "№ пп", "n п/п", "номер", "п/п")),
    "content": (
        "Мероприятие",
        (
            "мероприятие",
            "мероприятия",
            "мероприятие (содержание деятельности)",
            "содержание деятельности",
            "содержание мероприятия",
            "наименование мероприятия",
            "основные направления деятельности",
            "содержание",
            "пути решения проблемы (план по достижению)",
        ),
    ),
    "deadline": (
        "Сроки",
        ("сроки", "срок", "сроки реализации", "сроки исполнения", "срок исполнения",
         "сроки проведения", "срок реализации", "дата проведения"),
    ),
    "responsible": (
        "Ответственные",
        ("ответственные", "ответственный", "ответственные исполнители", "ответственный исполнитель",
         "исполнитель", "исполнители", "ответственные лица"),
    ),
    "participants": ("Участники", ("участники", "участник", "соисполнители")),
    "report_document": (
        "Отчётный документ",
        ("отчетный документ", "отчетная документация", "отчетные документы", "форма отчетности",
         "форма отчета", "отчетность", "форма завершения", "итоговый документ"),
    ),
    "expected_result": (
        "Ожидаемый результат",
        ("ожидаемый результат", "ожидаемые результаты", "результаты исполнения",
         "планируемый результат", "планируемые результаты", "результат", "результаты"),
    ),
    "execution_mark": (
        "Отметка об исполнении",
        ("отметка об исполнении", "отметка о выполнении", "отметка об исполнении (выполнено / не выполнено)",
         "информация об исполнении"),
    ),
    "implementation": (
        "Процент реализации",
        ("процент реализации", "процент исполнения", "% реализации", "% исполнения",
         "процент выполнения"),
    ),
}
DEFAULT_COLUMNS = ["number", "content", "deadline", "responsible", "participants",
                   "report_document", "expected_result", "execution_mark"]
MAX_LENGTHS = {"number": 20, "deadline": 500, "responsible": 1000, "participants": 1000,
               "report_document": 500}

BUCKET_WORDS: list[tuple[str, str]] = [
    (r"^(не реализ|0\s*%?$|нет$)", Bucket.NOT_IMPLEMENTED),
    (r"(менее|меньше|до|<)\s*25", Bucket.LT25),
    (r"25\s*-\s*50", Bucket.P25_50),
    (r"51\s*-\s*75", Bucket.P51_75),
    (r"(более|больше|свыше|>)\s*75", Bucket.GT75),
    (r"(полн|100\s*%?$)", Bucket.FULL),
]


def norm_header(text: str) -> str:
    t = str(text or "").lower().replace("ё", "е").replace("\u00a0", " ")
    t = re.sub(r"[«»\"'.:;]", "", t)
    t = re.sub(r"\s+", " ", t)
    return t.strip()


_ALIASES = sorted(
    ((norm_header(alias), code) for code, (_, aliases) in FIELDS.items() for alias in aliases),
    key=lambda a: -len(a[0]),
)


def header_field(text: str) -> str | None:
    """The field a header names: an exact alias, else the longest alias it starts with."""
    h = norm_header(text)
    if not h:
        return None
    for alias, code in _ALIASES:
        if h == alias:
            return code
    for alias, code in _ALIASES:
        if h.startswith(alias + " ") or h.startswith(alias + "("):
            return code
    return None


def parse_bucket(text: str) -> str | None:
    """A seed 003 bucket from «менее 25 %», «25–50 %», «в полном объёме»...; None if unknown."""
    t = norm_header(text).replace("–", "-").replace("—", "-").replace("ё", "е")
    for value, _label in Bucket.choices:
        if t == norm_header(value) or t == norm_header(_label):
            return str(value)
    for pattern, value in BUCKET_WORDS:
        if re.search(pattern, t):
            return str(value)
    return None


# --- the table, from any source ------------------------------------------------------


@dataclass
class Problem:
    where: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class ParsedMeasure:
    row: int
    section: str
    values: dict[str, str]


@dataclass
class ParsedRoadmap:
    """What a file holds, before anything is written."""

    source: str
    title: str = ""
    years: tuple[int, int] | None = None
    academic: bool = False
    columns: list[dict[str, str]] = field(default_factory=list)
    measures: list[ParsedMeasure] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.error]


@dataclass
class RawTable:
    label: str  # «лист «Лист1»», «таблица 1»
    rows: list[list[str]]
    preamble: list[str] = field(default_factory=list)  # paragraphs before a DOCX table


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    if isinstance(value, datetime.datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    text = str(value).replace("\r\n", "\n").replace("\u00a0", " ")
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def read_xlsx(path: Path) -> list[RawTable]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    tables = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        rows = [[cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
        tables.append(RawTable(f"лист «{name}»", rows))
    return tables


def read_docx(path: Path) -> list[RawTable]:
    import docx

    document = docx.Document(str(path))
    tables = []
    body = document.element.body
    preamble: list[str] = []
    index = 0
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")).strip()
            if text:
                preamble.append(text)
        elif tag == "tbl":
            table = document.tables[index]
            index += 1
            rows = []
            for row in table.rows:
                texts: list[str] = []
                previous = None
                for cell in row.cells:
                    # A merged cell is returned once per grid column it spans: keep the first.
                    texts.append("" if cell._tc is previous else cell_text(cell.text))
                    previous = cell._tc
                rows.append(texts)
            tables.append(RawTable(f"таблица {index}", rows, preamble=list(preamble)))
            preamble = []
    return tables


def read_tables(path: Path) -> list[RawTable]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return read_xlsx(path)
    if suffix == ".docx":
        return read_docx(path)
    raise ValueError(
        f"Формат файла «{path.suffix or path.name}» не поддерживается: нужен XLSX или DOCX."
    )


# --- interpreting the table ---------------------------------------------------------------

_PERIOD_RE = re.compile(
    r"на\s+(20\d\d)\s*(?:г\.?\s*)?(?:[-–—]\s*(20\d\d))?\s*(?:г\.?\s*г\.?|годы|года|год|гг\.?)?\s*(учебн\w*\s+год\w*)?",
    re.IGNORECASE,
)


def period_from_title(texts: Iterable[str]) -> tuple[tuple[int, int] | None, bool]:
    for text in texts:
        m = _PERIOD_RE.search(text)
        if m:
            first = int(m.group(1))
            last = int(m.group(2)) if m.group(2) else first
            academic = bool(m.group(3))
            if academic and last == first:
                last = first + 1
            return (first, last), academic
    return None, False


def _is_column_numbers(cells: Sequence[str]) -> bool:
    values = [c for c in cells if c]
    return len(values) >= 2 and all(v.rstrip(".").isdigit() for v in values) and [
        int(v.rstrip(".")) for v in values
    ] == list(range(1, len(values) + 1))


def find_header(rows: Sequence[Sequence[str]]) -> tuple[int, dict[int, str]] | None:
    for i, row in enumerate(rows[:30]):
        found: dict[int, str] = {}
        for j, cell in enumerate(row):
            code = header_field(cell)
            if code and code not in found.values():
                found[j] = code
        if len(found) >= 2 and "content" in found.values():
            return i, found
    return None


def _column_name(header: Sequence[str], j: int) -> str:
    return header[j] if j < len(header) and header[j] else f"столбец {j + 1}"


def interpret(table: RawTable, source: str) -> ParsedRoadmap | None:
    """The roadmap in ``table``, or None when the table has no header row."""
    found = find_header(table.rows)
    if found is None:
        return None
    header_index, columns = found
    header = table.rows[header_index]
    result = ParsedRoadmap(source=source)
    result.columns = [
        {"field": code, "header": header[j].replace("\n", " ").strip()}
        for j, code in sorted(columns.items())
    ]
    titles = [
        " ".join(c for c in row if c).strip() for row in table.rows[:header_index]
    ] + table.preamble
    titles = [t for t in titles if t]
    result.years, result.academic = period_from_title(titles)
    named = [t for t in titles if re.search(r"план|дорожн|программ", t, re.IGNORECASE)]
    result.title = (named or titles or [""])[-1][:1000]
    section = ""
    for i in range(header_index + 1, len(table.rows)):
        row = table.rows[i]
        where = f"{source}, {table.label}, строка {i + 1}"
        texts = [c for c in row if c]
        if not texts or _is_column_numbers(row):
            continue
        if [header_field(c) for c in row if c] == [header_field(c) for c in header if c]:
            continue  # the header repeated on the next page
        if len(set(texts)) == 1 and (len(texts) > 1 or len(row) > 1):
            section = texts[0]
            result.sections.append(section)
            continue
        values = {code: (row[j] if j < len(row) else "") for j, code in columns.items()}
        stray = [j for j, c in enumerate(row) if c and j not in columns]
        for j in stray:
            result.problems.append(
                Problem(f"{where}, {_column_name(header, j)}",
                        f"значение «{row[j][:60]}» в столбце без заголовка не загружается",
                        error=False)
            )
        if not values.get("content"):
            result.problems.append(
                Problem(where, f"нет текста мероприятия (столбец «{_header_of(result, 'content')}»)")
            )
            continue
        for code, limit in MAX_LENGTHS.items():
            if len(values.get(code, "")) > limit:
                result.problems.append(
                    Problem(f"{where}, столбец «{_header_of(result, code)}»",
                            f"слишком длинное значение: {len(values[code])} символов, допустимо {limit}")
                )
        if values.get("implementation"):
            bucket = parse_bucket(values["implementation"])
            if bucket is None:
                labels = ", ".join(f"«{label}»" for _, label in Bucket.choices)
                result.problems.append(
                    Problem(f"{where}, столбец «{_header_of(result, 'implementation')}»",
                            f"процент реализации «{values['implementation']}» не распознан; допустимо: {labels}")
                )
            else:
                values["implementation"] = bucket
        result.measures.append(ParsedMeasure(i + 1, section, values))
    return result


def _header_of(parsed: ParsedRoadmap, code: str) -> str:
    for column in parsed.columns:
        if column["field"] == code:
            return column["header"]
    return FIELDS[code][0]


def parse_file(path: str | Path) -> ParsedRoadmap:
    """Read and check a roadmap file; nothing is written."""
    p = Path(path)
    source = f"файл «{p.name}»"
    if not p.exists():
        return ParsedRoadmap(source, problems=[Problem(source, "файл не найден")])
    try:
        tables = read_tables(p)
    except ValueError as exc:
        return ParsedRoadmap(source, problems=[Problem(source, str(exc))])
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's problem to fix
        return ParsedRoadmap(
            source,
            problems=[Problem(source, f"файл не читается как {p.suffix.upper().lstrip('.')}: {exc.__class__.__name__}")],
        )
    for table in tables:
        parsed = interpret(table, source)
        if parsed is not None:
            if not parsed.measures and not parsed.errors:
                parsed.problems.append(Problem(f"{source}, {table.label}", "в таблице нет ни одного мероприятия"))
            return parsed
    expected = "«Мероприятие» (или «Основные направления деятельности») и «Сроки»"
    where = source if tables else source
    return ParsedRoadmap(
        source,
        problems=[Problem(where, f"не найдена таблица со строкой заголовков: нужны столбцы {expected} в первых 30 строках"
                          + ("" if tables else "; в файле нет ни одной таблицы"))],
    )


def parse_seed(data: dict[str, Any]) -> ParsedRoadmap:
    """A roadmap from a seed data file (``seed_data/roadmap_*.yaml``): the same table."""
    rows: list[list[str]] = [list(data["columns"])]
    for row in data["rows"]:
        if isinstance(row, dict):
            rows.append([row["section"]] + [""] * (len(data["columns"]) - 1))
        else:
            rows.append([str(c) for c in row])
    parsed = interpret(RawTable("таблица", rows), f"«{data['key']}»")
    assert parsed is not None, data["key"]  # noqa: S101 - shipped data
    parsed.title = data["title"]
    parsed.years = (int(data["years"][0]), int(data["years"][1]))
    parsed.academic = bool(data.get("academic"))
    return parsed


# --- writing to the database ---------------------------------------------------------------


@dataclass
class ImportOutcome:
    parsed: ParsedRoadmap
    roadmap: Any = None
    measures: int = 0
    unrecognised_deadlines: int = 0
    #: the file (or the same table) was loaded before: ``roadmap`` is that roadmap, unchanged
    already: bool = False

    @property
    def ok(self) -> bool:
        return self.roadmap is not None

    def messages(self) -> list[str]:
        return [str(p) for p in self.parsed.problems]


def match_direction(text: str, directions: Sequence[Any]) -> Any:
    t = norm_header(text)
    for direction in directions:
        if norm_header(direction.name) in t:
            return direction
    for direction in directions:
        if any(norm_header(k) in t for k in direction.keywords or []):
            return direction
    return None


MEASURE_FIELDS = ("number", "section", "content", "deadline_text", "responsible", "participants",
                  "report_document", "expected_result", "execution_mark", "implementation")


def _parsed_rows(parsed: ParsedRoadmap) -> list[tuple[str, ...]]:
    """The measures of a file as they would be stored (``MEASURE_FIELDS``), in order."""
    rows: list[tuple[str, ...]] = []
    for m in parsed.measures:
        v = m.values
        rows.append((v.get("number", ""), m.section[:1000], v["content"], v.get("deadline", ""),
                     v.get("responsible", ""), v.get("participants", ""), v.get("report_document", ""),
                     v.get("expected_result", ""), v.get("execution_mark", ""), v.get("implementation", "")))
    return rows


def file_sha256(path: str | Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _loaded_before(
    *, territory: Any, organisation: Any, digest: str, title: str, span: tuple[int, int],
    parsed: ParsedRoadmap,
) -> tuple[Any, bool]:
    """The roadmap this import would duplicate, and whether it holds the same table.

    Identity (docs/adr/0032-roadmap-identity.md): the same file (its SHA-256) for the same
    territory and organisation; or the same title and period there. A roadmap found by
    title whose measures differ from the file's is a conflict (``False``)."""
    from msoko.cycle.models import Roadmap

    mine = Roadmap.objects.filter(territory=territory, organisation=organisation, kind=Roadmap.Kind.ROADMAP)
    if digest:
        same_file = mine.filter(source_sha256=digest).order_by("pk").first()
        if same_file is not None:
            return same_file, True
    same_name = mine.filter(title=title, year_from=span[0], year_to=span[1]).order_by("pk").first()
    if same_name is None:
        return None, False
    stored = [tuple(str(x) for x in row)
              for row in same_name.measures.order_by("order", "pk").values_list(*MEASURE_FIELDS)]
    return same_name, stored == _parsed_rows(parsed)


def already_loaded_message(roadmap: Any) -> str:
    return (f"Эта дорожная карта уже загружена: № {roadmap.pk} «{roadmap.title}» "
            f"({roadmap.period_label}, {roadmap.territory.name}), {roadmap.created_at:%d.%m.%Y}. "
            "Повторная загрузка ничего не изменила.")


def _conflict_message(roadmap: Any) -> str:
    source = f" из файла «{roadmap.source_file}»" if roadmap.source_file else ""
    return (f"в msoko уже есть дорожная карта № {roadmap.pk} «{roadmap.title}» ({roadmap.period_label}, "
            f"{roadmap.territory.name}), загруженная {roadmap.created_at:%d.%m.%Y}{source}, и этот файл "
            "от неё отличается. Файл не загружен: правьте мероприятия на странице дорожной карты или, "
            "если это новая редакция, загрузите её под другим названием (поле «Название», "
            "в командной строке --title).")


def import_roadmap(
    path: str | Path | None = None,
    *,
    territory: Any,
    user: Any = None,
    parsed: ParsedRoadmap | None = None,
    title: str | None = None,
    years: tuple[int, int] | None = None,
    academic: bool | None = None,
    organisation: Any = None,
    approved_by: str = "",
    today: datetime.date | None = None,
    audit: bool = True,
    source_name: str = "",
) -> ImportOutcome:
    """Check a roadmap file and, when it has no errors, create the roadmap and its measures
    in one transaction. Returns the outcome with every problem found.

    A file loaded before (same SHA-256, or the same title and period with the same
    measures) creates nothing: the outcome is ``already`` with that roadmap. A different
    table under the title and period of an existing roadmap is refused with a problem."""
    from msoko.access.audit import record
    from msoko.cycle.directions import ensure_directions
    from msoko.cycle.models import Measure, Roadmap
    from msoko.registry.models import Territory

    if parsed is None:
        if path is None:
            raise TypeError("import_roadmap() needs a path or a parsed roadmap")
        parsed = parse_file(path)
    outcome = ImportOutcome(parsed)
    if parsed.errors:
        return outcome
    span = years or parsed.years
    if span is None:
        year = (today or datetime.date.today()).year  # noqa: DTZ011 - a calendar year only
        span = (year, year)
        parsed.problems.append(
            Problem(parsed.source, f"период дорожной карты не указан в заголовке: принят {year} год", error=False)
        )
    is_academic = parsed.academic if academic is None else academic
    for m in parsed.measures:
        text = m.values.get("deadline", "")
        if text and deadlines.parse(text, years=span, academic=is_academic).kind == deadlines.Kind.UNKNOWN:
            outcome.unrecognised_deadlines += 1
            parsed.problems.append(
                Problem(f"{parsed.source}, строка {m.row}",
                        f"срок «{text}» не распознан: мероприятие не попадёт в напоминания", error=False)
            )
    directions = ensure_directions()
    by_section = {s: match_direction(s, directions) for s in {m.section for m in parsed.measures}}
    name = (title or parsed.title or Path(str(path or "")).stem or "Дорожная карта")[:1000]
    digest = file_sha256(path) if path is not None and Path(str(path)).is_file() else ""
    with transaction.atomic():
        # one import per territory at a time (PostgreSQL), so two uploads of one file cannot
        # both find nothing and both create a roadmap; SQLite serialises writers anyway
        Territory.objects.select_for_update().filter(pk=territory.pk).first()
        existing, same = _loaded_before(territory=territory, organisation=organisation, digest=digest,
                                        title=name, span=span, parsed=parsed)
        if existing is not None:
            if same:
                outcome.roadmap, outcome.already = existing, True
            else:
                parsed.problems.append(Problem(parsed.source, _conflict_message(existing)))
            return outcome
        roadmap = Roadmap.objects.create(
            territory=territory,
            organisation=organisation,
            title=name,
            approved_by=approved_by,
            year_from=span[0],
            year_to=span[1],
            academic=is_academic,
            columns=parsed.columns,
            source_file=(source_name or (Path(str(path)).name if path else parsed.source))[:500],
            source_sha256=digest,
            created_by=user if getattr(user, "pk", None) else None,
        )
        Measure.objects.bulk_create(
            [
                Measure(
                    roadmap=roadmap,
                    order=k,
                    number=m.values.get("number", ""),
                    section=m.section[:1000],
                    direction=by_section.get(m.section),
                    content=m.values["content"],
                    deadline_text=m.values.get("deadline", ""),
                    responsible=m.values.get("responsible", ""),
                    participants=m.values.get("participants", ""),
                    report_document=m.values.get("report_document", ""),
                    expected_result=m.values.get("expected_result", ""),
                    execution_mark=m.values.get("execution_mark", ""),
                    implementation=m.values.get("implementation", ""),
                    organisation=organisation,
                )
                for k, m in enumerate(parsed.measures, start=1)
            ]
        )
        if audit:
            record(
                "import",
                model="cycle.Roadmap",
                object_id=roadmap.pk,
                object_repr=str(roadmap)[:500],
                changes={"measures": len(parsed.measures), "source": parsed.source},
                actor=user if getattr(user, "pk", None) else None,
            )
    outcome.roadmap = roadmap
    outcome.measures = len(parsed.measures)
    return outcome


# --- export ----------------------------------------------------------------------------------


def export_columns(roadmap: Any) -> list[dict[str, str]]:
    columns = [c for c in (roadmap.columns or []) if c.get("field") in FIELDS]
    if not any(c["field"] == "content" for c in columns):
        columns = [{"field": code, "header": FIELDS[code][0]} for code in DEFAULT_COLUMNS]
    return columns


def measure_cells(measure: Any, columns: Sequence[dict[str, str]]) -> list[str]:
    values = {
        "number": measure.number,
        "content": measure.content,
        "deadline": measure.deadline_text,
        "responsible": measure.responsible,
        "participants": measure.participants,
        "report_document": measure.report_document,
        "expected_result": measure.expected_result,
        "execution_mark": execution_mark(measure),
        "implementation": measure.get_implementation_display() if measure.implementation else "",
    }
    return [values[c["field"]] for c in columns]


def execution_mark(measure: Any) -> str:
    """The mark as imported, followed by the reports entered in msoko."""
    parts = [measure.execution_mark] if measure.execution_mark else []
    for report in measure.reports.all():
        parts.append(f"Исполнено {report.done_on:%d.%m.%Y}: {report.document}")
    return "\n".join(parts)


def export_rows(roadmap: Any) -> list[tuple[str, list[str]]]:
    """(«section», [text]) and («measure», cells) in order."""
    columns = export_columns(roadmap)
    out: list[tuple[str, list[str]]] = []
    section = None
    for measure in roadmap.measures.prefetch_related("reports").order_by("order", "pk"):
        if measure.section != section:
            section = measure.section
            if section:
                out.append(("section", [section]))
        out.append(("measure", measure_cells(measure, columns)))
    return out


def export_title(roadmap: Any) -> str:
    title = roadmap.title
    if not _PERIOD_RE.search(title):
        period = (
            f"{roadmap.year_from}-{roadmap.year_to} учебный год" if roadmap.academic
            else f"{roadmap.year_from} год" if roadmap.year_from == roadmap.year_to
            else f"{roadmap.year_from}-{roadmap.year_to} годы"
        )
        title = f"{title} на {period}"
    return title


def export_xlsx(roadmap: Any) -> bytes:
    from openpyxl.styles import Alignment, Font

    from msoko.exports_safe import SafeWorkbook

    columns = export_columns(roadmap)
    book = SafeWorkbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has a sheet
    sheet.title = "Дорожная карта"
    n = len(columns)
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([export_title(roadmap)] + [None] * (n - 1))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    sheet.cell(1, 1).font = Font(bold=True)
    if roadmap.approved_by:
        sheet.append([f"Утверждена: {roadmap.approved_by}"] + [None] * (n - 1))
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    sheet.append([c["header"] for c in columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = wrap
    for kind, cells in export_rows(roadmap):
        if kind == "section":
            sheet.append([cells[0]] + [None] * (n - 1))
            r = sheet.max_row
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n)
            sheet.cell(r, 1).font = Font(bold=True)
        else:
            sheet.append(cells)
            for cell in sheet[sheet.max_row]:
                cell.alignment = wrap
    widths = {"number": 8, "content": 60, "deadline": 20, "expected_result": 30}
    for j, column in enumerate(columns, start=1):
        from openpyxl.utils import get_column_letter

        letter = get_column_letter(j)
        sheet.column_dimensions[letter].width = widths.get(column["field"], 24)
    return book.to_bytes()


def export_docx(roadmap: Any) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    columns = export_columns(roadmap)
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    heading = document.add_paragraph()
    run = heading.add_run(export_title(roadmap))
    run.bold = True
    run.font.size = Pt(12)
    if roadmap.approved_by:
        document.add_paragraph(f"Утверждена: {roadmap.approved_by}")
    rows = export_rows(roadmap)
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for j, column in enumerate(columns):
        cell = table.rows[0].cells[j]
        cell.text = column["header"]
        for paragraph in cell.paragraphs:
            for r in paragraph.runs:
                r.bold = True
    for kind, cells in rows:
        row = table.add_row()
        if kind == "section":
            merged = row.cells[0].merge(row.cells[-1]) if len(columns) > 1 else row.cells[0]
            merged.text = cells[0]
            for paragraph in merged.paragraphs:
                for r in paragraph.runs:
                    r.bold = True
        else:
            for j, text in enumerate(cells):
                row.cells[j].text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
