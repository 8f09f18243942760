"""``python -m gamedyn.examples EXAMPLE --steps N --save-every M --out DIR``."""

from .training import main

raise SystemExit(main())
