"""Update operators, each defined by one step, and the optimiser state they can start from.

A method is a pure map ``state ↦ state`` written once against a few primitives (:class:`Ops`);
its state is a tuple of vectors (the iterate ``z_t`` first) and :class:`Count` entries.
Methods are values: :meth:`Method.children` lists the methods one wraps, :meth:`Method.replace`
copies it with changes, and :func:`map_methods` walks and rebuilds a tree of them.

* The classical methods: :class:`GDA`, :class:`AltGDA`, :class:`Momentum` (heavy ball, either
  sign), :class:`ExtraGradient`, :class:`OptimisticGDA` (= :data:`PastExtraGradient`),
  :class:`Consensus`, :class:`CGD`; the other toolkits' :class:`HamiltonianGD`, :class:`SGA`,
  :class:`LOLA`, :class:`SOS`, :class:`LEAD`, :class:`ACGD`.
* The optimisers GANs are trained with: :class:`Adam` (alternating with ``n_critic``),
  :class:`ExtraAdam`, :class:`PastExtraAdam`, :class:`OptimisticAdam`, :class:`RMSProp`,
  LAGAN's :class:`LaganExtraAdam` (its own :class:`LaganExtrapolation` play) —
  each a **play** (:class:`Play`: :class:`Simultaneous`, :class:`Alternating`,
  :class:`Extrapolation`, :class:`PastExtrapolation`, :class:`Optimistic` — where the players
  take their gradients and in which order they move) over per-player optimiser transforms
  (:class:`Transform`), as GDA, AltGDA, Momentum, ExtraGradient and OptimisticGDA are too
  (:class:`Composed`).
* Wrappers around any method: :class:`Lookahead`, and iterate averaging — :class:`EMA` and
  :class:`IterateAverage` (the iterates of one run averaged over time; not to be confused with
  averaging a game over data batches, :class:`gamedyn.games.AveragedGame`).
* By name: :data:`METHODS`, :func:`build` (unknown hyperparameters refused),
  :func:`method_parameters`.
* An optimiser's saved state (:class:`OptimiserState`, distinct from a method's state tuple):
  read from ``torch.optim`` state dicts (:func:`read_optimiser_state`), from a checkpoint and
  gamedyn's sidecar files (:func:`read_checkpoint_optimiser`, :func:`save_optimiser_states`,
  :func:`load_optimiser_states`), and a method started from it (:func:`optimiser_method`,
  :func:`start_from`, :func:`trained_method` with where each setting came from).
"""

from ._acgd import ACGD

# Names imported here but not in ``__all__`` are the package's own (its modules, tests).
from ._adam import (
    Adam,
    ExtraAdam,
    OptimisticAdam,
    PastExtraAdam,
    frozen_statistics,  # noqa: F401
)
from ._base import (  # noqa: F401
    Count,
    Method,
    Ops,
    State,
    Vec,
    is_count,
    map_methods,
    off_diagonal_jvp,
    off_diagonal_vjp,
    scale,
    vectors,
)
from ._cgd import CGD
from ._composed import Composed
from ._consensus import Consensus
from ._extragradient import ExtraGradient, OptimisticGDA
from ._gda import GDA, AltGDA
from ._hamiltonian import HamiltonianGD
from ._iterate_averaging import EMA, IterateAverage
from ._lagan import (
    LaganExtraAdam,
    LaganExtrapolation,  # noqa: F401
)
from ._lead import LEAD
from ._lola import LOLA
from ._lookahead import INNER_STATES, SLOW_STARTS, Lookahead  # noqa: F401
from ._momentum import Momentum
from ._names import EXTRA_RULES, METHODS, OPTIMISERS, build, method_parameters  # noqa: F401
from ._optimiser_checkpoints import (  # noqa: F401
    CheckpointOptimiser,
    checkpoint_optimiser_states,
    load_optimiser_states,
    optimiser_method,
    optimiser_states_in,
    optimiser_states_of_file,
    read_checkpoint_optimiser,
    read_optimiser_state,
    save_optimiser_states,
    sidecar_paths,
    start_from,
    trained_method,
)
from ._optimiser_state import OptimiserState
from ._play import (
    FIRST,  # noqa: F401
    Alternating,
    Extrapolation,
    Optimistic,
    PastExtrapolation,
    Play,
    Simultaneous,
)
from ._rmsprop import RMSProp
from ._sga import SGA
from ._sos import SOS
from ._transforms import (
    AdamTransform,
    HeavyBallTransform,
    PlainTransform,
    RMSPropTransform,
    Transform,
)

PastExtraGradient = OptimisticGDA
"""Past extragradient (Popov 1980) is the same operator as optimistic GDA."""

__all__ = [
    "LaganExtraAdam",
    "optimiser_states_of_file",
    # the one-step interface and the protocol of wrapped methods
    "Method",
    "Ops",
    "State",
    "Count",
    "is_count",
    "vectors",
    "map_methods",
    "scale",
    # methods
    "GDA",
    "AltGDA",
    "Momentum",
    "ExtraGradient",
    "OptimisticGDA",
    "PastExtraGradient",
    "Consensus",
    "CGD",
    "HamiltonianGD",
    "SGA",
    "LOLA",
    "SOS",
    "LEAD",
    "ACGD",
    "Adam",
    "ExtraAdam",
    "PastExtraAdam",
    "OptimisticAdam",
    "RMSProp",
    # wrappers
    "Lookahead",
    "EMA",
    "IterateAverage",
    # plays over per-player transforms
    "Composed",
    "Play",
    "Simultaneous",
    "Alternating",
    "Extrapolation",
    "PastExtrapolation",
    "Optimistic",
    "Transform",
    "PlainTransform",
    "HeavyBallTransform",
    "AdamTransform",
    "RMSPropTransform",
    # by name
    "METHODS",
    "OPTIMISERS",
    "build",
    # an optimiser's saved state
    "OptimiserState",
    "read_optimiser_state",
    "optimiser_method",
    "start_from",
    "read_checkpoint_optimiser",
    "optimiser_states_in",
    "save_optimiser_states",
    "load_optimiser_states",
    "trained_method",
]
