"""Zoph & Le 2017: the runs behind `make reproduce`, for one budget.

    python -m papers.nas.reproduce [--budget cpu|paper|smoke] [--runs runs] [--report-only]

`run(budget, runs_root)` writes only under runs_root/nas/ and skips what is finished:
  1. the four searches, each one run directory runs_root/nas/<search><suffix> (suffix -seed0 at
     budget cpu, -paper-seed0 at paper, -smoke-seed0 at smoke): CIFAR-10 controller and random
     search at the same budget, PTB recurrent-cell controller and random search (train.py);
  2. the benchmark: child evaluations per hour with 1 and 2 Ray workers (benchmark.py ->
     runs_root/nas/benchmark.json), once; not at budget smoke;
  3. the best child of the CIFAR-10 controller search retrained and tested (evaluate.py ->
     <cifar10-controller run>/final/final.json);
  4. each search's top-5 distinct architectures retrained from 3 fresh seeds (reevaluate.py ->
     <run>/reeval.json).
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
RUN_SUFFIX = {"cpu": "-seed0", "paper": "-paper-seed0", "smoke": "-smoke-seed0"}


def run_dir(runs_root: Path, name: str, budget: str = "cpu") -> Path:
    return Path(runs_root) / PAPER / f"{name}{RUN_SUFFIX[budget]}"


def run(budget: str, runs_root: Path) -> None:
    """Train / resume the four searches, benchmark, retrain the best CIFAR-10 child, re-evaluate
    each search's top architectures (the slow part). Writes only under runs_root/nas/; finished
    parts are skipped. Budget smoke: no benchmark, and one Ray instance serves the four searches
    (its start-up is most of a toy search's time)."""
    from papers.nas import benchmark, evaluate, reevaluate, train   # heavy imports (TensorFlow, Ray) only here

    root = Path(runs_root) / PAPER
    root.mkdir(parents=True, exist_ok=True)
    todo = [n for n in SEARCHES if not (run_dir(runs_root, n, budget) / "DONE").exists()]
    shared_ray = budget == "smoke" and bool(todo)
    if shared_ray:
        train.init_ray()
    try:
        for name, (task, search) in SEARCHES.items():
            argv = PROFILE[(budget, task)] + ["--set", f"task={task}", "--set", f"search={search}",
                                              "--run-dir", str(run_dir(runs_root, name, budget))]
            train.main(argv)
    finally:
        if shared_ray:
            import ray
            ray.shutdown()
    if budget != "smoke" and not (root / "benchmark.json").exists():
        benchmark.main(["--out", str(root / "benchmark.json")])
    evaluate.evaluate(run_dir(runs_root, "cifar10-controller", budget))
    for name in SEARCHES:            # the found architectures, measured again from fresh seeds
        if budget == "smoke":        # toy: 2 architectures, 1 seed, the search's validation size
            reevaluate.reevaluate(run_dir(runs_root, name, budget), val_size=None, top=2,
                                  seeds=reevaluate.SEEDS[:1])
        else:
            reevaluate.reevaluate(run_dir(runs_root, name, budget))


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("nas", __doc__, run, argv=argv))
