"""`make reproduce`: run each paper's CPU-scale reproduction in turn and write results/.

A paper takes part once it has `papers/<paper>/reproduce.py` with

    def main(budget: str, results_dir: pathlib.Path) -> str:
        '''Run (or resume) this paper's reproduction at `budget` ("cpu" or "paper"), write its
        tables and plots under results_dir, and return its Markdown section for the report.'''

Papers without one are listed as "not yet reproduced". Usage:
    python -m common.reproduce [--papers memn2n dqn] [--budget cpu|paper] [--results results]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import time
import traceback
from pathlib import Path

from common.run import versions

PAPERS = ("dqn", "a3c", "memn2n", "nas", "slac")
TITLES = {
    "dqn": "DQN (Mnih et al. 2013, 2015)",
    "a3c": "Asynchronous methods / A3C (Mnih et al. 2016)",
    "memn2n": "End-To-End Memory Networks (Sukhbaatar et al. 2015)",
    "nas": "Neural Architecture Search with RL (Zoph & Le 2017)",
    "slac": "Stochastic Latent Actor-Critic (Lee et al. 2020)",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m common.reproduce", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", nargs="*", default=list(PAPERS), choices=PAPERS,
                    help="papers to run (default: all)")
    ap.add_argument("--budget", choices=["cpu", "paper"], default="cpu",
                    help="cpu: minutes-to-hours on 2 cores (default); paper: the papers' budgets")
    ap.add_argument("--results", type=Path, default=Path("results"), help="output folder")
    args = ap.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    sections, failed = [], []
    for paper in args.papers:
        title = TITLES[paper]
        if importlib.util.find_spec(f"papers.{paper}.reproduce") is None:
            print(f"[reproduce] {paper}: not yet reproduced (no papers/{paper}/reproduce.py)", flush=True)
            sections.append(f"## {title}\n\nNot yet reproduced in this repository.\n")
            continue
        print(f"[reproduce] {paper}: starting (budget {args.budget})", flush=True)
        t0 = time.time()
        try:
            module = importlib.import_module(f"papers.{paper}.reproduce")
            body = module.main(args.budget, args.results / paper)
            sections.append(f"## {title}\n\n{body}\n\n_Wall time of this invocation: "
                            f"{time.time() - t0:.0f} s._\n")
        except Exception:  # noqa: BLE001 -- one paper's failure must not hide the others
            traceback.print_exc()
            failed.append(paper)
            sections.append(f"## {title}\n\n**FAILED** in this invocation; see the log. Re-running "
                            f"`make reproduce PAPERS={paper}` resumes it.\n")
    v = versions()
    report = ["# Reproduction report", "",
              f"Budget: `{args.budget}`. Commit `{v['git_commit']}`"
              f"{' (with uncommitted changes)' if v['git_dirty'] else ''}. "
              f"TensorFlow {v['tensorflow']}, Keras {v['keras']}, Python {v['python']}.", ""]
    (args.results / "REPORT.md").write_text("\n".join(report + sections))
    print(f"[reproduce] wrote {args.results / 'REPORT.md'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
