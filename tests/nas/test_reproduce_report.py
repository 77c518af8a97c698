"""papers/nas/report.py: section() built from run directories alone (hand-made, tiny ones here):
no crash without runs, 'partial' with what is missing, and the same output when rebuilt; the
CIFAR-10 searches over 3 search seeds per method with t-intervals worked out by hand; the retrained
children kept with their records.
papers/nas/reproduce.py: the run list per budget (3 CIFAR-10 seeds per method at cpu)."""

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from common import weights
from common.config import build
from common.report import readme_markers
from papers.nas import report, reproduce
from papers.nas.config import PROFILES, NASConfig

COMMIT = "0123456789abcdef0123456789abcdef01234567"


#: per CIFAR-10 search seed 0, 1, 2: (shift of every child's val acc, reeval.json's mean, retrained test error %)
SEED_VALUES = {"cifar10-controller": [(0.0, 0.30, 65.0), (0.02, 0.32, 63.0), (0.04, 0.34, 61.0)],
               "cifar10-random": [(0.0, 0.26, None), (-0.01, 0.25, None), (0.01, 0.27, None)]}


def _run_dir(runs_root, name, *, profile, children, done, total=8, seed=0):
    d = reproduce.run_dir(runs_root, name, seed=seed)
    d.mkdir(parents=True)
    cfg, devs = build(NASConfig, PROFILES, profile, {"total_architectures": total})
    shift, reeval_mean, _ = SEED_VALUES.get(name, [(0.0, None, None)] * 3)[seed]
    (d / "config.json").write_text(json.dumps({"paper": "nas", "profile": profile, "seed": seed, "deterministic": False,
                                               "config": dataclasses.asdict(cfg)}, default=list))
    (d / "deviations.json").write_text(json.dumps([dataclasses.asdict(x) for x in devs], default=list))
    (d / "versions.json").write_text(json.dumps({"git_commit": COMMIT, "git_dirty": False, "tensorflow": "2.21.0"}))
    metric = "val_acc" if cfg.task == "cifar10" else "val_ppl"
    lines = [f"children,index,status,reward,{metric},params,seconds,arch,error"]
    for k in range(children):
        value = 0.2 + 0.01 * k + shift if metric == "val_acc" else 900.0 - 10 * k
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
        mean = reeval_mean if metric == "val_acc" else (850.0 if controller else 870.0)
        (d / "reeval.json").write_text(json.dumps({
            "task": cfg.task, "metric": metric, "top": 5, "seeds": [1001, 1002, 1003], "val_size": 5000,
            "search_top_mean": 0.27, "reeval_top_mean": mean, "children": []}))
    return d


def _final(runs_root, seed=0):
    final = reproduce.run_dir(runs_root, "cifar10-controller", seed=seed) / "final"
    final.mkdir()
    (final / "final.json").write_text(json.dumps({
        "arch": "0:3x3/1x1,6<img | 1:1x1/1x1,9<0", "search_val_acc": 0.27, "search_index": 7, "final_epochs": 30,
        "final_train_size": 10000, "final_val_acc": 0.3, "params": 3000,
        "test_error_pct": SEED_VALUES["cifar10-controller"][seed][2],
        "test_images": 1000, "test_set": "first 1,000 CIFAR-10 test images"}))


def _fake_runs(runs_root, *, random_done=False, seeds=(0,)):
    """The four seed-0 searches (cifar10-random stopped at 5 of 8 unless random_done), the benchmark,
    and for each further seed of `seeds` both CIFAR-10 searches complete with reeval.json and final.json."""
    _run_dir(runs_root, "cifar10-controller", profile="cpu", children=8, done=True)
    _run_dir(runs_root, "cifar10-random", profile="cpu", children=8 if random_done else 5, done=random_done)
    _run_dir(runs_root, "ptb-controller", profile="cpu_ptb", children=8, done=True)
    _run_dir(runs_root, "ptb-random", profile="cpu_ptb", children=8, done=True)
    _final(runs_root)
    for seed in seeds[1:]:
        _run_dir(runs_root, "cifar10-controller", profile="cpu", children=8, done=True, seed=seed)
        _run_dir(runs_root, "cifar10-random", profile="cpu", children=8, done=True, seed=seed)
        _final(runs_root, seed)
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
    for heading in ("### Budget: used vs the paper's", "### Evaluation protocol", "next to the paper's Table 1",
                    "| paper [1] |"):
        assert heading in first.body
    assert "\n## " not in "\n" + first.body


