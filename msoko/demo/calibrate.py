"""Calibration of the score models to published shapes of real results.

A student's result on a work is driven by a latent z (school effect + the student's
ability + the day's form; about standard normal over the municipality). A score out of
``n`` points is Binomial(n, sigmoid(a + s·z)) — or, for ВПР, a sum over tasks of
Binomial(max_j, sigmoid(a + s·z − d_j)). For each work we solve for (a, s) so that the
shares of the lowest and highest marks (or the mean test score and the share below the
minimum threshold) match the targets, integrating over z with Gauss-Hermite quadrature.
Everything here is deterministic and independent of the demo seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

_NODES, _W = np.polynomial.hermite_e.hermegauss(41)
NODES: np.ndarray = _NODES
WEIGHTS: np.ndarray = _W / _W.sum()

Pair = tuple[np.ndarray, np.ndarray]


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x) by Abramowitz and Stegun 7.1.26 (absolute error below 1e-7)."""
    z = np.asarray(x, dtype=float) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(z))
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = np.sign(z) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * (1.0 + erf)


@lru_cache(maxsize=256)
def _log_binom_coef(n: int) -> np.ndarray:
    return np.array(
        [math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) for k in range(n + 1)]
    )


def _root(f: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """x in [lo, hi] with f(x) = target for a monotone f, by the Illinois variant of
    regula falsi; a target out of reach gives the nearer end."""
    flo, fhi = f(lo) - target, f(hi) - target
    if flo * fhi >= 0:
        return lo if abs(flo) <= abs(fhi) else hi
    side = 0
    x = lo
    for _ in range(80):
        x = (lo * fhi - hi * flo) / (fhi - flo)
        fx = f(x) - target
        if abs(fx) < 1e-9 or hi - lo < 1e-10:
            break
        if fx * fhi > 0:
            hi, fhi = x, fx
            if side == -1:
                flo /= 2
            side = -1
        else:
            lo, flo = x, fx
            if side == 1:
                fhi /= 2
            side = 1
    return x


def _solve(
    stats: Callable[[np.ndarray, np.ndarray], Pair],
    target1: float,
    target2: float,
) -> tuple[float, float]:
    """(a, s) with stats(a, s) = (target1, target2): for each s, a is solved on the first
    statistic (monotone in a); the second statistic then varies monotonically with s."""

    def stat(a: float, s: float, k: int) -> float:
        return float(stats(np.array([a]), np.array([s]))[k][0])

    def a_for(s: float) -> float:
        return _root(lambda a: stat(a, s, 0), target1, -10.0, 10.0)

    s = _root(lambda s: stat(a_for(s), s, 1), target2, 0.05, 5.0)
    return a_for(s), s


# Who sits an exam, as a function of the student's lasting ability u: a sum of terms
# coefficient × Π sigmoid(c + b·u) (e.g. "went on to grade 10" × "chose profile maths").
Selection = tuple[tuple[float, tuple[tuple[float, float], ...]], ...]

_U_NODES, _U_W = np.polynomial.hermite_e.hermegauss(21)
_U_W = _U_W / _U_W.sum()


def _weights(selection: Selection | None) -> np.ndarray:
    """Quadrature weights of z for the students a ``selection`` keeps: u given z is normal
    (u is part of z), and the chance to be kept is averaged over it."""
    if not selection:
        return WEIGHTS
    from msoko.demo.specs import ABILITY_SHARE, RHO

    cov = math.sqrt(ABILITY_SHARE * RHO)  # cov(u, z), with var(z) about 1
    u = cov * NODES[:, None] + math.sqrt(1 - cov * cov) * _U_NODES[None, :]
    kept = np.zeros_like(u)
    for coef, factors in selection:
        term = np.full_like(u, coef)
        for c, b in factors:
            term = term * sigmoid(c + b * u)
        kept += term
    w = WEIGHTS * (kept @ _U_W)
    return w / w.sum()


def _binom_pmf_grid(n: int, a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """pmf of Binomial(n, sigmoid(a + s·z)) on the nodes: shape (pairs, nodes, n + 1)."""
    p = sigmoid(a[:, None] + s[:, None] * NODES[None, :])
    p = np.clip(p, 1e-12, 1 - 1e-12)[:, :, None]
    k = np.arange(n + 1)[None, None, :]
    return np.exp(_log_binom_coef(n)[None, None, :] + k * np.log(p) + (n - k) * np.log1p(-p))


@lru_cache(maxsize=512)
def calibrate_marks(
    n: int,
    low_cut: int,
    high_cut: int,
    share_low: float,
    share_high: float,
    selection: Selection | None = None,
) -> tuple[float, float]:
    """(a, s) with P(score < low_cut) = share_low and P(score ≥ high_cut) = share_high."""
    w = _weights(selection)
    low_mask = (np.arange(n + 1) < low_cut).astype(float)
    high_mask = (np.arange(n + 1) >= high_cut).astype(float)

    def stats(a: np.ndarray, s: np.ndarray) -> Pair:
        pmf = _binom_pmf_grid(n, a, s)
        return (pmf @ low_mask) @ w, (pmf @ high_mask) @ w

    return _solve(stats, share_low, share_high)


@lru_cache(maxsize=256)
def calibrate_test_scores(
    n: int,
    conversion: tuple[int, ...],
    target_mean: float,
    threshold: int,
    share_below: float,
    selection: Selection | None = None,
) -> tuple[float, float]:
    """(a, s) for a 100-point exam: the primary score is Binomial(n, ·) and ``conversion``
    maps it to the test score; the mean and the share below ``threshold`` match."""
    w = _weights(selection)
    conv = np.asarray(conversion, dtype=float)
    below = (conv < threshold).astype(float)

    def stats(a: np.ndarray, s: np.ndarray) -> Pair:
        pmf = _binom_pmf_grid(n, a, s)
        return (pmf @ conv) @ w, (pmf @ below) @ w

    return _solve(stats, target_mean, share_below)


@lru_cache(maxsize=512)
def calibrate_tasks(
    maxes: tuple[int, ...],
    difficulties: tuple[float, ...],
    low_cut: int,
    high_cut: int,
    share_low: float,
    share_high: float,
) -> tuple[float, float]:
    """(a, s) for a work of several tasks: P(sum < low_cut) = share_low, P(sum ≥ high_cut) =
    share_high (the sum of the tasks' binomials taken as normal given z)."""
    m = np.asarray(maxes, dtype=float)[None, None, :]
    d = np.asarray(difficulties, dtype=float)[None, None, :]

    def stats(a: np.ndarray, s: np.ndarray) -> Pair:
        p = sigmoid(a[:, None, None] + s[:, None, None] * NODES[None, :, None] - d)
        mean = (m * p).sum(axis=2)
        sd = np.sqrt((m * p * (1 - p)).sum(axis=2) + 0.25)
        low = normal_cdf((low_cut - 0.5 - mean) / sd) @ WEIGHTS
        high = (1.0 - normal_cdf((high_cut - 0.5 - mean) / sd)) @ WEIGHTS
        return low, high

    return _solve(stats, share_low, share_high)


def cuts_to_marks(
    cuts: dict[str, int] | Sequence[tuple[int, int]],
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted cut scores and the marks they open, as ``MarkScale.mark_for`` reads them."""
    pairs = sorted((int(m), int(s)) for m, s in (cuts.items() if isinstance(cuts, dict) else cuts))
    scores = np.array([s for _, s in pairs], dtype=float)
    marks = np.array([2] + [m for m, _ in pairs], dtype=np.int8)
    return scores, marks


def marks_for(primary: np.ndarray, scores: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """Vectorised ``MarkScale.mark_for`` (bisect_right over the cut scores)."""
    return marks[np.searchsorted(scores, primary, side="right")]
