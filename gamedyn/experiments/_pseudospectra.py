"""``pseudospectra``: ε-pseudospectra of game and operator Jacobians beyond their eigenvalues.

Six panels, each the contours ``σ_min(zI − A) = ε`` (:func:`gamedyn.nonnormal.pseudospectrum`)
over the eigenvalues and the stability boundary:

* a bilinear game (singular values in ``[0.2, 1]``, lr 0.5): alternating GDA (eigenvalues on
  the unit circle, far from normal: its ε-pseudospectra cross the circle for small ε),
  alternating negative momentum (β = −0.5: inside the circle), extragradient (a polynomial of
  the normal ``J``: normal itself, its pseudospectra are disks of radius ε);
* the Dirac-GAN's ``J`` at the critical R1 weight ``γ = 1`` (Mescheder et al. 2018), a
  2 × 2 Jordan block at ½: ``σ_min ≈ |z − ½|²``, contours of radius ``√ε``;
* a trained mixture-of-Gaussians GAN's ``J`` (:func:`mixture_game`), dense, and the
  Krylov-projected picture from :data:`MIXTURE_BASIS` matrix-free Arnoldi steps, whose
  ε-pseudospectra lie inside the dense ones (lower-bound pictures).

Also the numbers the transient figure (:mod:`.transient_growth`) uses: :func:`bilinear_operators`,
:data:`DIRAC_CRITICAL`, :func:`mixture_game`.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import torch

from ..examples import EXAMPLES, train
from ..games import Bilinear, DiracGAN, TorchGame
from ..methods import AltGDA, ExtraGradient, Method, Momentum
from ..nonnormal import default_grid, dense_pseudospectrum, krylov_pseudospectrum
from ..spectrum import JacobianOperator, game_jacobian, operator_jacobian, sort_eigenvalues
from ._trained import EVAL_SEED, TRAIN_SEED, one_thread

__all__ = [
    "NON_NORMAL_BILINEAR",
    "NON_NORMAL_LR",
    "DIRAC_CRITICAL",
    "MIXTURE_STEPS",
    "MIXTURE_SMALL_STEPS",
    "MIXTURE_BASIS",
    "Panel",
    "bilinear_operators",
    "mixture_game",
    "pseudospectra_panels",
    "single_threaded",
]

NON_NORMAL_BILINEAR = Bilinear(np.diag(np.linspace(0.2, 1.0, 6)))
"""The bilinear game of the operator panels (as ``negative_momentum_eigenvalues``)."""
NON_NORMAL_LR = 0.5
"""The step size of the operators on :data:`NON_NORMAL_BILINEAR`."""
DIRAC_CRITICAL = DiracGAN("saturating", reg="r1", gamma=1.0)
"""The Dirac-GAN at the critical R1 weight: ``J`` has the double, defective eigenvalue ½."""
MIXTURE_STEPS, MIXTURE_SMALL_STEPS = 2000, 150
"""Adam steps of ``mixture-small`` (``n = 331``) for the full and the small figure."""
MIXTURE_BATCH, MIXTURE_SMALL_BATCH = 256, 64
MIXTURE_BASIS, MIXTURE_SMALL_BASIS = 80, 40
"""Arnoldi steps of the Krylov-projected mixture panel."""


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """One torch thread and, where ``threadpoolctl`` is installed (it comes with
    scikit-learn), one BLAS thread inside the block. The matrices here are small (up to a few
    hundred): on a shared 2-core machine a second, waiting BLAS thread made the Schur
    decomposition of the mixture GAN's ``J`` (``n = 331``) 20× slower in our measurements."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn installs it
        limits: Any = contextlib.nullcontext()
    else:
        limits = threadpool_limits(1)
    with one_thread(), limits:
        yield


class Panel(NamedTuple):
    """One panel: ``σ_min`` on the grid ``(re, im)``, the eigenvalues, the stability boundary,
    how ``σ_min`` was computed (``"dense"`` or ``"krylov-projected"``) and the title."""

    title: str
    re: np.ndarray
    im: np.ndarray
    sigma: np.ndarray
    eigenvalues: np.ndarray
    boundary: str
    kind: str


