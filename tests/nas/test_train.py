"""Zoph & Le 2017: the search driver (papers/nas/train.py) end to end at smoke scale, in-process
(workers=0; the Ray path is exercised by test_ray_pool): run-dir outputs, failed children, resume."""

import csv
import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from common.config import build
from common.data import DataError
from papers.nas import evaluate, train
from papers.nas.child import evaluate_child
from papers.nas.config import PROFILES, NASConfig


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.data('cifar10')
def test_failed_children_are_recorded_and_do_not_stop_the_search(tmp_path):
    cfg, _ = build(NASConfig, PROFILES, "smoke", {"child_lr": 1e30})   # diverges
    data = train.load_task_data(cfg)
    bad_lr = evaluate_child(cfg, [(), 0, 0, 0], data, seed=0)
    assert bad_lr["status"] == "failed" and "diverged" in bad_lr["error"] and bad_lr["reward"] == 0.0
    broken = evaluate_child(cfg, [(), 0, 0], data, seed=0)                    # not a whole layer
    assert broken["status"] == "failed" and "whole layers" in broken["error"]
    run_dir = train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "f"),
                          "--set", "total_architectures=2", "--set", "child_max_seconds=1e-9"])
    children = _rows(run_dir / "children.csv")
    assert len(children) == 2 and all(r["status"] == "failed" and "child_max_seconds" in r["error"]
                                      for r in children)
    assert json.loads((run_dir / "summary.json").read_text())["failed"] == 2


@pytest.mark.data('cifar10')
def test_cifar_search_smoke_and_resume(tmp_path):
    argv = ["--profile", "smoke", "--run-dir", str(tmp_path / "s"), "--set", "total_architectures=4"]
    run_dir = train.main(argv, stop_after=3)           # "crash" after 3 children; checkpoint at 2
    first = _rows(run_dir / "children.csv")
    assert len(first) == 3 and not (run_dir / "DONE").exists()
    train.main(argv)
    rows = _rows(run_dir / "children.csv")
    assert all(r["status"] == "ok" and r["arch"] and math.isfinite(float(r["reward"])) for r in rows)
    for r in rows:          # reward = val_acc^3 (Sec. 4.1) with reward_last_epochs = 1 in smoke
        assert float(r["reward"]) == pytest.approx(float(r["val_acc"]) ** 3, rel=1e-3)
    metrics = _rows(run_dir / "metrics.csv")
    assert [int(r["updates"]) for r in metrics] == [1, 2] and all(math.isfinite(float(r["loss"])) for r in metrics)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["children"] == 4 and summary["best_arch"] and (run_dir / "DONE").exists()
    assert rows[:2] == first[:2]                       # children up to the checkpoint are kept as they were
    assert [int(r["children"]) for r in rows] == [1, 2, 3, 4]
    assert sorted(int(r["index"]) for r in rows) == [0, 1, 2, 3]
    history = json.loads((run_dir / "history.json").read_text())
    assert [c["arch"] for c in history[:2]] == [r["arch"] for r in first[:2]]
    assert summary["updates"] == 2
    saved = json.loads((run_dir / "config.json").read_text())
    saved["config"]["child_max_seconds"] = 1e-9        # a search's per-child cap never cuts the retraining
    (run_dir / "config.json").write_text(json.dumps(saved))
    final = evaluate.evaluate(run_dir)                 # retrain the best child, test once
    best = max(history, key=lambda c: c["val_acc"])
    assert final["arch"] == best["arch"] and final["test_images"] == 1000
    assert final["test_set"] == "first 1,000 CIFAR-10 test images" and 0 <= final["test_error_pct"] <= 100
    assert evaluate.evaluate(run_dir) == final         # re-running skips the finished evaluation


@pytest.mark.data('ptb')
def test_ptb_cell_search_smoke(tmp_path):
    run_dir = train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "p"), "--set", "task=ptb",
                          "--set", "total_architectures=2"])
    children = _rows(run_dir / "children.csv")
    assert len(children) == 2 and all(r["status"] == "ok" for r in children)
    for r in children:      # reward = 80 / ppl^2 (Sec. 4.2)
        assert float(r["reward"]) == pytest.approx(80.0 / float(r["val_ppl"]) ** 2, rel=1e-3)
    assert "inject c_prev" in children[0]["arch"]


def test_missing_data_is_a_one_line_data_error(tmp_path, monkeypatch):
    """In-process, main raises; `python -m` prints the one line (tests/common/test_entry_points.py)."""
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("REPRO_OFFLINE", "1")
    with pytest.raises(DataError, match="^missing data file cifar10/") as e:
        train.main(["--profile", "smoke", "--run-dir", str(tmp_path / "x")])
    assert "\n" not in str(e.value)


@pytest.mark.slow
def test_ray_pool_trains_children_in_worker_processes():
    """One Ray worker (a persistent actor), two children one after the other (Ray start-up and the
    worker's TF import: ~10-20 s)."""
    cfg, _ = build(NASConfig, PROFILES, "smoke")
    data = train.load_task_data(cfg)
    pool = train.ChildPool(cfg, data, workers=1)
    try:
        import ray
        pool.submit(0, [(), 0, 0, 0], 0)
        assert pool.free == 0
        with pytest.raises(RuntimeError, match="every child worker is busy"):
            pool.submit(1, [(), 0, 0, 0], 0)
        first = pool.next_result()
        pool.submit(1, [(), 0, 0], 0)              # a broken child: recorded, not raised
        results = dict((i, r) for i, _, r in (first, pool.next_result()))
        assert results[0]["status"] == "ok" and np.isfinite(results[0]["reward"])
        assert results[1]["status"] == "failed"
        assert results[0]["pid"] == results[1]["pid"]       # the same persistent worker
    finally:
        pool.close()
    assert not ray.is_initialized()


@pytest.mark.slow
@pytest.mark.data('cifar10')
def test_sigterm_saves_and_the_rerun_resumes_without_duplicated_rows(tmp_path):
    """`python -m papers.nas.train` stopped by SIGTERM mid-search (a checkpoint boundary after
    every child) exits 143 with a checkpoint; the same command then finishes the search, and
    children.csv and metrics.csv hold each child and each update once (two processes: ~30 s)."""
    run_dir = tmp_path / "s"
    cmd = [sys.executable, "-m", "papers.nas.train", "--profile", "smoke", "--run-dir", str(run_dir),
           "--set", "total_architectures=8"]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if (run_dir / "children.csv").exists() and len(_rows(run_dir / "children.csv")) >= 3:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 128 + signal.SIGTERM, out[-3000:]
    stopped_at = len(_rows(run_dir / "children.csv"))
    assert 3 <= stopped_at < 8 and not (run_dir / "DONE").exists()
    subprocess.run(cmd, cwd=root, check=True, capture_output=True, timeout=240)
    children = [int(r["children"]) for r in _rows(run_dir / "children.csv")]
    assert children == list(range(1, 9))
    assert [int(r["updates"]) for r in _rows(run_dir / "metrics.csv")] == [1, 2, 3, 4]
    assert len({r["index"] for r in _rows(run_dir / "children.csv")}) == 8
    assert json.loads((run_dir / "summary.json").read_text())["children"] == 8
