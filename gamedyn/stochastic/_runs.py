"""Stochastic runs: a fresh sample for every gradient evaluation a method makes, many runs at once.

:func:`stochastic_run` iterates ``method`` on a
:class:`~gamedyn.games.StochasticGame`. Each step of each run draws the samples its
field evaluations need (:mod:`gamedyn.stochastic`: one per evaluation, or one per base
step with ``same_sample=True``; stored gradients are reused, never redrawn; lookahead's fast
steps draw their own). The samples of all runs for one step are drawn together from one
``torch.Generator`` seeded with ``seed``, so the result is reproducible given
``(seed, runs)``, and the vectorised path (``torch.func.vmap`` over the runs, for games whose
field batches) and the looped path draw the same samples and give the same iterates. Small
games run far faster on one torch thread (``torch.set_num_threads(1)``;
``benchmarks/bench_stochastic.py``: 25–60× on a shared 2-core machine); the function leaves
the thread count as it finds it.

Example (GDA on ``v(z) = z`` with unit noise: the stationary variance is ``η/(2 − η)``):
  >>> import numpy as np
  >>> from gamedyn.games import Quadratic
  >>> from gamedyn.games._stochastic import AdditiveNoise
  >>> from gamedyn.methods import GDA
  >>> game = AdditiveNoise(Quadratic([[1.0]], [[1.0]], [[0.0]], [[0.0]]), 1.0)
  >>> out = stochastic_run(GDA(0.5), game, [0.0, 0.0], 40, runs=4000, seed=0)
  >>> out.shape, bool(abs(out[:, -1].var() - 0.5 / 1.5) < 0.03)
  ((4000, 41, 2), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.func import vmap

from .. import _validate
from ..backends._dense import TorchOps
from ..backends._state import flatten, unflatten
from ..games._stochastic import StochasticGame
from ..methods import Method, is_count
from ._sampling import SampledOps, evaluations, sample_group

__all__ = ["stochastic_run", "distances"]


def stochastic_run(
    method: Method,
    game: StochasticGame,
    z0: Any,
    steps: int,
    runs: int = 1,
    seed: int = 0,
    same_sample: bool = False,
    vectorise: bool | None = None,
) -> np.ndarray:
    """``runs`` independent stochastic runs of ``method`` from ``z0``.

    Args:
      method: any method (a stored gradient, such as optimistic GDA's, is reused, not redrawn).
      game: the stochastic game.
      z0: the start, the same for every run.
      steps: steps per run (a lookahead step is a whole cycle of ``k`` fast steps).
      runs: the number of runs.
      seed: the generator's seed.
      same_sample: one sample per base step instead of one per evaluation.
      vectorise: batch the runs with ``vmap`` (default: when the game's field batches).

    Returns:
      ``(runs, steps + 1, n)``: row ``[r, t]`` is run ``r``'s ``method.output`` at step ``t``.
    """
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    if not isinstance(game, StochasticGame):
        raise TypeError(f"game must be a StochasticGame, got {type(game).__name__}")
    steps = _validate.integer_at_least("steps", steps, 0)
    runs = _validate.integer_at_least("runs", runs, 1)
    seed = _validate.seed("seed", seed)
    _validate.allocation(f"{runs} runs of {steps + 1} iterates", 8.0 * runs * (steps + 1) * game.n)
    vectorise = game.vectorised if vectorise is None else bool(vectorise)
    mean_ops = TorchOps(game.mean)
    z0 = game.mean.point(z0, "z0")
    state = method.init(z0)
    group = sample_group(method, mean_ops, z0, same_sample)
    with torch.no_grad():
        per_step = max(
            evaluations(method, mean_ops, state),
            evaluations(method, mean_ops, method.step(mean_ops, state)),
        )
    g = -(-per_step // group)
    generator = torch.Generator().manual_seed(seed)
    out = np.empty((runs, steps + 1, game.n))
    out[:, 0] = method.output(state).detach().cpu().numpy()
    template: list = [e if is_count(e) else None for e in state]

    def one(s: torch.Tensor, samples: torch.Tensor, template: tuple) -> tuple:
        ops = SampledOps(mean_ops, game.field, samples, group)
        new = method.step(ops, unflatten(s, template))
        counts[:] = [e if is_count(e) else None for e in new]
        return flatten(new), method.output(new)

    counts: list = []
    with torch.no_grad():
        if vectorise:
            s = flatten(state).expand(runs, -1).clone()
            for t in range(1, steps + 1):
                samples = _draw(game, generator, runs, g)
                frozen = tuple(template)
                s, output = vmap(lambda a, b, f=frozen: one(a, b, f))(s, samples)
                template = list(counts)
                out[:, t] = output.cpu().numpy()
        else:
            states = [flatten(state)] * runs
            for t in range(1, steps + 1):
                samples = _draw(game, generator, runs, g)
                frozen = tuple(template)
                for r in range(runs):
                    states[r], output = one(states[r], samples[r], frozen)
                    out[r, t] = output.cpu().numpy()
                template = list(counts)
    return out


def _draw(game: StochasticGame, generator: torch.Generator, runs: int, g: int) -> torch.Tensor:
    samples = game.sample(generator, runs * g)
    return samples.reshape(runs, g, *samples.shape[1:])


def distances(iterates: np.ndarray, z_star: Any) -> np.ndarray:
    """``‖z_t − z*‖`` of every run and step: ``(runs, steps + 1)`` from :func:`stochastic_run`."""
    z_star = np.asarray(z_star, dtype=float).reshape(1, 1, -1)
    return np.sqrt(np.sum((iterates - z_star) ** 2, axis=-1))
