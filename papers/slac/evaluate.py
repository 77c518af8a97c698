"""Evaluation protocol of SLAC (Lee et al. 2020; official `train_eval`): mean undiscounted return
over whole episodes of the stochastic policy (`AverageReturnEvalPolicy`, the published curves)
and of the greedy policy tanh(mean) (also logged), plus a uniform-random-policy baseline.

    python -m papers.slac.evaluate --run-dir runs/slac/cpu-seed0 [--episodes 10]
    python -m papers.slac.evaluate --random --task cartpole_swingup [--episodes 10]
    python -m papers.slac.evaluate --weights results/slac/weights/cpu-seed0.weights.h5

An evaluation episode seeds the environment and the policy's noise from the evaluation seed, so
the return is a function of the weights and that seed. The policy acts with two networks only,
the encoder (with its input statistics) and the actor; the report keeps those of a finished run
(results/slac/weights/, with the run's config and final evaluation), and `--weights` plays the
run's final evaluation again with them (its episodes and seed, unless given).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common import dmc
from common import weights as kept_weights
from common.config import apply_overrides
from common.errors import run_main
from common.report import shown
from common.run import RunDirError, latest_checkpoint
from common.seeding import Seeds
from papers.slac.config import SlacConfig, action_repeat

PAPER = "slac"


def eval_seed(run_seed: int) -> int:
    """The seed of a training run's evaluations (environment stream 1 of the run's seed)."""
    return Seeds(run_seed).env_seed(1)


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


def run_checkpoint(run_dir: Path) -> tuple[dict, SlacConfig, int, Path]:
    """(config.json's record, config, model updates, checkpoint prefix) of a run's newest checkpoint."""
    if not (run_dir / "config.json").exists():
        raise RunDirError(f"{run_dir} is not a training run dir (no config.json); pass the "
                          f"--run-dir of a `python -m papers.slac.train` run")
    record = json.loads((run_dir / "config.json").read_text())
    newest = latest_checkpoint(run_dir)
    if newest is None:
        raise RunDirError(f"{run_dir} has no complete checkpoint; train first (python -m papers.slac.train)")
    return record, apply_overrides(SlacConfig(), record["config"]), *newest


def restored_agent(cfg: SlacConfig, action_size: int, run_seed: int, prefix: Path):
    import tensorflow as tf

    from papers.slac.agent import SlacAgent
    agent = SlacAgent(cfg, action_size, run_seed)
    tf.train.Checkpoint(**agent.trackables()).restore(str(prefix)).expect_partial()
    return agent


def evaluate_run(run_dir: Path, episodes: int, seed: int) -> dict:
    """Restore the newest complete checkpoint of a training run and evaluate both policies."""
    from papers.slac.agent import History
    record, cfg, step, prefix = run_checkpoint(run_dir)
    with dmc.make(cfg.task, seed=seed, repeat=action_repeat(cfg.task), render=cfg.render) as env:
        history = History(restored_agent(cfg, env.action_spec.shape[0], record["seed"], prefix))
        return {"model_updates": step,
                "return_stochastic": policy_return(env, history, False, episodes, seed),
                "return_greedy": policy_return(env, history, True, episodes, seed)}


def policy_variables(agent) -> dict:
    """What acting needs, by name: the variables of the encoder (x_t -> features, with its input
    statistics) and of the actor ("encoder.00", ..., "actor.00", ...)."""
    return {f"{name}.{k:02d}": v for name, net in (("encoder", agent.model.encoder), ("actor", agent.actor))
            for k, v in enumerate(net.weights)}


def save_policy(run_dir: Path, dst: Path) -> dict:
    """Write the policy of a run's newest checkpoint to `dst` (.weights.h5, one array per variable
    of policy_variables) and return the record `--weights` rebuilds it from."""
    record, cfg, step, prefix = run_checkpoint(run_dir)
    with dmc.make(cfg.task, seed=0, repeat=action_repeat(cfg.task), render=cfg.render) as env:
        action_size = env.action_spec.shape[0]
    agent = restored_agent(cfg, action_size, record["seed"], prefix)
    kept_weights.write_arrays(dst, {name: v.numpy() for name, v in policy_variables(agent).items()})
    return {"paper": PAPER, "profile": record.get("profile"), "seed": record["seed"], "config": record["config"],
            "model_updates": step}


def score_weights(path: Path, episodes: int | None = None, seed: int | None = None) -> dict:
    """Both policies' returns with kept weights; by default the episodes and seed of the final
    evaluation in their record."""
    from papers.slac.agent import History, SlacAgent
    record = kept_weights.read_record(path, PAPER)
    cfg = apply_overrides(SlacConfig(), record["config"])
    final = record.get("final_evaluation", {})
    episodes = final.get("episodes", cfg.eval_episodes) if episodes is None else episodes
    seed = final.get("seed", eval_seed(record["seed"])) if seed is None else seed
    with dmc.make(cfg.task, seed=seed, repeat=action_repeat(cfg.task), render=cfg.render) as env:
        agent = SlacAgent(cfg, env.action_spec.shape[0], record["seed"])
        kept_weights.assign_arrays(path, policy_variables(agent), "policy")
        history = History(agent)
        return {"weights": shown(path), "model_updates": record.get("model_updates"), "episodes": episodes,
                "seed": seed, "return_stochastic": policy_return(env, history, False, episodes, seed),
                "return_greedy": policy_return(env, history, True, episodes, seed),
                "recorded": final}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.slac.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    source = kept_weights.add_flags(ap, PAPER, writes="rescore.json")
    source.add_argument("--random", action="store_true", help="evaluate the uniform random policy")
    ap.add_argument("--task", default="cartpole_swingup", help="task for --random")
    ap.add_argument("--episodes", type=int, help="episodes per policy (official: 10; default 10, with "
                                                  "--weights the final evaluation's)")
    ap.add_argument("--seed", type=int, help="evaluation seed (default 12345, with --weights the final "
                                             "evaluation's)")
    args = ap.parse_args(argv)
    kept_weights.check_flags(args)
    if args.weights is not None:
        kept_weights.print_rescore(score_weights(args.weights, args.episodes, args.seed), args.out)
        return 0
    episodes = 10 if args.episodes is None else args.episodes
    seed = 12345 if args.seed is None else args.seed
    out = ({"task": args.task, "random_policy_return": random_policy_return(args.task, episodes, seed)}
           if args.random else evaluate_run(args.run_dir, episodes, seed))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    run_main(main)
