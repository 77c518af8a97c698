"""The smoke budget of papers/slac/reproduce.py and report.py: the whole pipeline (train the
`smoke` profile, random policy, report) at toy size, in its own run dir, without touching the committed README or
results/slac/ (about 40 s on 2 cores, so not marked slow)."""

import hashlib
from pathlib import Path

from common.report import ROOT
from papers.slac import report, reproduce

COMMITTED = [report.README] + sorted(p for p in (ROOT / "results" / "slac").rglob("*") if p.is_file())


def fingerprint() -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in COMMITTED if p.exists()}


def test_smoke_budget_runs_the_whole_pipeline(tmp_path):
    before = fingerprint()
    runs, results = tmp_path / "runs", tmp_path / "results"
    reproduce.run("smoke", runs)
    assert (runs / "slac" / "smoke-seed0" / "DONE").exists()
    assert (runs / "slac" / "smoke-random_policy.json").exists()
    assert not (runs / "slac" / "cpu-seed0").exists() and not (runs / "slac" / "random_policy.json").exists()
    assert not (runs / "slac" / "benchmark.json").exists()  # skipped at the smoke budget
    s = report.section("smoke", runs, results)
    assert s.status != "not run" and s.status == "complete", s.body
    assert "smoke" in s.body.lower() and "smoke" in s.headline
    assert "not measured at the smoke budget" in s.body
    assert (results / "evidence.json").exists() and (results / "eval_return_vs_published.png").exists()
    assert report.section("smoke", runs, results) == s  # deterministic
    assert fingerprint() == before
    assert all(Path(p).exists() for p in before)
