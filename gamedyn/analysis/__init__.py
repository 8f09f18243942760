"""Checked, recorded analyses: one deterministic operator per analysis, and what it gives.

* :func:`analyse`: the top-``k`` eigenvalues of the game Jacobian (or an update operator's)
  after checking the map is deterministic (:func:`check_deterministic`) and its products
  adjoint (:func:`check_adjointness`), as a :class:`SpectrumRecord` (saved atomically as JSON
  beside an ``.npz``), with the non-normal extras on request (:mod:`gamedyn.nonnormal`).
* :func:`study`: one call from a loaded game to its complete record (the top-``k``, the
  spread across batches, the non-normal quantities, the per-player blocks, progress bars).
* :func:`batch_spectra`: the full-data (averaged) Jacobian's top-``k`` and the spread across
  batches, with confidence intervals (:func:`interval`, :func:`batch_means_interval`,
  :func:`bootstrap_interval`) and the batches and batch size a target precision needs
  (:func:`batches_needed`, :func:`batch_size_needed`).
* Uniform iterate averaging near a fixed point, exactly (:func:`uniform_average`): the
  deterministic theory of a method's linearisation, so it sits here rather than with the
  noise models of :mod:`gamedyn.stochastic`.

Example:
  >>> import numpy as np
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.spectrum import KrylovSchur
  >>> record = analyse(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2, solver=KrylovSchur(tol=1e-10))
  >>> record.converged, np.round(record.eigenvalues, 8).tolist()
  (True, [3j, -3j])
"""

from ..linalg import NoConvergence

# Names imported here but not in ``__all__`` are the package's own (its modules, tests).
from ._analyse import (  # noqa: F401
    AdjointnessError,
    BatchSpectra,
    NondeterministicError,
    adjointness_error,
    analyse,
    batch_spectra,
    check_adjointness,
    check_deterministic,
    rank_spread,
)
from ._averaging import (
    UniformAverage,  # noqa: F401
    uniform_average,
)
from ._intervals import (
    Interval,
    batch_means_interval,
    batch_size_needed,
    batches_needed,
    bootstrap_interval,
    interval,
)
from ._records import (
    SpectrumRecord,
    json_safe,  # noqa: F401
)
from ._study import PROGRESS_FORMAT, study  # noqa: F401

__all__ = [
    "study",
    "analyse",
    "batch_spectra",
    "SpectrumRecord",
    "NoConvergence",
    "AdjointnessError",
    "NondeterministicError",
    "adjointness_error",
    "interval",
    "Interval",
    "batch_means_interval",
    "bootstrap_interval",
    "batches_needed",
    "batch_size_needed",
    "uniform_average",
]
