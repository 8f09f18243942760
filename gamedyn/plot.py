"""Drawing only: eigenvalue clouds, rate regions, hyperparameter maps, fields and trajectories.

Every function takes ``ax=None`` (a new figure is made when it is ``None``), draws on it and
returns the ``Axes``; nothing calls ``plt.show()``. The numbers come from
:mod:`gamedyn.regions`, :mod:`gamedyn.spectrum` and :func:`gamedyn.run`.

One style throughout (:data:`STYLE`, applied with :func:`style` inside each function, so global
``rcParams`` are left as they were): the Okabe–Ito colour-blind-safe palette for categories,
``cividis`` for rates and ``viridis`` for a scalar such as a training step or a hyperparameter
(both perceptually uniform and readable with colour-vision deficiency), and the ``ρ = 1``
boundary always as a solid black line. :func:`save` writes PNG and PDF.

Example:
  >>> import tempfile
  >>> from gamedyn.methods import ExtraGradient
  >>> ax = rate_region(ExtraGradient(0.5), re=(-1, 3), im=(-3, 3), eigenvalues=[1j, -1j])
  >>> with tempfile.TemporaryDirectory() as out:                # .png and .pdf
  ...     [p.name for p in save(ax.figure, f"{out}/extragradient_region")]
  ['extragradient_region.png', 'extragradient_region.pdf']
  >>> plt.close("all")
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from . import _validate, regions
from ._atomic import write_with
from ._landscape import PathAngle
from ._trajectory import run
from .games._base import Game
from .methods import Method

__all__ = [
    "PALETTE",
    "STYLE",
    "style",
    "save",
    "eigenvalue_cloud",
    "eigenvalue_paths",
    "rate_region",
    "hyperparameter_map",
    "vector_field",
    "trajectories",
    "path_angle",
    "pseudospectrum",
    "transient_growth",
    "numerical_range",
    "rotation_blocks",
    "record_figures",
    "monitor_report",
]

OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
"""Okabe and Ito's palette, distinguishable under the common colour-vision deficiencies."""

PALETTE = tuple(OKABE_ITO.values())
"""The Okabe–Ito colours in order: the colour cycle of every figure."""
RATE_CMAP = "cividis"
SCALAR_CMAP = "viridis"
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<")
BOUNDARY = {"colors": "black", "linewidths": 1.5}

STYLE: dict[str, Any] = {
    "axes.prop_cycle": cycler(color=PALETTE),
    "image.cmap": RATE_CMAP,
    "figure.figsize": (4.8, 3.8),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.framealpha": 0.9,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "lines.linewidth": 1.5,
    "lines.markersize": 4,
    "scatter.edgecolors": "none",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}
"""The rcParams every function draws with (only inside :func:`style`)."""


def style() -> contextlib.AbstractContextManager:
    """A context in which matplotlib uses :data:`STYLE`; rcParams are restored on exit."""
    return mpl.rc_context(STYLE)


def _styled(fn: Callable[..., Axes]) -> Callable[..., Axes]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Axes:
        with style():
            return fn(*args, **kwargs)

    return wrapper


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {ax!r}")
    return ax


def save(
    fig: Figure | Axes, path: str | Path, formats: Sequence[str] = ("png", "pdf")
) -> list[Path]:
    """Save ``fig`` as ``path.png`` and ``path.pdf`` (``path`` without extension); the paths.

    Parent folders are created. Saved with :data:`STYLE`'s resolution and tight bounding box,
    each file atomically (a temporary file, then a rename).
    """
    figure = fig.figure if isinstance(fig, Axes) else fig
    if not isinstance(figure, Figure):
        raise TypeError(f"fig must be a matplotlib Figure or Axes, got {fig!r}")
    base = Path(path)
    if base.suffix.lower() in {".png", ".pdf", ".svg"}:
        raise ValueError(f"path is without extension (formats={tuple(formats)}), got {path!r}")
    base.parent.mkdir(parents=True, exist_ok=True)
    out = []
    with style():
        for fmt in formats:
            target = base.with_name(f"{base.name}.{fmt}")
            write_with(target, lambda tmp, fmt=fmt: figure.savefig(tmp, format=fmt))
            out.append(target)
    return out


# ---------------------------------------------------------------------------------------------
# Complex-plane helpers
# ---------------------------------------------------------------------------------------------


def drawn(values: Any) -> np.ndarray:
    """``values`` as they are drawn: rounded to float32 (about 7 significant digits, far below a
    pixel), so that results that differ by round-off — another BLAS kernel, e.g.
    ``OPENBLAS_CORETYPE=Haswell`` — draw the same picture, byte for byte, unless a value lies
    within round-off of a float32 rounding boundary (a chance of about 1e-9 per value for
    differences of 1e-16 relative)."""
    array = np.asarray(values)
    if np.iscomplexobj(array):
        return drawn(array.real) + 1j * drawn(array.imag)
    with np.errstate(over="ignore"):
        return np.asarray(array, dtype=float).astype(np.float32).astype(float)


