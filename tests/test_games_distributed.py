"""DistributedAveragedGame (gamedyn.games._distributed): the same batches split over the ranks
of a gloo process group give the one-process AveragedGame's field, products, operator products
and eigenvalues; shards, errors on every rank, torchrun's environment.

The two-process test spawns 2 CPU processes (torch.multiprocessing, a file store in the test's
temporary folder: no network port) on the 47-parameter tiny GAN; the one-process reference is
computed in the test process meanwhile.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from datetime import timedelta

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from helpers import tiny_batch, tiny_gan
from torch.func import jacfwd, jvp, vjp

from gamedyn.analysis import analyse, batch_spectra
from gamedyn.games import (
    AveragedGame,
    Bilinear,
    DistributedAveragedGame,
    init_from_environment,
    shard,
)
from gamedyn.games._distributed import on_every_rank
from gamedyn.methods import Consensus, ExtraGradient, Momentum
from gamedyn.spectrum import (
    JacobianOperator,
    KrylovSchur,
    coupling_singular_values,
    game_jacobian,
    operator_jacobian,
)

BATCHES, K, TOL = 2, 4, 1e-12
METHOD = Consensus(0.1, 0.5)
"""The operator whose eigenvalues the two-process test checks (its step calls ``vjp``)."""
PRODUCTS = {  # operator name -> (method, modes checked)
    "game": (None, ("reverse", "forward")),
    "consensus": (METHOD, ("reverse", "forward")),
    "extragradient": (ExtraGradient(0.1), ("reverse",)),
    "momentum": (Momentum(0.1, -0.3), ("reverse",)),
}


def _batches() -> list:
    """The tiny GAN on ``BATCHES`` batches (the same players)."""
    first = tiny_gan(shift=1.0)
    return [
        first.with_batch(*tiny_batch(seed=10 + b, shift=1.0), gp_seed=b) for b in range(BATCHES)
    ]


def _vectors(size: int) -> np.ndarray:
    return np.random.default_rng(size).standard_normal((size, 3))


def _products(game, linearize: bool = False) -> dict:
    """``A u``, ``Aᵀ u``, ``A U`` (vmapped) of every operator of :data:`PRODUCTS`, and the
    modes used; with ``linearize``, also the game's in ``"linearize"`` mode (which falls back to
    ``"forward"`` on a distributed game)."""
    out = {}
    for name, (method, modes) in PRODUCTS.items():
        for mode in modes + (("linearize",) if linearize and method is None else ()):
            op = JacobianOperator(game, method=method, mode=mode)
            U = _vectors(op.shape[0])
            with warnings.catch_warnings():  # torch.fx's constant folding inside linearize
                warnings.simplefilter("ignore", UserWarning)
                out[f"{name}/{mode}"] = [
                    op.matvec(U[:, 0]).tolist(),
                    op.rmatvec(U[:, 1]).tolist(),
                    op.matmat(U).tolist(),
                ]
            out[f"{name}/{mode}/mode"] = op.mode
    return out


def _toy(rank: int):
    """Rank ``rank``'s part of a toy field, ``tanh(A_r z)``."""
    A = torch.randn(3, 3, generator=torch.Generator().manual_seed(rank), dtype=torch.float64)
    return lambda z: torch.tanh(A @ z)


