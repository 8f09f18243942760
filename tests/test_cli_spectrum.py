"""``gamedyn spectrum`` (gamedyn.cli._spectrum, gamedyn.cli._options): the written record against
the library, batch averaging, spread, blocks, the fast mode and partial results; every
checkpoint layout gives the record of gamedyn's own; the docs' "Your own checkpoint"."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import helpers
import numpy as np
import pytest
import torch
from helpers import spectrum_distance

from gamedyn.cli import _spectrum as cli_spectrum
from gamedyn.cli import build_parser, main
from gamedyn.cli._options import build_game, load_games
from gamedyn.games import AveragedGame
from gamedyn.spectrum import eigenvalues, game_jacobian


def _args(argv):
    return build_parser().parse_args(argv)


@pytest.mark.slow
def test_spectrum_averages_batches_and_reports_spread_and_blocks(mixture_checkpoints, tmp_path):
    out = tmp_path / "s"
    argv = ["spectrum", str(mixture_checkpoints[-1]), "--example", "mixture-small", "--batch", "8"]
    argv += ["--batches", "3", "--spread", "--blocks", "--k", "3", "--tol", "1e-12"]
    argv += ["--confidence", "0.9", "--precision", "0.01", "--out", str(out), "--no-progress"]
    args = _args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "eigenvalues.json").read_text())
    game, games = load_games(args)
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
    # the 90 % interval of the mean top-3 moduli, q̄ ± t₀.₉₅(2) s/√3, and the batches for ±0.01
    from scipy.stats import t

    moduli = np.sort(per_batch, axis=1)[:, ::-1]
    half = t.ppf(0.95, 2) * moduli.std(axis=0, ddof=1) / np.sqrt(3)
    found = record["extras"]["batch_interval"]
    np.testing.assert_allclose(found["low"], moduli.mean(axis=0) - half, rtol=1e-12)
    np.testing.assert_allclose(found["high"], moduli.mean(axis=0) + half, rtol=1e-12)
    assert (found["confidence"], found["method"], found["batches"]) == (0.9, "batch-means", 3)
    assert found["precision"] == 0.01 and found["batch_size"] == 8
    assert len(found["batches_needed"]) == len(found["batch_size_needed"]) == 3
    nx = game.nx
    blocks = record["extras"]["blocks"]
    hxx = np.linalg.eigvalsh(mean_jacobian[:nx, :nx])
    np.testing.assert_allclose(blocks["generator_hessian"][0], hxx[-1], atol=1e-8)
    sv = np.linalg.svd(mean_jacobian[:nx, nx:], compute_uv=False)[:3]
    np.testing.assert_allclose(blocks["coupling_singular_values"], sv, atol=1e-8)
    assert record["batch_sizes"]["batches"] == 3 and record["settings"]["batches"] == 3


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--precision", "0.1"], "--precision needs --spread"),
        (["--interval", "bootstrap"], "--interval needs --spread"),
        (
            ["--spread", "--batches", "2", "--confidence", "1.5"],
            "argument --confidence: must be in (0, 1)",
        ),
    ],
)
def test_interval_options_are_checked_before_loading(tmp_path, capsys, extra, message):
    (tmp_path / "ckpt.pt").write_bytes(b"")  # never read: the options are refused first
    argv = ["spectrum", str(tmp_path / "ckpt.pt"), "--example", "mixture-small", *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gamedyn spectrum: error:") and message in err


def test_batches_must_be_positive(mixture_checkpoints, tmp_path, capsys):
    argv = [
        "spectrum",
        str(mixture_checkpoints[-1]),
        "--example",
        "mixture-small",
        "--batches",
        "0",
    ]
    assert main(argv + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err  # one line, no usage
    assert err == "gamedyn spectrum: error: argument --batches: must be an integer >= 1, got 0\n"


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
    # no convergence: the partial result is written, the exit status is 1 (a basis shorter than
    # the game: the default one spans all of it and is exact)
    args = parser.parse_args(
        argv[:-3]
        + ["--out", str(tmp_path / "p"), "--no-progress", "--tol", "1e-16", "--max-restarts", "0"]
        + ["--ncv", "12"]
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
    from gamedyn.methods import ACGD, LEAD, LOLA, METHODS, OPTIMISERS, SGA, SOS

    parser = argparse.ArgumentParser(prog="gamedyn")
    cli_spectrum.add_parser(parser.add_subparsers(dest="command", required=True))

    def method(*options):
        return cli_spectrum.method_of(parser.parse_args(["spectrum", "x.pt", *options]))

    common = ["--lr", "0.2", "--beta", "0.3", "--alpha", "0.4"]
    for name in METHODS.keys() - OPTIMISERS:  # optimisers start from a checkpoint's state
        extra = ["--alpha", "0.4"] if name == "lead" else []
        assert isinstance(method("--method", name, "--lr", "0.2", *extra), METHODS[name])
    with pytest.raises(ValueError, match="--beta does not apply to --method sos"):
        method("--method", "sos", *common)  # refused, not ignored
    assert method("--method", "game") is None
    sga = method("--method", "sga", "--lr", "0.2", "--lam", "0.5", "--align")
    assert (sga.lr, sga.lam, sga.align) == (0.2, 0.5, True) and isinstance(sga, SGA)
    assert method("--method", "lola", "--lr", "0.2").alpha == 0.2  # default: α = lr
    sos = method("--method", "sos", "--lr", "0.2", "--alpha", "0.4")
    assert isinstance(sos, SOS) and sos.alpha == 0.4
    lead = method("--method", "lead", *common)
    assert isinstance(lead, LEAD) and (lead.beta, lead.alpha) == (0.3, 0.4)
    acgd = method("--method", "acgd", "--beta2", "0.9", "--eps", "0.01")
    assert isinstance(acgd, ACGD) and (acgd.beta2, acgd.eps) == (0.9, 0.01)
    assert isinstance(method("--method", "lola"), LOLA)
    with pytest.raises(TypeError, match="method 'lead' needs alpha"):
        method("--method", "lead")


# --- checkpoints as people save them --------------------------------------------------------

HELPERS = Path(helpers.__file__)
QUICK_LAYOUTS = ("netG-netD", "two-files", "lightning", "ema")
"""The layouts the quick loop runs through the command line (all of them: ``-m slow``)."""


def _layout_argv(source, options: dict, real: Path, out: Path) -> list[str]:
    """``gamedyn spectrum`` on a layout: the models from tests/helpers.py (a file path), real
    samples from a tensor file, standard normal latents, R1, top 4 of J."""
    if isinstance(source, tuple):
        argv = ["spectrum", "--generator-checkpoint", str(source[0])]
        argv += ["--discriminator-checkpoint", str(source[1])]
    else:
        argv = ["spectrum", str(source)]
    for name in ("generator_key", "discriminator_key"):
        if name in options:
            argv += [f"--{name.replace('_', '-')}", options[name]]
    if "ema" in options:
        argv += ["--ema" if options["ema"] else "--no-ema"]
    argv += ["--generator", f"{HELPERS}:checkpoint_generator", "--generator-kwargs", '{"width": 4}']
    argv += ["--discriminator", f"{HELPERS}:checkpoint_discriminator", "--data", str(real)]
    argv += ["--latent", "gamedyn.checkpoints:standard_normal", "--latent-kwargs", '{"shape": [2]}']
    argv += ["--batch", "8", "--reg", "r1", "--reg-weight", "0.5", "--k", "4", "--tol", "1e-10"]
    return argv + ["--out", str(out), "--no-progress"]


def _run(argv: list[str]) -> dict:
    args = _args(argv)
    assert args.run(args) == 0
    return json.loads((Path(args.out) / "eigenvalues.json").read_text())


@pytest.fixture(scope="module")
def own_layout(tmp_path_factory):
    """Trained players, a tensor file of 16 real samples, and the record of gamedyn's own
    layout of them."""
    folder = tmp_path_factory.mktemp("layouts")
    G, D, opt = helpers.trained_checkpoint_players()
    real = folder / "real.pt"
    torch.save(torch.randn(16, 2, generator=torch.Generator().manual_seed(4)), real)
    source, options, _ = helpers.write_layout("gamedyn", folder, G, D, opt)
    return G, D, opt, real, _run(_layout_argv(source, options, real, folder / "own"))


@pytest.mark.parametrize(
    "layout",
    [
        layout if layout in QUICK_LAYOUTS else pytest.param(layout, marks=pytest.mark.slow)
        for layout in helpers.LAYOUTS[1:]
    ],
)
def test_every_layout_gives_the_record_of_gamedyns_layout(layout, own_layout, tmp_path, capsys):
    G, D, opt, real, own = own_layout
    source, options, _ = helpers.write_layout(layout, tmp_path, G, D, opt)
    record = _run(_layout_argv(source, options, real, tmp_path / "out"))
    assert record["eigenvalues"] == own["eigenvalues"]  # bit for bit
    np.testing.assert_allclose(record["residuals"], own["residuals"], rtol=1e-6, atol=1e-14)
    assert record["n"] == own["n"] and record["game"] == own["game"]
    settings = {k: v for k, v in record["settings"].items() if k not in ("loaded", "checkpoint")}
    assert settings == {
        k: v for k, v in own["settings"].items() if k not in ("loaded", "checkpoint")
    }
    assert settings["frozen_spectral_norms"] == [
        "discriminator.3.parametrizations.weight.0",
        "discriminator.0.weight",
    ]
    loaded = record["settings"]["loaded"]
    assert loaded["generator"]["ema"] == layout.startswith("ema")
    assert loaded["discriminator"]["dtypes"] == {"float32": 12, "int64": 1}
    if layout == "two-files":
        assert record["settings"]["checkpoint"] == [str(p) for p in source]
    printed = capsys.readouterr().out
    assert "loaded " in printed and "generator     <- " in printed
    assert "spectral norms, u and v frozen at the checkpoint's: discriminator.3" in printed


def test_ema_choice_on_the_command_line(own_layout, tmp_path, capsys):
    G, D, opt, real, own = own_layout
    source, _, _ = helpers.write_layout("ema", tmp_path, G, D, opt)
    with pytest.raises(ValueError, match=r"EMA copy 'G_ema'.*--ema.*--no-ema"):
        _run(_layout_argv(source, {}, real, tmp_path / "a"))
    record = _run(_layout_argv(source, {"ema": False}, real, tmp_path / "b"))
    assert record["settings"]["loaded"]["generator"]["key"] == "G"
    assert record["eigenvalues"] != own["eigenvalues"]  # the training generator's spectrum
    argv = _layout_argv(source, {"ema": True}, real, tmp_path / "c") + ["--generator-kwargs", "[4]"]
    assert main(argv) == 2  # refused while parsing, one line naming the option
    err = capsys.readouterr().err
    assert re.search(r"argument --generator-kwargs: must be a JSON object.*'\[4\]'", err)


def test_a_checkpoint_or_both_files_are_needed(own_layout, tmp_path):
    *_, real, _ = own_layout
    argv = _layout_argv((tmp_path / "G.pt", tmp_path / "D.pt"), {}, real, tmp_path)
    argv.remove("--discriminator-checkpoint")
    argv.remove(str(tmp_path / "D.pt"))
    with pytest.raises(ValueError, match="needs a CHECKPOINT, or both --generator-checkpoint"):
        _run(argv)
    argv = _layout_argv((tmp_path / "G.pt", tmp_path / "D.pt"), {}, real, tmp_path)
    with pytest.raises(ValueError, match="CHECKPOINT 'x.pt' would not be used"):
        _run(argv[:1] + ["x.pt"] + argv[1:])


# --- "Your own checkpoint" (docs/getting_started.md) ---------------------------------------

DCGAN_MODELS = """

