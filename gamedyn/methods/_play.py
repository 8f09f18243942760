"""Game plays: where the players take their gradients and in which order they move.

A play composes the players' optimiser transforms (:mod:`gamedyn.methods`, one
per player, with its own hyperparameters: two time-scale updates are a pair of transforms) into
one update operator of the game. Each rule is written once: extragradient over a plain step is
:class:`~gamedyn.methods.ExtraGradient`, over Adam it is
:class:`~gamedyn.methods.ExtraAdam`.

* :class:`Simultaneous` — both players step from ``z`` with the field at ``z``;
* :class:`Alternating` — ``n_critic`` steps of the second player (the discriminator of a
  :class:`~gamedyn.games.TorchGame`) per step of the first, either first
  (``first="y"``: as GAN training loops run, the discriminator first; ``first="x"``: the first
  player first, as :class:`~gamedyn.methods.AltGDA`); each sub-step sees the other player's
  latest parameters;
* :class:`Extrapolation` — extragradient: a look-ahead step, then the update from ``z`` with the
  field at the look-ahead point; the optimiser state is updated by both (Gidel et al.'s
  ``ExtraAdam``: moments and step count advance twice per step);
* :class:`PastExtrapolation` — extrapolation from the past (Popov 1980; Gidel et al.'s
  ``PastExtraAdam``): the look-ahead reuses the gradient of the previous look-ahead point;
* :class:`Optimistic` — ``z⁺ = z − 2u_t + u_{t−1}`` with ``u`` the optimiser's step
  (Daskalakis et al.'s optimistic mirror descent and Optimistic Adam).

**State** (:mod:`gamedyn.methods`): ``(z, *slots, *extras, *flags, [t_x, t_y])`` — the
iterate; each slot of the players' transforms as one ``n``-vector (first player's entries
first: ``m``, ``v`` for Adam); the play's own vectors (the past gradient, the previous
update); its own counts (whether a past gradient exists); and each player's update count when
the transforms are counted. A fresh play starts as fresh ``torch.optim`` optimisers do (zero
moments, step 0); ``start=`` (an :class:`~gamedyn.methods.OptimiserState`, e.g.
read from a checkpoint by :mod:`gamedyn.methods`) starts it from that state instead.
:meth:`Play.frozen` is the frozen-preconditioner operator at the starting state.

When both players share one transform (one set of hyperparameters) and their counts agree, the
transform is applied to the whole ``z`` at once — no split — so the step has an eigenvalue map
when the transform is linear (plain, heavy ball, Adam frozen at a number).
"""

from __future__ import annotations

from typing import Any

import torch

from .. import _validate
from ._base import Count, Method, Ops, State, Vec
from ._optimiser_state import OptimiserState
from ._transforms import Transform

__all__ = [
    "Play",
    "Simultaneous",
    "Alternating",
    "Extrapolation",
    "PastExtrapolation",
    "Optimistic",
    "FIRST",
    "first_player",
    "one_step_play",
]

FIRST = {"x": "x", "y": "y", "generator": "x", "discriminator": "y"}
"""Who moves first in an alternating play: ``"x"`` (the first player, a GAN's generator) or
``"y"`` (the second, the discriminator); the players' names are accepted as aliases."""


def first_player(value: Any) -> str:
    """``"x"`` or ``"y"`` from :data:`FIRST`'s names; checked."""
    if not isinstance(value, str) or value not in FIRST:
        raise ValueError(f"first must be one of {sorted(FIRST)}, got {value!r}")
    return FIRST[value]


def _players(players: Any) -> tuple[tuple[Transform, Transform], bool]:
    """``((T_x, T_y), shared)`` from one transform (shared by both players) or a pair."""
    if isinstance(players, Transform):
        return (players, players), True
    if isinstance(players, (tuple, list)) and len(players) == 2:
        tx, ty = players
        for name, t in (("players[0]", tx), ("players[1]", ty)):
            if not isinstance(t, Transform):
                raise TypeError(f"{name} must be a Transform, got {t!r}")
        if type(tx) is not type(ty) or tx.slots != ty.slots or tx.counted != ty.counted:
            raise ValueError(
                f"both players need the same kind of optimiser (the same slots), got {tx!r} and "
                f"{ty!r}"
            )
        return (tx, ty), tx is ty
    raise TypeError(f"players must be a Transform or a pair of them, got {players!r}")


