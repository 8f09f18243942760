"""The sympy backends: the methods' one step, run exactly on sympy matrices.

* :class:`SympyOps` runs a step on sympy column matrices for a
  :class:`~gamedyn.games.SymbolicGame`: ``field`` is ``v(z)``, ``jvp``/``vjp`` are
  ``J(z) u`` and ``J(z)ᵀ u`` with the game's exact Jacobian, ``solve`` assembles the matrix of the
  linear map from its values on the unit vectors and calls ``LUsolve``.
* :class:`TangentOps` is forward-mode differentiation on top of it (sympy's ``jacfwd``): every
  vector is a :class:`Tangent` ``(value, ∂value/∂s)``, the derivative with respect to the
  flattened initial state ``s``. Running a step on the state ``(z_0 + ds, ...)`` gives the
  update's value *and* its Jacobian at that state in one pass, with the point substituted from
  the start — no symbolic state, no nesting of the field inside itself to differentiate later.
  On polynomial games every product is expanded as it is formed; on others (``exp``, ``log``)
  expressions are kept as formed (:func:`tidier`).
* :class:`EigenOps` runs a step on the scalar linear field ``v(z) = λ z``, a one-dimensional
  stand-in for one eigendirection of ``J``: ``field(z) = λ z``, ``jvp(z, u) = λ u`` and
  ``vjp(z, u) = conj(λ) u``. Applied to the ``r`` unit states, the step gives the ``r × r``
  matrix ``M(λ)`` whose eigenvalues are the operator eigenvalues belonging to ``λ`` (the
  eigenvalue map). This is exact when ``J`` is normal: its eigenvectors are then orthonormal and
  ``Jᵀ`` (real ``J``) acts on the eigenvector of ``λ`` as ``conj(λ)``. Steps that call only the
  field and ``J u`` (GDA, extragradient, optimistic GDA, momentum, lookahead) are polynomials in
  ``J`` and need only a diagonalisable ``J``; consensus uses ``Jᵀ`` and needs a normal one.
  Steps that treat the players separately (alternating updates, per-player step sizes, CGD's
  coupling blocks) call ``split``/``join``, which raise :class:`NoEigenvalueMap`; so do steps
  with a tracked preconditioner (Adam's or RMSProp's second moment, through ``sqrt``), which are
  not linear in the state. With the preconditioner frozen at a number they are (Adam is then
  heavy-ball-like) and have maps.

No sympy backend supplies ``sqrt``: the exact Jacobian of Adam with its second moment in the
state is numeric only (dense or matrix-free); its frozen-preconditioner operator with a scalar
preconditioner is exact here.
  that need the losses (``loss_gradients``: LOLA, SOS). ``dot`` is zero there: every vector
  of a step run on the linear field is linear in the state, so an inner product of two is
  quadratic and its linear part at the fixed point vanishes (SGA's sign alignment then keeps
  ``λ``, as it does in a neighbourhood of any fixed point).

The four primitives for data-dependent steps are exact here too: ``loss_gradients`` from the
game's sympy losses (:meth:`~gamedyn.games.SymbolicGame.loss_gradients_sym`, their
derivative from its Hessians), ``dot`` with the product rule (a :class:`TangentScalar`), and
``if_nonnegative`` choosing the branch when its scalar is a number and a step function
(:func:`branch`) otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from ..games._symbolic import SymbolicGame

Matrix = sp.MutableDenseMatrix

__all__ = [
    "SympyOps",
    "Tangent",
    "TangentScalar",
    "TangentOps",
    "EigenOps",
    "NoEigenvalueMap",
    "tidier",
    "branch",
]


def expand_products(expr: Any) -> Any:
    """Distribute products and collect terms, without rewriting ``exp``/``log``/powers."""
    return sp.expand(expr, power_exp=False, power_base=False, log=False)


def keep(expr: Any) -> Any:
    """Leave an expression as it is."""
    return expr


def tidier(game: SymbolicGame) -> Callable[[Any], Any]:
    """How a step's products are normalised on ``game``.

    On a polynomial game (bilinear, quadratic) every product is expanded
    (:func:`expand_products`): multi-step operators (extragradient, lookahead) stay flat
    polynomials instead of ever deeper nestings. On other games (``exp``, ``log``: the
    Dirac-GAN) expanding makes expressions grow, so they are kept as formed (:func:`keep`).
    """
    field = game.field_sym()
    variables = list(game.variables)
    polynomial = all(entry.is_polynomial(*variables) for entry in field)
    return expand_products if polynomial else keep


def branch(s: Any, a: Any, b: Any) -> Any:
    """``a`` if ``s ≥ 0`` else ``b``: chosen at once when ``s`` is a number, else
    ``b + (a − b) θ(s)`` with the step function ``θ = Heaviside(·, 1)`` (``θ(0) = 1``).

    (A ``Piecewise`` would say the same, but sympy rewrites and simplifies every condition that
    holds another ``Piecewise``, as nested branches do: seconds per branch.)
    """
    s = sp.sympify(s)
    if s.is_number:
        return a if bool(s >= 0) else b
    return b + (a - b) * sp.Heaviside(s, 1)


class SympyOps:
    """The step primitives on sympy column matrices for a symbolic game.

    Args:
      game: the :class:`~gamedyn.games.SymbolicGame`.
    """

    def __init__(self, game: SymbolicGame):
        if not isinstance(game, SymbolicGame):
            raise TypeError(f"game must be a SymbolicGame, got {game!r}")
        self.game = game
        self.tidy = tidier(game)

    def field(self, z: Matrix) -> Matrix:
        return self.game.field_sym(z).applyfunc(self.tidy)

    def jvp(self, z: Matrix, u: Matrix) -> Matrix:
        return (self.game.jacobian_sym(z) * u).applyfunc(self.tidy)

    def vjp(self, z: Matrix, u: Matrix) -> Matrix:
        return (self.game.jacobian_sym(z).T * u).applyfunc(self.tidy)

    def split(self, z: Matrix) -> tuple[Matrix, Matrix]:
        return z[: self.game.nx, :], z[self.game.nx :, :]

    def join(self, x: Matrix, y: Matrix) -> Matrix:
        return Matrix.vstack(x, y)

    def solve(self, linear_map: Callable[..., Matrix], rhs: Matrix, *operands: Matrix) -> Matrix:
        n = rhs.shape[0]
        columns = [linear_map(sp.eye(n)[:, i], *operands) for i in range(n)]
        return Matrix.hstack(*columns).LUsolve(rhs).applyfunc(self.tidy)

    def sqrt(self, u: Matrix) -> Matrix:
        raise TypeError(_NO_SQRT)

    def loss_gradients(self, z: Matrix) -> tuple[Matrix, Matrix]:
        gx, gy = self.game.loss_gradients_sym(z)
        return gx.applyfunc(self.tidy), gy.applyfunc(self.tidy)

    def dot(self, u: Matrix, w: Matrix) -> Any:
        return self.tidy((u.T * w)[0, 0])

    def if_nonnegative(self, s: Any, a: Any, b: Any) -> Any:
        return branch(s, a, b)

    def size(self, z: Matrix) -> int:
        return z.shape[0]


_NO_SQRT = (
    "the step takes an elementwise square root (a tracked second moment, as in Adam or RMSProp): "
    "its exact Jacobian is numeric only (gamedyn.spectrum.operator_jacobian on a numeric game); "
    "with the preconditioner frozen at a number (method.frozen(), or second_moment=) the step "
    "is symbolic"
)


class Tangent:
    """A vector and its derivative: ``value`` (``n × 1``) and ``d = ∂value/∂s`` (``n × m``).

    Supports what a step does to vectors: ``+``, ``−`` and multiplication by a scalar (a number
    or a sympy expression that does not depend on ``s``). Sums and scalar multiples act on the
    value and the derivative alike, since both are linear.
    """

    __slots__ = ("value", "d", "tidy")

    def __init__(self, value: Matrix, d: Matrix, tidy: Callable[[Any], Any] = keep):
        self.value, self.d, self.tidy = value, d, tidy

    def _new(self, value: Matrix, d: Matrix) -> Tangent:
        return Tangent(value, d, self.tidy)._tidied()

    def _tidied(self) -> Tangent:
        """The same vector with its entries normalised by ``tidy``."""
        return Tangent(self.value.applyfunc(self.tidy), self.d.applyfunc(self.tidy), self.tidy)

    def __add__(self, other: Tangent) -> Tangent:
        return Tangent(self.value + other.value, self.d + other.d, self.tidy)

    def __sub__(self, other: Tangent) -> Tangent:
        return Tangent(self.value - other.value, self.d - other.d, self.tidy)

    def __neg__(self) -> Tangent:
        return Tangent(-self.value, -self.d, self.tidy)

    def __mul__(self, scalar: Any) -> Tangent:
        if isinstance(scalar, (Tangent, sp.MatrixBase)):
            raise TypeError(
                "a step may multiply vectors by scalars only; elementwise products and square "
                "roots of vectors (a tracked second moment, as in Adam or RMSProp) are numeric "
                "only: freeze the preconditioner at a number (second_moment=) for an exact "
                "Jacobian"
            )
        if isinstance(scalar, TangentScalar):  # a scalar that depends on s: the product rule
            d = scalar.value * self.d + self.value * scalar.d
            return self._new(scalar.value * self.value, d)
        return self._new(scalar * self.value, scalar * self.d)

    __rmul__ = __mul__


class TangentScalar:
    """A scalar and its derivative: ``value`` and ``d = ∂value/∂s`` (``1 × m``).

    What :meth:`TangentOps.dot` returns. Supports ``+``, ``−``, ``*`` and ``/`` with numbers
    (constants: sympy expressions that do not depend on ``s``) and with other tangent scalars,
    by the sum, product and quotient rules; a :class:`Tangent` times one is a :class:`Tangent`.
    """

    __slots__ = ("value", "d", "tidy")

    def __init__(self, value: Any, d: Matrix, tidy: Callable[[Any], Any] = keep):
        self.value, self.d, self.tidy = value, d, tidy

    def _new(self, value: Any, d: Matrix) -> TangentScalar:
        return TangentScalar(self.tidy(value), d.applyfunc(self.tidy), self.tidy)

    def _lift(self, other: Any) -> TangentScalar:
        if isinstance(other, TangentScalar):
            return other
        if isinstance(other, (Tangent, sp.MatrixBase)):
            raise TypeError("a scalar combines with scalars only")
        return TangentScalar(other, sp.zeros(*self.d.shape), self.tidy)

    def __add__(self, other: Any) -> TangentScalar:
        other = self._lift(other)
        return self._new(self.value + other.value, self.d + other.d)

    __radd__ = __add__

    def __neg__(self) -> TangentScalar:
        return TangentScalar(-self.value, -self.d, self.tidy)

    def __sub__(self, other: Any) -> TangentScalar:
        return self + (-self._lift(other))

    def __rsub__(self, other: Any) -> TangentScalar:
        return self._lift(other) - self

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, Tangent):
            return NotImplemented  # Tangent.__rmul__: a vector
        other = self._lift(other)
        return self._new(self.value * other.value, other.value * self.d + self.value * other.d)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> TangentScalar:
        other = self._lift(other)
        value = self.value / other.value
        return self._new(value, (self.d - value * other.d) / other.value)

    def __rtruediv__(self, other: Any) -> TangentScalar:
        return self._lift(other) / self


class TangentOps:
    """Forward-mode differentiation of a step on a symbolic game (exact ``jacfwd``).

    With ``J'`` the derivative of the game Jacobian (``∂J/∂z_k``, one matrix per coordinate):

    * ``field``: ``v(z)`` with derivative ``J(z) dz``;
    * ``jvp``: ``J(z) u`` with derivative ``Σ_k ∂J/∂z_k u dz_k + J(z) du``;
    * ``vjp``: ``J(z)ᵀ u`` with derivative ``Σ_k (∂J/∂z_k)ᵀ u dz_k + J(z)ᵀ du``;
    * ``solve``: ``u = A⁻¹ b`` with ``du = A⁻¹ (db − dA u)``, where ``A`` and ``dA`` come from
      the linear map applied to the unit vectors (its derivative through ``z``, as in CGD,
      included).

    Args:
      game: the :class:`~gamedyn.games.SymbolicGame`.
      m: the number of state coordinates ``s`` differentiated against (``r·n``).
    """

    def __init__(self, game: SymbolicGame, m: int):
        self.plain, self.game, self.m = SympyOps(game), game, m
        self.tidy = self.plain.tidy
        self._jacobian_derivative: list[Matrix] | None = None

    def tangent(self, value: Matrix, d: Matrix | None = None) -> Tangent:
        """``value`` with derivative ``d`` (default zero: a constant vector)."""
        d = sp.zeros(value.shape[0], self.m) if d is None else d
        return Tangent(value, d, self.tidy)

    def _dJ(self, z: Matrix) -> list[Matrix]:
        """``[∂J/∂z_k (z) for k]``, differentiated once per game, then evaluated at ``z``."""
        if self._jacobian_derivative is None:
            J = self.game.jacobian_sym()
            self._jacobian_derivative = [J.diff(s) for s in self.game.variables]
        return [self.game.at(dJ, z) for dJ in self._jacobian_derivative]

    def _curvature(self, z: Tangent, u: Matrix, transpose: bool) -> Matrix:
        """``Σ_k (∂J/∂z_k)[ᵀ] u dz_k`` (``n × m``): ``J(z)[ᵀ] u`` differentiated through ``z``."""
        if all(entry == 0 for entry in z.d):
            return sp.zeros(u.shape[0], self.m)
        columns = [(dJ.T if transpose else dJ) * u for dJ in self._dJ(z.value)]
        return Matrix.hstack(*columns) * z.d

    def field(self, z: Tangent) -> Tangent:
        value = self.game.field_sym(z.value)
        return self.tangent(value, self.game.jacobian_sym(z.value) * z.d)._tidied()

    def jvp(self, z: Tangent, u: Tangent) -> Tangent:
        J = self.game.jacobian_sym(z.value)
        d = self._curvature(z, u.value, transpose=False) + J * u.d
        return self.tangent(J * u.value, d)._tidied()

    def vjp(self, z: Tangent, u: Tangent) -> Tangent:
        JT = self.game.jacobian_sym(z.value).T
        d = self._curvature(z, u.value, transpose=True) + JT * u.d
        return self.tangent(JT * u.value, d)._tidied()

    def split(self, z: Tangent) -> tuple[Tangent, Tangent]:
        nx = self.game.nx
        x = self.tangent(z.value[:nx, :], z.d[:nx, :])
        return x, self.tangent(z.value[nx:, :], z.d[nx:, :])

    def join(self, x: Tangent, y: Tangent) -> Tangent:
        return self.tangent(Matrix.vstack(x.value, y.value), Matrix.vstack(x.d, y.d))

    def loss_gradients(self, z: Tangent) -> tuple[Tangent, Tangent]:
        """``∇L_i(z)`` with derivative ``∇²L_i(z) dz``, for both players."""
        gx, gy = self.game.loss_gradients_sym(z.value)
        hx, hy = self.game.loss_hessians_sym(z.value)
        return self.tangent(gx, hx * z.d)._tidied(), self.tangent(gy, hy * z.d)._tidied()

    def dot(self, u: Tangent, w: Tangent) -> TangentScalar:
        """``⟨u, w⟩`` with derivative ``uᵀ dw + wᵀ du``."""
        value = (u.value.T * w.value)[0, 0]
        d = u.value.T * w.d + w.value.T * u.d
        return TangentScalar(self.tidy(value), d.applyfunc(self.tidy), self.tidy)

    def scalar(self, value: Any) -> TangentScalar:
        """A scalar as a :class:`TangentScalar` (a number: zero derivative)."""
        if isinstance(value, TangentScalar):
            return value
        return TangentScalar(value, sp.zeros(1, self.m), self.tidy)

    def if_nonnegative(self, s: Any, a: Any, b: Any) -> TangentScalar:
        """The branch's value and derivative; step functions in both when ``s`` is symbolic."""
        s, a, b = self.scalar(s), self.scalar(a), self.scalar(b)
        value = sp.sympify(s.value)
        if value.is_number:
            return a if bool(value >= 0) else b
        d = Matrix(1, self.m, [branch(value, p, q) for p, q in zip(a.d, b.d, strict=True)])
        return TangentScalar(branch(value, a.value, b.value), d, self.tidy)

    def size(self, z: Tangent) -> int:
        return z.value.shape[0]

    def solve(
        self, linear_map: Callable[..., Tangent], rhs: Tangent, *operands: Tangent
    ) -> Tangent:
        n = rhs.value.shape[0]
        images = [linear_map(self.tangent(sp.eye(n)[:, i]), *operands) for i in range(n)]
        A = Matrix.hstack(*(image.value for image in images))
        u = A.LUsolve(rhs.value).applyfunc(self.tidy)
        dA_u = sp.zeros(n, self.m)
        for i, image in enumerate(images):
            dA_u += u[i] * image.d
        return self.tangent(u, A.LUsolve(rhs.d - dA_u))._tidied()

    def sqrt(self, u: Tangent) -> Tangent:
        raise TypeError(_NO_SQRT)


