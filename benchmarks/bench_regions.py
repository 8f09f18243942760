"""Benchmark: the predicted rate on a 1000 × 1000 λ-grid for every operator with an eigenvalue map.

For each operator, ``gamedyn.regions.rate(method, λ)`` on the grid ``λ = re + i·im``
(``re ∈ [−1, 3]``, ``im ∈ [−2, 2]``): the first call (``cold``) and the best of ``--repeat``
later calls (``warm``); the cold call includes deriving the eigenvalue map once per kind of
method. The baseline, measured in the same run on the same grid, is numpy evaluating GDA's
closed form ``|1 − ηλ|`` directly; ``ratio`` = warm / baseline.

Run:
  python benchmarks/bench_regions.py            # 1000 × 1000, best of 5
  python benchmarks/bench_regions.py --n 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from gamedyn import regions
from gamedyn.methods import (
    GDA,
    Consensus,
    ExtraGradient,
    Lookahead,
    Momentum,
    OptimisticGDA,
)

LR = 0.5

OPERATORS = {
    "GDA": GDA(LR),
    "ExtraGradient": ExtraGradient(LR),
    "OptimisticGDA": OptimisticGDA(LR),
    "Momentum (beta=-0.3)": Momentum(LR, -0.3),
    "Consensus (gamma=0.3)": Consensus(LR, 0.3),
    "Lookahead(GDA, k=5)": Lookahead(GDA(LR), 5, 0.5),
    "Lookahead(ExtraGradient, k=5)": Lookahead(ExtraGradient(LR), 5, 0.5),
    "Lookahead(OptimisticGDA, k=5)": Lookahead(OptimisticGDA(LR), 5, 0.5),
    "Lookahead(Momentum, k=5)": Lookahead(Momentum(LR, -0.3), 5, 0.5),
}


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``fn()``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="grid points per axis (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="warm timings, best kept")
    args = parser.parse_args()

    lam = regions.lambda_grid(np.linspace(-1, 3, args.n), np.linspace(-2, 2, args.n))
    baseline = best_of(lambda: np.abs(1 - LR * lam), args.repeat)
    print(f"grid {args.n} x {args.n} = {lam.size:,} eigenvalues λ; best of {args.repeat}")
    print(f"baseline numpy |1 - ηλ|: {baseline:.4f} s\n")
    print(f"{'operator':32s} {'cold s':>8s} {'warm s':>8s} {'ratio':>7s}")
    for name, method in OPERATORS.items():
        start = time.perf_counter()
        rho = regions.rate(method, lam)
        cold = time.perf_counter() - start
        warm = best_of(lambda method=method: regions.rate(method, lam), args.repeat)
        assert rho.shape == lam.shape and np.isfinite(rho).all()
        print(f"{name:32s} {cold:8.3f} {warm:8.3f} {warm / baseline:7.1f}")


if __name__ == "__main__":
    main()
