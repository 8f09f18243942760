"""The sympy backend (gamedyn.backends.symbolic) runs the methods' steps like the torch backend."""

from __future__ import annotations

import numpy as np
import sympy as sp
from helpers import as_float, dirac_gan_sympy, every_operator, tensor

from gamedyn.backends.dense import TorchOps
from gamedyn.backends.symbolic import SympyOps
from gamedyn.games import DiracGAN

NUMERIC = every_operator(0.3, 0.4, 0.6, 0.7)


def test_the_sympy_backend_runs_steps_like_the_torch_backend():
    game, numeric = dirac_gan_sympy(), DiracGAN("standard")
    z = [0.7, -0.4]
    for method in NUMERIC:
        exact = method.step(SympyOps(game), method.init(sp.Matrix(z)))
        reference = method.step(TorchOps(numeric), method.init(tensor(z)))
        for e, r in zip(exact, reference, strict=True):
            np.testing.assert_allclose(as_float(e).ravel(), r.numpy(), atol=1e-12)
