"""Zoph & Le 2017: the runs behind `make reproduce`, for one budget.

    python -m papers.nas.reproduce [--budget cpu|paper|smoke] [--runs runs] [--report-only]

`run(budget, runs_root)` writes only under runs_root/nas/ and skips what is finished:
  1. the searches, each one run directory runs_root/nas/<search><tag>-seed<seed> (tag "" at budget
     cpu, -paper at paper, -smoke at smoke): CIFAR-10 controller and random search at the same
     budget from each seed of SEARCH_SEEDS[budget] (0, 1, 2 at budget cpu: 6 searches; seed 0 only
     at paper and smoke), PTB recurrent-cell controller and random search from seed 0 (train.py);
     seed 0's directories keep the names they always had (runs/nas/cifar10-controller-seed0, ...);
  2. the benchmark: child evaluations per hour with 1 and 2 Ray workers (benchmark.py ->
     runs_root/nas/benchmark.json), once; not at budget smoke;
  3. the best child of each CIFAR-10 controller search (every seed) retrained and tested
     (evaluate.py -> <cifar10-controller run>/final/final.json);
  4. each search's top-5 distinct architectures retrained from 3 fresh seeds (reevaluate.py ->
     <run>/reeval.json), every CIFAR-10 seed included.
Budget smoke (about two minutes) checks the plumbing: the same four searches through the same
2-worker Ray pool (one Ray instance for all four) with the `smoke` profile's toy children (6 per
search), the retraining, and a re-evaluation of 2 architectures from 1 seed; its numbers mean nothing.

The control experiment on the ground-truth table is not part of run(): building the table takes
hours and has its own resumable command (`python -m papers.nas.table`, results/nas/table_cnn2.csv),
then `python -m papers.nas.simulate` writes its searches' record into results/nas (sim_search.json,
sim_search.md, sim_curves.csv, plots).

papers/nas/report.py builds the paper's section of the report from these run directories.
"""

from __future__ import annotations

from pathlib import Path

PAPER = "nas"
SEARCHES = {   # run name -> (task, search); profile per budget below
    "cifar10-controller": ("cifar10", "controller"),
    "cifar10-random": ("cifar10", "random"),
    "ptb-controller": ("ptb", "controller"),
    "ptb-random": ("ptb", "random"),
}
PROFILE = {("cpu", "cifar10"): ["--profile", "cpu"], ("cpu", "ptb"): ["--profile", "cpu_ptb"],
           ("paper", "cifar10"): ["--profile", "paper"], ("paper", "ptb"): ["--profile", "paper", "--set", "task=ptb"],
           # smoke: toy children, but the cpu path's 2 Ray workers (the smoke profile alone trains in-process)
           ("smoke", "cifar10"): ["--profile", "smoke", "--set", "workers=2"],
           ("smoke", "ptb"): ["--profile", "smoke", "--set", "workers=2"]}
#: run-directory tag of each budget: runs/nas/<search><tag>-seed<seed>
BUDGET_TAG = {"cpu": "", "paper": "-paper", "smoke": "-smoke"}
#: search seeds of the CIFAR-10 searches (controller and random alike) per budget; the PTB searches
#: run seed 0 only. 3 seeds per method is the fewest a t-interval over seeds can be built on.
SEARCH_SEEDS = {"cpu": (0, 1, 2), "paper": (0,), "smoke": (0,)}


def run_dir(runs_root: Path, name: str, budget: str = "cpu", seed: int = 0) -> Path:
    return Path(runs_root) / PAPER / f"{name}{BUDGET_TAG[budget]}-seed{seed}"


def search_seeds(name: str, budget: str) -> tuple[int, ...]:
    """The seeds a search runs from at `budget`: SEARCH_SEEDS for CIFAR-10, (0,) for PTB."""
    return SEARCH_SEEDS[budget] if SEARCHES[name][0] == "cifar10" else (0,)


def search_runs(budget: str) -> list[tuple[str, int]]:
    """(search name, seed) of every search run, in run order: the four seed-0 searches first."""
    return ([(name, 0) for name in SEARCHES]
            + [(name, seed) for name in SEARCHES for seed in search_seeds(name, budget) if seed])


def run(budget: str, runs_root: Path) -> None:
    """Train / resume the searches (budget cpu: CIFAR-10 controller and random from 3 seeds each,
    PTB from seed 0), benchmark, retrain the best child of each CIFAR-10 controller search,
    re-evaluate each search's top architectures (the slow part). Writes only under
    runs_root/nas/; finished parts are skipped. Budget smoke: no benchmark, and one Ray instance
    serves the four searches (its start-up is most of a toy search's time)."""
    from papers.nas import benchmark, evaluate, reevaluate, train   # heavy imports (TensorFlow, Ray) only here

    root = Path(runs_root) / PAPER
    root.mkdir(parents=True, exist_ok=True)
    runs = search_runs(budget)
    todo = [(n, s) for n, s in runs if not (run_dir(runs_root, n, budget, s) / "DONE").exists()]
    shared_ray = budget == "smoke" and bool(todo)
    if shared_ray:
        train.init_ray()
    try:
        for name, seed in runs:
            task, search = SEARCHES[name]
            argv = PROFILE[(budget, task)] + ["--set", f"task={task}", "--set", f"search={search}", "--seed",
                                              str(seed), "--run-dir", str(run_dir(runs_root, name, budget, seed))]
            train.main(argv)
    finally:
        if shared_ray:
            import ray
            ray.shutdown()
    if budget != "smoke" and not (root / "benchmark.json").exists():
        benchmark.main(["--out", str(root / "benchmark.json")])
    for seed in search_seeds("cifar10-controller", budget):
        evaluate.evaluate(run_dir(runs_root, "cifar10-controller", budget, seed))
    for name, seed in runs:          # the found architectures, measured again from fresh seeds
        if budget == "smoke":        # toy: 2 architectures, 1 seed, the search's validation size
            reevaluate.reevaluate(run_dir(runs_root, name, budget, seed), val_size=None, top=2,
                                  seeds=reevaluate.SEEDS[:1])
        else:
            reevaluate.reevaluate(run_dir(runs_root, name, budget, seed))


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("nas", __doc__, run, argv=argv))
