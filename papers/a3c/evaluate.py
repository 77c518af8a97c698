"""Mnih et al. 2016 (A3C): evaluate a trained run with NO-OP STARTS.

    python -m papers.a3c.evaluate --run-dir runs/a3c/cpu-seed0 [--episodes 30]

Protocol (declared deviation): the paper reports Atari scores from 100 "human starts" (Sec. 5.1,
Table S3), starting points sampled from human play that DeepMind never published. We evaluate
with DQN's no-op-start protocol instead (Mnih 2015; common/atari_eval.py, shared with
papers/dqn/evaluate.py: up to 30 no-ops, 30 full games capped at 18,000 frames, raw score,
seed 12345), the standard substitute; the two protocols give different numbers. The A3C agent
acts by sampling from pi(.|s); the value-based agents epsilon-greedily with epsilon 0.05 (the
protocol's epsilon; the paper does not state one).

Writes <run-dir>/evaluation.csv (one row per episode, raw score), evaluation.json and the network it
scored (evaluation.weights.h5; the report keeps it under results/a3c/weights/ when it is small).

    python -m papers.a3c.evaluate --weights results/a3c/weights/pong-cpu-seed0.weights.h5 [--out DIR]

scores such kept weights with the same protocol (the network is rebuilt from the run's config in
the .json beside them; the same --seed plays the same games as the run's own evaluation) and
prints the summary (with --out: evaluation.csv and evaluation.json there too).
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
from common import weights as kept_weights
from common.run import latest_checkpoint
from papers.a3c.config import A3CConfig

#: the evaluation protocol (common/atari_eval.py); PROTOCOL is how evaluation.json and the report name it
EVAL = atari_eval.NATURE
EVAL_EPSILON = EVAL.epsilon
PROTOCOL = "no-op starts (up to 30 no-ops); the paper used human starts"
#: the scored network, saved in the run dir beside evaluation.json
WEIGHTS = "evaluation.weights.h5"


class EvalError(UserError, ValueError):
    """The run dir cannot be evaluated; the message is one line for the user."""


def newest_checkpoint(run_dir: Path) -> tuple[int, Path]:
    """(env frames, checkpoint prefix) of the run's newest complete checkpoint."""
    newest = latest_checkpoint(run_dir)
    if newest is None:
        raise EvalError(f"{run_dir} has no complete checkpoint; train first (python -m papers.a3c.train)")
    return newest


def config_from_record(record: dict, where: Path) -> A3CConfig:
    """The resolved config of a config.json record (`where`: the file, for the message)."""
    try:
        return apply_overrides(A3CConfig(), record["config"])
    except (ConfigError, KeyError) as e:
        raise EvalError(f"{where} is not a valid A3C config ({e})") from None


def load_config(run_dir: Path) -> A3CConfig:
    path = run_dir / "config.json"
    if not path.exists():
        raise EvalError(f"{run_dir} is not a run dir (no config.json); pass --run-dir of a training run")
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise EvalError(f"{path} is not a valid A3C config ({e})") from None
    return config_from_record(record, path)


def play(cfg: A3CConfig, learner, task, episodes: int, seed: int) -> list[dict]:
    """`episodes` full games with the learner's network theta: sampled from pi, or epsilon-greedy
    on Q for the value-based methods; one row per game."""
    theta = learner.sync()
    rng = np.random.default_rng(seed)
    rows = []
    for episode in range(episodes):
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
    return rows


def _summary(rows: list[dict], learner, step, seed: int, max_episode_frames: int) -> dict:
    return {"protocol": PROTOCOL, "checkpoint_env_frames": step,
            **atari_eval.summary([r["return"] for r in rows], episodes_cap=max_episode_frames,
                                 epsilon=EVAL_EPSILON, seed=seed),
            "policy": f"epsilon-greedy {EVAL_EPSILON:g}" if learner.value_based else "sample from pi"}


def _write(out: Path, rows: list[dict], summary: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "evaluation.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (out / "evaluation.json").write_text(json.dumps(summary, indent=2) + "\n")


def _play_restored(cfg: A3CConfig, restore, episodes: int | None, seed: int, max_episode_frames: int):
    """Build the task and the learner, restore(learner.model) its network, play the protocol:
    (rows, learner)."""
    from papers.a3c.agent import Learner
    from papers.a3c.envs import make_task
    task = make_task(cfg, seed, max_episode_frames=max_episode_frames)
    learner = Learner(cfg, task.obs_shape, task.n_actions)
    restore(learner.model)
    return play(cfg, learner, task, episodes or cfg.eval_episodes, seed), learner


def evaluate(run_dir: Path, episodes: int | None = None, seed: int = EVAL.seed,
             max_episode_frames: int = EVAL.max_episode_frames) -> dict:
    """The protocol on the run's newest complete checkpoint; writes the run dir's evaluation files."""
    import tensorflow as tf
    run_dir = Path(run_dir)
    cfg = load_config(run_dir)
    step, prefix = newest_checkpoint(run_dir)

    def restore(model):
        tf.train.Checkpoint(model=model).restore(str(prefix)).expect_partial()

    rows, learner = _play_restored(cfg, restore, episodes, seed, max_episode_frames)
    summary = _summary(rows, learner, step, seed, max_episode_frames)
    _write(run_dir, rows, summary)
    learner.model.save_weights(str(run_dir / WEIGHTS))
    return summary


def evaluate_weights(weights: Path, episodes: int | None = None, seed: int = EVAL.seed,
                     max_episode_frames: int = EVAL.max_episode_frames, out: Path | None = None) -> dict:
    """The protocol on weights kept by the report, the network rebuilt from the record beside them."""
    record = kept_weights.read_record(weights, "a3c")
    cfg = config_from_record(record, kept_weights.record_path(weights))

    def restore(model):
        try:
            model.load_weights(str(weights))
        except ValueError as e:
            raise EvalError(f"{weights} does not fit the network of its record ({e}); keep the pair "
                            f"the report wrote together") from None

    rows, learner = _play_restored(cfg, restore, episodes, seed, max_episode_frames)
    summary = _summary(rows, learner, record.get("checkpoint_env_frames"), seed, max_episode_frames)
    if out is not None:
        _write(Path(out), rows, summary)
    return summary


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m papers.a3c.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    kept_weights.add_flags(ap, "a3c", writes="evaluation.csv and evaluation.json")
    atari_eval.add_flags(ap, EVAL, games_default=None)     # --episodes default: the run's eval_episodes
    args = ap.parse_args(argv)
    kept_weights.check_flags(args)
    if args.run_dir is not None:
        summary = evaluate(args.run_dir, args.episodes, args.seed, args.max_frames)
    else:
        summary = evaluate_weights(args.weights, args.episodes, args.seed, args.max_frames, args.out)
    print(f"[a3c eval] mean return {summary['mean_return']:.2f} over {summary['episodes']} episodes "
          f"({summary['protocol']})", flush=True)
    return summary


if __name__ == "__main__":
    run_main(main)
