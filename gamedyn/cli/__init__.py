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

from . import examples, figures, path_angle, report, spectrum
from .arguments import positive_int

__all__ = ["build_parser", "main", "USER_ERRORS"]

THREADS = "torch threads (default: torch's, at most this process's cores; 1 on a busy machine)"

USER_ERRORS = (ValueError, TypeError, OSError, MemoryError, FloatingPointError)
"""What a user's mistake raises in the library (with a message that names the argument)."""


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, ``gamedyn <command>: error: ...``, exit 2
    (``--help`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``gamedyn`` parser with every command registered."""
    parser = _Parser(
        prog="gamedyn", description="Numerical analysis of smooth two-player game dynamics."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for command in (figures, spectrum, path_angle, examples, report):
        sub = command.add_parser(commands)
        sub.add_argument("--debug", action="store_true", help="show tracebacks of errors")
        sub.add_argument("--threads", type=positive_int, metavar="N", help=THREADS)
    return parser


def _rank() -> int:
    """This process's rank under torchrun; ``0`` outside it, or where ``RANK`` and
    ``WORLD_SIZE`` do not make a rank (then this process reports its own error)."""
    try:
        rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 0
    return rank if 0 <= rank < world else 0


def _one_line(err: BaseException) -> str:
    """The error's message on one line (an OSError from the system: its reason and path)."""
    if isinstance(err, OSError) and err.strerror and err.filename:
        text = f"{err.strerror}: {str(err.filename)!r}"
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``) and run the command; its exit status."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    if argv is None:  # the process is this command's own: the imports out of the collector's way
        from .._collector import freeze_imports

        freeze_imports()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # --help (0) or a one-line usage error (2)
        return int(exit.code or 0)
    try:
        from .._threads import set_threads

        args.threads = set_threads(args.threads)
        return args.run(args)
    except USER_ERRORS as err:
        if args.debug:
            raise
        # under torchrun every rank meets the same error: rank 0 alone says it (unless rank 0 is
        # the one that is missing)
        if _rank() == 0 or getattr(err, "all_ranks", False):
            print(f"gamedyn {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except RuntimeError as err:
        import torch.distributed as dist

        if args.debug or not (dist.is_available() and dist.is_initialized()):
            raise
        # a collective failed: a rank died or timed out (a user's error, not gamedyn's)
        first = _one_line(err).split(" Exception raised from ")[0][:300]
        print(
            f"gamedyn {args.command}: error: the process group failed on rank {_rank()}: {first}",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(f"gamedyn {args.command}: interrupted", file=sys.stderr)
        return 130
