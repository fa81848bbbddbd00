"""Territories and organisations from files: the registry kinds that upsert by a key.

A file of schools (or of municipalities) is compared with the registry before anything is
written: each row is new, changed (which fields) or unchanged, and the check shows those
counts. Loading writes the difference only — organisations in bulk (one lookup of the
existing ones, ``bulk_create`` / ``bulk_update``, one audit row), so 10,000 schools load in
seconds — and records every created or changed object in ``RegistryChange``. A rollback
deletes what the batch created, unless something uses it (results, accounts, later loads),
and restores what it changed.

Scope: organisations may be loaded by the technical administrator, a regional analyst (the
municipalities of her region) and a municipal specialist (her municipality); territories by
the technical administrator and a regional analyst (her region).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction

from msoko.access.audit import DANGEROUS_unaudited, _snapshot, record
from msoko.access.models import Role
from msoko.intake.headers import norm
from msoko.intake.models import RegistryChange
from msoko.registry.models import Organisation, OrganisationNameVariant, Territory

if TYPE_CHECKING:
    from msoko.facts.models import ImportBatch
    from msoko.intake.pipeline import Ctx

UPSERT_KINDS = ("territories", "organisations")
BULK_MODELS = ("registry.Organisation", "registry.OrganisationNameVariant")
GUARDED_MODELS = ("registry.Organisation", "registry.Territory")
EXAMPLES = 30


class RollbackRefused(Exception):
    """A batch cannot be undone: what it created is used. The message says what, in Russian."""


@dataclass
class Summary:
    """What a registry file does to the registry: new, changed (which fields), unchanged."""

    title: str  # «Организации»
    key: str  # how rows are matched: «по внутреннему коду»
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    fields: dict[str, int] = field(default_factory=dict)  # changed field → how many objects
    examples: list[str] = field(default_factory=list)  # the first changes, «было → стало»
    notes: list[str] = field(default_factory=list)

    def add_change(self, label: str, diffs: dict[str, tuple[Any, Any]]) -> None:
        self.changed += 1
        for title in diffs:
            self.fields[title] = self.fields.get(title, 0) + 1
        if len(self.examples) < EXAMPLES:
            parts = "; ".join(f"{t}: «{_show(a)}» → «{_show(b)}»" for t, (a, b) in diffs.items())
            self.examples.append(f"{label}: {parts}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        out = [f"{self.title} ({self.key}): новых — {self.new}, изменённых — {self.changed}, "
               f"без изменений — {self.unchanged}."]
        if self.fields:
            out.append("Изменяемые поля: " + ", ".join(f"«{t}» — {n}" for t, n in self.fields.items()) + ".")
        out += [f"  {e}" for e in self.examples]
        if self.changed > len(self.examples):
            out.append(f"  ... и ещё {self.changed - len(self.examples)}")
        return out + self.notes


def _show(v: Any) -> str:
    if v is True:
        return "да"
    if v is False:
        return "нет"
    return "" if v is None else str(v)[:120]


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = " ".join(str(v).split())
    return s or None


# ------------------------------------------------------------------------------------------
# Names


_FORMS = [(tuple(norm(p).split()), a) for p, a in (
    ("дошкольное образовательное учреждение", "ДОУ"),
    ("профессиональное образовательное учреждение", "ПОУ"),
    ("общеобразовательное учреждение", "ОУ"),
    ("образовательное учреждение", "ОУ"),
    ("общеобразовательная организация", "ОО"),
    ("образовательная организация", "ОО"),
    ("учреждение дополнительного образования", "У ДО"),
    ("высшего профессионального образования", " ВПО"),
    ("дополнительного профессионального образования", " ДПО"),
    ("высшего образования", " ВО"),
    ("среднего профессионального образования", " СПО"),
    ("дополнительного образования", " ДО"),
    ("учреждение", "У"), ("организация", "О"),
    ("муниципальное", "М"), ("государственное", "Г"), ("федеральное", "Ф"), ("бюджетное", "Б"),
    ("автономное", "А"), ("казенное", "К"), ("частное", "Ч"), ("негосударственное", "Н"),
)]
_SCHOOLS = [
    (re.compile(r"средняя общеобразовательная школа", re.I), "СОШ"),
    (re.compile(r"основная общеобразовательная школа", re.I), "ООШ"),
    (re.compile(r"начальная общеобразовательная школа", re.I), "НОШ"),
]
SHORT_MAX = 255


def _form_abbreviation(prefix: str) -> str:
    """«Государственное бюджетное общеобразовательное учреждение города Москвы» → «ГБОУ»: the
    legal form's words from the start, up to the first word that is not one (a place)."""
    words = norm(prefix).split()
    out, i = "", 0
    while i < len(words):
        for phrase, abbr in _FORMS:
            if tuple(words[i : i + len(phrase)]) == phrase:
                out += abbr
                i += len(phrase)
                break
        else:
            break
    return out.strip()


