"""Mnih et al. 2013, 2015 (DQN): the runs behind `make reproduce`, for one budget.

`run(budget, runs_root)` writes only under runs_root/dqn/ and skips what is finished; re-running
continues the Pong run:
  1. Pong with the Nature learner (`--profile cpu`, runs/dqn/cpu-seed0; budget "paper": `--profile
     nature`, runs/dqn/nature/pong-seed0, the Pong run of the launcher's Nature list,
     papers/dqn/experiments.py), at most DQN_TRAIN_MINUTES minutes per invocation (default: 38
     at the cpu budget, no limit at the paper budget); a later invocation resumes it.
     DQN_TRAIN_MINUTES=0 skips Pong training.
     DQN_PONG_RUN_DIR trains (and evaluates) another run directory instead.
  2. CartPole-v1 algorithm check (`--profile cartpole`, runs/dqn/cartpole-seed0).
  3. The Nature evaluation protocol (evaluate.py, common/atari_eval.py: eps 0.05, 30 games,
     18,000-frame cap) on the newest Pong checkpoint, cached in
     <run dir>/evaluation/eval_summary.json (and online.weights.h5, the network it scored) and
     redone only when a newer checkpoint exists or that network is missing.
  4. benchmark.py into runs/dqn/benchmark.json, when neither runs/dqn/ nor the committed
     results/dqn/ has a benchmark.json (or DQN_BENCHMARK=1).
Budget "smoke" (`make reproduce BUDGET=smoke`, about a minute): the same steps at toy size, in
run directories of their own (runs/dqn/smoke-pong-seed0, runs/dqn/smoke-cartpole-seed0): Pong
`--profile smoke` (games cut to 400 frames), CartPole `--profile cartpole` cut to 300 agent steps,
the final evaluation on 1 game capped at 400 frames, no benchmark; DQN_TRAIN_MINUTES and
DQN_PONG_RUN_DIR are ignored.

papers/dqn/report.py builds the paper's section of the report from these run directories.

    python -m papers.dqn.reproduce [--budget cpu|paper|smoke] [--runs runs] [--report-only]
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from common.report import SMOKE
from common.run import latest_checkpoint

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PAPER = "dqn"
COMMITTED_RESULTS = ROOT / "results" / PAPER      # a committed benchmark.json there is not re-measured

#: budget "smoke": Pong `--profile smoke` with games cut to 400 frames, so that its 1,200 frames
#: hold a few training games (the curve, the binned CSV) instead of none
SMOKE_PONG_SET = ("train_episode_frames=400",)
#: budget "smoke": the CartPole check cut to seconds (on top of `--profile cartpole`)
SMOKE_CARTPOLE_SET = ("total_agent_steps=300", "replay_start=100", "eps_decay_steps=100",
                      "eval_period=150", "eval_episodes=5", "checkpoint_period=150", "log_period=50")
#: budget "smoke": the final evaluation (evaluate.py options) instead of the Nature protocol
SMOKE_EVAL = ("--episodes", "1", "--max-frames", "400")


def profile_of(budget: str) -> str:
    """The train.py profile of the Pong run: cpu, smoke, or nature (budget paper)."""
    return {"cpu": "cpu", SMOKE: SMOKE}.get(budget, "nature")


def pong_name(budget: str) -> str:
    """Default Pong run directory name: cpu-seed0, nature/pong-seed0, or smoke-pong-seed0."""
    return {"cpu": "cpu-seed0", SMOKE: "smoke-pong-seed0"}.get(budget, "nature/pong-seed0")


def cart_prefix(budget: str) -> str:
    """Name of the CartPole run directories, before the seed."""
    return "smoke-cartpole-seed" if budget == SMOKE else "cartpole-seed"


def _commit() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()


def _train(argv: list[str]) -> None:
    from papers.dqn import train
    code = train.main(argv)
    if code:
        raise RuntimeError(f"python -m papers.dqn.train {' '.join(argv)} exited with {code}")


def _evaluate_latest(run_dir: Path, extra: tuple[str, ...] = ()) -> dict | None:
    """Nature-protocol evaluation of the newest checkpoint, cached in the run directory (with the
    network it scored: an older evaluation without it is redone, the same games again)."""
    from papers.dqn import evaluate
    newest = latest_checkpoint(run_dir)
    if newest is None:
        return None
    step = newest[0]
    summary_path = run_dir / "evaluation" / "eval_summary.json"
    if (summary_path.exists() and json.loads(summary_path.read_text())["agent_steps"] == step
            and (run_dir / "evaluation" / evaluate.WEIGHTS).exists()):
        return json.loads(summary_path.read_text())
    if evaluate.main(["--run-dir", str(run_dir), *extra]) != 0:
        raise RuntimeError(f"evaluation of {run_dir} failed")
    return json.loads(summary_path.read_text())


def run(budget: str, runs_root: Path) -> None:
    """Train / resume / evaluate / benchmark for this budget; writes only under runs_root/dqn/."""
    runs_root = Path(runs_root)
    if budget == SMOKE:
        _run_smoke(runs_root)
        return
    profile = profile_of(budget)
    pong_dir = Path(os.environ.get("DQN_PONG_RUN_DIR") or runs_root / PAPER / pong_name(budget))
    cart_dir = runs_root / PAPER / "cartpole-seed0"
    # one invocation's share of Pong: 38 minutes at the cpu budget, no limit at the paper budget
    # (unless DQN_TRAIN_MINUTES says so)
    limit = os.environ.get("DQN_TRAIN_MINUTES", "38" if budget == "cpu" else "")
    minutes = float(limit) if limit else None
    if minutes != 0 and not (pong_dir / "DONE").exists():
        _train(["--profile", profile, "--run-dir", str(pong_dir)]
               + (["--max-minutes", str(minutes)] if minutes else []))
    if not (cart_dir / "DONE").exists():
        _train(["--profile", "cartpole", "--run-dir", str(cart_dir)])
    _evaluate_latest(pong_dir)
    bench_path = runs_root / PAPER / "benchmark.json"
    have = bench_path.exists() or (COMMITTED_RESULTS / "benchmark.json").exists()
    if not have or os.environ.get("DQN_BENCHMARK") == "1":
        from papers.dqn.benchmark import measure
        bench = measure()
        bench.update(commit=_commit(), load_average_1min=os.getloadavg()[0])
        bench_path.parent.mkdir(parents=True, exist_ok=True)
        bench_path.write_text(json.dumps(bench, indent=2) + "\n")


def _run_smoke(runs_root: Path) -> None:
    """Every step of run() at toy size, in smoke-* run directories; no env var, no benchmark."""
    pong_dir = runs_root / PAPER / pong_name(SMOKE)
    cart_dir = runs_root / PAPER / f"{cart_prefix(SMOKE)}0"
    if not (pong_dir / "DONE").exists():
        _train(["--profile", SMOKE, "--run-dir", str(pong_dir)]
               + [a for kv in SMOKE_PONG_SET for a in ("--set", kv)])
    if not (cart_dir / "DONE").exists():
        _train(["--profile", "cartpole", "--run-dir", str(cart_dir)]
               + [a for kv in SMOKE_CARTPOLE_SET for a in ("--set", kv)])
    _evaluate_latest(pong_dir, SMOKE_EVAL)


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("dqn", __doc__, run, argv=argv))
