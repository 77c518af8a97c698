"""Speed and memory of our DQN (Mnih et al. 2015 settings) on this machine. Prints numbers; asserts
nothing (targets from the issue: whole loop >= 1,000 env frames/s on 2 cores, replay <= 7,200
bytes per transition).

    python -m papers.dqn.benchmark [--game pong] [--loop-steps 4000] [--json out.json]

  replay bytes/transition  ReplayMemory at Nature size (1M transitions; arrays allocated lazily)
  train updates/s          the isolated update (batch 32: target forward, online forward/backward,
                           DeepMind RMSProp), replay sampling excluded
  act latency (ms)         one greedy action through the concrete tf.function
  loop env frames/s        the whole training loop at Nature settings after replay start
                           (eps-greedy acting, env step, replay add, one update per 4 agent steps)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def measure(game: str = "pong", loop_steps: int = 4_000, precision: str = "mixed_bfloat16",
            train_updates: int = 200, act_calls: int = 500) -> dict:
    from common.config import apply_overrides
    from papers.dqn.agent import DQNAgent
    from papers.dqn.config import NatureConfig
    from papers.dqn.envs import make_env
    from papers.dqn.replay import ReplayMemory

    cfg = apply_overrides(NatureConfig(), {"env": game, "precision": precision})
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
        agent.train_step(batches[i % len(batches)])
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
    elapsed = time.perf_counter() - t0
    out["loop_env_frames_per_s"] = round((env.frames - frames0) / elapsed, 1)
    out["loop_agent_steps_per_s"] = round(loop_steps / elapsed, 1)
    env.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.dqn.benchmark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--game", default="pong")
    ap.add_argument("--loop-steps", type=int, default=4_000, help="agent steps of the loop test")
    ap.add_argument("--precision", default="mixed_bfloat16", choices=["mixed_bfloat16", "float32"])
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args(argv)
    result = measure(args.game, args.loop_steps, args.precision)
    for key, value in result.items():
        print(f"{key:32s} {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
