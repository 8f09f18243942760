"""Tuning: the hyperparameters that minimise the predicted rate, within bounds.

Example:
  >>> from gamedyn.methods import GDA
  >>> tuned = tune(lambda lr: GDA(lr), eigenvalues=[0.1, 1.0], lr=(1e-3, 2.0))
  >>> round(tuned.hyperparameters["lr"], 6), round(tuned.rate, 6)   # 2/(m+L), (L−m)/(L+m)
  (1.818182, 0.818182)
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import _validate
from ..games._base import Game
from ._hyperparameters import MakeMethod, _build, _check_make_method
from ._rates import _Spectrum

INTEGER_HYPERPARAMETERS = ("k",)
"""Hyperparameters that :func:`tune` searches over integers unless told otherwise."""

GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0

EDGE_TOLERANCE = 1e-4
"""How close to a bound, as a fraction of the search range, an optimum counts as on the edge."""

__all__ = ["Tuned", "tune", "OptimumOnEdgeWarning", "INTEGER_HYPERPARAMETERS", "EDGE_TOLERANCE"]


# ---------------------------------------------------------------------------------------------
# Tuning
# ---------------------------------------------------------------------------------------------


class OptimumOnEdgeWarning(UserWarning):
    """:func:`tune`'s best point lies on the edge of its search box: widen the bounds."""


class Tuned(NamedTuple):
    """The result of :func:`tune`: the best hyperparameters, their rate, and the work it took.

    ``on_edge`` names the hyperparameters whose best value lies on a bound of the search box
    (within :data:`EDGE_TOLERANCE` of the range, or the first or last integer); there the rate
    may keep falling outside the box, so the optimum is the box's, not the method's.
    """

    hyperparameters: dict[str, Any]
    rate: float
    evaluations: int
    on_edge: tuple[str, ...] = ()


class _Interval(NamedTuple):
    """A continuous hyperparameter ``lo ≤ h ≤ hi``, searched in ``u ∈ [0, 1]``.

    ``h = lo + u (hi − lo)``, or ``h = lo (hi/lo)^u`` (geometric) when ``0 < lo`` and
    ``hi/lo ≥ 100``, so that a wide step-size range is searched evenly in scale.
    """

    name: str
    lo: float
    hi: float
    geometric: bool

    def value(self, u: float) -> float:
        u = min(max(u, 0.0), 1.0)
        if self.geometric:
            return float(min(max(self.lo * (self.hi / self.lo) ** u, self.lo), self.hi))
        return float(min(max(self.lo + u * (self.hi - self.lo), self.lo), self.hi))


def _parse_bounds(
    bounds: Mapping[str, Any], integers: Sequence[str]
) -> tuple[list[_Interval], dict[str, list[int]]]:
    """Split ``bounds`` into continuous intervals and integer candidate lists, checking each."""
    if not bounds:
        raise ValueError("give at least one hyperparameter's bounds, e.g. lr=(1e-3, 2.0)")
    intervals: list[_Interval] = []
    choices: dict[str, list[int]] = {}
    for name, value in bounds.items():
        if isinstance(value, range):
            if len(value) == 0:
                raise ValueError(f"bounds for {name}: {value!r} is empty")
            choices[name] = list(value)
            continue
        lo, hi = _validate.bounds(f"bounds for {name}", value)
        if name in integers:
            if not all(isinstance(b, numbers.Integral) and not isinstance(b, bool) for b in value):
                raise TypeError(
                    f"bounds for {name} are searched over integers and must be a pair of "
                    f"integers (lo, hi), got {value!r}"
                )
            if lo > hi:
                raise ValueError(f"bounds for {name} must satisfy lo <= hi, got {value!r}")
            choices[name] = list(range(int(lo), int(hi) + 1))
            continue
        if not lo < hi:
            raise ValueError(f"bounds for {name} must satisfy lo < hi, got {value!r}")
        geometric = lo > 0 and hi / lo >= 100
        intervals.append(_Interval(name, lo, hi, geometric))
    return intervals, choices


def _default_grid_points(dimension: int) -> int:
    """Coarse-grid points per continuous hyperparameter: about 2000 points in all, at most 201."""
    if dimension == 0:
        return 1
    return int(min(201, max(5, round(2000 ** (1.0 / dimension)))))


class _Objective:
    """``u ↦ ρ`` for fixed integer hyperparameters; counts evaluations; refused → ``inf``."""

    def __init__(self, make_method, spectrum, intervals, fixed):
        self.make_method, self.spectrum = make_method, spectrum
        self.intervals, self.fixed = intervals, fixed
        self.evaluations = 0

    def params(self, u: Sequence[float]) -> dict[str, Any]:
        values = {iv.name: iv.value(x) for iv, x in zip(self.intervals, u, strict=True)}
        return {**self.fixed, **values}

    def __call__(self, u: Sequence[float]) -> float:
        self.evaluations += 1
        method = _build(self.make_method, self.params(u))
        if method is None:
            return math.inf
        rho = self.spectrum.radius(method)
        return rho if math.isfinite(rho) else math.inf

    def penalised(self, u: np.ndarray) -> float:
        """The rate at ``u`` clipped into the unit box, plus the distance outside it.

        Nelder–Mead runs unconstrained on this; a point outside the box is always worse than its
        projection, so the search returns inside, and optima on the boundary are kept.
        """
        clipped = np.clip(u, 0.0, 1.0)
        return self(clipped) + float(np.abs(u - clipped).sum())


