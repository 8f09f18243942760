"""Optimiser state from checkpoints (gamedyn.methods): torch.optim state dicts mapped
onto z by name, mismatches refused by name, and the next training step reproduced exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import (
    checkpoint_discriminator,
    checkpoint_generator,
    tiny_batch,
    tiny_players,
    trained_checkpoint_players,
    write_layout,
)
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gamedyn.backends import TorchOps
from gamedyn.checkpoints import load_torch_game
from gamedyn.examples import EXAMPLES, train
from gamedyn.games import TorchGame, discriminator_loss, generator_loss
from gamedyn.methods import (
    Adam,
    RMSProp,
    load_optimiser_states,
    optimiser_method,
    optimiser_states_in,
    read_checkpoint_optimiser,
    read_optimiser_state,
    save_optimiser_states,
    sidecar_paths,
)

LOSS = "non-saturating"


def _torch_steps(G, D, opt_g, opt_d, real, latent, steps=1):
    """``steps`` alternating steps (discriminator first) of the torch.optim optimisers."""
    for _ in range(steps):
        opt_d.zero_grad()
        discriminator_loss(LOSS, D(real), D(G(latent).detach())).backward()
        opt_d.step()
        opt_g.zero_grad()
        generator_loss(LOSS, D(G(latent))).backward()
        opt_g.step()


def _train(G, D, real, latent, make_opt, steps=3):
    """A few alternating steps (discriminator first) with torch.optim on a fixed batch."""
    opt_g, opt_d = make_opt(G), make_opt(D)
    _torch_steps(G, D, opt_g, opt_d, real, latent, steps)
    return opt_g, opt_d


def _flat(*modules, trainable_only=True):
    return torch.cat(
        [
            p.detach().reshape(-1)
            for m in modules
            for p in m.parameters()
            if p.requires_grad or not trainable_only
        ]
    )


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_a_checkpoints_adam_state_reproduces_its_next_training_step(tmp_path, suffix):
    """Train the digits DCGAN (BatchNorm in G) in float64 with gamedyn.examples.train; from the
    checkpoint at step 2 and its saved Adam states, one step of the operator it was trained with
    gives the checkpoint at step 3 — parameters, moments and step counts."""
    example = EXAMPLES["digits-small"]
    paths = train(example, 3, tmp_path, save_every=1, batch=16, suffix=suffix, dtype=torch.float64)
    assert all(all(p.is_file() for p in sidecar_paths(path)) for path in paths)
    real, latent = example.sample(16, 3), example.latent(16, 3)  # the batch of training step 3

    def game_at(path):  # float64 players: loading into the float32 factories would round
        players = (lambda: example.generator().double(), lambda: example.discriminator().double())
        return load_torch_game(path, *players, real, latent, loss=LOSS)

    game = game_at(paths[2])
    record = read_checkpoint_optimiser(game, paths[2])
    assert record.kind == "adam" and record.state.steps == (2, 2)
    assert record.hyperparameters[0] == {
        "lr": 1e-4,
        "betas": (0.5, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "decoupled_weight_decay": False,
    }
    method = optimiser_method(record, "adam", alternating=True, first="discriminator")
    state = method.step(TorchOps(game), method.init(game.z0))
    after = game_at(paths[3])
    assert float((state[0] - after.z0).abs().max()) < 1e-12
    next_record = read_checkpoint_optimiser(after, paths[3])
    for i, name in ((1, "exp_avg"), (2, "exp_avg_sq")):
        assert float((state[i] - next_record.state.slots[name]).abs().max()) < 1e-15
    assert state[3:] == next_record.state.steps == (3, 3)


def test_float32_training_and_a_float32_game_agree_to_float32():
    G, D = tiny_players(seed=2)
    real, latent = tiny_batch(seed=5)
    opt_g, opt_d = _train(G, D, real, latent, lambda m: torch.optim.Adam(m.parameters(), 1e-2))
    game = TorchGame(G, D, LOSS, real, latent, dtype=torch.float32)
    method = optimiser_method(
        read_optimiser_state(game, opt_g.state_dict(), opt_d.state_dict()), alternating=True
    )
    state = method.step(TorchOps(game), method.init(game.z0))
    _torch_steps(G, D, opt_g, opt_d, real, latent)
    assert float((state[0] - _flat(G, D)).abs().max()) < 1e-6


def _special_players():
    """A generator with a frozen layer and a shared weight; a spectrally normalised critic."""
    torch.manual_seed(0)
    shared = nn.Linear(3, 3)
    G = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), shared, nn.Tanh(), shared, nn.Linear(3, 2))
    for p in G[0].parameters():
        p.requires_grad_(False)
    D = nn.Sequential(spectral_norm(nn.Linear(2, 4)), nn.Tanh(), nn.Linear(4, 1))
    return G.double(), D.double()


@pytest.mark.parametrize("by", ["position-all", "position-trainable", "name"])
def test_frozen_shared_and_spectral_norm_parameters_map_onto_z(by):
    G, D = _special_players()
    real, latent = (b.double() for b in tiny_batch(seed=1))

    def make(m):
        if by == "name":
            return torch.optim.Adam(m.named_parameters(), lr=1e-2)
        params = (
            m.parameters()
            if by == "position-all"
            else [p for p in m.parameters() if p.requires_grad]
        )
        return torch.optim.Adam(params, lr=1e-2)

    opt_g, opt_d = _train(G, D, real, latent, make)
    game = TorchGame(G, D, LOSS, real, latent)
    assert "parametrizations.weight.original" in " ".join(game.discriminator.names)
    record = read_optimiser_state(game, opt_g.state_dict(), opt_d.state_dict())
    expected_m = torch.cat(
        [
            opt.state[p]["exp_avg"].reshape(-1)
            for opt, m in ((opt_g, G), (opt_d, D))
            for p in m.parameters()
            if p.requires_grad
        ]
    )
    torch.testing.assert_close(record.state.slots["exp_avg"], expected_m)
    assert record.state.n == game.n and record.state.nx == game.nx
    assert record.state.steps == (3, 3)
    # ... and the operator continues the training exactly (spectral norm frozen: eval-mode u)
    D.eval()
    method = optimiser_method(record, alternating=True)
    state = method.step(TorchOps(game), method.init(game.z0))
    G.train()
    for opt, loss in ((opt_d, "d"), (opt_g, "g")):
        opt.zero_grad()
        if loss == "d":
            discriminator_loss(LOSS, D(real), D(G(latent).detach())).backward()
        else:
            generator_loss(LOSS, D(G(latent))).backward()
        opt.step()
    assert float((state[0] - _flat(G, D)).abs().max()) < 1e-12


def test_mismatches_are_refused_by_name():
    G, D = tiny_players(seed=0)
    G, D = G.double(), D.double()
    real, latent = (b.double() for b in tiny_batch())
    opt_g, opt_d = _train(
        G, D, real, latent, lambda m: torch.optim.Adam(m.named_parameters(), 1e-2)
    )
    game = TorchGame(G, D, LOSS, real, latent)
    sd_g, sd_d = opt_g.state_dict(), opt_d.state_dict()

    def changed(sd, fn):
        import copy

        out = copy.deepcopy(sd)
        fn(out)
        return out

    bad = changed(
        sd_g, lambda s: s["param_groups"][0]["param_names"].__setitem__(0, "encoder.weight")
    )
    with pytest.raises(ValueError, match="'encoder.weight'"):
        read_optimiser_state(game, bad, sd_d)
    bad = changed(sd_d, lambda s: s["state"][1].__setitem__("exp_avg", torch.zeros(5)))
    with pytest.raises(ValueError, match=r"'exp_avg' of '0.bias' has shape \(5,\)"):
        read_optimiser_state(game, sd_g, bad)
    bad = changed(sd_d, lambda s: s["state"][0].__setitem__("step", torch.tensor(7.0)))
    with pytest.raises(ValueError, match="different Adam steps"):
        read_optimiser_state(game, sd_g, bad)
    bad = changed(sd_g, lambda s: s["param_groups"][0].__setitem__("amsgrad", True))
    with pytest.raises(ValueError, match="amsgrad=True"):
        read_optimiser_state(game, bad, sd_d)
    positional = changed(sd_g, lambda s: [g.pop("param_names") for g in s["param_groups"]])
    positional["param_groups"][0]["params"] = positional["param_groups"][0]["params"][:2]
    with pytest.raises(ValueError, match="holds 2 parameters; the generator has 4"):
        read_optimiser_state(game, positional, sd_d)
    sgd = torch.optim.SGD(D.parameters(), lr=0.1, momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="SGD's"):
        read_optimiser_state(game, sd_g, sgd)
    rms = torch.optim.RMSprop(D.parameters()).state_dict()
    with pytest.raises(ValueError, match="is 'rmsprop', the other's 'adam'"):
        read_optimiser_state(game, sd_g, rms)
    with pytest.raises(ValueError, match="must be a torch.optim state dict"):
        read_optimiser_state(game, {"exp_avg": 1}, sd_d)
    record = read_optimiser_state(game, sd_g, sd_d)
    with pytest.raises(ValueError, match="cannot start from a 'adam'"):
        optimiser_method(record, "rmsprop")


def test_hyperparameters_and_overrides_and_the_frozen_operator():
    G, D = tiny_players(seed=0)
    G, D = G.double(), D.double()
    real, latent = (b.double() for b in tiny_batch())
    opt_g = torch.optim.AdamW(G.parameters(), lr=1e-3, betas=(0.0, 0.9), weight_decay=0.05)
    opt_d = torch.optim.AdamW(D.parameters(), lr=4e-3, betas=(0.0, 0.9), weight_decay=0.05)
    game = TorchGame(G, D, LOSS, real, latent)
    record = read_optimiser_state(game, opt_g.state_dict(), opt_d.state_dict())
    assert record.kind == "adamw"
    method = optimiser_method(record, "extra-adam")
    assert repr(method).startswith(
        "ExtraAdam(lr=(0.001, 0.004), betas=(0.0, 0.9), eps=1e-08, weight_decay=0.05, "
        "decoupled_weight_decay=True, start=OptimiserState("
    )
    assert optimiser_method(record, "adam", lr=0.1).hyperparameters()["lr"] == 0.1
    la = optimiser_method(record, "la-adam", lookahead_k=3, lookahead_alpha=0.4)
    assert (la.k, la.alpha, la.inner_state) == (3, 0.4, "keep")
    with pytest.raises(ValueError, match="starts fresh|step count of the state"):
        optimiser_method(record, frozen=True)  # step 0: no second moment yet


def test_rmsprop_state_continues_torch_rmsprop():
    G, D = tiny_players(seed=1)
    G, D = G.double(), D.double()
    real, latent = (b.double() for b in tiny_batch())
    make = lambda m: torch.optim.RMSprop(m.parameters(), lr=1e-2, momentum=0.5, centered=True)  # noqa: E731
    opt_g, opt_d = _train(G, D, real, latent, make)
    game = TorchGame(G, D, LOSS, real, latent)
    record = read_optimiser_state(game, opt_g.state_dict(), opt_d.state_dict())
    assert set(record.state.slots) == {"square_avg", "momentum_buffer", "grad_avg"}
    method = optimiser_method(record, alternating=True)
    assert isinstance(method, RMSProp)
    state = method.step(TorchOps(game), method.init(game.z0))
    _torch_steps(G, D, opt_g, opt_d, real, latent)
    assert float((state[0] - _flat(G, D)).abs().max()) < 1e-12
    frozen = method.frozen()
    assert frozen.order == 2  # (z, momentum buffer)


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_sidecar_round_trip_and_errors(tmp_path, suffix):
    G, D = tiny_players(seed=0)
    real, latent = tiny_batch()
    opt_g, opt_d = _train(
        G, D, real, latent, lambda m: torch.optim.Adam(m.parameters(), 1e-2), steps=2
    )
    checkpoint = tmp_path / f"step_000002{suffix}"
    written = save_optimiser_states(checkpoint, opt_g, opt_d)
    assert written == sidecar_paths(checkpoint)
    for source in (checkpoint, written[0]):
        g, d = load_optimiser_states(source)
        assert tuple(g["param_groups"][0]["betas"]) == (0.9, 0.999)
        for key, value in opt_d.state_dict()["state"][1].items():
            torch.testing.assert_close(torch.as_tensor(d["state"][1][key]), torch.as_tensor(value))
    game = TorchGame(G, D, LOSS, real, latent)
    assert read_checkpoint_optimiser(game, checkpoint).state.steps == (2, 2)
    with pytest.raises(FileNotFoundError, match="no optimiser state"):
        load_optimiser_states(tmp_path / f"other{suffix}")


def test_a_torch_adam_step_matches_from_any_state():
    """Starting gamedyn's Adam from a state read after k steps continues torch's run."""
    G, D = tiny_players(seed=4)
    G, D = G.double(), D.double()
    real, latent = (b.double() for b in tiny_batch(seed=2))
    opt_g, opt_d = _train(
        G, D, real, latent, lambda m: torch.optim.Adam(m.parameters(), 5e-2, (0.5, 0.9)), steps=4
    )
    game = TorchGame(G, D, LOSS, real, latent)
    method = Adam(
        5e-2,
        (0.5, 0.9),
        alternating=True,
        start=read_optimiser_state(game, opt_g.state_dict(), opt_d.state_dict()).state,
    )
    state = method.init(game.z0)
    ops = TorchOps(game)
    for _ in range(3):
        state = method.step(ops, state)
    _torch_steps(G, D, opt_g, opt_d, real, latent, 3)
    np.testing.assert_allclose(state[0].numpy(), _flat(G, D).numpy(), atol=1e-12)


@pytest.mark.parametrize("layout", ["netG-netD", "generator-discriminator", "gen-dis", "lightning"])
def test_optimiser_states_inside_a_checkpoint_are_found_and_assigned(layout, tmp_path):
    """Public GAN code saves ``optG``/``optD`` (or Lightning's ``optimizer_states``) inside the
    checkpoint: read from the load report, they give the record of the raw state dicts."""
    G, D, opt = trained_checkpoint_players()
    source, options, _ = write_layout(layout, tmp_path, G, D, opt)
    real, latent = torch.randn(8, 2, dtype=torch.float64), torch.randn(8, 2, dtype=torch.float64)
    players = (checkpoint_generator, checkpoint_discriminator)
    game = load_torch_game(source, *players, real, latent, loss=LOSS, **options)
    (state_g, state_d), where = optimiser_states_in(game.checkpoint_report, game)
    assert state_g is not state_d and where[0].startswith(str(source))
    found, direct = (
        read_checkpoint_optimiser(game, source),
        read_optimiser_state(game, *opt.values()),
    )
    assert found.state.steps == direct.state.steps == (3, 3)
    for slot in ("exp_avg", "exp_avg_sq"):
        assert torch.equal(found.state.slots[slot], direct.state.slots[slot])
    # the same states in the other order are still assigned by their shapes
    swapped = {"optimizer_states": [opt["D"], opt["G"]], "netG": G.state_dict()}
    torch.save(swapped | {"netD": D.state_dict()}, tmp_path / "swapped.pt")
    game = load_torch_game(tmp_path / "swapped.pt", *players, real, latent, loss=LOSS)
    assert "optimizer_states[1]" in optimiser_states_in(game.checkpoint_report, game)[1][0]


def test_optimiser_states_inside_a_checkpoint_refused_when_incomplete(tmp_path):
    G, D, opt = trained_checkpoint_players()
    source, _, _ = write_layout("two-files", tmp_path, G, D, opt)  # only D's optimiser
    real, latent = torch.randn(8, 2, dtype=torch.float64), torch.randn(8, 2, dtype=torch.float64)
    players = (checkpoint_generator, checkpoint_discriminator)
    game = load_torch_game(source, *players, real, latent, loss=LOSS)
    with pytest.raises(ValueError, match="found 1: .*optimizer_state_dict"):
        optimiser_states_in(game.checkpoint_report, game)
    source, _, _ = write_layout("G-D", tmp_path, G, D, opt)
    game = load_torch_game(source, *players, real, latent, loss=LOSS)
    with pytest.raises(LookupError, match="no torch.optim state dict"):
        optimiser_states_in(game.checkpoint_report, game)
    with pytest.raises(ValueError, match="G-D.pt' does not hold optimiser states"):
        read_checkpoint_optimiser(game, source)
