"""How eigenvalues are solved for: one frozen, validated configuration object per solver.

:func:`~gamedyn.spectrum.top_eigenvalues` and :func:`~gamedyn.analysis.analyse` take
``solver=KrylovSchur(...)`` (the default) or ``solver=Arpack(...)``. Every option of the solve
is a field, checked when the object is built (a bad value raises ``ValueError`` or
``TypeError`` naming the field and the value), so a configuration can be built once, shared,
compared and written into a record (:meth:`KrylovSchur.to_dict`).

Fields common to both:

* ``tol``: relative accuracy of each eigenpair, ``‖A v − λ v‖ ≤ tol·|λ|`` (ARPACK's meaning).
* ``ncv``: the Krylov basis size (default, Krylov–Schur: for a game Jacobian ``max(2k + 1, 40)``
  vectors, 20 where 40 float64 vectors pass 1 GiB, with convergence tested after every vector,
  so that it stops at the product where the ``k`` converge; ARPACK: ``max(2k + 1, 20)``, at most
  the size; an update operator's up to 200 vectors within 512 MiB, at least
  ``max(2k + 1, 40)``, with convergence tested every 10 vectors from 40 on: its cluster of
  moduli near 1 is reached in the fewest products without restarts); a longer basis is the
  way to reach eigenvalues away from the largest moduli (``which="SR"``/``"LR"``) in fewer
  products. An ``ncv`` given is tested when full, as before.
* ``max_restarts``: restarts before giving up (Krylov–Schur 300; ARPACK ``None``: its own).
* ``mode``: how ``J u`` is computed (:data:`~gamedyn.vocabulary.PRODUCT_MODES`,
  :class:`~gamedyn.spectrum.JacobianOperator`).
* ``precision``: the dtype the products run in, ``"float64"`` or ``"float32"`` (the game must
  compute in that dtype), ``"mixed"`` (float32 products to about 1e-6, then a refinement with
  float32 products and about ``2k`` float64 ones: float64 eigenvalues and true residuals,
  :func:`gamedyn.linalg.mixed_precision_eigs`; Krylov–Schur, a TorchGame), or ``None``
  (the default): the game's own dtype, except
  ``"mixed"`` for the game Jacobian of a float64 TorchGame of at least 100,000 entries with
  ``which="LM"`` (measured to pay there). The Krylov basis is float64 in every case.
* ``solve_tol``, ``solve_iterations``: the step's inner linear solves (CGD, ACGD), by GMRES
  to ``solve_tol`` in at most ``solve_iterations`` steps
  (:class:`~gamedyn.backends.MatrixFreeOps`).

:class:`KrylovSchur` adds ``route`` (:data:`~gamedyn.vocabulary.ROUTES`): an update operator's
eigenvalues from Krylov–Schur on the game Jacobian mapped by the method's eigenvalue map where
that is exact (``"auto"``, the default, takes it where it holds).

Example:
  >>> solver = KrylovSchur(tol=1e-8, ncv=40)
  >>> solver.tol, solver.ncv, solver.max_restarts, solver.route
  (1e-08, 40, 300, 'auto')
  >>> solver.replace(ncv=60).ncv
  60
  >>> KrylovSchur(ncv=1)
  Traceback (most recent call last):
  ...
  ValueError: ncv must be an integer >= 3, got 1
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from ..linalg import MAX_RESTARTS
from ..vocabulary import PRECISIONS, PRODUCT_MODES, ROUTES

__all__ = ["KrylovSchur", "Arpack", "Solver", "check_solver"]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def _count(name: str, value: Any, least: int, optional: bool) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "an integer or None" if optional else "an integer"
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__} {value!r}")
    if value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value}")
    return int(value)


def _choice(name: str, value: Any, choices: tuple, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


class _Common:
    """Validation and serialisation shared by the solver classes."""

    name = ""

    def _check_common(self) -> None:
        set_ = object.__setattr__
        set_(self, "tol", _number("tol", self.tol))
        set_(self, "ncv", _count("ncv", self.ncv, 3, optional=True))
        set_(self, "mode", _choice("mode", self.mode, PRODUCT_MODES))
        set_(self, "precision", _choice("precision", self.precision, PRECISIONS, optional=True))
        set_(self, "solve_tol", _number("solve_tol", self.solve_tol))
        set_(
            self,
            "solve_iterations",
            _count("solve_iterations", self.solve_iterations, 1, optional=True),
        )

    def replace(self, **changes: Any) -> Any:
        """A copy with ``changes`` (validated again); an unknown field raises ``TypeError``."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields and the solver's name, for records."""
        return {"solver": self.name, **dataclasses.asdict(self)}


@dataclass(frozen=True)
class KrylovSchur(_Common):
    """Krylov–Schur (:func:`gamedyn.linalg.krylov_schur`): the basis on the game's device,
    products with no host round trip; fewer products than ARPACK in
    ``benchmarks/bench_matrix_free.py``, and never slower. Fields: the module docstring."""

    tol: float = 1e-10
    ncv: int | None = None
    max_restarts: int = MAX_RESTARTS
    mode: str = "auto"
    route: str = "auto"
    precision: str | None = None
    solve_tol: float = 1e-10
    solve_iterations: int | None = None

    name = "krylov-schur"

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(
            self, "max_restarts", _count("max_restarts", self.max_restarts, 0, optional=False)
        )
        object.__setattr__(self, "route", _choice("route", self.route, ROUTES))


@dataclass(frozen=True)
class Arpack(_Common):
    """Implicitly restarted Arnoldi, ARPACK's ``dnaupd`` (:func:`scipy.sparse.linalg.eigs`) on
    the :class:`~gamedyn.spectrum.JacobianOperator`; always the operator's own products (no
    ``route``). ``max_restarts=None``: ARPACK's own limit. Fields: the module docstring."""

    tol: float = 1e-10
    ncv: int | None = None
    max_restarts: int | None = None
    mode: str = "auto"
    precision: str | None = None
    solve_tol: float = 1e-10
    solve_iterations: int | None = None

    name = "arpack"

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(
            self, "max_restarts", _count("max_restarts", self.max_restarts, 1, optional=True)
        )


Solver = KrylovSchur | Arpack
"""Either solver configuration."""


def check_solver(solver: Any) -> KrylovSchur | Arpack:
    """``solver`` if it is a :class:`KrylovSchur` or :class:`Arpack`; else ``TypeError``."""
    if not isinstance(solver, (KrylovSchur, Arpack)):
        hint = (
            f"; use solver=KrylovSchur() or solver=Arpack() (from gamedyn.spectrum) instead of "
            f"the string {solver!r}"
            if isinstance(solver, str)
            else ""
        )
        raise TypeError(
            f"solver must be a gamedyn.spectrum.KrylovSchur or Arpack, got "
            f"{type(solver).__name__}{hint}"
        )
    return solver
