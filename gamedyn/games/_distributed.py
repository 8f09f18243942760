"""The averaged game over data shards: each rank of a ``torch.distributed`` process group holds
some of the batches, every rank gets the full-data field and products.

The full-data field over ``B`` batches is ``v̄(z) = (1/B) Σ_b v_b(z)``
(:class:`~gamedyn.games.AveragedGame` in one process). With ``W`` processes, rank ``r``
holds the batches of its shard and computes ``p_r(z) = (1/B) Σ_{b ∈ shard r} v_b(z)``;
:class:`DistributedAveragedGame` returns ``v̄ = Σ_r p_r``, all-reduced, so every rank holds the
same field, and — through :class:`~gamedyn.games._collectives.Collectives`, whose sum over ranks
every torch.func transform differentiates — the same ``J u``, ``Jᵀ u`` and operator products of
any method: one all-reduce of ``n`` floats per product in reverse mode (the default). Nothing
relies on ``DistributedDataParallel``'s hooks, which ``autograd.grad`` and torch.func do not
fire.

* :func:`shard`: rank ``r``'s contiguous block of batch indices, ``range(r·B/W, (r+1)·B/W)`` —
  the batches, in order, of the one-process ``AveragedGame`` built with the same seeds.
* :func:`on_every_rank`: runs a step on every rank and, when it fails on some, raises on
  *every* rank (the others would otherwise wait in the next collective).
* :func:`init_from_environment`: the default process group from ``torchrun``'s variables
  (gloo on CPU, NCCL on GPUs; this rank's GPU from ``LOCAL_RANK``).

Launch with ``torchrun --nproc-per-node N script.py`` (or ``-m gamedyn spectrum ...``); inside::

    import torch.distributed as dist
    from gamedyn.checkpoints import load_torch_game
    from gamedyn.games._distributed import DistributedAveragedGame, shard
    from gamedyn.analysis import analyse

    dist.init_process_group("gloo")             # "nccl" with one GPU per process
    first = load_torch_game(ckpt, G, D, data(64, 0), latent(64, 0))
    games = [first.with_batch(data(64, b), latent(64, b), gp_seed=b) for b in shard(B)]
    record = analyse(DistributedAveragedGame(games), k=20)   # replicated on every rank
    if dist.get_rank() == 0:
        record.save("spectrum")

Example (a process group of size 1 holds every batch; the field is the average):
  >>> import torch, torch.distributed as dist
  >>> from gamedyn.games import Bilinear
  >>> dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
  >>> game = DistributedAveragedGame([Bilinear([[1.0]]), Bilinear([[3.0]])])
  >>> game.jacobian(game.default_point())
  tensor([[ 0.,  2.],
          [-2.,  0.]], dtype=torch.float64)
  >>> list(shard(4)), game.world_size, game.backend
  ([0, 1, 2, 3], 1, 'gloo')
  >>> dist.destroy_process_group()
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

import torch
import torch.distributed as dist

from .. import _validate
from ._base import Game
from ._collectives import Collectives, require_process_group

Tensor = torch.Tensor
T = TypeVar("T")

__all__ = [
    "DistributedAveragedGame",
    "shard",
    "on_every_rank",
    "Launch",
    "RendezvousError",
    "check_environment",
    "DEFAULT_TIMEOUT",
    "init_from_environment",
    "error_line",
]


def shard(
    batches: int,
    rank: int | None = None,
    world_size: int | None = None,
    *,
    group: Any = None,
    name: str = "batches",
) -> range:
    """This rank's batch indices: ``range(r·B/W, (r+1)·B/W)`` for ``B = batches``.

    ``rank`` and ``world_size`` default to the process group's (``group``, default the world).
    The blocks are contiguous and in rank order, so concatenated over ranks they are
    ``0, …, B − 1``, the one-process order. ``name`` is what the error calls ``batches``.

    Raises:
      ValueError: ``B`` is not a positive multiple of ``W`` (the ranks would do unequal work,
        and the slowest would set the time of every product).
      RuntimeError: ``rank``/``world_size`` not given and no process group is initialised.
    """
    batches = _validate.integer_at_least(name, batches, 1)
    if rank is None or world_size is None:
        require_process_group("shard")
        rank = dist.get_rank(group) if rank is None else rank
        world_size = dist.get_world_size(group) if world_size is None else world_size
    world_size = _validate.integer_at_least("world_size", world_size, 1)
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
    if batches % world_size:
        lower = batches - batches % world_size
        examples = " or ".join(str(b) for b in (lower, lower + world_size) if b > 0)
        raise ValueError(
            f"{name} = {batches} cannot be split evenly over {world_size} processes (torchrun's "
            f"--nnodes × --nproc-per-node): give a multiple of {world_size} (e.g. {examples})"
        )
    per = batches // world_size
    return range(rank * per, (rank + 1) * per)


def on_every_rank(step: Callable[[], T], what: str, group: Any = None) -> T:
    """``step()`` on every rank; if it raises on some rank, every rank raises.

    The failing ranks re-raise their own exception; the others raise ``RuntimeError`` naming
    the failing ranks and their errors (instead of waiting for them in the next collective
    until the process group times out). One ``all_gather_object`` of the outcome.
    """
    comm = Collectives(group)
    try:
        result, error = step(), None
    except Exception as err:  # reported to every rank, then re-raised here
        result, error = None, err
    reports = comm.gather(None if error is None else f"{type(error).__name__}: {error}")
    if error is not None:
        raise error
    failed = [(r, report) for r, report in enumerate(reports) if report is not None]
    if failed:
        ranks = ", ".join(str(r) for r, _ in failed)
        detail = "; ".join(f"rank {r}: {report}" for r, report in failed)
        raise RuntimeError(f"{what} failed on rank {ranks} of {comm.world_size} ({detail})")
    return result


class DistributedAveragedGame(Game):
    """The average of the games of every rank's shard: ``v̄(z) = (1/B) Σ_r Σ_{b ∈ shard r}
    v_b(z)``, the same on every rank.

    Args:
      games: this rank's games (the same players on this rank's batches, e.g.
        :meth:`TorchGame.with_batch <gamedyn.games.TorchGame.with_batch>` over
        :func:`shard`'s indices); every rank at least one.
      group: the process group (default: the world).

    The games must share ``nx``, ``ny``, dtype and default point on every rank (checked at
    construction with one ``all_gather_object`` and two all-reduces of ``z``; a mismatch raises
    ``ValueError`` on every rank). Each batch weighs ``1/B``, ``B`` the total number of batches,
    as in :class:`~gamedyn.games.AveragedGame`. Every evaluation of the field is a
    collective: all ranks must make the same calls in the same order (the analyses of
    :mod:`gamedyn.spectrum` do: they are deterministic given the products).

    Attributes:
      games: this rank's games; batches: ``B``; local_batches: per rank, its number of batches.
      comm: the :class:`~gamedyn.games._collectives.Collectives` (counts the all-reduces).
      rank, world_size, backend: the process group's.

    Raises:
      RuntimeError: no process group is initialised.
    """

    def __init__(self, games: Sequence[Game], group: Any = None):
        require_process_group("DistributedAveragedGame")
        self.comm = Collectives(group)
        games = list(games)
        problem = _problem(games)
        first = games[0] if problem is None else None
        point = _point(first) if first is not None else None
        descriptor = None
        if problem is None:
            descriptor = (len(games), first.nx, first.ny, str(getattr(point, "dtype", None)))
        reports = self.comm.gather((problem, descriptor))
        bad = [f"rank {r}: {p}" for r, (p, _) in enumerate(reports) if p is not None]
        if bad:
            raise ValueError(f"DistributedAveragedGame: {'; '.join(bad)}")
        shapes = {d[1:] for _, d in reports}
        if len(shapes) > 1:
            seen = ", ".join(
                f"rank {r}: (nx, ny, dtype) = {d[1:]}" for r, (_, d) in enumerate(reports)
            )
            raise ValueError(f"the ranks' games must share their players and dtype, got {seen}")
        if point is not None and not self.comm.same_everywhere(point):
            raise ValueError(
                "the ranks' games have different default points (checkpoint parameters): every "
                "rank must load the same checkpoint"
            )
        self.games = games
        self.nx, self.ny = first.nx, first.ny
        self.local_batches = [d[0] for _, d in reports]
        self.batches = sum(self.local_batches)
        if hasattr(first, "z0"):
            self.z0 = first.z0

    @property
    def rank(self) -> int:
        return self.comm.rank

    @property
    def world_size(self) -> int:
        return self.comm.world_size

    @property
    def backend(self) -> str:
        return self.comm.backend

    def default_point(self) -> Tensor:
        """The first game's default point (the same on every rank: checked)."""
        return self.games[0].default_point()

    def point(self, z: Any, name: str = "z") -> Tensor:
        """``z`` checked as the first game checks it, and checked to be the same on every rank
        (two all-reduces of ``n`` floats: products at different points would be summed into
        one silently wrong matrix); raises ``ValueError`` on every rank otherwise."""
        tensor = self.games[0].point(z, name)
        if not self.comm.same_everywhere(tensor):
            raise ValueError(
                f"{name} differs between the ranks: every rank must linearise at the same point "
                "(draw it from the same seed on every rank, or broadcast it from rank 0)"
            )
        return tensor

    def _local_sum(self, part: Callable[[Game], Tensor]) -> Tensor:
        """``(1/B) Σ_{b ∈ shard} part(game_b)``, summed as it goes: ``O(n)`` memory however many
        batches the rank holds (in forward mode each batch's graph is freed before the next)."""
        total = part(self.games[0])
        for game in self.games[1:]:
            total = total + part(game)
        return total / self.batches

    def field(self, z: Tensor) -> Tensor:
        """``Σ_r (1/B) Σ_{b ∈ shard r} v_b(z)``: this rank's part, then one all-reduce."""
        z = self.comm.replicate(z)
        return self.comm.sum(self._local_sum(lambda g: g.field(z)))

    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """The average of the games' losses over every rank's batches."""
        z = self.comm.replicate(z)
        total = self.comm.sum(self._local_sum(lambda g: torch.stack(g.losses(z))))
        return total[0], total[1]

    def __repr__(self) -> str:  # the same on every rank and for every world size
        return f"DistributedAveragedGame({self.batches} × {self.games[0]!r})"


