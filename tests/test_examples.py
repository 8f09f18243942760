"""The example GANs (gamedyn.examples): deterministic samplers, and a checkpoint's game."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gamedyn.checkpoints import load_torch_game
from gamedyn.examples import EXAMPLES


@pytest.mark.slow
def test_samplers_are_deterministic():
    from gamedyn.examples import digits, mixture

    torch.testing.assert_close(mixture.sample(16, 3), mixture.sample(16, 3))
    torch.testing.assert_close(digits.latent(4, 1), digits.latent(4, 1))
    images = digits.sample(8, 0)
    assert images.shape == (8, 1, 8, 8) and images.min() >= -1 and images.max() <= 1
    radii = mixture.sample(256, 0).norm(dim=1)
    np.testing.assert_allclose(radii.numpy(), mixture.RADIUS, atol=0.1)


def test_load_game_is_the_checkpoints_game_on_the_examples_batch(mixture_checkpoints):
    example = EXAMPLES["mixture-small"]
    torch.testing.assert_close(example.sample(8, 2), example.module.sample(8, 2), rtol=0, atol=0)
    torch.testing.assert_close(example.latent(8, 2), example.module.latent(8, 2), rtol=0, atol=0)
    game = example.load_game(mixture_checkpoints[-1], batch=8, seed=2, reg="r1", reg_weight=0.5)
    reference = load_torch_game(
        mixture_checkpoints[-1],
        example.spec("generator"),
        example.spec("discriminator"),
        example.sample(8, 2),
        example.latent(8, 2),
        reg="r1",
        reg_weight=0.5,
    )
    assert game.loss == "non-saturating" and game.reg == "r1" and game.real.shape[0] == 8
    assert torch.equal(game.z0, reference.z0)
    assert torch.equal(game.field(game.z0), reference.field(reference.z0))


def test_digits_are_scikit_learns_without_importing_it(monkeypatch):
    """The digits are read from scikit-learn's data file without importing scikit-learn, and are
    ``load_digits().images`` exactly; without the file, scikit-learn's own loader."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    from gamedyn.examples import digits

    expected = sklearn_datasets.load_digits().images
    assert digits._digits_file() is not None
    read = digits._digit_pixels()
    assert read.dtype == expected.dtype and np.array_equal(read, expected)
    monkeypatch.setattr(digits, "_digits_file", lambda: None)
    assert np.array_equal(digits._digit_pixels(), expected)


def test_digits_sample_imports_no_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys; from gamedyn.examples import digits; digits.sample(4, 0); "
        "print(any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