def test_complete_runs(tmp_path):
    runs = tmp_path / "runs"
    _fake_runs(runs, random_done=True, seeds=(0, 1, 2))
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    assert section.status == "partial" and "the simulated searches on the ground-truth table" in section.body
    _simulated(tmp_path / "results" / "nas")
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    assert section.status == "complete" and "Missing" not in section.body and len(section.runs) == 8
    assert section.headline.startswith("ground-truth table (1,458 architectures x 2 seeds), 30 search seeds x 200 "
                                       "architectures: no difference")
    assert section.body.index("on a ground-truth table") < section.body.index("#### CIFAR-10 CNN search")
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


def test_retrained_children_are_kept_with_their_record(tmp_path):
    runs, results = tmp_path / "runs", tmp_path / "results" / "nas"
    _fake_runs(runs, random_done=True, seeds=(0, 1, 2))
    section = report.section("cpu", runs, results, readme=None)
    assert "The retrained child of our row is not kept" in section.body
    assert json.loads((results / "evidence.json").read_text())["cifar_best_weights"] is None
    for seed in (0, 1, 2):
        final = reproduce.run_dir(runs, "cifar10-controller", seed=seed) / "final"
        record = json.loads((final / "final.json").read_text())
        record.update(actions=[0, 1, 2], input_mean=[0.5, 0.4, 0.3], input_std=[0.2, 0.2, 0.2])
        (final / "final.json").write_text(json.dumps(record))
        (final / "child.weights.h5").write_bytes(b"\x89HDF" + bytes([seed]) * 100)
    section = report.section("cpu", runs, results, readme=None)
    ev = json.loads((results / "evidence.json").read_text())
    kept = results / "weights" / "cifar10-controller-seed0-best-child.weights.h5"
    assert ev["cifar_best_weights"].endswith("weights/cifar10-controller-seed0-best-child.weights.h5")
    assert len(ev["cifar_best_child_weights"]) == 3 and kept.read_bytes() == b"\x89HDF" + bytes([0]) * 100
    record = weights.read_record(kept, "nas")
    assert (record["actions"], record["input_mean"], record["test_error_pct"]) == ([0, 1, 2], [0.5, 0.4, 0.3], 65.0)
    assert record["config"]["task"] == "cifar10" and record["run"].endswith("cifar10-controller-seed0")
    assert f"python -m papers.nas.evaluate --weights {ev['cifar_best_weights']}" in section.body
    assert "The other controller seeds' retrained children are kept beside it" in section.body


@pytest.mark.data("cifar10")
def test_a_kept_child_is_rebuilt_with_its_weights(tmp_path):
    from papers.nas import evaluate
    from papers.nas.networks import build_cnn
    from papers.nas.search_space import cnn_steps, decode_cnn, random_actions
    cfg = build(NASConfig, PROFILES, "smoke")[0]
    actions = json.loads(json.dumps(random_actions(cnn_steps(cfg, 2), np.random.default_rng(0)), default=list))
    model = build_cnn(decode_cnn(cfg, actions), cfg.image_size, seed=5)
    path = tmp_path / "child.weights.h5"
    model.save_weights(str(path))
    weights.record_path(path).write_text(json.dumps({
        "config": dataclasses.asdict(cfg), "actions": actions, "arch": "a", "test_error_pct": 0.0,
        "input_mean": [0.0, 0.0, 0.0], "input_std": [1.0, 1.0, 1.0]}, default=list))
    _, _, rebuilt = evaluate.load_child(path)          # built with seed 0, then given the kept weights
    for a, b in zip(model.get_weights(), rebuilt.get_weights()):
        assert (a == b).all()
    from papers.nas.data import cifar10_test
    x, y, _ = cifar10_test(cfg.image_size, 0.0, 1.0)
    expected = round(100.0 * (1.0 - evaluate.test_accuracy(model, x, y)), 2)
    assert evaluate.score_weights(path)["test_error_pct"] == expected


def test_top_distinct_keeps_one_child_per_architecture():
    from papers.nas.reevaluate import top_distinct
    history = [{"index": i, "arch": a, "status": s, "val_ppl": v} for i, (a, s, v) in enumerate(
        [("A", "ok", 800.0), ("B", "ok", 790.0), ("A", "ok", 780.0), ("C", "failed", float("nan")),
         ("D", "ok", 900.0)])]
    assert [c["index"] for c in top_distinct(history, 2, "val_ppl", largest=False)] == [2, 1]
    assert [c["arch"] for c in top_distinct(history, 5, "val_ppl", largest=False)] == ["A", "B", "D"]


