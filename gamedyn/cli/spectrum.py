"""``gamedyn spectrum CHECKPOINT ...``: top eigenvalues of a GAN checkpoint's Jacobian.

The checkpoint (``.pt`` read with ``weights_only=True``, or ``.safetensors``; one file with both
players, or ``--generator-checkpoint`` and ``--discriminator-checkpoint``, found wherever they
are: :mod:`gamedyn.checkpoints.layouts`) becomes a game (:mod:`gamedyn.cli.options`,
:func:`gamedyn.checkpoints.load_torch_game`); what was loaded is printed and recorded
(``settings.loaded``). The eigenvalues are those of the game Jacobian ``J = ∂v/∂z`` or, with
``--method``, of that update operator's Jacobian (the derivative of its one step,
matrix-free), found by Krylov–Schur (or ARPACK with ``--solver arpack``) after the products
pass the checks of :func:`gamedyn.spectrum.analysis.analyse`; with ``--batches B`` the field
is averaged over ``B`` batches, and ``--spread`` adds each batch's top-k
(:func:`~gamedyn.spectrum.analysis.batch_spectra`); ``--blocks`` adds the per-player analysis
(:mod:`gamedyn.spectrum.blocks`).
Beyond the eigenvalues (:mod:`gamedyn.spectrum.non_normal`, in the record's
``extras["non_normal"]``): ``--pseudospectrum`` (Krylov-projected, ``--pseudospectrum-basis``
products, plotted as ``pseudospectrum.png``), ``--transient STEPS`` (``‖Tᵗ‖`` for ``t ≤ STEPS``,
or the gradient flow's ``‖e^{−t·dt·J}‖`` without ``--method``; ``transient.png``),
``--rotation PROBES`` (the rotation index with its error bar, per player; ``rotation.png``)
and ``--conditioning`` (``κ(λ)`` of the top-k).
``--method adam|extra-adam|optimistic-adam|la-adam|...`` analyses the optimiser the checkpoint
was trained with, from its saved optimiser state (:mod:`gamedyn.cli.optimiser_options`:
``--linearisation frozen|exact``, ``--n-critic``, ``--lookahead-k``, ``--lookahead-alpha``).

Writes to ``--out`` (default ``spectrum/``), as one record set (a temporary sibling directory
that replaces ``--out`` with one rename; each file carries the run id, which
:meth:`~gamedyn.spectrum.records.SpectrumRecord.load` checks): ``eigenvalues.json`` (the
:class:`~gamedyn.spectrum.records.SpectrumRecord`: values, true residuals, products, product
mode, dtypes, batch sizes, adjointness error, time, peak memory and every setting),
``eigenvalues.npz`` (``eigenvalues``, ``residuals``) and ``eigenvalues.png``
(:func:`gamedyn.plot.eigenvalue_cloud`). Exit status 1 when the solver did not converge (the
partial record is written, ``converged: false``).

Under ``torchrun`` (``torchrun --nproc-per-node N -m gamedyn spectrum ... --batches B``) the
``B`` batches are split over the ``N`` processes (``B`` a multiple of ``N``;
:mod:`gamedyn.games.distributed`), each product is all-reduced, the solver runs on every rank,
and rank 0 alone writes the record (``world_size``, ``backend``) and prints; gloo on CPU,
NCCL with ``--device cuda`` (each process its ``LOCAL_RANK``'s GPU).

Example:
  gamedyn spectrum checkpoints/mixture/step_002000.safetensors --example mixture --k 20 \\
      --out spectrum/mixture
  gamedyn spectrum ckpt.pt --generator models.py:Generator \\
      --discriminator models.py:Discriminator --data real.pt \\
      --latent gamedyn.checkpoints:standard_normal --latent-kwargs '{"shape": [100, 1, 1]}'
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import torch.distributed as dist

from .. import _validate
from ..methods import METHODS
from ..methods import build as build_method
from ..methods.names import OPTIMISERS
from ..vocabulary import (
    ACCELERATIONS,
    DEFAULT_PRODUCT_MODE,
    INTERVALS,
    KRYLOV_WHICH,
    PRODUCT_MODES,
    SOLVERS,
)
from .arguments import (
    finite_float,
    nonnegative_float,
    nonnegative_int,
    output_directory,
    positive_float,
    positive_int,
)
from .optimiser_options import add_optimiser_arguments, optimiser_method_of
from .options import (
    add_checkpoint_files,
    add_model_arguments,
    build_games,
    check_model_arguments,
    checkpoint_source,
    loaded_summary,
)

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``spectrum``; returns its parser."""
    p = subparsers.add_parser(
        "spectrum",
        help="top-k eigenvalues of a GAN checkpoint's game or operator Jacobian (matrix-free)",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument(
        "checkpoint",
        nargs="?",
        help="a .pt/.pth (weights only) or .safetensors checkpoint (both players)",
    )
    add_checkpoint_files(p)
    add_model_arguments(p)
    p.add_argument(
        "--batches", type=positive_int, default=1, help="average the field over this many batches"
    )
    p.add_argument(
        "--spread", action="store_true", help="with --batches: also each batch's top-k spread"
    )
    p.add_argument(
        "--confidence",
        type=positive_float,
        default=0.95,
        help="with --spread: level of the interval for the mean top-k over batches (0.95)",
    )
    p.add_argument(
        "--interval",
        choices=INTERVALS,
        default="batch-means",
        help="with --spread: the interval's kind (default batch-means)",
    )
    p.add_argument(
        "--precision",
        type=positive_float,
        default=None,
        help="with --spread: a target half-width; the record says the batches and batch size "
        "it needs",
    )
    p.add_argument(
        "--blocks",
        action="store_true",
        help="also per-player Hessian extremes, coupling singular values, Schur complement",
    )
    p.add_argument("--k", type=positive_int, default=20, help="number of eigenvalues (default 20)")
    p.add_argument("--which", choices=KRYLOV_WHICH, default="LM")
    p.add_argument("--tol", type=positive_float, default=1e-8, help="relative residual tolerance")
    p.add_argument("--ncv", type=positive_int, default=None, help="Krylov basis size")
    p.add_argument(
        "--max-restarts",
        type=nonnegative_int,
        default=None,
        help="restarts before giving up (default: the solver's own, 300 for Krylov–Schur)",
    )
    p.add_argument("--solver", choices=SOLVERS, default="krylov-schur")
    p.add_argument(
        "--accelerate",
        choices=ACCELERATIONS,
        default=None,
        help="Chebyshev-filtered Krylov-Schur for --which SR/LR or crowded spectra",
    )
    p.add_argument(
        "--mode",
        choices=PRODUCT_MODES,
        default=DEFAULT_PRODUCT_MODE,
        help="how J u is computed (auto: linearize on large games, else reverse: backward "
        "passes on a retained graph)",
    )
    p.add_argument(
        "--method", choices=("game", *METHODS), default="game", help="operator (default: J)"
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help="step size of --method (default 0.01; an optimiser's: the checkpoint's)",
    )
    p.add_argument("--beta", type=finite_float, default=0.0, help="momentum of --method momentum")
    p.add_argument(
        "--gamma", type=nonnegative_float, default=0.1, help="weight of --method consensus"
    )
    p.add_argument(
        "--pseudospectrum",
        action="store_true",
        help="also the Krylov-projected pseudospectrum (pseudospectrum.png)",
    )
    p.add_argument(
        "--pseudospectrum-basis",
        type=positive_int,
        default=40,
        metavar="M",
        help="Arnoldi steps (products) of --pseudospectrum (default 40)",
    )
    p.add_argument(
        "--pseudospectrum-grid",
        type=positive_int,
        default=60,
        metavar="N",
        help="grid points along the longer side of --pseudospectrum (default 60)",
    )
    p.add_argument(
        "--transient",
        type=nonnegative_int,
        default=None,
        metavar="STEPS",
        help="also ‖Tᵗ‖ for t = 0 … STEPS (without --method: the flow e^(−t·dt·J)); transient.png",
    )
    p.add_argument(
        "--dt", type=finite_float, default=1.0, help="time step of the flow for --transient"
    )
    p.add_argument(
        "--rotation",
        type=positive_int,
        default=None,
        metavar="PROBES",
        help="also the rotation index ‖K‖²_F/‖J‖²_F (Hutchinson probes), per player",
    )
    p.add_argument(
        "--conditioning", action="store_true", help="also κ(λ) of the top-k (Krylov on Jᵀ)"
    )
    p.add_argument("--lam", type=finite_float, default=1.0, help="λ of --method sga")
    p.add_argument("--align", action="store_true", help="--method sga: align the sign of λ")
    p.add_argument(
        "--alpha",
        type=positive_float,
        default=None,
        help="look-ahead rate of --method lola/sos (default --lr), coupling of --method lead",
    )
    p.add_argument("--out", default="spectrum", help="output directory (default spectrum/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        help="under torchrun: seconds to wait for every rank to join and for each collective "
        "(default 180)",
    )
    add_optimiser_arguments(p)
    p.set_defaults(run=run)
    return p


def check_arguments(args: argparse.Namespace) -> None:
    """The options' combinations, checked before any work."""
    check_model_arguments(args, checkpoint_source(args))
    if args.spread and args.batches < 2:
        raise ValueError("--spread needs --batches B with B >= 2 (the spread across batches)")
    if not 0 < args.confidence < 1:
        raise ValueError(f"--confidence must lie in (0, 1), got {args.confidence}")
    given = [f"--{n}" for n in ("precision",) if getattr(args, n) is not None]
    given += ["--confidence"] * (args.confidence != 0.95) + ["--interval"] * (
        args.interval != "batch-means"
    )
    if given and not args.spread:
        raise ValueError(f"{', '.join(given)} need --spread (the interval across batches)")
    if args.blocks and args.k < 2:
        raise ValueError(f"--blocks needs --k >= 2 (both ends of each Hessian), got {args.k}")
    if args.ncv is not None and args.ncv < args.k + 2:
        raise ValueError(f"--ncv {args.ncv} must be at least --k + 2 = {args.k + 2}")
    _validate.at_most("--batches", args.batches, _validate.MAX_BATCHES, "a pass over each")
    if args.method not in OPTIMISERS:
        method_of(args)  # a method that refuses its hyperparameters says so now


def method_of(args: argparse.Namespace, game: Any = None) -> Any:
    """The ``--method`` operator (``None`` for the game Jacobian); an optimiser method starts from
    the checkpoint's optimiser state on ``game`` (:mod:`gamedyn.cli.optimiser_options`) and
    leaves its record settings in ``args.operator_settings``."""
    if args.method == "game":
        return None
    if args.method in OPTIMISERS:
        method, args.operator_settings = optimiser_method_of(args, game)
        return method
    lr = 0.01 if args.lr is None else args.lr
    options = {"lr": lr, "beta": args.beta, "gamma": args.gamma}
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
        "accelerate": args.accelerate,
    }


