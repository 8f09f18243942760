"""The protocol of wrapped methods (children, replace, map_methods) and refused hyperparameters.

A wrapper defined here, outside the package, is handled by stochastic runs and by starting from
an optimiser's saved state through the protocol alone: the package knows nothing of it.
"""

import dataclasses

import numpy as np
import pytest
import torch

from gamedyn.backends import TorchOps
from gamedyn.games import AdditiveNoise
from gamedyn.methods import (
    EMA,
    GDA,
    LOLA,
    Adam,
    ExtraGradient,
    IterateAverage,
    Lookahead,
    Method,
    Momentum,
    OptimiserState,
    OptimisticGDA,
    Simultaneous,
    build,
    map_methods,
    method_parameters,
    start_from,
)
from gamedyn.stochastic import stochastic_run
from tests.helpers import random_quadratic

QUADRATIC = random_quadratic(1, nx=2, ny=1, linear=True)


class Twice(Method):
    """A new wrapper, unknown to gamedyn: two steps of ``base`` per step."""

    wraps = ("base",)

    def __init__(self, base: Method):
        if not isinstance(base, Method):
            raise TypeError(f"base must be a Method, got {base!r}")
        self.base = base
        self.order = base.order

    def hyperparameters(self):
        return {"base": self.base}

    def init(self, z):
        return self.base.init(z)

    def output(self, state):
        return self.base.output(state)

    def with_iterate(self, ops, state, z):
        return self.base.with_iterate(ops, state, z)

    def field_evaluations(self):
        return 2 * self.base.field_evaluations()

    def step(self, ops, state):
        return self.base.step(ops, self.base.step(ops, state))


# --- children and replace ---------------------------------------------------------------------


def test_children_list_the_wrapped_methods():
    base = Momentum(0.1, -0.3)
    assert Lookahead(base, 3, 0.5).children() == (base,)
    assert EMA(base, 0.9).children() == (base,)
    assert IterateAverage(base).children() == (base,)
    assert Twice(base).children() == (base,)
    assert isinstance(GDA(0.1).children()[0], Simultaneous)  # a composed method wraps its play
    assert Simultaneous(GDA(0.1).play.players).children() == ()
    assert LOLA(0.1).children() == ()


def test_replace_copies_with_changes_and_validates():
    method = Lookahead(GDA(0.1), 5, 0.5)
    new = method.replace(k=2, base=ExtraGradient(0.2))
    assert repr(new) == "Lookahead(base=ExtraGradient(lr=0.2), k=2, alpha=0.5)"
    assert repr(method) == "Lookahead(base=GDA(lr=0.1), k=5, alpha=0.5)"  # unchanged
    assert method.replace() is method
    assert method.replace(inner_state="keep").inner_state == "keep"  # a default field
    with pytest.raises(ValueError, match="k"):
        method.replace(k=0)  # validated as on construction
    assert Adam(0.1).replace(betas=(0.5, 0.9)).hyperparameters()["betas"] == (0.5, 0.9)
    assert GDA(0.1).replace(lr=0.3).play.players[0].lr == 0.3


def test_methods_are_frozen():
    method = Lookahead(Twice(GDA(0.1)), 3, 0.5)
    for target, name in ((method, "k"), (method.base, "base"), (method.base.base, "lr")):
        with pytest.raises(dataclasses.FrozenInstanceError, match=name):
            setattr(target, name, 1)
    assert method.k == 3 and repr(method.base.base) == "GDA(lr=0.1)"


@pytest.mark.parametrize(
    "method, name",
    [(GDA(0.1), "betta"), (Lookahead(GDA(0.1), 2, 0.5), "bse"), (Twice(GDA(0.1)), "k")],
)
def test_replace_refuses_unknown_fields_by_name(method, name):
    with pytest.raises(TypeError, match=name):
        method.replace(**{name: 1})


def test_map_methods_walks_bottom_up_and_rebuilds():
    seen = []

    def visit(m):
        seen.append(type(m).__name__)
        return m

    tree = EMA(Lookahead(Twice(GDA(0.1)), 2, 0.5), 0.9)
    assert map_methods(visit, tree) is tree  # nothing changed: the same object
    assert seen == ["Simultaneous", "GDA", "Twice", "Lookahead", "EMA"]
    faster = map_methods(lambda m: m.replace(lr=0.2) if isinstance(m, GDA) else m, tree)
    assert repr(faster) == repr(EMA(Lookahead(Twice(GDA(0.2)), 2, 0.5), 0.9))
    assert repr(tree.base.base.base) == "GDA(lr=0.1)"  # the original is untouched
    with pytest.raises(TypeError, match="must return a Method"):
        map_methods(lambda m: None, GDA(0.1))


