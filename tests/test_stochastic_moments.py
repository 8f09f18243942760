"""Exact second moments under additive noise, held against an independent Lyapunov computation
(scipy on hand-built T and B), closed forms and Monte Carlo (≥ 1000 vectorised runs)."""

import numpy as np
import pytest
import scipy.linalg
import torch

from gamedyn.games import AdditiveNoise
from gamedyn.methods import (
    EMA,
    GDA,
    ExtraGradient,
    IterateAverage,
    Lookahead,
    Momentum,
    OptimisticGDA,
)
from gamedyn.stochastic import (
    linearise,
    mse_curve,
    stationary_covariance,
    stationary_mse,
    stochastic_run,
)
from gamedyn.stochastic._moments import _stationary_state
from tests.helpers import normal_game, random_bilinear, random_quadratic


@pytest.fixture(autouse=True)
def one_thread():
    """Small batched products run far faster on one thread on this shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


BILINEAR = random_bilinear(0, linear=True)  # σ = 1, 0.5; z* ≠ 0
QUADRATIC = random_quadratic(1, nx=2, ny=1, linear=True)  # non-normal J, Re λ > 0
rng = np.random.default_rng(5)
_L = rng.standard_normal((4, 4))
SIGMA4 = 0.2 * _L @ _L.T / 4 + 0.05 * np.eye(4)  # a full noise covariance
_L = rng.standard_normal((3, 3))
SIGMA3 = 0.2 * _L @ _L.T / 3 + 0.05 * np.eye(3)


def _J(game):
    return game.J.numpy()


def hand_built(name, game, lr, **kw):
    """``(T, [B_j])`` written out by hand for each method (independent of gamedyn's step)."""
    J = _J(game)
    n = J.shape[0]
    eye = np.eye(n)
    G = eye - lr * J
    if name == "gda":
        return G, [-lr * eye]
    if name in ("eg", "eg-same"):
        T = eye - lr * J + lr**2 * J @ J
        B = [lr**2 * J, -lr * eye]
        return (T, [B[0] + B[1]]) if name == "eg-same" else (T, B)
    if name == "ogda":  # state (z_t, η g_{t−1})
        T = np.block([[eye - 2 * lr * J, eye], [lr * J, np.zeros((n, n))]])
        return T, [np.vstack([-2 * lr * eye, lr * eye])]
    if name == "heavy-ball":  # state (z_t, z_{t−1})
        beta = kw["beta"]
        T = np.block([[(1 + beta) * eye - lr * J, -beta * eye], [eye, np.zeros((n, n))]])
        return T, [np.vstack([-lr * eye, np.zeros((n, n))])]
    if name in ("la-gda", "la-eg"):
        k, alpha = kw["k"], kw["alpha"]
        base = "gda" if name == "la-gda" else ("eg-same" if kw.get("same") else "eg")
        Tb, Bb = hand_built(base, game, lr)
        T = (1 - alpha) * eye + alpha * np.linalg.matrix_power(Tb, k)
        B = [alpha * np.linalg.matrix_power(Tb, k - 1 - j) @ b for j in range(k) for b in Bb]
        return T, B
    if name == "ema-gda":  # state (z_t, z̄_t)
        beta = kw["beta"]
        T = np.block([[G, np.zeros((n, n))], [(1 - beta) * G, beta * eye]])
        return T, [np.vstack([-lr * eye, -(1 - beta) * lr * eye])]
    raise KeyError(name)


def build(name, lr, **kw):
    return {
        "gda": lambda: GDA(lr),
        "eg": lambda: ExtraGradient(lr),
        "eg-same": lambda: ExtraGradient(lr),
        "ogda": lambda: OptimisticGDA(lr),
        "heavy-ball": lambda: Momentum(lr, kw["beta"]),
        "la-gda": lambda: Lookahead(GDA(lr), kw["k"], kw["alpha"]),
        "la-eg": lambda: Lookahead(ExtraGradient(lr), kw["k"], kw["alpha"]),
        "ema-gda": lambda: EMA(GDA(lr), kw["beta"]),
    }[name]()


CASES = [
    ("bilinear", "eg", 0.7, {}),
    ("bilinear", "eg-same", 0.7, {}),
    ("bilinear", "ogda", 0.4, {}),
    ("bilinear", "la-gda", 0.3, {"k": 5, "alpha": 0.5}),
    ("bilinear", "la-eg", 0.5, {"k": 3, "alpha": 0.5}),
    ("bilinear", "la-eg", 0.5, {"k": 3, "alpha": 0.5, "same": True}),
    ("quadratic", "gda", 0.3, {}),
    ("quadratic", "eg", 0.3, {}),
    ("quadratic", "eg-same", 0.3, {}),
    ("quadratic", "ogda", 0.2, {}),
    ("quadratic", "heavy-ball", 0.2, {"beta": -0.3}),
    ("quadratic", "heavy-ball", 0.1, {"beta": 0.5}),
    ("quadratic", "la-gda", 0.3, {"k": 5, "alpha": 0.5}),
    ("quadratic", "la-eg", 0.3, {"k": 3, "alpha": 0.7}),
    ("quadratic", "ema-gda", 0.3, {"beta": 0.9}),
]


def _game(which):
    return (BILINEAR, SIGMA4) if which == "bilinear" else (QUADRATIC, SIGMA3)


def _ids(case):
    return f"{case[0]}-{case[1]}{'-same' if case[3].get('same') else ''}-{case[2]}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_equals_an_independent_lyapunov_solution(case):
    which, name, lr, kw = case
    game, sigma = _game(which)
    T, Bs = hand_built(name, game, lr, **kw)
    Q = sum(B @ sigma @ B.T for B in Bs)
    expected = scipy.linalg.solve_discrete_lyapunov(T, Q)
    method = build(name, lr, **kw)
    same = name == "eg-same" or bool(kw.get("same"))
    lin = linearise(
        method,
        game,
        _stationary_state(method, game, game.default_point()),
        same,
    )
    np.testing.assert_allclose(lin.T, T, atol=1e-12)
    np.testing.assert_allclose(np.hstack(lin.noise_blocks()), np.hstack(Bs), atol=1e-12)
    C = stationary_covariance(method, game, sigma, same_sample=same, state=True)
    np.testing.assert_allclose(C, expected, rtol=1e-9, atol=1e-12)
    n = game.n
    iterate = expected[n:, n:] if name == "ema-gda" else expected[:n, :n]  # EMA reports z̄
    np.testing.assert_allclose(
        stationary_covariance(method, game, sigma, same_sample=same),
        iterate,
        rtol=1e-9,
        atol=1e-12,
    )


def test_samples_per_step_follow_the_evaluations_really_made():
    z = BILINEAR.default_point()

    def samples(method, same=False):
        m = method
        return linearise(m, BILINEAR, _stationary_state(m, BILINEAR, z), same).samples

    assert samples(GDA(0.1)) == 1
    assert samples(ExtraGradient(0.1)) == 2
    assert samples(ExtraGradient(0.1), same=True) == 1
    assert samples(OptimisticGDA(0.1)) == 1  # the stored gradient is reused, not redrawn
    assert samples(Lookahead(GDA(0.1), 4, 0.5)) == 4
    assert samples(Lookahead(ExtraGradient(0.1), 3, 0.5)) == 6
    assert samples(Lookahead(ExtraGradient(0.1), 3, 0.5), same=True) == 3


def test_gda_on_a_normal_jacobian_has_a_closed_form():
    a, s = np.array([0.5, 1.0]), np.array([1.0, 2.0])
    game = normal_game(a, s, seed=3)
    lr, sigma2 = 0.2, 0.7
    C = stationary_covariance(GDA(lr), game, sigma2)
    lam = np.concatenate([a + 1j * s, a - 1j * s])
    # tr C = σ² η Σ_λ 1/(2 Re λ − η |λ|²)
    trace = sigma2 * lr * np.sum(1 / (2 * lam.real - lr * np.abs(lam) ** 2))
    assert np.trace(C) == pytest.approx(trace, rel=1e-10)
    # C = σ² η² U diag(1/(1 − |1 − ηλ|²)) U* in J's unitary eigenbasis
    S, U = scipy.linalg.schur(_J(game).astype(complex), output="complex")
    d = np.diag(S)
    full = sigma2 * lr**2 * (U @ np.diag(1 / (1 - np.abs(1 - lr * d) ** 2)) @ U.conj().T)
    np.testing.assert_allclose(C, full.real, atol=1e-12)
    assert np.abs(full.imag).max() < 1e-12


def _monte_carlo_check(method, game, sigma, z0, steps, exact_cov, same=False, runs=2000):
    """The empirical covariance of the iterate at ``steps`` against ``exact_cov``: the trace
    (E‖z − z*‖²) and every entry inside 4.5 standard errors."""
    out = stochastic_run(
        method, AdditiveNoise(game, sigma), z0, steps, runs=runs, seed=11, same_sample=same
    )
    e = out[:, -1] - game.default_point().numpy()
    sq = (e**2).sum(1)
    se = sq.std(ddof=1) / np.sqrt(runs)
    assert abs(sq.mean() - np.trace(exact_cov)) < 4.5 * se, (sq.mean(), np.trace(exact_cov), se)
    products = e[:, :, None] * e[:, None, :]
    z = (products.mean(0) - exact_cov) / (products.std(0, ddof=1) / np.sqrt(runs))
    assert np.abs(z).max() < 4.5, z


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c[1] != "ema-gda"] + [("bilinear", "alt-heavy-ball", 0.6, {"beta": -0.3})],
    ids=_ids,
)
def test_matches_monte_carlo_at_stationarity(case):
    which, name, lr, kw = case
    game, sigma = _game(which)
    if name == "alt-heavy-ball":
        method = Momentum(lr, kw["beta"], alternating=True)
    else:
        method = build(name, lr, **kw)
    same = name == "eg-same" or bool(kw.get("same"))
    rho = np.abs(
        np.linalg.eigvals(
            linearise(
                method,
                game,
                _stationary_state(method, game, game.default_point()),
                same,
            ).T
        )
    ).max()
    # from z*, C_t = C − Tᵗ C Tᵗᵀ: ρ^{2t} ≤ 1e-3 is stationary well inside the MC error (~3 %)
    steps = int(np.ceil(np.log(1e-3) / (2 * np.log(rho))))
    C = stationary_covariance(method, game, sigma, same_sample=same)
    _monte_carlo_check(method, game, sigma, game.default_point(), steps, C, same)


