"""The rotation index (gamedyn.nonnormal): 0 on potential games, 1 on bilinear ones,
Hutchinson estimates whose error bars cover the dense values (and do so at the stated rate),
per player, layer and parameter blocks of a TorchGame."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import LinearGame, tiny_gan

from gamedyn.games import Bilinear, FunctionGame, Quadratic
from gamedyn.methods import GDA
from gamedyn.nonnormal import _rotation as rot
from gamedyn.nonnormal import frobenius_norm_squared, rotation_by_block, rotation_index
from gamedyn.spectrum import game_jacobian, operator_jacobian


def _potential_function_game() -> FunctionGame:
    """Both players minimise the same smooth function: J is its Hessian, symmetric."""

    def f(x, y):
        return (x**2).sum() * (1 + y.sum() ** 2) + torch.sin(
            x @ torch.arange(1.0, 4.0, dtype=x.dtype)
        ) * y[0]

    return FunctionGame(f, f, 3, 2)


def test_rotation_index_is_zero_on_a_potential_game():
    rng = np.random.default_rng(0)
    P = rng.standard_normal((3, 3))
    C = rng.standard_normal((3, 2))
    quadratic = Quadratic(P @ P.T, np.eye(2), C, C.T)  # J symmetric
    for game, z in ((quadratic, None), (_potential_function_game(), [0.3, -0.2, 0.5, 0.1, 0.7])):
        r = rotation_index(game, 10, z=z)
        assert r.value < 1e-20 and r.stderr < 1e-20
        assert r.symmetric.value > 0.1


def test_rotation_index_is_one_on_a_bilinear_game():
    r = rotation_index(Bilinear(np.random.default_rng(1).standard_normal((4, 3))), 10)
    assert r.value == pytest.approx(1.0, abs=1e-15) and r.stderr < 1e-15
    assert r.matvecs == 20  # one J g and one Jᵀ g per probe


@pytest.mark.parametrize("distribution", ["rademacher", "gaussian"])
def test_error_bar_covers_the_dense_value_on_a_small_gan(distribution):
    gan = tiny_gan()
    exact = rot.dense_rotation_index(game_jacobian(gan))
    r = rotation_index(gan, 60, distribution=distribution)
    assert 0.05 < exact < 0.95
    assert abs(r.value - exact) <= 3 * r.stderr
    assert r.stderr < 0.05


@pytest.mark.slow
def test_error_bars_cover_the_dense_value_at_the_stated_rate():
    """Over 300 independent runs of 20 probes, R̂ ± 2 SE covers R about 95 % of the time."""
    rng = np.random.default_rng(2)
    A = rng.standard_normal((30, 30)) + 1.5 * np.diag(rng.standard_normal(30))
    game = LinearGame(A)
    exact = rot.dense_rotation_index(A)
    hits = [
        abs((r := rotation_index(game, 20, seed=s)).value - exact) <= 2 * r.stderr
        for s in range(300)
    ]
    assert 0.88 <= np.mean(hits) <= 0.99


def test_frobenius_estimate_and_its_variance():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((20, 20))
    game = LinearGame(A)
    exact = np.linalg.norm(A) ** 2
    estimates = [frobenius_norm_squared(game, 25, seed=s) for s in range(200)]
    values = np.array([e.value for e in estimates])
    # unbiased, and the stated standard error is the spread over independent runs
    assert abs(values.mean() - exact) < 4 * values.std() / np.sqrt(values.size)
    M = A.T @ A
    variance = 2 * (np.linalg.norm(M) ** 2 - np.sum(np.diag(M) ** 2))  # Rademacher, per probe
    assert values.std() == pytest.approx(np.sqrt(variance / 25), rel=0.15)
    assert np.mean([e.stderr for e in estimates]) == pytest.approx(np.sqrt(variance / 25), rel=0.15)


def test_rotation_index_of_an_operator_jacobian():
    gan = tiny_gan()
    T = operator_jacobian(GDA(0.1), gan)
    r = rotation_index(gan, 40, method=GDA(0.1))
    assert abs(r.value - rot.dense_rotation_index(T)) <= 3 * r.stderr


def test_parameter_blocks_partition_z_and_name_the_players_parameters():
    gan = tiny_gan()
    for by in ("player", "layer", "parameter"):
        blocks = rot.parameter_blocks(gan, by)
        every = np.sort(np.concatenate(list(blocks.values())))
        np.testing.assert_array_equal(every, np.arange(gan.n))
    assert list(rot.parameter_blocks(gan, "layer")) == [
        "generator.0",
        "generator.2",
        "discriminator.0",
        "discriminator.2",
    ]
    params = rot.parameter_blocks(gan, "parameter")
    assert params["generator.0.weight"].size == 8 and params["discriminator.2.bias"].size == 1
    assert list(rot.parameter_blocks(Bilinear([[1.0]]), "player")) == ["x", "y"]
    with pytest.raises(TypeError, match="needs a TorchGame"):
        rot.parameter_blocks(Bilinear([[1.0]]), "layer")


@pytest.mark.parametrize("by", ["player", "layer"])
def test_per_block_indices_cover_their_dense_values(by):
    gan = tiny_gan()
    J = game_jacobian(gan)
    blocks = rot.parameter_blocks(gan, by)
    result = rotation_by_block(gan, 80, by=by)
    assert set(result) == set(blocks) | {"all"}
    for label, r in result.items():
        rows = blocks.get(label)
        exact = rot.dense_rotation_index(J, rows)
        assert abs(r.value - exact) <= 3.5 * r.stderr + 1e-12, label
    assert result["all"].matvecs == 160  # every block from the same 80 probes


def test_coupling_rotation_separates_the_hessians_from_the_coupling():
    gan = tiny_gan()
    J = game_jacobian(gan)
    nx = gan.nx
    Jxy, Jyx = J[:nx, nx:], J[nx:, :nx]
    exact = np.linalg.norm(Jxy - Jyx.T) ** 2 / (
        2 * (np.linalg.norm(Jxy) ** 2 + np.linalg.norm(Jyx) ** 2)
    )
    c = rot.coupling_rotation(gan, 60)
    assert c["x"].value < 1e-20 and c["y"].value < 1e-20  # own blocks are Hessians
    assert abs(c["coupling"].value - exact) <= 3.5 * c["coupling"].stderr
    # a zero-sum GAN (the saturating loss without penalty): the coupling is pure rotation
    zero_sum = rot.coupling_rotation(tiny_gan("saturating"), 10)
    assert zero_sum["coupling"].value == pytest.approx(1.0, abs=1e-12)


def test_rotation_along_training(mixture_checkpoints):
    from gamedyn.examples import EXAMPLES

    example = EXAMPLES["mixture-small"]
    games = [
        (s, example.load_game(p, 16, 0)) for s, p in zip((0, 4), mixture_checkpoints, strict=True)
    ]
    track = rot.rotation_along(games, 4)
    assert [step for step, _ in track] == [0, 4]
    assert set(track[0][1]) == {"generator", "discriminator", "all"}


def test_bad_input():
    with pytest.raises(ValueError, match="probes must be an integer >= 2"):
        rotation_index(Bilinear([[1.0]]), 1)
    with pytest.raises(ValueError, match="unknown distribution 'uniform'"):
        rotation_index(Bilinear([[1.0]]), 4, distribution="uniform")
    with pytest.raises(ValueError, match="block 'b' has indices outside"):
        rotation_by_block(Bilinear([[1.0]]), 4, by={"b": [5]})
