"""One analysis run over a territory and a year: every method, and the findings with their
evidence.

``run(territory, year)`` returns a plain JSON-serialisable report:

* ``schools`` — every school with its context index, results index, residual, cluster;
* ``findings`` — one item per flagged school and finding (``low_results``, ``risk_zone``,
  ``adverse_conditions``, ``resilient``, ``non_objective``) with the signals / figures behind
  it and a sentence in Russian;
* ``low``, ``objectivity``, ``clusters``, ``factors``, ``dynamics`` — the full tables behind
  the findings (the drill-down of the pages).

The run reads the facts of the territory's schools only; what a user sees of it is filtered
by the permission policy in ``msoko.analysis.views`` (``visible``).
"""

from __future__ import annotations

import datetime
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from msoko.analysis import context as ctx
from msoko.analysis import headline, objectivity, scores
from msoko.analysis.methodology import HEADLINE_INDICATORS, SOURCES, Methodology
from msoko.analysis.scope import Scope, build

FINDINGS: dict[str, str] = {
    "low_results": "Низкие результаты (ШНОР)",
    "risk_zone": "Зона риска",
    "adverse_conditions": "Неблагоприятные социальные условия (ШНСУ)",
    "resilient": "Резильентная школа",
    "non_objective": "Признаки необъективности результатов",
}


def _f(x: Any, places: int = 3) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else round(v, places)


# ----------------------------------------------------------------------------------------
# Low results and the risk zone


def _slots(n: int, share: float) -> int:
    """How many schools make the lowest ``share`` of ``n``: ⌊n · share⌋, at least one."""
    return max(1, int(math.floor(n * share + 1e-9)))


def _kept(
    rows: pd.DataFrame, year: int, procedure: str | None, excluded: set[tuple[int, int, str]]
) -> pd.Series:
    """A mask of the rows whose school's results of ``procedure`` are not excluded."""
    return pd.Series(
        [(int(o), year, procedure) not in excluded for o in rows["org_id"]],
        index=rows.index,
        dtype=bool,
    )


def default_meta(m: Methodology) -> dict[str, dict[str, Any]]:
    """The rule's indicators described from the built-in list alone (no database): for
    frames of built-in codes, as the unit tests feed them."""
    out = {}
    for e in m.low_indicators:
        base = HEADLINE_INDICATORS.get(str(e["code"]), {})
        out[str(e["code"])] = {
            "label": base.get("label", e["code"]),
            "unit": base.get("unit", ""),
            "procedure": base.get("procedure"),
            "bad": "high" if e["direction"] == "lower" else "low",
            "direction": e["direction"],
            "weight": float(e.get("weight", 1.0)),
            "builtin": bool(base),
            "missing": False,
        }
    return out