def test_independent_and_shared_samples_differ_as_the_injections_say():
    # B_same = η²J − ηI against B = [η²J, −ηI]: Q_same − Q_sem = −η³ σ² (J + Jᵀ) for Σ = σ² I,
    # zero on a bilinear game (J + Jᵀ = 0), and lower with one sample where J + Jᵀ ≻ 0.
    for game, equal in ((BILINEAR, True), (QUADRATIC, False)):
        shared = stationary_mse(ExtraGradient(0.3), game, 1.0, same_sample=True)
        sem = stationary_mse(ExtraGradient(0.3), game, 1.0)
        if equal:
            assert shared == pytest.approx(sem, rel=1e-10)
        else:
            assert shared < 0.9 * sem


def test_no_stationary_covariance_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="spectral radius"):
        stationary_covariance(GDA(0.1), BILINEAR, 1.0)  # GDA spirals out on a bilinear game
    with pytest.raises(ValueError, match="time-invariant"):
        stationary_covariance(IterateAverage(GDA(0.1)), QUADRATIC, 1.0)
    with pytest.raises(ValueError, match="fixed point"):
        stationary_covariance(GDA(0.1), QUADRATIC, 1.0, z=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="positive semi-definite"):
        stationary_covariance(GDA(0.1), QUADRATIC, -np.eye(3))
    with pytest.raises(ValueError, match="variance"):
        stationary_covariance(GDA(0.1), QUADRATIC, -1.0)
    with pytest.raises(TypeError, match="same_sample"):
        stationary_covariance(GDA(0.1), QUADRATIC, 1.0, same_sample="yes")


