"""common/reproduce.py and common/report.py: run() per paper, then a report rebuilt from run
directories alone (same runs -> same file), with a provenance table read from the run dirs."""

import json
import types

import pytest

from common import report, reproduce


def _run_dir(path, *, seed=0, done=True, wall=120.0, deviation=None):
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"profile": "cpu", "seed": seed, "config": {}}))
    (path / "versions.json").write_text(json.dumps({"git_commit": "0123456789abcdef", "git_dirty": True,
                                                    "tensorflow": "2.21.0", "python": "3.11.7"}))
    (path / "deviations.json").write_text(json.dumps([deviation] if deviation else []))
    (path / "metrics.csv").write_text(f"step,wall_time\n1,{wall / 2}\n2,{wall}\n")
    if done:
        (path / "summary.json").write_text(json.dumps({"score": 1.0}))
        (path / "DONE").write_text("")
    return path


def _fake_papers(monkeypatch, runs_root, calls):
    dev = {"field": "lr", "paper": 0.1, "ours": 0.2, "reason": "faster on 2 cores"}
    a = _run_dir(runs_root / "memn2n" / "a", seed=0, deviation=dev)
    b = _run_dir(runs_root / "memn2n" / "b", seed=1, done=False, wall=600.0)

    def run(budget, root):
        calls.append(("memn2n", budget, root))

    def section(budget, root, results_dir):
        return report.Section("partial", "error 14.0 (paper 13.9)", "### Table\n\n| a |\n|---|\n| 1 |", [a, b])

    def broken(budget, root):
        raise RuntimeError("boom")

    modules = {"papers.memn2n.reproduce": types.SimpleNamespace(run=run, report=section),
               "papers.dqn.reproduce": types.SimpleNamespace(run=broken, report=lambda *a: report.Section(
                   "not run", "no runs", "nothing yet"))}
    monkeypatch.setattr(report.importlib.util, "find_spec", lambda name: modules.get(name))
    monkeypatch.setattr(report.importlib, "import_module", lambda name: modules[name])
    monkeypatch.setattr(reproduce.importlib, "import_module", lambda name: modules[name])


def test_reproduce_runs_selected_papers_and_reports_all(tmp_path, monkeypatch):
    calls = []
    runs, results = tmp_path / "runs", tmp_path / "results"
    _fake_papers(monkeypatch, runs, calls)
    code = reproduce.main(["--papers", "memn2n", "dqn", "--runs", str(runs), "--results", str(results)])
    assert code == 1                                   # dqn's run() failed, memn2n still ran
    assert calls == [("memn2n", "cpu", runs)]
    text = (results / "REPORT.md").read_text()
    for title in report.TITLES.values():               # all five papers have a section
        assert f"## {title}" in text
    assert "**Status: partial.** error 14.0 (paper 13.9)" in text
    assert "**Status: not run.** no runs" in text                    # dqn: rebuilt, its report says so
    assert text.count("**Status: not run.** not rebuilt yet") == 3                      # nas, a3c, slac: not selected, none saved


def test_papers_not_rebuilt_keep_their_saved_section(tmp_path, monkeypatch):
    runs, results = tmp_path / "runs", tmp_path / "results"
    _fake_papers(monkeypatch, runs, [])
    report.build("cpu", runs, results, readme=None)                  # saves every paper's section
    saved = json.loads((results / "memn2n" / report.SECTION_FILE).read_text())
    assert saved["status"] == "partial" and saved["markdown"].startswith("## End-To-End Memory Networks")
    first = (results / "REPORT.md").read_text()
    for d in (runs / "memn2n").iterdir():                            # the memn2n runs are gone (a new machine)
        for f in d.iterdir():
            f.unlink()
        d.rmdir()
    report.build("cpu", runs, results, readme=None, papers=("dqn",))
    assert saved["markdown"] in (results / "REPORT.md").read_text()  # memn2n's section kept as saved
    assert saved["markdown"] in first
    report.build("cpu", runs, results, readme=None, papers=("memn2n",))
    assert "| memn2n/a | cpu |" not in (results / "REPORT.md").read_text()   # rebuilt from what is there now


def test_report_provenance_from_run_dirs(tmp_path, monkeypatch):
    runs, results = tmp_path / "runs", tmp_path / "results"
    _fake_papers(monkeypatch, runs, [])
    report.build("cpu", runs, results, readme=None)
    text = (results / "REPORT.md").read_text()
    # run a: seed 0, complete, 2.0 min; run b: seed 1, partial, 10.0 min; commit from versions.json
    assert "| memn2n/a | cpu | 0 | complete | 2.0 | 0123456789+dirty | tensorflow 2.21.0, python 3.11.7 |" in text
    assert "| memn2n/b | cpu | 1 | partial | 10.0 | 0123456789+dirty |" in text
    # the deviation is listed once, with the run it applies to
    assert "| `lr` | 0.1 | 0.2 | faster on 2 cores | memn2n/a |" in text


def test_rebuilding_gives_the_same_file_and_readme_block(tmp_path, monkeypatch):
    runs, results = tmp_path / "runs", tmp_path / "results"
    _fake_papers(monkeypatch, runs, [])
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{report.README_BEGIN}\nold\n{report.README_END}\ntail\n")
    first = report.build("cpu", runs, results, readme=readme).read_text()
    second = report.build("cpu", runs, results, readme=readme).read_text()
    assert first == second
    block = readme.read_text()
    assert "old" not in block and block.endswith("tail\n")
    assert "| End-To-End Memory Networks (Sukhbaatar et al. 2015) | partial | error 14.0 (paper 13.9) |" in block


