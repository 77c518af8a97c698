"""papers/dqn/report.py and reproduce.py under common/report.py's contract: section() reads only
hand-made run directories (no training), is deterministic, survives missing runs; run() keeps its env vars."""

import csv
import json
from pathlib import Path

import pytest

from common.report import readme_markers
from papers.dqn import dopamine, report, reproduce

CPU_CONFIG = {"action_repeat": 4, "replay_start": 10_000, "update_period": 4, "replay_capacity": 100_000,
              "total_agent_steps": 500_000, "eps_end": 0.01, "eval_epsilon": 0.05, "eval_episodes": 5}
CART_CONFIG = {"action_repeat": 1, "total_agent_steps": 50_000, "eval_period": 2_500}
VERSIONS = {"git_commit": "0123456789abcdef0123456789abcdef01234567", "git_dirty": False,
            "tensorflow": "2.21.0", "keras": "3.15.1", "numpy": "2.4.6", "python": "3.11.7"}


def _csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


def _pong_run(d: Path, done: bool = False, eval_step: int = 20_000, newest: int = 20_000) -> Path:
    _json(d / "config.json", {"config": CPU_CONFIG, "paper": "dqn", "profile": "cpu", "seed": 0})
    _json(d / "versions.json", VERSIONS)
    _json(d / "deviations.json", [{"field": "total_agent_steps", "paper": 12_500_000, "ours": 500_000,
                                   "reason": "CPU scale"}])
    metrics = ["agent_steps", "env_frames", "updates", "wall_time", "epsilon", "loss", "mean_q", "episodes",
               "train_return"]
    _csv(d / "metrics.csv", metrics, [[10_000, 40_800, 0, 3.8, 1, "nan", "nan", 11, -20.4],
                                      [20_000, 81_600, 2_500, 59.1, 0.9, 0.37, 0.003, 22, -20.5]])
    _csv(d / "episodes.csv", ["agent_steps", "env_frames", "episode", "return", "frames"],
         [[900 * i, 3_600 * i, i, -21 + (i % 3), 3_600] for i in range(1, 23)])
    _csv(d / "eval.csv", ["agent_steps", "env_frames", "eval_return", "eval_std", "eval_episodes"],
         [[20_000, 81_600, -20.8, 0.4, 5]])
    for step in sorted({eval_step, newest}):
        _json(d / "checkpoints" / f"ckpt-{step}.complete.json",
              {"state": {"env_frames": 4 * step + 123, "episodes": 22}, "step": step})
    _json(d / "evaluation" / "eval_summary.json",
          {"env": "pong", "agent_steps": eval_step, "episodes": 30, "epsilon": 0.05, "max_episode_frames": 18000,
           "mean_return": -20.5, "std_return": 0.5, "min_return": -21.0, "max_return": -20.0})
    if done:
        _json(d / "summary.json", {"agent_steps": 500_000, "wall_time_s": 3600.0})
        (d / "DONE").write_text("")
    return d


def _cart_run(d: Path, seed: int) -> Path:
    _json(d / "config.json", {"config": CART_CONFIG, "paper": "dqn", "profile": "cartpole", "seed": seed})
    _json(d / "versions.json", VERSIONS)
    _csv(d / "metrics.csv", ["agent_steps", "env_frames", "updates", "wall_time", "epsilon", "loss", "mean_q",
                             "episodes", "train_return"],
         [[1_000, 1_000, 0, 0.4, 1, "nan", "nan", 41, 23.7], [2_000, 2_000, 1_000, 5.2, 0.9, 0.09, 2.8, 91, 20.4]])
    _csv(d / "eval.csv", ["agent_steps", "env_frames", "eval_return", "eval_std", "eval_episodes"],
         [[2_500, 2_500, 110.2, 8.7, 100], [5_000, 5_000, 221.7, 47.0, 100]])
    _json(d / "summary.json", {"agent_steps": 5_000, "solved_at_agent_steps": 5_000, "wall_time_s": 37.1})
    (d / "DONE").write_text("")
    return d


def _benchmark(path: Path) -> None:
    _json(path, {"precision": "mixed_bfloat16", "replay_bytes_per_transition": 7063, "train_updates_per_s": 15.5,
                 "act_latency_ms": 3.2, "loop_env_frames_per_s": 342.0, "commit": "feedbeef",
                 "load_average_1min": 2.0})


