"""``momentum_table``: Gidel et al. (2019)'s table of heavy-ball momentum on ``x·y``, as Markdown.

Numbers: :func:`gamedyn.experiments.momentum_rows`.
"""

from __future__ import annotations

from pathlib import Path

from .._atomic import write_text
from ..experiments import MOMENTUM_LR, momentum_rows
from .registry import figure

__all__ = ["momentum_markdown"]


def momentum_markdown(rows: list[dict], lr: float = MOMENTUM_LR) -> str:
    """The rows of :func:`gamedyn.experiments.momentum_rows` as a Markdown table with a two-line
    caption."""
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
