"""A tiny trainer used by the tests of common/: least squares on random data with SGD, built
exactly like a paper's train.py (config + CLI + Run + checkpoints + RNG state in the marker).

    python -m tests.common.toy_train --run-dir runs/toy --set steps=20
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from common.config import Profile, param, parse_args
from common.errors import run_main
from common.run import Run
from common.seeding import seed_everything


@dataclass(frozen=True)
class ToyConfig:
    dim: int = param(3, source="toy", unit="features")
    lr: float = param(0.1, source="toy", unit="step size")
    batch: int = param(4, source="toy", unit="examples")
    steps: int = param(12, source="toy", unit="updates")
    checkpoint_every: int = param(3, source="toy", unit="updates")
    step_sleep_s: float = param(0.0, source="toy", unit="seconds", help="slows steps for signal tests")


PROFILES = {"paper": Profile("the toy's own values"),
            "smoke": Profile("fewer steps", {"steps": 6}, {"steps": "seconds-long test"})}


def main(argv=None, stop_after: int | None = None) -> None:
    """`stop_after` simulates a crash: return (without saving) after that many updates."""
    args = parse_args(ToyConfig, PROFILES, prog="tests.common.toy_train",
                      description="toy trainer", argv=argv)
    import tensorflow as tf
    cfg = args.config
    seeds = seed_everything(args.seed, args.deterministic)
    w = tf.Variable(tf.zeros([cfg.dim]), name="w")
    updates = tf.Variable(0, dtype=tf.int64, name="updates")
    w_true = np.arange(1, cfg.dim + 1, dtype=np.float32)
    with Run(args, paper="toy", step_column="updates") as run:
        if run.is_complete:
            return
        run.track(w=w, updates=updates)
        start, state = run.restore()
        rng = seeds.generator(0)
        if state:
            rng.bit_generator.state = state["rng"]
        done_now = 0
        for step in range(start, cfg.steps):
            x = rng.normal(size=(cfg.batch, cfg.dim)).astype(np.float32)
            y = x @ w_true
            err = x @ w.numpy() - y
            loss = float(np.mean(err ** 2))
            w.assign_sub(cfg.lr * 2.0 * x.T @ err / cfg.batch)
            updates.assign_add(1)
            run.log({"updates": int(updates.numpy()), "loss": loss})
            if cfg.step_sleep_s:
                time.sleep(cfg.step_sleep_s)
            done_now += 1
            if stop_after is not None and done_now >= stop_after:
                return
            if int(updates.numpy()) % cfg.checkpoint_every == 0:
                run.save(int(updates.numpy()), state={"rng": rng.bit_generator.state})
            run.exit_if_interrupted(int(updates.numpy()), state={"rng": rng.bit_generator.state})
        run.finish({"final_loss": loss, "updates": int(updates.numpy())})


if __name__ == "__main__":
    run_main(main)