def _complex(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got {values!r}")
    return drawn(array.astype(complex).ravel())


def _unit_circle(ax: Axes) -> None:
    """The unit circle ``|μ| = 1`` as a dashed line labelled ``"|μ| = 1"`` (gid ``unit-circle``;
    finely sampled, so that a zoomed box shows it as a curve)."""
    theta = np.linspace(0.0, 2.0 * np.pi, 20001)
    ax.plot(
        np.cos(theta),
        np.sin(theta),
        color="0.35",
        lw=0.9,
        ls="--",
        label="|μ| = 1",
        gid="unit-circle",
    )


def _complex_plane(ax: Axes, equal: bool = True) -> None:
    ax.axhline(0.0, color="0.6", lw=0.6, zorder=0)
    ax.axvline(0.0, color="0.6", lw=0.6, zorder=0)
    ax.set_xlabel("Re")
    ax.set_ylabel("Im")
    if equal:
        ax.set_aspect("equal", adjustable="datalim")


# ---------------------------------------------------------------------------------------------
# Eigenvalues
# ---------------------------------------------------------------------------------------------


@_styled
def eigenvalue_cloud(
    eigenvalues: Any,
    *,
    color_by: Any = None,
    label: str | None = None,
    colorbar_label: str | None = None,
    unit_circle: bool = False,
    title: str | None = None,
    ax: Axes | None = None,
    zoom: bool = False,
) -> Axes:
    """Eigenvalues as points in the complex plane.

    Args:
      eigenvalues: one array (any shape) or a mapping ``{label: array}`` of several sets; each
        set gets its own marker and, uncoloured, its own Okabe–Ito colour, and a legend entry.
      color_by: a scalar per eigenvalue (e.g. the training step of its checkpoint), an array of
        the set's size, or for several sets a mapping ``{label: array}`` (sets left out keep their
        colour); drawn with ``viridis`` on one shared scale and a colorbar.
      label: the legend label of a single set.
      colorbar_label: the colorbar's label.
      unit_circle: draw ``|μ| = 1`` (for operator eigenvalues).
      title: the axes title.
      ax: the Axes to draw on.
      zoom: limit the axes to the eigenvalues (with a margin), not to the unit circle: values
        that crowd near ``1`` stay apart; the part of the circle inside the box is drawn.
    """
    ax = _axes(ax)
    sets = (
        {str(k): _complex(f"eigenvalues[{k!r}]", v) for k, v in eigenvalues.items()}
        if isinstance(eigenvalues, Mapping)
        else {label: _complex("eigenvalues", eigenvalues)}
    )
    colours = _color_values(color_by, sets)
    norm = None
    if colours:
        stacked = np.concatenate(list(colours.values()))
        norm = Normalize(float(stacked.min()), float(stacked.max()))
    mappable = None
    for i, (name, values) in enumerate(sets.items()):
        kwargs = {"marker": MARKERS[i % len(MARKERS)], "s": 18, "label": name, "zorder": 3}
        if name in colours:
            kwargs.update(c=colours[name], cmap=SCALAR_CMAP, norm=norm)
        else:
            kwargs.update(color=PALETTE[i % len(PALETTE)])
        points = ax.scatter(values.real, values.imag, **kwargs)
        if name in colours:
            mappable = points
    if unit_circle:
        _unit_circle(ax)
    _complex_plane(ax)
    if mappable is not None:
        ax.figure.colorbar(mappable, ax=ax, label=colorbar_label)
    if any(name is not None for name in sets) or unit_circle:
        ax.legend(loc="best")
    if zoom:
        _zoom(ax, np.concatenate([v.ravel() for v in sets.values()]), unit_circle)
    if title:
        ax.set_title(title)
    return ax


def _zoom(ax: Axes, values: np.ndarray, circle: bool = False) -> None:
    """Axes limits around ``values`` with a 15 % margin (at least ``1e-9`` wide, so a single
    value or values equal to round-off still give a box), equal scales kept; with ``circle``,
    the unit circle's nearest point is kept in the box (where the values crowd near it)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return
    if circle:
        middle = complex(values.mean())
        nearest = middle / abs(middle) if middle != 0 else 1.0 + 0.0j
        values = np.append(values, nearest)
    re, im = values.real, values.imag
    centre = complex((re.min() + re.max()) / 2, (im.min() + im.max()) / 2)
    half = max(re.max() - re.min(), im.max() - im.min(), 1e-9 * max(1.0, abs(centre))) * 0.65
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlim(centre.real - half, centre.real + half)
    ax.set_ylim(centre.imag - half, centre.imag + half)


MAIN_HYPERPARAMETERS = ("lr", "betas", "beta", "eps", "gamma", "k", "alpha", "lam", "n_critic")
"""The hyperparameters a short title names (in this order), when a method has them."""


def method_title(method: Any, width: int = 60) -> str:
    """A short name of an update operator for a title: its class name and main hyperparameters
    (:data:`MAIN_HYPERPARAMETERS`, numbers to 3 significant digits; a wrapped method by its
    own short name), cut at ``width`` characters — not its full ``repr``.

    Example:
      >>> from gamedyn.methods import GDA, Lookahead
      >>> method_title(Lookahead(GDA(0.1), 5, 0.5))
      'Lookahead(GDA(lr=0.1), k=5, alpha=0.5)'
    """

    def short(value: Any) -> str:
        if hasattr(value, "hyperparameters") and hasattr(value, "step"):
            return method_title(value, width)
        if isinstance(value, (tuple, list)):
            return "(" + ", ".join(short(v) for v in value) + ")"
        if isinstance(value, float):
            return f"{value:.3g}"
        return str(value)

    try:
        hyper = dict(method.hyperparameters())
    except (AttributeError, TypeError):
        hyper = {}
    parts = [short(v) for k, v in hyper.items() if k in ("base", "inner", "method")]
    parts += [f"{k}={short(hyper[k])}" for k in MAIN_HYPERPARAMETERS if k in hyper]
    text = f"{type(method).__name__}({', '.join(parts)})"
    return text if len(text) <= width else text[: width - 1] + "…"


def operator_title(operator: str, width: int = 60) -> str:
    """A record's ``operator`` (``"game Jacobian"`` or a method's full ``repr``) shortened for a
    title: the method's name and its main hyperparameters (:data:`MAIN_HYPERPARAMETERS`, the
    first of each), cut at ``width`` characters.

    Example:
      >>> operator_title("Adam(lr=0.0002, betas=(0.5, 0.999), eps=1e-08, state=State(...))")
      'Adam(lr=0.0002, betas=(0.5, 0.999), eps=1e-08)'
    """
    import re

    head = re.match(r"\s*([A-Za-z_]\w*)\(", operator)
    if head is None:
        return operator if len(operator) <= width else operator[: width - 1] + "…"
    found = {}
    for key, value in re.findall(r"\b(\w+)=(\([^()]*\)|[^,()]+)", operator):
        if key in MAIN_HYPERPARAMETERS and key not in found:
            found[key] = value.strip()
    parts = [f"{k}={found[k]}" for k in MAIN_HYPERPARAMETERS if k in found]
    text = f"{head.group(1)}({', '.join(parts)})"
    return text if len(text) <= width else text[: width - 1] + "…"


def _color_values(color_by: Any, sets: Mapping[str | None, np.ndarray]) -> dict:
    """``{set label: scalar per point}`` for the sets that are coloured, sizes checked."""
    if color_by is None:
        return {}
    if not isinstance(color_by, Mapping):
        if len(sets) != 1:
            raise ValueError("with several sets, color_by must be a mapping {label: values}")
        color_by = {next(iter(sets)): color_by}
    out = {}
    for name, values in color_by.items():
        if name not in sets:
            raise ValueError(f"color_by names a set {name!r} not in eigenvalues ({list(sets)})")
        array = np.asarray(values, dtype=float).ravel()
        if array.size != sets[name].size:
            raise ValueError(
                f"color_by for {name!r} has {array.size} values for {sets[name].size} eigenvalues"
            )
        out[name] = array
    return out


@_styled
def eigenvalue_paths(
    make_method: Callable[[Any], Method],
    values: Any,
    eigenvalues: Any = None,
    game: Game | None = None,
    z: Any = None,
    *,
    label: str = "hyperparameter",
    unit_circle: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Operator eigenvalues ``μ`` as one hyperparameter sweeps ``values``, coloured by it.

    For each value ``h``, the eigenvalues of ``make_method(h)`` from game eigenvalues
    ``eigenvalues`` (eigenvalue maps) or from ``game`` at ``z`` (operator Jacobian); see
    :func:`gamedyn.regions.operator_eigenvalues`. A dense sweep draws the paths.

    Example:
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.methods import Momentum
      >>> ax = eigenvalue_paths(lambda b: Momentum(0.5, b, alternating=True),
      ...                       np.linspace(0, -1, 101), game=Bilinear([[1.0]]), label="β")
      >>> len(ax.collections) >= 3
      True
      >>> plt.close("all")
    """
    ax = _axes(ax)
    values = np.asarray(values, dtype=float).ravel()
    if values.size == 0:
        raise ValueError("values is empty")
    mus, hs = [], []
    for h in values:
        mu = regions.operator_eigenvalues(make_method(float(h)), eigenvalues, game, z)
        mus.append(mu)
        hs.append(np.full(mu.size, h))
    mu, h = np.concatenate(mus), np.concatenate(hs)
    points = ax.scatter(mu.real, mu.imag, c=h, cmap=SCALAR_CMAP, s=8, zorder=3)
    first, last = mus[0], mus[-1]
    ax.scatter(
        first.real,
        first.imag,
        marker="o",
        s=40,
        facecolors="none",
        edgecolors="black",
        label=f"{label} = {values[0]:g}",
        zorder=4,
    )
    ax.scatter(
        last.real,
        last.imag,
        marker="x",
        s=40,
        color="black",
        label=f"{label} = {values[-1]:g}",
        zorder=4,
    )
    if unit_circle:
        _unit_circle(ax)
    _complex_plane(ax)
    ax.figure.colorbar(points, ax=ax, label=label)
    ax.legend(loc="best")
    return ax