def non_normal_options(args: argparse.Namespace) -> Any:
    """The :class:`~gamedyn.spectrum.non_normal.NonNormal` the options ask for, or ``None``."""
    from ..spectrum.non_normal import NonNormal

    checks = {
        "--pseudospectrum-basis": (args.pseudospectrum_basis, 2),
        "--pseudospectrum-grid": (args.pseudospectrum_grid, 2),
        "--transient": (args.transient, 1),
        "--rotation": (args.rotation, 2),
    }
    for option, (value, least) in checks.items():
        if value is not None and value < least:
            raise ValueError(f"{option} must be >= {least}, got {value}")
    if not args.dt > 0:
        raise ValueError(f"--dt must be > 0, got {args.dt}")
    options = NonNormal(
        pseudospectrum=args.pseudospectrum,
        basis=args.pseudospectrum_basis,
        grid=args.pseudospectrum_grid,
        transient=args.transient,
        dt=args.dt,
        rotation=args.rotation,
        conditioning=args.conditioning,
    )
    return None if options.empty else options


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

    from ..games.distributed import DistributedAveragedGame
    from ..spectrum.analysis import analyse, batch_spectra
    from ..spectrum.eigensolvers import NoConvergence

    distributed = isinstance(game, DistributedAveragedGame)
    quiet = args.no_progress or (distributed and game.rank != 0)
    bar = tqdm(total=args.k, desc="converged eigenvalues", disable=quiet, bar_format=BAR)

    def progress(done: int, k: int) -> None:
        # a restart may lose a converged value for a while: the count shown never goes back
        if done > bar.n:
            bar.n = done
            bar.refresh()

    options = {"method": method, "callback": progress, **solver_options(args)}
    non_normal = non_normal_options(args)
    try:
        if args.spread and args.batches > 1:
            spread = batch_spectra(
                game if distributed else games,
                args.k,
                args.which,
                confidence=args.confidence,
                interval_method=args.interval,
                precision=args.precision,
                **options,
            )
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
        return err.record
    finally:
        bar.close()
    if non_normal is not None:  # on the (averaged) game's operator
        record.extras["non_normal"] = extras(args, record, game, method, non_normal, quiet)
    return record


