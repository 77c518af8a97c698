"""Our DQN's whole training loop next to Stable-Baselines3's DQN, timed on the same machine in the
same run. Prints numbers; asserts nothing (targets: our loop >= 2.5x SB3's and >= 1,000 env
frames/s at Nature settings on 2 cores).

    make bench-peer          # builds .venv-peer, then writes results/dqn/benchmark_peer.json
    python -m papers.dqn.bench_peer [--rounds 3] [--steps 4000] [--json out.json]

Each round times both sides, each in a fresh subprocess, one after the other; the order
alternates (round 1: ours then SB3, round 2: SB3 then ours, ...), so that a drift of the machine's
load does not favour one side. Both sides time `--steps` agent steps of the whole loop after
learning has started: eps-greedy acting (eps 0.1, Nature's final value), one env step (4 emulator
frames), one replay add, and one update of a batch of 32 every 4 agent steps.

  ours  `python -m papers.dqn.benchmark --loop-steps N` (.venv): its "loop env frames/s", measured
        after a 20,000-transition replay was filled and the update and the act were warmed up
  SB3   `DQN("CnnPolicy")` (.venv-peer: torch CPU build), its Atari preprocessing
        (`make_atari_env`: AtariWrapper, frame skip 4 with max-pooling, 84x84 grayscale, no-op
        starts, rewards clipped; `VecFrameStack` of 4), the same replay size, batch, update
        period and eps; `model.learn()` is timed by a callback from the first rollout after
        `--sb3-learning-starts` + `--sb3-warmup-steps` agent steps to the end of training (the
        window then holds exactly N env steps and N/4 updates); float32 (SB3 has no bf16 policy)

Reported:
  loop_env_frames_per_s      ours, median over rounds (emulator frames, as benchmark.py counts
                             them: the no-op starts of a new game included)
  sb3_loop_env_frames_per_s  SB3, median over rounds (4 x agent steps / seconds)
  loop_vs_sb3_ratio          median agent steps/s of ours / median agent steps/s of SB3: the same
                             count on both sides (frames/s would credit ours its no-op starts)
  load_average_1min          the machine's 1-minute load average before and after each round
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from common.errors import UserError, run_main

ROOT = Path(__file__).resolve().parent.parent.parent
PEER_VENV = ".venv-peer"
PEER_PYTHON = f"{PEER_VENV}/bin/python"
# papers/dqn/benchmark.py measure(): the loop's replay memory, `ReplayMemory(20_000)`, transitions
# (the Nature 1,000,000 would not change the loop's cost: sampling is uniform over the indices)
LOOP_REPLAY_CAPACITY = 20_000
FRAMES_PER_STEP = 4            # Mnih 2015, Ext. Data Table 1 'action repeat', emulator frames
MISSING_PEER = (f"SB3's side runs in its own venv, {PEER_VENV} (stable-baselines3, torch CPU, "
                f"ale-py); run make bench-peer (it builds {PEER_VENV} from requirements-peer.txt)")


# ------------------------------------------------------------------ pure helpers (tested)
def side_order(round_index: int) -> tuple[str, str]:
    """Which side runs first in round `round_index` (0-based): ours in even rounds, SB3 in odd."""
    return ("ours", "sb3") if round_index % 2 == 0 else ("sb3", "ours")


def sb3_env_id(game: str) -> str:
    """ale-py's v4 id without frame skipping, what SB3's make_atari_env expects:
    'pong' -> 'PongNoFrameskip-v4', 'space_invaders' -> 'SpaceInvadersNoFrameskip-v4'."""
    return "".join(part.capitalize() for part in game.split("_")) + "NoFrameskip-v4"


def summarize(rounds: list[dict]) -> dict:
    """Medians over rounds and the ratio ours/SB3 (of agent steps/s, the same count on both
    sides). `rounds`: one dict per round with ours_* and sb3_* numbers."""
    def median(key):
        return statistics.median(r[key] for r in rounds)
    ours_steps, sb3_steps = median("ours_agent_steps_per_s"), median("sb3_agent_steps_per_s")
    return {"loop_env_frames_per_s": round(median("ours_env_frames_per_s"), 1),
            "sb3_loop_env_frames_per_s": round(median("sb3_env_frames_per_s"), 1),
            "loop_agent_steps_per_s": round(ours_steps, 1),
            "sb3_loop_agent_steps_per_s": round(sb3_steps, 1),
            "loop_vs_sb3_ratio": round(ours_steps / sb3_steps, 2)}


def check_window(steps: int, learning_starts: int, warmup_steps: int, update_period: int) -> None:
    """SB3 collects `update_period` env steps between updates: the timed window holds exactly
    `steps` env steps and steps / update_period updates only when it starts and ends on a
    multiple of the update period."""
    if (learning_starts + warmup_steps) % update_period or steps % update_period:
        raise UserError(f"--sb3-learning-starts + --sb3-warmup-steps ({learning_starts} + "
                        f"{warmup_steps}) and --steps ({steps}) must be multiples of the update "
                        f"period, {update_period} agent steps")


def peer_python(path: str | Path) -> Path:
    """The peer venv's python (relative paths from the repository root); a UserError naming
    `make bench-peer` when it is missing."""
    path = Path(path)
    path = path if path.is_absolute() else ROOT / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise UserError(f"{path} is missing: {MISSING_PEER}")
    return path


def default_threads() -> int:
    """The CPUs this process may run on: TensorFlow's default intra-op pool (one thread per core)
    on our side, torch.set_num_threads on SB3's."""
    return len(os.sched_getaffinity(0))


