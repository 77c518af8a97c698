"""NAS's experiments for `python -m common.launch` and `make reproduce BUDGET=paper`.

Each search is one run: the controller (the driver) samples children and trains them as Ray
tasks of its own on the same Ray cluster (papers/nas/train.py: `workers` children in flight, a GPU
each when the cluster has GPUs). The driver asks Ray for no CPU: it mostly waits for its children,
and searches holding CPUs would leave none to their children on a small cluster. The best
CIFAR-10 child is then retrained (evaluate.py) as a run of its own that waits for its search and
asks for a GPU.

    paper  Zoph & Le 2017, Table 1: the CIFAR-10 searches of the three search spaces (v1; v2,
           predicting strides; v3, with max pooling) with the controller, 12,800 children and
           800 workers each, and the random-search control (v1); Table 2: the PTB cell search with
           the controller and its random control. Run dirs as papers/nas/reproduce.py names them:
           runs/nas/<task>-<search>[-<space>]-paper-seed0, the retraining in its final/.
    cpu    the CPU-scale searches of reproduce.py (CIFAR-10 controller and random from seeds 0, 1, 2;
           PTB from seed 0) and the retraining of each CIFAR-10 controller search's best child
    smoke  the same four at `--profile smoke` with 2 workers (children through Ray), and the
           retraining; numbers meaningless
"""

from __future__ import annotations

from pathlib import Path

from common.launch import RUN_DIR, Experiment
from papers.nas.reproduce import PROFILE, SEARCHES, run_dir, search_seeds

TABLE1 = "Table 1 (Zoph & Le 2017), CIFAR-10"
TABLE2 = "Table 2 (Zoph & Le 2017), Penn Treebank"
#: the CIFAR-10 search spaces of Table 1 searched at the paper budget besides v1 (config `space`)
SPACES = {"strides": "NAS v2, predicting strides", "pooling": "NAS v3, max pooling"}
WIDER = Experiment("nas", "cifar10-controller-pooling-paper-seed0/final-wider", (), TABLE1,
                   "NAS v3, max pooling + more filters (40 more per layer)",
                   skip="evaluate.py retrains the found child as sampled; no wider retraining")


def _search(name: str, task: str, search: str, budget: str, space: str = "", seed: int = 0) -> Experiment:
    folder = run_dir(Path(), f"{name}-{space}" if space else name, budget, seed).name
    argv = [*PROFILE[(budget, task)], "--set", f"task={task}", "--set", f"search={search}",
            *(("--set", f"space={space}") if space else ()), *(("--seed", str(seed)) if seed else ())]
    label = SPACES.get(space, "NAS v1, no stride or pooling") if task == "cifar10" else "NAS cell"
    return Experiment("nas", folder, (("papers.nas.train", *argv, "--run-dir", RUN_DIR),),
                      TABLE1 if task == "cifar10" else TABLE2,
                      f"{label}, {search} search" + (f", seed {seed}" if seed else ""),
                      metric="summary.json:" + ("top5_val_acc" if task == "cifar10" else "best_val_ppl"), cpus=0)


def _retraining(search: Experiment) -> Experiment:
    """The best child of a CIFAR-10 search trained again and tested (evaluate.py), into <search>/final."""
    return Experiment("nas", f"{search.name}/final", (("papers.nas.evaluate", "--run-dir", RUN_DIR + "/.."),),
                      search.group, search.label.replace("search", "search, best child retrained"),
                      done="final.json", metric="final.json:test_error_pct", cpus=2, gpus=1.0, needs=search.name)


def experiments(budget: str) -> list[Experiment]:
    searches = [_search(name, task, search, budget, seed=seed) for name, (task, search) in SEARCHES.items()
                for seed in search_seeds(name, budget)]
    if budget == "paper":
        searches += [_search("cifar10-controller", "cifar10", "controller", budget, space) for space in SPACES]
    retrain = [_retraining(s) for s in searches if s.name.startswith("cifar10-controller")]
    return searches + retrain + ([WIDER] if budget == "paper" else [])
