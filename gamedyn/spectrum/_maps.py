"""Eigenvalue maps: the operator eigenvalues ``μ(λ)`` that belong to an eigenvalue ``λ`` of ``J``.

For operators whose Jacobian is a function of the game Jacobian ``J`` alone (GDA,
extragradient, optimistic GDA, simultaneous momentum, lookahead around these, consensus for a
normal ``J``), each eigenvalue ``λ`` of ``J`` gives ``r`` operator eigenvalues
``μ_1(λ), ..., μ_r(λ)`` (``r`` = the state's length). They are *derived from the method's one
step*, run on the scalar field ``v(z) = λ z`` (:class:`~gamedyn.backends._symbolic.EigenOps`)
from each of the ``r`` unit states, which gives the ``r × r`` matrix ``M(λ)`` whose eigenvalues
are the ``μ``. With ``λ`` a sympy expression the roots are exact; with a numpy array, ``M(λ)``'s
invariants (its entry, or its trace and determinant) are lambdified once per kind of method —
numeric hyperparameters become arguments, so one derivation serves every value — and the roots
are taken in closed form, vectorised. Consensus uses ``Jᵀ``, which acts as ``conj(λ)``: its
map holds for normal ``J``.

* :func:`eigenvalue_map`, :func:`numeric_eigenvalue_map`, :func:`eigenvalue_matrix`,
  :func:`characteristic_polynomial`;
* :func:`bilinear_rates`, :func:`bilinear_spectral_radius` (exact rates on ``x·y`` and on
  ``σ``-scaled bilinear games) and :func:`latex` for teaching material.

Example:
  >>> import sympy as sp
  >>> from gamedyn.methods import ExtraGradient
  >>> eta, lam = sp.symbols("eta lambda")
  >>> eigenvalue_map(ExtraGradient(lr=eta), lam)
  [eta**2*lambda**2 - eta*lambda + 1]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import sympy as sp

from ..backends._symbolic import EigenOps, NoEigenvalueMap
from ..methods import Method, is_count, vectors
from ._ordering import sort_last_axis
from ._symbolic import has_symbolic_hyperparameters

Matrix = sp.MutableDenseMatrix

LAMBDIFY_MAX_EVALUATIONS = 8
"""Steps with more field evaluations than this are mapped numerically, not lambdified."""

__all__ = [
    "NoEigenvalueMap",
    "eigenvalue_matrix",
    "characteristic_polynomial",
    "eigenvalue_map",
    "numeric_eigenvalue_map",
    "bilinear_rates",
    "bilinear_spectral_radius",
    "latex",
]


# ---------------------------------------------------------------------------------------------
# Eigenvalue maps
# ---------------------------------------------------------------------------------------------


def _check_map(method: Method) -> None:
    """Raise :class:`NoEigenvalueMap` now if ``method`` has no map (a step on one number)."""
    eigenvalue_matrix(method, np.zeros(1, dtype=complex))


def _no_map(method: Method, reason: Exception) -> NoEigenvalueMap:
    return NoEigenvalueMap(
        f"{method!r} has no eigenvalue map ({reason}): its Jacobian depends on more than the "
        "eigenvalues of J (alternating updates, per-player step sizes, CGD, LEAD and ACGD use "
        "the blocks of J; LOLA and SOS the losses). Use "
        "gamedyn.spectrum.operator_jacobian(method, game, z) on a game instead."
    )


def eigenvalue_matrix(method: Method, lam: Any, lam_conjugate: Any = None) -> list[list[Any]]:
    """``M(λ)``: the operator on one eigendirection of ``J``, as nested lists (``r × r``).

    On the scalar field ``v(z) = λ z`` the step is linear in the state, so ``M[i][j]`` is entry
    ``i`` of the step applied to the ``j``-th unit state ``(0, ..., 1, ..., 0)``.

    Args:
      method: the update operator.
      lam: a sympy expression or a numpy array.
      lam_conjugate: what ``Jᵀ`` multiplies by; defaults to ``conj(lam)``.

    Raises:
      NoEigenvalueMap: if the step treats the players separately.
    """
    symbolic = isinstance(lam, sp.Basic)
    if lam_conjugate is None:
        lam_conjugate = sp.conjugate(lam) if symbolic else np.conj(lam)
    if symbolic:
        one, zero = sp.Integer(1), sp.Integer(0)
    else:
        one, zero = np.ones_like(lam), np.zeros_like(lam)
    ops, r = EigenOps(lam, lam_conjugate), method.order
    try:
        template = method.init(one)  # where the counts (Adam's step) sit, and their values
        columns = [vectors(method.step(ops, _unit_state(template, j, one, zero))) for j in range(r)]
    except NoEigenvalueMap as reason:
        raise _no_map(method, reason) from None
    return [[columns[j][i] for j in range(r)] for i in range(r)]


def _unit_state(template: tuple, j: int, one: Any, zero: Any) -> tuple:
    """``template`` with its ``j``-th vector 1, its other vectors 0 and its counts kept."""
    out, i = [], 0
    for entry in template:
        if is_count(entry):
            out.append(entry)
        else:
            out.append(one if i == j else zero)
            i += 1
    return tuple(out)


def characteristic_polynomial(method: Method, lam: Any, mu: sp.Symbol) -> sp.Expr:
    """``det(μ I − M(λ))``, expanded: its roots in ``μ`` are the eigenvalue map at ``λ``.

    Example:
      >>> import sympy as sp
      >>> from gamedyn.methods import Momentum
      >>> eta, beta, lam, mu = sp.symbols("eta beta lambda mu")
      >>> sp.collect(characteristic_polynomial(Momentum(eta, beta), lam, mu), mu)
      beta + mu**2 + mu*(-beta + eta*lambda - 1)
    """
    if not isinstance(mu, sp.Symbol):
        raise TypeError(f"mu must be a sympy Symbol, got {mu!r}")
    M = Matrix(eigenvalue_matrix(method, sp.sympify(lam)))
    return sp.expand((mu * sp.eye(M.shape[0]) - M).det())


def eigenvalue_map(method: Method, lam: Any) -> list[sp.Expr] | np.ndarray:
    """The operator eigenvalues ``μ_1(λ), ..., μ_r(λ)`` for an eigenvalue ``λ`` of ``J``.

    Args:
      method: GDA, ExtraGradient, OptimisticGDA, simultaneous Momentum (``β`` of either sign),
        Consensus (for normal ``J``), or Lookahead around any of these — with one step size for
        both players. Hyperparameters may be sympy symbols when ``lam`` is one.
      lam: a sympy expression (usually a symbol), or numbers (any shape, real or complex).

    Returns:
      With sympy ``lam``: the list of the ``r`` roots (``r = method.order``): one polynomial
      expanded, or the two roots of ``μ² − tr M μ + det M`` simplified, the ``+`` branch of
      the square root first (symbolic roots cannot be sorted by modulus). With numbers: a
      complex array of shape ``lam.shape + (r,)``, sorted along the last axis by decreasing
      modulus, ties by decreasing real then imaginary part (gamedyn's order).

    Raises:
      NoEigenvalueMap (a ``ValueError``): for alternating updates, per-player step sizes and
        CGD, naming :func:`gamedyn.spectrum.operator_jacobian` as the alternative.
      ValueError: numeric ``lam`` with symbolic hyperparameters.
    """
    if isinstance(lam, sp.Basic):
        M = Matrix(eigenvalue_matrix(method, lam))
        if M.shape == (1, 1):  # polynomials in λ expanded, anything else simplified
            (entry,) = M
            symbols = entry.free_symbols
            if symbols and entry.is_polynomial(*symbols):
                return [sp.expand(entry)]
            return [sp.simplify(entry)]
        if M.shape == (2, 2):
            half_trace, det = M.trace() / 2, M.det()
            root = sp.sqrt(sp.factor(sp.expand(half_trace**2 - det)))
            return [sp.simplify(half_trace + root), sp.simplify(half_trace - root)]
        mu = sp.Dummy("mu")
        return sp.roots(M.charpoly(mu).as_expr(), mu, multiple=True)
    if has_symbolic_hyperparameters(method):
        raise ValueError(
            f"{method!r} has symbolic hyperparameters: pass a sympy lam, or numbers for them"
        )
    return numeric_eigenvalue_map(method)(lam)


def numeric_eigenvalue_map(method: Method) -> Callable[[Any], np.ndarray]:
    """The lambdified eigenvalue map of ``method``: ``lam ↦ μ`` of shape ``lam.shape + (r,)``.

    ``M(λ)`` is derived once per *kind* of method (its type, integer and boolean
    hyperparameters such as ``k`` and ``alternating``, and those of its base): the real
    hyperparameters become arguments of the lambdified function, so tuning over them does not
    derive again. ``r = 1``: ``μ = M(λ)``; ``r = 2``: the roots of ``μ² − tr M μ + det M`` in
    the cancellation-free form ``q = t/2 ± √(t²/4 − d)`` (the larger), ``d/q``; ``r > 2``:
    batched ``numpy.linalg.eigvals``. Methods that cannot be rebuilt from their
    ``hyperparameters()``, and methods whose step evaluates the field more than
    :data:`LAMBDIFY_MAX_EVALUATIONS` times (lookahead with many fast steps, whose symbolic
    ``M(λ)`` would have degree ``k``), run the step on the arrays directly, where repeated base
    steps compose by matrix powers (:meth:`~gamedyn.backends._symbolic.EigenOps.repeat`).
    """
    if has_symbolic_hyperparameters(method):
        raise ValueError(f"{method!r} has symbolic hyperparameters: no numeric map")
    if method.field_evaluations() > LAMBDIFY_MAX_EVALUATIONS:
        _check_map(method)
        return functools.partial(_map_by_running_the_step, method)
    try:
        key, values = _kind(method)
        invariants = _lambdified_invariants(key)
    except _NotRebuildable:
        return functools.partial(_map_by_running_the_step, method)
    except NoEigenvalueMap as reason:
        raise _no_map(method, reason) from None

    def mapped(lam: Any) -> np.ndarray:
        lam = np.asarray(lam, dtype=complex)
        coefficients = [
            np.broadcast_to(np.asarray(c, dtype=complex), lam.shape)
            for c in invariants(lam, np.conj(lam), *values)
        ]
        return _roots(method.order, coefficients)

    return mapped


class _NotRebuildable(Exception):
    """``type(method)(**method.hyperparameters())`` does not rebuild the method."""


def _kind(method: Method) -> tuple[Hashable, tuple[float, ...]]:
    """``(key, values)``: the method's structure, and its real hyperparameters in order.

    The key holds the types, the names, and every hyperparameter that is not a real number
    (integers such as ``k``, booleans such as ``alternating``); real numbers are left as slots.
    """
    parts: list[Any] = [type(method)]
    values: list[float] = []
    for name, value in method.hyperparameters().items():
        if isinstance(value, Method):
            sub_key, sub_values = _kind(value)
            parts.append((name, sub_key))
            values.extend(sub_values)
        else:
            parts.append((name, _slot(name, value, values)))
    return tuple(parts), tuple(values)


_PAIR = "pair"
"""Marks a tuple hyperparameter (``betas``, or a per-player pair) in a kind's key."""


def _slot(name: str, value: Any, values: list[float]) -> Any:
    """The key part of one hyperparameter: ``float`` (a slot, its value appended to
    ``values``), a tuple of them, or the value itself (integers, booleans, strings, ``None``).

    A per-player pair becomes a pair of slots: its template then splits the players and the
    step raises :class:`NoEigenvalueMap` itself. Anything else (vectors, optimiser states)
    cannot be rebuilt from symbols.
    """
    if isinstance(value, float):
        values.append(value)
        return float
    if isinstance(value, tuple):
        return (_PAIR, *(_slot(name, v, values) for v in value))
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise _NotRebuildable(name)


def _template(key: Hashable, symbols: list[sp.Symbol]) -> Method:
    """The method of ``key`` with a fresh symbol in each real slot (appended to ``symbols``)."""
    cls, *parts = key
    kwargs = {}
    for name, value in parts:
        if isinstance(value, tuple) and value and isinstance(value[0], type):
            kwargs[name] = _template(value, symbols)
        else:
            kwargs[name] = _symbolic_slot(name, value, symbols)
    try:
        return cls(**kwargs)
    except Exception as err:  # a method whose constructor does not take its hyperparameters
        raise _NotRebuildable(cls.__name__) from err


def _symbolic_slot(name: str, part: Any, symbols: list[sp.Symbol]) -> Any:
    """A fresh symbol for a slot (appended to ``symbols``), tuples of them, or the value."""
    if part is float:
        symbols.append(sp.Dummy(name))
        return symbols[-1]
    if isinstance(part, tuple) and part and part[0] == _PAIR:
        return tuple(_symbolic_slot(name, p, symbols) for p in part[1:])
    return part


@functools.lru_cache(maxsize=256)
def _lambdified_invariants(key: Hashable) -> Callable[..., list[Any]]:
    """``f(λ, conj λ, *hyperparameters)`` → ``[M₀₀]``, ``[tr M, det M]`` or ``M``'s entries."""
    symbols: list[sp.Symbol] = []
    method = _template(key, symbols)
    lam, lam_conjugate = sp.Dummy("lam"), sp.Dummy("lam_conj")
    M = Matrix(eigenvalue_matrix(method, lam, lam_conjugate))
    if M.shape == (1, 1):
        invariants = [M[0, 0]]
    elif M.shape == (2, 2):
        invariants = [M.trace(), M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0]]
    else:
        invariants = list(M)
    return sp.lambdify([lam, lam_conjugate, *symbols], invariants, modules="numpy", cse=True)


