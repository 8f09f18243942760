"""The ``gamedyn`` command line: ``gamedyn figures`` (the main job) and analysis subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gamedyn", description="Numerical analysis of smooth two-player game dynamics."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    figures = commands.add_parser("figures", help="regenerate the figures from built-in examples")
    figures.add_argument("--out", default="figures", help="output directory (default: figures/)")
    figures.add_argument(
        "--only", nargs="+", metavar="NAME", help="make only these figures (see --list)"
    )
    figures.add_argument("--list", action="store_true", help="list the figures and exit")
    figures.add_argument(
        "--small", action="store_true", help="smaller runs (for tests); same figures, coarser"
    )
    figures.set_defaults(run=_figures)

    from . import cli_spectrum

    cli_spectrum.add_parser(commands)
    cli_spectrum.add_path_angle_parser(commands)
    return parser


def _figures(args: argparse.Namespace) -> int:
    from . import figures

    if args.list:
        for name, doc in figures.catalogue().items():
            print(f"{name:32s} {doc}")
        return 0
    figures.make_all(args.out, only=args.only, small=args.small)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
