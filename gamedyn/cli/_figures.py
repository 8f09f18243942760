"""``gamedyn figures [--out DIR] [--only NAME ...] [--small] [--list]``: the gallery."""

from __future__ import annotations

import argparse
from typing import Any

from .._atomic import output_directory


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``figures``; returns its parser."""
    p = subparsers.add_parser("figures", help="regenerate the figures from built-in examples")
    p.add_argument("--out", default="figures", help="output directory (default: figures/)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="make only these figures (see --list)")
    p.add_argument("--list", action="store_true", help="list the figures and exit")
    p.add_argument(
        "--small", action="store_true", help="smaller runs (for tests); same figures, coarser"
    )
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """List or make the figures; 0."""
    from .. import figures

    if args.list:
        for name, doc in figures.catalogue().items():
            print(f"{name:32s} {doc}")
        return 0
    unknown = [name for name in args.only or () if name not in figures.FIGURES]
    if unknown:
        raise ValueError(
            f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(figures.FIGURES)}"
        )
    figures.make_all(output_directory(args.out), only=args.only, small=args.small)
    return 0
