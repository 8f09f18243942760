"""Update operators: Jacobians three ways, predicted vs measured rates, closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import central_jacobian, random_bilinear, random_quadratic, tensor
from torch.func import jacrev

import gamedyn
from gamedyn.backends import TorchOps, flatten, step_map
from gamedyn.games import Bilinear, DiracGAN
from gamedyn.methods import (
    ACGD,
    CGD,
    GDA,
    LEAD,
    LOLA,
    SGA,
    SOS,
    AltGDA,
    Consensus,
    ExtraGradient,
    HamiltonianGD,
    Lookahead,
    Momentum,
    OptimisticGDA,
    PastExtraGradient,
)
from gamedyn.spectrum import operator_jacobian, previous_iterate_coordinates, spectral_radius


def all_methods(lr: float) -> list:
    return [
        GDA(lr),
        GDA((lr, 0.5 * lr)),
        AltGDA(lr),
        Momentum(lr, 0.3),
        Momentum(lr, -0.4),
        Momentum(lr, -0.3, alternating=True),
        ExtraGradient(lr),
        OptimisticGDA(lr),
        Lookahead(GDA(lr), k=5, alpha=0.5),
        Lookahead(Momentum(lr, -0.2), k=3, alpha=0.7),
        Lookahead(ExtraGradient((lr, 2 * lr)), k=2, alpha=0.3),
        Consensus(lr, 0.5),
        CGD(lr),
        CGD((lr, 0.5 * lr)),
        HamiltonianGD(lr),
        HamiltonianGD((lr, 0.5 * lr)),
        SGA(lr, 0.5),
        SGA(lr, 0.5, align=True),
        LOLA(lr),
        LOLA((lr, 0.5 * lr), alpha=(0.5 * lr, lr)),
        SOS(lr),
        SOS(lr, alpha=2 * lr, b=10.0),  # ‖v‖ < b: p₂ = ‖v‖², p₁ in play
        LEAD(lr, 0.3, 0.4),
        LEAD((lr, 0.5 * lr), 0.1, (0.2, 0.4)),
        # without bias correction, init(z*) is the fixed point (z*, 0, 1) of the whole state;
        # ACGD at other states and with bias correction: test_methods_acgd.py
        ACGD(lr, beta2=0.1, eps=0.1, bias_correction=False),
    ]


GAMES = {
    "bilinear": random_bilinear(0),
    "bilinear-3x2": random_bilinear(1, 3, 2),
    "quadratic": random_quadratic(2),
    "dirac-r1": DiracGAN("non-saturating", reg="r1", gamma=0.3),
}


@pytest.mark.parametrize("game_name", GAMES)
@pytest.mark.parametrize("method", all_methods(0.2), ids=repr)
def test_operator_jacobian_three_ways(method, game_name):
    """jacfwd through the step = jacrev through the step = central differences of the step."""
    game = GAMES[game_name]
    z = np.random.default_rng(5).uniform(-1, 1, game.n)
    J = operator_jacobian(method, game, z)
    update = step_map(method, TorchOps(game))
    s = flatten(method.init(tensor(z))).numpy()  # (z, z) for augmented ones, ACGD's (z, 0, c₀)
    assert J.shape == (method.order * game.n,) * 2
    np.testing.assert_allclose(J, jacrev(update)(tensor(s)).numpy(), rtol=1e-12, atol=1e-12)
    fd = central_jacobian(lambda p: update(tensor(p)).detach().numpy(), s, h=1e-5)
    np.testing.assert_allclose(J, fd, rtol=1e-7, atol=1e-8)


LINEAR_GAMES = {"bilinear": random_bilinear(0), "quadratic": random_quadratic(2)}
SLOW_RUNS = (CGD, ACGD, LOLA, SOS)
"""Their runs solve a linear system or take the losses' gradients per step: seconds."""
RUNS = [
    pytest.param(m, marks=pytest.mark.slow) if isinstance(m, SLOW_RUNS) else m
    for m in all_methods(0.15)
]


