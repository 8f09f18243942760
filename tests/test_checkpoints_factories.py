"""Models and samplers from the user's own files (gamedyn.checkpoints._factories): file import
paths with keyword arguments, tensor files of real samples, standard normal latents."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from torch import nn

from gamedyn.checkpoints import build, import_factory, sampler, standard_normal
from gamedyn.checkpoints._factories import TensorFile

MODELS = """
import torch
from torch import nn
from layers import Block  # a sibling module: the file's folder is on sys.path

if __name__ == "__main__":
    open("MARKER", "w").write("the training script ran")


class Generator(nn.Module):
    def __init__(self, nz=2, ngf=4):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(nz, ngf), Block(), nn.Linear(ngf, 2))

    def forward(self, z):
        return self.main(z)


def not_a_model(ngf=4):
    return ngf
"""


@pytest.fixture
def models_file(tmp_path):
    (tmp_path / "layers.py").write_text("from torch import nn\n\nBlock = nn.Tanh\n")
    path = tmp_path / "models.py"
    path.write_text(MODELS.replace("MARKER", str(tmp_path / "marker")))
    return path


def test_factory_from_a_file_with_keyword_arguments(models_file, tmp_path):
    spec = f"{models_file}:Generator"
    G = build(spec, ngf=6)
    assert isinstance(G, nn.Module) and G.main[0].out_features == 6
    assert import_factory(spec) is import_factory(f"{models_file}:Generator")  # imported once
    assert type(build(spec)) is type(G)
    assert not (tmp_path / "marker").exists()  # the __main__ block did not run
    with pytest.raises(TypeError, match=r"Generator' cannot be called with \{'width': 3\}"):
        build(spec, width=3)
    with pytest.raises(TypeError, match="returned a int, not an nn.Module"):
        build(f"{models_file}:not_a_model")
    with pytest.raises(ValueError, match="has no attribute 'Critic'"):
        import_factory(f"{models_file}:Critic")
    with pytest.raises(FileNotFoundError, match="no Python file at"):
        import_factory(f"{tmp_path}/nope.py:Generator")
    with pytest.raises(ValueError, match="path/to/file.py:factory"):
        import_factory(f"{models_file}:")


def test_a_broken_import_in_the_users_file_is_named(tmp_path):
    (tmp_path / "broken.py").write_text("import no_such_module_anywhere\n")
    with pytest.raises(ValueError, match="importing .*broken.py.* failed: No module named"):
        import_factory(f"{tmp_path}/broken.py:G")


@pytest.mark.parametrize("suffix", [".pt", ".npy", "-list.pt"])
def test_tensor_file_sampler_gives_disjoint_blocks(tmp_path, suffix):
    samples = torch.randn(10, 1, 2, 2, generator=torch.Generator().manual_seed(0))
    path = tmp_path / f"real{suffix}"
    if suffix == ".npy":
        np.save(path, samples.numpy())
    elif suffix == "-list.pt":  # what a DataLoader yields: (images, labels)
        torch.save([samples, torch.arange(10)], path)
    else:
        torch.save(samples, path)
    data = sampler(str(path))
    assert isinstance(data, TensorFile)
    assert torch.equal(data(4, 0), samples[:4]) and torch.equal(data(4, 1), samples[4:8])
    with pytest.raises(ValueError, match=r"holds 10 samples: batch 4 with seed 2 needs rows 8..11"):
        data(4, 2)
    with pytest.raises(ValueError, match="takes no keyword arguments"):
        sampler(str(path), shape=[2])


def test_tensor_files_that_are_not_samples_are_refused(tmp_path):
    torch.save(torch.zeros(4, 3, dtype=torch.uint8), tmp_path / "images.pt")
    with pytest.raises(ValueError, match="uint8 samples: save them as the floats"):
        sampler(str(tmp_path / "images.pt"))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="refused to load"):
        sampler(str(tmp_path / "objects.npy"))
    (tmp_path / "evil.pt").write_bytes(pickle.dumps(nn.Linear(1, 1), protocol=2))
    with pytest.raises(ValueError, match="weights_only"):
        sampler(str(tmp_path / "evil.pt"))
    with pytest.raises(FileNotFoundError):
        sampler(str(tmp_path / "missing.pt"))


def test_standard_normal_latents_and_bound_keyword_arguments():
    z = standard_normal(5, 3, shape=[4, 1, 1])
    assert z.shape == (5, 4, 1, 1) and torch.equal(z, standard_normal(5, 3, shape=(4, 1, 1)))
    assert not torch.equal(z, standard_normal(5, 4, shape=[4, 1, 1]))
    latent = sampler("gamedyn.checkpoints:standard_normal", shape=[4, 1, 1])
    assert torch.equal(latent(5, 3), z)
    with pytest.raises(ValueError, match="shape must be a positive integer"):
        standard_normal(2, 0, shape=[0])
    with pytest.raises(TypeError, match="not a sampler"):
        sampler("gamedyn.checkpoints._files:SUFFIXES")