# ---------------------------------------------------------------------------------------------
# Rates
# ---------------------------------------------------------------------------------------------


def _linspace(name: str, bounds: Any, resolution: int) -> np.ndarray:
    lo, hi = _validate.bounds(name, bounds)
    if not lo < hi:
        raise ValueError(f"{name} must satisfy lo < hi, got {bounds!r}")
    return np.linspace(lo, hi, resolution)


def _rate_levels(vmax: float) -> np.ndarray:
    """Filled-contour levels on ``[0, vmax]`` with ``1`` among them."""
    below = np.linspace(0.0, 1.0, 11)
    above = np.arange(1.1, vmax + 1e-9, 0.1)
    return np.concatenate([below, above])


@_styled
def rate_region(
    method: Method,
    re: Sequence[float] = (-0.5, 2.5),
    im: Sequence[float] = (-1.5, 1.5),
    *,
    eigenvalues: Any = None,
    resolution: int = 400,
    vmax: float = 2.0,
    colorbar: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """The predicted rate ``max_j |μ_j(λ)|`` over the λ-plane, with its ``ρ = 1`` boundary.

    A filled contour (``cividis``, levels every 0.1 from 0 to ``vmax``, larger rates in the top
    colour) of :func:`gamedyn.regions.rate_grid` on ``re × im`` (bounds ``(lo, hi)``), the
    contour ``ρ = 1`` in black (the stability region's boundary: game eigenvalues inside it
    converge), and the game's ``eigenvalues`` as points. ``colorbar=False`` leaves the colour
    bar out (panels sharing one scale draw one bar for all).
    """
    ax = _axes(ax)
    x, y = _linspace("re", re, resolution), _linspace("im", im, resolution)
    rho = regions.rate_grid(method, x, y)
    levels = _rate_levels(vmax)
    filled = ax.contourf(x, y, np.minimum(rho, vmax), levels=levels, cmap=RATE_CMAP, extend="max")
    if np.nanmin(rho) < 1.0 < np.nanmax(rho):
        ax.contour(x, y, rho, levels=[1.0], **BOUNDARY)
        ax.plot([], [], color="black", lw=1.5, label="ρ = 1")
    if eigenvalues is not None:
        lam = _complex("eigenvalues", eigenvalues)
        ax.scatter(
            lam.real,
            lam.imag,
            marker="o",
            s=22,
            color=OKABE_ITO["vermillion"],
            edgecolors="white",
            linewidths=0.5,
            label="game eigenvalues λ",
            zorder=4,
        )
    _complex_plane(ax)
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label="rate ρ")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left")
    ax.set_title(repr(method))
    return ax


