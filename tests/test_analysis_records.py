"""The analysis record (gamedyn.analysis): saved as JSON and ``.npz``."""

from __future__ import annotations

import json

import numpy as np
from helpers import tiny_gan

from gamedyn.analysis import analyse


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
