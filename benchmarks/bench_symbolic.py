"""Benchmark: symbolic work on the built-in examples takes seconds, not minutes.

Three tables, every time in seconds, each against a baseline measured in the same run; the
compared variants interleaved, their order rotated each round, ``--rounds`` rounds after one
untimed warm-up call of each, CPU time (``time.process_time``) and wall time, min and median
(``benchmarks/_timing.py``). Every symbolic call starts cold: sympy's cache (and gamedyn's
cache of lambdified maps) is cleared before each timed call, so a round measures the whole
derivation, not a cache hit. One thread (``torch.set_num_threads(1)``).

1. **Exact operator Jacobians** of every update operator (the method's step run in forward mode
   on sympy matrices): on ``x·y`` with symbolic hyperparameters (``η, β, α, γ``), on the
   Dirac-GAN written in sympy at its equilibrium with symbolic hyperparameters, and on the
   Dirac-GAN at the generic point ``(0.5, −0.5)`` with numeric hyperparameters. Baseline, in the
   same interleaved rounds: the dense numeric ``operator_jacobian`` (``jacfwd`` through the same
   step) on the built-in game at the same point; ``ratio`` = symbolic / numeric CPU min.
2. **Exact eigenvalue maps** ``μ(λ)`` with symbolic hyperparameters (the step run on the scalar
   field ``λ z``, roots simplified): every operator interleaved.
3. **Numeric eigenvalue maps on a 1000 × 1000 λ-grid**: ``cold`` = a call with the caches
   cleared (derivation + lambdify + evaluation), ``warm`` = a later call (the lambdified map is
   cached per kind of method), ``step`` = the same map by running the step on the arrays
   directly (no lambdify), interleaved with the baseline, numpy evaluating GDA's map ``1 − ηλ``
   on the grid by hand; ``ratio`` = warm / baseline CPU min.

Run:
  python benchmarks/bench_symbolic.py              # 3 rounds
  python benchmarks/bench_symbolic.py --rounds 5
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy as sp
import torch
from _timing import Timing, interleaved
from sympy.core.cache import clear_cache

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


def cold() -> None:
    """Before every timed call: sympy's cache and gamedyn's lambdified maps cleared."""
    clear_cache()
    _lambdified_invariants.cache_clear()


def cpu_wall(t: Timing) -> str:
    """``CPU min/median, wall min/median`` in seconds."""
    return f"{t.cpu_min:7.3f} {t.cpu_median:7.3f} {t.wall_min:7.3f} {t.wall_median:7.3f}"


HEAD = f"{'CPU min':>7s} {'med':>7s} {'wall min':>7s} {'med':>7s}"


def dirac_sympy() -> SymbolicGame:
    """The standard Dirac-GAN: ``L = f(ψθ) + f(0)``, ``f(t) = −log(1 + e^{−t})``, ``L_y = −L``."""

    def f(t):
        return -sp.log(1 + sp.exp(-t))

    loss = f(psi * theta) + f(0)
    return SymbolicGame([theta], [psi], loss, -loss)


def jacobians(rounds: int) -> float:
    xy_sym, xy_num = SymbolicGame([x], [y], x * y, -x * y), Bilinear([[1.0]])
    dirac_sym, dirac_num = dirac_sympy(), DiracGAN("saturating")
    symbolic, numeric = methods(eta, beta, alpha, gamma), methods(0.2, 0.3, 0.5, 0.7)
    origin, point = np.zeros(2), np.array([0.5, -0.5])
    cases = {  # the symbolic game and point, the built-in game and point of the baseline
        "x·y sym": (xy_sym, [0, 0], xy_num, origin),
        "Dirac 0 sym": (dirac_sym, [0, 0], dirac_num, origin),
        "Dirac z num": (dirac_sym, list(point), dirac_num, point),
    }
    total = 0.0
    print("1. exact operator Jacobians (s; ratio = symbolic / numeric jacfwd, CPU min)")
    print(f"{'operator':31s} {'case':12s} symbolic {HEAD}  numeric {HEAD} {'ratio':>6s}")
    for name in symbolic:
        for case, (game, z, game_num, z_num) in cases.items():
            method = numeric[name] if case == "Dirac z num" else symbolic[name]
            t = interleaved(
                {
                    "symbolic": lambda m=method, g=game, z=z: operator_jacobian(m, g, z),
                    "numeric": lambda m=numeric[name], g=game_num, z=z_num: operator_jacobian(
                        m, g, z
                    ),
                },
                rounds,
                before=cold,
            )
            total += t["symbolic"].cpu_median
            ratio = t["symbolic"].cpu_min / t["numeric"].cpu_min
            print(
                f"{name:31s} {case:12s} {cpu_wall(t['symbolic'])}  {cpu_wall(t['numeric'])}"
                f" {ratio:6.1f}"
            )
    return total


def exact_maps(rounds: int) -> float:
    print("\n2. exact eigenvalue maps μ(λ), symbolic hyperparameters (s)")
    variants = {}
    for name, method in methods(eta, beta, alpha, gamma).items():
        try:
            eigenvalue_map(method, lam)
        except ValueError:
            print(f"{name:31s} {'no map (use operator_jacobian)':>32s}")
            continue
        variants[name] = lambda m=method: eigenvalue_map(m, lam)
    timings = interleaved(variants, rounds, before=cold)
    print(f"{'operator':31s} {HEAD}")
    for name, t in timings.items():
        print(f"{name:31s} {cpu_wall(t)}")
    return sum(t.cpu_median for t in timings.values())


def grid_maps(rounds: int, size: int = 1000) -> float:
    re, im = np.linspace(-1, 3, size), np.linspace(-2, 2, size)
    grid = re[None, :] + 1j * im[:, None]
    total = 0.0
    print(f"\n3. numeric maps on a {size} × {size} λ-grid (s; ratio: CPU min / baseline's)")
    print(f"{'operator':31s} {'variant':9s} {HEAD} {'ratio':>6s}")
    for name, method in methods(0.2, 0.3, 0.5, 0.7).items():
        try:
            eigenvalue_map(method, grid[:2, :2])
        except ValueError:
            print(f"{name:31s} {'no map':>9s}")
            continue

        def from_cold(m=method):
            cold()
            return eigenvalue_map(m, grid)

        t = interleaved(
            {
                "cold": from_cold,
                "warm": lambda m=method: eigenvalue_map(m, grid),
                "step": lambda m=method: _map_by_running_the_step(m, grid),
                "baseline": lambda: np.abs(1 - 0.2 * grid),
            },
            rounds,
        )
        total += t["cold"].cpu_median
        for variant, timing in t.items():
            ratio = timing.cpu_min / t["baseline"].cpu_min
            print(f"{name:31s} {variant:9s} {cpu_wall(timing)} {ratio:6.1f}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    symbolic = jacobians(args.rounds) + exact_maps(args.rounds) + grid_maps(args.rounds)
    print(
        f"\nall symbolic work (sum of CPU medians, one call each): {symbolic:.1f} s; whole "
        f"benchmark: {time.perf_counter() - start:.1f} s wall"
    )


if __name__ == "__main__":
    main()
