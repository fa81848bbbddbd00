"""The methodology of the analysis: every threshold and weight in one place, with its source.

The built-in defaults are the dataclass below. A region or a municipality may override any of
them in the admin («Анализ результатов → Настройки методики»): a ``MethodologySetting`` row
holds a JSON object of overrides; a municipality's row overrides its region's, which
overrides the defaults. ``load(territory)`` gives the effective values.

Sources of the defaults are named in ``SOURCES`` and in ``docs/user/analysis.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Headline indicators the low-results rule understands: code → (label, which direction is
# bad, procedure, subjects pooled, unit). The codes are those of ``msoko.indicators``.
HEADLINE_INDICATORS: dict[str, dict[str, Any]] = {
    "vpr.share_mark2": {
        "label": "ВПР: доля отметок «2», %",
        "bad": "high",
        "procedure": "VPR",
        "unit": "%",
    },
    "vpr.share_mark45": {
        "label": "ВПР: доля отметок «4» и «5», %",
        "bad": "low",
        "procedure": "VPR",
        "unit": "%",
    },
    "oge.share_mark2": {
        "label": "ОГЭ (русский язык и математика): доля отметок «2», %",
        "bad": "high",
        "procedure": "OGE",
        "unit": "%",
    },
    "oge.mean_mark": {
        "label": "ОГЭ (русский язык и математика): средняя отметка",
        "bad": "low",
        "procedure": "OGE",
        "unit": "",
    },
    "ege.mean_test_score": {
        "label": "ЕГЭ (русский язык и профильная математика): средний тестовый балл",
        "bad": "low",
        "procedure": "EGE",
        "unit": "",
    },
    "ege.share_below_min": {
        "label": "ЕГЭ (русский язык и профильная математика): доля не преодолевших минимальный порог, %",
        "bad": "high",
        "procedure": "EGE",
        "unit": "%",
    },
}

# Subjects pooled for each procedure's headline figures (seeds 002, 003, 004: Russian and
# mathematics are the subjects the low-results monitoring follows). ВПР: every work.
HEADLINE_SUBJECTS: dict[str, tuple[str, ...]] = {
    "OGE": ("ru", "math"),
    "EGE": ("ru", "math_profile"),
    "VPR": (),
}

DIRECTIONS: dict[str, str] = {
    "higher": "больше — лучше",
    "lower": "меньше — лучше",
}


def headline_entry(code: str, weight: float = 1.0) -> dict[str, Any]:
    """The rule's entry for a built-in headline indicator: its own direction, weight 1."""
    bad = HEADLINE_INDICATORS[code]["bad"]
    return {"code": code, "direction": "lower" if bad == "high" else "higher", "weight": weight}


DEFAULT_CONTEXT_WEIGHTS: dict[str, float] = {
    # social-passport field → weight; positive = a more favourable context
    "parents_higher_education_share": 0.25,
    "low_income_share": -0.25,
    "single_parent_share": -0.10,
    "disability_share": -0.10,
    "non_native_share": -0.10,
    "preventive_registration_share": -0.10,
    "distance_to_centre_km": -0.10,
}

CONTEXT_LABELS: dict[str, str] = {
    "parents_higher_education_share": "доля родителей с высшим образованием",
    "low_income_share": "доля обучающихся из малоимущих семей",
    "single_parent_share": "доля обучающихся из неполных семей",
    "disability_share": "доля обучающихся с ОВЗ",
    "non_native_share": "доля обучающихся, для которых русский язык неродной",
    "preventive_registration_share": "доля состоящих на профилактическом учёте",
    "distance_to_centre_km": "удалённость от районного центра",
}