@pytest.mark.parametrize("game_name", LINEAR_GAMES)
@pytest.mark.parametrize("method", RUNS, ids=repr)
def test_predicted_rate_equals_measured_rate(method, game_name):
    """The spectral radius of the operator Jacobian is the rate at which the iterates contract."""
    game = LINEAR_GAMES[game_name]
    z0 = np.random.default_rng(7).standard_normal(game.n)
    predicted = spectral_radius(method, game, np.zeros(game.n))
    mu = gamedyn.spectrum.eigenvalues(game, method=method, z=np.zeros(game.n))
    steps = steps_until_dominant(mu)
    trajectory = gamedyn.run(method, game, z0, steps)
    assert trajectory.shape == (steps + 1, game.n)
    measured = gamedyn.contraction_rate(trajectory, rtol=1e-10)
    assert measured == pytest.approx(predicted, abs=1e-6)


def steps_until_dominant(mu: np.ndarray, decay: float = 1e-12) -> int:
    """Steps after which the subdominant modes are ``decay`` times smaller than the dominant.

    The predicted spectrum only sets the length of the run; the rate is measured from it.
    """
    moduli = np.abs(mu)
    rho, below = moduli.max(), moduli[moduli < moduli.max() * (1 - 1e-9)]
    if below.size == 0 or below.max() == 0:
        return 200
    return int(np.clip(np.log(decay) / np.log(below.max() / rho), 200, 20000))


def test_run_converges_to_the_fixed_point_of_an_affine_game():
    game = random_quadratic(2, linear=True)
    z_star = game.fixed_point().numpy()
    method = ExtraGradient(0.15)
    trajectory = gamedyn.run(method, game, np.zeros(game.n), 3000)
    rho = spectral_radius(method, game, z_star)
    assert np.linalg.norm(trajectory[-1] - z_star) < 1e-10
    assert gamedyn.contraction_rate(trajectory[:250], z_star) == pytest.approx(rho, abs=1e-6)


# Closed forms on the bilinear game xᵀAy (singular values σ) ------------------------------------

SIGMA = np.array([1.0, 0.5])


@pytest.mark.parametrize("lr", [0.05, 0.3, 0.9])
def test_closed_forms_on_bilinear(lr):
    game, z = random_bilinear(0), np.zeros(4)
    np.testing.assert_allclose(np.linalg.svd(game.A.numpy(), compute_uv=False), SIGMA)
    s_max, s_min = SIGMA.max(), SIGMA.min()
    expected = {
        GDA(lr): np.sqrt(1 + lr**2 * s_max**2),
        ExtraGradient(lr): np.max(np.sqrt((1 - lr**2 * SIGMA**2) ** 2 + lr**2 * SIGMA**2)),
        CGD(lr): 1 / np.sqrt(1 + lr**2 * s_min**2),
        AltGDA(lr): 1.0,
        Consensus(lr, 0.7): np.max(np.abs(1 - lr * (1j * SIGMA + 0.7 * SIGMA**2))),
        HamiltonianGD(lr): np.max(np.abs(1 - lr * SIGMA**2)),
        SGA(lr, 0.7): np.max(np.abs(1 - lr * (0.7 * SIGMA**2 + 1j * SIGMA))),
        SGA(lr, 0.7, align=True): np.max(np.abs(1 - lr * (0.7 * SIGMA**2 + 1j * SIGMA))),
        LOLA(lr, 0.4): np.max(np.abs(1 - lr * (0.8 * SIGMA**2 + 1j * SIGMA))),
        SOS(lr, 0.4): np.max(np.abs(1 - lr * (0.4 * SIGMA**2 + 1j * SIGMA))),
        LEAD(lr, 0.2, 0.5): max(
            np.abs(np.roots([1, -(1.2 - (lr + 0.5) * 1j * s), 0.2 - 0.5j * s])).max() for s in SIGMA
        ),
        # CGD with step η/ε (ε's floor: 10⁻¹²ε), or β₂ when larger
        ACGD(lr, 0.1, 0.5, bias_correction=False): max(
            1 / np.sqrt(1 + (lr / (0.5 * (1 + 1e-12))) ** 2 * s_min**2), 0.1
        ),
    }
    for method, rho in expected.items():
        assert spectral_radius(method, game, z) == pytest.approx(rho, abs=1e-12), method


