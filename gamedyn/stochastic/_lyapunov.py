"""The discrete Lyapunov equation ``C = T C Tᵀ + Q`` by doubling (Smith's iteration).

``C = Σ_{t≥0} Tᵗ Q (Tᵗ)ᵀ`` for ``ρ(T) < 1``: with ``A_0 = T``, ``C_0 = Q``,
``C_{j+1} = C_j + A_j C_j A_jᵀ``, ``A_{j+1} = A_j²``, ``C_j`` sums the first ``2ʲ`` terms, so
``j`` iterations reach ``ρ^{2^{j+1}}``. Written apart from scipy's Schur-based
``solve_discrete_lyapunov``, which the tests use as the independent computation.

Example:
  >>> import numpy as np
  >>> float(solve_lyapunov(np.array([[0.5]]), np.array([[3.0]]))[0, 0])  # 3 / (1 − 0.25)
  4.0
"""

from __future__ import annotations

import numpy as np

__all__ = ["solve_lyapunov", "RHO_TOL"]

RHO_TOL = 1e-8
"""How close to 1 a spectral radius may come: at ``ρ ≥ 1 − RHO_TOL`` the solution, of size
``~ 1/(1 − ρ²)``, is above ``10⁸`` times the injected noise and the computed ``ρ`` cannot tell
``ρ < 1`` from ``ρ = 1`` (an eigenvalue on the unit circle, e.g. alternating GDA on ``x·y``, is
computed as ``1 ± 1e-16``): refused rather than returned as a huge number."""


def solve_lyapunov(T: np.ndarray, Q: np.ndarray, max_doublings: int = 60) -> np.ndarray:
    """The ``C`` with ``C = T C Tᵀ + Q`` (``ρ(T) < 1 − RHO_TOL`` required: ``ValueError``
    otherwise, naming ``ρ``)."""
    T, Q = np.asarray(T, dtype=float), np.asarray(Q, dtype=float)
    if T.ndim != 2 or T.shape[0] != T.shape[1] or Q.shape != T.shape:
        raise ValueError(f"T and Q must be square of the same size, got {T.shape} and {Q.shape}")
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(Q))):
        raise ValueError("T and Q must be finite (nan or inf entries)")
    rho = float(np.max(np.abs(np.linalg.eigvals(T)))) if T.size else 0.0
    if not rho < 1 - RHO_TOL:
        relation = ">= 1" if rho >= 1 else f"within {RHO_TOL:g} of 1"
        raise ValueError(
            f"the operator has spectral radius {rho:.15g} ({relation}): the iterates have no "
            "stationary covariance (the noise accumulates without bound, or so slowly that "
            "the answer would be meaningless); use mse_curve for a finite horizon"
        )
    C, A = Q.copy(), T.copy()
    for _ in range(max_doublings):
        increment = A @ C @ A.T
        C = C + increment
        A = A @ A
        if np.abs(increment).max() <= 1e-17 * max(1.0, np.abs(C).max()):
            break
    return 0.5 * (C + C.T)
