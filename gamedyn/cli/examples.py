"""``gamedyn examples EXAMPLE --steps N --save-every M --out DIR``: train an example GAN.

The same as ``python -m gamedyn.examples``: :func:`gamedyn.examples.train`, writing
``DIR/EXAMPLE/step_NNNNNN.safetensors`` (or ``.pt``) and printing their paths.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..examples import EXAMPLES
from ..examples.training import SUFFIXES
from .arguments import nonnegative_int, output_directory, positive_float, positive_int

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``examples``; returns its parser."""
    p = subparsers.add_parser(
        "examples", help="train an example GAN, saving checkpoints along the way"
    )
    p.add_argument("example", choices=sorted(EXAMPLES))
    p.add_argument("--steps", type=nonnegative_int, default=2000)
    p.add_argument("--save-every", type=positive_int, default=500)
    p.add_argument("--out", default="checkpoints")
    p.add_argument("--batch", type=positive_int, default=64)
    p.add_argument("--lr", type=positive_float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", choices=[s.lstrip(".") for s in SUFFIXES], default="safetensors")
    p.add_argument(
        "--monitor", metavar="LOG_DIR", help="log spectra along training (gamedyn.monitor)"
    )
    p.add_argument("--monitor-every", type=positive_int, help="steps between spectra (500)")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Train and print the checkpoints' paths; 0."""
    from ..examples import train

    if args.monitor_every is not None and args.monitor is None:
        raise ValueError("--monitor-every needs --monitor LOG_DIR")
    output_directory(args.out)
    out = output_directory(Path(args.out) / args.example)
    paths = train(
        args.example,
        args.steps,
        out,
        args.save_every,
        batch=args.batch,
        lr=args.lr,
        seed=args.seed,
        suffix="." + args.format,
        monitor=args.monitor,
        monitor_every=500 if args.monitor_every is None else args.monitor_every,
    )
    for path in paths:
        print(path)
    return 0
