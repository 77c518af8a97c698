"""papers/slac/train.py: a smoke run of SLAC (Lee et al. 2020) writes a complete run dir with
finite losses, evaluation rows and the reconstruction figure; re-running it does nothing; the
evaluate CLI rejects bad input in one line."""

import csv
import json
import math

import pytest

from papers.slac import evaluate, train


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_smoke_run_dir(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir)]) == 0
    for name in ("config.json", "deviations.json", "command.txt", "versions.json", "metrics.csv",
                 "eval.csv", "summary.json", "DONE"):
        assert (run_dir / name).exists(), name
    metrics = read(run_dir / "metrics.csv")
    assert metrics[0]["env_steps"] == "0" and metrics[0]["ac_updates"] == "0"  # pre-training row
    trained = [r for r in metrics if int(r["ac_updates"]) > 0]
    assert trained and all(math.isfinite(float(r[k])) for r in trained
                           for k in ("model_loss", "kl", "critic_loss", "actor_loss", "alpha"))
    # env steps = agent steps after the random collection x action repeat 4
    assert all(int(r["env_steps"]) == 4 * (int(r["agent_steps"]) - 40) for r in metrics[1:])
    evals = read(run_dir / "eval.csv")
    assert [int(r["env_steps"]) for r in evals] == [0, 12, 24]
    assert all(math.isfinite(float(r["eval_return_stochastic"])) for r in evals)
    assert len(list((run_dir / "figures").glob("recon_*.png"))) == 3
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["ac_updates"] == 6 and summary["model_updates"] == 9
    assert list((run_dir / "checkpoints").glob("ckpt-*.files/replay.npz"))
    capsys.readouterr()
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir)]) == 0
    assert "already complete" in capsys.readouterr().out


def test_bad_task_is_one_line_error(capsys):
    with pytest.raises(SystemExit) as e:
        train.main(["--set", "task=pong"])
    assert e.value.code == 2
    assert "error: bad value 'pong' for 'task'" in capsys.readouterr().err
    assert evaluate.main(["--random", "--task", "pong", "--episodes", "1"]) == 2
    assert "unknown DM Control task 'pong'" in capsys.readouterr().err
