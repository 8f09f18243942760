"""The matrix-free Jacobian: :class:`JacobianOperator`, a ``scipy.sparse.linalg.LinearOperator``.

One object holds the products of one Jacobian at one point — the game Jacobian ``J(z)``, or the
Jacobian of a method's one step at the state built from ``z`` — together with how they are
computed (the product mode), how many were made and how much memory the retained graph holds.
Every matrix-free computation of :mod:`gamedyn.spectrum` (Krylov solvers, symmetric and
antisymmetric parts, the analysis checks, benchmarks) goes through it. Because it is a
``LinearOperator``, scipy's algebra and solvers apply unchanged::

    A = JacobianOperator(game)
    S = 0.5 * (A + A.T)                 # the symmetric part
    C = A + gamma * (A.T @ A)           # the consensus matrix at a fixed point
    scipy.sparse.linalg.eigs(A, k=6)    # ARPACK

Products (``A u``; ``Aᵀ w`` is always the pullback of ``torch.func.vjp``, built once and kept):

* ``mode="reverse"``: ``w ↦ Aᵀ w`` is linear, so ``A u`` is its vjp with cotangent
  ``u``; the graph of the pullback is built once (retained; :attr:`retained_bytes`) and each
  product is one backward pass through it. On the DCGAN benchmark
  (``benchmarks/bench_matrix_free.py``, CPU, float64) one product costs 2.7–3.5 plain gradient
  evaluations, retaining 0.4 GiB.
* ``mode="forward"``: ``torch.func.jvp``, forward-over-reverse for a game's field; nothing is
  retained between products (4.4 gradient evaluations on the same benchmark).
* ``mode="linearize"``: ``torch.func.linearize`` traces the forward-mode graph once and replays
  it; where it cannot trace (CGD's step calls ``jvp`` itself) it falls back to ``"forward"``
  and :attr:`mode` says so.
* ``mode="auto"`` (default, :data:`~gamedyn.vocabulary.DEFAULT_PRODUCT_MODE`): ``"linearize"``
  for operators of at least :data:`~gamedyn.vocabulary.LINEARIZE_MIN_SIZE` entries (the fastest
  exact products, at the floor of 2 gradients on a 1.7 M DCGAN; the trace, seconds, pays back
  after about 20 products), ``"reverse"`` for smaller ones and wherever the step cannot be
  traced (CGD's solves, a sum over ranks); :attr:`mode` says which, once the first product is
  built.

Products run in the game's dtype and device (float32: the fast mode; float64: the validation
mode); the numpy side of the operator (``matvec``, ``rmatvec``, ``matmat``) is float64.

Example:
  >>> import numpy as np
  >>> from gamedyn.games import Bilinear
  >>> A = JacobianOperator(Bilinear([[2.0]]))
  >>> A.matvec(np.array([1.0, 0.0]))
  array([ 0., -2.])
  >>> (A.T @ A).matvec(np.array([1.0, 0.0]))          # JᵀJ = 4 I
  array([4., 0.])
  >>> A.count
  3
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator
from torch.func import jvp, linearize, vjp, vmap

from .. import _validate
from ..backends._matrix_free import MatrixFreeOps
from ..backends._state import flatten, step_map
from ..games._base import Game, point_or_default
from ..methods import Method
from ..vocabulary import DEFAULT_PRODUCT_MODE, LINEARIZE_MIN_SIZE, PRODUCT_MODES

Tensor = torch.Tensor

__all__ = ["JacobianOperator", "TransposedJacobian", "memory_in_use"]


def memory_in_use(device: torch.device) -> int | None:
    """Bytes in use now: allocated CUDA memory, or the process's resident set on Linux."""
    if device.type == "cuda":
        return torch.cuda.memory_allocated(device)
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _finite(t: Tensor, what: str) -> Tensor:
    if not torch.isfinite(t).all():
        raise FloatingPointError(
            f"the product {what} has non-finite entries (nan or inf): the field's derivatives "
            "are not finite at the point analysed"
        )
    return t


