"""Backends: every implementation of the step primitives of :class:`gamedyn.methods.Ops`.

* :class:`TorchOps`: torch tensors, linear solves by a dense matrix (runs and dense Jacobians
  by ``jacfwd``).
* :class:`MatrixFreeOps`: torch tensors, linear solves by GMRES (:mod:`gamedyn.linalg`) to a
  tolerance, differentiated implicitly by one more solve (matrix-free Jacobians of large games).
* The sympy backends (``SympyOps``, ``TangentOps``, ``EigenOps``, for eigenvalue maps) are
  internal to :mod:`gamedyn.spectrum`; they load with sympy, on first use.
* :func:`step_map`: a method's step on the flattened state (:func:`flatten`,
  :func:`unflatten`) for any backend.
"""

from ._dense import TorchOps
from ._matrix_free import MatrixFreeOps
from ._state import flatten, step_map, unflatten

__all__ = [
    "TorchOps",
    "MatrixFreeOps",
    "step_map",
    "flatten",
    "unflatten",
]
