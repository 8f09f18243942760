"""``python -m gamedyn.examples EXAMPLE --steps N --save-every M --out DIR``.

The same command as ``gamedyn examples`` (:mod:`gamedyn.cli._examples`).
"""

import sys

from ..cli import main

if __name__ == "__main__":
    raise SystemExit(main(["examples", *sys.argv[1:]]))
