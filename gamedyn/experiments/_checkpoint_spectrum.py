"""``checkpoint_spectrum``: the digits DCGAN's top eigenvalues of ``J`` along its training.

The largest-modulus eigenvalues of the game Jacobian at each checkpoint, matrix-free,
coloured by training step.
"""

from __future__ import annotations

import tempfile
from typing import NamedTuple

import numpy as np
import torch
from tqdm import tqdm  # not tqdm.auto: it warns in a notebook without ipywidgets

from ..examples import EXAMPLES, Example, train
from ..games import TorchGame
from ..spectrum import KrylovSchur, top_eigenvalues
from ._trained import EVAL_SEED, TRAIN_SEED, checkpoint_step, one_thread

__all__ = [
    "DIGITS_STEPS",
    "DIGITS_EVERY",
    "DIGITS_K",
    "DIGITS_BATCH",
    "DIGITS_SMALL",
    "DIGITS_TOL",
    "CheckpointSpectrum",
    "digits_example",
    "digits_checkpoint_games",
    "checkpoint_spectra",
]

DIGITS_STEPS, DIGITS_EVERY, DIGITS_K, DIGITS_BATCH = 2000, 250, 12, 64
"""Full size: the DCGAN (width 16, ``n = 19,362``), 9 checkpoints, top 12 eigenvalues."""
DIGITS_SMALL = {"steps": 60, "every": 20, "k": 4, "batch": 32}
"""Small: ``digits-small`` (width 2, ``n = 630``: dense checks fit), 4 checkpoints, top 4."""
DIGITS_TOL = 1e-10
"""The solver's relative accuracy for the eigenvalues (ARPACK's meaning)."""


class CheckpointSpectrum(NamedTuple):
    """Top eigenvalues of ``J`` at one checkpoint: its training step, the values (sorted by
    decreasing modulus), their residuals ``‖J v − λ v‖/‖v‖``, the ``J u`` products used and
    the game's size ``n``."""

    step: int
    values: np.ndarray
    residuals: np.ndarray
    matvecs: int
    n: int


def digits_example(small: bool = False) -> Example:
    """The digits DCGAN at full width (16), or at width 2 (``digits-small``) when ``small``."""
    return EXAMPLES["digits-small" if small else "digits"]


def digits_checkpoint_games(small: bool = False) -> list[tuple[int, TorchGame]]:
    """``(step, game)`` for each checkpoint of the digits DCGAN's training, in step order.

    Trained with :func:`gamedyn.examples.train` (seed
    :data:`~gamedyn.experiments.TRAIN_SEED`) for
    :data:`DIGITS_STEPS` steps, a checkpoint every :data:`DIGITS_EVERY` (step 0 included); each
    checkpoint is reloaded and analysed on the same fixed batch of :data:`DIGITS_BATCH` digits
    and latents (seed :data:`~gamedyn.experiments.EVAL_SEED`), non-saturating loss, float64.
    BatchNorm uses the
    batch's statistics (training mode), as in training.
    """
    torch.manual_seed(TRAIN_SEED)
    size = DIGITS_SMALL if small else {"steps": DIGITS_STEPS, "every": DIGITS_EVERY}
    batch = DIGITS_SMALL["batch"] if small else DIGITS_BATCH
    example = digits_example(small)
    with tempfile.TemporaryDirectory() as tmp, one_thread():
        paths = train(example, size["steps"], tmp, size["every"], seed=TRAIN_SEED)
        return [(checkpoint_step(p), example.load_game(p, batch, EVAL_SEED)) for p in paths]


def checkpoint_spectra(
    small: bool = False, games: list[tuple[int, TorchGame]] | None = None
) -> list[CheckpointSpectrum]:
    """The numbers of ``checkpoint_spectrum``: top eigenvalues of ``J`` per checkpoint.

    The ``k`` (:data:`DIGITS_K`, or 4 when ``small``) eigenvalues of largest modulus, found
    matrix-free (:func:`gamedyn.spectrum.top_eigenvalues`: Krylov–Schur on ``torch.func``
    products, float64, ``tol`` :data:`DIGITS_TOL`), with their true residuals. Largest modulus
    because these are the stiff directions that cap a stable step size (GDA needs
    ``η < 2 Re λ/|λ|²`` for each of them) and the fast rotations (large ``|Im λ|``); they are
    also the eigenvalues Arnoldi finds fastest.

    Args:
      small: the small model and a short run (:func:`digits_checkpoint_games`).
      games: ``(step, game)`` pairs to analyse instead of training.
    """
    if games is None:
        games = digits_checkpoint_games(small)
    k = DIGITS_SMALL["k"] if small else DIGITS_K
    out = []
    with one_thread():
        for step, game in tqdm(games, desc="checkpoint spectra", unit="checkpoint"):
            r = top_eigenvalues(game, k, "LM", solver=KrylovSchur(tol=DIGITS_TOL))
            out.append(CheckpointSpectrum(step, r.values, r.residuals, r.matvecs, game.n))
    return out
