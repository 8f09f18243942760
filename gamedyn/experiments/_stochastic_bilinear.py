"""The stochastic bilinear experiment: in the authors' setting, and gamedyn's teaching instance.

**The authors' setting** (:func:`notebook_curves`) is the experiment of Chavdarova et al.'s
released notebook ``bilinear_game/LA-MM_stochastic_bilinear.ipynb`` (LAGAN repository), the
figure "stochastic bilinear game" of "Taming GANs with Lookahead-Minmax" (ICLR 2021), as that
code runs it:

* the problem (:func:`notebook_problem`): ``d = N = 100``,
  ``f_i(x, y) = xᵀM_i y + a_iᵀx + b_iᵀy``, ``M_i = e_i e_iᵀ``, ``a_i, b_i ~ N(0, I/d)``, ``x``
  descending and ``y`` ascending; the start ``x_0, y_0 ~ N(0, I/d)``; all drawn, in their order,
  from numpy's legacy generator seeded with the problem's seed (``0 … 4``: five problems, one
  run each); the solution ``y* = −M̄⁻¹ā``, ``x* = −M̄⁻ᵀb̄``;
* sampling: a gradient evaluation draws ``B`` distinct indices (one uniform index for
  ``B = 1``; all ``N`` for the full batch) and *sums* their gradients (not the mean); a fresh
  draw for every evaluation: one per step for GDA, Adam and lookahead-GDA, three per step for
  the extragradient methods (one at ``z_t`` for both players' extrapolation, one for ``x``'s
  update at ``(x_t, y½)``, one for ``y``'s at ``(x½, y_t)``);
* the methods and their step sizes per batch size (:data:`NOTEBOOK_METHODS`): Adam as their
  ``AdamOpt`` computes it (:class:`NotebookAdam`: the first moment bias-corrected, the second
  not; β₂ = 0.999, ε = 1e-8, β₁ as set per panel, negative for large batches), Extra-Adam
  (:class:`MixedExtrapolation` over it: one Adam state updated by the extrapolation and the
  update at the *same* step count), extragradient (the same schedule over a plain step),
  lookahead around simultaneous GDA (α = 0.3, their ``k`` per batch size, the slow weights from
  the start);
* the distance ``‖x − x*‖ + ‖y − y*‖``, against the number of passes (gradient evaluations),
  20,000 of them, its mean and standard deviation over the five problems.

The five problems are run as one stacked game (:class:`NotebookProblems`): every method here is
entrywise in the players' parts, so a run of the stack is five independent runs, each with its
own samples. :data:`PAPER_OUTCOME` is what the paper reports; :func:`notebook_outcome` says the
same of gamedyn's runs.

**The teaching instance** (:func:`stochastic_bilinear_curves`) is gamedyn's small version of
the variational-inequality paper's experiment (``d = 4``, start at 0, ``lr = 0.3``, the joint
distance ``‖z_t − z*‖``, independent samples for SEM's two evaluations, or one per step), used
by notebook 06 to teach which methods diverge, stall or converge; it is not the authors' setting.
What it shows (200 runs, median ``‖z_t − z*‖`` from 3.30 at ``t = 0``): at ``t = 200 / 1000``,
SGD 39 / 2.5e5 and SEM 16 / 1.5e3 diverge; averaging holds them far lower (AvgSGD 3.2 / 4.3e3,
SEM + averaging 1.4 / 29) but cannot stop the divergence; extragradient with one sample per step
stalls at a noise floor (3.3 / 3.1) and its uniform average settles near 0.74.

References:
  Chavdarova, Pagliardini, Stich, Fleuret and Jaggi, "Taming GANs with Lookahead-Minmax", ICLR
  2021. Gidel, Berard, Vignoud, Vincent and Lacoste-Julien, "A Variational Inequality
  Perspective on Generative Adversarial Networks", ICLR 2019, §7.1.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from ..backends import TorchOps
from ..games import Bilinear, StochasticGame, seed_bilinear
from ..methods import (
    GDA,
    AdamTransform,
    Count,
    ExtraGradient,
    IterateAverage,
    Lookahead,
    Method,
    Ops,
    PlainTransform,
    Play,
    Simultaneous,
    State,
    Vec,
)
from ..stochastic import distances, stochastic_run

__all__ = [
    "NOTEBOOK",
    "NOTEBOOK_METHODS",
    "PAPER_OUTCOME",
    "NotebookAdam",
    "MixedExtrapolation",
    "NotebookProblems",
    "NotebookCurve",
    "notebook_problem",
    "notebook_method",
    "notebook_run",
    "notebook_curves",
    "notebook_outcome",
    "STOCHASTIC_BILINEAR",
    "BilinearCurve",
    "stochastic_bilinear_curves",
]

NOTEBOOK = {"d": 100, "passes": 20000, "problems": 5, "seed": 0}
"""The released notebook's size, passes and number of problems (seeds ``0 … problems − 1``);
``seed`` seeds gamedyn's sampling (the notebook's own draws are not reproducible: it samples
minibatches with Python's unseeded ``random``)."""

