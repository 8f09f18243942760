"""Benchmark: operator spectra near 1 against the game Jacobian's own top-k (products, CPU time).

The game is the digits DCGAN (:mod:`gamedyn.examples.digits`, 19,362 parameters) at a trained
checkpoint, float64; its Adam state is the checkpoint's (:func:`gamedyn.methods.trained_method`).
For each update operator — GDA, alternating GDA (``n_critic`` 1 and 5), extragradient, frozen and
exact Adam (simultaneous, alternating with ``n_critic`` 1 and 5) — and each solver candidate, the
top-``k`` (``which="LM"``: the least-damped eigenvalues, those nearest the unit circle) are solved
with the same ``k``, ``tol`` and start vector, and the table gives:

* ``J prod``: products with ``J`` the solve cost (``jacobian_products``: the operator route's
  operator products times the field evaluations and ``J u`` of one step; the Jacobian route's
  ``J`` products), residual checks not included;
* ``× J``: that over the game Jacobian's own top-``k`` products with the default solver (the
  target: ``≤ 2``);
* ``route``: which route ran; CPU seconds of the call (``time.process_time``, one thread
  (:func:`_timing.single_threaded`); min and median over ``--rounds`` rounds, candidates
  interleaved and their order rotated each round).

Candidates (``--candidates``): ``default`` (``KrylovSchur(tol)``: an operator's long basis,
``ncv = max(2k + 1, 40, min(200, 512 MiB / 8n))``, convergence tested every 10 vectors from 40
on), ``long120``/``long200``/``long300`` (the default with a longest basis of 120/200/300),
``ncv20``/``ncv40`` (the former defaults, ``max(2k + 1, 20)`` and ``max(2k + 1, 40)``, tested
when full), ``ncv60``/``ncv100``/``ncv160``/``ncv200`` (a longer basis, tested when full),
``operator``/``op-ncv40``/``op-ncv100``/``op-ncv200`` (``route="operator"`` where ``auto`` takes
another route), ``jacobian`` (``route="jacobian"``, the default basis: frozen simultaneous
Adam's ``P·J`` route); and, from ``benchmarks/_operator_candidates.py`` on the operator's own
products: ``ext-ritz``/``ext-refined``/``ext-harmonic`` (Arnoldi without restarts, tested every 10
vectors from 40, with Ritz, refined Ritz or harmonic Ritz extraction), ``si``/``si-5``
(shift-and-invert Krylov–Schur, each product a GMRES solve to 1e-9, shift 1 % or 5 % beyond
a 40-product pilot's most wanted Ritz value; every inner product counted), ``block3``/
``block6`` (block Arnoldi, blocks of 3 or 6 products batched with ``vmap``).
The CPU columns come from ``time.process_time`` around each call (the machine was shared).

``--example sn-dcgan``: the user-style DCGAN with spectral norm of ``benchmarks/_sn_dcgan.py``
(19,217 parameters; a ``torch.save`` checkpoint of ``netG``/``netD``/``optG``/``optD``, loaded
weights only through :func:`gamedyn.checkpoints.load_torch_game`; its Adam state, ``lr = 2e-4``,
through :func:`gamedyn.methods.trained_method`), on 64 digits and latents of seed 12,345;
``sn-dcgan-outofplace``: the same checkpoint and players with out-of-place activations
(``inplace=False``; the same function).

Run:
  python -m gamedyn examples digits --steps 300 --save-every 300 --out /tmp/l_ckpt
  python benchmarks/bench_operator_spectra.py \
      --checkpoint /tmp/l_ckpt/digits/step_000300.safetensors
  python benchmarks/_sn_dcgan.py --steps 400 --out /tmp/p2_sn/ckpt.pt
  python benchmarks/bench_operator_spectra.py --example sn-dcgan --checkpoint /tmp/p2_sn/ckpt.pt \
      --candidates ncv40,default
"""

from __future__ import annotations

import argparse
import tempfile
import time

import _operator_candidates as custom
import _sn_dcgan
import numpy as np
from _timing import single_threaded

from gamedyn.examples import EXAMPLES, train
from gamedyn.methods import GDA, AltGDA, ExtraGradient, trained_method
from gamedyn.spectrum import (
    JacobianOperator,
    KrylovSchur,
    _eigensolvers,
    _jacobian_route,
    sort_eigenvalues,
    top_eigenvalues,
)