SOURCES: dict[str, str] = {
    "low_results": (
        "Методические рекомендации Рособрнадзора/ФИОКО по выявлению школ с низкими "
        "образовательными результатами (проект «500+»): школы с результатами в нижних 10 % "
        "по ВПР, ОГЭ, ЕГЭ в течение двух лет подряд; результаты с признаками необъективности "
        "из расчёта исключаются."
    ),
    "context": (
        "Индекс социального благополучия школы (ФИОКО, проект «500+»): образование "
        "родителей и материальное положение семей — главные составляющие; остальные поля "
        "социального паспорта — с меньшим весом. Нижняя четверть — школы, функционирующие "
        "в неблагоприятных социальных условиях (ШНСУ)."
    ),
    "resilience": (
        "Подход ФИОКО и ОЭСР (PISA) к резильентности: результаты в верхней четверти при "
        "социальном контексте в нижней четверти; остаток регрессии результатов на индекс "
        "контекста показывает, насколько результаты выше ожидаемых."
    ),
    "objectivity": (
        "Методика Рособрнадзора и ФИОКО выявления признаков необъективности результатов ВПР "
        "(письма Рособрнадзора 2018–2023 гг.: сравнение с отметками в журнале, аномалии "
        "распределения первичных баллов у границ отметок, резкий рост результатов, "
        "расхождение с результатами ГИА, решаемость заданий разной сложности)."
    ),
    "elements": (
        "Рекомендации ФИОКО по анализу результатов ВПР: задание базового уровня считается "
        "освоенным при выполнении не менее 60 %, повышенного (и высокого) — не менее 30 %; "
        "группы менее 10 участников не дают надёжной оценки."
    ),
    "clusters": (
        "Метод k-средних по стандартизованным индексам контекста и результатов; число "
        "кластеров выбирается по наибольшему среднему коэффициенту силуэта."
    ),
    "factors": (
        "Многоуровневая (смешанная) линейная модель: обучающиеся внутри школ, случайный "
        "свободный член школы (statsmodels MixedLM)."
    ),
    "dynamics": (
        "Сид 003 (мониторинг ШНОР/ШНСУ): «наличие положительной динамики» — значение "
        "показателя в текущем году лучше, чем в прошлом."
    ),
}


@dataclass(frozen=True)
class Methodology:
    """Thresholds and weights of every method. Shares are fractions (0.1 = 10 %) unless the
    name ends in ``_pp`` (percentage points) or ``_pct`` (percent)."""

    # --- low results (ШНОР) and the risk zone
    # the indicators of the rule, each {"code", "direction", "weight"}: any indicator of any
    # catalog computed per school (a user's catalog, school aggregates), its direction
    # (``higher`` — more is better, ``lower`` — less is better) and its weight in the verdict
    low_indicators: tuple[dict[str, Any], ...] = field(
        default_factory=lambda: tuple(
            headline_entry(c)
            for c in (
                "vpr.share_mark2",
                "oge.share_mark2",
                "oge.mean_mark",
                "ege.mean_test_score",
                "ege.share_below_min",
            )
        )
    )
    low_share: float = 0.10  # the lowest decile
    risk_share: float = 0.20  # the next band: 10–20 %
    low_consecutive_years: int = 2
    # a year is "low" when the school is in the lowest band on at least this share of the
    # indicators it has enough results for
    low_min_indicator_share: float = 0.5
    min_results: int = 10  # results behind a figure for it to be judged
    # --- social context (ШНСУ)
    context_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CONTEXT_WEIGHTS))
    adverse_share: float = 0.25  # the lowest quartile of the context index
    # --- resilience
    resilient_context_share: float = 0.25
    resilient_results_share: float = 0.25
    resilient_min_residual: float = 1.0  # standardised residual
    resilience_years: int = 3
    # --- signs of non-objective results (ВПР)
    objectivity_min_signals: int = 2
    objectivity_min_results: int = 30  # ВПР results of a school in a year to be judged
    journal_min_excess_pp: float = 10.0  # raised-mark share above the municipality's
    journal_min_z: float = 3.0
    pileup_min_ratio: float = 1.2  # results at the cut points / a smooth histogram's
    pileup_min_z: float = 3.0
    tasks_min_gap_pp: float = 8.0  # basic below and hard above the municipality by this much
    tasks_min_z: float = 2.0
    cohort_min_rise: float = 0.35  # in standard deviations of the municipality
    cohort_min_z: float = 3.0
    cohort_min_students: int = 20
    gia_min_gap: float = 0.5  # ВПР above ОГЭ/ЕГЭ, in standard deviations
    gia_min_z: float = 3.0
    olympiad_min_pairs: int = 3
    olympiad_max_p: float = 0.001
    olympiad_min_ratio: float = 2.0  # identical pairs / pairs expected by chance
    # --- element-wise analysis
    element_basic_pct: float = 60.0
    element_advanced_pct: float = 30.0
    element_min_students: int = 10
    # --- clusters
    cluster_k_min: int = 2
    cluster_k_max: int = 6
    # --- dynamics
    dynamics_tolerance: float = 0.0  # a change within this is "no change"

    @property
    def low_codes(self) -> tuple[str, ...]:
        """The codes of ``low_indicators``, in their order."""
        return tuple(str(e["code"]) for e in self.low_indicators)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["low_indicators"] = [dict(e) for e in self.low_indicators]
        return out

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


