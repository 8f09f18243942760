"""Checked, recorded analyses (gamedyn.analysis): adjointness, determinism, batch
spectra."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import spectrum_distance, tiny_batch, tiny_gan, tiny_players
from torch import nn

from gamedyn.analysis import (
    AdjointnessError,
    NondeterministicError,
    adjointness_error,
    analyse,
    batch_spectra,
    check_adjointness,
)
from gamedyn.games import Game
from gamedyn.methods import ExtraGradient
from gamedyn.spectrum import JacobianOperator, KrylovSchur, eigenvalues, game_jacobian


@pytest.fixture(scope="module")
def game():
    return tiny_gan(shift=1.0)


def _close_to_dense(values: np.ndarray, dense: np.ndarray, tol: float = 1e-8) -> None:
    scale = max(np.abs(dense).max(), 1.0)
    assert spectrum_distance(values, dense) < tol * scale


def test_analysis_matches_dense_and_records_how(game):
    record = analyse(game, k=6, which="LM")
    _close_to_dense(record.eigenvalues, eigenvalues(game, z=game.z0))
    assert record.adjointness_error < 1e-13
    assert np.all(record.residuals < 1e-7)
    assert record.product_dtype == "float64" and record.basis_dtype == "float64"
    assert record.mode == "reverse" and record.solver == "krylov-schur"
    assert record.batch_sizes == {"real": 8, "latent": 8}
    assert record.settings["loss"] == "non-saturating"
    assert record.matvecs > 0 and record.seconds > 0 and record.peak_memory_bytes > 0


def test_operator_analysis_matches_dense(game):
    method = ExtraGradient(0.1)
    record = analyse(game, k=4, which="LM", method=method, solver=KrylovSchur(mode="forward"))
    _close_to_dense(record.eigenvalues, eigenvalues(game, method=method, z=game.z0))
    assert record.operator == repr(method) and record.n == game.n
    assert record.mode == "forward"


def test_two_analyses_give_identical_eigenvalues():
    players = tiny_players()
    first = analyse(tiny_gan("wgan", players=players, shift=1.0, reg="gp", reg_weight=1.0), k=4)
    second = analyse(tiny_gan("wgan", players=players, shift=1.0, reg="gp", reg_weight=1.0), k=4)
    np.testing.assert_array_equal(first.eigenvalues, second.eigenvalues)
    np.testing.assert_array_equal(first.residuals, second.residuals)


def test_adjointness_check_fails_loudly_on_a_broken_product(game):
    op = JacobianOperator(game)
    assert check_adjointness(op) < 1e-13
    exact = op.apply
    op.apply = lambda u: exact(u) + 1e-3 * torch.roll(u, 1)  # not the transpose of vjp
    with pytest.raises(AdjointnessError, match="not adjoint") as err:
        check_adjointness(op)
    assert err.value.error > 1e-6


def test_analysis_refuses_a_random_operator():
    """A field that redraws its randomness at every call (as redrawing latents inside the
    eigensolver does) is a different matrix at every product: the check catches it."""
    n = 6

    class RandomGame(Game):  # FunctionGame refuses random losses at construction
        nx = ny = 3

        def losses(self, z):
            x, y = self.split(z)
            coupling = (x * (torch.randn(3, 3, dtype=x.dtype) @ y)).sum()
            return coupling + x.square().sum(), -coupling + y.square().sum()

    game = RandomGame()
    with pytest.raises(NondeterministicError, match="differ"):
        analyse(game, k=2, z=np.ones(n))
    # forward-mode products of a random map are not even adjoint
    op = JacobianOperator(game, np.ones(n), mode="forward")
    with pytest.raises(AdjointnessError):
        check_adjointness(op)


def test_adjointness_error_is_roundoff_for_a_matrix():
    a = torch.randn(50, 50, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert adjointness_error(lambda v: a @ v, lambda u: a.T @ u, 50) < 1e-15
    assert adjointness_error(lambda v: a @ v, lambda u: a @ u, 50) > 1e-3


def test_float32_products_are_recorded_as_the_fast_mode():
    players = tiny_players()
    game32 = tiny_gan(players=players, shift=1.0, dtype=torch.float32)
    record = analyse(game32, k=4, solver=KrylovSchur(tol=1e-5))
    game64 = tiny_gan(players=players, shift=1.0)
    _close_to_dense(record.eigenvalues, eigenvalues(game64, z=game64.z0), tol=1e-4)
    assert record.product_dtype == "float32" and record.basis_dtype == "float64"
    assert record.adjointness_error < 1e-5


def test_batch_spectra_report_spread_and_average():
    players = tiny_players()
    games = [tiny_gan(players=players, batch_seed=s, batch_size=4, shift=1.0) for s in range(1, 5)]
    spectra = batch_spectra(games, k=4)
    assert spectra.per_batch.shape == (4, 4)
    for g, row in zip(games, spectra.per_batch, strict=True):
        _close_to_dense(row, eigenvalues(g, z=g.z0))
    moduli = -np.sort(-np.abs(spectra.per_batch), axis=1)
    np.testing.assert_allclose(spectra.mean, moduli.mean(axis=0))
    np.testing.assert_allclose(spectra.std, moduli.std(axis=0))
    assert np.all(spectra.std > 0)  # different batches, different spectra
    mean_jacobian = np.mean([game_jacobian(g, g.z0) for g in games], axis=0)
    _close_to_dense(spectra.averaged.eigenvalues, np.linalg.eigvals(mean_jacobian))
    assert spectra.averaged.batch_sizes["batches"] == 4


def test_analyses_of_a_batchnorm_spectral_norm_model_are_identical_and_leave_it_unchanged():
    torch.manual_seed(3)
    G = nn.Sequential(nn.Linear(2, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    D = nn.Sequential(
        nn.utils.parametrizations.spectral_norm(nn.Linear(2, 8)),
        nn.LayerNorm(8),
        nn.Tanh(),
        nn.Linear(8, 1),
    )
    G.train(), D.train()
    for _ in range(2):  # a few training-mode forwards: running stats and u, v move
        D(G(torch.randn(8, 2)))
    before = {
        f"{name}.{k}": v.clone()
        for name, m in (("G", G), ("D", D))
        for k, v in m.state_dict().items()
    }
    batch = tiny_batch(4, shift=1.0)
    records = [
        analyse(tiny_gan("wgan", players=(G, D), batch=batch, reg="gp", reg_weight=1.0), k=4)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(records[0].eigenvalues, records[1].eigenvalues)
    after = {
        f"{name}.{k}": v for name, m in (("G", G), ("D", D)) for k, v in m.state_dict().items()
    }
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert G.training and D.training
    settings = records[0].settings
    assert settings["batchnorm"] == "batch" and len(settings["replaced_layers"]) == 2
    assert len(settings["frozen_spectral_norms"]) == 1


def test_import_and_analyse_without_the_resource_module():
    """Windows has no ``resource``: ``import gamedyn`` and an analysis still work, the peak
    memory then reported as unknown (``None``)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['resource'] = None\n"  # `import resource` now raises
        "import gamedyn, numpy as np\n"
        "from gamedyn.analysis import analyse\n"
        "from gamedyn.games import Bilinear\n"
        "from gamedyn.methods import GDA\n"
        "record = analyse(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2)\n"
        "assert record.converged and record.peak_memory_bytes is None, record\n"
        "assert np.allclose(np.abs(record.eigenvalues), 3.0)\n"
        "record = analyse(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2, method=GDA(0.1))\n"
        "assert record.to_dict()['peak_memory_bytes'] is None\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
