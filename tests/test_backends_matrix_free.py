"""The matrix-free backend (gamedyn.backends.matrix_free): the differentiable GMRES and
MatrixFreeOps' checked solves."""

from __future__ import annotations

import pytest
import torch
from helpers import tiny_gan

from gamedyn.backends.matrix_free import MatrixFreeOps, gmres
from gamedyn.methods import CGD
from gamedyn.spectrum import top_eigenvalues


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


def test_unconverged_inner_solve_is_reported():
    game = tiny_gan(discriminator_width=3)
    with pytest.raises(ValueError, match="relative residual .* solve_iterations = 1"):
        top_eigenvalues(game, k=2, method=CGD(0.1), ops=MatrixFreeOps(game, solve_iterations=1))
