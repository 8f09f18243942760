"""``gamedyn spectrum --method adam|extra-adam|la-adam ...``: the operator a checkpoint was
trained with, from its saved optimiser state (``trained_method``), against the library."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import spectrum_distance

from gamedyn.cli import build_parser
from gamedyn.cli._options import build_game
from gamedyn.methods import optimiser_method, read_checkpoint_optimiser
from gamedyn.spectrum import eigenvalues


def _run(argv):
    args = build_parser().parse_args(argv)
    return args, args.run(args)


def _common(checkpoint, out):
    argv = ["spectrum", str(checkpoint), "--example", "mixture-small", "--batch", "8"]
    return argv + ["--k", "4", "--tol", "1e-12", "--out", str(out), "--no-progress"]


@pytest.mark.parametrize(
    "extra, method, options",
    [
        (["--method", "adam", "--alternating"], "adam", {"alternating": True, "first": "y"}),
        pytest.param(
            ["--method", "adam", "--linearisation", "exact"], "adam", {}, marks=pytest.mark.slow
        ),
        pytest.param(
            ["--method", "extra-adam", "--lr", "0.05"],
            "extra-adam",
            {"lr": 0.05},
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["--method", "la-adam", "--n-critic", "2", "--lookahead-k", "3", "--beta1", "0.0"],
            "la-adam",
            {
                "alternating": True,
                "n_critic": 2,
                "lookahead_k": 3,
                "lookahead_alpha": 0.5,
                "inner_state": "keep",
                "betas": (0.0, 0.999),
            },
            marks=pytest.mark.slow,
        ),
    ],
    ids=["alt-adam-frozen", "adam-exact", "extra-adam-lr", "la-adam"],
)
def test_optimiser_spectrum_is_the_librarys(mixture_checkpoints, tmp_path, extra, method, options):
    out = tmp_path / "s"
    args, status = _run(_common(mixture_checkpoints[-1], out) + extra)
    assert status == 0
    record = json.loads((out / "eigenvalues.json").read_text())
    settings = record["settings"]
    frozen = "exact" not in extra
    assert settings["method"] == method and settings["optimiser_kind"] == "adam"
    assert settings["linearisation"] == ("frozen" if frozen else "exact")
    assert settings["optimiser_steps"] == [4, 4]
    assert settings["hyperparameters_from"]["lr"] == (
        "command line" if "--lr" in extra else "checkpoint"
    )
    assert settings["hyperparameters"]["lr"] == options.get("lr", 1e-4)
    game = build_game(args)
    operator = optimiser_method(
        read_checkpoint_optimiser(game, mixture_checkpoints[-1]), method, frozen=frozen, **options
    )
    assert record["operator"] == repr(operator)
    assert record["n"] == operator.order * game.n
    dense = eigenvalues(game, method=operator)
    got = np.array([complex(*w) for w in record["eigenvalues"]])
    # the exact operator's top eigenvalues cluster near 1 (the moments' own dynamics, β₂ = 0.999)
    # and are ill-conditioned there: they agree to ~1e-6, the frozen operator's to 1e-9
    rtol = 1e-9 if frozen else 1e-5  # the exact operator's cluster: condition number ~1e4
    np.testing.assert_allclose(np.abs(got), np.abs(dense[:4]), rtol=rtol)
    assert spectrum_distance(got, dense) < rtol * np.abs(dense).max()


def test_optimiser_methods_need_an_optimiser_state(mixture_checkpoints, tmp_path):
    args = build_parser().parse_args(
        _common(tmp_path / "elsewhere.safetensors", tmp_path / "o") + ["--method", "adam"]
    )
    from gamedyn.cli import _spectrum as spectrum

    with pytest.raises(ValueError, match="no optimiser state"):
        spectrum.method_of(args, None)
    args = build_parser().parse_args(
        _common(mixture_checkpoints[0], tmp_path) + ["--method", "adam"]
    )
    game = build_game(args)
    with pytest.raises(
        ValueError, match="step count of the state to freeze must be an integer >= 1"
    ):
        spectrum.method_of(args, game)  # step 0: a fresh optimiser has no second moment
    args = build_parser().parse_args(
        _common(mixture_checkpoints[-1], tmp_path) + ["--method", "extra-adam", "--n-critic", "5"]
    )
    with pytest.raises(ValueError, match="--n-critic does not apply to --method extra-adam"):
        spectrum.method_of(args, game)


def test_optimiser_states_saved_inside_the_checkpoint_give_the_sidecars_spectrum(
    mixture_checkpoints, tmp_path
):
    """The same players and Adam states saved the PyTorch-example way (``netG``, ``netD``,
    ``optG``, ``optD`` in one ``.pt``) give the sidecar route's record, eigenvalue for eigenvalue;
    the record says where the states came from."""
    import torch
    from safetensors.torch import load_file

    from gamedyn.methods import load_optimiser_states

    source = mixture_checkpoints[-1]
    flat = load_file(str(source))
    players = {
        p: {k.removeprefix(p + "."): v for k, v in flat.items() if k.startswith(p + ".")}
        for p in ("generator", "discriminator")
    }
    opt_g, opt_d = load_optimiser_states(source)
    path = tmp_path / "ckpt.pt"
    torch.save(
        {
            "netG": players["generator"],
            "netD": players["discriminator"],
            "optG": opt_g,
            "optD": opt_d,
            "epoch": 4,
        },
        path,
    )
    records = []
    for checkpoint, out in ((source, tmp_path / "a"), (path, tmp_path / "b")):
        _, status = _run(_common(checkpoint, out) + ["--method", "adam", "--alternating"])
        assert status == 0
        records.append(json.loads((out / "eigenvalues.json").read_text()))
    assert records[0]["operator"] == records[1]["operator"]
    assert records[0]["eigenvalues"] == records[1]["eigenvalues"]
    assert records[1]["settings"]["optimiser_state"] == f"{path}:optG and {path}:optD"
