"""Mnih et al. 2016 (A3C): the CPU-scale reproduction behind `make reproduce`.

`main(budget, results_dir)` runs or resumes, each in its own run dir under runs/a3c/:
  1. the algorithm checks on CartPole-v1 (MLP torso, 8 threads): A3C and n-step Q-learning,
     each stopped once the mean return of 100 episodes reaches 195 (at most CARTPOLE_LIMIT_S);
  2. the throughput benchmark (benchmark.py), once;
  3. the Pong run of A3C FF (profile `cpu`, 16 threads) for at most PONG_INVOCATION_S per
     invocation: it is then stopped with SIGTERM (it saves a checkpoint) and the next
     invocation resumes it, until its 10M frames are done (shorter when the environment
     variable A3C_DEADLINE, a unix time, says when the invocation must end);
  4. a no-op-start evaluation of the newest Pong checkpoint (EVAL_EPISODES episodes; skipped
     when evaluation.json already holds that checkpoint's evaluation);
then writes results_dir/{pong_curve.png, cartpole_curves.png, benchmark.json, evidence.json,
results.md}, puts the same Markdown (and the profiles' deviation tables) between the markers of
papers/a3c/README.md, and returns it. Budget "paper" runs the `paper` profile on Pong instead.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common.results import curve_plot, markdown_table, read_published, write_between_markers
from common.run import versions
from papers.a3c.benchmark import gil_verdict
from papers.a3c.evaluate import newest_checkpoint

RUNS = Path("runs/a3c")
PUBLISHED = Path(__file__).parent / "published"
PONG_INVOCATION_S = 1500          # one invocation's share of the Pong run (the whole invocation stays under 40 min)
CARTPOLE_LIMIT_S = 420
EVAL_EPISODES = 10
RANDOM_PONG = -20.7               # random agent, Mnih 2015 Ext. Data Table 2 (no-op starts)
SAVE_GRACE_S = 120
EVAL_RESERVE_S = 240              # kept for the evaluation when A3C_DEADLINE (unix time) bounds the run


def _train(args: list[str], limit_s: float) -> int:
    """Run `python -m papers.a3c.train ARGS`; after limit_s send SIGTERM (it saves and exits)."""
    cmd = [sys.executable, "-m", "papers.a3c.train", *args]
    print("[a3c reproduce] " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd)
    try:
        return proc.wait(timeout=limit_s)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=SAVE_GRACE_S)


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _summary(run_dir: Path) -> dict:
    path = run_dir / "summary.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _pong_verdict(ev: dict) -> str:
    """One sentence on what the Pong run shows, from its numbers (2 points above random
    is the smallest gain we call learning, given the spread of 10 evaluation episodes)."""
    gain = ev["pong_cpu_final_score"] - RANDOM_PONG
    done = "complete" if ev["pong_cpu_complete"] else "partial"
    what = ("shows learning" if gain >= 2.0 else
            "shows NO learning yet: its score is within noise of the random agent's")
    return (f"The {done} run ({ev['pong_cpu_env_frames'] / 1e6:.2f}M frames, {ev['pong_cpu_threads']} threads, "
            f"{ev['pong_cpu_wall_hours']:.2f} h of wall time) {what}.")


def _run_commit(run_dir: Path) -> str | None:
    """The git commit recorded by the run's latest invocation (versions.json)."""
    path = run_dir / "versions.json"
    return json.loads(path.read_text()).get("git_commit") if path.exists() else None


def _rolling(xs, ys, k: int):
    ys = np.asarray(ys, float)
    if len(ys) < k:
        return list(xs), list(ys)
    return list(xs[k - 1:]), list(np.convolve(ys, np.ones(k) / k, mode="valid"))


def _cartpole(method: str) -> tuple[Path, dict]:
    run_dir = RUNS / f"cartpole-{method}-seed0"
    if not (run_dir / "DONE").exists():
        _train(["--profile", "cartpole", "--set", f"method={method}", "--run-dir", str(run_dir)],
               CARTPOLE_LIMIT_S)
    return run_dir, _summary(run_dir)


