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


def low_results(
    pooled: pd.DataFrame,
    years: list[int],
    m: Methodology,
    excluded: set[tuple[int, int, str]],
) -> dict[int, dict[str, Any]]:
    """Per school: for each year of ``years`` and each indicator, the value, the municipal
    value, the band thresholds and whether the school is in the low or risk band; then the
    yearly verdict and the overall finding (``low_results`` / ``risk_zone`` / None)."""
    out: dict[int, dict[str, Any]] = {}
    for year in years:
        for code in m.low_indicators:
            meta = HEADLINE_INDICATORS[code]
            rows = pooled[(pooled["indicator"] == code) & (pooled["year"] == year)]
            rows = rows[rows["n"] >= m.min_results]
            rows = rows[[(int(o), year, meta["procedure"]) not in excluded for o in rows["org_id"]]]
            if len(rows) < 3:
                continue
            total_n = float(rows["n"].sum())
            municipal = float((rows["value"] * rows["n"]).sum() / total_n) if total_n else None
            median = float(rows["value"].median())
            # worst first; a tie takes the better place, so ties never widen the band
            order = rows.sort_values("value", ascending=meta["bad"] == "low")
            values = order["value"].to_numpy(dtype=float)
            low_slots, risk_slots = _slots(len(rows), m.low_share), _slots(len(rows), m.risk_share)
            low_t, risk_t = values[low_slots - 1], values[risk_slots - 1]
            place = {int(o): i + 1 for i, o in enumerate(order["org_id"])}
            for _, r in rows.iterrows():
                org, value = int(r["org_id"]), float(r["value"])
                worse = (lambda a, b: a > b) if meta["bad"] == "high" else (lambda a, b: a < b)
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
                school = out.setdefault(org, {"years": {}, "indicators": []})
                school["indicators"].append(
                    {
                        "indicator": code,
                        "label": meta["label"],
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
            need = m.low_min_indicator_share * judged
            school["years"][year] = {
                "judged": judged,
                "low": low_count,
                "low_or_risk": risk_count,
                "verdict": (
                    "low"
                    if judged and low_count >= need
                    else ("risk" if judged and risk_count >= need else "")
                ),
            }
        verdicts = [school["years"][y]["verdict"] for y in years[-m.low_consecutive_years :]]
        if verdicts and all(v == "low" for v in verdicts):
            school["finding"] = "low_results"
        elif any(v == "low" for v in verdicts) or (verdicts and all(v for v in verdicts)):
            school["finding"] = "risk_zone"
        else:
            school["finding"] = None
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
    pooled: pd.DataFrame, index_by_year: pd.DataFrame, years: list[int], m: Methodology
) -> dict[int, list[dict[str, Any]]]:
    """Per school: each headline indicator and the results index over the years, the trend
    and whether there is positive dynamics (the current year better than the previous)."""
    out: dict[int, list[dict[str, Any]]] = {}
    series: list[tuple[int, str, str, str, dict[int, float]]] = []
    for (code, org), g in pooled.groupby(["indicator", "org_id"]):
        meta = HEADLINE_INDICATORS[str(code)]
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


def run(
    territory: Any, year: int | None = None, methodology: Methodology | None = None
) -> dict[str, Any]:
    """The whole analysis of ``territory`` for ``year`` (the latest year with results if
    None). Raises ``AnalysisInputError`` (Russian message) on input it cannot use."""
    from msoko.analysis import methodology as method_mod

    m = methodology or method_mod.load(territory)
    window = max(m.resilience_years, m.low_consecutive_years, 3)
    scope = build(territory, year, window=window)
    years = scope.years
    recent = years[-m.low_consecutive_years :]
    schools = scope.schools.copy()

    means = scores.school_means(scope)
    obj = objectivity.analyse(scope, recent, means, m)
    excluded = {(r["org_id"], r["year"], "VPR") for r in obj if r["flagged"]}

    values, source = headline.headline_values(
        m.low_indicators + tuple(c for c in HEADLINE_INDICATORS if c not in m.low_indicators),
        scope.org_ids,
        years,
        con=scope.con,
    )
    pooled = headline.pool(values)
    low = low_results(pooled, recent, m, excluded)

    passport = ctx.passports(scope.org_ids, scope.year)
    index = ctx.context_index(passport, m)
    results = scores.results_index(means, years[-m.resilience_years :], m.min_results, excluded)
    frame = schools.merge(index[["org_id", "context"]], on="org_id", how="left").merge(
        results[["org_id", "results", "n"]], on="org_id", how="left"
    )
    frame = frame.merge(ctx.staffing(scope.org_ids), on="org_id", how="left")
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
    dyn = dynamics(pooled, index_by_year, years, m)

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
                    "figures": i,
                    "text": "",
                }
                for i in item["indicators"]
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
                        "figures": {
                            "context": _f(row["context"]),
                            "results": _f(row["results"]),
                            "expected": _f(row["expected"]),
                            "residual": _f(row["residual"]),
                            **{k: v for k, v in regression.items()},
                        },
                        "text": "",
                    }
                ],
            )

    school_rows = []
    for _, row in frame.iterrows():
        org = int(row["org_id"])
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
            }
        )
    passport_rows = {
        int(r["org_id"]): {
            k: _f(r[k], 2) if k in ctx.FIELDS else r[k] for k in ["passport_year", *ctx.FIELDS]
        }
        for r in passport.to_dict("records")
    }
    return {
        "territory": {"id": territory.pk, "code": territory.code, "name": territory.name},
        "year": scope.year,
        "years": years,
        "computed_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "methodology": m.to_dict(),
        "methodology_fingerprint": m.fingerprint(),
        "sources": SOURCES,
        "headline_source": source,
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
