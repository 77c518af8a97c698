"""Evaluation of a DQN agent with the Nature protocol (Mnih et al. 2015, Methods 'Evaluation
procedure'; common/atari_eval.py, shared with A3C): epsilon 0.05, 30 games, each starting with up to
30 no-op actions, each capped at 18,000 emulator frames (5 minutes), full games (a lost life does
not end the game), raw game score (no reward clipping).

    python -m papers.dqn.evaluate --run-dir runs/dqn/cpu-seed0 [--episodes 30] [--epsilon 0.05]

restores the newest complete checkpoint of a training run and writes
<run-dir>/evaluation/eval.csv (one row per episode), eval_summary.json and the network it scored
(online.weights.h5; the report keeps it under results/dqn/weights/ when it is small).

    python -m papers.dqn.evaluate --weights results/dqn/weights/pong-cpu-seed0.weights.h5 [--out DIR]

scores such kept weights with the same protocol (the network is rebuilt from the run's config in
the .json beside them; the same --seed plays the same games as the run's own evaluation) and
prints the summary (with --out: eval.csv and eval_summary.json there too).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from common import atari_eval
from common.errors import UserError, run_main
from common import weights as kept_weights
from common.run import RunDirError
from common.run import latest_checkpoint as newest_complete
from papers.dqn.envs import make_env, make_history

#: the protocol of the final score (the reports render it; LEARNING_CRITERION judges it)
PROTOCOL = atari_eval.NATURE
#: the scored network, saved beside eval.csv by an evaluation of a run's checkpoint
WEIGHTS = "online.weights.h5"


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


def config_from_record(record: dict):
    """The resolved config of a run's config.json record (profile + config fields)."""
    from common.config import apply_overrides
    from papers.dqn.config import config_class
    return apply_overrides(config_class(record.get("profile", ""))(), record["config"])


def load_run_config(run_dir: Path):
    """The resolved config saved in a run directory."""
    path = run_dir / "config.json"
    if not path.exists():
        raise RunDirError(f"{path} not found; pass the --run-dir of a training run")
    return config_from_record(json.loads(path.read_text()))


def _agent(cfg, seed: int):
    """An untrained agent of the run's network, in the run's arithmetic (float32: TF32 off)."""
    from common.precision import set_precision
    from papers.dqn.agent import DQNAgent
    from papers.dqn.envs import state_spec
    set_precision(cfg.precision)
    probe = make_env(cfg, seed, cfg.eval_episode_frames)
    shape, dtype = state_spec(cfg)
    agent = DQNAgent(cfg, probe.n_actions, shape, dtype)
    probe.close()
    return agent


def _from_run(run_dir: Path, seed: int):
    """(config, agent with the newest complete checkpoint's online network, its agent step, label)."""
    import tensorflow as tf
    cfg = load_run_config(run_dir)
    step, prefix = latest_checkpoint(run_dir)
    agent = _agent(cfg, seed)
    tf.train.Checkpoint(online=agent.online).restore(str(prefix)).expect_partial()
    return cfg, agent, step, f"checkpoint {prefix.name} (agent step {step})"


def _from_weights(weights: Path, seed: int):
    """(config, agent with kept weights, their agent step, label), the config from the record beside them."""
    record = kept_weights.read_record(weights, "dqn")
    cfg = config_from_record(record)
    agent = _agent(cfg, seed)
    try:
        agent.online.load_weights(str(weights))
    except ValueError as e:
        raise UserError(f"{weights} does not fit the network of its record ({e}); keep the pair "
                        f"the report wrote together") from None
    return cfg, agent, record.get("agent_steps"), f"weights {weights.name} (agent step {record.get('agent_steps')})"


def _write(out: Path, rows: list[dict], summary: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "eval.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (out / "eval_summary.json").write_text(json.dumps(summary, indent=2) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.dqn.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    kept_weights.add_flags(ap, "dqn", writes="eval.csv and eval_summary.json")
    atari_eval.add_flags(ap, PROTOCOL)
    args = ap.parse_args(argv)
    kept_weights.check_flags(args)
    if args.run_dir is not None:
        cfg, agent, step, label = _from_run(args.run_dir, args.seed)
    else:
        cfg, agent, step, label = _from_weights(args.weights, args.seed)
    print(f"[dqn.evaluate] {cfg.env}: {label}, {args.episodes} episodes, epsilon {args.epsilon}, "
          f"cap {args.max_frames} frames", flush=True)
    rows = evaluate(agent, cfg, args.seed, args.episodes, args.epsilon, args.max_frames)
    summary = {"env": cfg.env, "agent_steps": step,
               **atari_eval.summary([r["return"] for r in rows], episodes_cap=args.max_frames,
                                    epsilon=args.epsilon, seed=args.seed)}
    out = args.run_dir / "evaluation" if args.run_dir is not None else args.out
    if out is not None:
        _write(out, rows, summary)
    if args.run_dir is not None:
        agent.online.save_weights(str(out / WEIGHTS))
    print(f"[dqn.evaluate] mean return {summary['mean_return']:.2f} +- {summary['std_return']:.2f} "
          f"over {len(rows)} episodes" + (f" -> {out / 'eval.csv'}" if out is not None else ""), flush=True)
    return 0


if __name__ == "__main__":
    run_main(main)