@pytest.fixture
def runs(tmp_path):
    root = tmp_path / "runs"
    _pong_run(root / "dqn" / "cpu-seed0")
    _cart_run(root / "dqn" / "cartpole-seed0", 0)
    _cart_run(root / "dqn" / "cartpole-seed1", 1)
    _benchmark(root / "dqn" / "benchmark.json")
    return root


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    for name in ("DQN_PONG_RUN_DIR", "DQN_TRAIN_MINUTES", "DQN_BENCHMARK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(report, "README", Path("/nonexistent/README.md"))


def test_empty_runs_root_is_not_run(tmp_path):
    section = report.section("cpu", tmp_path / "runs", tmp_path / "results" / "dqn", readme=None)
    assert section.status == "not run"
    assert section.runs == []
    assert "Pong not run" in section.headline and "CartPole-v1 check not run" in section.headline
    evidence = json.loads((tmp_path / "results" / "dqn" / "evidence.json").read_text())
    assert evidence["commit"] is None and evidence["pong_run_final_score"] is None


def test_report_is_deterministic_and_reads_only_the_runs(runs, tmp_path):
    results = tmp_path / "results" / "dqn"
    first = report.section("cpu", runs, results, readme=None)
    evidence = (results / "evidence.json").read_text()
    second = report.section("cpu", runs, results, readme=None)
    assert second.body == first.body and second.headline == first.headline
    assert (results / "evidence.json").read_text() == evidence

    assert first.status == "partial"                      # Pong not DONE
    assert "stopped at 20,000 of 500,000" in first.body
    assert first.headline.startswith("Pong score -20.5 after 0.08M of 2M planned frames")
    assert "CartPole-v1 solved by 2 of 2 seeds" in first.headline
    assert [p.name for p in first.runs] == ["cpu-seed0", "cartpole-seed0", "cartpole-seed1"]
    ev = json.loads(evidence)
    assert ev["commit"] == VERSIONS["git_commit"]         # the runs' commit, not HEAD
    assert ev["pong_run_agent_steps"] == 20_000 and ev["pong_run_final_score"] == -20.5
    assert ev["train_updates_per_s"] == 15.5 and ev["benchmark_source"] == "runs/dqn/benchmark.json"
    assert (results / "benchmark.json").exists()           # copied from runs/dqn/
    # every embedded plot exists, relative to results/ (where REPORT.md lives)
    images = [line.split("](", 1)[1].rstrip(")") for line in first.body.splitlines() if line.startswith("![")]
    assert images and all((results.parent / p).exists() for p in images)
    # the order the contract asks for
    order = [first.body.index(h) for h in ("### Results", "### Plots", "### Budget", "### Evaluation protocol")]
    assert order == sorted(order) and "\n## " not in first.body
    # the final score's network: not saved by that evaluation, then saved and kept with its record
    assert "The network behind the final score is not kept" in first.body and ev["pong_run_weights"] is None
    (runs / "dqn" / "cpu-seed0" / "evaluation" / "online.weights.h5").write_text("the scored network")
    third = report.section("cpu", runs, results, readme=None)
    record = json.loads((results / "weights" / "pong-cpu-seed0.json").read_text())
    assert record["run"] == "runs/dqn/cpu-seed0" and record["profile"] == "cpu"
    assert record["agent_steps"] == 20_000 and record["env_frames"] == 80_123
    assert record["score"]["mean_return"] == -20.5 and record["config"] == json.loads(
        (runs / "dqn" / "cpu-seed0" / "config.json").read_text())["config"]
    assert (results / "weights" / "pong-cpu-seed0.weights.h5").read_text() == "the scored network"
    assert "python -m papers.dqn.evaluate --weights " in third.body
    assert json.loads((results / "evidence.json").read_text())["pong_run_weights"].endswith(
        "weights/pong-cpu-seed0.weights.h5")


def test_same_runs_elsewhere_give_the_same_text(runs, tmp_path):
    other = tmp_path / "copy" / "runs"
    _pong_run(other / "dqn" / "cpu-seed0")
    _cart_run(other / "dqn" / "cartpole-seed0", 0)
    _cart_run(other / "dqn" / "cartpole-seed1", 1)
    _benchmark(other / "dqn" / "benchmark.json")
    a = report.section("cpu", runs, tmp_path / "r1" / "dqn", readme=None)
    b = report.section("cpu", other, tmp_path / "r2" / "dqn", readme=None)
    assert a.body == b.body
    assert (tmp_path / "r1" / "dqn" / "evidence.json").read_text() == \
        (tmp_path / "r2" / "dqn" / "evidence.json").read_text()


def test_complete_and_stale_evaluation(runs, tmp_path):
    pong = runs / "dqn" / "cpu-seed0"
    _json(pong / "summary.json", {"agent_steps": 500_000, "wall_time_s": 3600.0})
    (pong / "DONE").write_text("")
    assert report.section("cpu", runs, tmp_path / "res", readme=None).status == "complete"
    _pong_run(pong, done=True, eval_step=20_000, newest=30_000)
    section = report.section("cpu", runs, tmp_path / "res", readme=None)
    assert section.status == "partial" and "newest checkpoint (30,000) is not evaluated" in section.body


def test_benchmark_falls_back_to_the_committed_copy(runs, tmp_path):
    (runs / "dqn" / "benchmark.json").unlink()
    results = tmp_path / "results" / "dqn"
    section = report.section("cpu", runs, results, readme=None)
    assert section.status == "partial" and "no benchmark" in section.body
    _benchmark(results / "benchmark.json")
    section = report.section("cpu", runs, results, readme=None)
    assert "committed copy" in section.body and "no benchmark" not in section.body


def test_readme_block_points_into_results(runs, tmp_path):
    readme = tmp_path / "README.md"
    begin, end = readme_markers("results")
    readme.write_text(f"# DQN\n\n{begin}\nOLD BLOCK\n{end}\n\ntail\n")
    report.section("cpu", runs, tmp_path / "results" / "dqn", readme=readme)
    text = readme.read_text()
    assert "OLD BLOCK" not in text and text.endswith("tail\n")
    assert "](../../results/dqn/pong_cpu_curve.png)" in text and "](dqn/" not in text
    assert "### Runs and provenance" in text


def test_run_keeps_its_environment_variables(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(reproduce, "_train", lambda argv: calls.append(("train", argv)))
    monkeypatch.setattr(reproduce, "_evaluate_latest", lambda d: calls.append(("evaluate", d)))
    monkeypatch.setattr(reproduce, "_commit", lambda: "abc")
    import papers.dqn.benchmark as benchmark
    monkeypatch.setattr(benchmark, "measure", lambda: {"train_updates_per_s": 1.0})
    other = tmp_path / "elsewhere"
    monkeypatch.setenv("DQN_PONG_RUN_DIR", str(other))
    monkeypatch.setenv("DQN_TRAIN_MINUTES", "5")
    monkeypatch.setenv("DQN_BENCHMARK", "1")
    reproduce.run("cpu", tmp_path / "runs")
    assert calls[0] == ("train", ["--profile", "cpu", "--run-dir", str(other), "--max-minutes", "5.0"])
    assert calls[1][1][:3] == ["--profile", "cartpole", "--run-dir"]
    assert calls[2] == ("evaluate", other)
    assert json.loads((tmp_path / "runs" / "dqn" / "benchmark.json").read_text())["commit"] == "abc"

    calls.clear()
    monkeypatch.setenv("DQN_TRAIN_MINUTES", "0")
    monkeypatch.delenv("DQN_PONG_RUN_DIR")
    reproduce.run("paper", tmp_path / "runs")
    assert [c[0] for c in calls] == ["train", "evaluate"]           # CartPole only; no Pong training
    assert calls[1][1] == tmp_path / "runs" / "dqn" / "nature" / "pong-seed0"


def test_the_like_for_like_comparison_leads_the_section(runs, tmp_path):
    results = tmp_path / "results" / "dqn"
    results.mkdir(parents=True)
    seed = runs / "dqn" / "dopamine-seed0"
    _json(seed / "config.json", {"profile": "dopamine", "seed": 0})
    _csv(seed / "episodes.csv", ["agent_steps", "return", "frames"], [[260_000, -20.3, 3_000], [300_000, -19, 3_000]])
    _csv(seed / "metrics.csv", ["agent_steps", "env_frames"], [[300_000, 1_200_000]])
    (results / "dopamine_pong.json").write_text(json.dumps(dopamine.collect([seed], 4)))
    section = report.section("cpu", runs, results, readme=None)
    assert section.headline.startswith("Pong like for like with Dopamine's DQN (1 seed, at least 1.20M frames each)")
    assert "; Pong score -20.5 after" in section.headline
    results_part = section.body[section.body.index("### Results"):]
    assert results_part.index("Pong, like for like") < results_part.index("| iteration (1M frames) |") \
        < results_part.index("CartPole")
    ev = json.loads((results / "evidence.json").read_text())
    assert ev["dopamine_pong_seeds"] == 1 and ev["dopamine_pong_iterations"][0]["ours_per_seed"] == [-20.3]
