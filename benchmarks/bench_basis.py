"""Benchmark: products and time of Krylov–Schur by basis size, away from the largest moduli.

The game is a digits DCGAN (:mod:`gamedyn.examples.digits`: BatchNorm in the generator; width
16, ``n = 19,362``, or ``--example digits-small``) trained with :func:`gamedyn.examples.train`
(Adam, seed 0) for ``--steps`` steps and reloaded on one fixed batch (seed 12,345) in float64.
For the last checkpoint it reports, for ``KrylovSchur(ncv=...)`` with the default basis (20)
and longer ones (``--ncv``), the products of ``J`` used (``jacobian_products``), the wall time,
whether it converged, and the largest distance from the default basis' result:

1. the game Jacobian's ``which="SR"`` and ``"LR"`` top-``--k`` (the least stable directions);
2. extragradient's operator Jacobian (``--lr``) by largest modulus, by the operator route (the
   checkpoint is not a stationary point), whose eigenvalues crowd near 1.

Every run starts from the same vector and uses ``tol`` ``--tol``; one torch thread (fairer on
the shared 2-core machine). Products are deterministic; the bases are timed interleaved over
``--rounds`` rounds, their order rotated each round (``benchmarks/_timing.py``): CPU and wall
time, min and median.

This is the measurement that removed the Chebyshev acceleration (``accelerate="chebyshev"``,
issue 17b; README): on this checkpoint a longer plain basis always took fewer products.

Run:
  python benchmarks/bench_basis.py
  python benchmarks/bench_basis.py --example digits-small --steps 200
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
from typing import Any

import numpy as np
from _timing import interleaved

from gamedyn.examples import EXAMPLES, train
from gamedyn.experiments import single_threaded
from gamedyn.methods import ExtraGradient
from gamedyn.spectrum import KrylovSchur, NoConvergence, top_eigenvalues


def solve(game: Any, args: argparse.Namespace, which: str, ncv: int | None, **kw: Any):
    """``(values or None, J products, note)`` of one top-k solve."""
    route = "operator" if kw.get("method") is not None else "auto"
    solver = KrylovSchur(tol=args.tol, ncv=ncv, max_restarts=args.max_restarts, route=route)
    try:
        r = top_eigenvalues(game, args.k, which, solver=solver, **kw)
    except NoConvergence as err:
        return None, err.matvecs, f"did not converge: {str(err)[:120]}"
    return r.values, r.jacobian_products, "converged"


def compare(name: str, game: Any, args: argparse.Namespace, which: str, **kw: Any) -> None:
    variants = {
        f"ncv {ncv or 20}": functools.partial(solve, game, args, which, ncv, **kw)
        for ncv in (None, *args.ncv)
    }
    timings = interleaved(variants, args.rounds, warmup=False)
    for label, t in timings.items():
        values, products, note = t.result
        shown = "-" if values is None else np.array2string(values, precision=6)
        print(f"  {name} {label:8s}: {products:5d} J products, {t}  {shown}  {note}")
    base = timings["ncv 20"]
    for label, t in list(timings.items())[1:]:
        if base.result[0] is not None and t.result[0] is not None:
            gap = max(np.min(np.abs(base.result[0] - v)) for v in t.result[0])
            print(f"  {name}: products {label} / ncv 20 = {t.result[1] / base.result[1]:.2f}, "
                  f"CPU {t.cpu_min / base.cpu_min:.2f} (min) "
                  f"{t.cpu_median / base.cpu_median:.2f} (median), "
                  f"largest distance {gap:.1e}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="digits", choices=["digits", "digits-small"])
    parser.add_argument("--steps", type=int, default=300, help="training steps")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--tol", type=float, default=1e-8)
    parser.add_argument("--lr", type=float, default=0.05, help="extragradient's step size")
    parser.add_argument("--max-restarts", type=int, default=300)
    parser.add_argument("--ncv", type=int, nargs="+", default=[40, 60], help="longer bases")
    parser.add_argument("--skip-extragradient", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args()

    example = EXAMPLES[args.example]
    with single_threaded(), tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = train(example, args.steps, tmp, args.steps, seed=0)
        game = example.load_game(paths[-1], args.batch, 12_345)
        print(f"trained {args.steps} steps in {time.perf_counter() - start:.1f} s; {game}")
        print(
            f"n = {game.n:,}, tol {args.tol:g}, k = {args.k}, one torch thread, "
            f"{args.rounds} interleaved rounds (order rotated)"
        )
        compare("J, SR", game, args, "SR")
        compare("J, LR", game, args, "LR")
        if not args.skip_extragradient:
            compare("extragradient, LM", game, args, "LM", method=ExtraGradient(args.lr))


if __name__ == "__main__":
    main()