def test_section_status_is_checked():
    with pytest.raises(ValueError, match="status"):
        report.Section("done", "", "")


def test_missing_runs_folder_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        report.main(["--runs", str(tmp_path / "nope"), "--results", str(tmp_path)])
    assert e.value.code == 2
    assert "does not exist; pass --runs DIR" in capsys.readouterr().err


def test_paper_cli_report_only_never_runs(tmp_path, capsys):
    calls = []

    def run(budget, root):
        calls.append("run")

    def section(budget, root, results_dir):
        calls.append(("report", budget, root, results_dir))
        return report.Section("partial", "score 1 (paper 2)", "body")

    report.paper_cli("memn2n", "doc", run, section, ["--report-only", "--runs", str(tmp_path), "--budget", "paper"])
    assert calls == [("report", "paper", tmp_path, report.ROOT / "results" / "paper" / "memn2n")]
    assert capsys.readouterr().out.startswith("**Status: partial.** score 1 (paper 2)")
    report.paper_cli("memn2n", "doc", run, section, ["--runs", str(tmp_path)])
    assert calls[1] == "run"


def test_other_budgets_write_under_their_folder_and_leave_the_readme(tmp_path, monkeypatch):
    runs, results = tmp_path / "runs", tmp_path / "results"
    seen = []
    _fake_papers(monkeypatch, runs, [])
    real = report.paper_section
    monkeypatch.setattr(report, "paper_section", lambda p, b, r, out: seen.append(out) or real(p, b, r, out))
    readme = tmp_path / "README.md"
    readme.write_text(f"{report.README_BEGIN}\nold\n{report.README_END}\n")
    path = report.build("smoke", runs, results, readme=readme)
    assert path == results / "smoke" / "REPORT.md" and "Budget `smoke`" in path.read_text()
    assert set(seen) == {results / "smoke"} and "old" in readme.read_text()


def test_measured_file_prefers_the_runs_folder_then_the_committed_copy(tmp_path):
    runs, results = tmp_path / "runs", tmp_path / "results" / "p"
    assert report.measured_file("p", "bench.json", runs, results) == (None, "")
    results.mkdir(parents=True)
    (results / "bench.json").write_text('{"task": "a", "v": 1}')                # the committed copy
    path, label = report.measured_file("p", "bench.json", runs, results)
    assert path == results / "bench.json" and "committed copy `results/p/bench.json`" in label
    (runs / "p").mkdir(parents=True)
    (runs / "p" / "bench.json").write_text('{"task": "a", "v": 2}')             # measured again
    path, label = report.measured_file("p", "bench.json", runs, results)
    assert path == runs / "p" / "bench.json" and label == "`p/bench.json` of the runs folder"
    assert json.loads((results / "bench.json").read_text())["v"] == 2           # copied over the old one
    other_task = report.measured_file("p", "bench.json", runs, results,
                                      accept=lambda p: json.loads(p.read_text())["task"] == "b")
    assert other_task == (None, "")


def _committed_like(tmp_path, monkeypatch):
    """A results folder as committed: every paper's section saved 'complete', with its files."""
    runs, results = tmp_path / "runs", tmp_path / "results"
    _fake_papers(monkeypatch, runs, [])
    for paper in report.PAPERS:
        (results / paper).mkdir(parents=True)
        (results / paper / report.SECTION_FILE).write_text(json.dumps(
            {"status": "complete", "headline": f"{paper} complete", "markdown": f"## {paper}\n"}))
        (results / paper / "evidence.json").write_text(json.dumps({"score": 1}))
    return runs, results


def _bytes(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_rebuild_over_an_empty_runs_folder_keeps_every_paper(tmp_path, monkeypatch):
    runs, results = _committed_like(tmp_path, monkeypatch)
    for d in (runs / "memn2n").iterdir():                         # no runs of any paper
        for f in d.iterdir():
            f.unlink()
        d.rmdir()
    before = _bytes(results)
    report.build("cpu", runs, results, readme=None)
    after = _bytes(results)
    assert {p: b for p, b in after.items() if p.name != "REPORT.md"} == before
    assert (results / "REPORT.md").read_text().count("| complete |") == 5


def test_rebuild_over_one_papers_runs_leaves_the_others_byte_identical(tmp_path, monkeypatch):
    runs, results = _committed_like(tmp_path, monkeypatch)         # runs of memn2n only
    others = {p: b for p, b in _bytes(results).items() if "memn2n" not in p.parts}
    from common.errors import UserError
    with pytest.raises(UserError,
                       match="kept the saved results of memn2n .complete: memn2n complete -> partial"):
        report.build("cpu", runs, results, readme=None)        # memn2n's runs give only 'partial'
    after = _bytes(results)
    assert {p: b for p, b in after.items() if "memn2n" not in p.parts and p.name != "REPORT.md"} == others
    assert json.loads((results / "memn2n" / report.SECTION_FILE).read_text())["status"] == "complete"
    report.build("cpu", runs, results, readme=None, papers=("memn2n",), force=True)
    assert json.loads((results / "memn2n" / report.SECTION_FILE).read_text())["status"] == "partial"
    assert {p: b for p, b in _bytes(results).items() if "memn2n" not in p.parts and p.name != "REPORT.md"} == others
