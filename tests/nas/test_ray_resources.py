"""papers/nas/train.py on Ray: children are trained by persistent actors (train.ChildWorker), one
intra-op thread each, the setting in force carried by every record; an actor asks for a GPU when
the cluster has GPUs (checked on a Ray node started with a fake GPU); the pool never starts more
actors than the cluster holds; the benchmark's settings are the ones in force."""

import json
import os

import pytest

from common.config import build
from common.launch import ROOT
from papers.nas import benchmark, train
from papers.nas.config import PROFILES, NASConfig

ONE_THREAD = {"intra_op": 1, "inter_op": 1}


def test_child_worker_asks_for_a_gpu_when_the_cluster_has_one(monkeypatch):
    import ray
    # a node with a fake GPU; conftest hides GPUs (""), and Ray refuses a GPU that
    # CUDA_VISIBLE_DEVICES leaves out
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    ray.init(address="local", num_cpus=2, num_gpus=1, include_dashboard=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    try:
        cfg, _ = build(NASConfig, PROFILES, "smoke")
        assert train.child_resources() == {"num_cpus": 1, "num_gpus": train.CHILD_GPUS} and train.CHILD_GPUS == 1
        pool = train.ChildPool(cfg, {}, workers=2)           # Ray already up: the pool uses it
        assert pool.size == 1                                # one GPU: one worker
        pool.submit(0, [(), 0, 0], 0)                        # a broken child: fails fast, still reports
        _, _, result = pool.next_result()
        pool.close()
        assert result["status"] == "failed" and result["resources"] == {"CPU": 1.0, "GPU": 1.0}
        assert result["threads"] == ONE_THREAD
        assert ray.is_initialized()                          # the caller's Ray outlives the pool
    finally:
        ray.shutdown()


def test_paper_workers_are_children_in_flight_capped_by_the_cluster():
    import ray
    cfg, _ = build(NASConfig, PROFILES, "paper")
    assert cfg.workers == 800
    pool = train.ChildPool(cfg, {}, workers=cfg.workers)     # starts a local Ray with this machine's CPUs
    try:
        assert ray.cluster_resources()["CPU"] == os.cpu_count()
        assert pool.size == pool.free == os.cpu_count()      # 800 asked, as many workers as CPUs here
        assert train.child_resources() == {"num_cpus": 1, "num_gpus": 0}   # no GPU here
        settings = pool.describe()
        assert [s["threads"] for s in settings] == [ONE_THREAD] * os.cpu_count()
        assert len({s["pid"] for s in settings}) == os.cpu_count()
    finally:
        pool.close()
    assert not ray.is_initialized()


@pytest.mark.data("cifar10")
def test_benchmark_settings_are_the_ones_in_force(tmp_path):
    """2 toy children per setting, interleaved: 1 in flight runs one child at a time, 2 in flight
    runs both at once on two worker processes; every child reports one intra-op thread."""
    summary = benchmark.main(["--profile", "smoke", "--children", "2", "--block", "2",
                              "--out", str(tmp_path / "b.json")])
    by = {row["workers"]: row for row in summary["settings"]}
    assert by[1]["children"] == by[2]["children"] == 2 and by[1]["failed"] == by[2]["failed"] == 0
    assert by[1]["max_in_flight"] == 1 and by[2]["max_in_flight"] == 2 and len(by[2]["worker_pids"]) == 2
    for row in by.values():
        assert row["threads_in_force"] == [json.dumps(ONE_THREAD, sort_keys=True)]
    assert [w["threads"] for w in summary["workers"]] == [ONE_THREAD] * 2
    assert len(summary["load_average_1min"]) == 3                 # before the blocks, after each setting
    assert json.loads((tmp_path / "b.json").read_text())["speedup_2_vs_1"] == summary["speedup_2_vs_1"]
