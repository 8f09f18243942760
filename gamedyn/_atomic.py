"""Files written atomically: a temporary file in the same folder, then one rename.

An interrupted run leaves either the previous file or the new one, never half of one. A record
made of several files (JSON + ``.npz`` + plots) is written as one (:func:`record_set`): into a
temporary sibling directory that replaces the record's directory with one rename, each file
carrying the run's id so that a reader refuses a mixed set.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "atomic_path",
    "write_text",
    "write_npz",
    "write_with",
    "RecordSet",
    "record_set",
    "clean_stale",
    "tag_png",
    "png_text",
    "RUN_KEY",
    "output_directory",
]


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


# ---------------------------------------------------------------------------------------------
# Record sets: several files replaced as one
# ---------------------------------------------------------------------------------------------

RUN_KEY = "gamedyn-run"
"""The key of the run id in each file of a record set (a PNG ``tEXt`` chunk's keyword)."""

_RENAME_EXCHANGE = 2  # renameat2's flag (Linux >= 3.15): swap two paths atomically
_STALE = re.compile(r"^\.(?P<name>.+)\.gamedyn-(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]+$")


class RecordSet:
    """A record set being written: ``path`` is a temporary sibling of ``target``; every file is
    written there, and on success the whole directory replaces ``target`` with one rename.

    Attributes:
      target: the directory the set is published as (``--out``).
      path: the temporary directory to write into.
      run_id: this run's id, written into each file of the set (:func:`tag_png`, the JSON's
        ``run_id``, the ``.npz``'s ``run_id`` array) so that a reader can refuse a mixed set.
    """

    def __init__(self, target: Path, path: Path, run_id: str):
        self.target, self.path, self.run_id = target, path, run_id

    def __repr__(self) -> str:
        return f"RecordSet(target={str(self.target)!r}, run_id={self.run_id!r})"


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` atomically (Linux ``renameat2(RENAME_EXCHANGE)``); ``False`` where
    the system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    at_cwd = -100  # AT_FDCWD
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill would terminate it: keep it (harmless, hidden)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(target: str | Path) -> list[Path]:
    """Remove the temporaries that a killed writer of ``target`` left beside it (those of
    processes that no longer run); an old set moved aside by a writer killed between its two
    renames (systems without an atomic exchange) is moved back. Returns what was removed."""
    target = Path(target)
    removed = []
    parent = target.parent if target.parent != Path("") else Path(".")
    if not parent.is_dir():
        return removed
    for entry in sorted(parent.iterdir()):
        match = _STALE.match(entry.name)
        if not match or match["name"] != target.name or _alive(int(match["pid"])):
            continue
        if match["kind"] == "old" and not target.exists():
            os.rename(entry, target)
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _carry(old: Path, new: Path, members: set[str]) -> None:
    """What ``old`` holds besides the replaced set's ``members``, hard-linked into ``new`` (the
    user's other files stay where they were)."""
    for entry in old.iterdir():
        if entry.name in members or _STALE.match(entry.name) or (new / entry.name).exists():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(entry), str(new / entry.name))


def _refuse_working_directory(target: Path) -> None:
    here = Path.cwd().resolve()
    resolved = target.resolve()
    if resolved == here or resolved in here.parents:
        raise ValueError(
            f"out {str(target)!r} is the current directory or one above it: a record set "
            "replaces its directory as one; give a directory of its own (e.g. spectrum/)"
        )


@contextlib.contextmanager
def record_set(
    target: str | Path, members: Callable[[Path], set[str]] | None = None
) -> Iterator[RecordSet]:
    """Write a set of files that replaces the directory ``target`` as one.

    The block writes into ``RecordSet.path``, a new directory beside ``target``; on success the
    files ``target`` holds that are not the replaced set's (``members(target)``, plus every name
    the new set writes) are hard-linked into it, and it is swapped with ``target`` in one
    rename (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, the old set moved
    aside first and moved back by the next writer if the process dies between them). A reader
    sees the whole old set or the whole new one, never a mix. On an exception (``KeyboardInterrupt``
    included) the temporary directory is removed and ``target`` is untouched; a killed writer's
    temporaries are removed by the next one (:func:`clean_stale`).

    Example:
      >>> import tempfile
      >>> with tempfile.TemporaryDirectory() as root:
      ...     out = Path(root) / "record"
      ...     for text in ("old", "new"):
      ...         with record_set(out) as rs:
      ...             _ = (rs.path / "a.txt").write_text(text)
      ...             _ = (rs.path / "b.txt").write_text(text)
      ...     sorted(p.name for p in Path(root).iterdir()), (out / "b.txt").read_text()
      (['record'], 'new')
    """
    target = Path(target)
    if str(target) in ("", "."):
        raise ValueError("out must name a directory, got the current directory ('.' or '')")
    if target.exists() and not target.is_dir():
        raise ValueError(f"out {str(target)!r} is a file, not a directory")
    if target.is_symlink():  # the directory it points to is replaced, the link kept
        target = target.resolve()
    if target.exists():
        _refuse_working_directory(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    tmp = target.with_name(f".{target.name}.gamedyn-tmp-{token}")
    os.mkdir(tmp)
    try:
        rs = RecordSet(target, tmp, secrets.token_hex(8))
        yield rs
        written = {p.name for p in tmp.iterdir()}
        if target.exists():
            old = set(members(target)) if members is not None else set()
            _carry(target, tmp, old | written)
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        _publish(tmp, target, token)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _publish(tmp: Path, target: Path, token: str) -> None:
    """``tmp`` becomes ``target`` (whatever was there is removed afterwards)."""
    if not target.exists():
        try:
            os.rename(tmp, target)
            return
        except OSError as err:  # created meanwhile: exchange below
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # now the old set
        return
    aside = target.with_name(f".{target.name}.gamedyn-old-{token}")
    os.rename(target, aside)
    os.rename(tmp, target)
    shutil.rmtree(aside, ignore_errors=True)


def tag_png(path: str | Path, key: str, value: str) -> None:
    """Add a PNG ``tEXt`` chunk ``key = value`` after the header (in place)."""
    data = Path(path).read_bytes()
    if data[:8] != _PNG or data[12:16] != b"IHDR":
        raise ValueError(f"{str(path)!r} is not a PNG file")
    end = 8 + 12 + int.from_bytes(data[8:12], "big")
    body = key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = len(body).to_bytes(4, "big") + b"tEXt" + body
    chunk += zlib.crc32(b"tEXt" + body).to_bytes(4, "big")
    Path(path).write_bytes(data[:end] + chunk + data[end:])


def png_text(path: str | Path) -> dict[str, str]:
    """The ``tEXt`` chunks of a PNG file (keyword → text)."""
    data = Path(path).read_bytes()
    if data[:8] != _PNG:
        raise ValueError(f"{str(path)!r} is not a PNG file")
    out, at = {}, 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        if kind == b"tEXt":
            key, _, text = data[at + 8 : at + 8 + length].partition(b"\0")
            out[key.decode("latin-1")] = text.decode("latin-1")
        if kind == b"IEND":
            break
        at += 12 + length
    return out


_PNG = b"\x89PNG\r\n\x1a\n"


def output_directory(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a directory that exists (created if needed) and can be written, or a
    ``ValueError`` naming the option and the path (an empty one, ``''``, is refused: it would be
    the current directory)."""
    if not str(path).strip():
        raise ValueError(f"{option} {str(path)!r} is empty: give a directory")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {str(path)!r} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise ValueError(f"{option} {str(path)!r} is not writable: {err.strerror}") from None
    return path
