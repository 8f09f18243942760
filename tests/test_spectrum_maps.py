"""Eigenvalue maps ``μ(λ)`` (gamedyn.spectrum), held against the numeric operator spectra.

Every map here is derived from a method's one step run on sympy; the references are the
numeric path (``jacfwd`` through the same step on torch), ``numpy.linalg.eigvals`` and
formulas from the literature written out by hand in the tests only.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp
from helpers import normal_game, random_bilinear

from gamedyn.games import Quadratic, SymbolicGame
from gamedyn.methods import (
    ACGD,
    CGD,
    GDA,
    LEAD,
    LOLA,
    SGA,
    SOS,
    AltGDA,
    Consensus,
    ExtraGradient,
    HamiltonianGD,
    Lookahead,
    Momentum,
    OptimisticGDA,
)
from gamedyn.spectrum import (
    NoEigenvalueMap,
    bilinear_rates,
    bilinear_spectral_radius,
    characteristic_polynomial,
    eigenvalue_map,
    eigenvalues,
    latex,
    numeric_eigenvalue_map,
    operator_jacobian,
    sort_eigenvalues,
)
from gamedyn.spectrum._maps import _lambdified_invariants, _map_by_running_the_step

x, y = sp.symbols("x y", real=True)
eta, beta, alpha, gamma = sp.symbols("eta beta alpha gamma", positive=True)
lam, mu = sp.symbols("lambda mu")
XY = SymbolicGame([x], [y], x * y, -x * y)
VALUES = {eta: 0.3, beta: 0.4, alpha: 0.6, gamma: 0.7}


# --- eigenvalue maps --------------------------------------------------------------------------


def random_normal_game(seed: int, pairs: int = 3) -> Quadratic:
    """``J = W diag(blocks [[p_j, σ_j], [−σ_j, p_j]]) Wᵀ`` for an orthogonal ``W``: normal.

    Written as a general-sum quadratic game (``Axx``, ``Ayy`` symmetric with eigenvalues
    ``p_j``, coupling ``Axy = U diag(σ) Vᵀ = −Ayxᵀ``).
    """
    rng = np.random.default_rng(seed)
    rng.standard_normal((2, pairs, pairs))  # the draws of normal_game's bases U and V
    p, sigma = rng.uniform(0.0, 1.0, pairs), rng.uniform(0.2, 1.5, pairs)
    return normal_game(p, sigma, seed)


SUPPORTED = [
    GDA(0.4),
    ExtraGradient(0.4),
    OptimisticGDA(0.4),
    Momentum(0.4, 0.5),
    Momentum(0.4, -0.5),
    Momentum(0.1, -0.9),
    Consensus(0.4, 0.8),
    Lookahead(GDA(0.4), k=5, alpha=0.5),
    Lookahead(ExtraGradient(0.5), k=3, alpha=0.4),
    Lookahead(OptimisticGDA(0.3), k=4, alpha=0.3),
    Lookahead(Momentum(0.3, 0.4), k=2, alpha=0.6),
    Lookahead(Momentum(0.3, -0.4), k=3, alpha=0.7),
    Lookahead(Consensus(0.3, 0.5), k=2, alpha=0.9),
    HamiltonianGD(0.4),
    SGA(0.4, 0.6),
    SGA(0.4, 0.6, align=True),  # the alignment keeps λ near fixed points: the same map
    Lookahead(SGA(0.3, 0.5), k=3, alpha=0.5),
]


@pytest.mark.parametrize("method", SUPPORTED, ids=repr)
@pytest.mark.parametrize("kind", ["normal", "bilinear"])
def test_eigenvalue_map_equals_the_operator_spectrum_on_normal_games(method, kind):
    game = random_normal_game(4) if kind == "normal" else random_bilinear(5, 3, 3)
    J = game.J.numpy()
    np.testing.assert_allclose(J @ J.T, J.T @ J, atol=1e-12)  # normal
    lam = np.linalg.eigvals(J)
    mapped = eigenvalue_map(method, lam)
    assert mapped.shape == (game.n, method.order)
    reference = eigenvalues(game, method=method, z=np.zeros(game.n))
    np.testing.assert_allclose(sort_eigenvalues(mapped.ravel()), reference, atol=1e-10)


@pytest.mark.parametrize("method", SUPPORTED, ids=repr)
def test_numeric_map_equals_the_exact_map(method):
    lam_values = np.array([[0.3 + 1.2j, 1.0], [-0.2 - 0.5j, 2.0j]])
    numeric = eigenvalue_map(method, lam_values)
    assert numeric.shape == (2, 2, method.order)
    exact_roots = eigenvalue_map(method, lam)
    for value, row in zip(lam_values.ravel(), numeric.reshape(-1, method.order), strict=True):
        exact = [complex(r.subs(lam, value).evalf(20)) for r in exact_roots]
        np.testing.assert_allclose(row, sort_eigenvalues(exact), atol=1e-12)
    # the same map from the step run directly on the arrays, without lambdify
    np.testing.assert_allclose(numeric, _map_by_running_the_step(method, lam_values), atol=1e-12)


def test_numeric_map_is_sorted_and_shaped():
    lam_values = np.linspace(-1, 3, 7)  # real λ: momentum's roots are a conjugate pair or real
    mapped = eigenvalue_map(Momentum(0.5, 0.8), lam_values)
    assert mapped.shape == (7, 2)
    for row in mapped:
        np.testing.assert_array_equal(row, sort_eigenvalues(row))
    assert eigenvalue_map(GDA(0.5), 2.0).shape == (1,)
    np.testing.assert_allclose(eigenvalue_map(GDA(0.5), [[1j, 2.0]]), [[[1 - 0.5j], [0.0]]])


def test_lambdified_maps_are_cached_per_kind_of_method():
    numeric_eigenvalue_map(Lookahead(Momentum(0.1, 0.2), k=3, alpha=0.5))
    before = _lambdified_invariants.cache_info()
    start = time.perf_counter()
    for lr in np.linspace(0.1, 1.0, 20):  # new values, same kind: no new derivation
        eigenvalue_map(Lookahead(Momentum(lr, -0.3), k=3, alpha=0.4), np.array([1j, 0.5]))
    after = _lambdified_invariants.cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 20
    assert time.perf_counter() - start < 0.5
    numeric_eigenvalue_map(Lookahead(Momentum(0.1, 0.2), k=4, alpha=0.5))  # another k: derived
    assert _lambdified_invariants.cache_info().misses == after.misses + 1


def test_characteristic_polynomials():
    poly = characteristic_polynomial(Momentum(lr=eta, beta=beta), lam, mu)
    assert sp.expand(poly - (mu**2 - (1 + beta - eta * lam) * mu + beta)) == 0
    poly = characteristic_polynomial(OptimisticGDA(lr=eta), lam, mu)
    assert sp.expand(poly - (mu**2 - (1 - 2 * eta * lam) * mu - eta * lam)) == 0


def test_exact_maps_match_the_literature():
    assert eigenvalue_map(GDA(lr=eta), lam) == [1 - eta * lam]
    (eg,) = eigenvalue_map(ExtraGradient(lr=eta), lam)
    assert sp.expand(eg - (1 - eta * lam + eta**2 * lam**2)) == 0
    (la,) = eigenvalue_map(Lookahead(ExtraGradient(lr=eta), k=3, alpha=alpha), lam)
    assert sp.expand(la - (1 - alpha + alpha * eg**3)) == 0
    (cons,) = eigenvalue_map(Consensus(lr=eta, gamma=gamma), lam)
    assert sp.expand(cons - (1 - eta * (lam + gamma * lam * sp.conjugate(lam)))) == 0
    (hgd,) = eigenvalue_map(HamiltonianGD(lr=eta), lam)
    assert sp.expand(hgd - (1 - eta * lam * sp.conjugate(lam))) == 0
    for align in (False, True):  # Aᵀ acts as (conj λ − λ)/2 on an eigenvector of a normal J
        (sga,) = eigenvalue_map(SGA(lr=eta, lam=gamma, align=align), lam)
        expected = 1 - eta * (lam + gamma * lam * (sp.conjugate(lam) - lam) / 2)
        assert sp.expand(sga - expected) == 0
    # lookahead interpolates the whole augmented state: μ = 1 − α + α m(λ)^k for each root m
    for m, l in zip(
        eigenvalue_map(Momentum(0.3, -0.4), np.array([0.5 + 1j])).ravel(),
        eigenvalue_map(Lookahead(Momentum(0.3, -0.4), 3, 0.7), np.array([0.5 + 1j])).ravel(),
        strict=True,
    ):
        np.testing.assert_allclose(l, 1 - 0.7 + 0.7 * m**3, atol=1e-12)


def test_exact_rates_on_x_times_y():
    assert bilinear_spectral_radius(GDA(lr=eta)) == sp.sqrt(eta**2 + 1)
    radius = bilinear_spectral_radius(ExtraGradient(lr=eta))
    assert sp.simplify(radius - sp.sqrt(eta**4 - eta**2 + 1)) == 0
    (consensus,) = bilinear_rates(Consensus(lr=eta, gamma=gamma))
    assert sp.simplify(consensus**2 - ((1 - eta * gamma) ** 2 + eta**2)) == 0
    hgd = bilinear_spectral_radius(HamiltonianGD(lr=eta))  # |1 − η| = √((1 − η)²)
    assert sp.expand(hgd**2 - (1 - eta) ** 2) == 0
    (sga,) = bilinear_rates(SGA(lr=eta, lam=gamma))  # |1 − η(λ + i)|
    assert sp.simplify(sga**2 - ((1 - eta * gamma) ** 2 + eta**2)) == 0
    sigma = sp.Symbol("sigma", positive=True)
    assert bilinear_spectral_radius(GDA(lr=eta), sigma) == sp.sqrt(eta**2 * sigma**2 + 1)
    # momentum: the larger modulus of the two roots, against the numeric map
    rates = bilinear_rates(Momentum(lr=eta, beta=beta))
    numeric = np.abs(eigenvalue_map(Momentum(0.3, 0.4), np.array([1j]))).max()
    assert max(abs(complex(r.subs(VALUES))) for r in rates) == pytest.approx(numeric, abs=1e-12)
    assert latex(sp.sqrt(eta**2 + 1)) == r"\sqrt{\eta^{2} + 1}"
    assert latex(operator_jacobian(GDA(lr=eta), XY, [0, 0])).startswith(r"\left[\begin{matrix}")


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [
        AltGDA(0.1),
        Momentum(0.1, -0.5, alternating=True),
        CGD(0.1),
        GDA((0.1, 0.2)),
        Momentum((0.1, 0.2), 0.3),
        Lookahead(AltGDA(0.1), k=2, alpha=0.5),
        LOLA(0.1),  # the losses, not only J
        SOS(0.1),
        LEAD(0.1, 0.3, 0.2),  # J's coupling blocks
        ACGD(0.1),
        SGA((0.1, 0.2), 0.5),
    ],
    ids=repr,
)
def test_no_eigenvalue_map_names_the_alternative(method):
    with pytest.raises(NoEigenvalueMap, match="has no eigenvalue map.*operator_jacobian"):
        eigenvalue_map(method, np.array([1j]))
    with pytest.raises(ValueError, match="has no eigenvalue map.*operator_jacobian"):
        eigenvalue_map(method, lam)
    with pytest.raises(ValueError, match="has no eigenvalue map"):
        characteristic_polynomial(method, lam, mu)


def test_map_input_errors():
    with pytest.raises(ValueError, match="symbolic hyperparameters"):
        eigenvalue_map(GDA(lr=eta), np.array([1j]))
    with pytest.raises(TypeError, match="mu must be a sympy Symbol"):
        characteristic_polynomial(GDA(lr=eta), lam, "mu")
