"""Shared test helpers: random games and finite differences (independent of gamedyn's autograd)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gamedyn.games import Bilinear, Quadratic


def central_jacobian(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """``∂f/∂x`` by central differences on float64 numpy input (``f`` returns a 1-D array)."""
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(cols, axis=1)


def central_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """``∇f`` of a scalar function by central differences."""
    return central_jacobian(lambda p: np.atleast_1d(f(p)), x, h)[0]


def tensor(x) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=float), dtype=torch.float64)


def random_bilinear(seed: int, nx: int = 2, ny: int = 2, linear: bool = False) -> Bilinear:
    """A bilinear game with well-separated singular values ``1`` and ``0.5`` (for ``2 × 2``)."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((nx, nx)))
    w, _ = np.linalg.qr(rng.standard_normal((ny, ny)))
    s = np.zeros((nx, ny))
    np.fill_diagonal(s, np.linspace(1.0, 0.5, min(nx, ny)))
    A = u @ s @ w.T
    if linear:
        return Bilinear(A, rng.standard_normal(nx), rng.standard_normal(ny))
    return Bilinear(A)


def random_quadratic(seed: int, nx: int = 2, ny: int = 2, linear: bool = False) -> Quadratic:
    """A general-sum quadratic game with a non-normal Jacobian whose eigenvalues lie in Re > 0."""
    rng = np.random.default_rng(seed)
    Px = rng.standard_normal((nx, nx))
    Py = rng.standard_normal((ny, ny))
    Axx = 0.3 * Px @ Px.T / nx + 0.2 * np.eye(nx)
    Ayy = 0.3 * Py @ Py.T / ny + 0.2 * np.eye(ny)
    Axy = rng.standard_normal((nx, ny))
    Ayx = -Axy.T + 0.3 * rng.standard_normal((ny, nx))
    bx, by = (rng.standard_normal(nx), rng.standard_normal(ny)) if linear else (None, None)
    return Quadratic(Axx, Ayy, Axy, Ayx, bx, by)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
