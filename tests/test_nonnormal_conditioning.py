"""Eigenvalue conditioning (gamedyn.nonnormal): κ(λ) against scipy's left/right
eigenvectors, matrix-free (Krylov on Jᵀ) against dense, defective eigenvalues, Henrici."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from helpers import LinearGame, grcar, random_quadratic, tiny_gan

from gamedyn.games import Bilinear, DiracGAN
from gamedyn.methods import ExtraGradient, Momentum
from gamedyn.nonnormal import _conditioning as cd
from gamedyn.nonnormal import condition_numbers, departure_from_normality
from gamedyn.spectrum import game_jacobian, operator_jacobian
from gamedyn.spectrum._ordering import sorted_with


def scipy_kappa(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """κ from scipy.linalg.eig(left=True, right=True), sorted in gamedyn's order."""
    values, left, right = scipy.linalg.eig(A, left=True, right=True)
    overlap = np.abs(np.einsum("ij,ij->j", left.conj(), right))
    kappa = np.linalg.norm(left, axis=0) * np.linalg.norm(right, axis=0) / overlap
    return sorted_with(values, kappa)


CASES = {
    "tiny GAN J": lambda: (tiny_gan(), None),
    "tiny GAN extragradient": lambda: (tiny_gan(), ExtraGradient(0.2)),
    "quadratic momentum": lambda: (random_quadratic(3, 3, 4), Momentum(0.3, -0.2)),
    "grcar 16": lambda: (LinearGame(grcar(16)), None),
}


@pytest.mark.parametrize("name", CASES)
def test_kappa_equals_scipys_left_and_right_eigenvectors(name):
    game, method = CASES[name]()
    A = operator_jacobian(method, game) if method else game_jacobian(game)
    c = condition_numbers(game, method=method)
    values, kappa = scipy_kappa(A)
    np.testing.assert_allclose(c.eigenvalues, values, atol=1e-10 * np.abs(values).max())
    np.testing.assert_allclose(c.condition_numbers, kappa, rtol=1e-8)
    # the vectors are what they claim: A x = λ x and yᴴ A = λ yᴴ, unit length
    tol = 1e-9 * np.abs(A).max() * kappa.max()
    np.testing.assert_allclose(A @ c.right, c.right * c.eigenvalues, atol=tol)
    yh = c.left.conj().T
    np.testing.assert_allclose(yh @ A, c.eigenvalues[:, None] * yh, atol=tol)
    np.testing.assert_allclose(np.linalg.norm(c.right, axis=0), 1.0)
    assert np.all(c.condition_numbers >= 1 - 1e-12)


@pytest.mark.parametrize("which", ["LM", "LR"])
def test_matrix_free_kappa_from_krylov_on_j_transpose(which):
    gan = tiny_gan()
    free = condition_numbers(gan, k=6, which=which, matrix_free=True)
    values, kappa = scipy_kappa(game_jacobian(gan))
    for lam, k in zip(free.eigenvalues, free.condition_numbers, strict=True):
        i = int(np.argmin(np.abs(values - lam)))
        assert abs(values[i] - lam) < 1e-9
        assert k == pytest.approx(kappa[i], rel=1e-8)
    assert free.matvecs > 0


def test_normal_jacobians_have_perfectly_conditioned_eigenvalues():
    c = condition_numbers(Bilinear(np.diag([3.0, 2.0, 1.0])))
    np.testing.assert_allclose(c.condition_numbers, 1.0, atol=1e-12)


def test_kappa_blows_up_at_the_dirac_gans_critical_r1_weight():
    # J = [[0, ½], [−½, γ]]: eigenvalues γ/2 ± √(γ²/4 − ¼) merge, defective, at γ = 1
    kappas = [
        condition_numbers(DiracGAN("saturating", reg="r1", gamma=g)).condition_numbers.max()
        for g in (0.5, 0.9, 0.99, 0.999)
    ]
    assert np.all(np.diff(kappas) > 0)
    for g, k in zip((0.5, 0.9, 0.99, 0.999), kappas, strict=True):
        # the eigenvalues meet like √(1 − γ²), and κ grows like its inverse
        assert 0.2 < k * np.sqrt(1 - g**2) < 2, g
    assert (
        condition_numbers(DiracGAN("saturating", reg="r1", gamma=1.0)).condition_numbers.min() > 1e7
    )


def test_henrici_departure_from_normality():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((12, 12))
    lam = np.linalg.eigvals(A)
    expected = np.sqrt(np.linalg.norm(A) ** 2 - np.sum(np.abs(lam) ** 2))
    assert cd.dense_departure_from_normality(A) == pytest.approx(expected, rel=1e-10)
    assert departure_from_normality(Bilinear(np.diag([3.0, 1.0]))) < 1e-12
    game = LinearGame(A)
    assert departure_from_normality(game, relative=True) == pytest.approx(
        expected / np.linalg.norm(A), rel=1e-10
    )


def test_k_and_input_checks():
    c = condition_numbers(tiny_gan(), k=3)
    assert c.eigenvalues.size == 3 and c.right.shape == (47, 3)
    with pytest.raises(ValueError, match="unknown which 'XX'"):
        condition_numbers(tiny_gan(), which="XX", matrix_free=True)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        condition_numbers(tiny_gan(), k=0)
