"""The GAN-checkpoint figures of ``gamedyn figures``: spectra of the trained example GANs.

* ``mog_eigenvalues``: the mixture-of-8-Gaussians GAN of Mescheder, Nowozin and Geiger (2017)
  after training; eigenvalues of the game Jacobian ``J`` and of the consensus matrix
  ``J + γ JᵀJ``.
* ``checkpoint_spectrum``: the digits DCGAN along its training; the largest-modulus eigenvalues
  of ``J`` at each checkpoint (matrix-free), coloured by training step.

Each figure trains its example in code with :func:`gamedyn.examples.train` (fixed seed, into a
temporary directory), reloads the checkpoints with :mod:`gamedyn.checkpoints` and builds a
:class:`~gamedyn.games.torch_game.TorchGame` on a fixed evaluation batch. The numbers come from
the pure helpers :func:`mog_spectra` and :func:`checkpoint_spectra`, which the tests check; the
figure functions only draw them. Registered in :data:`gamedyn.figures.FIGURES` on import.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from tqdm.auto import tqdm

from . import plot
from .checkpoints import load_gan
from .examples import EXAMPLES, Example, digits, mixture, train
from .figures import _grid, _save, figure
from .games.torch_game import TorchGame
from .spectrum import game_jacobian, sort_eigenvalues, top_eigenvalues

TRAIN_SEED = 0
"""Seed of the training batches (:func:`gamedyn.examples.train`); the players seed themselves."""
EVAL_SEED = 12_345
"""Seed of the fixed evaluation batch (real data and latents), distinct from training's."""


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Torch on one intra-op thread inside the block, restored on exit.

    The example GANs are tiny (a few thousand parameters, batches of 64–256): a second thread
    buys nothing, and on a shared CPU waiting threads made training and ``J u`` products 10–40×
    slower in our measurements.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _step(path: Path) -> int:
    """The training step in a checkpoint's name, ``step_000250.safetensors`` → 250."""
    match = re.fullmatch(r"step_(\d+)", path.stem)
    if match is None:
        raise ValueError(f"{path.name!r} is not named step_NNNNNN by gamedyn.examples.train")
    return int(match.group(1))


def _players(example: Example, path: Path) -> tuple[torch.nn.Module, torch.nn.Module]:
    """Fresh players of ``example`` with the checkpoint at ``path`` loaded (strictly)."""
    generator, discriminator = example.generator(), example.discriminator()
    load_gan(path, generator, discriminator)
    return generator, discriminator


# ---------------------------------------------------------------------------------------------
# Mixture of Gaussians: J and the consensus matrix
# ---------------------------------------------------------------------------------------------

MOG_GAMMA = 10.0
"""The consensus weight ``γ`` (the paper's value)."""
MOG_STEPS, MOG_SMALL_STEPS = 3000, 200
MOG_BATCH, MOG_SMALL_BATCH = 256, 64


def mog_game(small: bool = False) -> TorchGame:
    """The mixture GAN after training, as a game on a fixed batch.

    ``mixture`` (``n = 2003``; ``mixture-small``, ``n = 331``, when ``small``) trained for
    :data:`MOG_STEPS` (:data:`MOG_SMALL_STEPS`) steps with the package's trainer, seed
    :data:`TRAIN_SEED`; the last checkpoint is reloaded with :func:`gamedyn.checkpoints.load_gan`.
    Non-saturating loss, evaluation batch of :data:`MOG_BATCH` (:data:`MOG_SMALL_BATCH`) real
    points and latents drawn with :data:`EVAL_SEED`; float64.
    """
    torch.manual_seed(TRAIN_SEED)
    example = EXAMPLES["mixture-small" if small else "mixture"]
    steps = MOG_SMALL_STEPS if small else MOG_STEPS
    with tempfile.TemporaryDirectory() as tmp, _one_thread():
        last = train(example, steps, tmp, save_every=steps, seed=TRAIN_SEED)[-1]
        generator, discriminator = _players(example, last)
    batch = MOG_SMALL_BATCH if small else MOG_BATCH
    real, latent = mixture.sample(batch, EVAL_SEED), mixture.latent(batch, EVAL_SEED)
    return TorchGame(generator, discriminator, "non-saturating", real, latent)


