"""``negative_momentum_eigenvalues``: negative momentum pulls alternating GDA's eigenvalues in."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..games import Bilinear
from ..methods import Momentum
from ..spectrum import eigenvalues
from .registry import figure

__all__ = ["NEGATIVE_MOMENTUM_GAME", "NEGATIVE_MOMENTUM_LR", "negative_momentum_sets"]

NEGATIVE_MOMENTUM_GAME = Bilinear(np.diag(np.linspace(0.2, 1.0, 6)))
"""A bilinear game with singular values spread over ``[0.2, 1]``."""
NEGATIVE_MOMENTUM_LR = 0.5


def negative_momentum_sets(lr: float = NEGATIVE_MOMENTUM_LR) -> dict[str, np.ndarray]:
    """The operator eigenvalues of the left panel, by label."""
    game = NEGATIVE_MOMENTUM_GAME
    return {
        "alternating, β = 0": eigenvalues(game, method=Momentum(lr, 0.0, alternating=True)),
        "alternating, β = −0.5": eigenvalues(game, method=Momentum(lr, -0.5, alternating=True)),
        "simultaneous, β = +0.5": eigenvalues(game, method=Momentum(lr, 0.5)),
    }


@figure
def make_negative_momentum_eigenvalues(out_dir: Path, small: bool) -> list[Path]:
    """Negative momentum shifts the operator eigenvalues of alternating GDA inside the circle."""
    from .. import plot
    from .layout import grid, save

    game, lr = NEGATIVE_MOMENTUM_GAME, NEGATIVE_MOMENTUM_LR
    fig, (left, right) = grid(2, 2, 4.2)
    plot.eigenvalue_cloud(
        negative_momentum_sets(lr),
        unit_circle=True,
        ax=left,
        title=f"Momentum on a bilinear game (σ ∈ [0.2, 1]), lr = {lr}",
    )
    betas = np.linspace(0.0, -1.0, 21 if small else 101)
    plot.eigenvalue_paths(
        lambda b: Momentum(lr, b, alternating=True), betas, game=game, label="β", ax=right
    )
    right.set_title("alternating momentum as β sweeps 0 → −1")
    return save(fig, out_dir, "negative_momentum_eigenvalues")
