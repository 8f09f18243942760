"""``gamedyn path-angle`` (gamedyn.cli._path_angle) against the library."""

from __future__ import annotations

import json

import numpy as np

from gamedyn import path_angle
from gamedyn.cli import build_parser
from gamedyn.cli._options import build_game


def test_path_angle_command_matches_the_library(mixture_checkpoints, tmp_path):
    first, last = (str(p) for p in (mixture_checkpoints[0], mixture_checkpoints[-1]))
    out = tmp_path / "p"
    argv = ["path-angle", first, last, "--example", "mixture-small"]
    argv += ["--batch", "8", "--num", "11", "--out", str(out)]
    args = build_parser().parse_args(argv)
    assert args.run(args) == 0
    record = json.loads((out / "path_angle.json").read_text())
    game0 = build_game(args, checkpoint=first)
    game1 = build_game(args, checkpoint=last)
    expected = path_angle(game0, game0.z0, game1.z0, num=11)
    np.testing.assert_allclose(record["cosine"], expected.cosine, atol=1e-12)
    np.testing.assert_allclose(record["alpha"], np.linspace(-0.5, 1.5, 11))
    assert (out / "path_angle.png").stat().st_size > 1000
    assert [r["generator"]["key"] for r in record["loaded"]] == ["generator", "generator"]
    assert record["loaded"][1]["files"] == [last]