FIELD_NAMES = {f.name for f in dataclasses.fields(Methodology)}


class MethodologyError(ValueError):
    """Overrides that do not fit the methodology (the message is in Russian)."""


def definitions(codes: list[str]) -> dict[str, dict[str, Any]]:
    """What the rule needs of each indicator definition in the catalogs: name, unit,
    direction, levels, catalog, the procedure its formula reads (for the exclusion of
    non-objective results)."""
    from msoko.indicators.models import IndicatorDefinition

    out: dict[str, dict[str, Any]] = {}
    for d in IndicatorDefinition.objects.filter(code__in=codes).select_related("catalog"):
        where = (d.spec.get("formula") or {}).get("where") or {}
        procedure = where.get("procedure") if isinstance(where, dict) else None
        out[d.code] = {
            "label": d.name,
            "unit": "%" if d.unit == "percent" else "",
            "direction": d.direction,
            "levels": list(d.levels or []),
            "catalog": d.catalog.code,
            "catalog_name": d.catalog.name,
            "procedure": procedure if isinstance(procedure, str) else None,
            "kind": (d.spec.get("formula") or {}).get("kind"),
            "formula": d.spec.get("formula") or {},
        }
    return out


def parse_low_indicators(value: Any, *, check: bool = True) -> tuple[dict[str, Any], ...]:
    """The rule's indicators from a setting: a list of codes or of
    ``{"code": …, "direction": "higher" | "lower", "weight": число}``. A code alone takes the
    direction of its definition and weight 1. With ``check``, every code must be an indicator
    of a catalog computed per school, with a direction."""
    where = "Показатели ШНОР и зоны риска (low_indicators)"
    if not isinstance(value, list | tuple) or not value:
        raise MethodologyError(f"{where}: нужен непустой список показателей.")
    raw: list[dict[str, Any]] = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, str):
            item = {"code": item}
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise MethodologyError(
                f"{where}, № {i}: нужен код показателя или "
                '{"code": код, "direction": "higher" | "lower", "weight": число}.'
            )
        extra = sorted(set(item) - {"code", "direction", "weight"})
        if extra:
            raise MethodologyError(
                f"{where}, «{item['code']}»: неизвестные поля {', '.join(extra)}."
            )
        raw.append(item)
    codes = [str(r["code"]).strip() for r in raw]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise MethodologyError(f"{where}: показатель указан дважды — {', '.join(twice)}.")
    own = [c for c in codes if c not in HEADLINE_INDICATORS]
    undirected = any("direction" not in r for r in raw)
    known = definitions(own) if own and (check or undirected) else {}
    if check:
        missing = [c for c in own if c not in known]
        if missing:
            raise MethodologyError(
                f"{where}: неизвестные показатели {', '.join(f'«{c}»' for c in missing)} — их "
                "нет ни в одном каталоге показателей. Загрузите каталог или выберите "
                "показатель из списка на странице «Методика анализа»."
            )
        flat = [c for c in own if "school" not in known[c]["levels"]]
        if flat:
            raise MethodologyError(
                f"{where}: показатели {', '.join(f'«{c}»' for c in flat)} не считаются по "
                "школам (в их определении нет уровня организации)."
            )
    out: list[dict[str, Any]] = []
    for code, item in zip(codes, raw, strict=True):
        direction = item.get("direction")
        if direction is None:
            if code in HEADLINE_INDICATORS:
                direction = headline_entry(code)["direction"]
            elif code in known:
                direction = known[code]["direction"]
        if direction not in DIRECTIONS:
            raise MethodologyError(
                f"{where}, «{code}»: укажите направленность (direction) — higher (больше — "
                f"лучше) или lower (меньше — лучше)"
                + ("." if direction in (None, "none") else f", а не {direction!r}.")
            )
        weight = item.get("weight", 1.0)
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not weight > 0
            or weight != weight
        ):
            raise MethodologyError(
                f"{where}, «{code}»: вес (weight) — положительное число, а не {weight!r}."
            )
        out.append({"code": code, "direction": direction, "weight": float(weight)})
    return tuple(out)


