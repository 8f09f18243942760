"""The sympy backend (gamedyn.backends._symbolic) runs the methods' steps like the torch backend."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from helpers import as_float, cubic_game, dirac_gan_sympy, every_operator, tensor

from gamedyn.backends import TorchOps
from gamedyn.backends._symbolic import EigenOps, NoEigenvalueMap, SympyOps, TangentOps
from gamedyn.games import DiracGAN

NUMERIC = every_operator(0.3, 0.4, 0.6, 0.7)


def test_the_sympy_backend_runs_steps_like_the_torch_backend():
    game, numeric = dirac_gan_sympy(), DiracGAN("standard")
    z = [0.7, -0.4]
    for method in NUMERIC:
        exact = method.step(SympyOps(game), method.init(sp.Matrix(z)))
        reference = method.step(TorchOps(numeric), method.init(tensor(z)))
        for e, r in zip(exact, reference, strict=True):
            np.testing.assert_allclose(as_float(e).ravel(), r.numpy(), atol=1e-12)


# --- the primitives for losses, inner products and branches -----------------------------------


def test_the_new_primitives_agree_across_the_sympy_and_torch_backends():
    from gamedyn.methods import SOS

    game = cubic_game()
    z = [0.3, -0.2, 0.5, 0.1]
    sym, num = SympyOps(game.sympy), TorchOps(game.torch)
    for e, r in zip(sym.loss_gradients(sp.Matrix(z)), num.loss_gradients(tensor(z)), strict=True):
        np.testing.assert_allclose(as_float(e).ravel(), r.numpy(), atol=1e-13)
    u, w = sp.Matrix([1, 2, 3, 4]), sp.Matrix([sp.Rational(1, 2), -1, 0, 2])
    assert sym.dot(u, w) == sp.Rational(13, 2) and sym.size(u) == 4
    assert sym.if_nonnegative(sp.Integer(0), 1, 2) == 1 and sym.if_nonnegative(-1, 1, 2) == 2
    s = sp.Symbol("s", real=True)
    chosen = sym.if_nonnegative(s, 3, 5)  # symbolic: a step function of s
    assert [chosen.subs(s, v) for v in (-1, 0, 2)] == [5, 3, 3]
    for method in (SOS(0.3, 0.6), SOS(0.3, 0.6, b=5.0)):  # SOS is not in every_operator
        exact = method.step(SympyOps(game.sympy), method.init(sp.Matrix(z)))
        reference = method.step(TorchOps(game.torch), method.init(tensor(z)))
        np.testing.assert_allclose(as_float(exact[0]).ravel(), reference[0].numpy(), atol=1e-12)


def test_tangent_scalars_follow_the_sum_product_and_quotient_rules():
    import torch
    from torch.func import jacfwd

    game = cubic_game()
    z = [0.3, -0.2, 0.5, 0.1]
    ops = TangentOps(game.sympy, 4)
    start = ops.tangent(sp.Matrix(z), sp.eye(4))

    def with_ops(o, p):  # scalars from inner products, combined every way, times a vector
        v = o.field(p)
        a, b = o.dot(v, p), o.dot(p, p)
        scalar = (2 - a) * b / (1 + b) - 1 / (3 + a) + a / 2
        return o.if_nonnegative(a - 10, 1.0, scalar) * v

    exact = with_ops(ops, start)
    torch_ops = TorchOps(game.torch)
    reference = jacfwd(lambda p: with_ops(torch_ops, p))(torch.tensor(z, dtype=torch.float64))
    np.testing.assert_allclose(as_float(exact.d), reference.numpy(), atol=1e-13)
    assert ops.size(start) == 4


def test_eigen_ops_linearise_inner_products_and_refuse_losses_and_undecided_branches():
    ops = EigenOps(sp.Symbol("lam"), sp.Symbol("lam_c"))
    assert ops.dot(2, 3) == 0 and ops.size(1) == 1
    assert ops.if_nonnegative(0.1, "a", "b") == "a"  # decided by the constant at the fixed point
    with pytest.raises(NoEigenvalueMap, match="second-order"):
        ops.if_nonnegative(ops.dot(1, 1), 1, 2)
    with pytest.raises(NoEigenvalueMap, match="second-order"):
        ops.if_nonnegative(np.zeros(3), 1, 2)
    with pytest.raises(NoEigenvalueMap, match="losses"):
        ops.loss_gradients(1)
