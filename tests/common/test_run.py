"""common/run.py: run-dir files, resume without duplicated rows, SIGTERM, bad checkpoints."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.config import build
from common.run import CheckpointError, Run, RunDirError
from tests.common import toy_train

ROOT = Path(__file__).resolve().parents[2]


def _rows(run_dir):
    with open(Path(run_dir) / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


def _args(run_dir, *extra):
    return ["--run-dir", str(run_dir), *extra]


def test_run_dir_files(tmp_path):
    toy_train.main(_args(tmp_path, "--set", "steps=4", "--seed", "2"))
    for name in ("config.json", "deviations.json", "command.txt", "versions.json", "metrics.csv",
                 "summary.json", "DONE"):
        assert (tmp_path / name).exists(), name
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["seed"] == 2 and config["config"]["steps"] == 4
    devs = json.loads((tmp_path / "deviations.json").read_text())
    assert devs == [{"field": "steps", "paper": 12, "ours": 4,
                     "reason": "set on the command line (--set)"}]
    versions = json.loads((tmp_path / "versions.json").read_text())
    assert versions["tensorflow"].startswith("2.") and "git_commit" in versions and "git_dirty" in versions
    assert (tmp_path / "command.txt").read_text().startswith("python -m tests.common.toy_train ")
    assert "--set steps=4" in (tmp_path / "command.txt").read_text()
    assert [r["updates"] for r in _rows(tmp_path)] == ["1", "2", "3", "4"]
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


def test_resume_continues_counters_and_rows_exactly(tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    toy_train.main(_args(full))
    # crash after 7 updates: checkpoints exist at 3 and 6, row 7 was logged but not saved
    toy_train.main(_args(cut), stop_after=7)
    assert len(_rows(cut)) == 7 and not (cut / "DONE").exists()
    toy_train.main(_args(cut))
    assert _rows(cut) == _rows(full)  # same updates, same losses (RNG state restored), no duplicates
    assert json.loads((cut / "summary.json").read_text())["updates"] == 12
    assert (cut / "command.txt").read_text().count("\n") == 2


def test_resume_never_refuses_existing_run(tmp_path):
    toy_train.main(_args(tmp_path, "--set", "steps=2"))
    with pytest.raises(RunDirError, match="already holds a run; re-run with --resume auto"):
        toy_train.main(_args(tmp_path, "--set", "steps=2", "--resume", "never"))


def test_resume_with_other_config_is_refused(tmp_path):
    toy_train.main(_args(tmp_path), stop_after=4)
    with pytest.raises(RunDirError, match=r"another config \(lr: 0.1 -> 0.2\)"):
        toy_train.main(_args(tmp_path, "--set", "lr=0.2"))
    with pytest.raises(RunDirError, match="seed"):
        toy_train.main(_args(tmp_path, "--seed", "9"))


def test_resume_accepts_a_field_added_later_at_its_default(tmp_path):
    toy_train.main(_args(tmp_path), stop_after=4)
    saved = tmp_path / "config.json"
    record = json.loads(saved.read_text())
    del record["config"]["step_sleep_s"]                # the run started before the field existed
    saved.write_text(json.dumps(record))
    with pytest.raises(RunDirError, match=r"another config \(step_sleep_s: None -> 0.5\)"):
        toy_train.main(_args(tmp_path, "--set", "step_sleep_s=0.5"))
    toy_train.main(_args(tmp_path))
    assert (tmp_path / "DONE").exists() and len(_rows(tmp_path)) == 12


def _toy_run(tmp_path, sets=None, **trackables):
    cfg, devs = build(toy_train.ToyConfig, toy_train.PROFILES, "paper", sets)
    from common.config import RunArgs
    args = RunArgs(cfg, "paper", devs, 0, tmp_path, "auto", False, [])
    run = Run(args, paper="toy", step_column="updates")
    run.track(**trackables)
    return run


def test_corrupt_checkpoint_is_one_line_error_and_left_untouched(tmp_path):
    import tensorflow as tf
    toy_train.main(_args(tmp_path), stop_after=4)  # checkpoint at 3
    data = next((tmp_path / "checkpoints").glob("ckpt-3.data-*"))
    data.write_bytes(b"garbage" * 10)
    before = {p.name: p.read_bytes() for p in (tmp_path / "checkpoints").iterdir() if p.is_file()}
    run = _toy_run(tmp_path, w=tf.Variable(tf.zeros([3])), updates=tf.Variable(0, dtype=tf.int64))
    with pytest.raises(CheckpointError) as e:
        run.restore()
    msg = str(e.value)
    assert "\n" not in msg and "ckpt-3 cannot be restored" in msg and "left untouched" in msg
    after = {p.name: p.read_bytes() for p in (tmp_path / "checkpoints").iterdir() if p.is_file()}
    assert after == before


def test_incompatible_checkpoint_is_reported(tmp_path):
    import tensorflow as tf
    toy_train.main(_args(tmp_path), stop_after=4)
    run = _toy_run(tmp_path, w=tf.Variable(tf.zeros([5])), updates=tf.Variable(0, dtype=tf.int64))
    with pytest.raises(CheckpointError, match="cannot be restored"):
        run.restore()


def test_unmarked_checkpoint_is_ignored(tmp_path):
    import tensorflow as tf
    toy_train.main(_args(tmp_path), stop_after=4)
    (tmp_path / "checkpoints" / "ckpt-3.complete.json").unlink()  # as if killed mid-save
    run = _toy_run(tmp_path, w=tf.Variable(tf.zeros([3])), updates=tf.Variable(0, dtype=tf.int64))
    assert run.restore() == (0, {})
    assert _rows(tmp_path) == []


def test_old_checkpoints_and_markers_are_pruned(tmp_path):
    toy_train.main(_args(tmp_path))  # checkpoints at 3, 6, 9, 12; two kept
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("*.complete.json")) == \
        ["ckpt-12.complete.json", "ckpt-9.complete.json"]


def test_sigterm_saves_a_loadable_checkpoint(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.common.toy_train", "--run-dir", str(tmp_path),
         "--set", "steps=1000", "--set", "checkpoint_every=1000", "--set", "step_sleep_s=0.05"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if (tmp_path / "metrics.csv").exists() and len(_rows(tmp_path)) >= 3:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, out
    assert "checkpoint saved" in out
    import tensorflow as tf
    sets = {"steps": "1000", "checkpoint_every": "1000", "step_sleep_s": "0.05"}
    run = _toy_run(tmp_path, sets, w=tf.Variable(tf.zeros([3])), updates=tf.Variable(0, dtype=tf.int64))
    step, state = run.restore()
    assert step >= 3 and "rng" in state
    assert len(_rows(tmp_path)) == step


def test_track_refuses_weights_a_checkpoint_would_not_save(tmp_path):
    import keras

    class ListLayer(keras.layers.Layer):  # weights in a Python list: invisible to tf.train.Checkpoint
        def __init__(self):
            super().__init__()
            self.E = [self.add_weight(shape=(2,), initializer="ones", name=f"E{k}") for k in range(2)]
            self.built = True

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    _toy_run(tmp_path / "ok", model=model, optimizer=optimizer)       # functional models are fine
    with pytest.raises(RuntimeError, match=r"would not save 2 of 2 variables of 'layer' \(e.g. list_layer/E0\)"):
        _toy_run(tmp_path / "bad", layer=ListLayer())


def test_completed_summary_only_after_finish(tmp_path):
    import tensorflow as tf
    toy_train.main(_args(tmp_path), stop_after=4)
    run = _toy_run(tmp_path, w=tf.Variable(tf.zeros([3])), updates=tf.Variable(0, dtype=tf.int64))
    assert run.completed_summary() is None
    toy_train.main(_args(tmp_path))
    run = _toy_run(tmp_path, w=tf.Variable(tf.zeros([3])), updates=tf.Variable(0, dtype=tf.int64))
    assert run.completed_summary()["updates"] == 12


def test_finished_run_is_left_untouched_and_resumes_keep_first_versions(tmp_path, monkeypatch):
    from common import run as run_module
    toy_train.main(_args(tmp_path), stop_after=4)                      # first invocation at commit A
    first = json.loads((tmp_path / "versions.json").read_text())
    later = dict(first, git_commit="b" * 40, git_dirty=False)
    monkeypatch.setattr(run_module, "versions", lambda: later)
    toy_train.main(_args(tmp_path))                                     # resumed and finished at commit B
    saved = json.loads((tmp_path / "versions.json").read_text())
    assert saved["git_commit"] == first["git_commit"]
    assert saved["resumed_with"] == [{"git_commit": "b" * 40, "git_dirty": False}]
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    monkeypatch.setattr(run_module, "versions", lambda: dict(first, git_commit="c" * 40))
    toy_train.main(_args(tmp_path))                                     # finished: nothing is rewritten
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == files


def test_finished_summary_reads_without_writing(tmp_path):
    from common.config import parse_args
    from common.run import finished_summary
    from tests.common.toy_train import PROFILES, ToyConfig
    args = parse_args(ToyConfig, PROFILES, prog="toy", description="toy", argv=_args(tmp_path))
    assert finished_summary(args, "toy") is None and not tmp_path.joinpath("config.json").exists()
    toy_train.main(_args(tmp_path))
    assert finished_summary(args, "toy")["updates"] == 12
    other = parse_args(ToyConfig, PROFILES, prog="toy", description="toy", argv=_args(tmp_path, "--seed", "5"))
    with pytest.raises(RunDirError, match="another config"):
        finished_summary(other, "toy")


def test_max_minutes_saves_and_exits_zero_then_resumes(tmp_path):
    """The time box ends the invocation at a step boundary with a checkpoint and status 0; the
    next invocation restores exactly those variables (fingerprint verified) and finishes."""
    from common import run as run_module
    full, boxed = tmp_path / "full", tmp_path / "boxed"
    toy_train.main(_args(full))
    with pytest.raises(SystemExit) as exit_info:   # 0.001 min = 60 ms; each step sleeps 50 ms
        toy_train.main(_args(boxed, "--max-minutes", "0.001", "--set", "step_sleep_s=0.05"))
    assert exit_info.value.code == 0
    markers = sorted((boxed / "checkpoints").glob("ckpt-*.complete.json"))
    saved = json.loads(markers[-1].read_text())
    assert 1 <= saved["step"] < 12 and len(saved["fingerprint"]) == 64
    assert not (boxed / "DONE").exists()
    toy_train.main(_args(boxed, "--set", "step_sleep_s=0.05"))
    restore = run_module.RESTORES[-1]
    assert restore["run_dir"] == str(boxed) and restore["step"] == saved["step"]
    assert restore["verified"] and restore["fingerprint"] == saved["fingerprint"]
    assert [r["loss"] for r in _rows(boxed)] == [r["loss"] for r in _rows(full)]


def test_max_minutes_must_be_positive(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        toy_train.main(_args(tmp_path, "--max-minutes", "0"))
    assert exit_info.value.code == 2
    assert "--max-minutes must be a positive number" in capsys.readouterr().err


def test_restore_refuses_values_other_than_saved(tmp_path):
    """A checkpoint whose variables do not hash to the marker's fingerprint is refused in one
    line and left as it was."""
    toy_train.main(_args(tmp_path), stop_after=4)          # checkpoint at update 3
    marker = tmp_path / "checkpoints" / "ckpt-3.complete.json"
    record = json.loads(marker.read_text())
    record["fingerprint"] = "0" * 64
    marker.write_text(json.dumps(record))
    before = marker.read_bytes()
    with pytest.raises(CheckpointError, match="restored other values than were saved"):
        toy_train.main(_args(tmp_path))
    assert marker.read_bytes() == before
