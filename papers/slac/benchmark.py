"""Speed of SLAC's parts (Lee et al. 2020) on this machine: rendered frames/s of the DM Control
factory, and seconds per latent-model update and per actor-critic update at the paper's batch
sizes (32 sequences of 8+1 frames; 256 sequences) and at the `cpu` profile's, in float32 and
with bf16 convolutions. Prints one JSON object; never asserts a speed.

    python -m papers.slac.benchmark [--updates 5] [--out results/slac/benchmark.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np

from common import dmc
from common.errors import run_main
from papers.slac.config import PROFILES, SlacConfig, action_repeat


def render_fps(task: str, frames: int) -> dict:
    out = {}
    for mode in dmc.RENDER_MODES:
        with dmc.make(task, seed=0, repeat=action_repeat(task), render=mode) as env:
            env.reset()
            out[f"render_fps_{mode}"] = env.render_benchmark(frames)
            t0 = time.perf_counter()
            for _ in range(frames // 4):
                env.step(np.zeros(env.action_spec.shape))
            out[f"agent_steps_per_s_{mode}"] = (frames // 4) / (time.perf_counter() - t0)
    return out


def update_seconds(cfg, updates: int) -> dict:
    """Median wall time of `updates` model and actor-critic updates on random data (after a
    warm-up call that traces the tf.functions)."""
    import tensorflow as tf

    from papers.slac.agent import SlacAgent
    agent = SlacAgent(cfg, 1, 0)
    rng = np.random.default_rng(0)
    window, size = cfg.sequence_length + 1, cfg.image_size

    def batch(n):
        return (tf.constant(rng.integers(0, 256, (n, window, size, size, 3), dtype=np.uint8)),
                tf.constant(rng.uniform(-1, 1, (n, window, 1)).astype(np.float32)),
                tf.constant(rng.uniform(0, 1, (n, window)).astype(np.float32)),
                tf.ones((n, window)))

    def timed(fn, args):
        fn(*args)  # trace
        times = []
        for _ in range(updates):
            t0 = time.perf_counter()
            out = fn(*args)
            float(next(iter(out.values())))
            times.append(time.perf_counter() - t0)
        return float(np.median(times))

    return {"model_update_s": timed(agent.update_model, batch(cfg.model_batch_size)[:3]),
            "actor_critic_update_s": timed(agent.update_actor_critic, batch(cfg.ac_batch_size))}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m papers.slac.benchmark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--updates", type=int, default=5, help="timed updates per setting")
    ap.add_argument("--frames", type=int, default=400, help="rendered frames per mode")
    ap.add_argument("--task", default="cartpole_swingup")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args(argv)
    paper = SlacConfig(task=args.task)
    cpu = dataclasses.replace(paper, **{k: v for k, v in PROFILES["cpu"].overrides.items()
                                        if k in ("model_batch_size", "ac_batch_size")})
    result = {"task": args.task, "load_average_1min_at_start": os.getloadavg()[0],
              **render_fps(args.task, args.frames)}
    for name, cfg in (("paper_batch", paper), ("cpu_batch", cpu)):
        for dtype in ("float32", "mixed_bfloat16"):
            times = update_seconds(dataclasses.replace(cfg, compute_dtype=dtype), args.updates)
            result.update({f"{k}_{name}_{dtype}": v for k, v in times.items()})
            result[f"batches_{name}"] = [cfg.model_batch_size, cfg.ac_batch_size]
            print(json.dumps({"setting": f"{name} {dtype}", **times}), flush=True)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return result


if __name__ == "__main__":
    run_main(main)
