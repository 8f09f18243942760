"""``gamedyn spectrum CHECKPOINT ...``: top eigenvalues of a GAN checkpoint's Jacobian.

The checkpoint (``.pt`` read with ``weights_only=True``, or ``.safetensors``) becomes a game
(:mod:`gamedyn.cli.options`, :func:`gamedyn.checkpoints.load_torch_game`). The eigenvalues are
those of the game Jacobian ``J = ∂v/∂z`` or, with ``--method``, of that update operator's
Jacobian (the derivative of its one step, matrix-free), found by Krylov–Schur (or ARPACK with
``--solver arpack``) after the products pass the checks of
:func:`gamedyn.spectrum.analysis.analyse`; with ``--batches B`` the field is averaged over
``B`` batches, and ``--spread`` adds each batch's top-k (:func:`~gamedyn.spectrum.analysis.
batch_spectra`); ``--blocks`` adds the per-player analysis (:mod:`gamedyn.spectrum.blocks`).

Writes to ``--out`` (default ``spectrum/``), each file atomically: ``eigenvalues.json`` (the
:class:`~gamedyn.spectrum.records.SpectrumRecord`: values, true residuals, products, product
mode, dtypes, batch sizes, adjointness error, time, peak memory and every setting),
``eigenvalues.npz`` (``eigenvalues``, ``residuals``) and ``eigenvalues.png``
(:func:`gamedyn.plot.eigenvalue_cloud`). Exit status 1 when the solver did not converge (the
partial record is written, ``converged: false``).

Example:
  gamedyn spectrum checkpoints/mixture/step_002000.safetensors --example mixture --k 20 \\
      --out spectrum/mixture
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ..methods import METHODS
from ..methods import build as build_method
from ..vocabulary import KRYLOV_WHICH, PRODUCT_MODES, SOLVERS
from .options import add_model_arguments, build_games

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``spectrum``; returns its parser."""
    p = subparsers.add_parser(
        "spectrum",
        help="top-k eigenvalues of a GAN checkpoint's game or operator Jacobian (matrix-free)",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("checkpoint", help="a .pt/.pth (weights only) or .safetensors checkpoint")
    add_model_arguments(p)
    p.add_argument(
        "--batches", type=int, default=1, help="average the field over this many batches"
    )
    p.add_argument(
        "--spread", action="store_true", help="with --batches: also each batch's top-k spread"
    )
    p.add_argument(
        "--blocks",
        action="store_true",
        help="also per-player Hessian extremes, coupling singular values, Schur complement",
    )
    p.add_argument("--k", type=int, default=20, help="number of eigenvalues (default 20)")
    p.add_argument("--which", choices=KRYLOV_WHICH, default="LM")
    p.add_argument("--tol", type=float, default=1e-8, help="relative residual tolerance")
    p.add_argument("--ncv", type=int, default=None, help="Krylov basis size")
    p.add_argument(
        "--max-restarts",
        type=int,
        default=None,
        help="restarts before giving up (default: the solver's own, 300 for Krylov–Schur)",
    )
    p.add_argument("--solver", choices=SOLVERS, default="krylov-schur")
    p.add_argument(
        "--mode",
        choices=PRODUCT_MODES,
        default="reverse",
        help="how J u is computed (reverse: backward passes on a retained graph)",
    )
    p.add_argument(
        "--method", choices=("game", *METHODS), default="game", help="operator (default: J)"
    )
    p.add_argument("--lr", type=float, default=0.01, help="step size of --method")
    p.add_argument("--beta", type=float, default=0.0, help="momentum of --method momentum")
    p.add_argument("--gamma", type=float, default=0.1, help="weight of --method consensus")
    p.add_argument("--lam", type=float, default=1.0, help="λ of --method sga")
    p.add_argument("--align", action="store_true", help="--method sga: align the sign of λ")
    p.add_argument(
        "--alpha",
        type=float,
        default=None,
        help="look-ahead rate of --method lola/sos (default --lr), coupling of --method lead",
    )
    p.add_argument("--beta2", type=float, default=0.99, help="decay of --method acgd")
    p.add_argument("--eps", type=float, default=1e-5, help="ε of --method acgd")
    p.add_argument("--out", default="spectrum", help="output directory (default spectrum/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
    return p


def method_of(args: argparse.Namespace) -> Any:
    """The ``--method`` operator (``None`` for the game Jacobian)."""
    if args.method == "game":
        return None
    options = {"lr": args.lr, "beta": args.beta, "gamma": args.gamma}
    # the options of issue 19's methods (getattr: a namespace from before them has none)
    for name in ("lam", "align", "alpha", "beta2", "eps"):
        if getattr(args, name, None) is not None:
            options[name] = getattr(args, name)
    return build_method(args.method, **options)


def solver_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`gamedyn.spectrum.analysis.analyse` set by the options."""
    return {
        "solver": args.solver,
        "mode": args.mode,
        "tol": args.tol,
        "ncv": args.ncv,
        "max_restarts": args.max_restarts,
    }


def _pairs(values: np.ndarray) -> list[list[float]]:
    return [[float(w.real), float(w.imag)] for w in values]


def blocks(game: Any, k: int) -> dict[str, Any]:
    """Per-player analysis at the checkpoint: own-Hessian extremes, couplings, Schur complement."""
    from ..spectrum.blocks import (
        coupling_singular_values,
        player_hessian_eigenvalues,
        schur_complement_eigenvalues,
    )

    result: dict[str, Any] = {
        "generator_hessian": player_hessian_eigenvalues(game, "x", k, "BE").tolist(),
        "discriminator_hessian": player_hessian_eigenvalues(game, "y", k, "BE").tolist(),
        "coupling_singular_values": coupling_singular_values(game, k).tolist(),
    }
    try:
        result["schur_complement"] = _pairs(schur_complement_eigenvalues(game, k))
    except (np.linalg.LinAlgError, ValueError) as err:  # J_yy singular or the solve failed
        result["schur_complement"] = f"not computed: {err}"
    return result


def analysis(args: argparse.Namespace, game: Any, games: list[Any], method: Any) -> Any:
    """The checked analysis record (with ``--spread``, each batch's top-k in its extras); a
    solver that does not converge gives its partial record (``converged=False``)."""
    from tqdm import tqdm

    from ..spectrum.analysis import analyse, batch_spectra
    from ..spectrum.eigensolvers import NoConvergence

    bar = tqdm(total=args.k, desc="converged eigenvalues", disable=args.no_progress)

    def progress(done: int, k: int) -> None:
        bar.n = done
        bar.refresh()

    options = {"method": method, "callback": progress, **solver_options(args)}
    try:
        if args.spread and len(games) > 1:
            spread = batch_spectra(games, args.k, args.which, **options)
            record = spread.averaged
            record.extras["batch_spread"] = {
                "per_batch": [_pairs(row) for row in spread.per_batch],
                "converged": spread.converged.tolist(),
                "quantity": {"LM": "modulus", "LR": "real part", "SR": "real part"}.get(
                    args.which, "|imaginary part|"
                ),
                "mean": spread.mean.tolist(),
                "std": spread.std.tolist(),
            }
            if not spread.converged.all():
                failed = np.flatnonzero(~spread.converged).tolist()
                record.converged = False
                record.message = f"the solver did not converge on batches {failed}"
        else:
            record = analyse(game, args.k, args.which, **options)
    except NoConvergence as err:
        if err.record is None:
            raise
        record = err.record
    finally:
        bar.close()
    return record


def run(args: argparse.Namespace) -> int:
    """Load, analyse, write ``eigenvalues.{json,npz,png}`` to ``args.out``; 0 on success, 1
    when the eigen-solver did not converge (the partial record is still written)."""
    from .. import plot

    if args.k < 1:
        raise ValueError(f"--k must be >= 1, got {args.k}")
    game, games = build_games(args)
    method = method_of(args)
    record = analysis(args, game, games, method)
    if args.blocks:
        record.extras["blocks"] = blocks(game, args.k)
    record.settings.update(
        checkpoint=str(args.checkpoint),
        batch=args.batch,
        batches=args.batches,
        seed=args.seed,
    )
    out = Path(args.out)
    record.save(out, "eigenvalues")
    title = f"{record.operator}, {args.which}, k = {args.k}, n = {record.n}"
    ax = plot.eigenvalue_cloud(record.eigenvalues, title=title)
    plot.save(ax.figure, out / "eigenvalues", formats=("png",))
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    status = "converged" if record.converged else "NOT converged (partial result)"
    print(
        f"{len(record.eigenvalues)} eigenvalues ({status}), {record.matvecs} products, "
        f"{record.seconds:.1f} s -> {out}"
    )
    return 0 if record.converged else 1
