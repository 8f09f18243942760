"""Symbolic spectra: exact Jacobians and eigenvalue maps, held against the numeric backend."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch
from conftest import random_bilinear, random_quadratic

from gamedyn.games import DiracGAN, Quadratic, SymbolicGame
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
from gamedyn.spectrum import (
    bilinear_rates,
    characteristic_polynomial,
    eigenvalue_map,
    eigenvalues,
    latex,
    operator_jacobian,
    sort_eigenvalues,
)

x, y = sp.symbols("x y", real=True)
eta, beta, alpha, gamma = sp.symbols("eta beta alpha gamma", positive=True)
lam, mu = sp.symbols("lambda mu")
XY = SymbolicGame([x], [y], x * y, -x * y)


def symbolic_quadratic(game: Quadratic) -> SymbolicGame:
    """The same quadratic game written in sympy (entries as exact floats)."""
    xs = sp.symbols(f"x0:{game.nx}", real=True)
    ys = sp.symbols(f"y0:{game.ny}", real=True)
    X, Y = sp.Matrix(xs), sp.Matrix(ys)

    def m(t):
        return sp.Matrix(t.numpy())

    loss_x = (X.T * m(game.Axx) * X / 2 + X.T * m(game.Axy) * Y + m(game.bx).T * X)[0]
    loss_y = (Y.T * m(game.Ayy) * Y / 2 + Y.T * m(game.Ayx) * X + m(game.by).T * Y)[0]
    return SymbolicGame(list(xs), list(ys), loss_x, loss_y)


def dirac_gan_sympy() -> SymbolicGame:
    theta, psi = sp.symbols("theta psi", real=True)

    def f(t):
        return -sp.log(1 + sp.exp(-t))

    loss = f(psi * theta) + f(0)
    return SymbolicGame([theta], [psi], loss, -loss)


def test_gda_and_extragradient_on_x_times_y():
    assert operator_jacobian(GDA(lr=eta), XY, [0, 0]) == sp.Matrix([[1, -eta], [eta, 1]])
    J = sp.Matrix([[0, 1], [-1, 0]])
    expected = (1 - eta**2) * sp.eye(2) - eta * J
    assert sp.simplify(operator_jacobian(ExtraGradient(lr=eta), XY, [0, 0]) - expected) == sp.zeros(
        2
    )


def test_dirac_gan_in_sympy():
    game = dirac_gan_sympy()
    assert game.jacobian_sym([0, 0]) == sp.Matrix([[0, sp.Rational(1, 2)], [-sp.Rational(1, 2), 0]])
    numeric = DiracGAN("standard")
    rng = np.random.default_rng(0)
    for _ in range(5):
        z = rng.uniform(-2, 2, 2)
        exact = np.array(game.jacobian_sym(sp.Matrix(z)).evalf(30), dtype=float)
        np.testing.assert_allclose(exact, numeric.jacobian(torch.tensor(z)).numpy(), atol=1e-12)
        # the symbolic game's own numeric path (lambdified losses + autograd) agrees too
        np.testing.assert_allclose(game.jacobian(torch.tensor(z)).numpy(), exact, atol=1e-12)


def all_methods(lr, b, a, g):
    return [
        GDA(lr),
        AltGDA(lr),
        ExtraGradient(lr),
        OptimisticGDA(lr),
        Momentum(lr, b),
        Momentum(lr, b, alternating=True),
        Lookahead(ExtraGradient(lr), k=3, alpha=a),
        Lookahead(Momentum(lr, b), k=2, alpha=a),
        Consensus(lr, g),
        CGD(lr),
    ]


NUMBERS = {eta: 0.3, beta: -0.4, alpha: 0.6, gamma: 0.7}


@pytest.mark.parametrize(
    "game",
    [random_bilinear(0, 1, 2, linear=True), random_quadratic(1, 2, 1, linear=True)],
    ids=["bilinear", "quadratic"],
)
def test_symbolic_and_numeric_operator_jacobians_agree(game):
    sym_game = symbolic_quadratic(game)
    z = np.random.default_rng(2).standard_normal(game.n)
    symbolic = all_methods(eta, -beta, alpha, gamma)
    numeric = all_methods(0.3, -0.4, 0.6, 0.7)  # negative momentum: β = −0.4
    for s_method, n_method in zip(symbolic, numeric, strict=True):
        exact = operator_jacobian(s_method, sym_game, sp.Matrix(z)).subs(
            {eta: 0.3, beta: 0.4, alpha: 0.6, gamma: 0.7}
        )
        np.testing.assert_allclose(
            np.array(exact.evalf(), dtype=float),
            operator_jacobian(n_method, game, z),
            atol=1e-12,
            err_msg=repr(n_method),
        )


def test_symbolic_and_numeric_operator_jacobians_agree_on_the_dirac_gan():
    game, numeric = dirac_gan_sympy(), DiracGAN("standard")
    z = [0.7, -0.4]
    for method in [GDA(0.2), Consensus(0.2, 0.5), Lookahead(Momentum(0.2, -0.3), 2, 0.5), CGD(0.2)]:
        exact = np.array(operator_jacobian(method, game, z).evalf(), dtype=float)
        np.testing.assert_allclose(exact, operator_jacobian(method, numeric, z), atol=1e-12)


def random_normal_game(seed: int, pairs: int = 3) -> Quadratic:
    """``J`` = 2×2 blocks ``[[p_j, σ_j], [−σ_j, p_j]]`` in random orthonormal bases: normal."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((pairs, pairs)))
    V, _ = np.linalg.qr(rng.standard_normal((pairs, pairs)))
    p, sigma = rng.uniform(0.0, 1.0, pairs), rng.uniform(0.2, 1.5, pairs)
    P = U @ np.diag(p) @ U.T
    Q = V @ np.diag(p) @ V.T
    A = U @ np.diag(sigma) @ V.T
    return Quadratic(P, Q, A, -A.T)


