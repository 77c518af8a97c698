"""Mnih et al. 2016 (A3C): report.section() on hand-made run dirs (no training), and what
reproduce.run() launches (its subprocesses replaced by recorders)."""

import json
import time
from pathlib import Path

import pytest

from common.report import readme_markers
from papers.a3c import report, reproduce

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_run(run_dir: Path, profile: str, config: dict, metrics: str, episodes: str,
             summary: dict | None = None, commit: str = COMMIT) -> None:
    write(run_dir / "config.json", json.dumps({"config": config, "paper": "a3c", "profile": profile, "seed": 0}))
    write(run_dir / "versions.json", json.dumps({"git_commit": commit, "git_dirty": False, "tensorflow": "2.21.0"}))
    write(run_dir / "deviations.json", "[]")
    write(run_dir / "metrics.csv", metrics)
    write(run_dir / "episodes.csv", episodes)
    if summary is not None:
        write(run_dir / "summary.json", json.dumps(summary))
        write(run_dir / "DONE", "")


def cartpole(runs: Path, method: str, solved_s: float) -> Path:
    d = runs / "a3c" / f"cartpole-{method}-seed0"
    eps = "env_frames,episode,thread,return,wall_time\n" + "".join(
        f"{100 * i},{i},{i % 8},{min(10 + 2 * i, 500)},{i * 0.2:.2f}\n" for i in range(1, 150))
    make_run(d, "cartpole", {"env": "CartPole-v1", "threads": 8, "total_frames": 1000000, "method": method},
             "agent_steps,env_frames,updates,wall_time\n1000,1000,200,10.0\n15000,15000,3000,30.0\n", eps,
             {"env_frames": 15000, "threads": 8, "solved": True, "wall_time_s": solved_s,
              "solved_at": {"env_frames": 14900, "wall_time": solved_s}}, commit="c" * 40)
    return d


def pong(runs: Path, frames: int = 400000, evaluated: int | None = 400000, done: bool = False) -> Path:
    d = runs / "a3c" / "pong-cpu-seed0"
    eps = "env_frames,episode,thread,return,wall_time\n" + "".join(
        f"{20000 * i},{i},{i % 16},{-21 + (i % 3)},{10.0 * i:.2f}\n" for i in range(1, 21))
    make_run(d, "cpu", {"env": "pong", "threads": 16, "total_frames": 10000000},
             f"agent_steps,env_frames,updates,wall_time\n1000,4000,200,30.0\n{frames // 4},{frames},9000,600.0\n",
             eps, {"env_frames": frames} if done else None)
    write(d / "checkpoints" / f"ckpt-{frames}.complete.json", "{}")
    if evaluated is not None:
        write(d / "evaluation.json", json.dumps({
            "protocol": "no-op starts (up to 30 no-ops); the paper used human starts",
            "checkpoint_env_frames": evaluated, "episodes": 10, "mean_return": -20.3, "std_return": 0.5,
            "max_episode_frames": 108000, "policy": "sample from pi"}))
        write(d / "evaluation.weights.h5", "the network evaluate.py scored")
        write(d / "diagnosis.json", json.dumps({
            "checkpoint_env_frames": evaluated, "states": 400, "conv1_units": 16, "conv1_dead": 2,
            "conv2_units": 32, "conv2_dead": 3, "fc_units": 256, "fc_dead": 100, "pi_state_std": 0.012,
            "v_state_std": 0.31, "entropy_mean": 1.75}))
    return d


def benchmark(folder: Path) -> None:
    rows = [{"threads": n, "env_frames_per_s": 1000.0 * min(n, 2), "share_env": 0.1, "share_forward": 0.5,
             "share_sync": 0.1, "share_update": 0.3, "speedup": float(min(n, 2))} for n in (1, 2, 4, 8, 16)]
    write(folder / "benchmark.json", json.dumps({"rows": rows, "ale_act_per_s_1_thread": 10000,
                                                 "ale_act_per_s_2_threads": 13000, "measured_seconds": 20.0,
                                                 "cpu_count": 2}))
    write(folder / "call_costs.json", json.dumps({"env_step": 0.3, "update": 7.8}))


