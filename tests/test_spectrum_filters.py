"""Chebyshev-filtered Krylov–Schur (gamedyn.spectrum.filters): the filter against numpy's
Chebyshev polynomials, the accelerated SR/LR top-k against dense eigenvalues, true residuals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import random_quadratic, tiny_gan

from gamedyn.games import Quadratic
from gamedyn.methods import ExtraGradient
from gamedyn.spectrum import eigenvalues, operator_jacobian, top_eigenvalues
from gamedyn.spectrum.eigensolvers import NoConvergence
from gamedyn.spectrum.filters import (
    Ellipse,
    chebyshev_eigenpairs,
    chebyshev_operator,
    fit_ellipse,
    growth,
)
from gamedyn.vocabulary import select


def _rotational_game(n: int = 30, seed: int = 0) -> Quadratic:
    """A quadratic game with ``n`` parameters each side, rotational (``‖Axy‖`` > ``‖Axx‖``)."""
    return random_quadratic(seed, n, n)


@pytest.mark.parametrize("focal", [2.0, -3.0])
def test_filter_is_the_chebyshev_polynomial(focal):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((12, 12))
    u = rng.standard_normal(12)
    c, d = 0.3, 7
    ellipse = Ellipse(c, focal, 0.5, 1.0, 2)
    got = chebyshev_operator(lambda x: torch.as_tensor(A) @ x, ellipse, d)(torch.as_tensor(u))
    # T_d((A − cI)/e) u / γ^d by numpy's Chebyshev series on the eigendecomposition
    lam, X = np.linalg.eig(A)
    e = np.sqrt(complex(focal))
    t = np.polynomial.chebyshev.chebval((lam - c) / e, [0] * d + [1])
    expected = (X @ (t * np.linalg.solve(X, u))) / np.exp(0.5) ** d
    phase = 1.0 if focal > 0 else (-1j) ** d  # T_d(−iB) = (−i)^d S_d(B)
    np.testing.assert_allclose(got.numpy() * phase, expected, rtol=1e-10, atol=1e-10)


def test_growth_is_the_asymptotic_rate_of_t_d():
    values = np.array([2.5 + 1.0j, -3.0, 0.2 + 4.0j])
    for focal in (1.5, -2.0):
        w = (values - 0.1) / np.sqrt(complex(focal))
        t = np.abs(np.polynomial.chebyshev.chebval(w, [0] * 60 + [1]))
        np.testing.assert_allclose(np.log(2 * t) / 60, growth(values, 0.1, focal), rtol=1e-6)


def test_fitted_ellipse_separates_the_wanted():
    rng = np.random.default_rng(1)
    values = np.concatenate([[-0.5 + 0.2j, -0.5 - 0.2j, -0.3], rng.uniform(1, 5, 30)])
    e = fit_ellipse(values, 3, "SR")
    g = growth(values, e.center, e.focal)
    assert e.rate > 0 and e.wanted >= 3
    np.testing.assert_allclose(g[3:].max(), e.boundary, rtol=1e-12)
    assert g[:3].min() - e.boundary >= e.rate - 1e-12
    assert fit_ellipse(values[:4], 3, "SR") is None  # fewer than k + 2 values


@pytest.mark.parametrize("which", ["SR"])
def test_accelerated_top_k_equal_dense_on_a_rotational_quadratic_game(which):
    game = _rotational_game()
    dense = eigenvalues(game)
    assert np.abs(dense.imag).max() > np.ptp(dense.real)  # rotational: tall spectrum
    J = game.jacobian(game.default_point()).numpy()
    try:
        r = top_eigenvalues(game, 4, which, accelerate="chebyshev", ncv=16, tol=1e-10)
    except NoConvergence as err:
        # whether this solve converges depends on round-off (it stops with 2 of 4 under
        # OPENBLAS_CORETYPE=Haswell): what holds either way is an honest partial result, each
        # reported residual at least σ_min(J − λI), the distance to the spectrum it bounds
        assert err.residuals is not None and len(err.residuals) == len(err.values)
        for lam, res in zip(err.values, err.residuals, strict=True):
            sigma = np.linalg.svd(J - lam * np.eye(len(J)), compute_uv=False)[-1]
            assert sigma <= res * (1 + 1e-6) + 1e-12
        return
    assert r.acceleration is not None and r.acceleration.startswith("chebyshev degree")
    want = select(dense, 4, which)
    np.testing.assert_allclose(np.sort_complex(r.values), np.sort_complex(want), atol=1e-8)
    # residuals: reported ones are the true ones, checked again on the dense J
    assert np.all(r.residuals <= 1e-10 * np.abs(r.values) + 1e-13)
    for lam in r.values:
        assert np.linalg.svd(J - lam * np.eye(len(J)), compute_uv=False)[-1] <= 1e-9
    assert r.jacobian_products == r.matvecs > 0


@pytest.mark.parametrize("which", ["SR", "LR"])
def test_accelerated_top_k_equal_dense_on_a_tiny_gan(which):
    game = tiny_gan()
    dense = eigenvalues(game)
    r = top_eigenvalues(game, 4, which, accelerate="chebyshev", ncv=14)
    want = select(dense, 4, which)
    np.testing.assert_allclose(np.sort_complex(r.values), np.sort_complex(want), atol=1e-8)
    plain = top_eigenvalues(game, 4, which, ncv=14)
    np.testing.assert_allclose(np.sort_complex(r.values), np.sort_complex(plain.values), atol=1e-8)
    assert plain.acceleration is None and r.acceleration is not None


def test_accelerated_operator_spectrum_equals_dense():
    game, method = tiny_gan(), ExtraGradient(0.1)
    dense = np.linalg.eigvals(np.asarray(operator_jacobian(method, game)))
    r = top_eigenvalues(game, 4, "LM", method=method, accelerate="chebyshev", ncv=14)
    assert r.route.startswith("operator")
    np.testing.assert_allclose(np.abs(r.values), np.abs(select(dense, 4, "LM")), atol=1e-8)
    assert max(np.abs(dense - v).min() for v in r.values) <= 1e-8


def test_matrix_eigenpairs_and_true_residuals():
    rng = np.random.default_rng(2)
    n = 300
    lam = np.concatenate([[-0.2, -0.1, 0.0], np.linspace(0.5, 20.0, n - 3)])
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = torch.as_tensor(Q @ np.diag(lam) @ Q.T + 0.01 * np.triu(rng.standard_normal((n, n)), 1))
    r = chebyshev_eigenpairs(lambda u: A @ u, n, 3, "SR", tol=1e-10)
    assert r.converged
    dense = np.linalg.eigvals(A.numpy())
    np.testing.assert_allclose(
        np.sort(r.values.real), np.sort(select(dense, 3, "SR").real), atol=1e-8
    )
    for value, x, res in zip(r.values, r.vectors, r.residuals, strict=True):
        true = torch.linalg.vector_norm(A.to(x.dtype) @ x - value * x) / torch.linalg.vector_norm(x)
        assert float(true) == pytest.approx(res, rel=1e-6, abs=1e-14)


def test_bad_accelerations_are_refused():
    game = random_quadratic(0, 4, 4)
    with pytest.raises(ValueError, match="accelerate"):
        top_eigenvalues(game, 2, "SR", accelerate="bogus")
    with pytest.raises(ValueError, match="krylov-schur"):
        top_eigenvalues(game, 2, "SR", accelerate="chebyshev", solver="arpack")
    with pytest.raises(ValueError, match="degree"):
        chebyshev_operator(lambda u: u, Ellipse(0.0, 1.0, 0.0, 1.0, 1), 0)


def test_a_failed_filter_falls_back_to_plain_krylov_schur(monkeypatch):
    from gamedyn.spectrum import filters

    game = random_quadratic(1, 10, 10)
    failed = filters.chebyshev_eigenpairs(
        lambda u: game.jacobian(game.default_point()) @ u, 20, 3, "SR", max_restarts=0, degree=1
    )
    assert not failed.converged  # a degree-1 filter and no restarts: it fails
    monkeypatch.setattr(filters, "chebyshev_eigenpairs", lambda *a, **kw: failed)
    r = top_eigenvalues(game, 3, "SR", accelerate="chebyshev", ncv=18)
    assert "fell back to plain Krylov–Schur" in r.acceleration
    want = select(eigenvalues(game), 3, "SR")
    np.testing.assert_allclose(np.sort_complex(r.values), np.sort_complex(want), atol=1e-8)
    assert r.matvecs > failed.matvecs
