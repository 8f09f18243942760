"""Benchmark: symbolic work on the built-in examples takes seconds, not minutes.

Three tables, every number in seconds, each against a baseline measured in the same run:

1. **Exact operator Jacobians** of every update operator (the method's step run in forward mode
   on sympy matrices): on ``x·y`` with symbolic hyperparameters (``η, β, α, γ``), on the
   Dirac-GAN written in sympy at its equilibrium with symbolic hyperparameters, and on the
   Dirac-GAN at the generic point ``(0.5, −0.5)`` with numeric hyperparameters. Baseline: the
   dense numeric ``operator_jacobian`` (``jacfwd`` through the same step) on the built-in game
   at the same point (best of 5); ``ratio`` = symbolic / numeric.
2. **Exact eigenvalue maps** ``μ(λ)`` with symbolic hyperparameters (the step run on the scalar
   field ``λ z``, roots simplified).
3. **Numeric eigenvalue maps on a 1000 × 1000 λ-grid**: ``cold`` = the first call
   (derivation + lambdify + evaluation), ``warm`` = best of 3 later calls (the lambdified map is
   cached per kind of method), ``step`` = the same map by running the step on the arrays
   directly (no lambdify). Baseline: numpy evaluating GDA's map ``1 − ηλ`` on the grid by hand;
   ``ratio`` = warm / baseline.

Run:
  python benchmarks/bench_symbolic.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import sympy as sp

from gamedyn.games import Bilinear, DiracGAN, SymbolicGame
from gamedyn.methods import (
    CGD,
    GDA,
    AltGDA,
    Consensus,
    ExtraGradient,
    Lookahead,
    Momentum,
    OptimisticGDA,
)
from gamedyn.spectrum import eigenvalue_map, operator_jacobian
from gamedyn.spectrum._maps import _lambdified_invariants, _map_by_running_the_step

eta, beta, alpha, gamma = sp.symbols("eta beta alpha gamma", positive=True)
lam = sp.Symbol("lambda")
x, y, theta, psi = sp.symbols("x y theta psi", real=True)


def methods(lr, b, a, g) -> dict[str, object]:
    """Every operator; ``b`` enters as negative momentum ``−b``."""
    return {
        "GDA": GDA(lr),
        "AltGDA": AltGDA(lr),
        "ExtraGradient": ExtraGradient(lr),
        "OptimisticGDA": OptimisticGDA(lr),
        "Momentum": Momentum(lr, -b),
        "Momentum (alternating)": Momentum(lr, -b, alternating=True),
        "Lookahead(ExtraGradient, k=3)": Lookahead(ExtraGradient(lr), 3, a),
        "Lookahead(Momentum, k=3)": Lookahead(Momentum(lr, -b), 3, a),
        "Lookahead(OptimisticGDA, k=5)": Lookahead(OptimisticGDA(lr), 5, a),
        "Consensus": Consensus(lr, g),
        "CGD": CGD(lr),
    }


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def dirac_sympy() -> SymbolicGame:
    """The standard Dirac-GAN: ``L = f(ψθ) + f(0)``, ``f(t) = −log(1 + e^{−t})``, ``L_y = −L``."""

    def f(t):
        return -sp.log(1 + sp.exp(-t))

    loss = f(psi * theta) + f(0)
    return SymbolicGame([theta], [psi], loss, -loss)


def jacobians() -> float:
    xy_sym, xy_num = SymbolicGame([x], [y], x * y, -x * y), Bilinear([[1.0]])
    dirac_sym, dirac_num = dirac_sympy(), DiracGAN("saturating")
    symbolic, numeric = methods(eta, beta, alpha, gamma), methods(0.2, 0.3, 0.5, 0.7)
    origin, point = np.zeros(2), np.array([0.5, -0.5])
    total = 0.0
    print("1. exact operator Jacobians (s; ratio = symbolic / numeric jacfwd)")
    print(
        f"{'operator':31s} {'x·y sym':>9s} {'ratio':>6s} {'Dirac 0 sym':>11s} {'ratio':>6s}"
        f" {'Dirac z num':>11s} {'ratio':>6s}"
    )
    for name in symbolic:
        s_method, n_method = symbolic[name], numeric[name]
        cases = [
            (s_method, xy_sym, [0, 0], xy_num, origin),
            (s_method, dirac_sym, [0, 0], dirac_num, origin),
            (n_method, dirac_sym, list(point), dirac_num, point),
        ]
        row = []
        for method, game, z, game_num, z_num in cases:
            t = timed(lambda m=method, g=game, z=z: operator_jacobian(m, g, z))
            base = timed(
                lambda g=game_num, z=z_num, m=n_method: operator_jacobian(m, g, z), repeat=5
            )
            total += t
            row += [t, t / base]
        print(
            f"{name:31s} {row[0]:9.3f} {row[1]:6.0f} {row[2]:11.3f} {row[3]:6.0f}"
            f" {row[4]:11.3f} {row[5]:6.0f}"
        )
    return total


def exact_maps() -> float:
    total = 0.0
    print("\n2. exact eigenvalue maps μ(λ), symbolic hyperparameters (s)")
    for name, method in methods(eta, beta, alpha, gamma).items():
        try:
            t = timed(lambda m=method: eigenvalue_map(m, lam))
        except ValueError:
            print(f"{name:31s} {'no map (use operator_jacobian)':>32s}")
            continue
        total += t
        print(f"{name:31s} {t:9.3f}")
    return total


def grid_maps(size: int = 1000) -> float:
    re, im = np.linspace(-1, 3, size), np.linspace(-2, 2, size)
    grid = re[None, :] + 1j * im[:, None]
    baseline = timed(lambda: np.abs(1 - 0.2 * grid), repeat=3)
    _lambdified_invariants.cache_clear()
    total = 0.0
    print(f"\n3. numeric eigenvalue maps on a {size} × {size} λ-grid (s; ratio = warm / baseline)")
    print(f"baseline (numpy |1 − ηλ| by hand): {baseline:.4f} s")
    print(f"{'operator':31s} {'cold':>8s} {'warm':>8s} {'step':>8s} {'ratio':>6s}")
    for name, method in methods(0.2, 0.3, 0.5, 0.7).items():
        try:
            cold = timed(lambda m=method: eigenvalue_map(m, grid))
        except ValueError:
            print(f"{name:31s} {'no map':>8s}")
            continue
        warm = timed(lambda m=method: eigenvalue_map(m, grid), repeat=3)
        step = timed(lambda m=method: _map_by_running_the_step(m, grid))
        total += cold
        print(f"{name:31s} {cold:8.3f} {warm:8.3f} {step:8.3f} {warm / baseline:6.1f}")
    return total


def main() -> None:
    start = time.perf_counter()
    symbolic = jacobians() + exact_maps() + grid_maps()
    print(
        f"\nall symbolic work: {symbolic:.1f} s; whole benchmark: "
        f"{time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
