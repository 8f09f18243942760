"""The vector field along a straight path: Berard et al.'s path-angle.

For two points ``z_0`` (e.g. an early checkpoint) and ``z_1`` (e.g. the final one), the path is
``z(α) = z_0 + α (z_1 − z_0)``. The *path-angle* at ``α`` is the cosine between the field and
the path's direction,

    ``cos θ(α) = ⟨v(z(α)), z_1 − z_0⟩ / (‖v(z(α))‖ ‖z_1 − z_0‖)``.

For a single potential ``f`` (``v = ∇f``) along a path through a minimum this goes from −1 to
+1 through zero with one sign change, like the derivative of a 1-D convex function. A
rotational game shows a *bump* around the equilibrium instead: the field turns away from the
path. The cosine is computed per player as well (the first player's part of ``v`` against the
first player's part of ``z_1 − z_0``).

References:
  Berard, Gidel, Almahairi, Vincent and Lacoste-Julien, "A Closer Look at the Optimization
  Landscapes of Generative Adversarial Networks", ICLR 2020.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from . import _validate
from .games._base import Game

__all__ = ["PathAngle", "path_angle", "path_angle_record"]


class PathAngle(NamedTuple):
    """The field along ``z(α) = z_0 + α(z_1 − z_0)``, one entry per ``α``."""

    alpha: np.ndarray
    """The path parameters."""
    cosine: np.ndarray
    """``cos θ(α)`` between ``v(z(α))`` and ``z_1 − z_0`` (nan where ``v = 0``)."""
    cosine_x: np.ndarray
    """The same for the first player's parts."""
    cosine_y: np.ndarray
    """The same for the second player's parts."""
    norm: np.ndarray
    """``‖v(z(α))‖``."""


def path_angle(game: Game, z0: Any, z1: Any, alpha: Any = None, *, num: int = 101) -> PathAngle:
    """The path-angle of ``game`` between ``z0`` and ``z1``.

    Args:
      game: any game (its ``field`` is evaluated ``len(alpha)`` times).
      z0, z1: the path's ends (``z0 ≠ z1``).
      alpha: the path parameters (default ``num`` points on ``[−0.5, 1.5]``, so the path runs
        past both ends, as in Berard et al.).
      num: the number of default points.
    """
    start, end = game.point(z0, "z0"), game.point(z1, "z1")
    direction = end - start
    if not torch.any(direction != 0):
        raise ValueError("z0 and z1 are the same point: the path has no direction")
    if alpha is None:
        num = _validate.integer_at_least("num", num, 2)
        _validate.at_most("num", num, _validate.MAX_PATH_POINTS, "one field evaluation each")
        alpha = np.linspace(-0.5, 1.5, num)
    alpha = _validate.vector("alpha", alpha).numpy()
    fields = torch.stack([game.field(start + float(a) * direction) for a in alpha]).detach()
    dx, dy = game.split(direction)
    vx, vy = fields[:, : game.nx], fields[:, game.nx :]
    return PathAngle(
        alpha=alpha,
        cosine=_cosine(fields, direction),
        cosine_x=_cosine(vx, dx),
        cosine_y=_cosine(vy, dy),
        norm=torch.linalg.vector_norm(fields, dim=1).cpu().numpy(),
    )


def path_angle_record(game0: Any, game1: Any, result: PathAngle, **settings: Any) -> dict[str, Any]:
    """The JSON record of :func:`path_angle` run between two checkpoints' games (the field of
    ``game1`` from ``game0.z0`` to ``game1.z0``): the settings, both load reports, the distance
    ``‖z_1 − z_0‖`` and every column of ``result`` as a list."""
    return {
        **settings,
        "game": repr(game1),
        "loaded": [game0.checkpoint_report.to_dict(), game1.checkpoint_report.to_dict()],
        "distance": float(torch.linalg.vector_norm(game1.z0 - game0.z0)),
        **{name: np.asarray(value).tolist() for name, value in result._asdict().items()},
    }


def _cosine(rows: torch.Tensor, direction: torch.Tensor) -> np.ndarray:
    """``⟨row, d⟩ / (‖row‖ ‖d‖)`` per row; nan where either norm is zero."""
    norms = torch.linalg.vector_norm(rows, dim=1) * torch.linalg.vector_norm(direction)
    cos = (rows @ direction) / norms
    return torch.where(norms > 0, cos, torch.full_like(cos, float("nan"))).cpu().numpy()