class Play(Method):
    """A play over the players' transforms (see the module docstring).

    Args:
      players: one :class:`~gamedyn.methods.Transform` for both players, or a pair
        ``(T_x, T_y)`` of the same kind with their own hyperparameters.
      start: an :class:`~gamedyn.methods.OptimiserState` (an optimiser's saved state) to start
        from (default: fresh).
    """

    extras: tuple[str, ...] = ()
    """Names of the play's own vectors, after the transforms' slots."""
    flags: tuple[str, ...] = ()
    """Names of the play's own counts."""

    def __init__(self, players: Any, *, start: OptimiserState | None = None):
        self.players, self.shared = _players(players)
        if start is not None and not isinstance(start, OptimiserState):
            raise TypeError(f"start must be an OptimiserState or None, got {type(start).__name__}")
        self.start = start
        self._layout()

    def _layout(self) -> None:
        transform = self.players[0]
        self.slots = transform.slots
        self.counted = transform.counted
        self.order = 1 + len(self.slots) + len(self.extras)

    def hyperparameters(self) -> dict[str, Any]:
        players: Any = self.players[0] if self.shared else self.players
        out: dict[str, Any] = {"players": players}
        out.update(self._play_hyperparameters())
        if self.start is not None:
            out["start"] = self.start
        return out

    def _play_hyperparameters(self) -> dict[str, Any]:
        return {}

    # --- the state ----------------------------------------------------------------------------

    def init(self, z: Vec) -> State:
        """``(z, *slots, *extras, *flags, [t_x, t_y])`` fresh, or from ``start=``.

        A fresh state has the transforms' initial slots (zeros; heavy ball's previous iterate
        ``z``), zero extras and zero counts. From an ``OptimiserState``: its slots by name
        (each must be there), its extras where it has them (else zero: their value at a fixed
        point of the game) and its step counts.
        """
        if self.start is None:
            slots = self.players[0].init(z)  # entrywise: the same for either player's part
            steps = (0, 0)
            present: set[str] = set()
        else:
            slots = tuple(self._start_vector(name, z, required=True) for name in self.slots)
            steps = self.start.steps
            present = set(self.start.slots)
        extras = tuple(self._start_vector(name, z, required=False) for name in self.extras)
        flags = tuple(Count(self._initial_flag(name, present)) for name in self.flags)
        counts = (Count(steps[0]), Count(steps[1])) if self.counted else ()
        return (z, *slots, *extras, *flags, *counts)

    def _initial_flag(self, name: str, present: set[str]) -> int:
        return 0

    def optimiser_state(self, state: State, nx: int) -> OptimiserState:
        """The :class:`~gamedyn.methods.OptimiserState` of one of this
        play's (torch) states: its slots and extras by name, its step counts; ``nx`` is the
        first player's size. A play started from it (``start=``) continues from ``state``.
        """
        _, slots, extras, _, counts = self._unpack(state)
        named = dict(zip(self.slots + self.extras, slots + extras, strict=True))
        if "past_gradient" in named and self.flags and not int(self._unpack(state)[3][0]):
            del named["past_gradient"]  # no past gradient yet
        steps = (int(counts[0]), int(counts[1])) if counts else (0, 0)
        return OptimiserState(named, steps, nx)

    def _start_vector(self, name: str, z: Vec, required: bool) -> Vec:
        if self.start is None or name not in self.start.slots:
            if required:
                raise ValueError(
                    f"the optimiser state has no {name!r} (it has {sorted(self.start.slots)}); "
                    f"{self!r} needs {list(self.slots)}"
                )
            return 0 * z
        value = self.start.slots[name]
        if isinstance(z, torch.Tensor):
            if value.shape[0] != z.shape[0]:
                raise ValueError(
                    f"the optimiser state's {name!r} has {value.shape[0]} entries, z has "
                    f"{z.shape[0]}"
                )
            value = value.to(dtype=z.dtype, device=z.device)
        return value

    def _unpack(self, state: State) -> tuple[Vec, tuple, tuple, tuple, tuple]:
        k, e, f = len(self.slots), len(self.extras), len(self.flags)
        z = state[0]
        slots = tuple(state[1 : 1 + k])
        extras = tuple(state[1 + k : 1 + k + e])
        flags = tuple(state[1 + k + e : 1 + k + e + f])
        counts = tuple(state[1 + k + e + f :])
        return z, slots, extras, flags, counts

    @staticmethod
    def _pack(z: Vec, slots: tuple, extras: tuple, flags: tuple, counts: tuple) -> State:
        return (z, *slots, *extras, *flags, *counts)

    # --- the players' updates -----------------------------------------------------------------

    def _both(self, ops: Ops, g: Vec, w: Vec, slots: tuple, counts: tuple) -> tuple:
        """``(u, slots⁺, counts⁺)``: both players update with the gradient ``g`` at ``w``."""
        tx, ty = self.players
        if self.counted:
            cx, cy = int(counts[0]), int(counts[1])
            new_counts: tuple = (Count(cx + 1), Count(cy + 1))
        else:
            cx = cy = None
            new_counts = ()
        if self.shared and cx == cy:
            u, new = tx.update(ops, g, w, slots, None if cx is None else cx + 1)
            return u, new, new_counts
        gx, gy = ops.split(g)
        wx, wy = ops.split(w)
        parts = [ops.split(s) for s in slots]
        ux, new_x = tx.update(
            ops, gx, wx, tuple(p[0] for p in parts), None if cx is None else cx + 1
        )
        uy, new_y = ty.update(
            ops, gy, wy, tuple(p[1] for p in parts), None if cy is None else cy + 1
        )
        joined = tuple(ops.join(a, b) for a, b in zip(new_x, new_y, strict=True))
        return ops.join(ux, uy), joined, new_counts

    def _one(self, ops: Ops, player: int, z: Vec, slots: tuple, counts: tuple) -> tuple:
        """``(z⁺, slots⁺, counts⁺)``: one player (0 or 1) steps with the field at ``z``."""
        g = ops.split(ops.field(z))[player]
        w = ops.split(z)
        parts = [ops.split(s) for s in slots]
        t = None
        new_counts = counts
        if self.counted:
            t = int(counts[player]) + 1
            new_counts = tuple(Count(t) if i == player else c for i, c in enumerate(counts))
        u, new = self.players[player].update(ops, g, w[player], tuple(p[player] for p in parts), t)
        moved = w[player] - u
        z_new = ops.join(moved, w[1]) if player == 0 else ops.join(w[0], moved)
        if player == 0:
            joined = tuple(ops.join(a, p[1]) for a, p in zip(new, parts, strict=True))
        else:
            joined = tuple(ops.join(p[0], b) for b, p in zip(new, parts, strict=True))
        return z_new, joined, new_counts

    # --- wrappers' hooks ----------------------------------------------------------------------

    def with_iterate(self, ops: Ops, state: State, z: Vec) -> State:
        """The iterate moved to ``z``; the optimiser's state kept (each transform's
        :meth:`~gamedyn.methods.Transform.shift`: heavy ball keeps its velocity)."""
        old, slots, extras, flags, counts = self._unpack(state)
        tx, ty = self.players
        if slots and self.shared:
            slots = tx.shift(old, z, slots)
        elif slots:
            (ox, oy), (zx, zy) = ops.split(old), ops.split(z)
            parts = [ops.split(s) for s in slots]
            sx = tx.shift(ox, zx, tuple(p[0] for p in parts))
            sy = ty.shift(oy, zy, tuple(p[1] for p in parts))
            slots = tuple(ops.join(a, b) for a, b in zip(sx, sy, strict=True))
        return self._pack(z, slots, extras, flags, counts)

    def frozen(self) -> Play:
        """The frozen-preconditioner operator at the starting state.

        Each player's transform is replaced by its frozen version at ``start=``
        (:meth:`~gamedyn.methods.Transform.frozen`: Adam's bias-corrected second
        moment and step held, only ``m`` tracked), and the new method starts from the slots it
        still tracks and the same extras. Its state has no step counts: the operator is the same
        at every step. Transforms without a preconditioner (plain, heavy ball) are unchanged.

        Raises:
          ValueError: a tracked preconditioner and no starting state (a fresh optimiser has no
            second moment to freeze: give ``second_moment=`` instead).
        """
        tx, ty = self.players
        if not any(_adaptive(t) for t in self.players):
            return self
        if self.start is None:
            raise ValueError(
                f"{self!r} starts fresh: it has no second moment to freeze; start it from an "
                "OptimiserState (start=) or give the preconditioner (second_moment=)"
            )
        start = self.start
        parts = {name: start.split(name) for name in self.slots}
        fx, kept_x = tx.frozen(tuple(parts[n][0] for n in self.slots), start.steps[0])
        fy, kept_y = ty.frozen(tuple(parts[n][1] for n in self.slots), start.steps[1])
        slots = {
            name: torch.cat([a, b]) for name, a, b in zip(fx.slots, kept_x, kept_y, strict=True)
        }
        for name in self.extras:
            if name in start.slots:
                slots[name] = start.slots[name]
        started = OptimiserState(slots, start.steps, start.nx) if slots else None
        return self.replace(players=(fx, fy), start=started)


