"""The Adam family as GANs are trained with it: Adam, AltAdam, ExtraAdam, PastExtraAdam, OptimAdam.

Each is a game schedule (:mod:`gamedyn.methods`, a play) over one
:class:`~gamedyn.methods.AdamTransform` per player — written once there, as
``torch.optim.Adam`` computes it. **Which is which** (the code each reproduces, and its order of
play):

* :class:`Adam` — ``torch.optim.Adam`` per player (the optimiser class); simultaneous
  (``SimAdam``), or with ``alternating=True`` ``n_critic`` discriminator steps per generator
  step, discriminator first by default (``AltAdam1``, ``AltAdam5``: GAN training loops, LAGAN's
  and Variational-Inequality-GAN's training scripts), or the generator first;
* :class:`ExtraAdam` — Gidel et al.'s optimiser class ``ExtraAdam`` (with
  ``eps_mode="legacy"``): the moments and the step count are updated by the extrapolation *and*
  by the update, both update gradients at ``(x½, y½)``; simultaneous, as the class is. Their
  *training scripts* update the discriminator in place (``p.data``) before the generator's
  backward pass, so on the bilinear game (whose generator gradient reads the discriminator's
  parameters) their runs are alternating, discriminator first — not this operator;
* :class:`PastExtraAdam` — Gidel et al.'s optimiser class ``PastExtraAdam`` (the same remark on
  their training scripts);
* :class:`OptimisticAdam` — ``z⁺ = z − 2u_t + u_{t−1}`` over Adam's steps ``u``, Gidel et
  al.'s optimiser class ``OptimisticAdam`` (Daskalakis et al.'s ``OptimAdam``); simultaneous;
* :class:`~gamedyn.methods.LaganExtraAdam` — LAGAN's *training script*'s extragradient
  (separate extrapolation Adam states, mixed update points), another rule than ExtraAdam.

Lookahead around them as LAGAN's training script runs it is ``build("la-adam")`` (alternating
Adam, discriminator first) and ``build("la-extra-adam")`` (around ``LaganExtraAdam``), both with
``inner_state="keep"`` (the inner Adam state kept at each synchronisation) and
``slow_start="first-sync"``; Gidel et al.'s rule inside
lookahead is ``Lookahead(ExtraAdam(...), k, alpha, inner_state="keep")``.

On their own (no ``start=``) they start as fresh ``torch.optim.Adam`` optimisers do, one per
player: zero moments, step 0. Hyperparameters are per player where given as pairs (two
time-scale updates): ``lr=(lr_G, lr_D)``, ``betas=((β₁, β₂)_G, (β₁, β₂)_D)``, ``eps`` and
``weight_decay`` likewise.

**Two linearisations**, both of this one step: the *exact* operator, whose state holds the
moments ``(z, m, v)`` and the step counts (its Jacobian is ``3n × 3n``, derivative of the step in
``z``, ``m`` and ``v``), and the *frozen-preconditioner* operator (:meth:`Composed.frozen
<gamedyn.methods.Composed.frozen>`, or ``second_moment=`` given), whose second moment is
held at its checkpoint value (state ``(z, m)``, ``2n × 2n``) — what most analyses mean by "the
Adam operator". With a scalar frozen second moment Adam is heavy-ball momentum with ``β = β₁``
(its eigenvalue map, derived from the step, says so).

**The frozen-Adam convention** (:meth:`Composed.frozen
<gamedyn.methods.composed.Composed.frozen>` from a state, e.g. a checkpoint's): *each player*
is frozen at its own optimiser's step count ``t_p`` (``t_G`` and ``t_D`` differ when the
discriminator takes ``n_critic`` steps per generator step: 300 and 1,500): its preconditioner is
the bias-corrected second moment ``v̂_p = exp_avg_sq_p / (1 − β₂^{t_p})``, and the first
moment's bias correction is that of its next step, ``1 − β₁^{t_p + 1}`` (``frozen_step =
t_p + 1``). Both are held across *all* the sub-steps of one operator step — the ``n_critic``
discriminator sub-steps of an alternating round included — so the frozen operator is the same at
every step (no step counts in its state). :func:`frozen_statistics` says, per player, which step
was frozen and the preconditioner's statistics; the command line's record keeps them
(``settings["frozen_adam"]``).

Example:
  >>> import gamedyn
  >>> from gamedyn.games import Bilinear
  >>> trajectory = gamedyn.run(ExtraAdam(0.01, betas=(0.5, 0.9)), Bilinear([[1.0]]), [1, 1], 5)
  >>> trajectory.shape
  (6, 2)
"""

