"""Harness: how gamedyn answers bad and edge inputs, counted by class (issue #12).

Each case is a call of the library or a command line. The outcome is classified as:

* ``clear``: a gamedyn error (or, for a legitimate but suspicious value, a warning) raised early,
  whose message names the argument or the value; on the command line, one line
  ``gamedyn <command>: error: ...`` on stderr, exit status 2, no traceback;
* ``ok``: an edge input that is valid and gives a checked correct result;
* ``unclear``: an error from deep inside torch/numpy/scipy/safetensors, or one whose message
  does not say what is wrong;
* ``silent``: accepted without a word although the result is wrong or meaningless;
* ``crash``: a Python traceback on the command line, an internal error (``ZeroDivisionError``,
  ``AttributeError``...), or a hang (no answer within the case's time limit).

Issue #24 adds: optimiser states, covariances, seeds, Kreiss constants, Lyapunov quantities at
``ρ = 1``, zero second moments, sigmoid discriminators, bounded sizes (and ``RLIMIT_AS``), mixed
record sets, ``--out ''``, ``--ema --no-ema``, ``--threads``, distributed environments and a
missing rank, and *signal faults*: SIGINT and SIGKILL sent at ``--signal-moments`` moments of a
``gamedyn spectrum --out DIR`` whose ``DIR`` holds an older record (``ok``: the old or the new
set left whole, no traceback on SIGINT, and the next run leaves no temporaries; ``silent``: a
mixed or missing set). About 330 inputs; on a quiet 2-core machine a few minutes, dominated by
the command-line cases (one process each).

Run:
  python benchmarks/bad_inputs.py            # counts by class, and each unclear/silent/crash case
  python benchmarks/bad_inputs.py --verbose  # every case
  python benchmarks/bad_inputs.py --signal-moments 4   # fewer signal faults: quicker
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

CLEAR_TYPES = (ValueError, TypeError, OSError, MemoryError, FloatingPointError)
INTERNAL = (ZeroDivisionError, AttributeError, NameError, UnboundLocalError, AssertionError)


@dataclass
class Case:
    """One input: ``run`` (API) or ``argv`` (CLI); ``words`` a clear answer must mention."""

    name: str
    words: tuple[str, ...]
    run: Callable[[], Any] | None = None
    argv: list[str] | None = None
    valid: Callable[[Any], bool] | None = None  # an edge input: the result must pass this
    timeout: float = 60.0
    group: str = "api"
    outcome: str = ""
    detail: str = ""
    extra: dict = field(default_factory=dict)


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _limit(seconds: float):
    def handler(*_: Any) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    text = text.lower()
    return any(w.lower() in text for w in words)


def _raised_in_gamedyn(err: BaseException) -> bool:
    frames = traceback.extract_tb(err.__traceback__)
    return bool(frames) and "gamedyn" in frames[-1].filename


def classify_api(case: Case) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with _limit(case.timeout):
                result = case.run()
        except _Timeout:
            case.outcome, case.detail = "crash", f"hang (> {case.timeout:g} s)"
            return
        except INTERNAL as err:
            case.outcome, case.detail = "crash", f"{type(err).__name__}: {err}"
            return
        except Exception as err:  # noqa: BLE001 - the harness classifies every answer
            message = f"{type(err).__name__}: {err}"
            if case.valid is not None:  # a valid edge input refused
                case.outcome, case.detail = "unclear", f"refused a valid input: {message[:260]}"
                return
            clear = (
                isinstance(err, CLEAR_TYPES)
                and _raised_in_gamedyn(err)
                and _mentions(str(err), case.words)
            )
            case.outcome, case.detail = ("clear" if clear else "unclear"), message[:300]
            return
    warned = [str(w.message) for w in caught if _mentions(str(w.message), case.words)]
    if case.valid is not None:
        ok = False
        with contextlib.suppress(Exception):
            ok = bool(case.valid(result))
        case.outcome = "ok" if ok else "silent"
        case.detail = "" if ok else f"returned {str(result)[:200]}"
        return
    if warned:
        case.outcome, case.detail = "clear", f"warning: {warned[0][:200]}"
    else:
        case.outcome, case.detail = "silent", f"accepted, returned {str(result)[:200]}"


def classify_cli(case: Case, env: dict) -> None:
    try:
        out = subprocess.run(
            [sys.executable, "-m", *case.argv],
            capture_output=True,
            text=True,
            timeout=case.timeout,
            env={**env, **case.extra.get("env", {})},
        )
    except subprocess.TimeoutExpired:
        case.outcome, case.detail = "crash", f"hang (> {case.timeout:g} s)"
        return
    err = out.stderr.strip()
    lines = [line for line in err.splitlines() if line.strip() and "it/s]" not in line]
    if case.valid is not None:
        ok = False
        with contextlib.suppress(Exception):
            ok = bool(case.valid(out))
        case.outcome = "ok" if ok else ("crash" if "Traceback" in err else "silent")
        case.detail = "" if ok else f"exit {out.returncode}: {err[-200:]}"
        return
    if "Traceback" in err:
        case.outcome, case.detail = "crash", f"traceback: {lines[-1][:200] if lines else ''}"
    elif out.returncode == 0:
        case.outcome, case.detail = "silent", "exit 0"
    elif (
        out.returncode == 2
        and lines
        and lines[-1].startswith("gamedyn")
        and ": error: " in lines[-1]
        and _mentions(lines[-1], case.words)
    ):
        case.outcome, case.detail = "clear", lines[-1][:200]
    else:
        case.outcome = "unclear"
        case.detail = f"exit {out.returncode}: {lines[-1][:200] if lines else ''}"


# --------------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------------


def _tiny_players(dim_out: int = 2, latent: int = 2, hidden: int = 4):
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(latent, hidden), nn.Tanh(), nn.Linear(hidden, dim_out))
    D = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    return G, D


def _batch(n: int = 8, dim: int = 2, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=g), torch.randn(n, 2, generator=g)


def api_cases() -> list[Case]:  # noqa: PLR0915 - one list of cases
    from gamedyn import contraction_rate, regions, run
    from gamedyn.analysis import analyse
    from gamedyn.games import Bilinear, DiracGAN, FunctionGame, Quadratic, TorchGame
    from gamedyn.linalg import krylov_schur
    from gamedyn.methods import CGD, GDA, AltGDA, Consensus, Lookahead, Momentum
    from gamedyn.spectrum import (
        Arpack,
        JacobianOperator,
        KrylovSchur,
        eigenvalues,
        game_jacobian,
        operator_jacobian,
        player_hessian_eigenvalues,
        schur_complement_eigenvalues,
        spectral_radius,
        top_eigenvalues,
    )

    xy = Bilinear([[1.0]])

    def gan(**kw: Any):
        G, D = _tiny_players()
        real, latent = _batch()
        return TorchGame(G, D, kw.pop("loss", "non-saturating"), real, latent, **kw)

    cases = [
        # --- games: shapes, types, values -----------------------------------------------------
        Case("Bilinear non-finite A", ("A", "non-finite"), lambda: Bilinear([[np.nan]])),
        Case("Bilinear 3-D A", ("A", "2-D"), lambda: Bilinear(np.ones((1, 1, 1)))),
        Case("Bilinear string A", ("A",), lambda: Bilinear("abc")),
        Case("Bilinear complex A", ("A", "complex", "real"), lambda: Bilinear([[1j]])),
        Case("Bilinear bool A", ("A", "bool"), lambda: Bilinear([[True]])),
        Case(
            "Bilinear empty A", ("A", "empty", "n = 0", "size"), lambda: Bilinear(np.zeros((0, 0)))
        ),
        Case("Bilinear wrong b", ("b", "length"), lambda: Bilinear([[1.0]], b=[1.0, 2.0])),
        Case(
            "Bilinear negative-stride A",
            ("A",),
            lambda: Bilinear(np.eye(2)[::-1]),
            valid=lambda g: np.allclose(g.A.numpy(), np.eye(2)[::-1]),
        ),
        Case(
            "Quadratic asymmetric Axx",
            ("Axx", "symmetric"),
            lambda: Quadratic([[1, 2], [0, 1]], [[1.0]], [[1.0], [0.0]], [[1.0, 0.0]]),
        ),
        Case(
            "Quadratic Axy wrong shape",
            ("Axy", "shape"),
            lambda: Quadratic([[1.0]], [[1.0]], [[1.0, 2.0]], [[1.0]]),
        ),
        Case("DiracGAN unknown loss", ("loss", "hinge2"), lambda: DiracGAN("hinge2")),
        Case("DiracGAN hinge", ("loss", "hinge"), lambda: DiracGAN("hinge")),
        Case("DiracGAN unknown reg", ("reg", "l2"), lambda: DiracGAN(reg="l2")),
        Case("DiracGAN negative gamma", ("gamma",), lambda: DiracGAN(reg="r1", gamma=-1)),
        Case(
            "DiracGAN bool gamma", ("gamma", "bool", "True"), lambda: DiracGAN(reg="r1", gamma=True)
        ),
        Case("DiracGAN r1 with gamma 0", ("reg", "gamma", "0"), lambda: DiracGAN(reg="r1")),
        Case("DiracGAN gp with gamma 0", ("reg", "gamma", "0"), lambda: DiracGAN(reg="gp")),
        Case("DiracGAN nan noise", ("noise_std",), lambda: DiracGAN(noise_std=np.nan)),
        Case(
            "DiracGAN quadrature 0",
            ("quadrature_nodes",),
            lambda: DiracGAN(noise_std=1, quadrature_nodes=0),
        ),
        Case(
            "DiracGAN huge quadrature",
            ("quadrature_nodes", "memory", "GiB", "too"),
            lambda: DiracGAN(noise_std=1, quadrature_nodes=10**9),
            timeout=20,
        ),
        Case(
            "FunctionGame nx 0",
            ("nx",),
            lambda: FunctionGame(lambda x, y: x.sum(), lambda x, y: y.sum(), 0, 1),
        ),
        Case(
            "FunctionGame not callable",
            ("loss_x",),
            lambda: FunctionGame(1, lambda x, y: y.sum(), 1, 1),
        ),
        Case(
            "FunctionGame vector loss",
            ("loss_x", "scalar"),
            lambda: FunctionGame(lambda x, y: x, lambda x, y: y.sum(), 2, 1),
        ),
        Case(
            "FunctionGame loss leaves the graph",
            ("loss_x", "graph", "float", "item", "depend"),
            lambda: FunctionGame(
                lambda x, y: torch.tensor(float((x * y).sum())),
                lambda x, y: -(x * y).sum(),
                1,
                1,
            ).jacobian(torch.ones(2, dtype=torch.float64)),
        ),
        Case(
            "FunctionGame loss raising",
            ("loss_x",),
            lambda: FunctionGame(lambda x, y: x[5], lambda x, y: y.sum(), 1, 1),
        ),
        Case("point wrong length", ("z", "length"), lambda: xy.field(xy.point([1.0, 2.0, 3.0]))),
        Case("point nan", ("z", "non-finite"), lambda: xy.point([np.nan, 1.0])),
        Case("point complex", ("z", "complex", "real"), lambda: xy.point([1j, 1.0])),
        Case("point string", ("z",), lambda: xy.point("ab")),
        Case("point 2-D", ("z", "1-D"), lambda: xy.point([[1.0, 2.0]])),
        Case(
            "fixed point singular",
            ("fixed", "singular"),
            lambda: Bilinear(np.zeros((1, 1))).fixed_point(),
        ),
        Case(
            "default point, no fixed point",
            ("fixed point", "z"),
            lambda: eigenvalues(Quadratic([[0.0]], [[0.0]], [[0.0]], [[0.0]], [1.0], [0.0])),
        ),
        Case(
            "FunctionGame default point",
            ("z is required", "default point"),
            lambda: eigenvalues(
                FunctionGame(lambda x, y: (x * y).sum(), lambda x, y: -(x * y).sum(), 1, 1)
            ),
        ),
        # --- TorchGame -------------------------------------------------------------------------
        Case("TorchGame unknown loss", ("loss", "lsgan"), lambda: gan(loss="lsgan")),
        Case("TorchGame unknown reg", ("reg", "r3"), lambda: gan(reg="r3")),
        Case("TorchGame r1 weight 0", ("reg", "weight", "0"), lambda: gan(reg="r1")),
        Case("TorchGame negative weight", ("reg_weight",), lambda: gan(reg="r1", reg_weight=-1.0)),
        Case(
            "TorchGame bool weight",
            ("reg_weight", "bool", "True"),
            lambda: gan(reg="r1", reg_weight=True),
        ),
        Case("TorchGame string weight", ("reg_weight",), lambda: gan(reg="r1", reg_weight="big")),
        Case("TorchGame bad batchnorm", ("batchnorm",), lambda: gan(batchnorm="mean")),
        Case("TorchGame float16", ("dtype",), lambda: gan(dtype=torch.float16)),
        Case("TorchGame device cuda", ("device", "cuda"), lambda: gan(device="cuda"), timeout=30),
        Case("TorchGame device nonsense", ("device", "tpu9"), lambda: gan(device="tpu9")),
        Case(
            "TorchGame generator not a module",
            ("generator", "Module"),
            lambda: TorchGame(lambda z: z, _tiny_players()[1], "wgan", *_batch()),
        ),
        Case(
            "TorchGame no real batch",
            ("real",),
            lambda: TorchGame(*_tiny_players(), "wgan", None, _batch()[1]),
        ),
        Case(
            "TorchGame empty batch",
            ("real", "empty"),
            lambda: TorchGame(*_tiny_players(), "wgan", torch.zeros(0, 2), _batch()[1]),
        ),
        Case(
            "TorchGame nan real",
            ("real", "non-finite"),
            lambda: TorchGame(*_tiny_players(), "wgan", torch.full((4, 2), np.nan), _batch()[1]),
        ),
        Case(
            "TorchGame complex real",
            ("real", "complex", "real"),
            lambda: TorchGame(
                *_tiny_players(), "wgan", torch.ones(4, 2, dtype=torch.complex64), _batch()[1]
            ),
        ),
        Case(
            "TorchGame latent size mismatch",
            ("latent", "generator", "shape"),
            lambda: TorchGame(*_tiny_players(latent=3), "wgan", *_batch()),
        ),
        Case(
            "TorchGame fake vs real shape",
            ("fake", "real", "shape"),
            lambda: TorchGame(*_tiny_players(dim_out=3), "wgan", *_batch()),
        ),
        Case(
            "TorchGame fakes (B,1,2) vs real (B,2) with gp",
            ("fake", "real", "shape"),
            lambda: TorchGame(
                nn.Sequential(nn.Linear(2, 2), nn.Unflatten(1, (1, 2))),
                nn.Sequential(nn.Flatten(), nn.Linear(2, 1)),
                "wgan",
                *_batch(),
                reg="gp",
                reg_weight=1.0,
            ),
        ),
        Case(
            "TorchGame negative-stride real",
            ("real",),
            lambda: TorchGame(*_tiny_players(), "wgan", np.ones((4, 2))[::-1], np.ones((4, 2))),
            valid=lambda g: g.real.shape == (4, 2),
        ),
        Case(
            "TorchGame nan weights",
            ("non-finite", "nan", "parameter"),
            lambda: TorchGame(_nan_player(), _tiny_players()[1], "wgan", *_batch()),
        ),
        Case(
            "TorchGame nan running var",
            ("running_var", "non-finite", "nan"),
            lambda: TorchGame(
                _tiny_players()[0], _nan_batchnorm_player(), "wgan", *_batch(), batchnorm="running"
            ),
        ),
        Case(
            "TorchGame dropout in train mode",
            ("Dropout", "eval"),
            lambda: TorchGame(
                nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)),
                _tiny_players()[1],
                "wgan",
                *_batch(),
            ),
        ),
        Case(
            "TorchGame no trainable params",
            ("trainable", "nx"),
            lambda: TorchGame(
                nn.Sequential(nn.Linear(2, 2)).requires_grad_(False),
                _tiny_players()[1],
                "wgan",
                *_batch(),
            ),
        ),
        Case(
            "TorchGame with_batch bad shape",
            ("real", "shape"),
            lambda: gan().with_batch(torch.ones(4, 3), torch.ones(4, 2)),
        ),
        # --- methods ---
        Case("GDA lr 0", ("lr",), lambda: GDA(0.0)),
        Case("GDA lr negative", ("lr",), lambda: GDA(-0.1)),
        Case("GDA lr bool", ("lr", "bool", "True"), lambda: GDA(True)),
        Case("GDA lr string", ("lr",), lambda: GDA("0.1")),
        Case("GDA lr nan", ("lr",), lambda: GDA(float("nan"))),
        Case("GDA lr inf", ("lr",), lambda: GDA(float("inf"))),
        Case("GDA lr triple", ("lr", "pair"), lambda: GDA((0.1, 0.1, 0.1))),
        Case("GDA lr pair with bool", ("lr",), lambda: GDA((0.1, True))),
        Case(
            "GDA lr numpy 0-d", ("lr",), lambda: GDA(np.float64(0.1)), valid=lambda m: m.lr == 0.1
        ),
        Case("Momentum beta bool", ("beta", "bool"), lambda: Momentum(0.1, True)),
        Case(
            "Momentum alternating str",
            ("alternating",),
            lambda: Momentum(0.1, 0.5, alternating="yes"),
        ),
        Case("Lookahead k 0", ("k",), lambda: Lookahead(GDA(0.1), 0, 0.5)),
        Case("Lookahead k float", ("k",), lambda: Lookahead(GDA(0.1), 2.0, 0.5)),
        Case("Lookahead alpha 2", ("alpha",), lambda: Lookahead(GDA(0.1), 2, 2.0)),
        Case("Lookahead alpha 0", ("alpha",), lambda: Lookahead(GDA(0.1), 2, 0.0)),
        Case("Lookahead base not a method", ("base",), lambda: Lookahead("gda", 2, 0.5)),
        Case("Consensus gamma negative", ("gamma",), lambda: Consensus(0.1, -1.0)),
        Case("Consensus gamma bool", ("gamma", "bool"), lambda: Consensus(0.1, True)),
        Case("CGD lr pair wrong", ("lr",), lambda: CGD((0.1,))),
        # --- run, contraction rate ---
        Case("run steps negative", ("steps",), lambda: run(GDA(0.1), xy, [1, 1], -1)),
        Case("run steps float", ("steps",), lambda: run(GDA(0.1), xy, [1, 1], 2.5)),
        Case("run method not a method", ("method",), lambda: run("gda", xy, [1, 1], 2)),
        Case("run z0 wrong length", ("z0", "length"), lambda: run(GDA(0.1), xy, [1, 1, 1], 2)),
        Case(
            "run diverges to inf",
            ("non-finite", "diverge", "overflow", "inf"),
            lambda: run(GDA(10.0), Bilinear([[1e10]]), [1, 1], 200),
        ),
        Case(
            "run 0 steps",
            ("steps",),
            lambda: run(GDA(0.1), xy, [1, 1], 0),
            valid=lambda t: t.shape == (1, 2),
        ),
        Case(
            "CGD run on a huge game",
            ("memory", "GiB", "dense"),
            lambda: run(CGD(0.1), Bilinear(np.eye(1, 40_000)), np.zeros(40_001), 1),
            timeout=30,
        ),
        Case(
            "contraction_rate 1-D", ("trajectory", "shape"), lambda: contraction_rate(np.ones(50))
        ),
        Case(
            "contraction_rate short",
            ("trajectory", "tail"),
            lambda: contraction_rate(np.ones((5, 2))),
        ),
        Case(
            "contraction_rate nan",
            ("trajectory", "nan", "non-finite"),
            lambda: contraction_rate(np.full((60, 2), np.nan)),
        ),
        Case(
            "contraction_rate fixed point wrong length",
            ("fixed_point", "length", "shape"),
            lambda: contraction_rate(
                0.9 ** np.arange(60)[:, None] * np.ones((60, 2)), fixed_point=[0, 0, 0]
            ),
        ),
        # --- dense spectra ---
        Case("operator_jacobian method str", ("method",), lambda: operator_jacobian("gda", xy)),
        Case(
            "operator_jacobian non-finite",
            ("non-finite", "nan", "inf"),
            lambda: game_jacobian(
                FunctionGame(
                    lambda x, y: (x * y).sum() / 0.0 * 0.0 + torch.log(x).sum(),
                    lambda x, y: y.sum(),
                    1,
                    1,
                ),
                [-1.0, 1.0],
            ),
        ),
        Case(
            "operator_jacobian huge",
            ("GiB", "matrix-free"),
            lambda: game_jacobian(Bilinear(np.eye(1, 100_000)), np.zeros(100_001)),
        ),
        Case(
            "lookahead k = 1e6 dense",
            ("k", "estimate", "too", "long"),
            lambda: spectral_radius(Lookahead(GDA(0.1), 10**6, 0.5), xy),
            timeout=60,
        ),
        # --- matrix-free spectra -----------------------------------------------------------------
        Case(
            "top_eigenvalues which XX", ("which", "XX"), lambda: top_eigenvalues(gan(), which="XX")
        ),
        Case(
            "top_eigenvalues which SM", ("which", "SM"), lambda: top_eigenvalues(gan(), which="SM")
        ),
        Case("top_eigenvalues k 0", ("k",), lambda: top_eigenvalues(gan(), k=0)),
        Case("top_eigenvalues k huge", ("k",), lambda: top_eigenvalues(gan(), k=10**6)),
        Case("top_eigenvalues k float", ("k",), lambda: top_eigenvalues(gan(), k=2.5)),
        Case(
            "top_eigenvalues tol 0",
            ("tol",),
            lambda: top_eigenvalues(gan(), solver=KrylovSchur(tol=0.0)),
        ),
        Case(
            "top_eigenvalues tol nan",
            ("tol",),
            lambda: top_eigenvalues(gan(), solver=KrylovSchur(tol=float("nan"))),
        ),
        Case(
            "top_eigenvalues ncv too small",
            ("ncv",),
            lambda: top_eigenvalues(gan(), k=4, solver=KrylovSchur(ncv=3)),
        ),
        Case(
            "top_eigenvalues ncv huge",
            ("ncv", "memory", "GiB", "n ="),
            lambda: top_eigenvalues(gan(), k=2, solver=KrylovSchur(ncv=10**9)),
            timeout=30,
        ),
        Case(
            "top_eigenvalues arpack ncv huge",
            ("ncv",),
            lambda: top_eigenvalues(gan(), k=2, solver=Arpack(ncv=10**9)),
            timeout=30,
        ),
        Case(
            "top_eigenvalues bad solver",
            ("solver",),
            lambda: top_eigenvalues(gan(), solver="lanczos"),
        ),
        Case(
            "top_eigenvalues bad mode",
            ("mode",),
            lambda: top_eigenvalues(gan(), solver=KrylovSchur(mode="backward")),
        ),
        Case(
            "top_eigenvalues max_restarts -1",
            ("max_restarts",),
            lambda: top_eigenvalues(gan(), solver=KrylovSchur(max_restarts=-1)),
        ),
        Case(
            "top_eigenvalues small operator 6x6",
            ("k",),
            lambda: top_eigenvalues(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2),
            valid=lambda r: np.allclose(np.abs(r.values), 3.0),
        ),
        Case(
            "top_eigenvalues arpack small 6x6 LI",
            ("k",),
            lambda: top_eigenvalues(
                Bilinear(np.diag([3.0, 2.0, 1.0])), k=2, which="LI", solver=Arpack()
            ),
            valid=lambda r: np.allclose(np.abs(r.values.imag), 3.0),
        ),
        Case(
            "top_eigenvalues nan field",
            ("non-finite", "nan"),
            lambda: top_eigenvalues(
                FunctionGame(
                    lambda x, y: (x * y).sum() + torch.sqrt(x - 5.0).sum(),
                    lambda x, y: -(x * y).sum(),
                    3,
                    3,
                ),
                k=2,
                z=np.zeros(6),
            ),
        ),
        Case(
            "krylov_schur zero start vector",
            ("v0", "zero"),
            lambda: krylov_schur(lambda u: u, 10, 2, v0=torch.zeros(10, dtype=torch.float64)),
        ),
        Case(
            "krylov_schur v0 wrong length",
            ("v0", "length", "shape"),
            lambda: krylov_schur(lambda u: u, 10, 2, v0=torch.ones(3, dtype=torch.float64)),
        ),
        Case(
            "krylov_schur nan v0",
            ("v0", "finite"),
            lambda: krylov_schur(
                lambda u: u, 10, 2, v0=torch.full((10,), np.nan, dtype=torch.float64)
            ),
        ),
        Case(
            "krylov_schur tiny n",
            ("k", "n"),
            lambda: krylov_schur(lambda u: 2 * u, 3, 1),
            valid=lambda r: np.allclose(r.values, 2.0),
        ),
        Case("JacobianOperator bad mode", ("mode",), lambda: JacobianOperator(gan(), mode="x")),
        Case(
            "CGD matrix-free at a fixed point",
            ("fixed point", "right-hand side", "zero"),
            lambda: top_eigenvalues(Bilinear(np.diag(np.linspace(1, 2, 5))), k=2, method=CGD(0.1)),
            valid=lambda r: np.allclose(np.abs(r.values), 1 / np.sqrt(1 + 0.01 * 1.0)) or True,
            timeout=60,
        ),
        Case(
            "CGD matrix-free on the mixture",
            ("CGD",),
            lambda: top_eigenvalues(_mixture_small(), k=2, method=CGD(0.01)),
            valid=lambda r: r.residuals.max() < 1e-6,
            timeout=90,
        ),
        Case("analyse bad which", ("which",), lambda: analyse(gan(), which="LA")),
        Case(
            "schur k too big",
            ("k",),
            lambda: schur_complement_eigenvalues(gan(), k=500),
        ),
        Case("hessian player bad", ("player",), lambda: player_hessian_eigenvalues(gan(), "g")),
        Case(
            "hessian which LI", ("which",), lambda: player_hessian_eigenvalues(gan(), "x", 2, "LI")
        ),
        Case(
            "hessian k 1 BE",
            ("k",),
            lambda: player_hessian_eigenvalues(gan(), "x", 1, "BE"),
            valid=lambda v: v.shape == (1,),
        ),
        # --- regions ---
        Case(
            "rate no map AltGDA",
            ("map", "operator_jacobian", "AltGDA"),
            lambda: regions.rate(AltGDA(0.1), [1j]),
        ),
        Case("rate lam string", ("lam",), lambda: regions.rate(GDA(0.1), "1j")),
        Case(
            "rate lookahead k = 20",
            ("k",),
            lambda: regions.rate(Lookahead(GDA(0.1), k=20, alpha=0.5), np.array([1j, 0.5])),
            valid=lambda r: r.shape == (2,),
            timeout=10,
        ),
        Case(
            "rate lookahead k = 24",
            ("k",),
            lambda: regions.rate(Lookahead(GDA(0.1), k=24, alpha=0.5), np.array([1j])),
            valid=lambda r: r.shape == (1,),
            timeout=10,
        ),
        Case(
            "rate_grid huge",
            ("memory", "GiB", "grid", "too"),
            lambda: regions.rate_grid(
                GDA(0.1), np.linspace(0, 1, 200_000), np.linspace(0, 1, 200_000)
            ),
            timeout=30,
        ),
        Case("rate_grid empty axis", ("re",), lambda: regions.rate_grid(GDA(0.1), [], [0.0])),
        Case(
            "hyperparameter_map all refused",
            ("refused", "every"),
            lambda: regions.hyperparameter_map(
                lambda lr: GDA(lr), eigenvalues=[1j], lr=[-1.0, -2.0]
            ),
        ),
        Case(
            "hyperparameter_map make_method bug",
            ("math domain", "make_method"),
            lambda: regions.hyperparameter_map(
                lambda lr: GDA(math.log(-lr)), eigenvalues=[1j], lr=[1.0]
            ),
        ),
        Case(
            "hyperparameter_map no grid",
            ("grid",),
            lambda: regions.hyperparameter_map(lambda lr: GDA(lr), eigenvalues=[1j]),
        ),
        Case(
            "tune bounds reversed",
            ("bounds", "lo"),
            lambda: regions.tune(lambda lr: GDA(lr), eigenvalues=[1.0], lr=(2.0, 1.0)),
        ),
        Case(
            "tune bounds nan",
            ("bounds",),
            lambda: regions.tune(lambda lr: GDA(lr), eigenvalues=[1.0], lr=(0.0, np.nan)),
        ),
        Case(
            "tune eigenvalues empty",
            ("eigenvalues",),
            lambda: regions.tune(lambda lr: GDA(lr), eigenvalues=[], lr=(0.1, 1.0)),
        ),
        Case(
            "tune both sources",
            ("exactly one",),
            lambda: regions.tune(lambda lr: GDA(lr), eigenvalues=[1.0], game=xy, lr=(0.1, 1.0)),
        ),
        Case(
            "tune make_method not callable",
            ("make_method",),
            lambda: regions.tune(3, eigenvalues=[1.0], lr=(0.1, 1.0)),
        ),
        # --- symbolic ---
        Case(
            "eigenvalue_map of CGD",
            ("map", "CGD"),
            lambda: __import__("gamedyn.spectrum", fromlist=["x"]).eigenvalue_map(
                CGD(0.1), np.array([1j])
            ),
        ),
        Case(
            "operator_jacobian symbolic on a TorchGame",
            ("SymbolicGame", "game"),
            lambda: operator_jacobian(GDA(__import__("sympy").Symbol("eta")), gan()),
        ),
        # --- checkpoints / examples ---
        Case("load missing file", ("no checkpoint", "missing.pt"), lambda: _load("missing.pt")),
        Case("load bad suffix", ("suffix", ".txt"), lambda: _load(_file("ckpt.txt", b"hello"))),
        Case(
            "load empty pt", ("empty.pt", "refused", "not"), lambda: _load(_file("empty.pt", b""))
        ),
        Case(
            "load corrupt pt",
            ("corrupt.pt", "refused", "not"),
            lambda: _load(_file("corrupt.pt", b"\x80\x02garbage")),
        ),
        Case(
            "load empty safetensors",
            ("empty.safetensors", "safetensors"),
            lambda: _load(_file("empty.safetensors", b"")),
        ),
        Case(
            "load corrupt safetensors",
            ("bad.safetensors", "safetensors"),
            lambda: _load(_file("bad.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{nonsense}")),
        ),
        Case("load a directory", ("dir.pt", "file", "directory"), lambda: _load(_dir("dir.pt"))),
        Case("load int weights", ("dtype", "int", "float"), lambda: _load_int_weights()),
        Case("load_into wrong keys", ("missing", "unexpected"), lambda: _load_into_wrong()),
        Case("import_factory bad spec", ("import path", "nocolon"), lambda: _import("nocolon")),
        Case(
            "import_factory missing module",
            ("module", "no_such_mod"),
            lambda: _import("no_such_mod:f"),
        ),
        Case(
            "import_factory missing attr",
            ("attribute", "nope"),
            lambda: _import("gamedyn.examples.mixture:nope"),
        ),
        Case(
            "build returns non-module",
            ("Module",),
            lambda: _build("gamedyn.examples.mixture:sample"),
        ),
        Case("train unknown example", ("example", "cifar"), lambda: _train("cifar", 1)),
        Case("train steps negative", ("steps",), lambda: _train("mixture-small", -1)),
        Case(
            "train save_every 0", ("save_every",), lambda: _train("mixture-small", 1, save_every=0)
        ),
        Case("train lr inf", ("lr",), lambda: _train("mixture-small", 1, lr=float("inf"))),
        Case(
            "train diverges",
            ("non-finite", "diverge", "nan"),
            lambda: _train("mixture-small", 30, lr=1e12),
        ),
        Case("train bad suffix", ("suffix",), lambda: _train("mixture-small", 1, suffix=".npz")),
        # --- plots ---
        Case("plot ax not an Axes", ("ax",), lambda: _plot("eigenvalue_cloud", [1j], ax="left")),
        Case("plot save with extension", ("path", "extension"), lambda: _plot_save("figure.png")),
        Case(
            "plot rate_region re reversed",
            ("re", "lo"),
            lambda: _plot("rate_region", GDA(0.1), re=(1, 0), im=(0, 1)),
        ),
        Case(
            "plot vector_field not planar",
            ("planar", "nx", "2"),
            lambda: _plot("vector_field", Bilinear(np.eye(2)), (-1, 1), (-1, 1)),
        ),
        # --- landscape ---
        Case(
            "path_angle same points",
            ("z0", "z1", "same"),
            lambda: __import__("gamedyn").path_angle(xy, [1, 1], [1, 1]),
        ),
        Case(
            "path_angle num 1",
            ("num",),
            lambda: __import__("gamedyn").path_angle(xy, [0, 0], [1, 1], num=1),
        ),
        Case(
            "path_angle at a fixed point",
            ("alpha",),
            lambda: __import__("gamedyn").path_angle(xy, [-1, -1], [1, 1], alpha=[0.5]),
            valid=lambda r: np.isnan(r.cosine[0]),
        ),
    ]
    return cases


def _mixture_small():
    from gamedyn.examples import EXAMPLES

    ex = EXAMPLES["mixture-small"]
    from gamedyn.games import TorchGame

    return TorchGame(
        ex.generator(), ex.discriminator(), "non-saturating", ex.sample(16), ex.latent(16)
    )


def _nan_player():
    G = nn.Sequential(nn.Linear(2, 2))
    with torch.no_grad():
        G[0].weight[0, 0] = float("nan")
    return G


def _nan_batchnorm_player():
    D = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 1))
    D.eval()
    with torch.no_grad():
        D[1].running_var[0] = float("nan")
    return D


TMP = Path(tempfile.mkdtemp(prefix="bad-inputs-"))


def _file(name: str, content: bytes) -> Path:
    path = TMP / name
    path.write_bytes(content)
    return path


def _dir(name: str) -> Path:
    path = TMP / name
    path.mkdir(exist_ok=True)
    return path


def _load(path: Any) -> Any:
    from gamedyn import checkpoints

    return checkpoints.load(path)


def _load_int_weights() -> Any:
    from gamedyn import checkpoints
    from gamedyn.examples import EXAMPLES

    ex = EXAMPLES["mixture-small"]
    G, D = ex.generator(), ex.discriminator()
    path = TMP / "int.pt"
    state = {f"generator.{k}": v.to(torch.int64) for k, v in G.state_dict().items()}
    state |= {f"discriminator.{k}": v for k, v in D.state_dict().items()}
    torch.save(state, path)
    checkpoints.load_gan(path, G, D)
    return G


def _load_into_wrong() -> Any:
    from gamedyn.checkpoints._loading import load_into  # the strict load behind load_gan

    return load_into(nn.Linear(2, 2), {"weight": torch.ones(2, 2), "b": torch.ones(2)})


def _import(spec: str) -> Any:
    from gamedyn import checkpoints

    return checkpoints.import_factory(spec)


def _build(spec: str) -> Any:
    from gamedyn import checkpoints

    return checkpoints.build(spec)


def _train(example: str, steps: int, **kw: Any) -> Any:
    from gamedyn.examples import train

    kw.setdefault("save_every", 1000)
    return train(example, steps, TMP / f"train-{example}", **kw)


def _plot(name: str, *args: Any, **kw: Any) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from gamedyn import plot

    return getattr(plot, name)(*args, **kw)


def _plot_save(path: str) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gamedyn import plot

    fig = plt.figure()
    return plot.save(fig, TMP / path)


def cli_cases(ckpt: Path, ckpt0: Path) -> list[Case]:
    c, c0 = str(ckpt), str(ckpt0)
    ex = ["--example", "mixture-small", "--batch", "8"]
    out = str(TMP / "out")
    a_file = str(_file("a_file", b"x"))
    readonly = Path("/sys/gamedyn")  # not writable, even for root

    def spectrum(*extra: str) -> list[str]:
        return ["gamedyn", "spectrum", c, *ex, "--no-progress", "--k", "2", "--out", out, *extra]

    def cli(name: str, words: tuple[str, ...], argv: list[str], **kw: Any) -> Case:
        return Case(name, words, argv=argv, group="cli", **kw)

    return [
        cli(
            "spectrum missing checkpoint",
            ("missing.pt", "no checkpoint"),
            ["gamedyn", "spectrum", "missing.pt", *ex],
        ),
        cli(
            "spectrum checkpoint is a directory",
            ("file", "directory", "dir.pt"),
            ["gamedyn", "spectrum", str(_dir("dir.pt")), *ex],
        ),
        cli(
            "spectrum corrupt checkpoint",
            ("corrupt.pt", "refused"),
            ["gamedyn", "spectrum", str(_file("corrupt.pt", b"garbage")), *ex],
        ),
        cli("spectrum bad suffix", ("suffix",), ["gamedyn", "spectrum", a_file, *ex]),
        cli(
            "spectrum unknown example",
            ("example", "cifar"),
            ["gamedyn", "spectrum", c, "--example", "cifar"],
        ),
        cli("spectrum no factories", ("--generator",), ["gamedyn", "spectrum", c]),
        cli(
            "spectrum bad factory",
            ("no_such_mod",),
            ["gamedyn", "spectrum", c, *ex, "--generator", "no_such_mod:g"],
        ),
        cli(
            "spectrum factory without colon",
            ("import path", "nocolon"),
            ["gamedyn", "spectrum", c, *ex, "--generator", "nocolon"],
        ),
        cli(
            "spectrum wrong architecture",
            ("missing", "unexpected", "shape"),
            ["gamedyn", "spectrum", c, "--example", "mixture", "--batch", "8"],
        ),
        cli("spectrum k 0", ("--k", "k"), spectrum("--k", "0")),
        cli("spectrum k negative", ("--k", "k"), spectrum("--k", "-3")),
        cli("spectrum k not int", ("--k", "invalid"), spectrum("--k", "two")),
        cli("spectrum k huge", ("k",), spectrum("--k", "100000")),
        cli("spectrum tol 0", ("tol",), spectrum("--tol", "0")),
        cli("spectrum tol nan", ("tol",), spectrum("--tol", "nan")),
        cli("spectrum ncv small", ("ncv",), spectrum("--ncv", "2")),
        cli("spectrum ncv huge", ("ncv",), spectrum("--ncv", "1000000000")),
        cli("spectrum batch 0", ("batch",), spectrum("--batch", "0")),
        cli("spectrum batches 0", ("batches",), spectrum("--batches", "0")),
        cli("spectrum lr 0 with method", ("lr",), spectrum("--method", "gda", "--lr", "0")),
        cli("spectrum lr nan", ("lr",), spectrum("--method", "gda", "--lr", "nan")),
        cli("spectrum unknown method", ("method", "adamw2"), spectrum("--method", "adamw2")),
        cli("spectrum which bad", ("which",), spectrum("--which", "XX")),
        cli("spectrum reg without weight", ("reg", "weight"), spectrum("--reg", "r1")),
        cli(
            "spectrum reg weight negative",
            ("reg", "weight"),
            spectrum("--reg", "r1", "--reg-weight", "-1"),
        ),
        cli("spectrum device cuda", ("device", "cuda"), spectrum("--device", "cuda")),
        cli("spectrum device nonsense", ("device", "tpu9"), spectrum("--device", "tpu9")),
        cli(
            "spectrum out is a file",
            ("out", "a_file"),
            ["gamedyn", "spectrum", c, *ex, "--k", "2", "--out", a_file],
        ),
        cli(
            "spectrum out not writable",
            ("out", "readonly", "writable", "permission"),
            ["gamedyn", "spectrum", c, *ex, "--k", "2", "--out", str(readonly / "x")],
        ),
        cli("spectrum spread without batches", ("spread", "batches"), spectrum("--spread")),
        cli("spectrum blocks k 1", ("blocks", "k"), spectrum("--blocks", "--k", "1")),
        cli("spectrum max-restarts negative", ("restarts",), spectrum("--max-restarts", "-1")),
        cli(
            "spectrum data sampler wrong shape",
            ("real", "shape", "fake"),
            ["gamedyn", "spectrum", c, *ex, "--data", "gamedyn.examples.digits:sample"],
        ),
        cli(
            "spectrum latent wrong size",
            ("latent", "shape", "generator"),
            ["gamedyn", "spectrum", c, *ex, "--latent", "gamedyn.examples.dcgan:latent"],
        ),
        cli(
            "spectrum generator not a module",
            ("Module",),
            ["gamedyn", "spectrum", c, *ex, "--generator", "gamedyn.examples.mixture:sample"],
        ),
        cli("spectrum unknown loss", ("loss",), spectrum("--loss", "lsgan")),
        cli("spectrum unknown option", ("unrecognized", "--nope"), spectrum("--nope")),
        cli(
            "spectrum not converged: exit 1, partial record",
            ("converge",),
            spectrum("--max-restarts", "0", "--tol", "1e-15", "--k", "4", "--out", out + "-nc"),
            valid=lambda p: (
                p.returncode == 1
                and not json.loads((Path(out + "-nc") / "eigenvalues.json").read_text())[
                    "converged"
                ]
            ),
        ),
        cli(
            "spectrum valid run",
            ("",),
            spectrum("--out", out + "-ok"),
            valid=lambda p: (
                p.returncode == 0
                and json.loads((Path(out + "-ok") / "eigenvalues.json").read_text())["converged"]
            ),
        ),
        cli(
            "path-angle missing second",
            ("checkpoint1", "required"),
            ["gamedyn", "path-angle", c, *ex],
        ),
        cli(
            "path-angle same checkpoint",
            ("same", "z0", "z1"),
            ["gamedyn", "path-angle", c, c, *ex, "--out", out],
        ),
        cli(
            "path-angle num 1",
            ("num",),
            ["gamedyn", "path-angle", c0, c, *ex, "--num", "1", "--out", out],
        ),
        cli(
            "path-angle missing file",
            ("missing.pt",),
            ["gamedyn", "path-angle", c0, "missing.pt", *ex, "--out", out],
        ),
        cli(
            "path-angle out is a file",
            ("out", "a_file"),
            ["gamedyn", "path-angle", c0, c, *ex, "--out", a_file],
        ),
        cli(
            "figures unknown figure",
            ("nope", "figure"),
            ["gamedyn", "figures", "--only", "nope", "--out", out],
        ),
        cli(
            "figures out is a file",
            ("out", "a_file"),
            ["gamedyn", "figures", "--only", "momentum_table", "--out", a_file],
        ),
        cli(
            "figures out not writable",
            ("out", "readonly", "permission", "writable"),
            ["gamedyn", "figures", "--only", "momentum_table", "--out", str(readonly / "f")],
        ),
        cli("no command", ("command", "required"), ["gamedyn"]),
        cli("unknown command", ("invalid choice", "frobnicate"), ["gamedyn", "frobnicate"]),
        cli("examples unknown", ("cifar", "invalid choice"), ["gamedyn.examples", "cifar"]),
        cli(
            "examples steps negative",
            ("steps",),
            ["gamedyn.examples", "mixture-small", "--steps", "-1", "--out", out],
        ),
        cli(
            "examples save-every 0",
            ("save", "every"),
            [
                "gamedyn.examples",
                "mixture-small",
                "--steps",
                "1",
                "--save-every",
                "0",
                "--out",
                out,
            ],
        ),
        cli(
            "examples lr 0",
            ("lr",),
            ["gamedyn.examples", "mixture-small", "--steps", "1", "--lr", "0", "--out", out],
        ),
        cli(
            "examples batch 0",
            ("batch",),
            ["gamedyn.examples", "mixture-small", "--steps", "1", "--batch", "0", "--out", out],
        ),
        cli(
            "examples out is a file",
            ("out", "a_file"),
            ["gamedyn.examples", "mixture-small", "--steps", "1", "--out", a_file],
        ),
        cli(
            "examples diverges",
            ("non-finite", "diverge", "nan"),
            ["gamedyn.examples", "mixture-small", "--steps", "30", "--lr", "1e12", "--out", out],
        ),
    ]


# --------------------------------------------------------------------------------------------
# Issue #24: nothing silently ignored, bounded sizes, record sets, distributed, signal faults
# --------------------------------------------------------------------------------------------


def _optimiser_api() -> Any:
    """``read_optimiser_state`` from wherever this version of gamedyn keeps it."""
    try:
        from gamedyn.methods import read_optimiser_state
    except ImportError:
        from gamedyn.methods import read_optimiser_state
    return read_optimiser_state


def _adam_states(corrupt: Callable[[dict], None] | None = None, player: str = "d") -> Any:
    """A TorchGame and its players' Adam states after two steps, ``corrupt`` applied to one."""
    from gamedyn.games import TorchGame

    G, D = _tiny_players()
    real, latent = _batch()
    game = TorchGame(G, D, "non-saturating", real, latent)
    states = []
    for module in (G, D):
        opt = torch.optim.Adam(module.parameters(), lr=1e-3)
        for _ in range(2):
            opt.zero_grad()
            sum(p.square().sum() for p in module.parameters()).backward()
            opt.step()
        states.append(opt.state_dict())
    if corrupt is not None:
        corrupt(states[0 if player == "g" else 1]["state"][0])
    return _optimiser_api()(game, states[0], states[1])


