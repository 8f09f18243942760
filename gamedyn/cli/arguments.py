"""Argument types and early checks of the command line: every mistake is found before work.

The ``type=`` functions make argparse refuse a bad number with its usual one-line
``gamedyn <command>: error: argument --k: ...`` and exit status 2; :func:`output_directory`
and :func:`input_file` check paths before any computation, so an unwritable ``--out`` does not
throw away a long analysis.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

__all__ = [
    "positive_int",
    "nonnegative_int",
    "positive_float",
    "nonnegative_float",
    "finite_float",
    "output_directory",
    "input_file",
]


def _number(text: str, kind: type) -> float | int:
    try:
        value = kind(text)
    except ValueError:
        name = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {name}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not finite")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def nonnegative_int(text: str) -> int:
    """An integer >= 0."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    return value


def finite_float(text: str) -> float:
    """A finite number."""
    return _number(text, float)


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _number(text, float)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value:g}")
    return value


def nonnegative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _number(text, float)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value:g}")
    return value


def output_directory(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a directory that exists (created if needed) and can be written, or a
    ``ValueError`` naming the option and the path (an empty one, ``''``, is refused: it would be
    the current directory)."""
    if not str(path).strip():
        raise ValueError(f"{option} {str(path)!r} is empty: give a directory")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {str(path)!r} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise ValueError(f"{option} {str(path)!r} is not writable: {err.strerror}") from None
    return path


def input_file(path: str | Path, option: str) -> Path:
    """``path`` as a readable file, or a ``ValueError``/``FileNotFoundError`` naming it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{option}: no file at {str(path)!r}")
    if path.is_dir():
        raise ValueError(f"{option} {str(path)!r} is a directory, not a file")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{option} {str(path)!r} is not readable")
    return path