from torch import nn


class Generator(nn.Module):
    def __init__(self, nz=100, ngf=64, nc=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),  # 4 x 4
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),  # 8 x 8
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=64, nc=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),  # 4 x 4
            nn.BatchNorm2d(ndf),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, 1, 4, 1, 0, bias=False),  # 1 x 1: a logit
        )

    def forward(self, x):
        return self.main(x).view(-1)
"""

DCGAN_DATA = """
import torch
from torch.utils.data import DataLoader, TensorDataset

g = torch.Generator().manual_seed(0)
images = torch.tanh(torch.randn(128, 1, 8, 8, generator=g))
loader = DataLoader(TensorDataset(images, torch.zeros(128)), batch_size=64)
"""

DCGAN_TRAIN = """
import torch
from torch import nn

import data
from models import Discriminator, Generator

if __name__ == "__main__":
    torch.manual_seed(0)
    netG, netD = Generator(nz=8, ngf=4), Discriminator(ndf=4)
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    for epoch in range(2):
        for real, _ in data.loader:
            fake = netG(torch.randn(real.shape[0], 8, 1, 1))
            optD.zero_grad()
            ones, zeros = torch.ones(real.shape[0]), torch.zeros(real.shape[0])
            (bce(netD(real), ones) + bce(netD(fake.detach()), zeros)).backward()
            optD.step()
            optG.zero_grad()
            bce(netD(fake), ones).backward()
            optG.step()
    torch.save({"netG": netG.state_dict(), "netD": netD.state_dict(),
                "optG": optG.state_dict(), "optD": optD.state_dict(), "epoch": epoch}, "ckpt.pt")
