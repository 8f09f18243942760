"""Benchmark: the game's field and its products against one plain gradient, per product mode.

For the digits DCGAN (:mod:`gamedyn.examples.digits`, 19,362 parameters) and the mixture GAN
(:mod:`gamedyn.examples.mixture`, 2,003) — or the 1.7 M DCGAN (:mod:`gamedyn.examples.dcgan`,
``--example dcgan``) — batch ``--batch``, non-saturating loss, in float64 and
float32, ``torch.set_num_threads(--threads)`` (1 by default: the machine is shared), every
variant interleaved in one run, order rotated each round, ``--repeat`` rounds after a warm-up,
CPU time (``time.process_time``) and wall time, min and median (``benchmarks/_timing.py``);
the ratios are CPU time over the plain gradient's (min over min, median over median):

* ``plain``: one training-style autograd evaluation of both players' gradients
  (:func:`bench_matrix_free.plain_gradients`): the baseline of every ratio;
* ``field``: ``TorchGame.field`` (the lean field: outside torch.func transforms a training
  step's two backward passes on one graph), ``TorchGame._field_both_losses`` (both losses
  pulled back through one discriminator graph), and ``field (all pullbacks)``: the lean field's
  torch.func structure run by plain autograd with every pullback computing every gradient (the
  field before issue 26's "products at the floor"), all three bit-identical;
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
from collections.abc import Callable

import torch
from _timing import Timing, interleaved
from bench_matrix_free import plain_gradients

from gamedyn.games import TorchGame, discriminator_loss, generator_loss
from gamedyn.games._torch_game import _pullback
from gamedyn.spectrum import JacobianOperator


def all_pullbacks(game: TorchGame, z: torch.Tensor) -> torch.Tensor:
    """The lean field as its torch.func pullbacks, each pull computing every gradient."""
    vjp = _pullback(z)
    x, y = game.split(z)
    fake, pull_g = vjp(game.fake, x)
    real_logits, pull_real = vjp(lambda w: game.discriminator(w, game.real), y)
    fake_logits, pull_fake = vjp(game.discriminator, y, fake)

    def losses(real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return discriminator_loss(game.loss, real, fake), generator_loss(game.loss, fake)

    (l_d, _), pull_losses = vjp(losses, real_logits, fake_logits)
    one, zero = torch.ones_like(l_d), torch.zeros_like(l_d)
    real_bar, fake_bar_d = pull_losses((one, zero))
    _, fake_bar_g = pull_losses((zero, one))
    grad_y = pull_real(real_bar)[0] + pull_fake(fake_bar_d)[0]
    (grad_x,) = pull_g(pull_fake(fake_bar_g)[1])
    return torch.cat([grad_x, grad_y])


def measure(game: TorchGame, plain: Callable[[], object], repeat: int) -> dict[str, Timing]:
    """Timings of the plain gradient, the field (both versions), ``J u`` in each mode and
    ``Jᵀ u`` at ``z0``, interleaved."""
    z = game.z0
    variants: dict[str, Callable[[], object]] = {
        "plain": plain,
        "field (lean)": lambda: game.field(z),
        "field (both losses)": lambda: game._field_both_losses(z),
        "field (all pullbacks)": lambda: all_pullbacks(game, z),
    }
    assert torch.equal(all_pullbacks(game, z), game.field(z))
    u = torch.randn(game.n, dtype=z.dtype, generator=torch.Generator().manual_seed(0))
    for mode in ("reverse", "forward", "linearize"):
        op = JacobianOperator(game, mode=mode)
        op.apply(u)  # builds the retained graph or the trace
        variants[f"J u, {mode}"] = lambda op=op: op.apply(u)
    op = JacobianOperator(game, mode="reverse")
    variants["Jᵀ u"] = lambda: op.apply_transpose(u)
    return interleaved(variants, repeat)


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
    for name in examples:
        module = importlib.import_module(f"gamedyn.examples.{name}")
        for dtype_name in dtypes:
            dtype = getattr(torch, dtype_name)
            G, D = module.generator(), module.discriminator()
            real, latent = module.sample(args.batch), module.latent(args.batch)
            game = TorchGame(G, D, "non-saturating", real, latent, dtype=dtype)
            G, D = G.to(dtype), D.to(dtype)
            game_copy = TorchGame(G, D, "non-saturating", real, latent, dtype=dtype)
            times = measure(game, plain_gradients(game_copy, G, D), args.repeat)
            plain = times["plain"]
            print(
                f"\n{name} (n = {game.n}), {dtype_name}, batch {args.batch}, "
                f"{args.threads} thread(s), {args.repeat} rounds: plain gradient CPU min "
                f"{plain.cpu_min * 1e3:.2f} ms, median {plain.cpu_median * 1e3:.2f} ms"
            )
            for label, t in times.items():
                print(
                    f"  {label:22s} CPU min {t.cpu_min * 1e3:9.2f} ms "
                    f"({t.cpu_min / plain.cpu_min:5.2f} ×), median {t.cpu_median * 1e3:9.2f} ms "
                    f"({t.cpu_median / plain.cpu_median:5.2f} ×); wall min "
                    f"{t.wall_min * 1e3:9.2f} ms, median {t.wall_median * 1e3:9.2f} ms"
                )


if __name__ == "__main__":
    main()