def _golden_section(f: Callable[[float], float], a: float, b: float, tol: float) -> float:
    """The minimiser of a unimodal ``f`` on ``[a, b]`` to ``tol``, by golden-section search.

    Each step keeps the sub-bracket ``[a, d]`` or ``[c, b]`` (``c < d`` the golden points) that
    must hold the minimum; only comparisons of ``f`` are used, so kinks (``max`` of branches)
    cost nothing in accuracy. The bracket shrinks by ``0.618`` per evaluation.
    """
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = f(d)
    candidates = [(fc, c), (fd, d), (f(a), a), (f(b), b)]
    return min(candidates)[1]


def _refine(objective: _Objective, u0: np.ndarray, spacing: float, tol: float) -> np.ndarray:
    """Derivative-free local refinement from the coarse-grid point ``u0`` (unit coordinates).

    One hyperparameter: golden-section search on the bracket ``u0 ± spacing`` (the grid
    neighbours), where the rate is taken to be unimodal. Several: Nelder–Mead on
    :meth:`_Objective.penalised`, restarted from its result with a fresh simplex of the grid's
    size until a restart no longer improves the rate; the restarts free the simplex when it
    collapses on a ridge, where the rate is a maximum of branches.
    """
    if u0.size == 1:
        a, b = max(0.0, u0[0] - spacing), min(1.0, u0[0] + spacing)
        return np.array([_golden_section(lambda u: objective([u]), a, b, tol)])
    from scipy.optimize import minimize  # imported here: scipy.optimize is slow to import

    best, f_best = u0, objective.penalised(u0)
    for _ in range(20):
        simplex = np.vstack([best, best + spacing * np.eye(best.size)])
        result = minimize(
            objective.penalised,
            best,
            method="Nelder-Mead",
            options={
                "initial_simplex": simplex,
                "xatol": tol,
                "fatol": 1e-15,
                "maxfev": 4000 * best.size,
            },
        )
        improved = result.fun < f_best - 1e-15
        if result.fun <= f_best:
            best, f_best = np.clip(result.x, 0.0, 1.0), result.fun
        if not improved:
            break
    return best


