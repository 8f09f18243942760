"""GANs given by two ``torch.nn.Module`` players, as a :class:`~gamedyn.games.base.Game`.

The point is ``z = (x, y)``: the generator's trainable parameters flattened (first player),
then the discriminator's. The losses are evaluated on a *fixed* batch of real data and latents,
so the field ``v(z) = (∇_x L_G, ∇_y L_D)`` is a deterministic, pure torch function of ``z``
(``torch.func.functional_call`` with parameter dicts unflattened from ``z``) and every torch.func
transform applies to it: ``jvp`` gives ``J u`` (forward-over-reverse), ``vjp`` gives ``Jᵀ u``.

Modules are deep-copied and converted to the game's dtype and device; the caller's modules are
never touched. Layers with state or randomness are handled as follows:

* **BatchNorm** in training mode uses the statistics of the evaluation batch and does *not*
  update running statistics (the copy's ``track_running_stats`` is switched off, so
  ``running_mean``/``running_var``/``num_batches_tracked`` are never written). In eval mode it
  uses the stored running statistics, a fixed affine map.
* **Dropout** (any ``_DropoutNd`` or ``AlphaDropout`` with ``p > 0``) is refused in training
  mode; call ``module.eval()`` first (dropout is then the identity).
* **Parametrisations** (``torch.nn.utils.parametrizations.spectral_norm`` and friends) and the
  hook-based ``torch.nn.utils.spectral_norm`` are refused: spectral normalisation keeps a power
  iteration in buffers, which a pure field cannot update (a later issue handles them).

Numerics are float64 by default (analysis to 1e-8). ``dtype=torch.float32`` is allowed for
speed on large models and GPUs; eigenvalues are then accurate only to about ``1e-4`` relative.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.func import functional_call, vjp
from torch.nn import functional as F

from .base import Game

Tensor = torch.Tensor

LOSSES = ("non-saturating", "saturating", "wgan", "hinge")
REGULARISERS = ("r1", "r2", "gp")


# ---------------------------------------------------------------------------------------------
# Losses on logits
# ---------------------------------------------------------------------------------------------


def discriminator_loss(loss: str, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """``L_D`` from the logits on real and fake data (without regulariser).

    * non-saturating, saturating: ``E softplus(−D(x)) + E softplus(D(G(z)))``
    * wgan: ``E D(G(z)) − E D(x)``
    * hinge: ``E relu(1 − D(x)) + E relu(1 + D(G(z)))``
    """
    if loss in ("non-saturating", "saturating"):
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    if loss == "wgan":
        return fake_logits.mean() - real_logits.mean()
    if loss == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def generator_loss(loss: str, fake_logits: Tensor) -> Tensor:
    """``L_G`` from the logits on fake data.

    * non-saturating: ``E softplus(−D(G(z)))``
    * saturating: ``−E softplus(D(G(z)))`` (minus ``L_D``'s fake term: zero-sum in ``x``)
    * wgan, hinge: ``−E D(G(z))``
    """
    if loss == "non-saturating":
        return F.softplus(-fake_logits).mean()
    if loss == "saturating":
        return -F.softplus(fake_logits).mean()
    if loss in ("wgan", "hinge"):
        return -fake_logits.mean()
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def _squared_input_gradient_norms(critic: Callable[[Tensor], Tensor], inputs: Tensor) -> Tensor:
    """``‖∇_u D(u)‖²`` per sample: one vjp of ``Σ D(u)`` with respect to the input batch.

    Per-sample gradients are exact for a critic that treats samples independently (no
    BatchNorm in training mode); otherwise this is the usual ``∇ Σ D`` approximation.
    """
    logits, pull = vjp(critic, inputs)
    (g,) = pull(torch.ones_like(logits))
    return g.reshape(g.shape[0], -1).square().sum(dim=1)


# ---------------------------------------------------------------------------------------------
# Module checks
# ---------------------------------------------------------------------------------------------


def _check_module(name: str, module: Any) -> None:
    """Refuse what a pure field cannot represent: dropout in training mode, parametrisations."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(module).__name__}")
    for path, sub in module.named_modules():
        where = f"{name}.{path}" if path else name
        dropout = isinstance(sub, (nn.modules.dropout._DropoutNd, nn.AlphaDropout))
        if dropout and sub.training and sub.p > 0:
            raise ValueError(
                f"{where} is {type(sub).__name__}(p={sub.p}) in training mode: the field would "
                "be random; call .eval() on the module (dropout off) before building the game"
            )
        if torch.nn.utils.parametrize.is_parametrized(sub):
            kinds = {type(p).__name__ for plist in sub.parametrizations.values() for p in plist}
            raise ValueError(
                f"{where} has parametrisations {sorted(kinds)} (e.g. spectral_norm): not "
                "supported yet; remove them (torch.nn.utils.parametrize.remove_parametrizations) "
                "or fold them into the weights first"
            )
        for hook in sub._forward_pre_hooks.values():
            if type(hook).__name__ == "SpectralNorm":
                raise ValueError(
                    f"{where} uses torch.nn.utils.spectral_norm (a hook with a power "
                    "iteration in buffers): not supported yet; remove it with "
                    "torch.nn.utils.remove_spectral_norm first"
                )


