"""Update operators, each defined by one step (see :mod:`gamedyn.methods.base`).

One module per family: :mod:`.gda` (simultaneous and alternating GDA), :mod:`.momentum`
(heavy ball, either sign), :mod:`.extragradient` (extragradient, optimistic GDA),
:mod:`.lookahead` (around any base), :mod:`.consensus`, :mod:`.cgd`; :mod:`.names` builds them
by name.
"""

from .base import Method, Ops, off_diagonal_jvp, scale
from .cgd import CGD
from .consensus import Consensus
from .extragradient import ExtraGradient, OptimisticGDA
from .gda import GDA, AltGDA
from .lookahead import Lookahead
from .momentum import Momentum
from .names import METHODS, build

PastExtraGradient = OptimisticGDA
"""Past extragradient (Popov 1980) is the same operator as optimistic GDA."""

__all__ = [
    "Method",
    "Ops",
    "scale",
    "off_diagonal_jvp",
    "GDA",
    "AltGDA",
    "Momentum",
    "ExtraGradient",
    "OptimisticGDA",
    "PastExtraGradient",
    "Lookahead",
    "Consensus",
    "CGD",
    "METHODS",
    "build",
]
