"""The API reference pages, generated from ``docs/public_api.txt`` at every build.

The list has one fully qualified public name per line (``gamedyn.spectrum.top_eigenvalues``)
and ``#`` comments; a comment line starting ``# ==`` opens a section (one page each). Every name
gets an autodoc entry of its kind (class, function, exception, data) on its section's page and a
row in the section's summary table; a name that does not import fails the build.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

__all__ = ["read", "write"]


def read(path: Path) -> list[tuple[str, list[str]]]:
    """``[(section title, [dotted names])]`` from the list, in its order."""
    sections: list[tuple[str, list[str]]] = []
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("# =="):
            sections.append((line.strip("#= ").strip(), []))
        elif line.startswith("#"):
            continue
        else:
            if not sections:
                raise ValueError(f"{path}: {line!r} comes before any '# == section' line")
            sections[-1][1].append(line.split("#", 1)[0].strip())
    return sections


def resolve(dotted: str) -> object:
    """The object a dotted name names: its longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attribute in parts[i:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


def _directive(dotted: str, seen: dict[int, str]) -> str:
    """The autodoc directive of one name; an object already documented under another public
    name (a re-export) is documented again without a second index entry."""
    obj = resolve(dotted)
    again = (
        "   :no-index:\n"
        if (inspect.isclass(obj) or inspect.isroutine(obj)) and id(obj) in seen
        else ""
    )
    seen.setdefault(id(obj), dotted)
    if inspect.isclass(obj):
        kind = "exception" if issubclass(obj, BaseException) else "class"
        options = "   :members:\n" if kind == "class" else ""
        return f".. auto{kind}:: {dotted}\n{options}{again}"
    if inspect.ismodule(obj):
        return f".. automodule:: {dotted}\n"
    if inspect.isroutine(obj):
        return f".. autofunction:: {dotted}\n{again}"
    doc = _attribute_doc(dotted)
    body = "".join(f"   {line}\n" if line else "\n" for line in doc.splitlines())
    return f".. py:data:: {dotted}\n\n{body}"


def _summary(dotted: str) -> str:
    """The first sentence of the object's own docstring, as plain text (no roles)."""
    obj = resolve(dotted)
    if inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj):
        doc = obj.__doc__ or ""
    else:
        doc = _attribute_doc(dotted)
    first = inspect.cleandoc(doc).split("\n\n", 1)[0] if doc else ""
    first = re.sub(r":\w+:`~?([^`]+)`", r"\1", " ".join(first.split()))
    first = first.replace("``", "").replace("`", "")
    first = first if len(first) < 160 else first[:157] + "…"
    for special in ("\\", "|", "_", "*"):  # plain text in reStructuredText
        first = first.replace(special, "\\" + special)
    return first


def _attribute_doc(dotted: str) -> str:
    """The docstring written under a module-level constant, found where it is assigned."""
    import pkgutil

    from sphinx.pycode import ModuleAnalyzer

    package, name = dotted.rsplit(".", 1)
    module = importlib.import_module(package)
    candidates = [package]
    if hasattr(module, "__path__"):
        candidates += [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]
    for candidate in candidates:
        try:
            docs = ModuleAnalyzer.for_module(candidate).find_attr_docs()
        except Exception:  # noqa: BLE001 - a module without source: look further
            continue
        if ("", name) in docs:
            return "\n".join(docs[("", name)]).strip()
    return ""


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def write(listing: Path, out: Path) -> list[Path]:
    """Write ``out/index.rst`` and one page per section; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    sections = read(listing)
    written = []
    pages = []
    seen: dict[int, str] = {}
    for title, names in sections:
        slug = _slug(title)
        pages.append(slug)
        lines = [title, "=" * len(title), ""]
        lines += [".. list-table::", "   :widths: 30 70", ""]
        for name in names:
            lines += [f"   * - :py:obj:`~{name}`", f"     - {_summary(name)}"]
        lines.append("")
        for name in names:
            lines += [_directive(name, seen), ""]
        path = out / f"{slug}.rst"
        _write_if_changed(path, "\n".join(lines))
        written.append(path)
    count = sum(len(names) for _, names in sections)
    index = [
        "API reference",
        "=============",
        "",
        f"The public API: {count} names in {len(sections)} sections, generated from",
        "``docs/public_api.txt`` (the list ``tests/test_architecture.py`` checks too).",
        "Each package's ``__init__`` is its public surface; modules with a leading underscore",
        "are implementation.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ] + [f"   {slug}" for slug in pages]
    _write_if_changed(out / "index.rst", "\n".join(index) + "\n")
    for stale in set(out.glob("*.rst")) - {out / "index.rst", *written}:
        stale.unlink()  # a section no longer in the list
    return [out / "index.rst", *written]


def _write_if_changed(path: Path, text: str) -> None:
    """Keep the file's time when unchanged, so incremental builds stay incremental."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
