"""``gamedyn figures``: every figure of the gallery, regenerated deterministically from code.

One module per figure, named after it; each computes its numbers with matplotlib-free functions
(which the tests check) and registers one drawing function in :data:`FIGURES`
(:mod:`.registry`). Drawing uses :mod:`gamedyn.plot`, imported only when a figure is made, so
``import gamedyn.figures`` loads no matplotlib. Seeds are fixed: the outputs are reproducible.

* :mod:`.momentum_table`, :mod:`.bilinear_trajectories`, :mod:`.negative_momentum`,
  :mod:`.lookahead`, :mod:`.rate_regions`, :mod:`.dirac_gan`: the classic games;
* :mod:`.mog_eigenvalues`, :mod:`.checkpoint_spectrum`: GAN checkpoints trained in code
  (:mod:`.trained`);
* :mod:`.pseudospectra`, :mod:`.transient_growth`: beyond the eigenvalues (non-normal
  dynamics) on the bilinear game, the Dirac-GAN and a trained mixture GAN.
* :mod:`.adam_regions`, :mod:`.optimiser_spectra`: the optimisers GANs are trained with.
* :mod:`.stochastic_bilinear`, :mod:`.noise_floor`: gradient noise (the seed's stochastic
  bilinear experiment; exact noise floors with Monte Carlo points).
"""

from .bilinear_trajectories import (
    BILINEAR_LR,
    BILINEAR_START,
    bilinear_methods,
    bilinear_rates,
    make_bilinear_trajectories,
)
from .checkpoint_spectrum import checkpoint_spectra, digits_checkpoint_games
from .dirac_gan import DIRAC_LR, DIRAC_START, DIRAC_STEPS, dirac_variants, make_dirac_gan
from .lookahead import lookahead_panels
from .mog_eigenvalues import mog_game, mog_spectra
from .momentum_table import MOMENTUM_BETAS, MOMENTUM_LR, momentum_rows
from .negative_momentum import negative_momentum_sets
from .pseudospectra import bilinear_operators, mixture_game, pseudospectra_panels
from .rate_regions import make_rate_regions, region_eigenvalues, region_methods
from .registry import FIGURES, catalogue, figure, make_all
from .transient_growth import transient_curves, worst_run

# isort: split
# registered after the classic figures, in this order (the gallery's)
from .adam_regions import adam_family, adam_rate_maps, adam_spectrum, adam_spectrum_rates
from .optimiser_spectra import optimiser_spectra

# isort: split
from .noise_floor import NOISE_FLOOR, lookahead_verdict, noise_floor_curves
from .stochastic_bilinear import STOCHASTIC_BILINEAR, stochastic_bilinear_curves

__all__ = [
    "FIGURES",
    "figure",
    "catalogue",
    "make_all",
    "MOMENTUM_LR",
    "MOMENTUM_BETAS",
    "momentum_rows",
    "BILINEAR_LR",
    "BILINEAR_START",
    "bilinear_methods",
    "bilinear_rates",
    "make_bilinear_trajectories",
    "negative_momentum_sets",
    "lookahead_panels",
    "region_methods",
    "region_eigenvalues",
    "make_rate_regions",
    "DIRAC_LR",
    "DIRAC_START",
    "DIRAC_STEPS",
    "dirac_variants",
    "make_dirac_gan",
    "mog_game",
    "mog_spectra",
    "digits_checkpoint_games",
    "checkpoint_spectra",
    "bilinear_operators",
    "mixture_game",
    "pseudospectra_panels",
    "transient_curves",
    "worst_run",
    "adam_spectrum",
    "adam_family",
    "adam_spectrum_rates",
    "adam_rate_maps",
    "optimiser_spectra",
    "STOCHASTIC_BILINEAR",
    "stochastic_bilinear_curves",
    "NOISE_FLOOR",
    "noise_floor_curves",
    "lookahead_verdict",
]
