"""The options that build a GAN game from a checkpoint, shared by ``spectrum`` and ``path-angle``.

Models come from import paths (``--generator mod:fn`` or ``--generator path/to/models.py:
Generator``, ``--discriminator ...``) called with ``--generator-kwargs '{"ngf": 64}'`` (and
``--discriminator-kwargs``); the fixed batch from samplers called as ``fn(batch, seed)``
(``--data``, ``--latent``, with ``--data-kwargs``, ``--latent-kwargs``), or, for ``--data``, a
tensor file of real samples (``real.pt``, ``real.npy``); ``--example`` fills in all four for a
bundled example. Where the players are in the checkpoint: found by name or structure, or
``--generator-key``/``--discriminator-key``; ``--ema``/``--no-ema`` chooses the generator's EMA
copy or the generator itself. The game itself is :func:`gamedyn.checkpoints.load_torch_game`'s;
what was loaded is printed (:func:`loaded_summary`) and recorded.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import torch
import torch.distributed as dist

from .. import _validate
from ..checkpoints import import_factory, load_torch_game, sampler
from ..examples import EXAMPLES
from ..games import AveragedGame, TorchGame
from ..games.distributed import DistributedAveragedGame, on_every_rank, shard
from ..vocabulary import BATCHNORM, DTYPES, GAN_LOSS_ALIASES, GAN_LOSSES, GAN_REGULARISERS
from .arguments import input_file, nonnegative_float, positive_int

__all__ = [
    "add_model_arguments",
    "add_checkpoint_files",
    "check_model_arguments",
    "factory_paths",
    "factory_kwargs",
    "checkpoint_source",
    "build_game",
    "build_games",
    "loaded_summary",
]

FACTORIES = ("generator", "discriminator", "data", "latent")
"""The four import paths a game needs."""


class _OneOfEma(argparse.BooleanOptionalAction):
    """``--ema``/``--no-ema``, refusing both together (the last one would win silently)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        value = not str(option).startswith("--no-")
        previous = getattr(namespace, self.dest, None)
        if previous is not None and previous != value:
            parser.error("--ema and --no-ema contradict each other: give one")
        setattr(namespace, self.dest, value)


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """The options that build the game: model import paths and their keyword arguments, where
    the players are in the checkpoint, loss, penalty, batch, dtype."""
    p.add_argument(
        "--example", choices=sorted(EXAMPLES), help="bundled example whose import paths to use"
    )
    p.add_argument(
        "--generator", metavar="MOD:FN|FILE.py:FN", help="generator factory (import path)"
    )
    p.add_argument(
        "--discriminator", metavar="MOD:FN|FILE.py:FN", help="discriminator factory (import path)"
    )
    p.add_argument(
        "--data", metavar="MOD:FN|FILE.pt", help="real-data sampler fn(batch, seed) or tensor file"
    )
    p.add_argument("--latent", metavar="MOD:FN|FILE.py:FN", help="latent sampler fn(batch, seed)")
    for name in FACTORIES:
        p.add_argument(
            f"--{name}-kwargs",
            metavar="JSON",
            default=None,
            help=f"keyword arguments of --{name}, a JSON object such as '{{\"ngf\": 64}}'",
        )
    p.add_argument(
        "--generator-key", metavar="KEY", help="the generator's entry in the checkpoint (netG)"
    )
    p.add_argument(
        "--discriminator-key",
        metavar="KEY",
        help="the discriminator's entry in the checkpoint (netD, state_dict.discriminator)",
    )
    p.add_argument(
        "--ema",
        action=_OneOfEma,
        default=None,
        help="the generator's EMA copy (G_ema), or --no-ema the generator itself",
    )
    p.add_argument("--loss", choices=GAN_LOSSES + tuple(GAN_LOSS_ALIASES), default="non-saturating")
    p.add_argument("--reg", choices=GAN_REGULARISERS, default=None, help="regulariser of L_D")
    p.add_argument("--reg-weight", type=nonnegative_float, default=0.0, help="its weight γ > 0")
    p.add_argument("--batch", type=positive_int, default=64, help="fixed evaluation batch size")
    p.add_argument("--seed", type=int, default=0, help="seed of the fixed batch")
    p.add_argument(
        "--batchnorm",
        choices=BATCHNORM,
        default="batch",
        help="BatchNorm statistics: of the evaluation batch (default) or the stored running ones",
    )
    p.add_argument("--dtype", choices=DTYPES, default="float64")
    p.add_argument("--device", default="cpu")


def add_checkpoint_files(p: argparse.ArgumentParser) -> None:
    """``--generator-checkpoint`` and ``--discriminator-checkpoint``: one file per player
    (each defaults to the positional CHECKPOINT)."""
    p.add_argument("--generator-checkpoint", metavar="FILE", help="the generator's own file")
    p.add_argument(
        "--discriminator-checkpoint", metavar="FILE", help="the discriminator's own file"
    )


