"""Per-player optimiser transforms: how one player turns its gradient into a step.

A transform is the optimiser of *one* player, as in optax: pure functions of explicit state.
:meth:`Transform.init` gives its vector slots for a fresh optimiser (``torch.optim``'s state at
creation) and :meth:`Transform.update` maps the player's gradient ``g`` at its parameters ``w``
to the step ``u`` (the player moves ``w⁺ = w − u``) and its new slots; ``t`` is the 1-based
number of this update (Adam's bias correction). A *play*
(:mod:`gamedyn.methods`: simultaneous, alternating, extrapolation, optimistic) decides
at which points the gradients are taken and in which order the players move; it calls the
players' transforms, so every rule is written once and extragradient over Adam *is* ExtraAdam.

* :class:`PlainTransform` — ``u = η g`` (``torch.optim.SGD`` without momentum);
* :class:`HeavyBallTransform` — Polyak's heavy ball ``u = η g − β (w − w_prev)``, its slot the
  previous iterate (the state layout of :class:`~gamedyn.methods.Momentum`);
* :class:`AdamTransform` — ``torch.optim.Adam``'s rule (bias correction, ``ε`` outside the
  square root, optional L2 or decoupled — AdamW — weight decay), or its frozen-preconditioner
  operator;
* :class:`RMSPropTransform` — ``torch.optim.RMSprop``'s rule (optionally centred, with
  momentum), or its frozen-preconditioner operator.

Two linearisations of the adaptive ones, from the same :meth:`update`: with the second moment
**tracked** (a slot: the exact optimiser, whose Jacobian has the moments in the state) or
**frozen** (``second_moment=`` given: the preconditioner ``1/(√v̂ + ε)`` held fixed, the
operator most analyses mean; :meth:`Transform.frozen` builds it from a state).

Elementwise products, quotients and :meth:`Ops.sqrt <gamedyn.methods.Ops.sqrt>` of vectors
are used only by tracked preconditioners (and by frozen vector ones); a transform with a frozen
*scalar* preconditioner uses only ``+``, ``−`` and scalar ``*``, so it runs on every backend.

Example:
  >>> import torch
  >>> from gamedyn.backends import TorchOps
  >>> from gamedyn.games import Bilinear
  >>> adam = AdamTransform(lr=0.1, beta1=0.9, beta2=0.999)
  >>> w, g = torch.tensor([1.0]), torch.tensor([2.0])
  >>> u, slots = adam.update(TorchOps(Bilinear([[1.0]])), g, w, adam.init(w), 1)
  >>> round(float(u), 6)           # the first Adam step has size lr·sign(g) (ε aside)
  0.1
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch

from .. import _validate
from ._base import Ops, Vec

__all__ = [
    "Transform",
    "PlainTransform",
    "HeavyBallTransform",
    "AdamTransform",
    "RMSPropTransform",
    "EPS_MODES",
    "scalar_sqrt",
    "describe",
]

EPS_MODES = ("torch", "legacy")
"""Where Adam adds ``ε``: ``"torch"`` — ``m̂/(√v̂ + ε)``, ``torch.optim.Adam``'s rule;
``"legacy"`` — ``lr √(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)``, Kingma and Ba's "efficient" form, used by
older PyTorch and by the published Variational-Inequality-GAN optimisers (``ExtraAdam``,
``OptimisticAdam``); it is ``m̂/(√v̂ + ε/√(1−β₂ᵗ))``."""


def scalar_sqrt(value: Any) -> Any:
    """``√value`` for a hyperparameter-level constant: a number, a sympy expression or a tensor."""
    if _validate.is_sympy(value):
        import sympy

        return sympy.sqrt(value)
    if isinstance(value, torch.Tensor):
        return torch.sqrt(value)
    return math.sqrt(value)


def _beta(name: str, value: Any, low: float) -> Any:
    value = _validate.real_scalar(name, value)
    if not _validate.is_symbolic(value) and not low <= value < 1.0:
        raise ValueError(f"{name} must lie in [{low:g}, 1), got {value!r}")
    return value


def _open_beta(name: str, value: Any) -> Any:
    """A momentum-like coefficient in ``(−1, 1)``: negative momentum is allowed for analysis."""
    value = _validate.real_scalar(name, value)
    if not _validate.is_symbolic(value) and not -1.0 < value < 1.0:
        raise ValueError(f"{name} must lie in (-1, 1), got {value!r}")
    return value


def _second_moment(value: Any) -> Any:
    """A frozen second moment ``v̂ ≥ 0``: a number (or sympy expression) or a 1-D tensor."""
    if value is None:
        return None
    if isinstance(value, (torch.Tensor, np.ndarray)) and np.ndim(value) > 0:
        tensor = torch.as_tensor(value).detach()
        if tensor.ndim != 1 or tensor.is_complex():
            raise ValueError(f"second_moment must be a number or a real 1-D vector, got {value!r}")
        if not torch.isfinite(tensor).all() or (tensor < 0).any():
            raise ValueError("second_moment must be finite and >= 0 everywhere")
        return tensor
    return _validate.nonnegative("second_moment", value)


def _frozen_step(value: Any) -> int | None:
    return None if value is None else _validate.integer_at_least("frozen_step", value, 1)


def describe(value: Any) -> str:
    """``repr`` with vectors summarised (``<vector of 630>``), also inside tuples."""
    if isinstance(value, torch.Tensor) and value.ndim > 0:
        return f"<vector of {value.shape[0]}>"
    if isinstance(value, tuple):
        inner = ", ".join(describe(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


class Transform(ABC):
    """One player's optimiser: vector slots, an optional step count, and one update rule.

    Attributes:
      slots: the names of its vector slots, in state order (``torch.optim`` state names where
        they exist: ``"exp_avg"``, ``"exp_avg_sq"``, ``"square_avg"``, ...).
      counted: whether it needs the number of updates made (bias correction).
    """

    slots: tuple[str, ...] = ()
    counted: bool = False

    def init(self, w: Vec) -> tuple:
        """The slots of a fresh optimiser at ``w``: zeros (``0 · w``, any backend)."""
        return tuple(0 * w for _ in self.slots)

    @abstractmethod
    def update(self, ops: Ops, g: Vec, w: Vec, slots: tuple, t: int | None) -> tuple[Vec, tuple]:
        """``(u, slots⁺)``: the step (``w⁺ = w − u``) and the new slots, for the gradient ``g``
        at ``w``; ``t`` is this update's 1-based number (``None`` when not counted)."""

    def shift(self, w: Vec, w_new: Vec, slots: tuple) -> tuple:
        """The slots once the iterate is moved from ``w`` to ``w_new`` by something other than
        this optimiser (a lookahead synchronisation that keeps the inner state): unchanged."""
        return slots

    def frozen(self, slots: tuple, t: int) -> tuple[Transform, tuple]:
        """``(transform, slots)``: this optimiser with its preconditioner held at ``slots``
        after ``t`` updates, and the slots it still tracks. Without a preconditioner: itself."""
        return self, slots

    @property
    def is_frozen(self) -> bool:
        """Whether the preconditioner is frozen (``False`` for transforms without one)."""
        return False

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor's arguments by name."""
        return dict(vars(self))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={describe(v)}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


