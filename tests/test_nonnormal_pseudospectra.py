"""Pseudospectra (gamedyn.nonnormal): dense against SVDs and closed forms,
Krylov-projected never below the dense σ_min and converging to it, refinement by GMRES."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import LinearGame, grcar, jordan_block, tiny_gan

from gamedyn.games import Bilinear, DiracGAN
from gamedyn.methods import ExtraGradient, Momentum
from gamedyn.nonnormal import _pseudospectra as ps
from gamedyn.nonnormal import pseudospectrum
from gamedyn.spectrum import JacobianOperator, game_jacobian, operator_jacobian


def _random_non_normal(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.triu(rng.standard_normal((n, n)), 1) * 2 + np.diag(rng.standard_normal(n))


RE, IM = np.linspace(-1.2, 2.7, 14), np.linspace(-2.1, 2.4, 11)  # no grid point on an axis

MATRICES = {
    "jordan 12 at 0.5": jordan_block(12, 0.5),
    "grcar 50": grcar(50),
    "random non-normal 60": _random_non_normal(60),
    "tiny GAN J": game_jacobian(tiny_gan()),
    "alternating negative momentum": operator_jacobian(
        Momentum(0.5, -0.5, alternating=True), Bilinear(np.diag(np.linspace(0.2, 1, 6)))
    ),
}


@pytest.mark.parametrize("name", MATRICES)
@pytest.mark.parametrize("svd_below", [0, 48])  # inverse Lanczos everywhere, and the default
def test_dense_pseudospectra_equal_svds_on_a_grid(name, svd_below):
    a = MATRICES[name]
    resolvent = ps.SchurResolvent(a, svd_below=svd_below)
    sigma = resolvent.grid(RE, IM)
    reference = ps.svd_pseudospectrum(a, RE, IM)
    assert sigma.shape == (IM.size, RE.size)
    assert np.abs(sigma - reference).max() <= 1e-10 * max(1.0, np.linalg.norm(a, 2))
    if svd_below == 0 and a.shape[0] > 1:
        assert resolvent.fallbacks == 0  # Lanczos converged everywhere


def test_grid_orientation_rows_are_imaginary_parts():
    a = np.diag([1.0, 2.0])
    sigma = ps.dense_pseudospectrum(a, [1.0, 2.0, 3.0], [0.0, 0.5])
    # row i, column j is z = re[j] + i im[i]; σ_min of a normal matrix = distance to the spectrum
    np.testing.assert_allclose(sigma, [[0.0, 0.0, 1.0], [0.5, 0.5, np.hypot(1.0, 0.5)]], atol=1e-14)


def test_two_by_two_jordan_block_closed_form():
    # zI − [[λ, 1], [0, λ]]: σ_min = (√(1 + 4d²) − 1)/2 with d = |z − λ|
    lam = 0.3
    sigma = ps.dense_pseudospectrum(jordan_block(2, lam), RE, IM)
    d = np.abs(ps.grid_points(RE, IM) - lam)
    np.testing.assert_allclose(sigma, (np.sqrt(1 + 4 * d**2) - 1) / 2, rtol=1e-12, atol=1e-15)


def test_dirac_gan_at_the_critical_r1_weight_has_jordan_block_pseudospectra():
    # J = [[0, ½], [−½, 1]] = ½ I + N with N² = 0: σ_min(wI − J) ~ |w − ½|² near ½
    game = DiracGAN("saturating", reg="r1", gamma=1.0)
    d = np.array([1e-2, 1e-3, 1e-4])
    sigma = pseudospectrum(game, 0.5 + d, [0.0])[0]
    np.testing.assert_allclose(sigma / d**2, 1.0, rtol=3e-2)
    # a normal matrix with the same eigenvalues would have σ_min = d
    assert np.all(sigma < 0.05 * d)


def test_contract_dense_path_matches_the_matrix():
    game = LinearGame(grcar(20))
    np.testing.assert_allclose(
        pseudospectrum(game, RE, IM), ps.svd_pseudospectrum(grcar(20), RE, IM), atol=1e-12
    )
    method = ExtraGradient(0.3)
    gan = tiny_gan()
    T = operator_jacobian(method, gan)
    np.testing.assert_allclose(
        pseudospectrum(gan, RE, IM, method=method), ps.svd_pseudospectrum(T, RE, IM), atol=1e-10
    )


KRYLOV_MATRICES = {
    "jordan 24 at 0.5": jordan_block(24, 0.5),
    "grcar 40": grcar(40),
    "tiny GAN J": game_jacobian(tiny_gan()),
}


@pytest.mark.parametrize("name", KRYLOV_MATRICES)
def test_krylov_projected_sigma_min_is_never_below_dense_and_converges(name):
    """σ_min(zĨ − H̄_m) ≥ σ_min(zI − A) (the projected resolvent norm is never above the true
    one: lower-bound pictures), non-increasing in m, equal at m = n."""
    a = KRYLOV_MATRICES[name]
    n = a.shape[0]
    dense = ps.svd_pseudospectrum(a, RE, IM)
    scale = np.linalg.norm(a, 2)
    previous, gaps = None, []
    for m in sorted({2, n // 4, n // 2, (3 * n) // 4, n - 1, n}):
        sigma = ps.krylov_pseudospectrum(a, RE, IM, m).sigma_min
        assert np.all(sigma >= dense - 1e-12 * scale), m
        if previous is not None:
            assert np.all(sigma <= previous + 1e-12 * scale), m  # nested Krylov spaces
        previous = sigma
        gaps.append(float(np.max(sigma - dense)))
    assert gaps[-1] <= 1e-9 * scale  # the whole space: exact
    assert gaps[0] > gaps[-1]


def test_krylov_projected_through_the_contract_uses_counted_products():
    gan = tiny_gan()
    dense = pseudospectrum(gan, RE, IM)
    for m in (10, 30, gan.n):
        sigma = pseudospectrum(gan, RE, IM, ncv=m)
        assert np.all(sigma >= dense - 1e-12)
    np.testing.assert_allclose(sigma, dense, atol=1e-9)
    op = JacobianOperator(gan)
    result = ps.krylov_pseudospectrum(op, RE, IM, 15)
    assert result.matvecs == 15 and op.count == 15
    assert result.ritz_values.size == 15


@pytest.mark.slow
def test_refinement_by_gmres_equals_dense_at_chosen_points():
    gan = tiny_gan()
    op = JacobianOperator(gan)
    points = np.array([0.3 + 0.2j, -0.5 + 0.5j])
    refined = ps.refine_sigma_min(op, points)
    J = game_jacobian(gan)
    dense = np.array([ps.svd_pseudospectrum(J, [p.real], [p.imag])[0, 0] for p in points])
    np.testing.assert_allclose(refined, dense, rtol=1e-8)
    assert op.count > 0


def test_default_grid_covers_the_eigenvalues_with_equal_spacing():
    lam = np.array([1 + 2j, 1 - 2j, -0.5, 3.0])
    re, im = ps.default_grid(lam, points=40)
    assert re.min() < lam.real.min() and re.max() > lam.real.max()
    assert im.min() < -2 and im.max() > 2 and im[0] == -im[-1]
    assert np.diff(re)[0] == pytest.approx(np.diff(im)[0], rel=0.05)


def test_bad_input_is_refused_with_the_name():
    with pytest.raises(ValueError, match="re must be a non-empty 1-D array"):
        ps.dense_pseudospectrum(np.eye(2), np.zeros((2, 2)), [0.0])
    with pytest.raises(ValueError, match="im has non-finite"):
        ps.dense_pseudospectrum(np.eye(2), [0.0], [np.nan])
    with pytest.raises(ValueError, match="ncv = 9 is larger than the operator's size n = 2"):
        pseudospectrum(Bilinear([[1.0]]), [0.0], [0.0], ncv=9)
    with pytest.raises(ValueError, match="matrix must be a non-empty square"):
        ps.dense_pseudospectrum(np.ones((2, 3)), [0.0], [0.0])
    with pytest.raises(ValueError, match="unknown method 'qr'"):
        ps.dense_pseudospectrum(np.eye(2), [0.0], [0.0], method="qr")


def test_beyond_the_dense_limit_asks_for_ncv(monkeypatch):
    monkeypatch.setattr(ps, "DENSE_LIMIT", 3)
    with pytest.raises(ValueError, match="pass ncv=m for the Krylov-projected"):
        pseudospectrum(Bilinear(np.eye(2)), [0.0], [0.0])
