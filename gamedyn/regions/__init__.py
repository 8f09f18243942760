"""Predicted convergence rates over the λ-plane and over hyperparameters, and tuning.

Near a fixed point ``z*`` an update operator ``T`` converges locally at the asymptotic rate
``ρ = max |μ|`` over the eigenvalues ``μ`` of its Jacobian ``DT`` (the spectral radius; ``ρ < 1``
converges, ``ρ > 1`` diverges). Two ways to get the ``μ``:

* **Eigenvalue maps** (:func:`gamedyn.spectrum.eigenvalue_map`). For operators whose
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

* rates: :func:`rate`, :func:`lambda_grid`, :func:`rate_grid`, :func:`predicted_rate`,
  :func:`operator_eigenvalues`;
* over hyperparameters: :func:`hyperparameter_map` (a :class:`RateMap`);
* tuning: :func:`tune` (a :class:`Tuned`; warns :class:`OptimumOnEdgeWarning` when the best
  point lies on a bound of the search box; ``Tuned.on_edge`` names the hyperparameters there).
"""

from ._hyperparameters import RateMap, hyperparameter_map
from ._rates import lambda_grid, operator_eigenvalues, predicted_rate, rate, rate_grid
from ._tuning import OptimumOnEdgeWarning, Tuned, tune

__all__ = [
    "rate",
    "lambda_grid",
    "rate_grid",
    "operator_eigenvalues",
    "predicted_rate",
    "RateMap",
    "hyperparameter_map",
    "Tuned",
    "tune",
    "OptimumOnEdgeWarning",
]
