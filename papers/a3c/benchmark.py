"""Mnih et al. 2016 (A3C): throughput of the actor-learner threads on this machine.

    python -m papers.a3c.benchmark [--threads 1 2 4 8 16] [--seconds 20] [--out results/a3c]

For each thread count, A3C FF learns on Pong (the real training code: sync, act, update) for
a warm-up then `--seconds`; prints env frames/s and where the threads' time goes:
  env      ALE emulation + preprocessing (common/atari.py)
  forward  the single-state policy forward passes that choose actions (tf.function, theta')
  update   the rollout's forward/backward pass + shared RMSProp apply
  sync     theta' <- theta (a read of the global variables)
Shares are of the threads' summed time; with 2 cores and the interpreter lock, time a thread
spends waiting for the lock is counted in whatever call it is waiting in. Also measures whether
`ale.act` releases the interpreter lock (two threads stepping two emulators).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

import numpy as np

from common.config import build
from common.errors import run_main
from common.seeding import seed_everything
from papers.a3c.config import PROFILES, A3CConfig


def ale_act_scaling(n: int = 50_000, repeats: int = 3) -> dict[str, float]:
    """ale.act calls/s with one thread and with two threads on two emulators, alternated
    `repeats` times; the best of each (the machine is shared, so single runs are noisy)."""
    from common.atari import AtariEnv
    envs = [AtariEnv("pong", seed=i) for i in range(2)]
    for e in envs:
        e.reset()

    def act(e):
        ale = e.ale
        for _ in range(n):
            ale.act(0)
            if ale.game_over():
                ale.reset_game()

    one = two = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        act(envs[0])
        one = max(one, n / (time.perf_counter() - t))
        threads = [threading.Thread(target=act, args=(e,)) for e in envs]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        two = max(two, 2 * n / (time.perf_counter() - t))
    return {"ale_act_per_s_1_thread": round(one), "ale_act_per_s_2_threads": round(two)}


def call_costs(repeats: int = 3, n: int = 300) -> dict[str, float]:
    """Milliseconds per call, one thread (best of `repeats`): what one agent step and one
    update cost, and how much of a forward pass is TensorFlow's per-call overhead."""
    import tensorflow as tf

    from papers.a3c.agent import Learner
    from papers.a3c.envs import make_task
    cfg = build(A3CConfig, PROFILES, "cpu")[0]
    task = make_task(cfg, 0)
    learner = Learner(cfg, task.obs_shape, task.n_actions)
    theta, s = learner.sync(), task.reset()[None]
    obs = np.repeat(s, cfg.t_max + 1, axis=0)
    a, r = np.zeros(cfg.t_max, np.int32), np.zeros(cfg.t_max, np.float32)
    trivial = tf.function(lambda x: x + 1).get_concrete_function(tf.TensorSpec(s.shape, tf.uint8))
    traced = tf.function(learner._forward, reduce_retracing=True)
    eager_model = learner.model
    calls = {
        "env_step (4 frames + preprocessing)": lambda: task.step(0),
        "trivial TF call (x + 1)": lambda: trivial(s),
        "forward, eager model(x)": lambda: eager_model(s)[0].numpy(),
        "forward, tf.function (argument matching)": lambda: traced(theta, s, [])[0].numpy(),
        "forward, concrete function (used)": lambda: learner.act(theta, s, [])[0].numpy(),
        "sync theta' <- theta": lambda: learner.sync(),
        f"update (t_max={cfg.t_max} rollout, fwd+bwd+RMSProp, lr 0)": lambda: learner.train(theta, obs, a, r, False, [], 0.0).numpy(),
    }
    out = {}
    for name, fn in calls.items():
        fn()
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(n if "update" not in name else n // 5):
                fn()
            best = min(best, (time.perf_counter() - t) / (n if "update" not in name else n // 5))
        out[name] = round(best * 1e3, 3)
    return out


def gil_verdict(ratio: float) -> str:
    """What the two-emulator speed-up says about ale.act and the interpreter lock (2 cores)."""
    if ratio < 1.15:
        return "no gain: ale.act holds the interpreter lock"
    if ratio > 1.6:
        return "ale.act releases the interpreter lock"
    return "inconclusive on a shared machine"


def measure(learner, cfg, seeds, n_threads: int, warmup_s: float, seconds: float) -> dict:
    from papers.a3c.train import start_workers, stop_workers, timing_shares
    cfg_n = build(A3CConfig, {"x": PROFILES["cpu"]}, "x", {"threads": n_threads})[0]
    stop = threading.Event()
    workers = start_workers(learner, cfg_n, seeds, cfg.lr, stop.is_set, lambda *a: None)
    time.sleep(warmup_s)
    for w in workers:
        w.seconds.clear()
    f0, t0 = learner.frames, time.perf_counter()
    time.sleep(seconds)
    f1, t1 = learner.frames, time.perf_counter()
    stop_workers(workers, stop)
    return {"threads": n_threads, "env_frames_per_s": round((f1 - f0) / (t1 - t0), 1), **timing_shares(workers)}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m papers.a3c.benchmark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    ap.add_argument("--seconds", type=float, default=20.0, help="measured seconds per thread count")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    ap.add_argument("--out", type=Path, default=None, help="folder for benchmark.json")
    ap.add_argument("--calls-only", action="store_true",
                    help="only the per-call costs (one thread, seconds): writes call_costs.json")
    args = ap.parse_args(argv)
    if args.calls_only:
        costs = call_costs()
        for name, ms in costs.items():
            print(f"{ms:8.3f} ms  {name}")
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "call_costs.json").write_text(json.dumps(costs, indent=2) + "\n")
        return costs
    from papers.a3c.agent import Learner
    from papers.a3c.envs import make_task
    cfg = build(A3CConfig, PROFILES, "cpu")[0]
    seeds = seed_everything(0)
    probe = make_task(cfg, 0)
    learner = Learner(cfg, probe.obs_shape, probe.n_actions)
    rows = [measure(learner, cfg, seeds, n, args.warmup, args.seconds) for n in args.threads]
    base = rows[0]["env_frames_per_s"]
    print("threads | env frames/s | x 1 thread | env | forward | update | sync")
    for r in rows:
        r["speedup"] = round(r["env_frames_per_s"] / base, 2)
        print(f"{r['threads']:7d} | {r['env_frames_per_s']:12.0f} | {r['speedup']:10.2f} | "
              + " | ".join(f"{r.get('share_' + k, 0.0):.2f}" for k in ("env", "forward", "update", "sync")))
    gil = ale_act_scaling()
    ratio = gil["ale_act_per_s_2_threads"] / gil["ale_act_per_s_1_thread"]
    print(f"ale.act calls/s: 1 thread {gil['ale_act_per_s_1_thread']:,}, 2 threads on 2 emulators "
          f"{gil['ale_act_per_s_2_threads']:,} (x{ratio:.2f}; {gil_verdict(ratio)})")
    result = {"rows": rows, **gil, "measured_seconds": args.seconds, "cpu_count": os.cpu_count()}
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "benchmark.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    run_main(main)