BAR = "{desc}: {n_fmt}/{total_fmt} |{bar}| {elapsed} elapsed, estimate {remaining} left"
"""The progress bars' format: the time left is labelled as an estimate (tqdm's rate guess)."""


def extras(
    args: argparse.Namespace, record: Any, game: Any, method: Any, options: Any, quiet: bool
) -> dict[str, Any]:
    """The non-normal quantities (:func:`~gamedyn.spectrum.non_normal.non_normal_extras`) with a
    progress bar over them, and their headline numbers printed at the end."""
    from tqdm import tqdm

    from ..spectrum.non_normal import non_normal_extras
    from ..spectrum.operator import JacobianOperator

    bar = tqdm(total=1, desc="extras", disable=quiet, bar_format=BAR)

    def progress(name: str, done: int, total: int) -> None:
        bar.total = total
        bar.set_description_str(f"extras ({name})" if name != "done" else "extras")
        if done > bar.n:
            bar.n = done
        bar.refresh()

    try:
        op = JacobianOperator(game, None, method, args.mode)
        out = non_normal_extras(
            op,
            options,
            game=game,
            eigenvalues=record.eigenvalues,
            which=args.which,
            k=args.k,
            tol=args.tol,
            progress=progress,
        )
    finally:
        bar.close()
    if getattr(game, "rank", 0) == 0:  # under torchrun rank 0 alone prints
        for line in headlines(out):
            print(line)
    return out


