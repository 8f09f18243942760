"""Optimistic GDA in its two coordinate systems: (z_t, η v(z_{t−1})) and (z_t, z_{t−1})."""

import numpy as np
import pytest

from gamedyn.methods import EMA, GDA, OptimisticGDA
from gamedyn.spectrum import game_jacobian, operator_jacobian, previous_iterate_coordinates
from tests.helpers import random_bilinear, random_quadratic, spectrum_distance, tiny_gan


def _sorted(values):
    return values[np.lexsort((values.imag, values.real))]


@pytest.mark.parametrize(
    "game", [random_quadratic(3), random_bilinear(2, nx=2, ny=3), tiny_gan()], ids=repr
)
def test_both_coordinate_systems_give_the_same_eigenvalues(game):
    lr = 0.2
    z = game.default_point()
    M = operator_jacobian(OptimisticGDA(lr), game, z)  # on (z_t, u_{t−1})
    P = previous_iterate_coordinates(M)  # on (z_t, z_{t−1})
    n = game.n
    J = game_jacobian(game, z)
    # independently: the (z_t, z_{t−1}) Jacobian many papers write, from J alone
    expected = np.block([[np.eye(n) - 2 * lr * J, lr * J], [np.eye(n), np.zeros((n, n))]])
    np.testing.assert_allclose(P, expected, atol=1e-12)
    a, b = np.linalg.eigvals(M), np.linalg.eigvals(P)
    assert spectrum_distance(a, b) < 1e-8
    # and the roots of μ² − (1 − 2ηλ) μ − ηλ for each eigenvalue λ of J
    roots = np.concatenate(
        [np.roots([1, -(1 - 2 * lr * lam), -lr * lam]) for lam in np.linalg.eigvals(J)]
    )
    assert spectrum_distance(_sorted(a), _sorted(roots)) < 1e-8


def test_a_memory_that_is_not_a_function_of_the_iterate_is_refused():
    # EMA's average z̄⁺ = β z̄ + (1 − β) z⁺ depends on z̄ itself
    game = random_quadratic(2)
    M = operator_jacobian(EMA(GDA(0.1), 0.5), game, game.default_point())
    with pytest.raises(ValueError, match="not a function of the iterate"):
        previous_iterate_coordinates(M)
    with pytest.raises(ValueError, match="even size"):
        previous_iterate_coordinates(np.eye(3))