from __future__ import annotations

from typing import Any

import torch

from ._composed import Composed, per_player
from ._optimiser_state import OptimiserState
from ._play import (
    Alternating,
    Extrapolation,
    Optimistic,
    PastExtrapolation,
    one_step_play,
)
from ._transforms import AdamTransform, describe

__all__ = [
    "Adam",
    "ExtraAdam",
    "PastExtraAdam",
    "OptimisticAdam",
    "adam_players",
    "frozen_statistics",
]


def _betas(betas: Any) -> tuple[tuple[Any, Any], tuple[Any, Any], bool]:
    """``((β₁, β₂)_x, (β₁, β₂)_y, shared)`` from ``(β₁, β₂)`` or a pair of them."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2) or a pair of pairs, got {betas!r}")
    if all(isinstance(b, (tuple, list)) for b in betas):
        bx, by = (tuple(b) for b in betas)
        if len(bx) != 2 or len(by) != 2:
            raise ValueError(f"betas must be a pair of pairs (beta1, beta2), got {betas!r}")
        return bx, by, False
    if any(isinstance(b, (tuple, list)) for b in betas):
        raise ValueError(f"betas must be a pair (beta1, beta2) or a pair of pairs, got {betas!r}")
    return tuple(betas), tuple(betas), True


def adam_players(
    lr: Any,
    betas: Any = (0.9, 0.999),
    eps: Any = 1e-8,
    weight_decay: Any = 0.0,
    decoupled_weight_decay: bool = False,
    eps_mode: str = "torch",
    second_moment: Any = None,
    frozen_step: int | None = None,
) -> Any:
    """One :class:`~gamedyn.methods.AdamTransform` shared by both players, or a pair
    when any hyperparameter is given per player (a pair ``(x, y)``)."""
    lr_x, lr_y, s1 = per_player(lr)
    bx, by, s2 = _betas(betas)
    eps_x, eps_y, s3 = per_player(eps)
    wd_x, wd_y, s4 = per_player(weight_decay)
    v_x, v_y, s5 = per_player(second_moment)
    common = {"decoupled": decoupled_weight_decay, "eps_mode": eps_mode, "frozen_step": frozen_step}
    tx = AdamTransform(lr_x, bx[0], bx[1], eps_x, wd_x, second_moment=v_x, **common)
    if s1 and s2 and s3 and s4 and s5:
        return tx
    return tx, AdamTransform(lr_y, by[0], by[1], eps_y, wd_y, second_moment=v_y, **common)


class _AdamFamily(Composed):
    """Reports an Adam play's hyperparameters in the constructor's names."""

    def hyperparameters(self) -> dict[str, Any]:
        tx, ty = self.play.players
        shared = self.play.shared

        def same(get: Any) -> Any:
            a, b = get(tx), get(ty)
            return a if shared or _equal(a, b) else (a, b)

        betas_x, betas_y = (tx.beta1, tx.beta2), (ty.beta1, ty.beta2)
        out: dict[str, Any] = {
            "lr": same(lambda t: t.lr),
            "betas": betas_x if shared or betas_x == betas_y else (betas_x, betas_y),
            "eps": same(lambda t: t.eps),
        }
        weight_decay = same(lambda t: t.weight_decay)
        if weight_decay != 0:
            out["weight_decay"] = weight_decay
        if tx.decoupled:
            out["decoupled_weight_decay"] = True
        out.update(self._play_options())
        if tx.eps_mode != "torch":
            out["eps_mode"] = tx.eps_mode
        if tx.second_moment is not None:
            out["second_moment"] = (
                tx.second_moment if shared else (tx.second_moment, ty.second_moment)
            )
            frozen_step = same(lambda t: t.frozen_step)
            if frozen_step is not None:
                out["frozen_step"] = frozen_step
        if self.play.start is not None:
            out["start"] = self.play.start
        return out

    def _play_options(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={describe(v)}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, RuntimeError, ValueError):
        return False


class Adam(_AdamFamily):
    """Adam on both players (``torch.optim.Adam``, the optimiser class): simultaneous, or
    alternating with ``n_critic`` critic steps (the order of GAN training scripts).

    Simultaneous: both players take one ``torch.optim.Adam`` step with the gradients at ``z``.
    Alternating (``alternating=True``): ``n_critic`` steps of the discriminator (the second
    player), then one of the generator (``first="y"``, the default: as GAN training loops and
    :func:`gamedyn.examples.train` run it), or the generator first (``first="x"``, the order of
    :class:`~gamedyn.methods.AltGDA`); each sub-step sees the other player's latest parameters.

    Args:
      lr: step size, or ``(lr_G, lr_D)``.
      betas: ``(β₁, β₂)``, or one pair per player.
      eps: ``ε`` (outside the square root, after bias correction, as in ``torch.optim.Adam``).
      weight_decay: ``λ``: L2 (added to the gradient) or, with ``decoupled_weight_decay``, AdamW's
        decoupled decay.
      decoupled_weight_decay: AdamW (``torch.optim.AdamW``).
      alternating, n_critic, first: the play (above).
      eps_mode: ``"torch"`` or ``"legacy"`` (:data:`~gamedyn.methods.EPS_MODES`).
      second_moment: ``None`` (the exact optimiser) or a frozen ``v̂``: a number, or one per
        player (numbers or vectors of the players' sizes) — the frozen-preconditioner operator.
      frozen_step: the step whose bias corrections the frozen operator uses (default none).
      start: an :class:`~gamedyn.methods.OptimiserState` (an optimiser's saved state) to start
        from (``exp_avg``, ``exp_avg_sq`` and the steps; e.g. a checkpoint's, read by
        :func:`~gamedyn.methods.read_checkpoint_optimiser`).

    References:
      Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015. Loshchilov and
      Hutter, "Decoupled Weight Decay Regularization", ICLR 2019 (AdamW).
    """

    def __init__(
        self,
        lr: Any,
        betas: Any = (0.9, 0.999),
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        *,
        decoupled_weight_decay: bool = False,
        alternating: bool = False,
        n_critic: int = 1,
        first: str = "y",
        eps_mode: str = "torch",
        second_moment: Any = None,
        frozen_step: int | None = None,
        start: OptimiserState | None = None,
    ):
        players = adam_players(
            lr,
            betas,
            eps,
            weight_decay,
            decoupled_weight_decay,
            eps_mode,
            second_moment,
            frozen_step,
        )
        super().__init__(one_step_play(players, alternating, n_critic, first, start))

    def _play_options(self) -> dict[str, Any]:
        if isinstance(self.play, Alternating):
            return {
                "alternating": True,
                "n_critic": self.play.n_critic,
                "first": self.play.first,
            }
        return {}


class ExtraAdam(_AdamFamily):
    """Extragradient over Adam: Gidel et al.'s optimiser class ``ExtraAdam`` (2019), both
    players simultaneously (their training scripts alternate, discriminator first: module
    docstring; LAGAN's rule is :class:`~gamedyn.methods.LaganExtraAdam`).

    An Adam step to the look-ahead point ``z½`` (moments and step count updated), then an Adam
    step from ``z`` with the gradient at ``z½`` (updated again): ``(z, m, v, t) ↦ (z⁺, m⁺, v⁺,
    t + 2)``. This is their released ``ExtraAdam`` (``extrapolation()`` then ``step()``, both
    the same Adam update) and also two ``torch.optim.Adam`` steps with the parameters restored
    in between; with ``eps_mode="legacy"`` it matches the released code's ``ε`` placement too.

    Args: as :class:`Adam` (no alternation).

    References:
      Gidel, Berard, Vignoud, Vincent and Lacoste-Julien, "A Variational Inequality Perspective
      on Generative Adversarial Networks", ICLR 2019.
    """

    play_class: Any = Extrapolation

    def __init__(
        self,
        lr: Any,
        betas: Any = (0.9, 0.999),
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        *,
        decoupled_weight_decay: bool = False,
        eps_mode: str = "torch",
        second_moment: Any = None,
        frozen_step: int | None = None,
        start: OptimiserState | None = None,
    ):
        players = adam_players(
            lr,
            betas,
            eps,
            weight_decay,
            decoupled_weight_decay,
            eps_mode,
            second_moment,
            frozen_step,
        )
        super().__init__(self.play_class(players, start=start))


class PastExtraAdam(ExtraAdam):
    """Extrapolation from the past over Adam (Gidel et al. 2019's ``PastExtraAdam``).

    The look-ahead is an Adam step with the gradient of the previous look-ahead point (the extra
    state vector ``past_gradient``), so one gradient per step; the update is an Adam step from
    ``z`` with the gradient at the new look-ahead point. The first step of a fresh run has no
    look-ahead (:class:`~gamedyn.methods.PastExtrapolation`).

    Args: as :class:`ExtraAdam`.
    """

    play_class = PastExtrapolation


class OptimisticAdam(ExtraAdam):
    """Optimistic Adam (Daskalakis et al. 2018): ``z⁺ = z − 2u_t + u_{t−1}`` with Adam's steps.

    ``u_t`` is the Adam step at ``z_t`` (moments updated once per step); the extra state vector
    ``previous_update`` holds ``u_{t−1}``, zero at the start, so the first step is ``z − 2u_0``
    as in the released ``OptimisticAdam`` (whose past term starts at step 2). With
    ``eps_mode="legacy"`` it matches that code's ``ε`` placement.

    Args: as :class:`ExtraAdam`.

    References:
      Daskalakis, Ilyas, Syrgkanis and Zeng, "Training GANs with Optimism", ICLR 2018.
    """

    play_class = Optimistic


def frozen_statistics(method: Any) -> dict[str, dict[str, Any]]:
    """Each player's frozen Adam preconditioner in ``method`` (through lookahead and averaging
    wrappers): ``{"generator": {...}, "discriminator": {...}}`` with

    * ``"step"``: the optimiser step ``t_p`` whose state was frozen, ``"frozen_step"``
      ``t_p + 1`` (the first moment's bias correction);
    * ``"second_moment"``: ``min``, ``median`` and ``max`` of ``v̂_p = exp_avg_sq/(1 − β₂^{t_p})``;
    * ``"preconditioner"``: the same of ``lr_p/(√v̂_p + ε)``, the per-coordinate step size.

    Empty when nothing is frozen (the exact optimiser, or no Adam inside).

    Example:
      >>> import torch
      >>> from gamedyn.methods import OptimiserState
      >>> state = OptimiserState(
      ...     {"exp_avg": torch.zeros(3), "exp_avg_sq": torch.tensor([1.0, 4.0, 9.0])}, (2, 10), 1
      ... )
      >>> stats = frozen_statistics(Adam(0.1, (0.5, 0.9), alternating=True, start=state).frozen())
      >>> stats["generator"]["step"], stats["discriminator"]["frozen_step"]
      (2, 11)
    """
    while not hasattr(method, "play") and hasattr(method, "base"):
        method = method.base
    play = getattr(method, "play", None)
    if play is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for name, transform in zip(("generator", "discriminator"), play.players, strict=True):
        v = getattr(transform, "second_moment", None)
        if v is None or not hasattr(transform, "frozen_step"):
            continue
        values = torch.as_tensor(v, dtype=torch.float64).reshape(-1)
        step = transform.frozen_step
        out[name] = {
            "step": None if step is None else step - 1,
            "frozen_step": step,
            "second_moment": _summary(values),
            "preconditioner": _summary(transform.lr / (values.sqrt() + transform.eps)),
        }
    return out


def _summary(values: torch.Tensor) -> dict[str, float]:
    return {
        "min": float(values.min()),
        "median": float(values.median()),
        "max": float(values.max()),
    }
