#!/usr/bin/env bash
# Build the documentation site into docs/_build/html: warnings are errors, internal links are
# checked (nitpicky), the notebooks are executed with GAMEDYN_SMALL=1 (docs/conf.py).
# Needs the docs extra: pip install -e '.[docs]'.
set -euo pipefail
cd "$(dirname "$0")/.."
export GAMEDYN_SMALL=1
python -m sphinx -W --keep-going -n -b html docs docs/_build/html "$@"