NOTEBOOK_METHODS: dict[str, dict[str, dict[str, float]]] = {
    "full batch": {
        "Adam": {"lr": 0.005, "beta1": -0.9},
        "Extra-Adam": {"lr": 0.02, "beta1": -0.6},
        "Extragradient": {"lr": 0.8},
        "LA-GDA": {"lr": 0.2, "k": 15, "alpha": 0.3},
    },
    "B = 64": {
        "Adam": {"lr": 0.005, "beta1": -0.6},
        "Extra-Adam": {"lr": 0.01, "beta1": -0.2},
        "Extragradient": {"lr": 0.005},
        "LA-GDA": {"lr": 0.005, "k": 450, "alpha": 0.3},
    },
    "B = 16": {
        "Adam": {"lr": 0.005, "beta1": -0.3},
        "Extra-Adam": {"lr": 0.005, "beta1": 0.0},
        "Extragradient": {"lr": 0.005},
        "LA-GDA": {"lr": 0.01, "k": 1500, "alpha": 0.3},
    },
    "B = 4": {
        "Adam": {"lr": 0.005, "beta1": -0.1},
        "Extra-Adam": {"lr": 0.01, "beta1": 0.0},
        "Extragradient": {"lr": 0.04},
        "LA-GDA": {"lr": 0.03, "k": 2350, "alpha": 0.3},
    },
    "B = 1": {
        "Adam": {"lr": 0.005, "beta1": 0.0},
        "Extra-Adam": {"lr": 0.005, "beta1": 0.0},
        "Extragradient": {"lr": 0.005},
        "LA-GDA": {"lr": 0.05, "k": 2450, "alpha": 0.3},
    },
}
"""Per batch size, each method's settings as the notebook's cells set them (``lr`` = their
``gamma``; Adam's β₂ = 0.999 and ε = 1e-8 throughout)."""

BATCHES = {"full batch": None, "B = 64": 64, "B = 16": 16, "B = 4": 4, "B = 1": 1}

PAPER_OUTCOME = {
    "full batch": {"Adam": "converges", "Extra-Adam": "converges",
                   "Extragradient": "converges", "LA-GDA": "converges"},
    "B = 64": {"Adam": "does not converge", "Extra-Adam": "does not converge",
               "Extragradient": "does not converge", "LA-GDA": "converges"},
    "B = 16": {"Adam": "does not converge", "Extra-Adam": "does not converge",
               "Extragradient": "does not converge", "LA-GDA": "converges"},
    "B = 1": {"Adam": "does not converge", "Extra-Adam": "does not converge",
              "Extragradient": "does not converge", "LA-GDA": "converges"},
}  # fmt: skip
"""What the paper reports from these runs (its stochastic-bilinear figure: full batch, B = 64,
16, 1): with the full batch every method converges; with a stochastic gradient only lookahead
(LA-GDA, and SVRE, not run here) reaches the optimum, the baselines stay away from it."""


class NotebookAdam(AdamTransform):
    """The notebook's ``AdamOpt``: ``m⁺ = β₁m + (1 − β₁)g``, ``v⁺ = β₂v + (1 − β₂)g²``,
    ``u = lr · m⁺/(1 − β₁ᵗ) / (√v⁺ + ε)`` — the first moment bias-corrected, the second *not*
    (``torch.optim.Adam`` divides ``√v⁺`` by ``√(1 − β₂ᵗ)``), ``t`` the 1-based step."""

    def update(self, ops: Ops, g: Vec, w: Vec, slots: tuple, t: int | None) -> tuple[Vec, tuple]:
        if self.second_moment is not None or t is None:
            raise ValueError("NotebookAdam is the tracked optimiser only")
        m = self.beta1 * slots[0] + (1 - self.beta1) * g
        v = self.beta2 * slots[1] + (1 - self.beta2) * (g * g)
        return (self.lr / (1 - self.beta1**t)) * (m / (ops.sqrt(v) + self.eps)), (m, v)


