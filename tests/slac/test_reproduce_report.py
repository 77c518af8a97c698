"""papers/slac/report.py section(): built from hand-made run files only, deterministic, and
honest about what is missing (no training, no measuring); and what reproduce.run() starts."""

import json

from common.report import readme_markers
from papers.slac import report, reproduce

EVAL = ["model_updates,agent_steps,env_steps,env_steps_total,eval_return_stochastic,eval_return_greedy,episodes",
        "500,1000,0,4000,78.4,173.1,5", "1000,1500,2000,6000,131.9,45.1,5", "1500,2000,4000,8000,89.5,21.1,5"]
METRICS = ["model_updates,agent_steps,env_steps,env_steps_total,ac_updates,wall_time,train_return,model_loss,"
           "kl,log_px,log_pr,recon_mse,reward_mse,critic_loss,actor_loss,alpha_loss,alpha,entropy,q_mean",
           "100,1000,0,4000,0,38.2,95.8,-753.2,184.8,950.4,-12.5,0.0447,0.816,nan,nan,nan,nan,nan,nan",
           "1500,2000,4000,8000,1000,612.0,63.7,-24524.5,25.2,24556.1,-6.3,0.0021,0.28,0.31,-15.9,-2.2,0.28,0.68,15.8"]
BENCH = {"task": "cartpole_swingup", "render_fps_faithful": 160.0, "render_fps_fast": 1091.0,
         "model_update_s_paper_batch_float32": 1.7, "actor_critic_update_s_paper_batch_float32": 1.5,
         "model_update_s_paper_batch_mixed_bfloat16": 1.0, "actor_critic_update_s_paper_batch_mixed_bfloat16": 0.7,
         "model_update_s_cpu_batch_float32": 0.66, "actor_critic_update_s_cpu_batch_float32": 0.59,
         "model_update_s_cpu_batch_mixed_bfloat16": 0.34, "actor_critic_update_s_cpu_batch_mixed_bfloat16": 0.26,
         "batches_paper_batch": [32, 256], "batches_cpu_batch": [16, 64]}


def fake_runs(root, done=False, measured=True):
    run_dir = root / "slac" / "cpu-seed0"
    run_dir.mkdir(parents=True)
    from common.config import build, to_json
    from papers.slac.config import PROFILES, SlacConfig
    cfg, _ = build(SlacConfig, PROFILES, "cpu")
    (run_dir / "config.json").write_text(json.dumps({"config": json.loads(to_json(cfg)), "paper": "slac",
                                                     "profile": "cpu", "seed": 0, "deterministic": False}))
    (run_dir / "versions.json").write_text(json.dumps({"git_commit": "0123456789abcdef", "git_dirty": False,
                                                       "tensorflow": "2.21.0", "python": "3.11.7"}))
    (run_dir / "eval.csv").write_text("\n".join(EVAL) + "\n")
    (run_dir / "metrics.csv").write_text("\n".join(METRICS) + "\n")
    if done:
        (run_dir / "summary.json").write_text(json.dumps({"task": "cartpole_swingup", "env_steps": 4000}))
        (run_dir / "DONE").write_text("")
    if measured:
        (root / "slac" / "random_policy.json").write_text(json.dumps(
            {"task": "cartpole_swingup", "episodes": 10, "seed": 12345, "random_policy_return": 88.5}))
        (root / "slac" / "benchmark.json").write_text(json.dumps(BENCH))
    return run_dir


def test_empty_runs_root_is_not_run(tmp_path):
    s = report.section("cpu", tmp_path / "runs", tmp_path / "results", readme=None)
    assert s.status == "not run" and s.runs == []
    assert "792.7" in s.headline  # the paper's number is still shown
    assert not (tmp_path / "results" / "evidence.json").exists()


def test_started_run_without_evaluation_is_partial(tmp_path):
    run_dir = fake_runs(tmp_path / "runs", measured=False)
    (run_dir / "eval.csv").unlink()
    s = report.section("cpu", tmp_path / "runs", tmp_path / "results", readme=None)
    assert s.status == "partial" and "no evaluation" in s.body


def test_report_is_deterministic_and_copies_measurements(tmp_path):
    runs = tmp_path / "runs"
    fake_runs(runs)
    readme = tmp_path / "README.md"
    readme.write_text("x\n{}\nstale block\n{}\ny\n".format(*readme_markers("results")))
    first = report.section("cpu", runs, tmp_path / "results", readme=readme)
    evidence = (tmp_path / "results" / "evidence.json").read_text()
    block = readme.read_text()
    second = report.section("cpu", runs, tmp_path / "results", readme=readme)
    assert first == second
    assert (tmp_path / "results" / "evidence.json").read_text() == evidence
    assert readme.read_text() == block and "stale block" not in block and "### Runs and provenance" in block
    assert first.status == "partial" and "no `DONE`" in first.body  # stopped before its plan
    ev = json.loads(evidence)
    assert ev["commit"] == "0123456789abcdef" and ev["cpu_env_steps"] == 4000
    assert ev["random_policy_return"] == 88.5 and ev["model_update_seconds"] == 1.7
    for name in ("random_policy.json", "benchmark.json", "eval_return_vs_published.png", "model_losses.png"):
        assert (tmp_path / "results" / name).exists(), name
    assert "](slac/eval_return_vs_published.png)" in first.body
    for heading in ("#### Evaluation return", "### Budget: used vs the paper's", "### Evaluation protocol"):
        assert heading in first.body
    assert "\n## " not in first.body


def test_finished_run_is_complete_and_falls_back_to_committed_measurements(tmp_path):
    runs, results = tmp_path / "runs", tmp_path / "results"
    fake_runs(runs, done=True, measured=False)
    s = report.section("cpu", runs, results, readme=None)
    assert s.status == "partial" and "random-policy" in s.body and "benchmark" in s.body
    results.mkdir(exist_ok=True)
    (results / "random_policy.json").write_text(json.dumps(
        {"task": "cartpole_swingup", "episodes": 10, "seed": 12345, "random_policy_return": 90.0}))
    (results / "benchmark.json").write_text(json.dumps(BENCH))
    s = report.section("cpu", runs, results, readme=None)
    assert s.status == "complete" and "random policy 90.0" in s.headline
    assert "committed copy" in s.body


def test_run_skips_what_is_finished(tmp_path, monkeypatch):
    """run() trains only a run without DONE and measures only missing files (nothing here)."""
    runs = tmp_path / "runs"
    fake_runs(runs, done=True)
    called = []
    monkeypatch.setattr(reproduce.subprocess, "run", lambda *a, **k: called.append(a))
    reproduce.run("cpu", runs)
    assert called == []
    (runs / "slac" / "benchmark.json").unlink()
    reproduce.run("cpu", runs)
    assert len(called) == 1 and "papers.slac.benchmark" in called[0][0]
    assert str(runs / "slac" / "benchmark.json") in called[0][0]