def _adaptive(transform: Transform) -> bool:
    """Whether a transform has a tracked preconditioner to freeze."""
    return type(transform).frozen is not Transform.frozen and not transform.is_frozen


class Simultaneous(Play):
    """Both players step at once: ``g = v(z)``, ``z⁺ = z − u(g)``.

    Over :class:`~gamedyn.methods.PlainTransform` this is GDA, over heavy ball
    simultaneous momentum, over Adam one ``torch.optim.Adam`` step per player from gradients
    taken at the same point (the Variational-Inequality-GAN code's ``SimAdam``).
    """

    def step(self, ops: Ops, state: State) -> State:
        z, slots, extras, flags, counts = self._unpack(state)
        u, slots, counts = self._both(ops, ops.field(z), z, slots, counts)
        return self._pack(z - u, slots, extras, flags, counts)


class Alternating(Play):
    """The players take turns; each sub-step takes the field at the latest parameters.

    ``first="x"``: the first player steps once, then the second ``n_critic`` times;
    ``first="y"``: the second player (a GAN's discriminator) ``n_critic`` times, then the first
    — the order of GAN training loops (and of :func:`gamedyn.examples.train`). One operator step
    is the whole round: ``n_critic + 1`` field evaluations.

    Args:
      players: one transform or a pair.
      n_critic: the second player's steps per step of the first (``≥ 1``).
      first: ``"x"``/``"generator"`` or ``"y"``/``"discriminator"``.
      start: an optimiser state to start from.
    """

    def __init__(
        self,
        players: Any,
        n_critic: int = 1,
        first: str = "y",
        *,
        start: OptimiserState | None = None,
    ):
        self.n_critic = _validate.integer_at_least("n_critic", n_critic, 1)
        self.first = first_player(first)
        super().__init__(players, start=start)

    def _play_hyperparameters(self) -> dict[str, Any]:
        return {"n_critic": self.n_critic, "first": self.first}

    def sequence(self) -> list[int]:
        """The players (0 = x, 1 = y) in the order they step within one operator step."""
        critic = [1] * self.n_critic
        return critic + [0] if self.first == "y" else [0] + critic

    def step(self, ops: Ops, state: State) -> State:
        z, slots, extras, flags, counts = self._unpack(state)
        for player in self.sequence():
            z, slots, counts = self._one(ops, player, z, slots, counts)
        return self._pack(z, slots, extras, flags, counts)


