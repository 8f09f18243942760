"""Benchmark: operator spectra by the Jacobian route against the operator route.

The game is the 8-Gaussian mixture GAN of :mod:`gamedyn.examples.mixture` (``--size small``: 331
parameters; ``full``: 2,003), float64, shifted to a **stationary point** with the same Jacobian
and derivatives (``v(z) − v(z₀)``, :class:`bench_implicit_solves.ShiftedField`): the
linearisation around an equilibrium, where extragradient's, optimistic GDA's and lookahead's
Jacobians are functions of ``J``. For each operator, in the same run
(``torch.set_num_threads(--threads)``):

* the Jacobian route (``top_eigenvalues(..., route="jacobian")``: Krylov–Schur on ``J``, Ritz
  values mapped by the eigenvalue map, residuals checked on the operator): ``J`` products and
  seconds (the residual check's ``≤ 2k`` operator products are in the seconds, not the count,
  as the operator route's own residual products);
* the operator route (``route="operator"``): operator products, what they cost in ``J``
  products (``jacobian_products``), seconds;
* the largest difference between the two sets of eigenvalues;

and, as the reference of the target (Jacobian route ≤ 1.5 × the ``J`` products of the game
Jacobian's own top-``k``), the game Jacobian's top-``k`` (``which="LM"``). Same ``k``, ``ncv``,
``tol=1e-10`` and start vector throughout.

Run:
  python benchmarks/bench_operator_routes.py
  python benchmarks/bench_operator_routes.py --size full --k 10 --ncv 40
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from bench_implicit_solves import ShiftedField

from gamedyn.examples import mixture
from gamedyn.games import TorchGame
from gamedyn.methods import GDA, ExtraGradient, Lookahead, Momentum, OptimisticGDA
from gamedyn.spectrum import KrylovSchur, top_eigenvalues


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=("small", "full"), default="small")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--ncv", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    prefix = "small_" if args.size == "small" else ""
    base = TorchGame(
        getattr(mixture, f"{prefix}generator")(),
        getattr(mixture, f"{prefix}discriminator")(),
        "non-saturating",
        mixture.sample(args.batch),
        mixture.latent(args.batch),
    )
    game = ShiftedField(base)
    options = dict(k=args.k, ncv=args.ncv, tol=1e-10)
    start = time.perf_counter()
    reference = top_eigenvalues(game, **options)
    seconds = time.perf_counter() - start
    print(
        f"mixture GAN ({args.size}, n = {game.n}) at a stationary point, k = {args.k}, ncv = "
        f"{args.ncv}, {args.threads} thread(s)\n"
        f"game Jacobian's own top-{args.k}: {reference.matvecs} J products, {seconds:.2f} s\n"
    )
    print(
        f"{'operator':40s} {'J-route: J prod':>15s} {'s':>6s} | "
        f"{'op-route: op prod':>17s} {'= J prod':>9s} {'s':>6s} | {'J/J_ref':>7s} {'max |Δμ|':>9s}"
    )
    methods = [
        GDA(0.1),
        Momentum(0.05, 0.5),
        ExtraGradient(0.3),
        OptimisticGDA(0.2),
        Lookahead(GDA(0.1), k=5, alpha=0.5),
        Lookahead(ExtraGradient(0.3), k=5, alpha=0.5),
    ]
    for method in methods:
        start = time.perf_counter()
        fast = top_eigenvalues(game, method=method, solver=KrylovSchur(route="jacobian"), **options)
        fast_s = time.perf_counter() - start
        start = time.perf_counter()
        slow = top_eigenvalues(game, method=method, solver=KrylovSchur(route="operator"), **options)
        slow_s = time.perf_counter() - start
        gap = float(np.max(np.abs(fast.values - slow.values)))
        print(
            f"{method!r:40s} {fast.matvecs:15d} {fast_s:6.2f} | "
            f"{slow.matvecs:17d} {slow.jacobian_products:9d} {slow_s:6.2f} | "
            f"{fast.matvecs / reference.matvecs:7.2f} {gap:9.1e}"
        )


if __name__ == "__main__":
    main()
