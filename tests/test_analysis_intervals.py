"""Confidence intervals across batches: coverage on a game with known per-sample noise, the
batches and batch size a precision needs, and what batch_spectra keeps in the record."""

import json

import numpy as np
import pytest

from gamedyn.analysis import (
    batch_means_interval,
    batch_size_needed,
    batch_spectra,
    batches_needed,
    bootstrap_interval,
    interval,
)
from gamedyn.analysis._analyse import ranked
from gamedyn.games import Bilinear
from tests.helpers import tiny_batch, tiny_gan

TOP, SECOND, NOISE = 3.0, 1.0, 0.4  # per-sample A_i = diag(3 + ε_i, 1 + δ_i), ε, δ ~ N(0, 0.4²)


def batch_games(rng, batches, m):
    """``batches`` batches of ``m`` samples: the batch's game is the mean of its samples',
    ``Bilinear(diag(3 + ε̄, 1 + δ̄))``; its top eigenvalues ``±i(3 + ε̄)``, ``|λ| = 3 + ε̄``."""
    eps = rng.normal(0, NOISE, size=(batches, m, 2)).mean(axis=1)
    return [Bilinear(np.diag([TOP + e[0], SECOND + e[1]])) for e in eps]


def top_moduli(games):
    return ranked(np.array([np.linalg.eigvals(g.J.numpy()) for g in games]))[:, :1]


@pytest.mark.slow
@pytest.mark.parametrize("method, batches", [("batch-means", 10), ("bootstrap", 20)])
def test_intervals_cover_the_true_top_eigenvalue_at_their_level(method, batches):
    rng = np.random.default_rng(0)
    trials, covered = 400, 0
    for _ in range(trials):
        q = top_moduli(batch_games(rng, batches, m=8))
        found = interval(q, 0.9, method)
        covered += int(found.low[0] <= TOP <= found.high[0])
    rate = covered / trials
    sd = np.sqrt(0.9 * 0.1 / trials)  # binomial: 0.015
    low = 0.9 - 3 * sd - (0.03 if method == "bootstrap" else 0)  # percentile: undercovers a bit
    assert low <= rate <= 0.9 + 3 * sd, rate


def test_the_batches_a_precision_needs_reach_it():
    rng = np.random.default_rng(1)
    m, h = 8, 0.05
    pilot = top_moduli(batch_games(rng, 200, m))
    B = int(batches_needed(pilot.std(axis=0, ddof=1), h, 0.95)[0])
    sd_batch = NOISE / np.sqrt(m)  # known: one batch's top modulus has std 0.4/√8
    assert B == pytest.approx((1.96 * sd_batch / h) ** 2, rel=0.25)  # 30.7
    widths = []
    for _ in range(50):
        low, high = batch_means_interval(top_moduli(batch_games(rng, B, m)), 0.95)
        widths.append((high - low)[0] / 2)
    assert 0.85 * h < np.mean(widths) < 1.1 * h


def test_the_batch_size_a_precision_needs_follows_one_over_root_m():
    rng = np.random.default_rng(2)
    h = 0.1
    pilot = top_moduli(batch_games(rng, 400, 4))
    m = int(batch_size_needed(pilot.std(axis=0, ddof=1), 4, h, 0.95)[0])
    assert m == pytest.approx((1.96 * NOISE / h) ** 2, rel=0.15)  # 61.5
    at_m = top_moduli(batch_games(rng, 400, m))
    assert 0.85 * h < 1.96 * at_m.std(ddof=1) < 1.1 * h


def test_bootstrap_and_batch_means_agree_for_many_batches():
    q = np.random.default_rng(3).normal(2.0, 0.3, size=(400, 3))
    a, b = batch_means_interval(q), bootstrap_interval(q, resamples=4000)
    np.testing.assert_allclose(a[0], b[0], atol=0.006)
    np.testing.assert_allclose(a[1], b[1], atol=0.006)


def test_batch_spectra_keeps_the_interval_in_the_record(tmp_path):
    games = batch_games(np.random.default_rng(4), 6, 8)
    spread = batch_spectra(games, k=2, precision=0.05)
    q = ranked(spread.per_batch)
    expected = interval(q, 0.95)
    np.testing.assert_allclose(spread.interval.low, expected.low)
    np.testing.assert_allclose(spread.interval.high, expected.high)
    assert np.all(spread.interval.low <= spread.mean) and np.all(
        spread.mean <= spread.interval.high
    )
    extras = spread.averaged.extras["batch_interval"]
    assert extras["method"] == "batch-means" and extras["batches"] == 6
    assert extras["batches_needed"] == batches_needed(q.std(axis=0, ddof=1), 0.05).tolist()
    path, _ = spread.averaged.save(tmp_path, "spectrum")
    saved = json.loads(path.read_text())["extras"]["batch_interval"]
    np.testing.assert_allclose(saved["low"], expected.low)
    boot = batch_spectra(games, k=2, interval_method="bootstrap", confidence=0.8)
    assert boot.interval.method == "bootstrap" and boot.interval.confidence == 0.8


def test_batch_spectra_of_a_torch_game_reports_the_batch_size_needed():
    base = tiny_gan()
    games = [base.with_batch(*tiny_batch(seed, 8)) for seed in range(3)]
    spread = batch_spectra(games, k=2, precision=0.01)
    extras = spread.averaged.extras["batch_interval"]
    assert extras["batch_size"] == 8
    q = ranked(spread.per_batch)
    expected = batch_size_needed(q.std(axis=0, ddof=1), 8, 0.01)
    assert extras["batch_size_needed"] == expected.tolist()


def test_bad_inputs_are_refused_by_name():
    q = np.ones((5, 2))
    with pytest.raises(ValueError, match="confidence"):
        interval(q, 1.5)
    with pytest.raises(ValueError, match="at least 2 batches"):
        interval(q[:1])
    with pytest.raises(ValueError, match="finite"):
        interval(np.array([[1.0], [np.nan]]))
    with pytest.raises(ValueError, match="half_width"):
        batches_needed([0.1], 0.0)
    with pytest.raises(ValueError, match="method"):
        interval(q, 0.9, "jackknife")
