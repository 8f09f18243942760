"""Benchmark: the products the non-normal quantities need at checkpoint scale (digits DCGAN).

The game is the digits DCGAN (:mod:`gamedyn.examples.digits`, width 16: ``n = 19,362``)
trained with :func:`gamedyn.examples.train` (Adam, seed 0) for ``--steps`` steps, checkpoints
every ``--every``, each reloaded on one fixed evaluation batch (seed 12,345) in float64 with the
default product mode (reverse). For the last checkpoint, every quantity is computed matrix-free
on a :class:`~gamedyn.spectrum.JacobianOperator` and reported with the **products** it used (``J u``
and ``Jᵀ u`` each count one; the cost that scales with the model) and its wall time, also as a
multiple of one product's time measured in the same run (best of 5 after a warm-up):

1. the rotation index ``‖K‖²_F/‖J‖²_F`` with its standard error (``--probes`` Rademacher probes),
   for the whole Jacobian, per player and per layer from the same probes;
2. the coupling/own-block split (probes masked per player);
3. ``‖J‖²_F`` (Hutchinson, one ``J g`` per probe);
4. the numerical abscissa ``λ_max((J + Jᵀ)/2)`` (Lanczos, ``tol`` 1e-8);
5. ``κ(λ)`` of the top ``--k`` eigenvalues (Krylov–Schur on ``J`` and on ``Jᵀ``, ``tol`` 1e-10);
6. the Krylov-projected pseudospectrum from ``--basis`` Arnoldi steps (``60 × 60`` grid);
7. ``‖Tᵗ‖`` for ``t ≤ --transient`` of GDA(``--lr``) (Lanczos on ``(Tᵗ)ᵀTᵗ``);
8. the rotation index per player at every checkpoint (tracked along training).

Run (2-core CPU, one torch thread and one BLAS thread, which is faster for this model there):
  python benchmarks/bench_non_normal.py
  python benchmarks/bench_non_normal.py --steps 200 --every 100 --probes 20 --transient 5
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from gamedyn.examples import EXAMPLES, train
from gamedyn.experiments import single_threaded
from gamedyn.linalg import hermitian_eigenvalues
from gamedyn.methods import GDA
from gamedyn.nonnormal import (
    coupling_rotation,
    default_grid,
    frobenius_norm_squared,
    krylov_pseudospectrum,
    parameter_blocks,
)
from gamedyn.nonnormal._conditioning import operator_condition_numbers
from gamedyn.nonnormal._rotation import operator_rotation
from gamedyn.nonnormal._transient import power_norms
from gamedyn.spectrum import JacobianOperator


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of ``repeat`` timings of ``fn()`` after one warm-up call, in seconds."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measured(op: JacobianOperator, fn: Callable[[], Any]) -> tuple[Any, int, float]:
    """``fn()``, the products it made on ``op`` and its wall time."""
    before, start = op.count, time.perf_counter()
    value = fn()
    return value, op.count - before, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="training steps")
    parser.add_argument("--every", type=int, default=250, help="checkpoint every ... steps")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--basis", type=int, default=40)
    parser.add_argument("--transient", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()

    example = EXAMPLES["digits"]
    with single_threaded(), tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = train(example, args.steps, tmp, args.every, seed=0)
        games = [example.load_game(p, args.batch, 12_345) for p in paths]
        seconds = time.perf_counter() - start
        print(f"trained {args.steps} steps, {len(paths)} checkpoints in {seconds:.1f} s")
        run(games, paths, args)


def run(games: list[Any], paths: list[Any], args: argparse.Namespace) -> None:
    game = games[-1]
    print(f"{game}: n = {game.n:,}, torch threads {torch.get_num_threads()}")
    op = JacobianOperator(game)
    u = torch.randn(game.n, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    t_ju = best_of(lambda: op.apply(u))
    t_jtu = best_of(lambda: op.apply_transpose(u))
    per_product = 0.5 * (t_ju + t_jtu)
    print(
        f"one J u {t_ju * 1e3:.1f} ms, one Jᵀ u {t_jtu * 1e3:.1f} ms (the unit below: their mean)"
    )
    rows: list[tuple[str, int, float, str]] = []

    layers = parameter_blocks(game, "layer")
    players = parameter_blocks(game, "player")
    fresh = JacobianOperator(game)
    rotation, products, seconds = measured(
        fresh, lambda: operator_rotation(fresh, args.probes, {**players, **layers})
    )
    r = rotation["all"]
    rows.append(
        (
            f"rotation index ({args.probes} probes; all, 2 players, {len(layers)} layers)",
            products,
            seconds,
            f"{r.value:.4f} ± {r.stderr:.4f}",
        )
    )
    start = time.perf_counter()
    coupling = coupling_rotation(game, args.probes)
    rows.append(
        (
            f"coupling / own blocks ({args.probes} masked probes per player)",
            coupling["coupling"].matvecs,
            time.perf_counter() - start,
            f"coupling {coupling['coupling'].value:.4f} ± {coupling['coupling'].stderr:.4f}",
        )
    )
    start = time.perf_counter()
    frobenius = frobenius_norm_squared(game, args.probes)
    rows.append(
        (
            f"‖J‖²_F Hutchinson ({args.probes} probes)",
            frobenius.matvecs,
            time.perf_counter() - start,
            f"{frobenius.value:.4g} ± {frobenius.stderr:.2g}",
        )
    )
    fresh = JacobianOperator(game)
    omega, products, seconds = measured(
        fresh, lambda: hermitian_eigenvalues(0.5 * (fresh + fresh.T), 1, "LA", 1e-8)[0]
    )
    rows.append(
        ("numerical abscissa λ_max(S) (Lanczos, tol 1e-8)", products, seconds, f"{omega:.5g}")
    )
    fresh = JacobianOperator(game)
    c, products, seconds = measured(
        fresh, lambda: operator_condition_numbers(fresh, args.k, "LM", tol=1e-10)
    )
    rows.append(
        (
            f"κ(λ) of the top {args.k} (Krylov–Schur on J and Jᵀ)",
            products,
            seconds,
            f"max κ {c.condition_numbers.max():.3g}",
        )
    )
    fresh = JacobianOperator(game)
    re, im = default_grid(c.eigenvalues, 60)
    pseudo, products, seconds = measured(
        fresh, lambda: krylov_pseudospectrum(fresh, re, im, args.basis)
    )
    rows.append(
        (
            f"Krylov-projected pseudospectrum (m = {args.basis}, 60 × 60 grid)",
            products,
            seconds,
            f"min σ {pseudo.sigma_min.min():.2g}",
        )
    )
    T = JacobianOperator(game, method=GDA(args.lr))
    norms, products, seconds = measured(
        T, lambda: power_norms(T.apply, T.apply_transpose, T.shape[0], args.transient, tol=1e-8)[0]
    )
    rows.append(
        (
            f"‖Tᵗ‖, t ≤ {args.transient}, GDA({args.lr:g})",
            products,
            seconds,
            f"max {norms.max():.6g} at t = {int(np.argmax(norms))}",
        )
    )
    start, products, along = time.perf_counter(), 0, []
    for g in games:
        o = JacobianOperator(g)
        result = operator_rotation(o, args.probes, parameter_blocks(g, "player"))
        products += o.count
        along.append(result)
    rows.append(
        (
            f"rotation per player at {len(games)} checkpoints",
            products,
            time.perf_counter() - start,
            "",
        )
    )

    print(f"\n{'quantity':68s} {'products':>9s} {'seconds':>8s} {'× product':>10s}  value")
    for name, products, seconds, value in rows:
        print(f"{name:68s} {products:9d} {seconds:8.1f} {seconds / per_product:10.0f}  {value}")
    print("\nrotation index along training (value ± SE):")
    for path, result in zip(paths, along, strict=True):
        cells = "  ".join(f"{k} {v.value:.4f} ± {v.stderr:.4f}" for k, v in result.items())
        print(f"  {path.stem}: {cells}")
    print("\nper layer at the last checkpoint:")
    for label in layers:
        print(f"  {label:26s} {rotation[label].value:.4f} ± {rotation[label].stderr:.4f}")


if __name__ == "__main__":
    main()