def low_results(
    pooled: pd.DataFrame,
    years: list[int],
    m: Methodology,
    excluded: set[tuple[int, int, str]],
    meta: dict[str, dict[str, Any]] | None = None,
    org_ids: list[int] | None = None,
) -> dict[int, dict[str, Any]]:
    """Per school: for each year of ``years`` and each indicator, the value, the municipal
    value, the band thresholds and whether the school is in the low or risk band; the
    indicators it could not be judged on and why (``skipped``); then the yearly verdict
    (weighted by the indicators' weights) and the overall finding (``low_results`` /
    ``risk_zone`` / None). ``org_ids``: every school of the territory, so that a school
    without any value still gets its reasons."""
    meta = meta if meta is not None else default_meta(m)
    out: dict[int, dict[str, Any]] = {}

    def school_of(org: int) -> dict[str, Any]:
        return out.setdefault(org, {"years": {}, "indicators": [], "skipped": []})

    for org in org_ids or []:
        school_of(int(org))
    for year in years:
        for code in m.low_codes:
            info = meta[code]

            def skip(org: int, reason: str, code: str = code, info: dict[str, Any] = info,
                     year: int = year) -> None:
                school_of(org)["skipped"].append(
                    {"indicator": code, "label": info["label"], "year": year, "reason": reason})

            if info.get("missing"):
                for org in list(out):
                    skip(org, "показатель не найден ни в одном каталоге")
                continue
            all_rows = pooled[(pooled["indicator"] == code) & (pooled["year"] == year)]
            rows = all_rows[all_rows["n"] >= m.min_results]
            small = all_rows[all_rows["n"] < m.min_results]
            rows = rows[_kept(rows, year, info["procedure"], excluded)]
            for _, r in small.iterrows():
                skip(int(r["org_id"]), f"группа меньше минимальной ({int(r['n'])} < {m.min_results})")
            for o in all_rows["org_id"]:
                if (int(o), year, info["procedure"]) in excluded:
                    skip(int(o), "результаты с признаками необъективности исключены")
            if len(rows) < 3:
                for o in rows["org_id"]:
                    skip(int(o), f"школ с достаточным числом результатов {len(rows)} — "
                         "меньше трёх, сравнивать не с кем")
            for org in set(out) - {int(o) for o in all_rows["org_id"]}:
                skip(org, "нет значения за этот год")
            if len(rows) < 3:
                continue
            total_n = float(rows["n"].sum())
            municipal = float((rows["value"] * rows["n"]).sum() / total_n) if total_n else None
            median = float(rows["value"].median())
            # worst first; a tie takes the better place, so ties never widen the band
            order = rows.sort_values("value", ascending=info["bad"] == "low")
            values = order["value"].to_numpy(dtype=float)
            low_slots, risk_slots = _slots(len(rows), m.low_share), _slots(len(rows), m.risk_share)
            low_t, risk_t = values[low_slots - 1], values[risk_slots - 1]
            place = {int(o): i + 1 for i, o in enumerate(order["org_id"])}
            worse = (lambda a, b: a > b) if info["bad"] == "high" else (lambda a, b: a < b)
            for _, r in rows.iterrows():
                org, value = int(r["org_id"]), float(r["value"])
                ties_better = sum(1 for v in values if worse(v, value))
                worse_than_median = worse(value, median)
                in_low = (
                    worse_than_median
                    and ties_better < low_slots
                    and not any(v == value for v in values[low_slots:])
                )
                in_risk = (
                    worse_than_median
                    and ties_better < risk_slots
                    and not any(v == value for v in values[risk_slots:])
                )
                school_of(org)["indicators"].append(
                    {
                        "indicator": code,
                        "label": info["label"],
                        "unit": info["unit"],
                        "direction": info["direction"],
                        "weight": info["weight"],
                        "year": year,
                        "value": _f(value, 2),
                        "n": int(r["n"]),
                        "municipality": _f(municipal, 2),
                        "low_threshold": _f(low_t, 2),
                        "risk_threshold": _f(risk_t, 2),
                        "place_from_worst": place[org],
                        "schools": len(rows),
                        "band": "low" if in_low else ("risk" if in_risk else ""),
                    }
                )
    for school in out.values():
        for year in years:
            items = [i for i in school["indicators"] if i["year"] == year]
            judged = len(items)
            low_count = sum(1 for i in items if i["band"] == "low")
            risk_count = sum(1 for i in items if i["band"] in ("low", "risk"))
            weight = sum(i["weight"] for i in items)
            low_w = sum(i["weight"] for i in items if i["band"] == "low")
            risk_w = sum(i["weight"] for i in items if i["band"] in ("low", "risk"))
            need = m.low_min_indicator_share * weight - 1e-9
            school["years"][year] = {
                "judged": judged,
                "low": low_count,
                "low_or_risk": risk_count,
                "weight": _f(weight),
                "low_weight": _f(low_w),
                "low_or_risk_weight": _f(risk_w),
                "verdict": (
                    "low"
                    if judged and low_w >= need
                    else ("risk" if judged and risk_w >= need else "")
                ),
            }
        recent = years[-m.low_consecutive_years :]
        verdicts = [school["years"][y]["verdict"] for y in recent]
        if verdicts and all(v == "low" for v in verdicts):
            school["finding"] = "low_results"
        elif any(v == "low" for v in verdicts) or (verdicts and all(v for v in verdicts)):
            school["finding"] = "risk_zone"
        else:
            school["finding"] = None
        school["evaluated"] = any(school["years"][y]["judged"] for y in recent)
    return out


# ----------------------------------------------------------------------------------------
# Resilience, clusters, factors, dynamics


