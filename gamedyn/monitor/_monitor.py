"""``SpectrumMonitor``: spectra of the live players, from inside the user's training loop."""

from __future__ import annotations

import inspect
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _validate
from ..games import TorchGame
from ..methods import Alternating, Composed, PlainTransform, Simultaneous
from ..nonnormal import numerical_abscissa, rotation_by_block
from ..spectrum import JacobianOperator, KrylovSchur
from ..vocabulary import KRYLOV_WHICH
from . import _solve
from ._isolation import isolated
from ._log import LogWriter, series_key
from ._schedule import schedule_of

Tensor = torch.Tensor

__all__ = ["SpectrumMonitor", "QUANTITIES", "GAME_OPTIONS"]

QUANTITIES = ("jacobian", "optimiser", "rotation", "numerical_abscissa")
"""The analyses a monitor runs by name (besides ``(name, function)`` pairs of the user's):

* ``"jacobian"``: top-``k`` eigenvalues of the game Jacobian ``J`` (for each ``which``);
* ``"optimiser"``: top-``k`` (largest modulus) of the Jacobian of the training operator — the
  live ``torch.optim`` optimisers' update (Adam, AdamW, RMSprop, with their moments and step
  counts read from the optimisers; plain SGD, ``z − lr ∇L`` with each player's ``lr``), in the
  order of play given — and its spectral radius ``ρ`` (``ρ > 1``: locally unstable training);
* ``"rotation"``: the rotation index ``‖K‖²_F/‖J‖²_F`` of ``J`` with its standard error, for
  all of ``z`` and per player (:func:`gamedyn.spectrum.rotation_by_block`);
* ``"numerical_abscissa"``: ``ω(J) = λ_max((J + Jᵀ)/2)``
  (:func:`gamedyn.spectrum.numerical_abscissa`).
"""

GAME_OPTIONS = tuple(
    name
    for name in inspect.signature(TorchGame).parameters
    if name not in ("generator", "discriminator", "loss", "real", "latent")
)
"""The :class:`~gamedyn.games.TorchGame` options a monitor passes on (``reg``, ``reg_weight``,
``dtype``, ``device``, ``gp_seed``, ``batchnorm``)."""


def _optimiser_family(optimizer: Any, player: str) -> str:
    name = type(optimizer).__name__.lower()
    if name in ("adam", "adamw", "rmsprop"):
        return name
    if name == "sgd":
        _sgd_lr(optimizer, player)
        return name
    raise TypeError(
        f"optimizers: the {player}'s optimiser is torch.optim.{type(optimizer).__name__}; the "
        "'optimiser' quantity reads Adam, AdamW, RMSprop and plain SGD"
    )


def _sgd_lr(optimizer: Any, player: str) -> float:
    """The step size of a plain ``torch.optim.SGD`` (one for all its groups); anything the plain
    step ``z − lr ∇L`` does not model is refused by name."""
    rates = set()
    for group in optimizer.param_groups:
        for option, plain in (
            ("momentum", 0),
            ("weight_decay", 0),
            ("nesterov", False),
            ("maximize", False),
        ):
            if group.get(option, plain) != plain:
                raise TypeError(
                    f"optimizers: the {player}'s SGD has {option}={group[option]!r}; the "
                    "'optimiser' quantity models plain SGD (use Adam/RMSprop states, or "
                    "gamedyn.methods.Momentum offline)"
                )
        rates.add(float(group["lr"]))
    if len(rates) != 1:
        raise ValueError(f"optimizers: the {player}'s SGD has several step sizes {sorted(rates)}")
    return rates.pop()


