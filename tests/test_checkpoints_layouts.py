"""Where the players are (gamedyn.checkpoints._layouts): names, wrapper prefixes, flat and nested
keys, and what is left over."""

from __future__ import annotations

import pytest
import torch

from gamedyn.checkpoints._layouts import View, ignored_entries, locate, role, strip_wrappers, words

T = torch.zeros(2)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("netG", ("generator", False)),
        ("G", ("generator", False)),
        ("generator", ("generator", False)),
        ("gen", ("generator", False)),
        ("model_G", ("generator", False)),
        ("gen_state_dict", ("generator", False)),
        ("GNet", ("generator", False)),
        ("netD", ("discriminator", False)),
        ("D", ("discriminator", False)),
        ("dis", ("discriminator", False)),
        ("disc", ("discriminator", False)),
        ("critic", ("discriminator", False)),
        ("model_D", ("discriminator", False)),
        ("G_ema", ("generator", True)),
        ("netG_ema", ("generator", True)),
        ("g_running", ("generator", True)),
        ("ema", ("generator", True)),
        ("model_ema", ("generator", True)),
        ("optG", None),
        ("optimizer_D", None),
        ("g_optim", None),
        ("scheduler_G", None),
        ("losses_G", None),
        ("GD", None),  # both players: not a name of either
        ("main", None),
        ("running_mean", None),
        ("exp_avg", None),
        ("state_dict", None),
    ],
)
def test_role_of_a_name(name, expected):
    assert role(name) == expected


def test_words_split_at_separators_and_case():
    assert words("netG_ema") == ["net", "g", "ema"]
    assert words("model-D.state") == ["model", "d", "state"]
    assert words("G_AB") == ["g", "ab"]


def test_view_opens_dicts_lists_and_dotted_keys():
    view = View({"a": {"b.c": T, "d": [T, 5]}, "e.f": T})
    assert set(view.leaves) == {"a.b.c", "a.d.0", "a.d.1", "e.f"}
    assert view.tensors("a.b") == {"c": T}
    assert view.tensors("a") is None  # a list entry and a number are not a state dict
    assert view.tensors("e") == {"f": T}
    with pytest.raises(ValueError, match="'a.b' twice"):
        View({"a": {"b": T}, "a.b": T})


def test_strip_wrappers_keeps_a_submodule_named_module():
    assert strip_wrappers({"module.w": T}, {"w": T}) == ({"w": T}, ("module.",))
    assert strip_wrappers({"module.w": T}, {"module.w": T}) == ({"module.w": T}, ())
    state, removed = strip_wrappers({"module.module.0._orig_mod.w": T}, {"module.0.w": T})
    assert state == {"module.0.w": T} and removed == ("_orig_mod.", "module.")


def test_ignored_entries_are_as_large_as_possible():
    data = {
        "state_dict": {"generator.w": T, "discriminator.w": T, "G_ema.w": T, "G_ema.b": T},
        "optimizer_states": [{"state": {}, "param_groups": []}],
        "epoch": 3,
    }
    ignored = ignored_entries(data, ["state_dict.generator", "state_dict.discriminator"])
    assert list(ignored) == ["state_dict.G_ema", "optimizer_states", "epoch"]
    assert ignored["state_dict.G_ema"] == {"w": T, "b": T}
    assert ignored["optimizer_states"] is data["optimizer_states"] and ignored["epoch"] == 3
    assert ignored_entries(data, [""]) == {}


def test_locate_whole_file_for_one_player():
    view = View({"0.weight": T, "0.bias": T})
    found = locate(view, "generator", {"0.weight": T, "0.bias": T}, alone=True)
    assert found.key == "" and found.found == "whole file"
    with pytest.raises(ValueError, match="found no generator"):  # one file for both: not whole
        locate(view, "generator", {"0.weight": T, "0.bias": T})
    with pytest.raises(TypeError, match="generator_key must be a string"):
        locate(view, "generator", {}, key=3)
