"""Execute notebooks in small mode and write them back with their outputs.

    GAMEDYN_SMALL=1 python notebooks/execute.py [NOTEBOOK ...]

The committed notebooks carry the outputs of this small-mode run (so they render when the
repository is browsed); ``tests/test_notebooks.py`` executes them again and checks that no
output shows an error or a library warning. Figures are PNGs at a small dpi to keep files modest.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
DPI = 60
KERNEL_CONFIG = (
    "c.InlineBackend.figure_formats = {'png'}\n"
    f"c.InlineBackend.print_figure_kwargs = {{'bbox_inches': 'tight', 'dpi': {DPI}}}\n"
)


def execute(path: Path, cwd: str) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel with ``cwd`` as working directory."""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": cwd}}
    ).execute()
    errors = [
        f"cell {i}: {o.ename}: {o.evalue}"
        for i, c in enumerate(notebook.cells)
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"  # e.g. raised while a figure was drawn for display
    ]
    if errors:
        raise RuntimeError(f"{path.name}: " + "; ".join(errors))
    return notebook


def clean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop run-dependent metadata (execution timestamps) and merge consecutive stream outputs
    of one cell (how the kernel chunks them depends on timing), so that reruns diff cleanly."""
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        merged: list = []
        for output in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (
                output.output_type == "stream"
                and last is not None
                and last.output_type == "stream"
                and last.name == output.name
            ):
                last.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged
    notebook.metadata.pop("widgets", None)
    return notebook


def main(argv: list[str]) -> int:
    os.environ.setdefault("GAMEDYN_SMALL", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    paths = [Path(a) for a in argv] or sorted(HERE.glob("0*.ipynb"))
    # the kernel reads its InlineBackend settings from a private IPython directory: PNGs at
    # DPI dots per inch, whatever the notebook's own figure sizes
    ipython_dir = tempfile.mkdtemp(prefix="ipython-")
    profile = Path(ipython_dir, "profile_default")
    profile.mkdir()
    (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = ipython_dir
    for path in paths:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            notebook = clean(execute(path, tmp))
        tmp_path = path.with_suffix(".ipynb.tmp")
        nbformat.write(notebook, tmp_path)
        os.replace(tmp_path, path)
        print(f"{path.name}: {time.perf_counter() - start:.1f} s, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
