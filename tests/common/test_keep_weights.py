"""common.report.keep_weights: the weights behind a headline number go to results/<paper>/weights/
with the record that rebuilds their model, only when small; papers/dqn/evaluate.py --weights
refuses a file without that record, or with a broken one, in one line."""

import json

import pytest

from common.errors import UserError
from common.report import keep_weights, weights_record
from papers.dqn import evaluate


def test_small_weights_are_copied_with_their_record(tmp_path):
    src = tmp_path / "run" / "online.weights.h5"
    src.parent.mkdir()
    src.write_bytes(b"\x89HDF" + bytes(range(256)))
    kept = keep_weights(src, tmp_path / "results", "pong-cpu-seed0", {"profile": "cpu", "agent_steps": 7})
    assert kept == {"path": tmp_path / "results" / "weights" / "pong-cpu-seed0.weights.h5", "bytes": 260,
                    "kept": True}
    assert kept["path"].read_bytes() == src.read_bytes()
    assert json.loads(weights_record(kept["path"]).read_text()) == {"profile": "cpu", "agent_steps": 7}
    # the same bytes are not rewritten (the committed file is left alone)
    mtime = kept["path"].stat().st_mtime_ns
    keep_weights(src, tmp_path / "results", "pong-cpu-seed0", {"profile": "cpu", "agent_steps": 7})
    assert kept["path"].stat().st_mtime_ns == mtime


def test_weights_over_the_limit_stay_in_the_run(tmp_path):
    src = tmp_path / "online.weights.h5"
    src.write_bytes(bytes(100))
    kept = keep_weights(src, tmp_path / "results", "big", {}, limit=100)
    assert kept == {"path": None, "bytes": 100, "kept": False}
    assert not (tmp_path / "results").exists()


def test_evaluate_weights_without_their_record_is_one_line(tmp_path):
    weights = tmp_path / "pong-cpu-seed0.weights.h5"
    weights.write_bytes(b"not read")
    with pytest.raises(UserError, match=r"pong-cpu-seed0\.json not found; --weights takes"):
        evaluate.main(["--weights", str(weights)])
    with pytest.raises(UserError, match=r"missing\.weights\.h5 not found"):
        evaluate.main(["--weights", str(tmp_path / "missing.weights.h5")])


def test_evaluate_weights_with_a_broken_record_or_a_stray_out_is_one_line(tmp_path):
    weights = tmp_path / "pong-cpu-seed0.weights.h5"
    weights.write_bytes(b"not read")
    weights_record(weights).write_text("{not json")
    with pytest.raises(UserError, match="is not a weights record"):
        evaluate.main(["--weights", str(weights)])
    with pytest.raises(UserError, match="--out goes with --weights"):
        evaluate.main(["--run-dir", str(tmp_path), "--out", str(tmp_path / "out")])
