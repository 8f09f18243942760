"""Train the example GANs and save checkpoints along the way (CI trains a few steps only).

Run (``gamedyn examples`` is the same command):
  python -m gamedyn.examples mixture --steps 2000 --save-every 500 --out checkpoints
  python -m gamedyn.examples digits --steps 3000 --save-every 1000 --out checkpoints

writes ``checkpoints/mixture/step_*.safetensors`` (resp. ``checkpoints/digits/``).

Training is plain float32 autograd (``dtype=torch.float64`` on request) with Adam (``lr = 1e-4``,
``betas = (0.5, 0.999)``, one ``torch.optim.Adam`` per player) on the non-saturating loss, one
discriminator step then one generator step per iteration — the operator
``gamedyn.methods.Adam(lr, (0.5, 0.999), alternating=True, first="y")`` — fresh batches drawn
with seed ``seed + step`` (so a run is reproducible). Checkpoints are written with
:func:`gamedyn.checkpoints.save` as ``step_000000.safetensors`` (or ``.pt``), keys prefixed
``generator.``/``discriminator.``, including step 0 and the last step; beside each, the two
optimisers' states (:func:`gamedyn.methods.save_optimiser_states`:
``step_000000.optimiser.safetensors`` + ``.optimiser.json``, or ``step_000000.optimiser.pt``),
which :func:`gamedyn.methods.load_optimiser_states` reads back.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from .. import _validate
from ..checkpoints import load_torch_game, save
from ..games._gan_losses import discriminator_loss, generator_loss
from ..methods import save_optimiser_states

SUFFIXES = (".safetensors", ".pt")
"""The checkpoint formats :func:`train` writes."""

LOSS = "non-saturating"
"""The loss the examples are trained with (:func:`gamedyn.games.generator_loss`)."""
BETAS = (0.5, 0.999)
"""Adam's ``(β₁, β₂)`` in the examples' training (DCGAN practice)."""

__all__ = ["Example", "EXAMPLES", "LOSS", "BETAS", "SUFFIXES", "train"]


@dataclass(frozen=True)
class Example:
    """A named example: its module exposes ``generator``, ``discriminator``, ``sample``,
    ``latent`` (the players' factories may carry a ``prefix``); ``spec(name)`` is the
    ``package.module:name`` import path of one of them."""

    name: str
    module_name: str
    prefix: str = ""
    """Prefix of the factories' names (``"small_"``: ``small_generator``, ...)."""

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.module_name)

    def spec(self, attribute: str) -> str:
        if attribute in ("generator", "discriminator"):
            attribute = self.prefix + attribute
        return f"{self.module_name}:{attribute}"

    def generator(self) -> Any:
        return getattr(self.module, self.prefix + "generator")()

    def discriminator(self) -> Any:
        return getattr(self.module, self.prefix + "discriminator")()

    def sample(self, batch: int, seed: int = 0) -> torch.Tensor:
        """``batch`` real samples, fixed by ``seed``."""
        return self.module.sample(batch, seed)

    def latent(self, batch: int, seed: int = 0) -> torch.Tensor:
        """``batch`` latents, fixed by ``seed``."""
        return self.module.latent(batch, seed)

    def load_game(
        self, checkpoint: str | Path, batch: int = 64, seed: int = 0, **options: Any
    ) -> Any:
        """The :class:`~gamedyn.games.TorchGame` of a checkpoint of this example on a fixed
        batch of ``batch`` real samples and latents drawn with ``seed``
        (:func:`gamedyn.checkpoints.load_torch_game`; ``options`` go to the game, the loss
        defaults to :data:`LOSS`)."""
        options.setdefault("loss", LOSS)
        real, latent = self.sample(batch, seed), self.latent(batch, seed)
        return load_torch_game(
            checkpoint, self.generator, self.discriminator, real, latent, **options
        )


EXAMPLES = {
    "mixture": Example("mixture", "gamedyn.examples.mixture"),
    "digits": Example("digits", "gamedyn.examples.digits"),
    "dcgan": Example("dcgan", "gamedyn.examples.dcgan"),
    "mixture-small": Example("mixture-small", "gamedyn.examples.mixture", "small_"),
    "digits-small": Example("digits-small", "gamedyn.examples.digits", "small_"),
}
"""The example GANs by name (``mixture``, ``mixture-small``, ``digits``, ``digits-small``,
``dcgan``, ...): what :func:`train` trains and the command line's ``--example`` loads."""


