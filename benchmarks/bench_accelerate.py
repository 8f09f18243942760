"""Benchmark: products and time of plain vs Chebyshev-accelerated Krylov–Schur, away from LM.

The game is a digits DCGAN (:mod:`gamedyn.examples.digits`: BatchNorm in the generator; width
16, ``n = 19,362``, or ``--example digits-small``) trained with :func:`gamedyn.examples.train`
(Adam, seed 0) for ``--steps`` steps and reloaded on one fixed batch (seed 12,345) in float64.
For the last checkpoint it reports, for plain Krylov–Schur (``accelerate=None``, the default
basis ``ncv = 20`` and a longer one, ``--long-ncv``) and for ``accelerate="chebyshev"``
(:mod:`gamedyn.spectrum.filters`, basis 20), the products of ``J`` used
(``jacobian_products``: the solver's, and for Chebyshev the Arnoldi, filter and Rayleigh–Ritz
products), the wall time, whether it converged, and the largest distance from plain's result:

1. the game Jacobian's ``which="SR"`` top-``--k`` (the least stable directions);
2. extragradient's operator Jacobian (``--lr``) by largest modulus, by the operator route (the
   checkpoint is not a stationary point), whose eigenvalues crowd near 1.

Both runs start from the same vector and use ``tol`` ``--tol``; one torch thread (fairer on
the shared 2-core machine). A run that does not converge in ``--max-restarts`` restarts is
reported with its products.

``--sweep`` adds SR top-``k`` by plain Krylov–Schur and by
:func:`~gamedyn.spectrum.filters.chebyshev_eigenpairs` for bases 20, 40, 60 and degrees 2, 4,
10, 30 (products only; about 15 more minutes).

Run:
  python benchmarks/bench_accelerate.py
  python benchmarks/bench_accelerate.py --sweep
  python benchmarks/bench_accelerate.py --example digits-small --steps 200
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any

import numpy as np
import torch
from gamedyn.spectrum.eigensolvers import NoConvergence, top_eigenvalues
from gamedyn.spectrum.filters import chebyshev_eigenpairs
from gamedyn.spectrum.krylov import krylov_schur

from gamedyn.examples import EXAMPLES, train
from gamedyn.figures.pseudospectra import single_threaded
from gamedyn.methods import ExtraGradient
from gamedyn.spectrum import JacobianOperator


def solve(game: Any, args: argparse.Namespace, which: str, accelerate: str | None, **kw: Any):
    """``(values or None, J products, seconds, note)`` of one top-k solve."""
    start = time.perf_counter()
    try:
        r = top_eigenvalues(game, args.k, which, accelerate=accelerate, solver=KrylovSchur(tol=args.tol, max_restarts=args.max_restarts), **kw)  # fmt: skip
    except NoConvergence as err:
        seconds = time.perf_counter() - start
        return None, err.matvecs, seconds, f"did not converge: {str(err)[:120]}"
    return r.values, r.jacobian_products, r.seconds, r.acceleration or "plain"


def compare(name: str, game: Any, args: argparse.Namespace, which: str, **kw: Any) -> None:
    runs = {
        "plain": solve(game, args, which, None, **kw),
        f"plain, ncv {args.long_ncv}": solve(game, args, which, None, ncv=args.long_ncv, **kw),
        "chebyshev": solve(game, args, which, "chebyshev", **kw),
    }
    for label, (values, products, seconds, note) in runs.items():
        shown = "-" if values is None else np.array2string(values, precision=6)
        print(f"  {name} {label:14s}: {products:5d} J products, {seconds:7.2f} s  {shown}")
        print(f"      {note}")
    plain = runs["plain"]
    for label, (values, products, seconds, _) in list(runs.items())[1:]:
        if plain[0] is not None and values is not None:
            gap = max(np.min(np.abs(plain[0] - v)) for v in values)
            print(f"  {name}: products {label} / plain = {products / plain[1]:.2f}, "
                  f"time {seconds / plain[2]:.2f}, largest distance {gap:.1e}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="digits", choices=["digits", "digits-small"])
    parser.add_argument("--steps", type=int, default=300, help="training steps")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--tol", type=float, default=1e-8)
    parser.add_argument("--lr", type=float, default=0.05, help="extragradient's step size")
    parser.add_argument("--max-restarts", type=int, default=300)
    parser.add_argument("--long-ncv", type=int, default=60, help="the longer plain basis")
    parser.add_argument("--skip-extragradient", action="store_true")
    parser.add_argument(
        "--sweep", action="store_true", help="also SR by plain and filtered over ncv and degree"
    )
    args = parser.parse_args()

    example = EXAMPLES[args.example]
    with single_threaded(), tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = train(example, args.steps, tmp, args.steps, seed=0)
        game = example.load_game(paths[-1], args.batch, 12_345)
        print(f"trained {args.steps} steps in {time.perf_counter() - start:.1f} s; {game}")
        print(f"n = {game.n:,}, tol {args.tol:g}, k = {args.k}, one torch thread")
        compare("J, SR", game, args, "SR")
        compare("J, LR", game, args, "LR")
        if not args.skip_extragradient:
            method = ExtraGradient(args.lr)
            compare("extragradient, LM", game, args, "LM", method=method, route="operator")
        if args.sweep:
            sweep(game, args)


def sweep(game: Any, args: argparse.Namespace) -> None:
    """SR top-k products by plain Krylov–Schur and the filter over basis sizes and degrees."""
    op = JacobianOperator(game)
    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(game.n))
    for ncv in (20, 40, 60):
        plain = krylov_schur(op.apply, game.n, args.k, "SR", tol=args.tol, ncv=ncv, v0=v0)
        line = [f"plain {plain.matvecs}"]
        for degree in (2, 4, 10, 30):
            r = chebyshev_eigenpairs(
                op.apply, game.n, args.k, "SR", tol=args.tol, ncv=ncv, degree=degree, v0=v0
            )
            line.append(f"degree {degree} {r.matvecs}{'' if r.converged else ' (failed)'}")
        print(f"  SR, ncv {ncv}: " + ", ".join(line), flush=True)


if __name__ == "__main__":
    main()