@pytest.mark.parametrize(
    "method",
    [
        GDA(0.3),
        ExtraGradient(0.3),
        Momentum(0.2, -0.3),
        Lookahead(GDA(0.3), 5, 0.5),
        EMA(GDA(0.3), 0.9),
    ],
    ids=repr,
)
def test_the_mse_curve_tends_to_the_stationary_floor(method):
    z0 = QUADRATIC.default_point() + 1.0
    curve = mse_curve(method, QUADRATIC, SIGMA3, z0, 400)
    assert curve[0] == pytest.approx(3.0)
    assert curve[-1] == pytest.approx(stationary_mse(method, QUADRATIC, SIGMA3), rel=1e-8)


@pytest.mark.parametrize(
    "method", [ExtraGradient(0.3), IterateAverage(GDA(0.3)), EMA(GDA(0.3), 0.8)], ids=repr
)
def test_the_mse_curve_without_noise_is_the_deterministic_run(method):
    import gamedyn

    z0 = QUADRATIC.default_point() + torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64)
    curve = mse_curve(method, QUADRATIC, 0.0, z0, 30)
    run = gamedyn.run(method, QUADRATIC, z0, 30)
    expected = ((run - QUADRATIC.default_point().numpy()) ** 2).sum(1)
    np.testing.assert_allclose(curve, expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    "method",
    [IterateAverage(ExtraGradient(0.5)), IterateAverage(GDA(0.3)), EMA(ExtraGradient(0.5), 0.9)],
    ids=repr,
)
def test_averaged_iterates_mse_matches_monte_carlo(method):
    game = BILINEAR if "Extra" in repr(method) else QUADRATIC
    sigma = SIGMA4 if game is BILINEAR else SIGMA3
    z0 = game.default_point() + 0.5
    steps = 60
    out = stochastic_run(method, AdditiveNoise(game, sigma), z0, steps, runs=2000, seed=3)
    sq = ((out - game.default_point().numpy()) ** 2).sum(-1)
    curve = mse_curve(method, game, sigma, z0, steps)
    se = sq.std(0, ddof=1) / np.sqrt(sq.shape[0])
    for t in (5, 20, 60):
        assert abs(sq[:, t].mean() - curve[t]) < 4.5 * se[t], (t, sq[:, t].mean(), curve[t])


@pytest.mark.parametrize("method", [GDA(0.5), ExtraGradient(0.5)], ids=repr)
def test_the_linearisation_predicts_small_noise_on_a_nonlinear_game(method):
    from gamedyn.games import DiracGAN

    game = DiracGAN(reg="r1", gamma=1.0)  # equilibrium at 0, J has Re λ > 0 with R1
    C = stationary_covariance(method, game, 1e-4)
    out = stochastic_run(method, AdditiveNoise(game, 1e-4), game.default_point(), 200, runs=2000)
    sq = (out[:, -1] ** 2).sum(1)
    assert abs(sq.mean() - np.trace(C)) < 4.5 * sq.std(ddof=1) / np.sqrt(sq.size)
