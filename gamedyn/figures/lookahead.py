"""``lookahead_eigenvalues``: lookahead pulls GDA's eigenvalues inside the unit circle."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..games import Bilinear
from ..methods import GDA, Lookahead
from ..spectrum import eigenvalues, spectral_radius
from .registry import figure

__all__ = ["LOOKAHEAD_LR", "LOOKAHEAD_SETTINGS", "LookaheadPanel", "lookahead_panels"]

LOOKAHEAD_LR = 0.5
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


@figure
def make_lookahead_eigenvalues(out_dir: Path, small: bool) -> list[Path]:
    """Lookahead pulls GDA's eigenvalues inside the unit circle (and fails for α too large)."""
    from .. import plot
    from .layout import grid, save

    panels = lookahead_panels()
    fig, axes = grid(len(panels), 4, 3.6)
    for ax, p in zip(axes, panels, strict=True):
        plot.eigenvalue_cloud(
            {"GDA": p.base, f"lookahead k={p.k}, α={p.alpha}": p.lookahead},
            unit_circle=True,
            ax=ax,
            title=f"ρ: {p.base_rate:.3f} → {p.rate:.3f}",
        )
    fig.suptitle(f"Lookahead around GDA (lr = {LOOKAHEAD_LR}) on a bilinear game, σ ∈ [0.2, 1]")
    return save(fig, out_dir, "lookahead_eigenvalues")
