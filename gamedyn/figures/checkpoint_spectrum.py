"""``checkpoint_spectrum``: the digits DCGAN's top eigenvalues of ``J`` along its training.

Numbers: :func:`gamedyn.experiments.checkpoint_spectra`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import DIGITS_BATCH, DIGITS_SMALL, checkpoint_spectra
from .registry import figure

__all__: list[str] = []


@figure
def make_checkpoint_spectrum(out_dir: Path, small: bool) -> list[Path]:
    """Digits DCGAN: top eigenvalues of J (largest modulus, matrix-free) along training.

    At initialisation the largest eigenvalues are nearly imaginary pairs (rotation); as training
    goes on a large real eigenvalue grows (stiffness) and the pairs move right and outwards.
    Left: the eigenvalues of every checkpoint, coloured by training step. Right: the largest
    modulus and the largest ``|Im λ|`` per checkpoint. Numbers from
    :func:`gamedyn.experiments.checkpoint_spectra`.
    """
    spectra = checkpoint_spectra(small)
    values = np.concatenate([s.values for s in spectra])
    steps = np.concatenate([np.full(s.values.size, s.step) for s in spectra])
    residual = max(float(s.residuals.max()) for s in spectra)
    from .. import plot
    from .layout import grid, save

    fig, (left, right) = grid(2, 2, 4.4)
    plot.eigenvalue_cloud(
        values,
        color_by=steps,
        colorbar_label="training step",
        ax=left,
        title=f"top {spectra[0].values.size} eigenvalues of J by modulus "
        f"(residuals ≤ {residual:.0e})",
    )
    with plot.style():
        at = [s.step for s in spectra]
        right.plot(at, [np.abs(s.values).max() for s in spectra], "o-", label="max |λ|")
        right.plot(at, [np.abs(s.values.imag).max() for s in spectra], "s-", label="max |Im λ|")
        right.set_xlabel("training step")
        right.set_ylabel("eigenvalue size")
        right.legend(loc="best")
        right.set_title("stiffness and rotation along training")
    fig.suptitle(
        f"Digits DCGAN{' (width 2)' if small else ''}, n = {spectra[0].n}: game-Jacobian "
        f"eigenvalues at {len(spectra)} checkpoints (Adam, lr 1e-4; fixed batch of "
        f"{DIGITS_SMALL['batch'] if small else DIGITS_BATCH})"
    )
    return save(fig, out_dir, "checkpoint_spectrum")
