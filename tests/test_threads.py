"""``--threads`` (gamedyn._threads): the default is torch's, capped at the cores this process may
run on; more threads than that, or fewer than one, are refused; the command records its count."""

from __future__ import annotations

import json

import pytest
import torch

from gamedyn import _threads


def test_the_default_is_capped_at_the_cores_this_process_may_use(monkeypatch):
    cores = _threads.available_cores()
    assert 1 <= _threads.default_threads() <= cores
    monkeypatch.setattr(_threads, "available_cores", lambda: 1)
    assert _threads.default_threads() == 1


def test_threads_are_set_and_checked():
    before = torch.get_num_threads()
    try:
        assert _threads.set_threads(1) == 1 and torch.get_num_threads() == 1
        with pytest.raises(ValueError, match="threads = 100000 is more than the"):
            _threads.set_threads(100_000)
        for bad in (0, -1):
            with pytest.raises(ValueError, match="threads"):
                _threads.set_threads(bad)
        with pytest.raises(TypeError, match="threads"):
            _threads.set_threads(1.5)
    finally:
        torch.set_num_threads(before)


def test_the_spectrum_command_records_its_threads(mixture_checkpoints, tmp_path):
    from gamedyn.cli import main

    before = torch.get_num_threads()
    out = tmp_path / "out"
    try:
        argv = ["spectrum", str(mixture_checkpoints[-1]), "--example", "mixture-small"]
        argv += ["--batch", "8", "--k", "2", "--no-progress", "--threads", "1", "--out", str(out)]
        assert main(argv) == 0
    finally:
        torch.set_num_threads(before)
    assert json.loads((out / "eigenvalues.json").read_text())["settings"]["threads"] == 1
