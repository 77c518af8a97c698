"""`make reproduce BUDGET=smoke` for DQN: run("smoke") trains, evaluates (no benchmark) into
smoke-* run directories in about a minute, and report("smoke") builds a Section labelled as a
smoke run without touching the committed README or results/dqn/."""

import hashlib
import json
from pathlib import Path

from papers.dqn import evaluate, report, reproduce


def _digests(*paths: Path) -> dict[str, str]:
    out = {}
    for p in paths:
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def test_smoke_budget_runs_the_whole_pipeline_and_reports_it(tmp_path, monkeypatch):
    # the cpu path's env vars must be neither needed nor obeyed at the smoke budget
    monkeypatch.setenv("DQN_PONG_RUN_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("DQN_TRAIN_MINUTES", "0")
    committed = _digests(report.README, report.COMMITTED_RESULTS)
    runs, results = tmp_path / "runs", tmp_path / "results"

    reproduce.run("smoke", runs)
    dqn = runs / "dqn"
    assert sorted(p.name for p in dqn.iterdir()) == ["smoke-cartpole-seed0", "smoke-pong-seed0"]
    assert (dqn / "smoke-pong-seed0" / "DONE").exists() and (dqn / "smoke-cartpole-seed0" / "DONE").exists()
    summary = json.loads((dqn / "smoke-pong-seed0" / "evaluation" / "eval_summary.json").read_text())
    assert summary["episodes"] == 1 and summary["max_episode_frames"] == 400
    assert not (dqn / "benchmark.json").exists()
    assert not (tmp_path / "elsewhere").exists()

    section = report.section("smoke", runs, results)
    assert section.status == "complete"
    assert "smoke" in section.body.lower() and "meaningless" in section.body
    assert section.headline.startswith("SMOKE run")
    assert "Not measured at the smoke budget" in section.body
    assert sorted(Path(r).name for r in section.runs) == ["smoke-cartpole-seed0", "smoke-pong-seed0"]
    assert (results / "evidence-smoke.json").exists() and not (results / "evidence.json").exists()
    assert (results / "pong_smoke_curve.png").exists() and (results / "cartpole_curve.png").exists()
    assert not (results / "benchmark.json").exists()
    # the network behind the final score is kept, and evaluate --weights replays the run's own games
    kept = results / "weights" / "pong-smoke-pong-seed0.weights.h5"
    record = json.loads((results / "weights" / "pong-smoke-pong-seed0.json").read_text())
    assert record["profile"] == "smoke" and record["agent_steps"] == summary["agent_steps"]
    assert record["score"]["mean_return"] == summary["mean_return"]
    assert f"python -m papers.dqn.evaluate --weights {kept.as_posix()}" in section.body
    rescored = tmp_path / "rescored"
    assert evaluate.main(["--weights", str(kept), "--episodes", "1", "--max-frames", "400",
                          "--out", str(rescored)]) == 0
    run_rows = (dqn / "smoke-pong-seed0" / "evaluation" / "eval.csv").read_text()
    assert (rescored / "eval.csv").read_text() == run_rows
    # deterministic: the same runs give the same section
    again = report.section("smoke", runs, results)
    assert (again.status, again.headline, again.body) == (section.status, section.headline, section.body)
    # re-running skips what is finished
    reproduce.run("smoke", runs)
    assert _digests(report.README, report.COMMITTED_RESULTS) == committed
    # an evaluation without its network (made before evaluate.py saved it) is redone: same games
    (dqn / "smoke-pong-seed0" / "evaluation" / evaluate.WEIGHTS).unlink()
    reproduce.run("smoke", runs)
    assert (dqn / "smoke-pong-seed0" / "evaluation" / evaluate.WEIGHTS).exists()
    assert (dqn / "smoke-pong-seed0" / "evaluation" / "eval.csv").read_text() == run_rows
