"""``optimiser_spectra``: the digits DCGAN along its training — the Adam operator it ran vs GDA.

The digits DCGAN is trained with :func:`gamedyn.examples.train` (alternating, discriminator
first, one ``torch.optim.Adam`` per player, ``lr = 1e-4``, ``β = (0.5, 0.999)``), which saves
each checkpoint's optimiser state. At each checkpoint, from that state, the operator it was
trained with — ``Adam(1e-4, (0.5, 0.999), alternating=True, first="y")`` with its preconditioner
frozen at the checkpoint's second moment (state ``(z, m)``, ``2n`` coordinates) — next to GDA at
the same step size, matrix-free:

* Adam: its least-damped eigenvalues ``μ`` (largest ``Re μ``: those that decide stability), the
  top eigenvalues by real part of the displacement map ``s ↦ T(s) − s`` (:class:`Displacement`,
  the same step; its eigenvalues are ``μ − 1``, and the moments' own modes near ``β₁`` stay out
  of the way);
* GDA: ``μ = 1 − ηλ`` (:func:`gamedyn.spectrum.eigenvalue_map`, from GDA's step) for the
  game Jacobian's largest eigenvalues ``λ``: the largest ``|μ − 1|`` of all of GDA's, so every
  GDA eigenvalue lies within that distance of 1.

Adam's per-coordinate preconditioner ``1/(√v̂ + ε)`` makes its step about two orders of magnitude
larger than GDA's at the same ``lr`` and pushes eigenvalues outside the unit circle.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from tqdm import tqdm  # not tqdm.auto: it warns in a notebook without ipywidgets

from ..examples import EXAMPLES, Example, train
from ..games import TorchGame
from ..methods import (
    GDA,
    Method,
    Ops,
    State,
    Vec,
    is_count,
    optimiser_method,
    read_checkpoint_optimiser,
)
from ..spectrum import JacobianOperator, KrylovSchur, solve_top, top_eigenvalues
from ._trained import EVAL_SEED, TRAIN_SEED, checkpoint_step, one_thread

__all__ = [
    "OPTIMISER_LR",
    "OPTIMISER_RUN",
    "OPTIMISER_SMALL",
    "OPTIMISER_TOL",
    "OPTIMISER_NCV",
    "Displacement",
    "OptimiserSpectrum",
    "digits_adam_checkpoints",
    "training_operator",
    "optimiser_spectra",
]

OPTIMISER_LR = 1e-4
"""The examples' training step size (:func:`gamedyn.examples.train`)."""
OPTIMISER_RUN = {"steps": 600, "every": 200, "k": 4, "batch": 64, "dtype": torch.float32}
"""Full size: the digits DCGAN (width 16, ``n = 19,362``), checkpoints at steps 200, 400, 600
(step 0 has no second moment to freeze), top 4 of each operator, float32 products with a float64
Krylov basis (the fast mode: about 1.5 minutes on 2 cores)."""
OPTIMISER_SMALL = {"steps": 60, "every": 20, "k": 4, "batch": 32, "dtype": torch.float64}
"""Small: ``digits-small`` (``n = 630``: dense checks fit), float64."""
OPTIMISER_TOL = {torch.float32: 1e-5, torch.float64: 1e-9}
"""The solver's relative accuracy by product dtype."""
OPTIMISER_NCV = 40
"""The Krylov basis size (the least-damped eigenvalues sit in a cluster near 1)."""


class Displacement(Method):
    """``s ↦ T(s) − s`` for a method ``T``: its Jacobian is ``DT − I``, eigenvalues ``μ − 1``.

    The largest-modulus eigenvalues of ``DT − I`` are the operator eigenvalues farthest from 1,
    which Krylov methods find fast even when most of ``DT``'s spectrum clusters at 1 (tiny
    steps). The same step as ``T``: counts advance as ``T``'s do.
    """

    wraps = ("base",)

    def __init__(self, base: Method):
        self.base = base
        self.order = base.order

    def hyperparameters(self) -> dict[str, Any]:
        return {"base": self.base}

    def init(self, z: Vec) -> State:
        return self.base.init(z)

    def step(self, ops: Ops, state: State) -> State:
        new = self.base.step(ops, state)
        return tuple(n if is_count(n) else n - s for n, s in zip(new, state, strict=True))


