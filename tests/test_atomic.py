"""Atomic writes (gamedyn._atomic): an interrupted write leaves the previous file whole and no
temporary file behind; a finished one has the permissions a plain write would give."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from gamedyn import _atomic


def test_an_interrupted_write_leaves_the_previous_file(tmp_path):
    path = _atomic.write_text(tmp_path / "record.json", '{"old": true}')

    def fail(tmp):
        tmp.write_text("half a reco", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _atomic.write_with(path, fail)
    assert path.read_text(encoding="utf-8") == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]


def test_npz_keeps_its_suffix_and_arrays(tmp_path):
    path = _atomic.write_npz(tmp_path / "sub" / "values.npz", a=np.arange(3.0))
    np.testing.assert_array_equal(np.load(path)["a"], np.arange(3.0))


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_permissions_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = _atomic.write_text(tmp_path / f"r{umask:o}.json", "{}")
        plain = tmp_path / f"plain{umask:o}.json"
        plain.write_text("{}", encoding="utf-8")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == stat.S_IMODE(plain.stat().st_mode) == 0o666 & ~umask
