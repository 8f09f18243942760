"""GANs given by two ``torch.nn.Module`` players, as a :class:`~gamedyn.games.Game`.

The point is ``z = (x, y)``: the generator's trainable parameters flattened (first player),
then the discriminator's. The losses are evaluated on a *fixed* batch of real data and latents,
so the field ``v(z) = (∇_x L_G, ∇_y L_D)`` is a deterministic, pure torch function of ``z``
(``torch.func.functional_call`` with parameter dicts unflattened from ``z``) and every torch.func
transform applies to it: ``jvp`` gives ``J u`` (forward-over-reverse), ``vjp`` gives ``Jᵀ u``.

Modules are deep-copied and converted to the game's dtype and device; the caller's modules are
never touched (every parameter, buffer and ``training`` flag stays bit-identical). In the
game's private copy, layers with state, randomness or untrustworthy derivatives are handled as
follows:

* **LayerNorm, BatchNorm, InstanceNorm** are replaced by the exact twins of
  :mod:`gamedyn.games._torch_layers` (same function, same parameter and buffer names, so ``z``
  and the state dicts do not change). PyTorch's fused kernels return *silently wrong* third
  derivatives (3–190 % relative error in PyTorch 2.13, float64): ``J u`` needs them as soon as
  ``L_D`` carries an input-gradient penalty (R1, R2, GP), and the operator Jacobians of
  consensus optimisation and CGD need them for every loss. The paths replaced are listed in
  :attr:`TorchGame.replaced_layers`. A module that still calls ``layer_norm``, training-mode
  ``batch_norm`` or ``instance_norm`` through ``torch.nn.functional`` (a hand-made layer) is
  refused with a penalty and warned about without one.
* **BatchNorm** statistics are an explicit choice, ``batchnorm=``: ``"batch"`` (default) uses
  the mean and biased variance of the evaluation batch (what a training step computes),
  ``"running"`` the stored running statistics (what an eval-mode module computes), whatever
  each module's ``training`` flag. Running statistics are never updated.
* **Dropout** (any ``_DropoutNd`` or ``AlphaDropout`` with ``p > 0``) is refused in training
  mode; call ``module.eval()`` first (dropout is then the identity).
* **Spectral normalisation** (``torch.nn.utils.parametrizations.spectral_norm``) is supported
  with its power-iteration vectors *frozen* at their checkpoint values: the parametrisation runs
  in eval mode, ``W_SN = W / σ`` with ``σ = uᵀ W v`` for the stored ``u``, ``v`` (differentiable
  in ``W``, as in training, where ``u`` and ``v`` are updated without gradient). ``z`` holds the
  unnormalised weight ``parametrizations.weight.original``. The frozen paths are listed in
  :attr:`TorchGame.frozen_spectral_norms`. ``parametrizations.weight_norm`` is replaced by its
  exact twin (PyTorch's fused kernel has no forward-mode derivative); other parametrisations
  (``orthogonal``, user-defined) are used as they are, subject to the purity check below.
* The **hook-based** ``torch.nn.utils.spectral_norm`` (what most public SN-GAN code uses:
  parameter ``weight_orig``, buffers ``weight_u``, ``weight_v``, a forward pre-hook) gets the
  same math: its hook is replaced in the copy by one that computes ``W / (uᵀ W v)`` with the
  stored ``u``, ``v`` and never runs the power iteration
  (:class:`~gamedyn.games._torch_players.FrozenSpectralNorm`); ``z`` holds ``weight_orig``;
  the paths (``"discriminator.0.weight"``: the module and the tensor) are listed in
  :attr:`TorchGame.frozen_spectral_norms` after the parametrisations'. The hook-based
  ``torch.nn.utils.weight_norm`` (``weight_g``, ``weight_v``) is computed in elementary ops
  (:class:`~gamedyn.games._torch_players.ExactWeightNormHook`) and listed in
  :attr:`TorchGame.replaced_layers`.
* Every forward pass is checked once at construction: two passes must agree and leave every
  buffer unchanged, so that the field is a deterministic, pure function of ``z``.

Numerics are float64 by default (analysis to 1e-8). ``dtype=torch.float32`` is allowed for
speed on large models and GPUs; eigenvalues are then accurate only to about ``1e-4`` relative.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.func import vjp as func_vjp

from .. import _validate
from .._autograd import pullback_products
from ..vocabulary import BATCHNORM, GAN_REGULARISERS, gan_loss
from ._base import Game
from ._gan_losses import discriminator_loss, generator_loss, squared_input_gradient_norms
from ._torch_players import Player, prepare, trainable_names
from ._torch_purity import audit, check_logits, forward

Tensor = torch.Tensor

__all__ = ["TorchGame"]


def _under_transform(z: Tensor) -> bool:
    """Whether ``z`` is seen through a torch.func transform (``jvp``, ``vjp``, ``vmap``,
    ``linearize``...) or carries a forward-mode tangent."""
    functorch = torch._C._functorch
    return (
        functorch.peek_interpreter_stack() is not None
        or functorch.is_functorch_wrapped_tensor(z)
        or torch.autograd.forward_ad.unpack_dual(z).tangent is not None
    )


def _pullback(z: Tensor) -> Callable[..., tuple[Any, Callable[[Any], tuple[Tensor, ...]]]]:
    """A ``vjp(fn, *primals) -> (fn(*primals), pullback)`` for the field's pullbacks.

    Under a torch.func transform it is ``torch.func.vjp`` (the field stays a pure function that
    every transform composes with). Otherwise it is plain autograd on the same graph
    (``gamedyn/_autograd.py``: the same values), which imports neither
    ``torch._dynamo`` nor ``sympy`` (the first ``torch.func.vjp`` pullback does: about a second),
    with ``create_graph`` where an outer autograd differentiates the field (``z.requires_grad``).

    The pullback takes ``wrt``, the indices of the primals whose products are needed (default:
    all); plain autograd then computes those only (``None`` in the others' places: no backward
    work for an unneeded parameter or input gradient), ``torch.func.vjp`` all of them.
    """
    if _under_transform(z):

        def transformed(fn: Callable[..., Any], *primals: Tensor) -> tuple[Any, Callable]:
            out, pull = func_vjp(fn, *primals)
            return out, lambda cotangents, wrt=None: pull(cotangents)

        return transformed
    create_graph = z.requires_grad

    def vjp(fn: Callable[..., Any], *primals: Tensor) -> tuple[Any, Callable[..., Any]]:
        with torch.enable_grad():
            inputs = tuple(p if p.requires_grad else p.detach().requires_grad_() for p in primals)
            out = fn(*inputs)

        def pull(cotangents: Any, wrt: tuple[int, ...] | None = None) -> tuple[Any, ...]:
            outputs = out if isinstance(out, tuple) else (out,)
            grads = cotangents if isinstance(cotangents, tuple) else (cotangents,)
            chosen = range(len(inputs)) if wrt is None else wrt
            products = pullback_products(
                outputs, [inputs[i] for i in chosen], grads, create_graph=create_graph
            )
            result: list[Any] = [None] * len(inputs)
            for i, product in zip(chosen, products, strict=True):
                result[i] = product
            return tuple(result)

        return out, pull

    return vjp


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
      loss: ``"non-saturating"``, ``"saturating"`` (alias ``"standard"``), ``"wgan"`` or
        ``"hinge"`` (:mod:`gamedyn.games._gan_losses`).
      real: a batch of real data ``(B, ...)``; latent: a batch of latents ``(B', ...)``.
      reg: ``None``, ``"r1"``, ``"r2"`` or ``"gp"``; reg_weight: ``γ ≥ 0``.
      dtype: float64 (default, for analysis) or float32 (faster, ~1e-4 relative accuracy).
      device: where the modules, data and ``z`` live (default: the CPU).
      gp_seed: the seed of the interpolation weights ``ε`` of ``"gp"``.
      batchnorm: the statistics of every BatchNorm layer, whatever its ``training`` flag:
        ``"batch"`` (mean and biased variance of the evaluation batch over ``(N, spatial)``,
        as a training step computes them) or ``"running"`` (the stored running statistics, as
        in eval mode; refused for a layer without them). Running statistics are never updated.

    Attributes:
      z0: the modules' current trainable parameters as one flat tensor (the default point);
        for a spectrally normalised weight, the unnormalised ``parametrizations.weight.original``.
      batchnorm: ``"batch"`` or ``"running"``, as given.
      replaced_layers: paths (``"discriminator.1"``) of the LayerNorm, BatchNorm and
        InstanceNorm layers, and of the weight-norm parametrisations
        (``"discriminator.0.parametrizations.weight.0"``), replaced in the game's copy by their
        exact twins (:mod:`gamedyn.games._torch_layers`).
      frozen_spectral_norms: paths of the spectral norms whose power-iteration vectors ``u``,
        ``v`` are frozen at their stored values: parametrisations
        (``"discriminator.0.parametrizations.weight.0"``), then hooks
        (``"discriminator.0.weight"``).
      checkpoint_report: what :func:`gamedyn.checkpoints.load_torch_game` loaded into the
        players (a :class:`gamedyn.checkpoints.LoadReport`, recorded by every analysis), or
        ``None`` for a game built from modules.

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
        batchnorm: str = "batch",
    ):
        loss = gan_loss(loss)
        if reg is not None and reg not in GAN_REGULARISERS:
            raise ValueError(f"reg must be None or one of {GAN_REGULARISERS}, got {reg!r}")
        if batchnorm not in BATCHNORM:
            raise ValueError(
                f"batchnorm must be 'batch' (statistics of the evaluation batch) or 'running' "
                f"(the stored running statistics), got {batchnorm!r}"
            )
        if dtype not in (torch.float64, torch.float32):
            raise TypeError(f"dtype must be torch.float64 or torch.float32, got {dtype!r}")
        reg_weight = _validate.nonnegative("reg_weight", reg_weight)
        _validate.unused_regulariser(reg, "reg_weight", reg_weight)
        self.loss, self.reg, self.reg_weight = loss, reg, reg_weight
        self.batchnorm = batchnorm
        self.dtype = dtype
        self.device = None if device is None else _validate.device("device", device)
        device = self.device
        self.real = self._batch("real", real)
        self.latent = self._batch("latent", latent)
        g, g_replaced, g_frozen = prepare("generator", generator, dtype, device, batchnorm)
        d, d_replaced, d_frozen = prepare("discriminator", discriminator, dtype, device, batchnorm)
        self.replaced_layers = g_replaced + d_replaced
        self.frozen_spectral_norms = g_frozen + d_frozen
        self.generator = Player(g, trainable_names(generator))
        self.discriminator = Player(d, trainable_names(discriminator))
        self.nx, self.ny = self.generator.n, self.discriminator.n
        if self.nx == 0 or self.ny == 0:
            raise ValueError(
                f"both players need trainable parameters, got nx = {self.nx}, ny = {self.ny}"
            )
        self.z0 = torch.cat([self.generator.flat(), self.discriminator.flat()])
        self.checkpoint_report: Any = None
        self.epsilon = self._interpolation_weights(gp_seed)
        penalty = self.reg is not None and self.reg_weight > 0
        audit("generator", g, self.latent, penalty, "latent batch")
        audit("discriminator", d, self.real, penalty, "real batch")
        self._check_shapes(self.real, self.latent)
        check_logits("discriminator", d, self.real, self.loss)

    def with_batch(self, real: Any, latent: Any, gp_seed: int = 0) -> TorchGame:
        """The same game (same players, loss, penalty, dtype, device) on another fixed batch.

        The players' private copies are shared, not copied again (they are never written), so
        many batches of a large model cost only their data: this is how
        :class:`gamedyn.games.AveragedGame` averages a checkpoint's field over a
        data set. ``gp_seed`` draws the new batch's penalty interpolation weights.
        """
        other = copy.copy(self)
        other.real = self._batch("real", real)
        other.latent = self._batch("latent", latent)
        other._check_shapes(other.real, other.latent)
        other.epsilon = other._interpolation_weights(gp_seed)
        return other

    def with_dtype(self, dtype: torch.dtype) -> TorchGame:
        """The same game (players, loss, penalty, batch, device) in another dtype.

        The players' copies and every floating tensor (batches, ``z0``, penalty weights,
        buffers such as frozen spectral-norm vectors) are converted; the game itself is
        unchanged. Mixed-precision solves use it for their float32 products
        (:func:`gamedyn.spectrum.top_eigenvalues` with ``precision="mixed"``).
        """
        if dtype not in (torch.float64, torch.float32):
            raise TypeError(f"dtype must be torch.float64 or torch.float32, got {dtype!r}")
        if dtype == self.dtype:
            return self
        other = copy.copy(self)
        other.dtype = dtype
        for name, value in vars(self).items():
            if isinstance(value, Tensor) and value.is_floating_point():
                setattr(other, name, value.to(dtype))
            elif isinstance(value, Player):
                twin = copy.copy(value)
                twin.module = copy.deepcopy(value.module).to(dtype)
                setattr(other, name, twin)
        return other

    def default_point(self) -> Tensor:
        """``z0``: the checkpoint's parameters (where every analysis linearises by default)."""
        return self.z0

    # --- construction helpers ----------------------------------------------------------------

    def _batch(self, name: str, value: Any) -> Tensor:
        if value is None:
            raise ValueError(f"{name} must be a batch tensor, got None")
        tensor = _validate.real_tensor(name, value, self.dtype, self.device)
        if tensor.ndim < 1 or tensor.shape[0] == 0:
            raise ValueError(
                f"{name} must have a non-empty batch dimension, got shape {tuple(tensor.shape)}"
            )
        return tensor

    def _check_shapes(self, real: Tensor, latent: Tensor) -> None:
        """The generator takes the latents and its fakes have the real samples' shape (the
        discriminator sees both, and the gradient penalty mixes them sample by sample)."""
        fake = forward("generator", self.generator.module, latent, "latent batch")
        if not isinstance(fake, Tensor) or tuple(fake.shape[1:]) != tuple(real.shape[1:]):
            shape = tuple(fake.shape) if isinstance(fake, Tensor) else type(fake).__name__
            raise ValueError(
                f"the generator's fake batch has shape {shape} but the real batch has shape "
                f"{tuple(real.shape)}: the samples must have the same shape (the discriminator "
                "sees both)"
            )

    def _interpolation_weights(self, seed: int) -> Tensor | None:
        if self.reg != "gp":
            return None
        gen = torch.Generator().manual_seed(_validate.seed("gp_seed", seed))
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
            return 0.5 * self.reg_weight * squared_input_gradient_norms(critic, self.real).mean()
        if self.reg == "r2":
            return 0.5 * self.reg_weight * squared_input_gradient_norms(critic, fake).mean()
        n = min(self.real.shape[0], fake.shape[0])
        eps = self.epsilon[:n]
        mixed = eps * self.real[:n] + (1 - eps) * fake[:n]
        norms = squared_input_gradient_norms(critic, mixed).sqrt()
        return self.reg_weight * (norms - 1).square().mean()

    def player_losses(self, y: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """``(L_D, L_G)`` as functions of the discriminator's parameters and the fake batch."""
        real_logits, fake_logits = self.discriminator.each(y, self.real, fake)
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

        ``u = G_x(latent)`` once and the discriminator once on the real and once on the fake
        batch. Without a regulariser (the lean field): under torch.func transforms the losses
        are pulled back to the logits first, then the real branch once (``∂_y L_D`` only) and
        the fake branch twice (its part of ``∂_y L_D``, and ``∂_u L_G``), then
        ``∇_x L_G = (∂u/∂x)ᵀ ∂_u L_G``; outside them, a training step's two backward passes on
        one graph (:meth:`_field_by_autograd`), which compute only the gradients needed. No
        backward pass multiplies zeros, and both are bit-identical to
        :meth:`_field_both_losses` (tested). With a regulariser the discriminator's losses are
        pulled back together (:meth:`_field_both_losses`). Pure: torch.func transforms (jvp,
        vjp, vmap) apply.
        """
        lean = self.reg is None or self.reg_weight == 0.0
        if not _under_transform(z):
            if z.requires_grad:
                return self._field_differentiable(z)
            if lean:
                return self._field_by_autograd(z)
        if not lean:
            return self._field_both_losses(z)
        vjp = _pullback(z)
        x, y = self.split(z)
        fake, pull_g = vjp(self.fake, x)
        real_logits, pull_real = vjp(lambda w: self.discriminator(w, self.real), y)
        fake_logits, pull_fake = vjp(self.discriminator, y, fake)

        def losses(real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
            return discriminator_loss(self.loss, real, fake), generator_loss(self.loss, fake)

        (l_d, _), pull_losses = vjp(losses, real_logits, fake_logits)
        one, zero = torch.ones_like(l_d), torch.zeros_like(l_d)
        real_bar, fake_bar_d = pull_losses((one, zero))
        _, fake_bar_g = pull_losses((zero, one))
        grad_y = pull_real(real_bar)[0] + pull_fake(fake_bar_d, wrt=(0,))[0]  # ∂_y only
        (grad_x,) = pull_g(pull_fake(fake_bar_g, wrt=(1,))[1])  # ∂_u only
        return torch.cat([grad_x, grad_y])

    def _field_by_autograd(self, z: Tensor) -> Tensor:
        """The lean field outside torch.func transforms: one graph of both losses at leaves
        ``x``, ``y``, then ``∂L_D/∂y`` (the graph kept) and ``∂L_G/∂x``, autograd computing only
        what each needs (a training step's work; ``benchmarks/bench_field.py``)."""
        with torch.enable_grad():
            x, y = (part.detach().requires_grad_() for part in self.split(z))
            l_d, l_g = self.player_losses(y, self.fake(x))
            (grad_y,) = torch.autograd.grad(l_d, y, retain_graph=True, materialize_grads=True)
            (grad_x,) = torch.autograd.grad(l_g, x, materialize_grads=True)
        return torch.cat([grad_x, grad_y])

    def _field_differentiable(self, z: Tensor) -> Tensor:
        """The field differentiated again by plain autograd (``z.requires_grad``): the
        gradients of the two scalar losses with ``create_graph`` (no cotangent that depends on
        ``z`` is passed to ``torch.autograd.grad``: ``gamedyn/_autograd.py``); equal to the
        lean field up to the order of floating-point sums."""
        with torch.enable_grad():
            x, y = self.split(z)
            l_d, l_g = self.player_losses(y, self.fake(x))
            (grad_x,) = torch.autograd.grad(l_g, x, create_graph=True, materialize_grads=True)
            (grad_y,) = torch.autograd.grad(l_d, y, create_graph=True, materialize_grads=True)
        return torch.cat([grad_x, grad_y])

    def _field_both_losses(self, z: Tensor) -> Tensor:
        """The field with the discriminator's forward on ``(y, u)`` shared by both losses and
        pulled back twice (``∂_y L_D`` and ``∂_u L_G``), zeros included."""
        vjp = _pullback(z)
        x, y = self.split(z)
        fake, pull_g = vjp(self.fake, x)
        (l_d, l_g), pull_d = vjp(self.player_losses, y, fake)
        one, zero = torch.ones_like(l_d), torch.zeros_like(l_d)
        grad_y = pull_d((one, zero), wrt=(0,))[0]
        grad_fake = pull_d((zero, one), wrt=(1,))[1]
        (grad_x,) = pull_g(grad_fake)
        return torch.cat([grad_x, grad_y])

    def state_dicts(self, z: Any = None) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """The players' trainable parameters at ``z`` (default ``z0``) as two name→tensor dicts."""
        x, y = self.split(self.z0 if z is None else self.point(z))
        return self.generator.unflatten(x.clone()), self.discriminator.unflatten(y.clone())

    def __repr__(self) -> str:
        reg = f", reg={self.reg!r}, reg_weight={self.reg_weight}" if self.reg else ""
        exact = f", replaced_layers={len(self.replaced_layers)}" if self.replaced_layers else ""
        sn = self.frozen_spectral_norms
        frozen = f", frozen_spectral_norms={len(sn)}" if sn else ""
        return (
            f"TorchGame(nx={self.nx}, ny={self.ny}, loss={self.loss!r}{reg}, "
            f"batch={self.real.shape[0]}, batchnorm={self.batchnorm!r}{exact}{frozen}, "
            f"dtype={self.dtype})"
        )
