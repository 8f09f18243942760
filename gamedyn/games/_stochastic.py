"""Stochastic games: a field ``v(z; ξ)`` whose expectation over the sample ``ξ`` is a game's.

A :class:`StochasticGame` holds its **mean game** (:attr:`StochasticGame.mean`, a
:class:`~gamedyn.games.Game`: ``E_ξ v(z; ξ) = v̄(z)``), draws samples from a seeded
``torch.Generator`` (:meth:`StochasticGame.sample`) and evaluates the field of one sample
(:meth:`StochasticGame.field`). One sample is what one gradient evaluation sees: a minibatch.
The runs of :mod:`gamedyn.stochastic` draw a fresh sample for every field evaluation a method
makes.

* :class:`AdditiveNoise` — ``v(z; ξ) = v̄(z) + ξ``, ``ξ ~ N(0, Σ)``, on any game;
* :class:`FiniteSum` — ``v̄ = (1/N) Σ_i v_i`` over ``N`` games, a sample being a minibatch of
  ``batch_size`` indices drawn uniformly *with replacement* (so its covariance is the
  per-sample covariance divided by ``batch_size``); :func:`finite_sum_bilinear` is the
  variational-inequality seed's ``(1/N) Σ_i (xᵀM_i y + xᵀa_i + yᵀb_i)``, whose mean game is a
  :class:`~gamedyn.games.Bilinear`, and :func:`finite_sum_quadratic` its quadratic analogue;
* :class:`MinibatchGame` — a :class:`~gamedyn.games.TorchGame` over a data set: each sample a
  minibatch of (real, latent) rows (with replacement), the mean game the full-data game.

Samples are tensors whose first dimension indexes independent samples, so many runs draw theirs
at once; ``vectorised`` says whether :meth:`StochasticGame.field` may be batched by
``torch.func.vmap`` over ``z`` and the sample (the additive and finite-sum games: yes; a
``TorchGame`` minibatch: no, it is looped).

Example:
  >>> import torch
  >>> from gamedyn.games import Bilinear
  >>> noisy = AdditiveNoise(Bilinear([[1.0]]), 0.25)
  >>> xi = noisy.sample(torch.Generator().manual_seed(0), 100000)
  >>> round(float(xi.var(dim=0).mean()), 2)
  0.25
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .. import _validate
from ._averaged import AveragedGame
from ._base import Game, Tensor
from ._quadratic import Bilinear, Quadratic

__all__ = [
    "StochasticGame",
    "AdditiveNoise",
    "FiniteSum",
    "finite_sum_bilinear",
    "finite_sum_quadratic",
    "seed_bilinear",
    "MinibatchGame",
]


class StochasticGame:
    """A field ``v(z; ξ)`` with ``E_ξ v(z; ξ) = mean.field(z)`` (see the module docstring)."""

    mean: Game
    vectorised: bool = True

    @property
    def nx(self) -> int:
        return self.mean.nx

    @property
    def ny(self) -> int:
        return self.mean.ny

    @property
    def n(self) -> int:
        return self.mean.n

    def sample(self, generator: torch.Generator, count: int) -> Tensor:
        """``count`` independent samples, stacked along the first dimension."""
        raise NotImplementedError

    def field(self, z: Tensor, sample: Tensor) -> Tensor:
        """The field of one sample at ``z``."""
        raise NotImplementedError

    def noise_covariance(self, z: Any = None) -> Tensor:
        """``Cov_ξ v(z; ξ)``, ``n × n``, of one gradient evaluation at ``z`` (default: the mean
        game's default point)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.mean!r})"


def covariance_matrix(name: str, value: Any, n: int) -> Tensor:
    """A symmetric positive semi-definite ``n × n`` float64 matrix from a matrix or a number
    ``σ²`` (``σ² I``); checked."""
    if _is_scalar(value):  # a number, a numpy scalar, a 0-d array or tensor: σ² I
        variance = _validate.real_scalar(name, value)
        if variance < 0:
            raise ValueError(f"{name} must be a variance >= 0, got {value!r}")
        return variance * torch.eye(n, dtype=_validate.DTYPE)
    cov = _validate.matrix(name, value, (n, n))
    if not torch.allclose(cov, cov.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"{name} must be symmetric (a covariance), got {cov.tolist()!r}")
    smallest = float(torch.linalg.eigvalsh(cov)[0])
    if smallest < -1e-10 * max(1.0, float(cov.abs().max())):
        raise ValueError(
            f"{name} must be positive semi-definite, its least eigenvalue is {smallest}"
        )
    return cov


def _is_scalar(value: Any) -> bool:
    """A real number in any of its forms (``bool`` and complex excluded: refused later)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Real):
        return True
    if isinstance(value, (np.ndarray, torch.Tensor, np.generic)):
        return np.ndim(value) == 0 and not np.iscomplexobj(np.asarray(value))
    return False


def _square_root(cov: Tensor) -> Tensor:
    """An ``L`` with ``L Lᵀ = cov`` (from the eigendecomposition: semi-definite allowed)."""
    w, V = torch.linalg.eigh(cov)
    return V * w.clamp(min=0).sqrt()


class AdditiveNoise(StochasticGame):
    """``v(z; ξ) = game.field(z) + ξ`` with ``ξ ~ N(0, Σ)`` independent of ``z``.

    Args:
      game: the mean game (any :class:`~gamedyn.games.Game`).
      cov: ``Σ``, an ``n × n`` positive semi-definite matrix, or a number ``σ²`` for ``σ² I``.
    """

    def __init__(self, game: Game, cov: Any):
        if not isinstance(game, Game):
            raise TypeError(f"game must be a gamedyn Game, got {type(game).__name__}")
        self.mean = game
        self.cov = covariance_matrix("cov", cov, game.n)
        self._root = _square_root(self.cov)

    def sample(self, generator: torch.Generator, count: int) -> Tensor:
        count = _validate.integer_at_least("count", count, 0)
        e = torch.randn(count, self.n, generator=generator, dtype=self.cov.dtype)
        return e @ self._root.T

    def field(self, z: Tensor, sample: Tensor) -> Tensor:
        return self.mean.field(z) + sample

    def noise_covariance(self, z: Any = None) -> Tensor:
        return self.cov.clone()


class FiniteSum(StochasticGame):
    """``v̄(z) = (1/N) Σ_i v_i(z)``; a sample is a minibatch of indices (with replacement).

    A sample is stored as its weights ``w`` (``w_i`` = how often index ``i`` was drawn, over
    ``batch_size``), so ``v(z; w) = Σ_i w_i v_i(z)`` is linear in the sample and batches under
    ``vmap``; ``Cov v(z; w) = (1/batch_size) · (1/N) Σ_i (v_i − v̄)(v_i − v̄)ᵀ``.

    Args:
      games: the ``N`` games (the same players).
      batch_size: indices per sample (``≥ 1``).
    """

    def __init__(self, games: Sequence[Game], batch_size: int = 1):
        self.games = list(games)
        for i, g in enumerate(self.games):
            if not isinstance(g, Game):
                raise TypeError(f"games[{i}] must be a gamedyn Game, got {type(g).__name__}")
            if (g.nx, g.ny) != (self.games[0].nx, self.games[0].ny):
                raise ValueError(
                    f"games[{i}] has (nx, ny) = ({g.nx}, {g.ny}), games[0] has "
                    f"({self.games[0].nx}, {self.games[0].ny}): a finite sum shares its players"
                )
        self.mean = _mean_game(self.games)
        self.batch_size = _validate.integer_at_least("batch_size", batch_size, 1)

    def sample(self, generator: torch.Generator, count: int) -> Tensor:
        count = _validate.integer_at_least("count", count, 0)
        N = len(self.games)
        idx = torch.randint(N, (count, self.batch_size), generator=generator)
        w = torch.zeros(count, N, dtype=_validate.DTYPE)
        w.scatter_add_(1, idx, torch.ones(count, self.batch_size, dtype=_validate.DTYPE))
        return w / self.batch_size

    def fields(self, z: Tensor) -> Tensor:
        """The ``N × n`` matrix of the games' fields at ``z``."""
        return torch.stack([g.field(z) for g in self.games])

    def field(self, z: Tensor, sample: Tensor) -> Tensor:
        return sample @ self.fields(z)

    def noise_covariance(self, z: Any = None) -> Tensor:
        z = self.mean.default_point() if z is None else self.mean.point(z)
        with torch.no_grad():
            centred = self.fields(z) - self.mean.field(z)
        return centred.T @ centred / (len(self.games) * self.batch_size)

    def __repr__(self) -> str:
        return f"FiniteSum({len(self.games)} games, batch_size={self.batch_size})"


def _mean_game(games: list[Game]) -> Game:
    """The average game: a ``Bilinear``/``Quadratic`` with the averaged coefficients when all
    are, else an :class:`~gamedyn.games.AveragedGame`."""
    if not games:
        raise ValueError("games must hold at least one game, got none")
    if all(type(g) is Bilinear for g in games):
        return Bilinear(
            torch.stack([g.A for g in games]).mean(0),
            torch.stack([g.b_x for g in games]).mean(0),
            torch.stack([g.c_y for g in games]).mean(0),
        )
    if all(isinstance(g, Quadratic) for g in games):
        names = ("Axx", "Ayy", "Axy", "Ayx", "bx", "by")
        return Quadratic(*(torch.stack([getattr(g, k) for g in games]).mean(0) for k in names))
    return AveragedGame(games)


def finite_sum_bilinear(M: Any, a: Any = None, b: Any = None, batch_size: int = 1) -> FiniteSum:
    """The finite-sum bilinear game ``(1/N) Σ_i (xᵀM_i y + xᵀa_i + yᵀb_i)``, ``L_y = −L_x``.

    Args:
      M: ``N × nx × ny``; a: ``N × nx``; b: ``N × ny`` (default zero).
      batch_size: indices per sample.

    Its mean game is ``Bilinear(mean M, mean a, mean b)``.
    """
    M = torch.as_tensor(M, dtype=_validate.DTYPE)
    if M.ndim != 3:
        raise ValueError(f"M must be N x nx x ny, got shape {tuple(M.shape)}")
    N, nx, ny = M.shape
    a = torch.zeros(N, nx, dtype=M.dtype) if a is None else torch.as_tensor(a, dtype=M.dtype)
    b = torch.zeros(N, ny, dtype=M.dtype) if b is None else torch.as_tensor(b, dtype=M.dtype)
    if a.shape != (N, nx) or b.shape != (N, ny):
        raise ValueError(
            f"a must be {N} x {nx} and b {N} x {ny}, got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return FiniteSum([Bilinear(M[i], a[i], b[i]) for i in range(N)], batch_size)


def finite_sum_quadratic(games: Sequence[Quadratic], batch_size: int = 1) -> FiniteSum:
    """The finite sum of quadratic games; its mean game is the ``Quadratic`` of the averaged
    coefficients."""
    games = list(games)
    for i, g in enumerate(games):
        if not isinstance(g, Quadratic):
            raise TypeError(f"games[{i}] must be a Quadratic, got {type(g).__name__}")
    return FiniteSum(games, batch_size)


def seed_bilinear(d: int, seed: int = 0, batch_size: int = 1) -> FiniteSum:
    """The variational-inequality seed's experiment: ``N = d`` samples, ``M_i = e_i e_iᵀ``
    (``[M_i]_kl = δ_kli``), ``a_i, b_i ~ N(0, I/d)``; the mean game is ``Bilinear(I/d, ā, b̄)``.

    Gidel, Berard, Vignoud, Vincent and Lacoste-Julien, ICLR 2019, §7.1 (there ``d = 100``).
    """
    d = _validate.integer_at_least("d", d, 1)
    g = torch.Generator().manual_seed(_validate.seed("seed", seed))
    M = torch.zeros(d, d, d, dtype=_validate.DTYPE)
    idx = torch.arange(d)
    M[idx, idx, idx] = 1.0
    a = torch.randn(d, d, generator=g, dtype=_validate.DTYPE) / d**0.5
    b = torch.randn(d, d, generator=g, dtype=_validate.DTYPE) / d**0.5
    return finite_sum_bilinear(M, a, b, batch_size)


class MinibatchGame(StochasticGame):
    """A :class:`~gamedyn.games.TorchGame` over a data set: a sample is a minibatch of rows.

    A sample is ``batch_size`` row indices drawn uniformly with replacement; its field is the
    game on ``(real[idx], latent[idx])`` (:meth:`~gamedyn.games.TorchGame.with_batch`, the
    players shared). The mean game is the game on the whole data set (for losses that are means
    over the batch, the expectation of a minibatch's field; with ``batchnorm="batch"`` the
    batch statistics make it only approximately so). Not vectorised: runs loop over samples.

    Args:
      game: a ``TorchGame`` (its own batch is not used).
      real, latent: the data set, the same number of rows.
      batch_size: rows per sample.
    """

    vectorised = False

    def __init__(self, game: Any, real: Any, latent: Any, batch_size: int):
        from ._torch_game import TorchGame

        if not isinstance(game, TorchGame):
            raise TypeError(f"game must be a TorchGame, got {type(game).__name__}")
        self.game = game
        self.real = torch.as_tensor(real)
        self.latent = torch.as_tensor(latent)
        if self.real.shape[0] != self.latent.shape[0] or self.real.shape[0] == 0:
            raise ValueError(
                f"real and latent need the same number of rows (> 0), got {self.real.shape[0]} "
                f"and {self.latent.shape[0]}"
            )
        self.batch_size = _validate.integer_at_least("batch_size", batch_size, 1)
        self.mean = game.with_batch(self.real, self.latent)

    def sample(self, generator: torch.Generator, count: int) -> Tensor:
        count = _validate.integer_at_least("count", count, 0)
        return torch.randint(self.real.shape[0], (count, self.batch_size), generator=generator)

    def batch(self, sample: Tensor) -> Any:
        """The ``TorchGame`` on one sample's rows."""
        return self.game.with_batch(self.real[sample], self.latent[sample])

    def field(self, z: Tensor, sample: Tensor) -> Tensor:
        return self.batch(sample).field(z)

    def noise_covariance(self, z: Any = None) -> Tensor:
        """Per-row covariance of the field over the data set, over ``batch_size`` (each row's
        field is the game on that one row: exact for losses that are means over the batch and
        no batch statistics)."""
        z = self.mean.default_point() if z is None else self.mean.point(z)
        with torch.no_grad():
            rows = torch.stack(
                [
                    self.game.with_batch(self.real[i : i + 1], self.latent[i : i + 1]).field(z)
                    for i in range(self.real.shape[0])
                ]
            )
        centred = rows - rows.mean(0)
        return centred.T @ centred / (rows.shape[0] * self.batch_size)

    def __repr__(self) -> str:
        return f"MinibatchGame({self.real.shape[0]} rows, batch_size={self.batch_size})"
