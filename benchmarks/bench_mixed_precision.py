"""Benchmark: top-k of a GAN's game Jacobian with float64, float32 and mixed-precision products.

Variants (same ``k``, ``which="LM"``, ``ncv``, start vector; Krylov–Schur, float64 basis), run
interleaved in one process, order rotated each round, one torch thread, CPU and wall time, min and
median (``benchmarks/_timing.py``):

* ``float64``: float64 products throughout to ``--tol``, then the true residuals of the ``k``
  Ritz vectors with fresh float64 products (what ``top_eigenvalues`` does in float64: the
  default basis, ``default_ncv`` vectors tested after every one, or ``--ncv`` tested when full);
* ``float32``: the float32 copy of the game's products (``game.with_dtype``) to ``--low-tol``,
  the same basis (a user's float32 solve; its answer is float32-accurate only; no residual
  check);
* ``float32-lowered``: the same with the lowered products mixed precision uses: the float64
  operator's linearize trace run in float32 (the Jacobian at the float64 point;
  ``gamedyn/spectrum/_lowered.py``);
* ``mixed``: lowered float32 products to ``--low-tol``, then the deflated refinement (lowered
  float32 products of ``Ã``, about ``2k`` float64 products, true float64 residuals included;
  :func:`gamedyn.linalg.mixed_precision_eigs`; ``KrylovSchur(precision="mixed")``);
* ``float32-long``: the mixed float32 phase alone: lowered float32 products on float32 basis
  vectors (``default_ncv``, convergence tested after every vector);
* ``mixed-full-basis`` (with ``--previous``): mixed precision with the basis it had before
  (``ncv`` 20, or ``--ncv``, convergence tested only when the basis is full);
* ``mixed-f32game`` (with ``--previous``): the same with the float32 game's products (what
  mixed precision ran before the lowered products);
* ``previous`` (with ``--previous``): the refinement this replaced, float32 products to
  ``--low-tol``, then a float64 Krylov–Schur from the sum of those Ritz vectors, then the true
  residuals in float64.

Each variant's products are counted, and the largest relative distance of the float32 and mixed
eigenvalues to the float64 ones printed. The operators (and their linearize traces) are built
once, before the timed rounds (their cost is printed apart): the rounds time the solves.

Run:
  python benchmarks/bench_mixed_precision.py                          # digits DCGAN, 300 steps
  python benchmarks/bench_mixed_precision.py --checkpoint CKPT        # a digits checkpoint
  python benchmarks/bench_mixed_precision.py --example dcgan --rounds 1 --k 6 --tol 1e-10
  python benchmarks/bench_mixed_precision.py --example dcgan --width 32 --rounds 1
  python benchmarks/bench_mixed_precision.py --example dcgan --rounds 1 --only mixed,previous
  python benchmarks/bench_mixed_precision.py --example dcgan --rounds 1 --only \
      float32,float32-lowered,float32-long,mixed,mixed-full-basis
  python benchmarks/bench_mixed_precision.py --example dcgan --rounds 1 --only \
      float64,float32,float32-lowered,mixed,mixed-f32game
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import NamedTuple

import numpy as np
import torch
from _timing import interleaved, single_threaded, table

from gamedyn.examples import EXAMPLES, train
from gamedyn.examples import dcgan as dcgan_example
from gamedyn.games import TorchGame
from gamedyn.linalg import LOW_RESTARTS, krylov_schur, mixed_precision_eigs, ritz_residuals
from gamedyn.linalg._mixed_precision import CHECK_EVERY, default_ncv
from gamedyn.spectrum import JacobianOperator
from gamedyn.spectrum._eigensolvers import JACOBIAN_CHECK_EVERY
from gamedyn.spectrum._lowered import lowered_product


def load(args: argparse.Namespace, tmp: str) -> TorchGame:
    if args.example == "dcgan":
        torch.manual_seed(0)
        G, D = dcgan_example.generator(args.width), dcgan_example.discriminator(args.width)
        real, latent = dcgan_example.sample(args.batch, 0), dcgan_example.latent(args.batch, 1)
        return TorchGame(G, D, "non-saturating", real, latent)
    example = EXAMPLES["digits"]
    path = args.checkpoint
    if path is None:
        path = train(example, args.steps, tmp, args.steps, seed=0)[-1]
    return example.load_game(path, args.batch, 12_345)


class Previous(NamedTuple):
    values: np.ndarray
    residuals: np.ndarray
    low_matvecs: int
    high_matvecs: int


def distance(values: np.ndarray, reference: np.ndarray) -> float:
    return float(max(np.min(np.abs(reference - v)) / abs(v) for v in values))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--example", choices=("digits", "dcgan"), default="digits")
    p.add_argument("--checkpoint", default=None, help="a digits checkpoint (default: train one)")
    p.add_argument("--steps", type=int, default=300, help="training steps of the digits DCGAN")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--width", type=int, default=64, help="DCGAN width (64: 1.7 M parameters)")
    p.add_argument("--k", type=int, default=6)
    p.add_argument("--tol", type=float, default=1e-10)
    p.add_argument("--low-tol", type=float, default=1e-6)
    p.add_argument("--ncv", type=int, default=None)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--previous", action="store_true", help="also time the previous refinement")
    p.add_argument(
        "--only", default=None, help="comma-separated variants (default: all; first = baseline)"
    )
    args = p.parse_args()
    with single_threaded(), tempfile.TemporaryDirectory() as tmp:
        game = load(args, tmp)
        start = time.process_time()
        op64 = JacobianOperator(game)
        op32 = JacobianOperator(game.with_dtype(torch.float32))
        v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(game.n))
        op64.apply(v0), op32.apply(v0)  # the traces
        built = time.process_time() - start
        lowered = lowered_product(op64)  # None in reverse mode: mixed uses the float32 game's
        lowering = time.process_time() - start - built
        print(f"{game}\nn = {game.n:,}, k = {args.k}, tol {args.tol:g}, low tol {args.low_tol:g}, "
              f"one torch thread; operators built in {built:.2f} CPU s ({op64.mode} / "
              f"{op32.mode}), lowered in {lowering:.2f} CPU s")  # fmt: skip
        n, k = game.n, args.k

        long = default_ncv(n, k) if args.ncv is None else args.ncv
        # the default route of top_eigenvalues for one precision: the long basis tested after
        # every vector (JACOBIAN_CHECK_EVERY) unless --ncv is given (then tested when full)
        route = {"ncv": long}
        if args.ncv is None:
            route |= {"check_every": JACOBIAN_CHECK_EVERY, "check_from": 2 * k + 1}

        def solve(op, tol):
            return lambda: krylov_schur(op.apply, n, k, tol=tol, v0=v0, **route)

        def checked():  # float64, with the true residuals a float64 answer is given with
            r = krylov_schur(op64.apply, n, k, tol=args.tol, v0=v0, return_vectors=True,
                             **route)  # fmt: skip
            residuals = ritz_residuals(op64.apply, r.values, r.vectors)
            return r._replace(residuals=residuals, matvecs=r.matvecs + len(r.values), vectors=None)

        def mixed(low=lowered or op32.apply, **basis):
            return mixed_precision_eigs(
                low, op64.apply, n, k, tol=args.tol, low_tol=args.low_tol, v0=v0,
                **({"ncv": args.ncv} | basis),
            )  # fmt: skip

        def previous():
            low = krylov_schur(op32.apply, n, k, tol=args.low_tol, ncv=args.ncv, v0=v0,
                               return_vectors=True, max_restarts=LOW_RESTARTS)  # fmt: skip
            start = torch.sum(low.vectors.real, dim=0) + torch.sum(low.vectors.imag, dim=0)
            high = krylov_schur(op64.apply, n, k, tol=args.tol, ncv=args.ncv, v0=start,
                                return_vectors=True)  # fmt: skip
            residuals = ritz_residuals(op64.apply, high.values, high.vectors)
            return Previous(high.values, residuals, low.matvecs, high.matvecs + len(high.values))

        variants = {
            "float64": checked,
            "float32": solve(op32, args.low_tol),
            "float32-lowered": lambda: krylov_schur(
                lowered, n, k, tol=args.low_tol, v0=v0, dtype=torch.float64, **route
            ),
            "float32-long": lambda: krylov_schur(
                lambda u: (lowered or op32.apply)(u.double()).float(),
                n,
                k,
                tol=args.low_tol,
                ncv=long,
                v0=v0,
                check_every=CHECK_EVERY,
                max_restarts=LOW_RESTARTS,
                dtype=torch.float32,
            ),  # fmt: skip
            "mixed": mixed,
        }
        if lowered is None:
            del variants["float32-lowered"]
        if (args.previous or args.only is not None) and lowered is not None:
            variants["mixed-f32game"] = lambda: mixed(op32.apply)
        if args.previous or args.only is not None:
            variants["previous"] = previous
            variants["mixed-full-basis"] = lambda: mixed(ncv=args.ncv or 20, check_every=None)
        if args.only is not None:
            variants = {name: variants[name] for name in args.only.split(",")}
        timings = interleaved(variants, args.rounds, warmup=False, progress=True)
        print(table(timings, baseline=next(iter(timings))))
        low = timings.get("float32")
        for name, t in timings.items() if low is not None else ():
            print(f"{name:15s}: vs float32-only CPU {t.cpu_min / low.cpu_min:.2f}× min, "
                  f"{t.cpu_median / low.cpu_median:.2f}× median")  # fmt: skip
        reference = next(iter(timings.values())).result.values
        for name, t in timings.items():
            r = t.result
            if name.startswith("mixed"):
                fallback = " (float64 fallback ran)" if r.fallback else ""
                products = f"{r.low_matvecs} float32 + {r.high_matvecs} float64{fallback}"
            elif name == "previous":
                products = f"{r.low_matvecs} float32 + {r.high_matvecs} float64"
            else:
                products = f"{r.matvecs} {name}"
            print(f"{name:15s}: {products} products; eigenvalues vs {next(iter(timings))}: "
                  f"{distance(r.values, reference):.1e} relative")  # fmt: skip
        print(f"{next(iter(timings))} eigenvalues:", np.array2string(reference, precision=12))
        names = ("float64", "mixed", "mixed-full-basis", "mixed-f32game", "previous")
        for name in [name for name in names if name in timings]:
            r = timings[name].result
            worst = np.max(r.residuals / np.abs(r.values))
            print(f"{name:15s}: largest true relative residual {worst:.1e}")


if __name__ == "__main__":
    main()