def _toy_derivatives(field) -> list:
    """The Jacobian of a step that calls ``jvp`` of the field (as CGD's does) and the
    pullback of the field."""
    z, w = torch.tensor([0.1, 0.2, -0.3], dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    step = lambda z: z - 0.1 * jvp(field, (z,), (field(z),))[1]  # noqa: E731
    return [jacfwd(step)(z).tolist(), vjp(field, z)[1](w)[0].tolist()]


def _attempt(step) -> str:
    try:
        step()
    except Exception as err:
        return f"{type(err).__name__}: {err}"
    return "no error"


def _worker(rank: int, world: int, store: str, out: str) -> None:
    """One rank: the distributed analyses, products and error paths, written as JSON."""
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"file://{store}",
        rank=rank,
        world_size=world,
        timeout=timedelta(seconds=600),  # a loaded machine may hold one rank back for long
    )
    try:
        games = _batches()
        game = DistributedAveragedGame([games[b] for b in shard(BATCHES)])
        result = {
            "shard": list(shard(BATCHES)),
            "record": analyse(game, K, solver=KrylovSchur(tol=TOL)).to_dict(),
            "record_method": analyse(game, 2, method=METHOD, solver=KrylovSchur(tol=TOL)).to_dict(),
        }
        game.comm.reset()
        op = JacobianOperator(game)
        op.matvec(_vectors(game.n)[:, 0])  # builds the retained graphs
        game.comm.reset()
        op.matvec(_vectors(game.n)[:, 0])
        op.rmatvec(_vectors(game.n)[:, 1])
        op.matmat(_vectors(game.n))
        result["all_reduces"] = [game.comm.calls, game.comm.floats]
        part = _toy(rank)
        result["toy"] = _toy_derivatives(lambda z: game.comm.sum(part(game.comm.replicate(z))))
        result["products"] = _products(game, linearize=True)
        spread = batch_spectra(game, 2, solver=KrylovSchur(tol=TOL))
        result["per_batch"] = [[[w.real, w.imag] for w in row] for row in spread.per_batch]
        result["coupling"] = coupling_singular_values(game, 1).tolist()  # ARPACK, replicated

        def fail_on_rank_1():
            if rank == 1:
                raise FileNotFoundError("no checkpoint at /nowhere.pt")

        result["failure"] = _attempt(lambda: on_every_rank(fail_on_rank_1, "loading the game"))
        other = tiny_gan(shift=1.0, generator_width=5)  # different players on rank 1
        result["players"] = _attempt(
            lambda: DistributedAveragedGame([other if rank == 1 else games[0]])
        )
        moved = tiny_gan(shift=1.0, seed=1)  # same shapes, another checkpoint on rank 1
        result["points"] = _attempt(
            lambda: DistributedAveragedGame([moved if rank == 1 else games[0]])
        )
        result["z"] = _attempt(lambda: game.point(torch.full((game.n,), float(rank))))
        # PyTorch's functional collective, eagerly and under plain autograd (2.13). Not under
        # vmap: there its batching fallback does not wait for the collective, so whether the sum
        # arrives is a race (seen both ways), and a rank was seen to die with SIGABRT
        # ("terminate called without an active exception") inside
        # _functional_collectives.all_reduce (2 of 11 runs of this file on a quiet machine).
        # gamedyn's products never take that path (DistributedAveragedGame all-reduces the
        # finished products); the finding is kept here, not exercised.
        import torch.distributed._functional_collectives as funcol

        x = torch.full((2, 3), float(rank + 1), dtype=torch.float64)
        reduce = lambda t: funcol.wait_tensor(funcol.all_reduce(t, "sum", dist.group.WORLD))  # noqa: E731
        result["funcol"] = [reduce(x).tolist()]
        z = torch.tensor([0.1, 0.2, -0.3], dtype=torch.float64, requires_grad=True)
        (pulled,) = torch.autograd.grad(reduce(part(z)), z, torch.ones(3, dtype=torch.float64))
        result["funcol_autograd"] = pulled.tolist()  # W J_rᵀ w: this rank's part, twice
        with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
            json.dump(result, f)
        dist.barrier()  # neither rank tears the group down while the other still uses it
    finally:
        dist.destroy_process_group()


def _values(record: dict) -> np.ndarray:
    return np.array([complex(*w) for w in record["eigenvalues"]])


