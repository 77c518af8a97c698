"""Zoph & Le 2017: child evaluations per hour on this machine with 1 and 2 Ray workers.

    python -m papers.nas.benchmark [--children 20] [--block 4] [--profile cpu] [--out results/nas/benchmark.json]

The search's own pool (train.ChildPool: persistent Ray actors, TensorFlow loaded once with one
intra-op thread each, the data resident) is started once with 2 workers. The same fixed list of
random CIFAR-10 children (profile `cpu`: the CPU-scale child) is then trained in each setting --
1 child in flight (one worker busy) and 2 in flight -- interleaved block by block (`--block`
children per setting in turn, the order alternating between blocks), so a change of the
machine's load hits both settings alike. The pool's start-up (Ray, each worker's TensorFlow,
one warm-up child each) is timed apart: a search pays it once. Each child's record carries the
thread setting in force in its worker, its worker's process id and its start and end times,
from which the most children seen in flight at once is computed per setting. The load average
(1 minute) is printed before and after every block: numbers measured on a loaded machine only
size things. Writes a JSON summary (`--out`).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from common.config import build
from common.errors import UserError, run_main
from papers.nas.config import PROFILES, NASConfig
from papers.nas.search_space import random_actions, task_steps
from papers.nas.train import ChildPool, load_task_data

SETTINGS = (1, 2)      # children in flight (busy workers) per setting
TARGET_SPEEDUP = 1.6   # ours: 2 workers on 2 cores should give at least 1.6x one worker's rate (80% parallel
                       # efficiency); less means the workers contend for something other than the cores


def run_block(pool: ChildPool, archs: list, in_flight: int) -> tuple[float, list[dict]]:
    """Train `archs` with at most `in_flight` children at once; (wall seconds, records)."""
    t0 = time.time()
    queue, records = list(enumerate(archs)), []
    while queue or pool.busy:
        while queue and pool.busy < in_flight:
            index, actions = queue.pop(0)
            pool.submit(index, actions, index)
        records.append(pool.next_result()[2])
    return time.time() - t0, records


def max_in_flight(records: list[dict]) -> int:
    """The most children whose [started, ended] intervals overlap (their workers' clocks)."""
    events = sorted([(r["started"], 1) for r in records] + [(r["ended"], -1) for r in records])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="papers.nas.benchmark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--children", type=int, default=20, help="children timed per setting (default 20)")
    ap.add_argument("--block", type=int, default=4, help="children per setting before the other setting's turn")
    ap.add_argument("--profile", default="cpu", choices=list(PROFILES))
    ap.add_argument("--out", type=Path, default=None, help="JSON summary path")
    args = ap.parse_args(argv)
    if args.children < 1 or args.block < 1:
        raise UserError(f"--children {args.children} / --block {args.block}: both must be >= 1")
    cfg, _ = build(NASConfig, PROFILES, args.profile)
    if cfg.task != "cifar10":
        raise UserError(f"the benchmark times CIFAR-10 children; profile {args.profile} is a {cfg.task} one")
    data = load_task_data(cfg)
    rng = np.random.default_rng(0)
    archs = [random_actions(task_steps(cfg, 0), rng) for _ in range(args.children)]
    print(f"[nas benchmark] load average {load_average()} before start-up", flush=True)
    t0 = time.time()
    pool = ChildPool(cfg, data, max(SETTINGS))
    try:
        workers = pool.describe()
        for w in workers:
            print(f"[nas benchmark] worker pid {w['pid']}: threads in force {w['threads']}, Ray resources "
                  f"{w['resources']}", flush=True)
        if len(workers) < max(SETTINGS):
            raise UserError(f"Ray holds {len(workers)} child worker(s) here, the benchmark needs {max(SETTINGS)}; "
                            f"run it on a machine with at least {max(SETTINGS)} CPUs")
        run_block(pool, archs[:1] * len(workers), len(workers))        # warm-up: one child per worker
        startup = time.time() - t0
        timed = {w: {"wall_s": 0.0, "records": []} for w in SETTINGS}
        loads = [load_average()]
        for b, k in enumerate(range(0, len(archs), args.block)):
            for in_flight in (SETTINGS if b % 2 == 0 else SETTINGS[::-1]):
                wall, records = run_block(pool, archs[k:k + args.block], in_flight)
                timed[in_flight]["wall_s"] += wall
                timed[in_flight]["records"] += records
                loads.append(load_average())
                print(f"[nas benchmark] block {b + 1}, {in_flight} in flight: {len(records)} children in "
                      f"{wall:.1f} s; load average {loads[-1]}", flush=True)
    finally:
        pool.close()
    rows = []
    for in_flight, t in timed.items():
        recs = t["records"]
        rows.append({"workers": in_flight, "children": len(recs), "failed": sum(r["status"] != "ok" for r in recs),
                     "wall_s": round(t["wall_s"], 1), "startup_s": round(startup, 1),
                     "evals_per_hour": round(3600.0 * len(recs) / t["wall_s"], 1),
                     "mean_child_s": round(float(np.mean([r["seconds"] for r in recs])), 2),
                     "max_in_flight": max_in_flight(recs), "worker_pids": sorted({r["pid"] for r in recs}),
                     "threads_in_force": sorted({json.dumps(r["threads"], sort_keys=True) for r in recs})})
    by = {r["workers"]: r for r in rows}
    speedup = by[2]["evals_per_hour"] / by[1]["evals_per_hour"]
    for r in rows:
        print(f"[nas benchmark] {r['workers']} Ray worker(s): {r['evals_per_hour']:.0f} child evaluations/hour "
              f"({r['children']} children in {r['wall_s']} s; at most {r['max_in_flight']} in flight; threads "
              f"{', '.join(r['threads_in_force'])})", flush=True)
    print(f"[nas benchmark] 2 workers / 1 worker = {speedup:.2f}x (target {TARGET_SPEEDUP}x); start-up "
          f"{startup:.1f} s; load average {loads[0]} -> {loads[-1]}", flush=True)
    summary = {"profile": args.profile, "child": f"{cfg.child_epochs} epochs, {cfg.train_size} train / "
               f"{cfg.val_size} val images at {cfg.image_size}x{cfg.image_size}", "block": args.block,
               "settings": rows, "speedup_2_vs_1": round(speedup, 3), "target_speedup": TARGET_SPEEDUP,
               "load_average_1min": loads, "cpus": os.cpu_count(), "workers": workers}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


if __name__ == "__main__":
    run_main(main)
