"""Loading checkpoints as people save them (gamedyn.checkpoints._loading): every layout from real
``torch.save``/safetensors files of models with BatchNorm and both spectral norms loads the saved
modules exactly; the report says what went where and keeps the ignored entries raw; ambiguity
and mismatches are refused by name; every layout gives the same game as gamedyn's own."""

from __future__ import annotations

import pytest
import torch
from helpers import (
    LAYOUTS,
    checkpoint_discriminator,
    checkpoint_generator,
    perturbed,
    states_equal,
    tiny_batch,
    trained_checkpoint_players,
    write_layout,
)
from torch import nn

from gamedyn.analysis import analyse
from gamedyn.checkpoints import LoadReport, load_gan, load_torch_game, save
from gamedyn.spectrum import KrylovSchur


@pytest.fixture(scope="module")
def trained():
    return trained_checkpoint_players()


def _fresh() -> tuple[nn.Module, nn.Module]:
    return checkpoint_generator(), checkpoint_discriminator()


# the generator's and discriminator's keys, how they were found, the prefixes removed, and the
# ignored entries, per layout
EXPECTED = {
    "gamedyn": ("generator", "discriminator", "by name", (), ()),
    "netG-netD": ("netG", "netD", "by name", (), ("optG", "optD", "epoch")),
    "G-D": ("G", "D", "by name", (), ("config", "step")),
    "generator-discriminator": (
        "generator",
        "discriminator",
        "by name",
        (),
        ("optimizer_G", "optimizer_D"),
    ),
    "gen-dis": ("gen", "dis", "by name", (), ("gen_optim", "dis_optim")),
    "model_G-model_D": ("model_G", "model_D", "by name", (), ("epoch", "losses_G")),
    "named": ("G_BA", "D_A", "given", (), ("G_AB", "D_B")),
    "two-files": ("", "model_state_dict", "whole file", (), ("optimizer_state_dict", "epoch")),
    "lightning": (
        "state_dict.generator",
        "state_dict.discriminator",
        "by name",
        (),
        (
            "epoch",
            "global_step",
            "pytorch-lightning_version",
            "optimizer_states",
            "lr_schedulers",
            "hyper_parameters",
        ),
    ),
    "data-parallel": ("netG", "netD", "by name", (("module.",), ("_orig_mod.",)), ()),
    "ddp-lightning": (
        "state_dict.gen",
        "state_dict.disc",
        "by name",
        (("module.",), ("_orig_mod.", "module.")),
        ("epoch",),
    ),
    "safetensors": ("netG", "netD", "by name", (), ()),
    "ema": ("G_ema", "D", "by name", (), ("G", "step")),
    "ema-safetensors": ("netG_ema", "netD", "by name", (), ("netG",)),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_loads_the_saved_modules_exactly(layout, trained, tmp_path):
    G, D, opt = trained
    source, options, expected_g = write_layout(layout, tmp_path, G, D, opt)
    g, d = _fresh()
    assert not states_equal(g, expected_g) and not states_equal(d, D)
    report = load_gan(source, g, d, **options)
    assert states_equal(g, expected_g) and states_equal(d, D)  # every parameter and buffer
    g_key, d_key, found, removed, ignored = EXPECTED[layout]
    assert (report.generator.key, report.discriminator.key) == (g_key, d_key)
    if layout != "two-files":
        assert report.generator.found == found
    assert report.discriminator.found == ("by structure" if layout == "two-files" else found)
    if removed:
        assert (report.generator.prefixes_removed, report.discriminator.prefixes_removed) == removed
    assert [e.key for e in report.ignored] == list(ignored)
    assert report.generator.ema == layout.startswith("ema")
    # counts and dtypes: G has 7 parameters and 3 buffers, D 6 and 7 (u, v of both norms)
    assert (report.generator.parameters, report.generator.buffers) == (7, 3)
    assert (report.discriminator.parameters, report.discriminator.buffers) == (6, 7)
    assert report.discriminator.dtypes == {"float32": 12, "int64": 1}
    assert report.to_dict()["generator"]["key"] == g_key


def test_ignored_entries_are_kept_raw_for_the_optimiser_issue(trained, tmp_path):
    G, D, opt = trained
    source, _, _ = write_layout("netG-netD", tmp_path, G, D, opt)
    report = load_gan(source, *_fresh())
    optimiser = report.entry("optG")
    assert optimiser["param_groups"] == opt["G"]["param_groups"]
    for index, state in opt["G"]["state"].items():
        assert torch.equal(optimiser["state"][index]["exp_avg"], state["exp_avg"])
    assert report.entry("epoch") == 5 and set(report.entries()) == {"optG", "optD", "epoch"}
    with pytest.raises(KeyError, match="no ignored entry 'optimizer'.*'optG', 'optD', 'epoch'"):
        report.entry("optimizer")
    # Lightning keeps them in a list; two files keep their own entries
    source, _, _ = write_layout("lightning", tmp_path, G, D, opt)
    states = load_gan(source, *_fresh()).entry("optimizer_states")
    assert states[1]["param_groups"] == opt["D"]["param_groups"]
    source, _, _ = write_layout("two-files", tmp_path, G, D, opt)
    report = load_gan(source, *_fresh())
    assert report.entries(player="generator") == {}
    assert report.entry("epoch", player="discriminator") == 3
    with pytest.raises(ValueError, match="two files"):
        report.entries()
    summary = report.summary()
    assert "generator     <- the whole file" in summary and "'model_state_dict'" in summary
    assert "ignored in " in summary and "'optimizer_state_dict' (optimiser state" in summary


def test_ema_copies_are_used_only_when_chosen(trained, tmp_path):
    G, D, opt = trained
    source, _, _ = write_layout("ema", tmp_path, G, D, opt)
    with pytest.raises(ValueError, match=r"generator 'G' and the EMA copy 'G_ema'.*ema=True"):
        load_gan(source, *_fresh())
    g, d = _fresh()
    report = load_gan(source, g, d, ema=False)  # the training generator itself
    assert report.generator.key == "G" and not report.generator.ema
    assert all(torch.equal(v, perturbed(G)[k]) for k, v in g.state_dict().items())
    g, d = _fresh()
    assert load_gan(source, g, d, generator_key="G_ema").generator.ema and states_equal(g, G)
    with pytest.raises(ValueError, match="generator_key='G_ema' or ema=True, not both"):
        load_gan(source, *_fresh(), generator_key="G_ema", ema=True)
    with pytest.raises(TypeError, match="ema must be True, False or None"):
        load_gan(source, *_fresh(), ema="yes")
    # a file whose only generator is the EMA copy: still chosen explicitly
    torch.save({"G_ema": G.state_dict(), "D": D.state_dict()}, tmp_path / "only.pt")
    with pytest.raises(ValueError, match="only generator is the EMA copy 'G_ema'"):
        load_gan(tmp_path / "only.pt", *_fresh())
    assert load_gan(tmp_path / "only.pt", *_fresh(), ema=True).generator.key == "G_ema"


def test_ambiguous_names_are_refused_and_keys_choose(trained, tmp_path):
    G, D, opt = trained
    source, options, _ = write_layout("named", tmp_path, G, D, opt)
    with pytest.raises(ValueError, match=r"several generators \(by name\): 'G_AB', 'G_BA'"):
        load_gan(source, *_fresh())
    with pytest.raises(ValueError, match=r"several discriminators.*--discriminator-key"):
        load_gan(source, *_fresh(), generator_key="G_BA")
    with pytest.raises(ValueError, match="discriminator_key='nothing' names no state dict"):
        load_gan(source, *_fresh(), generator_key="G_BA", discriminator_key="nothing")
    with pytest.raises(ValueError, match="overlap"):
        load_gan(source, *_fresh(), generator_key="G_BA", discriminator_key="G_BA")


def test_players_found_by_structure_when_no_name_says(trained, tmp_path):
    G, D, _ = trained
    torch.save({"weights": {"first": G.state_dict(), "second": D.state_dict()}}, tmp_path / "a.pt")
    g, d = _fresh()
    report = load_gan(tmp_path / "a.pt", g, d)
    assert (report.generator.key, report.discriminator.key) == ("weights.first", "weights.second")
    assert report.generator.found == "by structure" and states_equal(g, G) and states_equal(d, D)
    # two players of the same architecture cannot be told apart by structure
    torch.save({"G": G.state_dict(), "a": D.state_dict(), "b": D.state_dict()}, tmp_path / "s.pt")
    with pytest.raises(ValueError, match=r"several discriminators \(by structure\): 'a', 'b'"):
        load_gan(tmp_path / "s.pt", *_fresh())
    torch.save({"a": {"x": torch.zeros(2)}, "epoch": 1}, tmp_path / "none.pt")
    with pytest.raises(ValueError, match=r"found no generator.*'a' \(1 tensors\), 'epoch'"):
        load_gan(tmp_path / "none.pt", *_fresh())


def test_mismatches_and_non_floating_weights_are_refused_by_name(trained, tmp_path):
    G, D, _ = trained
    state = {k: v.clone() for k, v in D.state_dict().items()}
    state["0.weight_orig"] = state["0.weight_orig"].to(torch.int8)
    torch.save({"netG": G.state_dict(), "netD": state}, tmp_path / "int.pt")
    with pytest.raises(ValueError, match=r"non-floating weights: 0\.weight_orig \(checkpoint int8"):
        load_gan(tmp_path / "int.pt", *_fresh())
    wide = checkpoint_generator(width=6)
    with pytest.raises(ValueError, match=r"shape mismatches: 0\.bias \(checkpoint \(4,\), gener"):
        load_gan(tmp_path / "int.pt", wide, checkpoint_discriminator())
    plain = nn.Sequential(nn.Linear(2, 5), nn.BatchNorm1d(5), nn.LeakyReLU(), nn.Linear(5, 1))
    with pytest.raises(
        ValueError, match=r"missing keys: '0\.weight', '3\.weight'; unexpected keys"
    ):
        load_gan(tmp_path / "int.pt", G, plain)
    with pytest.raises(
        ValueError,
        match=r"saved with the hook-based torch\.nn\.utils\.spectral_norm\) \(the checkp",
    ):
        load_gan(tmp_path / "int.pt", G, plain)


def test_report_dtypes_and_parameters_held_fixed(trained, tmp_path):
    G, D, _ = trained
    half = {k: v.half() if v.is_floating_point() else v for k, v in G.state_dict().items()}
    torch.save({"G": half, "D": D.state_dict()}, tmp_path / "half.pt")
    g, d = _fresh()
    g[0].bias.requires_grad_(False)
    report = load_gan(tmp_path / "half.pt", g, d)
    assert report.generator.dtypes == {"float16": 9, "int64": 1}
    assert all(torch.equal(g.state_dict()[k], v.float()) for k, v in half.items() if k[-1] != "d")
    assert report.generator.held_fixed == ("0.bias",)
    assert "held fixed (requires_grad=False, not in z): generator.0.bias" in report.summary()


def test_a_pair_of_the_same_file_is_one_file(trained, tmp_path):
    G, D, _ = trained
    path = save(tmp_path / "ckpt.pt", G, D)
    report = load_gan((path, str(path)), *_fresh())
    assert report.files == (str(path),)
    with pytest.raises(TypeError, match="pair"):
        load_gan([path, path, path], *_fresh())


def test_every_layout_gives_gamedyns_game(trained, tmp_path):
    """The game of each layout is the game of gamedyn's own layout, bit for bit; the analysis
    records what was loaded."""
    G, D, opt = trained
    real, latent = tiny_batch(seed=3, size=6)
    reference = load_torch_game(
        save(tmp_path / "own.safetensors", G, D),
        checkpoint_generator,
        checkpoint_discriminator,
        real,
        latent,
        reg="r1",
        reg_weight=0.5,
    )
    v = reference.field(reference.z0)
    for layout in LAYOUTS:
        folder = tmp_path / layout
        folder.mkdir()
        source, options, _ = write_layout(layout, folder, G, D, opt)
        game = load_torch_game(
            source,
            checkpoint_generator,
            checkpoint_discriminator,
            real,
            latent,
            reg="r1",
            reg_weight=0.5,
            generator_kwargs={"width": 4},
            **options,
        )
        assert isinstance(game.checkpoint_report, LoadReport)
        assert torch.equal(game.z0, reference.z0), layout
        assert torch.equal(game.field(game.z0), v), layout
    assert game.frozen_spectral_norms == [  # parametrisations, then hooks
        "discriminator.3.parametrizations.weight.0",
        "discriminator.0.weight",
    ]
    assert game.replaced_layers == ["generator.1", "generator.3.weight", "discriminator.1"]
    record = analyse(game, k=2, solver=KrylovSchur(tol=1e-10))
    assert record.settings["loaded"]["generator"]["key"] == "netG_ema"
    assert record.settings["loaded"]["ignored"] == [
        {"file": str(source), "key": "netG", "what": "10 tensors"}
    ]


def test_factories_keyword_arguments_and_modules(trained, tmp_path):
    G, D, _ = trained
    path = save(tmp_path / "ckpt.pt", G, D)
    real, latent = tiny_batch(seed=3, size=6)
    with pytest.raises(TypeError, match="generator_kwargs .* given, but generator is a module"):
        load_torch_game(path, G, D, real, latent, generator_kwargs={"width": 4})
    with pytest.raises(ValueError, match=r"shape mismatches"):
        load_torch_game(path, checkpoint_generator, D, real, latent, generator_kwargs={"width": 3})


def test_a_float64_checkpoint_into_float32_factories_loads_exactly(tmp_path):
    """The factories build float32 modules; a float64 checkpoint promotes them instead of
    rounding its weights (the game then sees the checkpoint's exact values)."""
    G, D = checkpoint_generator().double(), checkpoint_discriminator().double()
    path = save(tmp_path / "double.safetensors", G, D)
    real, latent = tiny_batch(0, 8, 2)
    game = load_torch_game(path, checkpoint_generator, checkpoint_discriminator, real, latent)
    expected = torch.cat([p.detach().reshape(-1) for m in (G, D) for p in m.parameters()])
    assert game.z0.dtype == torch.float64 and torch.equal(game.z0, expected)
    g = checkpoint_generator()
    load_gan(path, g, checkpoint_discriminator())
    assert all(p.dtype == torch.float64 for p in g.parameters())