class JacobianOperator(LinearOperator):
    """The Jacobian of ``game``'s field at ``z``, or of ``method``'s step, as a LinearOperator.

    For a method the operator acts on the flattened state, ``order · n`` entries in the order
    ``(z_t, z_{t−1})`` (the state's vectors in order; counts such as Adam's step held), at the
    state ``method.init(z)``; the step's primitives are
    :class:`~gamedyn.backends.MatrixFreeOps` (``ops``), whose linear solves (CGD)
    are checked once, eagerly, at that state.

    Args:
      game: any :class:`~gamedyn.games.Game`.
      z: the point (default: the game's default point, e.g. a checkpoint's parameters).
      method: an update operator, or ``None`` for the game Jacobian.
      mode: ``"auto"``, ``"reverse"``, ``"forward"`` or ``"linearize"`` (module docstring).
      ops: the matrix-free primitives (default ``MatrixFreeOps(game)``).

    Attributes:
      fn: the map differentiated (``game.field`` or the step on the flattened state).
      z: the point ``z`` of the game (a tensor; the default point where ``z=None``).
      point: the tensor it is differentiated at (``z`` or the flattened initial state).
      mode: the product mode in use.
      count: products made so far (``A u`` and ``Aᵀ w``; a ``matmat`` counts its columns).
      retained_bytes: memory left in use by the retained graphs (``None`` until built, or
        where it cannot be measured).
      ops: the step's primitives (``None`` for the game Jacobian); a step's linear solves are
        differentiated implicitly, by one more solve per product, and checked
        (:attr:`solve_residual`).
    """

    def __init__(
        self,
        game: Game,
        z: Any = None,
        method: Method | None = None,
        mode: str = DEFAULT_PRODUCT_MODE,
        *,
        ops: MatrixFreeOps | None = None,
    ):
        if not isinstance(game, Game):
            raise TypeError(f"game must be a gamedyn Game, got {type(game).__name__}")
        self.mode = _validate.choice("mode", mode, PRODUCT_MODES)
        z = point_or_default(game, z)
        self.game, self.method, self.z = game, method, z
        self.ops: MatrixFreeOps | None = None
        if method is None:
            self.fn: Callable[[Tensor], Tensor] = game.field
            self.point = z
        else:
            if not isinstance(method, Method):
                raise TypeError(
                    f"method must be a gamedyn Method or None, got {type(method).__name__}"
                )
            ops = MatrixFreeOps(game) if ops is None else ops
            self.ops = ops
            state = method.init(z)
            _validate.zero_second_moment(method, state, game.nx)
            self.fn = step_map(method, ops, state)
            self.point = flatten(state)
            ops.check = True  # one eager step: the inner solves must meet tol at this state
            try:
                self.fn(self.point)
            finally:
                ops.check = False
        value = self.fn(self.point)
        if not torch.isfinite(value).all():
            raise FloatingPointError(
                f"the {'field' if method is None else 'step'} is not finite (nan or inf) at the "
                "point analysed: no Jacobian there; check the parameters and the batch"
            )
        self.count = 0
        self.retained_bytes: int | None = None
        self._pullback: Callable[[Tensor], tuple[Tensor]] | None = None
        self._linear: Callable[[Tensor], Any] | None = None
        self._batched = True
        n = int(self.point.shape[0])
        if self.mode == "auto" and n < LINEARIZE_MIN_SIZE:
            self.mode = "reverse"  # "auto" on a large operator is resolved by the first product
        super().__init__(dtype=np.dtype(np.float64), shape=(n, n))

    # --- description ------------------------------------------------------------------------

    @property
    def product_dtype(self) -> torch.dtype:
        """The dtype products are computed in (the game's)."""
        return self.point.dtype

    @property
    def device(self) -> torch.device:
        """The device products are computed on (the game's)."""
        return self.point.device

    @property
    def solve_residual(self) -> float | None:
        """The worst relative residual ``‖A u − b‖/‖b‖`` of the step's linear solves so far
        (the step's own and those of every product's implicit derivative); ``None`` where the
        step solves nothing."""
        if self.ops is None or not getattr(self.ops, "solves", 0):
            return None
        return float(self.ops.worst_residual)

    @property
    def operator(self) -> str:
        """What this is the Jacobian of: ``"game Jacobian"`` or the method's ``repr``."""
        return "game Jacobian" if self.method is None else repr(self.method)

    def __repr__(self) -> str:
        return (
            f"<JacobianOperator of the {self.operator}, {self.shape[0]} × {self.shape[1]}, "
            f"mode={self.mode!r}, {str(self.product_dtype).removeprefix('torch.')}, "
            f"{self.count} products>"
        )

    # --- torch products ---------------------------------------------------------------------

    def _retained(self, build: Callable[[], Any]) -> Any:
        """``build()``, adding the memory it leaves in use to :attr:`retained_bytes`."""
        before = memory_in_use(self.device)
        built = build()
        after = memory_in_use(self.device)
        if before is not None and after is not None:
            self.retained_bytes = max(after - before, 0) + (self.retained_bytes or 0)
        return built

    def _pull(self) -> Callable[[Tensor], tuple[Tensor]]:
        """The pullback ``w ↦ (Aᵀ w,)`` of ``vjp(fn, point)``, built once."""
        if self._pullback is None:
            self._pullback = self._retained(lambda: vjp(self.fn, self.point)[1])
        return self._pullback

    def _build_linear(self) -> None:
        if self.mode == "reverse":
            pullback = self._pull()
            self._linear = self._retained(
                lambda: vjp(lambda w: pullback(w)[0], torch.zeros_like(self.point))[1]
            )
            return
        fallback = "reverse" if self.mode == "auto" else "forward"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._linear = self._retained(lambda: linearize(self.fn, self.point)[1])
            self.mode = "linearize"
        except (RuntimeError, NotImplementedError, TypeError):
            self.mode = fallback
            if fallback == "reverse":
                self._build_linear()

    def _jvp(self, u: Tensor) -> Tensor:
        """``A u`` in the product dtype (not counted)."""
        if self.mode != "forward" and self._linear is None:
            self._build_linear()
        if self.mode == "reverse":
            return self._linear(u)[0]
        if self._linear is not None:
            return self._linear(u)
        return jvp(self.fn, (self.point,), (u,))[1]

    def _vjp(self, w: Tensor) -> Tensor:
        """``Aᵀ w`` in the product dtype (not counted)."""
        return self._pull()(w)[0]

    def apply(self, u: Tensor) -> Tensor:
        """``A u`` for a 1-D tensor ``u`` (any float dtype, on the operator's device), computed in
        the product dtype and returned in ``u``'s dtype; counted. A non-finite product raises
        ``FloatingPointError`` (a Krylov solver would otherwise return garbage)."""
        self.count += 1
        return _finite(self._jvp(u.to(self.product_dtype)), "A u").to(u.dtype)

    def apply_transpose(self, w: Tensor) -> Tensor:
        """``Aᵀ w``, as :meth:`apply`; counted."""
        self.count += 1
        return _finite(self._vjp(w.to(self.product_dtype)), "Aᵀ w").to(w.dtype)

    # --- the LinearOperator interface (float64 numpy) ---------------------------------------

    def _tensor(self, u: np.ndarray) -> Tensor:
        return torch.as_tensor(
            np.ascontiguousarray(np.real(u)), dtype=self.product_dtype, device=self.device
        )

    @staticmethod
    def _numpy(t: Tensor) -> np.ndarray:
        return t.detach().to(device="cpu", dtype=torch.float64).numpy()

    def _matvec(self, u: np.ndarray) -> np.ndarray:
        if np.iscomplexobj(u):
            return self._matvec(u.real) + 1j * self._matvec(u.imag)
        self.count += 1
        return self._numpy(self._jvp(self._tensor(np.asarray(u).ravel())))

    def _rmatvec(self, w: np.ndarray) -> np.ndarray:
        if np.iscomplexobj(w):
            return self._rmatvec(w.real) + 1j * self._rmatvec(w.imag)
        self.count += 1
        return self._numpy(self._vjp(self._tensor(np.asarray(w).ravel())))

    def _columns(self, product: Callable[[Tensor], Tensor], u: np.ndarray) -> np.ndarray:
        """``product`` of each column of ``u``, batched with ``vmap`` where the model allows."""
        if np.iscomplexobj(u):
            return self._columns(product, u.real) + 1j * self._columns(product, u.imag)
        u = np.asarray(u)
        self.count += u.shape[1]
        columns = self._tensor(u.T)
        if self._batched:
            try:
                return self._numpy(vmap(product)(columns)).T
            except (RuntimeError, NotImplementedError):  # a model vmap cannot batch
                self._batched = False
        return self._numpy(torch.stack([product(c) for c in columns])).T

    def _matmat(self, u: np.ndarray) -> np.ndarray:
        return self._columns(self._jvp, u)

    def _rmatmat(self, w: np.ndarray) -> np.ndarray:
        return self._columns(self._vjp, w)

    def _adjoint(self) -> LinearOperator:
        return TransposedJacobian(self)

    _transpose = _adjoint  # a real operator: Aᵀ = Aᴴ


class TransposedJacobian(LinearOperator):
    """``Aᵀ`` of a :class:`JacobianOperator` ``A``: the same products, swapped (and counted on
    ``A``)."""

    def __init__(self, operator: JacobianOperator):
        self.base = operator
        super().__init__(dtype=operator.dtype, shape=operator.shape[::-1])

    def _matvec(self, u: np.ndarray) -> np.ndarray:
        return self.base._rmatvec(u)

    def _rmatvec(self, w: np.ndarray) -> np.ndarray:
        return self.base._matvec(w)

    def _matmat(self, u: np.ndarray) -> np.ndarray:
        return self.base._rmatmat(u)

    def _rmatmat(self, w: np.ndarray) -> np.ndarray:
        return self.base._matmat(w)

    def _adjoint(self) -> LinearOperator:
        return self.base

    _transpose = _adjoint
