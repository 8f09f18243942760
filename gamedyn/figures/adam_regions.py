"""``adam_regions``: where the Adam family converges on a rotational spectrum, β₁ from 0.9 to −0.3.

Numbers: :func:`gamedyn.experiments.adam_spectrum_rates`, :func:`gamedyn.experiments.
adam_rate_maps` and :func:`gamedyn.experiments.adam_optima`.
"""

from __future__ import annotations

from pathlib import Path

from ..experiments import (
    ADAM_BETA1S,
    ADAM_LR,
    adam_family,
    adam_optima,
    adam_rate_maps,
    adam_spectrum,
    adam_spectrum_rates,
)
from .registry import figure

__all__: list[str] = []

RE, IM = (-1.0, 2.5), (-2.0, 2.0)


@figure
def make_adam_regions(out_dir: Path, small: bool) -> list[Path]:
    """Adam-family rate regions for β₁ ∈ {0.9, 0.5, 0, −0.3} on a rotational spectrum.

    Frozen scalar preconditioner (``v̂ = 1``), ``lr = 0.2``; last row: ``ρ`` on the spectrum over
    ``(lr, β₁)``, the best grid point starred when it lies inside the search box. One colour bar
    for the λ-plane panels, one for the last row.
    """
    from .. import plot
    from .layout import grid, save

    lam, rates, maps = adam_spectrum(), adam_spectrum_rates(), adam_rate_maps(small)
    optima = adam_optima(maps)
    names = list(adam_family(0.0))
    columns = len(names)
    fig, axes = grid(columns * (len(ADAM_BETA1S) + 1), columns, 3.2)
    for row, beta1 in enumerate(ADAM_BETA1S):
        for col, (name, method) in enumerate(adam_family(beta1).items()):
            ax = axes[row * columns + col]
            plot.rate_region(
                method,
                re=RE,
                im=IM,
                eigenvalues=lam,
                resolution=80 if small else 300,
                colorbar=False,
                ax=ax,
            )
            ax.set_aspect("equal", adjustable="box")  # the grid fills the axes: no white strips
            ax.set_xlim(RE)
            ax.set_ylim(IM)
            ax.set_title(f"{name}, β₁ = {beta1:g}: ρ = {rates[(beta1, name)]:.4f}", fontsize=10)
            if row or col:
                ax.get_legend().remove()
            if col:
                ax.set_ylabel("")
    regions = axes[: len(ADAM_BETA1S) * columns]
    with plot.style():
        fig.colorbar(
            regions[0].collections[0],
            ax=list(regions),
            label="rate ρ(λ) per step at lr = 0.2 (capped at 2)",
            shrink=0.6,
        )
    bottom = axes[len(ADAM_BETA1S) * columns :]
    for ax, name in zip(bottom, names, strict=True):
        plot.hyperparameter_map(maps[name], colorbar=False, ax=ax)
        best = optima[name]
        if best.on_edge:  # no optimum inside the box: say so, draw no star
            ax.set_title(f"{name} over (lr, β₁):\nbest on the box's edge, ρ = {best.rate:.4f}")
        else:
            ax.plot(best.point["lr"], best.point["beta1"], "*", ms=11, color="white", mec="black")
            ax.set_title(f"{name} over (lr, β₁):\nbest ρ = {best.rate:.4f} (star)", fontsize=10)
        ax.set_ylabel("β₁" if ax is bottom[0] else "")
        if ax is not bottom[0] and ax.get_legend() is not None:
            ax.get_legend().remove()
    with plot.style():
        fig.colorbar(
            bottom[0].collections[0], ax=list(bottom), label="ρ on the spectrum", extend="max"
        )
    fig.suptitle(
        "Adam family with a frozen scalar preconditioner (v̂ = 1, β₂ = 0.999; LA-Adam: k = 5, "
        "α = 0.5, inner state kept) on a rotational spectrum:\nrate ρ(λ) per step at lr = "
        f"{ADAM_LR:g}, ρ < 1 inside the black curve; last row: ρ on the spectrum over (lr, β₁)"
    )
    return save(fig, out_dir, "adam_regions")
