"""Mixed precision: float32 products to about 1e-6, then float64 from those vectors — the
eigenvalues and true residuals of a float64 solve (gamedyn.spectrum._mixed_precision)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import spectrum_distance, tiny_gan

from gamedyn.methods import GDA, ExtraGradient
from gamedyn.spectrum import JacobianOperator, eigenvalues, top_eigenvalues
from gamedyn.spectrum._mixed_precision import mixed_precision_eigs
from gamedyn.spectrum.eigensolvers import solve_top


@pytest.fixture(scope="module")
def game():
    return tiny_gan(generator_width=12, discriminator_width=14, batch_size=16)


def test_game_free_refinement_reaches_float64_accuracy():
    rng = np.random.default_rng(3)
    n = 120
    a = torch.as_tensor(rng.standard_normal((n, n)) / np.sqrt(n) + np.diag(np.linspace(0, 3, n)))
    low = lambda u: (a.float() @ u.float()).double()  # noqa: E731
    r = mixed_precision_eigs(low, lambda u: a @ u, n, 4, tol=1e-12, return_vectors=True)
    dense = np.linalg.eigvals(a.numpy())
    assert r.converged and r.low_matvecs > 0 and r.high_matvecs > 0
    assert spectrum_distance(r.values, dense) < 1e-11 * np.abs(dense).max()
    for value, x in zip(r.values, r.vectors, strict=True):
        x = x.numpy()
        residual = np.linalg.norm(a.numpy() @ x - value * x) / np.linalg.norm(x)
        assert residual <= 1e-12 * abs(value) * 1.01


@pytest.mark.parametrize("which", ["LM", "SR"])
def test_mixed_equals_the_float64_solve(game, which):
    plain = top_eigenvalues(game, k=4, which=which, tol=1e-10)
    mixed = top_eigenvalues(game, k=4, which=which, tol=1e-10, precision="mixed")
    scale = np.abs(plain.values).max()
    np.testing.assert_allclose(mixed.values, plain.values, rtol=0, atol=1e-9 * scale)
    assert np.all(mixed.residuals <= 1e-10 * np.abs(mixed.values) * 1.01)
    assert np.all(plain.residuals <= 1e-10 * np.abs(plain.values) * 1.01)
    dense = eigenvalues(game)
    assert spectrum_distance(mixed.values, dense) < 1e-9 * scale
    assert mixed.precision.startswith("mixed: ") and "float32" in mixed.precision
    assert plain.precision == "float64"


def test_true_residuals_of_mixed_are_float64_residuals(game):
    mixed = top_eigenvalues(game, k=3, tol=1e-11, precision="mixed")
    a = JacobianOperator(game)
    dense = np.stack([a.matvec(e) for e in np.eye(game.n)], axis=1)
    for value, residual in zip(mixed.values, mixed.residuals, strict=True):
        w, v = np.linalg.eig(dense)
        i = np.argmin(np.abs(w - value))
        assert abs(w[i] - value) <= 1e-9 * abs(value)
        assert residual <= 1e-11 * abs(value) * 1.01


def test_float32_precision_runs_float32_products(game):
    r = top_eigenvalues(game, k=3, tol=1e-5, precision="float32")
    plain = top_eigenvalues(game, k=3, tol=1e-10)
    assert r.precision == "float32"
    np.testing.assert_allclose(r.values, plain.values, rtol=1e-4)


def test_operator_spectrum_in_mixed_precision(game):
    method = ExtraGradient(0.05)
    plain = top_eigenvalues(game, k=3, method=method, route="operator", tol=1e-10)
    mixed = top_eigenvalues(game, k=3, method=method, tol=1e-10, precision="mixed")
    np.testing.assert_allclose(mixed.values, plain.values, rtol=0, atol=1e-9)
    assert mixed.route.startswith("operator")


def test_with_dtype_is_the_same_game(game):
    twin = game.with_dtype(torch.float32)
    assert twin.dtype == torch.float32 and game.dtype == torch.float64
    assert twin.z0.dtype == torch.float32 and game.z0.dtype == torch.float64
    field = twin.field(twin.z0).double()
    np.testing.assert_allclose(field.numpy(), game.field(game.z0).numpy(), atol=1e-5)
    assert game.with_dtype(torch.float64) is game


def test_bad_precision_is_refused(game):
    with pytest.raises(ValueError, match="precision"):
        top_eigenvalues(game, k=2, precision="half")
    with pytest.raises(ValueError, match="krylov-schur"):
        top_eigenvalues(game, k=2, precision="mixed", solver="arpack")
    with pytest.raises(ValueError, match="accelerate"):
        top_eigenvalues(game, k=2, precision="mixed", accelerate="chebyshev")
    with pytest.raises(ValueError, match="operator route"):
        top_eigenvalues(game, k=2, method=GDA(0.1), precision="mixed", route="jacobian")


def test_solve_top_mixed_on_a_built_operator(game):
    op = JacobianOperator(game)
    r = solve_top(op, 3, precision="mixed")
    assert r.matvecs > 0 and op.count >= r.matvecs


def test_default_precision_is_mixed_only_where_it_pays(game, monkeypatch):
    from gamedyn.spectrum import eigensolvers

    assert top_eigenvalues(game, k=2).precision == "float64"  # small: float64 throughout
    monkeypatch.setattr(eigensolvers, "MIXED_MIN_SIZE", 10)
    r = top_eigenvalues(game, k=2)
    assert r.precision.startswith("mixed")
    assert top_eigenvalues(game, k=2, which="SR").precision == "float64"
    assert top_eigenvalues(game, k=2, precision="float64").precision == "float64"


def test_low_phase_that_does_not_converge_still_refines():
    n = 60
    a = torch.diag(torch.linspace(1e-9, 1.0, n, dtype=torch.float64))
    low = lambda u: (a.float() @ u.float()).double()  # noqa: E731
    r = mixed_precision_eigs(
        low, lambda u: a @ u, n, 2, which="SR", tol=1e-10, low_tol=1e-9, low_restarts=1
    )
    assert r.converged and not r.low_converged
