"""``gamedyn figures``: each output is checked for what it claims."""

from __future__ import annotations

import numpy as np
import pytest

import gamedyn
from gamedyn import figures
from gamedyn.cli import main
from gamedyn.games import Bilinear
from gamedyn.methods import Momentum


def parse_markdown_table(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True))
        for line in lines[2:]
    ]


def test_momentum_table_cells_agree_with_runs(tmp_path):
    assert main(["figures", "--out", str(tmp_path), "--only", "momentum_table"]) == 0
    rows = parse_markdown_table((tmp_path / "momentum_table.md").read_text())
    assert [r["update"] for r in rows].count("alternating") == len(figures.MOMENTUM_BETAS)
    game, z0 = Bilinear([[1.0]]), np.array([1.0, 1.0])
    for row in rows:
        beta, rho = float(row["beta"]), float(row["spectral radius"])
        method = Momentum(figures.MOMENTUM_LR, beta, alternating=row["update"] == "alternating")
        # The radius is the rate measured by running the method ...
        steps = 3000 if abs(rho - 1) < 1e-9 else int(min(3000, 25 / abs(np.log(rho))))
        trajectory = gamedyn.run(method, game, z0, steps)
        assert gamedyn.contraction_rate(trajectory, rtol=1e-9) == pytest.approx(rho, abs=1e-6)
        # ... and the yes/no cells say what the run does.
        norms = np.linalg.norm(trajectory, axis=1)
        bounded, converges = norms.max() < 10 * norms[0], norms[-1] < 1e-3 * norms[0]
        assert row["bounded"] == ("yes" if bounded else "no"), row
        assert row["converges"] == ("yes" if converges else "no"), row
    table = {(r["update"], float(r["beta"])): r for r in rows}
    assert all(table[("simultaneous", b)]["converges"] == "no" for b in figures.MOMENTUM_BETAS)
    assert table[("alternating", 0.0)]["bounded"] == "yes"
    assert table[("alternating", -0.5)]["converges"] == "yes"
    assert table[("alternating", 0.5)]["bounded"] == "no"


def test_unknown_figure_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown figure"):
        figures.make_all(tmp_path, only=["nope"])


def test_list_names_every_figure(capsys):
    assert main(["figures", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in figures.FIGURES)
