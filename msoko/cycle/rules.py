"""The rule library of addressed recommendations (адресные рекомендации).

A rule turns one finding of the analysis into one recommendation addressed to one school
(and, when the finding is about a subject, to the school's teachers of that subject and the
methodological association that covers it). Findings are plain dicts; in the product they
come from the analysis report through ``msoko.cycle.from_analysis`` (which also names their
thresholds and sources)::

    {"kind": "weak_topics", "org_id": 12, "year": 2024, "procedure": "VPR",
     "subject": "math", "grade": 5,
     "topics": [{"code": "1.3", "name": "Дроби", "tasks": ["2"], "level": "basic",
                 "level_name": "базовый", "school": 21.0, "threshold": 60.0,
                 "municipality": 68.0}]}
    {"kind": "high_share_mark2", "org_id": 12, "year": 2024, "procedure": "OGE",
     "subject": "ru", "grade": 9, "share": 60.0, "municipality": 18.5, "threshold": 30.0}
    {"kind": "non_objective", "org_id": 12, "year": 2024, "procedure": "VPR",
     "subject": "math", "grade": 5, "signs": ["…"]}
    {"kind": "low_results", "org_id": 12, "year": 2024, "reasons": ["…"]}
    {"kind": "risk_zone", "org_id": 12, "year": 2024, "reasons": ["…"]}
    {"kind": "below_norm", "org_id": 12, "year": 2024, "indicator": "mm.shsk_share",
     "name": "…", "value": 33.0, "norm": 68.0, "unit": "%"}

Each rule is a small function with a docstring a methodologist can read; ``RULES`` lists
them with their titles (shown on the recommendations page). ``generate`` applies them and
stores the recommendations once per school, year, rule and finding: running it again adds
only what is new.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

PROCEDURE_NAMES = {
    "VPR": "ВПР",
    "OGE": "ОГЭ",
    "EGE": "ЕГЭ",
    "GVE9": "ГВЭ-9",
    "GVE11": "ГВЭ-11",
    "KDR": "КДР",
}


@dataclass
class Draft:
    title: str
    text: str
    addressee_group: str = ""
    subject: str = ""
    grade: int | None = None
    direction: int | None = None
    association: Any = None
    due_date: datetime.date | None = None
    key: str = ""


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    title: str
    condition: str
    build: Callable[[dict[str, Any], Context], Draft]


@dataclass
class Context:
    """Names and methodological associations, looked up once per run."""

    subjects: dict[str, str] = field(default_factory=dict)
    organisations: dict[int, Any] = field(default_factory=dict)
    associations: list[Any] = field(default_factory=list)

    @classmethod
    def load(cls, org_ids: Iterable[int]) -> Context:
        from msoko.registry.models import MethodAssociation, Organisation, Subject

        orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=list(org_ids))}
        territories = {o.territory_id for o in orgs.values()}
        associations = list(
            MethodAssociation.objects.filter(organisation_id__in=list(orgs))
            .prefetch_related("subjects")
            .select_related("organisation")
        ) + list(
            MethodAssociation.objects.filter(
                organisation__isnull=True, territory_id__in=list(territories)
            ).prefetch_related("subjects")
        )
        return cls(dict(Subject.objects.values_list("code", "name")), orgs, associations)

    def subject_name(self, code: str) -> str:
        return self.subjects.get(code, code)

    def association_for(self, org_id: int, subject: str) -> Any:
        """The school's own ШМО for the subject, else the municipality's РМО."""
        org = self.organisations.get(org_id)
        covering = [a for a in self.associations if subject in {s.code for s in a.subjects.all()}]
        for a in covering:
            if a.organisation_id == org_id:
                return a
        for a in covering:
            if org is not None and a.organisation_id is None and a.territory_id == org.territory_id:
                return a
        return None


def _year_label(year: int) -> str:
    return f"{year}/{year + 1} уч. год"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f}".replace(".", ",") + " %"


def _work(f: dict[str, Any], ctx: Context) -> str:
    proc = PROCEDURE_NAMES.get(f.get("procedure", ""), f.get("procedure", ""))
    parts = [proc]
    if f.get("subject"):
        parts.append(f"по предмету «{ctx.subject_name(f['subject'])}»")
    if f.get("grade"):
        parts.append(f"в {f['grade']} классе")
    return " ".join(p for p in parts if p)


def _association_phrase(association: Any, subject_name: str) -> str:
    if association is None:
        return f"на заседании методического объединения учителей предмета «{subject_name}»"
    return f"на заседании методического объединения «{association.name}»"


def _topic_line(t: dict[str, Any]) -> str:
    head = " ".join(p for p in (t.get("code") or "", t["name"]) if p)
    details = []
    if t.get("tasks"):
        details.append("задани" + ("е" if len(t["tasks"]) == 1 else "я") + " № " + ", ".join(map(str, t["tasks"])))
    if t.get("level_name"):
        details.append(f"уровень: {t['level_name']}")
    if details:
        head += f" ({'; '.join(details)})"
    figure = f"выполнение {_pct(t.get('school'))}"
    if t.get("threshold") is not None:
        figure += f" при пороге {_pct(t['threshold'])}"
    return f"— {head}: {figure} (по муниципалитету {_pct(t.get('municipality'))})"


def weak_topics(f: dict[str, Any], ctx: Context) -> Draft:
    """Западающие темы. A school whose students did the tasks of some codifier elements below
    the threshold of mastery (by default 60 % of the maximum for basic-level tasks, 30 % for
    advanced and high ones; a group of fewer than 10 students is not judged) gets the list of
    those topics with the school's and the municipality's share, addressed to its teachers of
    the subject and to the methodological association (its own ШМО, else the municipality's
    РМО) that covers the subject."""
    subject = ctx.subject_name(f["subject"])
    association = ctx.association_for(int(f["org_id"]), f["subject"])
    lines = [_topic_line(t) for t in f["topics"]]
    limits = f.get("thresholds") or {}
    basis = ""
    if limits:
        basis = (
            f"\n\nПорог освоения (методика анализа, рекомендации ФИОКО): задания базового уровня — "
            f"{_pct(limits.get('basic'))}, повышенного и высокого — {_pct(limits.get('advanced'))}; "
            f"группы менее {limits.get('min_students')} участников не оцениваются."
        )
    text = (
        f"По результатам {_work(f, ctx)} ({_year_label(int(f['year']))}) обучающиеся "
        f"выполнили задания по следующим элементам содержания ниже порога освоения:\n"
        + "\n".join(lines)
        + basis
        + "\n\nРекомендуется:\n"
        f"1. Рассмотреть результаты {_association_phrase(association, subject)}, выявить причины затруднений.\n"
        "2. Включить западающие темы в рабочие программы и планы уроков повторения, "
        "в индивидуальные образовательные маршруты педагогов при выявленных дефицитах.\n"
        "3. Организовать адресную работу с обучающимися, не справившимися с заданиями по этим темам.\n"
        "4. Провести повторную диагностику по западающим темам и представить её результаты в управление образования."
    )
    grade = f.get("grade")
    group = f"учителя предмета «{subject}»" + (f" ({grade}-е классы)" if grade else "")
    topics = ", ".join(t["name"] for t in f["topics"][:3])
    return Draft(
        title=f"Западающие темы: {subject}, {grade} класс ({PROCEDURE_NAMES.get(f.get('procedure', ''), f.get('procedure', ''))}) — {topics}"[:500],
        text=text,
        addressee_group=group,
        subject=f["subject"],
        grade=grade,
        direction=1,
        association=association,
        key=f"{f.get('procedure')}:{f['subject']}:{grade}",
    )


def high_share_mark2(f: dict[str, Any], ctx: Context) -> Draft:
    """Высокая доля «2». A school where the share of the mark «2» is above the threshold
    (and above the municipality) gets a recommendation to its administration and its
    teachers of the subject: find the students at risk, plan individual work, check the
    teachers' deficits."""
    subject = ctx.subject_name(f["subject"]) if f.get("subject") else ""
    association = ctx.association_for(int(f["org_id"]), f["subject"]) if f.get("subject") else None
    text = (
        f"По результатам {_work(f, ctx)} ({_year_label(int(f['year']))}) доля отметок «2» составила "
        f"{_pct(f.get('share'))} при {_pct(f.get('municipality'))} по муниципалитету"
        + (f" (порог — {_pct(f.get('threshold'))})" if f.get("threshold") is not None else "")
        + ".\n\nРекомендуется:\n"
        "1. Составить список обучающихся группы риска и индивидуальные планы подготовки с контрольными точками.\n"
        "2. Организовать дополнительные занятия и консультации, отслеживать посещаемость и текущую успеваемость.\n"
        "3. Провести диагностику профессиональных дефицитов учителей предмета и включить выявленные дефициты в ИОМ.\n"
        f"4. Рассмотреть результаты {_association_phrase(association, subject or 'предмета')} и на педагогическом совете."
    )
    return Draft(
        title=f"Высокая доля отметок «2»: {subject or 'все предметы'}"
        + (f", {f['grade']} класс" if f.get("grade") else "")
        + f" ({PROCEDURE_NAMES.get(f.get('procedure', ''), f.get('procedure', ''))})",
        text=text,
        addressee_group="администрация ОО" + (f", учителя предмета «{subject}»" if subject else ""),
        subject=f.get("subject", ""),
        grade=f.get("grade"),
        direction=1,
        association=association,
        key=f"{f.get('procedure')}:{f.get('subject', '')}:{f.get('grade')}",
    )


