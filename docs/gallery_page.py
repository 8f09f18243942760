"""The gallery page ``docs/gallery.md``, generated from the figure registry (at every build, and
by ``python docs/gallery_page.py``; tests/test_docs.py checks the committed page is current).

For each figure of :data:`gamedyn.figures.FIGURES`, in the gallery's order: the image (or the
table), what it shows (the experiment's and the drawing's docstrings), the command that makes
it, and the drawing code; the numbers' functions are in :mod:`gamedyn.experiments`.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

__all__ = ["write"]


def _experiment_doc(module: str) -> str:
    name = module.rsplit(".", 1)[1]
    try:
        return inspect.getdoc(importlib.import_module(f"gamedyn.experiments._{name}")) or ""
    except ImportError:
        return inspect.getdoc(importlib.import_module(module)) or ""


def write(root: Path, out: Path) -> Path:
    """Write ``out`` (``docs/gallery.md``) from the registry; returns it."""
    from gamedyn.figures import FIGURES

    lines = [
        "# Gallery",
        "",
        "Every figure is made by `gamedyn figures` (`--only NAME` for one, `--small` for the",
        "coarse variant the tests use) from code, with fixed seeds, into `figures/`. The numbers",
        "come from the matplotlib-free functions of `gamedyn.experiments`, which the tests check",
        "against independent computations; `gamedyn.figures` only draws them.",
        "",
    ]
    for name, make in FIGURES.items():
        module = make.__module__
        source = Path(inspect.getsourcefile(make)).resolve().relative_to(root)
        lines += [f"## {name}", ""]
        image = root / "figures" / f"{name}.png"
        if image.exists():
            lines += [f"```{{image}} ../figures/{name}.png", f":alt: {name}", "```", ""]
        else:
            lines += [f"```{{include}} ../figures/{name}.md", "```", ""]
        shows = [inspect.getdoc(make) or "", "", _experiment_doc(module)]
        lines += ["```{eval-rst}", *shows, "```", ""]
        lines += [
            "```bash",
            f"gamedyn figures --only {name}",
            "```",
            "",
            f"````{{dropdown}} The drawing code ({source})",
            f"```{{literalinclude}} ../{source}",
            f":pyobject: {make.__name__}",
            "```",
            "````",
            "",
        ]
    text = "\n".join(lines)
    if not out.exists() or out.read_text() != text:
        out.write_text(text)
    return out


if __name__ == "__main__":  # python docs/gallery_page.py: rewrite docs/gallery.md
    import sys

    docs = Path(__file__).resolve().parent
    sys.path.insert(0, str(docs.parent))
    print(write(docs.parent, docs / "gallery.md"))
