"""Files written atomically: a temporary file in the same folder, then one rename.

An interrupted run leaves either the previous file or the new one, never half of one, and a
record made of several files (JSON + ``.npz`` + plot) is written file by file this way.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["atomic_path", "write_text", "write_npz", "write_with"]


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto ``path`` when the block succeeds.

    The temporary file keeps ``path``'s suffix (writers such as ``np.savez`` and matplotlib
    choose the format by it). On an exception it is removed and ``path`` is untouched. The file
    gets the permissions a plain ``open(path, "w")`` would give (``0o666`` less the umask;
    ``tempfile.mkstemp`` would make it private, ``0o600``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_file(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _new_file(path: Path) -> Path:
    """A new empty file ``.<stem>.<random><suffix>`` beside ``path``, created with mode
    ``0o666`` so that the OS applies the umask, as for any plain write."""
    for _ in range(100):
        tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}{path.suffix}")
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"no free temporary name beside {str(path)!r}")


def write_with(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """``write(tmp)`` into a temporary file, then rename it to ``path``; returns ``path``."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """``path.write_text(text)`` (UTF-8), atomically."""
    return write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_npz(path: str | Path, **arrays: Any) -> Path:
    """``np.savez(path, **arrays)``, atomically (``path`` should end in ``.npz``)."""
    return write_with(path, lambda tmp: np.savez(tmp, **arrays))
