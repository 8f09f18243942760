"""``lookahead_eigenvalues``: lookahead pulls GDA's eigenvalues inside the unit circle.

Numbers: :func:`gamedyn.experiments.lookahead_panels`.
"""

from __future__ import annotations

from pathlib import Path

from ..experiments import LOOKAHEAD_LR, lookahead_panels
from .registry import figure

__all__: list[str] = []


@figure
def make_lookahead_eigenvalues(out_dir: Path, small: bool) -> list[Path]:
    """Lookahead pulls GDA's eigenvalues inside the unit circle (and fails for α too large)."""
    from .. import plot
    from .layout import grid, save

    panels = lookahead_panels()
    fig, axes = grid(len(panels), 4, 3.6)
    for ax, p in zip(axes, panels, strict=True):
        plot.eigenvalue_cloud(
            {"GDA": p.base, "lookahead-GDA": p.lookahead},
            unit_circle=True,
            ax=ax,
            title=f"k = {p.k}, α = {p.alpha}: ρ {p.base_rate:.3f} → {p.rate:.3f}",
        )
        ax.get_legend().remove()
    # one legend for the four panels, below them: off the data
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3)
    fig.suptitle(f"Lookahead around GDA (lr = {LOOKAHEAD_LR}) on a bilinear game, σ ∈ [0.2, 1]")
    return save(fig, out_dir, "lookahead_eigenvalues")
