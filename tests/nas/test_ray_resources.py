"""papers/nas/train.py on Ray: a child asks for a GPU when the cluster has GPUs (checked on a Ray
node started with a fake GPU, against the resources Ray assigns to the child's task), an equal
share of the cluster's CPUs otherwise; the pool never starts more Ray CPUs than the machine has."""

from common.config import build
from common.launch import ROOT
from papers.nas import train
from papers.nas.config import PROFILES, NASConfig


def test_child_asks_for_a_gpu_when_the_cluster_has_one(monkeypatch):
    import ray
    # a node with a fake GPU; conftest hides GPUs (""), and Ray refuses a GPU that
    # CUDA_VISIBLE_DEVICES leaves out
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    ray.init(address="local", num_cpus=2, num_gpus=1, include_dashboard=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    try:
        cfg, _ = build(NASConfig, PROFILES, "smoke")
        assert train.child_resources(2) == {"num_cpus": 1, "num_gpus": train.CHILD_GPUS} and train.CHILD_GPUS == 1
        pool = train.ChildPool(cfg, {}, workers=2)           # Ray already up: the pool uses it
        pool.submit(0, [(), 0, 0], 0)                        # a broken child: fails fast, still reports
        _, _, result = pool.next_result()
        pool.close()
        assert result["status"] == "failed" and result["resources"] == {"CPU": 1.0, "GPU": 1.0}
        assert ray.is_initialized()                          # the caller's Ray outlives the pool
    finally:
        ray.shutdown()


def test_paper_workers_are_children_in_flight_not_local_cpus():
    import ray
    cfg, _ = build(NASConfig, PROFILES, "paper")
    assert cfg.workers == 800
    pool = train.ChildPool(cfg, {}, workers=cfg.workers)     # starts a local Ray with this machine's CPUs
    try:
        import os
        assert ray.cluster_resources()["CPU"] == os.cpu_count()
        assert pool.free == 800                              # 800 children may be in flight
        assert train.child_resources(cfg.workers) == {"num_cpus": 1, "num_gpus": 0}   # no GPU here
        assert train.child_resources(1) == {"num_cpus": os.cpu_count(), "num_gpus": 0}  # 1 in flight: all CPUs
    finally:
        pool.close()
    assert not ray.is_initialized()
