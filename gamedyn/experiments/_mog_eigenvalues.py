"""``mog_eigenvalues``: the mixture-of-Gaussians GAN's ``J`` and consensus matrix ``J + γJᵀJ``.

Mescheder, Nowozin and Geiger (2017), figure 5: the trained GAN's Jacobian has eigenvalues
with large imaginary parts (rotation) and some with negative real parts; consensus
optimisation's ``J + γ JᵀJ`` moves them to the right (``γ JᵀJ`` is positive semi-definite and
adds to the symmetric part) and makes them nearly real.

References:
  L. Mescheder, S. Nowozin and A. Geiger, "The Numerics of GANs", NeurIPS 2017.
"""

from __future__ import annotations

import tempfile
from typing import Any

import numpy as np
import torch

from ..examples import EXAMPLES, train
from ..games import TorchGame
from ..spectrum import JacobianOperator, sort_eigenvalues
from ._trained import EVAL_SEED, TRAIN_SEED, one_thread

__all__ = [
    "MOG_GAMMA",
    "MOG_STEPS",
    "MOG_SMALL_STEPS",
    "MOG_BATCH",
    "MOG_SMALL_BATCH",
    "mog_game",
    "mog_spectra",
]

MOG_GAMMA = 10.0
"""The consensus weight ``γ`` (the paper's value)."""
MOG_STEPS = 3000
"""Adam steps of the mixture GAN's training."""
MOG_SMALL_STEPS = 200
"""Adam steps of the small variant (``mixture-small``)."""
MOG_BATCH = 256
"""The evaluation batch (real points and latents)."""
MOG_SMALL_BATCH = 64
"""The small variant's evaluation batch."""


def mog_game(small: bool = False) -> TorchGame:
    """The mixture GAN after training, as a game on a fixed batch.

    ``mixture`` (``n = 2003``; ``mixture-small``, ``n = 331``, when ``small``) trained for
    :data:`MOG_STEPS` (:data:`MOG_SMALL_STEPS`) steps with the package's trainer, seed
    :data:`~gamedyn.experiments.TRAIN_SEED`; the last checkpoint is reloaded with
    :meth:`~gamedyn.examples.Example.load_game`. Non-saturating loss, evaluation batch of
    :data:`MOG_BATCH` (:data:`MOG_SMALL_BATCH`) real points and latents drawn with
    :data:`~gamedyn.experiments.EVAL_SEED`; float64.
    """
    torch.manual_seed(TRAIN_SEED)
    example = EXAMPLES["mixture-small" if small else "mixture"]
    steps = MOG_SMALL_STEPS if small else MOG_STEPS
    batch = MOG_SMALL_BATCH if small else MOG_BATCH
    with tempfile.TemporaryDirectory() as tmp, one_thread():
        last = train(example, steps, tmp, save_every=steps, seed=TRAIN_SEED)[-1]
        return example.load_game(last, batch, EVAL_SEED)


def mog_spectra(small: bool = False, game: TorchGame | None = None) -> dict[str, Any]:
    """The numbers of ``mog_eigenvalues``: eigenvalues of ``J`` and of ``J + γ JᵀJ``.

    Both matrices come from one :class:`~gamedyn.spectrum.JacobianOperator` ``A`` by scipy's
    operator algebra: ``J = A`` and ``C = A + γ (Aᵀ A)``, materialised column by column (the
    mixture GAN is small: ``n = 2003``, or 331) and solved by LAPACK. ``C`` is the Jacobian of
    the consensus field ``v + γ Jᵀv`` where ``v = 0``; away from a fixed point that Jacobian
    also has ``γ Σ v_i ∇²v_i``, which the figure leaves out as the paper does (``Consensus(η,
    γ)``'s operator Jacobian is ``I − η`` times the whole of it: tested).

    Args:
      small: the small model and a short training run (:func:`mog_game`).
      game: analyse this game at its ``z0`` instead of training one.

    Returns:
      ``{"game": λ(J), "consensus": λ(J + γJᵀJ)}`` (sorted, complex, ``n`` each), with
      ``"gamma"`` (:data:`MOG_GAMMA`), ``"field_norm"`` (``‖v(z)‖``) and ``"n"``.
    """
    if game is None:
        game = mog_game(small)
    with one_thread():
        A = JacobianOperator(game)
        identity = np.eye(game.n)
        jacobian = A @ identity
        consensus = (A + MOG_GAMMA * (A.T @ A)) @ identity
        field_norm = float(torch.linalg.vector_norm(game.field(game.z0)))
    return {
        "game": sort_eigenvalues(np.linalg.eigvals(jacobian)),
        "consensus": sort_eigenvalues(np.linalg.eigvals(consensus)),
        "gamma": MOG_GAMMA,
        "field_norm": field_norm,
        "n": game.n,
    }
