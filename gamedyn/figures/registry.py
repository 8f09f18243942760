"""The gallery's registry: each figure is one function ``make(out_dir, small) -> list[Path]``.

A figure module computes its numbers with matplotlib-free functions (which the tests check) and
registers one drawing function with :func:`figure`; drawing imports :mod:`gamedyn.plot` (and so
matplotlib) only when a figure is made. :func:`make_all` makes them in registration order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["FIGURES", "FigureMaker", "figure", "catalogue", "make_all"]

FigureMaker = Callable[[Path, bool], list[Path]]
"""A figure's maker: ``make(out_dir, small)`` draws it into ``out_dir`` and returns the paths."""
FIGURES: dict[str, FigureMaker] = {}
"""Figure name → the function that makes it, in the gallery's order."""


def figure(fn: FigureMaker) -> FigureMaker:
    """Register ``make_NAME`` as the figure ``NAME``."""
    FIGURES[fn.__name__.removeprefix("make_")] = fn
    return fn


def catalogue() -> dict[str, str]:
    """Figure names and their one-line descriptions."""
    return {name: (fn.__doc__ or "").strip().splitlines()[0] for name, fn in FIGURES.items()}


def make_all(
    out_dir: str | Path = "figures", only: Iterable[str] | None = None, small: bool = False
) -> list[Path]:
    """Make the figures named in ``only`` (default: all) in ``out_dir``; returns the paths."""
    from tqdm import tqdm  # not tqdm.auto: it warns in a notebook without ipywidgets

    names = list(FIGURES) if only is None else list(only)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure(s) {unknown}; choose from {sorted(FIGURES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name in tqdm(names, desc="figures", unit="figure"):
        paths += FIGURES[name](out, small)
    return paths