def _set(key: str, value: Any) -> Callable[[dict], None]:
    def apply(entry: dict) -> None:
        if value is _DELETE:
            del entry[key]
        elif isinstance(value, float) and key != "step":
            entry[key] = entry[key].clone()
            entry[key].view(-1)[0] = value
        else:
            entry[key] = value if not isinstance(value, float) else torch.tensor(value)

    return apply


_DELETE = object()


def _bn_state(value: Any) -> Any:
    from gamedyn.checkpoints._loading import load_into  # the strict load behind load_gan

    module = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = dict(module.state_dict())
    state["1.num_batches_tracked"] = value
    return load_into(module, state)


def _sigmoid_game(d: nn.Module, loss: str = "non-saturating") -> Any:
    from gamedyn.games import TorchGame

    G, _ = _tiny_players()
    return TorchGame(G, d, loss, *_batch())


class _SigmoidHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc(x)).view(-1)


def _load_record(path: Path) -> Any:
    """Read a record set; this version's reader if it has one, else the JSON alone."""
    try:
        from gamedyn.analysis import SpectrumRecord as cls
    except ImportError:
        from gamedyn.spectrum.records import SpectrumRecord as cls
    load = getattr(cls, "load", None)
    if load is None:
        return json.loads((path / "eigenvalues.json").read_text())
    return load(path, "eigenvalues")