def _problem(games: list[Any]) -> str | None:
    """What is wrong with this rank's games, or ``None``."""
    if not games:
        return "holds no game (every rank needs at least one batch)"
    for i, g in enumerate(games):
        if not isinstance(g, Game):
            return f"games[{i}] must be a gamedyn Game, got {type(g).__name__}"
        if (g.nx, g.ny) != (games[0].nx, games[0].ny):
            return (
                f"games[{i}] has (nx, ny) = ({g.nx}, {g.ny}), games[0] has "
                f"({games[0].nx}, {games[0].ny}): averaged games must share their players"
            )
    return None


def _point(game: Game) -> Tensor | None:
    try:
        return game.default_point()
    except ValueError:  # a game without a default point
        return None


class Launch(NamedTuple):
    """What :func:`init_from_environment` set up: this rank's ``device``, the ``backend``, and
    whether it initialised the process group itself (``owned``: then destroy it at the end)."""

    device: str
    backend: str
    owned: bool


DEFAULT_TIMEOUT = 180.0
"""Seconds to wait for every rank to join, and for each collective (torch's default is 30 min)."""


class RendezvousError(ValueError):
    """A rank did not join within the timeout, or the environment cannot form a group: a user's
    error (one line on the command line). ``all_ranks``: every rank reports it (rank 0 is the
    one missing); otherwise rank 0 alone does."""

    def __init__(self, message: str, all_ranks: bool = False):
        super().__init__(message)
        self.all_ranks = all_ranks


