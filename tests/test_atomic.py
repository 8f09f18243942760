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


# --- record sets (issue 24) ----------------------------------------------------------------------


def _write(out, text, fail=False, members=None):
    with _atomic.record_set(out, members) as rs:
        for name in ("a.json", "b.npz", "c.png"):
            (rs.path / name).write_text(text)
        if fail:
            raise KeyboardInterrupt


def test_a_record_set_replaces_the_whole_directory_as_one(tmp_path):
    out = tmp_path / "record"
    _write(out, "old")
    with pytest.raises(KeyboardInterrupt):
        _write(out, "new", fail=True)  # interrupted: the old set, whole, and nothing left over
    assert {p.name: p.read_text() for p in out.iterdir()} == dict.fromkeys(
        ("a.json", "b.npz", "c.png"), "old"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["record"]
    _write(out, "new")
    assert {p.read_text() for p in out.iterdir()} == {"new"}
    assert [p.name for p in tmp_path.iterdir()] == ["record"]


def test_other_files_are_kept_and_the_old_sets_members_dropped(tmp_path):
    out = tmp_path / "record"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "sub").mkdir()
    (out / "sub" / "x.txt").write_text("mine too")
    (out / "stale.png").write_text("the old set's")
    _write(out, "new", members=lambda old: {"stale.png"})
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "b.npz", "c.png", "notes.txt", "sub"]
    assert (out / "sub" / "x.txt").read_text() == "mine too"


def test_a_killed_writers_temporaries_are_removed_by_the_next(tmp_path):
    out = tmp_path / "record"
    _write(out, "old")
    dead = 2**22 + 12345  # beyond the default pid range: no such process
    stale = tmp_path / f".record.gamedyn-tmp-{dead}-0badc0de"
    stale.mkdir()
    (stale / "a.json").write_text("half")
    aside = tmp_path / f".record.gamedyn-old-{dead}-0badc0de"
    aside.mkdir()
    _write(out, "new")
    assert [p.name for p in tmp_path.iterdir()] == ["record"]
    # a writer killed between the two renames (no atomic exchange): the old set comes back
    (out / "a.json").rename(tmp_path / "keep")
    out.rename(aside)
    assert _atomic.clean_stale(out) == [] and out.is_dir() and not aside.exists()


def test_the_current_directory_and_an_empty_name_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for out in ("", ".", str(tmp_path), str(tmp_path.parent)):
        with pytest.raises(ValueError, match="current directory"):
            _write(out, "x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        _write(tmp_path / "file", "x")


def test_png_text_chunks_round_trip(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(1, 1))
    fig.savefig(tmp_path / "f.png")
    plt.close(fig)
    _atomic.tag_png(tmp_path / "f.png", _atomic.RUN_KEY, "abc123")
    assert _atomic.png_text(tmp_path / "f.png")[_atomic.RUN_KEY] == "abc123"
    from PIL import Image

    with Image.open(tmp_path / "f.png") as image:  # still a valid PNG for other readers
        assert image.text[_atomic.RUN_KEY] == "abc123"
