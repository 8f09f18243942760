"""``SpectrumCallback``: :class:`gamedyn.monitor.SpectrumMonitor` as a Lightning callback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ..monitor import SpectrumMonitor

__all__ = ["SpectrumCallback", "LIGHTNING_MISSING"]

LIGHTNING_MISSING = (
    "gamedyn.lightning.SpectrumCallback needs PyTorch Lightning: pip install 'gamedyn[lightning]'"
)
"""The message of the ``ImportError`` raised without ``lightning``."""

try:
    from lightning.pytorch import Callback as _Base

    _IMPORT_ERROR: ImportError | None = None
except ImportError as err:  # optional dependency: the class exists, constructing it says why not
    _Base, _IMPORT_ERROR = object, err


def _first_tensor(batch: Any) -> torch.Tensor:
    if isinstance(batch, torch.Tensor):
        return batch
    if isinstance(batch, Sequence) and batch and isinstance(batch[0], torch.Tensor):
        return batch[0]
    if isinstance(batch, dict):
        for key in ("real", "image", "images", "x", "input"):
            if isinstance(batch.get(key), torch.Tensor):
                return batch[key]
    raise TypeError(
        "SpectrumCallback: cannot find the real samples in the training batch (a tensor, a "
        f"tuple whose first entry is one, or a dict with key 'real'), got {type(batch).__name__};"
        " pass real= (a fixed batch or a function of the training batch)"
    )


class SpectrumCallback(_Base):  # type: ignore[misc,valid-type]
    """The training monitor in a Lightning ``Trainer``: spectra of the module's two players.

    The LightningModule holds the players as attributes (``generator`` and ``discriminator`` by
    default). After every training batch (``on_train_batch_end``, automatic or manual
    optimisation) the callback calls a :class:`~gamedyn.monitor.SpectrumMonitor` with the
    batch's step — the number of training batches completed before it, counted by the callback
    across epochs (saved in Lightning checkpoints), or ``step="global_step"`` for
    ``trainer.global_step`` — so ``every`` means what it means in a plain loop. The
    optimisers of the ``"optimiser"`` quantity are ``trainer.optimizers``, matched to the players
    by their parameters (two optimisers, one per player).

    Args:
      latent: the latent batch analysed at every monitored step (fixed: spectra along training
        are then of one game), or a function ``(pl_module, batch) -> Tensor`` (called only at
        monitored steps, outside the monitor's isolation: it must draw from its own
        ``torch.Generator``, not the global one, or training would change).
      real: ``None`` (the training batch's real samples: the batch itself, its first entry, or
        ``batch["real"]``), a fixed batch, or a function ``batch -> Tensor``.
      generator, discriminator: the players' attribute names on the LightningModule.
      step: ``"batch"`` or ``"global_step"``.
      **options: :class:`~gamedyn.monitor.SpectrumMonitor`'s (``loss``, ``every``, ``k``,
        ``quantities``, ``log_dir``, ``n_critic``, TorchGame options, ...); ``optimizers`` is
        taken from the trainer.

    Attributes:
      monitor: the :class:`~gamedyn.monitor.SpectrumMonitor` (built at the first batch).
    """

    def __init__(
        self,
        latent: torch.Tensor | Callable[[Any, Any], torch.Tensor],
        real: torch.Tensor | Callable[[Any], torch.Tensor] | None = None,
        *,
        generator: str = "generator",
        discriminator: str = "discriminator",
        step: str = "batch",
        **options: Any,
    ):
        if _IMPORT_ERROR is not None:
            raise ImportError(LIGHTNING_MISSING) from _IMPORT_ERROR
        super().__init__()
        if "optimizers" in options:
            raise TypeError(
                "SpectrumCallback takes the optimisers from the trainer; optimizers= is refused"
            )
        if step not in ("batch", "global_step"):
            raise ValueError(f"step must be 'batch' or 'global_step', got {step!r}")
        for name, value in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(value, str) or not value.isidentifier():
                raise ValueError(f"{name} must be an attribute name, got {value!r}")
        if not (isinstance(latent, torch.Tensor) or callable(latent)):
            raise TypeError(f"latent must be a tensor or a function, got {type(latent).__name__}")
        self.latent, self.real = latent, real
        self.attributes = (generator, discriminator)
        self.step = step
        self.options = options
        self.monitor: SpectrumMonitor | None = None
        self.batches = 0

    # --- building the monitor ----------------------------------------------------------------

    def _players(self, pl_module: Any) -> tuple[Any, Any]:
        found = []
        for name in self.attributes:
            if not hasattr(pl_module, name):
                raise AttributeError(
                    f"SpectrumCallback: the LightningModule {type(pl_module).__name__} has no "
                    f"attribute {name!r}; pass generator=/discriminator= with the players' names"
                )
            found.append(getattr(pl_module, name))
        return found[0], found[1]

    def _optimizers(self, trainer: Any, players: tuple[Any, Any]) -> tuple[Any, Any] | None:
        optimizers = list(trainer.optimizers)
        owners = []
        for player in players:
            ids = {id(p) for p in player.parameters()}
            mine = [
                o
                for o in optimizers
                if any(id(p) in ids for g in o.param_groups for p in g["params"])
            ]
            owners.append(mine)
        if all(len(m) == 1 for m in owners) and owners[0][0] is not owners[1][0]:
            return owners[0][0], owners[1][0]
        return None

    def _build(self, trainer: Any, pl_module: Any) -> SpectrumMonitor:
        players = self._players(pl_module)
        quantities = self.options.get("quantities", ("jacobian",))
        optimizers = self._optimizers(trainer, players)
        wants = "optimiser" in (quantities if not isinstance(quantities, str) else (quantities,))
        if wants and optimizers is None:
            raise ValueError(
                "SpectrumCallback: the 'optimiser' quantity needs one optimiser per player in "
                f"trainer.optimizers (found {len(trainer.optimizers)}, not one per player)"
            )
        return SpectrumMonitor(*players, optimizers=optimizers, **self.options)

    # --- Lightning hooks ---------------------------------------------------------------------

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if self.monitor is None:
            self.monitor = self._build(trainer, pl_module)
        step = self.batches if self.step == "batch" else int(trainer.global_step)
        self.batches += 1
        if not self.monitor.due(step):
            return
        if self.real is None:
            real = _first_tensor(batch)
        elif isinstance(self.real, torch.Tensor):
            real = self.real
        else:
            real = self.real(batch)
        latent = (
            self.latent if isinstance(self.latent, torch.Tensor) else self.latent(pl_module, batch)
        )
        self.monitor.analyse(step, real=real.detach(), latent=latent.detach())

    def state_dict(self) -> dict[str, Any]:
        return {"batches": self.batches}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.batches = int(state_dict["batches"])
