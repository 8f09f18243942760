"""Backends: every implementation of the step primitives of :class:`gamedyn.methods.Ops`.

* :mod:`.dense`: :class:`TorchOps`, torch tensors, linear solves by a dense matrix (runs and
  dense Jacobians by ``jacfwd``).
* :mod:`.matrix_free`: :class:`MatrixFreeOps`, torch tensors, linear solves by GMRES
  (:mod:`gamedyn.linalg`) to a tolerance, differentiated implicitly by one more solve
  (:func:`implicit_solve`; matrix-free Jacobians of large games).
* :mod:`.symbolic`: ``SympyOps``, ``TangentOps`` (exact ``jacfwd``) and ``EigenOps`` (one
  eigendirection, for eigenvalue maps), on sympy matrices; loaded with sympy, on first use.
* :mod:`.state`: :func:`step_map`, a method's step on the flattened state for any backend.
"""

from .dense import TorchOps
from .matrix_free import MatrixFreeOps, implicit_solve
from .state import flatten, step_map, unflatten

__all__ = [
    "TorchOps",
    "MatrixFreeOps",
    "implicit_solve",
    "step_map",
    "flatten",
    "unflatten",
]
