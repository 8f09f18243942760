"""Panels and saving for the gallery (matplotlib: imported by the drawing functions only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from .. import plot

__all__ = ["grid", "save"]


def grid(panels: int, columns: int, size: float = 3.0) -> tuple[Any, Any]:
    """A figure of ``panels`` axes in rows of ``columns`` (unused axes hidden), and the axes."""
    rows = -(-panels // columns)
    with plot.style():
        fig, axes = plt.subplots(
            rows, columns, figsize=(size * columns, size * rows), squeeze=False
        )
    for ax in axes.ravel()[panels:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def save(fig: Any, out_dir: Path, name: str) -> list[Path]:
    """``out_dir/NAME.png``, written atomically; the figure is closed."""
    paths = plot.save(fig, out_dir / name, formats=("png",))
    plt.close(fig)
    return paths
