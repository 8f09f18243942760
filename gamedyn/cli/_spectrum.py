"""``gamedyn spectrum CHECKPOINT ...``: top eigenvalues of a GAN checkpoint's game Jacobian or of
an update operator's Jacobian, checked and recorded (:func:`gamedyn.analysis.analyse`,
:func:`gamedyn.analysis.batch_spectra`), written with its figures to ``--out``. A flag that the
chosen ``--method`` or the other options do not use is refused. Exit status 1 when the solver
did not converge (the partial record is written). Under ``torchrun`` the ``--batches`` are split
over the processes and rank 0 writes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from .. import _validate
from .._atomic import output_directory
from ..methods import METHODS, OPTIMISERS, build, method_parameters
from ..vocabulary import DEFAULT_PRODUCT_MODE, INTERVALS, KRYLOV_WHICH, PRODUCT_MODES, SOLVERS
from . import _arguments as a
from ._options import (
    add_checkpoint_files,
    add_model_arguments,
    checkpoint_source,
    gan_source,
    load_games,
)

# flag: (help, type, choices or action, default); options not given stay None until filled
FLAGS: dict[str, tuple[str, Any, Any]] = {
    "--k": ("number of eigenvalues", a.positive_int, 20),
    "--which": ("which eigenvalues, as ARPACK's which", KRYLOV_WHICH, "LM"),
    "--tol": ("relative residual tolerance", a.positive_float, 1e-8),
    "--ncv": ("Krylov basis size", a.positive_int, None),
    "--max-restarts": ("restarts before giving up (the solver's own)", a.nonnegative_int, None),
    "--solver": ("eigen-solver", SOLVERS, "krylov-schur"),
    "--mode": ("how J u is computed", PRODUCT_MODES, DEFAULT_PRODUCT_MODE),
    "--batches": ("average the field over this many batches", a.positive_int, 1),
    "--spread": ("with --batches: also each batch's top-k", "store_true", False),
    "--confidence": ("level of the interval across batches", a.probability, 0.95),
    "--interval": ("the interval's kind", INTERVALS, "batch-means"),
    "--precision": ("target half-width: batches and batch size it needs", a.positive_float, None),
    "--blocks": ("per-player Hessians, couplings, Schur complement", "store_true", False),
    "--pseudospectrum": ("Krylov-projected pseudospectrum", "store_true", False),
    "--pseudospectrum-basis": ("its Arnoldi steps", a.at_least(2), 40),
    "--pseudospectrum-grid": ("its grid points along the longer side", a.at_least(2), 60),
    "--transient": ("‖Tᵗ‖ for t ≤ STEPS (no --method: the flow)", a.at_least(1), None),
    "--dt": ("time step of the flow for --transient", a.positive_float, 1.0),
    "--rotation": ("rotation index with PROBES Hutchinson probes", a.at_least(2), None),
    "--conditioning": ("κ(λ) of the top-k", "store_true", False),
    "--out": ("output directory", str, "spectrum"),
    "--no-progress": ("no progress bar", "store_true", False),
    "--timeout": ("torchrun: seconds for ranks to join, per collective", a.positive_float, 180.0),
    # the method and its hyperparameters (a flag applies where build(method) takes its keyword)
    "--method": ("update operator (default: the game Jacobian)", ("game", *METHODS), "game"),
    "--lr": ("step size (0.01; an optimiser's: the checkpoint's)", a.positive_float, None),
    "--beta": ("momentum of momentum/lead", a.finite_float, 0.0),
    "--gamma": ("weight of consensus", a.nonnegative_float, 0.1),
    "--lam": ("λ of sga", a.finite_float, 1.0),
    "--align": ("sga: align the sign of λ", "store_true", False),
    "--alpha": ("lola/sos look-ahead rate (default --lr); lead's coupling", a.finite_float, None),
    "--beta1": ("Adam's β₁ (default: the checkpoint's)", a.finite_float, None),
    "--beta2": ("Adam's β₂ (checkpoint's); acgd's decay", a.finite_float, None),
    "--eps": ("ε (checkpoint's); acgd's", a.positive_float, None),
    "--weight-decay": ("weight decay (checkpoint's)", a.finite_float, None),
    "--alternating": ("alternate the players", "store_true", False),
    "--n-critic": ("discriminator steps per generator step", a.positive_int, None),
    "--first": ("who plays first when alternating", ("discriminator", "generator"), None),
    "--lookahead-k": ("lookahead's fast steps", a.positive_int, None),
    "--lookahead-alpha": ("lookahead's slow step", a.finite_float, None),
    "--inner-state": ("lookahead's inner state", ("keep", "interpolate"), None),
    "--linearisation": ("optimisers: frozen second moment or exact", ("frozen", "exact"), None),
    "--optimiser-state": ("optimisers' states (default: beside/inside the checkpoint)", str, None),
}
KEYWORDS = {"beta1": ("betas",), "beta2": ("betas", "beta2")}  # flags named unlike keywords
OPTIMISER_ONLY = ("beta1", "weight_decay", "linearisation", "optimiser_state")
NON_NORMAL = ("pseudospectrum", "pseudospectrum_basis", "pseudospectrum_grid", "transient", "dt")
NON_NORMAL += ("rotation", "conditioning")  # NonNormal's fields, in order
NEEDS = {  # option: (what it needs, whether the arguments have it)
    "spread": ("--batches B with B >= 2", lambda a: a.batches >= 2),
    **{n: ("--spread", lambda a: a.spread) for n in ("confidence", "interval", "precision")},
    "pseudospectrum_basis": ("--pseudospectrum", lambda a: a.pseudospectrum),
    "pseudospectrum_grid": ("--pseudospectrum", lambda a: a.pseudospectrum),
    "dt": ("--transient", lambda a: a.transient is not None),
    "blocks": ("--k >= 2", lambda a: a.k >= 2),
    "timeout": ("torchrun (WORLD_SIZE set)", lambda a: "WORLD_SIZE" in os.environ),
}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``spectrum``; returns its parser."""
    p = subparsers.add_parser("spectrum", help=__doc__.split("\n")[0], description=__doc__)
    p.add_argument("checkpoint", nargs="?", help="a .pt/.pth/.ckpt or .safetensors checkpoint")
    add_checkpoint_files(p)
    add_model_arguments(p)
    a.add_options(p, FLAGS)
    p.set_defaults(run=run)
    return p


