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

from .. import _validate
from ..checkpoints import import_factory, load_torch_game, load_torch_games, sampler
from ..examples import EXAMPLES
from ..games import TorchGame
from ..vocabulary import BATCHNORM, DTYPES, GAN_LOSS_ALIASES, GAN_LOSSES, GAN_REGULARISERS
from .arguments import add_options, fill_defaults, input_file, nonnegative_float, positive_int

__all__ = [
    "add_model_arguments",
    "add_checkpoint_files",
    "check_model_arguments",
    "factory_paths",
    "factory_kwargs",
    "checkpoint_source",
    "build_game",
    "load_games",
]

FACTORIES = ("generator", "discriminator", "data", "latent")
"""The four import paths a game needs."""


MODEL_OPTIONS: dict[str, tuple[str, Any, Any]] = {
    "--example": ("bundled example whose import paths to use", tuple(sorted(EXAMPLES)), None),
    "--generator": ("generator factory, MOD:FN or FILE.py:FN", str, None),
    "--discriminator": ("discriminator factory, MOD:FN or FILE.py:FN", str, None),
    "--data": ("real-data sampler fn(batch, seed), MOD:FN, or a tensor file", str, None),
    "--latent": ("latent sampler fn(batch, seed), MOD:FN", str, None),
    **{
        f"--{n}-kwargs": (f"keyword arguments of --{n}, a JSON object", str, None)
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
    """Register :data:`MODEL_OPTIONS` (defaults filled in by :func:`check_model_arguments`)."""
    add_options(p, MODEL_OPTIONS)


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
    fill_defaults(args, MODEL_OPTIONS)
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


def _game_options(args: argparse.Namespace) -> dict[str, Any]:
    fill_defaults(args, MODEL_OPTIONS)
    paths = factory_paths(args)
    return dict(
        generator=paths["generator"],
        discriminator=paths["discriminator"],
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


def build_game(args: argparse.Namespace, checkpoint: str | None = None) -> TorchGame:
    """The checkpoint's game on the fixed batch of ``--seed`` (:func:`load_torch_game`)."""
    options = _game_options(args)
    data, latent = _samplers(args)
    return load_torch_game(
        checkpoint_source(args, checkpoint),
        real=data(args.batch, args.seed),
        latent=latent(args.batch, args.seed),
        **options,
    )


def load_games(args: argparse.Namespace) -> tuple[Any, list[TorchGame]]:
    """The game to analyse and its per-batch games (:func:`load_torch_games`)."""
    options = _game_options(args)
    data, latent = _samplers(args)
    return load_torch_games(
        checkpoint_source(args),
        data=data,
        latent=latent,
        batch=args.batch,
        batches=args.batches,
        seed=args.seed,
        **options,
    )
