"""``negative_momentum_eigenvalues``: negative momentum pulls alternating GDA's eigenvalues in."""

from __future__ import annotations

import numpy as np

from ..games import Bilinear
from ..methods import Momentum
from ..spectrum import eigenvalues

__all__ = ["NEGATIVE_MOMENTUM_GAME", "NEGATIVE_MOMENTUM_LR", "negative_momentum_sets"]

NEGATIVE_MOMENTUM_GAME = Bilinear(np.diag(np.linspace(0.2, 1.0, 6)))
"""A bilinear game with singular values spread over ``[0.2, 1]``."""
NEGATIVE_MOMENTUM_LR = 0.5
"""The step size of the negative-momentum figure."""


def negative_momentum_sets(lr: float = NEGATIVE_MOMENTUM_LR) -> dict[str, np.ndarray]:
    """The operator eigenvalues of the left panel, by label."""
    game = NEGATIVE_MOMENTUM_GAME
    return {
        "alternating, β = 0": eigenvalues(game, method=Momentum(lr, 0.0, alternating=True)),
        "alternating, β = −0.5": eigenvalues(game, method=Momentum(lr, -0.5, alternating=True)),
        "simultaneous, β = +0.5": eigenvalues(game, method=Momentum(lr, 0.5)),
    }
