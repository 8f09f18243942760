"""Benchmark: where the CPU time of ``gamedyn spectrum CKPT --example digits --k 6`` goes.

Each round starts a fresh Python process (the fixed costs are what a cold start pays) that runs
the command's own code as the ``gamedyn`` script does (``gamedyn.cli`` imported first, then
``gamedyn.cli.main()`` on ``sys.argv``, the imports frozen out of the garbage collector's way
first where the checkout does that: ``gamedyn/_collector.py``), with its steps timed in place
in CPU time (``time.process_time``, which includes the interpreter's start) and wall time:

* ``imports``: the interpreter's start, ``gamedyn.cli`` and what ``gamedyn spectrum`` imports
  (matplotlib for the figures included);
* ``parse``: the options parsed and checked, the method built;
* ``load``: the checkpoint loaded into a game (:func:`gamedyn.checkpoints.load_torch_games`);
* ``first field``: the first ``game.field(z0)`` (whatever a first product imports or traces);
* ``solve``: :func:`gamedyn.analysis.study` (or ``analyse`` in older checkouts: the operator,
  Krylov–Schur, residuals, checks);
* ``write``: the record and its figures (:func:`gamedyn.plot.record_figures`), the summary.

``--rounds`` processes, one torch thread each (``--threads``); per phase the min and median.
``--floor`` adds, in the same rounds, a process that only imports the libraries the command
needs (torch, numpy, scipy.linalg, matplotlib.pyplot, safetensors, tqdm; :data:`FLOOR`): what
any Python program that loads a checkpoint, solves and draws pays before gamedyn's own code.
``--variant NAME=PYTHONPATH`` (repeatable) compares checkouts of gamedyn (e.g. ``main`` in a
detached worktree against this one), interleaved, their order rotated each round.
The target of issue 26 is ``total − solve`` ≤ 1.5 CPU seconds.

Make the checkpoint, then run:
  python -m gamedyn examples digits --steps 300 --save-every 300 --out /tmp/k_ckpt
  python benchmarks/bench_cli_phases.py /tmp/k_ckpt/digits/step_000300.safetensors --rounds 3
  git worktree add --detach /tmp/before main     # the checkout to compare against
  python benchmarks/bench_cli_phases.py /tmp/k_ckpt/digits/step_000300.safetensors \
      --variant before=/tmp/before --variant after=$PWD --rounds 3
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

PHASES = ("imports", "parse", "load", "first field", "solve", "write", "total")

CHILD = r"""
import json, sys, time

clock = lambda: (time.process_time(), time.time())
marks = {}
import gamedyn.cli  # first, as the `gamedyn` script does
gamedyn.cli.build_parser()  # what main() does first: the commands' imports (torch's included)
try:  # then the imports frozen out of the collector's way (checkouts that have it)
    from gamedyn._collector import freeze_imports
    freeze_imports()
except ImportError:
    pass
import torch
torch.set_num_threads(int(sys.argv[1]))
sys.argv = ["gamedyn"] + sys.argv[2:]
try:
    from gamedyn.cli import _spectrum as cli_spectrum
except ImportError:  # checkouts from before the CLI's modules were made private
    from gamedyn.cli import spectrum as cli_spectrum
import tqdm, gamedyn.plot, gamedyn.analysis, gamedyn.checkpoints, gamedyn.games
import gamedyn.nonnormal, gamedyn.spectrum
marks["imports"] = clock()

load_games = cli_spectrum.load_games
def timed_load(args):
    marks["parse"] = clock()
    game, games = load_games(args)
    marks["load"] = clock()
    game.field(game.z0)
    marks["first field"] = clock()
    return game, games
cli_spectrum.load_games = timed_load

entry = "study" if hasattr(gamedyn.analysis, "study") else "analyse"  # what the CLI calls
analyse = getattr(gamedyn.analysis, entry)
def timed_analyse(*a, **kw):
    start = clock()
    record = analyse(*a, **kw)
    marks["solve"] = clock()
    marks["solve start"] = start
    return record
setattr(gamedyn.analysis, entry, timed_analyse)

status = gamedyn.cli.main()  # on sys.argv, as the `gamedyn` script calls it
marks["write"] = clock()
print("PHASES " + json.dumps({"status": status, "marks": marks}))
"""


FLOOR = r"""
import time
import torch, numpy, scipy.linalg, matplotlib.pyplot, safetensors.torch, tqdm
print("FLOOR", time.process_time(), time.time())
"""


def floor_round(threads: int) -> tuple[float, float]:
    """``(cpu, wall)`` of a fresh process that imports the command's libraries and nothing else."""
    wall0 = time.time()
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MPLBACKEND="Agg")
    out = subprocess.run(
        [sys.executable, "-P", "-c", FLOOR], capture_output=True, text=True, env=env, check=True
    )
    cpu = float(out.stdout.split()[-2])
    return cpu, time.time() - wall0


