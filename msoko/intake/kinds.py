"""The data kinds msoko takes in: their columns (Russian headers, aliases, types, help text)
and the fact tables or registry models they fill.

A kind is data, not code: the pipeline (``msoko.intake.pipeline``) parses any kind's columns
the same vectorised way; a kind adds only its own checks and the shape of its facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from msoko.intake.headers import norm

PASS = {
    "зачет": True, "зачтено": True, "да": True, "1": True, "+": True, "true": True,
    "участвовал": True, "прошел": True, "прошла": True,
    "незачет": False, "не зачтено": False, "нет": False, "0": False, "-": False,
    "false": False, "не участвовал": False, "не прошел": False, "отказ": False,
}
LEVELS = {
    "низкий": "low", "ниже базового": "low", "пониженный": "low", "недостаточный": "low",
    "базовый": "basic", "повышенный": "advanced", "высокий": "high",
    "low": "low", "basic": "basic", "advanced": "advanced", "high": "high",
}
STAGES = {
    "школьный": "school", "муниципальный": "municipal", "региональный": "regional",
    "заключительный": "final", "school": "school", "municipal": "municipal",
    "regional": "regional", "final": "final",
}
STATUSES = {
    "участник": "participant", "призер": "prize", "победитель": "winner",
    "participant": "participant", "prize": "prize", "winner": "winner",
}
DESTINATIONS = {
    "спо": "college", "колледж": "college", "техникум": "college", "училище": "college",
    "вуз": "university", "университет": "university", "институт": "university",
    "академия": "university", "10 класс": "school", "продолжает обучение в школе": "school",
    "работа": "work", "трудоустроен": "work", "армия": "army", "служба в армии": "army",
    "не работает и не учится": "none", "другое": "other",
    "college": "college", "university": "university", "school": "school", "work": "work",
    "army": "army", "none": "none", "other": "other",
}
MEDALS = {
    "i степени": "first", "1 степени": "first", "золотая": "first", "золото": "first",
    "за особые успехи в учении i степени": "first", "first": "first",
    "ii степени": "second", "2 степени": "second", "серебряная": "second",
    "серебро": "second", "за особые успехи в учении ii степени": "second", "second": "second",
}
POSITIONS = {
    "учитель": "teacher", "педагог": "teacher", "руководитель": "director", "директор": "director",
    "заместитель руководителя": "deputy", "заместитель директора": "deputy", "завуч": "deputy",
    "другое": "other", "teacher": "teacher", "director": "director", "deputy": "deputy",
    "other": "other",
}
CATEGORIES = {
    "без категории": "none", "нет": "none", "соответствие занимаемой должности": "conformity",
    "сзд": "conformity", "первая": "first", "высшая": "highest", "none": "none",
    "conformity": "conformity", "first": "first", "highest": "highest",
}
AREAS = {
    "предметные": "subject", "методические": "methodological",
    "психолого-педагогические": "psycho_pedagogical", "психолого педагогические": "psycho_pedagogical",
    "subject": "subject", "methodological": "methodological",
    "psycho_pedagogical": "psycho_pedagogical",
}
TASK_LEVELS = {
    "базовый": "basic", "б": "basic", "повышенный": "advanced", "п": "advanced",
    "высокий": "high", "в": "high", "basic": "basic", "advanced": "advanced", "high": "high",
}

ORG_KINDS = {
    "общеобразовательная организация": "school", "общеобразовательное учреждение": "school",
    "школа": "school", "оо": "school", "оу": "school", "сош": "school", "оош": "school",
    "нош": "school", "гимназия": "school", "лицей": "school", "общеобразовательная": "school",
    "school": "school",
    "доу": "preschool", "детский сад": "preschool", "дс": "preschool",
    "дошкольная образовательная организация": "preschool", "дошкольное": "preschool",
    "дошкольное образовательное учреждение": "preschool", "дошкольная": "preschool",
    "preschool": "preschool",
    "удо": "additional", "уддо": "additional", "дод": "additional",
    "организация дополнительного образования": "additional",
    "учреждение дополнительного образования": "additional",
    "дополнительное образование": "additional", "дополнительного образования": "additional",
    "additional": "additional",
}
TERRITORY_LEVELS = {
    "регион": "region", "субъект": "region", "субъект рф": "region", "region": "region",
    "муниципалитет": "municipality", "муниципальное образование": "municipality",
    "мо": "municipality", "муниципальный район": "municipality", "городской округ": "municipality",
    "муниципальный округ": "municipality", "административный округ": "municipality",
    "район": "municipality", "municipality": "municipality",
}
SCHOOL_LEVELS = {
    "нош": "primary", "начальная": "primary", "начальная общеобразовательная школа": "primary",
    "оош": "basic", "основная": "basic", "основная общеобразовательная школа": "basic",
    "сош": "secondary", "средняя": "secondary", "средняя общеобразовательная школа": "secondary",
    "primary": "primary", "basic": "basic", "secondary": "secondary",
}
LOCALITIES = {
    "городская": "urban", "город": "urban", "городской": "urban", "городская местность": "urban",
    "г": "urban", "urban": "urban",
    "сельская": "rural", "село": "rural", "сельский": "rural", "сельская местность": "rural",
    "с": "rural", "rural": "rural",
}
YES_NO = {
    "да": True, "1": True, "+": True, "true": True, "малокомплектная": True, "есть": True,
    "нет": False, "0": False, "-": False, "false": False, "не малокомплектная": False,
}

TASK_HEADER = re.compile(r"^(?:задание|зад|№|n)?\s*№?\s*(\d{1,2}(?:\.\d{1,2})?[а-яa-z]?)$", re.I)


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    type: str  # text number int choice bool date org student subject
    help: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: dict[str, Any] | None = None
    lo: float | None = None
    hi: float | None = None
    example: str = ""

    def keys(self) -> set[str]:
        return {norm(self.title), norm(self.name), *(norm(a) for a in self.aliases)}


ORG = (
    Field("org_code", "Код ОО", "org", "Внутренний код организации в муниципальной системе "
          "(или ОГРН, или ИНН, или наименование — хотя бы одно из четырёх).",
          ("код оо", "код школы", "код организации", "код образовательной организации", "код оу"),
          example="A1"),
    Field("ogrn", "ОГРН", "org", "ОГРН организации, 13 цифр.", ("огрн оо",), example=""),
    Field("inn", "ИНН", "org", "ИНН организации, 10 цифр.", ("инн оо",), example=""),
    Field("org_name", "Наименование ОО", "org",
          "Наименование организации, как в реестре или в одном из его вариантов. "
          "Если подходит несколько организаций, загрузка остановится и попросит уточнить.",
          ("оо", "оу", "школа", "образовательная организация", "наименование организации",
           "наименование оо", "организация", "наименование"), example="МБОУ СОШ № 1"),
)
STUDENT = (
    Field("student_id", "Код обучающегося", "student",
          "Код участника из файла (или СНИЛС). Хранится только ключевой псевдоним.",
          ("код участника", "идентификатор", "снилс", "id", "код ученика", "id участника",
           "уин", "код обучающегося"), example="0001"),
    Field("surname", "Фамилия", "student", "Фамилия (не сохраняется: из ФИО и даты рождения "
          "вычисляется псевдоним).", ("фамилия участника",), example="Иванов"),
    Field("first_name", "Имя", "student", "Имя (не сохраняется).", (), example="Иван"),
    Field("patronymic", "Отчество", "student", "Отчество (не сохраняется).", (), example="Иванович"),
    Field("birth_date", "Дата рождения", "date", "Дата рождения ДД.ММ.ГГГГ (не сохраняется).",
          ("др", "д р"), example="05.03.2014"),
)
CLASS = (
    Field("class_label", "Класс", "text", "Класс с литерой: 5А. Параллель берётся из него, "
          "если нет столбца «Параллель».", ("класс литера", "класс буква"), example="5А"),
    Field("grade", "Параллель", "int", "Параллель (номер класса) 1–11.",
          ("параллель класс", "номер класса"), lo=1, hi=11, example="5"),
)
# School aggregates have no class letters: a «Класс» column there is the grade (5, not 5А).
AGG_GRADE = Field("grade", "Параллель", "int", "Параллель (номер класса) 1–11; в сводных данных "
                  "так читается и столбец «Класс».", ("параллель класс", "номер класса", "класс"),
                  lo=1, hi=11, example="5")
YEAR = Field("year", "Учебный год", "year",
             "Учебный год строки: 2024/2025, 2024-2025 или одно число — год начала (2024 = "
             "2024/2025). Если столбца нет или ячейка пуста — год, выбранный при загрузке. "
             "Так один файл может содержать несколько лет.",
             ("год", "учебный год", "год проведения", "уч год", "academic year"), example="2024/2025")
PROCEDURE = Field("procedure", "Процедура", "procedure",
                  "Процедура строки: ОГЭ, ГВЭ-9, ЕГЭ, ГВЭ-11 (для сводных данных также ВПР, КДР, "
                  "НИКО). Если столбца нет или ячейка пуста — процедура, выбранная при загрузке.",
                  ("форма гиа", "форма аттестации", "форма проведения", "вид экзамена",
                   "оценочная процедура"), example="ОГЭ")
SUBJECT = Field("subject", "Предмет", "subject", "Предмет: название или код справочника.",
                ("учебный предмет", "дисциплина"), example="Математика")


def _f(name: str, title: str, type_: str, help_: str, *aliases: str, **kw: Any) -> Field:
    return Field(name, title, type_, help_, tuple(aliases), **kw)


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    fields: tuple[Field, ...]
    table: str  # fact table, or "registry"
    procedure: str | None = None  # fixed procedure code
    procedures: tuple[str, ...] = ()  # allowed from --procedure
    students: str = "required"  # required / optional / none
    wide_tasks: bool = False
    fixed_subject: str | None = None
    needs_org: bool = True
    year: str = "required"  # required / optional / none (the registry itself has no year)
    upsert: bool = False  # rows are keyed: a file loaded again is compared, not refused as «уже загружен»
    extra: dict[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)


MARK = _f("mark", "Отметка", "int", "Отметка 2–5 по шкале перевода этого года.",
          "оценка", "отметка за работу", "отметка по 5 балльной шкале", lo=2, hi=5, example="4")
PRIMARY = _f("primary_score", "Первичный балл", "number",
             "Сумма первичных баллов (сверяется с суммой баллов за задания).",
             "первичный балл", "сумма баллов", "сумма первичных баллов", "балл", "общий балл",
             "первичный", lo=0, hi=1000, example="12")
VARIANT = _f("variant", "Вариант", "int", "Номер варианта.", "номер варианта", lo=0, hi=32000, example="1")

STUDENT_KINDS = [
    Kind(
        "vpr", "ВПР: результаты по заданиям",
        (*ORG, YEAR, *STUDENT, *CLASS, SUBJECT, VARIANT,
         _f("task", "Номер задания", "text", "Для «длинной» таблицы: номер задания (1, 2, 3.1...). "
            "Можно вместо этого дать по столбцу на задание.", "задание", "№ задания", example="1"),
         _f("score", "Балл за задание", "number", "Для «длинной» таблицы: балл за задание.",
            "балл за задание", "баллы", lo=0, hi=100, example="1"),
         PRIMARY, MARK,
         _f("journal_mark", "Отметка по журналу", "int",
            "Отметка за предыдущий период по журналу (для сравнения с отметкой за ВПР).",
            "отметка в журнале", "отметка по журналу", "журнальная отметка",
            "отметка за предыдущий период", lo=1, hi=5, example="4")),
        "task_scores", procedure="VPR", wide_tasks=True,
    ),
    Kind(
        "gia", "ГИА (ОГЭ, ГВЭ, ЕГЭ): результаты участников",
        (*ORG, YEAR, PROCEDURE, *STUDENT, *CLASS, SUBJECT, VARIANT, PRIMARY,
         _f("test_score", "Тестовый балл", "number", "Тестовый балл 0–100 (ЕГЭ).",
            "тестовый", "балл 100", "стобалльный балл", lo=0, hi=100, example="72"),
         MARK),
        "student_results", procedures=("OGE", "GVE9", "EGE", "GVE11"), wide_tasks=True,
    ),
    Kind(
        "kdr", "КДР: уровни",
        (*ORG, YEAR, *STUDENT, *CLASS, SUBJECT, PRIMARY,
         _f("level", "Уровень", "choice", "Уровень: низкий, базовый, повышенный, высокий.",
            "уровень достижения", "уровень сформированности", choices=LEVELS, required=True,
            example="базовый")),
        "student_results", procedure="KDR",
    ),
    Kind(
        "essay", "Итоговое сочинение (изложение)",
        (*ORG, YEAR, *STUDENT, *CLASS,
         _f("passed", "Результат", "bool", "Зачёт или незачёт.", "зачет незачет", "итог",
            "результат зачет незачет", choices=PASS, required=True, example="зачёт")),
        "student_results", procedure="ESSAY", fixed_subject="essay",
    ),
    Kind(
        "interview", "Итоговое собеседование",
        (*ORG, YEAR, *STUDENT, *CLASS,
         _f("primary_score", "Балл", "number", "Балл за собеседование.", "первичный балл",
            lo=0, hi=100, example="14"),
         _f("passed", "Результат", "bool", "Зачёт или незачёт.", "зачет незачет", "итог",
            choices=PASS, required=True, example="зачёт")),
        "student_results", procedure="INTERVIEW", fixed_subject="interview",
    ),
    Kind(
        "olympiad", "ВсОШ: участники, призёры и победители",
        (*ORG, YEAR, *STUDENT, *CLASS, SUBJECT,
         _f("stage", "Этап", "choice", "Этап: школьный, муниципальный, региональный, "
            "заключительный.", "этап олимпиады", choices=STAGES, required=True, example="школьный"),
         _f("score", "Балл", "number", "Набранный балл.", "баллы", "набранный балл", lo=0,
            hi=10000, example="35"),
         _f("max_score", "Максимальный балл", "number", "Максимально возможный балл.",
            "максимум", "макс балл", lo=0, hi=10000, example="50"),
         _f("status", "Статус", "choice", "Участник, призёр или победитель.", "статус участника",
            "результат", choices=STATUSES, required=True, example="призёр")),
        "olympiad_results", procedure="VSOSH",
    ),
    Kind(
        "spt", "СПТ: участие в социально-психологическом тестировании",
        (*ORG, YEAR, *STUDENT, *CLASS,
         _f("passed", "Участие", "bool", "Прошёл тестирование: да или нет.", "участвовал",
            "прошел тестирование", "участие в спт", choices=PASS, required=True, example="да")),
        "student_results", procedure="SPT",
    ),
    Kind(
        "attendance", "Посещаемость: пропуски без уважительной причины",
        (*ORG, YEAR, *STUDENT, *CLASS,
         _f("period", "Период", "text", "Период: четверть, полугодие, год.", "учебный период",
            example="1 четверть"),
         _f("lessons_total", "Уроков всего", "int", "Уроков по расписанию за период.",
            "всего уроков", lo=0, hi=100000, example="180"),
         _f("lessons_missed", "Пропущено уроков", "int", "Пропущено уроков всего.",
            "пропущено всего", "пропуски", lo=0, hi=100000, example="12"),
         _f("lessons_missed_unexcused", "Пропущено без уважительной причины", "int",
            "Пропущено уроков без уважительной причины.", "без уважительной причины",
            "пропущено без уважительной", lo=0, hi=100000, required=True, example="2")),
        "attendance", procedure="ATTENDANCE", students="optional",
    ),
    Kind(
        "destinations", "Выпускники: продолжение обучения и трудоустройство",
        (*ORG, YEAR, *STUDENT, *CLASS,
         _f("destination", "Куда поступил", "choice", "СПО (колледж), вуз, 10 класс, работа, "
            "армия, не работает и не учится, другое.", "продолжение обучения", "поступил",
            "направление", choices=DESTINATIONS, required=True, example="вуз"),
         _f("profile", "Профиль", "text", "Профиль обучения: педагогический, инженерный, "
            "медицинский...", "профиль обучения", "специальность", example="педагогический"),
         _f("is_target", "Целевое обучение", "bool", "Целевое обучение: да или нет.",
            "целевое", choices=PASS, example="нет")),
        "destinations", procedure="DESTINATIONS", students="optional",
    ),
    Kind(
        "medals", "Медали «За особые успехи в учении»",
        (*ORG, YEAR, *STUDENT, *CLASS,
         _f("medal", "Медаль", "choice", "Степень медали: I степени или II степени.",
            "степень медали", "медаль за особые успехи в учении", choices=MEDALS, required=True,
            example="I степени")),
        "medals", procedure="MEDALS",
    ),
    Kind(
        "aggregates", "Результаты по школам (только сводные числа)",
        (*ORG, YEAR, PROCEDURE, SUBJECT, AGG_GRADE,
         _f("sat", "Участников", "int", "Сколько человек писали (сдавали).",
            "число участников", "сдавали", "писали", "количество участников", "кол-во участников",
            "кол-во уч", "всего участников", "приняли участие", "участвовали",
            "количество обучающихся", "кол-во обучающихся", "число сдававших", "кол-во сдававших",
            "количество сдававших", "выполняли работу", "кол-во выполнявших работу", lo=0, hi=1e6,
            example="25"),
         _f("mean_score", "Средний балл", "number", "Средний балл (первичный или тестовый).",
            "средний", "средний первичный балл", "средний тестовый балл", lo=0, hi=1000,
            example="61,5"),
         _f("mean_mark", "Средняя отметка", "number", "Средняя отметка по пятибалльной шкале.",
            "средняя оценка", "средний балл по 5 балльной шкале", lo=2, hi=5, example="3,9"),
         *(_f(f"count_mark_{m}", f"Отметка «{m}»", "int", f"Сколько получили «{m}».",
              f"отметка {m}", f"число {m}", f"на {m}", f"«{m}»", lo=0, hi=1e6, example="5")
           for m in (2, 3, 4, 5)),
         *(_f(f"share_mark_{m}", f"Доля «{m}», %", "number", f"Доля получивших «{m}», "
              "в процентах от участников (0–100).", f"доля {m}", f"доля отметок {m}",
              f"% {m}", f"процент {m}", f"доля {m} %", lo=0, hi=100, example="20")
           for m in (2, 3, 4, 5)),
         _f("share_quality", "Качество знаний, %", "number",
            "Доля получивших «4» и «5», % от участников.", "качество", "качество знаний",
            "качество обученности", "% качества", "качество %", lo=0, hi=100, example="60"),
         _f("share_success", "Успеваемость, %", "number",
            "Доля получивших «3», «4» и «5», % от участников.", "успеваемость",
            "% успеваемости", "успеваемость %", "обученность", lo=0, hi=100, example="95"),
         _f("count_below_threshold", "Не преодолели порог", "int",
            "Сколько не преодолели минимальный порог.", "ниже порога",
            "не преодолели минимальный порог", lo=0, hi=1e6, example="1"),
         _f("count_160_plus", "160 и более баллов", "int",
            "Сколько набрали 160 и более баллов по трём предметам.", "160 и более",
            "160 баллов и более", lo=0, hi=1e6, example="10"),
         _f("count_220_plus", "220 и более баллов", "int",
            "Сколько набрали 220 и более баллов по трём предметам.", "220 и более",
            "220 баллов и более", lo=0, hi=1e6, example="3")),
        "school_aggregates", procedures=("OGE", "GVE9", "EGE", "GVE11", "VPR", "KDR", "NIKO"),
        students="none",
    ),
]

REGISTRY_KINDS = [
    Kind(
        "staff", "Педагогические работники, курсы и диагностики",
        (*ORG,
         _f("full_name", "ФИО", "text", "ФИО работника (по нему работник находится при "
            "следующей загрузке).", "фио работника", "фио педагога", "работник", required=True,
            example="Петрова Анна Сергеевна"),
         _f("position", "Должность", "choice", "Учитель, руководитель, заместитель руководителя, "
            "другое.", choices=POSITIONS, example="учитель"),
         _f("subjects", "Предметы", "text", "Предметы через запятую.", "преподаваемые предметы",
            example="Математика, Физика"),
         _f("category", "Категория", "choice", "Без категории, соответствие занимаемой "
            "должности, первая, высшая.", "квалификационная категория", choices=CATEGORIES,
            example="первая"),
         _f("experience_years", "Стаж", "int", "Педагогический стаж, лет.", "педагогический стаж",
            "стаж лет", lo=0, hi=80, example="12"),
         _f("birth_year", "Год рождения", "int", "Год рождения.", lo=1930, hi=2015, example="1980"),
         _f("course_title", "Курсы: программа", "text", "Программа пройденных курсов (КПК).",
            "курсы", "программа кпк", "кпк", example="Функциональная грамотность"),
         _f("course_hours", "Курсы: часов", "int", "Объём курсов, часов.", "часов", lo=0,
            hi=5000, example="36"),
         _f("course_completed_on", "Курсы: дата окончания", "date", "Дата окончания курсов.",
            "дата окончания", example="15.03.2025"),
         _f("course_provider", "Курсы: организатор", "text", "Кто провёл курсы.", "организатор",
            example="ИРО"),
         _f("diagnostic_area", "Диагностика: вид дефицитов", "choice", "Предметные, методические, "
            "психолого-педагогические.", "вид дефицитов", choices=AREAS, example="предметные"),
         _f("diagnostic_percent", "Диагностика: результат, %", "number",
            "Результат диагностики, % от максимума.", "результат диагностики", lo=0, hi=100,
            example="64,5"),
         _f("deficits", "Диагностика: выявленные дефициты", "text", "Выявленные дефициты.",
            "дефициты", example="решение задач с параметром")),
        "registry", students="none", year="optional",
    ),
    Kind(
        "social_passport", "Социальный паспорт школы",
        (*ORG,
         _f("students_total", "Обучающихся всего", "int", "Число обучающихся.", "всего обучающихся",
            lo=0, hi=100000, example="540"),
         *(_f(n, t, "number", t + ", от 0 до 100.", *a, lo=0, hi=100, example="12,5")
           for n, t, a in (
               ("low_income_share", "Доля из малоимущих семей, %", ("малоимущие",)),
               ("single_parent_share", "Доля из неполных семей, %", ("неполные семьи",)),
               ("disability_share", "Доля обучающихся с ОВЗ, %", ("овз",)),
               ("non_native_share", "Доля для которых русский язык неродной, %",
                ("русский неродной", "неродной русский")),
               ("preventive_registration_share", "Доля состоящих на профилактическом учёте, %",
                ("профилактический учет",)),
               ("parents_higher_education_share", "Доля родителей с высшим образованием, %",
                ("родители с высшим",)),
           )),
         _f("distance_to_centre_km", "Удалённость от районного центра, км", "number",
            "Расстояние до районного центра, км.", "удаленность", lo=0, hi=10000, example="0")),
        "registry", students="none",
    ),
    Kind(
        "task_spec", "Спецификация работы: задания, максимальные баллы, элементы кодификатора",
        (SUBJECT, CLASS[1],
         _f("number", "Номер задания", "text", "Номер задания: 1, 2, 3.1...", "задание",
            "№ задания", required=True, example="1"),
         _f("max_score", "Максимальный балл", "int", "Максимальный балл за задание.",
            "макс балл", "максимум", lo=0, hi=100, required=True, example="2"),
         _f("level", "Уровень сложности", "choice", "Базовый (Б), повышенный (П), высокий (В).",
            "уровень", choices=TASK_LEVELS, example="Б"),
         _f("codifier_code", "Код КЭС", "text", "Код элемента кодификатора.", "кэс",
            "код элемента", "код кодификатора", example="1.2"),
         _f("codifier_name", "Проверяемый элемент", "text", "Проверяемые требования / элемент "
            "содержания.", "элемент содержания", "проверяемые требования", example="Дроби")),
        "registry", procedures=("VPR", "OGE", "GVE9", "EGE", "GVE11", "KDR", "NIKO"),
        students="none", needs_org=False,
    ),
]

REGISTRY_KINDS += [
    Kind(
        "territories", "Территории: регион и муниципалитеты с кодами",
        (_f("region", "Регион", "text", "Наименование региона. Можно не заполнять, если регион в "
            "msoko один (или это регион пользователя): тогда муниципалитеты относятся к нему.",
            "субъект", "субъект рф", "наименование региона", "регион наименование",
            example="Тестовая область"),
         _f("region_code", "Код региона", "text", "Код региона (по нему регион находится при "
            "следующей загрузке).", "код субъекта", "код субъекта рф", "входит в",
            "код вышестоящей территории", example="R1"),
         _f("name", "Муниципалитет", "text", "Наименование муниципалитета (муниципального района, "
            "городского округа, административного округа).", "муниципальное образование",
            "наименование муниципалитета", "наименование муниципального образования",
            "наименование", "наименование мо", "мо", "территория", "муниципальный район",
            "городской округ", "муниципальный район городской округ", example="Энский район"),
         _f("code", "Код", "text", "Код муниципалитета: по нему муниципалитет находится при "
            "следующей загрузке (без столбца — по наименованию внутри региона).",
            "код муниципалитета", "код мо", "код территории", "код муниципального образования",
            example="M1"),
         _f("level", "Уровень", "choice", "Для списка, где регион — тоже строка: «регион» или "
            "«муниципалитет»; муниципалитеты ниже строки региона относятся к нему. Пусто — "
            "муниципалитет.", "уровень территории", "тип территории", choices=TERRITORY_LEVELS,
            example="муниципалитет")),
        "registry", students="none", needs_org=False, year="none", upsert=True,
    ),
    Kind(
        "organisations", "Образовательные организации (реестр): школы, ДОУ, УДО",
        (_f("code", "Код", "text", "Внутренний код организации в муниципальной системе: по нему "
            "организация находится при следующей загрузке. Без этого столбца — по ОГРН, затем по ИНН.",
            "код оо", "внутренний код", "код организации", "код школы",
            "код образовательной организации", "код оу", example="A1"),
         _f("municipality", "Муниципалитет", "text", "Муниципалитет: наименование (как в msoko, "
            "можно без слов «район», «административный округ»…) или код.",
            "муниципальное образование", "муниципальный район", "городской округ", "территория",
            "район", "административный округ", "округ", "мо",
            "наименование муниципального образования", "наименование мо",
            "наименование муниципалитета", "наименование территории",
            "муниципальный район городской округ", "муниципальный район (городской округ)",
            example="Энский район"),
         _f("municipality_code", "Код муниципалитета", "text", "Код муниципалитета (вместо "
            "наименования).", "код мо", "код территории", example="M1"),
         _f("ogrn", "ОГРН", "text", "ОГРН, 13 цифр.", "огрн оо", "огрн организации", example="1020000000001"),
         _f("inn", "ИНН", "text", "ИНН организации, 10 цифр.", "инн оо", "инн организации",
            example="7000000001"),
         _f("full_name", "Полное наименование", "text", "Полное наименование по уставу. Если "
            "в файле одно наименование, оно заполняет и полное, и краткое.",
            "наименование", "наименование оо", "наименование организации",
            "полное наименование оо", "полное наименование организации",
            "наименование образовательной организации", "образовательная организация",
            example="Муниципальное бюджетное общеобразовательное учреждение «Средняя "
                    "общеобразовательная школа № 1»"),
         _f("short_name", "Краткое наименование", "text", "Краткое наименование (если его нет, "
            "оно получается из полного: «МБОУ «Средняя общеобразовательная школа № 1»»).",
            "сокращенное наименование", "краткое наименование оо", "сокращенное наименование оо",
            example="МБОУ СОШ № 1"),
         _f("name_variants", "Варианты наименования", "text", "Другие написания наименования в "
            "файлах результатов, через «;» (добавляются к уже известным).",
            "другие наименования", "варианты наименований", "иные наименования",
            example="СОШ 1; Школа № 1"),
         _f("org_kind", "Вид", "choice", "Общеобразовательная организация (школа), ДОУ (детский "
            "сад), УДО. Пусто — школа.", "тип оо", "вид оо", "тип организации",
            "вид организации", "тип", choices=ORG_KINDS, example="общеобразовательная организация"),
         _f("school_level", "Уровень образования", "choice", "НОШ, ООШ или СОШ.",
            "уровень общего образования", "ступень", choices=SCHOOL_LEVELS, example="СОШ"),
         _f("locality", "Тип местности", "choice", "Городская или сельская.", "местность",
            "городская сельская", "городская/сельская", "городская / сельская", "город/село",
            "тип населенного пункта", "расположение", choices=LOCALITIES, example="городская"),
         _f("is_small", "Малокомплектная", "bool", "Малокомплектная школа: да или нет.",
            "малокомплектная школа", "малокомплектность", choices=YES_NO, example="нет"),
         _f("profile", "Профиль", "text", "Углублённое изучение / профиль: «лицей», "
            "«углублённое изучение математики»…", "углубленное изучение", "углубленное изучение профиль",
            "профиль обучения", example="углублённое изучение математики"),
         _f("address", "Адрес", "text", "Адрес.", "юридический адрес", "фактический адрес",
            "адрес местонахождения", example="г. Энск, ул. Школьная, 1"),
         _f("website", "Сайт", "text", "Адрес сайта.", "официальный сайт", "сайт оо",
            example="school1.example.ru")),
        "registry", students="none", needs_org=False, year="none", upsert=True,
    ),
]

KINDS: dict[str, Kind] = {k.code: k for k in [*STUDENT_KINDS, *REGISTRY_KINDS]}
