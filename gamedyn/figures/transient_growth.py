"""``transient_growth``: ``‖Tᵗ‖`` against ``t`` for the operators of ``pseudospectra``, with ρᵗ.

Four panels:

* the bilinear game's alternating GDA, alternating negative momentum and extragradient
  (:func:`~gamedyn.figures.pseudospectra.bilinear_operators`): alternating GDA has ``ρ = 1``
  and its iterates still grow by ``‖Tᵗ‖ > 1``; negative momentum contracts asymptotically but
  amplifies first; extragradient is normal, ``‖Tᵗ‖ = ρᵗ``;
* the Dirac-GAN at the critical R1 weight (a Jordan block): GDA and alternating GDA grow
  before they decay although ``ρ < 1`` — ``‖Tᵗ‖ ~ t ρᵗ``;
* the trained mixture GAN (``n = 331``): GDA, alternating GDA and extragradient at lr
  :data:`MIXTURE_LR` (``ρ > 1``: a checkpoint is not a stable fixed point) against ``ρᵗ``;
* the predicted transient seen in a run: alternating GDA on the bilinear game (``ρ = 1``: the
  eigenvalues promise iterates of constant size) run with its own step from the worst
  initial direction (:func:`gamedyn.spectrum.worst_direction`) follows ``‖Tᵗ‖`` to its peak;
  a random start stays below it.

The Kreiss constant ``K`` (dotted) is the Kreiss matrix theorem's lower bound on the peak.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..games import Game
from ..methods import GDA, AltGDA, ExtraGradient, Method
from ..nonnormal import amplification_run, kreiss_constant, transient_growth, worst_direction
from ..spectrum import spectral_radius
from .pseudospectra import (
    DIRAC_CRITICAL,
    NON_NORMAL_BILINEAR,
    bilinear_operators,
    mixture_game,
    single_threaded,
)
from .registry import figure

__all__ = [
    "TRANSIENT_STEPS",
    "TRANSIENT_SMALL_STEPS",
    "DIRAC_LR",
    "MIXTURE_LR",
    "MIXTURE_STEPS_SHOWN",
    "DIRAC_STEPS_SHOWN",
    "Curve",
    "transient_curves",
    "worst_run",
]

TRANSIENT_STEPS, TRANSIENT_SMALL_STEPS = 150, 30
"""Steps of the bilinear and Dirac-GAN panels and of the run (alternating GDA peaks at 115)."""
MIXTURE_STEPS_SHOWN, MIXTURE_SMALL_STEPS_SHOWN = 60, 20
"""Steps of the mixture-GAN panel (dense powers of a 331 × 331 matrix)."""
DIRAC_STEPS_SHOWN = 40
"""Steps of the Dirac-GAN panel (the hump ``‖Tᵗ‖ ~ t ρᵗ`` is early)."""
DIRAC_LR = 0.5
MIXTURE_LR = 0.5


class Curve(NamedTuple):
    """``‖Tᵗ‖`` for ``t = 0 … steps`` of one operator, its spectral radius and Kreiss
    constant (``inf`` when ``ρ > 1``)."""

    norms: np.ndarray
    rho: float
    kreiss: float


def _curve(game: Game, method: Method, steps: int, kreiss: bool = True) -> Curve:
    rho = spectral_radius(method, game)
    k = kreiss_constant(game, method=method) if kreiss and rho <= 1 + 1e-12 else np.inf
    return Curve(transient_growth(game, steps, method=method), rho, k)


def transient_curves(small: bool = False, game: Game | None = None) -> dict[str, dict[str, Curve]]:
    """The numbers of ``transient_growth``: ``{panel: {operator label: Curve}}``, dense.

    ``game`` replaces the trained mixture GAN (:func:`~gamedyn.figures.pseudospectra.
    mixture_game`). :data:`TRANSIENT_STEPS` steps (:data:`TRANSIENT_SMALL_STEPS` when
    ``small``).
    """
    steps = TRANSIENT_SMALL_STEPS if small else TRANSIENT_STEPS
    with single_threaded():
        bilinear = {
            label: _curve(NON_NORMAL_BILINEAR, m, steps)
            for label, m in bilinear_operators().items()
        }
        dirac = {
            f"{name}, lr {DIRAC_LR}": _curve(DIRAC_CRITICAL, m, min(steps, DIRAC_STEPS_SHOWN))
            for name, m in (("GDA", GDA(DIRAC_LR)), ("alternating GDA", AltGDA(DIRAC_LR)))
        }
        game = mixture_game(small) if game is None else game
        shown = MIXTURE_SMALL_STEPS_SHOWN if small else MIXTURE_STEPS_SHOWN
        mixture = {
            f"{name}, lr {MIXTURE_LR}": _curve(game, m, shown, kreiss=False)
            for name, m in (
                ("GDA", GDA(MIXTURE_LR)),
                ("alternating GDA", AltGDA(MIXTURE_LR)),
                ("extragradient", ExtraGradient(MIXTURE_LR)),
            )
        }
    return {"bilinear": bilinear, "dirac": dirac, "mixture": mixture}


def worst_run(small: bool = False, seed: int = 0) -> dict[str, Any]:
    """The run of the last panel: alternating GDA on the bilinear game from the
    worst initial direction up to the peak (``"worst"``: the :class:`~gamedyn.spectrum.
    transient.WorstDirection`; ``"run"``: ``‖δ_t‖/‖δ_0‖`` measured by running the method;
    ``"random"``: the same from a random direction, ``seed``)."""
    steps = TRANSIENT_SMALL_STEPS if small else TRANSIENT_STEPS
    method = bilinear_operators()["alternating GDA"]
    with single_threaded():
        worst = worst_direction(NON_NORMAL_BILINEAR, steps, method=method)
        run = amplification_run(method, NON_NORMAL_BILINEAR, worst.direction, steps)
        start = np.random.default_rng(seed).standard_normal(worst.direction.size)
        random = amplification_run(method, NON_NORMAL_BILINEAR, start, steps)
    return {"worst": worst, "run": run, "random": random, "method": method}


@figure
def make_transient_growth(out_dir: Path, small: bool) -> list[Path]:
    """Transient growth ‖Tᵗ‖ against t, with ρᵗ: bilinear, Dirac-GAN, mixture GAN, and a run.

    Numbers from :func:`transient_curves` and :func:`worst_run`.
    """
    from .. import plot
    from .layout import grid, save

    curves = transient_curves(small)
    runs = worst_run(small)
    fig, axes = grid(4, 2, 4.4)
    titles = {
        "bilinear": "bilinear game (σ ∈ [0.2, 1]), lr 0.5",
        "dirac": "Dirac-GAN, R1 γ = 1 (critical: J defective)",
        "mixture": "trained mixture GAN (n = 331): ρ > 1 at a checkpoint",
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
    worst, steps = runs["worst"], runs["run"].size - 1
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
        rho = spectral_radius(runs["method"], NON_NORMAL_BILINEAR)
        ax.semilogy(t, rho**t, color="0.4", ls="--", lw=1.0, label=f"ρᵗ, ρ = {rho:.4f}")
        ax.axvline(worst.step, color="0.6", lw=0.7, ls=":")
        ax.set_xlabel("step t")
        ax.set_ylabel("‖δ_t‖ / ‖δ_0‖")
        ax.set_title(
            f"alternating GDA, lr 0.5: a run peaks at {worst.amplification:.3g}× "
            f"(t = {worst.step}), ρ = 1",
            fontsize=9,
        )
        ax.legend(loc="best", fontsize=7)
    fig.suptitle("Transient growth: the largest amplification ‖Tᵗ‖ after t steps, against ρᵗ")
    return save(fig, out_dir, "transient_growth")
