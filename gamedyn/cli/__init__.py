"""The ``gamedyn`` command line: one module per command (``figures``, ``spectrum``,
``path-angle``, ``examples``, ``report``), each parsing its options and calling the library.

Exit status: 0 success; 1 an eigen-solver did not converge (the partial result is written);
2 a user error, reported as one line ``gamedyn <command>: error: ...`` (``--debug``: the
traceback). The matplotlib backend is ``Agg`` unless ``MPLBACKEND`` says otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import _collector
from ._arguments import positive_int

__all__ = ["build_parser", "main", "USER_ERRORS"]

THREADS = "torch threads (default: torch's, at most this process's cores; 1 on a busy machine)"

USER_ERRORS = (ValueError, TypeError, OSError, MemoryError, FloatingPointError)
"""What a user's mistake raises in the library (with a message that names the argument)."""


class _Parser(argparse.ArgumentParser):
    """A parser whose errors are one line, ``gamedyn <command>: error: ...``, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``gamedyn`` parser with every command registered."""
    with _collector.paused():  # the commands import torch (gamedyn._collector)
        from . import _examples, _figures, _path_angle, _report, _spectrum
    parser = _Parser(
        prog="gamedyn", description="Numerical analysis of smooth two-player game dynamics."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for command in (_figures, _spectrum, _path_angle, _examples, _report):
        sub = command.add_parser(commands)
        sub.add_argument("--debug", action="store_true", help="show tracebacks of errors")
        sub.add_argument("--threads", type=positive_int, metavar="N", help=THREADS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``) and run the command; its exit status."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:  # an interrupt from the first import on: one line, no traceback
        parser = build_parser()
        _collector.freeze_imports(argv)  # argv None: the command's own process
        args = parser.parse_args(argv)
    except SystemExit as exit:  # --help (0) or a one-line usage error (2)
        return int(exit.code or 0)
    except KeyboardInterrupt:
        return _interrupted("gamedyn")
    try:
        from .._threads import set_threads

        args.threads = set_threads(args.threads)
        return args.run(args)
    except (*USER_ERRORS, RuntimeError) as err:
        from ..games._distributed import error_line

        line = None if args.debug else error_line(err)  # None: not a user's error
        if line is None:
            raise
        if line:  # under torchrun, rank 0 alone says it (unless it is rank 0 that is missing)
            print(f"gamedyn {args.command}: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return _interrupted(f"gamedyn {args.command}")


def _interrupted(prog: str) -> int:
    print(f"{prog}: interrupted", file=sys.stderr)
    return 130
