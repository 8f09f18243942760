"""``transient_growth``: ``‖Tᵗ‖`` against ``t`` for the operators of ``pseudospectra``, with ρᵗ.

Four panels:

* the bilinear game's alternating GDA, alternating negative momentum and extragradient
  (:func:`~gamedyn.experiments.bilinear_operators`): alternating GDA has ``ρ = 1``
  and its iterates still grow by ``‖Tᵗ‖ > 1``; negative momentum contracts asymptotically but
  amplifies first; extragradient is normal, ``‖Tᵗ‖ = ρᵗ``;
* the Dirac-GAN at the critical R1 weight (a Jordan block): GDA and alternating GDA grow
  before they decay although ``ρ < 1`` — ``‖Tᵗ‖ ~ t ρᵗ``;
* the trained mixture GAN (``n = 331``): GDA, alternating GDA and extragradient at lr
  :data:`TRANSIENT_MIXTURE_LR` (``ρ > 1``: a checkpoint is not a stable fixed point) against ``ρᵗ``;
* the predicted transient seen in a run: alternating GDA on the bilinear game (``ρ = 1``: the
  eigenvalues promise iterates of constant size) run with its own step from the worst
  initial direction (:func:`gamedyn.nonnormal.worst_direction`) follows ``‖Tᵗ‖`` to its peak;
  a random start stays below it.

The Kreiss constant ``K`` (dotted) is the Kreiss matrix theorem's lower bound on the peak.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..games import Game
from ..methods import GDA, AltGDA, ExtraGradient, Method
from ..nonnormal import amplification_run, kreiss_constant, transient_growth, worst_direction
from ..spectrum import spectral_radius
from ._pseudospectra import (
    DIRAC_CRITICAL,
    NON_NORMAL_BILINEAR,
    bilinear_operators,
    mixture_game,
    single_threaded,
)

__all__ = [
    "TRANSIENT_STEPS",
    "TRANSIENT_SMALL_STEPS",
    "TRANSIENT_DIRAC_LR",
    "TRANSIENT_MIXTURE_LR",
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
TRANSIENT_DIRAC_LR = 0.5
"""The step size of GDA and alternating GDA on the critical Dirac-GAN."""
TRANSIENT_MIXTURE_LR = 0.5
"""The step size of the operators on the trained mixture GAN."""


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

    ``game`` replaces the trained mixture GAN (:func:`~gamedyn.experiments.
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
            f"{name}, lr {TRANSIENT_DIRAC_LR}": _curve(
                DIRAC_CRITICAL, m, min(steps, DIRAC_STEPS_SHOWN)
            )
            for name, m in (
                ("GDA", GDA(TRANSIENT_DIRAC_LR)),
                ("alternating GDA", AltGDA(TRANSIENT_DIRAC_LR)),
            )
        }
        game = mixture_game(small) if game is None else game
        shown = MIXTURE_SMALL_STEPS_SHOWN if small else MIXTURE_STEPS_SHOWN
        mixture = {
            f"{name}, lr {TRANSIENT_MIXTURE_LR}": _curve(game, m, shown, kreiss=False)
            for name, m in (
                ("GDA", GDA(TRANSIENT_MIXTURE_LR)),
                ("alternating GDA", AltGDA(TRANSIENT_MIXTURE_LR)),
                ("extragradient", ExtraGradient(TRANSIENT_MIXTURE_LR)),
            )
        }
    return {"bilinear": bilinear, "dirac": dirac, "mixture": mixture}


def worst_run(small: bool = False, seed: int = 0) -> dict[str, Any]:
    """The run of the last panel: alternating GDA on the bilinear game from the
    worst initial direction up to the peak (``"worst"``: the :class:`~gamedyn.spectrum.
    transient.WorstDirection`; ``"run"``: ``‖δ_t‖/‖δ_0‖`` measured by running the method;
    ``"random"``: the same from a random direction, ``seed``; ``"rho"``: its spectral radius)."""
    steps = TRANSIENT_SMALL_STEPS if small else TRANSIENT_STEPS
    method = bilinear_operators()["alternating GDA"]
    with single_threaded():
        worst = worst_direction(NON_NORMAL_BILINEAR, steps, method=method)
        run = amplification_run(method, NON_NORMAL_BILINEAR, worst.direction, steps)
        start = np.random.default_rng(seed).standard_normal(worst.direction.size)
        random = amplification_run(method, NON_NORMAL_BILINEAR, start, steps)
        rho = spectral_radius(method, NON_NORMAL_BILINEAR)
    return {"worst": worst, "run": run, "random": random, "method": method, "rho": rho}
