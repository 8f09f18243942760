"""Mixed precision: float32 products to about 1e-6, then the deflated refinement (float32
products of ``Ã = AQQᵀ + A₃₂(I − QQᵀ)`` and about ``2k`` float64 ones), or the float64 fallback —
the eigenvalues and true residuals of a float64 solve (gamedyn.linalg.mixed_precision_eigs, wired
as ``KrylovSchur(precision="mixed")``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import spectrum_distance, tiny_gan

from gamedyn.games import Bilinear
from gamedyn.linalg import mixed_precision_eigs
from gamedyn.linalg._mixed_precision import OUTER_STEPS
from gamedyn.methods import GDA, ExtraGradient
from gamedyn.spectrum import (
    Arpack,
    JacobianOperator,
    KrylovSchur,
    eigenvalues,
    solve_top,
    top_eigenvalues,
)

MIXED = KrylovSchur(tol=1e-10, precision="mixed")


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


def gapped(n: int, perturbation: float = 0.0, seed: int = 5):
    """A non-normal matrix with the well separated top values 10, 9, 8, 7 (and a bulk in
    ``[0, 3]``), and a copy perturbed by a random matrix of norm about ``perturbation``: the
    "cheap product" of a test that controls ``η ‖A‖``."""
    rng = np.random.default_rng(seed)
    diagonal = np.concatenate([[10.0, 9.0, 8.0, 7.0], np.linspace(0.0, 3.0, n - 4)])
    a = np.diag(diagonal) + np.triu(rng.standard_normal((n, n)), 1) * 0.3 / np.sqrt(n)
    noise = rng.standard_normal((n, n)) * perturbation / (2 * np.sqrt(n))
    return torch.as_tensor(a), torch.as_tensor(a + noise)


def dense_residuals(a: torch.Tensor, values: np.ndarray, vectors: torch.Tensor) -> np.ndarray:
    x = vectors.numpy().T
    gap = a.numpy() @ x - x * values
    return np.linalg.norm(gap, axis=0) / np.linalg.norm(x, axis=0)


def test_the_refinement_costs_two_float64_products_per_value():
    # tol 1e-10: the float32 phase stops at about 1e-6, and one refinement leaves the float32
    # error η ‖A‖ sin∠ ≈ 1e-12 in the true residuals (tol 1e-12 takes a second refinement)
    a, _ = gapped(150)
    low = lambda u: (a.float() @ u.float()).double()  # noqa: E731
    r = mixed_precision_eigs(low, lambda u: a @ u, 150, 4, tol=1e-10, return_vectors=True)
    dense = np.linalg.eigvals(a.numpy())
    assert r.converged and not r.fallback and r.low_converged
    assert r.high_matvecs == 2 * 4  # A Q, then the true residuals: four real values
    np.testing.assert_allclose(np.sort(r.values.real), [7.0, 8.0, 9.0, 10.0], rtol=0, atol=1e-11)
    assert spectrum_distance(r.values, dense) < 1e-11
    # the residuals returned are the true ones, as a dense product gives them
    np.testing.assert_allclose(r.residuals, dense_residuals(a, r.values, r.vectors), atol=1e-14)
    assert np.all(r.residuals <= 1e-10 * np.abs(r.values))


def test_each_phase_stops_at_the_product_it_converges():
    # convergence tested after every new basis vector (the Arnoldi relation, no product): fewer
    # products than phases that test only a full basis, the same float64 answer, whose residuals
    # are still the true ones (a dense product's) and within tol
    a, _ = gapped(150)
    low = lambda u: (a.float() @ u.float()).double()  # noqa: E731
    early = mixed_precision_eigs(low, lambda u: a @ u, 150, 4, tol=1e-10, return_vectors=True)
    full = mixed_precision_eigs(
        low, lambda u: a @ u, 150, 4, tol=1e-10, return_vectors=True, ncv=20, check_every=None
    )
    assert early.converged and full.converged and not early.fallback
    assert early.low_matvecs < full.low_matvecs and early.high_matvecs == full.high_matvecs
    dense = np.linalg.eigvals(a.numpy())
    assert spectrum_distance(early.values, dense) < 1e-11
    assert spectrum_distance(early.values, full.values) < 1e-11
    true = dense_residuals(a, early.values, early.vectors)
    np.testing.assert_allclose(early.residuals, true, atol=1e-14)
    assert np.all(true <= 1e-10 * np.abs(early.values))


def test_a_second_refinement_runs_where_the_first_check_fails():
    # the cheap product is another matrix, 1e-3 away: Q is 1e-3 off, one refinement leaves a
    # residual of about (1e-3)² (6e-9 measured, far above 1e-10), the second about (1e-3)³
    a, cheap = gapped(150, perturbation=1e-3)
    r = mixed_precision_eigs(
        lambda u: cheap @ u, lambda u: a @ u, 150, 4, tol=1e-10, return_vectors=True
    )
    assert r.converged and not r.fallback
    assert 2 * 4 < r.high_matvecs <= 3 * 4  # A Q, a failed check, a passed check
    np.testing.assert_allclose(np.sort(r.values.real), [7.0, 8.0, 9.0, 10.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(r.residuals, dense_residuals(a, r.values, r.vectors), atol=1e-13)
    assert np.all(r.residuals <= 1e-10 * np.abs(r.values))


@pytest.mark.parametrize("perturbation", [0.5, 4.0])
def test_the_float64_fallback_runs_where_the_deflated_operator_cannot_help(perturbation):
    # a cheap product as far from A as the gaps: Ã contracts by about 0.04 per refinement (0.5:
    # the refinements run out with residuals far above 1e-11, the fallback finishes), or by
    # about 0.4 (4.0: no contraction, the fallback runs after the first)
    a, cheap = gapped(150, perturbation=perturbation)
    r = mixed_precision_eigs(
        lambda u: cheap @ u, lambda u: a @ u, 150, 4, tol=1e-11, return_vectors=True
    )
    assert r.converged and r.fallback
    checks = 1 if perturbation > 1 else OUTER_STEPS  # A Q and each refinement's check: 4 each
    assert r.high_matvecs > 4 * (1 + checks)
    np.testing.assert_allclose(np.sort(r.values.real), [7.0, 8.0, 9.0, 10.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(r.residuals, dense_residuals(a, r.values, r.vectors), atol=1e-13)
    assert np.all(r.residuals <= 1e-11 * np.abs(r.values))


@pytest.mark.parametrize("which", ["LM", "SR"])
def test_mixed_equals_the_float64_solve(game, which):
    plain = top_eigenvalues(game, k=4, which=which, solver=KrylovSchur(tol=1e-10))
    mixed = top_eigenvalues(game, k=4, which=which, solver=MIXED)
    scale = np.abs(plain.values).max()
    np.testing.assert_allclose(mixed.values, plain.values, rtol=0, atol=1e-9 * scale)
    assert np.all(mixed.residuals <= 1e-10 * np.abs(mixed.values) * 1.01)
    assert np.all(plain.residuals <= 1e-10 * np.abs(plain.values) * 1.01)
    assert spectrum_distance(mixed.values, eigenvalues(game)) < 1e-9 * scale
    assert mixed.precision.startswith("mixed: ") and "float32" in mixed.precision
    assert plain.precision == "float64"
    if which == "LM":  # the largest moduli: the deflated refinement, no float64 fallback
        assert "fallback" not in mixed.precision


def test_true_residuals_of_mixed_are_float64_residuals(game):
    mixed = top_eigenvalues(game, k=3, solver=KrylovSchur(tol=1e-11, precision="mixed"))
    a = JacobianOperator(game)
    dense = np.stack([a.matvec(e) for e in np.eye(game.n)], axis=1)
    w = np.linalg.eigvals(dense)
    for value, residual in zip(mixed.values, mixed.residuals, strict=True):
        assert np.min(np.abs(w - value)) <= 1e-9 * abs(value)
        assert residual <= 1e-11 * abs(value) * 1.01


def test_mixed_on_a_float32_game_refines_in_float64(game):
    game32 = game.with_dtype(torch.float32)
    mixed = top_eigenvalues(game32, k=3, solver=MIXED)
    plain = top_eigenvalues(game, k=3, solver=KrylovSchur(tol=1e-10))
    np.testing.assert_allclose(mixed.values, plain.values, rtol=0, atol=1e-9)


def test_operator_spectrum_in_mixed_precision(game):
    method = ExtraGradient(0.05)
    plain = top_eigenvalues(game, k=3, method=method, solver=KrylovSchur(route="operator"))
    mixed = top_eigenvalues(game, k=3, method=method, solver=MIXED)
    np.testing.assert_allclose(mixed.values, plain.values, rtol=0, atol=1e-9)
    assert mixed.route.startswith("operator")


def test_with_dtype_is_the_same_game(game):
    twin = game.with_dtype(torch.float32)
    assert twin.dtype == torch.float32 and game.dtype == torch.float64
    assert twin.z0.dtype == torch.float32 and game.z0.dtype == torch.float64
    field = twin.field(twin.z0).double()
    np.testing.assert_allclose(field.numpy(), game.field(game.z0).numpy(), atol=1e-5)
    assert game.with_dtype(torch.float64) is game


def test_mixed_is_refused_where_it_cannot_run(game):
    with pytest.raises(ValueError, match="precision"):
        KrylovSchur(precision="half")
    with pytest.raises(ValueError, match="KrylovSchur"):
        top_eigenvalues(game, k=2, solver=Arpack(precision="mixed"))
    with pytest.raises(ValueError, match="operator route"):
        top_eigenvalues(game, k=2, method=GDA(0.1), solver=MIXED.replace(route="jacobian"))
    with pytest.raises(ValueError, match="TorchGame"):
        top_eigenvalues(Bilinear(np.diag([3.0, 2.0, 1.0, 0.5])), k=2, solver=MIXED)


def test_solve_top_mixed_on_a_built_operator(game):
    op = JacobianOperator(game)
    r = solve_top(op, 3, solver=MIXED)
    assert r.matvecs > 0 and op.count >= r.matvecs


def test_default_precision_is_mixed_only_where_it_pays(game, monkeypatch):
    from gamedyn.spectrum import _eigensolvers

    assert top_eigenvalues(game, k=2).precision == "float64"  # small: float64 throughout
    monkeypatch.setattr(_eigensolvers, "MIXED_MIN_SIZE", 10)
    assert top_eigenvalues(game, k=2).precision.startswith("mixed")
    assert top_eigenvalues(game, k=2, which="SR").precision == "float64"
    explicit = KrylovSchur(precision="float64")
    assert top_eigenvalues(game, k=2, solver=explicit).precision == "float64"


def test_low_phase_that_does_not_converge_still_refines():
    n = 60
    a = torch.diag(torch.linspace(1e-9, 1.0, n, dtype=torch.float64))
    low = lambda u: (a.float() @ u.float()).double()  # noqa: E731
    r = mixed_precision_eigs(
        low, lambda u: a @ u, n, 2, which="SR", tol=1e-10, low_tol=1e-9, low_restarts=1
    )
    assert r.converged and not r.low_converged and r.fallback