class MixedExtrapolation(Play):
    """The notebook's extragradient (``sgd_sga(..., extra=True)``): one optimiser state, mixed
    update points, three gradient evaluations per step.

    ``(u, s½) = T(v(z_t); s)`` at step number ``t + 1``; ``x½, y½ = z_t − u``;
    ``g = (v_x(x_t, y½), v_y(x½, y_t))`` from two evaluations; ``(u', s⁺) = T(g; s½)`` at the
    *same* step number; ``z⁺ = z_t − u'``. Over a plain step it is the notebook's extragradient,
    over :class:`NotebookAdam` its Extra-Adam.
    """

    def step(self, ops: Ops, state: State) -> State:
        z, slots, extras, flags, counts = self._unpack(state)
        t = int(counts[0]) + 1 if counts else None
        transform = self.players[0]
        u, slots = transform.update(ops, ops.field(z), z, slots, t)
        (x, y), (x_half, y_half) = ops.split(z), ops.split(z - u)
        g_x = ops.split(ops.field(ops.join(x, y_half)))[0]
        g_y = ops.split(ops.field(ops.join(x_half, y)))[1]
        u, slots = transform.update(ops, ops.join(g_x, g_y), z, slots, t)
        new_counts = (Count(t), Count(t)) if counts else ()
        return self._pack(z - u, slots, extras, flags, new_counts)


def notebook_method(name: str, settings: dict[str, float]) -> Method:
    """One of the notebook's methods (``"Adam"``, ``"Extra-Adam"``, ``"Extragradient"``,
    ``"LA-GDA"``) with its settings from :data:`NOTEBOOK_METHODS`."""
    lr = settings["lr"]
    if name == "Adam":
        return Simultaneous(NotebookAdam(lr, settings["beta1"], 0.999, 1e-8))
    if name == "Extra-Adam":
        return MixedExtrapolation(NotebookAdam(lr, settings["beta1"], 0.999, 1e-8))
    if name == "Extragradient":
        return MixedExtrapolation(PlainTransform(lr))
    if name == "LA-GDA":
        return Lookahead(GDA(lr), int(settings["k"]), settings["alpha"])
    raise ValueError(f"unknown notebook method {name!r}")


def notebook_problem(seed: int, d: int = 100) -> dict[str, np.ndarray]:
    """The notebook's ``build_problem(seed, n=d, d=d)``: ``x0``, ``y0``, ``a``, ``b`` (``N × d``;
    ``M_i = e_i e_iᵀ``), ``x_star``, ``y_star``, drawn in its order from numpy's legacy
    generator."""
    rng = np.random.RandomState(seed)
    x0 = 1.0 / np.sqrt(d) * rng.randn(d)  # their rounding: (1/√d)·ξ
    y0 = 1.0 / np.sqrt(d) * rng.randn(d)
    a, b = np.zeros((d, d)), np.zeros((d, d))
    for i in range(d):
        a[i] = 1.0 / np.sqrt(d) * rng.randn(d)
        b[i] = 1.0 / np.sqrt(d) * rng.randn(d)
    M_mean = np.eye(d) / d
    y_star = np.linalg.solve(M_mean, -a.mean(0))
    x_star = np.linalg.solve(M_mean.T, -b.mean(0))
    return {"x0": x0, "y0": y0, "a": a, "b": b, "x_star": x_star, "y_star": y_star}


