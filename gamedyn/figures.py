"""``gamedyn figures``: every figure of the gallery, regenerated deterministically from code.

Each figure is one function ``make_NAME(out_dir, small) -> list[Path]`` registered in
``FIGURES``; the function computes with the package (games, methods, spectrum, regions) and
draws with :mod:`gamedyn.plot`. Seeds are fixed, so the outputs are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .games import Bilinear
from .methods import Momentum
from .spectrum import spectral_radius

FigureMaker = Callable[[Path, bool], list[Path]]
FIGURES: dict[str, FigureMaker] = {}


def figure(fn: FigureMaker) -> FigureMaker:
    """Register ``make_NAME`` as the figure ``NAME``."""
    FIGURES[fn.__name__.removeprefix("make_")] = fn
    return fn


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


@figure
def make_momentum_table(out_dir: Path, small: bool) -> list[Path]:
    """Gidel et al. (2019): which momentum updates are bounded / converge on ``x·y``."""
    rows = momentum_rows()
    lines = [
        f"Heavy-ball momentum on the bilinear game x·y, lr = {MOMENTUM_LR}: spectral radius of",
        "the augmented operator at the equilibrium (bounded: ρ ≤ 1, converges: ρ < 1).",
        "",
        "| update | beta | bounded | converges | spectral radius |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        yes = {True: "yes", False: "no"}
        lines.append(
            f"| {r['update']} | {r['beta']:+.1f} | {yes[r['bounded']]} | {yes[r['converges']]} | "
            f"{r['spectral radius']:.6f} |"
        )
    path = out_dir / "momentum_table.md"
    path.write_text("\n".join(lines) + "\n")
    return [path]


def catalogue() -> dict[str, str]:
    """Figure names and their one-line descriptions."""
    return {name: (fn.__doc__ or "").strip().splitlines()[0] for name, fn in FIGURES.items()}


def make_all(
    out_dir: str | Path = "figures", only: Iterable[str] | None = None, small: bool = False
) -> list[Path]:
    """Make the figures named in ``only`` (default: all) in ``out_dir``; returns the paths."""
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
