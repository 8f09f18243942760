"""Methods by name: the command line's ``--method`` and anything else that builds one from text.

Example:
  >>> build("momentum", lr=0.1, beta=-0.5, gamma=3.0)      # gamma is not Momentum's: ignored
  Momentum(lr=0.1, beta=-0.5, alternating=False)
  >>> method = build("la-adam", lr=1e-4, betas=(0.5, 0.999), lookahead_k=5, lookahead_alpha=0.5)
  >>> method.base
  Adam(lr=0.0001, betas=(0.5, 0.999), eps=1e-08, alternating=True, n_critic=1, first='y')
  >>> method.k, method.alpha, method.inner_state, method.slow_start
  (5, 0.5, 'keep', 'first-sync')

``la-adam`` and ``la-extra-adam`` are LAGAN's trainer (Chavdarova et al., ``lagan/trainer.py``):
alternating Adam, discriminator first, and LAGAN's own extragradient
(:class:`~gamedyn.methods.lagan.LaganExtraAdam`), each inside lookahead with LAGAN's conventions
(``inner_state="keep"``, ``slow_start="first-sync"``). The earlier readings stay reachable by
explicit arguments: ``build("la-adam", alternating=False, slow_start="start")`` (lookahead around
simultaneous Adam from the start) and ``build("la-extra-adam", rule="gidel")`` (lookahead around
Gidel et al.'s :class:`~gamedyn.methods.ExtraAdam`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .acgd import ACGD
from .adam import Adam, ExtraAdam, OptimisticAdam, PastExtraAdam
from .base import Method
from .cgd import CGD
from .consensus import Consensus
from .extragradient import ExtraGradient, OptimisticGDA
from .gda import GDA, AltGDA
from .hamiltonian import HamiltonianGD
from .lagan import LaganExtraAdam
from .lead import LEAD
from .lola import LOLA
from .lookahead import Lookahead
from .momentum import Momentum
from .rmsprop import RMSProp
from .sga import SGA
from .sos import SOS

__all__ = ["METHODS", "OPTIMISERS", "EXTRA_RULES", "build", "la_adam", "la_extra_adam"]

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


def build(name: str, **hyperparameters: Any) -> Method:
    """The method ``METHODS[name]`` with the hyperparameters its constructor takes.

    Hyperparameters it does not take are ignored (one set of options serves every method);
    those it needs and are not given raise ``TypeError`` naming them.
    """
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; expected one of {sorted(METHODS)}")
    cls = METHODS[name]
    parameters = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        kwargs = dict(hyperparameters)  # a factory that passes them on (lookahead's la-NAME)
    else:
        kwargs = {k: v for k, v in hyperparameters.items() if k in parameters}
    missing = [
        p.name
        for p in parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        and p.name not in kwargs
    ]
    if missing:
        raise TypeError(f"method {name!r} needs {', '.join(missing)}")
    return cls(**kwargs)
