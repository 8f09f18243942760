"""Methods by name: the command line's ``--method`` and anything else that builds one from text.

Example:
  >>> build("momentum", lr=0.1, beta=-0.5)
  Momentum(lr=0.1, beta=-0.5, alternating=False)
  >>> build("gda", lr=0.1, betta=0.5)
  Traceback (most recent call last):
  ...
  TypeError: method 'gda' takes no betta (its hyperparameters: lr)
  >>> method = build("la-adam", lr=1e-4, betas=(0.5, 0.999), lookahead_k=5, lookahead_alpha=0.5)
  >>> method.base
  Adam(lr=0.0001, betas=(0.5, 0.999), eps=1e-08, alternating=True, n_critic=1, first='y')
  >>> method.k, method.alpha, method.inner_state, method.slow_start
  (5, 0.5, 'keep', 'first-sync')

``la-adam`` and ``la-extra-adam`` are LAGAN's trainer (Chavdarova et al., ``lagan/trainer.py``):
alternating Adam, discriminator first, and LAGAN's own extragradient
(:class:`~gamedyn.methods.LaganExtraAdam`), each inside lookahead with LAGAN's conventions
(``inner_state="keep"``, ``slow_start="first-sync"``). The earlier readings stay reachable by
explicit arguments: ``build("la-adam", alternating=False, slow_start="start")`` (lookahead around
simultaneous Adam from the start) and ``build("la-extra-adam", rule="gidel")`` (lookahead around
Gidel et al.'s :class:`~gamedyn.methods.ExtraAdam`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._acgd import ACGD
from ._adam import Adam, ExtraAdam, OptimisticAdam, PastExtraAdam
from ._base import Method, parameters_of
from ._cgd import CGD
from ._consensus import Consensus
from ._extragradient import ExtraGradient, OptimisticGDA
from ._gda import GDA, AltGDA
from ._hamiltonian import HamiltonianGD
from ._lagan import LaganExtraAdam
from ._lead import LEAD
from ._lola import LOLA
from ._lookahead import Lookahead
from ._momentum import Momentum
from ._rmsprop import RMSProp
from ._sga import SGA
from ._sos import SOS

__all__ = [
    "METHODS",
    "OPTIMISERS",
    "EXTRA_RULES",
    "build",
    "method_parameters",
    "la_adam",
    "la_extra_adam",
]

METHODS: dict[str, Callable[..., Method]] = {
    "gda": GDA,
    "altgda": AltGDA,
    "momentum": Momentum,
    "extragradient": ExtraGradient,
    "optimistic": OptimisticGDA,
    "consensus": Consensus,
    "cgd": CGD,
    "hamiltonian": HamiltonianGD,
    "sga": SGA,
    "lola": LOLA,
    "sos": SOS,
    "lead": LEAD,
    "acgd": ACGD,
}
"""Every update operator a name can build, by that name."""


_LOOKAHEAD_PARAMETERS = ("lookahead_k", "lookahead_alpha", "inner_state", "slow_start")


def la_adam(
    lookahead_k: int = 5,
    lookahead_alpha: float = 0.5,
    inner_state: str = "keep",
    slow_start: str = "first-sync",
    alternating: bool = True,
    first: str = "y",
    **hyperparameters: Any,
) -> Method:
    """LA-Adam as LAGAN's trainer runs it (``_update_pair`` with ``extra=False``).

    ``Lookahead(Adam(..., alternating=True, first="y"), lookahead_k, lookahead_alpha,
    inner_state="keep", slow_start="first-sync")``: alternating Adam, ``n_critic`` discriminator
    steps then one generator step, each taking its gradient at the other player's latest
    parameters; the Adam states are never touched by a synchronisation; the slow weights are
    created at the first synchronisation. ``alternating=False, slow_start="start"`` gives the
    earlier reading (lookahead around simultaneous Adam, pulled back from the first cycle).
    """
    base = build("adam", alternating=alternating, first=first, **hyperparameters)
    return Lookahead(base, lookahead_k, lookahead_alpha, inner_state, slow_start)


la_adam.base_name = "adam"  # type: ignore[attr-defined]

EXTRA_RULES = ("lagan", "gidel")
"""The extragradient inside ``la-extra-adam``: LAGAN's rule (:class:`LaganExtraAdam`) or Gidel
et al.'s (:class:`~gamedyn.methods.ExtraAdam`)."""