class SpectrumMonitor:
    """Spectra of a GAN's live players at chosen training steps, logged, never touching training.

    Construct it once; call it from the training loop after each step,
    ``monitor(step, real=real, latent=fixed_noise)``. At a monitored step (``every``) it builds
    a :class:`~gamedyn.games.TorchGame` of the players *as they are now* on the given batch
    (private float64 copies; ``game_options`` as :class:`~gamedyn.games.TorchGame` takes them)
    and runs each of ``quantities`` (:data:`QUANTITIES`, or ``(name, function)`` pairs, the
    function called as ``function(game)`` and returning a JSON-able mapping), writing one record
    per quantity (and ``which``) to ``log_dir/spectra.jsonl`` (:mod:`gamedyn.monitor`) and, when
    ``tensorboard`` is installed, TensorBoard scalars and an eigenvalue-cloud image.

    Training is left exactly as it was: the players' parameters, gradients and buffers and the
    optimisers' states are never written (checked after every call by their version counters,
    :class:`~gamedyn.monitor.TrainingStateChanged`), and the global random generators (torch,
    CUDA, numpy, Python), the modules' ``training`` flags, the ``requires_grad`` flags and the
    grad mode are restored.

    Args:
      generator, discriminator: the live players (``nn.Module``).
      loss: the GAN loss, as :class:`~gamedyn.games.TorchGame`.
      optimizers: ``(optimizer_G, optimizer_D)``, the live ``torch.optim`` optimisers (needed for
        ``"optimiser"``; also checked to be left untouched).
      every: an int ``n`` (steps ``0, n, 2n, ...``), a schedule (:class:`~gamedyn.monitor.Every`,
        :class:`~gamedyn.monitor.Geometric`, any ``step -> bool``) or a list of steps.
      k: eigenvalues per solve (``1 ≤ k ≤ N − 2``).
      quantities: what to compute (:data:`QUANTITIES`; ``("jacobian",)`` by default).
      log_dir: the log's folder (``None``: records are only returned).
      which: the game Jacobian's selections: ``"LM"`` (largest modulus) and/or ``"SR"`` (the
        least stable directions), or any of :data:`gamedyn.vocabulary.KRYLOV_WHICH`.
      alternating, n_critic, first: the order of play of the training operator
        (:class:`gamedyn.methods.Adam`): simultaneous, or alternating with ``n_critic``
        discriminator steps per generator step, ``first="y"`` the discriminator first.
      frozen: the training operator with Adam's/RMSprop's preconditioner ``v̂`` frozen at its
        live value (:meth:`gamedyn.methods.Method.frozen`) instead of the exact one, whose
        ``∂/∂v`` block is large while ``v̂`` is small (early training).
      solver: a :class:`gamedyn.spectrum.KrylovSchur` (default ``KrylovSchur(tol=1e-8)``): its
        ``tol`` (``‖A v − λ v‖ ≤ tol·|λ|``), ``ncv``, ``max_restarts``, ``mode`` (how ``J u`` is
        computed) and ``precision`` (``"float32"``: float32 products, the game built in float32;
        the Krylov basis and the answers stay float64). The solve runs on each operator's own
        products (``route="jacobian"`` is refused).
      probes: Hutchinson probes of ``"rotation"`` (two products each).
      seed: the probes' seed.
      max_seconds, max_products: a budget per monitored step, over all quantities. Products are
        counted exactly; seconds are turned into products at the cost per product measured on
        this monitor's previous solve of the same quantity (the first time: one timed product).
        Past the budget a solve stops after its last affordable cycle and records the Ritz
        values it has with their residual estimates (``status="budget"``, ``converged`` per
        value), a quantity that cannot start is recorded as skipped, and a warning says so.
      tensorboard: ``None`` (use it when installed and ``log_dir`` is given), ``True`` (required)
        or ``False``.
      **game_options: :class:`~gamedyn.games.TorchGame`'s ``reg``, ``reg_weight``, ``dtype``
        (``torch.float32``: float32 products, float64 Krylov basis and answers), ``device``,
        ``gp_seed``, ``batchnorm``; any other name is refused.

    Attributes:
      history: every record written, in order.

    Example:
      >>> G = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
      >>> D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
      >>> monitor = SpectrumMonitor(G, D, every=10, k=2)
      >>> records = monitor(0, real=torch.randn(16, 2), latent=torch.randn(16, 2))
      >>> records[0]["quantity"], len(records[0]["eigenvalues"]), records[0]["converged"]
      ('jacobian', 2, True)
      >>> monitor(3, real=torch.randn(16, 2), latent=torch.randn(16, 2)) is None
      True
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        loss: str = "non-saturating",
        *,
        optimizers: Sequence[Any] | None = None,
        every: Any = 500,
        k: int = 6,
        quantities: Sequence[Any] = ("jacobian",),
        log_dir: str | Path | None = None,
        which: str | Sequence[str] = ("LM",),
        alternating: bool = True,
        n_critic: int = 1,
        first: str = "y",
        frozen: bool = False,
        solver: KrylovSchur | None = None,
        probes: int = 30,
        seed: int = 0,
        max_seconds: float | None = None,
        max_products: int | None = None,
        tensorboard: bool | None = None,
        **game_options: Any,
    ):
        for name, module in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(module, nn.Module):
                raise TypeError(f"{name} must be an nn.Module, got {type(module).__name__}")
        unknown = sorted(set(game_options) - set(GAME_OPTIONS))
        if unknown:
            raise TypeError(
                f"SpectrumMonitor got unknown option(s) {', '.join(map(repr, unknown))}; the "
                f"game options are TorchGame's: {', '.join(GAME_OPTIONS)}"
            )
        self.generator, self.discriminator, self.loss = generator, discriminator, loss
        self.game_options = dict(game_options)
        self.schedule = schedule_of(every)
        self.k = _validate.integer_at_least("k", k, 1)
        self.quantities = self._quantities(quantities)
        names = [q if isinstance(q, str) else q[0] for q in self.quantities]
        self.which = (which,) if isinstance(which, str) else tuple(which)
        if not self.which:
            raise ValueError("which must name at least one selection, got ()")
        for w in self.which:
            _validate.choice("which", w, KRYLOV_WHICH)
        if not isinstance(alternating, bool):
            raise TypeError(f"alternating must be a bool, got {alternating!r}")
        self.alternating, self.first = alternating, first
        if not isinstance(frozen, bool):
            raise TypeError(f"frozen must be a bool, got {frozen!r}")
        self.frozen = frozen
        self.n_critic = _validate.integer_at_least("n_critic", n_critic, 1)
        if not alternating and self.n_critic != 1:
            raise ValueError(f"n_critic = {n_critic} needs alternating=True")
        if first not in ("x", "y", "generator", "discriminator"):
            raise ValueError(f"first must be 'x'/'generator' or 'y'/'discriminator', got {first!r}")
        self.solver = self._solver(solver)
        self.tol, self.ncv, self.mode = self.solver.tol, self.solver.ncv, self.solver.mode
        if self.ncv is not None and self.ncv < self.k + 2:
            raise ValueError(f"solver.ncv must be >= k + 2 = {self.k + 2}, got {self.ncv}")
        self.probes = _validate.integer_at_least("probes", probes, 2)
        self.seed = _validate.integer_at_least("seed", seed, 0)
        self.max_seconds = (
            None if max_seconds is None else _validate.positive("max_seconds", max_seconds)
        )
        self.max_products = (
            None
            if max_products is None
            else _validate.integer_at_least("max_products", max_products, 1)
        )
        self.optimizers = self._optimizers(optimizers, "optimiser" in names)
        self.log_dir = None if log_dir is None else Path(log_dir)
        self._writer = None if log_dir is None else LogWriter(log_dir)
        self._tensorboard = self._tensorboard_sink(tensorboard)
        self._rates: dict[str, float] = {}
        self.history: list[dict[str, Any]] = []

    # --- construction ------------------------------------------------------------------------

    def _solver(self, solver: Any) -> KrylovSchur:
        if solver is None:
            solver = KrylovSchur(tol=1e-8)
        if not isinstance(solver, KrylovSchur):
            raise TypeError(
                f"solver must be a gamedyn.spectrum.KrylovSchur (the monitor's budgeted solve), "
                f"got {type(solver).__name__}"
            )
        if solver.route == "jacobian":
            raise ValueError(
                "solver.route='jacobian' is refused: the monitor solves on each operator's own "
                "products (route='auto' or 'operator')"
            )
        if solver.precision == "mixed":
            raise ValueError(
                "solver.precision='mixed' (float32 products refined in float64) is not "
                "available yet; use 'float32', 'float64' or None"
            )
        if solver.precision is not None:
            dtype = getattr(torch, solver.precision)
            given = self.game_options.get("dtype", dtype)
            if given != dtype:
                raise ValueError(
                    f"solver.precision={solver.precision!r} but dtype={given}: give one of them"
                )
            self.game_options["dtype"] = dtype
        return solver

    @staticmethod
    def _quantities(quantities: Sequence[Any]) -> tuple[Any, ...]:
        if isinstance(quantities, str):
            quantities = (quantities,)
        out = []
        for q in quantities:
            if isinstance(q, str):
                _validate.choice("quantities", q, QUANTITIES)
            elif not (
                isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], str) and callable(q[1])
            ):
                raise TypeError(
                    f"quantities: each entry is one of {QUANTITIES} or a (name, function) pair, "
                    f"got {q!r}"
                )
            out.append(q)
        if not out:
            raise ValueError("quantities must name at least one analysis")
        return tuple(out)

    @staticmethod
    def _optimizers(optimizers: Any, needed: bool) -> tuple[Any, ...]:
        if optimizers is None:
            if needed:
                raise ValueError(
                    "quantities include 'optimiser': pass optimizers=(optimizer_G, optimizer_D)"
                )
            return ()
        optimizers = tuple(optimizers)
        if len(optimizers) != 2 or not all(
            isinstance(o, torch.optim.Optimizer) for o in optimizers
        ):
            raise TypeError(
                "optimizers must be (optimizer_G, optimizer_D), two torch.optim.Optimizer, got "
                f"{[type(o).__name__ for o in optimizers]}"
            )
        if needed:
            families = {
                _optimiser_family(o, p)
                for o, p in zip(optimizers, ("generator", "discriminator"), strict=True)
            }
            if len(families - {"adam", "adamw"}) + (1 if families & {"adam", "adamw"} else 0) > 1:
                raise TypeError(
                    "optimizers: both players need one family (Adam/AdamW, RMSprop or SGD), got "
                    f"{sorted(families)}"
                )
        return optimizers

    def _tensorboard_sink(self, tensorboard: bool | None) -> Any:
        if tensorboard is False or (tensorboard is None and self.log_dir is None):
            return None
        if tensorboard is True and self.log_dir is None:
            raise ValueError("tensorboard=True needs a log_dir")
        from ._tensorboard import TensorBoardSink, available

        if not available():
            if tensorboard is True:
                raise ImportError(
                    "tensorboard=True needs the tensorboard package: "
                    "pip install 'gamedyn[tensorboard]'"
                )
            return None
        return TensorBoardSink(self.log_dir)

    def settings(self) -> dict[str, Any]:
        """The monitor's settings, as each record carries them."""
        options = {
            k: (str(v).removeprefix("torch.") if k in ("dtype", "device") else v)
            for k, v in self.game_options.items()
        }
        return {
            "k": self.k,
            "solver": self.solver.to_dict(),
            "which": list(self.which),
            "loss": self.loss,
            "alternating": self.alternating,
            "n_critic": self.n_critic,
            "first": self.first,
            "frozen": self.frozen,
            "probes": self.probes,
            "seed": self.seed,
            "max_seconds": self.max_seconds,
            "max_products": self.max_products,
            "schedule": getattr(self.schedule, "settings", lambda: repr(self.schedule))(),
            **options,
        }

    # --- the call ----------------------------------------------------------------------------

    def due(self, step: int) -> bool:
        """Whether ``step`` is a monitored step."""
        return bool(self.schedule(step))

    def __call__(self, step: int, *, real: Any, latent: Any) -> list[dict[str, Any]] | None:
        """At a monitored ``step``, analyse the live players on ``(real, latent)`` and log the
        records (returned); otherwise do nothing and return ``None``."""
        step = _validate.integer_at_least("step", step, 0)
        if not self.due(step):
            return None
        return self.analyse(step, real=real, latent=latent)

    def analyse(self, step: int, *, real: Any, latent: Any) -> list[dict[str, Any]]:
        """Analyse now, whatever the schedule (the records, also logged)."""
        modules = (self.generator, self.discriminator)
        records: list[dict[str, Any]] = []
        with isolated(modules, self.optimizers):
            start = time.perf_counter()
            game = TorchGame(
                self.generator, self.discriminator, self.loss, real, latent, **self.game_options
            )
            budget = _Budget(self.max_products, self.max_seconds, start)
            for quantity in self.quantities:
                records += self._quantity(quantity, game, budget)
        wall = time.time()
        settings = self.settings()
        for record in records:
            record.update(step=step, wall_time=wall, settings=settings)
            record = {"step": step, **record}
            self.history.append(record)
            if self._writer is not None:
                self._writer.append(record)
            if self._tensorboard is not None:
                self._tensorboard.write(step, record)
        if any(r.get("status") in ("budget", "skipped") for r in records):
            short = [
                f"{series_key(r)}: {r['status']}"
                for r in records
                if r.get("status") in ("budget", "skipped")
            ]
            warnings.warn(
                f"monitor step {step}: the budget ({self._budget_text()}) was reached before "
                f"every value converged ({'; '.join(short)}); what converged is recorded with its "
                "residuals",
                stacklevel=3,
            )
        return records

    def _budget_text(self) -> str:
        parts = []
        if self.max_products is not None:
            parts.append(f"max_products={self.max_products}")
        if self.max_seconds is not None:
            parts.append(f"max_seconds={self.max_seconds:g}")
        return ", ".join(parts)

    def _quantity(self, quantity: Any, game: TorchGame, budget: _Budget) -> list[dict[str, Any]]:
        if not isinstance(quantity, str):
            name, function = quantity
            start = time.perf_counter()
            value = function(game)
            return [
                {"quantity": name, "result": dict(value), "seconds": time.perf_counter() - start}
            ]
        if quantity == "jacobian":
            op = JacobianOperator(game, None, None, self.mode)
            return [self._spectrum("jacobian", which, op, game, budget) for which in self.which]
        if quantity == "optimiser":
            op = JacobianOperator(game, None, self._method(game), self.mode)
            record = self._spectrum("optimiser", "LM", op, game, budget)
            values = np.asarray([complex(*v) for v in record["eigenvalues"]])
            record["spectral_radius"] = float(np.abs(values).max()) if len(values) else None
            return [record]
        if quantity == "rotation":
            return [self._rotation(game, budget)]
        start = time.perf_counter()
        value = numerical_abscissa(game, matrix_free=True, tol=self.tol)
        return [
            {"quantity": quantity, "value": float(value), "seconds": time.perf_counter() - start}
        ]

    def _method(self, game: TorchGame) -> Any:
        from ..methods import optimiser_method, read_optimiser_state

        opt_g, opt_d = self.optimizers
        if isinstance(opt_g, torch.optim.SGD):  # the plain step: GDA's transforms, this schedule
            lr = (_sgd_lr(opt_g, "generator"), _sgd_lr(opt_d, "discriminator"))
            players = (PlainTransform(lr[0]), PlainTransform(lr[1]))
            if self.alternating:
                return Composed(Alternating(players, self.n_critic, self.first))
            return Composed(Simultaneous(players))
        record = read_optimiser_state(game, opt_g.state_dict(), opt_d.state_dict())
        schedule = {"alternating": self.alternating, "n_critic": self.n_critic, "first": self.first}
        return optimiser_method(record, frozen=self.frozen, **schedule)

    def _spectrum(
        self, quantity: str, which: str, op: JacobianOperator, game: TorchGame, budget: _Budget
    ) -> dict[str, Any]:
        key = quantity if which == "LM" else f"{quantity}:{which}"
        n = int(op.shape[0])
        k = self.k
        if k > n - 2:
            raise ValueError(f"k = {k} is too large for the {quantity} operator of size {n}")
        record: dict[str, Any] = {
            "quantity": quantity,
            "which": which,
            "n": n,
            "operator": op.operator,
        }
        products = budget.products_left(self._rates.get(key), op)
        try:
            result = _solve.solve(
                op, k, which, tol=self.tol, ncv=self.ncv, max_products=products,
                max_restarts=self.solver.max_restarts,
            )  # fmt: skip
        except ValueError as err:
            if products is None:
                raise
            record.update(
                status="skipped",
                message=str(err),
                eigenvalues=[],
                residuals=[],
                converged=False,
                products=0,
                seconds=0.0,
            )
            return record
        budget.spend(result.products)
        if result.products:
            self._rates[key] = result.seconds / result.products
        record.update(
            eigenvalues=[[float(v.real), float(v.imag)] for v in result.values],
            residuals=[float(r) for r in result.residuals],
            converged=bool(result.converged.all()),
            converged_values=[bool(c) for c in result.converged],
            status=result.status,
            products=int(result.products),
            seconds=float(result.seconds),
        )
        if result.vectors is not None:
            record["generator_share"] = _generator_share(result.vectors, game.n, game.nx)
        return record

    def _rotation(self, game: TorchGame, budget: _Budget) -> dict[str, Any]:
        probes = self.probes
        rate = self._rates.get("rotation", self._rates.get("jacobian"))
        left = budget.products_left(rate, None)
        if left is not None:
            probes = min(probes, left // 2)
        if probes < 2:
            return {
                "quantity": "rotation",
                "status": "skipped",
                "message": "no budget left",
                "products": 0,
                "seconds": 0.0,
            }
        start = time.perf_counter()
        blocks = rotation_by_block(game, probes, by="player", seed=self.seed, mode=self.mode)
        seconds = time.perf_counter() - start
        products = 2 * probes
        budget.spend(products)
        self._rates["rotation"] = seconds / products
        whole = blocks.pop("all")
        return {
            "quantity": "rotation",
            "value": float(whole.value),
            "stderr": float(whole.stderr),
            "blocks": {label: [float(r.value), float(r.stderr)] for label, r in blocks.items()},
            "probes": probes,
            "status": "converged" if probes == self.probes else "budget",
            "products": products,
            "seconds": seconds,
        }


def _generator_share(vectors: Tensor, n: int, nx: int) -> list[float]:
    """Per Ritz vector, the fraction ``‖x_G‖²/‖x‖²`` on the generator's coordinates (for an
    operator's state ``(z, m, v, ...)``: the generator's entries of every length-``n`` piece)."""
    size = vectors.shape[1]
    index = torch.arange(size, device=vectors.device) % n < nx
    mass = vectors.abs().square()
    return [float(v) for v in (mass[:, index].sum(1) / mass.sum(1)).cpu()]


class _Budget:
    """Products left in one monitored step (``max_products``, ``max_seconds``)."""

    def __init__(self, max_products: int | None, max_seconds: float | None, start: float):
        self.max_products, self.max_seconds, self.start = max_products, max_seconds, start
        self.used = 0

    def spend(self, products: int) -> None:
        self.used += int(products)

    def products_left(self, rate: float | None, op: JacobianOperator | None) -> int | None:
        """Products left by both budgets (``None``: unbounded). The seconds left become
        products at ``rate`` seconds each; with no rate yet, one product of ``op`` is timed."""
        left = None if self.max_products is None else max(self.max_products - self.used, 0)
        if self.max_seconds is None:
            return left
        seconds = self.max_seconds - (time.perf_counter() - self.start)
        if rate is None and op is not None:
            tick = time.perf_counter()
            op.apply(torch.ones(op.shape[0], dtype=torch.float64, device=op.device))
            rate = time.perf_counter() - tick
            self.spend(1)
            seconds -= rate
        if rate is None:  # nothing to time it with (rotation first): the products budget only
            return left
        by_time = int(max(seconds, 0.0) / rate) if rate > 0 else left
        return by_time if left is None or by_time is None else min(left, by_time)
