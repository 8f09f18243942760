"""``gamedyn spectrum CHECKPOINT ...``: top eigenvalues of a GAN checkpoint's Jacobian.

The checkpoint (``.pt`` read with ``weights_only=True``, or ``.safetensors``) is split into the
two players' state dicts (:func:`gamedyn.checkpoints.player_state_dicts`) and loaded into models
built from import paths (``--generator mod:fn``, ``--discriminator mod:fn``); the losses are
evaluated on one fixed batch (``--data mod:fn`` and ``--latent mod:fn``, each called as
``fn(batch, seed)``). ``--example mixture|digits|dcgan`` fills in all four paths for the bundled
examples. The eigenvalues are those of the game Jacobian ``J = ∂v/∂z`` or, with ``--method``,
of that update operator's Jacobian (the derivative of its one step, matrix-free), found by
Krylov–Schur (:func:`gamedyn.spectrum.krylov.krylov_schur`) on ``torch.func`` products, or
by ARPACK with ``--solver arpack``, after the products pass the adjointness check of
:func:`gamedyn.spectrum.analysis.analyse`.

Writes to ``--out`` (default ``spectrum/``): ``eigenvalues.json`` (the analysis record:
values, true residuals, products, product mode, dtypes, batch sizes, adjointness error, time,
peak memory and every setting), ``eigenvalues.npz`` (``eigenvalues``, ``residuals``) and
``eigenvalues.png`` (the eigenvalues in the complex plane).

Example:
  gamedyn spectrum checkpoints/mixture/step_002000.safetensors --example mixture --k 20 \\
      --out spectrum/mixture
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

LOSSES = ("non-saturating", "saturating", "wgan", "hinge")
METHODS = ("game", "gda", "altgda", "momentum", "extragradient", "optimistic", "consensus", "cgd")


def _model_arguments(p: argparse.ArgumentParser) -> None:
    """The options that build the game: model import paths, loss, penalty, batch, dtype."""
    p.add_argument("--example", help="bundled example whose import paths to use (mixture, ...)")
    p.add_argument("--generator", metavar="MOD:FN", help="generator factory import path")
    p.add_argument("--discriminator", metavar="MOD:FN", help="discriminator factory import path")
    p.add_argument("--data", metavar="MOD:FN", help="real-data sampler fn(batch, seed)")
    p.add_argument("--latent", metavar="MOD:FN", help="latent sampler fn(batch, seed)")
    p.add_argument("--loss", choices=LOSSES, default="non-saturating")
    p.add_argument("--reg", choices=("r1", "r2", "gp"), default=None, help="regulariser of L_D")
    p.add_argument("--reg-weight", type=float, default=0.0)
    p.add_argument("--batch", type=int, default=64, help="fixed evaluation batch size")
    p.add_argument("--seed", type=int, default=0, help="seed of the fixed batch")
    p.add_argument(
        "--batchnorm",
        choices=("batch", "running"),
        default="batch",
        help="BatchNorm statistics: of the evaluation batch (default) or the stored running ones",
    )
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--device", default="cpu")


def add_path_angle_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``path-angle CHECKPOINT0 CHECKPOINT1``; returns its parser."""
    p = subparsers.add_parser(
        "path-angle",
        help="Berard et al.'s path-angle between two checkpoints (field along the straight path)",
    )
    p.add_argument("checkpoint0", help="the path's start (α = 0)")
    p.add_argument("checkpoint1", help="the path's end (α = 1)")
    _model_arguments(p)
    p.add_argument("--num", type=int, default=101, help="points on α ∈ [−0.5, 1.5]")
    p.add_argument("--out", default="path_angle", help="output directory (default path_angle/)")
    p.set_defaults(run=run_path_angle)
    return p


