"""``negative_momentum_eigenvalues``: negative momentum pulls alternating GDA's eigenvalues in.

Numbers: :func:`gamedyn.experiments.negative_momentum_sets`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import NEGATIVE_MOMENTUM_GAME, NEGATIVE_MOMENTUM_LR, negative_momentum_sets
from ..methods import Momentum
from .registry import figure

__all__: list[str] = []


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
        title=f"momentum on a bilinear game, lr = {lr}",
    )
    betas = np.linspace(0.0, -1.0, 21 if small else 101)
    plot.eigenvalue_paths(
        lambda b: Momentum(lr, b, alternating=True), betas, game=game, label="β", ax=right
    )
    right.set_title("alternating momentum as β sweeps 0 → −1")
    for ax in (left, right):  # legends below the panels, off the data
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2, fontsize=8)
    fig.suptitle("Bilinear game with singular values σ ∈ [0.2, 1]: operator eigenvalues μ")
    return save(fig, out_dir, "negative_momentum_eigenvalues")
