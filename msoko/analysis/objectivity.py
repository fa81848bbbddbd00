"""Signs of non-objective results. Each signal is computed and reported on its own, with its
figures; a school is flagged in a year only when at least ``objectivity_min_signals`` of them
fire (``Methodology``), never on one signal.

Signals (codes as in ``msoko analyse --json``):

* ``journal_mismatch`` — ВПР marks against journal marks: the share of ВПР marks above the
  journal mark («повысили») against the rest of the territory (two-proportion z);
* ``cutpoint_pileup`` — too many primary scores at a mark cut point and the point above it,
  against a smoothed expectation of the school's own histogram (a Gaussian kernel over the
  scores outside the window around the cut), scaled by the same ratio in the rest of the
  territory (bunching estimator);
* ``task_profile`` — basic-level tasks solved worse than in the territory while advanced and
  high-level tasks are solved better (per-student contrast, z);
* ``cohort_rise`` — a sharp rise against the same students' ВПР results a year earlier
  (mean change of standardised score against the territory's, z);
* ``gia_gap`` — ВПР results far above the same school's ОГЭ / ЕГЭ results of the year
  (difference of mean standardised scores, z);
* ``olympiad_copies`` — ВсОШ: identical answer patterns among participants of one venue,
  stage, subject and grade, more than chance explains (Poisson tail of the number of
  identical pairs against the pairs expected from each task's score distribution).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from msoko.analysis.methodology import Methodology
from msoko.analysis.scope import RESULTS, Scope
from msoko.analysis.scores import student_z

SIGNALS: dict[str, str] = {
    "journal_mismatch": "ВПР выше отметок в журнале",
    "cutpoint_pileup": "Скопление первичных баллов у границ отметок",
    "task_profile": "Базовые задания решены хуже, а сложные лучше, чем в муниципалитете",
    "cohort_rise": "Резкий рост результатов тех же обучающихся за год",
    "gia_gap": "ВПР намного выше результатов ОГЭ / ЕГЭ той же школы",
    "olympiad_copies": "Совпадающие ответы участников олимпиады",
}

VPR = "VPR"
INFORMATIVE_TASKS = 3


STATUS_NAMES = {
    "fired": "сработал",
    "not_fired": "оценён, не сработал",
    "not_evaluated": "не оценивался",
}


def status_of(fired: bool | None) -> str:
    return "not_evaluated" if fired is None else ("fired" if fired else "not_fired")


def small_group(n: int, minimum: int) -> str:
    return f"группа меньше минимальной ({n} < {minimum})"


def _signal(
    code: str, fired: bool | None, figures: dict[str, Any], text: str, reason: str = ""
) -> dict[str, Any]:
    """One signal with its status: ``fired``, ``not_fired`` or ``not_evaluated`` — then
    ``reason`` says why in a few Russian words («нет отметок по журналу»)."""
    status = status_of(fired)
    return {
        "signal": code,
        "name": SIGNALS[code],
        "fired": None if fired is None else bool(fired),
        "status": status,
        "reason": reason if status == "not_evaluated" else "",
        "figures": figures,
        "text": text,
    }


def _r(x: Any, places: int = 2) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else round(x, places)


def _count(cond: Any) -> Any:
    return cond.ifelse(1, 0).sum()


# ----------------------------------------------------------------------------------------
# a. ВПР marks against journal marks


def journal(scope: Scope, years: list[int]) -> pd.DataFrame:
    t = scope.scan(RESULTS, procedures=[VPR], years=years)
    t = t.filter((t.procedure == VPR) & t.mark.notnull() & t.journal_mark.notnull())
    df = (
        t.group_by(["org_id", "year"])
        .aggregate(
            compared=t.count(),
            lowered=_count(t.mark < t.journal_mark),
            confirmed=_count(t.mark == t.journal_mark),
            raised=_count(t.mark > t.journal_mark),
        )
        .to_pandas()
    )
    return df


def journal_signal(row: pd.Series, totals: pd.Series, m: Methodology) -> dict[str, Any]:
    n = int(row["compared"])
    rest_n = int(totals["compared"]) - n
    share = {k: 100.0 * row[k] / n if n else None for k in ("lowered", "confirmed", "raised")}
    rest = {
        k: 100.0 * (totals[k] - row[k]) / rest_n if rest_n else None
        for k in ("lowered", "confirmed", "raised")
    }
    figures = {
        "compared": n,
        "school_lowered_pct": _r(share["lowered"], 1),
        "school_confirmed_pct": _r(share["confirmed"], 1),
        "school_raised_pct": _r(share["raised"], 1),
        "municipality_lowered_pct": _r(rest["lowered"], 1),
        "municipality_confirmed_pct": _r(rest["confirmed"], 1),
        "municipality_raised_pct": _r(rest["raised"], 1),
    }
    if n < m.objectivity_min_results or not rest_n or rest["raised"] is None:
        if n == 0:
            reason = "нет отметок по журналу"
        elif n < m.objectivity_min_results:
            reason = small_group(n, m.objectivity_min_results)
        else:
            reason = "не с чем сравнить: у других школ нет отметок по журналу"
        return _signal(
            "journal_mismatch",
            None,
            figures,
            f"Не оценивался: {reason}.",
            reason,
        )
    p0 = rest["raised"] / 100
    excess = (share["raised"] or 0) - rest["raised"]
    se = math.sqrt(max(p0 * (1 - p0), 1e-6) / n)
    z = (excess / 100) / se
    figures["excess_pp"] = _r(excess, 1)
    figures["z"] = _r(z)
    fired = excess >= m.journal_min_excess_pp and z >= m.journal_min_z
    text = (
        f"Отметка за ВПР выше отметки в журнале у {share['raised']:.1f} % работ "
        f"(в остальных школах муниципалитета — {rest['raised']:.1f} %), "
        f"подтвердили отметку {share['confirmed']:.1f} % (в муниципалитете "
        f"{rest['confirmed']:.1f} %), понизили {share['lowered']:.1f} % "
        f"({rest['lowered']:.1f} %); превышение {excess:+.1f} п. п., z = {z:.1f}."
    )
    return _signal("journal_mismatch", fired, figures, text)


# ----------------------------------------------------------------------------------------
# b. pile-up of primary scores at the cut points


def _cuts(years: list[int]) -> dict[tuple[int, str, int], list[int]]:
    """Cut points of ВПР marks 3, 4, 5 per (year, subject, grade), and the maximum score."""
    from msoko.facts.models import MarkScale

    out: dict[tuple[int, str, int], list[int]] = {}
    for s in MarkScale.objects.filter(procedure__code=VPR, year__start_year__in=years).values(
        "year__start_year", "subject__code", "grade", "mark_cuts", "max_primary"
    ):
        if s["grade"] is None:
            continue
        cuts = sorted(int(v) for v in (s["mark_cuts"] or {}).values())
        out[(int(s["year__start_year"]), str(s["subject__code"]), int(s["grade"]))] = [
            *cuts,
            -int(s["max_primary"]),  # the maximum, stored negative to tell it apart
        ]
    return out


def _jump(
    hist: np.ndarray, cut: int, outer: int = 3
) -> tuple[float, float, float, float, float] | None:
    """The jump of the histogram at ``cut``: counts at the cut and one point above
    (``at``) against the two points below (``below``), each against a straight line through
    the ``outer`` points on either side (``c−5…c−3`` and ``c+2…c+4``). The outer points are
    placed symmetrically about the jump, so a curved (bell-shaped) histogram gives no jump;
    a pile-up lifts ``at`` and drains ``below``. Returns (at, below, expected at, expected
    below, variance of the excess) or None when the window does not fit the scale."""
    lo, hi = cut - 2 - outer, cut + 1 + outer
    if lo < 0 or hi >= len(hist):
        return None
    left = hist[lo : cut - 2]
    right = hist[cut + 2 : hi + 1]
    m_left, m_right = float(left.mean()), float(right.mean())
    centre_left, span = cut - 2 - (outer + 1) / 2, outer + 4  # centres c−4 and c+3

    def line(x: float) -> float:
        return m_left + (m_right - m_left) * (x - centre_left) / span

    at = float(hist[cut] + hist[cut + 1])
    below = float(hist[cut - 2] + hist[cut - 1])
    e_at = max(line(cut) + line(cut + 1), 0.0)
    e_below = max(line(cut - 2) + line(cut - 1), 0.0)
    k = 4.0 / span
    variance = at + below + k * k * (float(left.sum()) + float(right.sum())) / (outer * outer)
    return at, below, e_at, e_below, variance


def pileup(scope: Scope, years: list[int], m: Methodology) -> dict[tuple[int, int], dict[str, Any]]:
    """Per (org, year), summed over the ВПР works and their cut points: results at the cut
    points (and one above) and just below them, what a smooth histogram would hold there, and
    the excess jump, net of the jump the rest of the territory shows at the same cut."""
    t = scope.scan(RESULTS, procedures=[VPR], years=years)
    t = t.filter((t.procedure == VPR) & t.primary_score.notnull())
    t = t.mutate(score=t.primary_score.round().cast("int64"))
    hist = (
        t.group_by(["org_id", "year", "subject", "grade", "score"])
        .aggregate(n=t.count())
        .to_pandas()
    )
    cuts = _cuts(years)
    per_work: dict[tuple[int, str, int], dict[int, np.ndarray]] = defaultdict(dict)
    for (org, year, subject, grade), g in hist.groupby(["org_id", "year", "subject", "grade"]):
        key = (int(year), str(subject), int(grade))
        if key not in cuts:
            continue
        top = -cuts[key][-1]
        h = np.zeros(top + 1)
        scores = np.clip(g["score"].to_numpy(dtype=int), 0, top)
        np.add.at(h, scores, g["n"].to_numpy(dtype=float))
        per_work[key][int(org)] = h
    names = ("at", "below", "expected_at", "expected_below", "excess", "variance", "results")
    acc: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: dict.fromkeys(names, 0.0))
    for key, by_org in per_work.items():
        total: np.ndarray = np.sum(np.stack(list(by_org.values())), axis=0)
        for org, h in by_org.items():
            acc[(org, key[0])]["results"] += float(h.sum())
        for cut in cuts[key][:-1]:
            all_jump = _jump(total, cut)
            if all_jump is None:
                continue
            for org, h in by_org.items():
                jump = _jump(h, cut)
                if jump is None:
                    continue
                rest = _jump(total - h, cut)
                at, below, e_at, e_below, var = jump
                excess = (at - e_at) - (below - e_below)
                if rest is not None:
                    r_at, r_below, r_e_at, r_e_below, _ = rest
                    local = float(h[cut - 5 : cut + 5].sum())
                    rest_local = float((total - h)[cut - 5 : cut + 5].sum())
                    if rest_local > 0:
                        excess -= ((r_at - r_e_at) - (r_below - r_e_below)) * local / rest_local
                a = acc[(org, key[0])]
                a["at"] += at
                a["below"] += below
                a["expected_at"] += e_at
                a["expected_below"] += e_below
                a["excess"] += excess
                a["variance"] += var
    return {k: dict(v) for k, v in acc.items()}


def pileup_signal(a: dict[str, Any] | None, m: Methodology) -> dict[str, Any]:
    if not a or a["results"] < m.objectivity_min_results or a["variance"] <= 0:
        n = int(a["results"]) if a else 0
        if not a:
            reason = "нет первичных баллов ВПР или шкалы отметок с границами"
        elif n < m.objectivity_min_results:
            reason = small_group(n, m.objectivity_min_results)
        else:
            reason = "баллы не попадают в окрестности границ отметок"
        return _signal("cutpoint_pileup", None, {"results": n}, f"Не оценивался: {reason}.", reason)
    z = a["excess"] / math.sqrt(a["variance"])
    ratio = a["at"] / a["expected_at"] if a["expected_at"] > 0 else 0.0
    figures = {
        "results": int(a["results"]),
        "at_cut": int(round(a["at"])),
        "at_cut_expected": _r(a["expected_at"], 1),
        "below_cut": int(round(a["below"])),
        "below_cut_expected": _r(a["expected_below"], 1),
        "excess": _r(a["excess"], 1),
        "ratio": _r(ratio),
        "z": _r(z),
    }
    fired = ratio >= m.pileup_min_ratio and z >= m.pileup_min_z
    text = (
        f"На границах отметок и на балл выше — {int(round(a['at']))} результатов при "
        f"{a['expected_at']:.1f} по сглаженной гистограмме (в {ratio:.2f} раза больше), "
        f"на два балла ниже границ — {int(round(a['below']))} при {a['expected_below']:.1f}; "
        f"избыток скачка {a['excess']:+.1f} с учётом остальных школ, z = {z:.1f}."
    )
    return _signal("cutpoint_pileup", fired, figures, text)


# ----------------------------------------------------------------------------------------
# c. basic tasks worse, hard tasks better


def _task_levels(years: list[int]) -> pd.DataFrame:
    from msoko.facts.models import TaskSpec

    rows = list(
        TaskSpec.objects.filter(
            assessment__procedure__code=VPR, assessment__year__start_year__in=years
        ).values(
            "assessment__year__start_year",
            "assessment__subject__code",
            "assessment__grade",
            "number",
            "max_score",
            "level",
        )
    )
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=["year", "subject", "grade", "task", "max_score", "hard"])
    df = df.rename(
        columns={
            "assessment__year__start_year": "year",
            "assessment__subject__code": "subject",
            "assessment__grade": "grade",
            "number": "task",
        }
    )
    df["hard"] = df["level"] != "basic"
    df["max_score"] = df["max_score"].astype(float)
    df["year"] = df["year"].astype("int16")
    df["grade"] = df["grade"].astype("int8")
    return df[["year", "subject", "grade", "task", "max_score", "hard"]]


def task_profile(scope: Scope, years: list[int]) -> pd.DataFrame:
    """Per school and year: the mean per-student contrast (hard − basic share of the maximum,
    minus the territory's contrast on the same work), its sd and count, and the basic and
    hard shares of the school and of the rest of the territory."""
    import ibis

    levels = _task_levels(years)
    if levels.empty:
        return pd.DataFrame()
    spec = ibis.memtable(levels)
    ts = scope.scan("task_scores", procedures=[VPR], years=years)
    ts = ts.filter(ts.procedure == VPR)
    j = ts.join(
        spec,
        [
            ts.year == spec.year,
            ts.subject == spec.subject,
            ts.grade == spec.grade,
            ts.task == spec.task,
        ],
    )
    j = j.select(
        org_id=ts.org_id,
        year=ts.year,
        subject=ts.subject,
        grade=ts.grade,
        student=ts.student,
        score=ts.score.cast("float64"),
        max_score=spec.max_score,
        hard=spec.hard,
    )
    per_student = j.group_by(["org_id", "year", "subject", "grade", "student"]).aggregate(
        basic_score=j.hard.ifelse(0.0, j.score).sum(),
        basic_max=j.hard.ifelse(0.0, j.max_score).sum(),
        hard_score=j.hard.ifelse(j.score, 0.0).sum(),
        hard_max=j.hard.ifelse(j.max_score, 0.0).sum(),
    )
    p = per_student.filter((per_student.basic_max > 0) & (per_student.hard_max > 0))
    p = p.mutate(
        basic=100.0 * p.basic_score / p.basic_max,
        hard=100.0 * p.hard_score / p.hard_max,
    )
    p = p.mutate(contrast=p.hard - p.basic)
    w = ibis.window(group_by=["year", "subject", "grade"])
    p = p.mutate(
        contrast_dev=p.contrast - p.contrast.mean().over(w),
        basic_dev=p.basic - p.basic.mean().over(w),
        hard_dev=p.hard - p.hard.mean().over(w),
    )
    df = (
        p.group_by(["org_id", "year"])
        .aggregate(
            n=p.count(),
            contrast=p.contrast_dev.mean(),
            contrast_sd=p.contrast_dev.std(),
            basic_gap=p.basic_dev.mean(),
            hard_gap=p.hard_dev.mean(),
            basic=p.basic.mean(),
            hard=p.hard.mean(),
        )
        .to_pandas()
    )
    return df


def task_signal(
    row: pd.Series | None, m: Methodology, no_row_reason: str = "нет ответов по заданиям"
) -> dict[str, Any]:
    if row is None or int(row["n"]) < m.objectivity_min_results:
        n = 0 if row is None else int(row["n"])
        reason = no_row_reason if row is None else small_group(n, m.objectivity_min_results)
        return _signal(
            "task_profile",
            None,
            {"results": n},
            f"Не оценивался: {reason} (работ с заданиями обоих уровней {n}).",
            reason,
        )
    n = int(row["n"])
    sd = float(row["contrast_sd"]) or 1.0
    z = float(row["contrast"]) / (sd / math.sqrt(n))
    basic_gap, hard_gap = float(row["basic_gap"]), float(row["hard_gap"])
    figures = {
        "results": n,
        "basic_pct": _r(row["basic"], 1),
        "hard_pct": _r(row["hard"], 1),
        "basic_vs_municipality_pp": _r(basic_gap, 1),
        "hard_vs_municipality_pp": _r(hard_gap, 1),
        "z": _r(z),
    }
    fired = (
        basic_gap < 0 < hard_gap
        and hard_gap - basic_gap >= m.tasks_min_gap_pp
        and z >= m.tasks_min_z
    )
    text = (
        f"Задания базового уровня выполнены на {row['basic']:.1f} % максимума "
        f"({basic_gap:+.1f} п. п. к муниципалитету на тех же работах), повышенного и "
        f"высокого — на {row['hard']:.1f} % ({hard_gap:+.1f} п. п.); z = {z:.1f}."
    )
    return _signal("task_profile", fired, figures, text)


# ----------------------------------------------------------------------------------------
# d. the same students a year earlier


def cohort(scope: Scope, years: list[int]) -> pd.DataFrame:
    first = min(years) - 1
    z = student_z(scope, [VPR], years=[first, *years])
    per = z.group_by(["org_id", "year", "student"]).aggregate(z=z.z.mean())
    prev = per.group_by(["year", "student"]).aggregate(zp=per.z.mean())
    prev = prev.mutate(next_year=prev.year + 1)
    j = per.join(prev, [per.student == prev.student, per.year == prev.next_year])
    j = j.select(org_id=per.org_id, year=per.year, diff=per.z - prev.zp)
    w = ibis_window_year()
    j = j.mutate(dev=j.diff - j.diff.mean().over(w))
    df = (
        j.group_by(["org_id", "year"])
        .aggregate(n=j.count(), rise=j.dev.mean(), sd=j.dev.std())
        .to_pandas()
    )
    return df[df["year"].isin(years)]


def ibis_window_year() -> Any:
    import ibis

    return ibis.window(group_by=["year"])


def cohort_signal(
    row: pd.Series | None, m: Methodology, year: int, last_year: bool = True
) -> dict[str, Any]:
    """``last_year``: whether the territory has ВПР results of the year before at all."""
    if row is None or int(row["n"]) < m.cohort_min_students:
        n = 0 if row is None else int(row["n"])
        reason = (
            "нет данных прошлого года" if not last_year else small_group(n, m.cohort_min_students)
        )
        return _signal(
            "cohort_rise",
            None,
            {"students": n},
            f"Не оценивался: {reason} (обучающихся с результатами ВПР в оба года {n}).",
            reason,
        )
    n = int(row["n"])
    rise = float(row["rise"])
    sd = float(row["sd"]) or 1.0
    z = rise / (sd / math.sqrt(n))
    figures = {"students": n, "rise_sd": _r(rise), "z": _r(z)}
    fired = rise >= m.cohort_min_rise and z >= m.cohort_min_z
    text = (
        f"У {n} обучающихся, писавших ВПР и в {year - 1}/{year}, и в {year}/{year + 1} уч. году, "
        f"результат изменился на {rise:+.2f} стандартного отклонения относительно изменения "
        f"по муниципалитету; z = {z:.1f}."
    )
    return _signal("cohort_rise", fired, figures, text)


# ----------------------------------------------------------------------------------------
# e. ВПР against ОГЭ / ЕГЭ of the same school


def gia_signal(means: pd.DataFrame, org: int, year: int, m: Methodology) -> dict[str, Any]:
    rows = means[(means["org_id"] == org) & (means["year"] == year)]
    vpr = rows[rows["procedure"] == VPR]
    gia = rows[rows["procedure"].isin(["OGE", "EGE"])]
    if (
        vpr.empty
        or gia.empty
        or int(vpr["n"].sum()) < m.objectivity_min_results
        or int(gia["n"].sum()) < m.min_results
    ):
        if vpr.empty:
            reason = "нет результатов ВПР обучающихся"
        elif gia.empty:
            reason = "нет результатов ОГЭ / ЕГЭ этого года"
        elif int(vpr["n"].sum()) < m.objectivity_min_results:
            reason = small_group(int(vpr["n"].sum()), m.objectivity_min_results)
        else:
            reason = "ОГЭ / ЕГЭ: " + small_group(int(gia["n"].sum()), m.min_results)
        return _signal("gia_gap", None, {}, f"Не оценивался: {reason}.", reason)
    nv, ng = float(vpr["n"].sum()), float(gia["n"].sum())
    zv = float((vpr["z"] * vpr["n"]).sum() / nv)
    zg = float((gia["z"] * gia["n"]).sum() / ng)
    var_v = float(np.nan_to_num((vpr["var"] * vpr["n"]).sum() / nv, nan=1.0))
    var_g = float(np.nan_to_num((gia["var"] * gia["n"]).sum() / ng, nan=1.0))
    gap = zv - zg
    z = gap / math.sqrt(var_v / nv + var_g / ng)
    figures = {
        "vpr_z": _r(zv),
        "gia_z": _r(zg),
        "gap_sd": _r(gap),
        "z": _r(z),
        "vpr_results": int(nv),
        "gia_results": int(ng),
    }
    fired = gap >= m.gia_min_gap and z >= m.gia_min_z
    text = (
        f"Средний стандартизованный результат ВПР {zv:+.2f}, ОГЭ / ЕГЭ {zg:+.2f} "
        f"(в стандартных отклонениях от среднего по муниципалитету); разница {gap:+.2f}, "
        f"z = {z:.1f}."
    )
    return _signal("gia_gap", fired, figures, text)


# ----------------------------------------------------------------------------------------
# f. olympiads: identical answer patterns


def olympiad(
    scope: Scope, years: list[int], m: Methodology
) -> dict[tuple[int, int], dict[str, Any]]:
    """Per (org, year): identical non-trivial answer patterns shared with another participant
    of the same venue, stage, subject and grade, and how unlikely that many are by chance."""
    t = scope.scan("olympiad_results", procedures=["VSOSH"], years=years)
    t = t.filter(t.answers.notnull() & t.venue.notnull() & (t.score > 0))
    df = t.select(
        "org_id", "year", "stage", "venue", "subject", "grade", "student", "score", "answers"
    ).to_pandas()
    out: dict[tuple[int, int], dict[str, Any]] = {}
    if df.empty:
        return out
    keys = ["year", "stage", "venue", "subject", "grade"]
    for key, g in df.groupby(keys, dropna=False):
        n = len(g)
        if n < 3:
            continue
        counts = g["answers"].value_counts()
        # only informative patterns: points on at least INFORMATIVE_TASKS tasks (a single
        # point on one task is shared by chance far more than any model of chance says)
        informative = (
            counts.index.to_series()
            .str.split(";")
            .map(
                lambda parts: (
                    sum(1 for p in parts if p not in ("0", "", "0.0")) >= INFORMATIVE_TASKS
                )
            )
        )
        dup = counts[(counts > 1) & informative.to_numpy()]
        if dup.empty:
            continue
        observed_pairs = int((dup * (dup - 1) // 2).sum())
        # Chance: within bands of similar total score (at least 20 participants each), each
        # task's points drawn independently from the band's distribution of that task — low
        # scores leave few possible patterns, so chance coincidences there are expected.
        split = g["answers"].str.split(";", expand=True)
        bands = max(1, n // 20)
        band = (
            pd.qcut(g["score"].rank(method="first"), bands, labels=False)
            if bands > 1
            else pd.Series(0, index=g.index)
        )
        expected_pairs = 0.0
        for _, same in split.groupby(band.to_numpy()):
            k = len(same)
            if k < 2:
                continue
            p_match = 1.0
            for col in same.columns:
                freq = same[col].value_counts(normalize=True)
                p_match *= float((freq**2).sum())
            expected_pairs += k * (k - 1) / 2 * p_match
        p_value = float(stats.poisson.sf(observed_pairs - 1, expected_pairs))
        if (
            observed_pairs < m.olympiad_min_pairs
            or p_value > m.olympiad_max_p
            or observed_pairs < m.olympiad_min_ratio * expected_pairs
        ):
            continue
        copied = g[g["answers"].isin(dup.index)]
        for org, rows in copied.groupby("org_id"):
            item = out.setdefault((int(org), int(key[0])), {"groups": [], "participants": 0})
            item["participants"] += len(rows)
            item["groups"].append(
                {
                    "stage": key[1],
                    "venue": key[2],
                    "subject": key[3],
                    "grade": None if pd.isna(key[4]) else int(key[4]),
                    "participants": n,
                    "identical_pairs": observed_pairs,
                    "expected_pairs": _r(expected_pairs, 3),
                    "p_value": float(f"{p_value:.2g}"),
                }
            )
    return out


def olympiad_signal(item: dict[str, Any] | None, present: bool = True) -> dict[str, Any]:
    """``present``: whether the school has olympiad results with answers that year."""
    if not item and not present:
        reason = "нет результатов олимпиады с ответами по заданиям"
        return _signal("olympiad_copies", None, {"groups": []}, f"Не оценивался: {reason}.", reason)
    if not item:
        return _signal(
            "olympiad_copies",
            False,
            {"groups": []},
            "Совпадений ответов сверх случайных не найдено.",
        )
    g = item["groups"][0]
    text = (
        f"{item['participants']} участник(ов) школы с одинаковыми ответами в "
        f"{len(item['groups'])} группе(ах); например, {g['stage']} этап, {g['venue']}, "
        f"{g['subject']}, {g['grade']} кл.: {g['identical_pairs']} совпадающих пар при "
        f"ожидаемых {g['expected_pairs']} (p = {g['p_value']})."
    )
    return _signal("olympiad_copies", True, item, text)


# ----------------------------------------------------------------------------------------


def vpr_counts(scope: Scope, years: list[int]) -> pd.DataFrame:
    """ВПР results per school and year (every school × year the signals are shown for)."""
    t = scope.scan(RESULTS, procedures=[VPR], years=years)
    t = t.filter(t.procedure == VPR)
    df = t.group_by(["org_id", "year"]).aggregate(results=t.count()).to_pandas()
    if df.empty:
        return pd.DataFrame(columns=["org_id", "year", "results"])
    return df.astype({"org_id": int, "year": int, "results": int})


def olympiad_presence(scope: Scope, years: list[int]) -> set[tuple[int, int]]:
    t = scope.scan("olympiad_results", procedures=["VSOSH"], years=years)
    t = t.filter(t.answers.notnull())
    df = t.select("org_id", "year").distinct().to_pandas()
    return {(int(o), int(y)) for o, y in zip(df["org_id"], df["year"], strict=True)}


def analyse(
    scope: Scope, years: list[int], means: pd.DataFrame, m: Methodology
) -> list[dict[str, Any]]:
    """Every school × year of ``years`` with ВПР results: all signals with their status
    (fired / not fired / not evaluated and why), and whether the school is flagged
    (``flagged``)."""
    counts = vpr_counts(scope, [min(years) - 1, *years])
    vpr_years = set(counts["year"])
    counts = counts[counts["year"].isin(years)]
    if counts.empty:
        return []
    j = journal(scope, years)
    cols = ["compared", "lowered", "confirmed", "raised"]
    totals = j.groupby("year")[cols].sum() if not j.empty else pd.DataFrame(columns=cols)
    piles = pileup(scope, years, m)
    tasks = task_profile(scope, years)
    no_tasks = (
        "нет спецификации заданий ВПР (уровни заданий)"
        if _task_levels(years).empty
        else "нет ответов по заданиям"
    )
    coh = cohort(scope, years)
    olymp = olympiad(scope, years, m)
    with_answers = olympiad_presence(scope, years)
    out: list[dict[str, Any]] = []

    def row_of(df: pd.DataFrame, org: int, year: int) -> pd.Series | None:
        if df.empty:
            return None
        r = df[(df["org_id"] == org) & (df["year"] == year)]
        return None if r.empty else r.iloc[0]

    for _, c in counts.sort_values(["year", "org_id"]).iterrows():
        org, year = int(c["org_id"]), int(c["year"])
        row = row_of(j, org, year)
        if row is None:
            row = pd.Series({"org_id": org, "year": year, **dict.fromkeys(cols, 0)})
        total = totals.loc[year] if year in totals.index else pd.Series(dict.fromkeys(cols, 0))
        signals = [
            journal_signal(row, total, m),
            pileup_signal(piles.get((org, year)), m),
            task_signal(row_of(tasks, org, year), m, no_tasks),
            cohort_signal(row_of(coh, org, year), m, year, last_year=year - 1 in vpr_years),
            gia_signal(means, org, year, m),
            olympiad_signal(olymp.get((org, year)), present=(org, year) in with_answers),
        ]
        fired = [s["signal"] for s in signals if s["fired"]]
        evaluated = [s["signal"] for s in signals if s["status"] != "not_evaluated"]
        out.append(
            {
                "org_id": org,
                "year": year,
                "results": int(c["results"]),
                "compared": int(row["compared"]),
                "signals": signals,
                "fired": fired,
                "evaluated": evaluated,
                "flagged": len(fired) >= m.objectivity_min_signals,
            }
        )
    return out
