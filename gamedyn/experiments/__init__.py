"""The experiments behind the gallery: matplotlib-free functions that compute each figure's numbers.

One private module per experiment; this package is their public surface. Each function returns
plain numbers (arrays, named tuples, dicts) that the tests check against independent
computations; :mod:`gamedyn.figures` only draws them. Seeds are fixed: the numbers are
reproducible. ``small=True`` everywhere means the coarse, fast variant the tests and the
notebooks (``GAMEDYN_SMALL=1``) use.

* the classic games: :func:`momentum_rows` (Gidel et al. 2019's table),
  :func:`bilinear_methods` / :func:`bilinear_rates`, :func:`negative_momentum_sets`,
  :func:`lookahead_panels`, :func:`region_methods` / :func:`region_eigenvalues`,
  :func:`dirac_variants`;
* GAN checkpoints trained in code: :func:`mog_spectra` (the mixture GAN's ``J`` and
  ``J + γJᵀJ``), :func:`checkpoint_spectra` (the digits DCGAN along training);
* beyond the eigenvalues: :func:`pseudospectra_panels`, :func:`transient_curves`,
  :func:`worst_run`;
* the optimisers GANs are trained with: :func:`adam_spectrum_rates`, :func:`adam_rate_maps`,
  :func:`optimiser_spectra` (with :class:`Displacement`, the map ``s ↦ T(s) − s``);
* gradient noise: the stochastic bilinear experiment in the authors' setting (LAGAN's released
  notebook: :func:`notebook_curves`, :data:`PAPER_OUTCOME`) and gamedyn's small teaching
  instance (:func:`stochastic_bilinear_curves`); the lookahead variance claim — noise floors
  under additive noise (:func:`noise_floor_curves`) and sampling noise in the paper's setting
  (:func:`sampling_noise_variance`).

The settings of each experiment (step sizes, seeds, sizes) are the upper-case constants.

>>> from gamedyn.experiments import momentum_rows
>>> [r["converges"] for r in momentum_rows(betas=[-0.5]) if r["update"] == "alternating"]
[True]
"""

from ._adam_regions import (
    ADAM_BETA1_BOX,
    ADAM_BETA1S,
    ADAM_LR,
    ADAM_LR_BOX,
    ADAM_SECOND_MOMENT,
    AdamOptimum,
    adam_family,
    adam_optima,
    adam_rate_maps,
    adam_spectrum,
    adam_spectrum_rates,
)
from ._bilinear_trajectories import BILINEAR_LR, BILINEAR_START, bilinear_methods, bilinear_rates
from ._checkpoint_spectrum import (
    DIGITS_BATCH,
    DIGITS_EVERY,
    DIGITS_K,
    DIGITS_SMALL,
    DIGITS_STEPS,
    DIGITS_TOL,
    CheckpointSpectrum,
    checkpoint_spectra,
    digits_checkpoint_games,
    digits_example,
)
from ._dirac_gan import DIRAC_LR, DIRAC_START, DIRAC_STEPS, dirac_variants
from ._lookahead import LOOKAHEAD_LR, LOOKAHEAD_SETTINGS, LookaheadPanel, lookahead_panels
from ._mog_eigenvalues import (
    MOG_BATCH,
    MOG_GAMMA,
    MOG_SMALL_BATCH,
    MOG_SMALL_STEPS,
    MOG_STEPS,
    mog_game,
    mog_spectra,
)
from ._momentum_table import MOMENTUM_BETAS, MOMENTUM_LR, momentum_rows
from ._negative_momentum import NEGATIVE_MOMENTUM_GAME, NEGATIVE_MOMENTUM_LR, negative_momentum_sets
from ._noise_floor import (
    NOISE_FLOOR,
    SAMPLING_NOISE,
    FloorCurve,
    lookahead_verdict,
    noise_floor_curves,
    noise_floor_games,
    noise_floor_methods,
    sampling_noise_variance,
)
from ._optimiser_spectra import (
    OPTIMISER_LR,
    OPTIMISER_NCV,
    OPTIMISER_RUN,
    OPTIMISER_SMALL,
    OPTIMISER_TOL,
    Displacement,
    OptimiserSpectrum,
    digits_adam_checkpoints,
    optimiser_spectra,
    training_operator,
)
from ._pseudospectra import (
    DIRAC_CRITICAL,
    MIXTURE_BASIS,
    MIXTURE_SMALL_STEPS,
    MIXTURE_STEPS,
    NON_NORMAL_BILINEAR,
    NON_NORMAL_LR,
    Panel,
    bilinear_operators,
    mixture_game,
    pseudospectra_panels,
    single_threaded,
)
from ._rate_regions import REGION_LR, region_eigenvalues, region_game, region_methods
from ._stochastic_bilinear import (
    NOTEBOOK,
    NOTEBOOK_METHODS,
    PAPER_OUTCOME,
    STOCHASTIC_BILINEAR,
    BilinearCurve,
    MixedExtrapolation,
    NotebookAdam,
    NotebookCurve,
    NotebookProblems,
    notebook_curves,
    notebook_method,
    notebook_outcome,
    notebook_problem,
    notebook_run,
    stochastic_bilinear_curves,
)
from ._trained import EVAL_SEED, TRAIN_SEED, checkpoint_step, one_thread
from ._transient_growth import (
    DIRAC_STEPS_SHOWN,
    MIXTURE_STEPS_SHOWN,
    TRANSIENT_DIRAC_LR,
    TRANSIENT_MIXTURE_LR,
    TRANSIENT_SMALL_STEPS,
    TRANSIENT_STEPS,
    Curve,
    transient_curves,
    worst_run,
)

__all__ = [  # one entry point per experiment; the settings are importable by name
    "momentum_rows",
    "bilinear_rates",
    "negative_momentum_sets",
    "lookahead_panels",
    "region_eigenvalues",
    "dirac_variants",
    "mog_spectra",
    "checkpoint_spectra",
    "pseudospectra_panels",
    "transient_curves",
    "adam_rate_maps",
    "optimiser_spectra",
    "noise_floor_curves",
    "stochastic_bilinear_curves",
    "notebook_curves",
]
