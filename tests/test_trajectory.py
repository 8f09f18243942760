"""Runs and the measured contraction rate."""

from __future__ import annotations

import numpy as np
import pytest

import gamedyn
from gamedyn.games import Bilinear
from gamedyn.methods import GDA, Momentum


def test_run_starts_at_z0_and_takes_the_step():
    game, z0, lr = Bilinear([[1.0]]), np.array([1.0, 0.5]), 0.1
    trajectory = gamedyn.run(GDA(lr), game, z0, 2)
    np.testing.assert_array_equal(trajectory[0], z0)
    x, y = z0
    np.testing.assert_allclose(trajectory[1], [x - lr * y, y + lr * x], atol=1e-16)


def test_momentum_starts_from_the_repeated_state():
    # With z_{−1} = z_0 the first momentum step is a plain gradient step.
    game, z0 = Bilinear([[1.0]]), np.array([1.0, 0.5])
    first = gamedyn.run(Momentum(0.1, 0.9), game, z0, 1)[1]
    np.testing.assert_allclose(first, gamedyn.run(GDA(0.1), game, z0, 1)[1], atol=1e-16)


@pytest.mark.parametrize("mu", [0.9, -0.95, 0.7 * np.exp(0.4j), 1.02 * np.exp(2.0j)])
def test_contraction_rate_of_a_known_linear_sequence(mu):
    # d_t = Re(a μ^t) + small fast mode, in R^3.
    t = np.arange(300)[:, None]
    a = np.array([1.0 + 0.5j, -0.3 + 1j, 0.2])
    d = (a * mu**t).real + 0.01 * (0.2**t) * np.array([1.0, 2.0, 3.0])
    assert gamedyn.contraction_rate(d) == pytest.approx(abs(mu), abs=1e-12)


def test_contraction_rate_refuses_what_it_cannot_fit():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="no linear recurrence"):
        gamedyn.contraction_rate(rng.standard_normal((100, 6)))
    with pytest.raises(ValueError, match="fewer than tail"):
        gamedyn.contraction_rate(np.ones((5, 2)))
    with pytest.raises(ValueError, match="zero, infinite or nan"):
        gamedyn.contraction_rate(np.zeros((50, 2)))
