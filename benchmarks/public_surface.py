"""The size of gamedyn's public surface, and the explicit list of its public API.

Public modules are those with no path component starting with ``_``; the counts leave out the
outer layer (``gamedyn.cli``, ``gamedyn.figures``, ``gamedyn.examples``), as issue 23 measured
them; exported names are the ``module.name`` pairs of every public module's ``__all__``.

  python benchmarks/public_surface.py            # the counts
  python benchmarks/public_surface.py --list     # the public API, one gamedyn.pkg.name a line
  python benchmarks/public_surface.py --check docs/public_api.txt   # differences, exit 1 if any
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

OUTER = ("gamedyn.cli", "gamedyn.figures", "gamedyn.examples")


def public_modules() -> list[str]:
    import gamedyn

    names = ["gamedyn"] + [m.name for m in pkgutil.walk_packages(gamedyn.__path__, "gamedyn.")]
    return [m for m in names if not any(p.startswith("_") for p in m.split("."))]


def surface(outer: bool = False) -> dict[str, list[str]]:
    """``{module: __all__}`` of every public module (with the outer layer if ``outer``)."""
    found = {}
    for name in public_modules():
        if not outer and name.startswith(OUTER):
            continue
        found[name] = list(getattr(importlib.import_module(name), "__all__", []))
    return found


def api_list() -> list[str]:
    """The public API: every ``module.name`` of the library and its examples (not the CLI)."""
    return [
        f"{module}.{name}"
        for module, names in surface(outer=True).items()
        if not module.startswith("gamedyn.cli")
        for name in names
    ]


def read_list(path: str | Path) -> list[str]:
    """The names of an API list file (``#`` comments and blank lines skipped)."""
    lines = Path(path).read_text().splitlines()
    return [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--check", metavar="FILE")
    args = parser.parse_args()
    if args.list:
        print("\n".join(api_list()))
        return 0
    if args.check:
        listed, actual = set(read_list(args.check)), set(api_list())
        for name in sorted(actual - listed):
            print(f"exported but not listed: {name}")
        for name in sorted(listed - actual):
            print(f"listed but not exported: {name}")
        return int(listed != actual)
    found = surface()
    print(
        f"public library modules: {len(found)}; "
        f"exported module.name pairs: {sum(map(len, found.values()))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
