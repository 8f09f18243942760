"""``stochastic_bilinear``: the stochastic bilinear experiment, drawn (the numbers:
:mod:`gamedyn.experiments`, ``_stochastic_bilinear``).

Top row — **the authors' setting**, LAGAN's released notebook (``d = 100``, their start, step
sizes, sampling, samples per step and distance, five problems;
:func:`~gamedyn.experiments.notebook_curves`): Adam, Extra-Adam, extragradient and lookahead-GDA
at full batch, ``B = 64``, ``16`` and ``1``, the distance ``‖x − x*‖ + ‖y − y*‖`` against the
passes, mean ± standard deviation over the problems, with the paper's reported outcome in each
legend. Bottom — gamedyn's small **teaching instance** (``d = 4``, labelled as such;
:func:`~gamedyn.experiments.stochastic_bilinear_curves`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import (
    NOTEBOOK,
    PAPER_OUTCOME,
    STOCHASTIC_BILINEAR,
    notebook_curves,
    stochastic_bilinear_curves,
)
from .registry import figure

__all__: list[str] = []

PANELS = ("full batch", "B = 64", "B = 16", "B = 1")


@figure
def make_stochastic_bilinear(out_dir: Path, small: bool) -> list[Path]:
    """The stochastic bilinear game in the authors' setting (LAGAN's notebook) and gamedyn's
    teaching instance: which methods converge, stall or diverge."""
    from .layout import grid, save

    curves = notebook_curves(small=small, panels=PANELS)
    fig, axes = grid(len(PANELS) + 1, len(PANELS), 3.4)
    for ax, panel in zip(axes, PANELS, strict=False):
        for c in (c for c in curves if c.panel == panel):
            paper = PAPER_OUTCOME[panel][c.label]
            (line,) = ax.plot(c.passes, c.mean, label=f"{c.label} (paper: {paper})", lw=1)
            ax.fill_between(c.passes, c.mean - c.std, c.mean + c.std, color=line.get_color(),
                            alpha=0.2, lw=0)  # fmt: skip
        ax.set_ylim(-1, 40)
        if panel == "full batch":
            ax.set_xlim(0, 500)
        ax.set_title(f"authors' setting, {panel}", fontsize=8)
        ax.set_xlabel("passes (gradient evaluations)")
        ax.set_ylabel("‖x − x*‖ + ‖y − y*‖")
        ax.legend(fontsize=5)
    ax = axes[len(PANELS)]
    for c in stochastic_bilinear_curves(small):
        t = np.arange(c.median.size)
        (line,) = ax.plot(t, c.median, label=c.label, lw=1)
        ax.fill_between(t, c.low, c.high, color=line.get_color(), alpha=0.15)
    ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel("‖z_t − z*‖ (median, 10–90 %)")
    s = STOCHASTIC_BILINEAR
    ax.set_title(f"teaching instance (gamedyn's): d = {s['d']}, lr = {s['lr']}", fontsize=8)
    ax.legend(fontsize=5)
    fig.suptitle(
        f"stochastic bilinear game: LAGAN's notebook (d = {NOTEBOOK['d']}, "
        f"{NOTEBOOK['problems']} problems), and gamedyn's small instance",
        fontsize=9,
    )
    return save(fig, out_dir, "stochastic_bilinear")