def short_name(full: str) -> str:
    """A short name from a full one: the legal form abbreviated, the quoted name kept,
    «средняя общеобразовательная школа» → «СОШ»; at most 255 characters, cut at a word."""
    full = re.sub(r"\s+", " ", full).strip()
    out = full
    m = re.match(r"^(?P<form>[^«\"]*?)\s*[«\"](?P<rest>.*)$", full)
    if m:
        abbr = _form_abbreviation(m.group("form"))
        rest = m.group("rest")
        closing = max(rest.rfind("»"), rest.rfind('"'))
        name, tail = (rest[:closing], rest[closing + 1 :]) if closing >= 0 else (rest, "")
        if abbr:
            out = f"{abbr} «{name}»{tail}".strip()
    else:
        abbr = _form_abbreviation(full)
        if abbr:  # no quotes: the words after the legal form (and its «города Энска») follow
            rest_words = full.split()[_form_words(full):]
            if len(rest_words) > 3 and norm(rest_words[0]) in ("города", "г"):
                rest_words = rest_words[2:]
            out = f"{abbr} {' '.join(rest_words)}".strip()
    for rx, repl in _SCHOOLS:
        out = rx.sub(repl, out)
    if len(out) > SHORT_MAX:
        out = out[: SHORT_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,«") + "…"
    return out


def _form_words(text: str) -> int:
    words = norm(text).split()
    i = 0
    while i < len(words):
        for phrase, _ in _FORMS:
            if tuple(words[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            break
    return i


_GENERIC = {
    "административный", "округ", "ао", "муниципальный", "муниципальное", "образование", "район",
    "р-н", "рн", "городской", "го", "город", "г", "мо", "мр", "городское", "сельское",
    "поселение", "пгт", "поселок", "внутригородское", "внутригородская", "территория",
}


def core_name(name: str) -> str:
    """A municipality's name without the generic words: «Северный административный округ»,
    «Северный АО» → «северный»; «Энский муниципальный район» → «энский»."""
    words = [w for w in norm(name).split() if w not in _GENERIC]
    return " ".join(words) or norm(name)


class Municipalities:
    """Municipalities found by code, by name, or by name without the generic words."""

    def __init__(self) -> None:
        self.by_pk = {t.pk: t for t in Territory.objects.filter(kind=Territory.Kind.MUNICIPALITY).select_related("parent")}
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = {}
        self.by_core: dict[str, set[int]] = {}
        for t in self.by_pk.values():
            self.by_code[norm(t.code)] = t.pk
            self.by_name.setdefault(norm(t.name), set()).add(t.pk)
            self.by_core.setdefault(core_name(t.name), set()).add(t.pk)

    def find(self, value: str, *, code: bool) -> tuple[int | None, str]:
        """(id, "") or (None, the reason in Russian)."""
        if code:
            pk = self.by_code.get(norm(value))
            return (pk, "") if pk is not None else (None, "муниципалитет с таким кодом не найден")
        pk = self.by_code.get(norm(value))
        for found in (self.by_name.get(norm(value), set()), self.by_core.get(core_name(value), set())):
            if len(found) == 1:
                return next(iter(found)), ""
            if len(found) > 1:
                names = "; ".join(f"«{self.by_pk[i].name}» (код {self.by_pk[i].code})" for i in sorted(found))
                return None, f"наименование подходит к нескольким муниципалитетам: {names}; укажите код"
        if pk is not None:
            return pk, ""
        return None, "муниципалитет не найден (сначала загрузите территории)"


# ------------------------------------------------------------------------------------------
# Scope


def _municipality_scope(user: Any) -> tuple[set[int] | None, str]:
    """Municipalities whose organisations the user may load (None: all), or an error."""
    if user is None or getattr(user, "is_superuser", False):
        return None, ""
    role = getattr(user, "role", None)
    if role in (Role.MUNICIPAL_SPECIALIST, Role.REGIONAL_ANALYST) and user.territory_id:
        ids = set(Territory.objects.filter(
            pk__in=user.territory.descendant_ids(), kind=Territory.Kind.MUNICIPALITY
        ).values_list("pk", flat=True))
        return ids, ""
    return set(), ("загружать реестр организаций могут специалист муниципального органа (для своего "
                   "муниципалитета), аналитик регионального центра (для своего региона) и технический "
                   "администратор")


# ------------------------------------------------------------------------------------------
# Organisations


ORG_FIELDS = (  # file field → model field, and the title a user sees
    ("org_kind", "kind", "Вид"), ("school_level", "school_level", "Уровень образования"),
    ("locality", "locality", "Тип местности"), ("is_small", "is_small", "Малокомплектная"),
    ("profile", "advanced_profile", "Профиль"), ("address", "address", "Адрес"),
    ("website", "website", "Сайт"), ("ogrn", "ogrn", "ОГРН"), ("inn", "inn", "ИНН"),
    ("full_name", "full_name", "Полное наименование"),
    ("short_name", "short_name", "Краткое наименование"),
)
TITLES = {model: title for _, model, title in ORG_FIELDS} | {"territory_id": "Муниципалитет"}
LIMITS = {"code": 32, "full_name": 1000, "short_name": SHORT_MAX, "profile": 255, "address": 500,
          "website": 200, "name_variants": 1000}
KEY_NAMES = {"code": "по внутреннему коду", "ogrn": "по ОГРН", "inn": "по ИНН"}
_URL = URLValidator(schemes=["http", "https"])


@dataclass
class OrgPlan:
    create: list[Organisation]
    update: list[tuple[Organisation, dict[str, Any], list[str]]]  # object (new values), before, fields
    variants: list[tuple[Organisation, str]]
    existing_ids: set[int]
    moved: bool = False


def _variants(text: str | None) -> list[str]:
    if not text:
        return []
    return [v.strip() for v in re.split(r"[;\n|]", text) if v.strip()]


_INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digits(ctx: Ctx, value: str | None, n: int, what: str, row: int, column: str) -> str | None:
    """ОГРН (13 digits) or ИНН (10 digits): other lengths are errors; a 9-digit ИНН (Excel
    drops the leading zero of regions 01–09) is padded with a warning; a wrong check digit is
    a warning (a typo is likely, but the registry of the file is the authority's)."""
    if value is None:
        return None
    digits = re.sub(r"[\s\u00a0]", "", value)
    if what == "ИНН" and re.fullmatch(r"\d{9}", digits):
        digits = "0" + digits
        ctx.problems.add("ИНН из 9 цифр дополнен нулём слева (Excel теряет ведущий ноль)", row=row,
                         column=column, value=value, error=False)
    if not re.fullmatch(rf"\d{{{n}}}", digits):
        extra = " (12 цифр — ИНН физического лица)" if what == "ИНН" and re.fullmatch(r"\d{12}", digits) else ""
        ctx.problems.add(f"{what} организации должен состоять из {n} цифр{extra}", row=row, column=column, value=value)
        return None
    if what == "ОГРН":
        good = int(digits[:12]) % 11 % 10 == int(digits[12])
    else:
        good = sum(w * int(d) for w, d in zip(_INN_WEIGHTS, digits, strict=False)) % 11 % 10 == int(digits[9])
    if not good:
        ctx.problems.add(f"контрольная цифра {what} не сходится: проверьте значение", row=row,
                         column=column, value=value, error=False)
    return digits


def plan_organisations(ctx: Ctx, user: Any) -> Summary | None:
    kind, probs, rows = ctx.kind, ctx.problems, ctx.registry_rows
    title = {f.name: f.title for f in kind.fields}
    allowed, refusal = _municipality_scope(user)
    if refusal:
        probs.add(refusal)
        return None
    present = set(rows[0]) if rows else set()
    key = next((k for k in ("code", "ogrn", "inn") if k in present), None)
    if key is None:
        probs.add("нет столбца «Код» (внутренний код организации), «ОГРН» или «ИНН»: по нему "
                  "организация находится в реестре при следующей загрузке")
        return None
    summary = Summary("Организации", f"сопоставление {KEY_NAMES[key]}")
    if key != "code":
        summary.notes.append(f"В файле нет столбца «Код»: организации сопоставляются с реестром "
                             f"{KEY_NAMES[key]}; новым организациям внутренний код присваивается "
                             f"равным {title[key]}.")
    muns = Municipalities()
    existing = list(Organisation.objects.all())
    by_code = {norm(o.code): o for o in existing}
    by_key: dict[str, list[Organisation]] = {}
    by_ogrn: dict[str, list[Organisation]] = {}
    for o in existing:
        if o.ogrn:
            by_ogrn.setdefault(o.ogrn, []).append(o)
        k = norm(o.code) if key == "code" else getattr(o, key)
        if k:
            by_key.setdefault(k, []).append(o)
    variants: dict[int, set[str]] = {}
    for org_id, name in OrganisationNameVariant.objects.values_list("organisation_id", "name"):
        variants.setdefault(org_id, set()).add(norm(name))
    only_one = next(iter(allowed)) if allowed is not None and len(allowed) == 1 else None
    plan = OrgPlan([], [], [], set())
    seen: dict[str, int] = {}
    seen_ogrn: dict[str, int] = {}
    mun_cache: dict[tuple[str, str], tuple[int | None, str]] = {}
    for r in rows:
        row = r["_row"]
        text = {name: _text(r.get(name)) for name in (
            "code", "municipality", "municipality_code", "ogrn", "inn", "full_name", "short_name",
            "name_variants", "profile", "address", "website")}
        bad = False
        for name, limit in LIMITS.items():
            if text.get(name) and len(text[name] or "") > limit:
                probs.add(f"длиннее {limit} символов", row=row, column=title[name], value=text[name])
                bad = True
        ogrn = _check_digits(ctx, text["ogrn"], 13, "ОГРН", row, title["ogrn"])
        inn = _check_digits(ctx, text["inn"], 10, "ИНН", row, title["inn"])
        if text["website"]:
            url = text["website"] if "://" in text["website"] else f"https://{text['website']}"
            try:
                _URL(url)
                text["website"] = url
            except ValidationError:
                probs.add("не адрес сайта", row=row, column=title["website"], value=text["website"])
                bad = True
        key_value = {"code": text["code"], "ogrn": ogrn, "inn": inn}[key]
        if key_value is None:
            if text[key] is None:
                probs.add(f"не заполнено поле «{title[key]}»: по нему организация находится в реестре",
                          row=row, column=title[key])
            continue
        k = norm(key_value) if key == "code" else key_value
        if k in seen:
            probs.add(f"повторяется в файле (уже в строке {seen[k]})", row=row, column=title[key], value=key_value)
            continue
        seen[k] = row
        found = by_key.get(k, [])
        if len(found) > 1:
            names = "; ".join(f"«{o.short_name}» (код {o.code})" for o in found)
            probs.add(f"{title[key]} подходит к нескольким организациям реестра: {names}; добавьте "
                      "столбец «Код»", row=row, column=title[key], value=key_value)
            continue
        org = found[0] if found else None
        # the municipality
        territory_id: int | None = None
        for name, is_code in (("municipality_code", True), ("municipality", False)):
            if text[name] is None:
                continue
            cached = mun_cache.get((name, text[name] or ""))
            if cached is None:
                cached = mun_cache[(name, text[name] or "")] = muns.find(text[name] or "", code=is_code)
            pk, reason = cached
            if pk is None:
                probs.add(reason, row=row, column=title[name], value=text[name])
                bad = True
            elif allowed is not None and pk not in allowed:
                probs.add("муниципалитет вне вашей территории: загружать можно только организации "
                          "своего муниципалитета (региона)", row=row, column=title[name], value=text[name])
                bad = True
            else:
                territory_id = pk
            break
        if org is not None and allowed is not None and org.territory_id not in allowed:
            probs.add(f"организация с этим кодом — «{org.short_name}» в муниципалитете "
                      f"«{muns.by_pk[org.territory_id].name if org.territory_id in muns.by_pk else org.territory_id}»: "
                      "менять её может специалист её муниципалитета", row=row, column=title[key], value=key_value)
            continue
        if ogrn:
            if ogrn in seen_ogrn and key != "ogrn":
                probs.add(f"ОГРН повторяется в файле (уже в строке {seen_ogrn[ogrn]}): при загрузке "
                          "результатов по ОГРН эти организации не различить", row=row,
                          column=title["ogrn"], value=ogrn, error=False)
            seen_ogrn.setdefault(ogrn, row)
            others = [o for o in by_ogrn.get(ogrn, []) if org is None or o.pk != org.pk]
            if others and key != "ogrn":
                probs.add(f"такой ОГРН уже у организации «{others[0].short_name}» (код {others[0].code}): "
                          "при загрузке результатов по ОГРН их не различить", row=row,
                          column=title["ogrn"], value=ogrn, error=False)
        if bad:
            continue
        values: dict[str, Any] = {}
        for file_name, model_name, _ in ORG_FIELDS:
            v = r.get(file_name)
            if file_name in text:
                v = text[file_name]
            if file_name == "ogrn":
                v = ogrn
            if file_name == "inn":
                v = inn
            if v is not None:
                values[model_name] = v
        if territory_id is not None:
            values["territory_id"] = territory_id
        variant_names = _variants(text["name_variants"])
        if org is None:
            full = values.get("full_name") or values.get("short_name")
            if not full:
                probs.add("не указано наименование (нужно для новой организации)", row=row,
                          column=title["full_name"])
                continue
            if "territory_id" not in values:
                if only_one is None:
                    probs.add("не указан муниципалитет (нужен для новой организации)", row=row,
                              column=title["municipality"])
                    continue
                values["territory_id"] = only_one
            values.setdefault("full_name", full)
            values.setdefault("short_name", short_name(full))
            code = key_value
            if key != "code" and norm(code) in by_code:
                probs.add(f"внутренний код «{code}» уже у организации «{by_code[norm(code)].short_name}»: "
                          "добавьте столбец «Код»", row=row, column=title[key], value=key_value)
                continue
            values.setdefault("kind", Organisation.Kind.SCHOOL)
            new = Organisation(code=code, **values)
            plan.create.append(new)
            own = {norm(new.full_name), norm(new.short_name)}
            plan.variants += [(new, n) for n in dict.fromkeys(variant_names) if norm(n) not in own]
            summary.new += 1
            continue
        plan.existing_ids.add(org.pk)
        if "full_name" in values and "short_name" not in values and "short_name" not in present \
                and values["full_name"] != org.full_name:
            values["short_name"] = short_name(values["full_name"])  # a renamed school, one name column
        diffs = {m: (getattr(org, m), v) for m, v in values.items() if getattr(org, m) != v}
        added: list[str] = []
        if variant_names:
            known = variants.get(org.pk, set()) | {norm(org.full_name), norm(org.short_name),
                                                   norm(values.get("full_name")), norm(values.get("short_name"))}
            added = [n for n in dict.fromkeys(variant_names) if norm(n) not in known]
        if not diffs and not added:
            summary.unchanged += 1
            continue
        shown = {TITLES[m]: ((muns.by_pk[a].name if a in muns.by_pk else a), muns.by_pk[b].name)
                 if m == "territory_id" else (a, b) for m, (a, b) in diffs.items()}
        if added:
            shown["Варианты наименования"] = ("", "; ".join(added))
        summary.add_change(f"{org.code} «{org.short_name}»", shown)
        if diffs:
            before = _snapshot(org)
            for m, (_, b) in diffs.items():
                setattr(org, m, b)
            plan.update.append((org, before, sorted(diffs)))
            plan.moved |= "territory_id" in diffs
        plan.variants += [(org, n) for n in added]
    if probs.has_errors:
        return None
    ctx.registry_plan = plan
    return summary


def apply_organisations(ctx: Ctx, batch: ImportBatch) -> None:
    plan: OrgPlan = ctx.registry_plan
    changes: list[RegistryChange] = []
    with DANGEROUS_unaudited():
        Organisation.objects.bulk_create(plan.create, batch_size=500)
        if plan.create and any(o.pk is None for o in plan.create):  # a backend that returns no ids
            ids = dict(Organisation.objects.filter(code__in=[o.code for o in plan.create]).values_list("code", "pk"))
            for o in plan.create:
                o.pk = ids[o.code]
        _update_rows([(o, fs) for o, _, fs in plan.update])
        variants = [OrganisationNameVariant(organisation_id=o.pk, name=n) for o, n in plan.variants]
        OrganisationNameVariant.objects.bulk_create(variants, batch_size=500)
        if variants and any(v.pk is None for v in variants):
            wanted = {(v.organisation_id, v.name) for v in variants}
            vids = {(a, b): pk for pk, a, b in OrganisationNameVariant.objects.filter(
                organisation_id__in={v.organisation_id for v in variants}).values_list("pk", "organisation_id", "name")
                if (a, b) in wanted}
            for v in variants:
                v.pk = vids[(v.organisation_id, v.name)]
    changes += [RegistryChange(batch=batch, model="registry.Organisation", object_id=o.pk, before=None) for o in plan.create]
    changes += [RegistryChange(batch=batch, model="registry.Organisation", object_id=o.pk, before=b) for o, b, _ in plan.update]
    changes += [RegistryChange(batch=batch, model="registry.OrganisationNameVariant", object_id=v.pk, before=None) for v in variants]
    RegistryChange.objects.bulk_create(changes, batch_size=1000)
    ctx.org_ids.update(o.pk for o in plan.create)
    ctx.org_ids.update(plan.existing_ids)
    record("bulk", model="registry.Organisation", object_id=batch.pk,
           object_repr=f"Реестр организаций из файла (пакет № {batch.pk})",
           changes={"batch": batch.pk, "created": [o.pk for o in plan.create],
                    "changed": {str(o.pk): {f: [b.get(f), _jsonable(getattr(o, f))] for f in fs} for o, b, fs in plan.update},
                    "name_variants_added": len(variants)},
           actor=batch.created_by)
    if plan.moved:
        _queue_recompute(batch.created_by)


def _update_rows(rows: list[tuple[models.Model, list[str]]]) -> None:
    """Write the named fields of each object: one ``executemany`` per set of fields (Django's
    ``bulk_update`` builds a CASE per field and row, seconds for thousands of rows)."""
    from django.db import connection

    groups: dict[tuple[str, ...], list[models.Model]] = {}
    for obj, names in rows:
        if names:
            groups.setdefault(tuple(names), []).append(obj)
    for group, objs in groups.items():
        meta = objs[0]._meta
        fields = [cast(models.Field, meta.get_field(n)) for n in group]
        table = connection.ops.quote_name(meta.db_table)
        sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
        pk = connection.ops.quote_name(meta.pk.column) if meta.pk is not None else "id"
        sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 - names from the model
        params = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] + [o.pk] for o in objs]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def _jsonable(v: Any) -> Any:
    return v if isinstance(v, str | int | float | bool | type(None)) else str(v)


def _queue_recompute(user: Any) -> None:
    """A school moved: the indicator values are recomputed as after a move in the admin."""
    from msoko.indicators import registry_watch

    transaction.on_commit(lambda: registry_watch._start(user))  # noqa: SLF001 - the same trigger


# ------------------------------------------------------------------------------------------
# Territories


@dataclass
class TerritoryPlan:
    ops: list[tuple[Territory, dict[str, Any] | None]] = field(default_factory=list)  # (object, before or None)
    region: Territory | None = None


def plan_territories(ctx: Ctx, user: Any) -> Summary | None:
    kind, probs, rows = ctx.kind, ctx.problems, ctx.registry_rows
    title = {f.name: f.title for f in kind.fields}
    own_region: Territory | None = None
    if user is not None and not getattr(user, "is_superuser", False):
        if getattr(user, "role", None) == Role.REGIONAL_ANALYST and user.territory_id \
                and user.territory.kind == Territory.Kind.REGION:
            own_region = user.territory
        else:
            probs.add("загружать территории могут технический администратор и аналитик регионального "
                      "центра (для своего региона)")
            return None
    present = set(rows[0]) if rows else set()
    by_key = "code" in present
    summary = Summary("Территории", "сопоставление по коду" if by_key else "сопоставление по наименованию внутри региона")
    if not by_key:
        summary.notes.append("В файле нет столбца «Код»: муниципалитеты сопоставляются по наименованию "
                             "внутри региона; новым присваивается код вида «<код региона>-<номер>».")
    everything = list(Territory.objects.all())
    codes = {norm(t.code): t for t in everything}
    regions = [t for t in everything if t.kind == Territory.Kind.REGION]
    muni_by_name: dict[tuple[int | str, str], Territory] = {
        (t.parent_id or 0, norm(t.name)): t for t in everything if t.kind == Territory.Kind.MUNICIPALITY}
    plan = TerritoryPlan()
    touched: dict[int, Territory] = {}  # id(object) → object, counted once
    changed: dict[int, dict[str, tuple[Any, Any]]] = {}
    new_ids: set[int] = set()
    seen: dict[Any, int] = {}
    used_codes = set(codes)
    used_regions: dict[int, Territory] = {}

    def fresh_code(prefix: str) -> str:
        n = 1
        while norm(f"{prefix}{n}") in used_codes:
            n += 1
        used_codes.add(norm(f"{prefix}{n}"))
        return f"{prefix}{n}"

    file_region: list[Territory] = []  # the last row of level «регион»: the default below it

    def region_of(name: str | None, code: str | None, row: int, name_col: str, code_col: str) -> Territory | None:
        region: Territory | None = None
        if code is not None:
            region = codes.get(norm(code))
            if region is not None and region.kind != Territory.Kind.REGION:
                probs.add(f"код принадлежит муниципалитету «{region.name}», а не региону", row=row,
                          column=title[code_col], value=code)
                return None
            if region is None and name is None:  # «Входит в: Москва» — a name in the code column
                named = [t for t in regions if norm(t.name) == norm(code)]
                region = named[0] if len(named) == 1 else None
        elif name is not None:
            found = [t for t in regions if norm(t.name) == norm(name)]
            if len(found) > 1:
                probs.add("несколько регионов с таким наименованием: укажите код региона", row=row,
                          column=title[name_col], value=name)
                return None
            region = found[0] if found else None
        else:
            if own_region is not None:
                return own_region
            if file_region:
                return file_region[-1]
            if len(regions) == 1:
                return regions[0]
            probs.add("не указан регион (столбцы «Регион» или «Код региона»): в msoko "
                      f"{'нет регионов' if not regions else 'несколько регионов'}", row=row, column=title[name_col])
            return None
        if own_region is not None and (region is None or region.pk != own_region.pk):
            probs.add(f"регион вне вашей территории: вы можете загружать муниципалитеты региона «{own_region.name}»",
                      row=row, column=title[code_col if code else name_col], value=code or name)
            return None
        if region is None:
            if name is None:
                probs.add("нового региона нет в msoko: укажите его наименование", row=row,
                          column=title[name_col])
                return None
            region = Territory(kind=Territory.Kind.REGION, name=name, code=code or fresh_code("R"))
            if code:
                used_codes.add(norm(code))
            codes[norm(region.code)] = region
            regions.append(region)
            plan.ops.append((region, None))
            new_ids.add(id(region))
            touched[id(region)] = region
            return region
        if id(region) not in touched:
            touched[id(region)] = region
            if name is not None and region.name != name and region.pk is not None:
                changed[id(region)] = {"Наименование": (region.name, name)}
                plan.ops.append((region, _snapshot(region)))
                region.name = name
        return region

    for r in rows:
        row = r["_row"]
        name, code = _text(r.get("name")), _text(r.get("code"))
        for value, column, limit in ((name, "name", 255), (code, "code", 32), (_text(r.get("region")), "region", 255),
                                     (_text(r.get("region_code")), "region_code", 32)):
            if value and len(value) > limit:
                probs.add(f"длиннее {limit} символов", row=row, column=title[column], value=value)
                break
        else:
            if r.get("level") == "region":  # a row of the region itself (a tree written as a list)
                region = region_of(name, code, row, "name", "code")
                if region is not None:
                    used_regions[id(region)] = region
                    file_region.append(region)
                continue
            region = region_of(_text(r.get("region")), _text(r.get("region_code")), row, "region", "region_code")
            if region is not None:
                used_regions[id(region)] = region
            if region is None or (name is None and code is None):
                continue
            if by_key:
                if code is None:
                    probs.add("не заполнен код муниципалитета", row=row, column=title["code"])
                    continue
                key: Any = norm(code)
                muni = codes.get(key)
                if muni is not None and muni.kind != Territory.Kind.MUNICIPALITY:
                    probs.add(f"код принадлежит региону «{muni.name}»", row=row, column=title["code"], value=code)
                    continue
            else:
                if name is None:
                    probs.add("не указано наименование муниципалитета", row=row, column=title["name"])
                    continue
                key = (region.pk or id(region), norm(name))
                muni = muni_by_name.get(key) if region.pk else None
            if key in seen:
                probs.add(f"муниципалитет повторяется в файле (уже в строке {seen[key]})", row=row,
                          column=title["code" if by_key else "name"], value=code if by_key else name)
                continue
            seen[key] = row
            if muni is None:
                if name is None:
                    probs.add("не указано наименование нового муниципалитета", row=row, column=title["name"])
                    continue
                twin = muni_by_name.get((region.pk or 0, norm(name))) if region.pk else None
                if twin is not None:
                    probs.add(f"в регионе уже есть муниципалитет «{twin.name}» с кодом «{twin.code}»: будет "
                              "создан ещё один с тем же наименованием", row=row, column=title["code"],
                              value=code, error=False)
                muni = Territory(kind=Territory.Kind.MUNICIPALITY, name=name, parent=region,
                                 code=code or fresh_code(f"{region.code}-"))
                used_codes.add(norm(muni.code))
                codes[norm(muni.code)] = muni
                plan.ops.append((muni, None))
                new_ids.add(id(muni))
                touched[id(muni)] = muni
                continue
            if own_region is not None and muni.parent_id != own_region.pk:
                probs.add("муниципалитет с этим кодом относится к другому региону: переносить его может "
                          "технический администратор", row=row, column=title["code"], value=code)
                continue
            diffs: dict[str, tuple[Any, Any]] = {}
            if name is not None and muni.name != name:
                diffs["Наименование"] = (muni.name, name)
            if muni.parent_id != region.pk or region.pk is None:
                old = next((t.name for t in regions if t.pk == muni.parent_id), "")
                diffs["Регион"] = (old, region.name)
            touched[id(muni)] = muni
            if diffs:
                changed[id(muni)] = diffs
                plan.ops.append((muni, _snapshot(muni)))
                if name is not None:
                    muni.name = name
                muni.parent = region
    if probs.has_errors:
        return None
    for key_id, obj in touched.items():
        if key_id in new_ids:
            summary.new += 1
        elif key_id in changed:
            summary.add_change(f"{obj.code} «{obj.name}»", changed[key_id])
        else:
            summary.unchanged += 1
    if len(used_regions) == 1:  # the batch belongs to its region (the journal, the rollback)
        plan.region = next(iter(used_regions.values()))
    ctx.registry_plan = plan
    return summary


def apply_territories(ctx: Ctx, batch: ImportBatch) -> None:
    plan: TerritoryPlan = ctx.registry_plan
    for obj, before in plan.ops:
        obj.save()  # few rows: saved one by one, audited and watched for moves like an edit
        RegistryChange.objects.create(batch=batch, model="registry.Territory", object_id=obj.pk, before=before)
    if plan.region is not None:
        batch.territory_id = plan.region.pk


# ------------------------------------------------------------------------------------------
# Rollback


def check_undo(batch: ImportBatch) -> None:
    """Refuse (``RollbackRefused``) to undo a batch whose created territories or organisations
    are used by anything else, or whose objects a later active batch changed again."""
    from msoko.facts.models import ImportBatch

    changes = list(batch.registry_changes.filter(model__in=GUARDED_MODELS).values_list("model", "object_id", "before", "pk"))
    if not changes:
        return
    reasons: list[str] = []
    first = min(pk for *_, pk in changes)
    for label in GUARDED_MODELS:
        ids = [oid for m, oid, _, _ in changes if m == label]
        if not ids:
            continue
        later = sorted(set(RegistryChange.objects.filter(
            model=label, object_id__in=ids, pk__gt=first, batch__status=ImportBatch.Status.ACTIVE,
        ).exclude(batch=batch).values_list("batch_id", flat=True)))
        if later:
            reasons.append("те же записи изменены более поздними загрузками (пакеты "
                           f"{', '.join(f'№ {b}' for b in later)}): сначала отмените их")
        created = [oid for m, oid, before, _ in changes if m == label and before is None]
        if created:
            reasons += _references(apps.get_model(label), created, batch)
    if reasons:
        raise RollbackRefused(f"Пакет № {batch.pk} нельзя отменить: " + "; ".join(reasons) + ".")


def _references(model: type[models.Model], ids: list[int], batch: ImportBatch) -> list[str]:
    from msoko.facts.models import ImportBatch

    out: list[str] = []
    idset = set(ids)
    noun = "созданные им организации" if model is Organisation else "созданные им территории"
    for rel in model._meta.related_objects:
        related = cast(type[models.Model], rel.related_model)
        if related is OrganisationNameVariant or related is RegistryChange:
            continue
        qs = related._default_manager.filter(**{f"{rel.field.name}__in": ids})
        if related is model:
            qs = qs.exclude(pk__in=ids)
        if related is ImportBatch:  # its own and rolled-back batches name it only as history
            qs = qs.exclude(pk=batch.pk).exclude(status=ImportBatch.Status.ROLLED_BACK)
        n = qs.count()
        if n:
            out.append(f"на {noun} ссылаются записи «{related._meta.verbose_name_plural}»: {n}")
    if model is Organisation:
        using = [pk for pk, scope, kind in ImportBatch.objects.filter(
            status__in=(ImportBatch.Status.ACTIVE, ImportBatch.Status.REPLACED)).exclude(pk=batch.pk)
            .values_list("pk", "scope", "kind") if kind not in UPSERT_KINDS and idset & set(scope or [])]
        if using:
            shown = ", ".join(f"№ {b}" for b in sorted(using)[:10]) + (" …" if len(using) > 10 else "")
            out.insert(0, f"данные созданных им организаций загружены пакетами {shown}: сначала отмените их")
    return out


def undo_bulk(batch: ImportBatch, changes: list[RegistryChange]) -> None:
    """Undo a batch's organisations and name variants in bulk (one audit row)."""
    from msoko.facts.models import ImportBatch

    mine = [c for c in changes if c.model in BULK_MODELS]
    created_variants = [c.object_id for c in mine if c.model == "registry.OrganisationNameVariant" and c.before is None]
    created = [c.object_id for c in mine if c.model == "registry.Organisation" and c.before is None]
    restored = {c.object_id: c.before for c in mine if c.model == "registry.Organisation" and c.before is not None}
    moved = False
    with DANGEROUS_unaudited():
        OrganisationNameVariant.objects.filter(pk__in=created_variants).delete()
        if restored:
            todo: list[tuple[models.Model, list[str]]] = []
            for pk, obj in Organisation.objects.in_bulk(list(restored)).items():
                before = restored[pk]
                moved |= before.get("territory_id") != obj.territory_id
                differ = sorted(a for a, v in before.items() if a != "id" and getattr(obj, a) != v)
                for attname in differ:
                    setattr(obj, attname, before[attname])
                todo.append((obj, differ))
            _update_rows(todo)
        Organisation.objects.filter(pk__in=created).delete()
    if mine:
        record("bulk", model="registry.Organisation", object_id=batch.pk,
               object_repr=f"Отмена загрузки реестра организаций (пакет № {batch.pk})",
               changes={"batch": batch.pk, "deleted": created, "restored": sorted(restored),
                        "name_variants_deleted": len(created_variants)})
    # territories about to be deleted: this batch and rolled-back ones stop naming them
    created_territories = [c.object_id for c in changes if c.model == "registry.Territory" and c.before is None]
    if created_territories:
        ImportBatch.objects.filter(territory_id__in=created_territories).filter(
            models.Q(pk=batch.pk) | models.Q(status=ImportBatch.Status.ROLLED_BACK)).update(territory=None)
    if moved:
        from msoko.access.audit import current_actor

        _queue_recompute(current_actor())
