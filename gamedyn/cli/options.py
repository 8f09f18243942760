"""The options that build a GAN game from a checkpoint, shared by ``spectrum`` and ``path-angle``.

Models come from import paths (``--generator mod:fn``, ``--discriminator mod:fn``), the fixed
batch from samplers called as ``fn(batch, seed)`` (``--data``, ``--latent``); ``--example``
fills in all four for a bundled example. The game itself is
:func:`gamedyn.checkpoints.load_torch_game`'s.
"""

from __future__ import annotations

import argparse
from typing import Any

import torch
import torch.distributed as dist

from ..checkpoints import import_factory, load_torch_game
from ..examples import EXAMPLES
from ..games import AveragedGame, TorchGame
from ..games.distributed import DistributedAveragedGame, on_every_rank, shard
from ..vocabulary import BATCHNORM, DTYPES, GAN_LOSS_ALIASES, GAN_LOSSES, GAN_REGULARISERS

__all__ = ["add_model_arguments", "factory_paths", "build_game", "build_games"]

FACTORIES = ("generator", "discriminator", "data", "latent")
"""The four import paths a game needs."""


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """The options that build the game: model import paths, loss, penalty, batch, dtype."""
    p.add_argument(
        "--example", choices=sorted(EXAMPLES), help="bundled example whose import paths to use"
    )
    p.add_argument("--generator", metavar="MOD:FN", help="generator factory import path")
    p.add_argument("--discriminator", metavar="MOD:FN", help="discriminator factory import path")
    p.add_argument("--data", metavar="MOD:FN", help="real-data sampler fn(batch, seed)")
    p.add_argument("--latent", metavar="MOD:FN", help="latent sampler fn(batch, seed)")
    p.add_argument("--loss", choices=GAN_LOSSES + tuple(GAN_LOSS_ALIASES), default="non-saturating")
    p.add_argument("--reg", choices=GAN_REGULARISERS, default=None, help="regulariser of L_D")
    p.add_argument("--reg-weight", type=float, default=0.0)
    p.add_argument("--batch", type=int, default=64, help="fixed evaluation batch size")
    p.add_argument("--seed", type=int, default=0, help="seed of the fixed batch")
    p.add_argument(
        "--batchnorm",
        choices=BATCHNORM,
        default="batch",
        help="BatchNorm statistics: of the evaluation batch (default) or the stored running ones",
    )
    p.add_argument("--dtype", choices=DTYPES, default="float64")
    p.add_argument("--device", default="cpu")


def factory_paths(args: argparse.Namespace) -> dict[str, str]:
    """The four import paths, from the options or ``--example``'s (options win)."""
    given = {n: getattr(args, n) for n in FACTORIES}
    if args.example is not None:
        example = EXAMPLES[args.example]
        defaults = dict(
            zip(FACTORIES, ("generator", "discriminator", "sample", "latent"), strict=True)
        )
        given = {n: given[n] or example.spec(defaults[n]) for n in FACTORIES}
    missing = [f"--{n}" for n in FACTORIES if not given[n]]
    if missing:
        raise ValueError(f"{args.command} needs {', '.join(missing)} (or --example)")
    return given


def build_game(
    args: argparse.Namespace, checkpoint: str | None = None, seed: int | None = None
) -> TorchGame:
    """The checkpoint's game on the fixed batch drawn with ``seed`` (defaults: the options')."""
    paths = factory_paths(args)
    seed = args.seed if seed is None else seed
    real = import_factory(paths["data"])(args.batch, seed)
    latent = import_factory(paths["latent"])(args.batch, seed)
    return load_torch_game(
        args.checkpoint if checkpoint is None else checkpoint,
        paths["generator"],
        paths["discriminator"],
        real,
        latent,
        loss=args.loss,
        reg=args.reg,
        reg_weight=args.reg_weight,
        dtype=getattr(torch, args.dtype),
        device=args.device,
        batchnorm=args.batchnorm,
    )


def build_games(args: argparse.Namespace) -> tuple[Any, list[TorchGame]]:
    """The game to analyse and its per-batch games.

    With ``--batches B > 1``: the :class:`~gamedyn.games.AveragedGame` of the batches of seeds
    ``seed, …, seed + B − 1`` (the players shared, :meth:`~gamedyn.games.TorchGame.with_batch`);
    otherwise the one game (and ``[game]``). Inside a ``torch.distributed`` process group
    (``torchrun``): the :class:`~gamedyn.games.distributed.DistributedAveragedGame` of this
    rank's :func:`~gamedyn.games.distributed.shard` of the same batches (seeds and penalty seeds
    as above), and this rank's games.
    """
    if args.batches < 1:
        raise ValueError(f"--batches must be >= 1, got {args.batches}")
    if dist.is_available() and dist.is_initialized():
        return _build_shard(args)
    first = build_game(args)
    paths = factory_paths(args)
    data, latent = import_factory(paths["data"]), import_factory(paths["latent"])
    games = [first] + [
        first.with_batch(
            data(args.batch, args.seed + b), latent(args.batch, args.seed + b), gp_seed=b
        )
        for b in range(1, args.batches)
    ]
    return (first if len(games) == 1 else AveragedGame(games)), games


def _build_shard(args: argparse.Namespace) -> tuple[DistributedAveragedGame, list[TorchGame]]:
    """This rank's games (batches ``shard(B)``) and their distributed average."""
    mine = shard(args.batches, name="--batches")

    def build() -> list[TorchGame]:
        paths = factory_paths(args)
        data, latent = import_factory(paths["data"]), import_factory(paths["latent"])
        first = build_game(args, seed=args.seed + mine[0])
        return [
            first.with_batch(
                data(args.batch, args.seed + b), latent(args.batch, args.seed + b), gp_seed=b
            )
            for b in mine
        ]

    games = on_every_rank(build, f"loading {args.checkpoint}")
    return DistributedAveragedGame(games), games
