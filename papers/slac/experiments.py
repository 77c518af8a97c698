"""SLAC's experiments for `python -m common.launch` and `make reproduce BUDGET=paper`.

    paper  Lee et al. 2020, DeepMind Control: the 6 tasks of the paper's curves x the 10 seeds of
           the official curves (published/slac_returns.csv, n_seeds) at `--profile paper`, a GPU
           each when the cluster has GPUs: runs/slac/paper/<task>-seed<k>
    cpu    the CPU-scale run of `make reproduce` (cartpole swingup, runs/slac/cpu-seed0)
    smoke  cartpole swingup and walker walk at `--profile smoke`: runs/slac/smoke/<task>-seed0;
           numbers meaningless
"""

from __future__ import annotations

from pathlib import Path

from common.launch import RUN_DIR, Experiment
from common.results import read_published

PUBLISHED = Path(__file__).resolve().parent / "published" / "slac_returns.csv"
GROUP = "DeepMind Control (Lee et al. 2020; official curves, published/slac_returns.csv)"
SEEDS = tuple(range(10))          # the official curves' seeds per task (slac_returns.csv n_seeds)
SMOKE_TASKS = ("cartpole_swingup", "walker_walk")
METRIC = "summary.json:final_eval_return_stochastic"


def tasks() -> list[str]:
    """The six DM Control tasks of the paper's curves, in published/slac_returns.csv order."""
    return list(dict.fromkeys(r["task"] for r in read_published(PUBLISHED) if r["suite"] == "dm_control"))


def _run(task: str, seed: int, profile: str, gpus: float) -> Experiment:
    return Experiment("slac", f"{profile}/{task}-seed{seed}",
                      (("papers.slac.train", "--profile", profile, "--set", f"task={task}", "--seed", str(seed),
                        "--run-dir", RUN_DIR),),
                      GROUP, f"{task}, seed {seed}", metric=METRIC, cpus=2, gpus=gpus)


def experiments(budget: str) -> list[Experiment]:
    if budget == "paper":
        return [_run(task, seed, "paper", 1.0) for task in tasks() for seed in SEEDS]
    if budget == "smoke":
        return [_run(task, 0, "smoke", 0.0) for task in SMOKE_TASKS]
    return [Experiment("slac", "cpu-seed0", (("papers.slac.train", "--profile", "cpu", "--run-dir", RUN_DIR),),
                       "cartpole swingup, CPU scale", "cartpole_swingup, seed 0", metric=METRIC, cpus=2)]
