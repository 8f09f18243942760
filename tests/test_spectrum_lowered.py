"""The lowered product (gamedyn/spectrum/_lowered.py): the float64 operator's linearize trace run in
float32 is ``J(z) u`` at the float64 point — float32-accurate where the float32 copy of the game
is, and still so where a LeakyReLU input lies within float32 rounding of its kink, which the
float32 game evaluates on the other side."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import kink_gan, tiny_gan

from gamedyn.methods import ExtraGradient
from gamedyn.spectrum import JacobianOperator, KrylovSchur, top_eigenvalues
from gamedyn.spectrum._lowered import lowered_graph, lowered_product


def relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.linalg.vector_norm(a - b) / torch.linalg.vector_norm(b))


def vectors(n: int, count: int = 3) -> list[torch.Tensor]:
    rng = np.random.default_rng(7)
    return [torch.as_tensor(rng.standard_normal(n)) for _ in range(count)]


@pytest.fixture(scope="module")
def kink():
    return kink_gan()


def test_lowered_product_is_the_float64_product_to_float32_accuracy():
    game = tiny_gan(generator_width=12, discriminator_width=14, batch_size=16)
    op = JacobianOperator(game, mode="linearize")
    low = lowered_product(op)
    assert low is not None and op.mode == "linearize"
    twin = JacobianOperator(game.with_dtype(torch.float32), mode="linearize")
    for u in vectors(game.n):
        exact = op.apply(u)
        assert low(u).dtype == torch.float64
        assert 0 < relative(low(u), exact) < 1e-5  # float32 arithmetic, float64's Jacobian
        assert relative(twin.apply(u), exact) < 1e-5


def test_lowered_graph_computes_in_float32():
    game = tiny_gan(generator_width=12, discriminator_width=14, batch_size=16)
    op = JacobianOperator(game, mode="linearize")
    op.apply(torch.ones(game.n, dtype=torch.float64))
    from gamedyn.spectrum._lowered import _traced_graph

    graph = lowered_graph(_traced_graph(op._linear))
    (out,) = graph(torch.ones(game.n, dtype=torch.float32))
    assert out.dtype == torch.float32  # no float64 constant left to promote it


def test_lowered_product_at_a_kink_keeps_float64_branch(kink):
    """A LeakyReLU input ±1e-12 from its kink in float64, on the other side in float32: the
    float32 game's J u is off by O(1) in that unit's slope, the lowered product is not."""
    game, (a64, a32) = kink
    assert (a64 > 0) != (a32 > 0) and abs(a64) < 1e-11
    op = JacobianOperator(game, mode="linearize")
    low = lowered_product(op)
    twin = JacobianOperator(game.with_dtype(torch.float32), mode="linearize")
    for u in vectors(game.n):
        exact = op.apply(u)
        assert relative(twin.apply(u), exact) > 1e-4
        assert relative(low(u), exact) < 1e-5


def test_no_lowered_product_without_a_linearize_trace():
    game = tiny_gan()
    assert lowered_product(JacobianOperator(game, mode="reverse")) is None
    assert lowered_product(JacobianOperator(game, mode="forward")) is None
    assert lowered_product(JacobianOperator(game.with_dtype(torch.float32))) is None


def test_lowered_product_of_an_operator_jacobian():
    game = tiny_gan(generator_width=12, discriminator_width=14, batch_size=16)
    op = JacobianOperator(game, method=ExtraGradient(0.05), mode="linearize")
    low = lowered_product(op)
    if low is None:  # the step could not be traced: nothing to lower
        assert op.mode != "linearize"
        return
    for u in vectors(game.n):
        assert relative(low(u), op.apply(u)) < 1e-5


def test_mixed_at_a_kink_equals_the_float64_solve_with_one_refinement(kink):
    game, _ = kink
    k = 4
    plain = top_eigenvalues(game, k=k, solver=KrylovSchur(tol=1e-10, mode="linearize"))
    mixed = top_eigenvalues(
        game, k=k, solver=KrylovSchur(tol=1e-10, mode="linearize", precision="mixed")
    )
    scale = np.abs(plain.values).max()
    np.testing.assert_allclose(mixed.values, plain.values, rtol=0, atol=1e-9 * scale)
    assert np.all(mixed.residuals <= 1e-10 * np.abs(mixed.values) * 1.01)
    high = int(mixed.precision.split(", ")[1].split()[0])  # "mixed: N float32 products, M float64"
    assert high <= 2 * (k + 1) and "fallback" not in mixed.precision  # A Q and one check
