"""``momentum_table``: Gidel et al. (2019)'s table of heavy-ball momentum on ``x·y``.

References:
  Gidel, Askari Hemmat, Pezeshki, Le Priol, Huang, Lacoste-Julien and Mitliagkas, "Negative
  Momentum for Improved Game Dynamics", AISTATS 2019.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..games import Bilinear
from ..methods import Momentum
from ..spectrum import spectral_radius

__all__ = ["MOMENTUM_LR", "MOMENTUM_BETAS", "momentum_rows"]

MOMENTUM_LR = 0.5
"""The step size of Gidel et al. (2019)'s table."""
MOMENTUM_BETAS = (-0.9, -0.5, -0.1, 0.0, 0.1, 0.5, 0.9)
"""The momentum values ``β`` of its rows."""


def momentum_rows(lr: float = MOMENTUM_LR, betas: Iterable[float] = MOMENTUM_BETAS) -> list[dict]:
    """Gidel et al. (2019)'s momentum table, computed on the bilinear game ``x·y``.

    For each update (simultaneous, alternating) and ``β``: the spectral radius ``ρ`` of the
    augmented operator at the equilibrium, *bounded* when ``ρ ≤ 1`` (to 1e-12) and *converges*
    when ``ρ < 1``.
    """
    game, z = Bilinear([[1.0]]), np.zeros(2)
    rows = []
    for alternating in (False, True):
        for beta in betas:
            rho = spectral_radius(Momentum(lr, beta, alternating=alternating), game, z)
            rows.append(
                {
                    "update": "alternating" if alternating else "simultaneous",
                    "beta": beta,
                    "bounded": rho <= 1 + 1e-12,
                    "converges": rho < 1 - 1e-12,
                    "spectral radius": rho,
                }
            )
    return rows