@_styled
def hyperparameter_map(
    source: regions.RateMap | Callable[..., Method],
    eigenvalues: Any = None,
    game: Game | None = None,
    z: Any = None,
    *,
    optimum: regions.Tuned | None = None,
    vmax: float = 2.0,
    colorbar: bool = True,
    ax: Axes | None = None,
    **grids: Any,
) -> Axes:
    """The predicted rate over one or two hyperparameters.

    ``source`` is a :class:`gamedyn.regions.RateMap`, or a ``make_method`` that
    :func:`gamedyn.regions.hyperparameter_map` evaluates on ``grids`` (from ``eigenvalues``, or
    ``game`` at ``z``). Two hyperparameters: the rate as a ``cividis`` mesh (first one on the
    x-axis; cells where ``make_method`` refused are blank), the ``ρ = 1`` contour in black, and
    ``optimum`` (a :class:`gamedyn.regions.Tuned`) as a star. One: the rate as a line, with
    ``ρ = 1`` dashed. ``colorbar=False`` leaves the mesh's colour bar out.
    """
    ax = _axes(ax)
    rate_map = (
        source
        if isinstance(source, regions.RateMap)
        else regions.hyperparameter_map(source, eigenvalues, game, z, **grids)
    )
    names, axes, rho = rate_map
    if len(names) == 1:
        ax.plot(axes[0], rho, color=OKABE_ITO["blue"], marker=".", label="ρ")
        ax.axhline(1.0, color="black", ls="--", lw=1.0, label="ρ = 1")
        ax.set_xlabel(names[0])
        ax.set_ylabel("rate ρ")
    elif len(names) == 2:
        mesh = ax.pcolormesh(
            axes[0],
            axes[1],
            np.minimum(rho, vmax).T,
            shading="nearest",
            cmap=RATE_CMAP,
            vmin=0.0,
            vmax=vmax,
        )
        finite = rho[np.isfinite(rho)]
        if min(axes[0].size, axes[1].size) > 1 and finite.size and finite.min() < 1 < finite.max():
            ax.contour(axes[0], axes[1], rho.T, levels=[1.0], **BOUNDARY)
            ax.plot([], [], color="black", lw=1.5, label="ρ = 1")
        if colorbar:
            ax.figure.colorbar(mesh, ax=ax, label="rate ρ", extend="max")
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.grid(False)
    else:
        raise ValueError(f"can draw one or two hyperparameters, got {len(names)}: {names}")
    if optimum is not None:
        point = [optimum.hyperparameters[n] for n in names]
        y = point[1] if len(names) == 2 else optimum.rate
        ax.plot(
            point[0],
            y,
            marker="*",
            ms=12,
            color=OKABE_ITO["vermillion"],
            ls="none",
            markeredgecolor="white",
            label=f"optimum, ρ = {optimum.rate:.4g}",
            zorder=5,
        )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    return ax


# ---------------------------------------------------------------------------------------------
# 2-D games
# ---------------------------------------------------------------------------------------------


def _check_planar(game: Game) -> None:
    if not isinstance(game, Game):
        raise TypeError(f"game must be a Game, got {game!r}")
    if game.n != 2:
        raise ValueError(f"vector fields are drawn for 2-D games; {game!r} has n = {game.n}")