class Extrapolation(Play):
    """Extragradient over the players' optimisers: look ahead, then update from ``z``.

    ``(u, s½) = T(v(z); z, s)``, ``z½ = z − u``, ``(u', s⁺) = T(v(z½); z, s½)``, ``z⁺ = z − u'``.
    The optimiser's state is updated by the extrapolation *and* by the update (two updates per
    step: Adam's moments and step count advance twice), as in Gidel et al.'s ``ExtraAdam``,
    where ``extrapolation()`` and ``step()`` both call the same Adam update. Weight decay, where
    a transform has it, is taken at the point being updated (``z`` for the update), as two
    ``torch.optim`` steps with the parameters restored in between compute it.

    References:
      Korpelevich 1976. Gidel, Berard, Vignoud, Vincent and Lacoste-Julien, "A Variational
      Inequality Perspective on Generative Adversarial Networks", ICLR 2019.
    """

    def step(self, ops: Ops, state: State) -> State:
        z, slots, extras, flags, counts = self._unpack(state)
        u, slots, counts = self._both(ops, ops.field(z), z, slots, counts)
        u, slots, counts = self._both(ops, ops.field(z - u), z, slots, counts)
        return self._pack(z - u, slots, extras, flags, counts)


class PastExtrapolation(Play):
    """Extrapolation from the past: the look-ahead reuses the previous look-ahead's gradient.

    ``(u, s½) = T(g_past; z, s)``, ``z½ = z − u``, ``g = v(z½)``, ``(u', s⁺) = T(g; z, s½)``,
    ``z⁺ = z − u'``, ``g_past⁺ = g``: one field evaluation per step. The extra vector is
    ``past_gradient``; the flag ``has_past`` says whether there is one: the first step of a fresh
    run (or of a state without a past gradient) has no extrapolation, as in the published
    ``PastExtraAdam`` training loop, whose first ``extrapolation()`` finds no gradient.

    References:
      Popov 1980. Gidel et al., ICLR 2019 (``PastExtraAdam``).
    """

    extras = ("past_gradient",)
    flags = ("has_past",)

    def _initial_flag(self, name: str, present: set[str]) -> int:
        return int("past_gradient" in present)

    def step(self, ops: Ops, state: State) -> State:
        z, slots, (past,), (has_past,), counts = self._unpack(state)
        point = z
        if has_past:
            u, slots, counts = self._both(ops, past, z, slots, counts)
            point = z - u
        g = ops.field(point)
        u, slots, counts = self._both(ops, g, z, slots, counts)
        return self._pack(z - u, slots, (g,), (Count(1),), counts)


