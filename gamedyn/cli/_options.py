"""The options that build a GAN game from a checkpoint, shared by ``spectrum`` and ``path-angle``:
they name a :class:`gamedyn.checkpoints.GANSource` (``--example`` fills in the four factories
of a bundled example) and the :class:`~gamedyn.games.TorchGame`'s options."""

from __future__ import annotations

import argparse
from typing import Any

import torch

from .. import _validate
from ..checkpoints import GANSource
from ..examples import EXAMPLES
from ..vocabulary import BATCHNORM, DTYPES, GAN_LOSS_ALIASES, GAN_LOSSES, GAN_REGULARISERS
from ._arguments import add_options, fill_defaults, json_object, nonnegative_float, positive_int

FACTORIES = ("generator", "discriminator", "data", "latent")
"""The four import paths a game needs."""


MODEL_OPTIONS: dict[str, tuple[str, Any, Any]] = {
    "--example": ("bundled example whose import paths to use", tuple(sorted(EXAMPLES)), None),
    "--generator": ("generator factory, MOD:FN or FILE.py:FN", str, None),
    "--discriminator": ("discriminator factory, MOD:FN or FILE.py:FN", str, None),
    "--data": ("real-data sampler fn(batch, seed), MOD:FN, or a tensor file", str, None),
    "--latent": ("latent sampler fn(batch, seed), MOD:FN", str, None),
    **{
        f"--{n}-kwargs": (f"keyword arguments of --{n}, a JSON object", json_object, None)
        for n in FACTORIES
    },
    "--generator-key": ("the generator's entry in the checkpoint (netG)", str, None),
    "--discriminator-key": ("the discriminator's entry in the checkpoint (netD)", str, None),
    "--ema": ("the generator's EMA copy (G_ema), or --no-ema the generator itself", "bool", None),
    "--loss": ("GAN loss", GAN_LOSSES + tuple(GAN_LOSS_ALIASES), "non-saturating"),
    "--reg": ("regulariser of L_D", GAN_REGULARISERS, None),
    "--reg-weight": ("its weight γ > 0", nonnegative_float, 0.0),
    "--batch": ("fixed evaluation batch size", positive_int, 64),
    "--seed": ("seed of the fixed batch", int, 0),
    "--batchnorm": ("BatchNorm statistics: the batch's or the running ones", BATCHNORM, "batch"),
    "--dtype": ("dtype of the analysis", DTYPES, "float64"),
    "--device": ("torch device", str, "cpu"),
}
"""The options that build the game (module docstring)."""


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """Register :data:`MODEL_OPTIONS` (defaults filled in by :func:`gan_source`)."""
    add_options(p, MODEL_OPTIONS)


def add_checkpoint_files(p: argparse.ArgumentParser) -> None:
    """``--generator-checkpoint`` and ``--discriminator-checkpoint``: one file per player
    (each defaults to the positional CHECKPOINT)."""
    p.add_argument("--generator-checkpoint", metavar="FILE", help="the generator's own file")
    p.add_argument(
        "--discriminator-checkpoint", metavar="FILE", help="the discriminator's own file"
    )


def gan_source(args: argparse.Namespace, checkpoint: Any = None) -> GANSource:
    """The options' :class:`~gamedyn.checkpoints.GANSource` (checked as it is built) for
    ``checkpoint`` (default: :func:`checkpoint_source`), after the options' combinations and
    the device."""
    fill_defaults(args, MODEL_OPTIONS)
    if args.reg is not None and args.reg_weight == 0:
        raise ValueError(f"--reg {args.reg} needs --reg-weight > 0 (it is 0: no penalty)")
    if args.reg is None and args.reg_weight != 0:
        raise ValueError(f"--reg-weight {args.reg_weight:g} needs --reg (r1, r2 or gp)")
    _validate.device("--device", args.device)
    given = {n: getattr(args, n) for n in FACTORIES}
    given.update({f"{n}_kwargs": getattr(args, f"{n}_kwargs") or {} for n in FACTORIES})
    given.update({k: getattr(args, k) for k in ("generator_key", "discriminator_key", "ema")})
    checkpoint = checkpoint_source(args) if checkpoint is None else checkpoint
    if args.example is not None:
        return GANSource.of_example(args.example, checkpoint, **given)
    missing = [f"--{n}" for n in FACTORIES if not given[n]]
    if missing:
        raise ValueError(f"{args.command} needs {', '.join(missing)} (or --example)")
    return GANSource(checkpoint, **given)


def checkpoint_source(args: argparse.Namespace, checkpoint: str | None = None) -> Any:
    """The checkpoint file, or the pair ``(generator_file, discriminator_file)``: ``checkpoint``
    if given, else ``--generator-checkpoint``/``--discriminator-checkpoint``, each defaulting to
    the positional CHECKPOINT."""
    single = getattr(args, "checkpoint", None)
    g = getattr(args, "generator_checkpoint", None)
    d = getattr(args, "discriminator_checkpoint", None)
    if checkpoint is None and single is not None and g is not None and d is not None:
        raise ValueError(f"CHECKPOINT {single!r} would not be used: both players' files are given")
    g, d = (checkpoint, checkpoint) if checkpoint is not None else (g or single, d or single)
    if g is None or d is None:
        both = "--generator-checkpoint and --discriminator-checkpoint"
        raise ValueError(f"{args.command} needs a CHECKPOINT, or both {both}")
    return g if g == d else (g, d)


def _game_options(args: argparse.Namespace) -> dict[str, Any]:
    names = ("loss", "reg", "reg_weight", "device", "batchnorm")
    return {"dtype": getattr(torch, args.dtype), **{n: getattr(args, n) for n in names}}


def build_game(args: argparse.Namespace, checkpoint: str | None = None) -> Any:
    """The checkpoint's game on the fixed batch of ``--seed``."""
    source = gan_source(args, checkpoint)  # the defaults filled in
    return source.game(batch=args.batch, seed=args.seed, **_game_options(args))


def load_games(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    """The game to analyse and its per-batch games (:meth:`GANSource.games`)."""
    source = gan_source(args)  # the defaults filled in
    return source.games(
        batch=args.batch, batches=args.batches, seed=args.seed, **_game_options(args)
    )
