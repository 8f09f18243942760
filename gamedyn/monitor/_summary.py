"""What a monitor log says, in a few facts: when ``ρ`` crossed 1, which player dominated.

The training operator ``T`` (the optimisers' update) is locally stable where its spectral
radius ``ρ(∂T) < 1``; :func:`summarise` lists the monitored steps where ``ρ`` went above 1 (and
back), and for each the player whose coordinates carry most of the leading eigenvector
(``generator_share > 1/2``: the generator). For the game Jacobian ``J`` it reports the least
stable real part ``min Re λ`` seen (negative: a direction that gradient play moves away from),
and the rotation index's first and last values with their error bars.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ._log import MonitorSeries, read_monitor_log

__all__ = ["Summary", "summarise"]


class Summary(NamedTuple):
    """Facts from a monitor log.

    Attributes:
      crossings: ``(step, "above" | "below")`` where the training operator's ``ρ`` crossed 1,
        at the first monitored step on the other side.
      dominant: per crossing above 1, ``(step, player, share)``: the player carrying most of
        the leading eigenvector and its share.
      radius: ``(steps, ρ)`` of the training operator (empty without one).
      least_stable: ``(step, min Re λ)`` of the game Jacobian over the log, or ``None``.
      text: the summary as lines of text.
    """

    crossings: list[tuple[int, str]]
    dominant: list[tuple[int, str, float]]
    radius: tuple[np.ndarray, np.ndarray]
    least_stable: tuple[int, float] | None
    text: str


def _leading_share(record: dict[str, Any]) -> float | None:
    shares = record.get("generator_share")
    return None if not shares else float(shares[0])


def summarise(log: str | Path | dict[str, MonitorSeries]) -> Summary:
    """The :class:`Summary` of a monitor log (its folder, or :func:`read_monitor_log`'s series).

    Example:
      >>> import tempfile
      >>> from gamedyn.monitor._log import LogWriter
      >>> d = tempfile.mkdtemp(); w = LogWriter(d)
      >>> for step, rho in ((0, 0.99), (10, 1.02)):
      ...     w.append({"step": step, "quantity": "optimiser", "eigenvalues": [[rho, 0.0]],
      ...               "generator_share": [0.9]})
      >>> summarise(d).crossings, summarise(d).dominant
      ([(10, 'above')], [(10, 'generator', 0.9)])
    """
    series = read_monitor_log(log) if isinstance(log, str | Path) else log
    lines: list[str] = []
    crossings: list[tuple[int, str]] = []
    dominant: list[tuple[int, str, float]] = []
    steps, rho = np.zeros(0, dtype=np.int64), np.zeros(0)
    op = series.get("optimiser")
    if op is not None and op.eigenvalues.size:
        steps, rho = op.steps, np.nanmax(np.abs(op.eigenvalues), axis=1)
        previous = None
        for step, value, record in zip(steps, rho, op.records, strict=True):
            if not np.isfinite(value):
                continue
            side = "above" if value > 1 else "below"
            if (previous is None and side == "above") or (
                previous is not None and side != previous
            ):
                crossings.append((int(step), side))
                share = _leading_share(record)
                if side == "above" and share is not None:
                    player = "generator" if share > 0.5 else "discriminator"
                    dominant.append((int(step), player, share))
            previous = side
        lines.append(
            f"training operator: ρ from {rho[0]:.6g} (step {steps[0]}) to {rho[-1]:.6g} "
            f"(step {steps[-1]}), largest {np.nanmax(rho):.6g} "
            f"(step {steps[int(np.nanargmax(rho))]})"
        )
        if not crossings:
            where = "below" if np.nanmax(rho) <= 1 else "above"
            lines.append(f"ρ stayed {where} 1 at every monitored step")
        for step, side in crossings:
            text = f"ρ {'rose above' if side == 'above' else 'fell below'} 1 at step {step}"
            for s, player, share in dominant:
                if s == step:
                    text += (
                        f"; the {player}'s block dominated (share {share:.2f} of the leading "
                        "eigenvector)"
                    )
            lines.append(text)
    least: tuple[int, float] | None = None
    for key in ("jacobian:SR", "jacobian"):
        jac = series.get(key)
        if jac is not None and jac.eigenvalues.size and np.isfinite(jac.eigenvalues.real).any():
            real = np.where(np.isfinite(jac.eigenvalues.real), jac.eigenvalues.real, np.inf)
            per_step = real.min(axis=1)
            i = int(np.argmin(per_step))
            least = (int(jac.steps[i]), float(per_step[i]))
            lines.append(
                f"game Jacobian ({key}): least stable real part {least[1]:.6g} at step {least[0]}"
                + (" (negative: a direction gradient play moves away from)" if least[1] < 0 else "")
            )
            break
    rot = series.get("rotation")
    if rot is not None and np.isfinite(rot.values).any():
        lines.append(
            f"rotation index: {rot.values[0]:.3f} ± {rot.errors[0]:.3f} (step {rot.steps[0]}) → "
            f"{rot.values[-1]:.3f} ± {rot.errors[-1]:.3f} (step {rot.steps[-1]})"
        )
    unconverged = sum(int((~s.converged).sum()) for s in series.values())
    if unconverged:
        lines.append(f"{unconverged} record(s) did not converge (budget or restarts): see 'status'")
    if not lines:
        lines.append("the log holds no spectra yet")
    return Summary(crossings, dominant, (steps, rho), least, "\n".join(lines))
