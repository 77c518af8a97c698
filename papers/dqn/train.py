"""Train DQN (Mnih et al. 2015, Algorithm 1; Mnih et al. 2013 with --profile nips2013).

    python -m papers.dqn.train                         # Nature, Pong, 50M frames (the paper)
    python -m papers.dqn.train --profile cpu           # Pong sized for a 2-core CPU
    python -m papers.dqn.train --profile cartpole      # the algorithm check on CartPole-v1
    python -m papers.dqn.train --profile cpu --max-minutes 40   # stop (checkpointed) after 40 min

Re-running the same command resumes from the newest complete checkpoint: networks, target,
optimizer slots, counters, the exploration/sampling RNG and (unless save_replay=false) the replay
memory. The game in progress at the checkpoint is not saved: a resumed run starts a new game.

Run directory (runs/dqn/<profile>-seed<seed> by default):
    metrics.csv   agent_steps, env_frames, updates, wall_time, epsilon, loss, mean_q, ... per log_period
    episodes.csv  one row per training game: raw score (full game), its length
    eval.csv      periodic evaluation (eval_epsilon, eval_episodes full games, 18,000-frame cap)
    checkpoints/ckpt-<step>.files/replay/   the replay memory (format: papers/dqn/replay.py)
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from common.config import parse_args
from common.errors import run_main
from common.precision import set_precision
from common.progress import Progress
from common.run import Run, finished_summary
from common.seeding import seed_everything
from papers.dqn.config import PROFILES, config_class

DESCRIPTION = "DQN (Mnih et al. 2013, 2015) on Atari 2600 games or CartPole-v1."


def _profile(argv) -> str:
    """The --profile of argv, which picks the config class (Nature or Mnih 2013) to parse with."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--profile", default="nature")
    return pre.parse_known_args(argv)[0].profile


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(config_class(_profile(argv)), PROFILES, prog="papers.dqn.train",
                      description=DESCRIPTION, default_profile="nature", argv=argv)
    return train(args)