class Optimistic(Play):
    """Optimism: ``z⁺ = z − 2u_t + u_{t−1}``, with ``u_t`` the optimiser's step at ``z_t``.

    The extra vector ``previous_update`` holds ``u_{t−1}`` (zero at the start: the first step is
    ``z − 2u_0``, as in the Variational-Inequality-GAN code's ``OMD`` and ``OptimisticAdam``,
    which skip the past term on the first step). Over a plain step this is
    :class:`~gamedyn.methods.OptimisticGDA`, on the state ``(z_t, η v(z_{t−1}))``.

    References:
      Daskalakis, Ilyas, Syrgkanis and Zeng, "Training GANs with Optimism", ICLR 2018.
    """

    extras = ("previous_update",)

    def step(self, ops: Ops, state: State) -> State:
        z, slots, (previous,), flags, counts = self._unpack(state)
        u, slots, counts = self._both(ops, ops.field(z), z, slots, counts)
        return self._pack(z - 2 * u + previous, slots, (u,), flags, counts)


def one_step_play(
    players: Any,
    alternating: bool = False,
    n_critic: int = 1,
    first: str = "y",
    start: Any = None,
) -> Simultaneous | Alternating:
    """The play a one-step optimiser is run with: :class:`Alternating` (``n_critic``
    steps of the second player per step of the first, ``first`` moving first) or
    :class:`Simultaneous` (then ``n_critic`` must be 1); ``alternating`` must be a bool."""
    if not isinstance(alternating, bool):
        raise TypeError(f"alternating must be a bool, got {alternating!r}")
    if alternating:
        return Alternating(players, n_critic, first, start=start)
    if n_critic != 1:
        raise ValueError(f"n_critic = {n_critic!r} needs alternating=True")
    return Simultaneous(players, start=start)
