"""End-To-End Memory Networks (Sukhbaatar 2015): the table generator pools repeats and applies the
paper's selection rule (lowest training error) across the processes of a task."""

import json

from papers.memn2n import report, reproduce


def _fake_run(path, train, val, test):
    path.mkdir(parents=True)
    (path / "summary.json").write_text(json.dumps({
        "train_error_pct": train, "val_error_pct": val, "repeats": len(train),
        "test_error_pct_all_repeats": {"15": test},
        "test_error_pct_per_task": {"15": test[0]}, "wall_time_s_this_invocation": 60.0}))
    (path / "versions.json").write_text(json.dumps({"git_commit": "abc", "git_dirty": False}))
    (path / "DONE").write_text("")


def test_collect_pools_processes_and_selects_lowest_training_error(tmp_path, monkeypatch):
    monkeypatch.setattr(reproduce, "RUNS", tmp_path)
    table = reproduce.Table("t", "en", "joint", (0,), "", 12.4, "test", cpu_seeds=(0, 1))
    _fake_run(reproduce.run_dir("t", 0, 0), [3.0, 2.0, 5.0], [1.0, 1.0, 1.0], [40.0, 45.0, 50.0])
    _fake_run(reproduce.run_dir("t", 0, 1), [1.0, 9.0, 1.0], [2.0, 0.0, 1.0], [30.0, 0.5, 0.0])
    res = report.collect(table, "cpu")
    # lowest training error 1.0 twice (seed-1 runs 0 and 2); the tie goes to validation error 1.0 -> test 0.0
    assert res["repeats"] == 6 and res["best"][15] == 0.0
    assert res["mean_all"][15] == (40 + 45 + 50 + 30 + 0.5 + 0) / 6
    assert res["wall_s"] == 120.0 and res["pending"] == []
    # at the paper budget only the seed-0 process counts
    assert report.collect(table, "paper")["best"][15] == 45.0