def train(args) -> int:
    """The training loop; returns 0 when the run is finished or stopped by --max-minutes (with a
    checkpoint: re-running the command continues it)."""
    from papers.dqn.agent import DQNAgent, epsilon
    from papers.dqn.envs import make_env, make_history, observation_spec, state_spec
    from papers.dqn.evaluate import evaluate
    from papers.dqn.replay import ReplayMemory

    cfg = args.config
    if finished_summary(args, "dqn") is not None:    # also refuses a run dir of another run, before any work
        return 0
    set_precision(cfg.precision)                      # float32: TF32 off on Ampere/Hopper GPUs
    seeds = seed_everything(args.seed, args.deterministic)
    env = make_env(cfg, seeds.env_seed(0), cfg.train_episode_frames)
    shape, dtype = state_spec(cfg)
    agent = DQNAgent(cfg, env.n_actions, shape, dtype)
    obs_shape, obs_dtype = observation_spec(cfg)
    replay = ReplayMemory(cfg.replay_capacity, obs_shape, obs_dtype, cfg.history_length)
    print(f"[dqn] {replay.describe()}", flush=True)
    rng = seeds.generator(0)          # exploration and minibatch sampling
    t_invocation = time.time()

    with Run(args, paper="dqn", step_column="agent_steps", lr_fields=("learning_rate",)) as run:
        run.track(**agent.trackables())
        replay_dir = "replay"                         # <checkpoint>.files/replay/, replay.py's format
        start, state = run.restore(
            load_files=(lambda d: replay.load(d / replay_dir)) if cfg.save_replay else None)
        frames_before = int(state.get("env_frames", 0))
        episodes = int(state.get("episodes", 0))
        wall_before = float(state.get("wall_time", 0.0))
        if state:
            rng.bit_generator.state = state["rng"]
            replay.end_episode()                      # the game in progress was not saved
            env.close()
            env = make_env(cfg, seeds.env_seed(start), cfg.train_episode_frames)

        def snapshot(step: int) -> dict:
            return {"rng": rng.bit_generator.state, "env_frames": frames_before + env.frames,
                    "episodes": episodes, "wall_time": wall_before + time.time() - t_invocation}

        def save_files(folder):
            if cfg.save_replay:
                replay.save(folder / replay_dir)

        history = make_history(cfg)
        frame = env.reset()
        s = history.reset(frame)
        losses, qs, returns = [], [], []
        progress = Progress(cfg.total_agent_steps, "dqn", "agent steps", start=start)
        step, solved_at = start, None
        while step < cfg.total_agent_steps:
            a = agent.act(s, epsilon(cfg, step), rng)
            out = env.step(a)
            step += 1
            terminal = out.game_over or (cfg.terminal_on_life_loss and out.life_lost)
            reward = float(np.clip(out.reward, -1.0, 1.0)) if cfg.clip_reward else out.reward
            replay.add(frame, a, reward, terminal, episode_end=terminal or out.truncated)
            if out.game_over or out.truncated:        # a full game: the reported score
                episodes += 1
                returns.append(env.episode_return)
                run.log({"agent_steps": step, "env_frames": frames_before + env.frames,
                         "episode": episodes, "return": env.episode_return,
                         "frames": env.episode_frames},
                        table="episodes")
                frame = env.reset()
                s = history.reset(frame)
            elif terminal:                            # a lost life: new agent episode, same game
                frame = out.frame
                if cfg.noop_after_life_loss:          # Lua: nextRandomGame after every terminal
                    frame = env.noop_start().frame    # (a game over among them ends at the next step)
                s = history.reset(frame)
            else:
                frame = out.frame
                s = history.push(frame)

            if step > cfg.replay_start and step % cfg.update_period == 0:
                loss, mean_q = agent.train_step(replay.sample(cfg.batch_size, rng))
                losses.append(loss)                   # scalar tensors, read back at log time
                qs.append(mean_q)
            if (cfg.target_update_unit == "agent_steps" and cfg.target_update_period
                    and step % cfg.target_update_period == 0):
                agent.sync_target()                   # theta^- <- theta every C agent steps

            if step % cfg.log_period == 0:
                row = {"agent_steps": step, "env_frames": frames_before + env.frames,
                       "updates": int(agent.updates.numpy()),
                       "wall_time": round(wall_before + time.time() - t_invocation, 1),
                       "epsilon": epsilon(cfg, step),
                       "loss": _mean(losses), "mean_q": _mean(qs),
                       "episodes": episodes,
                       "train_return": float(np.mean(returns)) if returns else float("nan")}
                if losses:                            # nan stands for "no update yet" only
                    run.check_finite(step, {"loss": row["loss"], "mean_q": row["mean_q"]})
                run.log(row)
                progress.update(step - progress.count, **{k: row[k] for k in
                                                          ("epsilon", "loss", "train_return")})
                losses, qs, returns = [], [], []
            if step % cfg.eval_period == 0 or step == cfg.total_agent_steps:
                rows = evaluate(agent, cfg, seeds.env_seed(10_000 + step), cfg.eval_episodes,
                                cfg.eval_epsilon)
                scores = np.array([r["return"] for r in rows])
                run.log({"agent_steps": step, "env_frames": frames_before + env.frames,
                         "eval_return": float(scores.mean()), "eval_std": float(scores.std()),
                         "eval_episodes": len(rows)}, table="eval")
                print(f"[dqn] eval at {step} agent steps: {scores.mean():.2f} +- {scores.std():.2f} "
                      f"({len(rows)} games, eps {cfg.eval_epsilon})", flush=True)
                if cfg.solved_eval_return is not None and scores.mean() >= cfg.solved_eval_return:
                    print(f"[dqn] solved: mean eval return {scores.mean():.1f} >= "
                          f"{cfg.solved_eval_return} at {step} agent steps", flush=True)
                    solved_at = step
                    break
            last = step == cfg.total_agent_steps          # saved and finished below
            # --max-minutes: checkpoint and return 0 (not the SystemExit of exit_if_interrupted,
            # so that an in-process caller such as papers/dqn/reproduce.py goes on)
            time_up = run.time_up and not last
            if (step % cfg.checkpoint_period == 0 and not last) or time_up:
                run.save(step, snapshot(step), save_files)
            if time_up:
                progress.close()
                print(f"[dqn] stopped after {args.max_minutes:g} min at {step} agent steps "
                      f"({frames_before + env.frames} frames); re-run the command to continue",
                      flush=True)
                return 0
            run.exit_if_interrupted(step, snapshot(step), save_files, time_box=False)
        progress.close()
        run.save(step, snapshot(step), save_files)
        run.finish({"agent_steps": step, "env_frames": frames_before + env.frames,
                    "updates": int(agent.updates.numpy()), "episodes": episodes,
                    "solved_at_agent_steps": solved_at,
                    "wall_time_s": round(wall_before + time.time() - t_invocation, 1)})
    return 0


def _mean(values: list) -> float:
    """Mean of the scalar tensors logged since the last row, read from the device in one go
    (float64 mean of the float32 values; nan when there are none)."""
    if not values:
        return float("nan")
    import tensorflow as tf
    return float(np.mean(tf.stack(values).numpy().astype(np.float64)))


if __name__ == "__main__":
    run_main(main)
