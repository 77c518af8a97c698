"""papers/nas/report.py: section() built from run directories alone (hand-made, tiny ones here):
no crash without runs, 'partial' with what is missing, and the same output when rebuilt."""

import dataclasses
import json

from common.config import build
from common.report import readme_markers
from papers.nas import report, reproduce
from papers.nas.config import PROFILES, NASConfig

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _run_dir(runs_root, name, *, profile, children, done, total=8):
    d = reproduce.run_dir(runs_root, name)
    d.mkdir(parents=True)
    cfg, devs = build(NASConfig, PROFILES, profile, {"total_architectures": total})
    (d / "config.json").write_text(json.dumps({"paper": "nas", "profile": profile, "seed": 0, "deterministic": False,
                                               "config": dataclasses.asdict(cfg)}, default=list))
    (d / "deviations.json").write_text(json.dumps([dataclasses.asdict(x) for x in devs], default=list))
    (d / "versions.json").write_text(json.dumps({"git_commit": COMMIT, "git_dirty": False, "tensorflow": "2.21.0"}))
    metric = "val_acc" if cfg.task == "cifar10" else "val_ppl"
    lines = [f"children,index,status,reward,{metric},params,seconds,arch,error"]
    for k in range(children):
        value = 0.2 + 0.01 * k if metric == "val_acc" else 900.0 - 10 * k
        reward = value ** 3 if metric == "val_acc" else 80.0 / value ** 2
        status, error = ("failed", "diverged") if k == 2 else ("ok", "")
        lines.append(f'{k + 1},{k},{status},{0.0 if error else reward},{value},5000,10.0,"0:3x3/1x1,6<img",{error}')
    (d / "children.csv").write_text("\n".join(lines) + "\n")
    m = ["children,updates,wall_time,moving_avg_reward,batch_mean_reward,loss,failed,top5_val_acc"]
    m += [f"{4 * u},{u},{30.0 * u},0.01,0.01,0.0,0,0.2" for u in range(1, children // 4 + 1)]
    (d / "metrics.csv").write_text("\n".join(m) + "\n")
    if done:
        (d / "summary.json").write_text(json.dumps({"children": children}))
        (d / "DONE").write_text("")
        controller = "controller" in name                       # found better architectures
        mean = (0.30 if controller else 0.26) if metric == "val_acc" else (850.0 if controller else 870.0)
        (d / "reeval.json").write_text(json.dumps({
            "task": cfg.task, "metric": metric, "top": 5, "seeds": [1001, 1002, 1003], "val_size": 5000,
            "search_top_mean": 0.27, "reeval_top_mean": mean, "children": []}))
    return d


def _fake_runs(runs_root, *, random_done=False):
    _run_dir(runs_root, "cifar10-controller", profile="cpu", children=8, done=True)
    _run_dir(runs_root, "cifar10-random", profile="cpu", children=8 if random_done else 5, done=random_done)
    _run_dir(runs_root, "ptb-controller", profile="cpu_ptb", children=8, done=True)
    _run_dir(runs_root, "ptb-random", profile="cpu_ptb", children=8, done=True)
    final = reproduce.run_dir(runs_root, "cifar10-controller") / "final"
    final.mkdir()
    (final / "final.json").write_text(json.dumps({
        "arch": "0:3x3/1x1,6<img | 1:1x1/1x1,9<0", "search_val_acc": 0.27, "search_index": 7, "final_epochs": 30,
        "final_train_size": 10000, "final_val_acc": 0.3, "params": 3000, "test_error_pct": 65.0,
        "test_images": 1000, "test_set": "first 1,000 CIFAR-10 test images"}))
    (runs_root / "nas" / "benchmark.json").write_text(json.dumps({
        "profile": "cpu", "child": "5 epochs", "settings": [
            {"workers": 1, "children": 4, "failed": 0, "wall_s": 14.0, "startup_s": 12.0, "evals_per_hour": 1000.0},
            {"workers": 2, "children": 4, "failed": 0, "wall_s": 16.0, "startup_s": 18.0, "evals_per_hour": 900.0}]}))


def _simulated(results):
    """simulate.py's record and snippet, hand-made (tests/nas/test_table.py runs the real one)."""
    results.mkdir(parents=True, exist_ok=True)
    evidence = {key: 0.5 for key in report.SIM_KEYS}
    (results / report.SIM_FILE).write_text(json.dumps({
        "table_stats": {"architectures": 1458, "seeds": 2}, "search_seeds": 30, "budget": 200,
        "test": {"verdict": "no difference between the controller and random search is detected",
                 "difference": 0.001, "ci95_low": -0.002, "ci95_high": 0.004, "p_value": 0.41},
        "evidence": evidence}))
    (results / "sim_search.md").write_text("### Controller vs random search on a ground-truth table\n\nsnippet\n")


def _readme(tmp_path):
    path = tmp_path / "README.md"
    begin, end = readme_markers("results")
    path.write_text(f"# nas\n\n{begin}\nold\n{end}\ntail\n")
    return path


def test_report_without_runs_is_not_run(tmp_path):
    readme = _readme(tmp_path)
    section = report.section("cpu", tmp_path / "runs", tmp_path / "results" / "nas", readme=readme)
    assert section.status == "not run" and section.runs == []
    assert "not run" in section.headline and "Not run yet" in section.body
    evidence = json.loads((tmp_path / "results" / "nas" / "evidence.json").read_text())
    assert evidence["commit"] is None and evidence["cifar_controller_top5_val_acc"] is None
    assert "Not run yet" in readme.read_text() and readme.read_text().endswith("tail\n")
    assert report.section("paper", tmp_path / "runs", tmp_path / "r2", readme=None).status == "not run"


def test_partial_runs_say_what_is_missing_and_rebuild_identically(tmp_path):
    runs, results = tmp_path / "runs", tmp_path / "results" / "nas"
    _fake_runs(runs)
    readme = _readme(tmp_path)
    first = report.section("cpu", runs, results, readme=readme)
    evidence, text = (results / "evidence.json").read_text(), readme.read_text()
    second = report.section("cpu", runs, results, readme=readme)
    assert (first.status, first.headline, first.body) == (second.status, second.headline, second.body)
    assert (results / "evidence.json").read_text() == evidence and readme.read_text() == text
    assert first.status == "partial"
    assert "stopped at 5 of 8 children" in first.body and "PARTIAL" in first.body
    assert "5 of the paper's 12,800 children" in first.headline            # compared on the first 5 of each
    assert first.runs == [reproduce.run_dir(runs, n) for n in reproduce.SEARCHES]
    ev = json.loads(evidence)
    assert ev["commit"] == COMMIT and ev["cifar_run_commit"] == COMMIT    # the runs' commit, not HEAD
    assert ev["sim_p_value"] is None and "the simulated searches on the ground-truth table" in first.body
    assert ev["cifar_budget_architectures"] == 5 and ev["child_evals_per_hour_2_workers"] == 900.0
    assert json.loads((results / "benchmark.json").read_text())["settings"][0]["evals_per_hour"] == 1000.0
    for image in ("cifar10_moving_avg_reward.png", "cifar10_top5_val_acc.png", "ptb_moving_avg_reward.png"):
        assert f"](nas/{image})" in first.body and (results.parent / "nas" / image).exists()
        assert f"](../../results/nas/{image})" in text
    for heading in ("### Budget: used vs the paper's", "### Evaluation protocol", "paper Table 1"):
        assert heading in first.body
    assert "\n## " not in "\n" + first.body


def test_complete_runs(tmp_path):
    runs = tmp_path / "runs"
    _fake_runs(runs, random_done=True)
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    assert section.status == "partial" and "the simulated searches on the ground-truth table" in section.body
    _simulated(tmp_path / "results" / "nas")
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    assert section.status == "complete" and "Missing" not in section.body
    assert section.headline.startswith("ground-truth table (1,458 architectures x 2 seeds), 30 search seeds x 200 "
                                       "architectures: no difference")
    assert section.body.index("on a ground-truth table") < section.body.index("### CIFAR-10 CNN search")
    assert "re-evaluated from fresh seeds: 0.300 vs 0.260" in section.headline
    assert "top-5 re-evaluated 850 vs 870" in section.headline
    evidence = json.loads((tmp_path / "results" / "nas" / "evidence.json").read_text())
    assert all(evidence[key] == 0.5 for key in report.SIM_KEYS)
    assert evidence["cifar_controller_top5_val_acc_reevaluated"] == 0.30
    assert evidence["ptb_random_top5_val_ppl_reevaluated"] == 870.0
    assert "8 of the paper's 12,800 children" in section.headline and "65.0% test error" in section.headline
    (reproduce.run_dir(runs, "ptb-random") / "reeval.json").unlink()
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    assert section.status == "partial" and "re-evaluation of the PTB searches" in section.body


def test_top_distinct_keeps_one_child_per_architecture():
    from papers.nas.reevaluate import top_distinct
    history = [{"index": i, "arch": a, "status": s, "val_ppl": v} for i, (a, s, v) in enumerate(
        [("A", "ok", 800.0), ("B", "ok", 790.0), ("A", "ok", 780.0), ("C", "failed", float("nan")),
         ("D", "ok", 900.0)])]
    assert [c["index"] for c in top_distinct(history, 2, "val_ppl", largest=False)] == [2, 1]
    assert [c["arch"] for c in top_distinct(history, 5, "val_ppl", largest=False)] == ["A", "B", "D"]
