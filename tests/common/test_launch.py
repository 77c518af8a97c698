"""common/launch.py: the papers' experiment lists against their tables, the launcher on a real
local Ray (finished runs skipped, a failing run retried then recorded, a run waiting for another),
the report's experiment tables, and the two-node Ray cluster check of common/launch_check.py (slow)."""

import csv
import importlib
import importlib.util
import json

import pytest

from common import launch, launch_check
from common.launch import RUN_DIR, Experiment


def _published(paper, name):
    with open(launch.ROOT / "papers" / paper / "published" / name, newline="") as f:
        return list(csv.DictReader(f))


def _by_group(exps):
    out = {}
    for e in exps:
        out.setdefault(e.group, []).append(e)
    return out


def test_every_list_has_unique_runs_and_importable_commands():
    for budget in launch.BUDGETS:
        exps = launch.experiments(launch.PAPERS, budget)
        keys = [e.key for e in exps]
        assert len(keys) == len(set(keys)), budget
        for e in exps:
            assert e.skip or e.commands, e.key
            for command in e.commands:
                assert importlib.util.find_spec(command[0]) is not None, (e.key, command[0])
                assert RUN_DIR in " ".join(command), e.key        # every command names its run dir


def test_dqn_paper_list_is_the_games_of_both_tables():
    from ale_py import roms
    groups = _by_group(launch.experiments(["dqn"], "paper"))
    from papers.dqn.experiments import NATURE, NIPS2013, env_id
    nature = sorted(r["game"] for r in _published("dqn", "dqn_nature_scores.csv"))
    assert sorted(e.label for e in groups[NATURE]) == nature and len(nature) == 49
    nips = sorted(r["game"] for r in _published("dqn", "dqn2013_table1.csv"))
    assert sorted(e.label for e in groups[NIPS2013]) == nips and len(nips) == 7
    known = set(roms.get_all_rom_ids())
    for e in groups[NATURE] + groups[NIPS2013]:
        assert env_id(e.label) in known, e.label                 # a game ale-py can load
        train, evaluate = e.commands
        assert train[:3] == ("papers.dqn.train", "--profile", "nature" if e.group == NATURE else "nips2013")
        assert f"env={env_id(e.label)}" in train and "--max-minutes" not in train
        assert evaluate[0] == "papers.dqn.evaluate" and len(evaluate) == 3   # the Nature protocol, unchanged


def test_a3c_paper_list_is_table_s3_with_both_agents():
    from ale_py import roms
    exps = launch.experiments(["a3c"], "paper")
    games = sorted(r["game"] for r in _published("a3c", "a3c_scores.csv"))
    assert len(games) == 57
    for network in ("ff", "lstm"):
        runs = [e for e in exps if f"network={network}" in e.commands[0]]
        assert sorted(e.label for e in runs) == games
        assert all(e.commands[0][2] == "paper" and e.cpus == 16 for e in runs)
    assert all(e.label.replace("-", "_") in set(roms.get_all_rom_ids()) for e in exps)


def test_memn2n_paper_list_is_every_table1_column_on_both_sizes():
    from papers.memn2n.config import BabiConfig
    from papers.memn2n.experiments import COLUMNS
    exps = launch.experiments(["memn2n"], "paper")
    babi = [e for e in exps if e.commands and e.commands[0][0] == "papers.memn2n.train"]
    assert len(babi) == 2 * (4 * 20 + 5)
    for size in ("1k", "10k"):
        for column, variant, _ in COLUMNS.values():
            runs = [e for e in babi if e.group.endswith(f", {size} {column}")]
            assert len(runs) == (1 if variant == "joint" else 20), (size, column)
    # the published Table 1 columns of MemN2N are all among ours
    published = {r["variant"].removeprefix("MemN2N ").split(" (")[0] for r in _published("memn2n", "memn2n_babi_1k.csv")
                 if r["variant"].startswith("MemN2N")}
    assert published <= {column for column, _, _ in COLUMNS.values()}
    assert BabiConfig().repeats == 10                            # the paper's 10 repeats: never overridden
    assert not any("repeats" in a or a == "--profile" for e in babi for a in e.commands[0])
    ptb = [e for e in exps if e.commands and e.commands[0][0] == "papers.memn2n.train_lm"]
    assert [e.commands[0][1:3] for e in ptb] == [("--profile", "paper")]
    assert [e.label.split(",")[0] for e in exps if e.skip.startswith("no Text8 loader")] == ["Text8"]


def test_nas_and_slac_paper_lists():
    nas = launch.experiments(["nas"], "paper")
    searches = [e for e in nas if e.commands and e.commands[0][0] == "papers.nas.train"]
    assert len(searches) == 6                                    # 3 CIFAR-10 spaces + random; PTB + random
    assert all(e.commands[0][1:3] == ("--profile", "paper") for e in searches)
    assert not any(a.startswith(("workers=", "total_architectures=")) for e in searches for a in e.commands[0])
    retrain = [e for e in nas if e.needs]
    assert {e.needs for e in retrain} == {e.name for e in searches if e.name.startswith("cifar10-controller")}
    slac = launch.experiments(["slac"], "paper")
    rows = [r for r in _published("slac", "slac_returns.csv") if r["suite"] == "dm_control"]
    assert {e.commands[0][4].removeprefix("task=") for e in slac} == {r["task"] for r in rows}
    assert len(slac) == 6 * max(int(r["n_seeds"]) for r in rows if r["n_seeds"]) == 60


