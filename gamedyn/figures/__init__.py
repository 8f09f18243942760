"""``gamedyn figures``: every figure of the gallery, regenerated deterministically from code.

One module per figure, named after it; each draws the numbers of :mod:`gamedyn.experiments`
(matplotlib-free functions, which the tests check) and registers one drawing function in
:data:`FIGURES` (:mod:`.registry`). Drawing uses :mod:`gamedyn.plot`, imported only when a
figure is made, so ``import gamedyn.figures`` loads no matplotlib. Seeds are fixed: the outputs are
reproducible.

* :mod:`.momentum_table`, :mod:`.bilinear_trajectories`, :mod:`.negative_momentum`,
  :mod:`.lookahead`, :mod:`.rate_regions`, :mod:`.dirac_gan`: the classic games;
* :mod:`.mog_eigenvalues`, :mod:`.checkpoint_spectrum`: GAN checkpoints trained in code
  (:mod:`gamedyn.experiments`);
* :mod:`.pseudospectra`, :mod:`.transient_growth`: beyond the eigenvalues (non-normal
  dynamics) on the bilinear game, the Dirac-GAN and a trained mixture GAN.
* :mod:`.adam_regions`, :mod:`.optimiser_spectra`: the optimisers GANs are trained with.
* :mod:`.stochastic_bilinear`, :mod:`.noise_floor`: gradient noise (the seed's stochastic
  bilinear experiment; exact noise floors with Monte Carlo points).
"""

# one module per figure; importing them registers the figures, in the gallery's order
from . import (  # noqa: F401
    bilinear_trajectories,
    checkpoint_spectrum,
    dirac_gan,
    lookahead,
    mog_eigenvalues,
    momentum_table,
    negative_momentum,
    pseudospectra,
    rate_regions,
    transient_growth,
)
from .registry import FIGURES, catalogue, figure, make_all

# isort: split
# registered after the classic figures, in this order (the gallery's)
from . import adam_regions, optimiser_spectra  # noqa: F401

# isort: split
from . import noise_floor, stochastic_bilinear  # noqa: F401

__all__ = ["FIGURES", "figure", "catalogue", "make_all"]
