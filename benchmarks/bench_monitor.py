"""Benchmark: the training monitor's overhead on the digits DCGAN, and warm against cold starts.

The examples' training loop (:func:`gamedyn.examples.train`'s: alternating Adam, the
discriminator first, ``lr = 1e-4``, ``betas = (0.5, 0.999)``, batch ``--batch``, float32) on the
digits DCGAN (:mod:`gamedyn.examples.digits`, width 16, ``n = 19,362``) runs ``--steps`` steps
without a monitor and with a :class:`gamedyn.monitor.SpectrumMonitor` (``--quantities``, top
``k = 6``, ``tol = 1e-8``, float64 products, on a fixed batch) for each ``every`` of
``--every``; the variants are interleaved within each of ``--repeat`` rounds, their order
rotated each round (the same seeds: the monitored runs train bit-identically to the plain one,
which is checked). Reported per variant: the loop's wall time and process CPU time (min and
median over rounds), the overhead against the plain loop (median CPU), the monitored steps and
their products.

Warm against cold starts (paired): at every ``--warm-every``-th step of the same training run, the
game Jacobian's top ``k = 6`` (``tol = 1e-8``) of the live players is solved twice on the same
operator — cold (the monitor's start vector, standard normal of seed 0) and warm (started at
``Σ_i (Re x_i + Im x_i)`` of the previous monitored step's Ritz vectors ``x_i``), cold first and
warm first in turn, and the products (deterministic) and CPU seconds of each are compared. The
monitor has no warm starts: this measurement found they do not pay (README).

The overhead is measured in process CPU time (on a shared machine the wall time mostly measures
the other processes); the per-step costs give the overhead of longer ``every`` (one monitored
step's CPU over ``every`` training steps' CPU).

One torch thread. Run:
  python benchmarks/bench_monitor.py                       # digits, 120 steps, every 120/60/30
  python benchmarks/bench_monitor.py --steps 400 --every 400 200 100 50 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from gamedyn.examples import digits
from gamedyn.examples.training import BETAS, LOSS
from gamedyn.games import discriminator_loss, generator_loss
from gamedyn.monitor import SpectrumMonitor
from gamedyn.spectrum import KrylovSchur


def run(steps: int, batch: int, monitor_options: dict | None, hook=None) -> dict:
    """One training run (optionally monitored; ``hook(step, G, D, fixed)`` after each step):
    times, records, final parameters."""
    G, D = digits.generator(), digits.discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=BETAS)
    monitor = None
    if monitor_options is not None:
        monitor = SpectrumMonitor(G, D, LOSS, optimizers=(opt_g, opt_d), **monitor_options)
    fixed = (digits.sample(batch, 0), digits.latent(batch, 0))
    wall, cpu = time.perf_counter(), time.process_time()
    for step in range(1, steps + 1):
        real, z = digits.sample(batch, step), digits.latent(batch, step)
        loss_d = discriminator_loss(LOSS, D(real), D(G(z).detach()))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = generator_loss(LOSS, D(G(z)))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if monitor is not None:
            monitor(step, real=fixed[0], latent=fixed[1])
        if hook is not None:
            hook(step, G, D, fixed)
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "records": [] if monitor is None else monitor.history,
        "params": [p.detach().clone() for p in (*G.parameters(), *D.parameters())],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--every", type=int, nargs="+", default=[120, 60, 30])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quantities", nargs="+", default=["jacobian"])
    parser.add_argument("--skip-warm", action="store_true", help="only the overhead table")
    parser.add_argument("--warm-every", type=int, help="every of the warm/cold runs")
    args = parser.parse_args()
    torch.set_num_threads(1)
    common = {
        "k": 6,
        "solver": KrylovSchur(tol=1e-8),
        "quantities": tuple(args.quantities),
        "tensorboard": False,
    }
    variants: dict[str, dict | None] = {"plain": None}
    for every in args.every:
        variants[f"every={every}"] = {**common, "every": every}
    results: dict[str, list[dict]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(args.repeat):  # interleaved, the order rotated each round
        for name in names[r % len(names) :] + names[: r % len(names)]:
            results[name].append(run(args.steps, args.batch, variants[name]))
    reference = results["plain"][0]["params"]
    for name, runs in results.items():
        for r in runs:
            assert all(torch.equal(a, b) for a, b in zip(reference, r["params"], strict=True)), name
    base = statistics.median(r["cpu"] for r in results["plain"])
    print(
        f"digits DCGAN, {args.steps} steps, batch {args.batch}, quantities {args.quantities}, "
        f"k = 6, one thread; {args.repeat} interleaved rounds; parameters bit-identical to the "
        "plain loop in every monitored run"
    )
    print(
        "| variant | monitored steps | products/step | wall s (min / median) "
        "| CPU s (min / median) | overhead (CPU) |"
    )
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        walls, cpus = [r["wall"] for r in runs], [r["cpu"] for r in runs]
        records = runs[0]["records"]
        steps = sorted({r["step"] for r in records})
        products = [r.get("products", 0) for r in records]
        per_step = (
            f"{statistics.mean(products) * len(products) / max(len(steps), 1):.0f}"
            if records
            else "–"
        )
        overhead = (
            "–" if name == "plain" else f"{100 * (statistics.median(cpus) - base) / base:+.0f} %"
        )
        print(
            f"| {name} | {len(steps)} | {per_step} | {min(walls):.1f} / "
            f"{statistics.median(walls):.1f} | {min(cpus):.1f} / {statistics.median(cpus):.1f} "
            f"| {overhead} |"
        )
    train_cpu = statistics.median(r["cpu"] for r in results["plain"]) / args.steps
    calls = [
        (r["cpu"] - statistics.median(p["cpu"] for p in results["plain"]))
        / max(len({x["step"] for x in r["records"]}), 1)
        for name, runs in results.items()
        if name != "plain"
        for r in runs
    ]
    call_cpu = statistics.median(calls)
    print(
        f"\nCPU per training step {1000 * train_cpu:.1f} ms, per monitored step "
        f"{call_cpu:.2f} s (medians): one monitored step costs {call_cpu / train_cpu:.0f} "
        "training steps; the overhead of every = N is that over N"
    )
    print("| every | 100 | 500 | 1000 | 5000 |")
    print("|---|---|---|---|---|")
    cells = " | ".join(f"{100 * call_cpu / (n * train_cpu):.0f} %" for n in (100, 500, 1000, 5000))
    print(f"| overhead (CPU) | {cells} |")
    if args.skip_warm:
        return
    every = args.warm_every or min(args.every)
    rows = warm_against_cold(args.steps, args.batch, every)
    print(
        f"\nwarm against cold starts, the same operators, every {every} steps (k = 6, tol = 1e-8)"
    )
    print("| step | products cold | products warm | CPU s cold | CPU s warm |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| {} | {} | {} | {:.2f} | {:.2f} |".format(*row))
    cold, warm = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(
        f"| all | {cold} | {warm} ({100 * (warm - cold) / cold:+.1f} %) | "
        f"{sum(r[3] for r in rows):.1f} | {sum(r[4] for r in rows):.1f} |"
    )


def warm_against_cold(steps: int, batch: int, every: int) -> list[tuple]:
    """``(step, products cold, products warm, CPU s cold, CPU s warm)`` per monitored step after
    the first (module docstring)."""
    from gamedyn.games import TorchGame
    from gamedyn.linalg import krylov_schur
    from gamedyn.spectrum import JacobianOperator

    rows, previous = [], []

    def solve(op, v0):
        start = time.process_time()
        r = krylov_schur(op.apply, op.shape[0], 6, tol=1e-8, v0=v0, return_vectors=True)
        return r, time.process_time() - start

    def hook(step, G, D, fixed):
        if step % every:
            return
        op = JacobianOperator(TorchGame(G, D, LOSS, *fixed))
        op.apply(torch.zeros(op.shape[0], dtype=torch.float64))  # builds the graph: not timed
        cold_v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(op.shape[0]))
        if previous:  # cold first and warm first in turn
            if len(rows) % 2:
                warm, warm_s = solve(op, previous[-1])
                cold, cold_s = solve(op, cold_v0)
            else:
                cold, cold_s = solve(op, cold_v0)
                warm, warm_s = solve(op, previous[-1])
            rows.append((step, cold.matvecs, warm.matvecs, cold_s, warm_s))
        else:
            cold, _ = solve(op, cold_v0)
        previous.append((cold.vectors.real.sum(0) + cold.vectors.imag.sum(0)).double())

    run(steps, batch, None, hook)
    return rows


if __name__ == "__main__":
    main()
