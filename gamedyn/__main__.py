"""``python -m gamedyn``: the command line (:mod:`gamedyn.cli`)."""

import sys

if __name__ == "__main__":
    try:  # an interrupt while the imports run: one line, no traceback
        from .cli import main
    except KeyboardInterrupt:
        print("gamedyn: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(main())