def check_model_arguments(args: argparse.Namespace, *checkpoints: Any) -> None:
    """The model options' combinations, the device, the checkpoint files and the factories,
    checked before any work: a penalty without a weight, a device that does not exist, a
    missing file, a factory that cannot be imported, keyword arguments that are not JSON.
    ``checkpoints`` are paths or pairs of paths (:func:`checkpoint_source`)."""
    if args.reg is not None and args.reg_weight == 0:
        raise ValueError(f"--reg {args.reg} needs --reg-weight > 0 (it is 0: no penalty)")
    if args.reg is None and args.reg_weight != 0:
        raise ValueError(f"--reg-weight {args.reg_weight:g} needs --reg (r1, r2 or gp)")
    paths = factory_paths(args)
    _validate.device("--device", args.device)
    for checkpoint in checkpoints:
        for path in checkpoint if isinstance(checkpoint, tuple) else (checkpoint,):
            input_file(path, "checkpoint")
    for name in ("generator", "discriminator"):
        import_factory(paths[name])
    for name in FACTORIES:
        factory_kwargs(args, name)
    _samplers(args)


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


def factory_kwargs(args: argparse.Namespace, name: str) -> dict[str, Any]:
    """The keyword arguments ``--NAME-kwargs`` (a JSON object), ``{}`` when not given."""
    text = getattr(args, f"{name.replace('-', '_')}_kwargs", None)
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"--{name}-kwargs is not valid JSON ({err.msg}): {text!r}") from None
    if not isinstance(value, dict):
        raise ValueError(
            f"--{name}-kwargs must be a JSON object such as '{{\"ngf\": 64}}', got {text!r}"
        )
    return value


def checkpoint_source(args: argparse.Namespace, checkpoint: str | None = None) -> Any:
    """The checkpoint file, or the pair ``(generator_file, discriminator_file)``:
    ``checkpoint`` if given, else ``--generator-checkpoint``/``--discriminator-checkpoint``,
    each defaulting to the positional CHECKPOINT."""
    if checkpoint is not None:
        return checkpoint
    single = getattr(args, "checkpoint", None)
    g_file = getattr(args, "generator_checkpoint", None)
    d_file = getattr(args, "discriminator_checkpoint", None)
    if single is not None and g_file is not None and d_file is not None:
        raise ValueError(
            f"CHECKPOINT {single!r} would not be used: --generator-checkpoint and "
            "--discriminator-checkpoint name both players' files"
        )
    g, d = g_file or single, d_file or single
    if g is None or d is None:
        raise ValueError(
            f"{args.command} needs a CHECKPOINT, or both --generator-checkpoint and "
            "--discriminator-checkpoint"
        )
    return g if g == d else (g, d)


def _samplers(args: argparse.Namespace) -> tuple[Any, Any]:
    paths = factory_paths(args)
    return tuple(sampler(paths[n], **factory_kwargs(args, n)) for n in ("data", "latent"))


def build_game(
    args: argparse.Namespace, checkpoint: str | None = None, seed: int | None = None
) -> TorchGame:
    """The checkpoint's game on the fixed batch drawn with ``seed`` (defaults: the options');
    ``game.checkpoint_report`` says what was loaded."""
    paths = factory_paths(args)
    seed = args.seed if seed is None else seed
    data, latent = _samplers(args)
    return load_torch_game(
        checkpoint_source(args, checkpoint),
        paths["generator"],
        paths["discriminator"],
        data(args.batch, seed),
        latent(args.batch, seed),
        loss=args.loss,
        generator_key=args.generator_key,
        discriminator_key=args.discriminator_key,
        ema=args.ema,
        generator_kwargs=factory_kwargs(args, "generator"),
        discriminator_kwargs=factory_kwargs(args, "discriminator"),
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
    if dist.is_available() and dist.is_initialized():
        return _build_shard(args)
    first = build_game(args)
    data, latent = _samplers(args)
    games = [first] + [
        first.with_batch(
            data(args.batch, args.seed + b), latent(args.batch, args.seed + b), gp_seed=b
        )
        for b in range(1, args.batches)
    ]
    return (first if len(games) == 1 else AveragedGame(games)), games


def loaded_summary(game: TorchGame) -> str:
    """What was loaded (the checkpoint report's summary) and what the game does with it: the
    spectral norms frozen and the layers replaced by exact twins."""
    lines = [game.checkpoint_report.summary()] if game.checkpoint_report is not None else []
    if game.frozen_spectral_norms:
        lines.append(
            "  spectral norms, u and v frozen at the checkpoint's: "
            + ", ".join(game.frozen_spectral_norms)
        )
    if game.replaced_layers:
        lines.append("  exact twins of: " + ", ".join(game.replaced_layers))
    return "\n".join(lines)


def _build_shard(args: argparse.Namespace) -> tuple[DistributedAveragedGame, list[TorchGame]]:
    """This rank's games (batches ``shard(B)``) and their distributed average."""
    mine = shard(args.batches, name="--batches")

    def build() -> list[TorchGame]:
        data, latent = _samplers(args)
        first = build_game(args, seed=args.seed + mine[0])
        return [
            first.with_batch(
                data(args.batch, args.seed + b), latent(args.batch, args.seed + b), gp_seed=b
            )
            for b in mine
        ]

    games = on_every_rank(build, f"loading {args.checkpoint}")
    return DistributedAveragedGame(games), games
