"""From checkpoint files to loaded players, and to a :class:`~gamedyn.games.TorchGame`.

:func:`load_gan` finds each player's state dict in one file or two (the layouts of
:mod:`gamedyn.checkpoints._layouts`), loads it strictly (:func:`load_into`: every missing,
unexpected, mis-shaped or non-floating key named) and returns a
:class:`~gamedyn.checkpoints.LoadReport`. :func:`load_torch_game` is the one way from a
checkpoint to a game: the command line, the figures and the notebooks use it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ._factories import build
from ._files import PLAYERS, load
from ._layouts import Location, View, ignored_entries, locate
from ._report import Ignored, LoadReport, PlayerReport

if TYPE_CHECKING:
    from ..games._torch_game import TorchGame

__all__ = [
    "load_into",
    "load_gan",
    "load_torch_game",
    "load_torch_games",
    "loaded_summary",
    "checkpoint_files",
]

Source = str | os.PathLike | Sequence[str | os.PathLike]


def _quoted(keys: list[str]) -> str:
    return ", ".join(repr(k) for k in keys)


def _dtype(tensor: Any) -> str:
    return str(getattr(tensor, "dtype", type(tensor).__name__)).removeprefix("torch.")


def load_into(module: nn.Module, state: Mapping[str, Any], name: str = "model") -> nn.Module:
    """Load ``state`` into ``module`` strictly; every mismatch is named in one ValueError:
    missing and unexpected keys, shapes, and non-floating (or non-tensor) values where the
    module has floating ones (a quantised or integer-coded weight would be cast silently).

    A module in lower precision than its checkpoint (float32 factories, a float64 checkpoint) is
    promoted to the checkpoint's widest floating dtype first, in place: loading would round
    every weight otherwise, and the game computes in its own dtype anyway."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(module).__name__}")
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    common = sorted(set(expected) & set(state))
    not_tensors = [k for k in common if not isinstance(state[k], torch.Tensor)]
    shapes = [
        f"{key} (checkpoint {tuple(state[key].shape)}, {name} {tuple(expected[key].shape)})"
        for key in common
        if key not in not_tensors and tuple(state[key].shape) != tuple(expected[key].shape)
    ]
    not_floating = [
        f"{key} (checkpoint {_dtype(state[key])}, {name} {_dtype(expected[key])})"
        for key in common
        if expected[key].is_floating_point()
        and (key in not_tensors or not state[key].is_floating_point())
    ]
    problems = []
    counters = [
        f"{key} = {float(state[key])!r}"
        for key in common
        if key.endswith("num_batches_tracked")
        and key not in not_tensors
        and state[key].is_floating_point()
        and state[key].numel() == 1
        and not (
            bool(torch.isfinite(state[key]).all()) and float(state[key]) == int(float(state[key]))
        )
    ]
    if counters:  # a count; loading would truncate 2.5 to 2 and nan to garbage
        problems.append(f"a BatchNorm num_batches_tracked that is not a whole number: {counters}")
    if missing:
        problems.append(f"missing keys: {_quoted(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {_quoted(unexpected)}")
    if shapes:
        problems.append(f"shape mismatches: {'; '.join(shapes)}")
    if not_floating:
        problems.append(f"non-floating weights: {'; '.join(not_floating)}")
    if problems:
        hints = "".join(f" ({hint})" for hint in _norm_hints(missing, unexpected))
        raise ValueError(f"the checkpoint does not match {name}: " + "; ".join(problems) + hints)
    widest = max(
        (state[k].dtype for k in common if state[k].is_floating_point()),
        key=lambda dtype: torch.finfo(dtype).bits,
        default=None,
    )
    narrower = [
        k
        for k in common
        if expected[k].is_floating_point()
        and torch.finfo(expected[k].dtype).bits < torch.finfo(state[k].dtype).bits
    ]
    if narrower:
        module.to(widest)
    module.load_state_dict(dict(state), strict=True)
    return module


_NORM_FORMS = (
    ("the hook-based torch.nn.utils.spectral_norm", "weight_orig"),
    ("the hook-based torch.nn.utils.weight_norm", "weight_g"),
    ("a torch.nn.utils.parametrizations norm", "parametrizations"),
)


def _norm_hints(missing: list[str], unexpected: list[str]) -> list[str]:
    """Why keys differ when one side has a spectral or weight norm the other lacks (or has in
    the other form)."""
    hints = []
    for keys, side in ((unexpected, "the checkpoint was saved"), (missing, "the module is built")):
        for form, marker in _NORM_FORMS:
            if any(marker in key.split(".") for key in keys):
                hints.append(f"{side} with {form}")
    return hints


def checkpoint_files(path: Source) -> tuple[Path, ...]:
    """``path`` as one file, or a pair ``(generator_file, discriminator_file)`` as two (one if
    they are the same file).

    Raises:
      TypeError: neither a path nor a pair of paths.
    """
    if isinstance(path, (str, os.PathLike)):
        return (Path(path),)
    if (
        isinstance(path, Sequence)
        and len(path) == 2
        and all(isinstance(p, (str, os.PathLike)) for p in path)
    ):
        g, d = Path(path[0]), Path(path[1])
        same = g == d or (g.is_file() and d.is_file() and g.resolve() == d.resolve())
        return (g,) if same else (g, d)
    raise TypeError(
        f"path must be a checkpoint file or a pair (generator_file, discriminator_file), "
        f"got {path!r}"
    )


