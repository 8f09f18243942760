"""The analysis record carries the non-normal quantities (gamedyn.nonnormal): each
equal to the dense computation, the JSON written and read back."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import tiny_gan

from gamedyn.analysis import analyse
from gamedyn.methods import ExtraGradient
from gamedyn.nonnormal import (
    NonNormal,
    condition_numbers,
    dense_rotation_index,
    pseudospectrum,
    transient_growth,
)
from gamedyn.spectrum import KrylovSchur, game_jacobian


@pytest.mark.slow
def test_analysis_record_carries_the_non_normal_quantities(tmp_path):
    gan = tiny_gan()
    method = ExtraGradient(0.1)
    options = NonNormal(pseudospectrum=True, basis=gan.n, grid=12, transient=3, conditioning=True)
    record = analyse(gan, 4, method=method, non_normal=options, solver=KrylovSchur(tol=1e-12))
    extras = record.extras["non_normal"]
    # the pseudospectrum from the full Krylov space equals the dense one
    p = extras["pseudospectrum"]
    sigma = np.array(p["sigma_min"])
    dense = pseudospectrum(gan, p["re"], p["im"], method=method)
    np.testing.assert_allclose(sigma, dense, atol=1e-9)
    assert p["boundary"] == "unit circle" and p["matvecs"] == gan.n
    # the transient equals dense powers, with ρᵗ beside it
    t = extras["transient"]
    np.testing.assert_allclose(t["norms"], transient_growth(gan, 3, method=method), rtol=1e-6)
    assert t["spectral_radius"] == pytest.approx(np.abs(record.eigenvalues).max())
    assert t["peak"] == max(t["norms"]) and t["matvecs"] > 0
    # κ of the top eigenvalues
    c = extras["conditioning"]
    dense_c = condition_numbers(gan, method=method, k=4)
    np.testing.assert_allclose(c["condition_numbers"], dense_c.condition_numbers, rtol=1e-8)
    # and the JSON round trip
    path, _ = record.save(tmp_path, "record")
    assert json.loads(path.read_text())["extras"]["non_normal"]["transient"]["norms"] == t["norms"]


@pytest.mark.slow
def test_game_jacobian_record_has_rotation_per_player_and_the_flow():
    gan = tiny_gan()
    record = analyse(
        gan,
        3,
        "SR",
        non_normal=NonNormal(rotation=40, transient=1, dt=0.5),
        solver=KrylovSchur(tol=1e-10),
    )
    rotation = record.extras["non_normal"]["rotation"]
    J = game_jacobian(gan)
    assert set(rotation["blocks"]) == {"generator", "discriminator", "all"}
    r = rotation["blocks"]["all"]
    assert abs(r["value"] - dense_rotation_index(J)) <= 3.5 * r["stderr"]
    flow = record.extras["non_normal"]["transient"]
    np.testing.assert_allclose(flow["norms"], transient_growth(gan, 1, dt=0.5), rtol=1e-6)
    assert flow["spectral_radius"] == pytest.approx(np.exp(-0.5 * np.linalg.eigvals(J).real.min()))


def test_options_are_checked():
    with pytest.raises(ValueError, match="transient must be an integer >= 1"):
        NonNormal(transient=0)
    with pytest.raises(ValueError, match="rotation must be an integer >= 2"):
        NonNormal(rotation=1)
    assert NonNormal().empty and not NonNormal(conditioning=True).empty
    with pytest.raises(TypeError, match="non_normal must be a NonNormal"):
        analyse(tiny_gan(), 2, non_normal={"transient": 3})
