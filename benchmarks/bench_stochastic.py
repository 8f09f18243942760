"""Stochastic runs: vectorised (``vmap`` over runs) against looped, and the exact moments' cost.

Run:
  python benchmarks/bench_stochastic.py [--runs 1000] [--steps 100]

Extragradient (SEM) on the finite-sum bilinear game of the seed (``d = 4``) and on a bilinear
game with additive noise; both paths draw the same samples (the tests hold them equal), so the
ratio is the cost of the loop. One thread (``torch.set_num_threads(1)``: small batched
products are much slower with threads competing on this shared 2-core machine; the two-thread
time is printed too). Also: ``stationary_covariance`` and a 400-step ``mse_curve`` (exact)
against the Monte Carlo estimate they replace. Compared variants are interleaved, order rotated
each round, CPU (``time.process_time``) and wall time, min and median (``benchmarks/_timing.py``).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _timing import interleaved, table

from gamedyn.games import AdditiveNoise, Bilinear, seed_bilinear
from gamedyn.methods import ExtraGradient
from gamedyn.stochastic import mse_curve, stationary_covariance, stochastic_run


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

            variants = {"vmap": vectorised}
            if threads == 1:
                variants["loop"] = looped
            # interleaved, order rotated each round; CPU and wall, min and median
            timings = interleaved(variants, 2 if threads == 1 else 1, warmup=False)
            print(f"[{threads} thread(s)] {name}: {args.runs} runs x {args.steps} steps")
            print(table(timings, baseline="vmap"))
    torch.set_num_threads(1)
    game = Bilinear(np.diag([1.0, 0.5]))
    timings = interleaved(
        {
            "exact stationary_covariance": lambda: stationary_covariance(method, game, 0.1),
            "mse_curve (400 steps)": lambda: mse_curve(method, game, 0.1, np.ones(4), 400),
            "Monte Carlo (1000 runs x 400 steps)": lambda: stochastic_run(
                method, AdditiveNoise(game, 0.1), np.zeros(4), 400, runs=1000
            ),
        },
        1,
    )  # after one warm-up call of each (the exact moments' first call derives them)
    print(table(timings, baseline="exact stationary_covariance"))


if __name__ == "__main__":
    main()