class OptimiserSpectrum(NamedTuple):
    """One checkpoint: its step; Adam's least-damped eigenvalues ``μ`` (frozen, as trained) and
    their residuals; GDA's ``μ`` farthest from 1 at the same ``lr`` and theirs (``η`` times
    ``J``'s); the products used; the game's size; the checkpoint's Adam step counts; the
    product dtype."""

    step: int
    adam: np.ndarray
    gda: np.ndarray
    adam_residuals: np.ndarray
    gda_residuals: np.ndarray
    matvecs: int
    n: int
    adam_steps: tuple[int, int]
    dtype: str


def _example(small: bool) -> Example:
    return EXAMPLES["digits-small" if small else "digits"]


def digits_adam_checkpoints(small: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Train the digits DCGAN (:data:`OPTIMISER_RUN` or :data:`OPTIMISER_SMALL`), seed
    :data:`~gamedyn.experiments.TRAIN_SEED`; the checkpoints after step 0 (each with its
    optimiser state beside it), written to ``out_dir``."""
    size = OPTIMISER_SMALL if small else OPTIMISER_RUN
    torch.manual_seed(TRAIN_SEED)
    with one_thread():
        paths = train(_example(small), size["steps"], out_dir, size["every"], seed=TRAIN_SEED)
    return [p for p in paths if checkpoint_step(p) > 0]


def training_operator(game: TorchGame, checkpoint: Path, frozen: bool = True) -> Method:
    """The operator :func:`gamedyn.examples.train` ran, at ``checkpoint``'s optimiser state:
    alternating Adam, discriminator first, its hyperparameters read from the state."""
    record = read_checkpoint_optimiser(game, checkpoint)
    return optimiser_method(record, "adam", frozen=frozen, alternating=True, first="y")


def optimiser_spectra(small: bool = False) -> list[OptimiserSpectrum]:
    """The numbers of ``optimiser_spectra`` (module docstring), per checkpoint after step 0.

    Matrix-free Krylov–Schur on ``torch.func`` products (float32 products with a float64 basis at
    full size, float64 when ``small``; ``tol`` :data:`OPTIMISER_TOL`), on a fixed batch (seed
    :data:`~gamedyn.experiments.EVAL_SEED`); BatchNorm with the batch's statistics, as in
    training.
    """
    from ..spectrum import eigenvalue_map

    size = OPTIMISER_SMALL if small else OPTIMISER_RUN
    example, k, dtype = _example(small), size["k"], size["dtype"]
    tol = OPTIMISER_TOL[dtype]
    out = []
    with tempfile.TemporaryDirectory() as tmp, one_thread():
        paths = digits_adam_checkpoints(small, Path(tmp))
        for path in tqdm(paths, desc="optimiser spectra", unit="checkpoint"):
            game = example.load_game(path, size["batch"], EVAL_SEED, dtype=dtype)
            adam = training_operator(game, path)
            op = JacobianOperator(game, method=Displacement(adam))
            moved = solve_top(
                op, k, "LR", solver=KrylovSchur(tol=tol, ncv=min(OPTIMISER_NCV, op.shape[0]))
            )
            lam = top_eigenvalues(game, k, "LM", solver=KrylovSchur(tol=tol))
            gda = eigenvalue_map(GDA(OPTIMISER_LR), lam.values)[:, 0]
            out.append(
                OptimiserSpectrum(
                    checkpoint_step(path),
                    1 + moved.values,
                    gda,
                    moved.residuals,
                    OPTIMISER_LR * lam.residuals,
                    moved.matvecs + lam.matvecs,
                    game.n,
                    adam.play.start.steps,
                    str(dtype).removeprefix("torch."),
                )
            )
    return out