def run_path_angle(args: argparse.Namespace) -> int:
    """Writes ``path_angle.json`` (α, cosines, norms, settings) and ``path_angle.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot as gplot
    from .landscape import path_angle

    args.checkpoint = args.checkpoint0
    start = time.perf_counter()
    game0 = build_game(args, checkpoint=args.checkpoint0)
    game1 = build_game(args, checkpoint=args.checkpoint1)
    result = path_angle(game1, game0.z0, game1.z0, num=args.num)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = {
        "checkpoint0": str(args.checkpoint0),
        "checkpoint1": str(args.checkpoint1),
        "game": repr(game1),
        "batch": args.batch,
        "seed": args.seed,
        "dtype": args.dtype,
        "distance": float(np.linalg.norm((game1.z0 - game0.z0).cpu().numpy())),
        "seconds": time.perf_counter() - start,
        **{name: np.asarray(value).tolist() for name, value in result._asdict().items()},
    }
    (out / "path_angle.json").write_text(json.dumps(record, indent=2))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    gplot.path_angle(result, ax=ax)
    ax.set_title(f"path-angle: {Path(args.checkpoint0).name} → {Path(args.checkpoint1).name}")
    fig.savefig(out / "path_angle.png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"path-angle at {len(result.alpha)} points, {record['seconds']:.1f} s -> {out}")
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``spectrum`` on an ``argparse`` sub-parser collection; returns its parser."""
    p = subparsers.add_parser(
        "spectrum",
        help="top-k eigenvalues of a GAN checkpoint's game or operator Jacobian (matrix-free)",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("checkpoint", help="a .pt/.pth (weights only) or .safetensors checkpoint")
    _model_arguments(p)
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
    p.add_argument("--which", choices=("LM", "LR", "SR", "LI", "SI"), default="LM")
    p.add_argument("--tol", type=float, default=1e-8, help="relative residual tolerance")
    p.add_argument("--ncv", type=int, default=None, help="Krylov basis size")
    p.add_argument(
        "--max-restarts",
        type=int,
        default=None,
        help="restarts before giving up (default: the solver's own, 300 for Krylov–Schur)",
    )
    p.add_argument("--solver", choices=("krylov-schur", "arpack"), default="krylov-schur")
    p.add_argument(
        "--mode",
        choices=("forward", "reverse", "linearize"),
        default="reverse",
        help="how J u is computed (reverse: backward passes on a retained graph)",
    )
    p.add_argument("--method", choices=METHODS, default="game", help="operator (default: J)")
    p.add_argument("--lr", type=float, default=0.01, help="step size of --method")
    p.add_argument("--beta", type=float, default=0.0, help="momentum of --method momentum")
    p.add_argument("--gamma", type=float, default=0.1, help="weight of --method consensus")
    p.add_argument("--out", default="spectrum", help="output directory (default spectrum/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
    return p


def _paths(args: argparse.Namespace) -> dict[str, str]:
    names = ("generator", "discriminator", "data", "latent")
    given = {n: getattr(args, n) for n in names}
    if args.example is not None:
        from .examples import EXAMPLES

        if args.example not in EXAMPLES:
            raise ValueError(f"--example must be one of {sorted(EXAMPLES)}, got {args.example!r}")
        ex = EXAMPLES[args.example]
        defaults = dict(zip(names, ("generator", "discriminator", "sample", "latent"), strict=True))
        given = {n: given[n] or ex.spec(defaults[n]) for n in names}
    missing = [f"--{n}" for n in names if not given[n]]
    if missing:
        raise ValueError(f"spectrum needs {', '.join(missing)} (or --example)")
    return given


def _method(args: argparse.Namespace) -> Any:
    from . import methods

    make = {
        "game": lambda: None,
        "gda": lambda: methods.GDA(args.lr),
        "altgda": lambda: methods.AltGDA(args.lr),
        "momentum": lambda: methods.Momentum(args.lr, args.beta),
        "extragradient": lambda: methods.ExtraGradient(args.lr),
        "optimistic": lambda: methods.OptimisticGDA(args.lr),
        "consensus": lambda: methods.Consensus(args.lr, args.gamma),
        "cgd": lambda: methods.CGD(args.lr),
    }
    return make[args.method]()


def build_game(
    args: argparse.Namespace, checkpoint: str | None = None, seed: int | None = None
) -> Any:
    """The :class:`~gamedyn.games.torch_game.TorchGame` of the checkpoint and fixed batch
    (``checkpoint`` and ``seed`` default to ``args.checkpoint`` and ``args.seed``)."""
    import torch

    from .checkpoints import build, import_factory, load, load_into, player_state_dicts
    from .games.torch_game import TorchGame

    paths = _paths(args)
    checkpoint = args.checkpoint if checkpoint is None else checkpoint
    seed = args.seed if seed is None else seed
    g_state, d_state = player_state_dicts(load(checkpoint))
    generator = load_into(build(paths["generator"]), g_state, "generator")
    discriminator = load_into(build(paths["discriminator"]), d_state, "discriminator")
    real = import_factory(paths["data"])(args.batch, seed)
    latent = import_factory(paths["latent"])(args.batch, seed)
    return TorchGame(
        generator,
        discriminator,
        args.loss,
        real,
        latent,
        reg=args.reg,
        reg_weight=args.reg_weight,
        dtype=getattr(torch, args.dtype),
        device=args.device,
        batchnorm=args.batchnorm,
    )


def build_analysed_game(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    """The game to analyse and its per-batch games: with ``--batches B > 1`` the
    :class:`~gamedyn.spectrum.analysis.AveragedGame` of the batches of seeds ``seed, …,
    seed + B − 1``; otherwise the one game (and ``[game]``)."""
    from .spectrum.analysis import AveragedGame

    if args.batches < 1:
        raise ValueError(f"--batches must be >= 1, got {args.batches}")
    from .checkpoints import import_factory

    first = build_game(args)
    paths = _paths(args)
    data, latent = import_factory(paths["data"]), import_factory(paths["latent"])
    games = [first] + [
        first.with_batch(
            data(args.batch, args.seed + b), latent(args.batch, args.seed + b), gp_seed=b
        )
        for b in range(1, args.batches)
    ]
    return (first if len(games) == 1 else AveragedGame(games)), games


def _solver_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`gamedyn.spectrum.analysis.analyse` set by the options."""
    return {
        "solver": args.solver,
        "mode": args.mode,
        "tol": args.tol,
        "ncv": args.ncv,
        "maxiter": args.max_restarts,
    }


def spread(args: argparse.Namespace, games: list[Any], method: Any) -> dict[str, Any]:
    """The top eigenvalues of each batch's game, and their mean and spread per rank."""
    from .spectrum.analysis import analyse, rank_spread

    options = _solver_options(args)
    rows = np.array([analyse(g, args.k, args.which, method, **options).eigenvalues for g in games])
    mean, std = rank_spread(rows, args.which)
    return {
        "per_batch": [[[float(w.real), float(w.imag)] for w in row] for row in rows],
        "quantity": {"LM": "modulus", "LR": "real part", "SR": "real part"}.get(
            args.which, "|imaginary part|"
        ),
        "mean": mean.tolist(),
        "std": std.tolist(),
    }


def blocks(args: argparse.Namespace, game: Any) -> dict[str, Any]:
    """Per-player analysis at the checkpoint: own-Hessian extremes, couplings, Schur complement."""
    from .spectrum.blocks import (
        coupling_singular_values,
        player_hessian_eigenvalues,
        schur_complement_eigenvalues,
    )

    k = args.k
    result: dict[str, Any] = {
        "generator_hessian": player_hessian_eigenvalues(game, None, "x", k, "BE").tolist(),
        "discriminator_hessian": player_hessian_eigenvalues(game, None, "y", k, "BE").tolist(),
        "coupling_singular_values": coupling_singular_values(game, None, k).tolist(),
    }
    try:
        schur = schur_complement_eigenvalues(game, None, k)
        result["schur_complement"] = [[float(w.real), float(w.imag)] for w in schur]
    except (np.linalg.LinAlgError, ValueError) as err:  # J_yy singular or the solve failed
        result["schur_complement"] = f"not computed: {err}"
    return result


def compute(args: argparse.Namespace, game: Any, method: Any) -> dict[str, Any]:
    """Run the checked analysis (:func:`gamedyn.spectrum.analysis.analyse`); returns the record
    as a dict plus ``converged`` (a solver that did not converge leaves its partial result)."""
    from tqdm import tqdm

    from .spectrum.analysis import analyse
    from .spectrum.matrix_free import NoConvergence

    start = time.perf_counter()
    bar = tqdm(total=args.k, desc="converged eigenvalues", disable=args.no_progress)

    def progress(done: int, k: int) -> None:
        bar.n = done
        bar.refresh()

    try:
        options = _solver_options(args)
        record = analyse(game, args.k, args.which, method, callback=progress, **options).to_dict()
        record["converged"] = True
    except NoConvergence as err:
        residuals = err.residuals if err.residuals is not None else np.full(len(err.values), np.nan)
        record = {
            "eigenvalues": [[float(w.real), float(w.imag)] for w in err.values],
            "residuals": [float(r) for r in residuals],
            "matvecs": err.matvecs,
            "seconds": time.perf_counter() - start,
            "converged": False,
            "message": str(err),
        }
    finally:
        bar.close()
    return record


def plot(values: np.ndarray, title: str, ax: Any = None) -> Any:
    """The eigenvalues in the complex plane (draws on ``ax`` or a new one; returns the Axes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    ax.scatter(values.real, values.imag, s=18, color="C0")
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_title(title, fontsize=9)
    return ax


def run(args: argparse.Namespace) -> int:
    """Load, compute, write ``eigenvalues.{json,npz,png}`` to ``args.out``; 0 on success, 1 when
    the eigen-solver did not converge (the partial result is still written)."""
    import matplotlib.pyplot as plt

    if args.k < 1:
        raise ValueError(f"--k must be >= 1, got {args.k}")
    game, games = build_analysed_game(args)
    method = _method(args)
    result = compute(args, game, method)
    if args.spread and len(games) > 1:
        result["batch_spread"] = spread(args, games, method)
    if args.blocks:
        result["blocks"] = blocks(args, game)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    values = np.array([complex(re, im) for re, im in result["eigenvalues"]], dtype=complex)
    record = {
        "checkpoint": str(args.checkpoint),
        "operator": "game Jacobian" if method is None else repr(method),
        "loss": args.loss,
        "reg": args.reg,
        "reg_weight": args.reg_weight,
        "n": game.n,
        "batch": args.batch,
        "batches": args.batches,
        "seed": args.seed,
        "dtype": args.dtype,
        "device": args.device,
        "batchnorm": args.batchnorm,
        "solver": args.solver,
        "mode": args.mode,
        "k": args.k,
        "which": args.which,
        "tol": args.tol,
        **result,
    }
    (out / "eigenvalues.json").write_text(json.dumps(record, indent=2))
    np.savez(out / "eigenvalues.npz", eigenvalues=values, residuals=np.array(result["residuals"]))
    ax = plot(values, f"{record['operator']}, {args.which}, k = {args.k}, n = {game.n}")
    ax.figure.savefig(out / "eigenvalues.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    status = "converged" if result["converged"] else "NOT converged (partial result)"
    print(
        f"{len(values)} eigenvalues ({status}), {result['matvecs']} products, "
        f"{result['seconds']:.1f} s -> {out}"
    )
    return 0 if result["converged"] else 1
