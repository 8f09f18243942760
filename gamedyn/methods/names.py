"""Methods by name: the command line's ``--method`` and anything else that builds one from text.

Example:
  >>> build("momentum", lr=0.1, beta=-0.5, gamma=3.0)      # gamma is not Momentum's: ignored
  Momentum(lr=0.1, beta=-0.5, alternating=False)
"""

from __future__ import annotations

import inspect
from typing import Any

from .acgd import ACGD
from .base import Method
from .cgd import CGD
from .consensus import Consensus
from .extragradient import ExtraGradient, OptimisticGDA
from .gda import GDA, AltGDA
from .hamiltonian import HamiltonianGD
from .lead import LEAD
from .lola import LOLA
from .momentum import Momentum
from .sga import SGA
from .sos import SOS

__all__ = ["METHODS", "build"]

METHODS: dict[str, type[Method]] = {
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


def build(name: str, **hyperparameters: Any) -> Method:
    """The method ``METHODS[name]`` with the hyperparameters its constructor takes.

    Hyperparameters it does not take are ignored (one set of options serves every method);
    those it needs and are not given raise ``TypeError`` naming them.
    """
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; expected one of {sorted(METHODS)}")
    cls = METHODS[name]
    parameters = inspect.signature(cls).parameters
    kwargs = {k: v for k, v in hyperparameters.items() if k in parameters}
    missing = [
        p.name
        for p in parameters.values()
        if p.default is inspect.Parameter.empty and p.name not in kwargs
    ]
    if missing:
        raise TypeError(f"method {name!r} needs {', '.join(missing)}")
    return cls(**kwargs)
