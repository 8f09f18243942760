"""The predicted rate over a grid of hyperparameters.

Example:
  >>> from gamedyn.methods import Momentum
  >>> m = hyperparameter_map(lambda lr, beta: Momentum(lr, beta), eigenvalues=[0.1, 1.0],
  ...                        lr=np.linspace(0.1, 2, 20), beta=np.linspace(-0.5, 0.9, 15))
  >>> m.rate.shape
  (20, 15)
"""

from __future__ import annotations

import itertools
import numbers
import os
import traceback
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..games._base import Game
from ..methods import Method
from ._rates import _Spectrum

MakeMethod = Callable[..., Method]
"""Builds a method from hyperparameters by name, e.g. ``lambda lr, beta: Momentum(lr, beta)``."""

__all__ = ["RateMap", "hyperparameter_map", "MakeMethod"]


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


PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _refusal(err: ValueError) -> bool:
    """Whether ``err`` is gamedyn refusing hyperparameters (raised by a method's validation),
    not a bug in ``make_method`` that happens to be a ``ValueError`` (``math.log(-1)``)."""
    frames = traceback.extract_tb(err.__traceback__)
    return bool(frames) and os.path.abspath(frames[-1].filename).startswith(PACKAGE + os.sep)


def _build(make_method: MakeMethod, params: Mapping[str, Any]) -> Method | None:
    """``make_method(**params)``, or ``None`` when gamedyn refuses the hyperparameters (a method
    raising ``ValueError`` in its validation); any other error of ``make_method`` is raised."""
    try:
        method = make_method(**params)
    except ValueError as err:
        if _refusal(err):
            return None
        raise ValueError(
            f"make_method({_arguments(params)}) raised ValueError: {err} (an error of "
            "make_method itself, not gamedyn refusing the hyperparameters)"
        ) from err
    if not isinstance(method, Method):
        raise TypeError(f"make_method must return a Method, got {method!r} for {dict(params)}")
    return method


def _arguments(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


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
    refused = None
    for index in itertools.product(*(range(a.size) for a in axes)):
        params = {n: _python(a[i]) for n, a, i in zip(names, axes, index, strict=True)}
        method = _build(make_method, params)
        if method is not None:
            out[index] = spectrum.radius(method)
        elif refused is None:
            refused = params
    if np.isnan(out).all():
        try:
            make_method(**refused)
        except ValueError as err:
            reason = str(err)
        raise ValueError(
            f"make_method refused every grid point ({out.size} of them); the first, "
            f"{_arguments(refused)}: {reason}"
        )
    return RateMap(names, axes, out)
