"""Top eigenvalues, matrix-free (Krylov–Schur and ARPACK on torch.func products), against the
dense ``jacfwd`` Jacobians (gamedyn.spectrum)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import spectrum_distance, tiny_gan

from gamedyn.methods import (
    CGD,
    GDA,
    Adam,
    AltGDA,
    Consensus,
    ExtraGradient,
    Lookahead,
    Momentum,
    OptimisticGDA,
)
from gamedyn.spectrum import (
    Arpack,
    JacobianOperator,
    KrylovSchur,
    NoConvergence,
    eigenvalues,
    solve_top,
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


@pytest.fixture(scope="module")
def game():
    """An MLP GAN (47 parameters) at a random (non-equilibrium) point."""
    return tiny_gan()


def _check_top(dense: np.ndarray, got: np.ndarray, which: str, k: int) -> None:
    """``got`` are ``k`` eigenvalues of the dense spectrum, the top ones by ``which``."""
    key = {"LM": np.abs, "LR": np.real, "SR": lambda w: -w.real, "LI": lambda w: np.abs(w.imag)}[
        which
    ]
    assert got.shape == (k,)
    expected = np.sort(key(dense))[::-1][:k]
    np.testing.assert_allclose(np.sort(key(got))[::-1], expected, atol=1e-8)
    scale = np.abs(dense).max()
    assert spectrum_distance(got, dense) < 1e-8 * max(scale, 1.0)


@pytest.mark.parametrize("solver", [KrylovSchur(), Arpack()], ids=["krylov-schur", "arpack"])
@pytest.mark.parametrize("which", ["LM", "LR", "SR", "LI"])
def test_game_top_eigenvalues_match_dense(game, which, solver):
    dense = eigenvalues(game, z=game.z0)
    k = 4 if which == "LI" else 6  # here |Im| has two well-separated pairs, then a cluster near 0
    result = top_eigenvalues(game, k=k, which=which, solver=solver)
    _check_top(dense, result.values, which, k)
    assert np.all(result.residuals < 1e-9) and result.matvecs > 0 and result.seconds > 0
    assert result.solver == solver.name


def test_krylov_schur_residuals_are_true_residuals(game):
    """The reported residuals are recomputed with fresh products: a loose tol shows them."""
    result = top_eigenvalues(game, k=4, which="LM", solver=KrylovSchur(tol=1e-3, ncv=10))
    dense = eigenvalues(game, z=game.z0)
    errors = np.array([np.abs(dense - w).min() for w in result.values])
    # a residual bounds the distance to the spectrum only up to conditioning, but both are
    # small together and neither is zero at this tolerance
    assert np.all(result.residuals <= 1e-3 * np.abs(result.values) * 1.01)
    assert np.all(errors < 1e-2)


def test_unknown_solver_is_refused(game):
    with pytest.raises(TypeError, match="solver must be a gamedyn.spectrum.KrylovSchur or Arpack"):
        top_eigenvalues(game, solver="lanczos")
    with pytest.raises(ValueError, match="max_restarts"):
        top_eigenvalues(game, solver=KrylovSchur(max_restarts=-1))


@pytest.mark.parametrize("name", list(METHODS))
def test_operator_top_eigenvalues_match_dense(game, name):
    method = METHODS[name]
    dense = eigenvalues(game, method=method, z=game.z0)
    for which in ("LM", "LR") if name == "GDA" else ("LM",):
        result = top_eigenvalues(game, k=6, which=which, method=method)
        _check_top(dense, result.values, which, 6)
        assert np.all(result.residuals < 1e-9)


def _frozen_adam(game):
    rng = np.random.default_rng(0)
    v = (rng.uniform(0.05, 2.0, game.nx), rng.uniform(0.05, 2.0, game.ny))
    second_moment = tuple(torch.as_tensor(x) for x in v)
    return Adam(0.05, betas=(0.5, 0.999), second_moment=second_moment, frozen_step=300)


@pytest.mark.parametrize(
    "name, route",
    [("GDA", "auto"), ("Adam", "auto")]
    + [pytest.param(*case, marks=pytest.mark.slow)
       for case in (("AltGDA", "auto"), ("ExtraGradient", "auto"), ("Adam", "jacobian"))],
)  # fmt: skip
def test_operator_default_long_basis_matches_dense(name, route):
    """An operator's default solve (a long basis, convergence tested every 10 vectors: it stops
    inside the first cycle) on a 179-parameter GAN: dense eigenvalues to 1e-8, true residuals,
    and no more products than the former default basis of 40 vectors."""
    game = tiny_gan(generator_width=16, discriminator_width=24)
    method = _frozen_adam(game) if name == "Adam" else METHODS[name].replace(lr=0.3)
    dense = eigenvalues(game, method=method, z=game.z0)
    solver = KrylovSchur(tol=1e-10, route=route)
    result = top_eigenvalues(game, k=6, method=method, solver=solver)
    _check_top(dense, result.values, "LM", 6)
    assert np.all(result.residuals <= 1e-10 * np.abs(result.values) * 1.01)
    assert result.route.startswith("jacobian" if name == "GDA" or route == "jacobian" else "op")
    former = top_eigenvalues(game, k=6, method=method, solver=solver.replace(ncv=40))
    assert result.jacobian_products <= former.jacobian_products
    np.testing.assert_allclose(np.abs(result.values), np.abs(former.values), rtol=0, atol=1e-8)


def test_jacobian_default_basis_stops_where_the_values_converge():
    """The game Jacobian's default solve (``max(2k + 1, 40)`` vectors, tested after every one)
    on a 179-parameter GAN: dense eigenvalues, true residuals within ``tol``, and fewer products
    than ARPACK's basis of 20 tested when full (the former default), same values."""
    game = tiny_gan(generator_width=16, discriminator_width=24)
    dense = eigenvalues(game, z=game.z0)
    solver = KrylovSchur(tol=1e-10)
    result = top_eigenvalues(game, k=6, solver=solver)
    _check_top(dense, result.values, "LM", 6)
    assert np.all(result.residuals <= 1e-10 * np.abs(result.values) * 1.01)
    former = top_eigenvalues(game, k=6, solver=solver.replace(ncv=20))
    assert result.matvecs < former.matvecs
    np.testing.assert_allclose(np.abs(result.values), np.abs(former.values), rtol=0, atol=1e-8)


