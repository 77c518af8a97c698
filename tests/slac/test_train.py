"""papers/slac/train.py: a smoke run of SLAC (Lee et al. 2020) writes a complete run dir with
finite losses, evaluation rows and the reconstruction figure; re-running it does nothing; the
report keeps its policy and `evaluate --weights` replays its last evaluation; the evaluate CLI
rejects bad input in one line."""

import csv
import json
import math

import numpy as np
import pytest

from common import dmc
from common.results import read_published

from papers.slac import evaluate, train


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("slac") / "run"
    assert train.main(["--profile", "smoke", "--run-dir", str(run_dir)]) == 0
    return run_dir


def test_smoke_run_dir(smoke_run, capsys):
    run_dir = smoke_run
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


def test_bad_task_is_an_error(capsys):
    with pytest.raises(SystemExit) as e:
        train.main(["--set", "task=pong"])
    assert e.value.code == 2
    assert "error: bad value 'pong' for 'task'" in capsys.readouterr().err
    with pytest.raises(dmc.EnvError, match="unknown DM Control task 'pong'"):   # one line under python -m
        evaluate.main(["--random", "--task", "pong", "--episodes", "1"])


def test_report_from_a_smoke_run(smoke_run, tmp_path):
    """report.section turns a run dir into plots + evidence.json with every required key
    (benchmark and random-policy numbers supplied as files, as the real ones are cached)."""
    import shutil

    from papers.slac import report
    runs, results = tmp_path / "runs", tmp_path / "results"
    shutil.copytree(smoke_run, runs / "slac" / "cpu-seed0")  # report() reads runs/slac/<profile>-seed0
    results.mkdir()
    (results / "random_policy.json").write_text(json.dumps({"random_policy_return": 88.0}))
    keys = ["render_fps_faithful", "render_fps_fast"] + [
        f"{k}_{b}_{d}" for k in ("model_update_s", "actor_critic_update_s")
        for b in ("paper_batch", "cpu_batch") for d in ("float32", "mixed_bfloat16")]
    (results / "benchmark.json").write_text(json.dumps({k: 1.0 for k in keys}))
    section = report.section("cpu", runs, results, readme=None)
    body = section.body  # runs/slac/ has no random_policy/benchmark json: results_dir copies are the fallback
    evidence = json.loads((results / "evidence.json").read_text())
    for key in ("cpu_task", "cpu_env_steps", "cpu_final_eval_return", "random_policy_return",
                "published_return_at_same_env_steps", "render_frames_per_s",
                "model_update_seconds", "actor_critic_update_seconds", "commit"):
        assert key in evidence, key
    assert evidence["cpu_env_steps"] == 24 and evidence["random_policy_return"] == 88.0
    # the published mean curve, linearly interpolated between its points at 0 and 10,000
    m0, m1 = (float(r["mean_return"]) for r in read_published(report.PUBLISHED, task="cartpole_swingup")[:2])
    assert evidence["published_return_at_same_env_steps"] == pytest.approx(m0 + (m1 - m0) * 24 / 10_000)
    assert (results / "eval_return_vs_published.png").exists() and "| env steps |" in body
    assert section.status == "complete" and section.runs == [runs / "slac" / "cpu-seed0"]
    # the finished run's policy is kept, and --weights replays its last evaluation exactly
    kept = results / "weights" / "cpu-seed0.weights.h5"
    assert evidence["cpu_policy_weights"].endswith("weights/cpu-seed0.weights.h5")
    assert evidence["cpu_policy_weights_bytes"] == kept.stat().st_size
    assert "weights/cpu-seed0.weights.h5" in body
    record = json.loads(kept.with_name("cpu-seed0.json").read_text())
    last = read(smoke_run / "eval.csv")[-1]
    assert record["final_evaluation"]["seed"] == evaluate.eval_seed(0) and record["model_updates"] == 9
    out = tmp_path / "rescore"
    assert evaluate.main(["--weights", str(kept), "--out", str(out)]) == 0
    rescore = json.loads((out / "rescore.json").read_text())
    assert rescore["episodes"] == int(last["episodes"]) == 1
    # equal at the precision of eval.csv (6 significant digits)
    assert f"{rescore['return_stochastic']:.6g}" == last["eval_return_stochastic"]
    assert f"{rescore['return_greedy']:.6g}" == last["eval_return_greedy"]
    # a weights file that is not the record's policy is a one-line error
    from common import weights as kept_weights
    from common.errors import UserError
    bad = tmp_path / "bad.weights.h5"
    kept_weights.write_arrays(bad, {"encoder.00": np.zeros(1)})
    kept_weights.record_path(bad).write_text(kept.with_name("cpu-seed0.json").read_text())
    with pytest.raises(UserError, match="does not fit the policy of its record"):
        evaluate.main(["--weights", str(bad)])


def test_an_evaluation_is_a_function_of_weights_and_seed(smoke_run):
    """The policy's noise in an evaluation comes from the episode's seed, not from the agent's
    RNG: advancing that RNG does not change the return; another seed does."""
    from papers.slac.agent import History
    record, cfg, _, prefix = evaluate.run_checkpoint(smoke_run)
    with dmc.make(cfg.task, seed=1, repeat=4, render=cfg.render) as env:
        agent = evaluate.restored_agent(cfg, env.action_spec.shape[0], record["seed"], prefix)
        history = History(agent)
        first = evaluate.policy_return(env, history, False, 1, seed=7)
        agent.rng.normal((1000,))
        assert evaluate.policy_return(env, history, False, 1, seed=7) == first
        assert evaluate.policy_return(env, history, False, 1, seed=8) != first


@pytest.mark.parametrize("argv,fragment", [
    (["--weights", "missing.weights.h5"], "missing.weights.h5 not found"),
    (["--random", "--out", "x"], "--out goes with --weights")])
def test_evaluate_weights_bad_input(argv, fragment, tmp_path, monkeypatch):
    from common.errors import UserError
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match=fragment):
        evaluate.main(argv)