def _dashes(items: list[str], empty: str) -> str:
    """A dash list, one item a line (``empty`` when there is nothing to list)."""
    return "\n".join(f"— {item}" for item in items) or f"— {empty}"


def non_objective(f: dict[str, Any], ctx: Context) -> Draft:
    """Признаки необъективности. A school with signs of non-objective results gets a
    recommendation to its administration: independent observers, re-checking of the works,
    a school plan to make assessment objective."""
    signs = _dashes(f.get("signs", []), "см. аналитическую справку")
    text = (
        f"По результатам {_work(f, ctx)} ({_year_label(int(f['year']))}) выявлены признаки необъективности результатов:\n"
        f"{signs}\n\nРекомендуется:\n"
        "1. Обеспечить присутствие независимых (общественных) наблюдателей при проведении оценочных процедур.\n"
        "2. Организовать перепроверку работ муниципальной предметной комиссией.\n"
        "3. Разработать и утвердить школьный план мероприятий по обеспечению объективности оценивания.\n"
        "4. Сопоставить результаты процедуры с текущими отметками, обсудить расхождения на педагогическом совете."
    )
    return Draft(
        title=f"Признаки необъективности: {_work(f, ctx)}",
        text=text,
        addressee_group="администрация ОО",
        subject=f.get("subject", ""),
        grade=f.get("grade"),
        direction=1,
        key=f"{f.get('procedure')}:{f.get('subject', '')}:{f.get('grade')}",
    )


