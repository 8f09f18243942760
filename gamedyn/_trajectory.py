"""Running update operators, and measuring how fast their iterates contract.

``run`` iterates a method's step (the same step that :mod:`gamedyn.spectrum` differentiates).
``contraction_rate`` measures the asymptotic rate from the iterates alone, independently of any
Jacobian, so that predicted spectral radii can be checked against what the method actually does.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from . import _validate
from .backends._dense import TorchOps
from .games._base import Game
from .methods import Method

__all__ = ["run", "contraction_rate"]


def run(method: Method, game: Game, z0: Any, steps: int) -> np.ndarray:
    """Iterate ``method`` on ``game`` from ``z0``; returns ``z_0, ..., z_steps``.

    The state starts at ``method.init(z0)``: ``(z_0, z_0)`` for augmented methods, fresh
    optimiser state (zero moments, step 0) for the Adam family unless the method was given a
    ``state=``. Row ``t`` is ``method.output(state_t)``: the iterate ``z_t`` itself for every
    method — augmented and optimiser states report their first vector, lookahead its slow
    iterate at each synchronisation — except the averaging wrappers
    (:class:`~gamedyn.methods.EMA`, :class:`~gamedyn.methods.IterateAverage`), which report the
    averaged iterate ``z̄_t``. Computation is in the game's dtype (float64 by default). A run
    whose iterates overflow to nan or inf (a divergent method) stops there with a
    ``RuntimeWarning`` naming the step; the rows after it are nan.

    Returns:
      An array of shape ``(steps + 1, n)``; row ``t`` is ``z_t`` (``z̄_t`` for averaging).
    """
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    steps = _validate.integer_at_least("steps", steps, 0)
    _validate.allocation(f"{steps + 1} iterates of n = {game.n}", 8.0 * (steps + 1) * game.n)
    ops = TorchOps(game)
    state = method.init(game.point(z0, "z0"))
    out = np.full((steps + 1, game.n), np.nan)
    out[0] = method.output(state).detach().cpu().numpy()
    with torch.no_grad():
        for t in range(1, steps + 1):
            state = method.step(ops, state)
            out[t] = method.output(state).detach().cpu().numpy()
            if not np.isfinite(out[t]).all():
                warnings.warn(
                    f"{method!r} diverged: the iterates are not finite from step {t} of {steps} "
                    f"(max |z_{t - 1}| = {np.abs(out[t - 1]).max():.3g}); the run stops there and "
                    "the rows after it are nan",
                    RuntimeWarning,
                    stacklevel=2,
                )
                out[t:] = np.nan
                break
    return out


def contraction_rate(
    trajectory: Any,
    fixed_point: Any = None,
    *,
    tail: int = 40,
    max_degree: int = 4,
    rtol: float = 1e-8,
) -> float:
    """The asymptotic rate ``ρ`` of ``‖z_t − z*‖ ~ ρ^t``, measured from the iterates.

    Late in a linear(ised) iteration the deviations ``d_t = z_t − z*`` are dominated by the
    operator's largest-modulus eigenvalues — one real eigenvalue, a conjugate pair, or a few
    eigenvalues of equal modulus — and then satisfy a short linear recurrence
    ``d_{t+m} = c_{m−1} d_{t+m−1} + ... + c_0 d_t`` whose characteristic roots are those
    eigenvalues (Prony's method). The recurrence is fitted by least squares on the last ``tail``
    iterates, for the smallest degree ``m ≤ max_degree`` whose relative residual is below
    ``rtol``, and ``ρ`` is its largest root in modulus. Unlike ``(‖d_T‖/‖d_0‖)^{1/T}``, this is
    exact once the subdominant modes have died out, even for non-normal operators whose
    ``‖d_t‖`` oscillates.

    Args:
      trajectory: iterates, shape ``(T, n)``, as returned by :func:`run`.
      fixed_point: ``z*`` (default: the origin).
      tail: how many final iterates to fit.
      max_degree: the largest recurrence degree tried.
      rtol: the relative residual a fit must reach.

    Raises:
      ValueError: if no recurrence of degree ``≤ max_degree`` fits (the run is too short for
        the subdominant modes to have died out, or the iteration is not linear there).
    """
    z = np.asarray(trajectory, dtype=float)
    if z.ndim != 2:
        raise ValueError(f"trajectory must have shape (T, n), got {z.shape}")
    tail = _validate.integer_at_least("tail", tail, 2 * max_degree + 2)
    if z.shape[0] < tail:
        raise ValueError(f"trajectory has {z.shape[0]} iterates, fewer than tail = {tail}")
    d = z[-tail:] - (0.0 if fixed_point is None else np.asarray(fixed_point, dtype=float))
    norms = np.linalg.norm(d, axis=1)
    if not np.all(np.isfinite(d)) or np.any(norms == 0):
        raise ValueError("trajectory tail has zero, infinite or nan deviations: no rate to fit")
    for m in range(1, max_degree + 1):
        # Equation t: d_{t+m} = Σ_j c_j d_{t+j}; each window is divided by ‖d_t‖ (the rate is
        # scale-free), which keeps growing or decaying runs well conditioned.
        rows = [d[t : t + m + 1] / norms[t] for t in range(tail - m)]
        past = np.concatenate([w[:m].T for w in rows])  # (equations, m)
        future = np.concatenate([w[m] for w in rows])
        coef, *_ = np.linalg.lstsq(past, future, rcond=None)
        residual = np.linalg.norm(past @ coef - future) / np.linalg.norm(future)
        if residual < rtol:
            roots = np.roots(np.concatenate([[1.0], -coef[::-1]]))
            return float(np.abs(roots).max())
    raise ValueError(
        f"no linear recurrence of degree <= {max_degree} fits the last {tail} iterates to "
        f"rtol = {rtol}; run more steps so that the dominant eigenvalues take over"
    )