def consensus_matrix(jacobian: np.ndarray, gamma: float) -> np.ndarray:
    """``J + γ JᵀJ``: the Jacobian of the consensus field ``v + γ Jᵀv`` where ``v = 0``.

    The consensus field ``w = v + γ ∇(½‖v‖²) = v + γ Jᵀv`` has Jacobian
    ``∂w/∂z = J + γ (JᵀJ + Σ_i v_i ∇²v_i)``; the last term vanishes at a fixed point, and what
    is left is the matrix whose spectrum decides local convergence there. ``Consensus(η, γ)``'s
    operator Jacobian is ``I − η ∂w/∂z`` (tested).
    """
    jacobian = np.asarray(jacobian, dtype=float)
    return jacobian + gamma * jacobian.T @ jacobian


def mog_spectra(small: bool = False, game: TorchGame | None = None) -> dict[str, Any]:
    """The numbers of ``mog_eigenvalues``: eigenvalues of ``J`` and of ``J + γ JᵀJ``.

    Dense: the mixture GAN is small (``n = 2003``, or 331), so ``J`` is ``jacfwd`` of the field
    (:func:`gamedyn.spectrum.game_jacobian`) and every eigenvalue is computed (LAPACK).

    Args:
      small: the small model and a short training run (:func:`mog_game`).
      game: analyse this game at its ``z0`` instead of training one.

    Returns:
      ``{"game": λ(J), "consensus": λ(J + γJᵀJ)}`` (sorted, complex, ``n`` each), with
      ``"gamma"`` (:data:`MOG_GAMMA`), ``"field_norm"`` (``‖v(z)‖``: the checkpoint is not a
      fixed point, so ``J + γJᵀJ`` is the consensus Jacobian's fixed-point part, see
      :func:`consensus_matrix`) and ``"n"``.
    """
    if game is None:
        game = mog_game(small)
    with _one_thread():
        jacobian = game_jacobian(game, game.z0)
        field_norm = float(torch.linalg.vector_norm(game.field(game.z0)))
    return {
        "game": sort_eigenvalues(np.linalg.eigvals(jacobian)),
        "consensus": sort_eigenvalues(np.linalg.eigvals(consensus_matrix(jacobian, MOG_GAMMA))),
        "gamma": MOG_GAMMA,
        "field_norm": field_norm,
        "n": game.n,
    }


@figure
def make_mog_eigenvalues(out_dir: Path, small: bool) -> list[Path]:
    """Mixture-of-Gaussians GAN: eigenvalues of J and of the consensus matrix J + γJᵀJ (γ = 10).

    Mescheder, Nowozin and Geiger (2017), figure 5: the trained GAN's Jacobian has eigenvalues
    with large imaginary parts (rotation) and some with negative real parts; consensus
    optimisation's ``J + γ JᵀJ`` moves them to the right (``γ JᵀJ`` is positive semi-definite
    and adds to the symmetric part) and makes them nearly real. Plotted: the dense eigenvalues
    of ``J`` and of ``J + γJᵀJ`` at the last checkpoint (:func:`mog_spectra`). The exact
    Jacobian of the consensus field there also has ``γ Σ v_i ∇²v_i``, which vanishes at a fixed
    point only; the checkpoint is not one, so we plot the fixed-point matrix, as the paper does.
    """
    s = mog_spectra(small)
    lam, mu = s["game"], s["consensus"]
    fig, (left, right) = _grid(2, 2, 4.4)
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
    return _save(fig, out_dir, "mog_eigenvalues")


# ---------------------------------------------------------------------------------------------
# Digits DCGAN: top eigenvalues along training
# ---------------------------------------------------------------------------------------------