def low_results(f: dict[str, Any], ctx: Context) -> Draft:
    """Школа с низкими результатами (ШНОР). The school gets a recommendation to adopt or
    revise its programme for raising the quality of education (ШППКО), with a partner
    school, and to report on it."""
    reasons = _dashes(f.get("reasons", []), "по результатам анализа")
    text = (
        f"По итогам анализа ({_year_label(int(f['year']))}) ОО отнесена к школам с низкими результатами обучения:\n"
        f"{reasons}\n\nРекомендуется:\n"
        "1. Разработать (скорректировать) программу повышения качества образования (ШППКО) с показателями, сроками и ответственными.\n"
        "2. Заключить соглашение о партнёрстве со школой с высокими результатами, организовать взаимопосещение уроков.\n"
        "3. Провести диагностику факторов риска учебной неуспешности и профессиональных дефицитов педагогов.\n"
        "4. Ежеквартально представлять в управление образования отчёт о реализации ШППКО."
    )
    return Draft(
        title="Школа с низкими результатами обучения: программа повышения качества",
        text=text,
        addressee_group="администрация ОО",
        direction=2,
        key="low_results",
    )


def risk_zone(f: dict[str, Any], ctx: Context) -> Draft:
    """Зона риска. A school next to the low-results band — in the next 10 % of the
    municipality on the headline indicators, or in the lowest 10 % in one year of two — gets a
    recommendation to its administration to find the causes and to prevent a slide into the
    ШНОР: a diagnosis of the risk factors, preventive measures in the school's plan of
    internal quality assessment (ВСОКО), and watching the indicators that put it there."""
    reasons = _dashes(f.get("reasons", []), "по результатам анализа")
    text = (
        f"По итогам анализа ({_year_label(int(f['year']))}) ОО находится в зоне риска снижения образовательных результатов:\n"
        f"{reasons}\n\nРекомендуется:\n"
        "1. Провести диагностику факторов риска учебной неуспешности с участием методиста управления образования.\n"
        "2. Включить профилактические меры в план внутренней системы оценки качества образования (ВСОКО): "
        "контроль результатов по показателям, указанным выше, работу с обучающимися группы риска.\n"
        "3. Рассмотреть результаты на педагогическом совете и на заседаниях школьных методических объединений.\n"
        "4. По итогам полугодия представить в управление образования информацию о динамике показателей."
    )
    return Draft(
        title="Зона риска: профилактика снижения образовательных результатов",
        text=text,
        addressee_group="администрация ОО",
        direction=2,
        key="risk_zone",
    )


def _ru_number(value: Any) -> str:
    """A figure as Russian text: a decimal comma, no «,0» on whole numbers."""
    if value is None:
        return "—"
    v = float(value)
    return str(int(v)) if v.is_integer() else f"{v:g}".replace(".", ",")