def headlines(extras: dict[str, Any]) -> list[str]:
    """One line per non-normal quantity: its headline number."""
    lines = []
    if "pseudospectrum" in extras:
        p = extras["pseudospectrum"]
        least = min(min(row) for row in p["sigma_min"])
        lines.append(f"pseudospectrum: basis m = {p['basis']}, least σ_min on the grid {least:.3g}")
    if "transient" in extras:
        t = extras["transient"]
        lines.append(f"transient: peak ‖Tᵗ‖ = {t['peak']:.4g} at t = {t['peak_step']}")
    if "rotation" in extras:
        for label, r in extras["rotation"]["blocks"].items():
            lines.append(f"rotation index ({label}): {r['value']:.4g} ± {r['stderr']:.2g}")
    if "conditioning" in extras:
        values = [v for v in extras["conditioning"]["condition_numbers"] if v is not None]
        if values:
            lines.append(f"conditioning: largest κ(λ) = {max(values):.4g}")
    return lines


def _paths(source: Any) -> Any:
    return str(source) if isinstance(source, (str, Path)) else [str(p) for p in source]


def _plot_non_normal(record: Any, out: Path) -> None:
    """``pseudospectrum.png``, ``transient.png`` and ``rotation.png`` from the record's extras."""
    from .. import plot

    extras = record.extras.get("non_normal", {})
    figures = []
    if "pseudospectrum" in extras:
        p = extras["pseudospectrum"]
        ritz = np.array([complex(*w) for w in p["ritz_values"]])
        ax = plot.pseudospectrum(
            p["re"],
            p["im"],
            np.array(p["sigma_min"]),
            eigenvalues=ritz,
            boundary=p["boundary"],
            title=f"{record.operator}: Krylov-projected pseudospectra (m = {p['basis']})",
        )
        figures.append((ax, "pseudospectrum"))
    if "transient" in extras:
        t = extras["transient"]
        ax = plot.transient_growth(
            {t["operator"]: t["norms"]},
            rho={t["operator"]: t.get("spectral_radius")},
            title=f"{record.operator}: peak {t['peak']:.4g} at t = {t['peak_step']}",
        )
        figures.append((ax, "transient"))
    if "rotation" in extras:
        r = extras["rotation"]
        ax = plot.rotation_blocks(
            r["blocks"], title=f"rotation index, {r['probes']} Hutchinson probes"
        )
        figures.append((ax, "rotation"))
    import matplotlib.pyplot as plt

    for ax, name in figures:
        plot.save(ax.figure, out / name, formats=("png",))
        plt.close(ax.figure)


