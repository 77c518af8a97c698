"""The bAbI tables of the End-To-End Memory Networks reproduction (Sukhbaatar et al. 2015, Table 1):
which runs make each table, where their run directories are, and the train.py arguments of each.

A `Table` declares one column of Table 1 (or an ablation of one): its data set, its variant,
its tasks, the paper's published column and mean, and what the cpu budget changes. reproduce.py
runs the tables, report.py turns their runs into tables next to the paper's, experiments.py lists
them for `common.launch`.

Run directories: runs/memn2n/<table>/task<t> (joint: .../joint), with -seed<k> for the extra
processes of a table the cpu budget splits; a table the cpu budget reduces runs at the paper
budget in runs/memn2n/<table>-paper/; budget smoke: runs/memn2n/smoke/<table>/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: a task fails when its test error is above 5% (Table 1: "Failed tasks (err. > 5%)")
PASS_PCT = 5.0
ALL = tuple(range(1, 21))
NO_TASK_3 = tuple(t for t in ALL if t != 3)   # bAbI 10k as distributed here lacks task 3's training file


@dataclass(frozen=True)
class Table:
    name: str
    data_set: str
    variant: str
    tasks: tuple[int, ...]
    paper_column: str          # variant name in published/memn2n_babi_1k.csv or _10k.csv (by data_set)
    paper_mean: float
    title: str
    sets: tuple[str, ...] = ()  # extra --set KEY=VALUE of an ablation
    cpu_sets: tuple[str, ...] = ()  # reductions at the cpu budget (declared deviations, see README)
    cpu_seeds: tuple[int, ...] = (0,)  # processes per task at the cpu budget; their repeats are pooled
    cpu_repeats: tuple[int, ...] = ()  # repeats of each of those processes (default: the config's 10)


TABLES = {
    "1k_pe_ls_rn": Table("1k_pe_ls_rn", "en", "pe_ls_rn", ALL, "MemN2N PE LS RN (3 hops)", 13.9,
                         "bAbI 1k, PE LS RN, single task (Table 1)"),
    "1k_bow": Table("1k_bow", "en", "bow", ALL, "MemN2N BoW (3 hops, adjacent)", 25.1, "bAbI 1k, BoW (Table 1)"),
    "1k_pe": Table("1k_pe", "en", "pe", ALL, "MemN2N PE (3 hops)", 20.3, "bAbI 1k, PE (Table 1)"),
    "1k_joint": Table("1k_joint", "en", "joint", (0,), "MemN2N PE LS RN joint (3 hops)", 12.4,
                      "bAbI 1k, PE LS RN joint (Table 1)", cpu_seeds=(0, 1, 2), cpu_repeats=(3, 3, 4)),
    "1k_pe_ls_rn_paper_pe": Table("1k_pe_ls_rn_paper_pe", "en", "pe_ls_rn", ALL,
                                  "MemN2N PE LS RN (3 hops)", 13.9,
                                  "Ablation: bAbI 1k, PE LS RN with the paper's PE formula (Sec. 4.1)",
                                  ("pe_formula=paper",)),
    "10k_pe_ls_rn": Table("10k_pe_ls_rn", "en-10k", "pe_ls_rn", NO_TASK_3, "MemN2N PE LS RN (3 hops)", 6.6,
                          "bAbI 10k, PE LS RN, single task (Table 3, 19 of 20 tasks)", cpu_sets=("repeats=3",)),
    "10k_pe_ls_rn_short": Table("10k_pe_ls_rn_short", "en-10k", "pe_ls_rn", NO_TASK_3, "MemN2N PE LS RN (3 hops)", 6.6,
                                "Budget ablation: bAbI 10k, PE LS RN with a short schedule (4 LS + 20 epochs)",
                                cpu_sets=("repeats=3", "ls_epochs=4", "epochs=20", "lr_decay_every=5")),
}


def table_dir(runs_root: Path, table: Table, budget: str) -> Path:
    """runs/memn2n/<table>, or <table>-paper for a table the cpu budget reduces, run at the paper's;
    runs/memn2n/smoke/<table> at the smoke budget."""
    if budget == "smoke":
        return Path(runs_root) / "memn2n" / "smoke" / table.name
    reduced = bool(table.cpu_sets) or table.cpu_seeds != (0,)
    return Path(runs_root) / "memn2n" / (table.name + ("-paper" if budget == "paper" and reduced else ""))


def tasks(table: Table, budget: str) -> tuple[int, ...]:
    """The table's tasks; at the smoke budget only its first two (the pipeline check)."""
    return table.tasks[:2] if budget == "smoke" else table.tasks


def seeds(table: Table, budget: str) -> tuple[int, ...]:
    """The processes (their seeds) that run each task of the table."""
    return table.cpu_seeds if budget == "cpu" else (0,)


def run_dir(runs_root: Path, table: Table, budget: str, task: int, seed: int = 0) -> Path:
    return table_dir(runs_root, table, budget) / (("joint" if task == 0 else f"task{task}") +
                                                  (f"-seed{seed}" if seed else ""))


def train_argv(table: Table, budget: str, process: int, task: int) -> tuple[str, ...]:
    """`python -m papers.memn2n.train` arguments (all but --run-dir) of one run of the table:
    task `task`, process `process` (an index into seeds())."""
    sets = table.sets + (table.cpu_sets if budget == "cpu" else ())
    if budget == "cpu" and table.cpu_repeats:
        sets += (f"repeats={table.cpu_repeats[process]}",)
    return ("--variant", table.variant, "--seed", str(seeds(table, budget)[process]),
            "--set", f"data_set={table.data_set}", "--set", f"task={task}",
            *(("--profile", "smoke") if budget == "smoke" else ()), *(a for s in sets for a in ("--set", s)))


def ptb_dir(runs_root: Path, budget: str) -> Path:
    """The PTB language model's run directory (Sec. 5, Table 2)."""
    return Path(runs_root) / "memn2n" / f"ptb_{budget}"
