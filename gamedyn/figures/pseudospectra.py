"""``pseudospectra``: ε-pseudospectra of game and operator Jacobians beyond their eigenvalues.

Numbers: :func:`gamedyn.experiments.pseudospectra_panels`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import pseudospectra_panels
from .registry import figure

__all__: list[str] = []


@figure
def make_pseudospectra(out_dir: Path, small: bool) -> list[Path]:
    """ε-pseudospectra of operator and game Jacobians: bilinear, Dirac-GAN, mixture GAN.

    Contours ``log₁₀ σ_min(zI − A)`` over the eigenvalues, with the unit circle (operators) or
    the imaginary axis (game Jacobians). Numbers from
    :func:`gamedyn.experiments.pseudospectra_panels`.
    """
    from .. import plot
    from .layout import grid, save

    panels = pseudospectra_panels(small)
    fig, axes = grid(len(panels), 3, 3.9)
    levels = 10.0 ** np.arange(-4.0, 0.01, 0.5)
    for ax, p in zip(axes, panels, strict=False):
        plot.pseudospectrum(
            p.re,
            p.im,
            p.sigma,
            eigenvalues=p.eigenvalues,
            levels=levels,
            boundary=p.boundary,
            ax=ax,
            colorbar=p is panels[-1] or p is panels[2],
        )
        ax.set_title(p.title, fontsize=8)
    fig.suptitle(
        "ε-pseudospectra σ_min(zI − A) < ε, ε = 10⁻⁴ … 1: where the eigenvalues of A + E can go "
        "for ‖E‖ < ε"
    )
    return save(fig, out_dir, "pseudospectra")