def _map_by_running_the_step(method: Method, lam: Any) -> np.ndarray:
    """The eigenvalue map without lambdify: the step run on numpy arrays of ``λ``."""
    lam = np.asarray(lam, dtype=complex)
    M = eigenvalue_matrix(method, lam)
    r = len(M)
    if r == 1:
        return _roots(1, [np.broadcast_to(M[0][0], lam.shape)])
    if r == 2:
        coefficients = [M[0][0] + M[1][1], M[0][0] * M[1][1] - M[0][1] * M[1][0]]
    else:
        coefficients = [M[i][j] for i in range(r) for j in range(r)]
    shaped = [np.broadcast_to(np.asarray(c, dtype=complex), lam.shape) for c in coefficients]
    return _roots(r, shaped)


def _roots(r: int, coefficients: list[np.ndarray]) -> np.ndarray:
    """The eigenvalues of ``M`` from its invariants, shape ``(..., r)``, in gamedyn's order."""
    if r == 1:
        return np.array(coefficients[0], dtype=complex)[..., None]
    if r == 2:
        trace, det = coefficients
        half = trace / 2
        disc = np.sqrt(half**2 - det)
        q = np.where(np.abs(half + disc) >= np.abs(half - disc), half + disc, half - disc)
        with np.errstate(divide="ignore", invalid="ignore"):
            other = np.where(q != 0, det / np.where(q != 0, q, 1), 0)
        return sort_last_axis(np.stack([q, other], axis=-1))
    M = np.stack(coefficients, axis=-1).reshape(coefficients[0].shape + (r, r))
    return sort_last_axis(np.linalg.eigvals(M))


