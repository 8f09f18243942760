"""Benchmark: matrix-free Jacobian products and top-k eigenvalues on a DCGAN-size GAN.

The game is :mod:`gamedyn.examples.dcgan` (32 × 32 × 3, width 64: 1,731,905 parameters) as a
:class:`~gamedyn.games.TorchGame` on a fixed batch (default 64), non-saturating loss.
Measured in the same run (best of ``--repeat`` after one warm-up; CUDA synchronised):

1. ``plain``: one ordinary autograd evaluation of both players' gradients (one generator
   forward, one discriminator forward on real and fake, ``torch.autograd.grad`` of ``L_D`` and
   ``L_G``) — what a training step costs. The baseline of the ratios. Also the same through
   the game's private copies, whose BatchNorm layers are gamedyn's exact-derivative twins
   (elementary ops instead of PyTorch's fused kernel).
2. ``field``: ``TorchGame.field(z)`` (pure, ``torch.func.functional_call``).
3. ``J u`` in each of gamedyn's product modes (:class:`gamedyn.spectrum.JacobianOperator`):
   ``forward`` (``torch.func.jvp`` of the field, forward-over-reverse) and ``reverse`` (one
   backward pass through the retained graph of the pullback, built once; its measured memory
   is printed); target ``≤ 2.5 ×`` plain.
4. ``Jᵀ u``: ``torch.func.vjp`` of the field, the pullback built once and reused.
5. Top-``k`` eigenvalues (``which="LM"``, same ``tol``, ``ncv``, start vector and product mode
   ``--mode``): the solve of gamedyn's :func:`~gamedyn.spectrum.top_eigenvalues`
   (Krylov–Schur, basis on the device; the true residuals it adds are timed apart) against
   ``scipy.sparse.linalg.eigs`` (ARPACK) on a ``LinearOperator`` whose ``matvec`` is the same
   product (host round trip per product); seconds and the number of products of each, and the
   largest difference between the two sets of eigenvalues.

Run:
  python benchmarks/bench_matrix_free.py                         # CPU, everything (slow on CPU)
  python benchmarks/bench_matrix_free.py --skip-eigs             # only the product timings
  python benchmarks/bench_matrix_free.py --width 32 --k 10       # smaller eigen comparison
  python benchmarks/bench_matrix_free.py --device cuda           # on a GPU
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Callable

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigs

from gamedyn.examples import dcgan
from gamedyn.games import TorchGame, discriminator_loss, generator_loss
from gamedyn.linalg import krylov_schur, ritz_residuals
from gamedyn.spectrum import JacobianOperator


def best_of(fn: Callable[[], object], repeat: int, device: torch.device) -> float:
    """The fastest of ``repeat`` timings of ``fn()`` after one warm-up call, in seconds."""

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    fn()
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_gradients(
    game: TorchGame, G: torch.nn.Module, D: torch.nn.Module
) -> Callable[[], object]:
    """One training-style autograd evaluation of ``(∇_G L_G, ∇_D L_D)`` on the game's batch."""
    g_params, d_params = list(G.parameters()), list(D.parameters())

    def run() -> object:
        fake = G(game.latent)
        real_logits, fake_logits = D(game.real), D(fake)
        loss_d = discriminator_loss(game.loss, real_logits, fake_logits)
        loss_g = generator_loss(game.loss, fake_logits)
        grad_d = torch.autograd.grad(loss_d, d_params, retain_graph=True)
        grad_g = torch.autograd.grad(loss_g, g_params)
        return grad_d, grad_g

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--width", type=int, default=64, help="DCGAN width (64: ~1.7 M params)")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--ncv", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-eigs", action="store_true", help="only time the products")
    parser.add_argument("--mode", choices=("forward", "reverse"), default="reverse")
    args = parser.parse_args()
    device, dtype = torch.device(args.device), getattr(torch, args.dtype)
    if args.device == "cpu":
        print(f"torch threads: {torch.get_num_threads()}")

    G, D = dcgan.generator(args.width), dcgan.discriminator(args.width)
    game = TorchGame(
        G,
        D,
        "non-saturating",
        dcgan.sample(args.batch),
        dcgan.latent(args.batch),
        dtype=dtype,
        device=device,
    )
    G, D = G.to(device=device, dtype=dtype), D.to(device=device, dtype=dtype)
    z = game.z0
    u = torch.randn(game.n, generator=torch.Generator().manual_seed(0), dtype=dtype).to(device)
    print(f"{game}: n = {game.n:,} parameters, device {device}")

    t_plain = best_of(plain_gradients(game, G, D), args.repeat, device)
    # the same, through the game's private copies (exact-derivative normalisation twins)
    twins = [
        copy.deepcopy(p.module).requires_grad_(True) for p in (game.generator, game.discriminator)
    ]
    t_twins = best_of(plain_gradients(game, *twins), args.repeat, device)
    t_field = best_of(lambda: game.field(z), args.repeat, device)
    forward = JacobianOperator(game, z, mode="forward")
    t_jvp = best_of(lambda: forward.apply(u), args.repeat, device)
    reverse = JacobianOperator(game, z, mode="reverse")
    t_retained = best_of(lambda: reverse.apply(u), args.repeat, device)
    t_vjp = best_of(lambda: reverse.apply_transpose(u), args.repeat, device)
    print(f"{'plain autograd (both grads)':30s} {t_plain * 1e3:9.1f} ms   1.00 x")
    for name, t in (
        ("plain, the game's layer twins", t_twins),
        ("field (functional_call)", t_field),
        ("J u (forward: jvp)", t_jvp),
        ("J u (reverse: retained graph)", t_retained),
        ("J^T u (vjp, reused)", t_vjp),
    ):
        print(f"{name:30s} {t * 1e3:9.1f} ms {t / t_plain:6.2f} x")
    if reverse.retained_bytes is not None:
        print(f"retained graphs of the reverse mode: {reverse.retained_bytes / 2**30:.2f} GiB")
    if args.skip_eigs:
        return

    op = JacobianOperator(game, z, mode=args.mode)
    matvec = op.apply
    v0 = np.random.default_rng(0).standard_normal(game.n)  # the start vector of top_eigenvalues
    start = time.perf_counter()
    found = krylov_schur(  # what top_eigenvalues runs, timed without the residual products
        op.apply,
        game.n,
        args.k,
        "LM",
        tol=args.tol,
        ncv=args.ncv,
        v0=torch.as_tensor(v0),
        device=device,
        return_vectors=True,
    )
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    residuals = ritz_residuals(matvec, found.values, found.vectors)
    t_residuals = time.perf_counter() - start
    print(
        f"{'gamedyn Krylov-Schur':30s} {t_ours:9.1f} s  {found.matvecs:5d} products "
        f"({found.restarts} restarts)"
    )
    print(
        f"{'  + true residuals':30s} {t_residuals:9.1f} s, max residual/|λ| "
        f"{np.max(residuals / np.abs(found.values)):.1e}"
    )
    ours = found

    count = [0]

    def scipy_matvec(x: np.ndarray) -> np.ndarray:
        count[0] += 1
        v = torch.as_tensor(np.asarray(x).ravel(), dtype=dtype, device=device)
        return matvec(v).detach().to("cpu", torch.float64).numpy()

    arpack_op = LinearOperator((game.n, game.n), matvec=scipy_matvec, dtype=np.float64)
    start = time.perf_counter()
    ncv = min(game.n, max(2 * args.k + 1, 20)) if args.ncv is None else args.ncv
    theirs = eigs(
        arpack_op, k=args.k, which="LM", tol=args.tol, ncv=ncv, v0=v0, return_eigenvectors=False
    )
    t_theirs = time.perf_counter() - start
    print(f"{'scipy eigs (ARPACK)':30s} {t_theirs:9.1f} s  {count[0]:5d} products")
    print(f"speed-up of Krylov-Schur over eigs: {t_theirs / t_ours:.2f} x")
    gap = max(np.min(np.abs(theirs - w)) for w in ours.values)
    scale = np.abs(ours.values).max()
    print(f"largest |difference| between the two eigenvalue sets: {gap:.1e} (|λ|max {scale:.3g})")


if __name__ == "__main__":
    main()