def check_environment() -> tuple[int, int, int, str, int]:
    """``(rank, world_size, local_rank, master_addr, master_port)`` from torchrun's variables,
    each checked before joining: integers, ``0 <= RANK < WORLD_SIZE``, a port in ``1..65535``
    and a ``MASTER_ADDR`` that resolves. A ``ValueError`` names the variable and its value."""
    import socket

    needed = ("RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
    missing = [name for name in needed if name not in os.environ]
    if missing:
        raise ValueError(
            f"WORLD_SIZE = {os.environ['WORLD_SIZE']} is set but {', '.join(missing)} "
            "are not: launch with `torchrun --nproc-per-node N -m gamedyn ...` (which sets them)"
        )

    def integer(name: str, least: int, below: int | None = None) -> int:
        text = os.environ[name]
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{name} must be an integer, got {text!r}") from None
        if value < least or (below is not None and value >= below):
            bound = f"in [{least}, {below})" if below is not None else f">= {least}"
            raise ValueError(f"{name} must be {bound}, got {value}")
        return value

    world = integer("WORLD_SIZE", 1)
    rank = integer("RANK", 0)
    if rank >= world:
        raise ValueError(f"RANK = {rank} must be below WORLD_SIZE = {world}")
    local = integer("LOCAL_RANK", 0)
    port = integer("MASTER_PORT", 1, 65536)
    addr = os.environ["MASTER_ADDR"]
    try:
        socket.getaddrinfo(addr, port)
    except (OSError, UnicodeError) as err:
        raise ValueError(f"MASTER_ADDR {addr!r} does not resolve: {err}") from None
    return rank, world, local, addr, port


def _wait_for_master(addr: str, port: int, timeout: float, rank: int, world: int) -> None:
    """Wait until rank 0's store accepts connections (plain sockets: no C++ log spam)."""
    import socket
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((addr, port), timeout=1.0):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RendezvousError(
                    f"rank 0 (MASTER_ADDR:MASTER_PORT = {addr}:{port}) did not answer within "
                    f"--timeout {timeout:g} s (rank {rank} of WORLD_SIZE = {world} waited for "
                    "it)",
                    all_ranks=True,
                ) from None
            time.sleep(0.1)


def _join(backend: str, timeout: float) -> None:
    """Join the default group through a TCP store, waiting at most ``timeout`` seconds for the
    other ranks; rank 0 names the ranks that did not come, the others name rank 0 if it did not
    start."""
    import time
    from datetime import timedelta

    rank, world, _, addr, port = check_environment()
    wait = timedelta(seconds=timeout)
    agent = os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == "True"  # torchrun hosts it
    if rank != 0 or agent:
        _wait_for_master(addr, port, timeout, rank, world)
    try:
        store = dist.TCPStore(
            addr,
            port,
            world,
            is_master=rank == 0 and not agent,
            timeout=wait,
            wait_for_workers=False,
        )
    except (RuntimeError, OSError) as err:
        if rank == 0 and not agent:
            raise RendezvousError(
                f"rank 0 cannot listen on MASTER_ADDR:MASTER_PORT = {addr}:{port}: "
                f"{str(err).splitlines()[0] if str(err) else type(err).__name__}"
            ) from None
        raise RendezvousError(
            f"rank 0 (MASTER_ADDR:MASTER_PORT = {addr}:{port}) did not answer within "
            f"--timeout {timeout:g} s (rank {rank} of WORLD_SIZE = {world} waited for it)",
            all_ranks=True,
        ) from None
    prefix = "gamedyn/joined/"
    store.set(f"{prefix}{rank}", "1")
    deadline = time.monotonic() + timeout
    while True:
        absent = [r for r in range(world) if not store.check([f"{prefix}{r}"])]
        if not absent:
            break
        if time.monotonic() > deadline:
            names = ", ".join(str(r) for r in absent)
            raise RendezvousError(
                f"rank{'s' if len(absent) > 1 else ''} {names} of WORLD_SIZE = {world} did "
                f"not join within --timeout {timeout:g} s (missing: {len(absent)}; is every "
                "process started, with the same MASTER_ADDR and MASTER_PORT?)"
            )
        time.sleep(0.05)
    dist.init_process_group(backend, store=store, rank=rank, world_size=world, timeout=wait)


def init_from_environment(device: str = "cpu", timeout: float = DEFAULT_TIMEOUT) -> Launch | None:
    """The default process group from ``torchrun``'s environment, or ``None`` outside it.

    Under ``torchrun`` (``WORLD_SIZE`` is set): the environment is checked first
    (:func:`check_environment`), then the ranks join within ``timeout`` seconds (a rank that
    does not come is named: :class:`RendezvousError`), with gloo for a CPU ``device``, NCCL
    for ``"cuda"``, whose index becomes ``LOCAL_RANK`` (one GPU per process); collectives
    time out after ``timeout`` seconds too. A group already initialised is used as it is.

    Raises:
      ValueError: a missing or malformed variable, a GPU index given while several processes
        share the node, or a rank that did not join (:class:`RendezvousError`).
    """
    if "WORLD_SIZE" not in os.environ:
        return None
    timeout = _validate.positive("timeout", timeout)
    _, _, local, _, _ = check_environment()
    target = torch.device(device)
    backend = "gloo"
    if target.type == "cuda":
        if target.index is not None and int(os.environ.get("LOCAL_WORLD_SIZE", "1")) > 1:
            raise ValueError(
                f"device = {device!r}: under torchrun each process takes the GPU of its "
                "LOCAL_RANK; give 'cuda' without an index"
            )
        target = torch.device("cuda", local if target.index is None else target.index)
        torch.cuda.set_device(target)
        backend = "nccl"
    owned = not dist.is_initialized()
    if owned:
        _join(backend, timeout)
    return Launch(str(target), str(dist.get_backend()), owned)


def _environment_rank() -> int:
    """This process's rank under torchrun; ``0`` outside it, or where ``RANK`` and
    ``WORLD_SIZE`` do not make a rank (then this process reports its own error)."""
    try:
        rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 0
    return rank if 0 <= rank < world else 0


def error_line(err: BaseException) -> str | None:
    """What this process says of a user's error ``err``, on one line; ``""`` where it says
    nothing, ``None`` where ``err`` is not a user's error (the caller re-raises it).

    Under torchrun every rank meets the same error and rank 0 alone reports it (unless rank 0 is
    the one missing, ``err.all_ranks``). A ``RuntimeError`` is a user's error only while a
    process group runs (a collective failed: a rank died or timed out). An ``OSError`` from the
    system gives its reason and path."""
    if isinstance(err, RuntimeError) and not isinstance(err, NotImplementedError):
        if not (dist.is_available() and dist.is_initialized()):
            return None
        first = " ".join(str(err).split()).split(" Exception raised from ")[0][:300]
        return f"the process group failed on rank {_environment_rank()}: {first}"
    if _environment_rank() != 0 and not getattr(err, "all_ranks", False):
        return ""
    if isinstance(err, OSError) and err.strerror and err.filename:
        return " ".join(f"{err.strerror}: {str(err.filename)!r}".split())
    return " ".join((str(err) or type(err).__name__).split())