T_975_DF2 = 4.302653          # Student t quantile t_{0.975, 2} (table value): 3 seeds -> n - 1 = 2


def _evidence(tmp_path, runs):
    report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    return json.loads((tmp_path / "results" / "nas" / "evidence.json").read_text())


def test_three_seeds_per_method_t_intervals_by_hand(tmp_path):
    runs = tmp_path / "runs"
    _fake_runs(runs, random_done=True, seeds=(0, 1, 2))
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    ev = _evidence(tmp_path, runs)
    assert ev["cifar_search_seeds_per_method"] == 3 and ev["cifar_search_seeds_used"] == [0, 1, 2]
    # successful children (child 2 fails) have val acc 0.20, 0.21, 0.23, ..., 0.27 + the seed's shift:
    # top-5 = mean(0.23..0.27) = 0.25 + shift -> controller 0.25, 0.27, 0.29; random 0.25, 0.24, 0.26
    assert ev["cifar_seeds_controller_top5_val_acc_values"] == [0.25, 0.27, 0.29]
    assert ev["cifar_seeds_random_top5_val_acc_values"] == [0.25, 0.24, 0.26]
    # controller: mean 0.27, s = 0.02, half width t_{0.975,2} * 0.02 / sqrt(3) = 0.049683
    half = T_975_DF2 * 0.02 / math.sqrt(3)
    assert ev["cifar_seeds_controller_top5_val_acc_mean"] == pytest.approx(0.27, abs=1e-4)
    assert ev["cifar_seeds_controller_top5_val_acc_ci95_low"] == pytest.approx(0.27 - half, abs=1e-4)
    assert ev["cifar_seeds_controller_top5_val_acc_ci95_high"] == pytest.approx(0.27 + half, abs=1e-4)
    # random: mean 0.25, s = 0.01 -> half width 0.024841
    assert ev["cifar_seeds_random_top5_val_acc_ci95_low"] == pytest.approx(0.25 - T_975_DF2 * 0.01 / math.sqrt(3),
                                                                          abs=1e-4)
    # best val acc (top-1) = 0.27 + shift; top-15 = mean of the 7 successful children = 1.66 / 7 + shift
    assert ev["cifar_seeds_controller_top1_val_acc_mean"] == pytest.approx(0.29, abs=1e-4)
    assert ev["cifar_seeds_random_top15_val_acc_mean"] == pytest.approx(1.66 / 7, abs=1e-4)
    # re-evaluated top-5: controller 0.30, 0.32, 0.34 (mean 0.32, s 0.02); random 0.26, 0.25, 0.27 (mean 0.26, s 0.01)
    assert ev["cifar_seeds_controller_top5_val_acc_reevaluated_ci95_high"] == pytest.approx(0.32 + half, abs=1e-4)
    # difference 0.06, Welch: se^2 = 0.02^2/3 + 0.01^2/3 = 0.0005/3; df = (0.0005/3)^2 / ((0.0004/3)^2/2 +
    # (0.0001/3)^2/2) = 2 * 0.25 / 0.17 = 50/17
    welch_half = report.stats.t.ppf(0.975, 50 / 17) * math.sqrt(0.0005 / 3)
    assert 3.0 < welch_half / math.sqrt(0.0005 / 3) < T_975_DF2        # between the df-2 and df-4 quantiles
    assert ev["cifar_seeds_difference_top5_val_acc_reevaluated_mean"] == pytest.approx(0.06, abs=1e-4)
    assert ev["cifar_seeds_difference_top5_val_acc_reevaluated_ci95_low"] == pytest.approx(0.06 - welch_half, abs=1e-4)
    assert ev["cifar_seeds_difference_top5_val_acc_reevaluated_ci95_high"] == pytest.approx(0.06 + welch_half,
                                                                                           abs=1e-4)
    # the retrained best child (controller only): test error 65, 63, 61 % -> test acc 0.35, 0.37, 0.39
    assert ev["cifar_seeds_controller_best_test_acc_values"] == [0.35, 0.37, 0.39]
    assert ev["cifar_seeds_controller_best_test_acc_ci95_low"] == pytest.approx(0.37 - half, abs=1e-4)
    assert "cifar_seeds_random_best_test_acc_mean" not in ev
    # seed 0's keys keep their meaning
    assert ev["cifar_controller_top5_val_acc"] == 0.25 and ev["cifar_controller_top5_val_acc_reevaluated"] == 0.30
    assert set(report.EVIDENCE_KEYS) <= set(ev)
    assert "#### CIFAR-10 search across search seeds" in section.body and "PARTIAL: " not in section.body
    assert f"0.3200 [{0.32 - half:.4f}, {0.32 + half:.4f}] (n = 3)" in section.body
    assert "cifar10-random-seed2" in section.body and "Welch" in section.body
    assert "CIFAR-10 over 3 search seeds: top-5 val acc controller - random +0.0200" in section.headline


