"""``gamedyn report LOG_DIR`` from a real run's log (the examples' training with the monitor on),
and ``gamedyn.plot.monitor_report``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gamedyn.cli import main
from gamedyn.monitor import read_monitor_log


@pytest.fixture(scope="module")
def run_log(tmp_path_factory):
    """``python -m gamedyn.examples mixture-small --steps 4 --monitor LOG --monitor-every 2``."""
    base = tmp_path_factory.mktemp("run")
    status = main(
        ["examples", "mixture-small", "--steps", "4", "--save-every", "4", "--batch", "16",
         "--out", str(base / "ckpt"), "--monitor", str(base / "log"), "--monitor-every", "2"]
    )  # fmt: skip
    assert status == 0
    return base / "log"


@pytest.mark.slow
def test_report_makes_its_figures_from_a_real_runs_log(run_log, tmp_path, capsys):
    series = read_monitor_log(run_log)
    assert series["jacobian"].steps.tolist() == [0, 2, 4]
    assert series["optimiser"].steps.tolist() == [0, 2, 4]
    assert np.all(np.isfinite(series["rotation"].values))
    capsys.readouterr()
    assert main(["report", str(run_log), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for name in ("monitor_report.png", "monitor_report.pdf", "monitor_summary.txt"):
        assert (tmp_path / name).stat().st_size > 0
    text = (tmp_path / "monitor_summary.txt").read_text()
    assert "training operator: ρ" in text and "rotation index" in text and text.strip() in printed


@pytest.mark.slow
def test_monitor_report_from_python(run_log):
    import matplotlib.pyplot as plt

    from gamedyn.plot import monitor_report

    fig, summary = monitor_report(run_log)
    assert len(fig.axes) == 5  # four panels and the colour bar of the training steps
    steps, rho = summary.radius
    assert steps.tolist() == [0, 2, 4] and np.all(rho > 0)
    plt.close(fig)


@pytest.mark.slow
def test_report_errors_are_one_line(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "gamedyn", "report", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("gamedyn report: error: LOG_DIR") and "Traceback" not in out.stderr
    out = subprocess.run(
        [sys.executable, "-m", "gamedyn", "examples", "mixture-small", "--monitor-every", "3"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "--monitor-every needs --monitor" in out.stderr
