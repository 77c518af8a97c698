"""Reproduce End-To-End Memory Networks (Sukhbaatar et al. 2015): Table 1 (bAbI) and the PTB model.

`make reproduce` calls `run(budget, runs_root)` then `report(budget, runs_root, results_dir)`
(see common/report.py); by hand:

    python -m papers.memn2n.reproduce                       # everything at the cpu budget
    python -m papers.memn2n.reproduce --tables 1k_pe_ls_rn  # run (or resume) one table only
    python -m papers.memn2n.reproduce --report-only         # tables and plots from existing runs

Runs live in runs/memn2n/<table>/task<t> (re-running skips finished ones, resumes the rest;
tables the cpu budget reduces get their own <table>-paper/ folder at the paper budget).
From their summary.json / metrics.csv, papers/memn2n/report.py writes, under results/memn2n/:
per-table CSVs next to the paper's columns (papers/memn2n/published/), bar charts ours vs
paper, the PTB learning curve, evidence.json, and the results block of papers/memn2n/README.md.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS_ROOT = ROOT / "runs"
PUBLISHED = Path(__file__).with_name("published")
README = Path(__file__).with_name("README.md")
PASS_PCT = 5.0


@dataclass(frozen=True)
class Table:
    name: str
    data_set: str
    variant: str
    tasks: tuple[int, ...]
    paper_column: str          # variant name in published/memn2n_babi_1k.csv ("" = none per task)
    paper_mean: float
    title: str
    sets: tuple[str, ...] = ()  # extra --set KEY=VALUE of an ablation
    cpu_sets: tuple[str, ...] = ()  # reductions at the cpu budget (declared deviations, see README)
    cpu_seeds: tuple[int, ...] = (0,)  # processes per task at the cpu budget; their repeats are pooled
    cpu_repeats: tuple[int, ...] = ()  # repeats of each of those processes (default: the config's 10)


ALL = tuple(range(1, 21))
TABLES = {
    "1k_pe_ls_rn": Table("1k_pe_ls_rn", "en", "pe_ls_rn", ALL, "REPRO facebook Matlab code PE LS RN (vinhkhuc run)",
                         13.9, "bAbI 1k, PE LS RN, single task (Table 1)"),
    "1k_bow": Table("1k_bow", "en", "bow", ALL, "MemN2N BoW (3 hops, adjacent)", 25.1, "bAbI 1k, BoW (Table 1)"),
    "1k_pe": Table("1k_pe", "en", "pe", ALL, "MemN2N PE (3 hops)", 20.3, "bAbI 1k, PE (Table 1)"),
    "1k_joint": Table("1k_joint", "en", "joint", (0,), "MemN2N PE LS RN joint (3 hops)", 12.4,
                      "bAbI 1k, PE LS RN joint (Table 1)", cpu_seeds=(0, 1, 2), cpu_repeats=(3, 3, 4)),
    "1k_pe_ls_rn_paper_pe": Table("1k_pe_ls_rn_paper_pe", "en", "pe_ls_rn", ALL,
                                  "REPRO facebook Matlab code PE LS RN (vinhkhuc run)", 13.9,
                                  "Ablation: bAbI 1k, PE LS RN with the paper's PE formula (Sec. 4.1)",
                                  ("pe_formula=paper",)),
    "10k_pe_ls_rn": Table("10k_pe_ls_rn", "en-10k", "pe_ls_rn", tuple(t for t in ALL if t != 3), "", 6.6,
                          "bAbI 10k, PE LS RN, single task (Table 1, 19 of 20 tasks)", cpu_sets=("repeats=3",)),
    "10k_pe_ls_rn_short": Table("10k_pe_ls_rn_short", "en-10k", "pe_ls_rn", tuple(t for t in ALL if t != 3), "", 6.6,
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


def run_dir(runs_root: Path, table: Table, budget: str, task: int, seed: int = 0) -> Path:
    return table_dir(runs_root, table, budget) / (("joint" if task == 0 else f"task{task}") +
                                                  (f"-seed{seed}" if seed else ""))


def ptb_dir(runs_root: Path, budget: str) -> Path:
    return Path(runs_root) / "memn2n" / f"ptb_{budget}"


def seeds(table: Table, budget: str) -> tuple[int, ...]:
    return table.cpu_seeds if budget == "cpu" else (0,)


def run_table(table: Table, budget: str, runs_root: Path = RUNS_ROOT, only_tasks=None) -> None:
    """Run (or resume, or skip when finished) every task of a table (or `only_tasks`), one after the other."""
    from papers.memn2n import train
    for i, seed in enumerate(seeds(table, budget)):
        for task in only_tasks or tasks(table, budget):
            argv = ["--variant", table.variant, "--run-dir", str(run_dir(runs_root, table, budget, task, seed)),
                    "--seed", str(seed), "--set", f"data_set={table.data_set}", "--set", f"task={task}"]
            if budget == "smoke":
                argv += ["--profile", "smoke"]
            sets = table.sets + (table.cpu_sets if budget == "cpu" else ())
            if budget == "cpu" and table.cpu_repeats:
                sets += (f"repeats={table.cpu_repeats[i]}",)
            for item in sets:
                argv += ["--set", item]
            train.main(argv)


def run(budget: str = "cpu", runs_root: Path = RUNS_ROOT, tables=None, lm: bool = True) -> None:
    """Every bAbI table, then the PTB language model (common/report.py contract)."""
    for name in tables if tables is not None else TABLES:
        run_table(TABLES[name], budget, runs_root)
    if lm:
        from papers.memn2n import train_lm
        train_lm.main(["--profile", budget, "--run-dir", str(ptb_dir(runs_root, budget))])


def report(budget: str = "cpu", runs_root: Path = RUNS_ROOT, results_dir: Path | None = None):
    """Tables, plots, evidence.json and the README block from the runs -> common.report.Section."""
    from common.report import budget_results
    from papers.memn2n import report as tables
    results_dir = Path(results_dir or budget_results(ROOT / "results", budget) / "memn2n")
    return tables.write(budget, Path(runs_root), results_dir, readme=README if budget == "cpu" else None)


def _cli() -> None:
    ap = argparse.ArgumentParser(prog="python -m papers.memn2n.reproduce", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    from common.report import BUDGETS
    ap.add_argument("--budget", choices=BUDGETS, default="cpu")
    ap.add_argument("--tables", nargs="*", choices=list(TABLES), default=None,
                    help="bAbI tables to run (default: all)")
    ap.add_argument("--no-lm", action="store_true", help="skip the PTB language model")
    ap.add_argument("--report-only", action="store_true", help="no training: tables and plots from the runs")
    ap.add_argument("--runs", type=Path, default=RUNS_ROOT, help="folder holding memn2n/ (default: runs/)")
    ap.add_argument("--results", type=Path, default=None)
    ns = ap.parse_args()
    if not ns.report_only:
        run(ns.budget, ns.runs, ns.tables, lm=not ns.no_lm)
    section = report(ns.budget, ns.runs, ns.results)
    print(f"{section.status}: {section.headline}")


if __name__ == "__main__":
    from common.errors import run_main
    run_main(lambda argv: _cli())