# ------------------------------------------------------------------ SB3's side (.venv-peer)
def measure_sb3(game: str, steps: int, learning_starts: int, warmup_steps: int, buffer_size: int,
                batch_size: int, update_period: int, target_update_interval: int, epsilon: float,
                threads: int, seed: int = 0) -> dict:
    """Time `steps` agent steps of SB3's DQN.learn() after `learning_starts` random steps and
    `warmup_steps` learning steps. Runs in .venv-peer only (imports torch and SB3)."""
    check_window(steps, learning_starts, warmup_steps, update_period)
    try:
        import ale_py
        import gymnasium as gym
        import torch
        import stable_baselines3
        from stable_baselines3 import DQN
        from stable_baselines3.common.callbacks import BaseCallback
        from stable_baselines3.common.env_util import make_atari_env
        from stable_baselines3.common.vec_env import VecFrameStack
    except ImportError as e:
        raise UserError(f"{sys.executable} cannot import {e.name}: {MISSING_PEER}") from e

    torch.set_num_threads(threads)
    gym.register_envs(ale_py)
    env = VecFrameStack(make_atari_env(sb3_env_id(game), n_envs=1, seed=seed), n_stack=4)
    settings = {
        "policy": "CnnPolicy", "env_id": sb3_env_id(game),
        "preprocessing": "make_atari_env (AtariWrapper: noop_max 30, frame_skip 4 max-pooled, "
                         "84x84 grayscale, terminal on life loss, reward clipping, fire reset) "
                         "+ VecFrameStack(n_stack=4), 1 env",
        "buffer_size": buffer_size, "optimize_memory_usage": True,
        "replay_buffer_kwargs": {"handle_timeout_termination": False},
        "learning_starts": learning_starts, "warmup_steps_before_timing": warmup_steps,
        "batch_size": batch_size, "train_freq": update_period, "gradient_steps": 1,
        "target_update_interval": target_update_interval,
        "target_update_interval_unit": "env steps (SB3's unit; Nature: 10,000 updates x 4)",
        "exploration_initial_eps": epsilon, "exploration_final_eps": epsilon,
        "device": "cpu", "torch_num_threads": threads, "seed": seed,
        "defaults_kept": "Adam lr 1e-4, max_grad_norm 10, gamma 0.99, float32",
    }
    model = DQN("CnnPolicy", env, buffer_size=buffer_size, learning_starts=learning_starts,
                batch_size=batch_size, train_freq=update_period, gradient_steps=1,
                target_update_interval=target_update_interval,
                exploration_initial_eps=epsilon, exploration_final_eps=epsilon,
                optimize_memory_usage=True,
                replay_buffer_kwargs={"handle_timeout_termination": False},
                device="cpu", seed=seed, verbose=0)
    start_at = learning_starts + warmup_steps
    marks = {}

    class Window(BaseCallback):
        """Time from the first rollout at or after `start_at` agent steps (the update of the
        previous rollout done) to the end of learn() (the last update done)."""
        def _on_rollout_start(self) -> None:
            if "t0" not in marks and self.num_timesteps >= start_at:
                marks.update(t0=time.perf_counter(), steps0=self.num_timesteps,
                             updates0=self.model._n_updates)

        def _on_step(self) -> bool:
            return True

        def _on_training_end(self) -> None:
            marks.update(t1=time.perf_counter(), steps1=self.num_timesteps,
                         updates1=self.model._n_updates)

    model.learn(total_timesteps=start_at + steps, callback=Window())
    env.close()
    seconds = marks["t1"] - marks["t0"]
    timed_steps = marks["steps1"] - marks["steps0"]
    return {"sb3_env_frames_per_s": round(FRAMES_PER_STEP * timed_steps / seconds, 1),
            "sb3_agent_steps_per_s": round(timed_steps / seconds, 1),
            "sb3_timed_agent_steps": timed_steps,
            "sb3_timed_updates": marks["updates1"] - marks["updates0"],
            "sb3_seconds": round(seconds, 2),
            "sb3_settings": settings,
            "versions": {"stable_baselines3": stable_baselines3.__version__,
                         "torch": torch.__version__, "gymnasium": gym.__version__,
                         "ale_py": ale_py.__version__, "numpy": metadata.version("numpy"),
                         "python_peer": sys.version.split()[0]}}


