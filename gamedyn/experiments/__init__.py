"""The science behind the figures: one private module per experiment, its numbers computed
without matplotlib (``gamedyn.figures`` only draws them).

* :mod:`._stochastic_bilinear`: the stochastic bilinear experiment in the authors' setting
  (LAGAN's released notebook: :func:`notebook_curves`, :data:`PAPER_OUTCOME`) and gamedyn's
  small teaching instance (:func:`stochastic_bilinear_curves`);
* :mod:`._noise_floor`: the lookahead variance claim — noise floors under additive noise
  (:func:`noise_floor_curves`) and sampling noise in the paper's setting
  (:func:`sampling_noise_variance`).
"""

# Names imported here but not in ``__all__`` are the package's own (its modules, tests).
from ._noise_floor import (  # noqa: F401
    NOISE_FLOOR,
    SAMPLING_NOISE,
    FloorCurve,
    lookahead_verdict,
    noise_floor_curves,
    noise_floor_games,
    noise_floor_methods,
    sampling_noise_variance,
)
from ._stochastic_bilinear import (  # noqa: F401
    NOTEBOOK,
    NOTEBOOK_METHODS,
    PAPER_OUTCOME,
    STOCHASTIC_BILINEAR,
    BilinearCurve,
    MixedExtrapolation,
    NotebookAdam,
    NotebookCurve,
    NotebookProblems,
    notebook_curves,
    notebook_method,
    notebook_outcome,
    notebook_problem,
    notebook_run,
    stochastic_bilinear_curves,
)

__all__ = [
    "NOISE_FLOOR",
    "FloorCurve",
    "lookahead_verdict",
    "noise_floor_curves",
    "NOTEBOOK_METHODS",
    "PAPER_OUTCOME",
    "STOCHASTIC_BILINEAR",
    "BilinearCurve",
    "NotebookCurve",
    "NotebookProblems",
    "notebook_curves",
    "notebook_method",
    "notebook_outcome",
    "notebook_problem",
    "notebook_run",
    "stochastic_bilinear_curves",
]
