"""Matrix-free spectra (torch.func products + ARPACK) against the dense ``jacfwd`` Jacobians."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gamedyn.games.torch_game import TorchGame
from gamedyn.methods import (
    CGD,
    GDA,
    AltGDA,
    Consensus,
    ExtraGradient,
    Lookahead,
    Momentum,
    OptimisticGDA,
)
from gamedyn.spectrum import eigenvalues, game_jacobian, operator_jacobian
from gamedyn.spectrum.matrix_free import (
    MatrixFreeOps,
    NoConvergence,
    antisymmetric_part_eigenvalues,
    gmres,
    jacobian_operator,
    symmetric_part_eigenvalues,
    top_eigenvalues,
)

METHODS = {
    "GDA": GDA(0.5),
    "AltGDA": AltGDA(0.5),
    "Momentum-neg": Momentum(0.5, -0.3),
    "Momentum-pos-alt": Momentum(0.5, 0.4, alternating=True),
    "ExtraGradient": ExtraGradient(0.5),
    "OptimisticGDA": OptimisticGDA(0.5),
    "Lookahead-GDA": Lookahead(GDA(0.5), 3, 0.5),
    "Consensus": Consensus(0.5, 0.3),
}


def small_gan(width: int = 6, dim: int = 2, dtype: torch.dtype = torch.float64) -> TorchGame:
    """An MLP GAN (47 parameters by default) at a random (non-equilibrium) point."""
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(dim, 4), nn.Tanh(), nn.Linear(4, dim))
    D = nn.Sequential(nn.Linear(dim, width), nn.Tanh(), nn.Linear(width, 1))
    g = torch.Generator().manual_seed(1)
    real, latent = torch.randn(8, dim, generator=g), torch.randn(8, dim, generator=g)
    return TorchGame(G, D, "non-saturating", real, latent, dtype=dtype)


@pytest.fixture(scope="module")
def game() -> TorchGame:
    return small_gan()


def _check_top(dense: np.ndarray, got: np.ndarray, which: str, k: int) -> None:
    """``got`` are ``k`` eigenvalues of the dense spectrum, the top ones by ``which``."""
    key = {"LM": np.abs, "LR": np.real, "SR": lambda w: -w.real, "LI": lambda w: np.abs(w.imag)}[
        which
    ]
    assert got.shape == (k,)
    expected = np.sort(key(dense))[::-1][:k]
    np.testing.assert_allclose(np.sort(key(got))[::-1], expected, atol=1e-8)
    scale = np.abs(dense).max()
    assert max(np.abs(dense - w).min() for w in got) < 1e-8 * max(scale, 1.0)


@pytest.mark.parametrize("solver", ["krylov-schur", "arpack"])
@pytest.mark.parametrize("which", ["LM", "LR", "SR", "LI"])
def test_game_top_eigenvalues_match_dense(game, which, solver):
    dense = eigenvalues(game, game.z0)
    k = 4 if which == "LI" else 6  # here |Im| has two well-separated pairs, then a cluster near 0
    result = top_eigenvalues(game, k=k, which=which, solver=solver)
    _check_top(dense, result.values, which, k)
    assert np.all(result.residuals < 1e-9) and result.matvecs > 0 and result.seconds > 0
    assert result.solver == solver


def test_krylov_schur_residuals_are_true_residuals(game):
    """The reported residuals are recomputed with fresh products: a loose tol shows them."""
    result = top_eigenvalues(game, k=4, which="LM", tol=1e-3, ncv=10)
    dense = eigenvalues(game, game.z0)
    errors = np.array([np.abs(dense - w).min() for w in result.values])
    # a residual bounds the distance to the spectrum only up to conditioning, but both are
    # small together and neither is zero at this tolerance
    assert np.all(result.residuals <= 1e-3 * np.abs(result.values) * 1.01)
    assert np.all(errors < 1e-2)


def test_unknown_solver_is_refused(game):
    with pytest.raises(ValueError, match="solver"):
        top_eigenvalues(game, solver="lanczos")
    with pytest.raises(ValueError, match="maxiter"):
        top_eigenvalues(game, maxiter=-1)


@pytest.mark.parametrize("name", list(METHODS))
def test_operator_top_eigenvalues_match_dense(game, name):
    method = METHODS[name]
    dense = eigenvalues(game, game.z0, method)
    for which in ("LM", "LR") if name == "GDA" else ("LM",):
        result = top_eigenvalues(game, k=6, which=which, method=method)
        _check_top(dense, result.values, which, 6)
        assert np.all(result.residuals < 1e-9)


def test_cgd_top_eigenvalues_match_dense():
    """CGD's inner solve is GMRES with a fixed number of steps, differentiated by torch.func.

    Each product differentiates 2 × maxiter nested jvps (about 0.3 s on a CPU whatever the
    size: torch.func overhead), so this runs on a 1-D GAN of 21 parameters.
    """
    game = small_gan(width=3, dim=1)
    method = CGD(0.1)
    dense = eigenvalues(game, game.z0, method)
    ops = MatrixFreeOps(game, maxiter=6)
    result = top_eigenvalues(game, k=2, which="LM", method=method, ops=ops, ncv=10)
    _check_top(dense, result.values, "LM", 2)


def test_cgd_operator_products_match_dense_jacobian():
    game = small_gan(width=3, dim=1)
    A = operator_jacobian(CGD(0.1), game, game.z0)
    op = jacobian_operator(game, method=CGD(0.1), ops=MatrixFreeOps(game, maxiter=8))
    u = np.random.default_rng(0).standard_normal((game.n, 2))
    np.testing.assert_allclose(op.matmat(u), A @ u, atol=1e-11)
    np.testing.assert_allclose(op.rmatvec(u[:, 0]), A.T @ u[:, 0], atol=1e-11)


def test_unconverged_inner_solve_is_reported():
    game = small_gan(width=3)
    with pytest.raises(ValueError, match="relative residual .* maxiter = 1"):
        top_eigenvalues(game, k=2, method=CGD(0.1), ops=MatrixFreeOps(game, maxiter=1))


@pytest.mark.parametrize("mode", ["forward", "reverse", "linearize"])
@pytest.mark.parametrize("method", [None, METHODS["Momentum-neg"], METHODS["Consensus"]])
def test_products_are_adjoint_and_match_dense(game, method, mode):
    op = jacobian_operator(game, method=method, mode=mode)
    dense = (
        game_jacobian(game, game.z0) if method is None else operator_jacobian(method, game, game.z0)
    )
    rng = np.random.default_rng(1)
    for _ in range(3):
        u, v = rng.standard_normal((2, op.shape[0]))
        left, right = u @ op.matvec(v), op.rmatvec(u) @ v
        assert abs(left - right) <= 1e-12 * max(abs(left), 1e-300) + 1e-15
    w = rng.standard_normal((op.shape[0], 3))
    np.testing.assert_allclose(op.matmat(w), dense @ w, atol=1e-12)
    np.testing.assert_allclose(op.rmatvec(w[:, 0]), dense.T @ w[:, 0], atol=1e-12)


@pytest.mark.parametrize("solver", ["krylov-schur", "arpack"])
def test_no_convergence_raises_with_partial_result(game, solver):
    with pytest.raises(NoConvergence) as err:
        top_eigenvalues(game, k=6, which="LM", maxiter=1, ncv=14, solver=solver)
    assert isinstance(err.value, ValueError)
    assert "did not converge" in str(err.value)
    assert isinstance(err.value.values, np.ndarray) and err.value.matvecs > 0
    if solver == "arpack":  # only the converged values
        assert len(err.value.values) < 6 and err.value.residuals is None
    else:  # all k Ritz values with their residual estimates
        assert len(err.value.values) == 6 and len(err.value.residuals) == 6
    assert err.value.matvecs > 0


def test_symmetric_and_antisymmetric_parts(game):
    J = game_jacobian(game, game.z0)
    sym = np.linalg.eigvalsh((J + J.T) / 2)
    np.testing.assert_allclose(symmetric_part_eigenvalues(game, k=3), sym[::-1][:3], atol=1e-8)
    np.testing.assert_allclose(
        symmetric_part_eigenvalues(game, k=3, which="SA"), np.sort(sym[:3])[::-1], atol=1e-8
    )
    rot = np.linalg.eigvalsh(1j * (J - J.T) / 2)
    got = antisymmetric_part_eigenvalues(game, k=4)
    np.testing.assert_allclose(got, rot[::-1][:4], atol=1e-8)
    # the antisymmetric part's eigenvalues are ±iμ: the μ come in ± pairs
    np.testing.assert_allclose(np.sort(rot), -np.sort(rot)[::-1], atol=1e-10)


def test_gmres_is_differentiable_and_accurate():
    torch.manual_seed(0)
    M = torch.eye(12, dtype=torch.float64) + 0.2 * torch.randn(12, 12, dtype=torch.float64)
    b = torch.randn(12, dtype=torch.float64)

    def solve(scale):
        return gmres(lambda u: (scale * M) @ u, b, 12)

    s = torch.tensor(1.3, dtype=torch.float64)
    torch.testing.assert_close(solve(s), torch.linalg.solve(s * M, b), rtol=1e-11, atol=1e-12)
    tangent = torch.func.jvp(solve, (s,), (torch.ones_like(s),))[1]
    torch.testing.assert_close(tangent, -torch.linalg.solve(s * M, b) / s, rtol=1e-9, atol=1e-10)


def test_bad_arguments():
    game = small_gan(width=3)
    with pytest.raises(ValueError, match="which"):
        top_eigenvalues(game, which="XX")
    with pytest.raises(ValueError, match="k = 100 is too large"):
        top_eigenvalues(game, k=100)
    with pytest.raises(TypeError, match="method must be a gamedyn Method"):
        jacobian_operator(game, method="gda")


def test_forward_mode_top_eigenvalues_match_dense(game):
    dense = eigenvalues(game, game.z0)
    result = top_eigenvalues(game, k=6, which="LM", mode="forward")
    _check_top(dense, result.values, "LM", 6)
    assert np.all(result.residuals < 1e-9)


def test_float32_products_with_float64_basis():
    """The fast mode: float32 products, float64 Krylov basis, eigenvalues to ~1e-4 relative."""
    game64 = small_gan()
    dense = eigenvalues(game64, game64.z0)
    game32 = small_gan(dtype=torch.float32)
    result = top_eigenvalues(game32, k=4, which="LM", tol=1e-5)
    scale = np.abs(dense).max()
    assert max(np.abs(dense - w).min() for w in result.values) < 1e-4 * scale


def test_unknown_mode_is_refused(game):
    with pytest.raises(ValueError, match="mode"):
        jacobian_operator(game, mode="sideways")


def test_dense_functions_default_to_the_games_point(game):
    np.testing.assert_array_equal(game_jacobian(game), game_jacobian(game, game.z0))
    np.testing.assert_array_equal(eigenvalues(game), eigenvalues(game, game.z0))


def test_dense_jacobian_refuses_a_dcgan_with_the_size_it_needs():
    from gamedyn.examples import dcgan

    big = TorchGame(
        dcgan.generator(), dcgan.discriminator(), "non-saturating", dcgan.sample(2), dcgan.latent(2)
    )
    with pytest.raises(MemoryError, match=r"1731905 x 1731905 float64 game Jacobian needs 2.+ GiB"):
        game_jacobian(big)
