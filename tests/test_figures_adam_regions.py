"""``adam_regions`` (gamedyn.figures.adam_regions): its rates from eigenvalue maps equal the
spectral radii of the same operators' Jacobians on a game with that spectrum."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import normal_game

from gamedyn import experiments
from gamedyn.experiments import ADAM_BETA1S, ADAM_LR
from gamedyn.figures.adam_regions import make_adam_regions
from gamedyn.spectrum import eigenvalues, spectral_radius


@pytest.fixture(scope="module")
def game():
    lam = experiments.adam_spectrum()
    top = lam[lam.imag > 0]
    game = normal_game(top.real, top.imag)
    np.testing.assert_allclose(np.sort_complex(eigenvalues(game)), np.sort_complex(lam), atol=1e-12)
    return game


def test_spectrum_rates_are_the_operator_spectral_radii(game):
    rates = experiments.adam_spectrum_rates()
    assert len(rates) == 4 * len(ADAM_BETA1S)
    z = np.zeros(game.n)
    for beta1 in ADAM_BETA1S:
        for name, method in experiments.adam_family(beta1, ADAM_LR).items():
            assert rates[(beta1, name)] == pytest.approx(
                spectral_radius(method, game, z), abs=1e-10
            )


def test_the_picture_says_what_the_docstring_says():
    rates = experiments.adam_spectrum_rates()
    names = list(experiments.adam_family(0.0))
    assert all(rates[(0.9, name)] > 1 for name in names)  # Adam's default β₁ diverges
    assert rates[(0.5, "ExtraAdam")] < 1 and rates[(0.5, "LA-Adam")] < 1
    for name in names:  # lowering β₁ helps every method here
        assert rates[(0.9, name)] > rates[(0.5, name)] > rates[(0.0, name)]


def test_rate_maps_best_points_are_the_operator_spectral_radii(game):
    maps = experiments.adam_rate_maps(small=True)
    for name, rate_map in maps.items():
        point, best = rate_map.best()
        method = experiments.adam_family(point["beta1"], point["lr"])[name]
        assert best == pytest.approx(spectral_radius(method, game, np.zeros(game.n)), abs=1e-10)
        assert rate_map.rate.shape == (15, 10) and best < 1


@pytest.mark.slow
def test_adam_regions_figure_is_made(tmp_path):
    (path,) = make_adam_regions(tmp_path, small=True)
    assert path.name == "adam_regions.png" and path.stat().st_size > 10_000
