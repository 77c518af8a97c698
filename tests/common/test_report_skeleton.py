"""One skeleton for all five papers (common/report.py, "the skeleton"): each paper's section, built
from the hand-made run directories of its own report test, has exactly the fixed "###" headings
in the fixed order, PLOTS left out only where the section has no image."""

import os

import pytest

from common import report
from tests.a3c.test_reproduce_report import full_runs as a3c_runs
from tests.dqn.test_reproduce_report import _benchmark as dqn_benchmark, _cart_run, _pong_run
from tests.memn2n.test_report import _fake_run as memn2n_run
from tests.nas.test_reproduce_report import _fake_runs as nas_runs, _simulated
from tests.slac.test_reproduce_report import fake_runs as slac_runs


def _dqn(runs, results, monkeypatch):
    monkeypatch.delenv("DQN_PONG_RUN_DIR", raising=False)
    _pong_run(runs / "dqn" / "cpu-seed0")
    _cart_run(runs / "dqn" / "cartpole-seed0", 0)
    dqn_benchmark(runs / "dqn" / "benchmark.json")


def _a3c(runs, results, monkeypatch):
    from papers.a3c import report as a3c_report
    monkeypatch.setattr(a3c_report, "COMMITTED_RESULTS", results / "committed")   # no committed fallback
    a3c_runs(runs.parent)                # writes runs/a3c/


def _memn2n(runs, results, monkeypatch):
    from papers.memn2n.tables import TABLES, run_dir
    table = TABLES["1k_pe_ls_rn"]
    for task in table.tasks[:2]:
        memn2n_run(run_dir(runs, table, "cpu", task, 0), [1.0, 0.0], [1.0, 1.0], [3.0, 7.0])


def _nas(runs, results, monkeypatch):
    nas_runs(runs, random_done=True, seeds=(0, 1, 2))
    _simulated(results / "nas")          # simulate.py's snippet, whose own "###" heading is demoted


def _slac(runs, results, monkeypatch):
    slac_runs(runs)


MAKE_RUNS = {"dqn": _dqn, "a3c": _a3c, "memn2n": _memn2n, "nas": _nas, "slac": _slac}


def headings(markdown: str, level: str = "### ") -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith(level)]


@pytest.mark.parametrize("paper", report.PAPERS)
def test_every_section_has_the_fixed_headings_in_order(paper, tmp_path, monkeypatch):
    runs, results = tmp_path / "runs", tmp_path / "results"
    MAKE_RUNS[paper](runs, results, monkeypatch)
    section = report.section_function(paper)("cpu", runs, results / paper, readme=None)
    assert section.status != "not run", "the fixture's runs are read"
    markdown = report.rendered(paper, section, runs)["markdown"]
    expected = [h for h in report.SKELETON if h != report.PLOTS or "![" in markdown]
    assert headings(markdown) == expected
    assert headings(markdown, "## ") == [f"## {report.TITLES[paper]}"]
    assert headings(markdown, "#### "), "the tables are subsections of RESULTS"
    plots = markdown.split(report.PLOTS, 1)[-1].split(report.BUDGET, 1)[0] if "![" in markdown else ""
    assert markdown.count("![") == plots.count("!["), "every image is under PLOTS"


def test_a_subsection_added_to_results_ends_it():
    body = "\n\n".join([report.RESULTS, "#### A\n\n| a |", report.PLOTS, "![a](x/a.png)", report.BUDGET, "b"])
    added = report.add_to_results(body, "#### Experiments\n\n| e |")
    assert added.index("#### A") < added.index("#### Experiments") < added.index(report.PLOTS)
    assert report.add_to_results("Not run yet.", "#### E").startswith(f"Not run yet.\n\n{report.RESULTS}\n\n#### E")


def test_shown_keeps_a_runs_link_inside_the_repository(tmp_path):
    elsewhere = tmp_path / "runs-kept-outside"
    elsewhere.mkdir()
    link = report.ROOT / f"runs-link-test-{os.getpid()}"
    link.symlink_to(elsewhere)
    try:
        assert report.shown(link) == link.name                       # not the folder it points to
        assert report.shown(link / "nas") == f"{link.name}/nas"
        assert report.shown(elsewhere) == elsewhere.as_posix()     # outside the repository: as given
    finally:
        link.unlink()
