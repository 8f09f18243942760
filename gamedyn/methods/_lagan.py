"""LAGAN's extragradient (Chavdarova et al.'s released trainer): its own rule, not Gidel et al.'s.

LAGAN's ``lagan/trainer.py`` (``_update_pair`` with ``extra=True``) runs extragradient over
``torch.optim.Adam`` with **four** optimisers: each player's update optimiser and a *separate*
extrapolation optimiser per player (``g_optimizer_extra``, ``d_optimizer_extra``, acting on copies
of the networks synchronised at the start of each iteration), and takes the update's gradients at
**mixed** points. One round, with ``n_critic`` (their ``d_iters``) discriminator sub-steps:

1. extrapolation, from ``z_t = (x_t, y_t)``, with the extrapolation optimisers:
   ``y½``: ``n_critic`` discriminator steps from ``y_t``, each with ``∇_y L_y`` at
   ``(x_t, y)`` at the current ``y``; ``x½``: one generator step from ``x_t`` with ``∇_x L_x``
   at ``(x_t, y_t)``;
2. update, with the update optimisers:
   ``y_{t+1}``: ``n_critic`` discriminator steps from ``y_t``, the first with ``∇_y L_y`` at
   ``(x½, y_t)`` (then at ``(x½, y)`` at the current ``y``); ``x_{t+1}``: one generator step from
   ``x_t`` with ``∇_x L_x`` at ``(x_t, y½)``.

Gidel et al.'s :class:`~gamedyn.methods.ExtraAdam` instead has one Adam state per player, updated
by the extrapolation and by the update, and takes both update gradients at ``(x½, y½)``.

**State**: ``(z, *slots, *slots_extrapolation, [t_x, t_y])`` — the update optimisers' slots
(Adam: ``m``, ``v``), then the extrapolation optimisers' (``exp_avg_extrapolation``,
``exp_avg_sq_extrapolation``), then the step counts. The two optimisers of a player always have
the same step count (the extrapolation optimiser steps exactly as often as the update one), so
the counts are kept once. Started from an
:class:`~gamedyn.methods.OptimiserState` without the extrapolation slots (a
checkpoint of the update optimisers only), the extrapolation optimisers start as copies of the
update ones.

Example:
  >>> import gamedyn
  >>> from gamedyn.games import Bilinear
  >>> method = LaganExtraAdam(0.01, betas=(0.5, 0.9))
  >>> method.order                   # z, the update Adam's m, v and the extrapolation Adam's m, v
  5
  >>> gamedyn.run(method, Bilinear([[1.0]]), [1, 1], 3).shape
  (4, 2)

References:
  Chavdarova, Pagliardini, Stich, Fleuret and Jaggi, "Taming GANs with Lookahead-Minmax", ICLR
  2021 (code: github.com/Chavdarova/LAGAN-Lookahead_Minimax, ``lagan/trainer.py``).
"""

from __future__ import annotations

from typing import Any

import torch

from .. import _validate
from ._adam import _AdamFamily, adam_players
from ._base import Count, Ops, State, Vec
from ._optimiser_state import OptimiserState
from ._play import Play, _players
from ._transforms import Transform

__all__ = ["LaganExtrapolation", "LaganExtraAdam", "EXTRAPOLATION_SUFFIX"]

EXTRAPOLATION_SUFFIX = "_extrapolation"
"""The extrapolation optimiser's slots are the update optimiser's names with this suffix."""


