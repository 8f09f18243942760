"""The shared vocabulary: every name an argument can take, defined once, with its meaning.

Games, spectra, the command line and the figures import their choices from here, so a name
means the same everywhere and the CLI's ``choices=`` are the library's. The public names are
the values a user passes; the helpers beside them (``which_score``, ``select``, ``gan_loss``,
``LINEARIZE_MIN_SIZE``) are the library's own.

* **which** (:data:`WHICH`): which eigenvalues of a
  *real, non-symmetric* operator are wanted, with ARPACK's meaning (``scipy.sparse.linalg.eigs``
  and ``dnaupd``): ``"LM"``/``"SM"`` largest/smallest modulus, ``"LR"``/``"SR"``
  largest/smallest real part, ``"LI"``/``"SI"`` largest/smallest **absolute** imaginary part.
  The operator is real, so eigenvalues come in conjugate pairs, and every criterion gives both
  members of a pair the same score: a pair is selected or dropped whole. The Krylov solvers
  take :data:`KRYLOV_WHICH` (all but ``"SM"``, which needs a shift-invert they do not do).
  :data:`HERMITIAN_WHICH` is ``eigsh``'s: ``"LA"``/``"SA"`` largest/smallest algebraic,
  ``"LM"``/``"SM"`` by magnitude, ``"BE"`` both ends.
* **GAN losses** (:data:`GAN_LOSSES`): ``"saturating"`` (the minimax GAN of
  Goodfellow et al.; zero-sum; also called ``"standard"`` by Mescheder et al., accepted as an
  alias), ``"non-saturating"``, ``"wgan"``, ``"hinge"``; the same names in
  :class:`~gamedyn.games.DiracGAN` and :class:`~gamedyn.games.TorchGame`.
* **Regularisers** of the discriminator (:data:`GAN_REGULARISERS`): ``"r1"``, ``"r2"``,
  ``"gp"``.
* **Product modes** of matrix-free Jacobians (:data:`PRODUCT_MODES`), **eigen-solvers**
  (:data:`SOLVERS`), **BatchNorm statistics** (:data:`BATCHNORM`), **dtypes** (:data:`DTYPES`).

Example:
  >>> import numpy as np
  >>> select(np.array([1 + 2j, 1 - 2j, 3.0, -0.5j, 0.5j]), 2, "LI")
  array([1.+2.j, 1.-2.j])
  >>> gan_loss("standard")
  'saturating'
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "WHICH",
    "KRYLOV_WHICH",
    "HERMITIAN_WHICH",
    "GAN_LOSSES",
    "GAN_REGULARISERS",
    "PRODUCT_MODES",
    "ROUTES",
    "SOLVERS",
    "BATCHNORM",
    "DTYPES",
    "INTERVALS",
    "PRECISIONS",
]

WHICH = ("LM", "SM", "LR", "SR", "LI", "SI")
"""ARPACK's selection criteria for real non-symmetric operators (see the module docstring)."""

KRYLOV_WHICH = ("LM", "LR", "SR", "LI", "SI")
"""The criteria the Krylov solvers (Krylov–Schur, ARPACK without shift-invert) take."""

HERMITIAN_WHICH = ("LA", "SA", "LM", "SM", "BE")
"""ARPACK's criteria for symmetric/Hermitian operators (``scipy.sparse.linalg.eigsh``)."""

GAN_LOSSES = ("saturating", "non-saturating", "wgan", "hinge")
"""The GAN losses, by the generator's loss: the discriminator's is the same for all but WGAN."""

GAN_LOSS_ALIASES = {"standard": "saturating", "minimax": "saturating"}
"""Other names of the same losses."""

GAN_REGULARISERS = ("r1", "r2", "gp")
"""Penalties of the discriminator's loss: R1 (real data), R2 (fake data), WGAN-GP."""

PRODUCT_MODES = ("reverse", "forward", "linearize", "auto")
"""How a matrix-free ``J u`` is computed (:class:`gamedyn.spectrum.JacobianOperator`); ``"auto"``
(the default) picks ``"linearize"`` or ``"reverse"``."""

ROUTES = ("auto", "operator", "jacobian")
"""How :func:`gamedyn.spectrum.top_eigenvalues` finds an operator's eigenvalues: the operator's
own products, or Krylov–Schur on ``J`` mapped by the eigenvalue map
(``gamedyn.spectrum.KrylovSchur(route=...)``); ``"auto"`` takes the Jacobian route where it
holds."""

DEFAULT_PRODUCT_MODE = "auto"
"""The product mode of every matrix-free computation unless ``mode=`` says otherwise."""

LINEARIZE_MIN_SIZE = 50_000
"""``mode="auto"`` traces ``torch.func.linearize`` for operators of at least this many entries:
its one-time trace (2–4 s measured on MLP GANs of 47–2,003 parameters, where its products were
no faster than reverse mode's) pays back on conv GANs (1.7 M DCGAN: ``J u`` 2.0–2.3 plain
gradients against reverse mode's 2.6–3.0; issue 17)."""

SOLVERS = ("krylov-schur", "arpack")
"""Eigen-solvers of :func:`gamedyn.spectrum.top_eigenvalues`, by the ``name`` of their
configuration objects (:class:`gamedyn.spectrum.KrylovSchur`, :class:`gamedyn.spectrum.Arpack`)."""

BATCHNORM = ("batch", "running")
"""BatchNorm statistics in a :class:`~gamedyn.games.TorchGame`: the batch's, or the stored ones."""

DTYPES = ("float64", "float32")
"""Product dtypes: float64 (the validation mode, the default) or float32 (the fast mode)."""

INTERVALS = ("batch-means", "bootstrap")
"""Confidence intervals for the mean top-k across batches (:func:`gamedyn.analysis.interval`)."""

PRECISIONS = ("float64", "float32", "mixed")
"""The ``precision`` of a solver (:class:`gamedyn.spectrum.KrylovSchur`): the dtype its products
run in (``None``, the default: the game's); ``"mixed"``: float32 products refined in float64."""


def which_score(values: Any, which: str) -> np.ndarray:
    """The ``which`` criterion of each eigenvalue, larger = more wanted (ARPACK's meaning).

    Equal for the two members of a conjugate pair, so sorting by it never splits a pair.
    """
    values = np.asarray(values, dtype=complex)
    if which == "LM":
        return np.abs(values)
    if which == "SM":
        return -np.abs(values)
    if which == "LR":
        return values.real
    if which == "SR":
        return -values.real
    if which == "LI":
        return np.abs(values.imag)
    if which == "SI":
        return -np.abs(values.imag)
    raise ValueError(f"which must be one of {WHICH}, got {which!r}")


def select(values: Any, k: int, which: str) -> np.ndarray:
    """The ``k`` eigenvalues ARPACK's ``which`` picks from all of ``values``, most wanted first.

    Ties keep the order of ``values``; where the ``k``-th and ``(k+1)``-th values tie (a pair
    cut in two), the first ``k`` in that order are returned.
    """
    values = np.asarray(values, dtype=complex).ravel()
    order = np.argsort(-which_score(values, which), kind="stable")
    return values[order[:k]]


def gan_loss(name: Any) -> str:
    """The canonical name of a GAN loss (aliases such as ``"standard"`` resolved); checked."""
    canonical = GAN_LOSS_ALIASES.get(name, name) if isinstance(name, str) else name
    if canonical not in GAN_LOSSES:
        names = list(GAN_LOSSES) + list(GAN_LOSS_ALIASES)
        raise ValueError(f"unknown loss {name!r}; expected one of {names!r}")
    return canonical