CANDIDATES = {
    "default": {},
    "ncv20": {"ncv": 20},
    "ncv40": {"ncv": 40},
    "ncv60": {"ncv": 60},
    "ncv100": {"ncv": 100},
    "operator": {"route": "operator"},
    "op-ncv40": {"route": "operator", "ncv": 40},
    "op-ncv100": {"route": "operator", "ncv": 100},
    "ncv160": {"ncv": 160},
    "ncv200": {"ncv": 200},
    "op-ncv200": {"route": "operator", "ncv": 200},
    "jacobian": {"route": "jacobian"},
}
LONG = {"long120": 120, "long200": 200, "long300": 300}  # the default, OPERATOR_LONG_NCV set
OTHERS = {  # benchmarks/_operator_candidates.py, on the operator's own products
    "ext-ritz": lambda op, k, tol: custom.extraction(op, k, tol, "ritz"),
    "ext-refined": lambda op, k, tol: custom.extraction(op, k, tol, "refined"),
    "ext-harmonic": lambda op, k, tol: custom.extraction(op, k, tol, "harmonic"),
    "si": lambda op, k, tol: custom.shift_invert(op, k, tol),
    "si-5": lambda op, k, tol: custom.shift_invert(op, k, tol, delta=0.05),
    "block6": lambda op, k, tol: custom.block_krylov(op, k, tol, b=6),
    "block3": lambda op, k, tol: custom.block_krylov(op, k, tol, b=3),
}


class Custom:
    """A candidate's answer in :func:`top_eigenvalues`' terms."""

    def __init__(self, found: custom.Found, per_product: int):
        self.values, self.residuals = found.values, found.residuals
        self.jacobian_products = found.matvecs * per_product
        self.route = f"operator, {found.note}"


def run(name: str, game, method, k: int, tol: float):
    if name in OTHERS:
        op = JacobianOperator(game, None, method)
        per_product = _jacobian_route.step_products(method, game, op.z)
        return Custom(OTHERS[name](op, k, tol), per_product)
    if name in LONG:
        saved = _eigensolvers.OPERATOR_LONG_NCV
        _eigensolvers.OPERATOR_LONG_NCV = LONG[name]
        try:
            return top_eigenvalues(game, k, method=method, solver=KrylovSchur(tol=tol))
        finally:
            _eigensolvers.OPERATOR_LONG_NCV = saved
    solver = KrylovSchur(tol=tol, **CANDIDATES[name])
    return top_eigenvalues(game, k, method=method, solver=solver)


def scipy_check(game, k: int, tol: float) -> tuple[np.ndarray, int]:
    """J's top-``k`` by ``scipy.sparse.linalg.eigs`` (ARPACK) on an independent ``J u``: the
    field rebuilt from the players' losses (``torch.func.grad`` of ``game.losses``), its
    ``torch.func.jvp``; the eigenvalues and the number of products."""
    import torch
    from scipy.sparse.linalg import LinearOperator, eigs

    z0, nx = game.z0, game.nx

    def field(z):
        x, y = z[:nx], z[nx:]
        gx = torch.func.grad(lambda x: game.losses(torch.cat([x, y]))[0])(x)
        gy = torch.func.grad(lambda y: game.losses(torch.cat([x, y]))[1])(y)
        return torch.cat([gx, gy])

    count = [0]

    def matvec(u):
        count[0] += 1
        u = torch.as_tensor(np.asarray(u).ravel(), dtype=z0.dtype)
        return torch.func.jvp(field, (z0,), (u,))[1].numpy()

    start = np.random.default_rng(0).standard_normal(game.n)
    op = LinearOperator((game.n, game.n), matvec=matvec, dtype=np.float64)
    values = eigs(op, k=k, which="LM", tol=tol, v0=start, return_eigenvectors=False)
    return sort_eigenvalues(values), count[0]


