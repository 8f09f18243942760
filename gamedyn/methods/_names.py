"""Methods by name: the command line's ``--method`` and anything else that builds one from text.

Example:
  >>> build("momentum", lr=0.1, beta=-0.5)
  Momentum(lr=0.1, beta=-0.5, alternating=False)
  >>> build("gda", lr=0.1, betta=0.5)
  Traceback (most recent call last):
  ...
  TypeError: method 'gda' takes no betta (its hyperparameters: lr)
  >>> build("la-adam", lr=1e-4, betas=(0.5, 0.999), lookahead_k=5, lookahead_alpha=0.5)
  Lookahead(base=Adam(lr=0.0001, betas=(0.5, 0.999), eps=1e-08), k=5, alpha=0.5, inner_state='keep')
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
from ._lead import LEAD
from ._lola import LOLA
from ._lookahead import Lookahead
from ._momentum import Momentum
from ._rmsprop import RMSProp
from ._sga import SGA
from ._sos import SOS

__all__ = ["METHODS", "OPTIMISERS", "build", "method_parameters"]

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


_LOOKAHEAD_PARAMETERS = ("lookahead_k", "lookahead_alpha", "inner_state")


def _lookahead_of(name: str) -> Callable[..., Method]:
    """``la-NAME``: lookahead (LAGAN's ``inner_state="keep"`` by default) around ``NAME``."""

    def make(
        lookahead_k: int = 5,
        lookahead_alpha: float = 0.5,
        inner_state: str = "keep",
        **hyperparameters: Any,
    ) -> Method:
        return Lookahead(build(name, **hyperparameters), lookahead_k, lookahead_alpha, inner_state)

    make.__name__ = f"la_{name.replace('-', '_')}"
    make.__doc__ = f"Lookahead around {name!r} (k = lookahead_k, alpha = lookahead_alpha)."
    make.base_name = name  # type: ignore[attr-defined]
    return make


METHODS.update(
    {
        "adam": Adam,
        "extra-adam": ExtraAdam,
        "past-extra-adam": PastExtraAdam,
        "optimistic-adam": OptimisticAdam,
        "rmsprop": RMSProp,
        "la-adam": _lookahead_of("adam"),
        "la-extra-adam": _lookahead_of("extra-adam"),
    }
)
OPTIMISERS = (
    "adam",
    "extra-adam",
    "past-extra-adam",
    "optimistic-adam",
    "rmsprop",
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
        return _LOOKAHEAD_PARAMETERS + method_parameters(base)
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
