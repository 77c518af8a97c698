"""Mnih et al. 2016, "Asynchronous Methods for Deep RL": train A3C or a value-based sibling.

    python -m papers.a3c.train                      # the paper's A3C FF on Pong, 16 threads
    python -m papers.a3c.train --profile cpu        # Pong sized for a shared 2-core CPU
    python -m papers.a3c.train --profile cartpole   # the algorithm check (8 threads, MLP)
    python -m papers.a3c.train --profile cartpole --set method=n_step_q

The main thread starts `threads` actor-learners (papers/a3c/agent.py), then only watches:
every `log_every_s` it writes a metrics row, every `checkpoint_every_s` a checkpoint (taken
while the threads keep learning, as the paper's lock-free setting allows). Ctrl-C / SIGTERM
set the Run's stop_requested flag; every thread polls it before its next rollout and returns,
the main thread joins them all, saves a checkpoint and exits. Re-running the command resumes.

Tables in the run dir: metrics.csv (agent_steps, env_frames, updates, wall_time, ...) and
episodes.csv (one row per finished training episode, raw score).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

import numpy as np

from common.config import parse_args
from common.errors import run_main
from common.precision import set_precision
from common.run import Run, finished_summary
from common.seeding import seed_everything
from papers.a3c.config import PROFILES, A3CConfig
from papers.a3c.envs import make_task

JOIN_TIMEOUT_S = 60.0
# return_mean_100 (and the "solved" test) reads the episodes of every A3C thread, but only of the
# value-based threads whose final epsilon is <= 0.1: the 30% of threads that explore with
# epsilon 0.5 (Supp. Sec. 8) could not show a solved policy.
EXPLOIT_EPSILON = 0.1


def initial_lr(cfg, seeds) -> float:
    """cfg.lr, or a draw from LogUniform(lr_low, lr_high) (Supp. Sec. 8) fixed by the seed."""
    if cfg.lr_sampling == "fixed":
        return cfg.lr
    u = seeds.generator(10_000).uniform(math.log(cfg.lr_low), math.log(cfg.lr_high))
    return float(math.exp(u))


def start_workers(learner, cfg, seeds, lr0: float, should_stop, episode_sink, invocation: int = 0,
                  rng_states=None):
    """Create and start cfg.threads actor-learners, each with its own env and RNG stream."""
    from papers.a3c.agent import ActorLearner
    workers = []
    for i in range(cfg.threads):
        stream = i + invocation * 1000                 # fresh env seeds after a resume
        rng = seeds.generator(i)
        if rng_states and i < len(rng_states):
            rng.bit_generator.state = rng_states[i]
        task = make_task(cfg, seeds.env_seed(stream))
        workers.append(ActorLearner(i, learner, task, rng, lr0, should_stop, episode_sink))
    for w in workers:
        w.start()
    return workers


def stop_workers(workers, stop_event: threading.Event) -> None:
    """Ask every thread to stop, join them all, and re-raise the first error of any thread."""
    stop_event.set()
    for w in workers:
        w.join(JOIN_TIMEOUT_S)
    alive = [w.name for w in workers if w.is_alive()]
    if alive:
        raise RuntimeError(f"threads did not stop within {JOIN_TIMEOUT_S:.0f} s: {', '.join(alive)}")
    for w in workers:
        if w.error is not None:
            raise RuntimeError(f"{w.name} failed: {type(w.error).__name__}: {w.error}") from w.error


def timing_shares(workers) -> dict[str, float]:
    """Share of the threads' summed time spent in env / forward passes / updates / syncs."""
    total: dict[str, float] = {}
    for w in workers:
        for k, v in w.seconds.items():
            total[k] = total.get(k, 0.0) + v
    s = sum(total.values()) or 1.0
    return {f"share_{k}": round(v / s, 4) for k, v in sorted(total.items())}


