"""Stochastic runs: vectorised (``vmap`` over runs) against looped, and the exact moments' cost.

Run:
  python benchmarks/bench_stochastic.py [--runs 1000] [--steps 100]

Extragradient (SEM) on the finite-sum bilinear game of the seed (``d = 4``) and on a bilinear
game with additive noise; both paths draw the same samples (the tests hold them equal), so the
ratio is the cost of the loop. One thread (``torch.set_num_threads(1)``: small batched
products are much slower with threads competing on this shared 2-core machine; the two-thread
time is printed too). Also: ``stationary_covariance`` and a 400-step ``mse_curve`` (exact)
against the Monte Carlo estimate they replace.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from gamedyn.games import AdditiveNoise, Bilinear, seed_bilinear
from gamedyn.methods import ExtraGradient
from gamedyn.stochastic import mse_curve, stationary_covariance, stochastic_run


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    method = ExtraGradient(0.3)
    games = {
        "seed finite sum (d = 4)": seed_bilinear(4),
        "bilinear + additive noise": AdditiveNoise(Bilinear(np.diag([1.0, 0.5])), 0.1),
    }
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, game in games.items():
            z0 = np.zeros(game.n)

            def vectorised(game=game, z0=z0):
                return stochastic_run(method, game, z0, args.steps, runs=args.runs)

            def looped(game=game, z0=z0):
                return stochastic_run(method, game, z0, args.steps, runs=args.runs, vectorise=False)

            v = timed(vectorised, 2)
            size = f"{args.runs} runs x {args.steps} steps"
            line = f"[{threads} thread(s)] {name}: {size}, vmap {v:.3f} s"
            if threads == 1:
                loop = timed(looped)
                line += f", loop {loop:.3f} s ({loop / v:.1f}x slower)"
            print(line)
    torch.set_num_threads(1)
    game = Bilinear(np.diag([1.0, 0.5]))
    exact = timed(lambda: stationary_covariance(method, game, 0.1), 3)
    curve = timed(lambda: mse_curve(method, game, 0.1, np.ones(4), 400), 3)
    mc = timed(
        lambda: stochastic_run(method, AdditiveNoise(game, 0.1), np.zeros(4), 400, runs=1000)
    )
    print(
        f"exact: stationary_covariance {exact * 1e3:.1f} ms, "
        f"mse_curve (400 steps) {curve * 1e3:.1f} ms; "
        f"Monte Carlo (1000 runs x 400 steps) {mc:.2f} s ({mc / exact:.0f}x the exact covariance)"
    )


if __name__ == "__main__":
    main()
