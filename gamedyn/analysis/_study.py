"""One call from a loaded game to its complete record: the checked top-``k`` (of one game, or of
the averaged game with each batch's spread), the non-normal quantities and the per-player
blocks on request, with progress bars; what ``gamedyn spectrum`` runs between loading and
saving."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..linalg import NoConvergence
from ..nonnormal import NonNormal, non_normal_extras
from ..spectrum import blocks_report
from ._analyse import DEFAULT_SOLVER, _analysis, _batch_spectra
from ._records import SpectrumRecord

__all__ = ["study", "PROGRESS_FORMAT"]

PROGRESS_FORMAT = "{desc}: {n_fmt}/{total_fmt} |{bar}| {elapsed} elapsed, estimate {remaining} left"
"""The progress bars' format: the time left is labelled as an estimate (tqdm's rate guess)."""


def study(
    game: Any,
    k: int = 6,
    which: str = "LM",
    *,
    method: Any = None,
    solver: Any = DEFAULT_SOLVER,
    non_normal: NonNormal | None = None,
    blocks: bool = False,
    spread: Mapping[str, Any] | None = None,
    batches: Sequence[Any] | None = None,
    progress: bool = False,
) -> SpectrumRecord:
    """The checked analysis record of ``game`` (:func:`analyse`), or with ``spread`` (the
    keywords ``confidence``, ``interval_method``, ``precision`` of :func:`batch_spectra`) the
    averaged game's with each of ``batches``' top-``k`` (``batches``: the per-batch games, or
    ``None`` for a :class:`~gamedyn.games.DistributedAveragedGame` ``game``).

    A solver that does not converge gives its partial record (``converged=False``) instead of
    raising. Once converged, ``non_normal``'s quantities of the same operator (the one the
    analysis checked and solved on: its products, traces and retained graphs built once) go in
    ``extras["non_normal"]``; ``blocks`` adds :func:`~gamedyn.spectrum.blocks_report` in
    ``extras["blocks"]``. ``progress``: tqdm bars of the converged eigenvalues (a count that
    never goes back) and of the non-normal quantities.

    Example:
      >>> import numpy as np
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.nonnormal import NonNormal
      >>> record = study(Bilinear(np.diag([3.0, 2.0, 1.0])), 2, non_normal=NonNormal(transient=3))
      >>> record.converged, sorted(record.extras["non_normal"])
      (True, ['transient'])
    """
    from tqdm import tqdm

    bar = tqdm(
        total=k, desc="converged eigenvalues", disable=not progress, bar_format=PROGRESS_FORMAT
    )
    options = dict(  # the count shown never goes back (a restart may lose a value for a while)
        method=method, solver=solver, callback=lambda done, _: bar.update(max(done - bar.n, 0))
    )
    try:
        if spread is not None:
            spectra, op = _batch_spectra(
                game if batches is None else batches, k, which, non_normal=None, **spread,
                **options,
            )  # fmt: skip
            record = spectra.averaged
        else:
            record, op = _analysis(game, k, which, z=None, **options)
    except NoConvergence as err:
        if err.record is None:
            raise
        record = err.record
    finally:
        bar.close()
    if non_normal is not None and not non_normal.empty and record.converged:
        bar = tqdm(total=None, desc="extras", disable=not progress, bar_format=PROGRESS_FORMAT)

        def advance(name: str, done: int, total: int) -> None:
            bar.total = total
            bar.set_description_str("extras" if name == "done" else f"extras ({name})")
            bar.update(max(done - bar.n, 0))

        try:
            record.extras["non_normal"] = non_normal_extras(
                op,
                non_normal,
                game=game,
                eigenvalues=record.eigenvalues,
                which=which,
                k=k,
                tol=solver.tol,
                progress=advance,
            )
        finally:
            bar.close()
    if blocks:
        record.extras["blocks"] = blocks_report(game, k)
    return record
