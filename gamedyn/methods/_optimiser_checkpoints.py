"""Checkpoints carry optimiser state: ``torch.optim`` state dicts mapped onto ``z``.

A GAN trained with ``torch.optim.Adam`` (or ``AdamW``, ``RMSprop``) has, besides its weights,
each player's optimiser state: per parameter ``exp_avg``, ``exp_avg_sq`` and ``step`` (Adam;
``square_avg``, ``momentum_buffer``, ``grad_avg`` for RMSprop) and the param groups'
hyperparameters (``lr``, ``betas``, ``eps``, ``weight_decay``, ...). :func:`read_optimiser_state`
maps both players' *already loaded* state dicts onto the coordinates of a
:class:`~gamedyn.games.TorchGame` — its players' trainable parameters in its order, frozen
parameters (``requires_grad=False``) excluded, spectrally normalised weights as
``parametrizations.weight.original``, a parameter shared under two names once — and returns a
:class:`CheckpointOptimiser`: the :class:`~gamedyn.methods.OptimiserState` an optimiser method
starts from, the players' hyperparameters, and what was ignored. :func:`optimiser_method` builds
the method from it (hyperparameters from the checkpoint unless overridden; exact or frozen).

A ``torch.optim`` state dict names parameters by position. Optimisers built from
``module.named_parameters()`` (PyTorch ≥ 2.6) also store ``param_names``, and then every
parameter is matched by name; otherwise positions follow ``module.parameters()`` (all the
module's parameters, or its trainable ones only, whichever count matches). Every mismatch is
refused by name: unknown or missing parameters, shapes, param groups of one player that disagree,
parameters of one player at different step counts, options gamedyn does not model (``amsgrad``,
``maximize``, ``nesterov``).

gamedyn's own layout (:func:`save_optimiser_states`, :func:`load_optimiser_states`; written by
:func:`gamedyn.examples.train`) is a sidecar beside each checkpoint: ``step_000250.safetensors``
has ``step_000250.optimiser.safetensors`` (the tensors, keys ``generator.state.3.exp_avg``) and
``step_000250.optimiser.json`` (the param groups); a ``.pt`` checkpoint has
``step_000250.optimiser.pt`` (``{"generator": state_dict, "discriminator": state_dict}``, read with
``weights_only=True``). Public GAN code saves the optimisers inside the checkpoint itself
(``{"netG": ..., "netD": ..., "optG": ..., "optD": ...}``, Lightning's ``optimizer_states`` list):
:func:`gamedyn.checkpoints.load_gan` keeps such entries in its report, and
:func:`optimiser_states_in` finds the two state dicts there and says which is whose (the one
assignment whose parameters and shapes fit the players; the keys' names break a tie).
:func:`read_checkpoint_optimiser` tries the sidecar first, then the checkpoint's own entries.

Example:
  >>> import torch
  >>> from torch import nn
  >>> from gamedyn.games import TorchGame
  >>> G, D = nn.Linear(2, 2), nn.Linear(2, 1)
  >>> game = TorchGame(G, D, "non-saturating", torch.randn(4, 2), torch.randn(4, 2))
  >>> opt_g, opt_d = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
  >>> record = read_optimiser_state(game, opt_g.state_dict(), opt_d.state_dict())
  >>> record.kind, record.state.steps, record.hyperparameters[0]["betas"]
  ('adam', (0, 0), (0.9, 0.999))
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch

from .. import _atomic
from ._base import Method, map_methods
from ._lagan import EXTRAPOLATION_SUFFIX
from ._names import METHODS, OPTIMISERS, build, method_parameters
from ._optimiser_state import OptimiserState
from ._play import Play

if TYPE_CHECKING:  # the methods layer imports no game at run time
    from ..games import TorchGame

Tensor = torch.Tensor

__all__ = [
    "OPTIMISER_KINDS",
    "SLOTS",
    "CheckpointOptimiser",
    "read_optimiser_state",
    "optimiser_method",
    "start_from",
    "sidecar_paths",
    "save_optimiser_states",
    "load_optimiser_states",
    "read_checkpoint_optimiser",
    "optimiser_states_in",
    "checkpoint_optimiser_states",
    "optimiser_states_of_file",
    "trained_method",
]

OPTIMISER_KINDS = ("adam", "adamw", "rmsprop")
"""The ``torch.optim`` optimisers whose state gamedyn reads."""

SECOND_MOMENTS = ("exp_avg_sq", "square_avg")
"""The slots that are running means of squares (refused when negative)."""

SLOTS = {
    "adam": ("exp_avg", "exp_avg_sq"),
    "adamw": ("exp_avg", "exp_avg_sq"),
    "rmsprop": ("square_avg", "momentum_buffer", "grad_avg"),
}
"""The per-parameter state tensors read for each kind (RMSprop's last two when present)."""

_HYPERPARAMETERS = {
    "adam": ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay"),
    "rmsprop": ("lr", "alpha", "eps", "weight_decay", "momentum", "centered"),
}
_REFUSED = {"amsgrad": True, "maximize": True, "nesterov": True}
"""Options gamedyn's transforms do not model, refused when on."""


class CheckpointOptimiser(NamedTuple):
    """Both players' optimiser state read from ``torch.optim`` state dicts, on ``z``.

    Attributes:
      kind: ``"adam"``, ``"adamw"`` or ``"rmsprop"``.
      state: the :class:`~gamedyn.methods.OptimiserState` (slots over ``z``, the players' steps).
      hyperparameters: ``(generator's, discriminator's)``, each in gamedyn's names (``lr``,
        ``betas``, ``eps``, ``weight_decay``, ``decoupled_weight_decay``; RMSprop: ``alpha``,
        ``momentum``, ``centered``).
      ignored: what was not mapped, by name (state of frozen parameters, entries gamedyn does not
        use such as ``max_exp_avg_sq`` or RMSprop's ``step``).
    """

    kind: str
    state: OptimiserState
    hyperparameters: tuple[dict[str, Any], dict[str, Any]]
    ignored: list[str]

    def __repr__(self) -> str:
        return (
            f"CheckpointOptimiser(kind={self.kind!r}, steps={self.state.steps}, "
            f"slots={list(self.state.slots)}, generator={self.hyperparameters[0]}, "
            f"discriminator={self.hyperparameters[1]})"
        )


def _kind_of(groups: list[Mapping[str, Any]], player: str) -> str:
    keys = set().union(*(g.keys() for g in groups)) if groups else set()
    if "betas" in keys:
        decoupled = any(bool(g.get("decoupled_weight_decay", False)) for g in groups)
        return "adamw" if decoupled else "adam"
    if "alpha" in keys and "centered" in keys:
        return "rmsprop"
    if "momentum" in keys and "dampening" in keys:
        raise ValueError(
            f"the {player}'s optimiser state is SGD's: gamedyn reads {OPTIMISER_KINDS} (SGD "
            "with momentum is gamedyn.methods.Momentum; its buffer is (z_prev − z)/lr)"
        )
    raise ValueError(
        f"the {player}'s optimiser state has param-group keys {sorted(keys)}: not one of "
        f"{OPTIMISER_KINDS}"
    )


def _as_float(value: Any) -> Any:
    if isinstance(value, Tensor):
        return float(value)
    if isinstance(value, (list, tuple)):
        return tuple(_as_float(v) for v in value)
    return value


def _group_hyperparameters(group: Mapping[str, Any], kind: str, player: str) -> dict[str, Any]:
    for name, bad in _REFUSED.items():
        if bool(group.get(name, False)) == bad and name in group:
            raise ValueError(
                f"the {player}'s optimiser has {name}={bad}: gamedyn does not model it"
            )
    family = "adam" if kind in ("adam", "adamw") else kind
    out = {}
    for name in _HYPERPARAMETERS[family]:
        if name in group:
            out[name] = _as_float(group[name])
    if family == "adam":
        out["decoupled_weight_decay"] = bool(group.get("decoupled_weight_decay", kind == "adamw"))
        out["betas"] = tuple(out["betas"])
    else:
        out["centered"] = bool(out.get("centered", False))
    return out


def _index_names(
    sd: Mapping[str, Any], player: str, all_names: list[str], trainable: list[str]
) -> tuple[dict[int, str], dict[int, int]]:
    """``(index → parameter name, index → group number)`` of one player's state dict."""
    groups = sd["param_groups"]
    indices = [int(i) for g in groups for i in g["params"]]
    owner = {int(i): k for k, g in enumerate(groups) for i in g["params"]}
    if groups and all("param_names" in g for g in groups):
        names = [str(n) for g in groups for n in g["param_names"]]
        unknown = sorted(set(names) - set(all_names))
        if unknown:
            raise ValueError(
                f"the {player}'s optimiser state names parameters the {player} does not have: "
                f"{', '.join(map(repr, unknown))} (it has {', '.join(map(repr, all_names))})"
            )
        return dict(zip(indices, names, strict=True)), owner
    if len(indices) == len(all_names):
        return dict(zip(indices, all_names, strict=True)), owner
    if len(indices) == len(trainable):
        return dict(zip(indices, trainable, strict=True)), owner
    raise ValueError(
        f"the {player}'s optimiser state holds {len(indices)} parameters; the {player} has "
        f"{len(all_names)} ({len(trainable)} trainable), so they cannot be matched by position: "
        "build the optimiser from module.named_parameters() (param_names are then stored)"
    )


def _step(value: Any, where: str) -> int:
    """A step count: a whole number >= 0 (a tensor or a number), else a ``ValueError``."""
    try:
        step = float(value)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{where} 'step' must be a whole number >= 0, got {value!r}") from None
    if not np.isfinite(step) or step != int(step) or step < 0:
        raise ValueError(f"{where} 'step' must be a whole number >= 0, got {step}")
    return int(step)


def _check_slot(slot: str, value: Tensor, where: str) -> None:
    """Finite entries, and a non-negative second moment (``exp_avg_sq``, ``square_avg``)."""
    if not torch.isfinite(value).all():
        bad = int((~torch.isfinite(value)).sum())
        raise ValueError(f"{where} {slot!r} has {bad} non-finite entries (nan or inf)")
    if slot in SECOND_MOMENTS and bool((value < 0).any()):
        raise ValueError(
            f"{where} {slot!r} has negative entries (least {float(value.min()):.3g}): a second "
            "moment is a running mean of squares, never negative"
        )


def _read_player(
    sd: Mapping[str, Any], player: str, player_obj: Any, kind: str | None
) -> tuple[str, dict[str, Tensor], int, dict[str, Any], list[str]]:
    if not isinstance(sd, Mapping) or "state" not in sd or "param_groups" not in sd:
        raise ValueError(
            f"the {player}'s optimiser state must be a torch.optim state dict with 'state' and "
            f"'param_groups', got {type(sd).__name__} with keys "
            f"{sorted(sd) if isinstance(sd, Mapping) else '-'}"
        )
    groups = list(sd["param_groups"])
    found = _kind_of(groups, player)
    if kind is not None and found != kind and {found, kind} != {"adam", "adamw"}:
        raise ValueError(f"the {player}'s optimiser state is {found!r}, the other's {kind!r}")
    all_names = [n for n, _ in player_obj.module.named_parameters()]
    trainable = list(player_obj.names)
    names, owner = _index_names(sd, player, all_names, trainable)
    by_name = {name: index for index, name in names.items()}
    missing = [n for n in trainable if n not in by_name]
    if missing:
        raise ValueError(
            f"the {player}'s optimiser state has no parameter {', '.join(map(repr, missing))}"
        )
    state = {int(k): v for k, v in sd["state"].items()}
    shapes = dict(zip(player_obj.names, player_obj.shapes, strict=True))
    used_groups = {owner[by_name[n]] for n in trainable}
    hypers = [_group_hyperparameters(groups[g], found, player) for g in sorted(used_groups)]
    if any(h != hypers[0] for h in hypers):
        raise ValueError(
            f"the {player}'s trainable parameters sit in param groups with different "
            f"hyperparameters {hypers}: gamedyn needs one set per player"
        )
    family = "adam" if found in ("adam", "adamw") else "rmsprop"
    wanted = [s for s in SLOTS[found] if family == "adam" or s == "square_avg"]
    if family == "rmsprop":
        if hypers[0].get("momentum", 0) != 0:
            wanted.append("momentum_buffer")
        if hypers[0].get("centered"):
            wanted.append("grad_avg")
    vectors: dict[str, list[Tensor]] = {s: [] for s in wanted}
    steps: dict[str, int] = {}
    ignored: list[str] = []
    for name in trainable:
        entry = state.get(by_name[name])
        shape = shapes[name]
        if entry is None:  # never stepped: a fresh optimiser's state
            steps[name] = 0
            for s in wanted:
                vectors[s].append(torch.zeros(shape.numel(), dtype=torch.float64))
            continue
        for s in wanted:
            if s not in entry:
                raise ValueError(f"the {player}'s optimiser state of {name!r} has no {s!r}")
            value = torch.as_tensor(entry[s])
            if tuple(value.shape) != tuple(shape):
                raise ValueError(
                    f"the {player}'s optimiser state {s!r} of {name!r} has shape "
                    f"{tuple(value.shape)}, the parameter {tuple(shape)}"
                )
            _check_slot(s, value, f"the {player}'s optimiser state of {name!r}:")
            vectors[s].append(value.detach().to(torch.float64).reshape(-1))
        if "step" not in entry:
            raise ValueError(
                f"the {player}'s optimiser state of {name!r} has no 'step' (the bias "
                "corrections need it): a torch.optim state always records it"
            )
        steps[name] = _step(entry["step"], f"the {player}'s optimiser state of {name!r}:")
        ignored += [f"{player}.{name}.{k}" for k in entry if k not in wanted and k != "step"]
    for index, name in names.items():
        if name not in trainable and index in state:
            ignored.append(f"{player}.{name} (frozen parameter)")
    distinct = sorted(set(steps.values()))
    if family == "adam" and len(distinct) > 1:
        by_step = {t: [n for n, s in steps.items() if s == t] for t in distinct}
        raise ValueError(
            f"the {player}'s parameters are at different Adam steps {by_step}: one bias "
            "correction per player is needed"
        )
    if family == "rmsprop":
        ignored += [f"{player}.*.step (RMSprop has no bias correction)"]
    step = distinct[0] if distinct else 0
    return found, {s: torch.cat(v) for s, v in vectors.items()}, step, hypers[0], ignored


def read_optimiser_state(
    game: TorchGame,
    generator_state: Mapping[str, Any],
    discriminator_state: Mapping[str, Any],
) -> CheckpointOptimiser:
    """Both players' ``torch.optim`` state dicts (already loaded) mapped onto ``game``'s ``z``.

    Args:
      game: the :class:`~gamedyn.games.TorchGame` of the checkpoint (its players' parameter
        order and shapes).
      generator_state, discriminator_state: ``optimiser.state_dict()`` of each player's
        ``torch.optim.Adam``, ``AdamW`` or ``RMSprop`` (both of one family).

    Returns:
      A :class:`CheckpointOptimiser`.

    Raises:
      ValueError: any mismatch, by name (module docstring).
    """
    if not all(hasattr(game, a) for a in ("generator", "discriminator", "nx")):
        raise TypeError(f"game must be a TorchGame, got {type(game).__name__}")
    kind_g, slots_g, step_g, hyper_g, ignored_g = _read_player(
        generator_state, "generator", game.generator, None
    )
    kind_d, slots_d, step_d, hyper_d, ignored_d = _read_player(
        discriminator_state, "discriminator", game.discriminator, kind_g
    )
    if set(slots_g) != set(slots_d):
        raise ValueError(
            f"the players' optimiser states hold {sorted(slots_g)} and {sorted(slots_d)}: one "
            "kind of optimiser (with the same options) for both is needed"
        )
    slots = {s: torch.cat([slots_g[s], slots_d[s]]) for s in slots_g}
    kind = "adamw" if "adamw" in (kind_g, kind_d) else kind_g
    state = OptimiserState(slots, (step_g, step_d), game.nx)
    return CheckpointOptimiser(kind, state, (hyper_g, hyper_d), ignored_g + ignored_d)


def _pair(x: Any, y: Any) -> Any:
    return x if x == y else (x, y)


def optimiser_method(
    record: CheckpointOptimiser,
    name: str | None = None,
    *,
    frozen: bool = False,
    **overrides: Any,
) -> Method:
    """The update operator ``name`` started from a checkpoint's optimiser state.

    Hyperparameters come from the checkpoint's param groups (per player: a pair where the two
    players differ), then ``overrides`` replace any of them (``lr=...``, ``betas=...``,
    ``n_critic=...``, lookahead's ``lookahead_k``/``lookahead_alpha``). ``frozen`` returns the
    frozen-preconditioner operator at that state (:meth:`~gamedyn.methods.Method.frozen`) instead
    of the exact one.

    Args:
      record: from :func:`read_optimiser_state`.
      name: a name of :data:`gamedyn.methods.METHODS` that keeps optimiser state
        (:data:`gamedyn.methods.OPTIMISERS`; default ``"adam"`` or ``"rmsprop"`` by the
        checkpoint's kind). Adam-family names need an Adam/AdamW state, ``"rmsprop"`` an RMSprop
        one.
      frozen: the frozen-preconditioner operator.

    Lookahead (``la-adam``, ``la-extra-adam``) is built with ``slow_start="start"`` unless
    overridden: a checkpoint is analysed after its first synchronisation, where the slow weights
    are the checkpoint's, so the operator is every later cycle's (LAGAN's first cycle, which
    creates the slow weights, is behind it).

    A play's own memory that an Adam checkpoint does not hold — PastExtraAdam's past
    gradient, OptimisticAdam's previous update — starts at zero, its value at a fixed point
    of the game (so PastExtraAdam is analysed with its look-ahead, not as a first step).
    """
    if name is None:
        name = "rmsprop" if record.kind == "rmsprop" else "adam"
    if name not in OPTIMISERS or name not in METHODS:
        raise ValueError(f"name must be one of {list(OPTIMISERS)}, got {name!r}")
    if (name == "rmsprop") != (record.kind == "rmsprop"):
        raise ValueError(f"method {name!r} cannot start from a {record.kind!r} optimiser state")
    gx, gy = record.hyperparameters
    hyper = {k: _pair(gx[k], gy[k]) for k in gx if k in gy}
    for flag in ("decoupled_weight_decay", "centered"):
        if flag in hyper and isinstance(hyper[flag], tuple):
            raise ValueError(f"the players differ in {flag}: {hyper[flag]}")
    if name.startswith("la-"):
        hyper["slow_start"] = "start"
    accepted = method_parameters(name)
    hyper = {k: v for k, v in hyper.items() if k in accepted}  # the checkpoint's that apply
    hyper.update(overrides)  # an override the method does not take is refused by build
    method = start_from(build(name, **hyper), record.state)
    return method.frozen() if frozen else method


def start_from(method: Method, state: OptimiserState) -> Method:
    """``method`` with every play in its tree (:class:`~gamedyn.methods.Play`, through any
    wrapper: :func:`~gamedyn.methods.map_methods`) started from the optimiser state ``state``.

    A play's own memory that ``state`` does not hold — PastExtraAdam's past gradient,
    OptimisticAdam's previous update — starts at zero, its value at a fixed point of the game.

    Example:
      >>> import torch
      >>> from gamedyn.methods import Adam, Lookahead, OptimiserState
      >>> moments = {"exp_avg": torch.zeros(2), "exp_avg_sq": torch.ones(2)}
      >>> saved = OptimiserState(moments, (3, 3), 1)
      >>> start_from(Lookahead(Adam(0.1), 5, 0.5), saved).init(torch.zeros(2))[-2:]
      (Count(3), Count(3))
    """
    if not isinstance(state, OptimiserState):
        raise TypeError(f"state must be an OptimiserState, got {type(state).__name__}")

    def start(m: Method) -> Method:
        if not isinstance(m, Play):
            return m
        missing = [  # LAGAN's extrapolation optimisers start as copies of the update ones
            e for e in m.extras if e not in state.slots and not e.endswith(EXTRAPOLATION_SUFFIX)
        ]
        started = state
        if missing:  # a plain Adam checkpoint has no past gradient / previous update: zero
            slots = dict(state.slots)
            slots.update({e: torch.zeros(state.n, dtype=torch.float64) for e in missing})
            started = OptimiserState(slots, state.steps, state.nx)
        return m.replace(start=started)

    return map_methods(start, method)


def _jsonable_hyper(value: Any) -> Any:
    return [_jsonable_hyper(v) for v in value] if isinstance(value, tuple) else value


def trained_method(
    game: TorchGame,
    name: str,
    checkpoint: str | Path | None = None,
    *,
    states: str | Path | None = None,
    frozen: bool = True,
    beta1: float | None = None,
    beta2: float | None = None,
    given_by: str = "caller",
    **overrides: Any,
) -> tuple[Method, dict[str, Any]]:
    """The optimiser ``name`` a checkpoint was trained with, at its saved state, and where each
    of its settings came from (the record's provenance).

    The players' ``torch.optim`` states come from ``states`` (a file of both,
    :func:`optimiser_states_of_file`: gamedyn's layout or the two states under a checkpoint's
    key names) or else from beside or inside ``checkpoint``
    (:func:`checkpoint_optimiser_states`; ``checkpoint=None``: inside the two files the players
    were loaded from, ``game.checkpoint_report``). ``la-adam`` is LAGAN's trainer: alternating,
    discriminator first, unless ``alternating=False`` is given. With ``frozen``, the settings
    hold each player's frozen Adam statistics (``"frozen_adam"``:
    :func:`gamedyn.methods.frozen_statistics`). Hyperparameters are the checkpoint's
    unless given: ``beta1``/``beta2`` replace one half of Adam's ``betas``; every other
    keyword (``lr``, ``eps``, ``weight_decay``, ``alternating``, ``n_critic``, ``first``,
    ``lookahead_k``, ``lookahead_alpha``, ``inner_state``) goes to :func:`optimiser_method`,
    which refuses one that ``name`` does not take. ``frozen``: the frozen-preconditioner operator.

    Returns:
      ``(method, settings)``; ``settings`` names the method, the linearisation, the state's
      source, the optimiser's kind and step counts, the hyperparameters and, for each, whether
      it came from the ``"checkpoint"`` or the caller (``given_by``), and the order of play.

    Raises:
      ValueError: no optimiser state found, or one that does not fit ``name`` or ``game``.
    """
    try:
        if states is not None:
            found, source = optimiser_states_of_file(states, game)
        else:
            found, source = checkpoint_optimiser_states(game, checkpoint)
    except FileNotFoundError as err:
        raise ValueError(
            f"method {name!r} starts from the checkpoint's optimiser state: {err}, and the "
            "checkpoint holds none; give the optimisers' states (states=, --optimiser-state)"
        ) from None
    record = read_optimiser_state(game, *found)
    given = {k: v for k, v in overrides.items() if v is not None}
    if beta1 is not None or beta2 is not None:
        if record.kind == "rmsprop":
            raise ValueError("beta1/beta2 are Adam's; the checkpoint's optimiser is RMSprop")
        pairs = [
            (b1 if beta1 is None else beta1, b2 if beta2 is None else beta2)
            for b1, b2 in (h["betas"] for h in record.hyperparameters)
        ]
        given["betas"] = pairs[0] if pairs[0] == pairs[1] else tuple(pairs)
    if given.get("n_critic") is not None:
        given["alternating"] = True
    if name == "la-adam" and "alternating" not in given:  # LAGAN's trainer (names.la_adam)
        given["alternating"] = True
    if given.get("alternating") and name.removeprefix("la-") not in ("adam", "rmsprop"):
        raise ValueError(f"alternating/n_critic: method {name!r} is simultaneous only")
    method = optimiser_method(record, name, frozen=frozen, **given)
    hyper = {
        k: _pair(record.hyperparameters[0][k], record.hyperparameters[1].get(k))
        for k in record.hyperparameters[0]
    }
    origin = {k: "checkpoint" for k in hyper}
    hyper.update(given)
    origin.update({k: given_by for k in given})
    settings = {
        "method": name,
        "linearisation": "frozen" if frozen else "exact",
        "optimiser_state": source,
        "optimiser_kind": record.kind,
        "optimiser_steps": list(record.state.steps),
        "hyperparameters": {k: _jsonable_hyper(v) for k, v in hyper.items()},
        "hyperparameters_from": origin,
        "play": {
            k: given.get(k, d)
            for k, d in (("alternating", False), ("n_critic", 1), ("first", "discriminator"))
        }
        if given.get("alternating")
        else {"alternating": False},
    }
    if frozen:
        from ._adam import frozen_statistics

        settings["frozen_adam"] = frozen_statistics(method)
    return method, settings


# --- gamedyn's own layout: a sidecar beside each checkpoint -------------------------------------

PLAYERS = ("generator", "discriminator")
FORMAT = "gamedyn-optimiser-state"


def sidecar_paths(checkpoint: str | Path) -> tuple[Path, ...]:
    """The optimiser-state files of a checkpoint in gamedyn's layout (they may not exist).

    ``NAME.safetensors`` → ``(NAME.optimiser.safetensors, NAME.optimiser.json)``;
    ``NAME.pt``/``.pth``/``.ckpt`` → ``(NAME.optimiser.pt,)``.
    """
    path = Path(checkpoint)
    stem = path.with_suffix("")
    if path.suffix.lower() == ".safetensors":
        return (
            stem.with_name(stem.name + ".optimiser.safetensors"),
            stem.with_name(stem.name + ".optimiser.json"),
        )
    return (stem.with_name(stem.name + ".optimiser.pt"),)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.item() if value.numel() == 1 else value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def save_optimiser_states(
    checkpoint: str | Path, generator: torch.optim.Optimizer, discriminator: torch.optim.Optimizer
) -> tuple[Path, ...]:
    """Write both optimisers' state dicts beside ``checkpoint`` (:func:`sidecar_paths`), each file
    atomically; the paths written."""
    states = {"generator": generator.state_dict(), "discriminator": discriminator.state_dict()}
    paths = sidecar_paths(checkpoint)
    if len(paths) == 1:
        clean = {
            p: {
                "state": {
                    int(i): {k: v.detach().cpu().clone() for k, v in e.items()}
                    for i, e in sd["state"].items()
                },
                "param_groups": [_jsonable(g) for g in sd["param_groups"]],
            }
            for p, sd in states.items()
        }
        _atomic.write_with(paths[0], lambda tmp: torch.save(clean, tmp))
        return paths
    from safetensors.torch import save_file

    tensors = {
        f"{p}.state.{i}.{k}": torch.as_tensor(v).detach().cpu().contiguous()
        for p, sd in states.items()
        for i, entry in sd["state"].items()
        for k, v in entry.items()
    }
    groups = {p: _jsonable(sd["param_groups"]) for p, sd in states.items()}
    _atomic.write_with(paths[0], lambda tmp: save_file(tensors, str(tmp)))
    _atomic.write_text(paths[1], json.dumps({"format": FORMAT, "version": 1, **groups}, indent=1))
    return paths


def _resolve(path: Path) -> tuple[Path, ...]:
    """The file(s) to read for ``path`` (module docstring)."""
    name, suffix = path.name, path.suffix.lower()
    if name.endswith(".optimiser.safetensors") or name.endswith(".optimiser.json"):
        return sidecar_paths(path.with_name(name[: name.rindex(".optimiser.")] + ".safetensors"))
    if name.endswith(".optimiser.pt"):
        return (path,)
    if suffix == ".safetensors":
        return sidecar_paths(path)
    if suffix in (".pt", ".pth", ".ckpt"):
        beside = sidecar_paths(path)
        return beside if beside[0].is_file() or not path.is_file() else (path,)
    raise ValueError(f"{str(path)!r}: expected a .safetensors or .pt checkpoint or its sidecar")


def load_optimiser_states(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(generator_state_dict, discriminator_state_dict)`` from gamedyn's layout.

    Args:
      path: a checkpoint (its sidecar is read) or a sidecar file itself
        (``*.optimiser.safetensors``, ``*.optimiser.json`` or ``*.optimiser.pt``; a ``.pt`` may
        also be any file holding ``{"generator": state_dict, "discriminator": state_dict}``).

    Raises:
      FileNotFoundError: no optimiser state beside the checkpoint.
      ValueError: a file that is not in this layout (``.pt`` files are read with
        ``weights_only=True`` only).
    """
    paths = _resolve(Path(path))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no optimiser state at {', '.join(map(repr, missing))}")
    if len(paths) == 1:
        try:
            data = torch.load(paths[0], weights_only=True, map_location="cpu")
        except Exception as err:
            raise ValueError(
                f"refused to load {str(paths[0])!r}: not a plain-data file that "
                f"torch.load(weights_only=True) accepts ({type(err).__name__})"
            ) from err
        if not isinstance(data, Mapping) or not all(
            isinstance(data.get(p), Mapping) for p in PLAYERS
        ):
            raise ValueError(
                f"{str(paths[0])!r} does not hold optimiser states {{'generator': state_dict, "
                f"'discriminator': state_dict}} (gamedyn's sidecar would be "
                f"{str(sidecar_paths(paths[0])[0])!r})"
            )
        if not all("param_groups" in data[p] for p in PLAYERS):
            raise ValueError(
                f"{str(paths[0])!r}: its 'generator' and 'discriminator' are not "
                "torch.optim state dicts (no 'param_groups')"
            )
        return dict(data["generator"]), dict(data["discriminator"])
    from safetensors.torch import load_file

    tensors = load_file(str(paths[0]), device="cpu")
    meta = json.loads(paths[1].read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{str(paths[1])!r} is not a {FORMAT} file")
    out = []
    for player in PLAYERS:
        state: dict[int, dict[str, Tensor]] = {}
        prefix = f"{player}.state."
        for key, value in tensors.items():
            if key.startswith(prefix):
                index, _, slot = key[len(prefix) :].partition(".")
                state.setdefault(int(index), {})[slot] = value
        groups = meta[player]
        for group in groups:
            if "betas" in group:
                group["betas"] = tuple(group["betas"])
        out.append({"state": state, "param_groups": groups})
    return out[0], out[1]


def checkpoint_optimiser_states(
    game: TorchGame, checkpoint: str | Path | tuple | None
) -> tuple[tuple[dict[str, Any], dict[str, Any]], str]:
    """Both players' optimiser state dicts for ``checkpoint`` and where they came from: gamedyn's
    sidecar when there is one (:func:`load_optimiser_states`), else the checkpoint's own entries
    (:func:`optimiser_states_in` of ``game.checkpoint_report``: with the players in two files,
    the entries of either file), else whatever :func:`load_optimiser_states` makes of the path
    (a ``.pt`` of both states, or its error).

    Args:
      game: the game loaded from the checkpoint (its ``checkpoint_report``).
      checkpoint: the one checkpoint file, or the pair of files the players came from
        (``--generator-checkpoint``/``--discriminator-checkpoint``; or ``None``): then only
        their entries.

    Raises:
      FileNotFoundError: no optimiser state found.
    """
    if isinstance(checkpoint, (tuple, list)):  # two files: their own entries only
        checkpoint = None
    report = getattr(game, "checkpoint_report", None)
    sidecar = checkpoint is not None and all(p.is_file() for p in sidecar_paths(checkpoint))
    if report is not None and not sidecar:
        try:
            states, where = optimiser_states_in(report, game)
        except LookupError:
            pass
        else:
            return states, " and ".join(where)
    if checkpoint is None:
        files = " and ".join(repr(f) for f in getattr(report, "files", ())) or "the checkpoints"
        raise FileNotFoundError(f"no torch.optim state dict in {files}")
    return load_optimiser_states(checkpoint), str(checkpoint)


class _Entry(NamedTuple):
    file: str
    key: str
    value: Any


class _Entries(NamedTuple):
    files: tuple[str, ...]
    ignored: tuple[_Entry, ...]


def optimiser_states_of_file(
    path: str | Path, game: TorchGame
) -> tuple[tuple[dict[str, Any], dict[str, Any]], str]:
    """Both players' optimiser state dicts from one file given on its own
    (``--optimiser-state FILE``), and where they came from.

    gamedyn's layout (:func:`load_optimiser_states`), or a ``torch.save`` file
    (``.pt``/``.pth``/``.ckpt``, read with ``weights_only=True``) holding the two states under any
    of the names a checkpoint's own entries may have (``optG``/``optD``, ``optimizer_G``,
    ``gen_optim``, Lightning's ``optimizer_states`` list...), matched to the players as
    :func:`optimiser_states_in` does (parameter names, counts and shapes; the keys' names break a
    tie).
    """
    try:
        return load_optimiser_states(path), str(path)
    except ValueError as err:
        if Path(path).suffix.lower() not in (".pt", ".pth", ".ckpt"):
            raise
        try:
            data = torch.load(path, weights_only=True, map_location="cpu")  # plain data only
        except Exception:
            raise err from None
        if not isinstance(data, Mapping):
            raise
        entries = tuple(_Entry(str(path), str(k), v) for k, v in data.items())
        try:
            states, where = optimiser_states_in(_Entries((str(path),), entries), game)
        except LookupError:
            raise err from None
        return states, " and ".join(where)


def read_checkpoint_optimiser(game: TorchGame, checkpoint: str | Path) -> CheckpointOptimiser:
    """:func:`read_optimiser_state` of :func:`checkpoint_optimiser_states`: the optimiser states
    saved beside ``checkpoint`` in gamedyn's layout or inside it (``optG``/``optD``, ...)."""
    return read_optimiser_state(game, *checkpoint_optimiser_states(game, checkpoint)[0])


_OPTIMISER_WORDS = ("opt", "optim", "optimizer", "optimiser", "optimizers", "optimisers")
_PLAYER_WORDS = {
    "generator": {"g", "gen", "generator", "netg", "modelg"},
    "discriminator": {"d", "dis", "disc", "discriminator", "critic", "c", "netd", "modeld"},
}


def _is_state_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and "state" in value and "param_groups" in value


def _named_player(key: str) -> str | None:
    """The player a key names (``optG``, ``optimizer_D``, ``g_optimizer``), or ``None``."""
    text = key.lower()
    for word in sorted(_OPTIMISER_WORDS, key=len, reverse=True):
        text = text.replace(word, " ")
    words = set(re.split(r"[^a-z0-9]+", text)) - {""}
    named = [p for p, names in _PLAYER_WORDS.items() if words & names]
    return named[0] if len(named) == 1 else None


def optimiser_states_in(
    report: Any, game: TorchGame
) -> tuple[tuple[dict[str, Any], dict[str, Any]], tuple[str, str]]:
    """The players' ``torch.optim`` state dicts among a checkpoint's ignored entries.

    Looks at every entry of the :class:`~gamedyn.checkpoints.LoadReport` that went to
    neither player: a state dict (``optG``, ``optimizer_D``, ...) or a list of them (Lightning's
    ``optimizer_states``). Of the two found, the assignment to (generator, discriminator) is the
    one :func:`read_optimiser_state` accepts (parameter names, counts and shapes fit); when both
    fit, the keys' names decide (``G``/``gen``/``netG`` against ``D``/``dis``/``critic``), and
    with two files, the file each entry sits in.

    Returns:
      ``((generator_state, discriminator_state), (where_g, where_d))``, ``where`` as
      ``"file:key"`` (``"file:optimizer_states[0]"``).

    Raises:
      LookupError: no optimiser state dict among the entries.
      ValueError: not exactly two, or no assignment fits (each assignment's error quoted), or
        both fit and nothing names them.
    """
    found: list[tuple[str, str | None, dict[str, Any]]] = []
    two_files = len(report.files) > 1
    for entry in report.ignored:
        owner = None
        if two_files:
            owner = "generator" if entry.file == report.files[0] else "discriminator"
        values = entry.value
        if _is_state_dict(values):
            found.append((f"{entry.file}:{entry.key}", _named_player(entry.key) or owner, values))
        elif isinstance(values, (list, tuple)) and values and all(map(_is_state_dict, values)):
            for i, value in enumerate(values):
                found.append((f"{entry.file}:{entry.key}[{i}]", owner, value))
    if not found:
        raise LookupError("the checkpoint holds no torch.optim state dict")
    if len(found) != 2:
        raise ValueError(
            f"expected the two players' optimiser states in the checkpoint, found {len(found)}: "
            f"{', '.join(repr(w) for w, _, _ in found)}"
        )
    fits, errors = [], []
    for g, d in ((0, 1), (1, 0)):
        try:
            read_optimiser_state(game, found[g][2], found[d][2])
        except ValueError as err:
            errors.append(f"{found[g][0]!r} as the generator's: {err}")
        else:
            fits.append((g, d))
    if not fits:
        raise ValueError(
            "the checkpoint's optimiser states fit neither player: " + "; ".join(errors)
        )
    if len(fits) == 2:
        named = [p for _, p, _ in found]
        if named == ["generator", "discriminator"] or named == ["discriminator", "generator"]:
            fits = [(0, 1) if named[0] == "generator" else (1, 0)]
        else:
            raise ValueError(
                f"the optimiser states {found[0][0]!r} and {found[1][0]!r} fit both players and "
                "their names do not say whose is whose: pass them to read_optimiser_state "
                "(or --optimiser-state FILE)"
            )
    g, d = fits[0]
    return (dict(found[g][2]), dict(found[d][2])), (found[g][0], found[d][0])
