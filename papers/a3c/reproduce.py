"""Mnih et al. 2016 (A3C): the runs behind `make reproduce`, for one budget.

`run(budget, runs_root)` writes only under runs_root/a3c/ and skips what is finished:
  1. the algorithm checks on CartPole-v1 (MLP torso, 8 threads), A3C and n-step Q-learning:
     cartpole-<method>-seed0, each stopped once the mean return of 100 episodes reaches 195
     (at most CARTPOLE_LIMIT_S per invocation);
  2. the throughput benchmark (benchmark.py -> benchmark.json, call_costs.json), once;
  3. the Pong run of A3C FF (profile `cpu`, 16 threads; `paper` at budget "paper"):
     pong-<profile>-seed0, at the cpu budget for at most PONG_INVOCATION_S per invocation,
     then stopped with SIGTERM (it saves a checkpoint) and resumed by the next invocation;
     the environment variable A3C_DEADLINE (a unix time) can end an invocation sooner, and the
     benchmark is then skipped if it would not fit;
  4. a no-op-start evaluation of the newest Pong checkpoint (evaluate.py -> evaluation.json);
  5. the network diagnosis of that checkpoint (diagnose.py -> diagnosis.json: dead units per
     layer, how much pi and V vary over states).
Budget "smoke" (about a minute) checks the pipeline: steps 1, 3, 4 and 5 at the `smoke` profile
in smoke-* run dirs (CartPole for SMOKE_CARTPOLE_FRAMES frames, one evaluation episode cut at
2,000 frames, a diagnosis on 40 states), no benchmark, no time limits; its numbers mean nothing.

papers/a3c/report.py builds the paper's section of the report from these run directories.

    python -m papers.a3c.reproduce [--budget cpu|paper|smoke] [--runs runs] [--report-only]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from common.report import SMOKE
from common.results import read_json
from common.run import complete_checkpoints

PAPER = "a3c"
METHODS = ("a3c", "n_step_q")
PONG_INVOCATION_S = 1500          # one invocation's share of the Pong run (the whole invocation stays under 40 min)
CARTPOLE_LIMIT_S = 420
SAVE_GRACE_S = 120
EVAL_RESERVE_S = 240              # kept for the evaluation when A3C_DEADLINE (unix time) bounds the run
BENCHMARK_NEEDS_S = 300           # the benchmark (5 thread counts + per-call costs) takes about 3 min
SMOKE_CARTPOLE_FRAMES = 2_000     # CartPole steps of a smoke check (smoke profile, 2 threads)
SMOKE_EVAL = ("--episodes", "1", "--max-episode-frames", "2000")   # one evaluation episode cut at 2,000 frames
SMOKE_DIAGNOSIS = ("--states", "40")
SMOKE_LIMIT_S = 600               # a safety net only: a smoke training takes seconds


# ---------------------------------------------------------------------------------- layout
def pong_profile(budget: str) -> str:
    return budget if budget in ("cpu", SMOKE) else "paper"


def cartpole_dir(runs_root: Path, method: str, budget: str = "cpu") -> Path:
    prefix = "smoke-" if budget == SMOKE else ""
    return Path(runs_root) / PAPER / f"{prefix}cartpole-{method}-seed0"


def pong_dir(runs_root: Path, budget: str) -> Path:
    if budget == SMOKE:
        return Path(runs_root) / PAPER / "smoke-pong-seed0"
    return Path(runs_root) / PAPER / f"pong-{pong_profile(budget)}-seed0"


def cartpole_args(method: str, budget: str) -> list[str]:
    """train.py arguments of the CartPole check (its `smoke` version: the smoke profile on CartPole)."""
    if budget == SMOKE:
        return ["--profile", "smoke", "--set", f"method={method}", "--set", "env=CartPole-v1",
                "--set", "network=mlp", "--set", "clip_rewards=false", "--set", "max_grad_norm=1e9",
                "--set", f"total_frames={SMOKE_CARTPOLE_FRAMES}"]
    return ["--profile", "cartpole", "--set", f"method={method}"]


# ---------------------------------------------------------------------------------- run()
def _train(args: list[str], limit_s: float | None) -> int:
    """Run `python -m papers.a3c.train ARGS`; after limit_s (None: never) send SIGTERM (it saves and exits)."""
    cmd = [sys.executable, "-m", "papers.a3c.train", *args]
    print("[a3c run] " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd)
    try:
        return proc.wait(timeout=limit_s)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=SAVE_GRACE_S)


def _seconds_left() -> float | None:
    """Seconds until A3C_DEADLINE (unix time by which this invocation should end), or None."""
    deadline = os.environ.get("A3C_DEADLINE")
    return float(deadline) - time.time() if deadline else None


def run(budget: str, runs_root: Path) -> None:
    """Train / resume / evaluate / benchmark everything for this budget, under runs_root/a3c/."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    base = Path(runs_root) / PAPER
    base.mkdir(parents=True, exist_ok=True)
    if budget == SMOKE:
        return _run_smoke(runs_root)

    # 1. CartPole algorithm checks
    _cartpole_checks(runs_root, budget, CARTPOLE_LIMIT_S)

    # 2. benchmark (once), unless A3C_DEADLINE leaves no room for it
    left = _seconds_left()
    if left is not None and left < BENCHMARK_NEEDS_S + EVAL_RESERVE_S + 60:
        print("[a3c run] benchmark skipped: A3C_DEADLINE leaves too little time", flush=True)
    else:
        for name, extra in (("benchmark.json", ()), ("call_costs.json", ("--calls-only",))):
            if not (base / name).exists():
                subprocess.run([sys.executable, "-m", "papers.a3c.benchmark", *extra, "--out", str(base)], check=True)

    # 3. Pong (resumable)
    pong = pong_dir(runs_root, budget)
    limit = PONG_INVOCATION_S if budget == "cpu" else None      # the paper budget: no limit
    left = _seconds_left()
    if left is not None:
        limit = min(limit or left, left - EVAL_RESERVE_S)
    if not (pong / "DONE").exists() and (limit is None or limit > 60):
        _train(["--profile", pong_profile(budget), "--run-dir", str(pong)], limit)

    # 4. and 5. evaluation and diagnosis of the newest checkpoint
    _evaluate_newest(pong)


