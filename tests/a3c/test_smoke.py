"""Mnih et al. 2016 (A3C): the `smoke` budget runs the whole pipeline (CartPole checks, Pong,
evaluation; no benchmark) for real, in one to two minutes, and its report touches neither the
committed README nor results/a3c/."""

import hashlib
import json
from pathlib import Path

import pytest

from papers.a3c import report, reproduce


def digest(paths) -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def committed_files() -> list[Path]:
    return [report.README] + sorted(p for p in report.COMMITTED_RESULTS.rglob("*") if p.is_file())


@pytest.mark.slow               # about 100 s on the shared 2 cores (3 trainings + 1 evaluation, each a fresh TF process)
def test_smoke_budget_runs_the_pipeline_and_reports(tmp_path):
    before = digest(committed_files())
    runs, results = tmp_path / "runs", tmp_path / "results"
    reproduce.run("smoke", runs)
    base = runs / "a3c"
    assert sorted(p.name for p in base.iterdir()) == [
        "smoke-cartpole-a3c-seed0", "smoke-cartpole-n_step_q-seed0", "smoke-pong-seed0"]
    for d in base.iterdir():
        assert (d / "DONE").exists(), d
    assert json.loads((base / "smoke-pong-seed0" / "evaluation.json").read_text())["episodes"] == 1
    assert not (base / "benchmark.json").exists()

    s = report.section("smoke", runs, results)
    assert s.status != "not run" and s.status == "complete"
    assert "smoke" in s.body.lower() and "smoke" in s.headline
    assert "Not measured at the smoke budget." in s.body
    assert {p.name for p in results.iterdir()} >= {"results.md", "evidence.json", "pong_evaluation.json"}
    assert sorted(Path(r).name for r in s.runs) == sorted(p.name for p in base.iterdir())
    # the network behind the score is kept with its record, and the report says how to re-score it
    kept = results / "weights" / "smoke-pong-seed0.weights.h5"
    record = json.loads((results / "weights" / "smoke-pong-seed0.json").read_text())
    assert record["profile"] == "smoke" and kept.stat().st_size > 0
    assert f"python -m papers.a3c.evaluate --weights {kept.as_posix()}" in s.body
    # deterministic, and the committed files are untouched
    body = (results / "results.md").read_text()
    assert report.section("smoke", runs, results).body == s.body and (results / "results.md").read_text() == body
    assert digest(committed_files()) == before
    # a second run() finds everything finished and starts nothing
    stamp = (base / "smoke-pong-seed0" / "evaluation.json").stat().st_mtime_ns
    reproduce.run("smoke", runs)
    assert (base / "smoke-pong-seed0" / "evaluation.json").stat().st_mtime_ns == stamp
    # an evaluation without its network (made before evaluate.py saved it) is redone: the same game
    games = (base / "smoke-pong-seed0" / "evaluation.csv").read_text()
    (base / "smoke-pong-seed0" / "evaluation.weights.h5").unlink()
    reproduce.run("smoke", runs)
    assert (base / "smoke-pong-seed0" / "evaluation.weights.h5").exists()
    assert (base / "smoke-pong-seed0" / "evaluation.csv").read_text() == games