def apply_overrides(
    base: Methodology, overrides: dict[str, Any], *, check: bool = True
) -> Methodology:
    """``base`` with ``overrides`` applied; unknown names and wrong types are refused.
    ``check``: the indicators of ``low_indicators`` must exist in the catalogs (a saved
    setting is loaded without it: an indicator deleted since is reported by the run as
    «не оценивалось», not as a broken page)."""
    if not isinstance(overrides, dict):
        raise MethodologyError('Настройки методики должны быть объектом JSON {"имя": значение}.')
    unknown = sorted(set(overrides) - FIELD_NAMES)
    if unknown:
        raise MethodologyError("Неизвестные параметры методики: " + ", ".join(unknown) + ".")
    values: dict[str, Any] = {}
    for name, value in overrides.items():
        current = getattr(base, name)
        if name == "low_indicators":
            values[name] = parse_low_indicators(value, check=check)
        elif name == "context_weights":
            if not isinstance(value, dict) or not value:
                raise MethodologyError('context_weights: нужен объект {"поле паспорта": вес}.')
            bad = [k for k in value if k not in DEFAULT_CONTEXT_WEIGHTS]
            if bad:
                raise MethodologyError(
                    "context_weights: неизвестные поля социального паспорта " + ", ".join(bad) + "."
                )
            if not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()
            ):
                raise MethodologyError("context_weights: веса должны быть числами.")
            values[name] = {k: float(v) for k, v in value.items()}
        elif (
            isinstance(current, bool)
            or not isinstance(value, int | float)
            or isinstance(value, bool)
        ):
            raise MethodologyError(f"{name}: нужно число.")
        elif isinstance(current, int) and not isinstance(current, bool):
            if int(value) != value or value < 0:
                raise MethodologyError(f"{name}: нужно неотрицательное целое число.")
            values[name] = int(value)
        else:
            if value < 0:
                raise MethodologyError(f"{name}: значение не может быть отрицательным.")
            values[name] = float(value)
    for name in (
        "low_share",
        "risk_share",
        "adverse_share",
        "resilient_context_share",
        "resilient_results_share",
        "low_min_indicator_share",
    ):
        v = values.get(name)
        if v is not None and not 0 < v <= 1:
            raise MethodologyError(f"{name}: доля задаётся числом от 0 до 1 (0.1 — это 10 %).")
    result = dataclasses.replace(base, **values)
    if result.risk_share < result.low_share:
        raise MethodologyError("risk_share не может быть меньше low_share.")
    if result.cluster_k_min < 2 or result.cluster_k_max < result.cluster_k_min:
        raise MethodologyError("Число кластеров: нужно 2 ≤ cluster_k_min ≤ cluster_k_max.")
    return result


def load(territory: Any = None) -> Methodology:
    """The effective methodology for ``territory``: defaults, then the region's overrides,
    then the municipality's."""
    from msoko.analysis.models import MethodologySetting

    method = Methodology()
    chain: list[Any] = []
    node = territory
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    rows = {
        s.territory_id: s.overrides
        for s in MethodologySetting.objects.filter(territory_id__in=[*chain])
    }
    default_row = MethodologySetting.objects.filter(territory__isnull=True).first()
    if default_row is not None:
        method = apply_overrides(method, default_row.overrides, check=False)
    for pk in reversed(chain):
        if pk in rows:
            method = apply_overrides(method, rows[pk], check=False)
    return method


def setting_of(territory: Any) -> tuple[Any, Any]:
    """The territory's own setting row (or None) and the territory it inherits from: the
    row a page edits, and where the values it shows otherwise come from."""
    from msoko.analysis.models import MethodologySetting

    own = MethodologySetting.objects.filter(territory=territory).first()
    return own, territory.parent if territory is not None else None