def _run_smoke(runs_root: Path) -> None:
    """run("smoke"): steps 1, 3, 4 and 5 at the smoke profile (no benchmark, no deadline)."""
    _cartpole_checks(runs_root, SMOKE, SMOKE_LIMIT_S)
    print("[a3c run] benchmark skipped at the smoke budget", flush=True)
    pong = pong_dir(runs_root, SMOKE)
    if not (pong / "DONE").exists():
        _train(["--profile", "smoke", "--run-dir", str(pong)], SMOKE_LIMIT_S)
    if not complete_checkpoints(pong):
        raise RuntimeError(f"the smoke Pong run {pong} left no complete checkpoint")
    _evaluate_newest(pong, SMOKE_EVAL, SMOKE_DIAGNOSIS)


def _cartpole_checks(runs_root: Path, budget: str, limit_s: float) -> None:
    for method in METHODS:
        run_dir = cartpole_dir(runs_root, method, budget)
        if not (run_dir / "DONE").exists():
            _train([*cartpole_args(method, budget), "--run-dir", str(run_dir)], limit_s)


def _evaluate_newest(run_dir: Path, evaluate_args=(), diagnose_args=()) -> None:
    """evaluation.json (with the network it scored) and diagnosis.json of the run's newest complete
    checkpoint, each computed once per checkpoint (evaluate.py and diagnose.py record the checkpoint
    they read); an evaluation without its network is redone (the same games again)."""
    from papers.a3c.evaluate import WEIGHTS
    steps = complete_checkpoints(run_dir)
    if not steps:
        print(f"[a3c run] {run_dir} has no complete checkpoint yet: evaluation skipped", flush=True)
        return
    for script, output, also, extra in (("evaluate", "evaluation.json", (WEIGHTS,), evaluate_args),
                                        ("diagnose", "diagnosis.json", (), diagnose_args)):
        current = (read_json(run_dir / output) or {}).get("checkpoint_env_frames") == steps[-1]
        if not current or not all((run_dir / name).exists() for name in also):
            subprocess.run([sys.executable, "-m", f"papers.a3c.{script}", "--run-dir", str(run_dir), *extra],
                           check=True)


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("a3c", __doc__, run, argv=argv))
