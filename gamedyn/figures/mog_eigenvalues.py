"""``mog_eigenvalues``: the mixture-of-Gaussians GAN's ``J`` and consensus matrix ``J + γJᵀJ``.

Numbers: :func:`gamedyn.experiments.mog_spectra`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import MOG_SMALL_STEPS, MOG_STEPS, mog_spectra
from .registry import figure

__all__: list[str] = []


@figure
def make_mog_eigenvalues(out_dir: Path, small: bool) -> list[Path]:
    """Mixture-of-Gaussians GAN: eigenvalues of J and of the consensus matrix J + γJᵀJ (γ = 10).

    Plotted: the dense eigenvalues of ``J`` and of ``J + γJᵀJ`` at the last checkpoint
    (:func:`gamedyn.experiments.mog_spectra`).
    """
    from .. import plot
    from .layout import grid, save

    s = mog_spectra(small)
    lam, mu = s["game"], s["consensus"]
    fig, (left, right) = grid(2, 2, 4.4)
    plot.eigenvalue_cloud(
        {"J": lam},
        ax=left,
        title=f"J: min Re λ = {lam.real.min():.3g}, max |Im λ| = {np.abs(lam.imag).max():.3g}",
    )
    plot.eigenvalue_cloud({"J": lam, f"J + {s['gamma']:g} JᵀJ": mu}, ax=right)
    with plot.style():
        right.set_aspect("auto")
        right.set_xscale("symlog", linthresh=0.1)
        right.margins(x=0.08)
        right.set_xlabel("Re (symmetric log scale)")
        right.set_title(
            f"J + γJᵀJ, γ = {s['gamma']:g}: min Re μ = {mu.real.min():.3g}, "
            f"max |Im μ| = {np.abs(mu.imag).max():.2g}"
        )
    model = "small mixture GAN" if small else "mixture-of-8-Gaussians GAN"
    steps = MOG_SMALL_STEPS if small else MOG_STEPS
    fig.suptitle(
        f"{model} (n = {s['n']}) after {steps} Adam steps, ‖v‖ = {s['field_norm']:.2g}:\n"
        "eigenvalues of the game Jacobian J and of the consensus matrix J + γJᵀJ"
    )
    return save(fig, out_dir, "mog_eigenvalues")
