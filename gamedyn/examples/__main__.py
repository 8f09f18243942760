"""``python -m gamedyn.examples EXAMPLE --steps N --save-every M --out DIR``."""

from .training import main

if __name__ == "__main__":
    raise SystemExit(main())
