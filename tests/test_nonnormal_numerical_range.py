"""The numerical range (gamedyn.nonnormal): abscissa and radius against closed
forms and their bounds, dense against matrix-free, the field-of-values boundary."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from helpers import LinearGame, jordan_block, tiny_gan

from gamedyn.games import Bilinear
from gamedyn.methods import AltGDA, ExtraGradient
from gamedyn.nonnormal import _numerical_range as nr
from gamedyn.nonnormal import field_of_values, numerical_abscissa, numerical_radius
from gamedyn.spectrum import game_jacobian, operator_jacobian, symmetric_part_eigenvalues


def test_abscissa_is_the_symmetric_parts_top_eigenvalue_dense_and_matrix_free():
    gan = tiny_gan()
    dense = numerical_abscissa(gan)
    assert numerical_abscissa(gan, matrix_free=True) == pytest.approx(dense, abs=1e-9)
    assert symmetric_part_eigenvalues(gan, 1, "LA")[0] == pytest.approx(dense, abs=1e-9)
    method = ExtraGradient(0.2)
    T = operator_jacobian(method, gan)
    value = numerical_abscissa(gan, method=method, matrix_free=True)
    assert value == pytest.approx(np.linalg.eigvalsh(0.5 * (T + T.T))[-1], abs=1e-9)


def test_abscissa_is_the_initial_growth_rate_of_the_exponential():
    A = -game_jacobian(tiny_gan())  # the flow ż = −J z
    omega = float(np.linalg.eigvalsh(0.5 * (A + A.T))[-1])
    h = 1e-5
    slope = (np.linalg.norm(scipy.linalg.expm(h * A), 2) - 1) / h
    assert slope == pytest.approx(omega, rel=1e-3)
    for t in (0.1, 1.0, 3.0):
        assert np.linalg.norm(scipy.linalg.expm(t * A), 2) <= np.exp(omega * t) * (1 + 1e-12)


def test_numerical_radius_of_jordan_blocks_and_normal_matrices():
    # W([[λ, 1], [0, λ]]) is the disk of radius ½ around λ
    for lam in (0.0, 0.3, -0.7):
        r, _ = nr.dense_numerical_radius(jordan_block(2, lam))
        assert r == pytest.approx(abs(lam) + 0.5, abs=1e-10)
    # normal: r = ρ
    assert numerical_radius(Bilinear(np.diag([3.0, 1.0]))) == pytest.approx(3.0, abs=1e-10)
    # the n × n nilpotent Jordan block: r = cos(π / (n + 1))
    assert nr.dense_numerical_radius(jordan_block(5))[0] == pytest.approx(
        np.cos(np.pi / 6), abs=1e-9
    )


@pytest.mark.parametrize("game, method", [(tiny_gan(), None), (tiny_gan(), AltGDA(0.3))])
def test_numerical_radius_bounds(game, method):
    A = operator_jacobian(method, game) if method else game_jacobian(game)
    r = numerical_radius(game, method=method)
    rho, norm = np.abs(np.linalg.eigvals(A)).max(), np.linalg.norm(A, 2)
    assert rho <= r * (1 + 1e-12) and norm / 2 <= r * (1 + 1e-12) and r <= norm * (1 + 1e-12)
    # Berger's power inequality: ‖Aᵗ‖ ≤ 2 r(A)ᵗ
    for t in range(1, 8):
        assert np.linalg.norm(np.linalg.matrix_power(A, t), 2) <= 2 * r**t * (1 + 1e-12)


@pytest.mark.slow
def test_numerical_radius_matrix_free_equals_dense():
    gan = tiny_gan()
    assert numerical_radius(gan, matrix_free=True, angles=12) == pytest.approx(
        numerical_radius(gan), rel=1e-7
    )


def test_field_of_values_boundary_touches_every_supporting_line():
    A = np.array([[0.2, 10.0], [-0.1, 0.2]])
    boundary = field_of_values(A, points=91)
    assert boundary[0] == pytest.approx(boundary[-1])
    for phi in np.linspace(0, 2 * np.pi, 37):
        support = np.linalg.eigvalsh(nr._hermitian_part(A, phi))[-1]
        assert np.max((np.exp(1j * phi) * boundary).real) <= support + 1e-10
    # the eigenvalues lie inside; for 2 × 2 the range is an ellipse with foci at them
    lam = np.linalg.eigvals(A)
    assert np.all(np.abs(lam.real - 0.2) < np.abs(boundary.real - 0.2).max())
    circle = field_of_values(jordan_block(2), points=50)
    np.testing.assert_allclose(np.abs(circle), 0.5, atol=1e-10)


def test_numerical_range_of_a_linear_game_operator():
    game = LinearGame(np.array([[0.2, 10.0], [-0.1, 0.2]]))
    r = numerical_radius(game, method=AltGDA(0.05))
    T = operator_jacobian(AltGDA(0.05), game)
    assert r == pytest.approx(nr.dense_numerical_radius(T, 720)[0], abs=1e-10)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="angles must be an integer >= 3"):
        nr.dense_numerical_radius(np.eye(2), angles=2)
    with pytest.raises(ValueError, match="matrix must be a non-empty square matrix"):
        field_of_values(np.ones(3))
