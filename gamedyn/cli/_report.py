"""``gamedyn report LOG_DIR``: figures and a summary from a training monitor's log
(:func:`gamedyn.plot.monitor_report`), written into ``--out`` (default ``LOG_DIR``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._atomic import output_directory


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``report``; returns its parser."""
    p = subparsers.add_parser("report", help="figures and a summary from a monitor's log")
    p.add_argument("log_dir", help="the monitor's log_dir (holding spectra.jsonl)")
    p.add_argument("--out", default=None, help="output folder (default: LOG_DIR)")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Draw the report and print the summary; 0."""
    from ..monitor import LOG_NAME
    from ..plot import monitor_report

    log = Path(args.log_dir)
    if not (log / LOG_NAME).is_file():
        raise FileNotFoundError(f"LOG_DIR {str(log)!r} holds no monitor log {LOG_NAME}")
    out = output_directory(args.out if args.out is not None else str(log))
    _, summary = monitor_report(log, out)
    print(summary.text)
    print(f"wrote {Path(out) / 'monitor_report.png'}, .pdf and monitor_summary.txt")
    return 0
