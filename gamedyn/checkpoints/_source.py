"""Where a GAN's game comes from: its checkpoint, its players' factories and its samplers, checked
when named and loaded on demand (the one path from files to a :class:`~gamedyn.games.TorchGame`
that the command line, the monitor's tests and the notebooks share)."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ._factories import import_factory, sampler
from ._loading import Source, load_torch_game, load_torch_games

__all__ = ["GANSource"]

_FACTORIES = ("generator", "discriminator", "data", "latent")


@dataclass(frozen=True)
class GANSource:
    """A GAN checkpoint and what is needed to rebuild its game, validated when built.

    Attributes:
      checkpoint: a ``.pt``/``.pth``/``.ckpt`` (weights only) or ``.safetensors`` file, or a
        pair ``(generator_file, discriminator_file)``.
      generator, discriminator: the players' factories — import paths ``"package.module:fn"``
        or ``"path/to/models.py:Generator"``, callables or ``nn.Module`` objects.
      data: the real-data sampler ``fn(batch, seed)``: an import path, a tensor file of real
        samples (``real.pt``, ``real.npy``) or a callable.
      latent: the latent sampler ``fn(batch, seed)``: an import path or a callable.
      generator_kwargs, discriminator_kwargs, data_kwargs, latent_kwargs: keyword arguments
        of each factory.
      generator_key, discriminator_key, ema: where the players are in the checkpoint
        (:func:`~gamedyn.checkpoints.load_gan`).

    Errors are raised when the source is built, before anything is loaded.

    Raises:
      FileNotFoundError: a checkpoint file that does not exist.
      ValueError, TypeError: a factory that cannot be imported or called, keyword arguments
        that are not a mapping.

    Example:
      >>> import tempfile, torch
      >>> from gamedyn.examples import train
      >>> with tempfile.TemporaryDirectory() as out:
      ...     path = train("mixture-small", 0, out, save_every=1, batch=8)[-1]
      ...     source = GANSource.of_example("mixture-small", path)
      ...     game, games = source.games(batch=8, batches=2)
      >>> type(game).__name__, len(games), games[0].n == game.n
      ('AveragedGame', 2, True)
    """

    checkpoint: Source
    generator: Any
    discriminator: Any
    data: Any
    latent: Any
    generator_kwargs: Mapping[str, Any] = field(default_factory=dict)
    discriminator_kwargs: Mapping[str, Any] = field(default_factory=dict)
    data_kwargs: Mapping[str, Any] = field(default_factory=dict)
    latent_kwargs: Mapping[str, Any] = field(default_factory=dict)
    generator_key: str | None = None
    discriminator_key: str | None = None
    ema: bool | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name.endswith("_kwargs") and not isinstance(getattr(self, f.name), Mapping):
                value = getattr(self, f.name)
                raise TypeError(f"{f.name} must be a mapping of keyword arguments, got {value!r}")
        paths = self.checkpoint if isinstance(self.checkpoint, (tuple, list)) else [self.checkpoint]
        for path in paths:
            if not isinstance(path, (str, os.PathLike)):
                raise TypeError(f"checkpoint must be a path or a pair of paths, got {path!r}")
            if Path(path).is_dir():
                raise ValueError(f"checkpoint {str(path)!r} is a directory, not a file")
            if not Path(path).is_file():
                raise FileNotFoundError(f"checkpoint: no file at {str(path)!r}")
        for name in ("generator", "discriminator"):
            if isinstance(getattr(self, name), str):
                import_factory(getattr(self, name))
        self.samplers()

    @classmethod
    def of_example(cls, name: str, checkpoint: Source, **given: Any) -> GANSource:
        """The source of a checkpoint of the bundled example ``name``
        (:data:`gamedyn.examples.EXAMPLES`): its factories and samplers, unless ``given``."""
        from ..examples import EXAMPLES

        if name not in EXAMPLES:
            raise ValueError(f"unknown example {name!r}; expected one of {sorted(EXAMPLES)}")
        specs = zip(_FACTORIES, ("generator", "discriminator", "sample", "latent"), strict=True)
        for field_name, attribute in specs:
            if given.get(field_name) is None:
                given[field_name] = EXAMPLES[name].spec(attribute)
        return cls(checkpoint, **given)

    def samplers(self) -> tuple[Any, Any]:
        """The data and latent samplers ``fn(batch, seed)``."""
        found = []
        for name in ("data", "latent"):
            spec, kwargs = getattr(self, name), dict(getattr(self, f"{name}_kwargs"))
            if callable(spec):
                found.append(functools.partial(spec, **kwargs))
            else:
                found.append(sampler(spec, **kwargs))
        return found[0], found[1]

    def _options(self, options: dict[str, Any]) -> dict[str, Any]:
        return dict(
            generator=self.generator,
            discriminator=self.discriminator,
            generator_key=self.generator_key,
            discriminator_key=self.discriminator_key,
            ema=self.ema,
            generator_kwargs=dict(self.generator_kwargs),
            discriminator_kwargs=dict(self.discriminator_kwargs),
            **options,
        )

    def game(self, *, batch: int = 64, seed: int = 0, **options: Any) -> Any:
        """The checkpoint's :class:`~gamedyn.games.TorchGame` on the batch drawn with ``seed``;
        ``options``: the game's (``loss``, ``reg``, ``dtype``, ``device``, ...)."""
        data, latent = self.samplers()
        return load_torch_game(
            self.checkpoint,
            real=data(batch, seed),
            latent=latent(batch, seed),
            **self._options(options),
        )

    def games(
        self, *, batch: int = 64, batches: int = 1, seed: int = 0, **options: Any
    ) -> tuple[Any, list[Any]]:
        """The game to analyse averaged over ``batches`` batches and the per-batch games
        (:func:`~gamedyn.checkpoints.load_torch_games`, ``torchrun``-aware)."""
        data, latent = self.samplers()
        return load_torch_games(
            self.checkpoint,
            data=data,
            latent=latent,
            batch=batch,
            batches=batches,
            seed=seed,
            **self._options(options),
        )