def run(args: argparse.Namespace) -> int:
    """Load, analyse, write ``eigenvalues.{json,npz,png}`` to ``args.out``; 0 on success, 1
    when the eigen-solver did not converge (the partial record is still written). Under
    ``torchrun``, on every rank (rank 0 writes and prints). Every option is checked before
    anything is loaded."""
    from ..games.distributed import DEFAULT_TIMEOUT, init_from_environment

    non_normal_options(args)
    check_arguments(args)
    out = output_directory(args.out)
    launch = init_from_environment(
        args.device, DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    )
    if launch is None:
        return _run(args, out, rank=0)
    args.device = launch.device
    try:
        return _run(args, out, rank=dist.get_rank())
    finally:
        if launch.owned:
            dist.destroy_process_group()


def _run(args: argparse.Namespace, out: Path, rank: int) -> int:
    from .. import plot

    game, games = build_games(args)
    if args.k > game.n - 2:
        raise ValueError(f"--k {args.k} is too large for n = {game.n} parameters: at most n − 2")
    if args.ncv is not None and not args.k + 2 <= args.ncv <= game.n:
        raise ValueError(f"--ncv {args.ncv} must lie in [k + 2, n] = [{args.k + 2}, {game.n}]")
    if rank == 0:
        print(loaded_summary(games[0]))
    method = method_of(args, games[0])
    record = analysis(args, game, games, method)
    if args.blocks:
        record.extras["blocks"] = blocks(game, args.k)
    record.settings.update(
        checkpoint=_paths(checkpoint_source(args)),
        batch=args.batch,
        batches=args.batches,
        seed=args.seed,
        threads=getattr(args, "threads", None),
    )
    record.settings.update(getattr(args, "operator_settings", {}))
    if rank != 0:  # every rank holds the same record; rank 0 writes it
        return 0 if record.converged else 1
    import matplotlib.pyplot as plt

    def figures(folder: Path) -> None:  # drawn into the record set's temporary folder
        name = "game Jacobian" if method is None else plot.method_title(method)
        title = f"{name}, {args.which}, k = {args.k}, n = {record.n}"
        operator = method is not None
        ax = plot.eigenvalue_cloud(
            record.eigenvalues, title=title, unit_circle=operator, zoom=operator
        )
        plot.save(ax.figure, folder / "eigenvalues", formats=("png",))
        plt.close(ax.figure)
        _plot_non_normal(record, folder)

    record.save(out, "eigenvalues", figures=figures)
    status = "converged" if record.converged else "NOT converged (partial result)"
    print(
        f"{len(record.eigenvalues)} eigenvalues ({status}), {record.matvecs} products, "
        f"{record.seconds:.1f} s -> {out}"
    )
    return 0 if record.converged else 1
