"""Predicted convergence rates over the λ-plane and over hyperparameters, and tuning.

Near a fixed point ``z*`` an update operator ``T`` converges locally at the asymptotic rate
``ρ = max |μ|`` over the eigenvalues ``μ`` of its Jacobian ``DT`` (the spectral radius; ``ρ < 1``
converges, ``ρ > 1`` diverges). Two ways to get the ``μ``:

* **Eigenvalue maps** (:func:`gamedyn.spectrum.symbolic.eigenvalue_map`). For operators whose
  Jacobian is a function of the game Jacobian ``J`` alone (GDA, extragradient, optimistic GDA,
  simultaneous momentum, lookahead around these, consensus for normal ``J``), every eigenvalue
  ``λ`` of ``J`` gives ``r`` eigenvalues ``μ_1(λ), ..., μ_r(λ)`` of ``DT`` (``r`` = the state's
  length), derived symbolically from the method's one step. Then
  ``ρ = max_λ max_j |μ_j(λ)|``: :func:`rate` evaluates the inner maximum at any array of ``λ``,
  which draws the whole *stability region* ``{λ : rate < 1}`` of a method at once.
* **The operator Jacobian itself** (:func:`gamedyn.spectrum.spectral_radius`, ``jacfwd`` through
  the step) at a point ``z`` of a game: covers every operator, alternating updates and CGD
  included.

:func:`hyperparameter_map` tabulates ``ρ`` over a grid of hyperparameters and :func:`tune`
minimises it within bounds, from either source. No eigenvalue formula is written here: every
number comes from the methods' steps through :mod:`gamedyn.spectrum`.

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
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import minimize

from .games.base import Game
from .methods.base import Method
from .spectrum.dense import eigenvalues as dense_eigenvalues
from .spectrum.dense import sort_eigenvalues, spectral_radius

MakeMethod = Callable[..., Method]
"""Builds a method from hyperparameters by name, e.g. ``lambda lr, beta: Momentum(lr, beta)``."""

INTEGER_HYPERPARAMETERS = ("k",)
"""Hyperparameters that :func:`tune` searches over integers unless told otherwise."""

GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


# ---------------------------------------------------------------------------------------------
# Rates over the λ-plane
# ---------------------------------------------------------------------------------------------


def _eigenvalue_map(method: Method, lam: np.ndarray) -> np.ndarray:
    """``μ_j(λ)`` from :mod:`gamedyn.spectrum.symbolic`, shape ``lam.shape + (r,)``."""
    from .spectrum.symbolic import eigenvalue_map  # imported late: symbolic work is optional

    try:
        return np.asarray(eigenvalue_map(method, lam))
    except ValueError as err:
        raise ValueError(
            f"{err} (regions.rate needs an eigenvalue map; for {method!r} pass game= and z= to "
            "hyperparameter_map or tune, which use the operator Jacobian itself)"
        ) from err


def rate(method: Method, lam: Any) -> np.ndarray:
    """The predicted per-step rate ``max_j |μ_j(λ)|`` for each game-Jacobian eigenvalue ``λ``.

    ``μ_1(λ), ..., μ_r(λ)`` are the eigenvalues of the operator Jacobian that ``λ`` gives
    (:func:`gamedyn.spectrum.symbolic.eigenvalue_map`, vectorised). For a game whose Jacobian
    ``J`` has eigenvalues ``λ_i`` (``J`` normal, or any diagonalisable ``J`` for operators that
    are polynomials or rational functions of ``J``), the spectral radius of the operator at a
    fixed point is ``max_i rate(method, λ_i)``.

    Args:
      method: an operator with an eigenvalue map (not alternating updates, CGD, or a pair of
        per-player step sizes; for those use :func:`hyperparameter_map` with ``game=``).
      lam: eigenvalues ``λ``, any shape, real or complex.

    Returns:
      A float array of ``lam``'s shape.

    Raises:
      ValueError: if ``method`` has no eigenvalue map.
    """
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    lam = np.asarray(lam)
    if lam.dtype == object or not np.issubdtype(lam.dtype, np.number):
        raise TypeError(f"lam must be a numeric array, got {lam!r}")
    mu = _eigenvalue_map(method, lam.astype(complex, copy=False))
    return np.abs(mu).max(axis=-1)


def lambda_grid(re: Any, im: Any) -> np.ndarray:
    """The complex grid ``λ[i, j] = re[j] + i·im[i]``: rows follow ``im``, columns ``re``.

    This is the layout of ``np.meshgrid(re, im)`` and of ``matplotlib``'s ``contourf(re, im, Z)``.
    """
    re = _axis("re", re)
    im = _axis("im", im)
    return re[None, :] + 1j * im[:, None]


def rate_grid(method: Method, re: Any, im: Any) -> np.ndarray:
    """:func:`rate` on :func:`lambda_grid` ``(re, im)``: shape ``(len(im), len(re))``.

    The region ``rate < 1`` is the set of game-Jacobian eigenvalues for which ``method``
    converges locally; e.g. for GDA with step ``η`` it is the open disk ``|1 − ηλ| < 1``, centred
    at ``1/η`` with radius ``1/η``.
    """
    return rate(method, lambda_grid(re, im))


def _axis(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return array


# ---------------------------------------------------------------------------------------------
# The spectrum a method is judged on: given eigenvalues, or a game and a point
# ---------------------------------------------------------------------------------------------


def _check_eigenvalues(values: Any) -> np.ndarray:
    lam = np.asarray(values)
    if lam.dtype == object or not np.issubdtype(lam.dtype, np.number):
        raise TypeError(f"eigenvalues must be a numeric array, got {values!r}")
    lam = lam.astype(complex).ravel()
    if lam.size == 0:
        raise ValueError("eigenvalues is empty")
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues has non-finite entries (nan or inf)")
    return lam


def default_point(game: Game) -> Any:
    """The point to linearise ``game`` at when none is given: its fixed point or equilibrium."""
    if hasattr(game, "fixed_point"):
        return game.fixed_point()
    if hasattr(game, "equilibrium"):
        return game.equilibrium
    raise ValueError(
        f"z is required: {type(game).__name__} has no known fixed point (pass z=, the point to "
        "linearise at)"
    )


class _Spectrum:
    """Where the operator's eigenvalues come from: eigenvalue maps at ``λ``, or ``(game, z)``."""

    def __init__(self, eigenvalues: Any = None, game: Game | None = None, z: Any = None):
        if (eigenvalues is None) == (game is None):
            raise ValueError(
                "give exactly one of eigenvalues= (game-Jacobian eigenvalues, through eigenvalue "
                "maps) or game= (with z=, through the operator Jacobian)"
            )
        if eigenvalues is not None and z is not None:
            raise ValueError("z= goes with game=, not with eigenvalues=")
        self.lam = None if eigenvalues is None else _check_eigenvalues(eigenvalues)
        self.game = game
        if game is not None:
            if not isinstance(game, Game):
                raise TypeError(f"game must be a Game, got {game!r}")
            self.z = game.point(default_point(game) if z is None else z)

    def radius(self, method: Method) -> float:
        """``ρ = max |μ|`` of ``method``'s operator on this spectrum."""
        if self.lam is not None:
            return float(rate(method, self.lam).max())
        return spectral_radius(method, self.game, self.z)

    def operator_eigenvalues(self, method: Method) -> np.ndarray:
        """All ``μ``, sorted (:func:`gamedyn.spectrum.sort_eigenvalues`)."""
        if self.lam is not None:
            return sort_eigenvalues(_eigenvalue_map(method, self.lam))
        return dense_eigenvalues(self.game, self.z, method)


