"""``gamedyn figures``: every figure of the gallery, regenerated deterministically from code.

Each figure is one function ``make_NAME(out_dir, small) -> list[Path]`` registered in
``FIGURES``; the function computes with the package (games, methods, spectrum, regions) and
draws with :mod:`gamedyn.plot`. Seeds are fixed, so the outputs are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from . import plot  # noqa: E402
from .games import Bilinear, DiracGAN  # noqa: E402
from .methods import (  # noqa: E402
    CGD,
    GDA,
    AltGDA,
    Consensus,
    ExtraGradient,
    Lookahead,
    Method,
    Momentum,
    OptimisticGDA,
)
from .spectrum import eigenvalues, spectral_radius  # noqa: E402

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


BILINEAR_LR = 0.3
BILINEAR_START = (1.0, 1.0)


def bilinear_methods(lr: float = BILINEAR_LR) -> dict[str, Method]:
    """The methods of the bilinear-trajectories figure, by label."""
    return {
        "simultaneous GDA": GDA(lr),
        "alternating GDA": AltGDA(lr),
        "extragradient": ExtraGradient(lr),
        "optimistic GDA": OptimisticGDA(lr),
        "alternating momentum β = −0.5": Momentum(lr, -0.5, alternating=True),
        "lookahead-GDA (k = 5, α = 0.5)": Lookahead(GDA(lr), k=5, alpha=0.5),
        "consensus (γ = 1)": Consensus(lr, 1.0),
        "CGD": CGD(lr),
    }


def _grid(panels: int, columns: int, size: float = 3.0):
    rows = -(-panels // columns)
    with plot.style():
        fig, axes = plt.subplots(
            rows, columns, figsize=(size * columns, size * rows), squeeze=False
        )
    for ax in axes.ravel()[panels:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def _save(fig, out_dir: Path, name: str) -> list[Path]:
    paths = plot.save(fig, out_dir / name, formats=("png",))
    plt.close(fig)
    return paths


@figure
def make_bilinear_trajectories(out_dir: Path, small: bool) -> list[Path]:
    """On x·y from (1, 1): GDA spirals out, alternating GDA cycles, the others converge."""
    game, steps = Bilinear([[1.0]]), 60 if small else 200
    methods = bilinear_methods()
    fig, axes = _grid(len(methods), 4)
    for ax, (label, method) in zip(axes, methods.items(), strict=False):
        rho = spectral_radius(method, game, np.zeros(2))
        plot.trajectories(
            {label: method}, game, BILINEAR_START, steps, xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), ax=ax
        )
        ax.set_title(f"{label}\nρ = {rho:.4f}")
        ax.get_legend().remove()
    fig.suptitle(f"Bilinear game x·y, lr = {BILINEAR_LR}, {steps} steps")
    return _save(fig, out_dir, "bilinear_trajectories")


NEGATIVE_MOMENTUM_GAME = Bilinear(np.diag(np.linspace(0.2, 1.0, 6)))


@figure
def make_negative_momentum_eigenvalues(out_dir: Path, small: bool) -> list[Path]:
    """Negative momentum shifts the operator eigenvalues of alternating GDA inside the circle."""
    game, lr, z = NEGATIVE_MOMENTUM_GAME, 0.5, np.zeros(NEGATIVE_MOMENTUM_GAME.n)
    sets = {
        "alternating, β = 0": eigenvalues(game, z, Momentum(lr, 0.0, alternating=True)),
        "alternating, β = −0.5": eigenvalues(game, z, Momentum(lr, -0.5, alternating=True)),
        "simultaneous, β = +0.5": eigenvalues(game, z, Momentum(lr, 0.5)),
    }
    fig, (left, right) = _grid(2, 2, 4.2)
    plot.eigenvalue_cloud(
        sets,
        unit_circle=True,
        ax=left,
        title=f"Momentum on a bilinear game (σ ∈ [0.2, 1]), lr = {lr}",
    )
    betas = np.linspace(0.0, -1.0, 21 if small else 101)
    plot.eigenvalue_paths(
        lambda b: Momentum(lr, b, alternating=True), betas, game=game, z=z, label="β", ax=right
    )
    right.set_title("alternating momentum as β sweeps 0 → −1")
    return _save(fig, out_dir, "negative_momentum_eigenvalues")


@figure
def make_lookahead_eigenvalues(out_dir: Path, small: bool) -> list[Path]:
    """Lookahead pulls GDA's eigenvalues inside the unit circle (and fails for α too large)."""
    game, lr = Bilinear(np.diag(np.linspace(0.2, 1.0, 6))), 0.5
    z, base = np.zeros(game.n), GDA(lr)
    settings = [(3, 0.5), (5, 0.5), (8, 0.5), (5, 0.8)]
    fig, axes = _grid(len(settings), 4, 3.6)
    for ax, (k, alpha) in zip(axes, settings, strict=True):
        method = Lookahead(base, k=k, alpha=alpha)
        rho = spectral_radius(method, game, z)
        sets = {
            "GDA": eigenvalues(game, z, base),
            f"lookahead k={k}, α={alpha}": eigenvalues(game, z, method),
        }
        plot.eigenvalue_cloud(
            sets,
            unit_circle=True,
            ax=ax,
            title=f"ρ: {spectral_radius(base, game, z):.3f} → {rho:.3f}",
        )
    fig.suptitle(f"Lookahead around GDA (lr = {lr}) on a bilinear game, σ ∈ [0.2, 1]")
    return _save(fig, out_dir, "lookahead_eigenvalues")


