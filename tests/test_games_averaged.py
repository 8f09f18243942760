"""AveragedGame (gamedyn.games._averaged): the average field of the same players on several
batches."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import mlp, tiny_gan, tiny_players

from gamedyn.games import AveragedGame
from gamedyn.methods import GDA
from gamedyn.spectrum import game_jacobian, operator_jacobian


def test_averaged_game_has_the_average_jacobian():
    players = tiny_players()
    games = [tiny_gan(players=players, batch_seed=seed, shift=1.0) for seed in (1, 2, 3)]
    averaged = AveragedGame(games)
    z = games[0].z0
    expected = np.mean([game_jacobian(g, z) for g in games], axis=0)
    np.testing.assert_allclose(game_jacobian(averaged, z), expected, atol=1e-13)
    # GDA's operator I − ηJ is affine in the field, so it averages too
    np.testing.assert_allclose(
        operator_jacobian(GDA(0.1), averaged, z),
        np.mean([operator_jacobian(GDA(0.1), g, z) for g in games], axis=0),
        atol=1e-13,
    )
    # z=None is the first game's point (the players are shared)
    np.testing.assert_array_equal(game_jacobian(averaged), game_jacobian(averaged, z))


def test_averaged_game_checks_its_games():
    G, D = tiny_players()
    with pytest.raises(ValueError, match="at least one"):
        AveragedGame([])
    G2 = mlp(2, 3, 2)
    a = tiny_gan(players=(G, D), shift=1.0)
    b = tiny_gan(players=(G2, D), shift=1.0)
    with pytest.raises(ValueError, match="share their players"):
        AveragedGame([a, b])
