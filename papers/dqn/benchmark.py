"""Speed and memory of our DQN (Mnih et al. 2015 settings) on this machine. Prints numbers; asserts
nothing (targets: whole loop >= 1,000 env frames/s on 2 cores, replay <= 7,200 bytes per
transition, a 1M-transition replay checkpoint saved in <= 60 s and loaded at a peak of <= 1.5x its
size in RAM).

    python -m papers.dqn.benchmark [--game pong] [--loop-steps 4000] [--json out.json]
    python -m papers.dqn.benchmark --replay-only [--replay-dir /tmp] [--json out.json]
    python -m papers.dqn.benchmark --xla [--network nature] [--json out.json]

  replay bytes/transition  ReplayMemory at Nature size (1M transitions; arrays allocated lazily)
  train updates/s          the isolated update (batch 32: target forward, online forward/backward,
                           DeepMind RMSProp), replay sampling excluded
  act latency (ms)         one greedy action through the concrete tf.function
  loop env frames/s        the whole training loop at Nature settings after replay start
                           (eps-greedy acting, env step, replay add, one update per 4 agent steps)
  XLA (--xla, measure_xla()): the isolated update as a plain graph and through XLA
                           (jit_compile=True), alternating blocks of updates from the same
                           weights on the same batches; updates/s of each and the largest
                           weight difference after the same updates (0 = bit-identical)
  replay checkpoint (--replay-only, or measure_replay_checkpoint()):
    replay_size_gb_1m            the arrays of a full Nature replay (1M transitions), in GB
    replay_save_seconds_1m       ReplayMemory.save of that memory, filled with random data
    replay_load_peak_rss_gb_1m   peak resident memory of a fresh process (Python, numpy, the
                                 memory's arrays) that runs ReplayMemory.load of it, in GB: the
                                 whole process, nothing subtracted
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common.errors import run_main

NATURE_CAPACITY = 1_000_000    # Mnih 2015, Ext. Data Table 1 'replay memory size', transitions


def measure(game: str = "pong", loop_steps: int = 4_000, precision: str = "mixed_bfloat16",
            train_updates: int = 200, act_calls: int = 500) -> dict:
    from common.config import apply_overrides
    from common.precision import set_precision
    from papers.dqn.agent import DQNAgent
    from papers.dqn.config import NatureConfig
    from papers.dqn.envs import make_env
    from papers.dqn.replay import ReplayMemory

    cfg = apply_overrides(NatureConfig(), {"env": game, "precision": precision})
    set_precision(precision)
    out = {"precision": precision}
    big = ReplayMemory(cfg.replay_capacity)
    out["replay_bytes_per_transition"] = big.bytes_per_transition
    out["replay_gb_at_1M"] = round(big.nbytes / 1e9, 3)
    del big

    env = make_env(cfg, 0, cfg.train_episode_frames)
    agent = DQNAgent(cfg, env.n_actions, (84, 84, 4), np.uint8)
    rng = np.random.default_rng(0)
    replay = ReplayMemory(20_000)
    frame = env.reset()
    for i in range(replay.capacity):            # fill with real frames, random policy
        step = env.step(int(rng.integers(env.n_actions)))
        replay.add(frame, 0, float(np.sign(step.reward)), step.game_over, step.game_over)
        frame = env.reset() if step.game_over else step.frame

    batches = [replay.sample(cfg.batch_size, rng) for _ in range(20)]
    for b in batches[:3]:
        agent.train_step(b)                     # warm-up
    t0 = time.perf_counter()
    for i in range(train_updates):
        loss, _ = agent.train_step(batches[i % len(batches)])
    float(loss)                                 # wait for the last update
    out["train_updates_per_s"] = round(train_updates / (time.perf_counter() - t0), 2)

    t0 = time.perf_counter()
    for _ in range(20):
        replay.sample(cfg.batch_size, rng)
    out["replay_sample_ms"] = round(1e3 * (time.perf_counter() - t0) / 20, 3)

    state = np.moveaxis(batches[0][0][0], 0, -1)      # one NHWC state
    agent.act(state, 0.0, rng)
    t0 = time.perf_counter()
    for _ in range(act_calls):
        agent.act(state, 0.0, rng)
    out["act_latency_ms"] = round(1e3 * (time.perf_counter() - t0) / act_calls, 3)

    # whole loop after replay start, epsilon at its final value 0.1
    from common.atari import FrameHistory
    history = FrameHistory(cfg.history_length)
    frame = env.reset()
    s = history.reset(frame)
    frames0 = env.frames
    t0 = time.perf_counter()
    for t in range(1, loop_steps + 1):
        a = agent.act(s, cfg.eps_end, rng)
        step = env.step(a)
        replay.add(frame, a, float(np.sign(step.reward)), step.game_over, step.game_over)
        if step.game_over:
            frame = env.reset()
            s = history.reset(frame)
        else:
            frame = step.frame
            s = history.push(frame)
        if t % cfg.update_period == 0:
            agent.train_step(replay.sample(cfg.batch_size, rng))
    elapsed = time.perf_counter() - t0          # (acting reads every greedy action back)
    out["loop_env_frames_per_s"] = round((env.frames - frames0) / elapsed, 1)
    out["loop_agent_steps_per_s"] = round(loop_steps / elapsed, 1)
    env.close()
    return out


def measure_xla(network: str = "nature", precision: str = "float32", rounds: int = 4,
                updates: int = 40) -> dict:
    """Updates/s of the plain-graph and the XLA update, alternating `rounds` blocks of `updates`
    each, and how far the two agents' weights drift apart doing the same updates."""
    from common.config import apply_overrides
    from common.precision import set_precision
    from papers.dqn.agent import DQNAgent
    from papers.dqn.config import NatureConfig

    cfg = apply_overrides(NatureConfig(), {"network": network, "precision": precision})
    set_precision(precision)
    agents = {"graph": DQNAgent(cfg, 6, (84, 84, 4), np.uint8),
              "xla": DQNAgent(cfg, 6, (84, 84, 4), np.uint8, jit_compile=True)}
    agents["xla"].online.set_weights(agents["graph"].online.get_weights())
    agents["xla"].sync_target()
    rng = np.random.default_rng(0)
    batches = [(rng.integers(0, 256, (32, 4, 84, 84), dtype=np.uint8),
                rng.integers(0, 6, 32).astype(np.int32), rng.choice([-1.0, 0.0, 1.0], 32).astype(np.float32),
                rng.integers(0, 256, (32, 4, 84, 84), dtype=np.uint8), rng.random(32) < 0.05)
               for _ in range(8)]
    seconds = {name: 0.0 for name in agents}
    for name, agent in agents.items():
        agent.train_step(batches[0])                 # trace / compile, not timed
    for _ in range(rounds):
        for name, agent in agents.items():
            t0 = time.perf_counter()
            for i in range(updates):
                loss, _ = agent.train_step(batches[i % len(batches)])
            float(loss)
            seconds[name] += time.perf_counter() - t0
    drift = max(float(np.abs(a - b).max()) for a, b in
                zip(agents["graph"].online.get_weights(), agents["xla"].online.get_weights()))
    n = rounds * updates
    return {"xla_network": network, "xla_precision": precision,
            "graph_train_updates_per_s": round(n / seconds["graph"], 2),
            "xla_train_updates_per_s": round(n / seconds["xla"], 2),
            "xla_max_weight_difference": drift, "xla_updates_compared": n + 1,
            "xla_load_average_1min": round(os.getloadavg()[0], 2)}


