"""Game-free numerical linear algebra: Krylov eigen-solvers, Lanczos and GMRES from products.

Everything here takes an operator as a function ``u ↦ A u`` (torch tensors, any device) or a
``scipy.sparse.linalg.LinearOperator``, and imports nothing of games or methods: numpy, scipy
and torch only. :mod:`gamedyn.spectrum` builds the operators (Jacobians of games and of update
rules) and calls these.

* Krylov–Schur (Stewart 2001) for ``k`` eigenvalues of a real non-symmetric operator by
  ARPACK's ``which`` (:func:`krylov_schur`, :class:`KrylovResult`, :class:`KrylovNoConvergence`),
  Arnoldi factorisations (:func:`arnoldi`, :class:`ArnoldiFactorisation`), true residuals of
  Ritz pairs with fresh products (:func:`ritz_residuals`).
* Lanczos for symmetric/Hermitian problems: :func:`hermitian_eigenvalues` (ARPACK ``eigsh``),
  :func:`inverse_lanczos` (``σ_min`` by Lanczos on an inverse), :func:`top_singular`
  (``‖B‖₂`` by Lanczos on ``BᵀB``).
* GMRES (:func:`gmres`, a fixed number of steps, differentiable by torch.func;
  :func:`gmres_to_tolerance`, eager, to a relative residual): the implicit solves of
  :class:`gamedyn.backends.MatrixFreeOps`.
* Mixed precision (:func:`mixed_precision_eigs`, :class:`MixedResult`): Krylov–Schur with cheap
  float32 products to about 1e-6, then Krylov–Schur on the deflated operator
  ``AQQᵀ + A₃₂(I − QQᵀ)`` (float32 products, ``A Q`` in float64) to ``tol``, checked by true
  float64 residuals: about ``2k`` float64 products in all (a float64 fallback where that fails).
* The action of the exponential, ``e^{−sA} u``, by Arnoldi (:func:`expm_apply`).
* :class:`NoConvergence` (a ``ValueError``): a solver stopped early; it carries the best
  estimates so far.

Example:
  >>> import numpy as np, torch
  >>> A = torch.diag(torch.tensor([3.0, -2.0, 1.0, 0.5, 0.25], dtype=torch.float64))
  >>> r = krylov_schur(lambda u: A @ u, 5, 2, "LM")
  >>> np.round(r.values.real, 10).tolist()
  [3.0, -2.0]
"""

from ._gmres import gmres, gmres_to_tolerance

# Names imported here but not in ``__all__`` are the package's own (its modules, tests).
from ._krylov import (  # noqa: F401
    MAX_RESTARTS,
    ArnoldiFactorisation,
    KrylovNoConvergence,
    KrylovResult,
    NoConvergence,
    arnoldi,
    check_k,
    krylov_schur,
    ritz_residuals,
)
from ._krylov_expm import (
    ExpmResult,  # noqa: F401
    ExpmSpace,  # noqa: F401  (the package's own: the flow's transient)
    KrylovExpmNoConvergence,
    expm_apply,
    expm_block,  # noqa: F401  (the package's own: the flow's transient)
    expm_times,  # noqa: F401
)
from ._lanczos import (
    hermitian_eigenvalues,
    inverse_lanczos,
    symmetric_part_lowest,  # noqa: F401  (the package's own: the flow's transient)
    top_singular,
    tridiagonal_top,  # noqa: F401
)
from ._mixed_precision import (  # noqa: F401
    LOW_RESTARTS,
    LOW_TOL,
    MixedResult,
    default_ncv,  # the package's own: the game Jacobian's default basis too
    mixed_precision_eigs,
)

__all__ = [
    "krylov_schur",
    "KrylovNoConvergence",
    "arnoldi",
    "ritz_residuals",
    "NoConvergence",
    "hermitian_eigenvalues",
    "inverse_lanczos",
    "top_singular",
    "gmres",
    "gmres_to_tolerance",
    "mixed_precision_eigs",
    "expm_apply",
    "KrylovExpmNoConvergence",
]
