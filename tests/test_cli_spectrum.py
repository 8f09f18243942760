"""``gamedyn spectrum`` (gamedyn.cli.spectrum, gamedyn.cli.options): the written record against
the library, batch averaging, spread, blocks, the fast mode and partial results."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from helpers import spectrum_distance

from gamedyn.cli import build_parser
from gamedyn.cli import spectrum as cli_spectrum
from gamedyn.cli.options import build_game, build_games
from gamedyn.games import AveragedGame
from gamedyn.spectrum import eigenvalues, game_jacobian


def _args(argv):
    return build_parser().parse_args(argv)


@pytest.mark.slow
def test_spectrum_averages_batches_and_reports_spread_and_blocks(mixture_checkpoints, tmp_path):
    out = tmp_path / "s"
    argv = ["spectrum", str(mixture_checkpoints[-1]), "--example", "mixture-small", "--batch", "8"]
    argv += ["--batches", "3", "--spread", "--blocks", "--k", "3", "--tol", "1e-12"]
    argv += ["--out", str(out), "--no-progress"]
    args = _args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "eigenvalues.json").read_text())
    game, games = build_games(args)
    assert isinstance(game, AveragedGame) and len(games) == 3
    mean_jacobian = np.mean([game_jacobian(g, g.z0) for g in games], axis=0)
    dense = np.linalg.eigvals(mean_jacobian)
    got = np.array([complex(*w) for w in record["eigenvalues"]])
    assert spectrum_distance(got, dense) < 1e-8 * np.abs(dense).max()
    spread = record["extras"]["batch_spread"]
    per_batch = np.abs([[complex(*w) for w in row] for row in spread["per_batch"]])
    for g, row in zip(games, per_batch, strict=True):
        top = np.sort(np.abs(np.linalg.eigvals(game_jacobian(g, g.z0))))[::-1][:3]
        np.testing.assert_allclose(np.sort(row)[::-1], top, rtol=1e-8)
    np.testing.assert_allclose(spread["std"], np.sort(per_batch, axis=1)[:, ::-1].std(axis=0))
    nx = game.nx
    blocks = record["extras"]["blocks"]
    hxx = np.linalg.eigvalsh(mean_jacobian[:nx, :nx])
    np.testing.assert_allclose(blocks["generator_hessian"][0], hxx[-1], atol=1e-8)
    sv = np.linalg.svd(mean_jacobian[:nx, nx:], compute_uv=False)[:3]
    np.testing.assert_allclose(blocks["coupling_singular_values"], sv, atol=1e-8)
    assert record["batch_sizes"]["batches"] == 3 and record["settings"]["batches"] == 3


def test_batches_must_be_positive(mixture_checkpoints, tmp_path):
    argv = [
        "spectrum",
        str(mixture_checkpoints[-1]),
        "--example",
        "mixture-small",
        "--batches",
        "0",
    ]
    args = _args(argv + ["--out", str(tmp_path)])
    with pytest.raises(ValueError, match="--batches must be >= 1, got 0"):
        args.run(args)


def test_spectrum_fast_mode_is_recorded(mixture_checkpoints, tmp_path):
    out = tmp_path / "f"
    argv = ["spectrum", str(mixture_checkpoints[-1]), "--example", "mixture-small", "--batch", "8"]
    argv += ["--dtype", "float32", "--mode", "forward", "--solver", "arpack", "--k", "3"]
    argv += ["--tol", "1e-6", "--out", str(out), "--no-progress"]
    args = _args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "eigenvalues.json").read_text())
    assert record["product_dtype"] == "float32" and record["basis_dtype"] == "float64"
    assert record["mode"] == "forward" and record["solver"] == "arpack"
    assert record["adjointness_error"] < 1e-4
    args.dtype = "float64"
    game = build_game(args)
    dense = eigenvalues(game)
    got = np.array([complex(*w) for w in record["eigenvalues"]])
    assert spectrum_distance(got, dense) < 1e-4 * np.abs(dense).max()


def test_train_saves_checkpoints_and_cli_writes_spectrum(tmp_path):
    from gamedyn.examples import train

    paths = train("mixture-small", 3, tmp_path / "ckpt", save_every=2, batch=16)
    assert [p.name for p in paths] == [
        "step_000000.safetensors",
        "step_000002.safetensors",
        "step_000003.safetensors",
    ]
    parser = argparse.ArgumentParser(prog="gamedyn")
    cli_spectrum.add_parser(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "spectrum"
    argv = [
        "spectrum",
        str(paths[-1]),
        "--example",
        "mixture-small",
        "--batch",
        "16",
        "--k",
        "4",
        "--tol",
        "1e-12",
        "--out",
        str(out),
        "--no-progress",
    ]
    args = parser.parse_args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "eigenvalues.json").read_text())
    got = np.array([complex(*w) for w in record["eigenvalues"]])
    npz = np.load(out / "eigenvalues.npz")
    np.testing.assert_array_equal(npz["eigenvalues"], got)
    assert (out / "eigenvalues.png").stat().st_size > 1000
    # against the dense Jacobian of the same checkpoint and batch
    game = build_game(args)
    dense = eigenvalues(game, z=game.z0)
    np.testing.assert_allclose(np.abs(got), np.abs(dense[:4]), rtol=1e-8, atol=1e-10)
    assert spectrum_distance(got, dense) < 1e-8 * np.abs(dense[0])
    assert max(record["residuals"]) <= 1e-12 * np.abs(got).max() * 1.01
    assert record["adjointness_error"] < 1e-12 and record["product_dtype"] == "float64"
    assert record["batch_sizes"] == {"real": 16, "latent": 16} and record["converged"]
    # no convergence: the partial result is written, the exit status is 1
    args = parser.parse_args(
        argv[:-3]
        + ["--out", str(tmp_path / "p"), "--no-progress", "--tol", "1e-16", "--max-restarts", "0"]
    )
    assert args.run(args) == 1
    assert json.loads((tmp_path / "p" / "eigenvalues.json").read_text())["converged"] is False


def test_cli_needs_paths():
    parser = argparse.ArgumentParser(prog="gamedyn")
    cli_spectrum.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["spectrum", "x.pt", "--generator", "a:b"])
    with pytest.raises(ValueError, match="--discriminator, --data, --latent"):
        cli_spectrum.run(args)


def test_every_method_is_built_from_the_options():
    from gamedyn.methods import ACGD, LEAD, LOLA, METHODS, SGA, SOS

    parser = argparse.ArgumentParser(prog="gamedyn")
    cli_spectrum.add_parser(parser.add_subparsers(dest="command", required=True))

    def method(*options):
        return cli_spectrum.method_of(parser.parse_args(["spectrum", "x.pt", *options]))

    common = ["--lr", "0.2", "--beta", "0.3", "--alpha", "0.4"]
    for name in METHODS:
        assert isinstance(method("--method", name, *common), METHODS[name])
    assert method("--method", "game") is None
    sga = method("--method", "sga", "--lr", "0.2", "--lam", "0.5", "--align")
    assert (sga.lr, sga.lam, sga.align) == (0.2, 0.5, True) and isinstance(sga, SGA)
    assert method("--method", "lola", "--lr", "0.2").alpha == 0.2  # default: α = lr
    sos = method("--method", "sos", *common)
    assert isinstance(sos, SOS) and sos.alpha == 0.4
    lead = method("--method", "lead", *common)
    assert isinstance(lead, LEAD) and (lead.beta, lead.alpha) == (0.3, 0.4)
    acgd = method("--method", "acgd", "--beta2", "0.9", "--eps", "0.01")
    assert isinstance(acgd, ACGD) and (acgd.beta2, acgd.eps) == (0.9, 0.01)
    assert isinstance(method("--method", "lola"), LOLA)
    with pytest.raises(TypeError, match="method 'lead' needs alpha"):
        method("--method", "lead")
