"""GAN checkpoints as people save them: safe loading, the players found wherever they are,
models and samplers from the user's own files, and a report of what was loaded.

* Files (:func:`load`, :func:`read_samples`): ``.pt``/``.pth`` read **only** with
  ``torch.load(weights_only=True)`` (no pickle runs), ``.safetensors``; :func:`save` writes
  gamedyn's own layout.
* Layouts (:func:`player_state_dicts`): where each player's state dict is — ``netG``/``netD``,
  ``G``/``D``, ``generator``/``discriminator``, ``gen``/``dis``, ``model_G``... next to
  optimiser states and the epoch; two files; Lightning's ``state_dict``; ``module.``
  (DataParallel/DDP) and ``_orig_mod.`` (``torch.compile``) prefixes; EMA copies
  (``G_ema``) chosen explicitly.
* Loading: :func:`load_gan` (strict, every mismatch named) and
  :func:`load_torch_game`, the one way from a checkpoint to a
  :class:`~gamedyn.games.TorchGame` (the command line, the figures and the notebooks use it).
* Factories (:func:`import_factory`, :func:`build`, :func:`sampler`): ``"package.module:fn"``
  and ``"path/to/models.py:Generator"`` with keyword arguments; samplers, tensor files of real
  samples, :func:`standard_normal` latents.
* The report: :class:`LoadReport` — which keys went where, which were ignored (kept raw:
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

from ._factories import build, import_factory, sampler, standard_normal
from ._files import SUFFIXES, TORCH_SUFFIXES, load, read_samples, save
from ._layouts import player_state_dicts
from ._loading import load_gan, load_torch_game, load_torch_games, loaded_summary
from ._report import LoadReport
from ._source import GANSource

__all__ = [
    "SUFFIXES",
    "TORCH_SUFFIXES",
    "load",
    "save",
    "read_samples",
    "player_state_dicts",
    "load_gan",
    "load_torch_game",
    "load_torch_games",
    "GANSource",
    "loaded_summary",
    "LoadReport",
    "import_factory",
    "build",
    "sampler",
    "standard_normal",
]