@pytest.mark.slow
def test_two_gloo_processes_give_the_one_process_averaged_game(tmp_path):
    ranks = mp.start_processes(
        _worker,
        args=(2, str(tmp_path / "store"), str(tmp_path)),
        nprocs=2,
        join=False,
        start_method="spawn",
    )
    games = _batches()  # the one-process reference, while the ranks work
    reference = AveragedGame(games)
    expected = {
        "record": analyse(reference, K, solver=KrylovSchur(tol=TOL)),
        "record_method": analyse(reference, 2, method=METHOD, solver=KrylovSchur(tol=TOL)),
    }
    products = _products(reference)
    spread = batch_spectra(games, 2, solver=KrylovSchur(tol=TOL))
    coupling = coupling_singular_values(reference, 1)
    deadline = time.monotonic() + 900  # generous: a loaded machine is slow, not wrong
    while not ranks.join(timeout=5):
        if time.monotonic() > deadline:
            for process in ranks.processes:
                process.kill()
            pytest.fail("the two ranks did not finish within 900 s")
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    first, second = results
    assert first["shard"] == [0] and second["shard"] == [1]
    for name, record in expected.items():
        got = first[name]
        assert got == second[name] | {"seconds": got["seconds"]}  # every rank the same record
        scale = np.abs(record.eigenvalues).max()
        np.testing.assert_allclose(_values(got), record.eigenvalues, rtol=0, atol=1e-10 * scale)
        assert max(got["residuals"]) < 1e-10 * scale
        assert (got["world_size"], got["backend"]) == (2, "gloo")
        assert record.world_size == 1 and record.backend is None
        assert got["batch_sizes"] == record.batch_sizes
        assert got["settings"] == record.settings and got["operator"] == record.operator
        assert got["game"] == "Distributed" + record.game
    # one all-reduce of n floats per product and column: A u, Aᵀ u, and the 3 columns of A U
    # (plain autograd's reverse products take the columns one at a time)
    n = games[0].n
    assert first["all_reduces"] == [5, 5 * n]
    assert first["products"]["game/linearize/mode"] == "forward"
    products["game/linearize"] = products["game/forward"]
    for key, value in products.items():
        if key.endswith("/mode"):
            continue
        au, atu, aU = value
        got = first["products"][key]
        scale = np.abs(aU).max()
        for mine, theirs in zip(got, (au, atu, aU), strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12 * scale, err_msg=key)
        assert got == second["products"][key], key
    parts = _toy(0), _toy(1)
    toy = _toy_derivatives(lambda z: parts[0](z) + parts[1](z))
    for got, want in zip(first["toy"], toy, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    per_batch = np.array([[complex(*w) for w in row] for row in first["per_batch"]])
    np.testing.assert_allclose(per_batch, spread.per_batch, rtol=0, atol=1e-10)
    np.testing.assert_allclose(first["coupling"], coupling, rtol=1e-10)
    # a rank that fails: every rank raises, the others naming it
    assert first["failure"].startswith("RuntimeError: loading the game failed on rank 1 of 2")
    assert "FileNotFoundError: no checkpoint at /nowhere.pt" in first["failure"]
    assert second["failure"] == "FileNotFoundError: no checkpoint at /nowhere.pt"
    for result in results:
        assert result["z"].startswith("ValueError: z differs between the ranks")
        assert result["players"].startswith("ValueError: the ranks' games must share")
        assert result["points"].startswith("ValueError: the ranks' games have different default")
    # PyTorch's functional collective: right eagerly (under vmap: see _worker, not exercised);
    # autograd pulls back through this rank's part only, W times, instead of the full-data Jᵀ w
    for result in results:
        assert result["funcol"][0] == [[3.0] * 3] * 2
    z = torch.tensor([0.1, 0.2, -0.3], dtype=torch.float64)
    mine = [2 * vjp(p, z)[1](torch.ones(3, dtype=torch.float64))[0] for p in parts]
    for result, expected_pull in zip(results, mine, strict=True):
        np.testing.assert_allclose(result["funcol_autograd"], expected_pull, rtol=1e-14)
        assert not np.allclose(result["funcol_autograd"], toy[1])


def test_world_size_one_is_the_averaged_game(process_group):
    games = _batches()[:2]
    single, spread = AveragedGame(games), DistributedAveragedGame(games)
    assert (spread.batches, spread.local_batches, spread.world_size) == (2, [2], 1)
    z = games[0].z0
    np.testing.assert_allclose(game_jacobian(spread, z), game_jacobian(single, z), atol=1e-14)
    method = ExtraGradient(0.1)
    np.testing.assert_allclose(
        operator_jacobian(method, spread, z), operator_jacobian(method, single, z), atol=1e-14
    )
    torch.testing.assert_close(torch.stack(spread.losses(z)), torch.stack(single.losses(z)))
    mine, theirs = (
        analyse(spread, 2, solver=KrylovSchur(tol=TOL)),
        analyse(single, 2, solver=KrylovSchur(tol=TOL)),
    )
    np.testing.assert_allclose(mine.eigenvalues, theirs.eigenvalues, atol=1e-12)
    assert (mine.world_size, mine.backend, theirs.world_size) == (1, "gloo", 1)
    assert mine.batch_sizes == theirs.batch_sizes and mine.settings == theirs.settings
    assert repr(spread).startswith("DistributedAveragedGame(2 × TorchGame(")


def test_games_without_a_default_point(process_group):
    game = DistributedAveragedGame([Bilinear([[1.0]]), Bilinear([[3.0]])])
    np.testing.assert_allclose(game_jacobian(game, [0.0, 0.0]), [[0, 2], [-2, 0]])


def test_shard_splits_the_batches_in_order_or_says_why_not():
    assert [list(shard(6, r, 3)) for r in range(3)] == [[0, 1], [2, 3], [4, 5]]
    assert list(shard(5, 0, 1)) == [0, 1, 2, 3, 4]
    with pytest.raises(
        ValueError, match=r"--batches = 3 cannot be split evenly over 2 .*e\.g\. 2 or 4"
    ):
        shard(3, 0, 2, name="--batches")
    with pytest.raises(ValueError, match=r"batches = 1 cannot be split evenly over 4 .*e\.g\. 4\)"):
        shard(1, 0, 4)
    with pytest.raises(ValueError, match="rank must be in"):
        shard(4, 2, 2)
    with pytest.raises(ValueError, match="batches"):
        shard(0, 0, 1)
    with pytest.raises(RuntimeError, match="shard needs an initialised"):
        shard(4)


def test_without_a_process_group_the_game_says_how_to_get_one():
    with pytest.raises(RuntimeError, match="DistributedAveragedGame needs .*torchrun"):
        DistributedAveragedGame(_batches())


def test_checks_are_reported_on_every_rank(process_group):
    with pytest.raises(ValueError, match="rank 0: holds no game"):
        DistributedAveragedGame([])
    with pytest.raises(ValueError, match=r"rank 0: games\[1\] has \(nx, ny\)"):
        DistributedAveragedGame([Bilinear([[1.0]]), Bilinear(np.eye(2))])
    with pytest.raises(ValueError, match="rank 0: games.0. must be a gamedyn Game"):
        DistributedAveragedGame([object()])
    assert on_every_rank(lambda: 7, "seven") == 7
    with pytest.raises(KeyError, match="own error"):  # the failing rank raises its own error
        on_every_rank(lambda: {}["own error"], "lookup")


def test_init_from_environment(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert init_from_environment("cpu") is None  # not under torchrun: one process
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match="LOCAL_RANK, MASTER_ADDR, MASTER_PORT are not.*torchrun"):
        init_from_environment("cpu")
    monkeypatch.setenv("LOCAL_RANK", "0")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", "29500")
    for name, value, message in (
        ("RANK", "2", "RANK = 2 must be below WORLD_SIZE = 2"),
        ("RANK", "x", "RANK must be an integer, got 'x'"),
        ("WORLD_SIZE", "0", r"WORLD_SIZE must be >= 1, got 0"),
        ("MASTER_PORT", "70000", r"MASTER_PORT must be in \[1, 65536\), got 70000"),
        ("MASTER_ADDR", "no-such-host.invalid", "MASTER_ADDR 'no-such-host.invalid' does not"),
    ):
        with monkeypatch.context() as m:
            m.setenv(name, value)
            with pytest.raises(ValueError, match=message):
                init_from_environment("cpu")
    with pytest.raises(ValueError, match="timeout"):
        init_from_environment("cpu", timeout=0)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("rank", [0, 1])
def test_a_missing_rank_ends_the_run_within_the_timeout_naming_it(rank, tmp_path, capsys):
    """One process of a world of two: rank 0 names rank 1, rank 1 names rank 0, each as one
    line, within the timeout (2 s here; the command's default is 180 s)."""
    from gamedyn.cli import main
    from gamedyn.examples import train

    checkpoint = train("mixture-small", 0, tmp_path / "ckpt", save_every=1, batch=8)[-1]
    env = {"WORLD_SIZE": "2", "RANK": str(rank), "LOCAL_RANK": "0"}
    env |= {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        start = time.monotonic()
        code = main(
            [
                "spectrum",
                str(checkpoint),
                "--example",
                "mixture-small",
                "--timeout",
                "2",
                "--out",
                str(tmp_path / "out"),
                "--no-progress",
            ]
        )
        elapsed = time.monotonic() - start
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    other = 1 - rank
    assert err[0].startswith("gamedyn spectrum: error: rank ")
    assert f"rank {other}" in err[0] and "--timeout 2 s" in err[0]
    assert elapsed < 2 + 30  # the timeout, plus a generous margin for a loaded machine
