"""``gamedyn spectrum --method adam|extra-adam|...``: the operator a checkpoint was trained with.

The optimiser methods (:data:`gamedyn.methods.names.OPTIMISERS`) start from the checkpoint's
optimiser state — gamedyn's sidecar beside the checkpoint
(:func:`gamedyn.optimiser_states.load_optimiser_states`), the checkpoint's own entries
(``optG``/``optD``, Lightning's ``optimizer_states``:
:func:`gamedyn.optimiser_states.optimiser_states_in`), or ``--optimiser-state FILE`` — with
its hyperparameters (per player) unless overridden on the command line (``--lr``, ``--beta1``,
``--beta2``, ``--eps``, ``--weight-decay``). ``--linearisation frozen`` (default) analyses the
frozen-preconditioner operator (Adam's second moment held at its checkpoint value; state
``(z, m)``), ``exact`` the Jacobian with the moments in the state (``(z, m, v)``).
``--alternating``/``--n-critic N``/``--first`` choose the schedule (the examples are trained
alternating, discriminator first, ``n_critic = 1``); ``--lookahead-k``, ``--lookahead-alpha``
and ``--inner-state`` are lookahead's (``la-adam``, ``la-extra-adam``). The record's
``operator`` is the method's ``repr``; its settings say which operator, linearisation, state
file, step counts and where each hyperparameter came from.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..methods.lookahead import INNER_STATES
from ..methods.names import OPTIMISERS
from ..methods.schedules import FIRST
from .arguments import finite_float, positive_float

__all__ = ["LINEARISATIONS", "add_optimiser_arguments", "optimiser_method_of"]

LINEARISATIONS = ("frozen", "exact")
"""``frozen``: second moment held at the checkpoint's (the operator most analyses mean);
``exact``: the Jacobian with the optimiser's moments in the state."""


def add_optimiser_arguments(p: argparse.ArgumentParser) -> None:
    """The options of the optimiser methods (module docstring)."""
    g = p.add_argument_group("optimiser methods (" + ", ".join(OPTIMISERS) + ")")
    g.add_argument(
        "--optimiser-state",
        metavar="FILE",
        help="the optimisers' states (default: gamedyn's sidecar beside the checkpoint)",
    )
    g.add_argument("--linearisation", choices=LINEARISATIONS, default="frozen")
    g.add_argument("--beta1", type=float, default=None, help="Adam's β₁ (default: checkpoint's)")
    g.add_argument(
        "--beta2",
        type=finite_float,
        default=None,
        help="Adam's β₂ (default: checkpoint's); --method acgd's decay (default 0.99)",
    )
    g.add_argument(
        "--eps",
        type=positive_float,
        default=None,
        help="ε (default: checkpoint's); --method acgd's (default 1e-5)",
    )
    g.add_argument("--weight-decay", type=float, default=None, help="(default: checkpoint's)")
    g.add_argument(
        "--alternating", action="store_true", help="alternate the players (implied by --n-critic)"
    )
    g.add_argument("--n-critic", type=int, default=None, help="discriminator steps per G step")
    g.add_argument("--first", choices=sorted(FIRST), default="discriminator")
    g.add_argument("--lookahead-k", type=int, default=5, help="lookahead's fast steps")
    g.add_argument("--lookahead-alpha", type=float, default=0.5, help="lookahead's slow step")
    g.add_argument("--inner-state", choices=INNER_STATES, default="keep")


def _per_player(hyper: tuple[dict[str, Any], dict[str, Any]], name: str) -> Any:
    x, y = hyper[0].get(name), hyper[1].get(name)
    return x if x == y else (x, y)


def optimiser_method_of(args: argparse.Namespace, game: Any) -> tuple[Any, dict[str, Any]]:
    """The ``--method`` optimiser at the checkpoint's state, and the record's settings for it."""
    from ..optimiser_states import (
        checkpoint_optimiser_states,
        load_optimiser_states,
        optimiser_method,
        read_optimiser_state,
    )

    try:
        if args.optimiser_state is not None:
            states, source = load_optimiser_states(args.optimiser_state), args.optimiser_state
        else:
            states, source = checkpoint_optimiser_states(game, args.checkpoint)
    except FileNotFoundError as err:
        raise ValueError(
            f"--method {args.method} starts from the checkpoint's optimiser state: {err}, and "
            "the checkpoint holds none; give --optimiser-state FILE"
        ) from None
    record = read_optimiser_state(game, *states)
    overrides: dict[str, Any] = {}
    origin: dict[str, str] = {}
    if args.lr is not None:
        overrides["lr"] = args.lr
    for flag, name in (("eps", "eps"), ("weight_decay", "weight_decay")):
        if getattr(args, flag) is not None:
            overrides[name] = getattr(args, flag)
    if args.beta1 is not None or args.beta2 is not None:
        if record.kind == "rmsprop":
            raise ValueError("--beta1/--beta2 are Adam's; the checkpoint's optimiser is RMSprop")
        pairs = []
        for hyper in record.hyperparameters:
            b1, b2 = hyper["betas"]
            pairs.append(
                (b1 if args.beta1 is None else args.beta1, b2 if args.beta2 is None else args.beta2)
            )
        overrides["betas"] = pairs[0] if pairs[0] == pairs[1] else tuple(pairs)
    for name in ("lr", "betas", "eps", "weight_decay"):
        if name in overrides:
            origin[name] = "command line"
        elif name in record.hyperparameters[0]:
            origin[name] = "checkpoint"
    alternating = args.alternating or (args.n_critic is not None)
    base = args.method.removeprefix("la-")
    if alternating:
        if base not in ("adam", "rmsprop"):
            raise ValueError(f"--alternating/--n-critic: {args.method} is simultaneous only")
        if args.n_critic is not None and args.n_critic < 1:
            raise ValueError(f"--n-critic must be an integer >= 1, got {args.n_critic}")
        n_critic = 1 if args.n_critic is None else args.n_critic
        overrides.update(alternating=True, n_critic=n_critic, first=args.first)
    if args.method.startswith("la-"):
        overrides.update(
            lookahead_k=args.lookahead_k,
            lookahead_alpha=args.lookahead_alpha,
            inner_state=args.inner_state,
        )
    method = optimiser_method(
        record, args.method, frozen=args.linearisation == "frozen", **overrides
    )
    hyper = {name: _per_player(record.hyperparameters, name) for name in record.hyperparameters[0]}
    hyper.update({k: v for k, v in overrides.items() if k in origin})
    settings = {
        "method": args.method,
        "linearisation": args.linearisation,
        "optimiser_state": str(source),
        "optimiser_kind": record.kind,
        "optimiser_steps": list(record.state.steps),
        "hyperparameters": {k: _jsonable(v) for k, v in hyper.items()},
        "hyperparameters_from": origin,
        "schedule": (
            {"alternating": True, "n_critic": overrides["n_critic"], "first": args.first}
            if alternating
            else {"alternating": False}
        ),
    }
    if args.method.startswith("la-"):
        settings["lookahead"] = {
            "k": args.lookahead_k,
            "alpha": args.lookahead_alpha,
            "inner_state": args.inner_state,
        }
    return method, settings


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value