def one_round(
    argv: list[str], threads: int, pythonpath: str | None
) -> dict[str, tuple[float, float]]:
    """``{phase: (cpu, wall)}`` of one fresh process (``PYTHONPATH=pythonpath`` if given)."""
    wall0 = time.time()
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run(
        [sys.executable, "-P", "-c", CHILD, str(threads), *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    total_wall = time.time() - wall0
    line = [x for x in out.stdout.splitlines() if x.startswith("PHASES ")]
    if not line:
        raise SystemExit(f"the command failed:\n{out.stdout}\n{out.stderr}")
    marks = json.loads(line[-1].removeprefix("PHASES "))["marks"]
    previous = (0.0, wall0)
    phases: dict[str, tuple[float, float]] = {}
    for name in ("imports", "parse", "load", "first field"):
        cpu, wall = marks[name]
        phases[name] = (cpu - previous[0], wall - previous[1])
        previous = (cpu, wall)
    start_cpu, start_wall = marks["solve start"]
    phases["solve"] = (marks["solve"][0] - start_cpu, marks["solve"][1] - start_wall)
    # between the first field and the solve (method, options) is counted with the write
    rest_cpu = (marks["write"][0] - previous[0]) - phases["solve"][0]
    rest_wall = (marks["write"][1] - previous[1]) - phases["solve"][1]
    phases["write"] = (rest_cpu, rest_wall)
    phases["total"] = (marks["write"][0], total_wall)
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--example", default="digits")
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--variant",
        action="append",
        metavar="NAME=PYTHONPATH",
        help="a gamedyn checkout to compare (repeatable; interleaved, order rotated each round)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time a process importing only the libraries (torch, scipy, matplotlib, ...)",
    )
    args = parser.parse_args()
    variants: dict[str, str | None] = {"this": None}
    if args.variant:
        variants = dict(v.split("=", 1) for v in args.variant)
    rows = {name: {p: [] for p in PHASES} for name in variants}
    with tempfile.TemporaryDirectory() as out:
        argv = [
            "spectrum",
            args.checkpoint,
            "--example",
            args.example,
            "--k",
            str(args.k),
            "--out",
            out,
            "--no-progress",
        ]
        print("command: python -m gamedyn " + " ".join(argv))
        names = list(variants) + (["floor"] if args.floor else [])
        floor: list[tuple[float, float]] = []
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                if name == "floor":
                    floor.append(floor_round(args.threads))
                    print(f"  round {r + 1} floor: imports only {floor[-1][0]:.2f} (CPU s)")
                    continue
                phases = one_round(argv, args.threads, variants[name])
                print(
                    f"  round {r + 1} {name}: "
                    + ", ".join(f"{p} {cpu:.2f}" for p, (cpu, _) in phases.items())
                    + " (CPU s)",
                    flush=True,
                )
                for p in PHASES:
                    rows[name][p].append(phases[p])
    for name in variants:
        print(f"\n{name}: {args.rounds} rounds, {args.threads} torch thread(s)")
        print(f"{'phase':12s} {'CPU min':>8s} {'CPU med':>8s} {'wall min':>9s} {'wall med':>9s}")
        for p in PHASES:
            cpu = [c for c, _ in rows[name][p]]
            wall = [w for _, w in rows[name][p]]
            print(
                f"{p:12s} {min(cpu):8.2f} {statistics.median(cpu):8.2f} "
                f"{min(wall):9.2f} {statistics.median(wall):9.2f}"
            )
        total, solve = rows[name]["total"], rows[name]["solve"]
        fixed = [t[0] - s[0] for t, s in zip(total, solve, strict=True)]
        print(f"{'total−solve':12s} {min(fixed):8.2f} {statistics.median(fixed):8.2f}")
    if floor:
        cpu, wall = [c for c, _ in floor], [w for _, w in floor]
        print(f"\nfloor: {args.rounds} processes importing only torch, numpy, scipy.linalg, ")
        print("matplotlib.pyplot, safetensors, tqdm (no gamedyn)")
        print(
            f"{'imports':12s} {min(cpu):8.2f} {statistics.median(cpu):8.2f} "
            f"{min(wall):9.2f} {statistics.median(wall):9.2f}"
        )


if __name__ == "__main__":
    main()
