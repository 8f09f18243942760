"""Confidence intervals for top eigenvalues across batches, and the batches a precision needs.

``B`` batches give ``B`` estimates ``q_b`` of each ranked quantity (the modulus, real part or
``|imaginary part|`` that ``which`` sorts by: :func:`~gamedyn.analysis.rank_spread`).
Their mean estimates ``E_b q`` (the expected top eigenvalue of one batch's Jacobian; to first
order in the batch noise, the full-data Jacobian's, with an ``O(1/m)`` bias for batches of
``m`` samples):

* **batch means** — ``q̄ ± t_{B−1, (1+c)/2} · s/√B`` (Student's t; exact for Gaussian ``q_b``,
  asymptotically right otherwise);
* **bootstrap** — the percentile interval of the mean over ``resamples`` resamplings of the
  batches with replacement (seeded).

For a target half-width ``h``: :func:`batches_needed` is the ``B`` with ``z · s/√B ≤ h``;
:func:`batch_size_needed` the batch size ``m`` for which one batch's estimate has ``z · s_m ≤
h``, from the spread ``s`` at the batch size used, assuming ``s_m ∝ 1/√m`` (the Jacobian is an
average over the batch's samples and a simple eigenvalue is, to first order, linear in it).

Example:
  >>> import numpy as np
  >>> q = np.array([[3.1], [2.9], [3.0], [3.2], [2.8]])
  >>> low, high = batch_means_interval(q, 0.95)
  >>> np.round(low, 4).tolist(), np.round(high, 4).tolist()
  ([2.8037], [3.1963])
  >>> batches_needed(q.std(axis=0, ddof=1), 0.05).tolist()
  [39]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate
from ..vocabulary import INTERVALS

__all__ = [
    "INTERVALS",
    "Interval",
    "batch_means_interval",
    "bootstrap_interval",
    "interval",
    "batches_needed",
    "batch_size_needed",
]


class Interval(NamedTuple):
    """Per rank: the interval ``[low, high]`` for the mean over batches of the ranked quantity,
    its ``confidence``, ``method`` (:data:`INTERVALS`) and the number of ``batches`` it used."""

    low: np.ndarray
    high: np.ndarray
    confidence: float
    method: str
    batches: int

    def to_dict(self) -> dict:
        return {
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "confidence": self.confidence,
            "method": self.method,
            "batches": self.batches,
        }


def _confidence(confidence: float) -> float:
    c = float(confidence)
    if not 0 < c < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    return c


def _rows(values: np.ndarray) -> np.ndarray:
    q = np.atleast_2d(np.asarray(values, dtype=float))
    if q.shape[0] < 2:
        raise ValueError(f"an interval across batches needs at least 2 batches, got {q.shape[0]}")
    if not np.isfinite(q).all():
        raise ValueError("the per-batch values must be finite (drop batches that did not converge)")
    return q


def batch_means_interval(values: np.ndarray, confidence: float = 0.95) -> tuple:
    """``(low, high)`` per column of the ``B × k`` ``values``: ``q̄ ± t · s/√B``."""
    from scipy.stats import t

    q, c = _rows(values), _confidence(confidence)
    B = q.shape[0]
    half = t.ppf(0.5 + c / 2, B - 1) * q.std(axis=0, ddof=1) / np.sqrt(B)
    mean = q.mean(axis=0)
    return mean - half, mean + half


def bootstrap_interval(
    values: np.ndarray, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple:
    """``(low, high)`` per column: percentiles of the mean over bootstrap resamples of rows."""
    q, c = _rows(values), _confidence(confidence)
    resamples = _validate.integer_at_least("resamples", resamples, 1)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, q.shape[0], size=(resamples, q.shape[0]))
    means = q[idx].mean(axis=1)
    return np.quantile(means, 0.5 - c / 2, axis=0), np.quantile(means, 0.5 + c / 2, axis=0)


def interval(
    values: np.ndarray, confidence: float = 0.95, method: str = "batch-means", seed: int = 0
) -> Interval:
    """The :class:`Interval` of ``method`` (:data:`INTERVALS`) for the ``B × k`` values."""
    method = _validate.choice("method", method, INTERVALS)
    if method == "batch-means":
        low, high = batch_means_interval(values, confidence)
    else:
        low, high = bootstrap_interval(values, confidence, seed=seed)
    return Interval(low, high, float(confidence), method, int(np.atleast_2d(values).shape[0]))


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + _confidence(confidence) / 2))


def _half_width(half_width: float) -> float:
    h = float(half_width)
    if not h > 0:
        raise ValueError(f"half_width must be > 0, got {half_width!r}")
    return h


def batches_needed(std: np.ndarray, half_width: float, confidence: float = 0.95) -> np.ndarray:
    """Per rank, the least ``B`` with ``z · std/√B ≤ half_width`` (``std``: one batch's)."""
    z, h = _z(confidence), _half_width(half_width)
    return np.maximum(1, np.ceil((z * np.asarray(std, dtype=float) / h) ** 2)).astype(int)


def batch_size_needed(
    std: np.ndarray, batch_size: int, half_width: float, confidence: float = 0.95
) -> np.ndarray:
    """Per rank, the batch size ``m`` whose single-batch estimate has ``z · s_m ≤ half_width``,
    from the spread ``std`` at ``batch_size`` and ``s_m = std · √(batch_size / m)``."""
    batch_size = _validate.integer_at_least("batch_size", batch_size, 1)
    z, h = _z(confidence), _half_width(half_width)
    ratio = (z * np.asarray(std, dtype=float) / h) ** 2
    return np.maximum(1, np.ceil(batch_size * ratio)).astype(int)
