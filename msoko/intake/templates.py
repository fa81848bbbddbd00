"""Downloadable XLSX templates: a data sheet with Russian headers and an example row, and a
sheet «Пояснения» that explains every column."""

from __future__ import annotations

from pathlib import Path

from openpyxl.styles import Alignment, Font

from msoko.exports_safe import SafeWorkbook
from msoko.intake.kinds import KINDS, Field, Kind

TYPE_NAMES = {
    "text": "текст", "number": "число (можно с запятой)", "int": "целое число",
    "choice": "значение из списка", "bool": "да / нет, зачёт / незачёт", "date": "дата ДД.ММ.ГГГГ",
    "org": "организация", "student": "обучающийся", "subject": "предмет",
    "year": "учебный год: 2024/2025", "procedure": "процедура: ОГЭ, ЕГЭ...",
}
WIDE_TASKS = ("1", "2", "3")


def template_fields(kind: Kind) -> list[Field]:
    """The columns of the template (ВПР and ГИА use one column per task, not the long form)."""
    skip = {"ogrn", "inn", "patronymic", "task", "score"} if kind.wide_tasks else {"ogrn", "inn", "patronymic"}
    # ОГРН and ИНН as a way to name a school are left out; as the registry's own columns they stay
    return [f for f in kind.fields if f.name not in skip or f.type == "text"]


def write_template(kind_code: str, out: str | Path) -> Path:
    kind = KINDS[kind_code]
    wb = SafeWorkbook()
    ws = wb.active
    if ws is None:  # pragma: no cover - a new workbook always has a sheet
        ws = wb.create_sheet()
    ws.title = "Данные"
    fields = template_fields(kind)
    headers = [f.title for f in fields] + (list(WIDE_TASKS) if kind.wide_tasks else [])
    ws.append(headers)
    ws.append([f.example for f in fields] + (["1", "0", "2"] if kind.wide_tasks else []))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    notes = wb.create_sheet("Пояснения")
    notes.append([kind.title])
    notes["A1"].font = Font(bold=True, size=12)
    notes.append(["Заполните лист «Данные»: одна строка — одна запись. Строки «Итого»/«Всего» и "
                  "пустые строки пропускаются. Фамилии и имена обучающихся не сохраняются."])
    notes.append([])
    notes.append(["Столбец", "Обязательный", "Тип", "Что писать", "Пример", "Другие заголовки, которые тоже узнаются"])
    for cell in notes[4]:
        cell.font = Font(bold=True)
    for f in kind.fields:
        notes.append([f.title, "да" if f.required else "", TYPE_NAMES.get(f.type, f.type), f.help, f.example, ", ".join(f.aliases)])
    if kind.wide_tasks:
        notes.append(["1, 2, 3.1 ...", "", "число", "По столбцу на задание: балл за задание (не больше максимального по спецификации). "
                      "«X» или «Н» — не выполнял.", "1", "Задание 1, № 1"])
    for col, width in zip("ABCDEF", (34, 14, 22, 70, 18, 50), strict=True):
        notes.column_dimensions[col].width = width
    for row in notes.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = Path(out)
    wb.save(out)
    return out
