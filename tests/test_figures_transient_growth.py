"""``transient_growth`` figure (gamedyn.figures.transient_growth): its numbers checked."""

from __future__ import annotations

import numpy as np
import pytest

from gamedyn import experiments, figures
from gamedyn.nonnormal import kreiss_bounds
from gamedyn.spectrum import operator_jacobian, spectral_radius

pytestmark = pytest.mark.slow  # trains the small mixture GAN (a few seconds)


@pytest.fixture(scope="module")
def curves():
    return experiments.transient_curves(small=True)


def test_curves_are_norms_of_powers_with_their_radii(curves):
    for label, method in experiments.bilinear_operators().items():
        c = curves["bilinear"][label]
        T = operator_jacobian(method, experiments.NON_NORMAL_BILINEAR)
        for t in (0, 1, 7, c.norms.size - 1):
            assert c.norms[t] == pytest.approx(
                np.linalg.norm(np.linalg.matrix_power(T, t), 2), rel=1e-12
            )
        assert c.rho == pytest.approx(spectral_radius(method, experiments.NON_NORMAL_BILINEAR))
        assert np.all(c.norms >= c.rho ** np.arange(c.norms.size) * (1 - 1e-12))


def test_what_the_panels_claim(curves):
    bilinear = curves["bilinear"]
    alternating = bilinear["alternating GDA"]
    assert alternating.rho == pytest.approx(1.0, abs=1e-12) and alternating.norms.max() > 1.2
    momentum = bilinear["alternating momentum, β = −0.5"]
    assert momentum.rho < 1 and momentum.norms.max() > 1.2
    extragradient = bilinear["extragradient"]
    np.testing.assert_allclose(
        extragradient.norms, extragradient.rho ** np.arange(extragradient.norms.size), rtol=1e-10
    )
    assert extragradient.kreiss == pytest.approx(1.0)
    for label, c in curves["dirac"].items():  # ρ < 1, yet they grow before they decay
        assert c.rho < 1 and c.norms.max() > 1.04, label
    # T = ¾ I − ½ N, N² = 0: ‖Tᵗ‖ ~ t ρᵗ
    gda = curves["dirac"][f"GDA, lr {experiments.TRANSIENT_DIRAC_LR}"]
    ratio = gda.norms / gda.rho ** np.arange(gda.norms.size)
    t = np.arange(gda.norms.size)
    np.testing.assert_allclose(ratio[5:] / t[5:], ratio[-1] / t[-1], rtol=0.25)
    for c in curves["mixture"].values():
        assert c.rho > 1 and c.kreiss == np.inf
    for sets in curves.values():  # the Kreiss matrix theorem on every finite K
        for c in sets.values():
            if np.isfinite(c.kreiss):
                assert kreiss_bounds(c.kreiss, 1)[0] <= c.norms.max() * (1 + 1e-9)


def test_the_run_follows_the_prediction():
    runs = experiments.worst_run(small=True)
    worst = runs["worst"]
    assert worst.step > 0
    assert runs["run"][worst.step] == pytest.approx(worst.amplification, rel=1e-5)
    assert np.all(runs["run"] <= worst.norms[: runs["run"].size] * (1 + 1e-5))
    assert runs["random"][worst.step] < worst.amplification


@pytest.mark.slow
def test_the_figure_is_made(tmp_path):
    paths = figures.make_all(tmp_path, only=["transient_growth"], small=True)
    assert [p.name for p in paths] == ["transient_growth.png"] and paths[0].stat().st_size > 20_000
