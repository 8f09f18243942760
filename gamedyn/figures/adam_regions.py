"""``adam_regions``: where the Adam family converges on a rotational spectrum, β₁ from 0.9 to −0.3.

The Adam-family operators with their preconditioner frozen at a number (``v̂ = 1``, so ``lr`` is
the effective step) have eigenvalue maps — derived from their steps: frozen Adam is heavy-ball
momentum with ``β = β₁`` — so their rate ``ρ(λ)`` can be drawn over the λ-plane. Rows: β₁ ∈
{0.9, 0.5, 0, −0.3}; columns: Adam, ExtraAdam, OptimisticAdam and LA-Adam (lookahead ``k = 5``,
``α = 0.5``, LAGAN's ``inner_state="keep"``), all at ``lr = 0.2``; points: a rotational spectrum
(small real parts, large imaginary parts, as a GAN's near a saddle). Last row: ``ρ`` on that
spectrum over ``(lr, β₁)``. The picture of why GAN practice lowered Adam's β₁ from 0.9 to 0.5 or
0, and of negative momentum (Gidel et al. 2019).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..methods import Adam, ExtraAdam, Lookahead, Method, OptimisticAdam
from ..regions import RateMap, hyperparameter_map, rate
from .registry import figure

__all__ = [
    "ADAM_LR",
    "ADAM_BETA1S",
    "ADAM_SECOND_MOMENT",
    "adam_spectrum",
    "adam_family",
    "adam_spectrum_rates",
    "adam_rate_maps",
]

ADAM_LR = 0.2
"""The step size of the λ-plane panels (with ``v̂ = 1``: the effective step)."""
ADAM_BETA1S = (0.9, 0.5, 0.0, -0.3)
"""The rows: Adam's default β₁, the DCGAN value, no momentum, negative momentum."""
ADAM_SECOND_MOMENT = 1.0
"""The frozen (scalar) bias-corrected second moment ``v̂``."""


def adam_spectrum() -> np.ndarray:
    """The rotational spectrum marked in every panel: ``0.05 ± i``, ``0.1 ± 0.6i``,
    ``0.2 ± 0.3i``."""
    top = np.array([0.05 + 1.0j, 0.1 + 0.6j, 0.2 + 0.3j])
    return np.concatenate([top, top.conj()])


def adam_family(beta1: float, lr: float = ADAM_LR) -> dict[str, Method]:
    """The four frozen-preconditioner operators of one row (β₂ = 0.999, ``v̂`` =
    :data:`ADAM_SECOND_MOMENT`)."""
    common = {"betas": (beta1, 0.999), "second_moment": ADAM_SECOND_MOMENT}
    return {
        "Adam": Adam(lr, **common),
        "ExtraAdam": ExtraAdam(lr, **common),
        "OptimisticAdam": OptimisticAdam(lr, **common),
        "LA-Adam": Lookahead(Adam(lr, **common), k=5, alpha=0.5, inner_state="keep"),
    }


def adam_spectrum_rates(lr: float = ADAM_LR) -> dict[tuple[float, str], float]:
    """``ρ = max_λ rate(method, λ)`` on :func:`adam_spectrum`, per ``(β₁, method name)``."""
    lam = adam_spectrum()
    return {
        (beta1, name): float(rate(method, lam).max())
        for beta1 in ADAM_BETA1S
        for name, method in adam_family(beta1, lr).items()
    }


def adam_rate_maps(small: bool = False) -> dict[str, RateMap]:
    """``ρ`` on :func:`adam_spectrum` over ``lr ∈ [0.02, 1]`` × ``β₁ ∈ [−0.5, 0.95]``, per method
    (:func:`gamedyn.regions.hyperparameter_map`)."""
    lr = np.linspace(0.02, 1.0, 15 if small else 50)
    beta1 = np.linspace(-0.5, 0.95, 10 if small else 30)
    names = list(adam_family(0.0))
    return {
        name: hyperparameter_map(
            lambda lr, beta1, name=name: adam_family(beta1, lr)[name],
            eigenvalues=adam_spectrum(),
            lr=lr,
            beta1=beta1,
        )
        for name in names
    }


@figure
def make_adam_regions(out_dir: Path, small: bool) -> list[Path]:
    """Adam-family rate regions for β₁ ∈ {0.9, 0.5, 0, −0.3} on a rotational spectrum.

    Frozen scalar preconditioner (``v̂ = 1``), ``lr = 0.2``; last row: ``ρ`` on the spectrum over
    ``(lr, β₁)``. Numbers from :func:`adam_spectrum_rates` and :func:`adam_rate_maps`.
    """
    from .. import plot
    from .layout import grid, save

    lam, rates, maps = adam_spectrum(), adam_spectrum_rates(), adam_rate_maps(small)
    names = list(adam_family(0.0))
    columns = len(names)
    fig, axes = grid(columns * (len(ADAM_BETA1S) + 1), columns, 3.4)
    for row, beta1 in enumerate(ADAM_BETA1S):
        for col, (name, method) in enumerate(adam_family(beta1).items()):
            ax = axes[row * columns + col]
            plot.rate_region(
                method,
                re=(-1.0, 2.5),
                im=(-2.0, 2.0),
                eigenvalues=lam,
                resolution=80 if small else 300,
                ax=ax,
            )
            ax.set_title(f"{name}, β₁ = {beta1:g}: ρ = {rates[(beta1, name)]:.4f}", fontsize=10)
            if ax.get_legend() is not None and (row, col) != (0, 0):
                ax.get_legend().remove()
    for col, name in enumerate(names):
        ax = axes[len(ADAM_BETA1S) * columns + col]
        rate_map = maps[name]
        point, best = rate_map.best()
        plot.hyperparameter_map(rate_map, ax=ax)
        ax.plot(point["lr"], point["beta1"], "*", ms=11, color="white", markeredgecolor="black")
        ax.set_title(f"{name} over (lr, β₁): best ρ = {best:.4f}", fontsize=10)
    fig.suptitle(
        "Adam family with a frozen scalar preconditioner (v̂ = 1, β₂ = 0.999; LA-Adam: k = 5, "
        "α = 0.5, inner state kept) on a rotational spectrum:\nrate ρ(λ) per step at lr = "
        f"{ADAM_LR:g}, ρ < 1 inside the black curve; last row: ρ on the spectrum over (lr, β₁)"
    )
    return save(fig, out_dir, "adam_regions")
