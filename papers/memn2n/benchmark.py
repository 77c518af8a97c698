"""Throughput of End-To-End Memory Networks (Sukhbaatar et al. 2015) bAbI training on this machine.

    python -m papers.memn2n.benchmark [--task 2] [--epochs 100]
    python -m papers.memn2n.benchmark --table runs/memn2n/timing   # + the whole 1k PE LS RN table, timed

Prints training examples/s (questions per second, summed over repeats) for 1 and 10 repeats
trained together in one XLA-compiled epoch call, and the wall time of one 100-epoch
single-task run (one repeat, paper config, no run directory). With --table it also trains the
whole 1k PE LS RN table (20 tasks x 10 repeats, paper config, seed 0) into fresh run
directories and prints its wall time and mean error. Numbers depend on the load of the
machine: the 1-minute load average is printed with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np

from common.errors import run_main


def measure(task: int, repeats: int, epochs: int, xla: bool = True) -> dict:
    import tensorflow as tf

    from papers.memn2n import data, train
    from papers.memn2n.config import BabiConfig
    from papers.memn2n.networks import build_model
    cfg = dataclasses.replace(BabiConfig(), task=task, repeats=repeats, xla=xla)
    td = data.prepare(cfg, np.random.default_rng(0))
    model = build_model(cfg, td)
    fn = train.make_epoch_fn(model, cfg)
    rng = np.random.default_rng(0)
    arrays = [tf.constant(x) for x in (td.train.stories, td.train.queries, td.train.answers)]

    def one_epoch(epoch):
        linear, lr = train.phase_schedule(cfg, epoch)
        idx, times = train.sample_epoch(td, cfg, repeats, rng)
        fn(*arrays, tf.constant(idx), tf.constant(times), tf.constant(lr, tf.float32), tf.constant(linear))
        return idx.size

    t0 = time.time()
    one_epoch(1)
    compile_s = time.time() - t0
    t0, examples = time.time(), 0
    for e in range(2, epochs + 2):
        examples += one_epoch(e)
    wall = time.time() - t0
    return {"task": task, "repeats": repeats, "epochs": epochs, "memory": td.memory_size,
            "examples_per_s": examples / wall, "wall_s": wall, "compile_s": compile_s}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m papers.memn2n.benchmark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", type=int, default=2, help="bAbI task (2: full 50-sentence memory)")
    ap.add_argument("--epochs", type=int, default=100, help="epochs of the timed single-task run")
    ap.add_argument("--table", type=str, default="", help="folder for a timed run of the whole 1k PE LS RN table")
    ns = ap.parse_args(argv)
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for repeats, epochs in ((10, 10), (1, ns.epochs)):
        r = measure(ns.task, repeats, epochs)
        print(f"task {r['task']} (memory {r['memory']}), {repeats:>2} repeat(s): "
              f"{r['examples_per_s']:,.0f} examples/s; {epochs} epochs in {r['wall_s']:.1f} s "
              f"(+ {r['compile_s']:.1f} s first epoch incl. XLA compile)", flush=True)
    print(f"=> one {ns.epochs}-epoch single-task run (1 repeat): {r['wall_s'] + r['compile_s']:.1f} s wall; "
          f"load average now {os.getloadavg()[0]:.1f}")
    if ns.table:
        from papers.memn2n import train
        t0, errors = time.time(), []
        for task in range(1, 21):
            summary = train.main(["--run-dir", f"{ns.table}/task{task}", "--set", f"task={task}"])
            errors.append(summary["test_error_pct"])
        print(f"=> whole 1k PE LS RN table (20 tasks x 10 repeats, 120 epochs each): "
              f"{(time.time() - t0) / 60:.1f} min wall, mean error {np.mean(errors):.2f}%, "
              f"{sum(e > 5 for e in errors)} failed; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    run_main(main)
