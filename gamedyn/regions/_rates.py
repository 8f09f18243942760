"""Predicted convergence rates over the λ-plane, and the spectrum a method is judged on.

Near a fixed point ``z*`` an update operator ``T`` converges locally at the asymptotic rate
``ρ = max |μ|`` over the eigenvalues ``μ`` of its Jacobian ``DT`` (the spectral radius; ``ρ < 1``
converges, ``ρ > 1`` diverges). :func:`rate` evaluates ``max_j |μ_j(λ)|`` through the eigenvalue
maps (:mod:`gamedyn.spectrum`) at any array of game-Jacobian eigenvalues ``λ``, which draws
the whole *stability region* ``{λ : rate < 1}`` of a method at once; :func:`predicted_rate` and
:func:`operator_eigenvalues` take either eigenvalues ``λ`` or a game and a point (the operator
Jacobian itself, which covers alternating updates and CGD).

Example:
  >>> from gamedyn.methods import GDA
  >>> rate(GDA(0.5), [1.0, 1j]).round(6).tolist()      # |1 − 0.5 λ|
  [0.5, 1.118034]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _validate
from ..games._base import Game, point_or_default
from ..methods import Method
from ..spectrum import eigenvalues as dense_eigenvalues
from ..spectrum import sort_eigenvalues, spectral_radius

__all__ = ["rate", "lambda_grid", "rate_grid", "operator_eigenvalues", "predicted_rate"]


# ---------------------------------------------------------------------------------------------
# Rates over the λ-plane
# ---------------------------------------------------------------------------------------------


def _eigenvalue_map(method: Method, lam: np.ndarray) -> np.ndarray:
    """``μ_j(λ)`` from :mod:`gamedyn.spectrum`, shape ``lam.shape + (r,)``."""
    from ..spectrum import eigenvalue_map  # imported late: sympy is loaded only here

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
    (:func:`gamedyn.spectrum.eigenvalue_map`, vectorised). For a game whose Jacobian
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
    _validate.allocation(  # the grid and the operator eigenvalues computed on it
        f"a {len(im)} x {len(re)} grid of the λ-plane", 16.0 * 8 * len(re) * len(im)
    )
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
            self.z = point_or_default(game, z)

    def radius(self, method: Method) -> float:
        """``ρ = max |μ|`` of ``method``'s operator on this spectrum."""
        if self.lam is not None:
            return float(rate(method, self.lam).max())
        return spectral_radius(method, self.game, self.z)

    def operator_eigenvalues(self, method: Method) -> np.ndarray:
        """All ``μ``, sorted (:func:`gamedyn.spectrum.sort_eigenvalues`)."""
        if self.lam is not None:
            return sort_eigenvalues(_eigenvalue_map(method, self.lam))
        return dense_eigenvalues(self.game, method=method, z=self.z)


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
