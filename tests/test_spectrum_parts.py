"""Symmetric and antisymmetric parts of the Jacobian, matrix-free (Lanczos), against the dense
Jacobian (gamedyn.spectrum)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import tiny_gan

from gamedyn.spectrum import (
    antisymmetric_part_eigenvalues,
    game_jacobian,
    symmetric_part_eigenvalues,
)


@pytest.mark.slow
def test_symmetric_and_antisymmetric_parts():
    game = tiny_gan()
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