class PlainTransform(Transform):
    """A plain step: ``u = η g`` (``torch.optim.SGD`` without momentum or weight decay).

    Args:
      lr: the step size ``η > 0``.
    """

    def __init__(self, lr: Any):
        self.lr = _validate.positive("lr", lr)

    def update(self, ops: Ops, g: Vec, w: Vec, slots: tuple, t: int | None) -> tuple[Vec, tuple]:
        return self.lr * g, ()


class HeavyBallTransform(Transform):
    """Polyak's heavy ball: ``u = η g − β (w − w_prev)``; the slot is the previous iterate.

    In this layout the state is ``(z_t, z_{t−1})`` started at ``(z_0, z_0)`` (zero velocity).
    ``torch.optim.SGD(momentum=β, dampening=0)`` is the same iteration with the buffer
    ``b_t = (w_{t−1} − w_t)/η``. A move of the iterate that keeps the optimiser's state keeps the
    velocity ``w − w_prev`` (:meth:`shift`), as LAGAN's lookahead keeps the momentum buffer.

    Args:
      lr: the step size ``η > 0``.
      beta: the momentum ``β``, any sign.
    """

    slots = ("previous",)

    def __init__(self, lr: Any, beta: Any):
        self.lr = _validate.positive("lr", lr)
        self.beta = _validate.real_scalar("beta", beta)

    def init(self, w: Vec) -> tuple:
        return (w,)

    def update(self, ops: Ops, g: Vec, w: Vec, slots: tuple, t: int | None) -> tuple[Vec, tuple]:
        (previous,) = slots
        return self.lr * g - self.beta * (w - previous), (w,)

    def shift(self, w: Vec, w_new: Vec, slots: tuple) -> tuple:
        (previous,) = slots
        return (w_new - (w - previous),)


