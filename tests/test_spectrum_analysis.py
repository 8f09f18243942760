"""Checked, recorded analyses: adjointness, determinism, records, batch averaging."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from gamedyn.games import FunctionGame
from gamedyn.games.torch_game import TorchGame
from gamedyn.methods import GDA, ExtraGradient
from gamedyn.spectrum import eigenvalues, game_jacobian, operator_jacobian
from gamedyn.spectrum.analysis import (
    AdjointnessError,
    AveragedGame,
    NondeterministicError,
    adjointness_error,
    analyse,
    batch_spectra,
    check_adjointness,
)
from gamedyn.spectrum.matrix_free import _products


def players(seed: int = 0, dim: int = 2) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(dim, 4), nn.Tanh(), nn.Linear(4, dim))
    D = nn.Sequential(nn.Linear(dim, 6), nn.Tanh(), nn.Linear(6, 1))
    return G, D


def batch(seed: int, size: int = 8, dim: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(size, dim, generator=g) + 1.0, torch.randn(size, dim, generator=g)


@pytest.fixture(scope="module")
def game() -> TorchGame:
    G, D = players()
    return TorchGame(G, D, "non-saturating", *batch(1))


def _close_to_dense(values: np.ndarray, dense: np.ndarray, tol: float = 1e-8) -> None:
    scale = max(np.abs(dense).max(), 1.0)
    assert max(np.abs(dense - w).min() for w in values) < tol * scale


def test_analysis_matches_dense_and_records_how(game):
    record = analyse(game, k=6, which="LM")
    _close_to_dense(record.eigenvalues, eigenvalues(game, game.z0))
    assert record.adjointness_error < 1e-13
    assert np.all(record.residuals < 1e-7)
    assert record.product_dtype == "float64" and record.basis_dtype == "float64"
    assert record.mode == "reverse" and record.solver == "krylov-schur"
    assert record.batch_sizes == {"real": 8, "latent": 8}
    assert record.settings["loss"] == "non-saturating"
    assert record.matvecs > 0 and record.seconds > 0 and record.peak_memory_bytes > 0


def test_operator_analysis_matches_dense(game):
    method = ExtraGradient(0.1)
    record = analyse(game, k=4, which="LM", method=method, mode="forward")
    _close_to_dense(record.eigenvalues, eigenvalues(game, game.z0, method))
    assert record.operator == repr(method) and record.n == game.n
    assert record.mode == "forward"


def test_record_saves_json_and_npz(game, tmp_path):
    record = analyse(game, k=4)
    path_json, path_npz = record.save(tmp_path, "mlp")
    saved = json.loads(path_json.read_text())
    assert saved["k"] == 4 and saved["product_dtype"] == "float64"
    back = np.array([complex(re, im) for re, im in saved["eigenvalues"]])
    np.testing.assert_array_equal(back, record.eigenvalues)
    with np.load(path_npz) as npz:
        np.testing.assert_array_equal(npz["eigenvalues"], record.eigenvalues)
        np.testing.assert_array_equal(npz["residuals"], record.residuals)


def test_two_analyses_give_identical_eigenvalues():
    G, D = players()
    first = analyse(TorchGame(G, D, "wgan", *batch(1), reg="gp", reg_weight=1.0), k=4)
    second = analyse(TorchGame(G, D, "wgan", *batch(1), reg="gp", reg_weight=1.0), k=4)
    np.testing.assert_array_equal(first.eigenvalues, second.eigenvalues)
    np.testing.assert_array_equal(first.residuals, second.residuals)


def test_adjointness_check_fails_loudly_on_a_broken_product(game):
    products = _products(game, None, None, None)
    assert check_adjointness(products) < 1e-13
    exact = products.jvp
    products.jvp = lambda u: exact(u) + 1e-3 * torch.roll(u, 1)  # not the transpose of vjp
    with pytest.raises(AdjointnessError, match="not adjoint") as err:
        check_adjointness(products)
    assert err.value.error > 1e-6


def test_analysis_refuses_a_random_operator():
    """A field that redraws its randomness at every call (as redrawing latents inside the
    eigensolver does) is a different matrix at every product: the check catches it."""
    n = 6

    def loss_x(x, y):
        return (x * (torch.randn(3, 3, dtype=x.dtype) @ y)).sum() + x.square().sum()

    def loss_y(x, y):
        return -(y * (torch.randn(3, 3, dtype=x.dtype) @ x)).sum() + y.square().sum()

    game = FunctionGame(loss_x, loss_y, 3, 3)
    with pytest.raises(NondeterministicError, match="differ"):
        analyse(game, k=2, z=np.ones(n))
    # forward-mode products of a random map are not even adjoint
    products = _products(game, np.ones(n), None, None, "forward")
    with pytest.raises(AdjointnessError):
        check_adjointness(products)


def test_adjointness_error_is_roundoff_for_a_matrix():
    a = torch.randn(50, 50, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert adjointness_error(lambda v: a @ v, lambda u: a.T @ u, 50) < 1e-15
    assert adjointness_error(lambda v: a @ v, lambda u: a @ u, 50) > 1e-3


def test_float32_products_are_recorded_as_the_fast_mode():
    G, D = players()
    game32 = TorchGame(G, D, "non-saturating", *batch(1), dtype=torch.float32)
    record = analyse(game32, k=4, tol=1e-5)
    game64 = TorchGame(G, D, "non-saturating", *batch(1))
    _close_to_dense(record.eigenvalues, eigenvalues(game64, game64.z0), tol=1e-4)
    assert record.product_dtype == "float32" and record.basis_dtype == "float64"
    assert record.adjointness_error < 1e-5


def test_averaged_game_has_the_average_jacobian():
    G, D = players()
    games = [TorchGame(G, D, "non-saturating", *batch(seed)) for seed in (1, 2, 3)]
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


def test_batch_spectra_report_spread_and_average():
    G, D = players()
    games = [TorchGame(G, D, "non-saturating", *batch(seed, size=4)) for seed in range(1, 5)]
    spectra = batch_spectra(games, k=4)
    assert spectra.per_batch.shape == (4, 4)
    for g, row in zip(games, spectra.per_batch, strict=True):
        _close_to_dense(row, eigenvalues(g, g.z0))
    moduli = -np.sort(-np.abs(spectra.per_batch), axis=1)
    np.testing.assert_allclose(spectra.mean, moduli.mean(axis=0))
    np.testing.assert_allclose(spectra.std, moduli.std(axis=0))
    assert np.all(spectra.std > 0)  # different batches, different spectra
    mean_jacobian = np.mean([game_jacobian(g, g.z0) for g in games], axis=0)
    _close_to_dense(spectra.averaged.eigenvalues, np.linalg.eigvals(mean_jacobian))
    assert spectra.averaged.batch_sizes["batches"] == 4


def test_averaged_game_checks_its_games():
    G, D = players()
    with pytest.raises(ValueError, match="at least one"):
        AveragedGame([])
    G2 = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    a = TorchGame(G, D, "non-saturating", *batch(1))
    b = TorchGame(G2, D, "non-saturating", *batch(1))
    with pytest.raises(ValueError, match="share their players"):
        AveragedGame([a, b])


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
    real, latent = batch(4)
    records = [
        analyse(TorchGame(G, D, "wgan", real, latent, reg="gp", reg_weight=1.0), k=4)
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