def test_alternating_gda_stays_on_the_unit_circle_below_two():
    game = Bilinear([[1.0]])
    for lr in [0.1, 1.0, 1.9]:
        mu = gamedyn.spectrum.eigenvalues(game, method=AltGDA(lr), z=[0.0, 0.0])
        np.testing.assert_allclose(np.abs(mu), 1.0, atol=1e-12)
    assert spectral_radius(AltGDA(2.1), game, [0.0, 0.0]) > 1.0


def test_extragradient_matches_its_polynomial_on_affine_games():
    game, lr = random_quadratic(3), 0.2
    J = game.J.numpy()
    expected = np.eye(4) - lr * J + lr**2 * J @ J
    np.testing.assert_allclose(operator_jacobian(ExtraGradient(lr), game, np.zeros(4)), expected)


def test_optimistic_is_past_extragradient():
    assert PastExtraGradient is OptimisticGDA
    game = random_quadratic(4)
    J = game.J.numpy()
    lr, n = 0.1, 4
    expected = np.block([[np.eye(n) - 2 * lr * J, lr * J], [np.eye(n), np.zeros((n, n))]])
    M = operator_jacobian(OptimisticGDA(lr), game, np.ones(n))  # on (z_t, η v(z_{t−1}))
    np.testing.assert_allclose(previous_iterate_coordinates(M), expected)  # on (z_t, z_{t−1})


def test_lookahead_with_alpha_one_is_k_base_steps():
    game = random_quadratic(5)
    base = Momentum(0.1, -0.3)
    one = operator_jacobian(base, game, np.zeros(4))
    la = operator_jacobian(Lookahead(base, k=4, alpha=1.0), game, np.zeros(4))
    np.testing.assert_allclose(la, np.linalg.matrix_power(one, 4), atol=1e-14)


def test_consensus_method_equals_gda_on_the_consensus_regularised_dirac_gan():
    z, lr, gamma = np.array([0.6, -0.9]), 0.2, 0.7
    consensus = operator_jacobian(Consensus(lr, gamma), DiracGAN("standard"), z)
    regularised = operator_jacobian(GDA(lr), DiracGAN("standard", "consensus", gamma), z)
    np.testing.assert_allclose(consensus, regularised, atol=1e-14)


# Gidel et al. (2019): momentum on bilinear games ----------------------------------------------


