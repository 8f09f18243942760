"""``transient_growth``: ``‖Tᵗ‖`` against ``t`` for the operators of ``pseudospectra``, with ρᵗ.

Numbers: :func:`gamedyn.experiments.transient_curves`, :func:`gamedyn.experiments.worst_run`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import transient_curves, worst_run
from .registry import figure

__all__: list[str] = []


@figure
def make_transient_growth(out_dir: Path, small: bool) -> list[Path]:
    """Transient growth ‖Tᵗ‖ against t, with ρᵗ: bilinear, Dirac-GAN, mixture GAN, and a run.

    Numbers from :func:`gamedyn.experiments.transient_curves` and
    :func:`gamedyn.experiments.worst_run`.
    """
    from .. import plot
    from .layout import grid, save

    curves = transient_curves(small)
    runs = worst_run(small)
    fig, axes = grid(4, 2, 4.6)
    titles = {
        "bilinear": "bilinear game (σ ∈ [0.2, 1]), lr 0.5",
        "dirac": "Dirac-GAN, R1 γ = 1 (critical: J defective)",
        "mixture": "trained mixture GAN (n = 331):\nρ > 1 at a checkpoint",
    }
    for ax, (panel, sets) in zip(axes, curves.items(), strict=False):
        plot.transient_growth(
            {label: c.norms for label, c in sets.items()},
            rho={label: c.rho for label, c in sets.items()},
            kreiss={label: c.kreiss for label, c in sets.items() if np.isfinite(c.kreiss)},
            ax=ax,
            title=titles[panel],
        )
        ax.legend(loc="best", fontsize=6)
    ax = axes[3]
    worst, steps, rho = runs["worst"], runs["run"].size - 1, runs["rho"]
    with plot.style():
        t = np.arange(steps + 1)
        ax.semilogy(t, worst.norms[: steps + 1], color=plot.PALETTE[0], label="‖Tᵗ‖ (predicted)")
        ax.semilogy(
            t,
            runs["run"],
            color=plot.PALETTE[1],
            ls="none",
            marker=".",
            label="run from the worst direction",
        )
        ax.semilogy(
            t, runs["random"], color=plot.PALETTE[2], lw=1.0, label="run from a random start"
        )
        ax.semilogy(t, rho**t, color="0.4", ls="--", lw=1.0, label=f"ρᵗ, ρ = {rho:.4f}")
        ax.axvline(worst.step, color="0.6", lw=0.7, ls=":")
        ax.set_xlabel("step t")
        ax.set_ylabel("‖δ_t‖ / ‖δ_0‖")
        ax.set_title(
            f"alternating GDA, lr 0.5, ρ = 1:\na run peaks at {worst.amplification:.3g}× "
            f"(t = {worst.step})"
        )
        # below the panel: the run's points fill the axes
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2, fontsize=7)
    fig.suptitle("Transient growth: the largest amplification ‖Tᵗ‖ after t steps, against ρᵗ")
    return save(fig, out_dir, "transient_growth")
