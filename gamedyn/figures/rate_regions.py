"""``rate_regions``: convergence regions in the λ-plane, with the Dirac-GAN's eigenvalues.

Numbers: :func:`gamedyn.experiments.region_methods`,
:func:`gamedyn.experiments.region_eigenvalues`.
"""

from __future__ import annotations

from pathlib import Path

from ..experiments import region_eigenvalues, region_methods
from .registry import figure

__all__: list[str] = []


@figure
def make_rate_regions(out_dir: Path, small: bool) -> list[Path]:
    """Convergence regions in the λ-plane at lr = 0.5, with the Dirac-GAN's eigenvalues."""
    from .. import plot
    from .layout import grid, save

    lam, methods = region_eigenvalues(), region_methods()
    fig, axes = grid(len(methods), 4, 3.6)
    for ax, (label, method) in zip(axes[: len(methods)], methods.items(), strict=True):
        plot.rate_region(
            method,
            re=(-1.0, 3.0),
            im=(-2.5, 2.5),
            eigenvalues=lam,
            resolution=120 if small else 400,
            ax=ax,
        )
        ax.set_title(label)
    fig.suptitle("Predicted rate ρ(λ) per step; ρ < 1 inside the black curve")
    return save(fig, out_dir, "rate_regions")