def operator_eigenvalues(
    method: Method, eigenvalues: Any = None, game: Game | None = None, z: Any = None
) -> np.ndarray:
    """The operator eigenvalues ``μ``, from game eigenvalues ``λ`` or from a game at ``z``.

    With ``eigenvalues`` the ``μ_j(λ_i)`` of the eigenvalue map (all ``r·len(λ)`` of them); with
    ``game`` the eigenvalues of the operator Jacobian at ``z`` (default: the game's fixed point).
    Sorted by decreasing modulus.
    """
    return _Spectrum(eigenvalues, game, z).operator_eigenvalues(method)


def predicted_rate(
    method: Method, eigenvalues: Any = None, game: Game | None = None, z: Any = None
) -> float:
    """``ρ = max |μ|``: ``max_i rate(method, λ_i)``, or the spectral radius at ``(game, z)``."""
    return _Spectrum(eigenvalues, game, z).radius(method)


# ---------------------------------------------------------------------------------------------
# Hyperparameter maps
# ---------------------------------------------------------------------------------------------


class RateMap(NamedTuple):
    """The predicted rate over a grid of hyperparameters.

    ``rate[i_1, ..., i_d]`` is ``ρ`` for ``names[0] = axes[0][i_1]``, ...; ``nan`` where
    ``make_method`` refused the hyperparameters (raised ``ValueError``).
    """

    names: tuple[str, ...]
    axes: tuple[np.ndarray, ...]
    rate: np.ndarray

    def best(self) -> tuple[dict[str, Any], float]:
        """The grid point with the smallest rate, and that rate."""
        if np.all(np.isnan(self.rate)):
            raise ValueError("every grid point was refused by make_method")
        index = np.unravel_index(np.nanargmin(self.rate), self.rate.shape)
        point = {n: _python(a[i]) for n, a, i in zip(self.names, self.axes, index, strict=True)}
        return point, float(self.rate[index])