def _example(example: str | Example) -> Example:
    if isinstance(example, Example):
        return example
    return EXAMPLES[_validate.choice("example", example, tuple(EXAMPLES))]


def train(
    example: str | Example,
    steps: int,
    out_dir: str | Path,
    save_every: int,
    *,
    batch: int = 64,
    lr: float = 1e-4,
    seed: int = 0,
    suffix: str = ".safetensors",
    dtype: torch.dtype = torch.float32,
    monitor: str | Path | None = None,
    monitor_every: int = 500,
) -> list[Path]:
    """Train ``example`` for ``steps`` iterations, saving a checkpoint every ``save_every``.

    Each checkpoint has the two optimisers' states beside it (module docstring). ``dtype``:
    the players' and batches' dtype (float32; float64 to check gamedyn's Adam against training
    to round-off). ``monitor``: a folder for a :class:`gamedyn.monitor.SpectrumMonitor` log
    (the game Jacobian, the live Adam operator and the rotation index every ``monitor_every``
    steps, on the fixed batch of ``batch`` samples and latents drawn with ``seed``).

    Returns:
      The checkpoint paths, in order (step 0, every ``save_every`` steps, and the last step).

    Raises:
      FloatingPointError: a loss became non-finite (training diverged); no checkpoint is
        written from that step on.
    """
    ex = _example(example)
    steps = _validate.integer_at_least("steps", steps, 0)
    save_every = _validate.integer_at_least("save_every", save_every, 1)
    batch = _validate.integer_at_least("batch", batch, 1)
    lr = _validate.positive("lr", lr)
    if suffix not in SUFFIXES:
        raise ValueError(f"suffix must be one of {SUFFIXES}, got {suffix!r}")
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    out = Path(_validate.directory("out_dir", out_dir))
    mod = ex.module
    G, D = ex.generator().to(dtype), ex.discriminator().to(dtype)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=BETAS)

    def checkpoint(step: int) -> Path:
        path = save(out / f"step_{step:06d}{suffix}", G, D)
        save_optimiser_states(path, opt_g, opt_d)
        return path

    paths = [checkpoint(0)]
    watch = _monitor(monitor, monitor_every, G, D, opt_g, opt_d)
    fixed = (mod.sample(batch, seed), mod.latent(batch, seed))
    if watch is not None:
        watch(0, real=fixed[0], latent=fixed[1])
    for step in range(1, steps + 1):
        real = mod.sample(batch, seed + step).to(dtype)
        z = mod.latent(batch, seed + step).to(dtype)
        # discriminator: L_D = E softplus(−D(x)) + E softplus(D(G(z)))
        loss_d = discriminator_loss(LOSS, D(real), D(G(z).detach()))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        # generator (non-saturating): L_G = E softplus(−D(G(z)))
        loss_g = generator_loss(LOSS, D(G(z)))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        loss_d, loss_g = loss_d.detach(), loss_g.detach()
        if not (torch.isfinite(loss_d) and torch.isfinite(loss_g)):
            raise FloatingPointError(
                f"training {ex.name} diverged at step {step}: L_D = {loss_d.item():.3g}, "
                f"L_G = {loss_g.item():.3g} (lr = {lr:g}); no checkpoint was written for it, "
                f"the last one is {paths[-1]}"
            )
        if step % save_every == 0 or step == steps:
            paths.append(checkpoint(step))
        if watch is not None:
            watch(step, real=fixed[0], latent=fixed[1])
    return paths


def _monitor(log_dir: Any, every: int, G: Any, D: Any, opt_g: Any, opt_d: Any) -> Any:
    """The examples' monitor (alternating Adam, the discriminator first), or ``None``."""
    if log_dir is None:
        return None
    from ..monitor import SpectrumMonitor

    return SpectrumMonitor(
        G, D, LOSS, optimizers=(opt_g, opt_d), every=every, k=6, log_dir=log_dir,
        quantities=("jacobian", "optimiser", "rotation"), alternating=True, first="y",
    )  # fmt: skip