def _player_report(player: str, file: Path, location: Location, module: nn.Module) -> PlayerReport:
    counts = Counter(_dtype(t) for t in location.state.values())
    params = dict(module.named_parameters())
    return PlayerReport(
        player=player,
        file=str(file),
        key=location.key,
        found=location.found,
        ema=location.ema,
        prefixes_removed=location.removed,
        parameters=sum(k in params for k in location.state),
        buffers=sum(k not in params for k in location.state),
        dtypes=dict(sorted(counts.items())),
        held_fixed=tuple(n for n, p in params.items() if not p.requires_grad),
    )


def load_gan(
    path: Source,
    generator: nn.Module,
    discriminator: nn.Module,
    generator_key: str | None = None,
    discriminator_key: str | None = None,
    *,
    ema: bool | None = None,
) -> LoadReport:
    """Load both players from a GAN checkpoint, however it was saved; what went where.

    Layouts (:mod:`gamedyn.checkpoints._layouts`): one file with both players under keys of
    any name (``netG``/``netD``, ``G``/``D``, ``generator``/``discriminator``, ``gen``/``dis``,
    ``model_G``..., found by name or else by structure), next to other entries (optimiser
    states, epoch, config: reported as ignored, kept raw in the report); two files, one per
    player (``path=(generator_file, discriminator_file)``); nested state dicts (Lightning's
    ``state_dict`` with module prefixes; ``module.`` from ``DataParallel``/DDP and
    ``_orig_mod.`` from ``torch.compile`` are removed); ``.pt``/``.pth`` (weights only) and
    ``.safetensors``; an EMA copy of the generator (``G_ema``, ``netG_ema``), used only when
    chosen.

    Args:
      path: a checkpoint file, or a pair ``(generator_file, discriminator_file)``.
      generator, discriminator: the modules to load into (strictly: :func:`load_into`).
      generator_key, discriminator_key: where each player's state dict is in its file, as a
        dotted key (``"netG"``, ``"state_dict.generator"``, ``""`` for the whole file);
        ``None``: found by name or structure, and refused as ambiguous when several fit.
      ema: ``True``: the generator is the EMA copy; ``False``: the generator itself; ``None``
        (default): refused as ambiguous when the file holds both.

    Returns:
      The :class:`~gamedyn.checkpoints.LoadReport`.

    Raises:
      ValueError: no player or several candidates found, a mismatch with the modules (named
        by key), or a file that is not plain data.
      FileNotFoundError: no file at a path.
    """
    if ema is not None and not isinstance(ema, bool):
        raise TypeError(f"ema must be True, False or None, got {ema!r}")
    files = checkpoint_files(path)
    views = [View(load(f)) for f in files]
    modules = {"generator": generator, "discriminator": discriminator}
    keys = {"generator": generator_key, "discriminator": discriminator_key}
    for player, module in modules.items():
        if not isinstance(module, nn.Module):
            raise TypeError(f"{player} must be a torch.nn.Module, got {type(module).__name__}")
    located: dict[str, Location] = {}
    for i, player in enumerate(PLAYERS):
        view = views[i % len(views)]
        taken = tuple(loc.key for loc in located.values()) if len(views) == 1 else ()
        located[player] = locate(
            view,
            player,
            modules[player].state_dict(),
            key=keys[player],
            ema=ema if player == "generator" else None,
            alone=len(views) == 2,
            exclude=taken,
        )
    if len(views) == 1:
        g, d = located["generator"].key, located["discriminator"].key
        if g == d or g.startswith(d + ".") or d.startswith(g + ".") or "" in (g, d):
            raise ValueError(
                f"the generator's entry {g!r} and the discriminator's {d!r} overlap; name them "
                "with generator_key= and discriminator_key= (--generator-key, "
                "--discriminator-key)"
            )
    for player in PLAYERS:
        load_into(modules[player], located[player].state, player)
    ignored = []
    for i, (file, view) in enumerate(zip(files, views, strict=True)):
        used = [located[p].key for j, p in enumerate(PLAYERS) if len(views) == 1 or j == i]
        ignored += [Ignored(str(file), k, v) for k, v in ignored_entries(view.data, used).items()]
    reports = [
        _player_report(p, files[i % len(files)], located[p], modules[p])
        for i, p in enumerate(PLAYERS)
    ]
    return LoadReport(tuple(map(str, files)), *reports, tuple(ignored))