class LaganExtrapolation(Play):
    """LAGAN's extragradient schedule (module docstring): separate extrapolation optimisers,
    mixed gradient points, ``n_critic`` discriminator sub-steps.

    Args:
      players: the update optimisers' transforms (one for both players, or a pair).
      n_critic: the discriminator's sub-steps in each phase (LAGAN's ``d_iters``, ``≥ 1``).
      extrapolators: the extrapolation optimisers' transforms (default: the same as
        ``players``, LAGAN's: the same ``lr`` and ``betas``).
      start: an optimiser state to start from.
    """

    def __init__(
        self,
        players: Any,
        n_critic: int = 1,
        *,
        extrapolators: Any = None,
        start: OptimiserState | None = None,
    ):
        self.n_critic = _validate.integer_at_least("n_critic", n_critic, 1)
        self.extrapolators, _ = _players(players if extrapolators is None else extrapolators)
        super().__init__(players, start=start)
        if self.extrapolators[0].slots != self.slots:
            raise ValueError(
                f"the extrapolation optimisers {self.extrapolators!r} must be of the update "
                f"optimisers' kind {self.players!r}"
            )

    def _layout(self) -> None:
        super()._layout()
        self.extras = tuple(name + EXTRAPOLATION_SUFFIX for name in self.slots)
        self.order = 1 + 2 * len(self.slots)

    def _play_hyperparameters(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n_critic": self.n_critic}
        if self.extrapolators != self.players:
            out["extrapolators"] = self.extrapolators
        return out

    def init(self, z: Vec) -> State:
        """Fresh: zero moments for all four optimisers, step 0. From ``start=``: its slots, and
        its extrapolation slots where it has them (else copies of the update optimisers')."""
        if self.start is None:
            slots = self.players[0].init(z)
            return (z, *slots, *self.extrapolators[0].init(z), *self._fresh_counts())
        main = tuple(self._start_vector(name, z, required=True) for name in self.slots)
        extra = tuple(
            self._start_vector(name + EXTRAPOLATION_SUFFIX, z, required=False)
            if name + EXTRAPOLATION_SUFFIX in self.start.slots
            else m
            for name, m in zip(self.slots, main, strict=True)
        )
        counts = tuple(self._counts(self.start.steps))
        return (z, *main, *extra, *counts)

    def _fresh_counts(self) -> tuple:
        return tuple(self._counts((0, 0)))

    def _counts(self, steps: tuple[int, int]) -> tuple:
        return (Count(steps[0]), Count(steps[1])) if self.counted else ()

    def _move(
        self,
        ops: Ops,
        transform: Transform,
        player: int,
        point: Vec,
        slots: tuple,
        t: int | None,
    ) -> tuple[Vec, tuple]:
        """``(point⁺, slots⁺)``: ``player`` (0 or 1) steps from ``point`` with its gradient at
        ``point`` and update number ``t``; the other player's part of ``point`` and of the slots
        is kept."""
        g = ops.split(ops.field(point))[player]
        w = ops.split(point)
        parts = [ops.split(s) for s in slots]
        u, new = transform.update(ops, g, w[player], tuple(p[player] for p in parts), t)
        moved = w[player] - u
        if player == 0:
            point = ops.join(moved, w[1])
            slots = tuple(ops.join(a, p[1]) for a, p in zip(new, parts, strict=True))
        else:
            point = ops.join(w[0], moved)
            slots = tuple(ops.join(p[0], b) for b, p in zip(new, parts, strict=True))
        return point, slots

    def step(self, ops: Ops, state: State) -> State:
        z, slots, extra, flags, counts = self._unpack(state)
        tx, ty = (int(c) for c in counts) if counts else (None, None)

        def number(t: int | None, i: int) -> int | None:
            return None if t is None else t + i

        ex, ey = self.extrapolators
        # 1. extrapolation: the discriminator's copy n_critic times at (x_t, y), then the
        #    generator's copy once at (x_t, y_t) — both from z_t, with their own optimisers.
        point = z
        for i in range(self.n_critic):
            point, extra = self._move(ops, ey, 1, point, extra, number(ty, i + 1))
        y_half = ops.split(point)[1]
        point, extra = self._move(ops, ex, 0, z, extra, number(tx, 1))
        x_half = ops.split(point)[0]
        x, y = ops.split(z)
        # 2. update: the discriminator from y_t against x½, then the generator from x_t against y½.
        point = ops.join(x_half, y)
        for i in range(self.n_critic):
            point, slots = self._move(ops, self.players[1], 1, point, slots, number(ty, i + 1))
        y_new = ops.split(point)[1]
        generator = self.players[0]
        point, slots = self._move(ops, generator, 0, ops.join(x, y_half), slots, number(tx, 1))
        x_new = ops.split(point)[0]
        new_counts = self._counts((tx + 1, ty + self.n_critic)) if counts else ()
        return self._pack(ops.join(x_new, y_new), slots, extra, flags, new_counts)

    def frozen(self) -> Play:
        """Both pairs of optimisers frozen at the starting state (each at its own slots and the
        player's step count): state ``(z, m, m_extrapolation)``."""
        if self.start is None:
            raise ValueError(
                f"{self!r} starts fresh: it has no second moment to freeze; start it from an "
                "OptimiserState (start=) or give the preconditioner (second_moment=)"
            )
        if not self.counted:
            return self
        start = self.start
        frozen_players, frozen_extra = [], []
        kept: dict[str, list] = {}
        for i, (main, extra) in enumerate(zip(self.players, self.extrapolators, strict=True)):
            step = start.steps[i]
            main_parts = tuple(start.split(n)[i] for n in self.slots)
            extra_parts = tuple(
                start.split(n + EXTRAPOLATION_SUFFIX)[i]
                if n + EXTRAPOLATION_SUFFIX in start.slots
                else p
                for n, p in zip(self.slots, main_parts, strict=True)
            )
            fm, km = main.frozen(main_parts, step)
            fe, ke = extra.frozen(extra_parts, step)
            frozen_players.append(fm)
            frozen_extra.append(fe)
            for name, a in zip(fm.slots, km, strict=True):
                kept.setdefault(name, []).append(a)
            for name, a in zip(fe.slots, ke, strict=True):
                kept.setdefault(name + EXTRAPOLATION_SUFFIX, []).append(a)
        slots = {name: torch.cat(parts) for name, parts in kept.items()}
        started = OptimiserState(slots, start.steps, start.nx) if slots else None
        return self.replace(
            players=tuple(frozen_players), extrapolators=tuple(frozen_extra), start=started
        )


class LaganExtraAdam(_AdamFamily):
    """LAGAN's extragradient over Adam (``lagan/trainer.py`` with ``extra=True``): separate
    extrapolation Adam states per player, the discriminator's update gradient at ``(x½, y_t)``,
    the generator's at ``(x_t, y½)`` (the module docstring).

    The training script of Chavdarova et al. (ICLR 2021), not an optimiser class; its order of
    play: within each phase the discriminator's copy moves first, but every gradient is taken at
    the points listed in the module docstring. Lookahead around it, as LAGAN runs it, is
    ``build("la-extra-adam")``. Gidel et al.'s rule is :class:`~gamedyn.methods.ExtraAdam`.

    Args:
      lr: step size, or ``(lr_G, lr_D)`` (LAGAN's ``g_lr``, ``d_lr``).
      betas: ``(β₁, β₂)``, or one pair per player (LAGAN's ``g_beta1``/``d_beta1``, ``beta2``).
      eps, weight_decay, decoupled_weight_decay, eps_mode, second_moment, frozen_step: as
        :class:`~gamedyn.methods.Adam` (the same for both optimisers of a player).
      n_critic: the discriminator's sub-steps per phase (LAGAN's ``d_iters``).
      start: an :class:`~gamedyn.methods.OptimiserState` to start from.
    """

    def __init__(
        self,
        lr: Any,
        betas: Any = (0.9, 0.999),
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        *,
        decoupled_weight_decay: bool = False,
        n_critic: int = 1,
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
        super().__init__(LaganExtrapolation(players, n_critic, start=start))

    def _play_options(self) -> dict[str, Any]:
        return {"n_critic": self.play.n_critic} if self.play.n_critic != 1 else {}