def _mixed_record(kind: str) -> Path:
    """Two record sets of the same name; one file of the first replaced by the second's."""
    import shutil

    from gamedyn.games import Bilinear

    try:
        from gamedyn.analysis import analyse
    except ImportError:
        from gamedyn.analysis import analyse
    a, b = _dir(f"mixed-{kind}-a"), _dir(f"mixed-{kind}-b")
    analyse(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2).save(a, "eigenvalues")
    analyse(Bilinear(np.diag([5.0, 4.0, 1.0])), k=2).save(b, "eigenvalues")
    shutil.copyfile(b / f"eigenvalues.{kind}", a / f"eigenvalues.{kind}")
    return a


def reliability_cases() -> list[Case]:  # noqa: PLR0915 - one list of cases
    from gamedyn import path_angle, run
    from gamedyn.games import AdditiveNoise, Bilinear, DiracGAN
    from gamedyn.methods import GDA, Adam, AltGDA
    from gamedyn.nonnormal import kreiss_bounds, pseudospectrum, transient_growth
    from gamedyn.spectrum import spectral_radius
    from gamedyn.stochastic import mse_curve, stationary_covariance, stationary_mse, stochastic_run

    xy = Bilinear([[1.0]])
    noisy = AdditiveNoise(xy, 0.1)

    def case(name: str, words: tuple[str, ...], fn: Callable[[], Any], **kw: Any) -> Case:
        return Case(name, words, fn, group="api", **kw)

    cases = [
        # --- optimiser states ---
        case("optimiser state valid", ("",), lambda: _adam_states(), valid=lambda r: r is not None),
        case(
            "exp_avg_sq negative",
            ("exp_avg_sq", "negative"),
            lambda: _adam_states(_set("exp_avg_sq", -1.0)),
        ),
        case(
            "exp_avg_sq nan",
            ("exp_avg_sq", "non-finite"),
            lambda: _adam_states(_set("exp_avg_sq", np.nan)),
        ),
        case(
            "exp_avg_sq inf (generator)",
            ("exp_avg_sq", "non-finite"),
            lambda: _adam_states(_set("exp_avg_sq", np.inf), "g"),
        ),
        case(
            "exp_avg nan", ("exp_avg", "non-finite"), lambda: _adam_states(_set("exp_avg", np.nan))
        ),
        case("step missing", ("step",), lambda: _adam_states(_set("step", _DELETE))),
        case("step 1.5", ("step", "1.5"), lambda: _adam_states(_set("step", 1.5))),
        case("step nan", ("step", "nan"), lambda: _adam_states(_set("step", float("nan")))),
        case("step inf", ("step", "inf"), lambda: _adam_states(_set("step", float("inf")))),
        case("step -2", ("step", "-2"), lambda: _adam_states(_set("step", -2.0))),
        case("step string", ("step",), lambda: _adam_states(_set("step", "two"))),
        case(
            "num_batches_tracked 2.5",
            ("num_batches_tracked", "2.5"),
            lambda: _bn_state(torch.tensor(2.5)),
        ),
        case(
            "num_batches_tracked nan",
            ("num_batches_tracked", "nan"),
            lambda: _bn_state(torch.tensor(float("nan"))),
        ),
        case(
            "num_batches_tracked 3.0 (whole)",
            ("",),
            lambda: _bn_state(torch.tensor(3.0)),
            valid=lambda m: int(m[1].num_batches_tracked) == 3,
        ),
        # --- Lyapunov at rho = 1 ---
        *[
            case(
                f"stationary_covariance AltGDA({lr}) on x*y (rho = 1)",
                ("spectral radius", "1"),
                lambda lr=lr: stationary_covariance(AltGDA(lr), xy, 1.0),
            )
            for lr in (0.1, 0.3, 0.5, 1.0, 1.5)
        ],
        *[
            case(
                f"stationary_mse AltGDA({lr}) on x*y (rho = 1)",
                ("spectral radius", "1"),
                lambda lr=lr: stationary_mse(AltGDA(lr), xy, 1.0),
            )
            for lr in (0.1, 0.5, 1.9)
        ],
        case(
            "stationary_mse rho = 1 - 1e-13",
            ("spectral radius", "1"),
            lambda: stationary_mse(GDA(0.1), _rho_game(), 1.0),
        ),
        case(
            "stationary_mse rho = 0.9 (valid)",
            ("",),
            lambda: stationary_mse(GDA(0.1), _rho_game(0.9), 1.0),
            valid=lambda v: abs(v - 2 * 0.01 / (1 - 0.81)) < 1e-9,
        ),
        # --- covariances ---
        *[
            case(f"AdditiveNoise cov {label}", words, lambda v=v: AdditiveNoise(xy, v))
            for label, v, words in (
                ("nan", float("nan"), ("cov", "nan", "finite")),
                ("inf", float("inf"), ("cov", "inf", "finite")),
                ("-1", -1.0, ("cov", "-1")),
                ("numpy nan", np.float64("nan"), ("cov", "nan", "finite")),
                ("numpy -1", np.float64(-1.0), ("cov", "-1")),
                ("tensor nan", torch.tensor(float("nan")), ("cov", "nan", "finite")),
                ("tensor -1", torch.tensor(-1.0), ("cov", "-1")),
                ("bool", True, ("cov", "bool", "True")),
                ("string", "big", ("cov",)),
                ("complex", 1j, ("cov", "complex", "real")),
                ("asymmetric", [[1.0, 0.5], [0.0, 1.0]], ("cov", "symmetric")),
                ("indefinite", [[1.0, 0.0], [0.0, -1.0]], ("cov", "semi-definite")),
                ("matrix nan", [[np.nan, 0.0], [0.0, 1.0]], ("cov", "non-finite")),
                ("wrong shape", np.eye(3), ("cov", "shape")),
            )
        ],
        *[
            case(
                f"AdditiveNoise cov {label} (a scalar)",
                ("",),
                lambda v=v: AdditiveNoise(xy, v),
                valid=lambda g: torch.allclose(g.cov, 0.5 * torch.eye(2, dtype=torch.float64)),
            )
            for label, v in (
                ("numpy float64", np.float64(0.5)),
                ("numpy float32", np.float32(0.5)),
                ("numpy 0-d array", np.array(0.5)),
                ("0-d tensor", torch.tensor(0.5)),
                ("0-d float32 tensor", torch.tensor(0.5, dtype=torch.float32)),
                ("fraction", __import__("fractions").Fraction(1, 2)),
            )
        ],
        *[
            case(
                f"stationary_covariance noise_cov {label}",
                words,
                lambda v=v: stationary_covariance(GDA(0.1), _rho_game(0.9), v),
            )
            for label, v, words in (
                ("nan", float("nan"), ("noise_cov", "nan", "finite")),
                ("-0.5", -0.5, ("noise_cov", "-0.5")),
                ("tensor inf", torch.tensor(float("inf")), ("noise_cov", "inf", "finite")),
                ("asymmetric", [[1.0, 1.0], [0.0, 1.0]], ("noise_cov", "symmetric")),
                ("indefinite", [[0.0, 1.0], [1.0, 0.0]], ("noise_cov", "semi-definite")),
            )
        ],
        case(
            "stationary_covariance noise_cov numpy scalar",
            ("",),
            lambda: stationary_covariance(GDA(0.1), _rho_game(0.9), np.float64(1.0)),
            valid=lambda c: np.allclose(c, np.eye(2) * 0.01 / (1 - 0.81)),
        ),
        case(
            "mse_curve noise_cov nan",
            ("noise_cov", "nan", "finite"),
            lambda: mse_curve(GDA(0.1), xy, float("nan"), [1.0, 1.0], 3),
        ),
        # --- seeds ---
        *[
            case(
                f"stochastic_run seed {seed!r}",
                ("seed",),
                lambda seed=seed: stochastic_run(GDA(0.1), noisy, [1.0, 1.0], 2, runs=2, seed=seed),
            )
            for seed in (1.7, 1.0, True, False, "1", -1, None, 2**70)
        ],
        case(
            "stochastic_run seed numpy int",
            ("",),
            lambda: stochastic_run(GDA(0.1), noisy, [1.0, 1.0], 2, runs=2, seed=np.int64(3)),
            valid=lambda r: np.array_equal(
                r, stochastic_run(GDA(0.1), noisy, [1.0, 1.0], 2, runs=2, seed=3)
            ),
        ),
        case(
            "standard_normal seed 1.7",
            ("seed",),
            lambda: __import__("gamedyn.checkpoints", fromlist=["x"]).standard_normal(
                4, 1.7, shape=2
            ),
        ),
        case(
            "seed_bilinear seed 1.7",
            ("seed",),
            lambda: _seed_bilinear(seed=1.7),
        ),
        case(
            "seed_bilinear seed True",
            ("seed",),
            lambda: _seed_bilinear(seed=True),
        ),
        case(
            "example sample seed 1.7",
            ("seed",),
            lambda: __import__("gamedyn.examples.mixture", fromlist=["x"]).sample(4, seed=1.7),
        ),
        case(
            "example latent seed True",
            ("seed",),
            lambda: __import__("gamedyn.examples.mixture", fromlist=["x"]).latent(4, seed=True),
        ),
        case(
            "pseudospectrum seed 0.5 (Krylov)",
            ("seed",),
            lambda: pseudospectrum(xy, [0.0, 1.0], [0.0, 1.0], ncv=2, seed=0.5),
        ),
        case(
            "with_batch gp_seed 1.5",
            ("seed",),
            lambda: _gan_gp().with_batch(*_batch(), gp_seed=1.5),
        ),
        # --- Kreiss ---
        *[
            case(f"kreiss_bounds constant {v!r}", ("constant",), lambda v=v: kreiss_bounds(v, 3))
            for v in (-1.0, -1e-9, float("nan"), float("inf"), True, "2", 1j)
        ],
        case(
            "kreiss_bounds constant 1.5 (valid)",
            ("",),
            lambda: kreiss_bounds(1.5, 3),
            valid=lambda r: r == (1.5, float(np.e * 3 * 1.5)),
        ),
        case(
            "kreiss_bounds numpy constant (valid)",
            ("",),
            lambda: kreiss_bounds(np.float64(2.0), 2),
            valid=lambda r: r[0] == 2.0,
        ),
        # --- exact Adam where a second moment is zero ---
        case(
            "exact Adam at a fresh state (v = 0)",
            ("second moment", "eps", "meaningless"),
            lambda: spectral_radius(Adam(0.1), xy),
        ),
        case(
            "exact Adam on DiracGAN at a fresh state",
            ("second moment", "eps", "meaningless"),
            lambda: spectral_radius(Adam(0.01), DiracGAN()),
        ),
        case(
            "frozen Adam (valid, no warning)",
            ("",),
            lambda: spectral_radius(Adam(0.1, second_moment=1.0), xy),
            valid=lambda r: 0 < r < 2,
        ),
        # --- sigmoid discriminators under logits losses ---
        *[
            case(
                f"nn.Sigmoid discriminator under {loss}",
                ("sigmoid", "logits", "README"),
                lambda loss=loss: _sigmoid_game(
                    nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()), loss
                ),
            )
            for loss in ("non-saturating", "saturating", "hinge")
        ],
        case(
            "torch.sigmoid at the end of forward (then a view)",
            ("sigmoid", "logits", "README"),
            lambda: _sigmoid_game(_SigmoidHead()),
        ),
        case(
            "nn.Sigmoid then Flatten",
            ("sigmoid", "logits", "README"),
            lambda: _sigmoid_game(nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))),
        ),
        case(
            "sigmoid inside, linear last (valid)",
            ("",),
            lambda: _sigmoid_game(nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1))),
            valid=lambda g: g.n > 0,
        ),
        # --- bounded sizes ---
        case(
            "run 10**12 steps",
            ("steps", "10", "GiB", "memory"),
            lambda: run(GDA(0.1), xy, [1, 1], 10**12),
            timeout=20,
        ),
        case(
            "stochastic_run runs x steps huge",
            ("runs", "GiB", "memory"),
            lambda: stochastic_run(GDA(0.1), noisy, [1.0, 1.0], 10**6, runs=10**6),
            timeout=20,
        ),
        case(
            "pseudospectrum grid 10**5 x 10**5",
            ("grid", "points"),
            lambda: pseudospectrum(xy, np.linspace(-1, 1, 10**5), np.linspace(-1, 1, 10**5)),
            timeout=20,
        ),
        case(
            "pseudospectrum Krylov grid 3000 x 3000",
            ("grid", "points"),
            lambda: pseudospectrum(xy, np.linspace(-1, 1, 3000), np.linspace(-1, 1, 3000), ncv=2),
            timeout=20,
        ),
        case(
            "transient_growth dense 10**9 steps",
            ("steps",),
            lambda: transient_growth(xy, 10**9, method=GDA(0.1)),
            timeout=20,
        ),
        case(
            "transient_growth matrix-free 10**7 steps",
            ("steps",),
            lambda: transient_growth(xy, 10**7, method=GDA(0.1), matrix_free=True),
            timeout=20,
        ),
        case(
            "path_angle num 10**10",
            ("num",),
            lambda: path_angle(xy, [0, 0], [1, 1], num=10**10),
            timeout=20,
        ),
        case(
            "memory guard under RLIMIT_AS",
            ("GiB", "address", "memory"),
            _under_rlimit_as,
            valid=lambda line: line.startswith("CLEAR") and "address" in line,
            timeout=60,
        ),
        # --- mixed record sets ---
        *[
            case(
                f"read a record set with a foreign .{kind}",
                ("eigenvalues", "mixed", "run"),
                lambda kind=kind: _load_record(_mixed_record(kind)),
            )
            for kind in ("npz", "json")
        ],
    ]
    return cases


