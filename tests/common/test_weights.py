"""common/weights.py: the weights behind a headline number go to results/<paper>/weights/ with the
record that rebuilds their model, only when small; an evaluate command given --weights refuses a
file without its record, or with a broken one, in one line (DQN's evaluate.py, end to end); named
arrays (networks that are not Keras models) round-trip through .weights.h5 files."""

import json

import numpy as np
import pytest

from common import weights
from common.errors import UserError
from papers.dqn import evaluate


def test_small_weights_are_copied_with_their_record(tmp_path):
    src = tmp_path / "run" / "online.weights.h5"
    src.parent.mkdir()
    src.write_bytes(b"\x89HDF" + bytes(range(256)))
    kept = weights.keep(src, tmp_path / "results", "pong-cpu-seed0", {"profile": "cpu", "config": {}})
    assert kept == {"path": tmp_path / "results" / "weights" / "pong-cpu-seed0.weights.h5", "bytes": 260,
                    "kept": True}
    assert kept["path"].read_bytes() == src.read_bytes()
    assert weights.read_record(kept["path"], "dqn") == {"profile": "cpu", "config": {}}
    # unchanged files are not rewritten (the committed pair is left alone); a new record is written
    record = weights.record_path(kept["path"])
    mtimes = kept["path"].stat().st_mtime_ns, record.stat().st_mtime_ns
    weights.keep(src, tmp_path / "results", "pong-cpu-seed0", {"profile": "cpu", "config": {}})
    assert (kept["path"].stat().st_mtime_ns, record.stat().st_mtime_ns) == mtimes
    weights.keep(src, tmp_path / "results", "pong-cpu-seed0", {"profile": "nature", "config": {}})
    assert weights.read_record(kept["path"], "dqn")["profile"] == "nature"
    assert "is kept (0.0 MB, `" in weights.markdown(kept, "dqn", "the final score")


def test_weights_over_the_limit_stay_in_the_run(tmp_path):
    src = tmp_path / "online.weights.h5"
    src.write_bytes(bytes(100))
    kept = weights.keep(src, tmp_path / "results", "big", {}, limit=100)
    assert kept == {"path": None, "bytes": 100, "kept": False}
    assert not (tmp_path / "results").exists()
    assert "stays in the run directory" in weights.markdown(kept, "dqn", "the final score")


def test_evaluate_weights_without_a_usable_record_is_one_line(tmp_path):
    kept = tmp_path / "pong-cpu-seed0.weights.h5"
    with pytest.raises(UserError, match=r"pong-cpu-seed0\.weights\.h5 not found; --weights takes"):
        evaluate.main(["--weights", str(kept)])
    kept.write_bytes(b"not read")
    with pytest.raises(UserError, match=r"pong-cpu-seed0\.json not found; --weights takes a results/dqn/"):
        evaluate.main(["--weights", str(kept)])
    weights.record_path(kept).write_text("{not json")
    with pytest.raises(UserError, match="is not a weights record"):
        evaluate.main(["--weights", str(kept)])
    weights.record_path(kept).write_text(json.dumps({"profile": "cpu"}))
    with pytest.raises(UserError, match=r"is not a weights record \(no 'config'\)"):
        evaluate.main(["--weights", str(kept)])
    with pytest.raises(UserError, match="--out goes with --weights"):
        evaluate.main(["--run-dir", str(tmp_path), "--out", str(tmp_path / "out")])


def test_named_arrays_round_trip_and_give_the_same_bytes(tmp_path):
    arrays = {"E1": np.arange(6, dtype=np.float32).reshape(2, 3), "E0": np.ones((1, 4), np.float32)}
    weights.write_arrays(tmp_path / "a.weights.h5", arrays)
    weights.write_arrays(tmp_path / "b.weights.h5", dict(reversed(arrays.items())))
    assert (tmp_path / "a.weights.h5").read_bytes() == (tmp_path / "b.weights.h5").read_bytes()
    back = weights.read_arrays(tmp_path / "a.weights.h5")
    assert set(back) == {"E0", "E1"}
    for name, a in arrays.items():
        np.testing.assert_array_equal(back[name], a)
        assert back[name].dtype == a.dtype
    (tmp_path / "text.weights.h5").write_text("not hdf5")
    with pytest.raises(UserError, match="text.weights.h5 is not a weights file"):
        weights.read_arrays(tmp_path / "text.weights.h5")