def tune(
    make_method: MakeMethod,
    eigenvalues: Any = None,
    game: Game | None = None,
    z: Any = None,
    *,
    grid_points: int | None = None,
    starts: int = 3,
    integers: Sequence[str] = INTEGER_HYPERPARAMETERS,
    tol: float = 1e-12,
    **bounds: Any,
) -> Tuned:
    """The hyperparameters within ``bounds`` that minimise the predicted rate ``ρ``, and ``ρ``.

    ``ρ(h)`` is :func:`predicted_rate` of ``make_method(**h)`` on ``eigenvalues`` (through the
    eigenvalue maps) or on ``game`` at ``z`` (through the operator Jacobian; ``z`` defaults to
    the game's fixed point). Optima of ``ρ`` usually sit where it is not smooth — where two
    eigenvalues ``μ`` tie in modulus, or at a branch point where two roots of the eigenvalue map
    meet (GDA's ``η = 2/(m+L)``; heavy ball's double root) — so no gradient is used:

    1. **Coarse grid.** ``ρ`` on a grid of ``grid_points`` values per continuous hyperparameter
       (default: about 2000 points in all; geometric spacing for ranges ``0 < lo``,
       ``hi/lo ≥ 100``), times every integer combination.
    2. **Local refinement** from the ``starts`` best grid points, integers held fixed, in unit
       coordinates ``u ∈ [0, 1]`` per hyperparameter: golden-section search between the grid
       neighbours for one continuous hyperparameter, Nelder–Mead with restarts for several (see
       :func:`_refine`). Both only compare values of ``ρ``, so they converge onto kinks.

    Hyperparameters that ``make_method`` refuses (raises ``ValueError``) count as ``ρ = ∞``.

    Args:
      make_method: builds the method from hyperparameters by name, e.g.
        ``lambda lr, beta: Momentum(lr, beta)``; fix other hyperparameters inside it.
      eigenvalues: game-Jacobian eigenvalues ``λ`` (e.g. measured on a checkpoint).
      game, z: a game and the point to linearise at (instead of ``eigenvalues``); covers
        alternating methods and CGD.
      grid_points: coarse-grid points per continuous hyperparameter.
      starts: how many of the best grid points to refine.
      integers: names searched over integers (default ``("k",)``); their bounds ``(lo, hi)``
        are inclusive. A ``range`` as bounds also gives an integer search.
      tol: the refinement's tolerance in unit coordinates.
      **bounds: ``name=(lo, hi)`` per hyperparameter, finite with ``lo < hi``.

    Returns:
      :class:`Tuned` ``(hyperparameters, rate, evaluations, on_edge)``.

    Warns:
      OptimumOnEdgeWarning: when the best point lies on the edge of the box (its
        hyperparameters are listed in ``Tuned.on_edge``); the rate may keep falling outside
        the bounds, so widen them rather than report the edge as the optimum.

    Example:
      >>> from gamedyn.methods import Momentum
      >>> t = tune(lambda lr, beta: Momentum(lr, beta), eigenvalues=[0.01, 1.0],
      ...          lr=(1e-3, 4.0), beta=(0.0, 0.99))
      >>> round(t.rate, 4)        # Polyak's heavy ball: (√L − √m)/(√L + √m)
      0.8182

    References:
      Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
      Gidel et al., "Negative Momentum for Improved Game Dynamics", AISTATS 2019.
    """
    _check_make_method(make_method)
    intervals, choices = _parse_bounds(bounds, tuple(integers))
    spectrum = _Spectrum(eigenvalues, game, z)
    d = len(intervals)
    if grid_points is None:
        grid_points = _default_grid_points(d)
    elif isinstance(grid_points, bool) or not isinstance(grid_points, numbers.Integral):
        raise TypeError(f"grid_points must be an integer >= 3, got {grid_points!r}")
    if d and grid_points < 3:
        raise ValueError(f"grid_points must be an integer >= 3, got {grid_points!r}")
    if isinstance(starts, bool) or not isinstance(starts, numbers.Integral) or starts < 1:
        raise ValueError(f"starts must be an integer >= 1, got {starts!r}")
    if not (isinstance(tol, numbers.Real) and 0 < tol < 1):
        raise ValueError(f"tol must lie in (0, 1), got {tol!r}")

    grid = np.linspace(0.0, 1.0, grid_points) if d else np.zeros(1)
    spacing = 1.0 / (grid_points - 1) if d else 0.0
    names = list(choices)
    evaluations = 0
    scored: list[tuple[float, dict[str, int], np.ndarray]] = []
    for combo in itertools.product(*(choices[n] for n in names)):
        fixed = dict(zip(names, combo, strict=True))
        objective = _Objective(make_method, spectrum, intervals, fixed)
        for u in itertools.product(grid, repeat=d):
            scored.append((objective(u), fixed, np.array(u)))
        evaluations += objective.evaluations
    scored.sort(key=lambda item: item[0])
    if not math.isfinite(scored[0][0]):
        raise ValueError(
            "make_method refused every hyperparameter on the coarse grid, or every rate was "
            f"infinite; check the bounds {bounds}"
        )

    best_rate, best_params = math.inf, {}
    for f0, fixed, u0 in scored[:starts] if d else scored[:1]:
        objective = _Objective(make_method, spectrum, intervals, fixed)
        u = _refine(objective, u0, spacing, tol) if d else u0
        rho = objective(u)
        if rho > f0:  # never worse than the grid
            u, rho = u0, f0
        evaluations += objective.evaluations
        if rho < best_rate:
            best_rate, best_params = rho, objective.params(u)
    on_edge = _on_edge(best_params, intervals, choices)
    if on_edge:
        where = "; ".join(on_edge.values())
        warnings.warn(
            f"tune: the optimum lies on the edge of the search box ({where}); the rate may "
            f"keep falling outside it: widen the bounds of {', '.join(on_edge)}",
            OptimumOnEdgeWarning,
            stacklevel=2,
        )
    return Tuned(best_params, float(best_rate), evaluations, tuple(on_edge))


def _on_edge(
    params: Mapping[str, Any], intervals: Sequence[_Interval], choices: Mapping[str, list[int]]
) -> dict[str, str]:
    """``{name: description}`` for each hyperparameter of ``params`` on a bound of its range.

    A continuous one within :data:`EDGE_TOLERANCE` of its range (in the search's unit
    coordinate, so geometric ranges are measured in scale); an integer one at the first or last
    of two or more candidates.
    """
    edges: dict[str, str] = {}
    for iv in intervals:
        h = params[iv.name]
        if iv.geometric:
            u = math.log(h / iv.lo) / math.log(iv.hi / iv.lo)
        else:
            u = (h - iv.lo) / (iv.hi - iv.lo)
        if u <= EDGE_TOLERANCE:
            edges[iv.name] = f"{iv.name} = {h:.6g} at its lower bound {iv.lo:g}"
        elif u >= 1.0 - EDGE_TOLERANCE:
            edges[iv.name] = f"{iv.name} = {h:.6g} at its upper bound {iv.hi:g}"
    for name, candidates in choices.items():
        if len(candidates) > 1 and params[name] in (candidates[0], candidates[-1]):
            side = "lower" if params[name] == candidates[0] else "upper"
            edges[name] = f"{name} = {params[name]} at its {side} bound"
    return edges
