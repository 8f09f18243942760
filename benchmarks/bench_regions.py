"""Benchmark: the predicted rate on a 1000 × 1000 λ-grid for every operator with an eigenvalue map.

For each operator, ``gamedyn.regions.rate(method, λ)`` on the grid ``λ = re + i·im``
(``re ∈ [−1, 3]``, ``im ∈ [−2, 2]``): the first call (``cold``) and ``--repeat`` rounds of later
calls (``warm``: every operator and the baseline interleaved, order rotated each round, CPU and
wall time, min and median: ``benchmarks/_timing.py``); the cold call includes deriving the
eigenvalue map once per kind of method. The baseline, measured in the same run on the same
grid, is numpy evaluating GDA's closed form ``|1 − ηλ|`` directly; ratios are warm / baseline.

Run:
  python benchmarks/bench_regions.py            # 1000 × 1000, 5 rounds
  python benchmarks/bench_regions.py --n 2000 --repeat 3
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import interleaved, table, timed

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="grid points per axis (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of warm timings")
    args = parser.parse_args()

    lam = regions.lambda_grid(np.linspace(-1, 3, args.n), np.linspace(-2, 2, args.n))
    print(f"grid {args.n} x {args.n} = {lam.size:,} eigenvalues λ")
    cold = {}
    for name, method in OPERATORS.items():  # the first call of each (compiles the rate)
        cpu, wall, rho = timed(lambda method=method: regions.rate(method, lam))
        assert rho.shape == lam.shape and np.isfinite(rho).all()
        cold[name] = (cpu, wall)
    variants = {"baseline numpy |1 - ηλ|": lambda: np.abs(1 - LR * lam)}
    for name, method in OPERATORS.items():
        variants[name] = lambda method=method: regions.rate(method, lam)
    # warm calls interleaved, order rotated each round; CPU and wall, min and median
    timings = interleaved(variants, args.repeat, warmup=False)
    print(table(timings, baseline="baseline numpy |1 - ηλ|"))
    print(f"\n{'operator (first call)':32s} {'cold CPU s':>10s} {'cold wall s':>11s}")
    for name, (cpu, wall) in cold.items():
        print(f"{name:32s} {cpu:10.3f} {wall:11.3f}")


if __name__ == "__main__":
    main()
