"""What can be said exactly about uniform iterate averaging near a fixed point.

For an update operator that is linear near its fixed point ``z*`` — its Jacobian ``M`` at the
state ``s* = method.init(z*)`` (exactly linear on affine games) — the iterates are
``s_t − s* = Mᵗ (s_0 − s*)``, so the uniform average of the iterates
(:class:`~gamedyn.methods.IterateAverage`) is

``z̄_t − z* = E Σ_{s≤t} Mˢ d / (t + 1) = E (I − M)⁻¹ (I − M^{t+1}) d / (t + 1)``,
``d = s_0 − s*``,

with ``E`` the rows of the state that hold ``z``. Where ``M`` has no eigenvalue 1 and its powers
stay bounded — the bilinear game under alternating GDA, whose iterates only cycle — the error is
``O(1/t)``: ``‖z̄_t − z*‖ ≤ ‖E (I − M)⁻¹‖ (‖d‖ + ‖M^{t+1} d‖)/(t + 1)``, while the last iterate
does not converge at all.

Example:
  >>> import numpy as np
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.methods import AltGDA
  >>> predicted = uniform_average(AltGDA(0.5), Bilinear([[1.0]]), [1.0, 1.0], 1000)
  >>> bool(np.all(predicted.error <= predicted.bound + 1e-15))
  True
  >>> round(float(1001 * predicted.bound[-1]), 2)      # t·‖z̄_t‖ stays below this constant
  7.24
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import _validate
from ..games._base import Game, point_or_default
from ..methods import Method
from ..spectrum._dense import initial_state, operator_jacobian

__all__ = ["UniformAverage", "uniform_average"]


class UniformAverage(NamedTuple):
    """The predicted uniform averages: ``averages[t] = z̄_t`` (shape ``(steps + 1, n)``), their
    distances ``error[t] = ‖z̄_t − z*‖`` and the bound ``bound[t] ≥ error[t]`` (module
    docstring), ``O(1/t)`` when ``Mᵗ`` stays bounded."""

    averages: np.ndarray
    error: np.ndarray
    bound: np.ndarray


def uniform_average(
    method: Method, game: Game, z0: Any, steps: int, *, z: Any = None
) -> UniformAverage:
    """The uniform averages of ``method``'s iterates from ``z0``, from its linearisation at ``z``.

    Exact for a method that is affine near ``z`` (affine games); ``z`` is the fixed point
    (default: the game's default point, the fixed point of quadratic and bilinear games).

    Raises:
      ValueError: ``M`` has an eigenvalue at 1 (``I − M`` singular: no bound of this form).
    """
    steps = _validate.integer_at_least("steps", steps, 0)
    z_star = point_or_default(game, z)
    M = operator_jacobian(method, game, z_star)
    s_star = initial_state(method, game, z_star).detach().cpu().numpy()
    d = initial_state(method, game, game.point(z0, "z0")).detach().cpu().numpy() - s_star
    n = game.n
    powers = np.empty((steps + 2, d.size))
    powers[0] = d
    for t in range(1, steps + 2):
        powers[t] = M @ powers[t - 1]
    counts = np.arange(1, steps + 2)[:, None]
    averages = s_star[:n] + np.cumsum(powers[: steps + 1, :n], axis=0) / counts
    eye = np.eye(M.shape[0])
    if np.min(np.abs(np.linalg.eigvals(M) - 1)) < 1e-12:
        raise ValueError("the operator Jacobian has an eigenvalue 1: I − M is singular")
    resolvent = np.linalg.solve((eye - M).T, eye[:n].T).T  # E (I − M)⁻¹
    size = np.linalg.norm(resolvent, 2)
    tail = np.linalg.norm(powers[1:], axis=1)
    bound = size * (np.linalg.norm(d) + tail) / counts[:, 0]
    error = np.linalg.norm(averages - s_star[:n], axis=1)
    return UniformAverage(averages, error, bound)
