"""``dirac_gan``: Mescheder et al. (2018)'s Dirac-GAN variants, simultaneous and alternating.

Numbers: :func:`gamedyn.experiments.dirac_variants`."""

from __future__ import annotations

from pathlib import Path

from ..experiments import DIRAC_LR, DIRAC_START, DIRAC_STEPS, dirac_variants
from ..methods import GDA, AltGDA
from .registry import figure

__all__: list[str] = []


@figure
def make_dirac_gan(out_dir: Path, small: bool) -> list[Path]:
    """Dirac-GAN: vector fields and trajectories (lr 0.2, from (1, 1), 500 steps)."""
    from .. import plot
    from .layout import grid, save

    variants, steps = dirac_variants(), 100 if small else DIRAC_STEPS
    fig, axes = grid(2 * len(variants), 4, 2.8)
    for i, (label, game) in enumerate(variants.items()):
        for j, (update, method) in enumerate(
            [("simultaneous", GDA(DIRAC_LR)), ("alternating", AltGDA(DIRAC_LR))]
        ):
            ax = axes[2 * i + j]
            plot.vector_field(game, (-2, 2), (-2, 2), density=15, ax=ax)
            plot.trajectories({update: method}, game, DIRAC_START, steps, field=False, ax=ax)
            ax.set_xlim(-2, 2)
            ax.set_ylim(-2, 2)
            ax.set_xlabel("θ")
            ax.set_ylabel("ψ")
            ax.set_title(f"{label}\n{update}", fontsize=8)
            ax.get_legend().remove()
    fig.suptitle(f"Dirac-GAN, lr = {DIRAC_LR}, start {DIRAC_START}, {steps} steps")
    return save(fig, out_dir, "dirac_gan")
