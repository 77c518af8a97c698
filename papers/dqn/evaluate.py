"""Evaluation of a DQN agent with the Nature protocol (Mnih et al. 2015, Methods 'Evaluation
procedure'; common/atari_eval.py, shared with A3C): epsilon 0.05, 30 games, each starting with up to
30 no-op actions, each capped at 18,000 emulator frames (5 minutes), full games (a lost life does
not end the game), raw game score (no reward clipping).

    python -m papers.dqn.evaluate --run-dir runs/dqn/cpu-seed0 [--episodes 30] [--epsilon 0.05]

restores the newest complete checkpoint of a training run and writes
<run-dir>/evaluation/eval.csv (one row per episode) and eval_summary.json.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from common import atari_eval
from common.errors import UserError, run_main
from common.run import RunDirError
from common.run import latest_checkpoint as newest_complete
from papers.dqn.envs import make_env, make_history

#: the protocol of the final score (the reports render it; LEARNING_CRITERION judges it)
PROTOCOL = atari_eval.NATURE


class NoCheckpointError(UserError, FileNotFoundError):
    """The run has no complete checkpoint yet (a FileNotFoundError too: papers/dqn/reproduce.py
    treats it as "nothing to evaluate yet")."""


def evaluate(agent, cfg, seed: int, episodes: int, epsilon: float,
             max_episode_frames: int | None = None) -> list[dict]:
    """Play `episodes` full games with epsilon-greedy actions; returns one row per episode."""
    env = make_env(cfg, seed, max_episode_frames or cfg.eval_episode_frames)
    history = make_history(cfg)
    rng = np.random.default_rng(seed)
    rows = []
    for episode in range(episodes):
        state = history.reset(env.reset())
        start_frames, steps = env.frames, 0
        while True:
            step = env.step(agent.act(state, epsilon, rng))
            steps += 1
            if step.game_over or step.truncated:
                break
            state = history.push(step.frame)
        rows.append({"episode": episode + 1, "return": env.episode_return,
                     "env_frames": env.frames - start_frames, "agent_steps": steps})
    env.close()
    return rows


def latest_checkpoint(run_dir: Path) -> tuple[int, Path]:
    """(agent step, checkpoint prefix) of the newest checkpoint with its completion marker."""
    newest = newest_complete(run_dir)
    if newest is None:
        raise NoCheckpointError(f"no complete checkpoint in {run_dir / 'checkpoints'}; train first "
                                f"(python -m papers.dqn.train --run-dir {run_dir})")
    return newest


def load_run_config(run_dir: Path):
    """The resolved config saved in a run directory."""
    from common.config import apply_overrides
    from papers.dqn.config import config_class
    path = run_dir / "config.json"
    if not path.exists():
        raise RunDirError(f"{path} not found; pass the --run-dir of a training run")
    record = json.loads(path.read_text())
    return apply_overrides(config_class(record.get("profile", ""))(), record["config"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.dqn.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run-dir", type=Path, required=True, help="a training run directory")
    atari_eval.add_flags(ap, PROTOCOL)
    args = ap.parse_args(argv)
    cfg = load_run_config(args.run_dir)
    step, prefix = latest_checkpoint(args.run_dir)
    import tensorflow as tf
    from common.precision import set_precision
    from papers.dqn.agent import DQNAgent
    from papers.dqn.envs import state_spec
    set_precision(cfg.precision)                  # the run's arithmetic (float32: TF32 off)
    probe = make_env(cfg, args.seed, cfg.eval_episode_frames)
    shape, dtype = state_spec(cfg)
    agent = DQNAgent(cfg, probe.n_actions, shape, dtype)
    probe.close()
    tf.train.Checkpoint(online=agent.online).restore(str(prefix)).expect_partial()
    print(f"[dqn.evaluate] {cfg.env}: checkpoint {prefix.name} (agent step {step}), "
          f"{args.episodes} episodes, epsilon {args.epsilon}, cap {args.max_frames} frames", flush=True)
    rows = evaluate(agent, cfg, args.seed, args.episodes, args.epsilon, args.max_frames)
    out = args.run_dir / "evaluation"
    out.mkdir(exist_ok=True)
    with open(out / "eval.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = {"env": cfg.env, "agent_steps": step,
               **atari_eval.summary([r["return"] for r in rows], episodes_cap=args.max_frames,
                                    epsilon=args.epsilon, seed=args.seed)}
    (out / "eval_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"[dqn.evaluate] mean return {summary['mean_return']:.2f} +- {summary['std_return']:.2f} "
          f"over {len(rows)} episodes -> {out / 'eval.csv'}", flush=True)
    return 0


if __name__ == "__main__":
    run_main(main)
