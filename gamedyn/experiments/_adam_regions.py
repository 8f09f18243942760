"""``adam_regions``: where the Adam family converges on a rotational spectrum, β₁ from 0.9 to −0.3.

The Adam-family operators with their preconditioner frozen at a number (``v̂ = 1``, so ``lr`` is
the effective step) have eigenvalue maps — derived from their steps: frozen Adam is heavy-ball
momentum with ``β = β₁`` — so their rate ``ρ(λ)`` can be drawn over the λ-plane. Rows: β₁ ∈
{0.9, 0.5, 0, −0.3}; columns: Adam, ExtraAdam, OptimisticAdam and LA-Adam (lookahead ``k = 5``,
``α = 0.5``, LAGAN's ``inner_state="keep"``), all at ``lr = 0.2``; points: a rotational spectrum
(small real parts, large imaginary parts, as a GAN's near a saddle). Last row: ``ρ`` on that
spectrum over ``(lr, β₁)``. The picture of why GAN practice lowered Adam's β₁ from 0.9 to 0.5 or
0, and of negative momentum (Gidel et al. 2019).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..methods import Adam, ExtraAdam, Lookahead, Method, OptimisticAdam
from ..regions import RateMap, hyperparameter_map, rate

__all__ = [
    "ADAM_LR",
    "ADAM_BETA1S",
    "ADAM_SECOND_MOMENT",
    "adam_spectrum",
    "adam_family",
    "adam_spectrum_rates",
    "adam_rate_maps",
    "ADAM_LR_BOX",
    "ADAM_BETA1_BOX",
    "AdamOptimum",
    "adam_optima",
]

ADAM_LR = 0.2
"""The step size of the λ-plane panels (with ``v̂ = 1``: the effective step)."""
ADAM_BETA1S = (0.9, 0.5, 0.0, -0.3)
"""The rows: Adam's default β₁, the DCGAN value, no momentum, negative momentum."""
ADAM_SECOND_MOMENT = 1.0
"""The frozen (scalar) bias-corrected second moment ``v̂``."""


def adam_spectrum() -> np.ndarray:
    """The rotational spectrum marked in every panel: ``0.05 ± i``, ``0.1 ± 0.6i``,
    ``0.2 ± 0.3i``."""
    top = np.array([0.05 + 1.0j, 0.1 + 0.6j, 0.2 + 0.3j])
    return np.concatenate([top, top.conj()])


def adam_family(beta1: float, lr: float = ADAM_LR) -> dict[str, Method]:
    """The four frozen-preconditioner operators of one row (β₂ = 0.999, ``v̂`` =
    :data:`ADAM_SECOND_MOMENT`)."""
    common = {"betas": (beta1, 0.999), "second_moment": ADAM_SECOND_MOMENT}
    return {
        "Adam": Adam(lr, **common),
        "ExtraAdam": ExtraAdam(lr, **common),
        "OptimisticAdam": OptimisticAdam(lr, **common),
        "LA-Adam": Lookahead(Adam(lr, **common), k=5, alpha=0.5, inner_state="keep"),
    }


def adam_spectrum_rates(lr: float = ADAM_LR) -> dict[tuple[float, str], float]:
    """``ρ = max_λ rate(method, λ)`` on :func:`adam_spectrum`, per ``(β₁, method name)``."""
    lam = adam_spectrum()
    return {
        (beta1, name): float(rate(method, lam).max())
        for beta1 in ADAM_BETA1S
        for name, method in adam_family(beta1, lr).items()
    }


ADAM_LR_BOX = (0.02, 2.0)
"""The search box of the ``(lr, β₁)`` maps: wide enough that every method's best point is inside
it at full size (a best point on the box's edge says only that the box was too small)."""
ADAM_BETA1_BOX = (-0.95, 0.95)
"""The ``β₁`` range of the ``(lr, β₁)`` maps (see :data:`ADAM_LR_BOX`)."""


class AdamOptimum(NamedTuple):
    """The best grid point of a rate map, its rate and whether it lies on the box's edge (then it
    is no optimum: the rate keeps falling outside the box)."""

    point: dict[str, float]
    rate: float
    on_edge: bool


def adam_rate_maps(small: bool = False) -> dict[str, RateMap]:
    """``ρ`` on :func:`adam_spectrum` over ``lr`` × ``β₁`` in :data:`ADAM_LR_BOX` ×
    :data:`ADAM_BETA1_BOX`, per method (:func:`gamedyn.regions.hyperparameter_map`); a
    15 × 10 grid when ``small``, 60 × 40 otherwise."""
    lr = np.linspace(*ADAM_LR_BOX, 15 if small else 60)
    beta1 = np.linspace(*ADAM_BETA1_BOX, 10 if small else 40)
    names = list(adam_family(0.0))
    return {
        name: hyperparameter_map(
            lambda lr, beta1, name=name: adam_family(beta1, lr)[name],
            eigenvalues=adam_spectrum(),
            lr=lr,
            beta1=beta1,
        )
        for name in names
    }


def adam_optima(maps: dict[str, RateMap]) -> dict[str, AdamOptimum]:
    """The best point of each of :func:`adam_rate_maps`' maps, flagged when on the box's edge.

    >>> from gamedyn.regions import RateMap
    >>> rate = np.array([[0.9, 0.8], [0.7, 0.95]])
    >>> adam_optima({"m": RateMap(("lr", "beta1"), (np.r_[0.1, 0.2], np.r_[0.0, 0.5]), rate)})
    {'m': AdamOptimum(point={'lr': 0.2, 'beta1': 0.0}, rate=0.7, on_edge=True)}
    """
    out = {}
    for name, rate_map in maps.items():
        point, best = rate_map.best()
        index = np.unravel_index(np.nanargmin(rate_map.rate), rate_map.rate.shape)
        edge = any(i in (0, size - 1) for i, size in zip(index, rate_map.rate.shape, strict=True))
        out[name] = AdamOptimum(point, best, bool(edge))
    return out
