"""Benchmark: the gradient flow's transient ``‖e^{−t·dt·J}‖`` for ``t ≤ --steps``, matrix-free.

Variants (same Lanczos on ``(e^{−sJ})ᵀ e^{−sJ}``, same ``tol``, same start), interleaved in one
run, order rotated each round, one torch thread, CPU and wall time, min and median
(``benchmarks/_timing.py``):

* ``expm_multiply``: each ``e^{−dt J} u`` by ``scipy.sparse.linalg.expm_multiply`` (its own norm
  estimates and Taylor steps), ``t`` of them per ``e^{−t·dt·J} u`` (the previous method);
* ``krylov``: ``e^{−t·dt·J} u`` by one Krylov exponential (Arnoldi from ``u``,
  ``flow_powers`` of :mod:`gamedyn.nonnormal`), whatever ``t`` (the current method).

Printed: the ``J`` products of each (``J u`` and ``Jᵀ w`` together) and the largest relative
difference of the two curves.

Run:
  python benchmarks/bench_transient.py                        # mixture GAN, t <= 10, dt 0.05
  python benchmarks/bench_transient.py --example digits --steps 3 --rounds 1
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np
from _timing import interleaved, single_threaded, table

from gamedyn.examples import EXAMPLES, train
from gamedyn.nonnormal._transient import flow_powers, flow_products, power_norms
from gamedyn.spectrum import JacobianOperator


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--example", choices=("mixture", "digits"), default="mixture")
    p.add_argument("--checkpoint", default=None, help="a checkpoint (default: train one)")
    p.add_argument("--train-steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=10, help="the largest t")
    p.add_argument("--dt", type=float, default=0.05)
    p.add_argument("--tol", type=float, default=1e-10)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    example = EXAMPLES[args.example]
    with single_threaded(), tempfile.TemporaryDirectory() as tmp:
        path = args.checkpoint or train(example, args.train_steps, tmp, args.train_steps)[-1]
        game = example.load_game(path, args.batch, 12_345)
        op = JacobianOperator(game)
        n = op.shape[0]
        counts: dict[str, int] = {}

        def run(name: str, **kw):
            def go():
                start = op.count
                norms, _ = power_norms(
                    op.apply, op.apply_transpose, n, args.steps, tol=args.tol, **kw
                )
                counts[name] = op.count - start
                return norms

            return go

        apply, apply_t = flow_products(op, args.dt)
        variants = {
            "expm_multiply": _previous(apply, apply_t, op, n, args, counts),
            "krylov": run("krylov", powers=flow_powers(op, args.dt)),
        }
        print(f"{game}\nn = {n:,}, t <= {args.steps}, dt {args.dt:g}, tol {args.tol:g}")
        timings = interleaved(variants, args.rounds, warmup=False, progress=True)
        print(table(timings, baseline="expm_multiply"))
        old, new = timings["expm_multiply"].result, timings["krylov"].result
        for name in variants:
            print(f"{name:14s}: {counts[name]:7,d} J products")
        print(f"largest relative difference {np.max(np.abs(old - new) / old):.1e}")
        print("‖e^{−t·dt·J}‖:", np.array2string(new, precision=8))


def _previous(apply, apply_t, op, n, args, counts):
    """The previous method: ``t`` applications of ``expm_multiply``'s ``e^{−dt J}``."""

    def go():
        start = op.count
        norms, _ = power_norms(apply, apply_t, n, args.steps, tol=args.tol)
        counts["expm_multiply"] = op.count - start
        return norms

    return go


if __name__ == "__main__":
    main()
