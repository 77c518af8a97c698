"""Mnih et al. 2016 (A3C): evaluate a trained run with NO-OP STARTS.

    python -m papers.a3c.evaluate --run-dir runs/a3c/cpu-seed0 [--episodes 30]

Protocol (declared deviation): the paper reports Atari scores from 100 "human starts" (Sec. 5.1,
Table S3), starting points sampled from human play that DeepMind never published. We evaluate
with DQN's no-op-start protocol instead (Mnih 2015; common/atari_eval.py, shared with
papers/dqn/evaluate.py: up to 30 no-ops, 30 full games capped at 18,000 frames, raw score,
seed 12345), the standard substitute; the two protocols give different numbers. The A3C agent
acts by sampling from pi(.|s); the value-based agents epsilon-greedily with epsilon 0.05 (the
protocol's epsilon; the paper does not state one).

Writes <run-dir>/evaluation.csv (one row per episode, raw score) and evaluation.json.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from common import atari_eval
from common.config import ConfigError, apply_overrides
from common.errors import UserError, run_main
from common.run import latest_checkpoint
from papers.a3c.config import A3CConfig

#: the evaluation protocol (common/atari_eval.py); PROTOCOL is how evaluation.json and the report name it
EVAL = atari_eval.NATURE
EVAL_EPSILON = EVAL.epsilon
PROTOCOL = "no-op starts (up to 30 no-ops); the paper used human starts"


class EvalError(UserError, ValueError):
    """The run dir cannot be evaluated; the message is one line for the user."""


def newest_checkpoint(run_dir: Path) -> tuple[int, Path]:
    """(env frames, checkpoint prefix) of the run's newest complete checkpoint."""
    newest = latest_checkpoint(run_dir)
    if newest is None:
        raise EvalError(f"{run_dir} has no complete checkpoint; train first (python -m papers.a3c.train)")
    return newest


def load_config(run_dir: Path) -> A3CConfig:
    path = run_dir / "config.json"
    if not path.exists():
        raise EvalError(f"{run_dir} is not a run dir (no config.json); pass --run-dir of a training run")
    try:
        return apply_overrides(A3CConfig(), json.loads(path.read_text())["config"])
    except (ConfigError, KeyError, json.JSONDecodeError) as e:
        raise EvalError(f"{path} is not a valid A3C config ({e})") from None


def evaluate(run_dir: Path, episodes: int | None = None, seed: int = EVAL.seed,
             max_episode_frames: int = EVAL.max_episode_frames) -> dict:
    import tensorflow as tf

    from papers.a3c.agent import Learner
    from papers.a3c.envs import make_task
    run_dir = Path(run_dir)
    cfg = load_config(run_dir)
    step, prefix = newest_checkpoint(run_dir)
    task = make_task(cfg, seed, max_episode_frames=max_episode_frames)
    learner = Learner(cfg, task.obs_shape, task.n_actions)
    tf.train.Checkpoint(model=learner.model).restore(str(prefix)).expect_partial()
    theta = learner.sync()
    rng = np.random.default_rng(seed)
    rows = []
    for episode in range(episodes or cfg.eval_episodes):
        s, state, frames = task.reset(), learner.initial_state(), 0
        while True:
            head, _, state = learner.act(theta, s[None], state)
            head = head.numpy()[0]
            if learner.value_based:
                a = int(rng.integers(task.n_actions)) if rng.random() < EVAL_EPSILON else int(np.argmax(head))
            else:
                p = np.exp(head - head.max())
                a = int(rng.choice(len(p), p=p / p.sum()))
            tr = task.step(a)
            s, frames = tr.state, frames + tr.frames
            if tr.episode_end:
                break
        rows.append({"episode": episode + 1, "return": tr.episode_return, "frames": frames})
        print(f"[a3c eval] episode {episode + 1}: return {tr.episode_return}", flush=True)
    with open(run_dir / "evaluation.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    summary = {"protocol": PROTOCOL, "checkpoint_env_frames": step,
               **atari_eval.summary([r["return"] for r in rows], episodes_cap=max_episode_frames,
                                    epsilon=EVAL_EPSILON, seed=seed),
               "policy": f"epsilon-greedy {EVAL_EPSILON:g}" if learner.value_based else "sample from pi"}
    (run_dir / "evaluation.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m papers.a3c.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run-dir", type=Path, required=True, help="a training run dir")
    atari_eval.add_flags(ap, EVAL, games_default=None)     # --episodes default: the run's eval_episodes
    args = ap.parse_args(argv)
    summary = evaluate(args.run_dir, args.episodes, args.seed, args.max_frames)
    print(f"[a3c eval] mean return {summary['mean_return']:.2f} over {summary['episodes']} episodes "
          f"({summary['protocol']})", flush=True)
    return summary


if __name__ == "__main__":
    run_main(main)
