"""Stochastic games: runs with a fresh sample per gradient evaluation, and exact second moments.

An outer layer (like :mod:`gamedyn.regions`) over the games, methods, backends and spectrum:

* :mod:`.sampling` — where the noise enters a step (:class:`~.sampling.SampledOps`), the
  sampling choices (``same_sample``);
* :mod:`.runs` — :func:`stochastic_run`, many seeded runs at once (vectorised where the game's
  field batches);
* :mod:`.moments` — :func:`stationary_covariance` (the discrete Lyapunov equation with ``T``
  and the noise injection ``B`` both differentiated from the method's one step),
  :func:`stationary_mse`, :func:`mse_curve` (exact on affine games, averaging included);
* :mod:`.lyapunov` — the Lyapunov solver (doubling);
* :mod:`.finite_sum` — :func:`stationary_mean`, the exact stationary mean on a finite sum of
  affine games (multiplicative noise: biased away from ``z*`` in general);


The stochastic games themselves are in :mod:`gamedyn.games.stochastic`.
"""

from .finite_sum import stationary_mean
from .moments import linearise, mse_curve, stationary_covariance, stationary_mse
from .runs import distances, stochastic_run

__all__ = [
    "stationary_covariance",
    "stationary_mse",
    "mse_curve",
    "linearise",
    "stochastic_run",
    "distances",
    "stationary_mean",
]