def la_extra_adam(
    lookahead_k: int = 5,
    lookahead_alpha: float = 0.5,
    inner_state: str = "keep",
    slow_start: str = "first-sync",
    rule: str = "lagan",
    **hyperparameters: Any,
) -> Method:
    """LA-ExtraAdam as LAGAN's trainer runs it (``_update_pair`` with ``extra=True``).

    ``Lookahead(LaganExtraAdam(...), lookahead_k, lookahead_alpha, inner_state="keep",
    slow_start="first-sync")``: LAGAN's extragradient (separate extrapolation Adam states per
    player; the discriminator's update gradient at ``(x½, y_t)``, the generator's at
    ``(x_t, y½)``). ``rule="gidel"`` puts Gidel et al.'s ExtraAdam inside instead (one Adam
    state per player, both update gradients at ``(x½, y½)``).
    """
    if rule not in EXTRA_RULES:
        raise ValueError(f"rule must be one of {list(EXTRA_RULES)}, got {rule!r}")
    base = build("lagan-extra-adam" if rule == "lagan" else "extra-adam", **hyperparameters)
    return Lookahead(base, lookahead_k, lookahead_alpha, inner_state, slow_start)


la_extra_adam.base_name = "lagan-extra-adam"  # type: ignore[attr-defined]
la_extra_adam.own_parameters = (*_LOOKAHEAD_PARAMETERS, "rule")  # type: ignore[attr-defined]


METHODS.update(
    {
        "adam": Adam,
        "extra-adam": ExtraAdam,
        "past-extra-adam": PastExtraAdam,
        "optimistic-adam": OptimisticAdam,
        "rmsprop": RMSProp,
        "lagan-extra-adam": LaganExtraAdam,
        "la-adam": la_adam,
        "la-extra-adam": la_extra_adam,
    }
)
OPTIMISERS = (
    "adam",
    "extra-adam",
    "past-extra-adam",
    "optimistic-adam",
    "rmsprop",
    "lagan-extra-adam",
    "la-adam",
    "la-extra-adam",
)
"""The names of :data:`METHODS` that are optimisers with a state (moments, step counts), which a
checkpoint's ``torch.optim`` state can start."""


def method_parameters(name: str) -> tuple[str, ...]:
    """The hyperparameters :func:`build` accepts for the method ``name``, in order.

    Example:
      >>> method_parameters("consensus")
      ('lr', 'gamma')
    """
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; expected one of {sorted(METHODS)}")
    factory = METHODS[name]
    base = getattr(factory, "base_name", None)
    if base is not None:
        own = getattr(factory, "own_parameters", _LOOKAHEAD_PARAMETERS)
        return tuple(own) + method_parameters(base)
    return tuple(
        p.name
        for p in parameters_of(factory).values()
        if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    )


def build(name: str, **hyperparameters: Any) -> Method:
    """The method ``METHODS[name]`` built with ``hyperparameters``.

    Raises:
      ValueError: an unknown ``name``.
      TypeError: a hyperparameter the method does not take (named: a misspelt ``betta`` is
        refused, never dropped), or one it needs and is not given.
    """
    accepted = method_parameters(name)
    unknown = [k for k in hyperparameters if k not in accepted]
    if unknown:
        raise TypeError(
            f"method {name!r} takes no {', '.join(unknown)} (its hyperparameters: "
            f"{', '.join(accepted)})"
        )
    parameters = parameters_of(METHODS[name])
    missing = [
        p.name
        for p in parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        and p.name not in hyperparameters
    ]
    if missing:
        raise TypeError(f"method {name!r} needs {', '.join(missing)}")
    return METHODS[name](**hyperparameters)