def _python(value: Any) -> Any:
    """A numpy scalar as a Python ``int`` or ``float`` (methods validate plain numbers)."""
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value)


def _grid_axis(name: str, values: Any) -> np.ndarray:
    if isinstance(values, range):
        values = list(values)
    array = np.asarray(values)
    if array.ndim == 0:
        array = array[None]
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"grid {name} must be a non-empty 1-D array, got {values!r}")
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"grid {name} must be numeric, got {values!r}")
    if np.iscomplexobj(array) or not np.all(np.isfinite(array)):
        raise ValueError(f"grid {name} must be real and finite, got {values!r}")
    return array


def _build(make_method: MakeMethod, params: Mapping[str, Any]) -> Method | None:
    """``make_method(**params)``, or ``None`` when it refuses them with a ``ValueError``."""
    try:
        method = make_method(**params)
    except ValueError:
        return None
    if not isinstance(method, Method):
        raise TypeError(f"make_method must return a Method, got {method!r} for {dict(params)}")
    return method


def _check_make_method(make_method: Any) -> None:
    if not callable(make_method):
        raise TypeError(
            f"make_method must be callable (hyperparameters -> Method), got {make_method!r}"
        )


def hyperparameter_map(
    make_method: MakeMethod,
    eigenvalues: Any = None,
    game: Game | None = None,
    z: Any = None,
    **grids: Any,
) -> RateMap:
    """``ρ(make_method(**h))`` for every ``h`` on the product of ``grids``.

    ``ρ`` is ``max_i rate(method, λ_i)`` over ``eigenvalues`` (eigenvalue maps) or the spectral
    radius of the operator Jacobian of ``game`` at ``z`` (default: the game's fixed point), which
    covers every operator, alternating updates and CGD included.

    Args:
      make_method: builds the method from hyperparameters by name.
      eigenvalues: game-Jacobian eigenvalues ``λ`` (e.g. measured on a checkpoint).
      game, z: a game and the point to linearise at (instead of ``eigenvalues``).
      **grids: one 1-D array of values per hyperparameter, e.g. ``lr=np.linspace(0.01, 1, 50)``,
        ``k=range(1, 11)`` (integer arrays stay integers).

    Returns:
      A :class:`RateMap`; ``rate`` has shape ``(len(grid_1), ..., len(grid_d))`` in the order
      the grids were given, ``nan`` where ``make_method`` raised ``ValueError``.

    Example:
      >>> from gamedyn.methods import Momentum
      >>> m = hyperparameter_map(lambda lr, beta: Momentum(lr, beta), eigenvalues=[0.1, 1.0],
      ...                        lr=np.linspace(0.1, 2, 20), beta=np.linspace(-0.5, 0.9, 15))
      >>> m.rate.shape
      (20, 15)
    """
    _check_make_method(make_method)
    if not grids:
        raise ValueError("give at least one grid, e.g. lr=np.linspace(0.01, 1.0, 50)")
    spectrum = _Spectrum(eigenvalues, game, z)
    names = tuple(grids)
    axes = tuple(_grid_axis(n, g) for n, g in grids.items())
    out = np.full(tuple(a.size for a in axes), np.nan)
    for index in itertools.product(*(range(a.size) for a in axes)):
        params = {n: _python(a[i]) for n, a, i in zip(names, axes, index, strict=True)}
        method = _build(make_method, params)
        if method is not None:
            out[index] = spectrum.radius(method)
    return RateMap(names, axes, out)


# ---------------------------------------------------------------------------------------------
# Tuning
# ---------------------------------------------------------------------------------------------


class Tuned(NamedTuple):
    """The result of :func:`tune`: the best hyperparameters, their rate, and the work it took."""

    hyperparameters: dict[str, Any]
    rate: float
    evaluations: int


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
        lo, hi = _pair(name, value)
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


def _pair(name: str, value: Any) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"bounds for {name} must be a pair (lo, hi), got {value!r}")
    out = []
    for end, b in zip(("lo", "hi"), value, strict=True):
        if isinstance(b, bool) or not isinstance(b, numbers.Real):
            raise TypeError(f"bounds for {name}: {end} must be a real number, got {b!r}")
        if not math.isfinite(b):
            raise ValueError(f"bounds for {name}: {end} must be finite, got {b!r}")
        out.append(float(b))
    return out[0], out[1]


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
      :class:`Tuned` ``(hyperparameters, rate, evaluations)``.

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
    return Tuned(best_params, float(best_rate), evaluations)
