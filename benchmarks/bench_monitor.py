"""Benchmark: the training monitor's overhead on the digits DCGAN, and warm against cold starts.

The examples' training loop (:func:`gamedyn.examples.train`'s: alternating Adam, the
discriminator first, ``lr = 1e-4``, ``betas = (0.5, 0.999)``, batch ``--batch``, float32) on the
digits DCGAN (:mod:`gamedyn.examples.digits`, width 16, ``n = 19,362``) runs ``--steps`` steps
without a monitor and with a :class:`gamedyn.monitor.SpectrumMonitor` (``--quantities``, top
``k = 6``, ``tol = 1e-8``, float64 products, on a fixed batch) for each ``every`` of
``--every``; the variants are interleaved within each of ``--repeat`` rounds (the same seeds:
the monitored runs train bit-identically to the plain one, which is checked). Reported per
variant: the loop's wall time and process CPU time (min and median over rounds), the overhead
against the plain loop (median wall), the monitored steps and their products.

Warm against cold: the same monitored run with ``warm_start=True`` and ``False``; products per
monitored step after the first (the first is cold in both), which are deterministic, and the
seconds of those solves.

One torch thread. Run:
  python benchmarks/bench_monitor.py                       # digits, 120 steps, every 120/60/30
  python benchmarks/bench_monitor.py --steps 400 --every 400 200 100 50 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gamedyn.examples import digits
from gamedyn.examples.training import BETAS, LOSS
from gamedyn.games.gan_losses import discriminator_loss, generator_loss
from gamedyn.monitor import SpectrumMonitor


def run(steps: int, batch: int, monitor_options: dict | None) -> dict:
    """One training run (optionally monitored): times, records, final parameters."""
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
    common = {"k": 6, "tol": 1e-8, "quantities": tuple(args.quantities), "tensorboard": False}
    variants: dict[str, dict | None] = {"plain": None}
    for every in args.every:
        variants[f"every={every}"] = {**common, "every": every}
    results: dict[str, list[dict]] = {name: [] for name in variants}
    for _ in range(args.repeat):  # interleaved
        for name, options in variants.items():
            results[name].append(run(args.steps, args.batch, options))
    reference = results["plain"][0]["params"]
    for name, runs in results.items():
        for r in runs:
            assert all(torch.equal(a, b) for a, b in zip(reference, r["params"], strict=True)), name
    base = statistics.median(r["wall"] for r in results["plain"])
    print(
        f"digits DCGAN, {args.steps} steps, batch {args.batch}, quantities {args.quantities}, "
        f"k = 6, one thread; {args.repeat} interleaved rounds; parameters bit-identical to the "
        "plain loop in every monitored run"
    )
    print(
        "| variant | monitored steps | products/step | wall s (min / median) "
        "| CPU s (min / median) | overhead |"
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
            "–" if name == "plain" else f"{100 * (statistics.median(walls) - base) / base:+.0f} %"
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
    print(f"\nwarm against cold starts, every = {every} (after the first monitored step)")
    print("| start | products per monitored step | total products | solve seconds (sum) |")
    print("|---|---|---|---|")
    for warm in (False, True):
        records = run(args.steps, args.batch, {**common, "every": every, "warm_start": warm})[
            "records"
        ]
        later = [r for r in records if r["step"] != records[0]["step"]]
        products = [r["products"] for r in later]
        seconds = sum(r["seconds"] for r in later)
        print(f"| {'warm' if warm else 'cold'} | {products} | {sum(products)} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
