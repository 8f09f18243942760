"""Stochastic games: runs with a fresh sample per gradient evaluation, and exact second moments.

An outer layer (like :mod:`gamedyn.regions`) over the games, methods, backends and spectrum:

* :func:`stochastic_run` — many seeded runs at once (vectorised where the game's field
  batches); every gradient evaluation a method makes draws its own sample (or one per base step
  with ``same_sample=True``), a stored gradient is reused, never redrawn;
* :func:`stationary_covariance` (the discrete Lyapunov equation with ``T`` and the noise
  injection ``B`` both differentiated from the method's one step), :func:`stationary_mse`,
  :func:`mse_curve` (exact on affine games, iterate averaging included), :func:`linearise`;
* :func:`stationary_mean` — the exact stationary mean on a finite sum of affine games
  (multiplicative noise: biased away from ``z*`` in general).

The stochastic games themselves are in :mod:`gamedyn.games._stochastic`.
"""

from ._finite_sum import stationary_mean
from ._moments import linearise, mse_curve, stationary_covariance, stationary_mse
from ._runs import distances, stochastic_run

__all__ = [
    "stationary_covariance",
    "stationary_mse",
    "mse_curve",
    "linearise",
    "stochastic_run",
    "distances",
    "stationary_mean",
]