# --- build and every factory refuse unknown hyperparameters -----------------------------------


@pytest.mark.parametrize(
    "name, hyperparameters, unknown",
    [
        ("gda", {"lr": 0.1, "betta": 0.5}, "betta"),
        ("lola", {"lr": 0.1, "aplha": 0.5}, "aplha"),
        ("momentum", {"lr": 0.1, "beta": 0.5, "gamma": 1.0}, "gamma"),
        ("la-adam", {"lr": 0.1, "lookahead_kk": 3}, "lookahead_kk"),
        ("la-extra-adam", {"lr": 0.1, "alternating": True}, "alternating"),  # n_critic: d_iters
    ],
)
def test_build_refuses_an_unknown_hyperparameter_by_name(name, hyperparameters, unknown):
    with pytest.raises(TypeError, match=unknown):
        build(name, **hyperparameters)


def test_build_uses_what_it_is_given():
    assert repr(build("lola", lr=0.1, alpha=0.5)) == "LOLA(lr=0.1, alpha=0.5)"
    assert build("la-adam", lr=0.1, lookahead_k=3).k == 3
    assert method_parameters("consensus") == ("lr", "gamma")
    assert method_parameters("la-adam")[:3] == ("lookahead_k", "lookahead_alpha", "inner_state")
    with pytest.raises(TypeError, match="needs lr"):
        build("gda")


# --- a new wrapper, handled through the protocol ----------------------------------------------


def test_stochastic_runs_handle_a_new_wrapper():
    game = AdditiveNoise(QUADRATIC, 0.3)
    z0 = QUADRATIC.default_point() + 0.5
    J, b, lr = QUADRATIC.J, QUADRATIC.b, 0.1
    out = stochastic_run(Twice(OptimisticGDA(lr)), game, z0, 2, runs=1, seed=4)
    generator = torch.Generator().manual_seed(4)
    xi = torch.cat([game.sample(generator, 2), game.sample(generator, 2)])  # 2 per step
    z, past = z0, torch.zeros(3, dtype=torch.float64)
    for k in range(4):  # the stored noisy gradient is reused, never drawn again
        g = J @ z + b + xi[k]
        z, past = z - 2 * lr * g + past, lr * g
        if k % 2:
            np.testing.assert_allclose(out[0, (k + 1) // 2], z, atol=1e-12)


def test_same_sample_unwraps_a_new_wrapper_down_to_its_base_step():
    game = AdditiveNoise(QUADRATIC, 0.3)
    z0 = QUADRATIC.default_point() + 0.5
    J, b, lr = QUADRATIC.J, QUADRATIC.b, 0.1

    def v(z):
        return J @ z + b

    out = stochastic_run(Twice(ExtraGradient(lr)), game, z0, 1, runs=1, seed=6, same_sample=True)
    xi = game.sample(torch.Generator().manual_seed(6), 2)  # one per extragradient step
    z = z0
    for k in range(2):
        half = z - lr * (v(z) + xi[k])
        z = z - lr * (v(half) + xi[k])
    np.testing.assert_allclose(out[0, 1], z, atol=1e-12)


def test_an_optimiser_state_starts_the_play_inside_a_new_wrapper():
    ops = TorchOps(QUADRATIC)
    rng = torch.Generator().manual_seed(0)
    saved = OptimiserState(
        {
            "exp_avg": torch.randn(3, generator=rng, dtype=torch.float64),
            "exp_avg_sq": torch.rand(3, generator=rng, dtype=torch.float64) + 0.1,
        },
        (3, 5),
        2,
    )
    z0 = QUADRATIC.default_point() + 0.5
    wrapped = start_from(Twice(Adam(0.05, (0.5, 0.9))), saved)
    assert isinstance(wrapped, Twice)
    adam = Adam(0.05, (0.5, 0.9), start=saved)  # the same start, given directly
    expected = adam.step(ops, adam.step(ops, adam.init(z0)))
    got = wrapped.step(ops, wrapped.init(z0))
    for a, e in zip(got, expected, strict=True):
        if torch.is_tensor(e):
            torch.testing.assert_close(a, e, rtol=0, atol=0)
    assert [int(c) for c in got[-2:]] == [5, 7]
    frozen = wrapped.frozen()  # the wrapper around its base's frozen operator
    assert isinstance(frozen, Twice) and "second_moment" in frozen.base.hyperparameters()
    np.testing.assert_allclose(
        frozen.step(ops, frozen.init(z0))[0],
        adam.frozen().step(ops, adam.frozen().step(ops, adam.frozen().init(z0)))[0],
        atol=1e-14,
    )