def methods(game, checkpoint: str, lr: float) -> dict:
    out = {
        "GDA": GDA(lr),
        "AltGDA n_critic=1": AltGDA(lr),
        "ExtraGradient": ExtraGradient(lr),
    }
    for frozen in (True, False):
        kind = "frozen" if frozen else "exact"
        for label, extra in (
            ("sim", {"alternating": False}),
            ("alt1", {"alternating": True, "n_critic": 1}),
            ("alt5", {"alternating": True, "n_critic": 5}),
        ):
            method, _ = trained_method(game, "adam", checkpoint, frozen=frozen, **extra)
            out[f"Adam {kind} {label}"] = method
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--example", choices=("digits", "sn-dcgan", "sn-dcgan-outofplace"), default="digits"
    )
    p.add_argument("--checkpoint", default=None, help="its checkpoint (default: train one)")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--k", type=int, default=6)
    p.add_argument("--tol", type=float, default=1e-6)
    p.add_argument("--lr", type=float, default=0.05, help="GDA / extragradient step")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--methods", default=None, help="comma-separated labels (default: all)")
    p.add_argument("--candidates", default="ncv20,default,operator")
    p.add_argument(
        "--scipy-check",
        action="store_true",
        help="check J's own top-k against scipy's eigs on an independent J u",
    )
    args = p.parse_args()
    with single_threaded(), tempfile.TemporaryDirectory() as tmp:
        path = args.checkpoint
        if args.example.startswith("sn-dcgan"):
            if path is None:
                path = str(_sn_dcgan.train(args.steps, f"{tmp}/ckpt.pt", args.batch))
            inplace = args.example == "sn-dcgan"
            game = _sn_dcgan.load_game(path, args.batch, 12_345, inplace)
            title = f"user-style SN DCGAN ({'in-place' if inplace else 'out-of-place'} activations)"
        else:
            if path is None:
                path = str(train(EXAMPLES["digits"], args.steps, tmp, args.steps, seed=0)[-1])
            game = EXAMPLES["digits"].load_game(path, args.batch, 12_345)
            title = "digits DCGAN"
        chosen = methods(game, path, args.lr)
        if args.methods:
            chosen = {name: chosen[name] for name in args.methods.split(",")}
        names = args.candidates.split(",")
        ref = top_eigenvalues(game, args.k, solver=KrylovSchur(tol=args.tol))
        print(
            f"{title} n = {game.n:,}, k = {args.k}, tol = {args.tol:g}, one thread\n"
            f"J's own top-{args.k}: {ref.jacobian_products} J products "
            f"(|λ| {abs(ref.values[0]):.3g}..{abs(ref.values[-1]):.3g})\n"
        )
        if args.scipy_check:
            other, count = scipy_check(game, args.k, args.tol)
            mine = sort_eigenvalues(np.asarray(ref.values))
            print(
                f"scipy eigs on torch.func.jvp of the losses' gradients: {count} products, "
                f"max |Δλ|/|λ| = {np.max(np.abs(other - mine) / np.abs(mine)):.1e}\n"
            )
        print(
            f"{'operator':22s} {'candidate':12s} {'J prod':>7s} {'× J':>6s} {'CPU min':>8s} "
            f"{'median':>7s} {'|μ|max':>9s} {'max res':>8s} {'Δμ rel':>8s}  route"
        )
        for label, method in chosen.items():
            rows: dict[str, list] = {name: [] for name in names}
            for r in range(args.rounds):  # interleaved, order rotated each round
                order = names[r % len(names) :] + names[: r % len(names)]
                for name in order:
                    cpu = time.process_time()
                    try:
                        top = run(name, game, method, args.k, args.tol)
                    except (ValueError, custom.Overbudget) as err:
                        top = err
                    rows[name].append((time.process_time() - cpu, top))
            first = None
            for name in names:
                times = [t for t, _ in rows[name]]
                top = rows[name][-1][1]
                if isinstance(top, Exception):
                    print(f"{label:22s} {name:12s} failed: {str(top)[:100]}", flush=True)
                    continue
                ratio = top.jacobian_products / ref.jacobian_products
                values = sort_eigenvalues(np.asarray(top.values))
                first = values if first is None else first
                gap = np.max(np.abs(values - first) / np.abs(first))
                print(
                    f"{label:22s} {name:12s} {top.jacobian_products:7d} {ratio:6.2f} "
                    f"{min(times):8.2f} {float(np.median(times)):7.2f} "
                    f"{abs(top.values[0]):9.6f} {np.max(top.residuals / np.abs(top.values)):8.1e}"
                    f" {gap:8.1e}  {top.route[:60]}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