def main(argv=None) -> dict | None:
    args = parse_args(A3CConfig, PROFILES, prog="papers.a3c.train", argv=argv,
                      description="A3C and the asynchronous value-based methods (Mnih et al. 2016)")
    cfg = args.config
    if finished_summary(args, "a3c") is not None:    # also refuses a run dir of another run, before any work
        return None
    set_precision("float32")                          # the paper's arithmetic; TF32 off on GPUs
    seeds = seed_everything(args.seed, args.deterministic)
    probe = make_task(cfg, seeds.env_seed(10_000))
    from papers.a3c.agent import Learner
    learner = Learner(cfg, probe.obs_shape, probe.n_actions)

    with Run(args, paper="a3c", step_column="env_frames", lr_fields=("lr",)) as run:
        tracked = dict(model=learner.model, optimizer=learner.optimizer,
                       frames=learner.frames_var, updates=learner.updates_var)
        if learner.target is not None:
            tracked["target"] = learner.target
        run.track(**tracked)
        _, state = run.restore()
        learner.restore_counters()
        invocation = state.get("invocation", -1) + 1
        wall_before = float(state.get("wall_time", 0.0))
        recent = deque(state.get("recent_returns", []), maxlen=100)
        n_episodes = int(state.get("episodes", 0))
        solved_at = state.get("solved_at")
        lr0 = initial_lr(cfg, seeds)
        repeat = cfg.action_repeat if cfg.network != "mlp" else 1

        finished: list[tuple[int, int, float]] = []    # (thread, T at the end, raw return); list.append is atomic
        stop_event = threading.Event()

        def should_stop() -> bool:
            return stop_event.is_set() or run.stop_requested or learner.frames >= cfg.total_frames

        t_start = time.time()
        workers = start_workers(learner, cfg, seeds, lr0, should_stop, lambda i, t, r: finished.append((i, t, r)),
                                invocation, state.get("rng_states"))
        print(f"[a3c] {cfg.method} {cfg.network} on {cfg.env}: {cfg.threads} threads, lr0 {lr0:.3g}, "
              f"from T = {learner.frames} frames", flush=True)
        drained, last_log, last_ckpt = 0, t_start, t_start
        last_frames, last_stats, last_updates = learner.frames, np.zeros(4), 0

        def wall() -> float:
            return wall_before + time.time() - t_start

        def snapshot_state() -> dict:
            learner.checkpoint_counters()
            return {"invocation": invocation, "wall_time": wall(), "recent_returns": list(recent),
                    "episodes": n_episodes, "solved_at": solved_at,
                    "rng_states": [w.rng.bit_generator.state for w in workers]}

        def log_row() -> None:
            nonlocal last_log, last_frames, last_stats, last_updates
            now = time.time()
            stats = sum((w.stats for w in workers), np.zeros(4))
            n_upd = sum(w.n_updates for w in workers)
            d = (stats - last_stats) / max(n_upd - last_updates, 1)
            frames = learner.frames
            stat_names = (("policy_loss", "value_loss", "entropy") if cfg.method == "a3c"
                          else ("q_loss", "target_mean", "unused"))
            row = {"agent_steps": frames // repeat, "env_frames": frames, "updates": learner.updates,
                   "wall_time": round(wall(), 2), "episodes": n_episodes,
                   "return_mean_100": round(float(np.mean(recent)), 3) if recent else "",
                   "lr": learner.learning_rate(lr0),
                   "frames_per_s": round((frames - last_frames) / max(now - last_log, 1e-9), 1)}
            row.update({k: round(float(v), 5) for k, v in zip(stat_names, d[:3]) if k != "unused"})
            row["grad_norm"] = round(float(d[3]), 4)
            run.check_finite(frames, {k: row[k] for k in (*stat_names, "grad_norm") if k in row})
            run.log(row)
            print(f"[a3c] T {frames:,} frames | updates {learner.updates:,} | episodes {n_episodes} | "
                  f"mean return(100) {row['return_mean_100']} | {row['frames_per_s']} frames/s", flush=True)
            last_log, last_frames, last_stats, last_updates = now, frames, stats, n_upd

        def drain() -> None:
            nonlocal drained, n_episodes, solved_at
            while drained < len(finished):
                i, t, ret = finished[drained]
                drained += 1
                n_episodes += 1
                if workers[i].final_epsilon is None or workers[i].final_epsilon <= EXPLOIT_EPSILON:
                    recent.append(ret)
                run.log({"env_frames": t, "episode": n_episodes, "thread": i, "return": ret,
                         "wall_time": round(wall(), 2)}, table="episodes")
                if (cfg.solved_return > 0 and solved_at is None and len(recent) == recent.maxlen
                        and np.mean(recent) >= cfg.solved_return):
                    solved_at = {"wall_time": round(wall(), 2), "env_frames": t}
                    print(f"[a3c] solved: mean return of the last 100 episodes >= {cfg.solved_return} "
                          f"after {solved_at['wall_time']} s, {t:,} frames", flush=True)
                    stop_event.set()

        try:
            while not should_stop():
                time.sleep(0.1)
                if any(w.error is not None or not w.is_alive() for w in workers):
                    break
                drain()
                if time.time() - last_log >= cfg.log_every_s:
                    log_row()
                if time.time() - last_ckpt >= cfg.checkpoint_every_s:
                    run.save(learner.frames, snapshot_state())
                    last_ckpt = time.time()
        except Exception:           # e.g. a diverged loss: stop and join the threads, then report it
            stop_event.set()
            for w in workers:
                w.join(JOIN_TIMEOUT_S)
            raise
        try:
            stop_workers(workers, stop_event)
        except RuntimeError as e:           # a thread failed: on a diverged network, say so in one line
            if isinstance(e.__cause__, FloatingPointError):
                raise run.diverged(str(e.__cause__), learner.frames) from None
            if not run.variables_finite():
                raise run.diverged("a weight became nan or inf", learner.frames) from None
            raise
        drain()
        log_row()
        shares = timing_shares(workers)
        if run.stop_requested:
            run.exit_if_interrupted(learner.frames, snapshot_state())
        state = snapshot_state()
        run.save(learner.frames, state)
        summary = {"method": cfg.method, "network": cfg.network, "env": cfg.env, "threads": cfg.threads,
                   "env_frames": learner.frames, "updates": learner.updates, "episodes": n_episodes,
                   "wall_time_s": round(wall(), 1), "lr0": lr0,
                   "return_mean_100": float(np.mean(recent)) if recent else None,
                   "solved": solved_at is not None, "solved_at": solved_at, **shares}
        run.finish(summary)
        return summary


if __name__ == "__main__":
    run_main(main)
