"""Transient growth (gamedyn.nonnormal): matrix-free ‖Tᵗ‖ against dense powers, the
flow against expm, the Kreiss matrix theorem, and runs from the worst direction."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from helpers import LinearGame, grcar, jordan_block, tiny_gan

from gamedyn.games import Bilinear, DiracGAN
from gamedyn.methods import GDA, Adam, AltGDA, ExtraGradient, Momentum, OptimisticGDA
from gamedyn.nonnormal import _transient as tr
from gamedyn.nonnormal import kreiss_constant, numerical_radius, transient_growth, worst_direction
from gamedyn.spectrum import JacobianOperator, game_jacobian, operator_jacobian, spectral_radius

BILINEAR = Bilinear(np.diag(np.linspace(0.2, 1.0, 6)))
CRITICAL = DiracGAN("saturating", reg="r1", gamma=1.0)  # J = ½ I + nilpotent: defective
# a general-sum linear game: strong one-way coupling, eigenvalues 0.2 ± 1i, far from normal
ONE_WAY = LinearGame(np.array([[0.2, 10.0], [-0.1, 0.2]]))


def _matrix_free_equals_dense(method, steps):
    gan = tiny_gan()
    dense = transient_growth(gan, steps, method=method, matrix_free=False)
    free = transient_growth(gan, steps, method=method, matrix_free=True)
    T = operator_jacobian(method, gan)
    powers = [np.linalg.norm(np.linalg.matrix_power(T, t), 2) for t in range(steps + 1)]
    np.testing.assert_allclose(dense, powers, rtol=1e-12)
    np.testing.assert_allclose(free, dense, rtol=1e-6)


@pytest.mark.parametrize("method", [ExtraGradient(0.1), Momentum(0.1, -0.3)])
def test_matrix_free_norms_equal_dense_powers_on_a_small_gan(method):
    _matrix_free_equals_dense(method, 4)


@pytest.mark.slow
@pytest.mark.parametrize("method", [GDA(0.1), AltGDA(0.1), OptimisticGDA(0.1)])
def test_matrix_free_norms_equal_dense_powers_for_more_operators(method):
    _matrix_free_equals_dense(method, 5)


@pytest.mark.parametrize(
    "game, method",
    [
        (None, GDA(0.2)),
        (None, Adam(0.05, betas=(0.9, 0.99), second_moment=0.3)),  # frozen Adam: state (z, m)
        (BILINEAR, ExtraGradient(0.5)),  # normal T, conjugate pairs: every singular value twice
        (ONE_WAY, GDA(0.05)),
    ],
)
def test_carried_subspace_equals_dense_powers_along_many_steps(game, method):
    game = tiny_gan() if game is None else game
    steps = 12
    T = operator_jacobian(method, game)
    dense = np.array([np.linalg.norm(np.linalg.matrix_power(T, t), 2) for t in range(steps + 1)])
    op = JacobianOperator(game, None, method)
    norms, vectors = tr.power_norms(op.apply, op.apply_transpose, op.shape[0], steps)
    np.testing.assert_allclose(norms, dense, rtol=1e-8)
    assert np.all(norms <= dense * (1 + 1e-12))  # ‖Tᵗ v‖ of a unit v: never above ‖Tᵗ‖
    for t in (1, steps // 2, steps):  # each vector attains its norm
        v = vectors[t].numpy()
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-12)
        attained = np.linalg.norm(np.linalg.matrix_power(T, t) @ v)
        assert attained == pytest.approx(norms[t], rel=1e-10)
    np.testing.assert_allclose(
        transient_growth(game, steps, method=method, matrix_free=True), norms
    )


def test_carried_subspace_flow_equals_scipy_expm_along_many_steps():
    gan, dt, steps = tiny_gan(), 0.1, 12
    J = game_jacobian(gan)
    dense = np.array([np.linalg.norm(scipy.linalg.expm(-t * dt * J), 2) for t in range(steps + 1)])
    free = transient_growth(gan, steps, dt=dt, matrix_free=True)
    np.testing.assert_allclose(free, dense, rtol=1e-8)
    assert np.all(free <= dense * (1 + 1e-10))  # lower bounds, up to the exponentials' 1e-13


@pytest.mark.parametrize("basis", [None, (24, 10)])
def test_flow_by_blocks_from_the_symmetric_start_equals_scipy_expm(monkeypatch, basis):
    """The flow's carried subspace grows by Krylov blocks from the lowest eigenvector of the
    symmetric part: the same curve as the dense exponentials, each value a lower bound, each
    vector attaining its value (also through thick restarts of a small basis)."""
    a = grcar(60) + np.diag(np.linspace(-0.5, 2.0, 60))  # far from normal, growth then decay
    game, dt, steps = LinearGame(a), 0.05, 10
    dense = np.array([np.linalg.norm(scipy.linalg.expm(-t * dt * a), 2) for t in range(steps + 1)])
    if basis is not None:
        monkeypatch.setattr(tr, "_FLOW_BASIS", basis[0])
        monkeypatch.setattr(tr, "_FLOW_RESTART", basis[1])
    op = JacobianOperator(game)
    powers = tr.flow_powers(op, dt)
    assert powers.block is not None and powers.start is not None
    assert powers.basis == (basis or (tr._FLOW_BASIS, tr._FLOW_RESTART))
    norms, vectors = tr.power_norms(op.apply, op.apply_transpose, 60, steps, powers=powers)
    np.testing.assert_allclose(norms, dense, rtol=1e-8)
    assert np.all(norms <= dense * (1 + 1e-11))  # ‖e^{−t·dt·J} v‖ of a unit v
    for t in (1, 5, steps):
        v = vectors[t].numpy()
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-12)
        attained = np.linalg.norm(scipy.linalg.expm(-t * dt * a) @ v)
        assert attained == pytest.approx(norms[t], rel=1e-10)
    # the same curve as one vector at a time from a random start (the previous expansions)
    single = powers._replace(block=None, start=None, basis=(tr._MAX_BASIS, tr._RESTART))
    before, _ = tr.power_norms(op.apply, op.apply_transpose, 60, steps, powers=single)
    np.testing.assert_allclose(norms, before, rtol=1e-8)


@pytest.mark.parametrize("window", [1, 4])
def test_flow_with_a_short_window_of_images_is_the_same(monkeypatch, window):
    """A large operator gets fewer steps of images ahead (memory): the curve does not change."""
    gan, dt, steps = tiny_gan(), 0.1, 6
    J = game_jacobian(gan)
    dense = np.array([np.linalg.norm(scipy.linalg.expm(-t * dt * J), 2) for t in range(steps + 1)])
    monkeypatch.setattr(tr, "_FLOW_WINDOW", window)
    op = JacobianOperator(gan)
    powers = tr.flow_powers(op, dt)
    assert powers.window == window
    norms, _ = tr.power_norms(op.apply, op.apply_transpose, op.shape[0], steps, powers=powers)
    np.testing.assert_allclose(norms, dense, rtol=1e-8)
    monkeypatch.setattr(tr, "_WINDOW_BYTES", 1)  # less memory than one step: window 1
    assert tr.flow_powers(op, dt).window == 1


def test_stopping_rule():
    theta = np.array([2.0, 1.9, 1.0])
    assert tr._converged(2e-10, theta, 1e-10)  # the residual rule alone
    assert not tr._converged(3e-5, theta, 1e-10)  # above √tol θ
    assert tr._converged(4e-6, theta, 1e-10)  # ‖r‖² = 1.6e-11 ≤ tol θ δ = 2e-11
    assert not tr._converged(5e-6, theta, 1e-10)  # 2.5e-11 > 2e-11
    # a Ritz value within ‖r‖ of θ is not a gap: the next one is
    assert tr._converged(4e-6, np.array([2.0, 2.0 - 1e-6, 1.9]), 1e-10)
    assert not tr._converged(4e-6, np.array([2.0]), 1e-10)  # one Ritz value: no gap known


def test_flow_norms_are_matrix_exponentials():
    gan = tiny_gan()
    J = game_jacobian(gan)
    dense = transient_growth(gan, 4, dt=0.5)
    expected = [np.linalg.norm(scipy.linalg.expm(-0.5 * t * J), 2) for t in range(5)]
    np.testing.assert_allclose(dense, expected, rtol=1e-10)


@pytest.mark.slow
def test_matrix_free_flow_equals_dense():
    gan = tiny_gan()
    free = transient_growth(gan, 3, dt=0.5, matrix_free=True)
    np.testing.assert_allclose(free, transient_growth(gan, 3, dt=0.5), rtol=1e-6)


@pytest.mark.parametrize(
    "game, method",
    [
        (BILINEAR, AltGDA(0.5)),
        (BILINEAR, Momentum(0.5, -0.5, alternating=True)),
        (CRITICAL, GDA(0.5)),
        (ONE_WAY, GDA(0.05)),
        (tiny_gan(), ExtraGradient(0.05)),
    ],
)
def test_norms_lie_between_the_spectral_radius_and_the_numerical_radius_bounds(game, method):
    norms = transient_growth(game, 40, method=method)
    rho = spectral_radius(method, game)
    r = numerical_radius(game, method=method)
    T = operator_jacobian(method, game)
    t = np.arange(41)
    assert np.all(norms >= rho**t * (1 - 1e-10))
    assert np.all(norms <= np.linalg.norm(T, 2) ** t * (1 + 1e-10))
    assert np.all(norms <= 2 * r**t * (1 + 1e-10))  # Berger: ‖Tᵗ‖ ≤ 2 r(T)ᵗ


def test_one_way_coupling_amplifies_though_the_eigenvalues_contract():
    method = GDA(0.05)
    norms = transient_growth(ONE_WAY, 200, method=method)
    rho = spectral_radius(method, ONE_WAY)
    assert rho < 1 and norms.max() > 5 and norms.max() > 5 * rho ** np.argmax(norms)


@pytest.mark.parametrize(
    "game, method, steps",
    [
        (BILINEAR, AltGDA(0.5), 400),  # ρ = 1, diagonalisable: bounded
        (BILINEAR, Momentum(0.5, -0.5, alternating=True), 400),
        (BILINEAR, ExtraGradient(0.5), 50),  # normal: K = 1
        (CRITICAL, GDA(0.5), 100),
        (ONE_WAY, GDA(0.05), 600),
        (LinearGame(0.9 * jordan_block(4, 0.0) + 0.6 * np.eye(4)), GDA(1.0), 200),
    ],
)
def test_kreiss_matrix_theorem(game, method, steps):
    K = kreiss_constant(game, method=method)
    norms = transient_growth(game, steps, method=method)
    lower, upper = tr.kreiss_bounds(K, method.order * game.n)
    assert norms[-1] < 1.5 or norms[-1] <= norms.max()  # the run reaches past the peak
    assert lower <= norms.max() * (1 + 1e-9) and norms.max() <= upper
    # K is the supremum: no sampled point outside the unit disk exceeds it
    T = operator_jacobian(method, game)
    rng = np.random.default_rng(0)
    w = (1 + np.exp(rng.uniform(np.log(1e-4), np.log(5.0), 400))) * np.exp(
        1j * rng.uniform(0, 2 * np.pi, 400)
    )
    eye = np.eye(T.shape[0])
    sampled = [(abs(x) - 1) / np.linalg.svd(x * eye - T, compute_uv=False)[-1] for x in w]
    assert max(sampled) <= K * (1 + 1e-8)


def test_kreiss_constant_of_the_flow_satisfies_the_continuous_theorem():
    game = LinearGame(np.array([[0.2, 10.0], [-0.1, 0.2]]))
    K = kreiss_constant(game)
    norms = transient_growth(game, 4000, dt=0.005)  # e^{−tJ} sampled finely up to t = 20
    lower, upper = tr.kreiss_bounds(K, game.n)
    assert lower <= norms.max() * (1 + 1e-3) and norms.max() <= upper
    assert K > 3


def test_kreiss_constant_limits():
    assert kreiss_constant(Bilinear([[1.0]]), method=GDA(0.1)) == np.inf  # ρ > 1
    assert kreiss_constant(Bilinear([[1.0]]), method=ExtraGradient(0.5)) == pytest.approx(1.0)
    # a flow with Re λ(J) < 0 grows without bound
    assert kreiss_constant(LinearGame(np.diag([1.0, -0.1]))) == np.inf


def test_krylov_projected_kreiss_constant_is_a_lower_bound_that_converges():
    game, method = ONE_WAY, GDA(0.05)
    dense = kreiss_constant(game, method=method)
    assert kreiss_constant(game, method=method, ncv=2) == pytest.approx(dense, rel=1e-6)
    gan, eg = tiny_gan(), ExtraGradient(0.05)
    full = kreiss_constant(gan, method=eg)
    assert kreiss_constant(gan, method=eg, ncv=10) <= full * (1 + 1e-8)


@pytest.mark.parametrize(
    "game, method",
    [
        (ONE_WAY, GDA(0.05)),
        (BILINEAR, Momentum(0.5, -0.5, alternating=True)),  # the worst direction is a 2n state
        (CRITICAL, AltGDA(0.5)),  # a nonlinear game, linearised at its equilibrium
    ],
)
def test_a_run_from_the_worst_direction_shows_the_predicted_amplification(game, method):
    worst = worst_direction(game, 300, method=method)
    run = tr.amplification_run(method, game, worst.direction, worst.step)
    assert run[worst.step] == pytest.approx(worst.amplification, rel=1e-5)
    assert np.all(run <= worst.norms[: worst.step + 1] * (1 + 1e-5))
    # every other start amplifies less at that step, and no run beats ‖Tᵗ‖ at any step
    rng = np.random.default_rng(1)
    for _ in range(5):
        other = tr.amplification_run(method, game, rng.standard_normal(worst.direction.size), 300)
        assert np.all(other <= worst.norms[:301] * (1 + 1e-5))
        assert other[worst.step] <= worst.amplification * (1 + 1e-5)


def test_worst_direction_matrix_free_equals_dense():
    gan, method = tiny_gan(), ExtraGradient(0.1)
    dense = worst_direction(gan, 5, method=method, matrix_free=False)
    free = worst_direction(gan, 5, method=method, matrix_free=True)
    assert free.step == dense.step
    assert free.amplification == pytest.approx(dense.amplification, rel=1e-8)
    assert abs(free.direction @ dense.direction) == pytest.approx(1.0, abs=1e-6)


def test_bad_input_is_refused_with_the_name():
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        transient_growth(BILINEAR, -1, method=GDA(0.1))
    with pytest.raises(ValueError, match="dt must be > 0"):
        transient_growth(BILINEAR, 3, dt=0.0)
    with pytest.raises(TypeError, match="matrix_free must be True, False or None"):
        transient_growth(BILINEAR, 3, method=GDA(0.1), matrix_free="yes")
    with pytest.raises(ValueError, match="direction must have length 24"):
        tr.amplification_run(Momentum(0.5, -0.5), BILINEAR, np.ones(12), 3)
    with pytest.raises(TypeError, match="method must be"):
        tr.amplification_run("gda", BILINEAR, np.ones(12), 3)


def test_power_norms_reports_non_convergence():
    a = torch.as_tensor(np.random.default_rng(0).standard_normal((30, 30)))
    with pytest.raises(ValueError, match="raise lanczos_steps"):
        tr.power_norms(lambda u: a @ u, lambda w: a.T @ w, 30, 2, lanczos_steps=1, tol=1e-14)