# ---------------------------------------------------------------------------------------------
# Bilinear games, LaTeX
# ---------------------------------------------------------------------------------------------


def bilinear_rates(method: Method, sigma: Any = 1) -> list[sp.Expr]:
    """``|μ_j|`` at the bilinear eigenvalue ``λ = iσ``, simplified (default ``σ = 1``: ``x·y``).

    On ``xᵀAy`` the eigenvalues of ``J`` are ``±iσ`` for the singular values ``σ`` of ``A``;
    with real hyperparameters ``−iσ`` gives the conjugate ``μ``, so the same moduli. Declare
    hyperparameter symbols real or positive (``sp.symbols("eta", positive=True)``) for the
    simplest forms; e.g. GDA gives ``sqrt(eta**2 + 1)``. For augmented operators (two roots
    with a square root of a complex number) the moduli are returned as ``Abs(μ_j)``.
    """
    mus = eigenvalue_map(method, sp.I * sp.sympify(sigma))
    if len(mus) == 1:  # a rational function of η, λ: |μ|² = μ conj(μ) expands to a real form
        return [sp.simplify(sp.sqrt(sp.expand(mus[0] * sp.conjugate(mus[0]))))]
    # roots with square roots of complex numbers: expanding μ conj(μ) mishandles their branch,
    # so the modulus stays an Abs (numerically exact; simplified where sympy can)
    return [sp.simplify(sp.Abs(mu)) for mu in mus]


def bilinear_spectral_radius(method: Method, sigma: Any = 1) -> sp.Expr:
    """``ρ = max_j |μ_j(iσ)|``: the exact spectral radius on the bilinear game ``σ·xy``.

    Example:
      >>> import sympy as sp
      >>> from gamedyn.methods import ExtraGradient
      >>> eta = sp.Symbol("eta", positive=True)
      >>> bilinear_spectral_radius(ExtraGradient(lr=eta))
      sqrt(eta**4 - eta**2 + 1)
    """
    rates = bilinear_rates(method, sigma)
    return rates[0] if len(rates) == 1 else sp.Max(*rates)


def latex(expr: Any) -> str:
    """LaTeX for a sympy expression, matrix or list of them (``sympy.latex``)."""
    return sp.latex(expr)
