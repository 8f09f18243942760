"""The ``gamedyn`` command line: one module per command, each only calling the library.

* ``gamedyn figures`` (:mod:`.figures`): regenerate the gallery (the main job);
* ``gamedyn spectrum`` (:mod:`.spectrum`): top eigenvalues of a GAN checkpoint's Jacobian;
* ``gamedyn path-angle`` (:mod:`.path_angle`): Berard et al.'s path-angle between checkpoints;

with the options that build a game from a checkpoint in :mod:`.options`. The matplotlib
backend is chosen here, once (``Agg`` unless ``MPLBACKEND`` says otherwise), before any command
draws.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from . import figures, path_angle, spectrum

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``gamedyn`` parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="gamedyn", description="Numerical analysis of smooth two-player game dynamics."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for command in (figures, spectrum, path_angle):
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``) and run the command; its exit status."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    args = build_parser().parse_args(argv)
    return args.run(args)
