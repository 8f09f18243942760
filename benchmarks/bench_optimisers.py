"""Benchmark: one product of an Adam-family operator Jacobian against one game-Jacobian ``J u``.

The game is a checkpoint of the digits DCGAN (:mod:`gamedyn.examples.digits`, width 16,
``n = 19,362``; ``--example dcgan`` for the 1.7 M-parameter one) trained with
:func:`gamedyn.examples.train` for ``--steps`` steps, on a fixed batch, non-saturating loss; the
operators start from that checkpoint's saved Adam state. Measured in the same run (best of
``--repeat`` after one warm-up, one torch thread, product mode ``--mode``), each product as a
:class:`gamedyn.spectrum.JacobianOperator` product:

* ``J u``: the game Jacobian — the baseline of the ratios;
* the operators the example could be trained with, frozen (state ``(z, m)``, ``2n``) and exact
  (state ``(z, m, v)``, ``3n``): simultaneous Adam, alternating Adam (discriminator first, the
  examples' training loop; ``n_critic`` 1 and 5), ExtraAdam, OptimisticAdam, LA-Adam (``k = 5``,
  inner state kept).

An operator's product costs about as many ``J u`` as its step has field evaluations (Adam 1,
alternating ``n_critic + 1``, ExtraAdam 2, lookahead ``k`` times its base's), plus the
elementwise algebra of the moments.

Run:
  python benchmarks/bench_optimisers.py
  python benchmarks/bench_optimisers.py --example dcgan --batch 16 --repeat 2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable

import numpy as np
import torch

from gamedyn.examples import EXAMPLES, train
from gamedyn.methods import Lookahead, optimiser_method, read_checkpoint_optimiser
from gamedyn.spectrum import JacobianOperator


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` timings of ``fn()`` after one warm-up call, in seconds."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="digits", choices=sorted(EXAMPLES))
    parser.add_argument(
        "--steps", type=int, default=20, help="training steps before the checkpoint"
    )
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)  # fairer on a shared machine; ratios are what is reported
    example = EXAMPLES[args.example]
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = train(example, args.steps, tmp, save_every=args.steps, batch=args.batch)[-1]
        game = example.load_game(checkpoint, args.batch, 0, dtype=getattr(torch, args.dtype))
        record = read_checkpoint_optimiser(game, checkpoint)
    print(
        f"{args.example}: n = {game.n}, batch {args.batch}, {args.dtype}, mode {args.mode}, "
        f"Adam steps {record.state.steps}"
    )
    rng = np.random.default_rng(0)

    def timed(operator: JacobianOperator) -> float:
        u = rng.standard_normal(operator.shape[0])
        return best_of(lambda: operator.matvec(u), args.repeat)

    baseline = timed(JacobianOperator(game, mode=args.mode))
    print(f"{'J u (baseline)':<38} {baseline * 1e3:9.1f} ms   1.00 ×")
    operators = {
        "Adam": {"name": "adam"},
        "alternating Adam, n_critic 1": {"name": "adam", "alternating": True},
        "alternating Adam, n_critic 5": {"name": "adam", "alternating": True, "n_critic": 5},
        "ExtraAdam": {"name": "extra-adam"},
        "OptimisticAdam": {"name": "optimistic-adam"},
        "LA-Adam (k = 5, keep)": {"name": "la-adam", "lookahead_k": 5},
    }
    for label, options in operators.items():
        for frozen in (True, False):
            method = optimiser_method(record, frozen=frozen, **options)
            op = JacobianOperator(game, method=method, mode=args.mode)
            seconds = timed(op)
            base = method.base if isinstance(method, Lookahead) else method
            size = f"{base.order}n"
            kind = "frozen" if frozen else "exact"
            print(
                f"{label + ', ' + kind:<38} {seconds * 1e3:9.1f} ms {seconds / baseline:6.2f} ×"
                f"   (state {size})"
            )


if __name__ == "__main__":
    main()
