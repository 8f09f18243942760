"""Iterate averaging (gamedyn.methods, gamedyn.analysis): EMA's augmented
operator exactly, uniform averaging's O(1/t) error on the bilinear game, both against runs."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_bilinear, random_quadratic, tensor

import gamedyn
from gamedyn.analysis import uniform_average
from gamedyn.backends import TorchOps
from gamedyn.games import Bilinear
from gamedyn.methods import (
    EMA,
    GDA,
    Adam,
    AltGDA,
    ExtraGradient,
    IterateAverage,
    Lookahead,
    Momentum,
)
from gamedyn.spectrum import eigenvalues, operator_jacobian, spectral_radius


@pytest.mark.parametrize(
    "base",
    [
        ExtraGradient(0.3),
        Momentum(0.2, -0.3, alternating=True),
        Adam(0.2, (0.5, 0.9), second_moment=1.0),
    ],
    ids=repr,
)
def test_ema_augmented_operator_is_block_triangular(base):
    """On (s, z̄): [[D, 0], [(1 − β) E D, β I]]: the base's eigenvalues and β (n times)."""
    game, beta, z = random_quadratic(3), 0.8, np.zeros(4)
    D = operator_jacobian(base, game, z)
    n, m = game.n, D.shape[0]
    expected = np.block([[D, np.zeros((m, n))], [(1 - beta) * D[:n], beta * np.eye(n)]])
    np.testing.assert_allclose(operator_jacobian(EMA(base, beta), game, z), expected, atol=1e-14)
    mu = eigenvalues(game, method=EMA(base, beta), z=z)
    want = np.concatenate([eigenvalues(game, method=base, z=z), np.full(n, beta)])
    np.testing.assert_allclose(np.sort_complex(mu), np.sort_complex(want), atol=1e-10)


@pytest.mark.parametrize("beta", [0.5, 0.99])
def test_ema_of_the_iterates_contracts_at_max_of_the_base_rate_and_beta(beta):
    game, base = random_quadratic(3), ExtraGradient(0.2)
    rho = spectral_radius(EMA(base, beta), game, np.zeros(4))
    assert rho == pytest.approx(max(spectral_radius(base, game, np.zeros(4)), beta), abs=1e-12)
    trajectory = gamedyn.run(EMA(base, beta), game, np.ones(4), 3000)
    assert gamedyn.contraction_rate(trajectory, rtol=1e-9) == pytest.approx(rho, abs=1e-6)


def test_run_reports_the_average_and_the_state_keeps_the_iterate():
    game, z0 = random_bilinear(0), np.array([1.0, -0.5, 0.3, 0.8])
    plain = gamedyn.run(AltGDA(0.5), game, z0, 50)
    averaged = gamedyn.run(IterateAverage(AltGDA(0.5)), game, z0, 50)
    np.testing.assert_allclose(averaged, np.cumsum(plain, axis=0) / np.arange(1, 52)[:, None])
    ema = gamedyn.run(EMA(AltGDA(0.5), 0.9), game, z0, 50)
    expected = [plain[0]]
    for z in plain[1:]:
        expected.append(0.9 * expected[-1] + 0.1 * z)
    np.testing.assert_allclose(ema, expected, atol=1e-14)
    state = IterateAverage(AltGDA(0.5)).init(tensor(z0))
    assert len(state) == 3 and state[-1] == 1  # (z, z̄, count)
    state = IterateAverage(AltGDA(0.5)).step(TorchOps(game), state)
    np.testing.assert_allclose(state[0].numpy(), plain[1])


def test_uniform_averaging_on_the_bilinear_game_is_exactly_o_of_one_over_t():
    """Alternating GDA only cycles on x·y (|μ| = 1); the uniform average converges at 1/t."""
    game, z0, steps = random_bilinear(0), np.array([1.0, -0.5, 0.3, 0.8]), 4000
    base = AltGDA(0.5)
    mu = eigenvalues(game, method=base, z=np.zeros(4))
    np.testing.assert_allclose(np.abs(mu), 1.0, atol=1e-12)  # the iterates only cycle
    predicted = uniform_average(base, game, z0, steps)
    run = gamedyn.run(IterateAverage(base), game, z0, steps)
    np.testing.assert_allclose(run, predicted.averages, atol=1e-12)
    last = np.linalg.norm(gamedyn.run(base, game, z0, steps)[-1])
    assert last > 0.3 * np.linalg.norm(z0)  # the last iterate does not converge
    error = np.linalg.norm(run, axis=1)
    assert np.all(error <= predicted.bound + 1e-14)
    t = np.arange(1, steps + 2)
    assert (t * error)[100:].max() < 1.01 * (t * predicted.bound).max()  # O(1/t)
    assert error[-1] < 5e-3 and error[-1] * t[-1] > 0.05  # ... and not faster


def test_averaging_wraps_lookahead_and_freezes_through():
    method = IterateAverage(Lookahead(Adam(0.1, (0.5, 0.9), second_moment=1.0), 3, 0.5, "keep"))
    assert method.frozen() is method
    assert method.order == 3  # (z, m, z̄)
    game = random_quadratic(1)
    J = operator_jacobian(method, game, np.zeros(4))
    assert J.shape == (12, 12)


def test_bad_averaging_arguments():
    with pytest.raises(TypeError, match="base must be an update operator"):
        EMA("gda", 0.5)
    with pytest.raises(ValueError, match=r"beta must lie in \[0, 1\)"):
        EMA(AltGDA(0.1), 1.0)
    with pytest.raises(ValueError, match="eigenvalue 1"):
        uniform_average(GDA(0.1), Bilinear([[1.0, 0.0], [0.0, 0.0]]), np.ones(4), 10)
