"""The public API is the explicit list in ``docs/public_api.txt``, and nothing else.

Public modules are those with no path component starting with ``_``; each one's ``__all__`` is
its surface. The list names every ``module.name`` pair of every public module (the command line
excluded; the examples and figures included), so a name enters or leaves the API only by an
edit of the list, which the docs' API reference is generated from. The library's surface (the
outer layer ``cli``/``figures``/``examples`` left out, as issue 23 counts it) stays within 30
public modules and 250 exported names; every exported class and function has a docstring.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import gamedyn

API_LIST = Path(__file__).resolve().parents[1] / "docs" / "public_api.txt"
OUTER = ("gamedyn.cli", "gamedyn.figures", "gamedyn.examples")
MAX_MODULES = 30
MAX_NAMES = 250


def _public_modules() -> list[str]:
    names = ["gamedyn"] + [m.name for m in pkgutil.walk_packages(gamedyn.__path__, "gamedyn.")]
    return [m for m in names if not any(p.startswith("_") for p in m.split("."))]


def _surface() -> dict[str, list[str]]:
    """``{module: __all__}`` of every public module but the command line's."""
    return {
        name: list(getattr(importlib.import_module(name), "__all__", []))
        for name in _public_modules()
        if not name.startswith("gamedyn.cli")
    }


def _listed() -> list[str]:
    lines = (s.strip() for s in API_LIST.read_text().splitlines())
    return [s for s in lines if s and not s.startswith("#")]


def _exported() -> list[str]:
    return [f"{module}.{name}" for module, names in _surface().items() for name in names]


def test_the_list_is_the_surface():
    listed, exported = _listed(), _exported()
    assert len(listed) == len(set(listed)), "a name is listed twice"
    assert len(exported) == len(set(exported)), "a module's __all__ names a name twice"
    missing = sorted(set(exported) - set(listed))
    extra = sorted(set(listed) - set(exported))
    assert not missing, f"exported but not in docs/public_api.txt: {missing}"
    assert not extra, f"in docs/public_api.txt but not exported: {extra}"


def test_the_library_surface_is_small():
    library = {m: names for m, names in _surface().items() if not m.startswith(OUTER)}
    n_names = sum(map(len, library.values()))
    assert len(library) <= MAX_MODULES, sorted(library)
    assert n_names <= MAX_NAMES, {m: len(names) for m, names in library.items()}


@pytest.mark.parametrize("qualified", _listed())
def test_every_listed_name_exists_and_is_documented(qualified):
    module_name, name = qualified.rsplit(".", 1)
    module = importlib.import_module(module_name)
    assert (module.__doc__ or "").strip(), f"{module_name} has no docstring"
    obj = getattr(module, name)  # raises if the list names something that is not there
    if type(obj).__module__ in {"typing", "collections.abc", "types"} and not inspect.ismodule(obj):
        return  # a type alias (``Callable[...]``): documented by its module, like a constant
    if inspect.ismodule(obj):
        doc = obj.__doc__
    elif inspect.isclass(obj) or callable(obj):
        doc = inspect.getdoc(obj)
    else:
        return  # a constant: documented by its module (or its attribute docstring)
    assert doc and doc.strip(), f"{qualified} has no docstring"
    if inspect.isclass(obj) and issubclass(obj, tuple) and hasattr(obj, "_fields"):
        generated = f"{obj.__name__}({', '.join(obj._fields)})"
        assert doc.strip() != generated, f"{qualified} has only namedtuple's generated docstring"
