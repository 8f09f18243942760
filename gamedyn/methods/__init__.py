"""Update operators, each defined by one step (see :mod:`gamedyn.methods.base`).

One module per family: :mod:`.gda` (simultaneous and alternating GDA), :mod:`.momentum`
(heavy ball, either sign), :mod:`.extragradient` (extragradient, optimistic GDA),
:mod:`.lookahead` (around any base), :mod:`.consensus`, :mod:`.cgd`; :mod:`.names` builds them
by name. The optimisers GANs are trained with: :mod:`.adam` (Adam, alternating with
``n_critic``, ExtraAdam, PastExtraAdam, OptimisticAdam), :mod:`.rmsprop`, :mod:`.averaging`
(uniform and EMA around any method) — each a game schedule (:mod:`.schedules`) over per-player
optimiser transforms (:mod:`.transforms`), as GDA, AltGDA, Momentum and ExtraGradient are too
(:mod:`.composed`); :mod:`.optimiser_state` is the state an optimiser method can start from.
The methods of the other toolkits, one module each: :mod:`.hamiltonian` (Hamiltonian gradient
descent), :mod:`.sga` (symplectic gradient adjustment), :mod:`.lola` (LOLA, with the look-ahead
and shaping terms), :mod:`.sos` (stable opponent shaping), :mod:`.lead` (least-action dynamics),
:mod:`.acgd` (adaptive CGD). :mod:`.lagan` is LAGAN's extragradient over Adam (its released
trainer's rule, not Gidel et al.'s).
"""

from .acgd import ACGD
from .adam import Adam, ExtraAdam, OptimisticAdam, PastExtraAdam, frozen_statistics
from .averaging import EMA, Average
from .base import Count, Method, Ops, off_diagonal_jvp, off_diagonal_vjp, scale
from .cgd import CGD
from .composed import Composed
from .consensus import Consensus
from .extragradient import ExtraGradient, OptimisticGDA
from .gda import GDA, AltGDA
from .hamiltonian import HamiltonianGD
from .lagan import LaganExtraAdam, LaganExtrapolation
from .lead import LEAD
from .lola import LOLA
from .lookahead import Lookahead
from .momentum import Momentum
from .names import METHODS, build
from .optimiser_state import OptimiserState
from .rmsprop import RMSProp
from .schedules import (
    Alternating,
    Extrapolation,
    Optimistic,
    PastExtrapolation,
    Schedule,
    Simultaneous,
)
from .sga import SGA
from .sos import SOS
from .transforms import (
    AdamTransform,
    HeavyBallTransform,
    PlainTransform,
    RMSPropTransform,
    Transform,
)

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
    "Count",
    "Adam",
    "ExtraAdam",
    "PastExtraAdam",
    "OptimisticAdam",
    "frozen_statistics",
    "RMSProp",
    "EMA",
    "Average",
    "OptimiserState",
    "Composed",
    "Schedule",
    "Simultaneous",
    "Alternating",
    "Extrapolation",
    "PastExtrapolation",
    "Optimistic",
    "LaganExtrapolation",
    "LaganExtraAdam",
    "Transform",
    "PlainTransform",
    "HeavyBallTransform",
    "AdamTransform",
    "RMSPropTransform",
    "off_diagonal_vjp",
    "HamiltonianGD",
    "SGA",
    "LOLA",
    "SOS",
    "LEAD",
    "ACGD",
]
