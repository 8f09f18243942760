"""The analysis record (gamedyn.analysis): saved as JSON and ``.npz``."""

from __future__ import annotations

import json

import numpy as np
from helpers import tiny_gan

from gamedyn.analysis import SpectrumRecord, analyse


def test_record_saves_json_and_npz(tmp_path):
    record = analyse(tiny_gan(shift=1.0), k=4)
    path_json, path_npz = record.save(tmp_path, "mlp")
    saved = json.loads(path_json.read_text())
    assert saved["k"] == 4 and saved["product_dtype"] == "float64"
    back = np.array([complex(re, im) for re, im in saved["eigenvalues"]])
    np.testing.assert_array_equal(back, record.eigenvalues)
    with np.load(path_npz) as npz:
        np.testing.assert_array_equal(npz["eigenvalues"], record.eigenvalues)
        np.testing.assert_array_equal(npz["residuals"], record.residuals)
    assert saved["converged"] is True and saved["message"] == "" and saved["extras"] == {}


def _record(scale: float):
    import numpy as np

    from gamedyn.analysis import analyse
    from gamedyn.games import Bilinear

    return analyse(Bilinear(np.diag([3.0, 2.0, 1.0]) * scale), k=2)


def test_a_saved_record_set_reads_back_and_a_mixed_one_is_refused(tmp_path):
    import shutil

    import numpy as np
    import pytest

    def figure(folder):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(1, 1))
        fig.savefig(folder / "cloud.png")
        plt.close(fig)

    a, b = tmp_path / "a", tmp_path / "b"
    _record(1.0).save(a, "eigenvalues", figures=figure)
    _record(2.0).save(b, "eigenvalues", figures=figure)
    back = SpectrumRecord.load(a, "eigenvalues")
    np.testing.assert_allclose(np.abs(back.eigenvalues), [3.0, 3.0])
    data = json.loads((a / "eigenvalues.json").read_text())
    assert data["files"] == ["eigenvalues.npz", "cloud.png"] and len(data["run_id"]) == 16
    for name in ("eigenvalues.npz", "cloud.png"):
        mixed = tmp_path / f"mixed-{name}"
        shutil.copytree(a, mixed)
        shutil.copyfile(b / name, mixed / name)
        with pytest.raises(ValueError, match=f"a mixed record set.*{name} belongs to run"):
            SpectrumRecord.load(mixed, "eigenvalues")
    (a / "cloud.png").unlink()
    with pytest.raises(ValueError, match="lacks cloud.png"):
        SpectrumRecord.load(a, "eigenvalues")
