"""Zoph & Le 2017: child evaluations per hour on this machine with 1 and 2 Ray workers.

    python -m papers.nas.benchmark [--children 8] [--profile cpu] [--out results/nas/benchmark.json]

The same fixed list of random CIFAR-10 children (profile `cpu`: the CPU-scale child) is trained
through the search's own `ChildPool` (Ray tasks) with 1 and then 2 workers. Ray's start-up (and
each worker's first TensorFlow import) is timed separately and left out of the rate: a search
pays it once. Prints one line per setting and writes a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from common.config import build
from common.errors import run_main
from papers.nas.config import PROFILES, NASConfig
from papers.nas.search_space import random_actions, task_steps
from papers.nas.train import ChildPool, load_task_data


def measure(cfg, data, archs, workers: int) -> dict:
    t0 = time.time()
    pool = ChildPool(cfg, data, workers)
    for k in range(workers):                  # warm-up: start the workers, import TF, one child each
        pool.submit(-1 - k, archs[0], 0)
    for _ in range(workers):
        pool.next_result()
    startup = time.time() - t0
    t1 = time.time()
    queue = list(enumerate(archs))
    done, failed = 0, 0
    while queue or done < len(archs):
        while queue and pool.free > 0:
            index, actions = queue.pop(0)
            pool.submit(index, actions, index)
        _, _, result = pool.next_result()
        done += 1
        failed += result["status"] != "ok"
    wall = time.time() - t1
    pool.close()
    return {"workers": workers, "children": len(archs), "failed": failed, "wall_s": round(wall, 1),
            "startup_s": round(startup, 1), "evals_per_hour": round(3600.0 * len(archs) / wall, 1)}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="papers.nas.benchmark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--children", type=int, default=8, help="children timed per setting")
    ap.add_argument("--profile", default="cpu", choices=list(PROFILES))
    ap.add_argument("--out", type=Path, default=None, help="JSON summary path")
    args = ap.parse_args(argv)
    cfg, _ = build(NASConfig, PROFILES, args.profile)
    data = load_task_data(cfg)
    rng = np.random.default_rng(0)
    archs = [random_actions(task_steps(cfg, 0), rng) for _ in range(args.children)]
    rows = []
    for workers in (1, 2):
        row = measure(cfg, data, archs, workers)
        print(f"[nas benchmark] {workers} Ray worker(s): {row['evals_per_hour']:.0f} child evaluations/hour "
              f"({row['children']} children in {row['wall_s']} s; start-up {row['startup_s']} s)", flush=True)
        rows.append(row)
    summary = {"profile": args.profile, "child": f"{cfg.child_epochs} epochs, {cfg.train_size} train / "
               f"{cfg.val_size} val images at {cfg.image_size}x{cfg.image_size}", "settings": rows}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


if __name__ == "__main__":
    run_main(main)