def field_on_grid(game: Game, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``v`` at every ``(x[j], y[i])``: two arrays of shape ``(len(y), len(x))``."""
    _check_planar(game)
    X, Y = np.meshgrid(x, y)
    points = torch.as_tensor(np.stack([X.ravel(), Y.ravel()], axis=1), dtype=torch.float64)
    with torch.no_grad():
        try:
            v = torch.func.vmap(game.field)(points)
        except RuntimeError:  # a field torch.func cannot batch: one point at a time
            v = torch.stack([game.field(p) for p in points])
    v = v.numpy()
    return v[:, 0].reshape(X.shape), v[:, 1].reshape(X.shape)


@_styled
def vector_field(
    game: Game,
    xlim: Sequence[float] = (-2.0, 2.0),
    ylim: Sequence[float] = (-2.0, 2.0),
    *,
    density: int = 21,
    kind: str = "quiver",
    normalize: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """The descent direction ``−v(z)`` of a 2-D game (the flow that gradient play follows).

    ``kind="quiver"``: arrows on a ``density × density`` grid (unit length when ``normalize``,
    coloured by ``‖v‖``); ``kind="stream"``: streamlines. Axes are the two players, ``x``
    horizontal and ``y`` vertical.
    """
    if kind not in ("quiver", "stream"):
        raise ValueError(f"unknown kind {kind!r}; expected 'quiver' or 'stream'")
    _check_planar(game)
    ax = _axes(ax)
    x, y = _linspace("xlim", xlim, density), _linspace("ylim", ylim, density)
    vx, vy = field_on_grid(game, x, y)
    u, w = -vx, -vy
    speed = np.hypot(u, w)
    if kind == "quiver":
        if normalize:
            scale = np.where(speed > 0, speed, 1.0)
            u, w = u / scale, w / scale
        ax.quiver(x, y, u, w, speed, cmap=SCALAR_CMAP, angles="xy", pivot="mid", width=0.004)
    else:
        ax.streamplot(x, y, u, w, color=speed, cmap=SCALAR_CMAP, density=1.0, linewidth=0.8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x (first player)")
    ax.set_ylabel("y (second player)")
    ax.set_aspect("equal", adjustable="box")
    return ax


@_styled
def trajectories(
    methods: Method | Mapping[str, Method],
    game: Game,
    starts: Any,
    steps: int = 100,
    *,
    field: bool = True,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Iterates of one or several methods on a 2-D game, start (○) and end (★) marked.

    Each method (a mapping gives labels; a single method is labelled by its ``repr``) is run
    with :func:`gamedyn.run` from each start for ``steps`` steps and drawn in its own
    Okabe–Ito colour. With ``field`` the descent field ``−v`` is drawn underneath in grey, over
    ``xlim × ylim`` (default: the trajectories' extent with a margin).
    """
    _check_planar(game)
    ax = _axes(ax)
    if isinstance(methods, Method):
        methods = {repr(methods): methods}
    z0s = np.atleast_2d(np.asarray(starts, dtype=float))
    if z0s.ndim != 2 or z0s.shape[1] != 2:
        raise ValueError(f"starts must be a point (2,) or points (m, 2), got shape {z0s.shape}")
    paths = {name: [run(method, game, z0, steps) for z0 in z0s] for name, method in methods.items()}
    for i, (name, runs) in enumerate(paths.items()):
        colour = PALETTE[i % len(PALETTE)]
        for j, zs in enumerate(runs):
            ax.plot(
                zs[:, 0], zs[:, 1], color=colour, lw=1.2, label=name if j == 0 else None, zorder=3
            )
            ax.plot(
                *zs[0], marker="o", ms=6, mfc="white", mec=colour, ls="none", zorder=4, gid="start"
            )
            ax.plot(*zs[-1], marker="*", ms=10, color=colour, ls="none", zorder=4, gid="end")
    ax.plot([], [], marker="o", mfc="white", mec="black", ls="none", label="start")
    ax.plot([], [], marker="*", color="black", ls="none", label="end")
    if field:
        every = np.concatenate([np.concatenate(r) for r in paths.values()])
        every = every[np.all(np.isfinite(every), axis=1)]
        xlim = xlim or _padded(every[:, 0])
        ylim = ylim or _padded(every[:, 1])
        x, y = _linspace("xlim", xlim, 21), _linspace("ylim", ylim, 21)
        vx, vy = field_on_grid(game, x, y)
        speed = np.where(np.hypot(vx, vy) > 0, np.hypot(vx, vy), 1.0)
        ax.quiver(
            x,
            y,
            -vx / speed,
            -vy / speed,
            color="0.7",
            angles="xy",
            pivot="mid",
            width=0.003,
            zorder=1,
        )
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
    ax.set_xlabel("x (first player)")
    ax.set_ylabel("y (second player)")
    ax.legend(loc="best")
    return ax


@_styled
def path_angle(result: PathAngle, ax: Axes | None = None, norm: bool = True) -> Axes:
    """Berard et al.'s path-angle plot: ``cos θ(α)`` along ``z(α) = z_0 + α(z_1 − z_0)``.

    Draws the cosine between the field and the path's direction for the whole field and for
    each player (from :func:`gamedyn.path_angle`), dashed verticals at the path's ends
    ``α = 0`` and ``α = 1``, and with ``norm`` the field's norm ``‖v(z(α))‖`` on a log-scaled
    right axis (returned as ``ax.right``). A bump of the cosine around the norm's minimum is
    the signature of rotation (Berard et al., ICLR 2020).
    """
    if not isinstance(result, PathAngle):
        raise TypeError(f"result must be a gamedyn.PathAngle, got {type(result)}")
    ax = _axes(ax)
    ax.axhline(0.0, color="0.7", lw=0.8)
    for a in (0.0, 1.0):
        ax.axvline(a, color="0.5", lw=0.8, ls="--")
    ax.plot(result.alpha, result.cosine, color=PALETTE[0], lw=1.5, label="cos θ (both players)")
    ax.plot(result.alpha, result.cosine_x, color=PALETTE[1], lw=1.0, label="first player")
    ax.plot(result.alpha, result.cosine_y, color=PALETTE[2], lw=1.0, label="second player")
    ax.set_xlabel("α  (path z₀ + α (z₁ − z₀))")
    ax.set_ylabel("cos θ(α)")
    ax.set_ylim(-1.05, 1.05)
    if norm:
        right = ax.twinx()
        right.semilogy(result.alpha, result.norm, color="0.4", lw=1.0, ls=":", label="‖v‖")
        right.set_ylabel("‖v(z(α))‖")
        ax.right = right
        lines = ax.get_lines() + right.get_lines()
        ax.legend(lines, [line.get_label() for line in lines], loc="best")
    else:
        ax.legend(loc="best")
    return ax


def _padded(values: np.ndarray, margin: float = 0.1) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    pad = margin * max(hi - lo, 1e-3)
    return lo - pad, hi + pad


# ---------------------------------------------------------------------------------------------
# Beyond the eigenvalues: pseudospectra, transient growth, numerical range, rotation
# ---------------------------------------------------------------------------------------------

BOUNDARIES = ("unit circle", "imaginary axis", None)
"""Stability boundaries :func:`pseudospectrum` draws: ``|μ| = 1`` for an operator's Jacobian,
``Re λ = 0`` for the game Jacobian (gamedyn descends ``v``: ``Re λ > 0`` is stable)."""


def _epsilon_levels(sigma: np.ndarray, levels: Any) -> np.ndarray:
    """``log₁₀ ε`` contour levels: given, or every half decade inside the range of ``σ``."""
    if levels is not None:
        out = np.log10(np.asarray(levels, dtype=float).ravel())
        if out.size == 0 or not np.all(np.isfinite(out)):
            raise ValueError(f"levels must be positive finite ε values, got {levels!r}")
        return np.sort(out)
    positive = sigma[np.isfinite(sigma) & (sigma > 0)]
    if positive.size == 0:
        raise ValueError("sigma has no positive finite value to contour")
    lo = max(np.floor(2 * np.log10(positive.min())) / 2, -12.0)
    hi = np.ceil(2 * np.log10(positive.max())) / 2
    out = np.arange(lo, hi + 1e-9, 0.5)
    if out.size > 12:
        out = out[:: int(np.ceil(out.size / 12))]
    return out


@_styled
def pseudospectrum(
    re: Any,
    im: Any,
    sigma: Any,
    *,
    eigenvalues: Any = None,
    levels: Any = None,
    boundary: str | None = "unit circle",
    title: str | None = None,
    colorbar: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """ε-pseudospectra: contours ``σ_min(zI − A) = ε`` of a grid, over the eigenvalues.

    Args:
      re, im: the grid axes; sigma: ``σ_min`` of shape ``(len(im), len(re))``
        (:func:`gamedyn.nonnormal.pseudospectrum`).
      eigenvalues: drawn as black points.
      levels: the ε values (default: every half decade inside the grid's range), drawn as
        ``log₁₀ ε`` contours in ``viridis`` with a colorbar.
      boundary: ``"unit circle"`` (operators), ``"imaginary axis"`` (the game Jacobian) or
        ``None``; drawn solid black, the stability boundary.
      title, colorbar, ax: as elsewhere.
    """
    ax = _axes(ax)
    x = drawn(np.asarray(re, dtype=float).ravel())
    y = drawn(np.asarray(im, dtype=float).ravel())
    grid = drawn(np.asarray(sigma, dtype=float))
    if grid.shape != (y.size, x.size):
        raise ValueError(
            f"sigma must have shape (len(im), len(re)) = {(y.size, x.size)}, got {grid.shape}"
        )
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")
    lines = _epsilon_levels(grid, levels)
    with np.errstate(divide="ignore"):
        log_sigma = np.log10(np.maximum(grid, 1e-300))
    contours = ax.contour(x, y, log_sigma, levels=lines, cmap=SCALAR_CMAP, linewidths=1.0)
    if boundary == "unit circle":
        theta = np.linspace(0.0, 2.0 * np.pi, 361)
        ax.plot(np.cos(theta), np.sin(theta), color="black", lw=1.2, label="|μ| = 1")
    elif boundary == "imaginary axis":
        ax.axvline(0.0, color="black", lw=1.2, label="Re λ = 0")
    if eigenvalues is not None:
        lam = _complex("eigenvalues", eigenvalues)
        ax.scatter(
            lam.real, lam.imag, s=14, color="black", marker="o", zorder=4, label="eigenvalues"
        )
    _complex_plane(ax, equal=False)
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(y.min(), y.max())
    ax.set_aspect("equal", adjustable="box")
    if colorbar and len(contours.levels):
        ax.figure.colorbar(contours, ax=ax, label="log₁₀ ε")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    return ax


@_styled
def transient_growth(
    norms: Any,
    *,
    rho: Any = None,
    kreiss: Any = None,
    dt: float | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """``‖Tᵗ‖`` against ``t`` on a log scale, with ``ρᵗ`` dashed for comparison.

    Args:
      norms: one array of ``‖Tᵗ‖``, ``t = 0, 1, …`` (:func:`gamedyn.spectrum.transient_growth`),
        or a mapping ``{label: norms}``; each set gets its Okabe–Ito colour.
      rho: the spectral radius (a number, or a mapping by label): ``ρᵗ`` dashed, same colour.
      kreiss: the Kreiss constant ``K`` (a number, or a mapping): a dotted line at ``K``, the
        Kreiss matrix theorem's lower bound on ``max_t ‖Tᵗ‖``.
      dt: draw against ``t · dt`` (the gradient flow's time) instead of the step.
    """
    ax = _axes(ax)
    sets = (
        {str(k): drawn(np.asarray(v, dtype=float).ravel()) for k, v in norms.items()}
        if isinstance(norms, Mapping)
        else {None: drawn(np.asarray(norms, dtype=float).ravel())}
    )

    def by_label(value: Any, label: str | None) -> Any:
        if isinstance(value, Mapping):
            return value.get(label)
        return value if len(sets) == 1 else None

    for i, (label, values) in enumerate(sets.items()):
        colour = PALETTE[i % len(PALETTE)]
        t = np.arange(values.size) * (1.0 if dt is None else float(dt))
        ax.semilogy(t, values, color=colour, lw=1.5, label=label if label else "‖Tᵗ‖")
        r = by_label(rho, label)
        if r is not None:
            ax.semilogy(
                t,
                drawn(float(r) ** np.arange(values.size)),
                color=colour,
                lw=1.0,
                ls="--",
                label=f"ρᵗ, ρ = {float(r):.4g}",
            )
        k = by_label(kreiss, label)
        if k is not None and np.isfinite(k):
            ax.axhline(float(k), color=colour, lw=0.9, ls=":", label=f"Kreiss K = {float(k):.3g}")
    ax.axhline(1.0, color="0.5", lw=0.7)
    ax.set_xlabel("t · dt" if dt is not None else "step t")
    ax.set_ylabel("‖Tᵗ‖₂")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


@_styled
def numerical_range(
    boundary: Any, *, eigenvalues: Any = None, title: str | None = None, ax: Axes | None = None
) -> Axes:
    """The boundary of the numerical range (:func:`gamedyn.spectrum.field_of_values`), filled
    lightly, with the eigenvalues inside it."""
    ax = _axes(ax)
    curve = _complex("boundary", boundary)
    ax.fill(curve.real, curve.imag, color=OKABE_ITO["sky blue"], alpha=0.25, lw=0)
    ax.plot(curve.real, curve.imag, color=OKABE_ITO["blue"], lw=1.2, label="∂W(A)")
    if eigenvalues is not None:
        lam = _complex("eigenvalues", eigenvalues)
        ax.scatter(lam.real, lam.imag, s=14, color="black", zorder=4, label="eigenvalues")
    _complex_plane(ax)
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


@_styled
def rotation_blocks(
    results: Mapping[str, Any],
    *,
    sigmas: float = 2.0,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Rotation indices ``‖K‖²_F/‖J‖²_F`` per block as horizontal bars with ``± sigmas``
    standard errors (:func:`gamedyn.spectrum.rotation_by_block`; entries with ``value`` and
    ``stderr``, attributes or keys)."""
    if not isinstance(results, Mapping) or not results:
        raise TypeError(f"results must be a non-empty mapping {{label: index}}, got {results!r}")
    ax = _axes(ax)

    def part(r: Any, name: str) -> float:
        return float(r[name] if isinstance(r, Mapping) else getattr(r, name))

    labels = list(results)
    values = np.array([part(results[k], "value") for k in labels])
    errors = np.array([part(results[k], "stderr") for k in labels]) * sigmas
    y = np.arange(len(labels))[::-1]
    ax.barh(
        y,
        values,
        xerr=np.nan_to_num(errors),
        color=OKABE_ITO["blue"],
        alpha=0.8,
        error_kw={"ecolor": "black", "capsize": 3, "lw": 1.0},
    )
    ax.set_yticks(y, labels)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel(f"rotation index ‖K‖²_F / ‖J‖²_F  (± {sigmas:g} SE)")
    ax.axvline(0.5, color="0.6", lw=0.7, ls="--")
    if title:
        ax.set_title(title)
    return ax


def record_figures(record: Any, out: str | Path, which: str = "LM") -> list[Path]:
    """The figures of an analysis record (:class:`~gamedyn.analysis.SpectrumRecord`), written
    into the directory ``out``: ``eigenvalues.png`` (the top-k, with the unit circle for an update
    operator) and, where the record's ``extras["non_normal"]`` holds them, ``pseudospectrum.png``,
    ``transient.png`` and ``rotation.png``. Returns the paths written.

    Example:
      >>> import tempfile
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.analysis import analyse
      >>> record = analyse(Bilinear(np.eye(4)), 2)
      >>> with tempfile.TemporaryDirectory() as out:
      ...     [p.name for p in record_figures(record, out)]
      ['eigenvalues.png']
    """
    out = Path(out)
    name = operator_title(record.operator)
    title = f"{name}, {which}, k = {len(record.eigenvalues)}, n = {record.n}"
    circle = record.operator != "game Jacobian"  # an update operator: stable inside |μ| = 1
    cloud = eigenvalue_cloud(record.eigenvalues, unit_circle=circle, title=title, zoom=circle)
    figures = [(cloud, "eigenvalues")]
    extras = record.extras.get("non_normal", {})
    if "pseudospectrum" in extras:
        p = extras["pseudospectrum"]
        ax = pseudospectrum(
            p["re"],
            p["im"],
            np.array(p["sigma_min"]),
            eigenvalues=np.array([complex(*w) for w in p["ritz_values"]]),
            boundary=p["boundary"],
            title=f"{name}: Krylov-projected pseudospectra (m = {p['basis']})",
        )
        figures.append((ax, "pseudospectrum"))
    if "transient" in extras:
        t = extras["transient"]
        ax = transient_growth(
            {t["operator"]: t["norms"]},
            rho={t["operator"]: t.get("spectral_radius")},
            title=f"{name}: peak {t['peak']:.4g} at t = {t['peak_step']}",
        )
        figures.append((ax, "transient"))
    if "rotation" in extras:
        r = extras["rotation"]
        title = f"rotation index, {r['probes']} Hutchinson probes"
        figures.append((rotation_blocks(r["blocks"], title=title), "rotation"))
    paths = []
    for ax, name in figures:
        paths += save(ax.figure, out / name, formats=("png",))
        plt.close(ax.figure)
    return paths


# ---------------------------------------------------------------------------------------------
# A training monitor's log (gamedyn.monitor)
# ---------------------------------------------------------------------------------------------


def _missing(ax: Axes, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} in the log", ha="center", va="center", transform=ax.transAxes)


def monitor_report(log: Any, out: str | Path | None = None) -> tuple[Figure, Any]:
    """Figures of a training monitor's log (:mod:`gamedyn.monitor`) and its text summary.

    Four panels: the game Jacobian's eigenvalues along training, coloured by step; the
    training operator's spectral radius ``ρ`` against the solid line ``ρ = 1``; the least
    stable real parts ``min Re λ`` of the game Jacobian (``which="SR"`` where logged, else
    among the largest moduli) against 0; the rotation index with ``± 2`` standard-error bars,
    for all of ``z`` and per player. The summary (:func:`gamedyn.monitor.summarise`) says when
    ``ρ`` crossed 1 and which player's block dominated.

    Args:
      log: the log's folder, or :func:`gamedyn.monitor.read_monitor_log`'s series.
      out: a folder to write ``monitor_report.png``/``.pdf`` and ``monitor_summary.txt`` into
        (atomically), or ``None``.

    Returns:
      ``(figure, summary)`` (a :class:`gamedyn.monitor.Summary`).
    """
    from .monitor import read_monitor_log, summarise

    series = read_monitor_log(log) if isinstance(log, str | Path) else dict(log)
    summary = summarise(series)
    with style():
        fig, axes = plt.subplots(2, 2, figsize=(9.6, 7.2))
        (cloud, radius), (real, rotation) = axes
        jac = series.get("jacobian")
        if jac is not None and jac.eigenvalues.size:
            steps = np.repeat(jac.steps, jac.eigenvalues.shape[1])
            values = jac.eigenvalues.ravel()
            keep = np.isfinite(values)
            norm = Normalize(float(jac.steps.min()), float(max(jac.steps.max(), 1)))
            points = cloud.scatter(
                values.real[keep], values.imag[keep], c=steps[keep], cmap=SCALAR_CMAP, norm=norm
            )
            fig.colorbar(points, ax=cloud, label="training step")
            _complex_plane(cloud, equal=False)
        else:
            _missing(cloud, "game Jacobian")
        cloud.set_title("game Jacobian: eigenvalues along training")
        cloud.set_xlabel("Re λ")
        cloud.set_ylabel("Im λ")
        steps, rho = summary.radius
        if len(steps):
            radius.plot(steps, rho, marker="o", color=PALETTE[0], label="ρ(training operator)")
            radius.axhline(1.0, color="black", lw=1.5, label="ρ = 1")
            if np.nanmax(rho) > 20 * max(np.nanmin(rho), 1e-300):
                radius.set_yscale("log")
            for step, _ in summary.crossings:
                radius.axvline(step, color=PALETTE[1], ls="--", lw=1)
            radius.legend()
        else:
            _missing(radius, "training operator")
        radius.set_title("training operator: spectral radius")
        radius.set_xlabel("training step")
        radius.set_ylabel("ρ")
        drawn = False
        for key, label in (("jacobian:SR", "SR"), ("jacobian", "LM")):
            found = series.get(key)
            if found is not None and found.eigenvalues.size:
                low = np.nanmin(
                    np.where(np.isfinite(found.eigenvalues.real), found.eigenvalues.real, np.nan),
                    axis=1,
                )
                real.plot(found.steps, low, marker="o", label=f"min Re λ ({label})")
                drawn = True
        if drawn:
            real.axhline(0.0, color="black", lw=1.0)
            real.legend()
        else:
            _missing(real, "game Jacobian")
        real.set_title("least stable real parts")
        real.set_xlabel("training step")
        real.set_ylabel("min Re λ")
        rot = series.get("rotation")
        if rot is not None and np.isfinite(rot.values).any():
            rotation.errorbar(
                rot.steps, rot.values, yerr=2 * rot.errors, marker="o", capsize=3, label="all"
            )
            players: dict[str, list[tuple[int, float, float]]] = {}
            for step, record in zip(rot.steps, rot.records, strict=True):
                for name, (value, err) in (record.get("blocks") or {}).items():
                    players.setdefault(name, []).append((int(step), value, err))
            for name, rows in players.items():
                s, v, e = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
                rotation.errorbar(s, v, yerr=2 * e, marker=".", capsize=2, label=name, alpha=0.8)
            rotation.set_ylim(-0.02, 1.02)
            rotation.legend()
        else:
            _missing(rotation, "rotation index")
        rotation.set_title("rotation index ‖K‖²/‖J‖² (± 2 SE)")
        rotation.set_xlabel("training step")
        rotation.set_ylabel("R")
    if out is not None:
        from ._atomic import write_text

        save(fig, Path(out) / "monitor_report")
        write_text(Path(out) / "monitor_summary.txt", summary.text + "\n")
    return fig, summary