def _prepare(name: str, module: nn.Module, dtype: torch.dtype, device: Any) -> nn.Module:
    """A deep copy in ``dtype`` on ``device``; BatchNorm never updates its running statistics."""
    _check_module(name, module)
    copy_ = copy.deepcopy(module).to(dtype=dtype, device=device)
    for sub in copy_.modules():
        if isinstance(sub, nn.modules.batchnorm._BatchNorm):
            # Training mode with track_running_stats off: batch statistics, no buffer writes.
            # Eval mode: BatchNorm still reads the (fixed) running statistics.
            sub.track_running_stats = False
    for p in copy_.parameters():
        p.requires_grad_(False)
    return copy_


class _Player:
    """One player's trainable parameters: names, shapes and their place in the flat vector."""

    def __init__(self, module: nn.Module, trainable: list[str]):
        self.module = module
        params = dict(module.named_parameters())
        self.names = trainable
        self.shapes = [params[n].shape for n in trainable]
        self.sizes = [math.prod(s) for s in self.shapes]
        self.n = sum(self.sizes)

    def flat(self) -> Tensor:
        params = dict(self.module.named_parameters())
        return torch.cat([params[n].detach().reshape(-1) for n in self.names])

    def unflatten(self, w: Tensor) -> dict[str, Tensor]:
        pieces = torch.split(w, self.sizes)
        return {n: p.reshape(s) for n, p, s in zip(self.names, pieces, self.shapes, strict=True)}

    def __call__(self, w: Tensor, inputs: Tensor) -> Tensor:
        return functional_call(self.module, self.unflatten(w), (inputs,))


def _trainable_names(module: nn.Module) -> list[str]:
    return [n for n, p in module.named_parameters() if p.requires_grad]


# ---------------------------------------------------------------------------------------------
# The game
# ---------------------------------------------------------------------------------------------


