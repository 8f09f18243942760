"""Helpers the test files share: finite differences (independent of gamedyn's autograd), random
games, a tiny GAN factory, and sympy references.

Imported as ``from helpers import ...`` (``tests/`` is on ``sys.path`` under pytest's default
rootdir-based import: it has no ``__init__.py``). sympy is imported only inside the functions
that need it, so importing this module stays cheap.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from gamedyn.games import Bilinear, FunctionGame, Game, Quadratic, TorchGame
from gamedyn.methods import (
    CGD,
    GDA,
    LEAD,
    LOLA,
    SGA,
    AltGDA,
    Consensus,
    ExtraGradient,
    HamiltonianGD,
    Lookahead,
    Method,
    Momentum,
    OptimisticGDA,
)

# --- finite differences -----------------------------------------------------------------------


def central_jacobian(f: Callable[[Any], Any], x: Any, h: float = 1e-6) -> Any:
    """``∂f/∂x`` by central differences, column ``i`` = ``(f(x + h eᵢ) − f(x − h eᵢ)) / 2h``.

    numpy input (converted to float64): ``f`` returns a 1-D array and so does the result's every
    column (a numpy array). A torch tensor: ``f`` returns a 1-D tensor and the result is a tensor
    in ``x``'s dtype.
    """
    if isinstance(x, torch.Tensor):
        eye = torch.eye(x.shape[0], dtype=x.dtype)
        return torch.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in eye], dim=1)
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(cols, axis=1)


def central_gradient(f: Callable[[Any], Any], x: Any, h: float = 1e-6) -> Any:
    """``∇f`` of a scalar function by central differences (numpy or torch, as
    :func:`central_jacobian`)."""
    if isinstance(x, torch.Tensor):
        return central_jacobian(lambda p: f(p).reshape(1), x, h)[0]
    return central_jacobian(lambda p: np.atleast_1d(f(p)), x, h)[0]


def tensor(x: Any) -> torch.Tensor:
    """``x`` as a float64 torch tensor."""
    return torch.as_tensor(np.asarray(x, dtype=float), dtype=torch.float64)


def spectrum_distance(values: Any, dense: Any) -> float:
    """The largest distance from one of ``values`` to the nearest eigenvalue in ``dense``."""
    dense = np.asarray(dense)
    return max(float(np.abs(dense - w).min()) for w in np.ravel(values))


# --- random games -----------------------------------------------------------------------------


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


def normal_game(a: Any, sigma: Any, seed: int = 0) -> Quadratic:
    """A quadratic game with normal ``J`` and eigenvalues ``a_j ± iσ_j`` (``J`` real).

    In the bases ``U`` (first player) and ``W`` (second), the first two draws of
    ``default_rng(seed)``, ``J`` is ``[[diag a, diag σ], [−diag σ, diag a]]``, an orthogonal sum
    of ``2 × 2`` blocks ``a I + σ [[0, 1], [−1, 0]]``.
    """
    a, sigma = np.atleast_1d(a).astype(float), np.atleast_1d(sigma).astype(float)
    rng = np.random.default_rng(seed)
    m = a.size
    U, _ = np.linalg.qr(rng.standard_normal((m, m)))
    W, _ = np.linalg.qr(rng.standard_normal((m, m)))
    Axx, Ayy = U @ np.diag(a) @ U.T, W @ np.diag(a) @ W.T
    Axy = U @ np.diag(sigma) @ W.T
    return Quadratic((Axx + Axx.T) / 2, (Ayy + Ayy.T) / 2, Axy, -Axy.T)


def every_operator(lr: Any, b: Any, a: Any, g: Any) -> list[Method]:
    """Every operator, augmented and lookahead ones included; ``b`` enters as negative momentum.

    The hyperparameters may be numbers or sympy symbols (step size ``lr``, momentum ``b``,
    lookahead ``a``, consensus ``g``; ``g`` is also SGA's ``λ``, ``a`` LOLA's, SOS's and LEAD's
    ``α``). ACGD is left out (its entrywise step sizes have no symbolic form), and so is SOS:
    with symbolic hyperparameters its ``p`` is a nest of step functions whose expansion takes
    tens of seconds (its exact Jacobians with numbers: tests/test_spectrum_symbolic.py).
    """
    return [
        GDA(lr),
        AltGDA(lr),
        ExtraGradient(lr),
        OptimisticGDA(lr),
        Momentum(lr, -b),
        Momentum(lr, -b, alternating=True),
        Lookahead(ExtraGradient(lr), k=3, alpha=a),
        Lookahead(Momentum(lr, b), k=2, alpha=a),
        Lookahead(OptimisticGDA(lr), k=2, alpha=a),
        Consensus(lr, g),
        CGD(lr),
        HamiltonianGD(lr),
        SGA(lr, g),
        SGA(lr, g, align=True),
        LOLA(lr, a),
        LEAD(lr, b, a),
    ]


# --- a general-sum polynomial game and its derivatives, independent of gamedyn -----------------


def cubic_losses(x0: Any, x1: Any, y0: Any, y1: Any) -> tuple[Any, Any]:
    """A general-sum cubic game in plain arithmetic (:class:`CubicGame` evaluates it on sympy
    symbols and builds the torch losses from the resulting polynomials).

    Each loss has terms in the other player's variables alone, which the field does not see and
    opponent shaping (``∇_y L_x``, ``∇_x L_y``) does.
    """
    loss_x = (
        x0 * x0 * y0
        + 0.5 * x0 * x0
        + 0.4 * x1 * x1
        + x0 * x1 * y1
        + 0.3 * x1 * x1 * x1
        + x0 * y1
        + 0.5 * x1 * y0
        + 0.2 * y0 * y1
        + 0.1 * y0 * y0 * y1
    )
    loss_y = (
        0.3 * y0 * y0
        + y0 * y1 * x1
        + 0.6 * y1 * y1
        - x0 * y1
        - 0.5 * x1 * y0
        + 0.4 * x0 * y0
        + 0.2 * y0 * y0 * y0
        + x0 * x0 * y1
        + 0.3 * x0 * x1
        + 0.2 * x0 * x0 * x1
    )
    return loss_x, loss_y


class CubicGame:
    """:func:`cubic_losses` as a gamedyn game (``torch``, a :class:`FunctionGame`), a
    ``SymbolicGame`` (``sympy``) and numpy derivatives lambdified from sympy (the references).

    ``gradients(z)`` → ``(∇L_x, ∇L_y)`` (length 4 each, laid out like ``z``); ``hessians(z)`` →
    their ``4 × 4`` Hessians; ``field(z)`` and ``jacobian(z)`` are assembled from them here.
    With ``zero_sum``, ``L_y = −L_x``.
    """

    nx = ny = 2

    def __init__(self, zero_sum: bool = False) -> None:
        import sympy as sp

        from gamedyn.games import SymbolicGame

        symbols = sp.symbols("x0 x1 y0 y1", real=True)
        losses = [sp.expand(sp.nsimplify(loss)) for loss in cubic_losses(*symbols)]
        if zero_sum:
            losses[1] = -losses[0]
        self.sympy = SymbolicGame(list(symbols[:2]), list(symbols[2:]), *losses)
        gradients = [[sp.diff(loss, s) for s in symbols] for loss in losses]
        hessians = [[[sp.diff(g, s) for s in symbols] for g in grad] for grad in gradients]
        self._gradients = sp.lambdify(symbols, gradients, modules="numpy")
        self._hessians = sp.lambdify(symbols, hessians, modules="numpy")

        # the torch losses as forms zᵀQz + Σ T_ijk z_i z_j z_k (the same polynomials, a few
        # vectorised operations: torch.func's products of them stay fast)
        forms = [_cubic_forms(sp.Poly(loss, *symbols)) for loss in losses]

        def loss(i: int) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
            Q, T = forms[i]

            def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
                z = torch.cat([x, y])
                return z @ Q @ z + torch.einsum("ijk,i,j,k->", T, z, z, z)

            return value

        self.torch = FunctionGame(loss(0), loss(1), 2, 2)

    def gradients(self, z: Any) -> tuple[np.ndarray, np.ndarray]:
        gx, gy = self._gradients(*np.asarray(z, dtype=float))
        return np.array(gx, dtype=float), np.array(gy, dtype=float)

    def hessians(self, z: Any) -> tuple[np.ndarray, np.ndarray]:
        hx, hy = self._hessians(*np.asarray(z, dtype=float))
        return np.array(hx, dtype=float), np.array(hy, dtype=float)

    def field(self, z: Any) -> np.ndarray:
        gx, gy = self.gradients(z)
        return np.concatenate([gx[:2], gy[2:]])

    def jacobian(self, z: Any) -> np.ndarray:
        hx, hy = self.hessians(z)
        return np.concatenate([hx[:2], hy[2:]])

    def letcher_terms(self, z: Any, alpha: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        """LOLA's two terms in Letcher et al.'s notation, for two players: ``(ξ₀, αχ)``.

        ``ξ₀ = ξ − H_o (α ξ)`` (each player anticipates the other's step ``−α_other ξ_other``)
        and ``αχ = (α_y (∂ξ_y/∂x)ᵀ ∇_y L_x, α_x (∂ξ_x/∂y)ᵀ ∇_x L_y)``.
        """
        (gx, gy), J, v = self.gradients(z), self.jacobian(z), self.field(z)
        ax, ay = alpha
        J_xy, J_yx = J[:2, 2:], J[2:, :2]
        xi0 = v - np.concatenate([J_xy @ (ay * v[2:]), J_yx @ (ax * v[:2])])
        chi = np.concatenate([J_yx.T @ (ay * gx[2:]), J_xy.T @ (ax * gy[:2])])
        return xi0, chi


def _cubic_forms(poly: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """``(Q, T)`` with ``poly(z) = zᵀQz + Σ T_ijk z_i z_j z_k`` for a polynomial of degrees 2, 3."""
    n = len(poly.gens)
    Q, T = torch.zeros(n, n, dtype=torch.float64), torch.zeros(n, n, n, dtype=torch.float64)
    for powers, coefficient in poly.terms():
        index = [i for i, p in enumerate(powers) for _ in range(p)]
        if len(index) == 2:
            Q[tuple(index)] = float(coefficient)
        elif len(index) == 3:
            T[tuple(index)] = float(coefficient)
        else:
            raise ValueError(f"only quadratic and cubic terms, got degree {len(index)}")
    return Q, T


@functools.cache
def cubic_game(zero_sum: bool = False) -> CubicGame:
    """The :class:`CubicGame`, built once per session (its sympy derivation takes a second)."""
    return CubicGame(zero_sum)


class LinearGame(Game):
    """A game whose field is a given linear map, ``v(z) = M z`` (``J = M`` everywhere, default
    point 0): any real square matrix — a Jordan block, the Grcar matrix — as a game, for tests
    against matrices with known pseudospectra. The first ``nx`` entries are the first player's.
    """

    def __init__(self, matrix: Any, nx: int | None = None):
        self.M = torch.as_tensor(np.asarray(matrix, dtype=float))
        n = self.M.shape[0]
        assert self.M.shape == (n, n) and n >= 2
        self.nx = n // 2 if nx is None else nx
        self.ny = n - self.nx

    def losses(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError("a LinearGame is given by its field, not by losses")

    def field(self, z: torch.Tensor) -> torch.Tensor:
        return self.M @ z

    def jacobian(self, z: torch.Tensor) -> torch.Tensor:
        return self.M

    def default_point(self) -> torch.Tensor:
        return torch.zeros(self.n, dtype=torch.float64)


def jordan_block(n: int, eigenvalue: float = 0.0) -> np.ndarray:
    """The ``n × n`` Jordan block: ``eigenvalue`` on the diagonal, ones above it."""
    return eigenvalue * np.eye(n) + np.eye(n, k=1)


def grcar(n: int, k: int = 3) -> np.ndarray:
    """The Grcar matrix: −1 on the subdiagonal, 1 on the diagonal and ``k`` superdiagonals
    (Trefethen and Embree 2005, its pseudospectra far larger than its spectrum)."""
    return -np.eye(n, k=-1) + sum(np.eye(n, k=j) for j in range(k + 1))


# --- a tiny GAN -------------------------------------------------------------------------------


def mlp(
    inputs: int,
    width: int,
    outputs: int,
    activation: Callable[[], nn.Module] = nn.Tanh,
    norm: nn.Module | None = None,
) -> nn.Sequential:
    """``Linear(inputs, width) [→ norm] → activation → Linear(width, outputs)``."""
    layers = [nn.Linear(inputs, width)] + ([norm] if norm is not None else [])
    return nn.Sequential(*layers, activation(), nn.Linear(width, outputs))


def tiny_players(
    *,
    dim: int = 2,
    generator_width: int = 4,
    discriminator_width: int = 6,
    activation: Callable[[], nn.Module] = nn.Tanh,
    discriminator_norm: nn.Module | None = None,
    seed: int = 0,
) -> tuple[nn.Module, nn.Module]:
    """One-hidden-layer MLP players on ``dim``-D data, initialised under ``manual_seed(seed)``
    (the generator first); ``discriminator_norm`` goes after the discriminator's first layer."""
    torch.manual_seed(seed)
    G = mlp(dim, generator_width, dim, activation)
    D = mlp(dim, discriminator_width, 1, activation, discriminator_norm)
    return G, D


def tiny_batch(
    seed: int = 1, size: int = 8, dim: int = 2, shift: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(real, latent)``: standard normal ``size × dim`` batches (``real`` shifted by ``shift``)
    drawn from one generator seeded with ``seed``, real first."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(size, dim, generator=g) + shift, torch.randn(size, dim, generator=g)


PLAYER_OPTIONS = (
    "generator_width",
    "discriminator_width",
    "activation",
    "discriminator_norm",
    "seed",
)
"""The keyword arguments of :func:`tiny_gan` that go to :func:`tiny_players`."""


def tiny_gan(
    loss: str = "non-saturating",
    *,
    players: tuple[nn.Module, nn.Module] | None = None,
    batch: tuple[torch.Tensor, torch.Tensor] | None = None,
    dim: int = 2,
    batch_seed: int = 1,
    batch_size: int = 8,
    shift: float = 0.0,
    **options: Any,
) -> TorchGame:
    """A :class:`TorchGame` of tiny MLP players on a fixed batch, at its (non-equilibrium) ``z0``.

    The defaults make the 47-parameter GAN many tests use. ``players`` default to
    :func:`tiny_players` of the :data:`PLAYER_OPTIONS` among ``options`` (widths,
    ``activation``, ``discriminator_norm``, ``seed``), ``batch`` to :func:`tiny_batch`
    (``batch_seed``, ``batch_size``, ``shift``); the other ``options`` go to
    :class:`TorchGame` (``reg``, ``reg_weight``, ``dtype``, ``batchnorm``, ``gp_seed``).
    """
    player_options = {k: options.pop(k) for k in PLAYER_OPTIONS if k in options}
    if players is None:
        players = tiny_players(dim=dim, **player_options)
    elif player_options:
        raise TypeError(f"players are given: {sorted(player_options)} would be ignored")
    if batch is None:
        batch = tiny_batch(batch_seed, batch_size, dim, shift)
    return TorchGame(*players, loss, *batch, **options)


def kink_gan(
    unit: int = 2, sample: int = 3, margin: float = 1e-12
) -> tuple[TorchGame, tuple[float, float]]:
    """A float64 :func:`tiny_gan` (widths 12 and 14, batch 16) with LeakyReLU(0.2) players whose
    discriminator's first-layer output for fake ``sample``, ``unit`` (the input of a LeakyReLU)
    is ``margin`` from the kink in float64 and on the other side in float32 (its first-layer
    bias moved, the float32 value found by running the float32 copies on this machine).
    Returns the game and that input ``(float64 value, float32 value)``."""
    G, D = (p.double() for p in tiny_players(
        generator_width=12, discriminator_width=14, activation=lambda: nn.LeakyReLU(0.2)
    ))  # fmt: skip
    real, latent = tiny_batch(size=16)

    def inputs() -> tuple[float, float]:
        G32, D32 = copy.deepcopy(G).float(), copy.deepcopy(D).float()
        a64 = D[0](G(latent.double()))[sample, unit]
        return float(a64), float(D32[0](G32(latent))[sample, unit])

    with torch.no_grad():
        D[0].bias[unit] -= inputs()[0]
        a32 = inputs()[1]
        D[0].bias[unit] -= margin if a32 > 0 else -margin
        a64, a32 = inputs()
    return TorchGame(G, D, "non-saturating", real, latent), (a64, a32)


# --- checkpoints as people save them ---------------------------------------------------------


def _hook_weight_norm(module: nn.Module) -> nn.Module:
    """``torch.nn.utils.weight_norm`` (the deprecated hook form, still in public code)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return nn.utils.weight_norm(module)


def checkpoint_generator(width: int = 4, seed: int = 0) -> nn.Module:
    """A generator with BatchNorm and a hook-based weight norm:
    ``Linear(2, width) → BatchNorm1d → Tanh → weight_norm(Linear(width, 2))``."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(2, width),
        nn.BatchNorm1d(width),
        nn.Tanh(),
        _hook_weight_norm(nn.Linear(width, 2)),
    )


def checkpoint_discriminator(width: int = 5, seed: int = 1) -> nn.Module:
    """A discriminator with both spectral norms and BatchNorm:
    ``spectral_norm(Linear(2, width))`` (hook) ``→ BatchNorm1d → LeakyReLU →
    parametrizations.spectral_norm(Linear(width, 1))``."""
    from torch.nn.utils.parametrizations import spectral_norm

    torch.manual_seed(seed)
    return nn.Sequential(
        nn.utils.spectral_norm(nn.Linear(2, width)),
        nn.BatchNorm1d(width),
        nn.LeakyReLU(0.2),
        spectral_norm(nn.Linear(width, 1)),
    )


def user_dcgan(size: int = 16, inplace: bool = True, seed: int = 0) -> tuple[nn.Module, nn.Module]:
    """``(G, D)`` written as PyTorch's DCGAN example writes them, on 8 × 8 images: ``G`` three
    ``ConvTranspose2d`` (``size × 1 × 1 → 2·size × 2 × 2 → size × 4 × 4 → 1 × 8 × 8``) with
    BatchNorm and ``ReLU(inplace)``, tanh; ``D`` three spectral-normed (hook) ``Conv2d`` with
    ``LeakyReLU(0.2, inplace=inplace)``, a logit per sample. Initialised under
    ``manual_seed(seed)``; ``size = 16``: 19,217 parameters."""
    torch.manual_seed(seed)
    sn = nn.utils.spectral_norm
    G = nn.Sequential(
        nn.ConvTranspose2d(size, 2 * size, 2, 1, 0, bias=False),
        nn.BatchNorm2d(2 * size),
        nn.ReLU(inplace),
        nn.ConvTranspose2d(2 * size, size, 4, 2, 1, bias=False),
        nn.BatchNorm2d(size),
        nn.ReLU(inplace),
        nn.ConvTranspose2d(size, 1, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    D = nn.Sequential(
        sn(nn.Conv2d(1, size, 4, 2, 1)),
        nn.LeakyReLU(0.2, inplace=inplace),
        sn(nn.Conv2d(size, 2 * size, 4, 2, 1)),
        nn.LeakyReLU(0.2, inplace=inplace),
        sn(nn.Conv2d(2 * size, 1, 2, 1, 0)),
        nn.Flatten(0),
    )
    return G, D


def trained_checkpoint_players(
    steps: int = 3, seed: int = 0
) -> tuple[nn.Module, nn.Module, dict[str, Any]]:
    """``(G, D, optimiser_states)``: :func:`checkpoint_generator` and
    :func:`checkpoint_discriminator` after ``steps`` Adam steps in train mode (BatchNorm's
    running statistics and ``num_batches_tracked``, and both spectral norms' ``u``, ``v``
    move), and the two optimisers' state dicts (``"G"``, ``"D"``)."""
    G, D = checkpoint_generator(), checkpoint_discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=0.05)
    opt_d = torch.optim.Adam(D.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        real, latent = torch.randn(8, 2, generator=gen), torch.randn(8, 2, generator=gen)
        opt_d.zero_grad()
        (
            nn.functional.softplus(-D(real)) + nn.functional.softplus(D(G(latent).detach()))
        ).mean().backward()
        opt_d.step()
        opt_g.zero_grad()
        nn.functional.softplus(-D(G(latent))).mean().backward()
        opt_g.step()
    return G, D, {"G": opt_g.state_dict(), "D": opt_d.state_dict()}


def perturbed(module: nn.Module, scale: float = 0.1, seed: int = 7) -> dict[str, Any]:
    """``module``'s state dict with every floating tensor moved by ``scale · N(0, 1)`` (an EMA
    copy, another epoch)."""
    gen = torch.Generator().manual_seed(seed)
    return {
        k: v + scale * torch.randn(v.shape, generator=gen) if v.is_floating_point() else v
        for k, v in module.state_dict().items()
    }


def states_equal(a: nn.Module, b: nn.Module) -> bool:
    """The two modules' state dicts have the same keys, dtypes and bits."""
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(
        sa[k].dtype == sb[k].dtype and torch.equal(sa[k], sb[k]) for k in sa
    )


def _prefixed(prefix: str, state: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}{k}": v for k, v in state.items()}


def write_layout(
    layout: str, folder: Any, G: nn.Module, D: nn.Module, opt: dict[str, Any]
) -> tuple[Any, dict[str, Any], nn.Module]:
    """Save ``G`` and ``D`` in the layout ``layout`` (one of :data:`LAYOUTS`) under ``folder``
    with real ``torch.save``/safetensors files; returns ``(source, options, expected_G)``:
    the file or pair of files, the :func:`gamedyn.checkpoints.load_gan` keyword arguments the
    layout needs, and the generator that loading must give (``G``; for the EMA layouts the
    saved EMA copy, which here is ``G`` itself beside a perturbed "training" generator)."""
    from pathlib import Path

    from safetensors.torch import save_file

    from gamedyn.checkpoints import save

    folder = Path(folder)
    g, d = G.state_dict(), D.state_dict()
    path = folder / f"{layout}.pt"
    options: dict[str, Any] = {}
    if layout == "gamedyn":
        return save(folder / "gamedyn.safetensors", G, D), options, G
    if layout == "netG-netD":  # the PyTorch DCGAN example's names, with optimisers and epoch
        torch.save({"netG": g, "netD": d, "optG": opt["G"], "optD": opt["D"], "epoch": 5}, path)
    elif layout == "G-D":
        torch.save({"G": g, "D": d, "config": {"width": 4, "lr": 0.05}, "step": 100}, path)
    elif layout == "generator-discriminator":
        state = {"generator": g, "discriminator": d}
        torch.save(state | {"optimizer_G": opt["G"], "optimizer_D": opt["D"]}, path)
    elif layout == "gen-dis":
        torch.save({"gen": g, "dis": d, "gen_optim": opt["G"], "dis_optim": opt["D"]}, path)
    elif layout == "model_G-model_D":
        torch.save({"model_G": g, "model_D": d, "epoch": 2, "losses_G": [torch.tensor(0.5)]}, path)
    elif layout == "named":  # two generators and two discriminators (CycleGAN): named
        other_g, other_d = perturbed(G), perturbed(D)
        torch.save({"G_AB": other_g, "G_BA": g, "D_A": d, "D_B": other_d}, path)
        options = {"generator_key": "G_BA", "discriminator_key": "D_A"}
    elif layout == "two-files":
        torch.save(g, folder / "G.pth")
        state = {"model_state_dict": d, "optimizer_state_dict": opt["D"], "epoch": 3}
        torch.save(state, folder / "D.pth")
        return (folder / "G.pth", folder / "D.pth"), options, G
    elif layout == "lightning":
        state = _prefixed("generator.", g) | _prefixed("discriminator.", d)
        torch.save(
            {
                "epoch": 3,
                "global_step": 30,
                "pytorch-lightning_version": "2.4.0",
                "state_dict": state,
                "optimizer_states": [opt["G"], opt["D"]],
                "lr_schedulers": [],
                "hyper_parameters": {"lr": 0.05, "width": 4},
            },
            path,
        )
    elif layout == "data-parallel":  # DataParallel's module. prefix, torch.compile's _orig_mod.
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled = torch.compile(D)
        torch.save({"netG": nn.DataParallel(G).state_dict(), "netD": compiled.state_dict()}, path)
    elif layout == "ddp-lightning":  # DDP's module. inside Lightning's module prefixes
        state = _prefixed("gen.module.", g) | _prefixed("disc.module._orig_mod.", d)
        torch.save({"state_dict": state, "epoch": 1}, path)
    elif layout == "safetensors":
        flat = _prefixed("netG.", g) | _prefixed("netD.", d)
        path = folder / "flat.safetensors"
        save_file({k: v.detach().clone().contiguous() for k, v in flat.items()}, str(path))
    elif layout == "ema":  # the training generator and its EMA copy: the copy chosen
        torch.save({"G": perturbed(G), "G_ema": g, "D": d, "step": 10}, path)
        options = {"ema": True}
    elif layout == "ema-safetensors":
        flat = _prefixed("netG.", perturbed(G)) | _prefixed("netG_ema.", g)
        flat |= _prefixed("netD.", d)
        path = folder / "ema.safetensors"
        save_file({k: v.detach().clone().contiguous() for k, v in flat.items()}, str(path))
        options = {"ema": True}
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return path, options, G


LAYOUTS = (
    "gamedyn",
    "netG-netD",
    "G-D",
    "generator-discriminator",
    "gen-dis",
    "model_G-model_D",
    "named",
    "two-files",
    "lightning",
    "data-parallel",
    "ddp-lightning",
    "safetensors",
    "ema",
    "ema-safetensors",
)
"""The checkpoint layouts :func:`write_layout` writes."""


# --- sympy references -------------------------------------------------------------------------


def dirac_gan_sympy() -> Any:
    """The standard Dirac-GAN in sympy: ``L = f(ψθ) + f(0)``, ``f(t) = −log(1 + e^{−t})``,
    ``L_y = −L``."""
    import sympy as sp

    from gamedyn.games import SymbolicGame

    theta, psi = sp.symbols("theta psi", real=True)

    def f(t):
        return -sp.log(1 + sp.exp(-t))

    loss = f(psi * theta) + f(0)
    return SymbolicGame([theta], [psi], loss, -loss)


def as_float(matrix: Any) -> np.ndarray:
    """A sympy matrix of numbers as a float64 array (evaluated to 20 digits)."""
    return np.array(matrix.evalf(20), dtype=float)


__all__ = [
    "central_jacobian",
    "central_gradient",
    "tensor",
    "spectrum_distance",
    "random_bilinear",
    "random_quadratic",
    "normal_game",
    "every_operator",
    "cubic_losses",
    "CubicGame",
    "cubic_game",
    "LinearGame",
    "jordan_block",
    "grcar",
    "mlp",
    "tiny_players",
    "tiny_batch",
    "PLAYER_OPTIONS",
    "tiny_gan",
    "checkpoint_generator",
    "checkpoint_discriminator",
    "trained_checkpoint_players",
    "perturbed",
    "states_equal",
    "write_layout",
    "LAYOUTS",
    "dirac_gan_sympy",
    "as_float",
]
