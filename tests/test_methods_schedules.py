"""Game plays over per-player transforms (gamedyn.methods, .transforms, .composed):
the operators' Jacobians — exact, with the moments in the state, and frozen-preconditioner —
three ways, against closed forms, against runs, and matrix-free against dense."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import central_jacobian, random_bilinear, random_quadratic, tensor, tiny_gan
from torch.func import jacrev

import gamedyn
from gamedyn.backends import TorchOps, flatten, step_map
from gamedyn.methods import (
    GDA,
    Adam,
    AdamTransform,
    Count,
    ExtraAdam,
    HeavyBallTransform,
    Lookahead,
    Momentum,
    OptimiserState,
    Optimistic,
    OptimisticAdam,
    OptimisticGDA,
    PastExtraAdam,
    PlainTransform,
    RMSProp,
    Simultaneous,
)
from gamedyn.spectrum import (
    JacobianOperator,
    KrylovSchur,
    eigenvalues,
    operator_jacobian,
    spectral_radius,
)


def warmed(make, game, steps=4, z0=None):
    """``make(state)`` started from the optimiser state ``make(None)`` reaches after ``steps``
    steps from ``z0`` (default: the game's default point moved by a fixed random vector, so that
    the gradients, and Adam's second moment, are non-zero), and the iterate there."""
    fresh = make(None)
    if z0 is None:
        shift = np.random.default_rng(0).uniform(-0.5, 0.5, game.n)
        z0 = game.default_point().detach().numpy() + shift
    ops, state = TorchOps(game), fresh.init(game.point(z0))
    for _ in range(steps):
        state = fresh.step(ops, state)
    return make(fresh.optimiser_state(state, game.nx)), state[0]


OPTIMISERS = {
    "adam": lambda s: Adam((0.05, 0.08), (0.5, 0.9), eps=1e-3, start=s),
    "adam-alt-5": lambda s: Adam(0.05, (0.5, 0.9), eps=1e-3, alternating=True, n_critic=5, start=s),
    "adam-alt-x": lambda s: Adam(0.05, (0.9, 0.99), eps=1e-3, alternating=True, first="x", start=s),
    "adamw": lambda s: Adam(0.05, (0.5, 0.9), 1e-3, 0.2, decoupled_weight_decay=True, start=s),
    "extra-adam": lambda s: ExtraAdam(0.05, (0.5, 0.9), eps=1e-3, start=s),
    "past-extra-adam": lambda s: PastExtraAdam(0.05, (0.5, 0.9), eps=1e-3, start=s),
    "optimistic-adam": lambda s: OptimisticAdam(0.05, (0.0, 0.9), eps=1e-3, start=s),
    "rmsprop": lambda s: RMSProp(0.02, 0.9, 1e-3, momentum=0.5, centered=True, start=s),
}


def _with_lookahead(make, inner_state):
    return lambda s: Lookahead(make(s), k=3, alpha=0.5, inner_state=inner_state)


OPTIMISERS["la-adam-keep"] = _with_lookahead(OPTIMISERS["adam"], "keep")
OPTIMISERS["la-extra-adam-interpolate"] = _with_lookahead(OPTIMISERS["extra-adam"], "interpolate")


def _base_of(method):
    return method.base if isinstance(method, Lookahead) else method


def _warmed_any(make, game):
    if isinstance(make(None), Lookahead):
        inner = lambda s: _base_of(make(s))  # noqa: E731
        base, z = warmed(inner, game)
        wrapper = make(None)
        return Lookahead(base, wrapper.k, wrapper.alpha, wrapper.inner_state), z
    return warmed(make, game)


GAMES = {
    "quadratic": random_quadratic(2),
    "tiny-gan": tiny_gan(generator_width=3, discriminator_width=3),
}


SLOW_ON_THE_GAN = {"adam-alt-5", "la-extra-adam-interpolate", "la-adam-keep"}
"""Operators whose dense Jacobian on the tiny GAN takes over ~2 s (many field evaluations)."""
GAME_AND_OPERATOR = [
    pytest.param(
        game_name,
        name,
        id=f"{game_name}-{name}",
        marks=[pytest.mark.slow] if game_name == "tiny-gan" and name in SLOW_ON_THE_GAN else [],
    )
    for game_name in GAMES
    for name in OPTIMISERS
]


@pytest.mark.parametrize("frozen", [False, True], ids=["exact", "frozen"])
@pytest.mark.parametrize("game_name, name", GAME_AND_OPERATOR)
def test_optimiser_jacobian_three_ways(name, game_name, frozen):
    """jacfwd through the step = jacrev through it = central differences of it, at a state with
    non-zero moments and step counts (held), for the exact and the frozen operators."""
    game = GAMES[game_name]
    method, z = _warmed_any(OPTIMISERS[name], game)
    if frozen:
        method = method.frozen()
    state = method.init(z)
    J = operator_jacobian(method, game, z)
    size = method.order * game.n
    assert J.shape == (size, size)
    assert sum(1 for e in state if isinstance(e, Count)) == len(state) - method.order
    update = step_map(method, TorchOps(game), state)
    s = flatten(state)
    np.testing.assert_allclose(J, jacrev(update)(s).numpy(), rtol=1e-11, atol=1e-12)
    # central differences in coordinates scaled by each entry's size: Adam's second moments can
    # be 1e-7 while z is O(1), so one absolute step would leave v > 0 for some and not others
    scale = np.maximum(np.abs(s.numpy()), 1e-6)
    fd = central_jacobian(
        lambda p: update(tensor(p * scale)).detach().numpy(), s.numpy() / scale, h=1e-5
    )
    np.testing.assert_allclose(J * scale, fd, atol=1e-7 * np.abs(J * scale).max())


def test_exact_and_frozen_state_layouts():
    game = random_quadratic(2)
    method, z = warmed(OPTIMISERS["adam"], game)
    state = method.init(z)
    assert method.order == 3 and len(state) == 5  # (z, m, v, t_x, t_y)
    assert state[3:] == (4, 4) and all(isinstance(c, Count) for c in state[3:])
    frozen = method.frozen()
    assert frozen.order == 2 and len(frozen.init(z)) == 2  # (z, m): no counts
    torch.testing.assert_close(frozen.init(z)[1], state[1])  # m kept
    assert "second_moment" in repr(frozen) and "<vector of 2>" in repr(frozen)
    assert Momentum(0.1, 0.3).init(tensor([1.0, 2.0]))[1].tolist() == [1.0, 2.0]  # (z, z_prev)


def _frozen_scaling(start, lr, b1, b2, eps):
    """``A = diag(lr_p/((1 − β₁^τ)(√v̂ + ε)))`` with ``v̂ = v/(1 − β₂ᵗ)``, ``τ = t + 1``."""
    (tx, ty), nx = start.steps, start.nx
    v = start.slots["exp_avg_sq"].numpy()
    t = np.r_[np.full(nx, tx), np.full(v.size - nx, ty)]
    lr = np.r_[np.full(nx, lr[0]), np.full(v.size - nx, lr[1])]
    return np.diag(lr / ((1 - b1 ** (t + 1)) * (np.sqrt(v / (1 - b2**t)) + eps)))


def test_frozen_adam_equals_its_closed_form():
    """Frozen: m⁺ = β₁m + (1 − β₁)v(z), z⁺ = z − A m⁺: on an affine game the Jacobian in (z, m)
    is [[I − (1 − β₁)AJ, −β₁A], [(1 − β₁)J, β₁I]]; ExtraAdam's is two such half-steps."""
    game, b1, b2, eps = random_quadratic(3), 0.5, 0.9, 1e-3
    J, eye, zero = game.J.numpy(), np.eye(game.n), np.zeros((game.n, game.n))
    method, z = warmed(OPTIMISERS["adam"], game, steps=6)
    A = _frozen_scaling(method.play.start, (0.05, 0.08), b1, b2, eps)
    step = np.block([[eye - (1 - b1) * A @ J, -b1 * A], [(1 - b1) * J, b1 * eye]])
    np.testing.assert_allclose(operator_jacobian(method.frozen(), game, z), step, atol=1e-13)

    extra, z = warmed(OPTIMISERS["extra-adam"], game, steps=6)
    A = _frozen_scaling(extra.play.start, (0.05, 0.05), b1, b2, eps)
    half = np.block([[eye - (1 - b1) * A @ J, -b1 * A], [(1 - b1) * J, b1 * eye]])  # (z½, m½)
    m_new = b1 * half[game.n :] + (1 - b1) * J @ half[: game.n]
    z_new = np.hstack([eye, zero]) - A @ m_new
    expected = np.vstack([z_new, m_new])
    np.testing.assert_allclose(operator_jacobian(extra.frozen(), game, z), expected, atol=1e-13)


WITH_PAST = OptimiserState({"exp_avg": torch.zeros(4), "past_gradient": torch.zeros(4)}, (0, 0), 2)
"""A state with a past gradient (zero: its value at the fixed point): PastExtraAdam's steady
operator; a fresh state's first step has no look-ahead."""


@pytest.mark.parametrize(
    "make",
    [
        lambda v: Adam(0.3, (0.5, 0.999), second_moment=v),
        lambda v: Adam(0.2, (-0.3, 0.999), second_moment=v, alternating=True),
        lambda v: ExtraAdam(0.3, (0.5, 0.9), second_moment=v),
        lambda v: OptimisticAdam(0.2, (0.5, 0.9), second_moment=v),
        lambda v: PastExtraAdam(0.2, (0.5, 0.9), second_moment=v, start=WITH_PAST),
        lambda v: Lookahead(
            Adam(0.3, (0.9, 0.999), second_moment=v), k=5, alpha=0.5, inner_state="keep"
        ),
        pytest.param(
            lambda v: Lookahead(Adam(0.3, (0.9, 0.999), second_moment=v), k=5, alpha=0.5),
            marks=pytest.mark.slow,
        ),
        lambda v: RMSProp(0.1, second_moment=v, momentum=0.5),
    ],
    ids=[
        "adam",
        "alt-adam",
        "extra-adam",
        "optimistic-adam",
        "past-extra-adam",
        "la-keep",
        "la-interp",
        "rmsprop",
    ],
)
@pytest.mark.parametrize("scalar", [True, False], ids=["scalar", "vector"])
def test_frozen_predicted_rate_is_the_measured_rate(make, scalar):
    """The spectral radius of the frozen operator at the fixed point is the rate of the run.

    The fixed point is the origin (deviations keep their relative precision as they shrink)."""
    game = random_quadratic(2)
    v = 2.0 if scalar else (tensor([1.0, 4.0]), tensor([0.5, 2.0]))
    method = make(v)
    rho = spectral_radius(method, game, np.zeros(game.n))
    mu = np.abs(eigenvalues(game, method=method, z=np.zeros(game.n)))
    below = mu[mu < rho * (1 - 1e-6)]
    second = below.max() if below.size and below.max() > 0 else 0.5 * rho
    steps = int(np.clip(np.log(1e-12) / np.log(second / rho), 200, 20000))
    start = np.random.default_rng(1).standard_normal(game.n)
    trajectory = gamedyn.run(method, game, start, steps)
    measured = gamedyn.contraction_rate(trajectory, rtol=1e-9)
    assert measured == pytest.approx(rho, abs=1e-6)


@pytest.mark.parametrize("frozen", [False, True], ids=["exact", "frozen"])
@pytest.mark.parametrize(
    "name",
    [
        pytest.param("adam-alt-5", marks=pytest.mark.slow),
        "extra-adam",
        "optimistic-adam",
        "la-adam-keep",
    ],
)
def test_matrix_free_equals_dense_on_a_small_gan(name, frozen):
    game = tiny_gan(generator_width=3, discriminator_width=4)
    method, z = _warmed_any(OPTIMISERS[name], game)
    if frozen:
        method = method.frozen()
    dense = operator_jacobian(method, game, z)
    for mode in ("reverse", "forward"):
        A = JacobianOperator(game, z, method, mode=mode)
        np.testing.assert_allclose(
            A.matmat(np.eye(A.shape[0])), dense, atol=1e-8 * np.abs(dense).max()
        )
        np.testing.assert_allclose(
            A.rmatmat(np.eye(A.shape[0])), dense.T, atol=1e-8 * np.abs(dense).max()
        )


@pytest.mark.slow
def test_matrix_free_top_eigenvalues_of_the_frozen_adam_operator():
    from gamedyn.spectrum import top_eigenvalues

    game = tiny_gan()
    method, z = warmed(OPTIMISERS["adam-alt-5"], game, steps=3)
    method = method.frozen()
    dense = eigenvalues(game, method=method, z=z)
    top = top_eigenvalues(game, 4, "LM", method=method, z=z, solver=KrylovSchur(tol=1e-12))
    np.testing.assert_allclose(np.sort_complex(top.values), np.sort_complex(dense[:4]), atol=1e-8)


# --- compositions that are existing methods ---------------------------------------------------


def test_existing_methods_are_compositions():
    game, z = random_quadratic(4), np.ones(4)
    composed = {
        GDA(0.1): Simultaneous(PlainTransform(0.1)),
        Momentum(0.1, -0.3): Simultaneous(HeavyBallTransform(0.1, -0.3)),
    }
    for method, play in composed.items():
        np.testing.assert_allclose(
            operator_jacobian(method, game, z), operator_jacobian(play, game, z)
        )
    # optimism keeps the past update (z_t, η v(z_{t−1})) instead of the past point: similar, the
    # same eigenvalues
    np.testing.assert_allclose(
        eigenvalues(game, method=Optimistic(PlainTransform(0.1)), z=z),
        eigenvalues(game, method=OptimisticGDA(0.1), z=z),
        atol=1e-12,
    )
    # Adam frozen at a scalar, with β₁ = 0, is GDA with step lr/(√v̂ + ε)
    np.testing.assert_allclose(
        operator_jacobian(Adam(0.3, (0.0, 0.9), eps=0.0, second_moment=4.0), game, z)[:4, :4],
        operator_jacobian(GDA(0.15), game, z),
        atol=1e-14,
    )


def test_frozen_adam_at_a_scalar_is_heavy_ball_by_its_characteristic_polynomial():
    """Derived from the two steps, not written: μ² − (1 + β₁ − a(1 − β₁)λ)μ + β₁ with
    a = lr/(√v̂ + ε) is heavy ball with β = β₁ and η = a(1 − β₁)."""
    import sympy as sp

    from gamedyn.spectrum import characteristic_polynomial, eigenvalue_map

    lr, b1, v, lam, mu = sp.symbols("lr beta_1 v lambda mu", positive=True)
    adam = Adam(lr, (b1, sp.Rational(999, 1000)), eps=0, second_moment=v)
    heavy = Momentum(lr * (1 - b1) / sp.sqrt(v), b1)
    difference = characteristic_polynomial(adam, lam, mu) - characteristic_polynomial(
        heavy, lam, mu
    )
    assert sp.simplify(difference) == 0
    numeric = eigenvalue_map(Adam(0.1, (0.5, 0.999), second_moment=0.25), np.array([1 + 2j, 0.3j]))
    expected = eigenvalue_map(Momentum(0.1 * 0.5 / (0.5 + 1e-8), 0.5), np.array([1 + 2j, 0.3j]))
    np.testing.assert_allclose(numeric, expected, atol=1e-12)


def test_exact_adam_and_per_coordinate_preconditioners_have_no_eigenvalue_map():
    from gamedyn.spectrum import NoEigenvalueMap, eigenvalue_map

    with pytest.raises(NoEigenvalueMap, match="nonlinear in the state"):
        eigenvalue_map(Adam(0.1), np.array([1j]))
    with pytest.raises(NoEigenvalueMap, match="players separately"):
        eigenvalue_map(Adam(0.1, second_moment=(tensor([1.0]), tensor([2.0]))), np.array([1j]))


def test_bilinear_frozen_adam_rates_follow_heavy_ball():
    """On x·y, frozen Adam with β₁ ≥ 0 never converges (simultaneous heavy ball), as Gidel et al.
    (2019) show for momentum; alternating with negative β₁ can."""
    game = random_bilinear(0)
    for b1 in (0.9, 0.5, 0.0):
        assert (
            spectral_radius(Adam(0.1, (b1, 0.999), second_moment=1.0), game, np.zeros(4))
            >= 1 - 1e-12
        )
    alternating = Adam(0.3, (-0.3, 0.999), second_moment=1.0, alternating=True, first="x")
    assert spectral_radius(alternating, game, np.zeros(4)) < 1


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Adam(0.1, (1.0, 0.999)), ValueError, r"beta1 must lie in \(-1, 1\)"),
        (lambda: Adam(0.1, (0.5, 1.0)), ValueError, r"beta2 must lie in \[0, 1\)"),
        (lambda: Adam(0.1, (0.5,)), ValueError, "betas must be a pair"),
        (lambda: Adam(0.1, eps=-1.0), ValueError, "eps must be >= 0"),
        (lambda: Adam(0.1, n_critic=5), ValueError, "needs alternating=True"),
        (
            lambda: Adam(0.1, alternating=True, n_critic=0),
            ValueError,
            "n_critic must be an integer >= 1",
        ),
        (lambda: Adam(0.1, alternating=True, first="both"), ValueError, "first must be one of"),
        (lambda: Adam(0.1, eps_mode="pytorch"), ValueError, "unknown eps_mode"),
        (lambda: Adam(0.1, second_moment=-1.0), ValueError, "second_moment must be >= 0"),
        (lambda: Adam(0.1, frozen_step=3), ValueError, "frozen_step goes with"),
        (lambda: Adam(0.1).frozen(), ValueError, "starts fresh"),
        (lambda: Adam(0.1, start="s"), TypeError, "start must be an OptimiserState"),
        (lambda: Simultaneous((PlainTransform(0.1), AdamTransform(0.1))), ValueError, "same kind"),
        (
            lambda: Lookahead(GDA(0.1), 2, 0.5, inner_state="reset"),
            ValueError,
            "unknown inner_state",
        ),
        (lambda: RMSProp(0.1, alpha=1.0), ValueError, r"alpha must lie in \[0, 1\)"),
    ],
)
def test_bad_optimiser_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_a_state_missing_a_slot_is_refused_by_name():
    from gamedyn.methods import OptimiserState

    state = OptimiserState({"exp_avg": torch.zeros(4)}, (3, 3), 2)
    with pytest.raises(ValueError, match="no 'exp_avg_sq'"):
        Adam(0.1, start=state).init(torch.zeros(4, dtype=torch.float64))
    state = OptimiserState({"exp_avg": torch.zeros(5), "exp_avg_sq": torch.zeros(5)}, (3, 3), 2)
    with pytest.raises(ValueError, match="has 5 entries, z has 4"):
        Adam(0.1, start=state).init(torch.zeros(4, dtype=torch.float64))