def region_methods(lr: float = 0.5) -> dict[str, Method]:
    """The methods of the rate-regions figure, at the same step size."""
    return {
        "GDA": GDA(lr),
        "extragradient": ExtraGradient(lr),
        "optimistic GDA": OptimisticGDA(lr),
        "momentum β = −0.3": Momentum(lr, -0.3),
        "lookahead-GDA k=5, α=0.5": Lookahead(GDA(lr), k=5, alpha=0.5),
        "consensus γ = 0.5": Consensus(lr, 0.5),
    }


@figure
def make_rate_regions(out_dir: Path, small: bool) -> list[Path]:
    """Convergence regions in the λ-plane at lr = 0.5, with the Dirac-GAN's eigenvalues."""
    game = DiracGAN("standard", reg="r1", gamma=0.3)
    lam = eigenvalues(game, game.equilibrium.numpy())
    methods = region_methods()
    fig, axes = _grid(len(methods), 3, 3.6)
    for ax, (label, method) in zip(axes, methods.items(), strict=True):
        plot.rate_region(
            method,
            re=(-1.0, 3.0),
            im=(-2.5, 2.5),
            eigenvalues=lam,
            resolution=120 if small else 400,
            ax=ax,
        )
        ax.set_title(label)
    fig.suptitle("Predicted rate ρ(λ) per step; ρ < 1 inside the black curve")
    return _save(fig, out_dir, "rate_regions")


def dirac_variants() -> dict[str, DiracGAN]:
    """The Dirac-GAN variants of Mescheder et al. (2018)'s figure."""
    return {
        "standard GAN": DiracGAN("standard"),
        "non-saturating GAN": DiracGAN("non-saturating"),
        "WGAN": DiracGAN("wgan"),
        "WGAN-GP (γ = 1)": DiracGAN("wgan", reg="gp", gamma=1.0),
        "instance noise (σ = 0.7)": DiracGAN("standard", noise_std=0.7),
        "R1, γ = 0.3": DiracGAN("standard", reg="r1", gamma=0.3),
        "R1, γ = 1 (critical)": DiracGAN("standard", reg="r1", gamma=1.0),
        "consensus (γ = 1)": DiracGAN("standard", reg="consensus", gamma=1.0),
    }


DIRAC_LR, DIRAC_START, DIRAC_STEPS = 0.2, (1.0, 1.0), 500


@figure
def make_dirac_gan(out_dir: Path, small: bool) -> list[Path]:
    """Dirac-GAN: vector fields and trajectories (lr 0.2, from (1, 1), 500 steps)."""
    variants, steps = dirac_variants(), 100 if small else DIRAC_STEPS
    fig, axes = _grid(2 * len(variants), 4, 2.8)
    for i, (label, game) in enumerate(variants.items()):
        for j, (update, method) in enumerate(
            [("simultaneous", GDA(DIRAC_LR)), ("alternating", AltGDA(DIRAC_LR))]
        ):
            ax = axes[2 * i + j]
            plot.vector_field(game, (-2, 2), (-2, 2), density=15, ax=ax)
            plot.trajectories({update: method}, game, DIRAC_START, steps, field=False, ax=ax)
            ax.set_xlim(-2, 2)
            ax.set_ylim(-2, 2)
            ax.set_xlabel("θ")
            ax.set_ylabel("ψ")
            ax.set_title(f"{label}\n{update}", fontsize=8)
            ax.get_legend().remove()
    fig.suptitle(f"Dirac-GAN, lr = {DIRAC_LR}, start {DIRAC_START}, {steps} steps")
    return _save(fig, out_dir, "dirac_gan")


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


# The GAN-checkpoint figures (mog_eigenvalues, checkpoint_spectrum) register themselves here.
from . import checkpoint_figures  # noqa: E402, F401