class NotebookProblems(StochasticGame):
    """Several of the notebook's problems stacked into one stochastic game.

    ``z = (x_1, …, x_P, y_1, …, y_P)``; a sample holds, for each problem, the number of times
    each index was drawn (``B`` distinct indices, all ``N`` when ``batch`` is ``None``), and its
    field is each problem's *summed* minibatch gradient,
    ``v_x = Σ_{i∈S} (M_i y + a_i)``, ``v_y = −Σ_{i∈S} (M_iᵀ x + b_i)`` — the notebook's
    ``minibatch_update`` (``M_i = e_i e_iᵀ``, so ``Σ w_i M_i y = w ⊙ y``). The mean game is the
    expected sample field: ``Bilinear((B/N) I, B ā, B b̄)`` per problem.

    Args:
      problems: :func:`notebook_problem` dictionaries.
      batch: ``B`` (``1 ≤ B ≤ N``), or ``None`` for the full batch.
    """

    def __init__(self, problems: list[dict[str, np.ndarray]], batch: int | None):
        self.P = len(problems)
        self.d = problems[0]["a"].shape[1]
        self.N = problems[0]["a"].shape[0]
        if self.N != self.d:
            raise ValueError(f"the notebook's problems have N = d, got N = {self.N}, d = {self.d}")
        self.batch = batch
        B = self.N if batch is None else batch
        if not 1 <= B <= self.N:
            raise ValueError(f"batch must lie in [1, {self.N}] or be None, got {batch!r}")
        self.a = torch.tensor(np.stack([p["a"] for p in problems]))  # P × N × d
        self.b = torch.tensor(np.stack([p["b"] for p in problems]))
        n = self.P * self.d
        self.mean = Bilinear(
            (B / self.N) * torch.eye(n, dtype=torch.float64),
            B * self.a.mean(1).reshape(-1),
            B * self.b.mean(1).reshape(-1),
        )
        self.z0 = np.concatenate([p["x0"] for p in problems] + [p["y0"] for p in problems])
        self.x_star = np.stack([p["x_star"] for p in problems])
        self.y_star = np.stack([p["y_star"] for p in problems])

    def sample(self, generator: torch.Generator, count: int) -> torch.Tensor:
        if self.batch is None:
            return torch.ones(count, self.P, self.N, dtype=torch.float64)
        if self.batch == 1:
            idx = torch.randint(self.N, (count, self.P, 1), generator=generator)
        else:
            keys = torch.rand(count, self.P, self.N, generator=generator, dtype=torch.float64)
            idx = keys.argsort(-1)[..., : self.batch]  # B distinct indices
        w = torch.zeros(count, self.P, self.N, dtype=torch.float64)
        return w.scatter_(-1, idx, 1.0)

    def field(self, z: torch.Tensor, sample: torch.Tensor) -> torch.Tensor:
        x, y = z[: self.P * self.d].view(self.P, self.d), z[self.P * self.d :].view(self.P, self.d)
        v_x = sample * y + torch.einsum("pn,pnd->pd", sample, self.a)
        v_y = -(sample * x + torch.einsum("pn,pnd->pd", sample, self.b))
        return torch.cat([v_x.reshape(-1), v_y.reshape(-1)])

    def distances(self, z: np.ndarray) -> np.ndarray:
        """Each problem's ``‖x − x*‖ + ‖y − y*‖`` at a stacked iterate ``z``."""
        half = self.P * self.d
        x, y = z[:half].reshape(self.P, self.d), z[half:].reshape(self.P, self.d)
        return np.linalg.norm(x - self.x_star, axis=1) + np.linalg.norm(y - self.y_star, axis=1)


class _SampleOps:
    """``ops`` whose field is one fixed sample's, counting its calls (a step's evaluations)."""

    def __init__(self, ops: TorchOps, game: NotebookProblems, sample: torch.Tensor):
        self.ops, self.game, self.sample, self.calls = ops, game, sample, 0

    def field(self, z: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.game.field(z, self.sample)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ops, name)


class _Recording:
    """Sampled ops for one step: the ``k``-th field evaluation uses ``samples[k]``; lookahead's
    fast steps (``repeat``) are run one by one and their iterates recorded, as the notebook
    records its fast iterate at every step."""

    def __init__(self, ops: TorchOps, game: NotebookProblems, samples: torch.Tensor, record):
        self.ops, self.game, self.samples, self.record, self.calls = ops, game, samples, record, 0

    def field(self, z: torch.Tensor) -> torch.Tensor:
        sample = self.samples[self.calls]
        self.calls += 1
        return self.game.field(z, sample)

    def repeat(self, step, k: int, state: State) -> State:
        for _ in range(k):
            state = step(state)
            self.record(state[0], self.calls)
        return state

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ops, name)


def notebook_run(method: Method, game: NotebookProblems, passes: int, seed: int) -> tuple:
    """``(passes_at, distances, z)``: the distances ``(records, P)`` after each (fast) step of
    ``method`` from the problems' start, sampled with ``seed``, for at most ``passes`` gradient
    evaluations (whole steps; a lookahead step is a cycle), and the last iterate."""
    ops = TorchOps(game.mean)  # split, join, sqrt (its field, a dense n × n product, unused)
    state = method.init(torch.tensor(game.z0))
    counting = _SampleOps(ops, game, game.sample(torch.Generator().manual_seed(0), 1)[0])
    with torch.no_grad():
        method.step(counting, state)
    per_step = counting.calls
    generator = torch.Generator().manual_seed(seed)
    done, at, dist = 0, [0], [game.distances(game.z0)]

    def record(z: torch.Tensor, calls: int) -> None:
        at.append(done + calls)
        dist.append(game.distances(z.numpy()))

    with torch.no_grad():
        while done + per_step <= passes:
            samples = game.sample(generator, per_step)
            recording = _Recording(ops, game, samples, record)
            new = method.step(recording, state)
            if not isinstance(method, Lookahead):  # lookahead's fast iterates are recorded
                record(method.output(new), per_step)  # (the notebook never records a synced one)
            state, done = new, done + per_step
            if not np.all(np.isfinite(dist[-1])):
                break
    return np.array(at), np.array(dist), method.output(state).numpy()