def resilience(frame: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    """Adds ``expected``, ``residual`` (standardised) and ``resilient`` to a frame with
    ``context`` and ``results``: results regressed on context over the territory's schools."""
    f = frame.dropna(subset=["context", "results"]).copy()
    frame = frame.copy()
    frame["expected"] = np.nan
    frame["residual"] = np.nan
    frame["resilient"] = False
    if len(f) < 5:
        return frame
    slope, intercept = np.polyfit(f["context"], f["results"], 1)
    expected = intercept + slope * f["context"]
    resid = f["results"] - expected
    sd = float(resid.std(ddof=2)) or 1.0
    f["expected"] = expected
    f["residual"] = resid / sd
    low_ctx = float(np.quantile(f["context"], m.resilient_context_share))
    top_res = float(np.quantile(f["results"], 1 - m.resilient_results_share))
    f["resilient"] = (
        (f["context"] <= low_ctx)
        & (f["results"] >= top_res)
        & (f["residual"] >= m.resilient_min_residual)
    )
    frame.loc[f.index, ["expected", "residual", "resilient"]] = f[
        ["expected", "residual", "resilient"]
    ]
    frame.attrs["regression"] = {
        "slope": _f(slope),
        "intercept": _f(intercept),
        "residual_sd": _f(sd),
        "context_threshold": _f(low_ctx),
        "results_threshold": _f(top_res),
        "r2": _f(
            1
            - float((resid**2).sum())
            / float(((f["results"] - f["results"].mean()) ** 2).sum() or 1)
        ),
    }
    return frame


def _level(value: float) -> str:
    return "high" if value > 0.5 else ("low" if value < -0.5 else "mid")


CONTEXT_WORDS = {"high": "благоприятный", "mid": "средний", "low": "неблагоприятный"}
RESULT_WORDS = {"high": "высокие", "mid": "средние", "low": "низкие"}


def clusters(frame: pd.DataFrame, m: Methodology) -> dict[str, Any]:
    """k-means on the standardised context and results indices; k by the best silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    f = frame.dropna(subset=["context", "results"])
    if len(f) < max(6, m.cluster_k_min + 2):
        return {
            "k": 0,
            "clusters": [],
            "criterion": "silhouette",
            "scores": {},
            "note": "Школ с контекстом и результатами слишком мало для кластеризации.",
        }
    x = f[["context", "results"]].to_numpy(dtype=float)
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    best: tuple[float, int, np.ndarray] | None = None
    scores_by_k: dict[str, float] = {}
    for k in range(m.cluster_k_min, min(m.cluster_k_max, len(f) - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=20, random_state=0).fit_predict(x)
        if len(set(labels)) < 2:
            continue
        s = float(silhouette_score(x, labels))
        scores_by_k[str(k)] = round(s, 3)
        if best is None or s > best[0] + 1e-9:
            best = (s, k, labels)
    if best is None:
        return {"k": 0, "clusters": [], "criterion": "silhouette", "scores": scores_by_k}
    _, k, labels = best
    f = f.assign(cluster=labels)
    # number clusters by mean results, best first
    order = f.groupby("cluster")["results"].mean().sort_values(ascending=False).index
    renumber = {int(old): i + 1 for i, old in enumerate(order)}
    f["cluster"] = f["cluster"].map(renumber)
    out = []
    for c, g in f.groupby("cluster"):
        c_ctx, c_res = float(g["context"].mean()), float(g["results"].mean())
        words = (
            f"{CONTEXT_WORDS[_level(c_ctx)].capitalize()} социальный контекст, "
            f"{RESULT_WORDS[_level(c_res)]} результаты"
        )
        out.append(
            {
                "cluster": int(c),
                "size": len(g),
                "context": _f(c_ctx),
                "results": _f(c_res),
                "rural_pct": _f(100.0 * g["rural"].mean(), 1),
                "small_pct": _f(100.0 * g["small"].mean(), 1),
                "description": words,
                "org_ids": [int(o) for o in g["org_id"]],
            }
        )
    return {
        "k": k,
        "criterion": "silhouette",
        "scores": scores_by_k,
        "clusters": out,
        "assignment": {int(o): int(c) for o, c in zip(f["org_id"], f["cluster"], strict=True)},
    }


FACTOR_LABELS = {
    "context": "индекс социального контекста школы",
    "qualified_pct": "доля учителей высшей и первой категории",
    "experience": "средний педагогический стаж учителей",
    "young_pct": "доля молодых специалистов",
    "rural": "сельская школа",
}


def factors(scope: Scope, frame: pd.DataFrame) -> dict[str, Any]:
    """A multilevel model of students' standardised results (ВПР, ОГЭ, ЕГЭ of the year)
    within schools on school factors; coefficients per one standard deviation of a factor."""
    import statsmodels.formula.api as smf

    z = scores.student_z(scope, scores.MAIN_PROCEDURES, years=[scope.year])
    students = z.group_by(["org_id", "student"]).aggregate(z=z.z.mean()).to_pandas()
    predictors = [p for p in FACTOR_LABELS if p in frame and frame[p].notna().sum() >= 5]
    school = frame[["org_id", *predictors]].dropna()
    usable = [p for p in predictors if school[p].std() > 0]
    if len(school) < 8 or not usable:
        return {"fitted": False, "note": "Недостаточно школ с данными о контексте и кадрах."}
    means = {p: float(school[p].astype(float).mean()) for p in usable}
    sds = {p: float(school[p].astype(float).std()) for p in usable}
    for p in usable:
        school[p] = (school[p].astype(float) - means[p]) / sds[p]
    data = students.merge(school, on="org_id")
    if data["org_id"].nunique() < 8:
        return {"fitted": False, "note": "Недостаточно школ с результатами."}
    formula = "z ~ " + " + ".join(usable)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = smf.mixedlm(formula, data, groups=data["org_id"]).fit(reml=True)
        except (ValueError, np.linalg.LinAlgError) as exc:
            return {"fitted": False, "note": f"Модель не оценена: {exc}"}
    ci = fit.conf_int()
    between = float(fit.cov_re.iloc[0, 0])
    within = float(fit.scale)
    rows = []
    for p in usable:
        coef, lo, hi, pv = (
            float(fit.params[p]),
            float(ci.loc[p, 0]),
            float(ci.loc[p, 1]),
            float(fit.pvalues[p]),
        )
        unit = "" if p in ("rural",) else ""
        direction = "выше" if coef > 0 else "ниже"
        sure = lo > 0 or hi < 0
        text = (
            f"При прочих равных там, где {FACTOR_LABELS[p]} больше на одно стандартное "
            f"отклонение ({sds[p]:.1f}{unit}), результаты обучающихся в среднем {direction} "
            f"на {abs(coef):.2f} ст. откл. (95 % ДИ от {lo:+.2f} до {hi:+.2f})"
            + ("." if sure else "; интервал включает ноль — связь не подтверждена.")
        )
        rows.append(
            {
                "factor": p,
                "label": FACTOR_LABELS[p],
                "coef": _f(coef),
                "ci_low": _f(lo),
                "ci_high": _f(hi),
                "p_value": _f(pv, 4),
                "sd": _f(sds[p], 2),
                "mean": _f(means[p], 2),
                "significant": bool(sure),
                "text": text,
            }
        )
    return {
        "fitted": True,
        "formula": formula + " + (1 | школа)",
        "students": len(data),
        "schools": int(data["org_id"].nunique()),
        "icc": _f(between / (between + within) if between + within else None),
        "coefficients": rows,
        "caution": (
            "Это связь, а не причина: модель показывает, какие условия сопутствуют более "
            "высоким результатам при прочих учтённых равных, но не доказывает, что их "
            "изменение изменит результаты."
        ),
    }


def dynamics(
    pooled: pd.DataFrame,
    index_by_year: pd.DataFrame,
    years: list[int],
    m: Methodology,
    meta_of: dict[str, dict[str, Any]] | None = None,
) -> dict[int, list[dict[str, Any]]]:
    """Per school: each headline indicator (the rule's and the built-in ones) and the
    results index over the years, the trend and whether there is positive dynamics (the
    current year better than the previous)."""
    out: dict[int, list[dict[str, Any]]] = {}
    series: list[tuple[int, str, str, str, dict[int, float]]] = []
    known = {**HEADLINE_INDICATORS, **(meta_of if meta_of is not None else default_meta(m))}
    for (code, org), g in pooled.groupby(["indicator", "org_id"]):
        meta = known.get(str(code))
        if meta is None:
            continue
        series.append(
            (
                int(org),
                str(code),
                meta["label"],
                meta["bad"],
                {int(y): float(v) for y, v in zip(g["year"], g["value"], strict=True)},
            )
        )
    for org, g in index_by_year.groupby("org_id"):
        series.append(
            (
                int(org),
                "results_index",
                "Индекс результатов (ВПР, ОГЭ, ЕГЭ), ст. откл.",
                "low",
                {int(y): float(v) for y, v in zip(g["year"], g["z"], strict=True)},
            )
        )
    for org, code, label, bad, values in series:
        sign = -1.0 if bad == "high" else 1.0
        ys = [y for y in years if y in values]
        trend = ""
        if len(ys) >= 2:
            slope = float(np.polyfit(ys, [values[y] for y in ys], 1)[0]) * sign
            if abs(slope) < 1e-9:  # equal values: the fit's rounding is no trend
                slope = 0.0
            trend = (
                "рост"
                if slope > m.dynamics_tolerance
                else "снижение"
                if slope < -m.dynamics_tolerance
                else "без изменений"
            )
        cur, prev = years[-1], years[-2] if len(years) > 1 else None
        positive = None
        if prev is not None and cur in values and prev in values:
            positive = (values[cur] - values[prev]) * sign > m.dynamics_tolerance
        out.setdefault(org, []).append(
            {
                "indicator": code,
                "label": label,
                "values": {str(y): _f(values.get(y), 2) for y in years},
                "trend": trend,
                "positive": positive,
            }
        )
    return out


# ----------------------------------------------------------------------------------------


def _sentence(finding: str, detail: dict[str, Any]) -> str:
    if finding in ("low_results", "risk_zone"):
        years = detail["years"]
        parts = []
        for y, v in years.items():
            parts.append(
                f"{y}/{int(y) + 1}: в нижних {detail['low_pct']} % муниципалитета по "
                f"{v['low']} из {v['judged']} показателей"
                + (
                    f", в зоне до {detail['risk_pct']} % — по {v['low_or_risk']}"
                    if v["low_or_risk"] != v["low"]
                    else ""
                )
            )
        return "; ".join(parts) + "."
    return ""


def indicator_results_index(
    pooled: pd.DataFrame,
    meta: dict[str, dict[str, Any]],
    years: list[int],
    m: Methodology,
    excluded: set[tuple[int, int, str]],
) -> pd.DataFrame:
    """A results index from the rule's indicators, for a territory without results of
    students (school aggregates only): each indicator and year standardised over the
    territory's schools (z, signed so that higher is better), the weighted mean over the
    indicators, then the mean over the years. Values behind fewer than ``min_results``
    results and non-objective results are left out, as in the rule."""
    parts = []
    for code, info in meta.items():
        if info.get("missing"):
            continue
        for year in years:
            rows = pooled[(pooled["indicator"] == code) & (pooled["year"] == year)]
            rows = rows[rows["n"] >= m.min_results]
            rows = rows[_kept(rows, year, info["procedure"], excluded)]
            if len(rows) < 3:
                continue
            v = rows["value"].astype(float)
            sd = float(v.std(ddof=0))
            z = (v - v.mean()) / sd if sd > 0 else v * 0.0
            if info["bad"] == "high":
                z = -z
            parts.append(
                pd.DataFrame(
                    {
                        "org_id": rows["org_id"].astype(int).to_numpy(),
                        "year": year,
                        "indicator": code,
                        "z": z.to_numpy(),
                        "w": info["weight"],
                        "n": rows["n"].to_numpy(dtype=float),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=["org_id", "results", "n", "procedures"])
    f = pd.concat(parts, ignore_index=True)
    f["wz"] = f["z"] * f["w"]
    per_year = f.groupby(["org_id", "year"], as_index=False).agg(
        wz=("wz", "sum"), w=("w", "sum"), n=("n", "max")
    )
    per_year["z"] = per_year["wz"] / per_year["w"]
    out = per_year.groupby("org_id", as_index=False).agg(results=("z", "mean"), n=("n", "sum"))
    out["procedures"] = "indicators"
    out["n"] = out["n"].astype(int)
    return out


def _status(status: str, reason: str = "") -> dict[str, str]:
    return {"status": status, "reason": reason if status == "not_evaluated" else ""}


STATUS_NAMES = {
    "fired": "выявлено",
    "not_fired": "оценено, не выявлено",
    "not_evaluated": "не оценивалось",
}


def _lc(name: str) -> str:
    """«Резкий рост…» → «резкий рост…», but «ВПР выше…» stays."""
    return name[:1].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def _join(reasons: list[str]) -> str:
    seen: list[str] = []
    for r in reasons:
        if r and r not in seen:
            seen.append(r)
    return "; ".join(seen)


def _low_statuses(
    item: dict[str, Any] | None, recent: list[int], m: Methodology
) -> dict[str, dict[str, str]]:
    """ШНОР and the risk zone of one school: fired, not fired, or not evaluated and why."""
    if not item or not item.get("evaluated"):
        first: dict[str, str] = {}
        for s in (item or {}).get("skipped", []):
            if s["year"] in recent:
                first.setdefault(s["label"], s["reason"])
        reason = _join([f"{k}: {v}" for k, v in first.items()]) or (
            "нет значений выбранных показателей"
        )
        return {
            "low_results": _status("not_evaluated", reason),
            "risk_zone": _status("not_evaluated", reason),
        }
    finding = item.get("finding")
    unjudged = [y for y in recent if not item["years"][y]["judged"]]
    if finding == "low_results":
        low = _status("fired")
    elif unjudged and len(recent) >= m.low_consecutive_years:
        low = _status(
            "not_evaluated",
            "нет данных за "
            + ", ".join(f"{y}/{y + 1}" for y in unjudged)
            + f" (ШНОР — {m.low_consecutive_years} года подряд)",
        )
    else:
        low = _status("not_fired")
    risk = _status("fired" if finding == "risk_zone" else "not_fired")
    return {"low_results": low, "risk_zone": risk}


def _objectivity_status(rows: list[dict[str, Any]], m: Methodology) -> dict[str, str]:
    if not rows:
        return _status("not_evaluated", "нет результатов ВПР обучающихся")
    if any(r["flagged"] for r in rows):
        return _status("fired")
    if any(len(r["evaluated"]) >= m.objectivity_min_signals for r in rows):
        return _status("not_fired")
    first: dict[str, str] = {}
    for r in rows:
        for s in r["signals"]:
            if s["status"] == "not_evaluated":
                first.setdefault(s["name"], s["reason"])
    reasons = [f"{_lc(k)} — {v}" for k, v in first.items()]
    best = max(len(r["evaluated"]) for r in rows)
    return _status(
        "not_evaluated",
        f"оценено признаков {best} из {len(objectivity.SIGNALS)}, а нужно совпадение не менее "
        f"{m.objectivity_min_signals}: " + _join(reasons),
    )


def evaluation_summary(school_rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per finding, over the schools: how many were found, evaluated and not, and why not
    (schools of a report without statuses — an older cached one — are not counted)."""
    out: dict[str, dict[str, Any]] = {}
    for code, title in FINDINGS.items():
        statuses = [s["statuses"][code] for s in school_rows if code in s.get("statuses", {})]
        fired = sum(1 for s in statuses if s["status"] == "fired")
        not_fired = sum(1 for s in statuses if s["status"] == "not_fired")
        reasons: dict[str, int] = {}
        for s in statuses:
            if s["status"] == "not_evaluated":
                reasons[s["reason"]] = reasons.get(s["reason"], 0) + 1
        evaluated = fired + not_fired
        out[code] = {
            "finding": code,
            "title": title,
            "status": "evaluated" if evaluated else "not_evaluated",
            "schools": len(statuses),
            "fired": fired,
            "not_fired": not_fired,
            "not_evaluated": len(statuses) - evaluated,
            "reasons": [
                {"reason": r, "schools": n}
                for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
        }
    return out


def indicator_summary(
    pooled: pd.DataFrame, meta: dict[str, dict[str, Any]], recent: list[int], source: str
) -> list[dict[str, Any]]:
    """The rule's indicators as the run found them: where the values come from and how
    many schools have one in each year; why there are none."""
    out = []
    for code, info in meta.items():
        rows = pooled[pooled["indicator"] == code]
        by_year = {str(y): int(rows[rows["year"] == y]["org_id"].nunique()) for y in recent}
        if info.get("missing"):
            reason = "показатель не найден ни в одном каталоге"
        elif not any(by_year.values()):
            reason = (
                f"нет результатов {info['procedure']} по школам"
                if info["builtin"]
                else f"нет значений: рассчитайте показатели каталога «{info['catalog']}»"
            )
        else:
            reason = ""
        out.append(
            {
                "indicator": code,
                "label": info["label"],
                "catalog": info["catalog"],
                "direction": info["direction"],
                "weight": info["weight"],
                "source": ("indicators" if not info["builtin"] else source),
                "schools_by_year": by_year,
                "status": "not_evaluated" if reason else "evaluated",
                "reason": reason,
            }
        )
    return out


def run(
    territory: Any, year: int | None = None, methodology: Methodology | None = None
) -> dict[str, Any]:
    """The whole analysis of ``territory`` for ``year`` (the latest year with results, or
    social passports, if None). Runs on what exists: social passports alone give ШНСУ;
    school aggregates with the rule's indicators give ШНОР, the risk zone and resilience;
    every finding and signal of every school says whether it fired, was evaluated, or could
    not be evaluated and why. Raises ``AnalysisInputError`` (Russian message) only when
    there is nothing to analyse."""
    from msoko.analysis import methodology as method_mod

    m = methodology or method_mod.load(territory)
    window = max(m.resilience_years, m.low_consecutive_years, 3)
    scope = build(territory, year, window=window)
    years = scope.years
    recent = years[-m.low_consecutive_years :]
    schools = scope.schools.copy()
    org_ids = scope.org_ids

    means = scores.school_means(scope)
    obj = objectivity.analyse(scope, recent, means, m)
    excluded = {(r["org_id"], r["year"], "VPR") for r in obj if r["flagged"]}

    meta = headline.rule_meta(m.low_indicators)
    builtin = [c for c in m.low_codes if meta[c]["builtin"]]
    builtin += [c for c in HEADLINE_INDICATORS if c not in builtin]
    values, source = headline.headline_values(builtin, org_ids, years, con=scope.con)
    own = headline.own_values(meta, org_ids, years)
    frames = [f for f in (values, own) if not f.empty]
    pooled = headline.pool(pd.concat(frames, ignore_index=True) if frames else values)
    low = low_results(pooled, recent, m, excluded, meta, org_ids)

    passport = ctx.passports(org_ids, scope.year)
    index = ctx.context_index(passport, m)
    resilience_years = years[-m.resilience_years :]
    results = scores.results_index(means, resilience_years, m.min_results, excluded)
    results_source = "students"
    if results.empty:
        rule_pooled = pooled[pooled["indicator"].isin(list(meta))]
        results = indicator_results_index(rule_pooled, meta, resilience_years, m, excluded)
        results_source = "indicators" if not results.empty else ""
    frame = schools.merge(index[["org_id", "context"]], on="org_id", how="left").merge(
        results[["org_id", "results", "n"]], on="org_id", how="left"
    )
    frame = frame.merge(ctx.staffing(org_ids), on="org_id", how="left")
    frame = resilience(frame, m)
    regression = frame.attrs.get("regression", {})
    with_context = frame.dropna(subset=["context"])
    adverse_t = (
        float(np.quantile(with_context["context"], m.adverse_share))
        if len(with_context) >= 4
        else None
    )
    frame["adverse"] = (frame["context"] <= adverse_t) if adverse_t is not None else False
    cl = clusters(frame, m)
    assignment = cl.pop("assignment", {})
    frame["cluster"] = frame["org_id"].map(assignment)
    fac = factors(scope, frame)
    index_by_year = (
        means.groupby(["org_id", "year"], as_index=False).apply(
            lambda g: pd.Series({"z": float((g["z"] * g["n"]).sum() / g["n"].sum())}),
            include_groups=False,
        )
        if not means.empty
        else pd.DataFrame(columns=["org_id", "year", "z"])
    )
    dyn = dynamics(pooled, index_by_year, years, m, meta)

    code_of = dict(zip(schools["org_id"], schools["code"], strict=True))
    name_of = dict(zip(schools["org_id"], schools["name"], strict=True))
    findings: list[dict[str, Any]] = []

    def add(
        org: int, finding: str, text: str, signals: list[dict[str, Any]], year_: int | None = None
    ) -> None:
        findings.append(
            {
                "org_id": int(org),
                "code": code_of[org],
                "name": name_of[org],
                "finding": finding,
                "title": FINDINGS[finding],
                "status": "fired",
                "year": year_,
                "text": text,
                "signals": signals,
            }
        )

    for org, item in sorted(low.items()):
        if item["finding"]:
            text = _sentence(
                item["finding"],
                {
                    "years": {str(y): v for y, v in item["years"].items()},
                    "low_pct": round(100 * m.low_share),
                    "risk_pct": round(100 * m.risk_share),
                },
            )
            signals = [
                {
                    "signal": i["indicator"],
                    "name": f"{i['label']} ({i['year']}/{i['year'] + 1})",
                    "fired": bool(i["band"]),
                    "status": "fired" if i["band"] else "not_fired",
                    "reason": "",
                    "figures": i,
                    "text": "",
                }
                for i in item["indicators"]
            ] + [
                {
                    "signal": s["indicator"],
                    "name": f"{s['label']} ({s['year']}/{s['year'] + 1})",
                    "fired": None,
                    "status": "not_evaluated",
                    "reason": s["reason"],
                    "figures": {},
                    "text": f"Не оценивался: {s['reason']}.",
                }
                for s in item["skipped"]
            ]
            add(org, item["finding"], text, signals)
    for r in obj:
        if r["flagged"]:
            names = ", ".join(s["name"].lower() for s in r["signals"] if s["fired"])
            add(
                r["org_id"],
                "non_objective",
                f"{r['year']}/{r['year'] + 1}: совпали {len(r['fired'])} признака — {names}.",
                r["signals"],
                r["year"],
            )
    for _, row in frame.iterrows():
        org = int(row["org_id"])
        if bool(row["adverse"]):
            add(
                org,
                "adverse_conditions",
                f"Индекс социального контекста {row['context']:+.2f} — в нижней четверти "
                f"муниципалитета (порог {adverse_t:+.2f}).",
                [
                    {
                        "signal": "context_index",
                        "name": "Индекс социального контекста",
                        "fired": True,
                        "status": "fired",
                        "reason": "",
                        "figures": {"context": _f(row["context"]), "threshold": _f(adverse_t)},
                        "text": "",
                    }
                ],
            )
        if bool(row["resilient"]):
            add(
                org,
                "resilient",
                f"При индексе контекста {row['context']:+.2f} (нижняя четверть) индекс "
                f"результатов {row['results']:+.2f} (верхняя четверть); это на "
                f"{row['residual']:.1f} ст. откл. выше ожидаемого по контексту "
                f"({row['expected']:+.2f}).",
                [
                    {
                        "signal": "residual",
                        "name": "Результаты выше ожидаемых по контексту",
                        "fired": True,
                        "status": "fired",
                        "reason": "",
                        "figures": {
                            "context": _f(row["context"]),
                            "results": _f(row["results"]),
                            "expected": _f(row["expected"]),
                            "residual": _f(row["residual"]),
                            "results_source": results_source,
                            **{k: v for k, v in regression.items()},
                        },
                        "text": "",
                    }
                ],
            )

    with_passport = int(frame["context"].notna().sum())
    both = int(frame.dropna(subset=["context", "results"]).shape[0])
    obj_by_org: dict[int, list[dict[str, Any]]] = {}
    for r in obj:
        obj_by_org.setdefault(int(r["org_id"]), []).append(r)
    school_rows = []
    for _, row in frame.iterrows():
        org = int(row["org_id"])
        has_context = not pd.isna(row.get("context"))
        has_results = not pd.isna(row.get("results"))
        if not has_context:
            adverse = _status("not_evaluated", "нет социального паспорта")
        elif adverse_t is None:
            adverse = _status(
                "not_evaluated",
                f"школ с социальным паспортом меньше четырёх ({with_passport} < 4)",
            )
        else:
            adverse = _status("fired" if bool(row["adverse"]) else "not_fired")
        if not has_context:
            resilient = _status("not_evaluated", "нет социального паспорта")
        elif not has_results:
            resilient = _status(
                "not_evaluated",
                "нет результатов для индекса результатов (по обучающимся или по выбранным "
                "показателям; группы меньше минимальной не учитываются)",
            )
        elif not regression:
            resilient = _status(
                "not_evaluated",
                f"школ с паспортом и результатами меньше пяти ({both} < 5)",
            )
        else:
            resilient = _status("fired" if bool(row["resilient"]) else "not_fired")
        statuses = {
            **_low_statuses(low.get(org), recent, m),
            "adverse_conditions": adverse,
            "resilient": resilient,
            "non_objective": _objectivity_status(obj_by_org.get(org, []), m),
        }
        school_rows.append(
            {
                "org_id": org,
                "code": row["code"],
                "name": row["name"],
                "rural": bool(row["rural"]),
                "small": bool(row["small"]),
                "context": _f(row.get("context")),
                "results": _f(row.get("results")),
                "results_n": None if pd.isna(row.get("n")) else int(row["n"]),
                "expected": _f(row.get("expected")),
                "residual": _f(row.get("residual")),
                "cluster": None if pd.isna(row.get("cluster")) else int(row["cluster"]),
                "adverse": bool(row["adverse"]),
                "resilient": bool(row["resilient"]),
                "low_finding": (low.get(org) or {}).get("finding"),
                "statuses": statuses,
            }
        )
    passport_rows = {
        int(r["org_id"]): {
            k: _f(r[k], 2) if k in ctx.FIELDS else r[k] for k in ["passport_year", *ctx.FIELDS]
        }
        for r in passport.to_dict("records")
    }
    available = {k: sorted(v) for k, v in scope.available.items()}
    return {
        "territory": {"id": territory.pk, "code": territory.code, "name": territory.name},
        "year": scope.year,
        "years": years,
        "computed_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "methodology": m.to_dict(),
        "methodology_fingerprint": m.fingerprint(),
        "sources": SOURCES,
        "headline_source": source,
        "results_source": results_source,
        "available": available,
        "indicators": indicator_summary(pooled, meta, recent, source),
        "evaluation": evaluation_summary(school_rows),
        "schools": school_rows,
        "findings": findings,
        "low": {
            str(k): {**v, "years": {str(y): x for y, x in v["years"].items()}}
            for k, v in low.items()
        },
        "objectivity": obj,
        "context": {
            "threshold": _f(adverse_t),
            "passports": {str(k): v for k, v in passport_rows.items()},
            "weights": m.context_weights,
        },
        "regression": regression,
        "clusters": cl,
        "factors": fac,
        "dynamics": {str(k): v for k, v in dyn.items()},
    }