def given_options(args: argparse.Namespace) -> dict[str, Any]:
    """Fill in the defaults, refusing a given option that does not apply (``ValueError`` naming
    the flag); the given method options, by flag name."""
    given = a.fill_defaults(args, FLAGS)
    for name, (needs, has) in NEEDS.items():
        if name in given and not has(args):
            raise ValueError(f"--{name.replace('_', '-')} needs {needs}")
    takes = set() if args.method == "game" else set(method_parameters(args.method))
    takes -= {"alpha"} if args.method in OPTIMISERS else set()  # RMSprop's α: its state's
    options = {}
    for flag in list(FLAGS)[list(FLAGS).index("--method") + 1 :]:
        name = flag[2:].replace("-", "_")
        if name not in given:
            continue
        keywords = set(KEYWORDS.get(name, (name,)))
        if args.method in OPTIMISERS if name in OPTIMISER_ONLY else takes & keywords:
            options[name] = getattr(args, name)
            continue
        what = "the game Jacobian (no --method)" if args.method == "game" else "--method "
        raise ValueError(f"{flag} does not apply to {what}{args.method if what[0] == '-' else ''}")
    return options


def method_of(args: argparse.Namespace, game: Any = None) -> Any:
    """The ``--method`` (``None``: the game Jacobian); an optimiser at the checkpoint's state,
    its provenance left in ``args.method_settings``."""
    options = dict(args.method_options if "method_options" in args else given_options(args))
    if args.method == "game":
        return None
    if args.method in OPTIMISERS:
        from ..methods import trained_method

        frozen = options.pop("linearisation", "frozen") == "frozen"
        states = options.pop("optimiser_state", None)
        method, args.method_settings = trained_method(
            game, args.method, checkpoint_source(args), states=states, frozen=frozen,
            given_by="command line", **options,
        )  # fmt: skip
        return method
    defaults = {"lr": 0.01, "beta": 0.0, "gamma": 0.1, "lam": 1.0}  # the flags' help says so
    takes = method_parameters(args.method)
    options = {**{k: v for k, v in defaults.items() if k in takes}, **options}
    if args.method in ("lola", "sos"):
        options.setdefault("alpha", options["lr"])
    return build(args.method, **options)


