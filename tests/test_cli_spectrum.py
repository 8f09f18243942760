"""``gamedyn spectrum`` (batch averaging, spread, blocks) and ``gamedyn path-angle``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gamedyn.cli import build_parser
from gamedyn.examples import train
from gamedyn.landscape import path_angle
from gamedyn.spectrum import game_jacobian
from gamedyn.spectrum.analysis import AveragedGame


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    return train("mixture-small", 4, tmp_path_factory.mktemp("ckpt"), save_every=4, batch=16)


def _args(argv):
    return build_parser().parse_args(argv)


def test_spectrum_averages_batches_and_reports_spread_and_blocks(checkpoints, tmp_path):
    from gamedyn import cli_spectrum

    out = tmp_path / "s"
    argv = ["spectrum", str(checkpoints[-1]), "--example", "mixture-small", "--batch", "8"]
    argv += ["--batches", "3", "--spread", "--blocks", "--k", "3", "--tol", "1e-12"]
    argv += ["--out", str(out), "--no-progress"]
    args = _args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "eigenvalues.json").read_text())
    game, games = cli_spectrum.build_analysed_game(args)
    assert isinstance(game, AveragedGame) and len(games) == 3
    mean_jacobian = np.mean([game_jacobian(g, g.z0) for g in games], axis=0)
    dense = np.linalg.eigvals(mean_jacobian)
    got = np.array([complex(*w) for w in record["eigenvalues"]])
    assert max(np.abs(dense - w).min() for w in got) < 1e-8 * np.abs(dense).max()
    spread = record["batch_spread"]
    per_batch = np.abs([[complex(*w) for w in row] for row in spread["per_batch"]])
    for g, row in zip(games, per_batch, strict=True):
        top = np.sort(np.abs(np.linalg.eigvals(game_jacobian(g, g.z0))))[::-1][:3]
        np.testing.assert_allclose(np.sort(row)[::-1], top, rtol=1e-8)
    np.testing.assert_allclose(spread["std"], np.sort(per_batch, axis=1)[:, ::-1].std(axis=0))
    nx = game.nx
    hxx = np.linalg.eigvalsh(mean_jacobian[:nx, :nx])
    np.testing.assert_allclose(record["blocks"]["generator_hessian"][0], hxx[-1], atol=1e-8)
    sv = np.linalg.svd(mean_jacobian[:nx, nx:], compute_uv=False)[:3]
    np.testing.assert_allclose(record["blocks"]["coupling_singular_values"], sv, atol=1e-8)
    assert record["batch_sizes"]["batches"] == 3 and record["batches"] == 3


def test_path_angle_command_matches_the_library(checkpoints, tmp_path):
    from gamedyn import cli_spectrum

    out = tmp_path / "p"
    argv = ["path-angle", str(checkpoints[0]), str(checkpoints[-1]), "--example", "mixture-small"]
    argv += ["--batch", "8", "--num", "11", "--out", str(out)]
    args = _args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "path_angle.json").read_text())
    game0 = cli_spectrum.build_game(args, checkpoint=str(checkpoints[0]))
    game1 = cli_spectrum.build_game(args, checkpoint=str(checkpoints[-1]))
    expected = path_angle(game0, game0.z0, game1.z0, num=11)
    np.testing.assert_allclose(record["cosine"], expected.cosine, atol=1e-12)
    np.testing.assert_allclose(record["alpha"], np.linspace(-0.5, 1.5, 11))
    assert (out / "path_angle.png").stat().st_size > 1000


def test_batches_must_be_positive(checkpoints, tmp_path):
    argv = ["spectrum", str(checkpoints[-1]), "--example", "mixture-small", "--batches", "0"]
    args = _args(argv + ["--out", str(tmp_path)])
    with pytest.raises(ValueError, match="--batches must be >= 1, got 0"):
        args.run(args)


def test_spectrum_fast_mode_is_recorded(checkpoints, tmp_path):
    from gamedyn import cli_spectrum
    from gamedyn.spectrum import eigenvalues

    out = tmp_path / "f"
    argv = ["spectrum", str(checkpoints[-1]), "--example", "mixture-small", "--batch", "8"]
    argv += ["--dtype", "float32", "--mode", "forward", "--solver", "arpack", "--k", "3"]
    argv += ["--tol", "1e-6", "--out", str(out), "--no-progress"]
    args = _args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "eigenvalues.json").read_text())
    assert record["product_dtype"] == "float32" and record["basis_dtype"] == "float64"
    assert record["mode"] == "forward" and record["solver"] == "arpack"
    assert record["adjointness_error"] < 1e-4
    args.dtype = "float64"
    game = cli_spectrum.build_game(args)
    dense = eigenvalues(game)
    got = np.array([complex(*w) for w in record["eigenvalues"]])
    assert max(np.abs(dense - w).min() for w in got) < 1e-4 * np.abs(dense).max()
