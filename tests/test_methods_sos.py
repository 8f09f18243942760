"""SOS: Letcher et al.'s Algorithm 1 in numpy on every branch of ``p``; LookAhead's Jacobian and
rate at fixed points."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import cubic_game, random_bilinear, tensor

import gamedyn
from gamedyn.backends import TorchOps
from gamedyn.methods import LOLA, SOS
from gamedyn.spectrum import eigenvalues, operator_jacobian, sort_eigenvalues, spectral_radius


def sos_reference(game, z: np.ndarray, lr: float, alpha: float, a: float, b: float):
    """One step of Algorithm 1, and which branches of ``p₁`` and ``p₂`` it took."""
    xi0, shaping = game.letcher_terms(z, (alpha, alpha))  # ξ₀ and αχ
    dot = -shaping @ xi0  # ⟨−αχ, ξ₀⟩
    if dot >= 0:
        p1, branch1 = 1.0, "dot >= 0"
    else:
        ratio = -a * (xi0 @ xi0) / dot
        p1, branch1 = (ratio, "ratio") if ratio < 1 else (1.0, "ratio >= 1")
    norm = np.linalg.norm(game.field(z))
    p2, branch2 = (norm**2, "norm < b") if norm < b else (1.0, "norm >= b")
    p = min(p1, p2)
    return z - lr * (xi0 - p * shaping), (branch1, branch2, "p1" if p1 <= p2 else "p2")


def test_steps_follow_algorithm_1_on_every_branch():
    game, lr, alpha, a = cubic_game(), 0.1, 0.4, 0.5
    ops = TorchOps(game.torch)
    seen = set()
    rng = np.random.default_rng(2)
    points = np.concatenate([rng.uniform(-1.5, 1.5, (16, 4)), rng.uniform(-0.1, 0.1, (8, 4))])
    for z in points:
        for b in (0.1, 2.0):
            expected, branches = sos_reference(game, z, lr, alpha, a, b)
            (step,) = SOS(lr, alpha, a=a, b=b).step(ops, (tensor(z),))
            np.testing.assert_allclose(step.numpy(), expected, rtol=1e-12, atol=1e-14)
            seen.update(branches)
    assert seen == {"dot >= 0", "ratio", "ratio >= 1", "norm < b", "norm >= b", "p1", "p2"}


@pytest.mark.slow
def test_at_a_fixed_point_sos_has_lookaheads_jacobian_and_rate():
    game, lr, alpha = cubic_game(), 0.3, 0.5
    J = game.jacobian(np.zeros(4))  # z = 0 is a fixed point of the cubic game
    assert np.abs(game.field(np.zeros(4))).max() == 0
    off = J.copy()
    off[:2, :2] = off[2:, 2:] = 0
    lookahead = np.eye(4) - lr * (np.eye(4) - alpha * off) @ J  # p = 0, ∇p = 0
    sos = operator_jacobian(SOS(lr, alpha), game.torch, np.zeros(4))
    np.testing.assert_allclose(sos, lookahead, atol=1e-14)
    lola = operator_jacobian(LOLA(lr, alpha), game.torch, np.zeros(4))
    assert np.abs(lola - lookahead).max() > 0.01  # LOLA's shaping term moves the Jacobian
    # the rate of a run from near the fixed point is LookAhead's spectral radius
    rho = spectral_radius(SOS(lr, alpha), game.torch, np.zeros(4))
    trajectory = gamedyn.run(SOS(lr, alpha), game.torch, np.full(4, 0.05), 300)
    assert gamedyn.contraction_rate(trajectory, rtol=1e-10) == pytest.approx(rho, abs=1e-6)


def test_on_a_bilinear_game_the_eigenvalues_at_the_equilibrium_are_the_lookaheads():
    game, lr, alpha = random_bilinear(2, 3, 3), 0.2, 0.4
    sigma = np.linalg.svd(game.A.numpy(), compute_uv=False)
    closed = 1 - lr * (alpha * np.tile(sigma, 2) ** 2 + 1j * np.concatenate([sigma, -sigma]))
    mu = eigenvalues(game, method=SOS(lr, alpha), z=np.zeros(6))
    np.testing.assert_allclose(mu, sort_eigenvalues(closed), atol=1e-12)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SOS(0.1, a=1.0), r"a must lie in \(0, 1\)"),
        (lambda: SOS(0.1, a=0.0), r"a must lie in \(0, 1\)"),
        (lambda: SOS(0.1, b=0.0), "b must be > 0"),
        (lambda: SOS(0.1, alpha=-0.2), "alpha must be > 0"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_defaults_are_the_papers():
    method = SOS(0.2)
    assert (method.alpha, method.a, method.b) == (0.2, 0.5, 0.1)