class NoEigenvalueMap(ValueError):
    """The operator's Jacobian is not a function of the game Jacobian's eigenvalues alone."""


class EigenOps:
    """The primitives of the scalar field ``v(z) = λ z`` (one eigendirection of ``J``).

    The state's entries are scalars: sympy expressions (exact maps) or numpy arrays (the step
    then runs vectorised over every ``λ`` at once). ``vjp`` multiplies by ``conj(λ)``: exact for
    a normal ``J`` (see the module docstring).

    Args:
      lam: the eigenvalue ``λ``.
      lam_conjugate: ``conj(λ)``, used by ``vjp`` (a separate symbol keeps maps polynomial).
    """

    def __init__(self, lam: Any, lam_conjugate: Any):
        self.lam, self.lam_conjugate = lam, lam_conjugate

    def field(self, z: Any) -> Any:
        return self.lam * z

    def jvp(self, z: Any, u: Any) -> Any:
        return self.lam * u

    def vjp(self, z: Any, u: Any) -> Any:
        return self.lam_conjugate * u

    def split(self, z: Any) -> tuple[Any, Any]:
        raise NoEigenvalueMap("the step treats the players separately")

    def join(self, x: Any, y: Any) -> Any:
        raise NoEigenvalueMap("the step treats the players separately")

    def solve(self, linear_map: Callable[..., Any], rhs: Any, *operands: Any) -> Any:
        return rhs / linear_map(1, *operands)

    def repeat(self, step: Callable[[tuple], tuple], k: int, state: tuple) -> tuple:
        """``k`` steps at once: on numbers the step is a linear map ``M(λ)`` of the ``r``
        state entries, so ``k`` steps are ``M(λ)ᵏ``, by repeated squaring (``O(log k)``
        products of ``r × r`` arrays, vectorised over ``λ``). Sympy states run the loop."""
        if not all(isinstance(entry, np.ndarray) for entry in state):
            for _ in range(k):
                state = step(state)
            return state
        r = len(state)
        shape = np.broadcast_shapes(*(np.shape(entry) for entry in state), np.shape(self.lam))
        one, zero = np.ones(shape, dtype=complex), np.zeros(shape, dtype=complex)
        columns = [step(tuple(one if i == j else zero for i in range(r))) for j in range(r)]
        M = np.stack(
            [
                np.stack([np.broadcast_to(columns[j][i], shape) for j in range(r)], -1)
                for i in range(r)
            ],
            -2,
        )  # (..., r, r): M[..., i, j] = entry i of the step of unit state j
        power = np.linalg.matrix_power(M, k)
        vector = np.stack([np.broadcast_to(entry, shape) for entry in state], -1)[..., None]
        result = (power @ vector)[..., 0]
        return tuple(result[..., i] for i in range(r))

    def sqrt(self, u: Any) -> Any:
        raise NoEigenvalueMap(
            "a tracked second moment makes the step nonlinear in the state; freeze the "
            "preconditioner at a number (second_moment=) for a map"
        )

    def loss_gradients(self, z: Any) -> tuple[Any, Any]:
        raise NoEigenvalueMap("the step uses the players' losses, not the field alone")

    def dot(self, u: Any, w: Any) -> Any:
        """Zero: quadratic in the state, with no linear part at the fixed point."""
        return 0

    def if_nonnegative(self, s: Any, a: Any, b: Any) -> Any:
        """The branch at the fixed point; refused when ``s`` is zero there (decided by the
        state's higher-order terms, direction by direction: no linearisation)."""
        if isinstance(s, np.ndarray):  # the step run on arrays of λ
            if np.any(s == 0):
                raise NoEigenvalueMap("a branch of the step is decided by second-order terms")
            return np.where(np.real(s) >= 0, a, b)
        if sp.sympify(s).is_zero:
            raise NoEigenvalueMap("a branch of the step is decided by second-order terms")
        return branch(s, a, b)

    def size(self, z: Any) -> int:
        """One: the state is one eigendirection."""
        return 1
