"""Per-player blocks, matrix-free (Lanczos, svds, GMRES-in-Arnoldi) against the dense Jacobian
(gamedyn.spectrum)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from helpers import spectrum_distance, tiny_gan

from gamedyn.games import FunctionGame
from gamedyn.spectrum import (
    coupling_singular_values,
    game_jacobian,
    player_hessian_eigenvalues,
    schur_complement_eigenvalues,
)

NX, NY = 14, 12


def small_gan_like_game() -> FunctionGame:
    """A smooth, non-quadratic general-sum game with strongly convex-ish own losses."""
    g = torch.Generator().manual_seed(0)
    W = torch.randn(NX, NY, generator=g, dtype=torch.float64) / 4
    P = torch.randn(NX, NX, generator=g, dtype=torch.float64) / 4
    Q = torch.randn(NY, NY, generator=g, dtype=torch.float64) / 4

    def loss_x(x, y):
        return torch.tanh(x @ W @ y) + 0.5 * (P @ x).square().sum() + 0.3 * x.square().sum()

    def loss_y(x, y):
        return -torch.tanh(x @ W @ y) + 0.5 * (Q @ y).square().sum() + 0.4 * torch.cosh(y).sum()

    return FunctionGame(loss_x, loss_y, NX, NY)


@pytest.fixture(scope="module")
def setup():
    game = small_gan_like_game()
    z = np.random.default_rng(0).uniform(-0.7, 0.7, NX + NY)
    J = game_jacobian(game, z)
    return game, z, J


@pytest.mark.parametrize("which", ["LA", "SA", "BE"])
@pytest.mark.parametrize("player", ["x", "y"])
def test_player_hessian_eigenvalues(setup, player, which):
    game, z, J = setup
    block = J[:NX, :NX] if player == "x" else J[NX:, NX:]
    np.testing.assert_allclose(block, block.T, atol=1e-12)  # own Hessians are symmetric
    values = np.linalg.eigvalsh(block)
    k = 3
    expected = {"LA": values[-k:], "SA": values[:k], "BE": np.r_[values[:1], values[-2:]]}[which]
    got = player_hessian_eigenvalues(game, player, k=k, which=which, z=z)
    np.testing.assert_allclose(got, np.sort(expected)[::-1], atol=1e-8)


def test_coupling_singular_values(setup):
    game, z, J = setup
    expected = np.linalg.svd(J[:NX, NX:], compute_uv=False)[:4]
    np.testing.assert_allclose(coupling_singular_values(game, k=4, z=z), expected, atol=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["LM", "LR"])
def test_schur_complement_eigenvalues(setup, which):
    game, z, J = setup
    Jxx, Jxy, Jyx, Jyy = J[:NX, :NX], J[:NX, NX:], J[NX:, :NX], J[NX:, NX:]
    assert np.isfinite(J).all(), (
        np.isfinite(Jxx).all(),
        np.isfinite(Jyy).all(),
        np.isfinite(Jyx).all(),
    )
    S = Jxx - Jxy @ np.linalg.solve(Jyy, Jyx)
    values = np.linalg.eigvals(S)
    key = -np.abs(values) if which == "LM" else -values.real
    expected = np.sort_complex(values[np.argsort(key)[:3]])
    got = np.sort_complex(schur_complement_eigenvalues(game, k=3, which=which, z=z))
    np.testing.assert_allclose(got, expected, atol=1e-7)


def test_block_arguments_are_checked(setup):
    game, z, _ = setup
    with pytest.raises(ValueError, match="unknown player 'g'"):
        player_hessian_eigenvalues(game, player="g", z=z)
    with pytest.raises(ValueError, match="k = 20 exceeds the block size 14"):
        player_hessian_eigenvalues(game, k=20, z=z)
    with pytest.raises(ValueError, match="unknown which"):
        schur_complement_eigenvalues(game, which="XX", z=z)


@pytest.mark.slow
def test_blocks_of_a_small_torch_gan_equal_the_dense_blocks():
    game = tiny_gan(generator_width=5, batch_size=16, reg="r1", reg_weight=2.0)
    J = game_jacobian(game, game.z0)
    nx = game.nx
    Jxx, Jxy, Jyx, Jyy = J[:nx, :nx], J[:nx, nx:], J[nx:, :nx], J[nx:, nx:]
    for player, block in (("x", Jxx), ("y", Jyy)):
        values = np.linalg.eigvalsh(0.5 * (block + block.T))
        got = player_hessian_eigenvalues(game, player, k=3, which="BE")
        np.testing.assert_allclose(got, np.sort(np.r_[values[:1], values[-2:]])[::-1], atol=1e-8)
    expected = np.linalg.svd(Jxy, compute_uv=False)[:3]
    np.testing.assert_allclose(coupling_singular_values(game, k=3), expected, atol=1e-8)
    S = Jxx - Jxy @ scipy.linalg.solve(Jyy, Jyx)
    dense = np.linalg.eigvals(S)
    got = schur_complement_eigenvalues(game, k=3, which="LM")
    assert spectrum_distance(got, dense) < 1e-7 * max(np.abs(dense).max(), 1.0)


def test_schur_complement_which_has_arpacks_meaning_on_the_dense_path():
    """``"LI"``/``"SI"`` rank by the absolute imaginary part and keep conjugate pairs whole, as
    ARPACK does, also where a small block is solved densely (here ``S`` is 3 × 3)."""
    from gamedyn.games import Quadratic

    rotation = np.array([[0.0, 2.0, 0.0], [-2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    game = Quadratic(np.diag([1.0, 1.0, 3.0]), np.eye(3), rotation, np.eye(3))
    J = game_jacobian(game)
    S = J[:3, :3] - J[:3, 3:] @ np.linalg.solve(J[3:, 3:], J[3:, :3])
    np.testing.assert_allclose(
        np.sort_complex(np.linalg.eigvals(S)), [1 - 2j, 1 + 2j, 3], atol=1e-12
    )
    np.testing.assert_allclose(
        schur_complement_eigenvalues(game, k=2, which="LI"), [1 + 2j, 1 - 2j], atol=1e-12
    )
    np.testing.assert_allclose(schur_complement_eigenvalues(game, k=1, which="SI"), [3], atol=1e-12)


def test_both_ends_with_one_eigenvalue_is_the_largest():
    """ARPACK's ``BE`` takes the odd one from the high end, so ``k = 1`` is the largest
    (ARPACK itself refuses ``NEV = 1`` with ``BE``; gamedyn asks it for ``LA``)."""
    from scipy.sparse.linalg import aslinearoperator

    from gamedyn.linalg import hermitian_eigenvalues

    game = tiny_gan()
    block = game_jacobian(game)[: game.nx, : game.nx]  # ∇²_xx L_x, dense
    top = np.linalg.eigvalsh(0.5 * (block + block.T))[-1]
    np.testing.assert_allclose(player_hessian_eigenvalues(game, "x", 1, "BE"), [top], rtol=1e-9)
    diagonal = aslinearoperator(np.diag(np.arange(1.0, 41.0)))
    np.testing.assert_allclose(hermitian_eigenvalues(diagonal, 1, "BE"), [40.0], rtol=1e-10)