def main(budget: str = "cpu", results_dir: Path = Path("results/a3c")) -> str:
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    commit = versions()["git_commit"]
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")

    # 1. CartPole algorithm checks
    checks = {m: _cartpole(m) for m in ("a3c", "n_step_q")}

    # 2. benchmark (once)
    bench_path = results_dir / "benchmark.json"
    if not bench_path.exists():
        subprocess.run([sys.executable, "-m", "papers.a3c.benchmark", "--out", str(results_dir)], check=True)
    bench = json.loads(bench_path.read_text())
    costs_path = results_dir / "call_costs.json"
    if not costs_path.exists():
        subprocess.run([sys.executable, "-m", "papers.a3c.benchmark", "--calls-only", "--out", str(results_dir)],
                       check=True)
    costs = json.loads(costs_path.read_text())
    by_threads = {r["threads"]: r for r in bench["rows"]}

    # 3. Pong (resumable), 4. evaluation
    profile = "cpu" if budget == "cpu" else "paper"
    pong_dir = RUNS / f"pong-{profile}-seed0"
    limit = PONG_INVOCATION_S
    if os.environ.get("A3C_DEADLINE"):          # unix time by which this invocation should end
        limit = min(limit, float(os.environ["A3C_DEADLINE"]) - time.time() - EVAL_RESERVE_S)
    if not (pong_dir / "DONE").exists() and limit > 60:
        _train(["--profile", profile, "--run-dir", str(pong_dir)], limit)
    eval_path = pong_dir / "evaluation.json"
    if not eval_path.exists() or json.loads(eval_path.read_text())["checkpoint_env_frames"] != newest_checkpoint(pong_dir)[0]:
        subprocess.run([sys.executable, "-m", "papers.a3c.evaluate", "--run-dir", str(pong_dir),
                        "--episodes", str(EVAL_EPISODES)], check=True)
    pong_eval = json.loads(eval_path.read_text())
    episodes = _rows(pong_dir / "episodes.csv")
    metrics = _rows(pong_dir / "metrics.csv")
    frames = int(metrics[-1]["env_frames"]) if metrics else 0
    threads = json.loads((pong_dir / "config.json").read_text())["config"]["threads"]
    wall_h = float(metrics[-1]["wall_time"]) / 3600 if metrics else 0.0

    # plots
    xs = np.array([int(e["env_frames"]) for e in episodes]) / 1e6
    ys = [float(e["return"]) for e in episodes]
    curve_plot({"training episodes (mean of 16)": _rolling(xs, ys, 16)}, results_dir / "pong_curve.png",
               title=f"A3C FF on Pong, {threads} threads, CPU-scale (partial: {frames / 1e6:.1f}M frames)",
               xlabel="emulator frames (millions)", ylabel="raw episode score",
               hlines={f"random {RANDOM_PONG}": RANDOM_PONG})
    cp_series = {}
    for m, (run_dir, _) in checks.items():
        eps = _rows(run_dir / "episodes.csv")
        label = m if m == "a3c" else f"{m} (all threads; 'solved' counts those with final epsilon <= 0.1)"
        cp_series[label] = _rolling([float(e["wall_time"]) for e in eps], [float(e["return"]) for e in eps], 100)
    curve_plot(cp_series, results_dir / "cartpole_curves.png", title="CartPole-v1, 8 threads (mean of 100 episodes)",
               xlabel="wall-clock seconds", ylabel="episode return", hlines={"solved 195": 195.0})

    def solved_s(summary: dict):
        return summary["solved_at"]["wall_time"] if summary.get("solved_at") else None

    evidence = {
        "cartpole_solved_seconds": solved_s(checks["a3c"][1]),
        "cartpole_solved_frames": (checks["a3c"][1].get("solved_at") or {}).get("env_frames"),
        "nstep_q_cartpole_solved_seconds": solved_s(checks["n_step_q"][1]),
        "nstep_q_cartpole_solved_frames": (checks["n_step_q"][1].get("solved_at") or {}).get("env_frames"),
        "cartpole_threads": checks["a3c"][1].get("threads"),
        "pong_cpu_env_frames": frames,
        "pong_cpu_threads": threads,
        "pong_cpu_wall_hours": round(wall_h, 2),
        "pong_cpu_final_score": pong_eval["mean_return"],
        "pong_cpu_final_score_episodes": pong_eval["episodes"],
        "pong_cpu_eval_protocol": pong_eval["protocol"],
        "pong_cpu_training_return_last_16": float(np.mean(ys[-16:])) if ys else None,
        "pong_random_score": RANDOM_PONG,
        "pong_cpu_complete": (pong_dir / "DONE").exists(),
        "env_frames_per_s_1_thread": by_threads.get(1, {}).get("env_frames_per_s"),
        "env_frames_per_s_16_threads": by_threads.get(16, {}).get("env_frames_per_s"),
        "speedup_16_threads": by_threads.get(16, {}).get("speedup"),
        "commit": _run_commit(pong_dir) or commit,
        "cartpole_commit": _run_commit(checks["a3c"][0]),
        "nstep_q_cartpole_commit": _run_commit(checks["n_step_q"][0]),
        "report_commit": commit,
    }
    (results_dir / "evidence.json").write_text(json.dumps(evidence, indent=2) + "\n")
    for name in ("evaluation.json", "episodes.csv", "metrics.csv"):
        shutil.copy(pong_dir / name, results_dir / f"pong_{name}")

    pub = {r["game"]: r for r in read_published(PUBLISHED / "a3c_scores.csv")}["pong"]
    bench_table = markdown_table(
        ["threads", "env frames/s", "x 1 thread", "env", "forward", "update", "sync"],
        [[r["threads"], r["env_frames_per_s"], r["speedup"]] +
         [r.get(f"share_{k}", 0.0) for k in ("env", "forward", "update", "sync")] for r in bench["rows"]], 2)
    check_table = markdown_table(
        ["method", "solved (mean of 100 >= 195)", "seconds", "frames"],
        [[m, s.get("solved"), solved_s(s), (s.get("solved_at") or {}).get("env_frames")]
         for m, (_, s) in checks.items()], 1)
    pong_table = markdown_table(
        ["agent", "frames", "score", "protocol"],
        [["random (Mnih 2015)", "-", RANDOM_PONG, "no-op starts"],
         [f"ours, A3C FF {threads} threads (CPU-scale, {'complete' if evidence['pong_cpu_complete'] else 'partial'})",
          f"{frames / 1e6:.2f}M", pong_eval["mean_return"], f"no-op starts, {pong_eval['episodes']} episodes"],
         ["paper, A3C FF 1 day", "-", float(pub["a3c_ff_1day"]), "human starts"],
         ["paper, A3C FF 4 days", "-", float(pub["a3c_ff_4days"]), "human starts"]], 1)
    body = "\n\n".join([
        f"Runs at commit `{evidence['commit']}` (Pong), report written at `{commit}`. "
        f"Run dirs under `{RUNS}/`.",
        "### Algorithm checks (CartPole-v1, MLP torso, 8 threads)\n\n" + check_table,
        f"### Pong, A3C FF (profile `{profile}`)\n\n" + pong_table + "\n\n" + _pong_verdict(evidence) +
        "\n\n![Pong curve](pong_curve.png)",
        "### Throughput of the actor-learner threads (A3C FF, Pong)\n\n" + bench_table +
        f"\n\n`ale.act` calls/s: {bench['ale_act_per_s_1_thread']:,} with one thread, "
        f"{bench['ale_act_per_s_2_threads']:,} with two threads on two emulators "
        f"({gil_verdict(bench['ale_act_per_s_2_threads'] / bench['ale_act_per_s_1_thread'])}).",
        "Cost of one call, one thread (`benchmark.py --calls-only`):\n\n" +
        markdown_table(["call", "ms"], list(costs.items()), 3),
    ])
    (results_dir / "results.md").write_text(body + "\n")
    _update_readme(body)
    return body


def _update_readme(results: str) -> None:
    """Write the results and the deviation tables between the README's markers."""
    from common.config import build, deviations_markdown
    from papers.a3c.config import PROFILES, A3CConfig
    readme = Path(__file__).parent / "README.md"
    devs = "\n\n".join(f"Profile `{name}`:\n\n" + deviations_markdown(build(A3CConfig, PROFILES, name)[1])
                        for name in ("paper", "cpu", "cartpole"))
    for marker, content in (("results", results.replace("](", "](../../results/a3c/")), ("deviations", devs)):
        write_between_markers(readme, f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->", content)


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else "cpu"))
