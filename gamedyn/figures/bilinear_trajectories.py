"""``bilinear_trajectories``: every method on ``x·y`` from ``(1, 1)``, with its spectral radius.

Numbers: :func:`gamedyn.experiments.bilinear_methods`,
:func:`gamedyn.experiments.bilinear_rates`.
"""

from __future__ import annotations

from pathlib import Path

from ..experiments import BILINEAR_LR, BILINEAR_START, bilinear_methods, bilinear_rates
from ..games import Bilinear
from .registry import figure

__all__: list[str] = []


@figure
def make_bilinear_trajectories(out_dir: Path, small: bool) -> list[Path]:
    """On x·y from (1, 1): GDA spirals out, alternating GDA cycles, the others converge."""
    from .. import plot
    from .layout import grid, save

    game, steps = Bilinear([[1.0]]), 60 if small else 200
    methods, rates = bilinear_methods(), bilinear_rates()
    fig, axes = grid(len(methods), 4)
    for ax, (label, method) in zip(axes, methods.items(), strict=False):
        plot.trajectories(
            {label: method}, game, BILINEAR_START, steps, xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), ax=ax
        )
        ax.set_title(f"{label}\nρ = {rates[label]:.4f}")
        ax.get_legend().remove()
    fig.suptitle(f"Bilinear game x·y, lr = {BILINEAR_LR}, {steps} steps")
    return save(fig, out_dir, "bilinear_trajectories")