def _module(name: str, model: Any, kwargs: Mapping[str, Any] | None) -> nn.Module:
    """``model`` itself, or the module built by a factory (a callable or an import path) with
    the keyword arguments ``kwargs``."""
    kwargs = dict(kwargs or {})
    if isinstance(model, nn.Module):
        if kwargs:
            raise TypeError(f"{name}_kwargs {kwargs} given, but {name} is a module, not a factory")
        return model
    if isinstance(model, str):
        return build(model, **kwargs)
    if callable(model):
        built = model(**kwargs)
        if not isinstance(built, nn.Module):
            raise TypeError(f"the {name} factory returned a {type(built).__name__}, not a Module")
        return built
    raise TypeError(
        f"{name} must be an nn.Module, a factory or an import path, got {type(model).__name__}"
    )


def load_torch_game(
    checkpoint: Source,
    generator: Any,
    discriminator: Any,
    real: Any,
    latent: Any,
    *,
    loss: str = "non-saturating",
    generator_key: str | None = None,
    discriminator_key: str | None = None,
    ema: bool | None = None,
    generator_kwargs: Mapping[str, Any] | None = None,
    discriminator_kwargs: Mapping[str, Any] | None = None,
    **options: Any,
) -> TorchGame:
    """The :class:`~gamedyn.games.TorchGame` of a GAN checkpoint on the fixed batch
    ``(real, latent)``; ``game.checkpoint_report`` is the :class:`~gamedyn.checkpoints.
    report.LoadReport` (every analysis of the game records it).

    Args:
      checkpoint: a ``.pt``/``.pth`` (weights only) or ``.safetensors`` file, or a pair
        ``(generator_file, discriminator_file)`` (:func:`load_gan`'s layouts).
      generator, discriminator: the players' architectures: ``nn.Module``s (the checkpoint is
        loaded into them, strictly), factories (called with ``generator_kwargs``,
        ``discriminator_kwargs``), or import paths ``"package.module:factory"`` or
        ``"path/to/models.py:Generator"``.
      real, latent: the fixed evaluation batch.
      loss: the GAN loss (:data:`gamedyn.vocabulary.GAN_LOSSES`).
      generator_key, discriminator_key, ema: where the players are in the file
        (:func:`load_gan`).
      **options: the other arguments of :class:`~gamedyn.games.TorchGame` (``reg``,
        ``reg_weight``, ``dtype``, ``device``, ``batchnorm``, ``gp_seed``).
    """
    from ..games._torch_game import TorchGame

    g = _module("generator", generator, generator_kwargs)
    d = _module("discriminator", discriminator, discriminator_kwargs)
    report = load_gan(checkpoint, g, d, generator_key, discriminator_key, ema=ema)
    game = TorchGame(g, d, loss, real, latent, **options)
    game.checkpoint_report = report
    return game


def load_torch_games(
    checkpoint: Source,
    generator: Any,
    discriminator: Any,
    data: Any,
    latent: Any,
    *,
    batch: int = 64,
    batches: int = 1,
    seed: int = 0,
    **options: Any,
) -> tuple[Any, list[TorchGame]]:
    """The game of a checkpoint to analyse, averaged over ``batches`` fixed batches, and its
    per-batch games.

    ``data`` and ``latent`` are samplers called as ``fn(batch, seed)`` (e.g. from
    :func:`~gamedyn.checkpoints.sampler`); batch ``b`` is drawn with seed ``seed + b`` (and
    penalty seed ``b``). With ``batches = 1``: the one game and ``[game]``; otherwise the
    :class:`~gamedyn.games.AveragedGame` of the batches, the players shared
    (:meth:`~gamedyn.games.TorchGame.with_batch`). Inside a ``torch.distributed`` process group
    (``torchrun``): the :class:`~gamedyn.games.DistributedAveragedGame` of this rank's
    :func:`~gamedyn.games.shard` of the same batches, and this rank's games.
    ``**options``: :func:`load_torch_game`'s.
    """
    import torch.distributed as dist

    from ..games import AveragedGame, DistributedAveragedGame
    from ..games._distributed import on_every_rank, shard

    def games_of(indices: Sequence[int]) -> list[TorchGame]:
        b0 = indices[0]
        first = load_torch_game(
            checkpoint,
            generator,
            discriminator,
            data(batch, seed + b0),
            latent(batch, seed + b0),
            **options,
        )
        return [first] + [
            first.with_batch(data(batch, seed + b), latent(batch, seed + b), gp_seed=b)
            for b in indices[1:]
        ]

    if dist.is_available() and dist.is_initialized():
        mine = shard(batches, name="batches")
        games = on_every_rank(lambda: games_of(list(mine)), f"loading {checkpoint}")
        return DistributedAveragedGame(games), games
    games = games_of(list(range(batches)))
    return (games[0] if batches == 1 else AveragedGame(games)), games


def loaded_summary(game: TorchGame) -> str:
    """What was loaded into ``game`` (its checkpoint report's summary) and what the game does
    with it: the spectral norms frozen and the layers replaced by exact twins."""
    report = getattr(game, "checkpoint_report", None)
    lines = [report.summary()] if report is not None else []
    if game.frozen_spectral_norms:
        lines.append(
            "  spectral norms, u and v frozen at the checkpoint's: "
            + ", ".join(game.frozen_spectral_norms)
        )
    if game.replaced_layers:
        lines.append("  exact twins of: " + ", ".join(game.replaced_layers))
    return "\n".join(lines)
