"""``optimiser_spectra`` (gamedyn.experiments, gamedyn.figures): matrix-free eigenvalues of the
Adam operator a checkpoint was trained with, and of GDA, against dense ones."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import spectrum_distance, tiny_gan

from gamedyn import experiments
from gamedyn.examples import EXAMPLES
from gamedyn.experiments import (
    EVAL_SEED,
    OPTIMISER_LR,
    OPTIMISER_SMALL,
    Displacement,
    digits_adam_checkpoints,
    training_operator,
)
from gamedyn.methods import GDA, Adam
from gamedyn.spectrum import eigenvalues, operator_jacobian


def test_displacement_has_the_operators_jacobian_minus_identity():
    game, method = tiny_gan(), Adam(0.05, (0.5, 0.9), second_moment=2.0, alternating=True)
    np.testing.assert_allclose(
        operator_jacobian(Displacement(method), game),
        operator_jacobian(method, game) - np.eye(2 * game.n),
        atol=1e-14,
    )


@pytest.mark.slow
def test_optimiser_spectra_are_the_dense_ones(tmp_path):
    spectra = experiments.optimiser_spectra(small=True)
    paths = digits_adam_checkpoints(small=True, out_dir=tmp_path)  # the same seeded training
    assert [s.step for s in spectra] == [20, 40, 60] and len(paths) == 3
    example = EXAMPLES["digits-small"]
    for s in spectra:
        assert s.adam_steps == (s.step, s.step) and s.dtype == "float64"
        # the preconditioner: Adam's step moves eigenvalues ~100× farther than GDA's, outside
        assert np.abs(s.adam - 1).max() > 50 * np.abs(s.gda - 1).max() and s.adam.real.max() > 1
    s, path = spectra[-1], paths[-1]  # dense (2n = 1260) at the last checkpoint
    game = example.load_game(path, OPTIMISER_SMALL["batch"], EVAL_SEED)
    dense = eigenvalues(game, method=training_operator(game, path))
    top = dense[np.argsort(-dense.real, kind="stable")][: s.adam.size]  # largest Re μ
    assert spectrum_distance(s.adam, top) < 1e-8
    np.testing.assert_allclose(np.sort(s.adam.real), np.sort(top.real), atol=1e-8)
    gda = eigenvalues(game, method=GDA(OPTIMISER_LR))
    assert spectrum_distance(s.gda, gda) < 1e-12
    np.testing.assert_allclose(np.abs(s.gda - 1).max(), np.abs(gda - 1).max(), rtol=1e-8)
