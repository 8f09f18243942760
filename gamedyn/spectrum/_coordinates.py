"""Changes of coordinates of an operator Jacobian: the same operator, the same eigenvalues.

A method that remembers a function of its previous iterate can store either that function's
value or the previous iterate itself. Optimistic GDA (:class:`~gamedyn.methods.OptimisticGDA`)
stores its previous update ``u_{t−1} = η v(z_{t−1})``, on the state ``(z_t, u_{t−1})``; many
papers write it on ``(z_t, z_{t−1})``. The two are one operator in two coordinate systems:
:func:`previous_iterate_coordinates` turns the Jacobian in the first into the Jacobian in the
second.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["previous_iterate_coordinates"]


def previous_iterate_coordinates(jacobian: Any, atol: float = 0.0) -> np.ndarray:
    """The Jacobian on ``(z_t, z_{t−1})`` of a method whose state is ``(z_t, g(z_{t−1}))``.

    A step ``(z, s) ↦ (F(z, s), g(z))`` — its memory ``s`` a function ``g`` of the iterate alone,
    as optimistic GDA's previous update ``g(z) = η v(z)`` — has the Jacobian
    ``M = [[A, B], [C, 0]]`` with ``A = ∂F/∂z``, ``B = ∂F/∂s``, ``C = g'(z)``. Written on
    ``(z_t, z_{t−1})`` the same operator is ``(z, z') ↦ (F(z, g(z')), z)``, whose Jacobian is

    ``[[A, B C], [I, 0]]``

    (``C`` taken at the previous iterate, which at a fixed point — or at the state a run starts
    from, ``z_{−1} = z_0`` — is the same point). Both matrices have the characteristic polynomial
    ``det(μ² I − μ A − B C)``: the same eigenvalues with the same multiplicities, whether or not
    ``C`` is invertible (where it is, they are similar through ``diag(I, C)``).

    Args:
      jacobian: the ``2n × 2n`` Jacobian ``M`` on ``(z_t, g(z_{t−1}))`` (a numpy array).
      atol: the largest entry allowed in the block ``∂s⁺/∂s``, which must vanish (the memory
        is refreshed from the iterate at every step).

    Returns:
      The ``2n × 2n`` Jacobian on ``(z_t, z_{t−1})``.

    Raises:
      ValueError: ``jacobian`` is not square of even size, or its block ``∂s⁺/∂s`` is not zero
        (the memory is not a function of the iterate alone).

    Example (optimistic GDA on ``v(z) = λ z``: ``A = 1 − 2ηλ``, ``B = 1``, ``C = ηλ``):
      >>> import numpy as np
      >>> eta, lam = 0.1, 2.0
      >>> M = np.array([[1 - 2 * eta * lam, 1.0], [eta * lam, 0.0]])
      >>> previous_iterate_coordinates(M)
      array([[0.6, 0.2],
             [1. , 0. ]])
    """
    M = np.asarray(jacobian)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] % 2:
        raise ValueError(f"jacobian must be square of even size 2n, got shape {M.shape}")
    n = M.shape[0] // 2
    A, B, C, D = M[:n, :n], M[:n, n:], M[n:, :n], M[n:, n:]
    if D.size and np.abs(D).max() > atol:
        raise ValueError(
            f"the memory's block of jacobian is not zero (largest entry {np.abs(D).max():.3g} > "
            f"atol = {atol}): its second half is not a function of the iterate alone"
        )
    out = np.zeros_like(M)
    out[:n, :n] = A
    out[:n, n:] = B @ C
    out[n:, :n] = np.eye(n, dtype=M.dtype)
    return out
