"""Argument types (a bad value is refused while parsing, one line, exit 2) and options
declared as tables."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from typing import Any


def _number(text: str, kind: type) -> float | int:
    try:
        value = kind(text)
    except ValueError:
        name = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {name}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not finite")
    return value


def at_least(least: int) -> Callable[[str], int]:
    """The type of an integer option ``>= least``."""

    def integer(text: str) -> int:
        value = _number(text, int)
        if value < least:
            raise argparse.ArgumentTypeError(f"must be an integer >= {least}, got {value}")
        return value

    return integer


def real(test: Callable[[float], bool] = bool, what: str = "") -> Callable[[str], float]:
    """The type of a finite number option for which ``test`` holds (``what`` says the bound)."""

    def number(text: str) -> float:
        value = _number(text, float)
        if not test(value):
            raise argparse.ArgumentTypeError(f"must be {what}, got {value:g}")
        return value

    return number


positive_int, nonnegative_int = at_least(1), at_least(0)
finite_float = real(lambda v: True)
positive_float = real(lambda v: v > 0, "> 0")
nonnegative_float = real(lambda v: v >= 0, ">= 0")
probability = real(lambda v: 0 < v < 1, "in (0, 1)")


def json_object(text: str) -> dict[str, Any]:
    """A JSON object such as ``'{"ngf": 64}'``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON ({err.msg}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f"must be a JSON object such as '{{\"ngf\": 64}}', got {text!r}"
        )
    return value


class _OneOfTwo(argparse.BooleanOptionalAction):
    """``--x``/``--no-x``, refusing both together (the last one would win silently)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        value = not str(option).startswith("--no-")
        previous = getattr(namespace, self.dest, None)
        if previous is not None and previous != value:
            flag = "--" + self.dest.replace("_", "-")
            parser.error(f"{flag} and --no-{flag[2:]} contradict each other: give one")
        setattr(namespace, self.dest, value)


def add_options(p: argparse.ArgumentParser, options: dict[str, tuple[str, Any, Any]]) -> None:
    """Register ``{flag: (help, kind, default)}``: ``kind`` a type, a tuple of choices,
    ``"store_true"`` or ``"bool"`` (``--x``/``--no-x``). Every option is left ``None`` when not
    given (so a command can tell given from default); the default is in the help."""
    for flag, (text, kind, default) in options.items():
        shown = f"{text} (default {default})" if default not in (None, False) else text
        if kind == "store_true":
            p.add_argument(flag, action="store_true", default=None, help=text)
        elif kind == "bool":
            p.add_argument(flag, action=_OneOfTwo, default=None, help=text)
        elif isinstance(kind, tuple):
            p.add_argument(flag, choices=kind, default=None, help=shown)
        else:
            p.add_argument(flag, type=kind, default=None, help=shown)


def fill_defaults(args: argparse.Namespace, options: dict[str, tuple[str, Any, Any]]) -> set[str]:
    """Set each option of ``options`` not given to its default; the names of those given
    (remembered in ``args.given``, so that a second call answers the same)."""
    given = vars(args).setdefault("given", set())
    for flag, (_, _, default) in options.items():
        name = flag[2:].replace("-", "_")
        if name in given:
            continue
        if getattr(args, name, None) is None:
            setattr(args, name, default)
            vars(args).setdefault("defaulted", set()).add(name)
        elif name not in vars(args).get("defaulted", ()):
            given.add(name)
    return {f[2:].replace("-", "_") for f in options} & given
