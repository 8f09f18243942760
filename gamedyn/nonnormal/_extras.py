"""The non-normal quantities an analysis record can carry, computed on the analysis' operator.

:func:`gamedyn.analysis.analyse` takes ``non_normal=NonNormal(...)`` and stores
:func:`non_normal_extras` in ``record.extras["non_normal"]`` (plain JSON: lists and numbers),
each quantity with the products it used, all on the one checked
:class:`~gamedyn.spectrum.JacobianOperator` of the analysis (matrix-free throughout):

* ``"pseudospectrum"``: the Krylov-projected ``σ_min`` on a grid around the Ritz values
  (:func:`~gamedyn.nonnormal.krylov_pseudospectrum`; never below the true
  ``σ_min``, so its ε-pseudospectra are inside the true ones);
* ``"transient"``: ``‖Tᵗ‖`` for ``t = 0 … steps`` (:func:`~gamedyn.nonnormal.
  power_norms`; for the game Jacobian, the gradient flow's ``‖e^{−t·dt·J}‖``), its peak and
  ``ρᵗ`` when the record's eigenvalues give ``ρ`` (``which="LM"`` for an operator,
  ``which="SR"`` for the flow, ``ρ = e^{−dt min Re λ}``);
* ``"rotation"``: the rotation index ``‖K‖²_F/‖A‖²_F`` with its standard error, for all rows
  and per player (game Jacobian) (:func:`~gamedyn.nonnormal._rotation.operator_rotation`);
* ``"conditioning"``: ``κ(λ)`` of the top-``k`` eigenvalues (Krylov–Schur on ``A`` and ``Aᵀ``,
  :func:`~gamedyn.nonnormal._conditioning.operator_condition_numbers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _validate
from ..games._base import Game
from ..linalg import arnoldi
from ..spectrum._operator import JacobianOperator
from ._conditioning import operator_condition_numbers
from ._pseudospectra import default_grid, projected_sigma_min
from ._rotation import RotationIndex, operator_rotation, parameter_blocks
from ._transient import flow_powers, power_norms

__all__ = ["NonNormal", "non_normal_extras", "headlines"]


@dataclass(frozen=True)
class NonNormal:
    """Which non-normal quantities to add to an analysis record, and their sizes.

    Attributes:
      pseudospectrum: add the Krylov-projected pseudospectrum.
      basis: its Arnoldi basis size ``m`` (``m`` products; capped at the operator's size).
      grid: grid points along the longer side of the plotted box.
      transient: add ``‖Tᵗ‖`` for ``t = 0 … transient`` (``None``: not computed).
      dt: the time step of the gradient flow (game Jacobian only).
      rotation: Hutchinson probes for the rotation index (``None``: not computed).
      conditioning: add ``κ(λ)`` of the top eigenvalues (``k`` of the analysis).
    """

    pseudospectrum: bool = False
    basis: int = 40
    grid: int = 60
    transient: int | None = None
    dt: float = 1.0
    rotation: int | None = None
    conditioning: bool = False

    def __post_init__(self) -> None:
        _validate.integer_at_least("basis", self.basis, 2)
        _validate.integer_at_least("grid", self.grid, 2)
        _validate.at_most(
            "grid² (its points)",
            self.grid**2,
            _validate.MAX_GRID_POINTS,
            f"grid = {self.grid} points along the longer side; a shifted solve each",
        )
        if self.transient is not None:
            _validate.integer_at_least("transient", self.transient, 1)
            _validate.at_most(
                "transient",
                self.transient,
                _validate.MAX_MATRIX_FREE_POWERS,
                "matrix-free ‖Tᵗ‖, a norm estimate at every step (2t products an expansion)",
            )
        if self.rotation is not None:
            _validate.integer_at_least("rotation", self.rotation, 2)
        _validate.positive("dt", self.dt)

    @property
    def empty(self) -> bool:
        """Nothing is asked for."""
        return not (
            self.pseudospectrum
            or self.transient is not None
            or self.rotation is not None
            or self.conditioning
        )


def _pairs(values: Any) -> list[list[float]]:
    return [[float(w.real), float(w.imag)] for w in np.asarray(values, dtype=complex)]


def _rotation(r: RotationIndex) -> dict[str, float]:
    return {
        "value": r.value,
        "stderr": r.stderr,
        "antisymmetric_frobenius2": r.antisymmetric.value,
        "symmetric_frobenius2": r.symmetric.value,
    }


def non_normal_extras(
    op: JacobianOperator,
    options: NonNormal,
    *,
    game: Game | None = None,
    eigenvalues: Any = None,
    which: str = "LM",
    k: int = 6,
    tol: float = 1e-10,
    progress: Callable[[str, int, int], Any] | None = None,
) -> dict[str, Any]:
    """The requested quantities of ``op`` as a JSON-ready dict (see the module docstring).

    ``eigenvalues`` (the analysis' own) widen the pseudospectrum's grid and give ``ρ`` for the
    transient's ``ρᵗ``; ``game`` gives the player blocks of the rotation index.
    ``progress(name, done, total)`` is called as each quantity starts (``done`` of ``total``
    finished) and once at the end (``name = "done"``).
    """
    if not isinstance(options, NonNormal):
        raise TypeError(f"non_normal must be a NonNormal, got {type(options).__name__}")
    stages = [
        name
        for name, wanted in (
            ("pseudospectrum", options.pseudospectrum),
            ("transient", options.transient is not None),
            ("rotation", options.rotation is not None),
            ("conditioning", options.conditioning),
        )
        if wanted
    ]

    def stage(name: str) -> None:
        if progress is not None:
            progress(name, stages.index(name) if name in stages else len(stages), len(stages))

    out: dict[str, Any] = {}
    n = int(op.shape[0])
    lam = np.asarray([] if eigenvalues is None else eigenvalues, dtype=complex)
    discrete = op.method is not None
    if options.pseudospectrum:
        stage("pseudospectrum")
        start = op.count
        m = min(options.basis, n)
        factorisation = arnoldi(op.apply, n, m, device=op.device)
        ritz = np.linalg.eigvals(factorisation.hessenberg[:m])
        re, im = default_grid(np.concatenate([ritz, lam]), options.grid)
        sigma = projected_sigma_min(factorisation.hessenberg, re, im)
        out["pseudospectrum"] = {
            "kind": "krylov-projected (σ_min never below the true value)",
            "basis": m,
            "re": re.tolist(),
            "im": im.tolist(),
            "sigma_min": sigma.tolist(),
            "ritz_values": _pairs(ritz),
            "boundary": "unit circle" if discrete else "imaginary axis",
            "matvecs": op.count - start,
        }
    if options.transient is not None:
        stage("transient")
        start = op.count
        powers = None if discrete else flow_powers(op, options.dt)
        norms, _ = power_norms(
            op.apply, op.apply_transpose, n, options.transient, tol=tol, device=op.device,
            powers=powers,
        )  # fmt: skip
        entry: dict[str, Any] = {
            "operator": "T" if discrete else f"exp(-t dt J), dt = {options.dt:g}",
            "norms": norms.tolist(),
            "peak": float(norms.max()),
            "peak_step": int(np.argmax(norms)),
            "matvecs": op.count - start,
        }
        rho = None
        if lam.size and discrete and which == "LM":  # the largest modulus: ρ(T)
            rho = float(np.abs(lam).max())
        elif lam.size and not discrete and which == "SR":  # ρ(e^{−dt J}) = e^{−dt min Re λ}
            rho = float(np.exp(-options.dt * lam.real.min()))
        if rho is not None:
            entry["spectral_radius"] = rho
            entry["rho_powers"] = [rho**t for t in range(options.transient + 1)]
        out["transient"] = entry
    if options.rotation is not None:
        stage("rotation")
        start = op.count
        blocks = None if (discrete or game is None) else parameter_blocks(game, "player")
        rotation = operator_rotation(op, options.rotation, blocks)
        out["rotation"] = {
            "probes": options.rotation,
            "estimator": "Hutchinson (Rademacher), delta-method standard error",
            "blocks": {label: _rotation(r) for label, r in rotation.items()},
            "matvecs": op.count - start,
        }
    if options.conditioning:
        stage("conditioning")
        start = op.count
        c = operator_condition_numbers(op, k, which, tol=max(tol, 1e-12))
        out["conditioning"] = {
            "eigenvalues": _pairs(c.eigenvalues),
            "condition_numbers": [float(x) for x in c.condition_numbers],
            "matvecs": op.count - start,
        }
    stage("done")
    return out


def headlines(extras: dict[str, Any]) -> list[str]:
    """One line per quantity of :func:`non_normal_extras`'s result: its headline number."""
    lines = []
    if "pseudospectrum" in extras:
        p = extras["pseudospectrum"]
        least = min(min(row) for row in p["sigma_min"])
        lines.append(f"pseudospectrum: basis m = {p['basis']}, least σ_min on the grid {least:.3g}")
    if "transient" in extras:
        t = extras["transient"]
        lines.append(f"transient: peak ‖Tᵗ‖ = {t['peak']:.4g} at t = {t['peak_step']}")
    if "rotation" in extras:
        for label, r in extras["rotation"]["blocks"].items():
            lines.append(f"rotation index ({label}): {r['value']:.4g} ± {r['stderr']:.2g}")
    if "conditioning" in extras:
        values = [v for v in extras["conditioning"]["condition_numbers"] if v is not None]
        if values:
            lines.append(f"conditioning: largest κ(λ) = {max(values):.4g}")
    return lines
