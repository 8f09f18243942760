"""``gamedyn path-angle CKPT0 CKPT1 ...``: Berard et al.'s path-angle between two checkpoints.

The field of the second checkpoint's game (:mod:`gamedyn.cli._options`) along the straight
line from the first checkpoint's parameters to the second's (:func:`gamedyn.path_angle`);
writes ``path_angle.json`` (α, cosines, norms, settings) and ``path_angle.png``
(:func:`gamedyn.plot.path_angle`), each atomically.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from .._atomic import output_directory, write_text
from ..analysis import json_safe
from ..checkpoints import loaded_summary
from ._arguments import at_least
from ._options import add_model_arguments, build_game, gan_source


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``path-angle CHECKPOINT0 CHECKPOINT1``; returns its parser."""
    p = subparsers.add_parser(
        "path-angle",
        help="Berard et al.'s path-angle between two checkpoints (field along the straight path)",
    )
    p.add_argument("checkpoint0", help="the path's start (α = 0)")
    p.add_argument("checkpoint1", help="the path's end (α = 1)")
    add_model_arguments(p)
    p.add_argument("--num", type=at_least(2), default=101, help="points on α ∈ [−0.5, 1.5]")
    p.add_argument("--out", default="path_angle", help="output directory (default path_angle/)")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Writes ``path_angle.json`` and ``path_angle.png`` to ``args.out``; 0."""
    import matplotlib.pyplot as plt

    from .. import plot
    from .._landscape import path_angle, path_angle_record

    gan_source(args, args.checkpoint0), gan_source(args, args.checkpoint1)  # checked first
    out = output_directory(args.out)
    start = time.perf_counter()
    game0 = build_game(args, checkpoint=args.checkpoint0)
    game1 = build_game(args, checkpoint=args.checkpoint1)
    print(f"{loaded_summary(game0)}\n{loaded_summary(game1)}")
    result = path_angle(game1, game0.z0, game1.z0, num=args.num)
    names = ("checkpoint0", "checkpoint1", "batch", "seed", "dtype")
    record = path_angle_record(game0, game1, result, **{n: getattr(args, n) for n in names})
    record["seconds"] = time.perf_counter() - start
    write_text(out / "path_angle.json", json.dumps(json_safe(record), indent=2, allow_nan=False))
    ax = plot.path_angle(result)
    ax.set_title(f"path-angle: {Path(args.checkpoint0).name} → {Path(args.checkpoint1).name}")
    plot.save(ax.figure, out / "path_angle", formats=("png",))
    plt.close(ax.figure)
    print(f"path-angle at {len(result.alpha)} points, {record['seconds']:.1f} s -> {out}")
    return 0
