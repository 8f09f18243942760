"""``gamedyn examples EXAMPLE``: train an example GAN (:func:`gamedyn.examples.train`), saving
checkpoints along the way (``DIR/EXAMPLE/step_NNNNNN.safetensors``) and printing their paths."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._atomic import output_directory
from ..examples import EXAMPLES
from ..examples.training import SUFFIXES
from . import _arguments as a

OPTIONS = {
    "--steps": ("training steps", a.nonnegative_int, 2000),
    "--save-every": ("steps between checkpoints", a.positive_int, 500),
    "--out": ("output directory", str, "checkpoints"),
    "--batch": ("batch size", a.positive_int, 64),
    "--lr": ("Adam's step size", a.positive_float, 1e-4),
    "--seed": ("seed", int, 0),
    "--format": ("checkpoint format", tuple(s.lstrip(".") for s in SUFFIXES), "safetensors"),
    "--monitor": ("LOG_DIR: log spectra along training (gamedyn.monitor)", str, None),
    "--monitor-every": ("steps between spectra", a.positive_int, 500),
}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``examples``; returns its parser."""
    p = subparsers.add_parser("examples", help=__doc__.split("(")[0].split(": ")[1])
    p.add_argument("example", choices=sorted(EXAMPLES))
    a.add_options(p, OPTIONS)
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Train and print the checkpoints' paths; 0."""
    from ..examples import train

    if "monitor_every" in a.fill_defaults(args, OPTIONS) and args.monitor is None:
        raise ValueError("--monitor-every needs --monitor LOG_DIR")
    out = output_directory(Path(output_directory(args.out)) / args.example)
    options = {n: getattr(args, n) for n in ("batch", "lr", "seed", "monitor", "monitor_every")}
    paths = train(
        args.example, args.steps, out, args.save_every, suffix=f".{args.format}", **options
    )
    print("\n".join(map(str, paths)))
    return 0
