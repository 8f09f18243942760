"""Checkpoints (gamedyn.checkpoints): safe loading (no code runs from a .pt), key reporting,
factories, and a checkpoint's game."""

from __future__ import annotations

import builtins
import pickle

import pytest
import torch
from helpers import mlp
from torch import nn

from gamedyn import checkpoints
from gamedyn.checkpoints import (
    build,
    import_factory,
    load,
    load_torch_game,
    player_state_dicts,
    save,
)
from gamedyn.checkpoints._loading import load_into


class _WritesMarker:
    """Unpickling this calls ``builtins.exec`` with code that creates a marker file."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (builtins.exec, (f"open({self.marker!r}, 'w').write('pwned')",))


def _small_pair() -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    return mlp(3, 4, 2), nn.Linear(2, 1)


# --- malicious pickles are refused without running ------------------------------------------


def test_malicious_zip_pt_is_refused_without_running(tmp_path):
    marker = tmp_path / "marker.txt"
    path = tmp_path / "evil.pt"
    torch.save({"generator.weight": _WritesMarker(str(marker))}, path)  # pickling runs nothing
    assert not marker.exists()
    with pytest.raises(ValueError, match="weights_only"):
        load(path)
    assert not marker.exists()


def test_malicious_legacy_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "marker.txt"
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps(_WritesMarker(str(marker)), protocol=2))
    with pytest.raises(ValueError, match="refused"):
        load(path)
    assert not marker.exists()
    # the payload is real: plain unpickling would have run it
    pickle.loads(path.read_bytes())
    assert marker.exists()


# --- formats and layouts --------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_save_load_round_trip(tmp_path, suffix):
    G, D = _small_pair()
    path = save(tmp_path / f"ckpt{suffix}", G, D)
    g_state, d_state = player_state_dicts(load(path))
    G2, D2 = _small_pair()
    with torch.no_grad():
        for p in list(G2.parameters()) + list(D2.parameters()):
            p.add_(1.0)
    load_into(G2, g_state, "generator")
    load_into(D2, d_state, "discriminator")
    for a, b in zip(G.state_dict().values(), G2.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(D.state_dict().values(), D2.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_nested_pt_layout(tmp_path):
    G, D = _small_pair()
    path = tmp_path / "nested.pt"
    torch.save({"generator": G.state_dict(), "discriminator": D.state_dict()}, path)
    g_state, d_state = player_state_dicts(load(path))
    assert set(g_state) == set(G.state_dict()) and set(d_state) == set(D.state_dict())


def test_unknown_suffix_and_missing_file(tmp_path):
    (tmp_path / "x.pkl").write_bytes(b"")
    with pytest.raises(ValueError, match="suffix '.pkl'"):
        load(tmp_path / "x.pkl")
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        load(tmp_path / "nope.pt")


def test_stray_keys_are_named():
    with pytest.raises(ValueError, match="'optimizer.lr'"):
        player_state_dicts({"generator.w": torch.zeros(1), "optimizer.lr": torch.zeros(1)})


# --- key checks -----------------------------------------------------------------------------


def test_mismatched_keys_are_reported_by_name():
    G, _ = _small_pair()
    state = dict(G.state_dict())
    state["9.weight"] = state.pop("2.weight")
    state["0.bias"] = torch.zeros(7)
    with pytest.raises(ValueError) as err:
        load_into(G, state, "generator")
    message = str(err.value)
    assert "missing keys: '2.weight'" in message
    assert "unexpected keys: '9.weight'" in message
    assert "0.bias (checkpoint (7,), generator (4,))" in message


# --- factories ------------------------------------------------------------------------------


def test_import_factory_and_build():
    assert import_factory("gamedyn.examples.mixture:sample") is not None
    assert isinstance(build("gamedyn.examples.mixture:generator"), nn.Module)
    with pytest.raises(ValueError, match="package.module:factory"):
        import_factory("gamedyn.examples.mixture.generator")
    with pytest.raises(ValueError, match="no attribute 'nothing'"):
        import_factory("gamedyn.examples.mixture:nothing")
    with pytest.raises(ValueError, match="cannot import module"):
        import_factory("gamedyn.no_such_module:f")
    with pytest.raises(TypeError, match="not an nn.Module"):
        build("gamedyn.examples.mixture:sample", 3)


# --- a checkpoint's game --------------------------------------------------------------------


def test_load_torch_game_builds_the_checkpoints_game(tmp_path):
    G, D = _small_pair()
    path = save(tmp_path / "ckpt.safetensors", G, D)
    real, latent = torch.randn(5, 2), torch.randn(5, 3)
    flat = torch.cat([p.detach().reshape(-1) for p in (*G.parameters(), *D.parameters())])
    G2, D2 = _small_pair()
    with torch.no_grad():  # modules with other values than the checkpoint's: loaded into
        for p in list(G2.parameters()) + list(D2.parameters()):
            p.add_(1.0)
    game = load_torch_game(path, G2, D2, real, latent, loss="wgan", reg="r1", reg_weight=0.5)
    assert torch.equal(game.z0, flat.double())
    assert game.loss == "wgan" and game.reg == "r1" and game.real.shape == (5, 2)
    # zero-argument factories; the loss defaults to non-saturating
    game = load_torch_game(path, lambda: mlp(3, 4, 2), lambda: nn.Linear(2, 1), real, latent)
    assert game.loss == "non-saturating" and torch.equal(game.z0, flat.double())
    with pytest.raises(TypeError, match="not a Module"):
        load_torch_game(path, lambda: 3, D, real, latent)


# --- the module itself ----------------------------------------------------------------------


def test_checkpoints_package_never_unpickles():
    """One ``torch.load`` in the package, with ``weights_only=True``; ``np.load`` only with
    ``allow_pickle=False``; no ``pickle`` at all."""
    import ast
    from pathlib import Path

    calls = []
    for source in sorted(Path(checkpoints.__file__).parent.glob("*.py")):
        tree = ast.parse(source.read_text())
        assert not any(
            isinstance(node, (ast.Import, ast.ImportFrom))
            and any(a.name.split(".")[0] == "pickle" for a in node.names)
            for node in ast.walk(tree)
        ), source
        calls += [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("load", "loads")
            and isinstance(node.func.value, ast.Name)
        ]
    owners = sorted(c.func.value.id for c in calls)
    assert owners == ["np", "torch"], owners
    for call in calls:
        keywords = {k.arg: k.value for k in call.keywords}
        flag, value = (
            ("weights_only", True) if call.func.value.id == "torch" else ("allow_pickle", False)
        )
        assert isinstance(keywords[flag], ast.Constant) and keywords[flag].value is value