@pytest.mark.parametrize(
    "method",
    [
        Adam(0.3, (0.5, 0.9), eps=1e-3, second_moment=2.0),
        Adam(0.3, (0.5, 0.9), second_moment=2.0, alternating=True, n_critic=2),
        Lookahead(OptimisticAdam(0.3, (0.5, 0.9), eps=1e-3, second_moment=2.0), 2, 0.5, "keep"),
    ],
    ids=["adam", "alt-adam", "la-optimistic-adam"],
)
def test_frozen_scalar_adam_is_exact_in_sympy(method):
    """The same step in sympy forward mode (TangentOps) gives the numeric Jacobian."""
    from gamedyn.spectrum import operator_jacobian_symbolic

    game = random_quadratic(2)
    exact = operator_jacobian_symbolic(method, game, [1, 1, 1, 1])
    numeric = operator_jacobian(method, game, np.ones(4))
    np.testing.assert_allclose(np.array(exact.evalf(), dtype=float), numeric, atol=1e-14)


def test_exact_adam_has_no_symbolic_jacobian():
    from gamedyn.spectrum import operator_jacobian_symbolic

    with pytest.raises(TypeError, match="tracked second moment"):
        operator_jacobian_symbolic(Adam(0.1), random_quadratic(2), [1, 1, 1, 1])


