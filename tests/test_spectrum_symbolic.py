"""Exact Jacobians (gamedyn.spectrum), held against the numeric backend.

Every exact result here comes from a method's one step run on sympy; the references are the
numeric path (``jacfwd`` through the same step on torch) and formulas written out by hand in the
tests only. Eigenvalue maps are tested in test_spectrum_maps.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from helpers import (
    as_float,
    cubic_game,
    dirac_gan_sympy,
    every_operator,
    random_bilinear,
    random_quadratic,
    tensor,
)

from gamedyn.games import Bilinear, DiracGAN, SymbolicGame
from gamedyn.methods import GDA, ExtraGradient, Momentum
from gamedyn.spectrum import (
    eigenvalues,
    game_jacobian,
    operator_jacobian,
    operator_jacobian_symbolic,
)

x, y = sp.symbols("x y", real=True)
eta, beta, alpha, gamma = sp.symbols("eta beta alpha gamma", positive=True)
XY = SymbolicGame([x], [y], x * y, -x * y)
VALUES = {eta: 0.3, beta: 0.4, alpha: 0.6, gamma: 0.7}


# --- the examples of the issue ----------------------------------------------------------------


def test_gda_on_x_times_y():
    assert operator_jacobian(GDA(lr=eta), XY, [0, 0]) == sp.Matrix([[1, -eta], [eta, 1]])
    # symbolic hyperparameters on the built-in bilinear game: converted exactly, same matrix
    expected = sp.Matrix([[1, -eta], [eta, 1]])
    assert operator_jacobian(GDA(lr=eta), Bilinear([[1.0]]), np.zeros(2)) == expected


def test_extragradient_on_x_times_y():
    J = game_jacobian(XY, [0, 0])
    assert J == sp.Matrix([[0, 1], [-1, 0]])
    expected = (1 - eta**2) * sp.eye(2) - eta * J
    assert operator_jacobian(ExtraGradient(lr=eta), XY, None) == expected
    assert operator_jacobian(ExtraGradient(lr=eta), XY, [x + 1, 2 * y]) == expected  # affine


def test_dirac_gan_at_the_origin():
    game = dirac_gan_sympy()
    half = sp.Rational(1, 2)
    assert game_jacobian(game, [0, 0]) == sp.Matrix([[0, half], [-half, 0]])
    assert operator_jacobian(GDA(lr=eta), game, [0, 0]) == sp.Matrix([[1, -eta / 2], [eta / 2, 1]])


def test_dirac_gan_in_sympy_equals_the_analytic_dirac_gan(rng):
    game, numeric = dirac_gan_sympy(), DiracGAN("standard")
    for _ in range(5):
        z = rng.uniform(-2, 2, 2)
        exact = as_float(game.jacobian_sym(z))
        np.testing.assert_allclose(exact, numeric.jacobian(tensor(z)).numpy(), atol=1e-12)
        np.testing.assert_allclose(
            as_float(game.field_sym(z)).ravel(), numeric.field(tensor(z)).numpy(), atol=1e-12
        )


# --- symbolic and numeric operator Jacobians agree --------------------------------------------


SYMBOLIC = every_operator(eta, beta, alpha, gamma)
NUMERIC = every_operator(*VALUES.values())


@pytest.mark.slow
@pytest.mark.parametrize(
    "game",
    [random_bilinear(0, 1, 2, linear=True), random_quadratic(1, 2, 1, linear=True)],
    ids=["bilinear", "quadratic"],
)
def test_symbolic_and_numeric_operator_jacobians_agree(game):
    z = np.random.default_rng(2).standard_normal(game.n)
    sym_game = SymbolicGame.from_quadratic(game)
    for s_method, n_method in zip(SYMBOLIC, NUMERIC, strict=True):
        exact = operator_jacobian(s_method, game, z)  # symbolic hyperparameters: exact
        assert isinstance(exact, sp.MatrixBase)
        assert exact.shape == (s_method.order * game.n,) * 2
        reference = operator_jacobian(n_method, game, z)
        np.testing.assert_allclose(
            as_float(exact.subs(VALUES)), reference, atol=1e-12, err_msg=repr(n_method)
        )
        # numbers everywhere, on the SymbolicGame: the same matrix of Floats
        numbers = operator_jacobian(n_method, sym_game, z)
        np.testing.assert_allclose(as_float(numbers), reference, atol=1e-12)


def test_symbolic_point_then_substituted_equals_numeric():
    game = random_quadratic(3, 1, 1, linear=True)
    sym_game = SymbolicGame.from_quadratic(game)
    z = np.array([0.4, -1.1])
    point = dict(zip(sym_game.variables, z, strict=True))
    for s_method, n_method in zip(SYMBOLIC, NUMERIC, strict=True):
        exact = operator_jacobian_symbolic(s_method, sym_game, None)
        np.testing.assert_allclose(
            as_float(exact.subs({**VALUES, **point})),
            operator_jacobian(n_method, game, z),
            atol=1e-12,
            err_msg=repr(n_method),
        )


def test_symbolic_and_numeric_operator_jacobians_agree_on_the_dirac_gan():
    game, numeric = dirac_gan_sympy(), DiracGAN("standard")
    for z in ([0.7, -0.4], [-1.3, 0.9]):
        for method in NUMERIC:
            exact = as_float(operator_jacobian(method, game, z))
            reference = operator_jacobian(method, numeric, np.array(z))
            np.testing.assert_allclose(exact, reference, atol=1e-12, err_msg=repr(method))
    # symbolic step size at a generic point, substituted afterwards
    z = [0.7, -0.4]
    for s_method, n_method in [(GDA(eta), GDA(0.3)), (ExtraGradient(eta), ExtraGradient(0.3))]:
        exact = operator_jacobian(s_method, game, z).subs(eta, 0.3)
        np.testing.assert_allclose(
            as_float(exact), operator_jacobian(n_method, numeric, np.array(z)), atol=1e-12
        )


def test_symbolic_game_numeric_path_runs_the_dense_spectrum(rng):
    game, numeric = dirac_gan_sympy(), DiracGAN("standard")
    z = rng.uniform(-1, 1, 2)
    np.testing.assert_allclose(
        game.jacobian(tensor(z)).numpy(), numeric.jacobian(tensor(z)).numpy(), atol=1e-12
    )
    method = Momentum(0.2, -0.3)
    # as multisets (rounded): a conjugate pair's order is decided by last-digit differences
    exact = eigenvalues(game, method=method, z=z)
    reference = eigenvalues(numeric, method=method, z=z)
    np.testing.assert_allclose(np.sort(exact.round(9)), np.sort(reference.round(9)), atol=1e-12)


# --- errors -----------------------------------------------------------------------------------


def test_symbolic_jacobian_input_errors():
    with pytest.raises(TypeError, match="SymbolicGame"):
        operator_jacobian(GDA(lr=eta), DiracGAN(), np.zeros(2))
    with pytest.raises(ValueError, match="z must have n = 2 entries"):
        operator_jacobian(GDA(lr=eta), XY, [0, 0, 0])


# --- the methods with losses, inner products and branches (LOLA, SOS, SGA's alignment) -------


@pytest.mark.parametrize(
    "z", [[0.3, -0.2, 0.5, 0.1], [0.05, 0.02, -0.04, 0.03], [1.2, -0.9, 0.4, 1.1]]
)
def test_exact_jacobians_on_a_general_sum_cubic_game_equal_jacfwd(z):
    from gamedyn.methods import LEAD, LOLA, SGA, SOS, HamiltonianGD

    game = cubic_game()
    methods = [
        HamiltonianGD((0.1, 0.05)),
        SGA(0.1, 0.7, align=True),
        LOLA(0.1, alpha=(0.3, 0.2)),
        SOS(0.1, 0.3),
        SOS(0.2, 0.5, b=10.0),  # p₁ and p₂ = ‖v‖² in play
        LEAD((0.1, 0.05), 0.3, (0.4, 0.2)),
    ]
    for method in methods:
        exact = operator_jacobian(method, game.sympy, z)  # the SymbolicGame: exact
        assert isinstance(exact, sp.MatrixBase)
        reference = operator_jacobian(method, game.torch, np.array(z))
        np.testing.assert_allclose(as_float(exact), reference, atol=1e-12, err_msg=repr(method))


def test_sos_on_the_sympy_dirac_gan_equals_the_analytic_dirac_gan():
    from gamedyn.methods import SOS

    game, numeric = dirac_gan_sympy(), DiracGAN("standard")
    for z in ([0.7, -0.4], [0.01, 0.02]):
        for method in (SOS(0.3, 0.6), SOS(0.3, 0.6, b=5.0)):
            exact = as_float(operator_jacobian(method, game, z))
            reference = operator_jacobian(method, numeric, np.array(z))
            np.testing.assert_allclose(exact, reference, atol=1e-12, err_msg=repr(method))
