"""The numbers of the stochastic figures: the seed's bilinear experiment and the noise floors."""

import numpy as np
import pytest
import torch

from gamedyn import experiments as figures  # the figures' numbers
from gamedyn.experiments import noise_floor_games, noise_floor_methods
from gamedyn.stochastic import stationary_mse


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def bilinear_curves():
    torch.set_num_threads(1)
    return {c.label: c for c in figures.stochastic_bilinear_curves(small=True)}


@pytest.fixture(scope="module")
def floors():
    torch.set_num_threads(1)
    return figures.noise_floor_curves(small=True)


def test_the_seed_experiment_diverges_stalls_or_converges_as_stated(bilinear_curves):
    c = bilinear_curves
    start = c["SGD (stochastic GDA)"].median[0]
    end = {k: v.median[-1] / start for k, v in c.items()}  # after 200 steps, relative to t = 0
    assert end["SGD (stochastic GDA)"] > 5  # diverges
    assert end["SEM"] > 2  # diverges too, more slowly (independent samples)
    assert end["SEM"] < 0.5 * end["SGD (stochastic GDA)"]
    assert 0.7 < end["EG, one sample per step"] < 1.5  # stalls at its noise floor
    # averaging: below the iterates it averages, and converging with one sample per step
    assert end["AvgSGD"] < 0.2 * end["SGD (stochastic GDA)"]
    assert end["SEM + averaging"] < 0.2 * end["SEM"]
    avg = c["EG, one sample + averaging"].median
    assert avg[-1] / start < 0.4 and avg[-1] < avg[100] < avg[20]
    for curve in c.values():
        assert np.all(curve.low <= curve.median) and np.all(curve.median <= curve.high)


@pytest.mark.slow
def test_noise_floor_lines_are_the_exact_floors_and_the_points_agree(floors):
    games = noise_floor_games()
    s = figures.NOISE_FLOOR
    for c in floors:
        lr = float(c.lrs[3])
        method, _ = noise_floor_methods(lr, s["k"], s["alpha"])[c.label]
        if np.isfinite(c.floor[3]):
            assert c.floor[3] == pytest.approx(stationary_mse(method, games[c.game], s["sigma2"]))
        for lr, mean, se in c.monte_carlo:  # Monte Carlo at stationarity vs the exact floor
            method, _ = noise_floor_methods(lr, s["k"], s["alpha"])[c.label]
            exact = stationary_mse(method, games[c.game], s["sigma2"])
            assert abs(mean - exact) < 4.5 * se, (c.game, c.label, lr, mean, exact, se)
    gda = next(c for c in floors if c.game == "bilinear" and c.label == "GDA")
    assert np.isnan(gda.floor).all()  # GDA has no stationary distribution on a bilinear game


@pytest.mark.slow
def test_lookahead_lowers_the_floor_and_the_error_at_an_equal_budget(floors):
    verdict = figures.lookahead_verdict(floors)
    for key, v in verdict.items():
        assert v["best budget-MSE ratio"] < 0.5, key
        if "bilinear: lookahead-GDA" in key:
            assert v["stable lrs (base)"] == 0 and v["stable lrs (lookahead)"] > 0
        else:
            assert v["floor ratio at equal lr"] < 0.4, key