def run(args: argparse.Namespace) -> int:
    """Check every option, load, analyse, write; 0, or 1 when the solver did not converge."""
    from ..games._distributed import init_from_environment

    args.method_options = given_options(args)
    _validate.at_most("--batches", args.batches, _validate.MAX_BATCHES, "a pass over each")
    gan_source(args)  # the model options, files and factories, checked before any work
    if args.ncv is not None and args.ncv < args.k + 2:
        raise ValueError(f"--ncv {args.ncv} must be at least --k + 2 = {args.k + 2}")
    if args.method not in OPTIMISERS:
        method_of(args)  # a method that refuses its hyperparameters says so now
    out = output_directory(args.out)
    launch = init_from_environment(args.device, args.timeout)
    if launch is None:
        return _run(args, out, rank=0)
    import torch.distributed as dist

    args.device = launch.device
    try:
        return _run(args, out, rank=dist.get_rank())
    finally:
        if launch.owned:
            dist.destroy_process_group()


def _run(args: argparse.Namespace, out: Path, rank: int) -> int:
    from .. import plot
    from ..analysis import study
    from ..checkpoints import loaded_summary
    from ..games import DistributedAveragedGame
    from ..nonnormal import NonNormal, headlines
    from ..spectrum import Arpack, KrylovSchur

    game, games = load_games(args)
    if args.k > game.n - 2:
        raise ValueError(f"--k {args.k} is too large for n = {game.n} parameters: at most n − 2")
    if rank == 0:
        print(loaded_summary(games[0]))
    fields = {"tol": args.tol, "ncv": args.ncv, "mode": args.mode}
    fields.update({"max_restarts": args.max_restarts} if args.max_restarts is not None else {})
    spread = dict(confidence=args.confidence, interval_method=args.interval)
    record = study(
        game, args.k, args.which, method=method_of(args, games[0]),
        solver=(Arpack if args.solver == "arpack" else KrylovSchur)(**fields),
        non_normal=NonNormal(*(getattr(args, n) for n in NON_NORMAL)), blocks=args.blocks,
        spread={**spread, "precision": args.precision} if args.spread else None,
        batches=None if isinstance(game, DistributedAveragedGame) else games,
        progress=not args.no_progress and rank == 0,
    )  # fmt: skip
    source = checkpoint_source(args)
    record.settings.update(
        checkpoint=str(source) if isinstance(source, (str, Path)) else [str(p) for p in source],
        batch=args.batch, batches=args.batches, seed=args.seed,
        threads=getattr(args, "threads", None), **getattr(args, "method_settings", {}),
    )  # fmt: skip
    if rank != 0:  # every rank holds the same record; rank 0 writes it
        return 0 if record.converged else 1
    print("\n".join(headlines(record.extras.get("non_normal", {}))))
    # one record set: drawn into its temporary folder, which then replaces --out in one rename
    record.save(out, "eigenvalues", figures=lambda f: plot.record_figures(record, f, args.which))
    status = "converged" if record.converged else "NOT converged (partial result)"
    print(f"{len(record.eigenvalues)} eigenvalues ({status}), {record.matvecs} products, ", end="")
    print(f"{record.seconds:.1f} s -> {out}")
    return 0 if record.converged else 1