SUPPORTED = [
    GDA(0.4),
    ExtraGradient(0.4),
    OptimisticGDA(0.4),
    Momentum(0.4, 0.5),
    Momentum(0.4, -0.5),
    Momentum(0.1, -0.9),
    Consensus(0.4, 0.8),
    Lookahead(GDA(0.4), k=5, alpha=0.5),
    Lookahead(Momentum(0.3, -0.4), k=3, alpha=0.7),
    Lookahead(OptimisticGDA(0.3), k=4, alpha=0.3),
    Lookahead(Consensus(0.3, 0.5), k=2, alpha=0.9),
]


@pytest.mark.parametrize("method", SUPPORTED, ids=repr)
@pytest.mark.parametrize("seed", [0, 1])
def test_eigenvalue_map_equals_the_operator_spectrum_on_normal_games(method, seed):
    game = random_normal_game(seed)
    J = game.J.numpy()
    np.testing.assert_allclose(J @ J.T, J.T @ J, atol=1e-12)  # normal
    lam = np.linalg.eigvals(J)
    mapped = sort_eigenvalues(eigenvalue_map(method, lam).ravel())
    np.testing.assert_allclose(mapped, eigenvalues(game, np.zeros(game.n), method), atol=1e-10)


@pytest.mark.parametrize("method", SUPPORTED, ids=repr)
def test_numeric_map_equals_the_exact_map(method):
    lam_values = np.array([0.3 + 1.2j, 1.0, -0.2 - 0.5j, 2.0j])
    numeric = eigenvalue_map(method, lam_values)
    assert numeric.shape == (4, method.order)
    for value, row in zip(lam_values, numeric, strict=True):
        exact = [complex(r.subs(lam, value).evalf()) for r in eigenvalue_map(method, lam)]
        np.testing.assert_allclose(sort_eigenvalues(row), sort_eigenvalues(exact), atol=1e-12)


def test_characteristic_polynomial_of_momentum():
    poly = characteristic_polynomial(Momentum(lr=eta, beta=beta), lam, mu)
    assert sp.expand(poly - (mu**2 - (1 + beta - eta * lam) * mu + beta)) == 0
    poly = characteristic_polynomial(OptimisticGDA(lr=eta), lam, mu)
    assert sp.expand(poly - (mu**2 - (1 - 2 * eta * lam) * mu - eta * lam)) == 0


def test_lookahead_map_is_derived_from_the_base_map():
    (la,) = eigenvalue_map(Lookahead(ExtraGradient(lr=eta), k=3, alpha=alpha), lam)
    (eg,) = eigenvalue_map(ExtraGradient(lr=eta), lam)
    assert sp.expand(la - (1 - alpha + alpha * eg**3)) == 0
    assert sp.expand(eg - (1 - eta * lam + eta**2 * lam**2)) == 0


def test_exact_rates_on_x_times_y():
    assert bilinear_rates(GDA(lr=eta)) == [sp.sqrt(eta**2 + 1)]
    assert sp.simplify(bilinear_rates(ExtraGradient(lr=eta))[0] - sp.sqrt(eta**4 - eta**2 + 1)) == 0
    assert (
        sp.simplify(
            bilinear_rates(Consensus(lr=eta, gamma=gamma))[0] ** 2
            - ((1 - eta * gamma) ** 2 + eta**2)
        )
        == 0
    )
    assert latex(sp.sqrt(eta**2 + 1)) == r"\sqrt{\eta^{2} + 1}"


@pytest.mark.parametrize(
    "method",
    [
        AltGDA(0.1),
        Momentum(0.1, -0.5, alternating=True),
        CGD(0.1),
        GDA((0.1, 0.2)),
        Lookahead(AltGDA(0.1), k=2, alpha=0.5),
    ],
    ids=repr,
)
def test_no_eigenvalue_map_names_the_alternative(method):
    with pytest.raises(ValueError, match="has no eigenvalue map.*operator_jacobian"):
        eigenvalue_map(method, np.array([1j]))
    with pytest.raises(ValueError, match="has no eigenvalue map"):
        eigenvalue_map(method, lam)


def test_symbolic_input_errors():
    with pytest.raises(ValueError, match="symbolic hyperparameters"):
        eigenvalue_map(GDA(lr=eta), np.array([1j]))
    with pytest.raises(TypeError, match="symbolic hyperparameters"):
        operator_jacobian(GDA(lr=eta), random_bilinear(0), np.zeros(4))
    with pytest.raises(TypeError, match="list of sympy symbols"):
        SymbolicGame(["x"], [y], x * y, -x * y)
    with pytest.raises(ValueError, match="share symbols"):
        SymbolicGame([x], [x], x, -x)
    with pytest.raises(ValueError, match="free constants"):
        SymbolicGame([x], [y], eta * x * y, -x * y).field(torch.zeros(2, dtype=torch.float64))
