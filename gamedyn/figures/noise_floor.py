"""``noise_floor``: the lookahead variance claim, drawn (the numbers:
:mod:`gamedyn.experiments`, ``_noise_floor``).

Left columns — additive noise (gamedyn's setting, ``k = 5``, ``α = 0.5``): the exact noise floor
against the step size (lines), Monte Carlo points, and the error after an equal gradient budget
(dashed), on a bilinear and a rotational quadratic game. Last panel — sampling noise in the
paper's setting (LAGAN's stochastic bilinear problem, one sample per gradient, ``α = 0.3``, the
paper's ``k``): the across-run variance of lookahead-GDA's and GDA's iterates after the same
number of gradients.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import (
    NOISE_FLOOR,
    SAMPLING_NOISE,
    noise_floor_curves,
    sampling_noise_variance,
)
from .registry import figure

__all__: list[str] = []


@figure
def make_noise_floor(out_dir: Path, small: bool) -> list[Path]:
    """Noise floors against the step size: GDA, EG and their lookahead versions, equal budget."""
    from .layout import grid, save

    curves = noise_floor_curves(small)
    games = list(dict.fromkeys(c.game for c in curves))
    fig, axes = grid(len(games) + 1, 3, 5.0)
    for ax, game in zip(axes, games, strict=False):
        for c in (c for c in curves if c.game == game):
            (line,) = ax.plot(c.lrs, c.floor, label=f"{c.label}: floor")
            ax.plot(c.lrs, c.budget, "--", color=line.get_color(), lw=1)
            if c.monte_carlo.size:
                mc = c.monte_carlo
                ax.errorbar(mc[:, 0], mc[:, 1], 2 * mc[:, 2], fmt="o", color=line.get_color())
        floors = np.concatenate([c.floor for c in curves if c.game == game])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(0.5 * np.nanmin(floors), 20 * np.nanmax(floors))  # diverging budgets cut
        ax.set_xlabel("step size lr")
        ax.set_ylabel("E‖z − z*‖²")
        ax.set_title(
            f"{game}: floor (solid, MC points), after {NOISE_FLOOR['budget']} gradients (dashed)",
            fontsize=8,
        )
    axes[0].legend(fontsize=7)
    ax = axes[len(games)]
    rows = sampling_noise_variance(small)
    labels = list(rows)
    ax.bar(range(len(labels)), [rows[k]["variance"] for k in labels], color="C0")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=6)
    ax.set_yscale("log")
    ax.set_ylabel("E‖z − E z‖² across runs")
    s = SAMPLING_NOISE
    passes = max(r["passes"] for r in rows.values())
    ax.set_title(
        f"paper's setting: sampling noise, d = 100, lr = {s['lr']}, α = {s['alpha']}, "
        f"≤ {passes} gradients",
        fontsize=8,
    )
    return save(fig, out_dir, "noise_floor")
