"""gamedyn.analysis.study: one operator per analysis, shared by the checks, the solve, the
residuals and the non-normal extras."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import tiny_gan, tiny_players

from gamedyn.analysis import analyse, study
from gamedyn.nonnormal import NonNormal, non_normal_extras
from gamedyn.spectrum import JacobianOperator


@pytest.fixture
def built(monkeypatch):
    """Every JacobianOperator built while the test runs."""
    operators = []
    init = JacobianOperator.__init__

    def counting(self, *args, **kwargs):
        operators.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(JacobianOperator, "__init__", counting)
    return operators


def test_study_runs_its_extras_on_the_analysed_operator(built):
    game = tiny_gan(shift=1.0)
    extras = NonNormal(rotation=8, conditioning=True)
    record = study(game, 4, non_normal=extras)
    assert len(built) == 1  # checks, solve, residuals and extras: one operator
    fresh = non_normal_extras(
        JacobianOperator(game), extras, game=game, eigenvalues=record.eigenvalues, k=4,
        tol=record.tol,
    )  # fmt: skip
    got = record.extras["non_normal"]
    assert got["rotation"] == fresh["rotation"] and got["rotation"]["matvecs"] > 0
    np.testing.assert_allclose(
        got["conditioning"]["condition_numbers"],
        fresh["conditioning"]["condition_numbers"],
        rtol=1e-6,
    )
    plain = analyse(game, 4)
    np.testing.assert_array_equal(record.eigenvalues, plain.eigenvalues)
    assert record.matvecs == plain.matvecs  # the extras' products are counted apart


def test_study_with_spread_runs_its_extras_on_the_averaged_operator(built):
    players = tiny_players()
    games = [tiny_gan(players=players, batch_seed=s, batch_size=4, shift=1.0) for s in range(1, 4)]
    extras = NonNormal(conditioning=True)
    record = study(games[0], 4, non_normal=extras, spread={}, batches=games)
    assert len(built) == 1 + len(games)  # the averaged game's, then one per batch
    averaged = built[0]
    fresh = non_normal_extras(JacobianOperator(averaged.game), extras, k=4, tol=record.tol)
    np.testing.assert_allclose(
        record.extras["non_normal"]["conditioning"]["condition_numbers"],
        fresh["conditioning"]["condition_numbers"],
        rtol=1e-6,
    )
    assert record.extras["batch_spread"]["converged"] == [True] * len(games)
