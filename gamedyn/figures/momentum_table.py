"""``momentum_table``: Gidel et al. (2019)'s table of heavy-ball momentum on ``x·y``.

References:
  Gidel, Askari Hemmat, Pezeshki, Le Priol, Huang, Lacoste-Julien and Mitliagkas, "Negative
  Momentum for Improved Game Dynamics", AISTATS 2019.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .._atomic import write_text
from ..games import Bilinear
from ..methods import Momentum
from ..spectrum import spectral_radius
from .registry import figure

__all__ = ["MOMENTUM_LR", "MOMENTUM_BETAS", "momentum_rows", "momentum_markdown"]

MOMENTUM_LR = 0.5
MOMENTUM_BETAS = (-0.9, -0.5, -0.1, 0.0, 0.1, 0.5, 0.9)


def momentum_rows(lr: float = MOMENTUM_LR, betas: Iterable[float] = MOMENTUM_BETAS) -> list[dict]:
    """Gidel et al. (2019)'s momentum table, computed on the bilinear game ``x·y``.

    For each update (simultaneous, alternating) and ``β``: the spectral radius ``ρ`` of the
    augmented operator at the equilibrium, *bounded* when ``ρ ≤ 1`` (to 1e-12) and *converges*
    when ``ρ < 1``.
    """
    game, z = Bilinear([[1.0]]), np.zeros(2)
    rows = []
    for alternating in (False, True):
        for beta in betas:
            rho = spectral_radius(Momentum(lr, beta, alternating=alternating), game, z)
            rows.append(
                {
                    "update": "alternating" if alternating else "simultaneous",
                    "beta": beta,
                    "bounded": rho <= 1 + 1e-12,
                    "converges": rho < 1 - 1e-12,
                    "spectral radius": rho,
                }
            )
    return rows


def momentum_markdown(rows: list[dict], lr: float = MOMENTUM_LR) -> str:
    """The rows of :func:`momentum_rows` as a Markdown table with a two-line caption."""
    lines = [
        f"Heavy-ball momentum on the bilinear game x·y, lr = {lr}: spectral radius of",
        "the augmented operator at the equilibrium (bounded: ρ ≤ 1, converges: ρ < 1).",
        "",
        "| update | beta | bounded | converges | spectral radius |",
        "|---|---|---|---|---|",
    ]
    yes = {True: "yes", False: "no"}
    for r in rows:
        lines.append(
            f"| {r['update']} | {r['beta']:+.1f} | {yes[r['bounded']]} | {yes[r['converges']]} | "
            f"{r['spectral radius']:.6f} |"
        )
    return "\n".join(lines) + "\n"


@figure
def make_momentum_table(out_dir: Path, small: bool) -> list[Path]:
    """Gidel et al. (2019): which momentum updates are bounded / converge on ``x·y``."""
    return [write_text(out_dir / "momentum_table.md", momentum_markdown(momentum_rows()))]
