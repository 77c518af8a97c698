"""Mnih et al. 2016 (A3C): in-process smoke runs of train / evaluate that check the run dir,
Ctrl-C with a checkpoint, resume, and one-line errors."""

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from common.errors import NonFiniteLossError, UserError
from common import weights
from papers.a3c import evaluate, train
from papers.a3c.envs import EnvError


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_smoke_train_then_evaluate_pong(tmp_path):
    run_dir = tmp_path / "run"
    summary = train.main(["--profile", "smoke", "--run-dir", str(run_dir)])
    for name in ("config.json", "deviations.json", "command.txt", "versions.json", "metrics.csv",
                 "summary.json", "DONE"):
        assert (run_dir / name).exists(), name
    assert list((run_dir / "checkpoints").glob("ckpt-*.complete.json"))
    metrics = rows(run_dir / "metrics.csv")
    assert list(metrics[0])[:4] == ["agent_steps", "env_frames", "updates", "wall_time"]
    last = metrics[-1]
    assert int(last["env_frames"]) >= 400 and int(last["env_frames"]) == 4 * int(last["agent_steps"])
    assert np.isfinite(float(last["policy_loss"])) and np.isfinite(float(last["value_loss"]))
    assert summary["env_frames"] == int(last["env_frames"]) and summary["updates"] > 0
    assert {"share_env", "share_forward", "share_update"} <= set(summary)
    # re-running a finished run does nothing
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir)]) is None
    result = evaluate.main(["--run-dir", str(run_dir), "--episodes", "1", "--max-episode-frames", "400"])
    saved = json.loads((run_dir / "evaluation.json").read_text())
    assert saved["episodes"] == 1 and "no-op" in saved["protocol"]
    assert np.isfinite(result["mean_return"]) and len(rows(run_dir / "evaluation.csv")) == 1
    # the scored network, kept as the report keeps it, plays the same game again from --weights
    kept = weights.keep(run_dir / evaluate.WEIGHTS, tmp_path / "results", "pong",
                        json.loads((run_dir / "config.json").read_text()))
    again = evaluate.main(["--weights", str(kept["path"]), "--episodes", "1", "--max-episode-frames", "400",
                           "--out", str(tmp_path / "rescored")])
    assert rows(tmp_path / "rescored" / "evaluation.csv") == rows(run_dir / "evaluation.csv")
    assert again["mean_return"] == result["mean_return"]


def interrupt_after(seconds):
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_all_threads_saves_and_resumes(tmp_path):
    args = ["--profile", "smoke", "--run-dir", str(tmp_path / "run"), "--set", "env=CartPole-v1",
            "--set", "network=mlp", "--set", "clip_rewards=false", "--set", "total_frames=10000000"]
    timer = interrupt_after(6.0)
    with pytest.raises(SystemExit) as e:
        train.main(args)
    timer.join()
    assert e.value.code == 128 + signal.SIGINT
    assert not [t for t in threading.enumerate() if t.name.startswith("actor-learner")]
    markers = sorted((tmp_path / "run" / "checkpoints").glob("ckpt-*.complete.json"))
    assert markers
    frames_1 = max(int(m.name.split("-")[1].split(".")[0]) for m in markers)
    assert frames_1 > 0
    timer = interrupt_after(6.0)                     # resume: the counter continues
    with pytest.raises(SystemExit):
        train.main(args)
    timer.join()
    frames = [int(r["env_frames"]) for r in rows(tmp_path / "run" / "metrics.csv")]
    assert frames == sorted(frames) and frames[-1] > frames_1


@pytest.mark.parametrize("method", ["one_step_q", "one_step_sarsa", "n_step_q"])
def test_smoke_value_based_methods(tmp_path, method):
    summary = train.main(["--profile", "smoke", "--run-dir", str(tmp_path / method), "--set", f"method={method}",
                          "--set", "env=CartPole-v1", "--set", "network=mlp", "--set", "total_frames=2000"])
    assert summary["updates"] > 0 and summary["env_frames"] >= 2000
    assert np.isfinite(float(rows(tmp_path / method / "metrics.csv")[-1]["q_loss"]))
    assert (tmp_path / method / "checkpoints").exists()


def test_unknown_environment_is_a_user_error(tmp_path):
    """In-process, main raises; `python -m` prints the one line (tests/common/test_entry_points.py)."""
    with pytest.raises(EnvError, match="unknown Atari game 'pongg'") as e:
        train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "x"), "--set", "env=pongg"])
    assert "\n" not in str(e.value)


def test_evaluate_without_a_run_is_a_user_error(tmp_path):
    with pytest.raises(evaluate.EvalError, match="no config.json"):
        evaluate.main(["--run-dir", str(tmp_path)])
    kept = tmp_path / "pong.weights.h5"
    with pytest.raises(UserError, match=r"pong\.weights\.h5 not found; --weights takes a results/a3c/weights/"):
        evaluate.main(["--weights", str(kept)])
    kept.write_bytes(b"not read")
    (tmp_path / "pong.json").write_text("{not json")
    with pytest.raises(UserError, match="is not a weights record"):
        evaluate.main(["--weights", str(kept)])
    with pytest.raises(UserError, match="--out goes with --weights"):
        evaluate.main(["--run-dir", str(tmp_path), "--out", str(tmp_path / "out")])


def test_a_diverging_run_stops_all_threads_with_a_one_line_error(tmp_path):
    """At lr 1e30 the first update sends pi(.|s) to nan: the thread that meets it stops, and the
    run ends with NonFiniteLossError (one line under python -m) without saving anything."""
    with pytest.raises(NonFiniteLossError, match=r"^the network's output became nan or inf at env_frames \d+ "
                                                 r"\(no checkpoint was saved\).*lr is 1e\+30"):
        train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "run"), "--set", "env=CartPole-v1",
                    "--set", "network=mlp", "--set", "clip_rewards=false", "--set", "lr=1e30"])
    assert not [t for t in threading.enumerate() if t.name.startswith("actor-learner") and t.is_alive()]
    assert not list((tmp_path / "run" / "checkpoints").glob("*.complete.json"))


@pytest.mark.slow
def test_sigterm_then_resume_in_a_new_process_keeps_each_row_once(tmp_path):
    """`python -m papers.a3c.train` stopped by SIGTERM joins its threads and saves; the same command
    continues (stopped again by --max-minutes): each training episode is in episodes.csv once,
    numbered on from the checkpoint, and the frame counter of metrics.csv never goes back
    (two processes: ~17 s)."""
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "papers.a3c.train", "--profile", "smoke", "--run-dir", str(run_dir),
           "--set", "env=CartPole-v1", "--set", "network=mlp", "--set", "clip_rewards=false",
           "--set", "total_frames=10000000"]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (run_dir / "episodes.csv").exists():
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, out[-3000:]
    first = rows(run_dir / "episodes.csv")
    subprocess.run(cmd + ["--max-minutes", "0.05"], cwd=root, check=True, capture_output=True, timeout=120)
    episodes = rows(run_dir / "episodes.csv")
    assert len(episodes) > len(first) > 0
    assert [int(r["episode"]) for r in episodes] == list(range(1, len(episodes) + 1))
    frames = [int(r["env_frames"]) for r in rows(run_dir / "metrics.csv")]
    assert frames == sorted(frames) and len(frames) >= 2
