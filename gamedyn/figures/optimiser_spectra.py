"""``optimiser_spectra``: the digits DCGAN along its training — the Adam operator it ran vs GDA.

Numbers: :func:`gamedyn.experiments.optimiser_spectra`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..examples.training import BETAS
from ..experiments import OPTIMISER_LR, optimiser_spectra
from .registry import figure

__all__: list[str] = []


@figure
def make_optimiser_spectra(out_dir: Path, small: bool) -> list[Path]:
    """Digits DCGAN along training: the frozen Adam operator it was trained with vs GDA, same lr.

    Left: ``μ − 1`` of Adam's least-damped eigenvalues (coloured by step) and of GDA's farthest
    from 1. Right: per checkpoint, Adam's ``max Re μ − 1`` and ``max |μ − 1|`` of its set (one
    line, so labelled, where the two are equal: the least-damped ``μ`` are real), and GDA's
    ``max |μ − 1|`` (a bound for all of GDA's), log scale. Numbers from
    :func:`gamedyn.experiments.optimiser_spectra`.
    """
    spectra = optimiser_spectra(small)
    from .. import plot
    from .layout import grid, save

    fig, (left, right) = grid(2, 2, 4.6)
    adam_label, gda_label = "Adam (frozen), as trained", f"GDA, lr = {OPTIMISER_LR:g}"
    plot.eigenvalue_cloud(
        {
            adam_label: np.concatenate([s.adam for s in spectra]) - 1,
            gda_label: np.concatenate([s.gda for s in spectra]) - 1,
        },
        color_by={adam_label: np.concatenate([np.full(s.adam.size, s.step) for s in spectra])},
        colorbar_label="training step",
        ax=left,
        title="μ − 1: Adam's least damped, GDA's farthest from 1",
    )
    with plot.style():
        at = [s.step for s in spectra]
        real = np.array([s.adam.real.max() - 1 for s in spectra])
        modulus = np.array([np.abs(s.adam - 1).max() for s in spectra])
        if np.allclose(real, modulus, rtol=1e-9, atol=0.0):
            # the two would be drawn exactly on top of each other: one line, the note in its label
            right.semilogy(at, real, "o-", label="Adam: max Re μ − 1 = max |μ − 1| (real μ)")
        else:
            right.semilogy(at, real, "o-", label="Adam: max Re μ − 1")
            right.semilogy(at, modulus, "^--", label="Adam: max |μ − 1|")
        right.semilogy(
            at, [np.abs(s.gda - 1).max() for s in spectra], "s-", label="GDA: max |μ − 1|"
        )
        right.set_xlabel("training step")
        right.set_ylabel("size")
        right.legend(loc="center right")
        right.set_title("how far one step moves: Adam vs GDA at the same lr")
    fig.suptitle(
        f"Digits DCGAN{' (width 2)' if small else ''}, n = {spectra[0].n}: the alternating Adam "
        f"operator it was trained with (lr {OPTIMISER_LR:g}, β = {BETAS},\nsecond moment frozen "
        f"at each checkpoint's) and GDA at the same step size ({spectra[0].dtype} products)"
    )
    return save(fig, out_dir, "optimiser_spectra")
