"""End-To-End Memory Networks: `make reproduce BUDGET=smoke` runs every table's pipeline at toy
size (first two tasks, profile smoke) and the PTB model, then reports, touching nothing committed."""

import pytest

from common.report import ROOT
from papers.memn2n import report, reproduce


@pytest.mark.slow
@pytest.mark.data("babi", "ptb")
def test_smoke_budget_runs_and_reports(tmp_path):
    readme = report.README.read_bytes()
    evidence = (ROOT / "results" / "memn2n" / "evidence.json").read_bytes()
    reproduce.run("smoke", tmp_path / "runs")
    section = report.section("smoke", tmp_path / "runs", tmp_path / "results")
    assert section.status == "complete", section.headline
    assert "**smoke**" in section.body and (tmp_path / "results" / "evidence.json").exists()
    assert report.README.read_bytes() == readme
    assert (ROOT / "results" / "memn2n" / "evidence.json").read_bytes() == evidence
    # re-running skips every finished run and gives the same section
    reproduce.run("smoke", tmp_path / "runs")
    assert report.section("smoke", tmp_path / "runs", tmp_path / "results").body == section.body
