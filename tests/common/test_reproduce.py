"""common/reproduce.py: runs the papers that have a reproduce module, lists the others."""

import types

from common import reproduce


def test_report_lists_papers_and_failures(tmp_path, monkeypatch):
    fake = types.SimpleNamespace(main=lambda budget, results_dir: f"ran at budget {budget}")

    def broken(budget, results_dir):
        raise RuntimeError("boom")

    modules = {"papers.memn2n.reproduce": fake,
               "papers.dqn.reproduce": types.SimpleNamespace(main=broken)}
    monkeypatch.setattr(reproduce.importlib.util, "find_spec", lambda name: modules.get(name))
    monkeypatch.setattr(reproduce.importlib, "import_module", lambda name: modules[name])
    code = reproduce.main(["--papers", "memn2n", "dqn", "nas", "--results", str(tmp_path)])
    report = (tmp_path / "REPORT.md").read_text()
    assert code == 1
    assert "## End-To-End Memory Networks (Sukhbaatar et al. 2015)\n\nran at budget cpu" in report
    assert "## DQN (Mnih et al. 2013, 2015)\n\n**FAILED**" in report
    assert "## Neural Architecture Search with RL (Zoph & Le 2017)\n\nNot yet reproduced" in report
    assert "Budget: `cpu`. Commit" in report


def test_no_papers_ready_exits_zero(tmp_path, monkeypatch):
    monkeypatch.setattr(reproduce.importlib.util, "find_spec", lambda name: None)
    assert reproduce.main(["--results", str(tmp_path)]) == 0
    assert (tmp_path / "REPORT.md").read_text().count("Not yet reproduced") == 5