class TorchGame(Game):
    """A GAN as a two-player game: generator ``G`` (first player) against discriminator ``D``.

    ``L_D = loss_D(D(x), D(G(z))) + reg``, ``L_G = loss_G(D(G(z)))`` on the fixed batch
    ``(real, latent)``; ``D`` returns logits (any shape with the batch first; losses average
    over all entries). Regularisers, added to ``L_D`` with weight ``γ = reg_weight``:

    * ``"r1"``: ``γ/2 · E_x ‖∇_x D(x)‖²`` on the real batch (Mescheder et al. 2018).
    * ``"r2"``: ``γ/2 · E ‖∇_u D(u)‖²`` at ``u = G(z)``. The gradient is with respect to the
      fake *input* (fakes treated as fixed inputs of ``D``); ``u`` still depends on ``x``, so
      the coupling block ``∂_x ∇_y L_D`` of ``J`` includes it.
    * ``"gp"``: ``γ · E (‖∇_u D(x̂)‖ − 1)²`` at ``x̂ = ε x + (1 − ε) G(z)``, with ``ε ~ U(0, 1)``
      per sample drawn once at construction (``gp_seed``); ``x̂`` follows the generator.

    Args:
      generator, discriminator: the players (``nn.Module``); deep-copied, never modified.
        Parameters with ``requires_grad=False`` are held fixed and are not part of ``z``.
      loss: ``"non-saturating"``, ``"saturating"``, ``"wgan"`` or ``"hinge"``.
      real: a batch of real data ``(B, ...)``; latent: a batch of latents ``(B', ...)``.
      reg: ``None``, ``"r1"``, ``"r2"`` or ``"gp"``; reg_weight: ``γ ≥ 0``.
      dtype: float64 (default, for analysis) or float32 (faster, ~1e-4 relative accuracy).
      device: where the modules, data and ``z`` live (default: the CPU).

    Attributes:
      z0: the modules' current trainable parameters as one flat tensor (the default point).

    Example:
      >>> G = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
      >>> D = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
      >>> game = TorchGame(G, D, "non-saturating", torch.randn(8, 2), torch.randn(8, 2))
      >>> game.field(game.z0).shape == (game.n,)
      True
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        loss: str = "non-saturating",
        real: Any = None,
        latent: Any = None,
        reg: str | None = None,
        reg_weight: float = 0.0,
        dtype: torch.dtype = torch.float64,
        device: Any = None,
        gp_seed: int = 0,
    ):
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if reg is not None and reg not in REGULARISERS:
            raise ValueError(f"reg must be None or one of {REGULARISERS}, got {reg!r}")
        if dtype not in (torch.float64, torch.float32):
            raise TypeError(f"dtype must be torch.float64 or torch.float32, got {dtype!r}")
        reg_weight = float(reg_weight)
        if not math.isfinite(reg_weight) or reg_weight < 0:
            raise ValueError(f"reg_weight must be finite and >= 0, got {reg_weight!r}")
        self.loss, self.reg, self.reg_weight = loss, reg, reg_weight
        self.dtype, self.device = dtype, torch.device(device) if device is not None else None
        self.real = self._batch("real", real)
        self.latent = self._batch("latent", latent)
        g = _prepare("generator", generator, dtype, device)
        d = _prepare("discriminator", discriminator, dtype, device)
        self.generator = _Player(g, _trainable_names(generator))
        self.discriminator = _Player(d, _trainable_names(discriminator))
        self.nx, self.ny = self.generator.n, self.discriminator.n
        if self.nx == 0 or self.ny == 0:
            raise ValueError(
                f"both players need trainable parameters, got nx = {self.nx}, ny = {self.ny}"
            )
        self.z0 = torch.cat([self.generator.flat(), self.discriminator.flat()])
        self.epsilon = self._interpolation_weights(gp_seed)

    # --- construction helpers ----------------------------------------------------------------

    def _batch(self, name: str, value: Any) -> Tensor:
        if value is None:
            raise ValueError(f"{name} must be a batch tensor, got None")
        tensor = torch.as_tensor(value).detach().to(dtype=self.dtype, device=self.device)
        if tensor.ndim < 1 or tensor.shape[0] == 0:
            raise ValueError(f"{name} must have a non-empty batch dimension, got {tensor.shape}")
        if not torch.isfinite(tensor).all():
            raise ValueError(f"{name} has non-finite entries")
        return tensor

    def _interpolation_weights(self, seed: int) -> Tensor | None:
        if self.reg != "gp":
            return None
        gen = torch.Generator().manual_seed(seed)
        shape = (self.real.shape[0],) + (1,) * (self.real.ndim - 1)
        return torch.rand(shape, generator=gen, dtype=torch.float64).to(
            dtype=self.dtype, device=self.device
        )

    # --- the losses --------------------------------------------------------------------------

    def point(self, z: Any, name: str = "z") -> Tensor:
        """``z`` checked (finite, 1-D, length ``n``) as a tensor of the game's dtype and device."""
        if not isinstance(z, Tensor):
            return super().point(z, name).to(dtype=self.dtype, device=self.device)
        if z.ndim != 1 or z.shape[0] != self.n:
            raise ValueError(
                f"{name} must be a 1-D vector of length n = nx + ny = {self.nx} + {self.ny} = "
                f"{self.n}, got shape {tuple(z.shape)}"
            )
        if z.is_complex() or not torch.isfinite(z).all():
            raise ValueError(f"{name} must be real and finite")
        return z.detach().to(dtype=self.dtype, device=self.device)

    def fake(self, x: Tensor) -> Tensor:
        """``G_x(latent)``."""
        return self.generator(x, self.latent)

    def _regulariser(self, y: Tensor, fake: Tensor) -> Tensor:
        if self.reg is None or self.reg_weight == 0.0:
            return fake.new_zeros(())

        def critic(u: Tensor) -> Tensor:
            return self.discriminator(y, u)

        if self.reg == "r1":
            return 0.5 * self.reg_weight * _squared_input_gradient_norms(critic, self.real).mean()
        if self.reg == "r2":
            return 0.5 * self.reg_weight * _squared_input_gradient_norms(critic, fake).mean()
        n = min(self.real.shape[0], fake.shape[0])
        eps = self.epsilon[:n]
        mixed = eps * self.real[:n] + (1 - eps) * fake[:n]
        norms = _squared_input_gradient_norms(critic, mixed).sqrt()
        return self.reg_weight * (norms - 1).square().mean()

    def player_losses(self, y: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """``(L_D, L_G)`` as functions of the discriminator's parameters and the fake batch."""
        real_logits = self.discriminator(y, self.real)
        fake_logits = self.discriminator(y, fake)
        l_d = discriminator_loss(self.loss, real_logits, fake_logits)
        l_d = l_d + self._regulariser(y, fake)
        return l_d, generator_loss(self.loss, fake_logits)

    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """``(L_G(z), L_D(z))``: the first player's loss first."""
        x, y = self.split(z)
        l_d, l_g = self.player_losses(y, self.fake(x))
        return l_g, l_d

    def field(self, z: Tensor) -> Tensor:
        """``v(z) = (∇_x L_G, ∇_y L_D)`` with one generator pass and one discriminator pass.

        ``u = G_x(latent)`` once; the discriminator's forward on ``(y, u)`` is shared by both
        losses and pulled back twice (``∂_y L_D`` and ``∂_u L_G``); then ``∇_x L_G =
        (∂u/∂x)ᵀ ∂_u L_G``. Pure: torch.func transforms (jvp, vjp, vmap) apply.
        """
        x, y = self.split(z)
        fake, pull_g = vjp(self.fake, x)
        (l_d, l_g), pull_d = vjp(self.player_losses, y, fake)
        one, zero = torch.ones_like(l_d), torch.zeros_like(l_d)
        grad_y, _ = pull_d((one, zero))
        _, grad_fake = pull_d((zero, one))
        (grad_x,) = pull_g(grad_fake)
        return torch.cat([grad_x, grad_y])

    def state_dicts(self, z: Any = None) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """The players' trainable parameters at ``z`` (default ``z0``) as two name→tensor dicts."""
        x, y = self.split(self.z0 if z is None else self.point(z))
        return self.generator.unflatten(x.clone()), self.discriminator.unflatten(y.clone())

    def __repr__(self) -> str:
        reg = f", reg={self.reg!r}, reg_weight={self.reg_weight}" if self.reg else ""
        return (
            f"TorchGame(nx={self.nx}, ny={self.ny}, loss={self.loss!r}{reg}, "
            f"batch={self.real.shape[0]}, dtype={self.dtype})"
        )
