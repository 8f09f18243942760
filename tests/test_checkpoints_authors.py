"""Checkpoints as the authors' and Lightning's code save them, through ``gamedyn spectrum``:
a real ``lightning`` ``trainer.save_checkpoint`` (``.ckpt``) gives the record of the same players
and Adam states in gamedyn's own ``.pt`` layout; two-file checkpoints (``--generator-checkpoint``,
``--discriminator-checkpoint``) with ``--method adam`` find the optimiser states inside the files;
``--optimiser-state`` accepts the two states under the names a checkpoint may use; the frozen-Adam
convention is recorded per player."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from gamedyn.checkpoints import save
from gamedyn.cli import build_parser
from gamedyn.examples import EXAMPLES
from gamedyn.methods import load_optimiser_states, save_optimiser_states

EXAMPLE = EXAMPLES["mixture-small"]


def _record(checkpoint, out, *extra):
    argv = ["spectrum"] + ([str(checkpoint)] if checkpoint is not None else [])
    argv += ["--example", "mixture-small", "--batch", "8", "--k", "4", "--tol", "1e-12"]
    argv += ["--out", str(out), "--no-progress", *extra]
    args = build_parser().parse_args(argv)
    assert args.run(args) == 0
    return json.loads((out / "eigenvalues.json").read_text())


def _players_and_states(source):
    """The example's players and two torch.optim.Adam holding the sidecar's states."""
    from safetensors.torch import load_file

    flat = load_file(str(source))
    G, D = EXAMPLE.generator(), EXAMPLE.discriminator()
    for prefix, module in (("generator.", G), ("discriminator.", D)):
        module.load_state_dict(
            {k[len(prefix) :]: v for k, v in flat.items() if k.startswith(prefix)}
        )
    opt_g, opt_d = load_optimiser_states(source)
    return G, D, opt_g, opt_d


def _same(a, b):
    assert a["operator"] == b["operator"]
    np.testing.assert_allclose(
        np.array(a["eigenvalues"]), np.array(b["eigenvalues"]), rtol=1e-10, atol=1e-14
    )


def test_a_real_lightning_checkpoint_gives_the_pt_routes_record(mixture_checkpoints, tmp_path):
    lightning = pytest.importorskip("lightning")
    G, D, _, _ = _players_and_states(mixture_checkpoints[-1])

    class GAN(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            self.generator, self.discriminator = G, D
            self.automatic_optimization = False

        def training_step(self, batch, index):
            (real,) = batch
            players = (self.generator, self.discriminator)
            for opt, module in zip(self.optimizers(), players, strict=True):
                opt.zero_grad()
                loss = sum((p**2).sum() for p in module.parameters()) * 1e-3 + real.sum() * 0
                self.manual_backward(loss)
                opt.step()

        def configure_optimizers(self):
            return (
                torch.optim.Adam(self.generator.parameters(), lr=1e-3, betas=(0.5, 0.9)),
                torch.optim.Adam(self.discriminator.parameters(), lr=2e-3, betas=(0.5, 0.9)),
            )

    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(6, 2)), 2)
    model = GAN()
    trainer = lightning.Trainer(
        max_steps=3,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, data)
    ckpt = tmp_path / "model.ckpt"
    trainer.save_checkpoint(ckpt)
    pt = tmp_path / "own.pt"  # the same players and optimisers in gamedyn's own layout
    save(pt, model.generator, model.discriminator)
    opt_g, opt_d = model.optimizers()
    save_optimiser_states(pt, opt_g.optimizer, opt_d.optimizer)
    for extra in ([], ["--method", "adam", "--alternating"]):
        a = _record(ckpt, tmp_path / f"ckpt{len(extra)}", *extra)
        b = _record(pt, tmp_path / f"pt{len(extra)}", *extra)
        _same(a, b)
    assert a["settings"]["optimiser_state"].endswith("optimizer_states[1]")
    assert a["settings"]["optimiser_steps"] == [2, 2]  # manual optimisation: 2 steps each


@pytest.fixture(scope="module")
def sidecar_record(mixture_checkpoints, tmp_path_factory):
    out = tmp_path_factory.mktemp("sidecar")
    return _record(mixture_checkpoints[-1], out, "--method", "adam", "--alternating")


def test_two_file_checkpoints_with_their_optimisers_inside(
    mixture_checkpoints, sidecar_record, tmp_path
):
    G, D, opt_g, opt_d = _players_and_states(mixture_checkpoints[-1])
    g, d = tmp_path / "G.pth", tmp_path / "D.pth"
    torch.save({"model_state_dict": G.state_dict(), "optimizer_state_dict": opt_g}, g)
    torch.save({"model_state_dict": D.state_dict(), "optimizer_state_dict": opt_d}, d)
    files = ["--generator-checkpoint", str(g), "--discriminator-checkpoint", str(d)]
    record = _record(None, tmp_path / "a", *files, "--method", "adam", "--alternating")
    _same(record, sidecar_record)
    assert record["settings"]["optimiser_state"] == (
        f"{g}:optimizer_state_dict and {d}:optimizer_state_dict"
    )
    # both states inside one of the two files, named
    torch.save(G.state_dict(), g)
    torch.save({"netD": D.state_dict(), "optG": opt_g, "optD": opt_d}, d)
    record = _record(None, tmp_path / "b", *files, "--method", "adam", "--alternating")
    _same(record, sidecar_record)
    # neither file holds one: the error says so, and how to give them
    torch.save(D.state_dict(), d)
    args = build_parser().parse_args(
        ["spectrum", *files, "--example", "mixture-small", "--batch", "8", "--method", "adam"]
        + ["--out", str(tmp_path / "c"), "--no-progress"]
    )
    with pytest.raises(ValueError, match=r"no torch.optim state dict in .*--optimiser-state"):
        args.run(args)


@pytest.mark.parametrize("keys", [("optG", "optD"), ("gen_optim", "dis_optim"), None])
def test_optimiser_state_file_under_a_checkpoints_key_names(
    mixture_checkpoints, sidecar_record, tmp_path, keys
):
    _, _, opt_g, opt_d = _players_and_states(mixture_checkpoints[-1])
    path = tmp_path / "optimisers.pt"
    if keys is None:  # Lightning's list, whose order the shapes decide
        torch.save({"optimizer_states": [opt_d, opt_g], "epoch": 2}, path)
    else:
        torch.save({keys[0]: opt_g, keys[1]: opt_d}, path)
    extra = ["--method", "adam", "--alternating", "--optimiser-state", str(path)]
    record = _record(mixture_checkpoints[-1], tmp_path / "o", *extra)
    _same(record, sidecar_record)


def test_the_frozen_adam_convention_is_recorded_per_player(sidecar_record, mixture_checkpoints):
    from gamedyn.cli._options import build_game  # noqa: F401  (the record is the CLI's)

    frozen = sidecar_record["settings"]["frozen_adam"]
    _, _, opt_g, opt_d = _players_and_states(mixture_checkpoints[-1])
    for player, state in (("generator", opt_g), ("discriminator", opt_d)):
        steps = {int(e["step"]) for e in state["state"].values()}
        (step,) = steps
        beta2 = state["param_groups"][0]["betas"][1]
        v = torch.cat([e["exp_avg_sq"].reshape(-1) for e in state["state"].values()]).double()
        v_hat = v / (1 - beta2**step)
        assert frozen[player]["step"] == step and frozen[player]["frozen_step"] == step + 1
        assert frozen[player]["second_moment"]["max"] == pytest.approx(float(v_hat.max()))
        assert frozen[player]["second_moment"]["min"] == pytest.approx(float(v_hat.min()))


def test_la_extra_adam_from_a_checkpoint_starts_its_extrapolation_states_as_copies(
    mixture_checkpoints,
):
    """A checkpoint holds the update optimisers only: LAGAN's extrapolation optimisers start as
    copies of them (their moments and steps), exact and frozen."""
    from gamedyn.methods import LaganExtraAdam, optimiser_method, read_checkpoint_optimiser

    game = EXAMPLE.load_game(mixture_checkpoints[-1], batch=8)
    record = read_checkpoint_optimiser(game, mixture_checkpoints[-1])
    exact = optimiser_method(record, "la-extra-adam")
    assert isinstance(exact.base, LaganExtraAdam) and exact.slow_start == "start"
    z, m, v, m_e, v_e, *counts = exact.init(game.z0)
    assert torch.equal(m, m_e) and torch.equal(v, v_e) and counts == list(record.state.steps)
    frozen = optimiser_method(record, "la-extra-adam", frozen=True).base.play
    for main, extra in zip(frozen.players, frozen.extrapolators, strict=True):
        assert torch.equal(main.second_moment, extra.second_moment)
        assert main.frozen_step == extra.frozen_step
