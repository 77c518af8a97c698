"""MemN2N's experiments for `python -m common.launch` and `make reproduce BUDGET=paper`.

    paper  Sukhbaatar et al. 2015, Table 1: every MemN2N column (BoW, PE, PE LS, PE LS RN on each of
           the 20 tasks; 1, 2 and 3 hops PE LS joint, PE LS RN joint, PE LS LW joint on all 20 at
           once) on the 1k and the 10k training sets, each run with the paper's 10 repeats (the
           config's `repeats`: the repeat with the lowest training error is kept); Table 2: the best
           PTB language model (`train_lm --profile paper`); Text8, listed but not run (no loader).
           Run dirs: runs/memn2n/<1k|10k>_<column>/task<t> (joint: .../joint), named as
           papers/memn2n/tables.py names the tables reproduce.py runs itself; runs/memn2n/ptb_paper.
    cpu    the tables and the PTB model of the CPU-scale reproduction (reproduce.py's cpu budget)
    smoke  two tasks of 1k PE LS RN and the PTB model at `--profile smoke` (reproduce.py's smoke
           run dirs), and Text8 (not run); numbers meaningless
A bAbI run whose training file is not in the data folder ($REPRO_DATA_DIR, README "Data") is
listed as not run, with the file it lacks.
"""

from __future__ import annotations

from pathlib import Path

from common.launch import RUN_DIR, Experiment
from papers.memn2n.tables import ALL, TABLES, ptb_dir, run_dir, seeds, table_dir, tasks, train_argv

TABLE1 = "Table 1 (Sukhbaatar et al. 2015)"
#: Table 1's MemN2N columns: folder name -> (column, --variant, extra --set); joint ones train on task 0
COLUMNS = {
    "bow": ("BoW", "bow", ()),
    "pe": ("PE", "pe", ()),
    "pe_ls": ("PE LS", "pe_ls", ()),
    "pe_ls_rn": ("PE LS RN", "pe_ls_rn", ()),
    "joint_1hop_pe_ls": ("1 hop PE LS joint", "joint", ("hops=1", "random_noise=0.0")),
    "joint_2hops_pe_ls": ("2 hops PE LS joint", "joint", ("hops=2", "random_noise=0.0")),
    "joint_3hops_pe_ls": ("3 hops PE LS joint", "joint", ("random_noise=0.0",)),
    "joint": ("PE LS RN joint", "joint", ()),
    "joint_pe_ls_lw": ("PE LS LW joint", "joint", ("tying=layerwise", "random_noise=0.0")),
}
DATA_SETS = {"1k": "en", "10k": "en-10k"}
TABLE2 = "Table 2 (Sukhbaatar et al. 2015), language models"
TEXT8 = Experiment("memn2n", "text8_paper", (), TABLE2, "Text8, best model (500 hidden, 7 hops, memory 100)",
                   skip="no Text8 loader: train_lm.py reads Penn Treebank only")


def _missing(data_set: str, task: int) -> str:
    """Why a bAbI run cannot start here ('' when its training files are in the data folder)."""
    from common.data import data_dir
    folder = f"babi/tasks_1-20_v1-2/{data_set}"
    for t in (range(1, 21) if task == 0 else (task,)):
        if not any((data_dir()[0] / folder).glob(f"qa{t}_*_train.txt")):
            return f"the data folder has no training file of task {t} in {folder}/"
    return ""


def _babi(name: str, group: str, data_set: str, task: int, argv: tuple[str, ...]) -> Experiment:
    return Experiment("memn2n", name, (("papers.memn2n.train", *argv, "--run-dir", RUN_DIR),),
                      group, "all 20 tasks (joint)" if task == 0 else f"task {task}",
                      metric="summary.json:test_error_pct", skip=_missing(data_set, task))


def _table_runs(budget: str) -> list[Experiment]:
    """The bAbI tables reproduce.py runs at the cpu and smoke budgets, with its run dirs and arguments."""
    out = []
    names = list(TABLES) if budget == "cpu" else ["1k_pe_ls_rn"]
    for table in (TABLES[n] for n in names):
        for process, seed in enumerate(seeds(table, budget)):
            for task in tasks(table, budget):
                name = run_dir(Path(), table, budget, task, seed).relative_to("memn2n").as_posix()
                out.append(_babi(name, table.title, table.data_set, task, train_argv(table, budget, process, task)))
    return out


def _paper_runs() -> list[Experiment]:
    out = []
    for size, data_set in DATA_SETS.items():
        for folder, (column, variant, sets) in COLUMNS.items():
            name = f"{size}_{folder}"
            base = (table_dir(Path(), TABLES[name], "paper").relative_to("memn2n").as_posix() if name in TABLES
                    else name)
            for task in ((0,) if variant == "joint" else ALL):
                argv = ("--variant", variant, "--seed", "0", "--set", f"data_set={data_set}", "--set", f"task={task}",
                        *(a for s in sets for a in ("--set", s)))
                out.append(_babi(f"{base}/{'joint' if task == 0 else f'task{task}'}", f"{TABLE1}, {size} {column}",
                                 data_set, task, argv))
    return out


def experiments(budget: str) -> list[Experiment]:
    babi = _paper_runs() if budget == "paper" else _table_runs(budget)
    ptb = Experiment("memn2n", ptb_dir(Path(), budget).relative_to("memn2n").as_posix(),
                     (("papers.memn2n.train_lm", "--profile", budget, "--run-dir", RUN_DIR),),
                     TABLE2, f"Penn Treebank, `--profile {budget}`", metric="summary.json:test_ppl",
                     gpus=1.0 if budget == "paper" else 0.0)
    return babi + [ptb] + ([] if budget == "cpu" else [TEXT8])
