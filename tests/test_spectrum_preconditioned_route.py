"""The Jacobian route for frozen simultaneous Adam (gamedyn.spectrum): Krylov–Schur on P·J,
Ritz values mapped by the unit method's eigenvalue map, against dense eigenvalues of the
operator's Jacobian and the operator route, on small GANs away from any stationary point."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import tiny_gan

from gamedyn.methods import Adam, AdamTransform, Composed, Simultaneous
from gamedyn.spectrum import KrylovSchur, operator_jacobian, top_eigenvalues
from gamedyn.spectrum._jacobian_route import route_problem
from gamedyn.spectrum._preconditioned_route import preconditioned_form


def _moments(game, seed=0):
    rng = np.random.default_rng(seed)
    return (
        torch.as_tensor(rng.uniform(0.05, 2.0, game.nx)),
        torch.as_tensor(rng.uniform(0.05, 2.0, game.ny)),
    )


def _methods(game):
    vx, vy = _moments(game)
    return [
        Adam((0.01, 0.02), betas=(0.5, 0.999), second_moment=(vx, vy), frozen_step=300),
        Adam(0.05, betas=(0.9, 0.99), eps=1e-3, second_moment=(vx, vy), frozen_step=5),
        Composed(  # each player frozen at its own step, as a checkpoint's operator is
            Simultaneous(
                (
                    AdamTransform(0.03, 0.5, 0.9, 1e-8, second_moment=vx, frozen_step=7),
                    AdamTransform(0.01, 0.5, 0.999, 1e-2, second_moment=0.5, frozen_step=35),
                )
            )
        ),
        Adam(0.05, betas=(0.9, 0.99), second_moment=0.3),
    ]


@pytest.mark.parametrize("case", range(4))
@pytest.mark.parametrize("loss", ["non-saturating", "wgan"])
def test_frozen_adam_route_equals_dense_eigenvalues(case, loss):
    game = tiny_gan(loss)
    z = game.default_point()
    method = _methods(game)[case]
    assert route_problem(method, game, z) is None
    assert "P·J" in route_problem(method, game, z, explicit=False)
    fast = top_eigenvalues(game, 4, method=method, solver=KrylovSchur(tol=1e-12, route="jacobian"))
    assert fast.route.startswith("jacobian")
    dense = np.linalg.eigvals(np.asarray(operator_jacobian(method, game, z)))
    top = np.sort(np.abs(dense))[-4:]
    np.testing.assert_allclose(np.sort(np.abs(fast.values)), top, rtol=0, atol=1e-8)
    for value in fast.values:  # each an eigenvalue (a conjugate pair may straddle the cut)
        assert np.min(np.abs(dense - value)) <= 1e-8
    assert np.all(fast.residuals <= 1e-12 * np.abs(fast.values))
    slow = top_eigenvalues(game, 4, method=method, solver=KrylovSchur(tol=1e-12, route="operator"))
    np.testing.assert_allclose(np.abs(fast.values), np.abs(slow.values), rtol=0, atol=1e-8)
    auto = top_eigenvalues(game, 4, method=method, solver=KrylovSchur(tol=1e-12))
    assert auto.route.startswith("operator (frozen Adam's route on P·J")  # no fewer products
    np.testing.assert_allclose(np.abs(auto.values), np.abs(fast.values), rtol=0, atol=1e-8)


def test_the_preconditioner_is_read_off_the_step():
    game = tiny_gan()
    vx, vy = _moments(game)
    lr, eps, beta1, steps = (0.01, 0.02), 1e-3, 0.5, (300, 1500)
    method = Composed(
        Simultaneous(
            tuple(
                AdamTransform(lr[p], beta1, 0.999, eps, second_moment=v, frozen_step=steps[p])
                for p, v in enumerate((vx, vy))
            )
        )
    )
    unit, a = preconditioned_form(method, game, game.default_point())
    expected = torch.cat(
        [lr[p] / ((1 - beta1 ** steps[p]) * (v.sqrt() + eps)) for p, v in enumerate((vx, vy))]
    )
    torch.testing.assert_close(a, expected, rtol=1e-12, atol=0)
    assert (unit.play.players[0].lr, unit.play.players[0].beta1) == (1.0, beta1)


@pytest.mark.parametrize(
    "method",
    [
        Adam(0.01, second_moment=1.0, alternating=True),
        Adam(0.01, second_moment=1.0, weight_decay=0.1),
        Adam(0.01, betas=((0.5, 0.9), (0.9, 0.9)), second_moment=1.0),
        Adam(0.01),  # exact Adam: the moments are state
    ],
    ids=["alternating", "weight-decay", "two-beta1", "exact"],
)
def test_where_it_does_not_hold_there_is_no_preconditioned_form(method):
    game = tiny_gan()
    assert preconditioned_form(method, game, game.default_point()) is None