def below_norm(f: dict[str, Any], ctx: Context) -> Draft:
    """Показатель ниже нормы. The school gets the indicator (with its subject and grade, if
    the value is of one), its value and the norm someone set for it, and a request for a
    plan to reach the norm (the shape of seed 000's improvement plan)."""
    unit = f.get("unit", "")
    where = []
    if f.get("subject"):
        where.append(ctx.subject_name(str(f["subject"])))
    if f.get("grade") is not None:
        where.append(f"{int(f['grade'])} класс")
    name = f["name"] + (f" ({', '.join(where)})" if where else "")
    text = (
        f"Показатель «{name}» за {_year_label(int(f['year']))}: {_ru_number(f.get('value'))} {unit} "
        f"при норме {_ru_number(f.get('norm'))} {unit}.\n\n"
        "Рекомендуется разработать план по достижению нормы: пути решения проблемы, сроки, ответственные — "
        "и представить его в управление образования."
    ).replace("  ", " ").replace(" .", ".")
    key = str(f["indicator"])
    if where:
        key += f"|{f.get('subject') or ''}|{'' if f.get('grade') is None else int(f['grade'])}"
    return Draft(
        title=f"Ниже нормы: {name}"[:500],
        text=text,
        addressee_group="администрация ОО",
        subject=str(f.get("subject") or ""),
        grade=None if f.get("grade") is None else int(f["grade"]),
        key=key,
    )


RULES: list[Rule] = [
    Rule("weak_topics", "weak_topics", "Западающие темы",
         "выполнение заданий элемента содержания ниже порога освоения: базового уровня — 60 %, "
         "повышенного и высокого — 30 % (по умолчанию, рекомендации ФИОКО; настраивается в методике "
         "анализа); группы менее 10 участников не оцениваются", weak_topics),
    Rule("high_share_mark2", "high_share_mark2", "Высокая доля отметок «2»",
         "доля «2» по предмету ОГЭ (ВПР — по предмету и классу) выше 30 % и выше, чем по "
         "муниципалитету, не менее 10 отметок", high_share_mark2),
    Rule("non_objective", "non_objective", "Признаки необъективности",
         "анализ выявил признаки необъективности результатов ВПР: не менее двух независимых "
         "признаков в одном году", non_objective),
    Rule("low_results", "low_results", "Школа с низкими результатами",
         "ОО отнесена к ШНОР по методике анализа: в нижних 10 % муниципалитета по показателям "
         "ВПР, ОГЭ, ЕГЭ два года подряд", low_results),
    Rule("risk_zone", "risk_zone", "Зона риска",
         "ОО в зоне риска по методике анализа: в нижних 20 % муниципалитета по показателям оба "
         "года или в нижних 10 % один год из двух", risk_zone),
    Rule("below_norm", "below_norm", "Показатель ниже нормы",
         "значение показателя школы хуже нормы, установленной для него (норма показателя или "
         "норма муниципалитета); группы меньше минимального размера показателя не оцениваются",
         below_norm),
]
RULES_BY_KIND = {r.kind: r for r in RULES}


@dataclass
class Generated:
    created: list[Any] = field(default_factory=list)
    existing: int = 0
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def generate(
    findings: Iterable[dict[str, Any]],
    *,
    user: Any = None,
    allowed_org_ids: Iterable[int] | None = None,
    state: str | None = None,
) -> Generated:
    """Apply the rules to ``findings`` and store one recommendation per school, year, rule
    and finding. ``allowed_org_ids`` — the organisations the user may address (others are
    skipped, never written)."""
    from msoko.cycle.directions import ensure_directions
    from msoko.cycle.models import Recommendation

    items = list(findings)
    allowed = set(allowed_org_ids) if allowed_org_ids is not None else None
    ctx = Context.load({int(f["org_id"]) for f in items if "org_id" in f})
    directions = {d.number: d for d in ensure_directions()}
    out = Generated()
    for f in items:
        rule = RULES_BY_KIND.get(f.get("kind", ""))
        org_id = int(f.get("org_id", 0) or 0)
        org = ctx.organisations.get(org_id)
        if rule is None:
            out.skipped.append(f"нет правила для вывода «{f.get('kind')}»")
            continue
        if org is None or (allowed is not None and org_id not in allowed):
            out.skipped.append(f"организация {org_id} недоступна")
            continue
        draft = rule.build(f, ctx)
        rec, created = Recommendation.objects.get_or_create(
            organisation=org,
            year=int(f["year"]),
            rule=rule.code,
            finding_key=draft.key[:255],
            defaults={
                "territory_id": org.territory_id,
                "addressee_group": draft.addressee_group[:500],
                "method_association": draft.association,
                "direction": directions.get(draft.direction) if draft.direction else None,
                "finding": f,
                "title": draft.title[:500],
                "text": draft.text,
                "subject": draft.subject or "",
                "grade": draft.grade,
                "due_date": draft.due_date,
                "state": state or Recommendation.State.DRAFT,
                "created_by": user if getattr(user, "pk", None) else None,
            },
        )
        if created:
            out.created.append(rec)
        else:
            out.existing += 1
    return out
