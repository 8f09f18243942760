"""The Jacobian route of operator spectra (gamedyn.spectrum): Krylov–Schur on J,
Ritz values mapped by the eigenvalue map, against the operator route and dense eigenvalues."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import tiny_gan

from gamedyn.games import FunctionGame
from gamedyn.methods import GDA, ExtraGradient, Lookahead, Momentum, OptimisticGDA
from gamedyn.spectrum import KrylovSchur, operator_jacobian, top_eigenvalues
from gamedyn.spectrum._jacobian_route import route_problem


def _stationary_game() -> FunctionGame:
    """A nonlinear 8-parameter game with v(0) = 0 and non-zero third derivatives at 0."""
    gen = torch.Generator().manual_seed(3)
    A = torch.randn(4, 4, generator=gen, dtype=torch.float64)

    def loss_x(x, y):
        return x @ A @ y + 0.3 * (x**2).sum() + (x**3).sum() * y[0] + torch.sin(x).prod()

    def loss_y(x, y):
        return -(x @ A @ y) + 0.2 * (y**2).sum() + (y**2 * torch.tanh(x)).sum()

    return FunctionGame(loss_x, loss_y, 4, 4)


METHODS = [
    GDA(0.2),
    Momentum(0.1, 0.4),
    ExtraGradient(0.3),
    OptimisticGDA(0.2),
    Lookahead(GDA(0.2), k=5, alpha=0.5),
    Lookahead(ExtraGradient(0.3), k=3, alpha=0.5),
]


@pytest.mark.parametrize("method", METHODS, ids=repr)
def test_jacobian_route_equals_operator_route_at_a_stationary_point(method):
    game = _stationary_game()
    z = torch.zeros(game.n, dtype=torch.float64)
    assert route_problem(method, game, z) is None
    fast = top_eigenvalues(game, k=4, method=method, z=z, solver=KrylovSchur(route="jacobian"))
    slow = top_eigenvalues(game, k=4, method=method, z=z, solver=KrylovSchur(route="operator"))
    assert fast.route.startswith("jacobian") and slow.route == "operator"
    np.testing.assert_allclose(fast.values, slow.values, rtol=0, atol=1e-8)
    exact = np.linalg.eigvals(operator_jacobian(method, game, z))
    np.testing.assert_allclose(
        np.sort(np.abs(fast.values)), np.sort(np.abs(exact))[-4:], rtol=0, atol=1e-9
    )
    assert np.all(fast.residuals <= 1e-10 * np.abs(fast.values))
    assert fast.jacobian_products == fast.matvecs  # J products only
    assert slow.jacobian_products >= slow.matvecs
    auto = top_eigenvalues(game, k=4, method=method, z=z)
    assert auto.route.startswith("jacobian")


def test_away_from_a_stationary_point_the_operator_route_is_used():
    game = tiny_gan(discriminator_width=3, dim=1)
    # GDA's Jacobian I − ηJ is a function of J anywhere
    assert route_problem(GDA(0.1), game, game.z0) is None
    gda = top_eigenvalues(game, k=3, method=GDA(0.1))
    assert gda.route.startswith("jacobian")
    reference = 1 - 0.1 * np.linalg.eigvals(game.jacobian(game.z0).numpy())
    np.testing.assert_allclose(
        np.sort(np.abs(gda.values)), np.sort(np.abs(reference))[-3:], rtol=0, atol=1e-9
    )
    # extragradient evaluates the field at z − ηv(z) ≠ z: second-derivative terms
    problem = route_problem(ExtraGradient(0.1), game, game.z0)
    assert problem is not None and "away from z" in problem
    top = top_eigenvalues(game, k=3, method=ExtraGradient(0.1))
    assert top.route.startswith("operator") and "away from z" in top.route
    with pytest.raises(ValueError, match="route='jacobian' does not hold here"):
        top_eigenvalues(game, k=3, method=ExtraGradient(0.1), solver=KrylovSchur(route="jacobian"))
    with pytest.raises(ValueError, match="route"):
        top_eigenvalues(game, k=3, method=GDA(0.1), solver=KrylovSchur(route="sideways"))
