"""Rates over the λ-plane and over hyperparameters, and tuning (gamedyn.regions: rates,
hyperparameters, tuning).

Independent checks: textbook closed forms (GDA's ``|1 − ηλ|`` and its disk, extragradient on the
imaginary axis, the Jury conditions for the two-step operators on the real axis, Polyak's heavy
ball), the numeric spectra of operator Jacobians (``jacfwd`` through the step) on normal games,
and brute-force grids.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import normal_game

from gamedyn import regions
from gamedyn.games import Bilinear, Quadratic
from gamedyn.methods import (
    CGD,
    GDA,
    AltGDA,
    Consensus,
    ExtraGradient,
    Lookahead,
    Momentum,
    OptimisticGDA,
)
from gamedyn.spectrum import eigenvalues as dense_eigenvalues
from gamedyn.spectrum import spectral_radius


def same_multiset(a, b, atol):
    """Every value of ``a`` is within ``atol`` of a distinct value of ``b`` (greedy matching)."""
    a, b = list(np.ravel(a)), list(np.ravel(b))
    assert len(a) == len(b)
    for x in a:
        j = int(np.argmin([abs(x - y) for y in b]))
        assert abs(x - b[j]) < atol, (x, b)
        b.pop(j)


MAPPED = [
    GDA(0.4),
    ExtraGradient(0.4),
    OptimisticGDA(0.3),
    Momentum(0.3, -0.4),
    Momentum(0.2, 0.5),
    Lookahead(ExtraGradient(0.4), 5, 0.5),
    Lookahead(Momentum(0.3, -0.3), 3, 0.6),
    Lookahead(OptimisticGDA(0.2), 2, 0.7),
    Consensus(0.3, 0.7),
]


# --- rate over the λ-plane ----------------------------------------------------------------


def test_rate_grid_of_gda_is_the_distance_to_one():
    lr, re, im = 0.7, np.linspace(-1, 3, 41), np.linspace(-2, 2, 31)
    rho = regions.rate_grid(GDA(lr), re, im)
    assert rho.shape == (31, 41)
    lam = re[None, :] + 1j * im[:, None]
    np.testing.assert_allclose(rho, np.abs(1 - lr * lam), rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(regions.lambda_grid(re, im), lam)


def test_rate_keeps_the_shape_of_lam():
    assert regions.rate(Momentum(0.1, 0.3), np.ones((2, 3, 4))).shape == (2, 3, 4)
    assert regions.rate(ExtraGradient(0.1), 1.0 + 0.5j).shape == ()


@pytest.mark.parametrize("method", MAPPED, ids=repr)
def test_rate_is_the_spectral_radius_of_the_operator_jacobian(method):
    # One 2-D normal game per λ = a + iσ: its operator Jacobian (jacfwd through the step) has
    # spectral radius max(rate(λ), rate(λ̄)) = rate(λ) (real hyperparameters).
    lams = [a + 1j * s for a in (0.0, 0.3, 1.2) for s in (0.0, 0.5, 1.5)] + [-0.2 + 0.4j]
    for lam in lams:
        game = normal_game(lam.real, lam.imag)
        expected = spectral_radius(method, game, np.zeros(2))
        assert regions.rate(method, lam) == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("method", MAPPED, ids=repr)
def test_operator_eigenvalues_match_the_numeric_spectrum_on_a_random_normal_game(method):
    game = normal_game([0.2, 0.9, 0.05], [1.0, 0.3, 0.6], seed=3)
    z = np.zeros(game.n)
    lam = dense_eigenvalues(game, z=z)
    np.testing.assert_allclose(
        np.sort_complex(lam),
        np.sort_complex([0.2 + 1j, 0.2 - 1j, 0.9 + 0.3j, 0.9 - 0.3j, 0.05 + 0.6j, 0.05 - 0.6j]),
        atol=1e-12,
    )
    mu_map = regions.operator_eigenvalues(method, eigenvalues=lam)
    mu_dense = dense_eigenvalues(game, method=method, z=z)
    same_multiset(mu_map, mu_dense, atol=1e-7)  # double roots (augmented states) lose digits
    assert regions.predicted_rate(method, eigenvalues=lam) == pytest.approx(
        spectral_radius(method, game, z), rel=1e-9
    )


def test_methods_without_an_eigenvalue_map_point_to_the_operator_jacobian():
    for method in (AltGDA(0.1), Momentum(0.1, -0.5, alternating=True), CGD(0.1), GDA((0.1, 0.2))):
        with pytest.raises(ValueError, match="game="):
            regions.rate(method, np.array([1j]))


# --- stability boundaries known in closed form -----------------------------------------------


def test_gda_region_is_the_disk_centred_at_one_over_lr():
    lr = 0.8
    theta = np.linspace(0, 2 * np.pi, 50)
    circle = 1 / lr + np.exp(1j * theta) / lr
    np.testing.assert_allclose(regions.rate(GDA(lr), circle), 1.0, atol=1e-13)
    assert np.all(regions.rate(GDA(lr), 1 / lr + 0.99 * np.exp(1j * theta) / lr) < 1)
    assert np.all(regions.rate(GDA(lr), 1 / lr + 1.01 * np.exp(1j * theta) / lr) > 1)


def test_extragradient_converges_on_the_imaginary_axis_up_to_one_over_lr():
    # μ = 1 − ηλ + η²λ² at λ = iy: |μ|² = (1 − η²y²)² + η²y², < 1 iff η|y| < 1.
    lr, y = 0.5, np.linspace(-3, 3, 121)
    rho = regions.rate(ExtraGradient(lr), 1j * y)
    np.testing.assert_allclose(rho, np.sqrt((1 - lr**2 * y**2) ** 2 + lr**2 * y**2), rtol=1e-12)
    np.testing.assert_array_equal(rho < 1, (np.abs(y) < 1 / lr) & (y != 0))
    assert regions.rate(ExtraGradient(lr), 1j / lr) == pytest.approx(1.0, abs=1e-14)


def test_consensus_boundary_on_the_imaginary_axis():
    # |1 − η(iy + γy²)|² < 1  iff  y² < (2γ − η)/(ηγ²).
    lr, gamma = 0.3, 0.8
    edge = np.sqrt((2 * gamma - lr) / (lr * gamma**2))
    rate = regions.rate(Consensus(lr, gamma), 1j * np.array([edge, 0.99 * edge, 1.01 * edge]))
    assert rate[0] == pytest.approx(1.0, abs=1e-13)
    assert rate[1] < 1 < rate[2]


@pytest.mark.parametrize(
    "method, edge",
    [
        # Jury: μ² + a₁μ + a₀ is Schur stable iff |a₀| < 1 and |a₁| < 1 + a₀.
        (Momentum(0.5, 0.3), 2 * (1 + 0.3) / 0.5),  # 0 < ηλ < 2(1 + β)
        (Momentum(0.5, -0.4), 2 * (1 - 0.4) / 0.5),
        (OptimisticGDA(0.5), 2 / (3 * 0.5)),  # 0 < ηλ < 2/3
        # Lookahead-GDA, odd k: μ = 1 − α + α(1 − ηλ)^k = −1 at ηλ = 1 − (1 − 2/α)^{1/k}.
        (Lookahead(GDA(0.5), 3, 0.5), (1 - np.cbrt(1 - 2 / 0.5)) / 0.5),
    ],
    ids=repr,
)
def test_real_axis_stability_interval(method, edge):
    lam = edge * np.linspace(0.01, 0.99, 50)
    assert np.all(regions.rate(method, lam) < 1)
    assert regions.rate(method, edge) == pytest.approx(1.0, abs=1e-12)
    assert regions.rate(method, 1.01 * edge) > 1
    assert regions.rate(method, -0.01 * edge) > 1


# --- hyperparameter maps ---------------------------------------------------------------------


def test_hyperparameter_map_from_eigenvalues_and_from_the_game_agree():
    game = normal_game([0.1, 0.8], [0.7, 0.2], seed=1)
    lam = dense_eigenvalues(game, z=np.zeros(4))
    grids = {"lr": np.linspace(0.1, 1.5, 5), "beta": np.array([-0.5, 0.0, 0.4])}
    by_map = regions.hyperparameter_map(lambda lr, beta: Momentum(lr, beta), lam, **grids)
    by_game = regions.hyperparameter_map(
        lambda lr, beta: Momentum(lr, beta), game=game, z=np.zeros(4), **grids
    )
    assert by_map.names == ("lr", "beta") and by_map.rate.shape == (5, 3)
    np.testing.assert_allclose(by_map.rate, by_game.rate, rtol=1e-9)
    expected = spectral_radius(Momentum(1.5, 0.4), game, np.zeros(4))
    assert by_game.rate[4, 2] == pytest.approx(expected, rel=1e-12)


def test_hyperparameter_map_through_the_operator_jacobian_covers_alternating_methods():
    game = Bilinear([[1.0]])
    betas = np.array([-0.6, -0.3, 0.0, 0.3])
    m = regions.hyperparameter_map(
        lambda beta: Momentum(0.5, beta, alternating=True), game=game, beta=betas
    )  # z defaults to the game's fixed point
    expected = [spectral_radius(Momentum(0.5, b, alternating=True), game, [0, 0]) for b in betas]
    np.testing.assert_allclose(m.rate, expected, rtol=1e-12)
    assert m.rate[0] < 1 and m.rate[-1] > 1  # Gidel et al. 2019: negative momentum converges


def test_hyperparameter_map_marks_refused_hyperparameters_as_nan():
    m = regions.hyperparameter_map(
        lambda k, alpha: Lookahead(GDA(0.3), k, alpha),
        game=Bilinear([[1.0]]),
        k=range(1, 4),
        alpha=[0.5, 1.5],  # α ∈ (0, 1]
    )
    assert m.axes[0].dtype.kind == "i"
    assert np.all(np.isfinite(m.rate[:, 0])) and np.all(np.isnan(m.rate[:, 1]))
    point, rho = m.best()
    assert isinstance(point["k"], int) and point["alpha"] == 0.5
    assert rho == pytest.approx(np.nanmin(m.rate))


# --- tuning ----------------------------------------------------------------------------------


def test_tune_gda_on_a_real_spectrum_finds_two_over_m_plus_l():
    m, L = 0.1, 1.0
    tuned = regions.tune(lambda lr: GDA(lr), np.linspace(m, L, 9), lr=(1e-3, 2.0))
    assert tuned.hyperparameters["lr"] == pytest.approx(2 / (m + L), rel=1e-9)
    assert tuned.rate == pytest.approx((L - m) / (L + m), rel=1e-10)


def test_tune_gda_through_the_operator_jacobian():
    m, L = 0.2, 3.0
    game = Quadratic(np.diag([m, 1.0]), np.diag([2.0, L]), np.zeros((2, 2)), np.zeros((2, 2)))
    tuned = regions.tune(lambda lr: GDA(lr), game=game, lr=(1e-3, 2.0))
    assert tuned.hyperparameters["lr"] == pytest.approx(2 / (m + L), rel=1e-9)
    assert tuned.rate == pytest.approx((L - m) / (L + m), rel=1e-10)


def test_tune_momentum_finds_polyaks_heavy_ball():
    # Optimum at the double root: η = 4/(√L + √m)², β = ((√L − √m)/(√L + √m))², ρ = √β.
    m, L = 0.05, 1.0
    q = (np.sqrt(L) - np.sqrt(m)) / (np.sqrt(L) + np.sqrt(m))
    tuned = regions.tune(
        lambda lr, beta: Momentum(lr, beta), [m, 0.3, L], lr=(1e-3, 5.0), beta=(-0.5, 0.99)
    )
    assert tuned.rate == pytest.approx(q, rel=1e-8)
    assert tuned.hyperparameters["lr"] == pytest.approx(
        4 / (np.sqrt(L) + np.sqrt(m)) ** 2, rel=1e-5
    )
    assert tuned.hyperparameters["beta"] == pytest.approx(q**2, rel=1e-5)


def test_tune_flags_an_optimum_on_the_edge_of_its_box_and_not_inside():
    # GDA on the real spectrum [m, L]: ρ(η) = max(|1 − ηm|, |1 − ηL|) falls until η = 2/(m + L).
    # A box ending below that puts the best point on its upper bound; widening it frees it.
    m, L = 0.1, 1.0
    with pytest.warns(regions.OptimumOnEdgeWarning, match="lr = 1 at its upper bound 1"):
        boxed = regions.tune(lambda lr: GDA(lr), [m, L], lr=(1e-3, 1.0))
    assert boxed.on_edge == ("lr",)
    assert boxed.hyperparameters["lr"] == pytest.approx(1.0, abs=1e-9)
    assert boxed.rate == pytest.approx(1 - m, rel=1e-12)  # |1 − η m| at η = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        free = regions.tune(lambda lr: GDA(lr), [m, L], lr=(1e-3, 4.0))
    assert free.on_edge == ()
    assert free.rate < boxed.rate
    # the lower bound, and an integer hyperparameter at the end of its range: lookahead around
    # GDA on a real spectrum contracts faster with more inner steps, so k = hi is the box's best
    with pytest.warns(regions.OptimumOnEdgeWarning, match="lr = 3 at its lower bound 3"):
        low = regions.tune(lambda lr: GDA(lr), [m, L], lr=(3.0, 4.0))
    assert low.on_edge == ("lr",)
    with pytest.warns(regions.OptimumOnEdgeWarning, match="k = 3 at its upper bound"):
        deep = regions.tune(lambda k: Lookahead(GDA(0.5), k, 0.5), [m, L], k=(1, 3))
    assert deep.on_edge == ("k",) and deep.hyperparameters["k"] == 3


def brute_force_min(f, lo, hi, levels=5, points=401):
    """Minimum of ``f(X, Y)`` on a box by zooming grids (each ±3 cells around the best)."""
    (x0, y0), (x1, y1) = lo, hi
    for _ in range(levels):
        x, y = np.linspace(x0, x1, points), np.linspace(y0, y1, points)
        values = f(x[:, None], y[None, :])
        i, j = np.unravel_index(np.argmin(values), values.shape)
        dx, dy = 3 * (x[1] - x[0]), 3 * (y[1] - y[0])
        best = (x[i], y[j], values[i, j])
        x0, x1 = max(lo[0], x[i] - dx), min(hi[0], x[i] + dx)
        y0, y1 = max(lo[1], y[j] - dy), min(hi[1], y[j] + dy)
    return best


def test_tune_consensus_on_a_bilinear_spectrum_matches_brute_force():
    sigmas = np.array([0.5, 1.0])
    lam = np.concatenate([1j * sigmas, -1j * sigmas])

    def rate(lr, gamma):  # |1 − η(iσ + γσ²)| for a normal Jacobian, worst σ
        return np.max(
            [np.sqrt((1 - lr * gamma * s**2) ** 2 + (lr * s) ** 2) for s in sigmas], axis=0
        )

    lr_b, gamma_b, rho_b = brute_force_min(rate, (0.01, 0.0), (2.0, 2.0))
    # Here γ sits on its bound and η where the two σ tie: 1 − 4η + 5η² = 1 − η + η²/2,
    # η = 2/3, ρ = √5/3.
    assert (lr_b, gamma_b, rho_b) == pytest.approx((2 / 3, 2.0, np.sqrt(5) / 3), abs=1e-6)
    with pytest.warns(regions.OptimumOnEdgeWarning, match="gamma = 2 at its upper bound 2"):
        tuned = regions.tune(
            lambda lr, gamma: Consensus(lr, gamma), lam, lr=(0.01, 2.0), gamma=(0.0, 2.0)
        )
    assert tuned.on_edge == ("gamma",)
    assert tuned.rate <= rho_b + 1e-12
    assert tuned.rate == pytest.approx(rho_b, abs=1e-9)
    assert tuned.rate == pytest.approx(np.sqrt(5) / 3, abs=1e-12)
    assert tuned.hyperparameters["lr"] == pytest.approx(lr_b, abs=1e-6)
    assert tuned.hyperparameters["gamma"] == pytest.approx(gamma_b, abs=1e-6)


def test_tune_searches_integer_hyperparameters_over_integers():
    lam = np.array([0.05 + 1.0j, 0.05 - 1.0j, 0.3 + 0.2j, 0.3 - 0.2j])
    lr = 0.5
    tuned = regions.tune(
        lambda k, alpha: Lookahead(GDA(lr), k, alpha), lam, k=(1, 8), alpha=(0.05, 1.0)
    )
    assert isinstance(tuned.hyperparameters["k"], int)
    # Brute force with the closed form μ = 1 − α + α(1 − ηλ)^k, α on a fine grid.
    alpha = np.linspace(0.05, 1.0, 20001)[:, None]
    best = min(
        (np.abs(1 - alpha + alpha * (1 - lr * lam) ** k).max(axis=1).min(), k) for k in range(1, 9)
    )
    assert tuned.hyperparameters["k"] == best[1]
    assert tuned.rate <= best[0] + 1e-12
    assert tuned.rate == pytest.approx(best[0], abs=1e-6)


@pytest.mark.slow
def test_tune_cgd_through_the_operator_jacobian_takes_the_largest_step():
    # CGD on x^T A y: ρ = 1/√(1 + η²σ_min²), decreasing in η: the optimum is the upper bound.
    game = Bilinear(np.diag([1.0, 0.5]))
    with pytest.warns(regions.OptimumOnEdgeWarning, match="lr = 2 at its upper bound 2"):
        tuned = regions.tune(lambda lr: CGD(lr), game=game, z=np.zeros(4), lr=(0.1, 2.0))
    assert tuned.on_edge == ("lr",)
    assert tuned.hyperparameters["lr"] == pytest.approx(2.0, abs=1e-9)
    assert tuned.rate == pytest.approx(1 / np.sqrt(1 + 4 * 0.25), rel=1e-10)


# --- argument checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bounds, error, match",
    [
        ({"lr": (2.0, 1.0)}, ValueError, "bounds for lr must satisfy lo < hi"),
        ({"lr": (1.0, 1.0)}, ValueError, "bounds for lr must satisfy lo < hi"),
        ({"lr": (0.1, np.inf)}, ValueError, "bounds for lr: hi must be finite"),
        ({"lr": (np.nan, 1.0)}, ValueError, "bounds for lr: lo must be finite"),
        ({"lr": 0.5}, ValueError, r"bounds for lr must be a pair \(lo, hi\)"),
        ({"lr": (0.1, 0.5, 0.9)}, ValueError, r"bounds for lr must be a pair"),
        ({"lr": ("a", 1.0)}, TypeError, "bounds for lr: lo must be a real number"),
        ({}, ValueError, "at least one hyperparameter"),
    ],
)
def test_tune_checks_bounds(bounds, error, match):
    with pytest.raises(error, match=match):
        regions.tune(lambda lr=0.1: GDA(lr), game=Bilinear([[1.0]]), **bounds)


def test_tune_checks_integer_bounds_and_sources():
    game = Bilinear([[1.0]])

    def make(k, alpha=0.5):
        return Lookahead(GDA(0.1), k, alpha)

    with pytest.raises(TypeError, match="bounds for k are searched over integers"):
        regions.tune(make, game=game, k=(1.0, 4.0))
    with pytest.raises(ValueError, match="bounds for k must satisfy lo <= hi"):
        regions.tune(make, game=game, k=(4, 1))
    with pytest.raises(ValueError, match="exactly one of eigenvalues= .* or game="):
        regions.tune(make, k=(1, 3))
    with pytest.raises(ValueError, match="exactly one of"):
        regions.tune(make, [1j], game=game, k=(1, 3))
    with pytest.raises(ValueError, match="z= goes with game="):
        regions.tune(make, [1j], z=[0, 0], k=(1, 3))
    with pytest.raises(TypeError, match="make_method must be callable"):
        regions.tune(GDA(0.1), game=game, lr=(0.1, 1.0))
    with pytest.raises(ValueError, match="eigenvalues has non-finite"):
        regions.hyperparameter_map(make, [np.nan], k=[1])
    with pytest.raises(ValueError, match="refused every hyperparameter"):
        regions.tune(make, game=game, k=(1, 2), alpha=(1.5, 2.0))