def test_rate_map_over_lr_and_beta1_is_heavy_balls():
    """ρ over (lr, β₁) for frozen Adam at v̂ = 1 equals heavy ball's at η = lr(1 − β₁)/(1 + ε)."""
    from gamedyn.regions import hyperparameter_map

    lam = np.array([0.05 + 1j, 0.05 - 1j, 0.1 + 0.5j, 0.1 - 0.5j])
    lr, beta1 = np.linspace(0.01, 1.0, 12), np.linspace(-0.5, 0.9, 8)
    adam = hyperparameter_map(
        lambda lr, beta1: Adam(lr, (beta1, 0.999), second_moment=1.0),
        eigenvalues=lam,
        lr=lr,
        beta1=beta1,
    )
    heavy = hyperparameter_map(
        lambda lr, beta1: Momentum(lr * (1 - beta1) / (1 + 1e-8), beta1),
        eigenvalues=lam,
        lr=lr,
        beta1=beta1,
    )
    np.testing.assert_allclose(adam.rate, heavy.rate, atol=1e-12)


def test_exact_adam_jacobian_where_a_gradient_coordinate_has_always_been_zero():
    """At a fixed point, fresh: v⁺ = m⁺ = 0. The step's derivative exists (the numerator is
    first order) and is the one with d√v = 0: along z it is lr(1 − β₁)J/((1 − β₁) ε)."""
    game, lr, b1, eps = random_quadratic(2), 0.1, 0.5, 1e-3
    method = Adam(lr, (b1, 0.9), eps=eps)
    J = operator_jacobian(method, game, np.zeros(4))
    assert np.all(np.isfinite(J))
    np.testing.assert_allclose(J[:4, :4], np.eye(4) - lr / eps * game.J.numpy(), rtol=1e-12)
    update = step_map(method, TorchOps(game), method.init(torch.zeros(4, dtype=torch.float64)))
    t, d = 1e-7, np.random.default_rng(0).standard_normal(12)
    d[8:] = 0  # v stays >= 0 along this direction
    one_sided = (update(tensor(t * d)) - update(tensor(0 * d))).numpy() / t
    np.testing.assert_allclose(one_sided, J @ d, rtol=1e-4, atol=1e-8)


def test_frozen_vector_preconditioners_follow_a_float32_game():
    game = tiny_gan(dtype=torch.float32)
    method, z = warmed(OPTIMISERS["adam-alt-5"], tiny_gan(), steps=3)
    for m in (method.frozen(), warmed(OPTIMISERS["rmsprop"], tiny_gan())[0].frozen()):
        state = m.step(TorchOps(game), m.init(z.to(torch.float32)))
        assert all(e.dtype == torch.float32 for e in state if not isinstance(e, Count))
