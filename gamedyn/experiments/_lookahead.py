"""``lookahead_eigenvalues``: lookahead pulls GDA's eigenvalues inside the unit circle."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..games import Bilinear
from ..methods import GDA, Lookahead
from ..spectrum import eigenvalues, spectral_radius

__all__ = ["LOOKAHEAD_LR", "LOOKAHEAD_SETTINGS", "LookaheadPanel", "lookahead_panels"]

LOOKAHEAD_LR = 0.5
"""The step size of the GDA inside lookahead."""
LOOKAHEAD_SETTINGS = ((3, 0.5), (5, 0.5), (8, 0.5), (5, 0.8))
"""``(k, α)`` of the four panels."""


class LookaheadPanel(NamedTuple):
    """One panel: lookahead's ``k``, ``α``, the eigenvalues and radii of GDA and of lookahead."""

    k: int
    alpha: float
    base: np.ndarray
    lookahead: np.ndarray
    base_rate: float
    rate: float


def lookahead_panels(lr: float = LOOKAHEAD_LR) -> list[LookaheadPanel]:
    """The numbers of the four panels, on a bilinear game with singular values in ``[0.2, 1]``."""
    game, base = Bilinear(np.diag(np.linspace(0.2, 1.0, 6))), GDA(lr)
    panels = []
    for k, alpha in LOOKAHEAD_SETTINGS:
        method = Lookahead(base, k=k, alpha=alpha)
        panels.append(
            LookaheadPanel(
                k,
                alpha,
                eigenvalues(game, method=base),
                eigenvalues(game, method=method),
                spectral_radius(base, game),
                spectral_radius(method, game),
            )
        )
    return panels
