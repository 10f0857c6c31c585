"""Calibrating the face-match threshold on a broker's own labelled pairs (pure Python).

Given similarity scores of same-person (genuine) and different-person (impostor) pairs, it
reports the two distributions, FAR and FRR at the threshold in use with 95% intervals, and
the lowest threshold whose false-accept rate is shown to be at most the target: the one-sided
95% Clopper–Pearson upper bound of FAR on those impostor pairs must not exceed it. A bound
like that needs enough impostor pairs: with none accepted, the upper bound is about 3/n (the
rule of three), so fewer than ``ceil(3 / target)`` impostor pairs cannot show the target
and no threshold is suggested. ``face/models/MODELS.md`` describes the procedure.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

CONFIDENCE = 0.95
STEP = 1e-4  # a suggested threshold sits this far above the impostor score it excludes


def _log_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    logs = [_log_pmf(i, n, p) for i in range(k + 1)]
    top = max(logs)
    if top == -math.inf:
        return 0.0
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


def _solve(f: Any, lo: float = 0.0, hi: float = 1.0) -> float:
    """The p in [lo, hi] where the decreasing function f crosses 0 (bisection)."""
    for _ in range(100):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def upper_bound(k: int, n: int, confidence: float = CONFIDENCE) -> float:
    """One-sided Clopper–Pearson upper bound of a rate seen k times in n."""
    if n <= 0:
        return 1.0
    if k >= n:
        return 1.0
    alpha = 1.0 - confidence
    return _solve(lambda p: binom_cdf(k, n, p) - alpha)


def interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Two-sided Clopper–Pearson interval of a rate seen k times in n."""
    if n <= 0:
        return 0.0, 1.0
    alpha = (1.0 - confidence) / 2
    lower = 0.0 if k == 0 else _solve(lambda p: alpha - (1.0 - binom_cdf(k - 1, n, p)))
    upper = 1.0 if k >= n else _solve(lambda p: binom_cdf(k, n, p) - alpha)
    return lower, upper


def pairs_needed(target_far: float) -> int:
    """Impostor pairs needed to show ``target_far`` with none accepted (rule of three)."""
    return math.ceil(-math.log(1.0 - CONFIDENCE) / target_far)


@dataclass(frozen=True)
class Rate:
    errors: int
    pairs: int
    rate: float
    low: float  # 95% Clopper–Pearson interval
    high: float

    @classmethod
    def of(cls, errors: int, pairs: int) -> Rate:
        low, high = interval(errors, pairs)
        return cls(errors, pairs, errors / pairs if pairs else 0.0, low, high)


@dataclass(frozen=True)
class Calibration:
    genuine: dict[str, float]  # distribution summaries
    impostor: dict[str, float]
    threshold: float
    far: Rate  # at ``threshold``
    frr: Rate
    target_far: float
    impostor_pairs_needed: int
    suggested: float | None  # None: see ``refusal``
    suggested_far: Rate | None
    suggested_far_upper: float | None  # one-sided 95% bound, ≤ target_far
    suggested_frr: Rate | None
    refusal: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def q(p: float) -> float:
        pos = (len(ordered) - 1) * p
        lo, hi = math.floor(pos), math.ceil(pos)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)

    return {
        "n": len(ordered),
        "min": round(ordered[0], 4),
        "p1": round(q(0.01), 4),
        "p5": round(q(0.05), 4),
        "median": round(statistics.median(ordered), 4),
        "p95": round(q(0.95), 4),
        "p99": round(q(0.99), 4),
        "max": round(ordered[-1], 4),
    }


def calibrate(
    genuine: Sequence[float],
    impostor: Sequence[float],
    *,
    threshold: float,
    target_far: float = 1e-4,
) -> Calibration:
    """Scores are accepted at ``score >= threshold`` (as the engine does)."""
    if not 0.0 < target_far < 1.0:
        raise ValueError("target_far must be between 0 and 1")
    n_imp, n_gen = len(impostor), len(genuine)
    far = Rate.of(sum(1 for s in impostor if s >= threshold), n_imp)
    frr = Rate.of(sum(1 for s in genuine if s < threshold), n_gen)
    needed = pairs_needed(target_far)
    suggested = suggested_far = suggested_frr = None
    upper = None
    refusal = None
    if n_imp < needed:
        refusal = (
            f"{n_imp} different-person pairs cannot show FAR ≤ {target_far:g}: "
            f"at least {needed} are needed (rule of three, 95%)"
        )
    elif n_gen == 0:
        refusal = "no same-person pairs: the false-reject rate cannot be measured"
    else:
        ordered = sorted(impostor, reverse=True)
        # Accepting the k highest impostor scores: the largest k whose upper bound holds.
        k = 0
        while k + 1 <= n_imp and upper_bound(k + 1, n_imp) <= target_far:
            k += 1
        suggested = round(ordered[k] + STEP, 4) if k < n_imp else round(ordered[-1], 4)
        accepted = sum(1 for s in impostor if s >= suggested)
        suggested_far = Rate.of(accepted, n_imp)
        upper = upper_bound(accepted, n_imp)
        suggested_frr = Rate.of(sum(1 for s in genuine if s < suggested), n_gen)
    return Calibration(
        genuine=_summary(genuine),
        impostor=_summary(impostor),
        threshold=threshold,
        far=far,
        frr=frr,
        target_far=target_far,
        impostor_pairs_needed=needed,
        suggested=suggested,
        suggested_far=suggested_far,
        suggested_far_upper=upper,
        suggested_frr=suggested_frr,
        refusal=refusal,
    )
