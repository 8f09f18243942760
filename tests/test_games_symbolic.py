"""SymbolicGame: exact field and Jacobian in sympy, and the same game on the numeric path."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch
from helpers import central_jacobian, random_quadratic, tensor

from gamedyn import run
from gamedyn.games import Bilinear, SymbolicGame
from gamedyn.methods import ExtraGradient

x, y, a = sp.symbols("x y a", real=True)
x1, x2, y1 = sp.symbols("x1 x2 y1", real=True)


def test_field_and_jacobian_at_the_symbolic_point_and_at_values():
    game = SymbolicGame([x1, x2], [y1], x1**2 * y1 + x2, -x1 * y1 + y1**3 / 3)
    assert (game.nx, game.ny, game.n) == (2, 1, 3)
    assert game.field_sym() == sp.Matrix([2 * x1 * y1, 1, -x1 + y1**2])
    assert game.jacobian_sym() == sp.Matrix([[2 * y1, 0, 2 * x1], [0, 0, 0], [-1, 0, 2 * y1]])
    assert game.jacobian_sym([1, 5, sp.Rational(1, 2)]) == sp.Matrix(
        [[1, 0, 2], [0, 0, 0], [-1, 0, 1]]
    )
    assert game.field_sym([a, 0, 1]) == sp.Matrix([2 * a, 1, 1 - a])


def test_numeric_path_matches_finite_differences(rng):
    game = SymbolicGame([x1, x2], [y1], sp.exp(x1 * y1) + x2**2 * y1, -sp.log(1 + y1**2) * x2)
    z = rng.uniform(-1, 1, 3)
    exact_field = np.array(game.field_sym(z).evalf(20), dtype=float).ravel()
    np.testing.assert_allclose(game.field(tensor(z)).numpy(), exact_field, atol=1e-12)
    exact_jacobian = np.array(game.jacobian_sym(z).evalf(20), dtype=float)
    np.testing.assert_allclose(game.jacobian(tensor(z)).numpy(), exact_jacobian, atol=1e-12)
    fd = central_jacobian(lambda p: game.field(tensor(p)).numpy(), z)
    np.testing.assert_allclose(fd, exact_jacobian, atol=1e-7)


def test_from_quadratic_is_the_same_game(rng):
    game = random_quadratic(0, 2, 3, linear=True)
    sym = SymbolicGame.from_quadratic(game)
    z = rng.standard_normal(game.n)
    np.testing.assert_allclose(np.array(sym.jacobian_sym(), dtype=float), game.J.numpy())
    field = np.array(sym.field_sym(z).evalf(20), dtype=float).ravel()
    np.testing.assert_allclose(field, game.field(tensor(z)).numpy(), atol=1e-12)
    assert SymbolicGame.from_quadratic(Bilinear([[2.0]])).jacobian_sym() == sp.Matrix(
        [[0, 2], [-2, 0]]
    )
    with pytest.raises(TypeError, match="Quadratic or Bilinear"):
        SymbolicGame.from_quadratic(sym)


def test_run_on_a_symbolic_game_equals_run_on_the_built_in_game():
    method, z0 = ExtraGradient(0.3), np.array([1.0, -0.5])
    symbolic = run(method, SymbolicGame([x], [y], x * y, -x * y), z0, 20)
    np.testing.assert_allclose(symbolic, run(method, Bilinear([[1.0]]), z0, 20), atol=1e-14)


def test_constants_and_subs():
    game = SymbolicGame([x], [y], a * x * y, -a * x * y + y**2)
    assert game.constants == {a}
    with pytest.raises(ValueError, match="free constants.*subs"):
        game.field(torch.zeros(2, dtype=torch.float64))
    fixed = game.subs({a: 2})
    assert fixed.constants == set()
    np.testing.assert_allclose(fixed.field(tensor([1.0, 3.0])).numpy(), [6.0, -2.0 + 6.0])


def test_constant_losses_still_give_tensors():
    game = SymbolicGame([x], [y], sp.Integer(0), y)
    np.testing.assert_allclose(game.field(tensor([0.3, 0.2])).numpy(), [0.0, 1.0])


def test_argument_errors():
    with pytest.raises(TypeError, match="list of sympy symbols"):
        SymbolicGame(["x"], [y], x * y, -x * y)
    with pytest.raises(TypeError, match="list of sympy symbols"):
        SymbolicGame([], [y], x * y, -x * y)
    with pytest.raises(ValueError, match="share symbols"):
        SymbolicGame([x], [x], x, -x)
    with pytest.raises(ValueError, match="z must have 2 entries"):
        SymbolicGame([x], [y], x * y, -x * y).jacobian_sym([1, 2, 3])
