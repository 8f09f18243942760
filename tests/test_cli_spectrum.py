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


# --- under torchrun (gamedyn.games.distributed) ---------------------------------------------

MEASURED = ("seconds", "peak_memory_bytes", "retained_graph_bytes")
"""Record fields that are measurements of the run, not results."""


def _same_record(a, b, path="record"):
    """``a == b`` for JSON records, numbers to round-off (relative 1e-12, absolute 1e-13)."""
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), path
        for key in a:
            _same_record(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_record(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(b, str):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13, err_msg=path)
    else:
        assert a == b, path


def _torchrun_environment(monkeypatch, port):
    """The variables ``torchrun --nproc-per-node 1`` sets (its env:// rendezvous)."""
    env = {"WORLD_SIZE": "1", "RANK": "0", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "1"}
    env |= {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_torchrun_with_one_and_two_processes_writes_the_same_record(
    mixture_checkpoints, tmp_path, monkeypatch
):
    import os
    import subprocess
    import sys

    import torch.distributed as dist

    argv = ["spectrum", str(mixture_checkpoints[-1]), "--example", "mixture-small", "--batch", "8"]
    argv += ["--batches", "4", "--spread", "--k", "3", "--tol", "1e-12", "--no-progress"]
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node"]
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    two = subprocess.Popen(  # two processes, while this one runs the others
        [*launch, "2", "-m", "gamedyn", *argv, "--out", str(tmp_path / "w2")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        args = _args(argv + ["--out", str(tmp_path / "single")])  # no process group
        assert args.run(args) == 0
        with monkeypatch.context() as m:  # one process under torchrun's variables
            _torchrun_environment(m, _free_port())
            args = _args(argv + ["--out", str(tmp_path / "w1")])
            assert args.run(args) == 0
            assert not dist.is_initialized()  # destroyed by the command that made it
        output, _ = two.communicate(timeout=300)
    finally:
        two.kill()
    assert two.returncode == 0, output
    assert output.count("3 eigenvalues (converged)") == 1  # rank 0 alone prints (and writes)
    single, w1, w2 = (
        json.loads((tmp_path / name / "eigenvalues.json").read_text())
        for name in ("single", "w1", "w2")
    )
    assert (w1["world_size"], w2["world_size"], single["world_size"]) == (1, 2, 1)
    assert w1["backend"] == w2["backend"] == "gloo" and single["backend"] is None
    # world size 1 and 2: the same record apart from the world size (and the measurements)
    drop = {"world_size", *MEASURED}
    _same_record(
        {k: v for k, v in w1.items() if k not in drop},
        {k: v for k, v in w2.items() if k not in drop},
    )
    # and the one-process AveragedGame's eigenvalues, spread and batch sizes
    for key in ("eigenvalues", "extras"):
        _same_record(w2[key], single[key])
    assert (
        w2["batch_sizes"]
        == single["batch_sizes"]
        == {
            "batches": 4,
            "per_batch": [{"real": 8, "latent": 8}] * 4,
        }
    )
    assert w2["game"] == "Distributed" + single["game"]
    assert w2["settings"] == single["settings"] and w2["matvecs"] == single["matvecs"]


def test_torchrun_batches_must_split_over_the_processes(
    mixture_checkpoints, tmp_path, monkeypatch, process_group
):
    import torch.distributed as dist

    monkeypatch.setattr(dist, "get_world_size", lambda group=None: 2)
    argv = ["spectrum", str(mixture_checkpoints[-1]), "--example", "mixture-small"]
    args = _args(argv + ["--batches", "3", "--out", str(tmp_path)])
    with pytest.raises(ValueError, match=r"--batches = 3 cannot be split evenly over 2 processes"):
        build_games(args)