class AdamTransform(Transform):
    """Adam (Kingma and Ba 2015) as ``torch.optim.Adam`` computes it, or its frozen operator.

    Tracked (the exact optimiser; slots ``exp_avg`` = ``m``, ``exp_avg_sq`` = ``v``; counted):

    ``g ← g + λ w`` (L2 weight decay, unless decoupled),
    ``m⁺ = β₁ m + (1 − β₁) g``,  ``v⁺ = β₂ v + (1 − β₂) g²``,
    ``u = lr · (m⁺/(1 − β₁ᵗ)) / (√(v⁺/(1 − β₂ᵗ)) + ε)`` (``+ lr λ w`` when decoupled: AdamW).

    Frozen (``second_moment = v̂`` given; slot ``exp_avg`` only; not counted): the same rule
    with the bias-corrected second moment held at ``v̂`` and the bias correction of ``m`` held
    at the step ``τ = frozen_step`` (``None``: no correction, ``t → ∞``),
    ``u = lr · (m⁺/(1 − β₁^τ)) / (√v̂ + ε)``. The map ``(w, m) ↦ (w⁺, m⁺)`` is then affine in
    ``m`` and, for a scalar ``v̂``, a heavy ball in disguise: with ``a = lr/((1 − β₁^τ)(√v̂ + ε))``
    its eigenvalues solve ``μ² − (1 + β₁ − a(1 − β₁)λ) μ + β₁ = 0``, heavy-ball momentum
    ``β = β₁`` with step ``η = a(1 − β₁)`` (derived from this step in
    :func:`gamedyn.spectrum.characteristic_polynomial`, not written anywhere).

    The exact Jacobian differentiates ``√v⁺``. Where ``v⁺ = 0`` (a gradient coordinate that has
    always been exactly zero — a fresh optimiser at a fixed point of the game, a dead unit — so
    that ``m⁺ = 0`` too) the step's numerator is first order in any perturbation and ``√``'s
    infinite slope only enters at second order: the derivative is the one with ``d√v = 0``,
    which the torch backends' ``sqrt`` returns (:meth:`gamedyn.backends.TorchOps.sqrt`).

    Args:
      lr: the step size ``> 0``.
      beta1: ``β₁ ∈ (−1, 1)`` (``torch.optim`` needs ``[0, 1)``; negative values are for
        analysis).
      beta2: ``β₂ ∈ [0, 1)``.
      eps: ``ε ≥ 0``.
      weight_decay: ``λ ≥ 0``.
      decoupled: decoupled weight decay (AdamW, ``torch.optim.Adam(decoupled_weight_decay=
        True)``).
      eps_mode: ``"torch"`` or ``"legacy"`` (:data:`EPS_MODES`).
      second_moment: ``None`` (tracked) or the frozen ``v̂ ≥ 0``: a number or a vector of the
        player's size.
      frozen_step: ``τ``, the step whose bias corrections the frozen operator uses.
    """

    def __init__(
        self,
        lr: Any,
        beta1: Any = 0.9,
        beta2: Any = 0.999,
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        decoupled: bool = False,
        eps_mode: str = "torch",
        second_moment: Any = None,
        frozen_step: int | None = None,
    ):
        self.lr = _validate.positive("lr", lr)
        self.beta1 = _open_beta("beta1", beta1)
        self.beta2 = _beta("beta2", beta2, 0.0)
        self.eps = _validate.nonnegative("eps", eps)
        self.weight_decay = _validate.nonnegative("weight_decay", weight_decay)
        if not isinstance(decoupled, bool):
            raise TypeError(f"decoupled must be a bool, got {decoupled!r}")
        self.decoupled = decoupled
        self.eps_mode = _validate.choice("eps_mode", eps_mode, EPS_MODES)
        self.second_moment = _second_moment(second_moment)
        self.frozen_step = _frozen_step(frozen_step)
        if self.second_moment is None and self.frozen_step is not None:
            raise ValueError("frozen_step goes with a frozen second_moment")
        if self.second_moment is not None:
            self.slots = ("exp_avg",)
            self.counted = False
            self._denominator = scalar_sqrt(self.second_moment) + self._eps_at(self.frozen_step)
        else:
            self.slots = ("exp_avg", "exp_avg_sq")
            self.counted = True

    @property
    def is_frozen(self) -> bool:
        return self.second_moment is not None

    def hyperparameters(self) -> dict[str, Any]:
        out = {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}
        if self.weight_decay != 0:
            out.update(weight_decay=self.weight_decay, decoupled=self.decoupled)
        if self.eps_mode != "torch":
            out["eps_mode"] = self.eps_mode
        if self.second_moment is not None:
            out.update(second_moment=self.second_moment, frozen_step=self.frozen_step)
        return out

    def _bias(self, beta: Any, t: int | None) -> Any:
        return 1 if t is None else 1 - beta**t

    def _eps_at(self, t: int | None) -> Any:
        """``ε`` in torch mode; ``ε/√(1 − β₂ᵗ)`` in legacy mode (module :data:`EPS_MODES`)."""
        if self.eps_mode == "torch" or t is None:
            return self.eps
        return self.eps / scalar_sqrt(self._bias(self.beta2, t))

    def update(self, ops: Ops, g: Vec, w: Vec, slots: tuple, t: int | None) -> tuple[Vec, tuple]:
        if self.weight_decay != 0 and not self.decoupled:
            g = g + self.weight_decay * w
        m = self.beta1 * slots[0] + (1 - self.beta1) * g
        if self.second_moment is None:
            v = self.beta2 * slots[1] + (1 - self.beta2) * (g * g)
            # v̂ = v/(1 − β₂ᵗ); √v̂ = √v/√(1 − β₂ᵗ). torch divides √v by √(1 − β₂ᵗ) and then
            # adds ε; the legacy form adds ε/√(1 − β₂ᵗ) to √v̂, the same as ε to √v before
            # scaling: both are ε + √v̂ with the ε of _eps_at.
            denominator = ops.sqrt(v) * (1 / scalar_sqrt(self._bias(self.beta2, t)))
            denominator = denominator + self._eps_at(t)
            u = (self.lr / self._bias(self.beta1, t)) * (m / denominator)
            new_slots: tuple = (m, v)
        else:
            scale = self.lr / self._bias(self.beta1, self.frozen_step)
            if isinstance(self._denominator, torch.Tensor):  # in the state's dtype and device
                u = scale * (m / self._denominator.to(dtype=m.dtype, device=m.device))
            else:  # a number: scalar arithmetic only, so every backend runs it
                u = (scale / self._denominator) * m
            new_slots = (m,)
        if self.weight_decay != 0 and self.decoupled:
            u = u + (self.lr * self.weight_decay) * w
        return u, new_slots

    def frozen(self, slots: tuple, t: int) -> tuple[Transform, tuple]:
        """Held at ``v̂ = v/(1 − β₂ᵗ)`` (the state's bias-corrected second moment), with the
        bias corrections of the next step ``τ = t + 1``; ``t ≥ 1`` (a fresh optimiser has no
        second moment to hold)."""
        if self.second_moment is not None:
            return self, slots
        t = _validate.integer_at_least("the step count of the state to freeze", t, 1)
        m, v = slots
        hyper = self.hyperparameters()
        hyper.update(second_moment=v / (1 - self.beta2**t), frozen_step=t + 1)
        return AdamTransform(**hyper), (m,)


