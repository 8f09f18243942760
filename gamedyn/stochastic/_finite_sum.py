"""The exact stationary mean of a method on a finite-sum game of affine fields.

With ``N`` affine games ``v_i(z) = J_i z + c_i`` and one index per gradient evaluation (batch
size 1), one step is ``s⁺ = F(s; i_1, ..., i_g)``, affine in ``s`` for each choice of the ``g``
indices. Its mean over the ``N^g`` equally likely choices is an affine map ``s ↦ A s + c``, so
the mean of the state obeys ``m_{t+1} = A m_t + c`` exactly — multiplicative noise included —
and, for ``ρ(A) < 1``, converges to ``m* = (I − A)⁻¹ c``. It need not be the equilibrium ``z*``
of the mean game: for extragradient with one sample per step,
``(J̄ − η E[J_i²]) m = −c̄ + η E[J_i c_i]``, biased by ``E[J_i²] ≠ J̄²``. A uniform average of
the iterates of a stable chain converges to this ``m*``, not to ``z*``.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch.func import jacfwd

from ..backends._dense import TorchOps
from ..backends._state import flatten, unflatten
from ..games._quadratic import Quadratic
from ..games._stochastic import FiniteSum
from ..methods import Method, is_count
from ._moments import _stationary_state
from ._sampling import SampledOps, evaluations, sample_group

__all__ = ["stationary_mean"]


def stationary_mean(
    method: Method, game: FiniteSum, same_sample: bool = False, max_choices: int = 100000
) -> np.ndarray:
    """``m*``, the stationary mean of ``method.output`` (module docstring).

    Raises:
      ValueError: the games are not affine, batch size above 1, too many index choices, or
        ``ρ(A) ≥ 1`` (the mean does not settle).
    """
    if not isinstance(game, FiniteSum) or not all(isinstance(g, Quadratic) for g in game.games):
        raise ValueError("stationary_mean needs a FiniteSum of Quadratic (affine) games")
    if game.batch_size != 1:
        raise ValueError(f"stationary_mean needs batch_size 1, got {game.batch_size}")
    mean_game = game.mean
    state = _stationary_state(method, mean_game, mean_game.default_point())
    ops = TorchOps(mean_game)
    group = sample_group(method, ops, state[0], same_sample)
    g = evaluations(method, ops, state) // group
    N = len(game.games)
    if N**g > max_choices:
        raise ValueError(f"{N}^{g} = {N**g} index choices exceed max_choices = {max_choices}")
    template = tuple(e if is_count(e) else None for e in state)
    one_hot = torch.eye(N, dtype=torch.float64)

    def mean_step(s: torch.Tensor) -> torch.Tensor:
        total = torch.zeros_like(s)
        for choice in itertools.product(range(N), repeat=g):
            samples = one_hot[list(choice)]
            total = total + flatten(
                method.step(SampledOps(ops, game.field, samples, group), unflatten(s, template))
            )
        return total / N**g

    s0 = torch.zeros_like(flatten(state))
    with torch.no_grad():
        c = mean_step(s0).numpy()
    A = jacfwd(mean_step)(s0).detach().numpy()
    rho = float(np.abs(np.linalg.eigvals(A)).max())
    if not rho < 1:
        raise ValueError(
            f"the mean dynamics have spectral radius {rho:.6g} >= 1: no stationary mean"
        )
    m = np.linalg.solve(np.eye(A.shape[0]) - A, c)
    P = jacfwd(lambda u: method.output(unflatten(u, template)))(s0).detach().numpy()
    return P @ m
