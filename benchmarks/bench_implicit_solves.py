"""Benchmark: CGD's operator spectrum on the mixture GAN, solves differentiated implicitly.

The game is the small 8-Gaussian mixture GAN of :mod:`gamedyn.examples.mixture` (226 + 105 = 331
parameters, batch ``--batch``), float64, non-saturating loss, at its initial parameters (``v ≠ 0``)
and at a **fixed point** with the same Jacobian and second derivatives: the game whose field is
``v(z) − v(z₀)`` (``v(z₀)`` a constant), for which ``z₀`` is a fixed point. Measured in the same
run, ``torch.set_num_threads(--threads)`` (1 by default: the machine is shared, and ratios are
fairer on one thread), best of ``--repeat`` after one warm-up:

1. ``plain``: one evaluation of the field ``v(z)`` (both players' gradients): the baseline.
2. One CGD operator product ``A u`` (``JacobianOperator``, ``--mode``) with the step's solve
   differentiated **implicitly** (gamedyn today: GMRES to the tolerance, and one more solve per
   product, ``d(A⁻¹b) = A⁻¹(db − dA A⁻¹b)``), and with the same step written as a closure,
   differentiated **through** ``solve_iterations`` (64) fixed GMRES steps (gamedyn before issue 17;
   it raises at the fixed point, where ``b = 0``).
3. CGD's top-``k`` eigenvalues (``which="LM"``, Krylov–Schur, ``tol=1e-10``) by the implicit route:
   seconds, operator products, the worst relative residual of the inner solves and the largest
   Ritz residual; at the fixed point too. With ``--dense`` the eigenvalues are also checked
   against the dense operator Jacobian (``operator_jacobian``, ``jacfwd`` through
   ``torch.linalg.solve``).

Run:
  python benchmarks/bench_implicit_solves.py
  python benchmarks/bench_implicit_solves.py --k 10 --dense
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch

from gamedyn.examples import mixture
from gamedyn.games import Game, TorchGame
from gamedyn.methods import CGD, Method, off_diagonal_jvp, scale
from gamedyn.spectrum import JacobianOperator, KrylovSchur, operator_jacobian, solve_top


class ShiftedField(Game):
    """``v(z) − v(z₀)``: the same Jacobian and derivatives, with ``z₀`` a fixed point."""

    def __init__(self, game: TorchGame):
        self.base, self.nx, self.ny = game, game.nx, game.ny
        self.offset = game.field(game.default_point()).detach()

    def losses(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError("the shifted game has a field only")

    def field(self, z: torch.Tensor) -> torch.Tensor:
        return self.base.field(z) - self.offset

    def default_point(self) -> torch.Tensor:
        return self.base.default_point()


class ThroughGMRES(CGD):
    """CGD with its system captured in a closure: torch.func differentiates through GMRES."""

    def step(self, ops, state):
        (z,) = state

        def system(u):
            return u + scale(ops, self.lr, off_diagonal_jvp(ops, z, u))

        return (z - ops.solve(system, scale(ops, self.lr, ops.field(z))),)


def best_of(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def product_time(game: Game, method: Method, mode: str, repeat: int) -> float | str:
    try:
        op = JacobianOperator(game, method=method, mode=mode)
    except ValueError as err:
        return f"raises: {str(err)[:60]}..."
    u = torch.randn(op.shape[0], dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    return best_of(lambda: op.apply(u), repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--mode", default="reverse")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dense", action="store_true", help="check against the dense Jacobian")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    game = TorchGame(
        mixture.small_generator(),
        mixture.small_discriminator(),
        "non-saturating",
        mixture.sample(args.batch),
        mixture.latent(args.batch),
    )
    z = game.default_point()
    plain = best_of(lambda: game.field(z), args.repeat)
    print(
        f"mixture GAN, n = {game.n}, batch {args.batch}, {args.threads} thread(s), mode "
        f"{args.mode!r}; plain field evaluation {plain * 1e3:.2f} ms"
    )
    for label, g in (("initial point (v ≠ 0)", game), ("fixed point (v = 0)", ShiftedField(game))):
        print(f"\n{label}")
        for name, method in (("implicit", CGD(args.lr)), ("through GMRES", ThroughGMRES(args.lr))):
            t = product_time(g, method, args.mode, args.repeat)
            shown = t if isinstance(t, str) else f"{t * 1e3:.1f} ms = {t / plain:.1f} × plain"
            print(f"  one CGD product A u, {name:13s}: {shown}")
        start = time.perf_counter()
        op = JacobianOperator(g, method=CGD(args.lr), mode=args.mode)
        top = solve_top(op, args.k, "LM", start=start, solver=KrylovSchur(tol=1e-10))
        seconds = time.perf_counter() - start
        print(
            f"  top-{args.k} of CGD (implicit): {seconds:.1f} s, {top.matvecs} products, "
            f"worst inner-solve residual {op.solve_residual:.1e}, largest Ritz residual "
            f"{np.max(top.residuals):.1e}"
        )
        print(f"  |μ| = {np.round(np.abs(top.values), 6).tolist()}")
        if args.dense:
            dense = np.linalg.eigvals(operator_jacobian(CGD(args.lr), g, z))
            distance = max(float(np.abs(dense - w).min()) for w in top.values)
            print(f"  distance to the dense operator Jacobian's eigenvalues: {distance:.1e}")


if __name__ == "__main__":
    main()