@pytest.mark.slow
def test_cgd_top_eigenvalues_match_dense():
    """CGD's inner solve is GMRES with a fixed number of steps, differentiated by torch.func.

    Each product differentiates 2 × solve_iterations nested jvps (about 0.3 s on a CPU whatever
    the size: torch.func overhead), so this runs on a 1-D GAN of 21 parameters.
    """
    game = tiny_gan(discriminator_width=3, dim=1)
    method = CGD(0.1)
    dense = eigenvalues(game, method=method, z=game.z0)
    solver = KrylovSchur(ncv=10, solve_iterations=6)
    result = top_eigenvalues(game, k=2, which="LM", method=method, solver=solver)
    _check_top(dense, result.values, "LM", 2)


@pytest.mark.parametrize("solver", [KrylovSchur(), Arpack()], ids=["krylov-schur", "arpack"])
def test_no_convergence_raises_with_partial_result(game, solver):
    with pytest.raises(NoConvergence) as err:
        top_eigenvalues(game, k=6, which="LM", solver=solver.replace(ncv=14, max_restarts=1))
    assert isinstance(err.value, ValueError)
    assert "did not converge" in str(err.value)
    assert isinstance(err.value.values, np.ndarray) and err.value.matvecs > 0
    if isinstance(solver, Arpack):  # only the converged values, with their true residuals
        assert len(err.value.values) < 6
        assert err.value.residuals.shape == err.value.values.shape
        assert np.all(err.value.residuals >= 0)
    else:  # all k Ritz values with their residual estimates
        assert len(err.value.values) == 6 and len(err.value.residuals) == 6
    assert err.value.matvecs > 0


def test_bad_arguments():
    game = tiny_gan(discriminator_width=3)
    with pytest.raises(ValueError, match="which"):
        top_eigenvalues(game, which="XX")
    with pytest.raises(ValueError, match="k = 100 is too large"):
        top_eigenvalues(game, k=100)


def test_forward_mode_top_eigenvalues_match_dense(game):
    dense = eigenvalues(game, z=game.z0)
    result = top_eigenvalues(game, k=6, which="LM", solver=KrylovSchur(mode="forward"))
    _check_top(dense, result.values, "LM", 6)
    assert np.all(result.residuals < 1e-9)


def test_float32_products_with_float64_basis():
    """The fast mode: float32 products, float64 Krylov basis, eigenvalues to ~1e-4 relative."""
    game64 = tiny_gan()
    dense = eigenvalues(game64, z=game64.z0)
    game32 = tiny_gan(dtype=torch.float32)
    result = top_eigenvalues(game32, k=4, which="LM", solver=KrylovSchur(tol=1e-5))
    scale = np.abs(dense).max()
    assert spectrum_distance(result.values, dense) < 1e-4 * scale


def test_solve_top_on_a_built_operator_is_top_eigenvalues(game):
    op = JacobianOperator(game)
    result = solve_top(op, 4)
    np.testing.assert_array_equal(result.values, top_eigenvalues(game, k=4).values)
    assert op.count >= result.matvecs > 0
    with pytest.raises(TypeError, match="op must be a JacobianOperator"):
        solve_top(game, 4)
