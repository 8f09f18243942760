"""``noise_floor``: the stationary mean-squared error against the step size under gradient noise.

Additive noise ``ξ ~ N(0, σ² I)`` on every gradient evaluation, on a bilinear game
(``A = diag(1, 0.5)``) and a rotational quadratic game (``J = 0.1 I + [[0, A], [−Aᵀ, 0]]``).
For GDA, extragradient (SEM: independent samples), lookahead-GDA and lookahead-extragradient
(``k = 5``, ``α = 0.5``): the exact noise floor ``lim E‖z_t − z*‖²``
(:func:`~gamedyn.stochastic.stationary_mse`, lines; absent where the method is unstable), its
Monte Carlo estimate at a few step sizes (points with 2-standard-error bars), and the exact
mean-squared error after an **equal gradient budget** of ``G`` evaluations from
``z_0 = z* + 1`` (:func:`~gamedyn.stochastic.mse_curve` at ``G / evaluations-per-step``;
dashed): the per-iterate variance and what a fixed number of gradients buys.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..games import Bilinear, Quadratic
from ..games._stochastic import AdditiveNoise
from ..methods import GDA, ExtraGradient, Lookahead
from ..stochastic import linearise, mse_curve, stationary_mse, stochastic_run
from ..stochastic._moments import _stationary_state
from .registry import figure

__all__ = [
    "NOISE_FLOOR",
    "FloorCurve",
    "noise_floor_games",
    "noise_floor_methods",
    "noise_floor_curves",
    "lookahead_verdict",
]

NOISE_FLOOR = {"sigma2": 0.1, "k": 5, "alpha": 0.5, "budget": 400, "runs": 1000, "seed": 0}
"""Noise variance, lookahead's ``(k, α)``, the gradient budget ``G``, Monte Carlo runs."""


class FloorCurve(NamedTuple):
    """One method on one game: step sizes, exact floor (nan: unstable), the MSE after the
    gradient budget, and Monte Carlo ``(lr, mean, standard error)`` points."""

    game: str
    label: str
    lrs: np.ndarray
    floor: np.ndarray
    budget: np.ndarray
    monte_carlo: np.ndarray


def noise_floor_games() -> dict[str, Quadratic]:
    """The two games of the figure."""
    A = np.diag([1.0, 0.5])
    return {
        "bilinear": Bilinear(A),
        "rotational quadratic": Quadratic(0.1 * np.eye(2), 0.1 * np.eye(2), A, -A.T),
    }


def noise_floor_methods(lr: float, k: int, alpha: float) -> dict[str, tuple]:
    """Label → ``(method, gradient evaluations per step)``."""
    return {
        "GDA": (GDA(lr), 1),
        "extragradient": (ExtraGradient(lr), 2),
        f"lookahead-GDA (k={k}, α={alpha})": (Lookahead(GDA(lr), k, alpha), k),
        f"lookahead-EG (k={k}, α={alpha})": (Lookahead(ExtraGradient(lr), k, alpha), 2 * k),
    }


def _rho(method, game) -> float:
    lin = linearise(method, game, _stationary_state(method, game, game.default_point()))
    return float(np.abs(np.linalg.eigvals(lin.T)).max())