class NotebookCurve(NamedTuple):
    """One method in one panel: passes, and the distance's mean and standard deviation over
    the problems (as the notebook's ``curve_mean``, ``curve_std``), and each problem's."""

    panel: str
    label: str
    passes: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    runs: np.ndarray


def notebook_curves(
    small: bool = False, panels: tuple[str, ...] = ("full batch", "B = 64", "B = 16", "B = 1")
) -> list[NotebookCurve]:
    """The notebook's runs with gamedyn (module docstring): every method of
    :data:`NOTEBOOK_METHODS` in each panel, ``NOTEBOOK["passes"]`` passes on the five problems
    (``small``: 5,000 passes on two problems: two cycles of the longest lookahead)."""
    s = dict(NOTEBOOK)
    if small:
        s.update(passes=5000, problems=2)
    problems = [notebook_problem(seed, s["d"]) for seed in range(s["problems"])]
    out = []
    for panel in panels:
        game = NotebookProblems(problems, BATCHES[panel])
        for label, settings in NOTEBOOK_METHODS[panel].items():
            method = notebook_method(label, settings)
            at, dist, _ = notebook_run(method, game, s["passes"], s["seed"])
            out.append(NotebookCurve(panel, label, at, dist.mean(1), dist.std(1), dist))
    return out


def notebook_outcome(curves: list[NotebookCurve]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per panel and method: the mean distance at the start and at the last pass, and the
    verdict: ``"converges"`` (below 10 % of the start), ``"approaches"`` (below 60 %),
    ``"diverges"`` (above 150 %, or not finite), else ``"does not converge"``; and the paper's
    (:data:`PAPER_OUTCOME`)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for c in curves:
        start, end = float(c.mean[0]), float(c.mean[-1])
        if not np.isfinite(end) or end > 1.5 * start:
            verdict = "diverges"
        elif end < 0.1 * start:
            verdict = "converges"
        elif end < 0.6 * start:
            verdict = "approaches"
        else:
            verdict = "does not converge"
        out.setdefault(c.panel, {})[c.label] = {
            "start": start,
            "end": end,
            "passes": int(c.passes[-1]),
            "verdict": verdict,
            "paper": PAPER_OUTCOME.get(c.panel, {}).get(c.label),
        }
    return out


# --- gamedyn's teaching instance -------------------------------------------------------------

STOCHASTIC_BILINEAR = {"d": 4, "lr": 0.3, "steps": 1000, "runs": 200, "seed": 0}
"""The teaching instance's settings (``small``: 200 steps, 40 runs)."""


class BilinearCurve(NamedTuple):
    """One method's distance ``‖z_t − z*‖`` over steps: median and the 10 % and 90 % quantiles."""

    label: str
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray


def stochastic_bilinear_curves(
    small: bool = False, d: int | None = None, lr: float | None = None
) -> list[BilinearCurve]:
    """The teaching instance's curves (module docstring), seeded: stochastic GDA, AvgSGD, SEM
    (independent samples), SEM with averaging, and extragradient with one sample per step, with
    and without averaging, on :func:`~gamedyn.games.seed_bilinear` from ``z = 0``."""
    s = dict(STOCHASTIC_BILINEAR)
    if small:
        s.update(steps=200, runs=40)
    d = s["d"] if d is None else d
    lr = s["lr"] if lr is None else lr
    game = seed_bilinear(d, seed=s["seed"])
    z_star = game.mean.default_point().numpy()
    z0 = np.zeros(game.n)
    methods = [
        ("SGD (stochastic GDA)", GDA(lr), False),
        ("AvgSGD", IterateAverage(GDA(lr)), False),
        ("SEM", ExtraGradient(lr), False),
        ("SEM + averaging", IterateAverage(ExtraGradient(lr)), False),
        ("EG, one sample per step", ExtraGradient(lr), True),
        ("EG, one sample + averaging", IterateAverage(ExtraGradient(lr)), True),
    ]
    curves = []
    for label, method, same in methods:
        out = stochastic_run(
            method, game, z0, s["steps"], runs=s["runs"], seed=s["seed"], same_sample=same
        )
        dist = distances(out, z_star)
        low, median, high = np.quantile(dist, [0.1, 0.5, 0.9], axis=0)
        curves.append(BilinearCurve(label, median, low, high))
    return curves
