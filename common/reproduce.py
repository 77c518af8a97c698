"""`make reproduce`: run the selected papers' reproductions, then rebuild results/REPORT.md.

    python -m common.reproduce [--papers memn2n dqn] [--budget cpu|paper|smoke] [--runs runs] [--results results]

Budgets cpu and smoke: each paper's `papers/<paper>/reproduce.py: run(budget, runs_root)` in
turn trains, resumes or skips what is finished (so an interrupted `make reproduce` continues
where it stopped); a paper that fails is reported and the others go on.
Budget paper: the papers' whole experiment lists (`papers/<paper>/experiments.py`: the games,
tasks, columns and seeds of their tables) as Ray tasks through `common.launch`, on a new Ray on
this machine or on the cluster RAY_ADDRESS names; no time limit per invocation, finished runs
skipped, the others resumed, a failing run retried a few times and then recorded.
Then `common.report` rebuilds the selected papers' sections of the report from their run
directories; the papers not selected keep their saved sections (results/<paper>/report_section.json).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

from common import launch, report
from common.errors import as_user_error


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m common.reproduce", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", nargs="*", default=list(report.PAPERS), choices=report.PAPERS,
                    help="papers to run and re-report (default: all); the report always covers all five")
    ap.add_argument("--budget", choices=report.BUDGETS, default="cpu",
                    help="cpu: minutes-to-hours on 2 cores (default); paper: the papers' tables at their "
                         "budgets, as Ray tasks (common/launch.py; RAY_ADDRESS=... for a cluster); smoke: "
                         "every step at toy size in minutes, to check the pipeline (results/smoke/)")
    ap.add_argument("--runs", type=Path, default=Path(os.environ.get("REPRO_RUNS_DIR", report.ROOT / "runs")),
                    help="folder of the run directories (default: runs/)")
    ap.add_argument("--results", type=Path, default=report.ROOT / "results", help="output folder")
    args = ap.parse_args(argv)
    args.runs.mkdir(parents=True, exist_ok=True)
    if args.budget == "paper":
        failed = launch.sweep(launch.experiments(args.papers, "paper"), args.runs)
        report.build(args.budget, args.runs, args.results, papers=args.papers)
        return 1 if failed else 0
    failed = []
    for i, paper in enumerate(args.papers, 1):
        print(f"[reproduce] ({i}/{len(args.papers)}) {paper}: running at budget {args.budget} "
              f"(finished parts are skipped, interrupted ones resumed)", flush=True)
        t0 = time.time()
        try:
            importlib.import_module(f"papers.{paper}.reproduce").run(args.budget, args.runs)
        except Exception as e:  # noqa: BLE001 -- one paper's failure must not hide the others
            user_error = as_user_error(e)
            if user_error is not None:
                print(f"error: {user_error}", file=sys.stderr, flush=True)   # the user's to fix: one line
            else:
                traceback.print_exc()                                        # a bug: its traceback
            failed.append(paper)
            print(f"[reproduce] {paper}: FAILED after {time.time() - t0:.0f} s; `make reproduce PAPERS={paper}` "
                  f"resumes it", flush=True)
            continue
        print(f"[reproduce] {paper}: done in {time.time() - t0:.0f} s", flush=True)
    report.build(args.budget, args.runs, args.results, papers=args.papers)
    if failed:
        print(f"[reproduce] failed: {' '.join(failed)} (their report sections show their last saved state)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    from common.errors import run_main
    run_main(main)
