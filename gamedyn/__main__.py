"""``python -m gamedyn``: the command line (:mod:`gamedyn.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