def _set_config(run_dir, **fields):
    saved = json.loads((run_dir / "config.json").read_text())
    saved["config"].update(fields)
    (run_dir / "config.json").write_text(json.dumps(saved))


def test_seed_runs_warn_of_config_differences_other_than_the_search(tmp_path):
    runs = tmp_path / "runs"
    _fake_runs(runs, random_done=True, seeds=(0, 1, 2))
    for seed in (0, 1, 2):                              # the compared variable: never a warning
        _set_config(reproduce.run_dir(runs, "cifar10-random", seed=seed), search="random")
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    assert "differ in config fields" not in section.body
    _set_config(reproduce.run_dir(runs, "cifar10-random", seed=2), child_epochs=7)
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    assert "The seeds' runs differ in config fields `child_epochs`" in section.body


def test_one_seed_per_method_is_labelled_partial(tmp_path):
    runs = tmp_path / "runs"
    _fake_runs(runs, random_done=True)                 # seed 0 only
    section = report.section("cpu", runs, tmp_path / "results" / "nas", readme=None)
    ev = _evidence(tmp_path, runs)
    assert "PARTIAL: 1 of the 3 search seeds per method" in section.body
    assert "an interval needs at least 2" in section.body
    assert "`cifar10-controller-seed1` not started" in section.body and section.status == "partial"
    assert ev["cifar_search_seeds_per_method"] == 1
    assert ev["cifar_seeds_controller_top5_val_acc_mean"] == 0.25
    assert ev["cifar_seeds_controller_top5_val_acc_ci95_low"] is None                   # one value: no interval
    assert ev["cifar_seeds_difference_top5_val_acc_mean"] == 0.0
    assert ev["cifar_seeds_difference_top5_val_acc_ci95_high"] is None
    assert "0.2500 (n = 1)" in section.body and "over 1 search seeds" not in section.headline


def test_no_runs_leaves_the_seed_keys_null(tmp_path):
    ev = _evidence(tmp_path, tmp_path / "runs")
    assert ev["cifar_search_seeds_per_method"] == 0
    assert ev["cifar_seeds_controller_top5_val_acc_mean"] is None
    assert ev["cifar_seeds_random_top5_val_acc_values"] is None


def test_run_dirs_and_run_list_per_budget():
    assert reproduce.run_dir(Path("r"), "cifar10-controller") == Path("r/nas/cifar10-controller-seed0")   # as before
    assert reproduce.run_dir(Path("r"), "cifar10-random", "cpu", 2) == Path("r/nas/cifar10-random-seed2")
    assert reproduce.run_dir(Path("r"), "ptb-random", "smoke") == Path("r/nas/ptb-random-smoke-seed0")
    assert reproduce.run_dir(Path("r"), "ptb-random", "paper") == Path("r/nas/ptb-random-paper-seed0")
    cpu = reproduce.search_runs("cpu")
    assert cpu[:4] == [(name, 0) for name in reproduce.SEARCHES]         # seed 0's four first (resumed as before)
    assert sorted(cpu[4:]) == [("cifar10-controller", 1), ("cifar10-controller", 2),
                               ("cifar10-random", 1), ("cifar10-random", 2)]
    assert reproduce.search_runs("smoke") == [(name, 0) for name in reproduce.SEARCHES]
    from papers.nas import experiments
    names = [e.name for e in experiments.experiments("cpu")]
    assert {f"cifar10-{m}-seed{s}" for m in ("controller", "random") for s in (0, 1, 2)} <= set(names)
    assert {f"cifar10-controller-seed{s}/final" for s in (0, 1, 2)} <= set(names)
    seed2 = next(e for e in experiments.experiments("cpu") if e.name == "cifar10-random-seed2")
    assert seed2.commands[0][-4:-2] == ("--seed", "2")

