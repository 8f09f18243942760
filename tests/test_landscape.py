"""Path-angle: against closed forms on affine games and an independent per-point computation."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_quadratic

from gamedyn import path_angle
from gamedyn.games import Bilinear, DiracGAN, FunctionGame


def test_path_angle_on_an_affine_game_equals_the_dense_formula():
    game = random_quadratic(3, linear=True)
    J, b = game.J.numpy(), game.b.numpy()
    rng = np.random.default_rng(1)
    z0, z1 = rng.standard_normal(4), rng.standard_normal(4)
    result = path_angle(game, z0, z1, num=41)
    d = z1 - z0
    for a, cos, cx, cy, norm in zip(*result, strict=True):
        v = J @ (z0 + a * d) + b
        assert cos == pytest.approx(v @ d / np.linalg.norm(v) / np.linalg.norm(d), abs=1e-12)
        assert cx == pytest.approx(
            v[:2] @ d[:2] / np.linalg.norm(v[:2]) / np.linalg.norm(d[:2]), abs=1e-12
        )
        assert cy == pytest.approx(
            v[2:] @ d[2:] / np.linalg.norm(v[2:]) / np.linalg.norm(d[2:]), abs=1e-12
        )
        assert norm == pytest.approx(np.linalg.norm(v), rel=1e-12)


def test_a_potential_game_has_no_bump_and_a_bilinear_game_is_orthogonal():
    # Both players minimise the same convex quadratic: cos goes from −1 to +1 monotonically.
    potential = FunctionGame(
        lambda x, y: (x**2).sum() + (y**2).sum(), lambda x, y: (x**2).sum() + (y**2).sum(), 1, 1
    )
    result = path_angle(potential, [-1.0, -1.0], [1.0, 1.0], num=50)
    assert result.cosine[0] == pytest.approx(-1) and result.cosine[-1] == pytest.approx(1)
    assert np.all(np.diff(result.cosine) >= -1e-12)
    # On x·y through the equilibrium the field is orthogonal to every ray from it.
    rotation = path_angle(Bilinear([[1.0]]), [-1.0, -1.0], [1.0, 1.0], num=50)
    np.testing.assert_allclose(rotation.cosine[np.isfinite(rotation.cosine)], 0, atol=1e-14)


def test_dirac_gan_path_shows_the_rotation():
    result = path_angle(DiracGAN("standard", reg="r1", gamma=0.3), [1.0, 1.0], [0.0, 0.0], num=21)
    assert np.nanmax(np.abs(result.cosine)) < 1  # never aligned with the path
    assert result.norm[np.argmin(np.abs(result.alpha - 1.0))] == pytest.approx(0, abs=1e-15)


def test_path_angle_rejects_a_degenerate_path():
    with pytest.raises(ValueError, match="same point"):
        path_angle(Bilinear([[1.0]]), [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="z1 has length 3"):
        path_angle(Bilinear([[1.0]]), [1.0, 1.0], [1.0, 1.0, 0.0])
