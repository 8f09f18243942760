"""Sphinx configuration of gamedyn's documentation site.

Build: ``python -m sphinx -W --keep-going -n -b html docs docs/_build/html`` (or ``bash
docs/build.sh``). The notebooks of ``notebooks/`` are copied into ``tutorials/`` and executed by
myst-nb with ``GAMEDYN_SMALL=1``; the API reference is generated from ``public_api.txt``
(:mod:`api_pages`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))
os.environ.setdefault("GAMEDYN_SMALL", "1")  # the notebooks' small, fast variants
os.environ.setdefault("MPLBACKEND", "Agg")

import api_pages  # noqa: E402
import gallery_page  # noqa: E402

import gamedyn  # noqa: E402

project = "gamedyn"
author = "the gamedyn developers"
copyright = "the gamedyn developers"  # noqa: A001
release = version = gamedyn.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx-mathjax-offline",  # MathJax served with the site: it renders without network
]

# --- sources ---------------------------------------------------------------------------------
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints", "README.md"]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# the tutorials are the repository's notebooks, copied at every build (never edited here)
TUTORIALS = DOCS / "tutorials"
for old in TUTORIALS.glob("[0-9]*.ipynb"):
    old.unlink()
for notebook in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
    shutil.copyfile(notebook, TUTORIALS / notebook.name)

# --- notebooks (myst-nb) -----------------------------------------------------------------------
nb_execution_mode = os.environ.get("GAMEDYN_DOCS_EXECUTE", "force")
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# --- the API reference -------------------------------------------------------------------------
api_pages.write(DOCS / "public_api.txt", DOCS / "api")
autosummary_generate = False
autodoc_typehints = "none"  # the signatures carry them; the docstrings state the math
autodoc_member_order = "bysource"
autodoc_inherit_docstrings = False  # a constant without a docstring gets none, not dict's
autodoc_default_options = {"members": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
add_module_names = False
nitpicky = True
# names from other libraries (no network at build time: no intersphinx) and the package's
# private implementation modules, which the reference does not document
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|torch|scipy|sympy|matplotlib|sklearn|tqdm|lightning|tensorboard)\b.*"),
    (r"py:.*", r"(typing|collections|pathlib|contextlib|argparse|abc|dataclasses|enum)\b.*"),
    (r"py:.*", r"(Any|Callable|Iterable|Iterator|Mapping|Sequence|Path|Optional|Union)"),
    (r"py:.*", r"(int|float|complex|str|bool|dict|list|tuple|None|object|type)"),
    (r"py:.*", r"(ValueError|TypeError|RuntimeError|KeyError|Exception|Warning)"),
    (r"py:.*", r"(.*\._\w+.*|\..*)"),  # private modules, package-relative references
]

# --- benchmarks: docs/benchmarks_performance.md (written with benchmarks/), where present, is shown
# inside the benchmarks page rather than as a page of its own
PERFORMANCE = DOCS / "benchmarks_performance.md"
exclude_patterns += ["benchmarks_performance.md", "_performance.md"]
_extra = (
    "```{include} benchmarks_performance.md\n:heading-offset: 1\n```\n"
    if PERFORMANCE.exists()
    else "\n"
)
if not (DOCS / "_performance.md").exists() or (DOCS / "_performance.md").read_text() != _extra:
    (DOCS / "_performance.md").write_text(_extra)

# --- the gallery ---------------------------------------------------------------------------
gallery_page.write(ROOT, DOCS / "gallery.md")

# --- HTML ----------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"gamedyn {release}"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": True}
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True


# --- references in the docstrings --------------------------------------------------------------
# Docstrings name objects by their implementation path (``gamedyn.spectrum.eigensolvers.
# top_eigenvalues``) or bare (``SymbolicGame``); the reference documents them under their public
# name. A Python reference that does not resolve is linked to the one public object of that name
# when there is exactly one; otherwise (implementation helpers, other libraries) it is shown as
# code and listed in _build/unresolved_python_references.txt. Page links (``{doc}``, Markdown
# links, anchors) are not touched: with -n -W a broken one fails the build.
UNRESOLVED: set[str] = set()


def _public_target(app, env, node, contnode):  # noqa: ANN001, ANN201
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    last = target.rsplit(".", 1)[-1]
    domain = env.get_domain("py")
    candidates = [
        name
        for name in domain.objects
        if name.startswith("gamedyn.") and name.rsplit(".", 1)[-1] == last
    ]
    if len(candidates) == 1:
        found = domain.resolve_xref(
            env, node["refdoc"], app.builder, "obj", candidates[0], node, contnode
        )
        if found is not None:
            return found
    UNRESOLVED.add(target)
    return contnode


def _write_unresolved(app, exception):  # noqa: ANN001, ANN201
    if exception is None:
        path = Path(app.outdir).parent / "unresolved_python_references.txt"
        path.write_text("".join(f"{name}\n" for name in sorted(UNRESOLVED)))


def setup(app):  # noqa: ANN001, ANN201
    app.connect("missing-reference", _public_target)
    app.connect("build-finished", _write_unresolved)