@pytest.fixture
def committed(tmp_path, monkeypatch):
    """An empty stand-in for the committed results/a3c/ (the benchmark fallback)."""
    folder = tmp_path / "committed"
    folder.mkdir()
    monkeypatch.setattr(report, "COMMITTED_RESULTS", folder)
    return folder


@pytest.fixture
def readme(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("# A3C\n{}\nold\n{}\n{}\nold\n{}\n".format(*readme_markers("results"),
                                                              *readme_markers("deviations")))
    return path


def full_runs(root: Path) -> Path:
    runs = root / "runs"
    cartpole(runs, "a3c", 26.8)
    cartpole(runs, "n_step_q", 34.2)
    pong(runs)
    benchmark(runs / "a3c")
    return runs


def test_empty_runs_root_is_not_run(tmp_path, committed, readme):
    before = readme.read_text()
    s = report.section("cpu", tmp_path / "runs", tmp_path / "results" / "a3c", readme=readme)
    assert s.status == "not run" and s.runs == []
    assert not (tmp_path / "results").exists()
    assert readme.read_text() == before


def test_report_is_deterministic(tmp_path, committed, readme):
    runs = full_runs(tmp_path)
    results = tmp_path / "results" / "a3c"
    a = report.section("cpu", runs, results, readme=readme)
    evidence_a = (results / "evidence.json").read_text()
    readme_a = readme.read_text()
    b = report.section("cpu", runs, results, readme=readme)
    assert a.body == b.body and a.headline == b.headline and a.status == b.status
    assert evidence_a == (results / "evidence.json").read_text()
    assert readme_a == readme.read_text()

    assert a.status == "partial"                          # Pong not DONE
    assert "Pong score -20.3 after 0.40M of 10M frames" in a.headline
    assert "11.4" in a.headline                           # the paper's A3C FF 1-day Pong score
    assert "Pong run is partial" in a.body
    for heading in ("### Results: ours vs the paper", "### Budget: used vs the paper's", "### Evaluation protocol"):
        assert heading in a.body
    assert "\n## " not in "\n" + a.body
    assert a.body.index("### Results") < a.body.index("### Budget") < a.body.index("### Evaluation protocol")
    for image in ("a3c/pong_curve.png", "a3c/cartpole_curves.png"):
        assert f"]({image})" in a.body and (results.parent / image).exists()
    assert sorted(p.name for p in a.runs) == ["cartpole-a3c-seed0", "cartpole-n_step_q-seed0", "pong-cpu-seed0"]

    evidence = json.loads(evidence_a)
    assert evidence["commit"] == COMMIT and evidence["report_commit"] == COMMIT
    assert evidence["cartpole_commit"] == "c" * 40
    assert evidence["pong_cpu_final_score"] == -20.3 and evidence["pong_cpu_complete"] is False
    assert evidence["pong_cpu_conv1_dead_units"] == 2
    assert "dead units conv1 2 of 16, conv2 3 of 32, fc 100 of 256" in a.body
    assert evidence["speedup_16_threads"] == 2.0 and evidence["benchmark_source"] == "runs"
    for name in ("benchmark.json", "call_costs.json", "pong_evaluation.json", "pong_metrics.csv", "results.md"):
        assert (results / name).exists(), name
    assert "](pong_curve.png)" in (results / "results.md").read_text()
    assert "](../../results/a3c/pong_curve.png)" in readme.read_text()
    assert "Profile `cpu`" in readme.read_text()
    # the network behind the score is kept with the record evaluate.py --weights rebuilds it from
    record = json.loads((results / "weights" / "pong-cpu-seed0.json").read_text())
    assert record["run"] == "runs/a3c/pong-cpu-seed0" and record["checkpoint_env_frames"] == 400000
    assert record["config"]["threads"] == 16 and record["score"]["mean_return"] == -20.3
    assert (results / "weights" / "pong-cpu-seed0.weights.h5").read_text() == "the network evaluate.py scored"
    assert evidence["pong_cpu_weights"].endswith("results/a3c/weights/pong-cpu-seed0.weights.h5")
    assert "python -m papers.a3c.evaluate --weights " in a.body


def test_complete_when_everything_finished(tmp_path, committed):
    runs = tmp_path / "runs"
    cartpole(runs, "a3c", 26.8)
    cartpole(runs, "n_step_q", 34.2)
    pong(runs, frames=10000000, evaluated=10000000, done=True)
    benchmark(runs / "a3c")
    s = report.section("cpu", runs, tmp_path / "results" / "a3c", readme=None)
    assert s.status == "complete" and "Missing" not in s.body


def test_partial_runs_say_what_is_missing(tmp_path, committed):
    runs = tmp_path / "runs"
    cartpole(runs, "a3c", 26.8)
    s = report.section("cpu", runs, tmp_path / "results" / "a3c", readme=None)
    assert s.status == "partial"
    for what in ("`n_step_q` has not run", "Pong run (`pong-cpu-seed0`) has not started",
                 "benchmark has not run"):
        assert what in s.body, what
    assert "Pong not run" in s.headline


def test_stale_evaluation_is_reported(tmp_path, committed):
    runs = full_runs(tmp_path)
    pong(runs, frames=800000, evaluated=400000)
    s = report.section("cpu", runs, tmp_path / "results" / "a3c", readme=None)
    assert s.status == "partial" and "not of the newest (0.80M)" in s.body


def test_benchmark_falls_back_to_committed_copy(tmp_path, committed):
    runs = tmp_path / "runs"
    cartpole(runs, "a3c", 26.8)
    benchmark(committed)
    results = tmp_path / "results" / "a3c"
    s = report.section("cpu", runs, results, readme=None)
    assert "committed copy `results/a3c/benchmark.json`" in s.body
    assert (results / "benchmark.json").read_text() == (committed / "benchmark.json").read_text()
    assert json.loads((results / "evidence.json").read_text())["benchmark_source"] == "committed"


def test_run_skips_finished_parts_and_keeps_the_deadline(tmp_path, monkeypatch):
    runs = full_runs(tmp_path)
    calls = []
    monkeypatch.setattr(reproduce, "_train", lambda args, limit: calls.append(("train", args, limit)))
    monkeypatch.setattr(reproduce.subprocess, "run", lambda cmd, check: calls.append(("sub", cmd)))
    monkeypatch.delenv("A3C_DEADLINE", raising=False)
    reproduce.run("cpu", runs)                  # CartPole DONE, benchmark there, evaluation current
    assert [c[0] for c in calls] == ["train"]
    assert calls[0][1][:2] == ["--profile", "cpu"] and calls[0][2] == reproduce.PONG_INVOCATION_S
    assert calls[0][1][-1] == str(runs / "a3c" / "pong-cpu-seed0")

    calls.clear()
    (runs / "a3c" / "pong-cpu-seed0" / "evaluation.weights.h5").unlink()     # evaluated before it was saved
    reproduce.run("cpu", runs)
    assert calls[-1] == ("sub", [reproduce.sys.executable, "-m", "papers.a3c.evaluate", "--run-dir",
                                 str(runs / "a3c" / "pong-cpu-seed0")])

    calls.clear()
    (runs / "a3c" / "pong-cpu-seed0" / "diagnosis.json").unlink()     # not diagnosed yet
    reproduce.run("cpu", runs)
    assert calls[-1] == ("sub", [reproduce.sys.executable, "-m", "papers.a3c.diagnose", "--run-dir",
                                 str(runs / "a3c" / "pong-cpu-seed0")])
    pong(runs)

    calls.clear()
    monkeypatch.setenv("A3C_DEADLINE", str(time.time() + 100))   # too close: no training, no benchmark
    (runs / "a3c" / "benchmark.json").unlink()
    reproduce.run("cpu", runs)
    assert calls == []