def measure_replay_checkpoint(folder: Path | None = None, capacity: int = NATURE_CAPACITY,
                              seed: int = 0) -> dict:
    """Save a full, wrapped replay memory of `capacity` random transitions into a new temporary
    directory under `folder` (default: the system's temp dir; deleted afterwards) and load it
    back in a fresh Python process. The keys say 1m: the Nature capacity, the default."""
    from papers.dqn.replay import ReplayMemory

    memory = ReplayMemory(capacity)
    rng = np.random.default_rng(seed)
    chunk = 50_000
    for lo in range(0, capacity, chunk):            # random data, as fast as numpy writes it
        hi = min(lo + chunk, capacity)
        memory.obs[lo:hi] = rng.integers(0, 256, (hi - lo,) + memory.obs_shape, np.uint8)
    memory.action[:] = rng.integers(0, 18, capacity)
    memory.reward[:] = rng.choice(np.array([-1.0, 0.0, 1.0], np.float32), capacity)
    memory.terminal[:] = rng.random(capacity) < 0.001
    memory.episode_end[:] = memory.terminal | (rng.random(capacity) < 0.0001)
    memory.cursor, memory.count = capacity // 3, capacity      # wrapped, as after 1.3M steps
    size_gb = memory.nbytes / 1e9

    tmp = Path(tempfile.mkdtemp(prefix="dqn-replay-", dir=folder))
    try:
        t0 = time.perf_counter()
        memory.save(tmp / "replay")
        save_s = time.perf_counter() - t0
        del memory                                  # the loading process gets the RAM
        # The peak is the process's VmHWM (Linux): getrusage's ru_maxrss would not do, as the
        # kernel carries the parent's peak (this process, holding the memory) over the exec.
        probe = ("import json, sys\n"
                 "from papers.dqn.replay import ReplayMemory\n"
                 "memory = ReplayMemory(int(sys.argv[1]))\n"
                 "memory.load(sys.argv[2])\n"
                 "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
                 "peak_kb = int(status.split()[0])\n"
                 "print(json.dumps({'peak_rss_gb': peak_kb * 1024 / 1e9, "
                 "'cursor': memory.cursor, 'count': memory.count}))\n")
        root = Path(__file__).resolve().parent.parent.parent
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", probe, str(capacity), str(tmp / "replay")],
                              cwd=root, capture_output=True, text=True, check=True)
        load_s = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    if (loaded["cursor"], loaded["count"]) != (capacity // 3, capacity):
        raise RuntimeError(f"the loaded replay memory has cursor/count {loaded}")
    return {"replay_size_gb_1m": round(size_gb, 3),
            "replay_save_seconds_1m": round(save_s, 1),
            "replay_load_peak_rss_gb_1m": round(loaded["peak_rss_gb"], 3),
            "replay_load_seconds_1m": round(load_s, 1),
            "replay_checkpoint_date": time.strftime("%Y-%m-%d"),
            "replay_checkpoint_load_average_1min": round(os.getloadavg()[0], 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.dqn.benchmark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--game", default="pong")
    ap.add_argument("--loop-steps", type=int, default=4_000, help="agent steps of the loop test")
    ap.add_argument("--precision", default="mixed_bfloat16", choices=["mixed_bfloat16", "float32"])
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    ap.add_argument("--replay-only", action="store_true",
                    help="only the 1M-transition replay checkpoint (needs ~7.1 GB of RAM and of "
                         "disk under --replay-dir)")
    ap.add_argument("--xla", action="store_true", help="only the plain-graph vs XLA update comparison")
    ap.add_argument("--network", default="nature", choices=["nature", "dopamine"],
                    help="network of the --xla comparison")
    ap.add_argument("--replay-dir", type=Path, default=None,
                    help="where the replay checkpoint is written (default: the system temp dir)")
    args = ap.parse_args(argv)
    if args.replay_only:
        result = measure_replay_checkpoint(args.replay_dir)
    elif args.xla:
        result = measure_xla(args.network)
    else:
        result = measure(args.game, args.loop_steps, args.precision)
    for key, value in result.items():
        print(f"{key:32s} {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    run_main(main)