class RMSPropTransform(Transform):
    """RMSProp (Tieleman and Hinton 2012) as ``torch.optim.RMSprop`` computes it, or frozen.

    Tracked (slots ``square_avg`` = ``v``, then ``momentum_buffer`` = ``b`` if ``momentum``,
    then ``grad_avg`` = ``ḡ`` if ``centered``):

    ``g ← g + λ w``,  ``v⁺ = α v + (1 − α) g²``,  ``ḡ⁺ = α ḡ + (1 − α) g``,
    ``d = √(v⁺ − ḡ⁺²) + ε`` (centred) or ``√v⁺ + ε``,
    ``b⁺ = μ b + g/d``, ``u = lr b⁺`` (momentum ``μ > 0``) or ``u = lr g/d``.

    Frozen (``second_moment`` = the held ``v − ḡ²`` or ``v``): ``d = √v̂ + ε`` fixed; only the
    momentum buffer (if any) is tracked. There is no bias correction and no step count.

    Args:
      lr: the step size ``> 0``.
      alpha: the smoothing constant ``α ∈ [0, 1)``.
      eps: ``ε ≥ 0``.
      weight_decay: ``λ ≥ 0`` (L2, added to the gradient).
      momentum: ``μ ∈ [0, 1)``.
      centered: subtract the squared mean gradient (Graves 2013).
      second_moment: ``None`` (tracked) or the frozen ``v̂ ≥ 0`` (a number or a vector).
    """

    def __init__(
        self,
        lr: Any,
        alpha: Any = 0.99,
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        momentum: Any = 0.0,
        centered: bool = False,
        second_moment: Any = None,
    ):
        self.lr = _validate.positive("lr", lr)
        self.alpha = _beta("alpha", alpha, 0.0)
        self.eps = _validate.nonnegative("eps", eps)
        self.weight_decay = _validate.nonnegative("weight_decay", weight_decay)
        self.momentum = _beta("momentum", momentum, 0.0)
        if not isinstance(centered, bool):
            raise TypeError(f"centered must be a bool, got {centered!r}")
        self.centered = centered
        self.second_moment = _second_moment(second_moment)
        buffer = ("momentum_buffer",) if self.momentum != 0 else ()
        if self.second_moment is None:
            self.slots = ("square_avg",) + buffer + (("grad_avg",) if centered else ())
        else:
            self.slots = buffer
            self._denominator = scalar_sqrt(self.second_moment) + self.eps

    @property
    def is_frozen(self) -> bool:
        return self.second_moment is not None

    def hyperparameters(self) -> dict[str, Any]:
        out = {"lr": self.lr, "alpha": self.alpha, "eps": self.eps}
        if self.weight_decay != 0:
            out["weight_decay"] = self.weight_decay
        if self.momentum != 0:
            out["momentum"] = self.momentum
        if self.centered:
            out["centered"] = True
        if self.second_moment is not None:
            out["second_moment"] = self.second_moment
        return out

    def update(self, ops: Ops, g: Vec, w: Vec, slots: tuple, t: int | None) -> tuple[Vec, tuple]:
        if self.weight_decay != 0:
            g = g + self.weight_decay * w
        named = dict(zip(self.slots, slots, strict=True))
        new: dict[str, Vec] = {}
        if self.second_moment is None:
            v = self.alpha * named["square_avg"] + (1 - self.alpha) * (g * g)
            new["square_avg"] = v
            if self.centered:
                mean = self.alpha * named["grad_avg"] + (1 - self.alpha) * g
                new["grad_avg"] = mean
                v = v - mean * mean
            direction = g / (ops.sqrt(v) + self.eps)
        elif isinstance(self._denominator, torch.Tensor):
            direction = g / self._denominator.to(dtype=g.dtype, device=g.device)
        else:
            direction = (1 / self._denominator) * g
        if self.momentum != 0:
            direction = self.momentum * named["momentum_buffer"] + direction
            new["momentum_buffer"] = direction
        return self.lr * direction, tuple(new[name] for name in self.slots)

    def frozen(self, slots: tuple, t: int) -> tuple[Transform, tuple]:
        """Held at the state's ``v`` (``v − ḡ²`` when centred); the momentum buffer is kept."""
        if self.second_moment is not None:
            return self, slots
        named = dict(zip(self.slots, slots, strict=True))
        v = named["square_avg"]
        if self.centered:
            v = v - named["grad_avg"] * named["grad_avg"]
        hyper = self.hyperparameters()
        hyper["second_moment"] = v
        frozen = RMSPropTransform(**hyper)
        return frozen, tuple(named[name] for name in frozen.slots)
