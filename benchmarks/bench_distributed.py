"""Benchmark: data-parallel Jacobian products on torch.distributed, against the number of processes.

The game is the :class:`~gamedyn.games.DistributedAveragedGame` of ``--batches``
batches (``--batch`` samples each) of a bundled example GAN (``--example``, default the digits
DCGAN, 19,362 parameters; untrained players — the cost does not depend on the weights), split
over ``W`` processes launched by ``torchrun --standalone`` for each ``W`` of ``--world-sizes``
(one thread per process: ``torch.set_num_threads(1)``, so ``W`` processes use ``W`` cores).
Honest timings (``benchmarks/_timing.py``): in each launch the compared variants are interleaved,
their order rotated each round, ``--repeat`` rounds after a warm-up, every rank starting each
timed call together after a barrier (untimed); each timed call is ``--products`` products; rank
0 reports per product its CPU time (``time.process_time``: the work of one process, which other
jobs on a shared machine do not inflate) and wall time. The world sizes are launched in turn,
their order rotated each of ``--rounds`` rounds, and min and median are taken over every timed
call of every launch:

1. ``J u`` (reverse mode, the default: one all-reduce of ``n`` floats per product), ``Jᵀ u``
   and ``J u`` in forward mode (two all-reduces: the field's value and the tangent), with a
   bare all-reduce and a bare broadcast of ``n`` floats, interleaved, in ms per product (CPU
   and wall, min and median); the wall-time speed-up against ``W = 1`` (min over min).
2. The all-reduce share of a reverse-mode product: the host time spent inside the all-reduce
   (``game.comm.seconds``; gloo blocks, so this is exact on CPU; waits for a slower rank
   included) over the product's time (its own loop of ``--products`` products, after the
   interleaved rounds); the bare all-reduce and broadcast of 1. are the transfer alone and what
   the rank-0 scheme of 3. adds to every product.
3. The Krylov solver replicated (every rank runs :func:`~gamedyn.linalg.krylov_schur`
   on the same all-reduced products; no other communication) against rank 0 alone with
   broadcasts (rank 0 runs the solver and broadcasts each vector to the others before the
   product): ms per product of the same fixed work (``k = 4``, ``ncv = 20``, one restart), the
   two schemes interleaved as in 1.
4. The memory the reverse mode's retained graph holds on each process (it holds every local
   batch's graph, so it falls as ``1/W``).

Run:
  python benchmarks/bench_distributed.py --rounds 3               # W = 1, 2; digits; CPU
  python benchmarks/bench_distributed.py --example mixture        # a smaller model (2,003)
  python benchmarks/bench_distributed.py --device cuda --world-sizes 1 2 4 8   # one GPU each
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.distributed as dist
from _timing import interleaved

from gamedyn.checkpoints import import_factory
from gamedyn.examples import EXAMPLES
from gamedyn.games import DistributedAveragedGame, TorchGame, init_from_environment, shard
from gamedyn.linalg import KrylovNoConvergence, krylov_schur
from gamedyn.spectrum import JacobianOperator


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--example", default="digits", choices=sorted(EXAMPLES))
    p.add_argument("--batches", type=int, default=8)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--world-sizes", type=int, nargs="+", default=[1, 2])
    p.add_argument("--products", type=int, default=10, help="products per timing")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--rounds", type=int, default=2, help="launches per world size, alternated (best kept)"
    )
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    p.add_argument("--result", help=argparse.SUPPRESS)  # a worker's output file
    return p.parse_args()


def build(args: argparse.Namespace) -> DistributedAveragedGame:
    example = EXAMPLES[args.example]
    data = import_factory(example.spec("sample"))
    latent = import_factory(example.spec("latent"))
    torch.manual_seed(0)
    G = import_factory(example.spec("generator"))()
    D = import_factory(example.spec("discriminator"))()
    mine = shard(args.batches)
    first = TorchGame(
        G,
        D,
        "non-saturating",
        data(args.batch, mine[0]),
        latent(args.batch, mine[0]),
        dtype=getattr(torch, args.dtype),
        device=args.device,
    )
    games = [first.with_batch(data(args.batch, b), latent(args.batch, b)) for b in mine]
    return DistributedAveragedGame(games)


def per_product(variants: dict, args: argparse.Namespace, device: torch.device, count: dict):
    """``{name: {"cpu": [...], "wall": [...]}}``: seconds per product of each variant, interleaved
    (:func:`_timing.interleaved`), every rank starting each timed call after a barrier."""
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else None
    timings = interleaved(variants, args.repeat, sync=sync, before=dist.barrier)
    return {
        name: {"cpu": [c / count[name] for c in t.cpu], "wall": [w / count[name] for w in t.wall]}
        for name, t in timings.items()
    }


def krylov_run(op: JacobianOperator, rank_zero: bool) -> int:
    """A fixed Krylov–Schur run (k = 4, ncv = 20, one restart), replicated or on rank 0 with
    broadcasts; the number of products."""
    n, device, dtype = op.shape[0], op.device, torch.float64
    flag = torch.zeros(1, dtype=dtype, device=device)
    rank = dist.get_rank()
    products = [0]

    def replicated(u: torch.Tensor) -> torch.Tensor:
        products[0] += 1
        return op.apply(u)

    def broadcast(u: torch.Tensor) -> torch.Tensor:  # rank 0: tell the others, send u
        flag.fill_(1.0)
        dist.broadcast(flag, 0)
        dist.broadcast(u, 0)
        return replicated(u)

    if rank_zero and rank != 0:  # serve rank 0's products until it says stop
        u = torch.empty(n, dtype=dtype, device=device)
        while True:
            dist.broadcast(flag, 0)
            if flag.item() == 0.0:
                break
            dist.broadcast(u, 0)
            replicated(u)
    else:
        try:
            krylov_schur(
                broadcast if rank_zero else replicated,
                n,
                4,
                ncv=20,
                max_restarts=1,
                tol=1e-30,
                device=device,
            )
        except KrylovNoConvergence:
            pass  # the fixed work is done
        if rank_zero:
            flag.fill_(0.0)
            dist.broadcast(flag, 0)
    return products[0]


def worker(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    launch = init_from_environment(args.device)
    args.device = launch.device
    device = torch.device(args.device)
    game = build(args)
    dtype = game.default_point().dtype
    n, comm = game.n, game.comm
    gen = torch.Generator().manual_seed(0)
    u = torch.randn(n, generator=gen, dtype=torch.float64).to(dtype=dtype, device=device)
    reverse = JacobianOperator(game, mode="reverse")
    forward = JacobianOperator(game, mode="forward")
    result = {"world_size": game.world_size, "backend": game.backend, "n": n}
    result["batches_per_rank"] = len(game.games)
    buffer = u.clone()
    p = args.products
    variants = {
        "ju_reverse": lambda: [reverse.apply(u) for _ in range(p)],
        "jtu": lambda: [reverse.apply_transpose(u) for _ in range(p)],
        "ju_forward": lambda: [forward.apply(u) for _ in range(p)],
        "bare_all_reduce": lambda: [dist.all_reduce(buffer) for _ in range(p)],
        "bare_broadcast": lambda: [dist.broadcast(buffer, 0) for _ in range(p)],
    }
    timings = per_product(variants, args, device, dict.fromkeys(variants, p))
    result["retained_bytes"] = reverse.retained_bytes
    comm.reset()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(p):
        reverse.apply(u)
    elapsed = time.perf_counter() - start
    result["all_reduce_share"] = comm.seconds / elapsed
    result["all_reduces_per_product"] = comm.calls / p
    count = {"krylov_replicated": krylov_run(reverse, False)}  # the fixed work's products
    count["krylov_rank0"] = count["krylov_replicated"]
    krylov = {
        "krylov_replicated": lambda: krylov_run(reverse, rank_zero=False),
        "krylov_rank0": lambda: krylov_run(reverse, rank_zero=True),
    }
    timings.update(per_product(krylov, args, device, count))
    result["timings"] = timings
    if game.rank == 0:
        Path(args.result).write_text(json.dumps(result))
    if launch.owned:
        dist.destroy_process_group()


def main() -> None:
    args = parse()
    if "WORLD_SIZE" in os.environ:
        return worker(args)
    rows: dict[int, dict] = {}
    worlds = list(args.world_sizes)
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):  # rotated, so that a noisy spell hits every size
            for world in worlds[r % len(worlds) :] + worlds[: r % len(worlds)]:
                out = Path(tmp) / f"w{world}.json"
                command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
                command += ["--nproc-per-node", str(world), __file__, *sys.argv[1:]]
                command += ["--result", str(out)]
                env = os.environ | {"OMP_NUM_THREADS": "1"}
                subprocess.run(command, check=True, env=env, stderr=subprocess.DEVNULL)
                row = json.loads(out.read_text())
                if world not in rows:
                    rows[world] = row | {"all_reduce_share": [row["all_reduce_share"]]}
                    continue
                rows[world]["all_reduce_share"].append(row["all_reduce_share"])
                for name, t in row["timings"].items():  # every timed call of every launch
                    for clock in ("cpu", "wall"):
                        rows[world]["timings"][name][clock] += t[clock]
    base = rows[worlds[0]]
    print(
        f"{args.example}: n = {base['n']:,} parameters, {args.batches} batches of {args.batch}, "
        f"{args.dtype}, {args.device}, backend {base['backend']}, 1 thread per process; "
        f"{args.rounds} launches × {args.repeat} interleaved rounds of {args.products} products"
    )
    print("ms per product (rank 0): CPU min / median, wall min / median; speed-up: wall min")

    def cell(t: dict) -> str:
        cpu, wall = t["cpu"], t["wall"]
        return (
            f"{1e3 * min(cpu):.2f} / {1e3 * statistics.median(cpu):.2f}, "
            f"{1e3 * min(wall):.2f} / {1e3 * statistics.median(wall):.2f}"
        )

    names = {
        "ju_reverse": "J u reverse",
        "jtu": "Jᵀ u",
        "ju_forward": "J u forward",
        "bare_all_reduce": "bare all-reduce",
        "bare_broadcast": "bare broadcast",
        "krylov_replicated": "Krylov replicated",
        "krylov_rank0": "Krylov rank 0 + broadcasts",
    }
    for world in worlds:
        r = rows[world]
        print(f"\n{world} process(es), {r['batches_per_rank']} batches per process")
        for key, label in names.items():
            t = r["timings"][key]
            speed = min(base["timings"][key]["wall"]) / min(t["wall"])
            print(f"  {label:27s} {cell(t):32s} speed-up {speed:.2f}×")
        share = r["all_reduce_share"]
        print(
            f"  all-reduce share of a J u: {100 * min(share):.1f} / "
            f"{100 * statistics.median(share):.1f} % (min / median over launches; "
            f"{r['all_reduces_per_product']:.0f} per product); retained graph "
            f"{(r['retained_bytes'] or 0) / 2**20:.0f} MiB per process"
        )


if __name__ == "__main__":
    main()
