"""Reproduce End-To-End Memory Networks (Sukhbaatar et al. 2015): Table 1 (bAbI) and the PTB model.

`run(budget, runs_root)` trains every table of papers/memn2n/tables.py, task after task (a
finished run is skipped, an interrupted one resumed), then the PTB language model (Sec. 5) at the
budget's profile. papers/memn2n/report.py builds the paper's section of the report from the runs.

    python -m papers.memn2n.reproduce                       # everything at the cpu budget
    python -m papers.memn2n.reproduce --tables 1k_pe_ls_rn  # run (or resume) one table only
    python -m papers.memn2n.reproduce --report-only         # tables and plots from existing runs
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common.report import BUDGETS, ROOT, budget_results
from papers.memn2n.tables import TABLES, Table, ptb_dir, run_dir, seeds, tasks, train_argv

RUNS_ROOT = ROOT / "runs"


def run_table(table: Table, budget: str, runs_root: Path = RUNS_ROOT) -> None:
    """Run (or resume, or skip when finished) every task of a table, one after the other."""
    from papers.memn2n import train
    for process, seed in enumerate(seeds(table, budget)):
        for task in tasks(table, budget):
            train.main([*train_argv(table, budget, process, task),
                        "--run-dir", str(run_dir(runs_root, table, budget, task, seed))])


def run(budget: str = "cpu", runs_root: Path = RUNS_ROOT, tables=None, lm: bool = True) -> None:
    """Every bAbI table (or those named), then the PTB language model."""
    for name in tables if tables is not None else TABLES:
        run_table(TABLES[name], budget, runs_root)
    if lm:
        from papers.memn2n import train_lm
        train_lm.main(["--profile", budget, "--run-dir", str(ptb_dir(runs_root, budget))])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m papers.memn2n.reproduce", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", choices=BUDGETS, default="cpu")
    ap.add_argument("--tables", nargs="*", choices=list(TABLES), default=None,
                    help="bAbI tables to run (default: all)")
    ap.add_argument("--no-lm", action="store_true", help="skip the PTB language model")
    ap.add_argument("--report-only", action="store_true", help="no training: tables and plots from the runs")
    ap.add_argument("--runs", type=Path, default=RUNS_ROOT, help="folder holding memn2n/ (default: runs/)")
    ap.add_argument("--results", type=Path, default=None)
    ns = ap.parse_args(argv)
    if not ns.report_only:
        run(ns.budget, ns.runs, ns.tables, lm=not ns.no_lm)
    from papers.memn2n.report import section
    s = section(ns.budget, ns.runs, ns.results or budget_results(ROOT / "results", ns.budget) / "memn2n")
    print(f"{s.status}: {s.headline}")


if __name__ == "__main__":
    from common.errors import run_main
    run_main(main)