"""


def own_checkpoint_commands() -> list[str]:
    """The commands of "Your own checkpoint" in docs/getting_started.md (its bash block,
    continuations joined, comments dropped)."""
    text = (Path(__file__).parents[1] / "docs" / "getting_started.md").read_text()
    section = text.split("## Your own checkpoint", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and line[0] != "#"]


@pytest.mark.slow
def test_your_own_checkpoint_runs_as_written_in_the_docs(tmp_path):
    import os
    import subprocess
    import sys

    commands = own_checkpoint_commands()
    assert len(commands) == 3 and commands[1].startswith("gamedyn spectrum ckpt.pt")
    bin_dir = tmp_path / "bin"  # `python` and `gamedyn` are this interpreter and this gamedyn
    bin_dir.mkdir()
    for name, run in (("python", ""), ("gamedyn", " -m gamedyn")):
        (bin_dir / name).write_text(f'#!/bin/sh\nexec "{sys.executable}"{run} "$@"\n')
        (bin_dir / name).chmod(0o755)
    work = tmp_path / "project"
    work.mkdir()
    for name, source in (("models", DCGAN_MODELS), ("data", DCGAN_DATA), ("train", DCGAN_TRAIN)):
        (work / f"{name}.py").write_text(source)
    root = str(Path(__file__).parents[1])
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", MPLBACKEND="Agg")
    env["OMP_NUM_THREADS"] = "1"  # tiny products: threads only contend on a shared machine
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")

    def shell(command: str) -> str:
        out = subprocess.run(
            command,
            shell=True,
            executable="/bin/bash",
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, f"{command}\n{out.stdout}\n{out.stderr}"
        return out.stdout

    shell("python train.py")  # the user's own script saved ckpt.pt the usual way
    printed = [shell(command) for command in commands]
    record = json.loads((work / "spectrum" / "eigenvalues.json").read_text())
    assert record["converged"] and len(record["eigenvalues"]) == 6
    assert printed[2].strip() == str(record["eigenvalues"])
    loaded = record["settings"]["loaded"]
    assert (loaded["generator"]["key"], loaded["discriminator"]["key"]) == ("netG", "netD")
    assert [e["key"] for e in loaded["ignored"]] == ["optG", "optD", "epoch"]
    assert "generator     <- 'netG' (by name" in printed[1] and "'epoch' (1)" in printed[1]
    assert record["batch_sizes"] == {"real": 64, "latent": 64}
    # the game analysed is the checkpoint's: z0 is netG's then netD's parameters, as saved
    import torch

    from gamedyn.checkpoints import load_torch_game, read_samples, standard_normal

    saved = torch.load(work / "ckpt.pt", weights_only=True)
    game = load_torch_game(
        work / "ckpt.pt",
        f"{work}/models.py:Generator",
        f"{work}/models.py:Discriminator",
        read_samples(work / "real.pt")[:64],
        standard_normal(64, 0, shape=[8, 1, 1]),
        generator_kwargs={"nz": 8, "ngf": 4},
        discriminator_kwargs={"ndf": 4},
    )
    assert record["n"] == game.n and record["game"] == repr(game)
    weights = [saved[p][k] for p in ("netG", "netD") for k in saved[p] if "running" not in k]
    flat = torch.cat([w.reshape(-1).double() for w in weights if w.is_floating_point()])
    assert torch.equal(game.z0, flat)


@pytest.mark.slow
def test_spectrum_records_and_plots_the_non_normal_quantities(mixture_checkpoints, tmp_path):
    from gamedyn.methods import GDA
    from gamedyn.nonnormal import (
        condition_numbers,
        dense_rotation_index,
        pseudospectrum,
        transient_growth,
    )

    out = tmp_path / "n"
    argv = ["spectrum", str(mixture_checkpoints[-1]), "--example", "mixture-small", "--batch", "8"]
    argv += ["--method", "gda", "--lr", "0.1", "--k", "3", "--tol", "1e-12", "--no-progress"]
    argv += ["--pseudospectrum", "--pseudospectrum-basis", "12", "--pseudospectrum-grid", "10"]
    argv += ["--transient", "3", "--rotation", "12", "--conditioning", "--out", str(out)]
    args = _args(argv)
    assert args.run(args) == 0
    extras = json.loads((out / "eigenvalues.json").read_text())["extras"]["non_normal"]
    game, method = build_game(args), GDA(0.1)
    p = extras["pseudospectrum"]
    dense = pseudospectrum(game, p["re"], p["im"], method=method)
    assert np.all(np.array(p["sigma_min"]) >= dense - 1e-10) and p["basis"] == 12
    t = extras["transient"]
    np.testing.assert_allclose(t["norms"], transient_growth(game, 3, method=method), rtol=1e-6)
    r = extras["rotation"]["blocks"]["all"]
    from gamedyn.spectrum import operator_jacobian

    exact = dense_rotation_index(operator_jacobian(method, game))
    assert abs(r["value"] - exact) <= 4 * r["stderr"] + 1e-12
    c = extras["conditioning"]
    np.testing.assert_allclose(
        c["condition_numbers"],
        condition_numbers(game, method=method, k=3).condition_numbers,
        rtol=1e-6,
    )
    for name in ("pseudospectrum", "transient", "rotation"):
        assert (out / f"{name}.png").stat().st_size > 5_000


@pytest.mark.parametrize(
    "option, message",
    [
        (["--transient", "0"], "argument --transient: must be an integer >= 1, got 0"),
        (["--rotation", "1"], "argument --rotation: must be an integer >= 2, got 1"),
        (
            ["--pseudospectrum-basis", "1"],
            "argument --pseudospectrum-basis: must be an integer >= 2",
        ),
        (["--dt", "0"], "argument --dt: must be > 0, got 0"),
        (["--dt", "0.1"], "--dt needs --transient"),
        (["--method", "gda", "--beta1", "0.5"], "--beta1 does not apply to --method gda"),
        (["--method", "gda", "--n-critic", "2"], "--n-critic does not apply to --method gda"),
        (["--method", "gda", "--lam", "1"], "--lam does not apply to --method gda"),
        (
            ["--method", "adam", "--inner-state", "keep"],
            "--inner-state does not apply to --method adam",
        ),
        (["--lr", "0.1"], "--lr does not apply to the game Jacobian (no --method)"),
    ],
)
def test_options_are_checked_before_loading(option, message, tmp_path, capsys):
    argv = ["spectrum", str(tmp_path / "missing.pt"), "--example", "mixture-small", *option]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gamedyn spectrum: error:") and message in err and err.count("\n") == 1


# --- under torchrun (gamedyn.games._distributed) ---------------------------------------------

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
    drop = {"world_size", "run_id", *MEASURED}  # run_id: each run its own
    for record in (single, w1, w2):  # the threads each process ran with: its own, not a result
        record["settings"].pop("threads")
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
    with pytest.raises(ValueError, match=r"batches = 3 cannot be split evenly over 2 processes"):
        load_games(args)


@pytest.mark.slow
def test_spectrum_sr_with_a_longer_basis_is_the_dense_sr(mixture_checkpoints, tmp_path):
    from gamedyn.vocabulary import select

    out = tmp_path / "a"
    argv = ["spectrum", str(mixture_checkpoints[-1]), "--example", "mixture-small", "--batch", "8"]
    argv += ["--which", "SR", "--k", "3", "--ncv", "40", "--tol", "1e-10"]
    argv += ["--out", str(out), "--no-progress"]
    args = _args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "eigenvalues.json").read_text())
    dense = eigenvalues(build_game(args))
    got = np.array([complex(*w) for w in record["eigenvalues"]])
    np.testing.assert_allclose(
        np.sort_complex(got), np.sort_complex(select(dense, 3, "SR")), atol=1e-8
    )
