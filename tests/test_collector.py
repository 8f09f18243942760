"""gamedyn._collector: the cyclic collector paused during ``import gamedyn`` (its state restored)
and the imports frozen out of its way where the process is a command's own."""

from __future__ import annotations

import gc
import subprocess
import sys

from gamedyn._collector import paused


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_paused_restores_the_collectors_state():
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # left off, as it was
    finally:
        gc.enable()


def test_import_gamedyn_leaves_the_collector_as_it_found_it():
    code = "import gc; {}; import gamedyn; print(gc.isenabled(), gc.get_freeze_count())"
    assert _run(code.format("pass")) == ["True", "0"]
    assert _run(code.format("gc.disable()")) == ["False", "0"]


def test_only_the_commands_own_process_freezes_the_imports():
    code = (
        "import gc, sys; from gamedyn.cli import main; sys.argv = ['gamedyn', 'report', '--help']"
        "; main({}); print('FROZEN', gc.get_freeze_count() > 0)"
    )
    assert _run(code.format("['report', '--help']"))[-2:] == ["FROZEN", "False"]
    assert _run(code.format(""))[-2:] == ["FROZEN", "True"]
