"""Spectra of games and update operators.

* Dense (:mod:`.dense`): ``jacfwd`` through the field and through each method's step.
* Symbolic (:mod:`.symbolic`): the same steps on sympy matrices; eigenvalue maps ``μ(λ)``.
* Matrix-free (:mod:`.matrix_free`, :mod:`.krylov`): ``jvp``/``vjp`` products, Krylov.
* Per-player blocks (:mod:`.blocks`): own-Hessian eigenvalues, couplings, Schur complements.
"""

from .dense import (
    eigenvalues,
    game_jacobian,
    operator_jacobian,
    sort_eigenvalues,
    spectral_radius,
    step_map,
)
from .krylov import KrylovNoConvergence, KrylovResult, krylov_schur
from .matrix_free import (
    MatrixFreeOps,
    NoConvergence,
    antisymmetric_part_eigenvalues,
    jacobian_operator,
    symmetric_part_eigenvalues,
    top_eigenvalues,
)
from .symbolic import (
    bilinear_rates,
    characteristic_polynomial,
    eigenvalue_map,
    latex,
    operator_jacobian_symbolic,
)

__all__ = [
    "game_jacobian",
    "operator_jacobian",
    "eigenvalues",
    "spectral_radius",
    "sort_eigenvalues",
    "step_map",
    "eigenvalue_map",
    "characteristic_polynomial",
    "operator_jacobian_symbolic",
    "bilinear_rates",
    "latex",
    "krylov_schur",
    "KrylovResult",
    "KrylovNoConvergence",
    "MatrixFreeOps",
    "NoConvergence",
    "jacobian_operator",
    "top_eigenvalues",
    "symmetric_part_eigenvalues",
    "antisymmetric_part_eigenvalues",
]