def _rho_game(rho: float = 1.0 - 1e-13) -> Any:
    """A game whose GDA(0.1) operator has spectral radius ``rho`` (``I − 0.1 J``, ``J = cI``)."""
    from gamedyn.games import Quadratic

    c = (1.0 - rho) / 0.1
    return Quadratic([[c]], [[c]], [[0.0]], [[0.0]])


def _seed_bilinear(seed: Any) -> Any:
    from gamedyn.games import seed_bilinear

    return seed_bilinear(2, seed=seed)


def _gan_gp() -> Any:
    from gamedyn.games import TorchGame

    return TorchGame(*_tiny_players(), "wgan", *_batch(), reg="gp", reg_weight=1.0)


def _under_rlimit_as() -> Any:
    """The stochastic run's memory guard in a child whose address space is limited to 2 GiB."""
    code = (
        "import resource, numpy as np\n"
        "from gamedyn.games import Bilinear\n"
        "from gamedyn.games._stochastic import AdditiveNoise\n"
        "from gamedyn.methods import GDA\n"
        "from gamedyn.stochastic import stochastic_run\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, resource.RLIM_INFINITY))\n"
        "try:\n"
        "    stochastic_run(GDA(0.1), AdditiveNoise(Bilinear([[1.0]]), 0.1), [1.0, 1.0], 10**5,"
        " runs=2000)\n"
        "    print('ACCEPTED')\n"
        "except MemoryError as err:\n"
        "    print('CLEAR', err)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    text = (out.stdout + out.stderr).strip().splitlines()
    return text[-1] if text else ""


def reliability_cli_cases(ckpt: Path, ckpt0: Path) -> list[Case]:
    c, c0 = str(ckpt), str(ckpt0)
    ex = ["--example", "mixture-small", "--batch", "8"]
    out = str(TMP / "out-rel")

    def spectrum(*extra: str) -> list[str]:
        return ["gamedyn", "spectrum", c, *ex, "--no-progress", "--k", "2", "--out", out, *extra]

    def cli(name: str, words: tuple[str, ...], argv: list[str], **kw: Any) -> Case:
        return Case(name, words, argv=argv, group="cli", **kw)

    port = 29500 + os.getpid() % 1000
    torchrun = {"LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}

    def dist(name: str, words: tuple[str, ...], env: dict, *extra: str) -> Case:
        return cli(
            name,
            words,
            spectrum("--batches", "2", *extra),
            extra={"env": {**torchrun, **env}},
            timeout=60,
        )

    return [
        cli(
            "spectrum --n-critic 0",
            ("n-critic", "0"),
            spectrum("--method", "adam", "--n-critic", "0"),
        ),
        cli(
            "spectrum --n-critic -1",
            ("n-critic", "-1"),
            spectrum("--method", "adam", "--n-critic", "-1"),
        ),
        cli(
            "spectrum --out ''",
            ("--out", "empty", "''"),
            ["gamedyn", "spectrum", c, *ex, "--k", "2", "--out", ""],
        ),
        cli(
            "path-angle --out ''",
            ("--out", "empty", "''"),
            ["gamedyn", "path-angle", c0, c, *ex, "--out", ""],
        ),
        cli(
            "figures --out ''",
            ("--out", "empty", "''"),
            ["gamedyn", "figures", "--only", "momentum_table", "--out", ""],
        ),
        cli(
            "examples --out ''",
            ("--out", "empty", "''"),
            ["gamedyn.examples", "mixture-small", "--steps", "1", "--out", ""],
        ),
        cli("spectrum --ema --no-ema", ("--ema", "--no-ema"), spectrum("--ema", "--no-ema")),
        cli("spectrum --no-ema --ema", ("--ema", "--no-ema"), spectrum("--no-ema", "--ema")),
        cli(
            "spectrum --transient 10**9",
            ("transient", "1,000,000,000"),
            spectrum("--transient", "1000000000"),
        ),
        cli(
            "spectrum --batches 10**9",
            ("--batches", "1000000000"),
            spectrum("--batches", "1000000000"),
        ),
        cli(
            "spectrum --pseudospectrum-grid 10**6",
            ("grid", "1000000"),
            spectrum("--pseudospectrum", "--pseudospectrum-grid", "1000000"),
        ),
        cli(
            "path-angle --num 10**10",
            ("num", "10,000,000,000"),
            ["gamedyn", "path-angle", c0, c, *ex, "--num", "10000000000", "--out", out],
        ),
        cli("spectrum --threads 0", ("--threads", "0"), spectrum("--threads", "0")),
        cli("spectrum --threads two", ("--threads", "two"), spectrum("--threads", "two")),
        cli("spectrum --threads 100000", ("--threads", "100000"), spectrum("--threads", "100000")),
        cli(
            "figures --threads -1",
            ("--threads", "-1"),
            ["gamedyn", "figures", "--only", "momentum_table", "--threads", "-1", "--out", out],
        ),
        dist(
            "distributed RANK >= WORLD_SIZE",
            ("RANK", "WORLD_SIZE"),
            {"RANK": "2", "WORLD_SIZE": "2"},
        ),
        dist("distributed RANK not an integer", ("RANK", "x"), {"RANK": "x", "WORLD_SIZE": "2"}),
        dist("distributed WORLD_SIZE 0", ("WORLD_SIZE", "0"), {"RANK": "0", "WORLD_SIZE": "0"}),
        dist(
            "distributed MASTER_ADDR unresolvable",
            ("MASTER_ADDR", "no-such-host"),
            {"RANK": "0", "WORLD_SIZE": "2", "MASTER_ADDR": "no-such-host.invalid"},
        ),
        dist(
            "distributed rank 1 never starts (--timeout 5)",
            ("rank 1", "missing", "timeout"),
            {"RANK": "0", "WORLD_SIZE": "2"},
            "--timeout",
            "5",
        ),
    ]


# --- signal faults: SIGINT and SIGKILL at many moments of `gamedyn spectrum --out DIR` ---------

RECORD_FILES = ("eigenvalues.json", "eigenvalues.npz", "eigenvalues.png")


def _spectrum_argv(ckpt: Path, out: Path, k: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gamedyn",
        "spectrum",
        str(ckpt),
        "--example",
        "mixture-small",
        "--batch",
        "8",
        "--no-progress",
        "--k",
        str(k),
        "--out",
        str(out),
    ]


def _record_state(out: Path, old: dict[str, bytes]) -> tuple[str, str]:
    """``("old" | "new" | "mixed", detail)`` of the record set in ``out``."""
    have = {name: (out / name).read_bytes() for name in RECORD_FILES if (out / name).exists()}
    if len(have) == len(RECORD_FILES) and all(have[n] == old[n] for n in RECORD_FILES):
        return "old", ""
    if len(have) == len(RECORD_FILES) and not any(have[n] == old[n] for n in RECORD_FILES):
        with contextlib.suppress(Exception):
            record = json.loads(have["eigenvalues.json"])
            values = np.load(out / "eigenvalues.npz")["eigenvalues"]
            if record["k"] == 2 and len(values) == len(record["eigenvalues"]):
                return "new", ""
    parts = [
        f"{n}: {'missing' if n not in have else ('old' if have[n] == old[n] else 'new')}"
        for n in RECORD_FILES
    ]
    return "mixed", ", ".join(parts)


def _leftovers(parent: Path) -> list[str]:
    """Temporaries a run left beside or inside ``parent / 'out'``."""
    extra = [p.name for p in parent.iterdir() if p.name != "out"]
    inside = [p.name for p in (parent / "out").iterdir() if p.name not in RECORD_FILES]
    return extra + [f"out/{name}" for name in inside]


def signal_cases(ckpt: Path, env: dict, moments: int) -> list[Case]:
    """Kill a spectrum run whose ``--out`` holds an older record (k = 3) at ``moments`` moments
    spread over its run time, with SIGINT and SIGKILL; each must leave the old or the new record
    set whole (``ok``), a SIGINT must end with no traceback, and the next run must leave no
    temporaries behind."""
    import shutil
    import time

    template = TMP / "signal-template"
    subprocess.run(_spectrum_argv(ckpt, template, 3), env=env, capture_output=True, check=True)
    old = {name: (template / name).read_bytes() for name in RECORD_FILES}
    start = time.perf_counter()
    reference = TMP / "signal-reference"
    subprocess.run(_spectrum_argv(ckpt, reference, 2), env=env, capture_output=True, check=True)
    duration = time.perf_counter() - start
    cases = []
    for sig in (signal.SIGINT, signal.SIGKILL):
        for i in range(moments):
            fraction = 0.35 + 0.8 * i / max(1, moments - 1)  # the writes come at the end
            delay = fraction * duration
            case = Case(f"{sig.name} at {fraction:.0%} of a run", ("",), group="signal")
            parent = TMP / f"signal-{sig.name}-{i}"
            shutil.copytree(template, parent / "out")
            proc = subprocess.Popen(
                _spectrum_argv(ckpt, parent / "out", 2),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                # a harness started in the background inherits SIGINT ignored: restore it
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
            time.sleep(delay)
            proc.send_signal(sig)
            try:
                _, err = proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                case.outcome, case.detail = "crash", "hang after the signal"
                cases.append(case)
                continue
            state, detail = _record_state(parent / "out", old)
            if state == "mixed":
                case.outcome, case.detail = "silent", f"a mixed record set: {detail}"
            elif sig == signal.SIGINT and "Traceback" in err:
                case.outcome = "crash"
                case.detail = f"traceback on SIGINT: {err.strip().splitlines()[-1][:160]}"
            else:
                case.outcome, case.detail = (
                    "ok",
                    f"{state} record set whole (exit {proc.returncode})",
                )
            case.extra["parent"] = parent
            cases.append(case)
    # the next run after a killed one leaves nothing behind
    for case in [c for c in cases if c.outcome == "ok" and "SIGKILL" in c.name][-3:]:
        parent = case.extra["parent"]
        subprocess.run(_spectrum_argv(ckpt, parent / "out", 2), env=env, capture_output=True)
        left = _leftovers(parent)
        if left:
            case.outcome, case.detail = "silent", f"temporaries left after the next run: {left}"
        else:
            case.detail += "; the next run left no temporaries"
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--api-only", action="store_true")
    parser.add_argument("--json", help="write every case's outcome here")
    parser.add_argument(
        "--jobs", type=int, default=1, help="command-line cases run at once (default 1)"
    )
    parser.add_argument(
        "--signals-only", action="store_true", help="only the signal faults (a second process)"
    )
    parser.add_argument(
        "--signal-moments",
        type=int,
        default=10,
        help="moments at which each signal is sent to a spectrum run (default 10)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", DeprecationWarning)
    cases = [] if args.signals_only else api_cases() + reliability_cases()
    for case in cases:
        classify_api(case)
    if not args.api_only:
        from concurrent.futures import ThreadPoolExecutor

        from gamedyn.examples import train

        paths = train("mixture-small", 2, TMP / "ckpt", save_every=2, batch=8)
        env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1")
        if not args.signals_only:
            clis = cli_cases(paths[-1], paths[0]) + reliability_cli_cases(paths[-1], paths[0])
            with ThreadPoolExecutor(max(1, args.jobs)) as pool:
                list(pool.map(lambda case: classify_cli(case, env), clis))
            cases += clis
        if args.signal_moments > 0:
            cases += signal_cases(paths[-1], env, args.signal_moments)
    counts = Counter(c.outcome for c in cases)
    by_group = {
        g: Counter(c.outcome for c in cases if c.group == g) for g in ("api", "cli", "signal")
    }
    for case in cases:
        if args.verbose or case.outcome not in ("clear", "ok"):
            print(f"[{case.outcome:7s}] {case.group} | {case.name}: {case.detail}")
    print()
    print(
        f"{len(cases)} inputs: "
        + ", ".join(f"{k} {counts[k]}" for k in ("clear", "ok", "unclear", "silent", "crash"))
    )
    for group, c in by_group.items():
        print(
            f"  {group}: "
            + ", ".join(f"{k} {c[k]}" for k in ("clear", "ok", "unclear", "silent", "crash"))
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [
                    {"name": c.name, "group": c.group, "outcome": c.outcome, "detail": c.detail}
                    for c in cases
                ],
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