DIGITS_STEPS, DIGITS_EVERY, DIGITS_K, DIGITS_BATCH = 2000, 250, 12, 64
"""Full size: the DCGAN (width 16, ``n = 19,362``), 9 checkpoints, top 12 eigenvalues."""
DIGITS_SMALL = {"steps": 60, "every": 20, "k": 4, "batch": 32}
"""Small: ``digits-small`` (width 2, ``n = 630``: dense checks fit), 4 checkpoints, top 4."""
DIGITS_TOL = 1e-10
"""ARPACK's relative accuracy for the eigenvalues."""


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

    Trained with :func:`gamedyn.examples.train` (seed :data:`TRAIN_SEED`) for
    :data:`DIGITS_STEPS` steps, a checkpoint every :data:`DIGITS_EVERY` (step 0 included); each
    checkpoint is reloaded and analysed on the same fixed batch of :data:`DIGITS_BATCH` digits
    and latents (seed :data:`EVAL_SEED`), non-saturating loss, float64. BatchNorm uses the
    batch's statistics (training mode), as in training.
    """
    torch.manual_seed(TRAIN_SEED)
    size = DIGITS_SMALL if small else {"steps": DIGITS_STEPS, "every": DIGITS_EVERY}
    batch = DIGITS_SMALL["batch"] if small else DIGITS_BATCH
    example = digits_example(small)
    real, latent = digits.sample(batch, EVAL_SEED), digits.latent(batch, EVAL_SEED)
    games = []
    with tempfile.TemporaryDirectory() as tmp, _one_thread():
        paths = train(example, size["steps"], tmp, size["every"], seed=TRAIN_SEED)
        for path in paths:
            generator, discriminator = _players(example, path)
            game = TorchGame(generator, discriminator, "non-saturating", real, latent)
            games.append((_step(path), game))
    return games


def checkpoint_spectra(
    small: bool = False, games: list[tuple[int, TorchGame]] | None = None
) -> list[CheckpointSpectrum]:
    """The numbers of ``checkpoint_spectrum``: top eigenvalues of ``J`` per checkpoint.

    The ``k`` (:data:`DIGITS_K`, or 4 when ``small``) eigenvalues of largest modulus, found
    matrix-free (:func:`gamedyn.spectrum.top_eigenvalues`: ARPACK on ``torch.func.jvp``
    products, float64, ``tol`` :data:`DIGITS_TOL`), with their residuals. Largest modulus
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
    with _one_thread():
        for step, game in tqdm(games, desc="checkpoint spectra", unit="checkpoint"):
            r = top_eigenvalues(game, k, "LM", tol=DIGITS_TOL)
            out.append(CheckpointSpectrum(step, r.values, r.residuals, r.matvecs, game.n))
    return out


@figure
def make_checkpoint_spectrum(out_dir: Path, small: bool) -> list[Path]:
    """Digits DCGAN: top eigenvalues of J (largest modulus, matrix-free) along training.

    At initialisation the largest eigenvalues are nearly imaginary pairs (rotation); as training
    goes on a large real eigenvalue grows (stiffness) and the pairs move right and outwards.
    Left: the eigenvalues of every checkpoint, coloured by training step. Right: the largest
    modulus and the largest ``|Im λ|`` per checkpoint. Numbers from :func:`checkpoint_spectra`.
    """
    spectra = checkpoint_spectra(small)
    values = np.concatenate([s.values for s in spectra])
    steps = np.concatenate([np.full(s.values.size, s.step) for s in spectra])
    residual = max(float(s.residuals.max()) for s in spectra)
    fig, (left, right) = _grid(2, 2, 4.4)
    plot.eigenvalue_cloud(
        values,
        color_by=steps,
        colorbar_label="training step",
        ax=left,
        title=f"top {spectra[0].values.size} eigenvalues of J by modulus "
        f"(residuals ≤ {residual:.0e})",
    )
    with plot.style():
        at = [s.step for s in spectra]
        right.plot(at, [np.abs(s.values).max() for s in spectra], "o-", label="max |λ|")
        right.plot(at, [np.abs(s.values.imag).max() for s in spectra], "s-", label="max |Im λ|")
        right.set_xlabel("training step")
        right.set_ylabel("eigenvalue size")
        right.legend(loc="best")
        right.set_title("stiffness and rotation along training")
    fig.suptitle(
        f"Digits DCGAN{' (width 2)' if small else ''}, n = {spectra[0].n}: game-Jacobian "
        f"eigenvalues at {len(spectra)} checkpoints (Adam, lr 1e-4; fixed batch of "
        f"{DIGITS_SMALL['batch'] if small else DIGITS_BATCH})"
    )
    return _save(fig, out_dir, "checkpoint_spectrum")
