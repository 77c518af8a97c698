"""Mnih et al. 2016 (A3C): learning checks on CartPole-v1 (slow; run with `pytest -m slow`).

Budget per check: 7 minutes of wall time on the shared 2-core machine (a run stops as soon as
the mean return of the last 100 episodes reaches 195). The same runs made by reproduce.py are
reported in results/a3c/evidence.json (cartpole_solved_seconds, nstep_q_cartpole_solved_seconds).
"""

import json
import os
import subprocess
import sys

import pytest

BUDGET_S = 420


@pytest.mark.slow
@pytest.mark.parametrize("method", ["a3c", "n_step_q"])
def test_cartpole_is_solved_with_8_threads(tmp_path, method):
    run_dir = tmp_path / method
    cmd = [sys.executable, "-m", "papers.a3c.train", "--profile", "cartpole", "--set", f"method={method}",
           "--run-dir", str(run_dir)]
    env = dict(os.environ, KERAS_BACKEND="tensorflow")
    subprocess.run(cmd, env=env, timeout=BUDGET_S, check=True, capture_output=True)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["threads"] == 8 and summary["network"] == "mlp"
    assert summary["solved"], f"not solved: mean return of the last 100 episodes {summary['return_mean_100']}"
    assert summary["return_mean_100"] >= 195