# ------------------------------------------------------------------ the two subprocesses
def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "tensorflow")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess:
    """Run one side; its one-line user error (exit 2, 'error: ...') becomes ours, any other
    failure keeps its output visible."""
    done = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True)
    if done.returncode == 0:
        return done
    lines = done.stderr.strip().splitlines()
    if done.returncode == 2 and lines and lines[-1].startswith("error: "):
        raise UserError(f"{what}: {lines[-1][len('error: '):]}")
    tail = "\n".join(lines[-25:])
    raise RuntimeError(f"{what} failed (exit {done.returncode}): {' '.join(cmd)}\n{tail}")


def run_ours(game: str, steps: int, precision: str) -> dict:
    """papers/dqn/benchmark.py in a fresh process of this (the project's) python."""
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        out = Path(tmp) / "ours.json"
        _run([sys.executable, "-m", "papers.dqn.benchmark", "--game", game, "--loop-steps",
              str(steps), "--precision", precision, "--json", str(out)], "our side")
        result = json.loads(out.read_text())
    return {"ours_env_frames_per_s": result["loop_env_frames_per_s"],
            "ours_agent_steps_per_s": result["loop_agent_steps_per_s"],
            "ours_train_updates_per_s": result.get("train_updates_per_s"),
            "ours_act_latency_ms": result.get("act_latency_ms")}


def run_sb3(python: Path, args, cfg) -> dict:
    """measure_sb3 in a fresh process of the peer venv's python."""
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        out = Path(tmp) / "sb3.json"
        _run([str(python), "-m", "papers.dqn.bench_peer", "--side", "sb3", "--game", args.game,
              "--steps", str(args.steps), "--sb3-learning-starts", str(args.sb3_learning_starts),
              "--sb3-warmup-steps", str(args.sb3_warmup_steps), "--threads", str(args.threads),
              "--batch-size", str(cfg.batch_size), "--update-period", str(cfg.update_period),
              "--target-update-interval", str(_sb3_target_interval(cfg)),
              "--epsilon", str(cfg.eps_end),
              "--json", str(out)], "SB3's side")
        return json.loads(out.read_text())


def _sb3_target_interval(cfg) -> int:
    """Nature's target update period (10,000 updates) in SB3's unit, env steps (agent steps)."""
    return cfg.target_update_period * cfg.update_period


def our_versions() -> dict:
    out = {"python": sys.version.split()[0]}
    for name in ("tensorflow", "keras", "numpy", "ale-py", "gymnasium"):
        try:
            out[name.replace("-", "_")] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name.replace("-", "_")] = None
    return out


def compare(args) -> dict:
    from papers.dqn.config import NatureConfig

    python = peer_python(args.peer_python)
    cfg = NatureConfig()
    check_window(args.steps, args.sb3_learning_starts, args.sb3_warmup_steps, cfg.update_period)
    our_settings = {
        "command": f"python -m papers.dqn.benchmark --game {args.game} --loop-steps {args.steps} "
                   f"--precision {args.precision}",
        "game": args.game, "precision": args.precision, "replay_capacity": LOOP_REPLAY_CAPACITY,
        "batch_size": cfg.batch_size, "update_period": cfg.update_period, "epsilon": cfg.eps_end,
        "action_repeat": cfg.action_repeat, "sticky_action_prob": cfg.sticky_action_prob,
        "optimizer": cfg.optimizer,
        "tf_threads": "TensorFlow's defaults (one intra-op thread per core)",
        "cpus": args.threads, "timed_agent_steps": args.steps,
    }
    rounds, loads, sb3_settings, peer_versions = [], [], None, None
    print(f"[bench-peer] {args.rounds} rounds x {args.steps} agent steps per side, {args.game}, "
          f"{args.threads} threads; ours {args.precision}, SB3 float32", flush=True)
    for i in range(args.rounds):
        order = side_order(i)
        load_before = os.getloadavg()[0]
        row = {"round": i + 1, "order": list(order),
               "load_average_1min_before": round(load_before, 2)}
        for side in order:
            print(f"[bench-peer] round {i + 1}/{args.rounds}: {side} ...", flush=True)
            if side == "ours":
                row.update(run_ours(args.game, args.steps, args.precision))
            else:
                sb3 = run_sb3(python, args, cfg)
                sb3_settings, peer_versions = sb3.pop("sb3_settings"), sb3.pop("versions")
                row.update(sb3)
        row["load_average_1min_after"] = round(os.getloadavg()[0], 2)
        loads.append({"round": i + 1, "before": row["load_average_1min_before"],
                      "after": row["load_average_1min_after"]})
        rounds.append(row)
        print(f"[bench-peer] round {i + 1}: ours {row['ours_env_frames_per_s']:,.0f} env frames/s, "
              f"SB3 {row['sb3_env_frames_per_s']:,.0f} env frames/s; load 1 min "
              f"{row['load_average_1min_before']} -> {row['load_average_1min_after']}", flush=True)
    return {**summarize(rounds), "rounds": rounds, "load_average_1min": loads,
            "our_settings": our_settings, "sb3_settings": sb3_settings,
            "versions": {"ours": our_versions(), "sb3_side": peer_versions},
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "cpus": args.threads}


