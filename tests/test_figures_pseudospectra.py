"""``pseudospectra`` figure (gamedyn.figures.pseudospectra): each panel's numbers checked."""

from __future__ import annotations

import numpy as np
import pytest

from gamedyn import experiments, figures
from gamedyn.nonnormal import condition_numbers
from gamedyn.nonnormal._pseudospectra import svd_pseudospectrum
from gamedyn.spectrum import operator_jacobian

pytestmark = pytest.mark.slow  # trains the small mixture GAN (a few seconds)


@pytest.fixture(scope="module")
def panels():
    return experiments.pseudospectra_panels(small=True)


def test_there_are_six_panels_with_their_boundaries(panels):
    assert len(panels) == 6
    assert [p.boundary for p in panels] == ["unit circle"] * 3 + ["imaginary axis"] * 3
    assert [p.kind for p in panels] == ["dense"] * 5 + ["krylov-projected"]
    for p in panels:
        assert p.sigma.shape == (p.im.size, p.re.size) and np.all(p.sigma >= 0)


def test_operator_panels_are_the_pseudospectra_of_the_operator_jacobians(panels):
    operators = experiments.bilinear_operators().items()
    for p, (label, method) in zip(panels[:3], operators, strict=True):
        T = operator_jacobian(method, experiments.NON_NORMAL_BILINEAR)
        re, im = p.re[::7], p.im[::7]
        np.testing.assert_allclose(
            p.sigma[::7, ::7], svd_pseudospectrum(T, re, im), atol=1e-10, err_msg=label
        )
        np.testing.assert_allclose(
            np.sort_complex(p.eigenvalues), np.sort_complex(np.linalg.eigvals(T)), atol=1e-10
        )


def test_extragradient_is_normal_and_alternation_is_not(panels):
    """Extragradient's T is a polynomial of the normal bilinear J: σ_min = distance to the
    spectrum. The alternating operators' are not: σ_min falls below that distance (it is never
    above it, for any matrix)."""
    for p, normal in zip(panels[:3], (False, False, True), strict=True):
        points = p.re[None, :] + 1j * p.im[:, None]
        distance = np.abs(points[..., None] - p.eigenvalues).min(axis=-1)
        assert np.all(p.sigma <= distance + 1e-10)
        if normal:
            np.testing.assert_allclose(p.sigma, distance, atol=1e-10)
        else:
            assert np.min(p.sigma / np.maximum(distance, 1e-300)) < 0.95
    methods = list(experiments.bilinear_operators().values())
    kappa = [
        condition_numbers(experiments.NON_NORMAL_BILINEAR, method=m).condition_numbers.max()
        for m in methods
    ]
    assert kappa[2] == pytest.approx(1.0, abs=1e-9) and kappa[0] > 1.01 and kappa[1] > 1.01


def test_dirac_panel_is_a_jordan_block(panels):
    p = panels[3]
    np.testing.assert_allclose(p.eigenvalues, [0.5, 0.5], atol=1e-7)
    d = np.abs(p.re[None, :] + 1j * p.im[:, None] - 0.5)
    # σ_min(zI − (½ I + N)) with ‖N‖ = 1: (√(1 + 4d²) − 1)/2 after a unitary change of basis
    np.testing.assert_allclose(p.sigma, (np.sqrt(1 + 4 * d**2) - 1) / 2, atol=1e-10)


def test_mixture_panels_projected_never_below_dense(panels):
    dense, projected = panels[4], panels[5]
    assert np.array_equal(dense.re, projected.re) and np.array_equal(dense.im, projected.im)
    assert np.all(projected.sigma >= dense.sigma - 1e-10)
    # the projected picture is informative: its outermost Ritz value is the outermost eigenvalue
    outer = np.abs(dense.eigenvalues).max()
    assert np.abs(projected.eigenvalues).max() == pytest.approx(outer, rel=1e-3)


@pytest.mark.slow
def test_the_figure_is_made(tmp_path):
    paths = figures.make_all(tmp_path, only=["pseudospectra"], small=True)
    assert [p.name for p in paths] == ["pseudospectra.png"] and paths[0].stat().st_size > 20_000
