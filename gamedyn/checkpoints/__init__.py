"""GAN checkpoints as people save them: safe loading, the players found wherever they are,
models and samplers from the user's own files, and a report of what was loaded.

* :mod:`.files`: ``.pt``/``.pth`` read **only** with ``torch.load(weights_only=True)`` (no
  pickle runs), ``.safetensors``; :func:`save` writes gamedyn's own layout.
* :mod:`.layouts`: where each player's state dict is — ``netG``/``netD``, ``G``/``D``,
  ``generator``/``discriminator``, ``gen``/``dis``, ``model_G``... next to optimiser states
  and the epoch; two files; Lightning's ``state_dict``; ``module.`` (DataParallel/DDP) and
  ``_orig_mod.`` (``torch.compile``) prefixes; EMA copies (``G_ema``) chosen explicitly.
* :mod:`.loading`: :func:`load_gan` (strict, every mismatch named) and
  :func:`load_torch_game`, the one way from a checkpoint to a
  :class:`~gamedyn.games.TorchGame` (the command line, the figures and the notebooks use it).
* :mod:`.factories`: ``"package.module:fn"`` and ``"path/to/models.py:Generator"`` with
  keyword arguments; samplers, tensor files of real samples, :func:`standard_normal` latents.
* :mod:`.report`: :class:`LoadReport` — which keys went where, which were ignored (kept raw:
  ``report.entry("optG")``), dtypes, parameters held fixed.

Example:
  >>> import tempfile, torch
  >>> from torch import nn
  >>> def models():
  ...     return nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
  >>> G, D = models()
  >>> with tempfile.TemporaryDirectory() as tmp:
  ...     path = f"{tmp}/ckpt.pt"
  ...     torch.save({"netG": G.state_dict(), "netD": D.state_dict(), "epoch": 5}, path)
  ...     report = load_gan(path, *models())
  >>> report.generator.key, report.discriminator.key, report.entry("epoch")
  ('netG', 'netD', 5)
"""

from ._source import GANSource
from .factories import TensorFile, build, import_factory, sampler, standard_normal
from .files import PLAYERS, SAMPLE_SUFFIXES, SUFFIXES, TORCH_SUFFIXES, load, read_samples, save
from .layouts import player_state_dicts
from .loading import (
    checkpoint_files,
    load_gan,
    load_into,
    load_torch_game,
    load_torch_games,
    loaded_summary,
)
from .report import Ignored, LoadReport, PlayerReport

__all__ = [
    "PLAYERS",
    "SUFFIXES",
    "TORCH_SUFFIXES",
    "SAMPLE_SUFFIXES",
    "load",
    "save",
    "read_samples",
    "player_state_dicts",
    "load_into",
    "checkpoint_files",
    "import_factory",
    "build",
    "sampler",
    "standard_normal",
    "TensorFile",
    "load_gan",
    "load_torch_game",
    "load_torch_games",
    "GANSource",
    "loaded_summary",
    "LoadReport",
    "PlayerReport",
    "Ignored",
]