@pytest.mark.parametrize("lr", [0.05, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("beta", [-0.9, -0.5, -0.1, 0.0, 0.2, 0.7])
def test_simultaneous_momentum_never_converges_on_bilinear(lr, beta):
    assert spectral_radius(Momentum(lr, beta), random_bilinear(0), np.zeros(4)) >= 1 - 1e-12


@pytest.mark.parametrize(
    "lr",
    [pytest.param(0.1, marks=pytest.mark.slow), pytest.param(0.3, marks=pytest.mark.slow), 0.6],
)
def test_alternating_momentum_on_bilinear(lr):
    game, z0 = random_bilinear(0), np.array([1.0, -0.5, 0.3, 0.8])
    rho = {
        beta: spectral_radius(Momentum(lr, beta, alternating=True), game, np.zeros(4))
        for beta in (-0.5, -0.2, 0.0, 0.2, 0.5)
    }
    assert rho[0.2] > 1 and rho[0.5] > 1  # diverges for β > 0
    assert rho[0.0] == pytest.approx(1.0, abs=1e-12)  # bounded for β = 0
    assert rho[-0.2] < 1 and rho[-0.5] < 1  # converges for β < 0
    for beta, predicted in rho.items():
        steps = 3000 if beta == 0 else int(min(20000, 20 / abs(np.log(predicted))))
        norms = np.linalg.norm(
            gamedyn.run(Momentum(lr, beta, alternating=True), game, z0, steps), axis=1
        )
        if beta == 0:
            assert 0.1 * norms[0] < norms[-1] and norms.max() < 10 * norms[0]
        else:  # ‖z_T‖ ≈ C ρ^T with a modest constant C
            growth = norms[-1] / norms[0]
            assert 0.05 < growth / predicted**steps < 20


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: GDA(0.0), "lr must be > 0"),
        (lambda: GDA(-0.1), "lr must be > 0"),
        (lambda: GDA(float("nan")), "lr must be finite"),
        (lambda: GDA("0.1"), "lr must be a real number"),
        (lambda: GDA((0.1, 0.2, 0.3)), "pair"),
        (lambda: GDA((0.1, -0.2)), r"lr\[1\] must be > 0"),
        (lambda: Momentum(0.1, float("inf")), "beta must be finite"),
        (lambda: Momentum(0.1, 0.5, alternating="yes"), "alternating must be a bool"),
        (lambda: Lookahead(GDA(0.1), k=0, alpha=0.5), "k must be an integer >= 1"),
        (lambda: Lookahead(GDA(0.1), k=2.0, alpha=0.5), "k must be an integer >= 1"),
        (lambda: Lookahead(GDA(0.1), k=True, alpha=0.5), "k must be an integer >= 1"),
        (lambda: Lookahead(GDA(0.1), k=3, alpha=0.0), r"alpha must lie in \(0, 1\]"),
        (lambda: Lookahead(GDA(0.1), k=3, alpha=1.5), r"alpha must lie in \(0, 1\]"),
        (lambda: Lookahead("gda", k=3, alpha=0.5), "base must be an update operator"),
        (lambda: Consensus(0.1, -1.0), "gamma must be >= 0"),
        (lambda: CGD(0), "lr must be > 0"),
        (lambda: HamiltonianGD(-1.0), "lr must be > 0"),
        (lambda: SGA(0.1, -0.5), "lam must be >= 0"),
        (lambda: SGA(0.1, 0.5, align="yes"), "align must be a bool"),
        (lambda: LOLA(0.1, alpha=0.0), "alpha must be > 0"),
        (lambda: SOS(0.1, a=1.5), r"a must lie in \(0, 1\)"),
        (lambda: LEAD(0.1, 0.5, float("nan")), "alpha must be finite"),
        (lambda: ACGD(0.1, beta2=1.0), r"beta2 must lie in \[0, 1\)"),
    ],
)
def test_bad_method_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_run_rejects_bad_input():
    game = random_bilinear(0)
    with pytest.raises(ValueError, match="z0 has length 3"):
        gamedyn.run(GDA(0.1), game, [1.0, 2.0, 3.0], 10)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        gamedyn.run(GDA(0.1), game, np.zeros(4), -1)
    with pytest.raises(TypeError, match="method must be an update operator"):
        gamedyn.run("gda", game, np.zeros(4), 3)
    with pytest.raises(ValueError, match="z0 has non-finite"):
        gamedyn.run(GDA(0.1), game, [np.nan, 0, 0, 0], 3)


def test_steps_are_pure():
    game, method = random_quadratic(1), Lookahead(Momentum(0.1, 0.5), k=3, alpha=0.5)
    z = torch.ones(4, dtype=torch.float64)
    state = method.init(z)
    ops = TorchOps(game)
    a, b = method.step(ops, state), method.step(ops, state)
    assert all(torch.equal(p, q) for p, q in zip(a, b, strict=True))
    assert torch.equal(state[0], z) and torch.equal(state[1], z)