def test_make_reproduce_paper_budget_goes_through_the_launcher(tmp_path, monkeypatch):
    from common import reproduce
    seen = {}
    monkeypatch.setattr(reproduce.launch, "sweep", lambda exps, runs: seen.update(exps=exps, runs=runs) or ["x/y"])
    monkeypatch.setattr(reproduce.report, "build", lambda budget, runs, results, papers: seen.update(
        budget=budget, papers=papers))
    for paper in ("dqn", "slac"):                                # the cpu/smoke path is not taken
        monkeypatch.setattr(importlib.import_module(f"papers.{paper}.reproduce"), "run",
                            lambda *a: pytest.fail("papers.<paper>.reproduce.run() called"))
    code = reproduce.main(["--papers", "dqn", "slac", "--budget", "paper", "--runs", str(tmp_path)])
    assert code == 1                                             # a failed run is reported in the exit status
    assert seen["exps"] == launch.experiments(["dqn", "slac"], "paper") and len(seen["exps"]) == 56 + 60
    assert seen["runs"] == tmp_path and seen["budget"] == "paper" and seen["papers"] == ["dqn", "slac"]


def _toy(name, *args, **kw):
    return Experiment("toy", name, (("tests.common.flaky_run", RUN_DIR, *args),), "toy table", name, **kw)


def test_launcher_skips_finished_retries_failing_and_records(tmp_path):
    import ray
    runs = tmp_path / "runs"
    exps = [_toy("done"), _toy("flaky"), _toy("broken", "--fails", "99"), _toy("blocked", skip="no data"),
            _toy("after_flaky", needs="flaky"), _toy("after_broken", needs="broken")]
    (runs / "toy" / "done").mkdir(parents=True)
    (runs / "toy" / "done" / "DONE").write_text("")
    assert launch.connect(num_cpus=2)
    try:
        failed = launch.sweep(exps, runs, retries=1)
        assert failed == ["toy/broken", "toy/after_broken"]
        sweep = launch.read_sweep(runs, "toy")
        assert "done" not in sweep and "blocked" not in sweep               # never submitted
        assert not (runs / "toy" / "done" / launch.LOG_FILE).exists()
        assert sweep["flaky"]["status"] == "finished" and len(sweep["flaky"]["attempts"]) == 2
        assert [a["returncode"] for a in sweep["flaky"]["attempts"]] == [3, 0]
        assert sweep["broken"]["status"] == "failed" and len(sweep["broken"]["attempts"]) == 2
        assert "fails on purpose" in sweep["broken"]["attempts"][-1]["error"]
        assert sweep["after_flaky"]["status"] == "finished"
        assert sweep["after_broken"] == {"status": "failed", "attempts": []}
        assert sweep["flaky"]["attempts"][0]["resources"] == {"CPU": 1.0}
        # re-running skips what finished: only the failed runs are attempted again
        assert launch.sweep(exps, runs, retries=0) == ["toy/broken", "toy/after_broken"]
        again = launch.read_sweep(runs, "toy")
        assert len(again["broken"]["attempts"]) == 3 and again["flaky"] == sweep["flaky"]   # all sweeps' attempts
        assert (runs / "toy" / "broken" / "attempts").read_text() == "3"
    finally:
        ray.shutdown()


def test_local_ray_has_no_dashboard():
    import ray
    assert launch.connect(num_cpus=1)
    try:
        assert ray._private.worker.global_worker.node.webui_url in (None, "")
    finally:
        ray.shutdown()


def test_report_section_shows_each_state(tmp_path):
    from papers.dqn.experiments import SCORE
    runs = tmp_path / "runs"
    pong = runs / "dqn" / "smoke" / "pong-seed0"
    (pong / "evaluation").mkdir(parents=True)
    (pong / SCORE).write_text(json.dumps({"mean_return": -5.7, "episodes": 1, "max_episode_frames": 400,
                                          "epsilon": 0.05}))
    (runs / "dqn" / "smoke" / "breakout-seed0").mkdir(parents=True)
    (runs / "dqn" / launch.SWEEP_FILE).write_text(json.dumps(
        {"smoke/breakout-seed0": {"status": "failed", "attempts": [{"returncode": 1}, {"returncode": 1}]}}))
    text, shown = launch.experiment_section("dqn", "smoke", runs)
    assert "| pong | -20.7 | 9.3 | 18.9 | -5.7 | 50% | 132% | `smoke/pong-seed0` |" in text
    assert "| breakout | 1.7 | 31.8 | 401.2 | failed (2 attempts) |" in text
    assert "| alien | 227.8 | 6875.4 | 3069.0 | not run |" in text
    assert "over the 1 game run, ours mean 50.0%, median 50.0%" in text and shown == []
    text, _ = launch.experiment_section("memn2n", "smoke", runs)
    assert "| `text8_paper` | not run (no Text8 loader: train_lm.py reads Penn Treebank only) |" in text


@pytest.mark.slow     # 45-60 s on 2 shared cores: two raylets, two launcher runs, 7 smoke trainings, 2 reports
@pytest.mark.data("babi", "ptb")
def test_two_node_ray_cluster_sweep(tmp_path):
    seen = launch_check.check(tmp_path / "launch_check.json")
    assert seen["nodes"] == 2 and len(seen["runs_per_node"]) == 2 and sum(seen["runs_per_node"].values()) == 6
    failed = seen["failed_recorded"]
    assert failed["status"] == "failed" and failed["attempts"] == 2 and failed["others_finished"]
    assert "made_to_fail_by_launcher" in failed["error"][0] and failed["launcher_exit_status"] == 1
    assert failed["report_shows_it"]
    assert seen["code_shipped"]                                   # workers ran the shipped working_dir
    assert seen["rerun"] == {"ran": [launch_check.CHECK_FAIL], "status": "finished", "launcher_exit_status": 0}
    assert seen["report_rebuilt"] == {"experiment_tables": 2, "dqn_nature_games_scored": 3, "memn2n_runs_finished": 3}
