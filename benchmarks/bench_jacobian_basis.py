"""Benchmark: the game Jacobian's top-k by the default basis against ARPACK's basis of 20.

``top_eigenvalues(game, k, solver=KrylovSchur(tol=...))`` (the default: ``ncv = max(2k + 1, 40)``
by :func:`gamedyn.linalg.default_ncv`, convergence tested after every new basis vector,
:data:`gamedyn.spectrum._eigensolvers.JACOBIAN_CHECK_EVERY`) against
``KrylovSchur(tol=..., ncv=max(2k + 1, 20))`` (ARPACK's choice, tested when the basis is full:
the default before), on the digits DCGAN checkpoint ``--checkpoint`` (reloaded on one fixed
batch, float64, reverse-mode products) or the 1.7 M DCGAN (``--example dcgan``: float32 products,
``--dtype``). Same start vector; the variants interleaved in one run, order rotated each round,
one torch thread, CPU and wall time, min and median (``benchmarks/_timing.py``); products are
exact counts; the largest relative distance of each variant's eigenvalues to the first's.

Run (OpenBLAS on one thread, so that CPU seconds are work, not spinning threads):
  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_jacobian_basis.py \\
      --checkpoint /tmp/k_ckpt/digits/step_000300.safetensors --rounds 5
  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_jacobian_basis.py --example dcgan \\
      --dtype float32 --ks 6 --tols 1e-6 --rounds 1
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _timing import interleaved, single_threaded, table

from gamedyn.examples import EXAMPLES
from gamedyn.examples import dcgan as dcgan_example
from gamedyn.games import TorchGame
from gamedyn.spectrum import KrylovSchur, top_eigenvalues


def load(args: argparse.Namespace) -> TorchGame:
    if args.example == "dcgan":
        torch.manual_seed(0)
        G, D = dcgan_example.generator(args.width), dcgan_example.discriminator(args.width)
        real, latent = dcgan_example.sample(args.batch, 0), dcgan_example.latent(args.batch, 1)
        game = TorchGame(G, D, "non-saturating", real, latent)
    else:
        if args.checkpoint is None:
            raise SystemExit("--checkpoint is required for --example digits")
        game = EXAMPLES["digits"].load_game(args.checkpoint, args.batch, 12_345)
    return game.with_dtype(getattr(torch, args.dtype))


def distance(values: np.ndarray, reference: np.ndarray) -> float:
    return float(max(np.min(np.abs(reference - v)) / abs(v) for v in values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", choices=("digits", "dcgan"), default="digits")
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--ks", type=int, nargs="+", default=[6, 20])
    parser.add_argument("--tols", type=float, nargs="+", default=[1e-6, 1e-10])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with single_threaded():
        game = load(args)
        print(f"{args.example}: n = {game.n}, {args.dtype}, {args.rounds} rounds, one thread")
        for k in args.ks:
            for tol in args.tols:
                solvers = {
                    "default (40, tested every vector)": KrylovSchur(tol=tol),
                    "ARPACK's 20, tested when full": KrylovSchur(tol=tol, ncv=max(2 * k + 1, 20)),
                }
                variants = {
                    name: (lambda s=s, k=k: top_eigenvalues(game, k, solver=s))
                    for name, s in solvers.items()
                }
                timings = interleaved(variants, args.rounds, warmup=False)
                first = next(iter(timings.values())).result.values
                print(f"\nk = {k}, tol = {tol:g}")
                print(table(timings, baseline="ARPACK's 20, tested when full"))
                for name, t in timings.items():
                    r = t.result
                    print(
                        f"  {name:36s} {r.matvecs:4d} products, largest relative residual "
                        f"{np.max(r.residuals / np.abs(r.values)):.1e}, "
                        f"Δλ {distance(r.values, first):.1e}"
                    )


if __name__ == "__main__":
    main()
