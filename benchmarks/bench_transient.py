"""Benchmark: the transient ``‖Tᵗ‖`` (a method's operator) and ``‖e^{−t·dt·J}‖`` (the gradient
flow) for ``t ≤ --steps``, matrix-free, before and after.

Variants, interleaved in one run, order rotated each round, one torch thread, CPU and wall time,
min and median (``benchmarks/_timing.py``), for each operator of ``--operators``. A method's
operator (``gda``, ``adam``):

* ``per-t Lanczos``: the method before the carried subspace, transcribed here — at each ``t``
  Lanczos on ``(Tᵗ)ᵀTᵗ`` (:func:`gamedyn.linalg.top_singular`, ``2t`` products a step) to
  relative residual ``tol``, started from the previous ``t``'s vector plus a tenth of a random
  one;
* ``carried subspace``: :func:`gamedyn.nonnormal._transient.power_norms` as it is now (one
  subspace carried along ``t``, the last worst directions kept, the quadratic stopping rule).

The flow (``flow``), both by ``power_norms`` and ``flow_powers`` (carried blocks: each expansion
the residual's first Krylov vectors of ``J`` with their images from one basis, ``t = 1`` from the
lowest eigenvector of ``(J + Jᵀ)/2``, each residual's ``e^{−t·dt·Jᵀ} w`` to 1 % of the last
residual, never looser than 1e-6), differing in how that exponential is computed:

* ``carried blocks``: main before the shared space — one Krylov exponential per residual
  (:func:`gamedyn.linalg.expm_apply`, a fresh Arnoldi basis of ``Jᵀ`` each time);
* ``shared Jᵀ space``: ``flow_powers`` as it is now — Galerkin on one space of ``Jᵀ`` kept
  across the residuals (:class:`gamedyn.linalg.ExpmSpace`), seeded by the start's products.

Operators: ``gda`` (``GDA(--lr)``), ``adam`` (frozen simultaneous Adam with the checkpoint's
state, :func:`gamedyn.methods.trained_method`), ``flow`` (the game Jacobian's flow, ``--dt``).
Printed: the products of each (``T u`` and ``Tᵀ w``, or ``J u`` and ``Jᵀ w``, together), the
largest relative difference of the two curves, and the curve. One torch thread; numpy's and
scipy's BLAS threads are set by the environment (``OPENBLAS_NUM_THREADS=1`` for CPU seconds
that count work, not spin-waiting threads).

Run:
  python -m gamedyn examples digits --steps 300 --save-every 300 --out /tmp/ckpt
  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_transient.py --example digits \\
      --checkpoint /tmp/ckpt/digits/step_000300.safetensors --steps 10 --dt 0.05 --rounds 1
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np
from _timing import interleaved, single_threaded, table

from gamedyn.examples import EXAMPLES, train
from gamedyn.linalg import expm_apply, top_singular
from gamedyn.methods import GDA, trained_method
from gamedyn.nonnormal._transient import flow_powers, power_norms
from gamedyn.spectrum import JacobianOperator


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--example", choices=("mixture", "digits"), default="digits")
    p.add_argument("--checkpoint", default=None, help="a checkpoint (default: train one)")
    p.add_argument("--train-steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=10, help="the largest t")
    p.add_argument("--dt", type=float, default=0.05)
    p.add_argument("--lr", type=float, default=0.05, help="GDA's step")
    p.add_argument("--tol", type=float, default=1e-10)
    p.add_argument("--operators", default="gda,adam,flow")
    p.add_argument("--rounds", type=int, default=1)
    args = p.parse_args()
    example = EXAMPLES[args.example]
    with single_threaded(), tempfile.TemporaryDirectory() as tmp:
        path = args.checkpoint or train(example, args.train_steps, tmp, args.train_steps)[-1]
        game = example.load_game(path, args.batch, 12_345)
        print(f"{game}\nt <= {args.steps}, tol {args.tol:g}")
        for name in args.operators.split(","):
            if name == "gda":
                method = GDA(args.lr)
            elif name == "adam":
                method, _ = trained_method(game, "adam", path, frozen=True, alternating=False)
            elif name == "flow":
                method = None
            else:
                raise SystemExit(f"bench_transient.py: error: unknown operator {name!r}")
            _compare(name, JacobianOperator(game, None, method), args)


def _compare(name: str, op: JacobianOperator, args: argparse.Namespace) -> None:
    n, flow = op.shape[0], op.method is None
    counts: dict[str, int] = {}

    def counted(label: str, fn):
        def go():
            start = op.count
            norms = fn()
            counts[label] = op.count - start
            return norms

        return go

    def carried(powers):  # powers: None (chained products) or a fresh flow's for each round
        return lambda: power_norms(
            op.apply, op.apply_transpose, n, args.steps, tol=args.tol,
            powers=None if powers is None else powers(),
        )[0]  # fmt: skip

    if flow:

        def before():  # main's before the shared space: one Krylov exponential per residual
            after = flow_powers(op, args.dt)
            return after._replace(
                power_t=lambda w, t, accuracy: (
                    expm_apply(op.apply_transpose, w, t * args.dt, tol=max(1e-13, accuracy)).vector
                )
            )

        fns = {
            "carried blocks": carried(before),
            "shared Jᵀ space": carried(lambda: flow_powers(op, args.dt)),
        }
    else:
        fns = {
            "per-t Lanczos": lambda: _per_t_lanczos(op, args),
            "carried subspace": carried(None),
        }
    variants = {label: counted(label, fn) for label, fn in fns.items()}
    baseline, last = list(variants)
    label = f"flow, dt {args.dt:g}" if flow else str(op.method)
    print(f"\n== {name}: {label}, n = {n:,}")
    timings = interleaved(variants, args.rounds, warmup=False, progress=True)
    print(table(timings, baseline=baseline))
    old, new = timings[baseline].result, timings[last].result
    for variant in variants:
        print(f"{variant:18s}: {counts[variant]:7,d} products")
    print(f"largest relative difference {np.max(np.abs(old - new) / old):.1e}")
    print("norms:", np.array2string(new, precision=8))


def _per_t_lanczos(op: JacobianOperator, args: argparse.Namespace) -> np.ndarray:
    """The method before the carried subspace: Lanczos on ``(Tᵗ)ᵀTᵗ`` at each ``t`` separately."""
    import torch

    n = op.shape[0]
    noise = torch.randn(n, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    noise = (noise / torch.linalg.vector_norm(noise)).to(op.device)
    norms, vector = np.ones(args.steps + 1), noise
    for t in range(1, args.steps + 1):

        def power(u, t=t):
            for _ in range(t):
                u = op.apply(u)
            return u

        def power_t(w, t=t):
            for _ in range(t):
                w = op.apply_transpose(w)
            return w

        sigma, vector, residual = top_singular(power, power_t, vector + 0.1 * noise, args.tol, 100)
        if not residual <= args.tol:
            raise SystemExit(f"per-t Lanczos did not converge at t = {t}")
        norms[t] = sigma
    return norms


if __name__ == "__main__":
    main()