def report(result: dict) -> None:
    print(f"{'round':>5} {'first':>5} {'ours frames/s':>14} {'SB3 frames/s':>13} "
          f"{'ours/SB3':>9} {'load before':>12} {'load after':>11}")
    for r in result["rounds"]:
        ratio = r["ours_agent_steps_per_s"] / r["sb3_agent_steps_per_s"]
        print(f"{r['round']:>5} {r['order'][0]:>5} {r['ours_env_frames_per_s']:>14,.1f} "
              f"{r['sb3_env_frames_per_s']:>13,.1f} {ratio:>9.2f} "
              f"{r['load_average_1min_before']:>12} {r['load_average_1min_after']:>11}")
    print(f"{'median':>11} {result['loop_env_frames_per_s']:>14,.1f} "
          f"{result['sb3_loop_env_frames_per_s']:>13,.1f} {result['loop_vs_sb3_ratio']:>9.2f}")
    print(f"targets: ours >= 1,000 env frames/s ({result['loop_env_frames_per_s']:,.1f}); "
          f"ours/SB3 >= 2.5 ({result['loop_vs_sb3_ratio']:.2f})")
    v = result["versions"]
    peer = v["sb3_side"] or {}
    print(f"versions: tensorflow {v['ours']['tensorflow']}, keras {v['ours']['keras']}; "
          f"stable-baselines3 {peer.get('stable_baselines3')}, torch {peer.get('torch')}")
    busiest = max(x["before"] for x in result["load_average_1min"])
    if busiest > 0.5:
        print(f"note: the 1-minute load average was up to {busiest} before a round: other work was "
              f"running, so these numbers are not those of an idle machine")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m papers.dqn.bench_peer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--game", default="pong", help="ale-py game id (default: pong)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of both sides (default: 3)")
    ap.add_argument("--steps", type=int, default=4_000,
                    help="agent steps timed per side and round (default: 4000 = 16,000 frames)")
    ap.add_argument("--precision", default="float32", choices=["mixed_bfloat16", "float32"],
                    help="our side's precision (default float32: the Nature profile's and SB3's)")
    ap.add_argument("--sb3-learning-starts", type=int, default=1_000,
                    help="SB3's random-policy agent steps before learning (default: 1000)")
    ap.add_argument("--sb3-warmup-steps", type=int, default=200,
                    help="SB3's learning agent steps before the timed window (default: 200)")
    ap.add_argument("--threads", type=int, default=default_threads(),
                    help="torch.set_num_threads on SB3's side (default: this process's CPUs, as "
                         "TensorFlow's default pool on ours)")
    ap.add_argument("--peer-python", default=PEER_PYTHON,
                    help=f"SB3's python (default: {PEER_PYTHON}, built by make bench-peer)")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    # SB3's side itself, run by the comparison in .venv-peer
    ap.add_argument("--side", choices=["compare", "sb3"], default="compare", help=argparse.SUPPRESS)
    ap.add_argument("--batch-size", type=int, default=32, help=argparse.SUPPRESS)
    ap.add_argument("--update-period", type=int, default=4, help=argparse.SUPPRESS)
    ap.add_argument("--target-update-interval", type=int, default=40_000, help=argparse.SUPPRESS)
    ap.add_argument("--epsilon", type=float, default=0.1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.steps < 1 or args.threads < 1:
        raise UserError("--rounds, --steps and --threads must be >= 1")

    if args.side == "sb3":
        result = measure_sb3(args.game, args.steps, args.sb3_learning_starts, args.sb3_warmup_steps,
                             LOOP_REPLAY_CAPACITY, args.batch_size, args.update_period,
                             args.target_update_interval, args.epsilon, args.threads)
    else:
        result = compare(args)
        report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    run_main(main)
