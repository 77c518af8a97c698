"""Evaluation protocol of SLAC (Lee et al. 2020; official `train_eval`): mean undiscounted return
over whole episodes of the stochastic policy (`AverageReturnEvalPolicy`, the published curves)
and of the greedy policy tanh(mean) (also logged), plus a uniform-random-policy baseline.

    python -m papers.slac.evaluate --run-dir runs/slac/cpu-seed0 [--episodes 10]
    python -m papers.slac.evaluate --random --task cartpole_swingup [--episodes 10]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common import dmc
from common.config import apply_overrides
from common.errors import run_main
from common.run import RunDirError, latest_checkpoint
from papers.slac.config import SlacConfig, action_repeat


def episode_seed(base: int, episode: int) -> int:
    """The env seed of episode k: episodes are reproducible and survive a resume."""
    return int(np.random.SeedSequence([base, episode]).generate_state(1)[0])


def policy_return(env, history, greedy: bool, episodes: int, seed: int) -> float:
    """Mean return of the agent's policy (history: agent.History) over `episodes` episodes.
    Episode k seeds the environment and the policy's noise with episode_seed(seed, k): the
    return depends on the weights and `seed` only, not on the training run's RNG streams."""
    returns = []
    for k in range(episodes):
        frame = env.reset(seed=episode_seed(seed, k))
        history.reset(frame, noise_seed=episode_seed(seed, k))
        total, last = 0.0, False
        while not last:
            action = history.act(greedy)
            frame, reward, last, _ = env.step(action)
            history.push(action, frame)
            total += reward
        returns.append(total)
    return float(np.mean(returns))


def random_policy_return(task: str, episodes: int, seed: int, render: str = "fast") -> float:
    """Mean return of actions drawn uniformly from the action box, with the task's action repeat."""
    rng = np.random.default_rng(seed)
    returns = []
    with dmc.make(task, seed=seed, repeat=action_repeat(task), render=render) as env:
        spec = env.action_spec
        for k in range(episodes):
            env.reset(seed=episode_seed(seed, k))
            total, last = 0.0, False
            while not last:
                _, reward, last, _ = env.step(rng.uniform(spec.low, spec.high))
                total += reward
            returns.append(total)
    return float(np.mean(returns))


def evaluate_run(run_dir: Path, episodes: int, seed: int) -> dict:
    """Restore the newest complete checkpoint of a training run and evaluate both policies."""
    import tensorflow as tf

    from papers.slac.agent import History, SlacAgent
    if not (run_dir / "config.json").exists():
        raise RunDirError(f"{run_dir} is not a training run dir (no config.json); pass the "
                          f"--run-dir of a `python -m papers.slac.train` run")
    record = json.loads((run_dir / "config.json").read_text())
    cfg = apply_overrides(SlacConfig(), record["config"])
    newest = latest_checkpoint(run_dir)
    if newest is None:
        raise RunDirError(f"{run_dir} has no complete checkpoint; train first (python -m papers.slac.train)")
    step, prefix = newest
    with dmc.make(cfg.task, seed=seed, repeat=action_repeat(cfg.task), render=cfg.render) as env:
        agent = SlacAgent(cfg, env.action_spec.shape[0], record["seed"])
        tf.train.Checkpoint(**agent.trackables()).restore(str(prefix)).expect_partial()
        history = History(agent)
        return {"model_updates": step,
                "return_stochastic": policy_return(env, history, False, episodes, seed),
                "return_greedy": policy_return(env, history, True, episodes, seed)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.slac.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run-dir", type=Path, help="training run to evaluate (newest checkpoint)")
    ap.add_argument("--random", action="store_true", help="evaluate the uniform random policy")
    ap.add_argument("--task", default="cartpole_swingup", help="task for --random")
    ap.add_argument("--episodes", type=int, default=10, help="episodes per policy (official: 10)")
    ap.add_argument("--seed", type=int, default=12345, help="evaluation env seed")
    args = ap.parse_args(argv)
    if not (args.random or args.run_dir):
        ap.error("pass --run-dir RUN or --random")
    if args.random:
        out = {"task": args.task, "random_policy_return": random_policy_return(args.task, args.episodes, args.seed)}
    else:
        out = evaluate_run(args.run_dir, args.episodes, args.seed)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    run_main(main)
