"""Benchmark: the game's field and its products against one plain gradient, per product mode.

For the digits DCGAN (:mod:`gamedyn.examples.digits`, 19,362 parameters) and the mixture GAN
(:mod:`gamedyn.examples.mixture`, 2,003) — or the 1.7 M DCGAN (:mod:`gamedyn.examples.dcgan`,
``--example dcgan``) — batch ``--batch``, non-saturating loss, in float64 and
float32, ``torch.set_num_threads(--threads)`` (1 by default: the machine is shared), best of
``--repeat`` after a warm-up, all in the same run:

* ``plain``: one training-style autograd evaluation of both players' gradients
  (:func:`bench_matrix_free.plain_gradients`): the baseline of every ratio;
* ``field``: ``TorchGame.field`` (the lean field, bit-identical to the next one), and
  ``TorchGame._field_both_losses`` (both losses pulled back through one discriminator graph);
* ``J u`` by ``JacobianOperator`` in each product mode (``reverse``, ``forward``,
  ``linearize``; the linearize trace and the reverse graph are built before timing), ``Jᵀ u``.

Run:
  python benchmarks/bench_field.py
  python benchmarks/bench_field.py --example digits --dtype float32 --repeat 10
  python benchmarks/bench_field.py --example dcgan --batch 32 --repeat 3   # the 1.7 M DCGAN
"""

from __future__ import annotations

import argparse
import importlib
import warnings

import torch
from bench_matrix_free import best_of, plain_gradients

from gamedyn.games import TorchGame
from gamedyn.spectrum import JacobianOperator


def measure(game: TorchGame, repeat: int) -> dict[str, float]:
    """Seconds of the field (both versions), ``J u`` in each mode and ``Jᵀ u`` at ``z0``."""
    cpu, z = torch.device("cpu"), game.z0
    times = {
        "field (lean)": best_of(lambda: game.field(z), repeat, cpu),
        "field (both losses)": best_of(lambda: game._field_both_losses(z), repeat, cpu),
    }
    u = torch.randn(game.n, dtype=z.dtype, generator=torch.Generator().manual_seed(0))
    for mode in ("reverse", "forward", "linearize"):
        op = JacobianOperator(game, mode=mode)
        op.apply(u)  # builds the retained graph or the trace
        times[f"J u, {mode}"] = best_of(lambda op=op: op.apply(u), repeat, cpu)
    op = JacobianOperator(game, mode="reverse")
    times["Jᵀ u"] = best_of(lambda: op.apply_transpose(u), repeat, cpu)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--example", choices=("digits", "mixture", "dcgan", "both"), default="both")
    parser.add_argument("--dtype", choices=("float64", "float32", "both"), default="both")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    examples = ("digits", "mixture") if args.example == "both" else (args.example,)
    dtypes = ("float64", "float32") if args.dtype == "both" else (args.dtype,)
    cpu = torch.device("cpu")
    for name in examples:
        module = importlib.import_module(f"gamedyn.examples.{name}")
        for dtype_name in dtypes:
            dtype = getattr(torch, dtype_name)
            G, D = module.generator(), module.discriminator()
            real, latent = module.sample(args.batch), module.latent(args.batch)
            game = TorchGame(G, D, "non-saturating", real, latent, dtype=dtype)
            G, D = G.to(dtype), D.to(dtype)
            game_copy = TorchGame(G, D, "non-saturating", real, latent, dtype=dtype)
            plain = best_of(plain_gradients(game_copy, G, D), args.repeat, cpu)
            times = measure(game, args.repeat)
            print(
                f"\n{name} (n = {game.n}), {dtype_name}, batch {args.batch}, "
                f"{args.threads} thread(s): plain gradient {plain * 1e3:.2f} ms"
            )
            for label, seconds in times.items():
                print(f"  {label:20s} {seconds * 1e3:9.2f} ms  {seconds / plain:5.2f} × plain")


if __name__ == "__main__":
    main()
