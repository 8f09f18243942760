"""Exact second moments of a method's iterates under additive gradient noise.

Every gradient evaluation a step makes sees ``v(w) + ξ_j`` with ``ξ_j ~ N(0, Σ)`` (or any
zero-mean noise of covariance ``Σ``), independent across evaluations (or shared within one
base step with ``same_sample=True``, :mod:`gamedyn.stochastic`). The step is then a
function ``s⁺ = F(s, ξ)`` of the flat state ``s`` and the stacked noise ``ξ = (ξ_1, ..., ξ_g)``,
and around a fixed point ``s*`` of the noise-free step

``s_{t+1} − s* ≈ T (s_t − s*) + B ξ_t``,  ``T = ∂F/∂s``,  ``B = ∂F/∂ξ``,

both from ``torch.func.jacfwd`` of the method's one step (the noise is an input of each field
evaluation: nothing is written per method). On affine games (``Quadratic``, ``Bilinear``) this
is exact. The covariance of the state obeys ``C_{t+1} = T C_t Tᵀ + B (I_g ⊗ Σ) Bᵀ``; at
stationarity (``ρ(T) < 1``) ``C = T C Tᵀ + B (I ⊗ Σ) Bᵀ``, the discrete Lyapunov equation.

**Which iterate.** The flat state is the method's (``(z_t, z_{t−1})`` for heavy ball,
``(z_t, η g_{t−1})`` for optimistic GDA in its stored-gradient form, ``(z_t, z̄_t)`` for
:class:`~gamedyn.methods.EMA`); one step of :class:`~gamedyn.methods.Lookahead` is a whole cycle
of ``k`` fast steps, so its covariance is that of the *slow* iterate at synchronisations. The
covariance returned is that of ``method.output(state)`` — the iterate ``z_t`` (the slow one for
lookahead; the averaged ``z̄_t`` for averaging wrappers) — or the whole state's with
``state=True``.

Example (GDA on ``v(z) = z``: ``C = η² σ² / (1 − (1 − η)²)``):
  >>> from gamedyn.games import Quadratic
  >>> from gamedyn.methods import GDA
  >>> game = Quadratic([[1.0]], [[1.0]], [[0.0]], [[0.0]])
  >>> C = stationary_covariance(GDA(0.5), game, 1.0)
  >>> round(float(C[0, 0]), 6), round(0.25 / (1 - 0.25), 6)
  (0.333333, 0.333333)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.func import jacfwd

from .. import _validate
from ..backends._dense import TorchOps
from ..backends._state import flatten, unflatten
from ..games._base import Game, point_or_default
from ..games._quadratic import Quadratic
from ..games._stochastic import covariance_matrix
from ..methods import Method, State, is_count
from ._lyapunov import solve_lyapunov
from ._sampling import SampledOps, evaluations, sample_group

__all__ = [
    "Linearisation",
    "linearise",
    "stationary_covariance",
    "stationary_mse",
    "mse_curve",
    "noise_input",
]


@dataclass(frozen=True)
class Linearisation:
    """``s⁺ − s* = T (s − s*) + B ξ`` at a state; ``P`` maps the state to ``method.output``.

    ``T``: ``d × d``; ``B``: ``d × (g·n)`` (``g`` samples of ``n`` entries, sample-major);
    ``P``: ``n × d``; ``state``: the state (counts included) it was taken at.
    """

    T: np.ndarray
    B: np.ndarray
    P: np.ndarray
    state: State
    samples: int

    def noise_blocks(self) -> list[np.ndarray]:
        """``B_j``, the ``d × n`` injection of sample ``j``."""
        n = self.P.shape[0]
        return [self.B[:, j * n : (j + 1) * n] for j in range(self.samples)]

    def injected(self, cov: np.ndarray) -> np.ndarray:
        """``B (I_g ⊗ Σ) Bᵀ = Σ_j B_j Σ B_jᵀ``."""
        return sum((Bj @ cov @ Bj.T for Bj in self.noise_blocks()), np.zeros_like(self.T))


def noise_input(method: Method, game: Game, state: State, same_sample: bool = False) -> Any:
    """``(F, g, group)``: the step as ``F(s, ξ)`` of the flat state and the ``g × n`` noise at
    ``state``'s counts, with ``group`` evaluations per sample."""
    ops = TorchOps(game)
    z = state[0]
    group = sample_group(method, ops, z, same_sample)
    calls = evaluations(method, ops, state)
    if calls % group:
        raise ValueError(f"{calls} field evaluations do not split into samples of {group}")
    g = calls // group
    template = tuple(e if is_count(e) else None for e in state)

    def additive(w: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        return game.field(w) + xi

    def F(s: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        return flatten(method.step(SampledOps(ops, additive, xi, group), unflatten(s, template)))

    return F, g, group


def linearise(method: Method, game: Game, state: State, same_sample: bool = False) -> Linearisation:
    """:class:`Linearisation` of ``method`` under additive noise at ``state``."""
    F, g, _ = noise_input(method, game, state, same_sample)
    template = tuple(e if is_count(e) else None for e in state)
    s = flatten(state).detach()
    xi = torch.zeros(g, game.n, dtype=s.dtype, device=s.device)
    T, B = jacfwd(F, argnums=(0, 1))(s, xi)
    P = jacfwd(lambda u: method.output(unflatten(u, template)))(s)
    return Linearisation(
        T.detach().cpu().numpy(),
        B.reshape(s.shape[0], g * game.n).detach().cpu().numpy(),
        P.detach().cpu().numpy(),
        tuple(state),
        g,
    )


def _counts(state: State) -> tuple:
    return tuple(int(e) for e in state if is_count(e))


def _stationary_state(method: Method, game: Game, z: torch.Tensor) -> State:
    """``method.init(z*)`` after the count transients (has-past flags); refuses a method whose
    counts keep changing (uniform averaging, Adam's step count) or a ``z*`` that is not a
    fixed point of the noise-free step."""
    ops = TorchOps(game)
    state = method.init(z)
    with torch.no_grad():
        one = method.step(ops, state)
        two = method.step(ops, one)
    if _counts(one) != _counts(two):
        raise ValueError(
            f"{method!r} is not time-invariant (its counts change every step: "
            f"{_counts(one)} then {_counts(two)}): it has no stationary covariance; use mse_curve"
        )
    if _counts(state) != _counts(one):
        state = tuple(c if is_count(c) else s for s, c in zip(state, one, strict=True))
        with torch.no_grad():
            one = method.step(ops, state)
    gap = float((flatten(one) - flatten(state)).abs().max())
    if gap > 1e-9 * (1 + float(flatten(state).abs().max())):
        raise ValueError(
            f"z is not a fixed point of {method!r} (one noise-free step moves it by {gap:.3g}): "
            "the stationary covariance is taken around a fixed point (default: the game's)"
        )
    return state


def _noise(noise_cov: Any, n: int) -> np.ndarray:
    return covariance_matrix("noise_cov", noise_cov, n).cpu().numpy()


def stationary_covariance(
    method: Method,
    game: Game,
    noise_cov: Any,
    z: Any = None,
    same_sample: bool = False,
    *,
    state: bool = False,
) -> np.ndarray:
    """The stationary covariance of the iterate under additive gradient noise of covariance Σ.

    Solves ``C = T C Tᵀ + B (I ⊗ Σ) Bᵀ`` (module docstring) at the fixed point ``z`` (default:
    the game's default point, its fixed point) and returns ``P C Pᵀ``, the ``n × n`` covariance
    of ``method.output`` (the iterate ``z_t``; lookahead's slow iterate; an EMA's average), or
    ``C`` itself (``d × d``, the whole flat state) with ``state=True``.

    Args:
      method: any time-invariant method (counts that settle, e.g. a has-past flag, are fine;
        uniform averaging and Adam's bias correction are refused).
      game: the mean game.
      noise_cov: Σ of one gradient evaluation, ``n × n`` or a number ``σ²``.
      z: the linearisation point, a fixed point of the method.
      same_sample: the evaluations of one base step share a sample (extragradient's
        extrapolation and update); default: independent (SEM).

    Raises:
      ValueError: ``ρ(T) ≥ 1`` (no stationary distribution), ``z`` not a fixed point, or a
        time-varying method.
    """
    method = _method(method)
    z = point_or_default(game, z)
    lin = linearise(method, game, _stationary_state(method, game, z), same_sample)
    C = solve_lyapunov(lin.T, lin.injected(_noise(noise_cov, game.n)))
    return C if state else lin.P @ C @ lin.P.T


def stationary_mse(
    method: Method, game: Game, noise_cov: Any, z: Any = None, same_sample: bool = False
) -> float:
    """``lim E‖z_t − z*‖² = tr C``: the noise floor (:func:`stationary_covariance`)."""
    return float(np.trace(stationary_covariance(method, game, noise_cov, z, same_sample)))


def mse_curve(
    method: Method,
    game: Game,
    noise_cov: Any,
    z0: Any,
    steps: int,
    *,
    z: Any = None,
    same_sample: bool = False,
) -> np.ndarray:
    """``E‖out_t − z*‖²`` for ``t = 0..steps`` from ``z0``, ``out_t = method.output(state_t)``.

    The mean follows the noise-free step, ``m_{t+1} = F(m_t, 0)``, and the covariance
    ``C_{t+1} = T_t C_t T_tᵀ + B_t (I ⊗ Σ) B_tᵀ`` with ``T_t``, ``B_t`` taken at ``m_t`` and the
    step's counts (so uniform averaging's ``1/(c + 1)`` is followed step by step); the error is
    ``‖P m_t − z*‖² + tr(P C_t Pᵀ)``. Exact on affine games; elsewhere the linearisation along
    the mean. ``z*`` is ``z`` (default: the game's default point).

    Returns:
      An array of ``steps + 1`` values; its limit is :func:`stationary_mse` for time-invariant
      methods.
    """
    method = _method(method)
    steps = _validate.integer_at_least("steps", steps, 0)
    z_star = point_or_default(game, z).cpu().numpy()
    cov = _noise(noise_cov, game.n)
    affine = isinstance(game, Quadratic)
    current = method.init(game.point(z0, "z0"))
    ops = TorchOps(game)
    d = flatten(current).shape[0]
    C = np.zeros((d, d))
    cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    out = np.empty(steps + 1)

    def error(state: State, C: np.ndarray, P: np.ndarray) -> float:
        mean = method.output(state).detach().cpu().numpy()
        return float(np.sum((mean - z_star) ** 2) + np.trace(P @ C @ P.T))

    lin = linearise(method, game, current, same_sample)
    out[0] = error(current, C, lin.P)
    for t in range(1, steps + 1):
        key = _counts(current)
        if affine and key in cache:
            T, Q = cache[key]
        else:
            lin = linearise(method, game, current, same_sample)
            T, Q = lin.T, lin.injected(cov)
            cache[key] = (T, Q)
        C = T @ C @ T.T + Q
        with torch.no_grad():
            current = method.step(ops, current)
        P = lin.P if affine else linearise(method, game, current, same_sample).P
        out[t] = error(current, C, P)
    return out


def _method(method: Any) -> Method:
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    return method
