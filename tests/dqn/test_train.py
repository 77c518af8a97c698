"""Smoke runs of `python -m papers.dqn.train` and `python -m papers.dqn.evaluate` that check the run
directory, resume, bad input, and the CartPole algorithm check (slow)."""

import csv
import json
import math

import pytest

from papers.dqn import evaluate, train


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_smoke_train_then_evaluate_writes_the_run_dir(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir)]) == 0
    for name in ("config.json", "deviations.json", "command.txt", "versions.json", "metrics.csv",
                 "eval.csv", "summary.json", "DONE"):
        assert (run_dir / name).exists(), name
    metrics = _rows(run_dir / "metrics.csv")
    assert list(metrics[0])[:4] == ["agent_steps", "env_frames", "updates", "wall_time"]
    last = metrics[-1]
    assert int(last["agent_steps"]) == 300
    assert int(last["env_frames"]) >= 4 * 300            # action repeat 4 (+ no-op starts)
    assert int(last["updates"]) == (300 - 100) // 4      # every 4 agent steps after replay start
    assert math.isfinite(float(last["loss"]))
    assert float(metrics[0]["epsilon"]) == 1.0 and float(last["epsilon"]) == pytest.approx(0.1)
    assert [int(r["agent_steps"]) for r in _rows(run_dir / "eval.csv")] == [200, 300]
    marker = json.loads((run_dir / "checkpoints" / "ckpt-300.complete.json").read_text())
    assert {"rng", "env_frames", "episodes"} <= set(marker["state"])
    assert (run_dir / "checkpoints" / "ckpt-300.files" / "replay" / "meta.json").exists()
    assert "replay memory: 1,000 transitions" in capsys.readouterr().out

    assert evaluate.main(["--run-dir", str(run_dir), "--episodes", "2", "--max-frames", "300"]) == 0
    rows = _rows(run_dir / "evaluation" / "eval.csv")
    assert len(rows) == 2 and all(int(r["env_frames"]) <= 300 for r in rows)
    summary = json.loads((run_dir / "evaluation" / "eval_summary.json").read_text())
    assert summary["agent_steps"] == 300 and summary["episodes"] == 2
    # re-running a finished run does nothing
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir)]) == 0


def test_resume_restores_networks_optimizer_counters_and_replay(tmp_path):
    run_dir = tmp_path / "run"
    args = ["--profile", "smoke", "--run-dir", str(run_dir), "--set", "checkpoint_period=200"]
    assert train.main(args + ["--max-minutes", "1e-9"]) == 0   # stops (checkpointed) after 1 step
    assert not (run_dir / "DONE").exists()
    first = json.loads((run_dir / "checkpoints" / "ckpt-1.complete.json").read_text())["state"]
    assert train.main(args) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["agent_steps"] == 300
    assert summary["updates"] == (300 - 100) // 4
    assert summary["env_frames"] > first["env_frames"]
    steps = [int(r["agent_steps"]) for r in _rows(run_dir / "metrics.csv")]
    assert steps == sorted(set(steps))                       # one continuous curve
    assert len((run_dir / "command.txt").read_text().splitlines()) == 2


def test_bad_input_is_one_line(tmp_path, capsys):
    assert train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "r"),
                       "--set", "env=pongg"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown Atari game 'pongg'") and "\n" not in err
    assert evaluate.main(["--run-dir", str(tmp_path / "nothing")]) == 2
    assert "config.json not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        train.main(["--profile", "smoke", "--set", "gamma=high"])
    assert e.value.code == 2


@pytest.mark.slow
def test_cartpole_is_solved_within_50k_agent_steps(tmp_path):
    """Algorithm check: the same agent, replay and loss with a 64-64 MLP reach a mean return
    >= 195 over 100 evaluation episodes within the cartpole profile's 50,000 agent steps."""
    run_dir = tmp_path / "cartpole"
    assert train.main(["--profile", "cartpole", "--run-dir", str(run_dir)]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["solved_at_agent_steps"] is not None
    assert summary["solved_at_agent_steps"] <= 50_000
    best = max(float(r["eval_return"]) for r in _rows(run_dir / "eval.csv"))
    assert best >= 195.0
    assert int(_rows(run_dir / "eval.csv")[-1]["eval_episodes"]) == 100


def test_same_seed_same_curve(tmp_path):
    """Determinism: two smoke runs with one seed log the same metrics (wall time aside)."""
    curves = []
    for name in ("a", "b"):
        run_dir = tmp_path / name
        assert train.main(["--profile", "smoke", "--run-dir", str(run_dir), "--seed", "3",
                           "--deterministic", "--set", "precision=float32",
                           "--set", "save_replay=false", "--set", "total_agent_steps=160",
                           "--set", "checkpoint_period=1000"]) == 0
        curves.append([{k: v for k, v in r.items() if k != "wall_time"}
                       for r in _rows(run_dir / "metrics.csv")])
    assert curves[0] == curves[1]
    assert any(r["loss"] != "nan" for r in curves[0])
