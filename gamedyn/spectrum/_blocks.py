"""Per-player analysis: the blocks of the game Jacobian, matrix-free.

With ``J = [[J_xx, J_xy], [J_yx, J_yy]]`` (``J_xx = ∇²_xx L_x`` and ``J_yy = ∇²_yy L_y`` the
players' own Hessians, symmetric; ``J_xy = ∇²_xy L_x`` and ``J_yx = ∇²_yx L_y`` the couplings):

* :func:`player_hessian_eigenvalues`: extreme eigenvalues of ``J_xx`` or ``J_yy`` (Lanczos,
  ``scipy.sparse.linalg.eigsh``) — is each player at a local minimum of its own loss?
* :func:`coupling_singular_values`: the largest singular values of ``J_xy`` (``svds``) — how
  strongly the players interact.
* :func:`schur_complement_eigenvalues`: eigenvalues of ``S = J_xx − J_xy J_yy⁻¹ J_yx``, the
  first player's Jacobian when the second responds optimally (Stackelberg / the implicit
  function theorem); each product solves with ``J_yy`` by GMRES.

Every block product is a masked product with the whole field's Jacobian (``J (u_x, 0)``, one
torch.func ``jvp``) or its transpose (``vjp``), so any :class:`~gamedyn.games.Game` works,
from the Dirac-GAN to a GAN checkpoint (``z=None``: the game's default point, e.g. a TorchGame's
parameters; products on the game's device). Results are sorted: Hessian eigenvalues and singular
values descending, Schur eigenvalues in gamedyn's order (see :mod:`gamedyn.spectrum`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigs, eigsh, gmres, svds

from .. import _validate
from ..backends._dense import TorchOps
from ..games._base import Game, point_or_default
from ..vocabulary import WHICH, select
from ._ordering import sort_eigenvalues

Tensor = torch.Tensor
PLAYERS = ("x", "y")

__all__ = [
    "player_hessian_eigenvalues",
    "coupling_singular_values",
    "schur_complement_eigenvalues",
    "blocks_report",
]


class _Blocks:
    """Block products ``J_pq u`` and ``J_pqᵀ u`` of one game at one point, on numpy vectors."""

    def __init__(self, game: Game, z: Any):
        self.game, self.ops = game, TorchOps(game)
        self.z = point_or_default(game, z)
        self.sizes = {"x": game.nx, "y": game.ny}

    def _embed(self, player: str, u: np.ndarray) -> Tensor:
        u = torch.as_tensor(np.asarray(u, dtype=float).ravel()).to(self.z)
        zeros = {p: self.z.new_zeros(n) for p, n in self.sizes.items()}
        zeros[player] = u
        return torch.cat([zeros["x"], zeros["y"]])

    def _part(self, player: str, w: Tensor) -> np.ndarray:
        x, y = self.game.split(w)
        return (x if player == "x" else y).detach().to("cpu", torch.float64).numpy()

    def product(self, row: str, col: str, u: np.ndarray) -> np.ndarray:
        """``J_{row,col} u``."""
        return self._part(row, self.ops.jvp(self.z, self._embed(col, u)))

    def transpose_product(self, row: str, col: str, w: np.ndarray) -> np.ndarray:
        """``J_{row,col}ᵀ w``."""
        return self._part(col, self.ops.vjp(self.z, self._embed(row, w)))

    def operator(self, row: str, col: str) -> LinearOperator:
        return LinearOperator(
            (self.sizes[row], self.sizes[col]),
            matvec=lambda u: self.product(row, col, u),
            rmatvec=lambda w: self.transpose_product(row, col, w),
            dtype=float,
        )


def _player(player: str) -> str:
    return _validate.choice("player", player, PLAYERS)


def _count(k: int, size: int, name: str = "k") -> int:
    k = _validate.integer_at_least(name, k, 1)
    if k > size:
        raise ValueError(f"{name} = {k} exceeds the block size {size}")
    return k


def _start(size: int) -> np.ndarray:
    """A fixed start vector (seed 0): the same result on every run and every rank of a
    :class:`~gamedyn.games.DistributedAveragedGame`, whose products are collectives."""
    return np.random.default_rng(0).standard_normal(size)


def _dense(op: LinearOperator) -> np.ndarray:
    return op.matmat(np.eye(op.shape[1]))


def player_hessian_eigenvalues(
    game: Game,
    player: str = "x",
    k: int = 6,
    which: str = "LA",
    *,
    z: Any = None,
    tol: float = 1e-10,
) -> np.ndarray:
    """``k`` extreme eigenvalues of a player's own Hessian block (``J_xx`` or ``J_yy``).

    ``which="LA"``: the largest (algebraic), ``"SA"``: the smallest, ``"BE"``: from both ends
    (as ARPACK: an odd one from the high end, so ``k = 1`` is the largest).
    Lanczos on the symmetrised block ``(B + Bᵀ)/2`` (the block is a Hessian; symmetrising only
    removes round-off); blocks of 2·k entries or fewer are materialised and solved densely.
    Returned in descending order.
    """
    player, blocks = _player(player), _Blocks(game, z)
    size = blocks.sizes[player]
    k = _count(k, size)
    which = _validate.choice("which", which, ("LA", "SA", "BE"))
    if which == "BE" and k == 1:  # ARPACK's BE takes the odd one from the high end
        which = "LA"
    block = blocks.operator(player, player)
    sym = LinearOperator(
        block.shape, matvec=lambda u: 0.5 * (block.matvec(u) + block.rmatvec(u)), dtype=float
    )
    if size <= max(2 * k, 8):
        values = np.linalg.eigvalsh(_dense(sym))
        low, high = k // 2, k - k // 2
        chosen = {"LA": values[-k:], "SA": values[:k], "BE": np.r_[values[:low], values[-high:]]}
        return np.sort(chosen[which])[::-1]
    values = eigsh(sym, k=k, which=which, tol=tol, v0=_start(size), return_eigenvectors=False)
    return np.sort(values)[::-1]


def coupling_singular_values(
    game: Game, k: int = 6, *, z: Any = None, tol: float = 1e-10
) -> np.ndarray:
    """The ``k`` largest singular values of the coupling ``J_xy = ∇²_xy L_x``, descending."""
    blocks = _Blocks(game, z)
    op = blocks.operator("x", "y")
    k = _count(k, min(op.shape))
    if min(op.shape) <= max(2 * k, 8):
        return np.linalg.svd(_dense(op), compute_uv=False)[:k]
    values = svds(op, k=k, tol=tol, v0=_start(min(op.shape)), return_singular_vectors=False)
    return np.sort(values)[::-1]


def schur_complement_eigenvalues(
    game: Game, k: int = 6, which: str = "LM", *, z: Any = None, tol: float = 1e-10
) -> np.ndarray:
    """``k`` eigenvalues of ``S = J_xx − J_xy J_yy⁻¹ J_yx`` (the second player eliminated).

    ``J_yy`` must be invertible (e.g. a discriminator at a strict local minimum of its loss).
    Each product solves ``J_yy w = J_yx u`` by GMRES to relative tolerance ``tol·1e-2``. Small
    first players are materialised and solved densely. ``which`` has ARPACK's meaning
    (:mod:`gamedyn.vocabulary`: ``"LI"``/``"SI"`` by the absolute imaginary part, conjugate
    pairs kept whole) on both paths. Sorted in gamedyn's order.
    """
    blocks = _Blocks(game, z)
    nx, ny = blocks.sizes["x"], blocks.sizes["y"]
    k = _count(k, nx)
    which = _validate.choice("which", which, WHICH)
    j_yy = blocks.operator("y", "y")

    def matvec(u: np.ndarray) -> np.ndarray:
        rhs = blocks.product("y", "x", u)
        w, info = gmres(j_yy, rhs, rtol=tol * 1e-2, atol=0.0, restart=min(ny, 200), maxiter=50)
        if info != 0:
            raise np.linalg.LinAlgError(f"GMRES with J_yy did not converge (info = {info})")
        return blocks.product("x", "x", u) - blocks.product("x", "y", w)

    op = LinearOperator((nx, nx), matvec=matvec, dtype=float)
    if nx <= max(2 * k + 1, 8):
        return sort_eigenvalues(select(np.linalg.eigvals(_dense(op)), k, which))
    values = eigs(op, k=k, which=which, tol=tol, v0=_start(nx), return_eigenvectors=False)
    return sort_eigenvalues(values)


def blocks_report(game: Any, k: int) -> dict[str, Any]:
    """The per-player analysis of ``game`` at its default point, as a JSON-ready dict: the
    ``k`` extreme eigenvalues (both ends, ``"BE"``) of each player's own Hessian, the ``k``
    largest singular values of the coupling ``J_xy``, and the ``k`` largest-modulus eigenvalues
    of the Schur complement ``J_xx − J_xy J_yy⁻¹ J_yx`` as ``[re, im]`` pairs (or, where
    ``J_yy`` is singular or the inner solve fails, ``"not computed: <why>"``).

    Example:
      >>> import numpy as np
      >>> from gamedyn.games import Quadratic
      >>> A, C = np.diag([1.0, 2, 3, 4, 5, 6]), np.diag([1.0, 1, 1, 1, 1, 7])
      >>> report = blocks_report(Quadratic(A, A, C, -C), 2)
      >>> np.round(report["generator_hessian"], 8).tolist()
      [6.0, 1.0]
      >>> np.round(report["coupling_singular_values"], 8).tolist()
      [7.0, 1.0]
    """
    result: dict[str, Any] = {
        "generator_hessian": player_hessian_eigenvalues(game, "x", k, "BE").tolist(),
        "discriminator_hessian": player_hessian_eigenvalues(game, "y", k, "BE").tolist(),
        "coupling_singular_values": coupling_singular_values(game, k).tolist(),
    }
    try:
        values = schur_complement_eigenvalues(game, k)
        result["schur_complement"] = [[float(w.real), float(w.imag)] for w in values]
    except (np.linalg.LinAlgError, ValueError) as err:  # J_yy singular or the solve failed
        result["schur_complement"] = f"not computed: {err}"
    return result