def bilinear_operators(lr: float = NON_NORMAL_LR) -> dict[str, Method]:
    """The three operators on :data:`NON_NORMAL_BILINEAR`, by label."""
    return {
        "alternating GDA": AltGDA(lr),
        "alternating momentum, β = −0.5": Momentum(lr, -0.5, alternating=True),
        "extragradient": ExtraGradient(lr),
    }


@functools.lru_cache(maxsize=2)
def mixture_game(small: bool = False) -> TorchGame:
    """``mixture-small`` (``n = 331``) trained :data:`MIXTURE_STEPS` Adam steps (seed
    :data:`~gamedyn.experiments.TRAIN_SEED`; :data:`MIXTURE_SMALL_STEPS` when ``small``),
    on a fixed evaluation batch (:data:`~gamedyn.experiments.EVAL_SEED`), float64; cached
    (the game is never written), so both non-normal figures share one training run."""
    torch.manual_seed(TRAIN_SEED)
    example = EXAMPLES["mixture-small"]
    steps = MIXTURE_SMALL_STEPS if small else MIXTURE_STEPS
    batch = MIXTURE_SMALL_BATCH if small else MIXTURE_BATCH
    with tempfile.TemporaryDirectory() as tmp, single_threaded():
        last = train(example, steps, tmp, save_every=steps, seed=TRAIN_SEED)[-1]
        return example.load_game(last, batch, EVAL_SEED)


def _panel(title: str, matrix: np.ndarray, boundary: str, points: int, box: Any) -> Panel:
    lam = sort_eigenvalues(np.linalg.eigvals(matrix))
    re, im = default_grid(box, points)
    return Panel(title, re, im, dense_pseudospectrum(matrix, re, im), lam, boundary, "dense")


def pseudospectra_panels(small: bool = False, game: TorchGame | None = None) -> list[Panel]:
    """The numbers of ``pseudospectra``: the six panels, in order.

    Grids: 70 points along the longer side (30 when ``small``) around the eigenvalues (the
    unit disk for the operators). The mixture panels share one grid; the projected one uses
    :data:`MIXTURE_BASIS` Arnoldi steps (:data:`MIXTURE_SMALL_BASIS` when ``small``).
    """
    with single_threaded():
        return _panels(small, game)


def _panels(small: bool, game: TorchGame | None) -> list[Panel]:
    points = 30 if small else 70
    panels = []
    circle = np.exp(2j * np.pi * np.arange(8) / 8)
    for label, method in bilinear_operators().items():
        T = np.asarray(operator_jacobian(method, NON_NORMAL_BILINEAR), dtype=float)
        box = np.concatenate([np.linalg.eigvals(T), 1.05 * circle])
        panels.append(
            _panel(f"{label} (bilinear, lr {NON_NORMAL_LR})", T, "unit circle", points, box)
        )
    J = np.asarray(game_jacobian(DIRAC_CRITICAL), dtype=float)
    panels.append(
        _panel(
            "Dirac-GAN J, R1 γ = 1 (critical: λ = ½ defective)",
            J,
            "imaginary axis",
            points,
            np.array([0.5 + 0.6j, 0.5 - 0.6j, -0.1, 1.1]),
        )
    )
    game = mixture_game(small) if game is None else game
    J = JacobianOperator(game) @ np.eye(game.n)
    lam = sort_eigenvalues(np.linalg.eigvals(J))
    re, im = default_grid(lam, points)
    dense = dense_pseudospectrum(J, re, im)
    m = MIXTURE_SMALL_BASIS if small else MIXTURE_BASIS
    projected = krylov_pseudospectrum(JacobianOperator(game), re, im, m)
    panels.append(
        Panel(f"mixture GAN J (n = {game.n}), dense", re, im, dense, lam, "imaginary axis", "dense")
    )
    panels.append(
        Panel(
            f"mixture GAN J, Krylov-projected (m = {m} products)",
            re,
            im,
            projected.sigma_min,
            projected.ritz_values,
            "imaginary axis",
            "krylov-projected",
        )
    )
    return panels