def noise_floor_curves(small: bool = False, monte_carlo: bool = True) -> list[FloorCurve]:
    """The numbers of the figure (module docstring); Monte Carlo at ``lr ∈ {0.1, 0.4}`` where
    the method is stable (``--small``: 8 step sizes, Monte Carlo at 0.4 only, 200 runs)."""
    s = NOISE_FLOOR
    lrs = np.geomspace(0.02, 1.2, 8 if small else 40)
    runs = 200 if small else s["runs"]
    out = []
    for name, game in noise_floor_games().items():
        z_star = game.default_point()
        z0 = z_star + 1.0
        for label in noise_floor_methods(0.1, s["k"], s["alpha"]):
            floor, budget = np.full(lrs.size, np.nan), np.full(lrs.size, np.nan)
            for i, lr in enumerate(lrs):
                method, evals = noise_floor_methods(float(lr), s["k"], s["alpha"])[label]
                steps = s["budget"] // evals
                budget[i] = mse_curve(method, game, s["sigma2"], z0, steps)[-1]
                if _rho(method, game) < 1:
                    floor[i] = stationary_mse(method, game, s["sigma2"])
            points = []
            for lr in ((0.4,) if small else (0.1, 0.4)) if monte_carlo else ():
                method, _ = noise_floor_methods(lr, s["k"], s["alpha"])[label]
                rho = _rho(method, game)
                if rho >= 1:
                    continue
                steps = int(min(3000, np.ceil(np.log(1e-3) / (2 * np.log(rho)))))
                noisy = AdditiveNoise(game, s["sigma2"])
                final = stochastic_run(method, noisy, z_star, steps, runs=runs, seed=s["seed"])
                sq = ((final[:, -1] - z_star.numpy()) ** 2).sum(1)
                points.append((lr, sq.mean(), sq.std(ddof=1) / np.sqrt(runs)))
            out.append(FloorCurve(name, label, lrs, floor, budget, np.array(points).reshape(-1, 3)))
    return out


def lookahead_verdict(curves: list[FloorCurve]) -> dict[str, dict[str, float]]:
    """Per game and base method: the ratio lookahead / base of the floor at equal step size
    (median over the step sizes where both are stable; below 1: lookahead lowers the variance)
    and of the best MSE after the equal gradient budget (min over step sizes)."""
    out: dict[str, dict[str, float]] = {}
    by = {(c.game, c.label.split(" (")[0]): c for c in curves}
    for game in dict.fromkeys(c.game for c in curves):
        for base, la in (("GDA", "lookahead-GDA"), ("extragradient", "lookahead-EG")):
            b, a = by[(game, base)], by[(game, la)]
            both = np.isfinite(b.floor) & np.isfinite(a.floor)
            floor = float(np.median(a.floor[both] / b.floor[both])) if both.any() else np.nan
            best = float(np.nanmin(a.budget) / np.nanmin(b.budget))
            out[f"{game}: {la} / {base}"] = {
                "floor ratio at equal lr": floor,
                "best budget-MSE ratio": best,
                "stable lrs (base)": int(np.isfinite(b.floor).sum()),
                "stable lrs (lookahead)": int(np.isfinite(a.floor).sum()),
            }
    return out


@figure
def make_noise_floor(out_dir: Path, small: bool) -> list[Path]:
    """Noise floors against the step size: GDA, EG and their lookahead versions, equal budget."""
    from .layout import grid, save

    curves = noise_floor_curves(small)
    games = list(dict.fromkeys(c.game for c in curves))
    fig, axes = grid(len(games), 2, 5.0)
    for ax, game in zip(axes, games, strict=True):
        for c in (c for c in curves if c.game == game):
            (line,) = ax.plot(c.lrs, c.floor, label=f"{c.label}: floor")
            ax.plot(c.lrs, c.budget, "--", color=line.get_color(), lw=1)
            if c.monte_carlo.size:
                mc = c.monte_carlo
                ax.errorbar(mc[:, 0], mc[:, 1], 2 * mc[:, 2], fmt="o", color=line.get_color())
        floors = np.concatenate([c.floor for c in curves if c.game == game])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(0.5 * np.nanmin(floors), 20 * np.nanmax(floors))  # diverging budgets cut
        ax.set_xlabel("step size lr")
        ax.set_ylabel("E‖z − z*‖²")
        ax.set_title(
            f"{game}: floor (solid, MC points), after {NOISE_FLOOR['budget']} gradients (dashed)",
            fontsize=8,
        )
    axes[0].legend(fontsize=7)
    return save(fig, out_dir, "noise_floor")
