"""Update operators, each defined by one step (see :mod:`gamedyn.methods.base`)."""

from .base import Method, Ops, off_diagonal_jvp, scale
from .cgd import CGD
from .consensus import Consensus
from .extragradient import ExtraGradient, OptimisticGDA
from .gda import GDA, AltGDA
from .lookahead import Lookahead
from .momentum import Momentum

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
]
