"""Mnih et al. 2016 (A3C): the CPU-scale reproduction behind `make reproduce`.

`run(budget, runs_root)` trains, resumes, evaluates and benchmarks; it writes only under
runs_root/a3c/ and skips what is finished:
  1. the algorithm checks on CartPole-v1 (MLP torso, 8 threads): A3C and n-step Q-learning,
     run dirs cartpole-<method>-seed0, each stopped once the mean return of 100 episodes
     reaches 195 (at most CARTPOLE_LIMIT_S per invocation);
  2. the throughput benchmark (benchmark.py -> benchmark.json, call_costs.json), once;
  3. the Pong run of A3C FF (profile `cpu`, 16 threads; `paper` for budget "paper"), run dir
     pong-<profile>-seed0, at the cpu budget for at most PONG_INVOCATION_S per invocation (the
     paper budget has no limit): it is then stopped
     with SIGTERM (it saves a checkpoint) and the next invocation resumes it, until its
     frames are done (shorter when the environment variable A3C_DEADLINE, a unix time, says
     when the invocation must end; the benchmark is then skipped if it would not fit);
  4. a no-op-start evaluation of the newest Pong checkpoint (the run's eval_episodes) into the
     run dir's evaluation.json, skipped when that file already holds that checkpoint;
  5. the network diagnosis of that checkpoint (diagnose.py -> diagnosis.json: dead units per
     layer, how much pi and V vary over states), once per checkpoint.
Budget "smoke" (`make reproduce BUDGET=smoke`, about a minute) runs the same steps at the
config's `smoke` profile, in run dirs smoke-cartpole-<method>-seed0 and smoke-pong-seed0 that
never collide with the cpu/paper ones: CartPole for SMOKE_CARTPOLE_FRAMES frames (not solved),
Pong for the profile's 400 frames, an evaluation of SMOKE_EVAL_EPISODES episode cut at
SMOKE_EVAL_FRAMES frames, a diagnosis on SMOKE_DIAGNOSIS_STATES states; no benchmark, no time
limits, A3C_DEADLINE ignored. It checks the plumbing only: its numbers are meaningless.

`report(budget, runs_root, results_dir)` builds the paper's report Section from those files
and papers/a3c/published/ only (no training, no clock, no current commit): it writes
results_dir/{pong_curve.png, cartpole_curves.png, evidence.json, results.md, copies of the
Pong run's evaluation.json, diagnosis.json, episodes.csv, metrics.csv and of the benchmark
json}, and the generated blocks of papers/a3c/README.md (budget "cpu" only). The benchmark json
is read from runs_root/a3c/, else from the committed results/a3c/ copy. With no run directory at all it returns a
"not run" Section and writes nothing.

    python -m papers.a3c.reproduce [--budget cpu|paper|smoke] [--runs runs] [--report-only]
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common.report import Section, measured_file
from common.results import curve_plot, markdown_table, read_json, read_published, read_rows, write_between_markers

PAPER = "a3c"
ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = Path(__file__).parent / "published"
README = Path(__file__).parent / "README.md"
COMMITTED_RESULTS = ROOT / "results" / PAPER   # committed benchmark json, the fallback of report()
METHODS = ("a3c", "n_step_q")
BENCH_FILES = ("benchmark.json", "call_costs.json")
PONG_INVOCATION_S = 1500          # one invocation's share of the Pong run (the whole invocation stays under 40 min)
CARTPOLE_LIMIT_S = 420
SAVE_GRACE_S = 120
EVAL_RESERVE_S = 240              # kept for the evaluation when A3C_DEADLINE (unix time) bounds the run
BENCHMARK_NEEDS_S = 300           # the benchmark (5 thread counts + per-call costs) takes about 3 min
SOLVED_RETURN = 195.0
LEARNING_MARGIN = 2.0             # points above random we call learning (about 2 std of one episode's score)
SMOKE = "smoke"                   # the plumbing check: tiny runs, numbers meaningless
SMOKE_CARTPOLE_FRAMES = 2_000     # CartPole steps of a smoke check (smoke profile, 2 threads)
SMOKE_EVAL_EPISODES = 1
SMOKE_EVAL_FRAMES = 2_000         # one evaluation episode cut at 2,000 frames
SMOKE_DIAGNOSIS_STATES = 40
SMOKE_LIMIT_S = 600               # a safety net only: a smoke training takes seconds
SMOKE_NOTE = ("**Smoke run** (budget `smoke`): every step of the pipeline at tiny settings (profile "
              "`smoke`), to check the plumbing only; the numbers below are meaningless.")


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
    for method in METHODS:
        run_dir = cartpole_dir(runs_root, method)
        if not (run_dir / "DONE").exists():
            _train([*cartpole_args(method, budget), "--run-dir", str(run_dir)], CARTPOLE_LIMIT_S)

    # 2. benchmark (once), unless A3C_DEADLINE leaves no room for it
    left = _seconds_left()
    if left is not None and left < BENCHMARK_NEEDS_S + EVAL_RESERVE_S + 60:
        print("[a3c run] benchmark skipped: A3C_DEADLINE leaves too little time", flush=True)
    else:
        if not (base / "benchmark.json").exists():
            subprocess.run([sys.executable, "-m", "papers.a3c.benchmark", "--out", str(base)], check=True)
        if not (base / "call_costs.json").exists():
            subprocess.run([sys.executable, "-m", "papers.a3c.benchmark", "--calls-only", "--out", str(base)],
                           check=True)

    # 3. Pong (resumable)
    pong = pong_dir(runs_root, budget)
    limit = PONG_INVOCATION_S if budget == "cpu" else None      # the paper budget: no limit
    left = _seconds_left()
    if left is not None:
        limit = min(limit or left, left - EVAL_RESERVE_S)
    if not (pong / "DONE").exists() and (limit is None or limit > 60):
        _train(["--profile", pong_profile(budget), "--run-dir", str(pong)], limit)

    # 4. evaluation of the newest checkpoint
    steps = _checkpoint_steps(pong)
    if not steps:
        print(f"[a3c run] {pong} has no complete checkpoint yet: evaluation skipped", flush=True)
        return
    evaluation = read_json(pong / "evaluation.json") or {}
    if evaluation.get("checkpoint_env_frames") != steps[-1]:
        subprocess.run([sys.executable, "-m", "papers.a3c.evaluate", "--run-dir", str(pong)], check=True)
    _diagnose(pong, steps[-1])


def _diagnose(run_dir: Path, step: int, *extra: str) -> None:
    """diagnosis.json (dead units, state dependence) of the newest checkpoint, once per checkpoint."""
    if (read_json(run_dir / "diagnosis.json") or {}).get("checkpoint_env_frames") != step:
        subprocess.run([sys.executable, "-m", "papers.a3c.diagnose", "--run-dir", str(run_dir), *extra],
                       check=True)


def _run_smoke(runs_root: Path) -> None:
    """run("smoke"): steps 1, 3 and 4 of run("cpu") at the smoke profile (no benchmark, no deadline)."""
    for method in METHODS:
        run_dir = cartpole_dir(runs_root, method, SMOKE)
        if not (run_dir / "DONE").exists():
            _train([*cartpole_args(method, SMOKE), "--run-dir", str(run_dir)], SMOKE_LIMIT_S)
    print("[a3c run] benchmark skipped at the smoke budget", flush=True)
    pong = pong_dir(runs_root, SMOKE)
    if not (pong / "DONE").exists():
        _train(["--profile", "smoke", "--run-dir", str(pong)], SMOKE_LIMIT_S)
    steps = _checkpoint_steps(pong)
    if not steps:
        raise RuntimeError(f"the smoke Pong run {pong} left no complete checkpoint")
    evaluation = read_json(pong / "evaluation.json") or {}
    if evaluation.get("checkpoint_env_frames") != steps[-1]:
        subprocess.run([sys.executable, "-m", "papers.a3c.evaluate", "--run-dir", str(pong),
                        "--episodes", str(SMOKE_EVAL_EPISODES), "--max-episode-frames", str(SMOKE_EVAL_FRAMES)],
                       check=True)
    _diagnose(pong, steps[-1], "--states", str(SMOKE_DIAGNOSIS_STATES))


# ---------------------------------------------------------------------------------- readers
def _checkpoint_steps(run_dir: Path) -> list[int]:
    """Steps of the run's complete checkpoints, ascending (as evaluate.newest_checkpoint sees them)."""
    return sorted(int(m.name.split("-")[1].split(".")[0])
                  for m in (Path(run_dir) / "checkpoints").glob("ckpt-*.complete.json"))


def _run_commit(run_dir: Path) -> str | None:
    """The git commit recorded by the run's latest invocation (versions.json)."""
    return (read_json(Path(run_dir) / "versions.json") or {}).get("git_commit")


def _rolling(xs, ys, k: int):
    ys = np.asarray(ys, float)
    if len(ys) < k:
        return list(xs), list(ys)
    return list(xs[k - 1:]), list(np.convolve(ys, np.ones(k) / k, mode="valid"))


def _gil_verdict(ratio: float) -> str:
    from papers.a3c.benchmark import gil_verdict
    return gil_verdict(ratio)


def _copy(src: Path, dst: Path) -> None:
    if src.exists() and not (dst.exists() and src.resolve() == dst.resolve()):
        shutil.copyfile(src, dst)


# ---------------------------------------------------------------------------------- report()
def _cartpole(runs_root: Path, budget: str = "cpu") -> dict[str, dict]:
    out = {}
    for method in METHODS:
        run_dir = cartpole_dir(runs_root, method, budget)
        if not (run_dir / "config.json").exists():
            continue
        summary = (read_json(run_dir / "summary.json") or {}) if (run_dir / "DONE").exists() else {}
        out[method] = {"dir": run_dir, "summary": summary, "done": (run_dir / "DONE").exists(),
                       "episodes": read_rows(run_dir / "episodes.csv"), "metrics": read_rows(run_dir / "metrics.csv")}
    return out


def _pong(runs_root: Path, budget: str) -> dict | None:
    run_dir = pong_dir(runs_root, budget)
    config = read_json(run_dir / "config.json")
    if config is None:
        return None
    metrics = read_rows(run_dir / "metrics.csv")
    steps = _checkpoint_steps(run_dir)
    evaluation = read_json(run_dir / "evaluation.json")
    cfg = config.get("config", {})
    return {"dir": run_dir, "config": cfg, "done": (run_dir / "DONE").exists(),
            "metrics": metrics, "episodes": read_rows(run_dir / "episodes.csv"),
            "frames": int(metrics[-1]["env_frames"]) if metrics else 0,
            "wall_h": float(metrics[-1]["wall_time"]) / 3600 if metrics else 0.0,
            "threads": cfg.get("threads"), "total_frames": cfg.get("total_frames"),
            "checkpoint": steps[-1] if steps else None, "evaluation": evaluation,
            "diagnosis": read_json(run_dir / "diagnosis.json"),
            "eval_current": bool(evaluation and steps and evaluation.get("checkpoint_env_frames") == steps[-1])}


def _solved(summary: dict) -> tuple:
    at = summary.get("solved_at") or {}
    return at.get("wall_time"), at.get("env_frames")


def _pong_verdict(p: dict, random_score: float) -> str:
    """One sentence on what the Pong run shows, from its numbers."""
    ev = p["evaluation"]
    done = "complete" if p["done"] else "partial"
    gain = ev["mean_return"] - random_score
    what = ("shows learning" if gain >= LEARNING_MARGIN else
            f"does NOT reach the {LEARNING_MARGIN:g}-point bar we call learning")
    return (f"The {done} run ({p['frames'] / 1e6:.2f}M frames, {p['threads']} threads, "
            f"{p['wall_h']:.2f} h of wall time) scores {gain:+.1f} points against the random agent "
            f"(std {ev.get('std_return', float('nan')):.1f} over {ev['episodes']} episodes): it {what}.")


def _health_sentence(d: dict) -> str:
    """What papers/a3c/diagnose.py found in the network of a checkpoint."""
    return (f"Network at {d['checkpoint_env_frames'] / 1e6:.2f}M frames (`papers/a3c/diagnose.py`, "
            f"{d['states']} random-play states): dead units conv1 {d['conv1_dead']} of {d['conv1_units']}, conv2 "
            f"{d['conv2_dead']} of {d['conv2_units']}, fc {d['fc_dead']} of {d['fc_units']}; std over states "
            f"of pi {d['pi_state_std']:.3f} and of V {d['v_state_std']:.2f}; mean policy entropy "
            f"{d['entropy_mean']:.2f} (uniform: {np.log(6):.2f}).")


def report(budget: str, runs_root: Path, results_dir: Path, readme: Path | None = README) -> Section:
    """The A3C Section of the report, from runs_root/a3c/ and papers/a3c/published/ only; the
    README's generated blocks are written at budget "cpu" only."""
    runs_root, results_dir = Path(runs_root), Path(results_dir)
    smoke = budget == SMOKE
    if budget != "cpu":
        readme = None
    checks = _cartpole(runs_root, budget)
    pong = _pong(runs_root, budget)
    profile = pong_profile(budget)
    if not checks and pong is None:
        return Section("not run", "not run yet (no run directories under "
                       f"`{PAPER}/`)", f"No A3C run directories under the runs folder. "
                       f"`make reproduce PAPERS={PAPER}` (or `python -m papers.a3c.reproduce`) makes them.")
    results_dir.mkdir(parents=True, exist_ok=True)
    found = {name: (None, "") if smoke else measured_file(PAPER, name, runs_root, results_dir,
                                                           committed=COMMITTED_RESULTS / name)
             for name in BENCH_FILES}    # name -> (path, where it was read); none at the smoke budget
    (bench_path, bench_where), (costs_path, _) = found["benchmark.json"], found["call_costs.json"]
    bench, costs = (read_json(p) if p else None for p in (bench_path, costs_path))
    bench_src = ("not measured" if smoke else "missing" if bench_path is None else
                 "committed" if bench_path == COMMITTED_RESULTS / "benchmark.json" else "runs")

    pub = {r["game"]: r for r in read_published(PUBLISHED / "a3c_scores.csv")}["pong"]
    ref = {r["agent"]: r for r in read_published(PUBLISHED / "reference_pong.csv")}["random"]
    speedup_pub = read_published(PUBLISHED / "a3c_speedup.csv")[0]
    summary_pub = read_published(PUBLISHED / "a3c_summary.csv")
    random_score = float(ref["score"])

    # ---- what is missing
    missing = []
    for method in METHODS:
        if method not in checks:
            missing.append(f"the CartPole check of `{method}` has not run")
        elif not checks[method]["done"]:
            missing.append(f"the CartPole check of `{method}` stopped before solving (it resumes on the next run)")
    if pong is None:
        missing.append(f"the Pong run (`pong-{profile}-seed0`) has not started")
    else:
        if not pong["done"]:
            missing.append(f"the Pong run is partial: {pong['frames'] / 1e6:.2f}M of "
                           f"{(pong['total_frames'] or 0) / 1e6:.0f}M frames (it resumes on the next run)")
        if pong["evaluation"] is None:
            missing.append("the Pong run has no evaluation yet")
        elif not pong["eval_current"]:
            missing.append(f"the Pong evaluation is of the checkpoint at "
                           f"{pong['evaluation']['checkpoint_env_frames'] / 1e6:.2f}M frames, not of the newest "
                           f"({(pong['checkpoint'] or 0) / 1e6:.2f}M)")
    if (bench is None or costs is None) and not smoke:
        missing.append("the throughput benchmark has not run")
    status = "partial" if missing else "complete"

    # ---- plots
    plots = []
    if pong and pong["episodes"]:
        xs = np.array([int(e["env_frames"]) for e in pong["episodes"]]) / 1e6
        ys = [float(e["return"]) for e in pong["episodes"]]
        state = "complete" if pong["done"] else f"partial: {pong['frames'] / 1e6:.1f}M frames"
        curve_plot({"training episodes (mean of 16)": _rolling(xs, ys, 16)}, results_dir / "pong_curve.png",
                   title=f"A3C FF on Pong, {pong['threads']} threads, profile {profile} ({state})",
                   xlabel="emulator frames (millions)", ylabel="raw episode score",
                   hlines={f"random {random_score}": random_score})
        plots.append("pong")
    if any(c["episodes"] for c in checks.values()):
        series = {}
        for method, c in checks.items():
            label = method if method == "a3c" else \
                f"{method} (all threads; 'solved' counts those with final epsilon <= 0.1)"
            series[label] = _rolling([float(e["wall_time"]) for e in c["episodes"]],
                                     [float(e["return"]) for e in c["episodes"]], 100)
        threads = sorted({c["summary"].get("threads") or 8 for c in checks.values()})
        curve_plot(series, results_dir / "cartpole_curves.png",
                   title=f"CartPole-v1, {'/'.join(map(str, threads))} threads (mean of 100 episodes)"
                         + (" (smoke run)" if smoke else ""),
                   xlabel="wall-clock seconds", ylabel="episode return",
                   hlines={f"solved {SOLVED_RETURN:.0f}": SOLVED_RETURN})
        plots.append("cartpole")

    # ---- evidence.json (same keys as before; commits are the runs')
    by_threads = {r["threads"]: r for r in (bench or {}).get("rows", [])}
    s_a3c = checks.get("a3c", {}).get("summary", {})
    s_q = checks.get("n_step_q", {}).get("summary", {})
    ev = (pong or {}).get("evaluation") or {}
    train_ys = [float(e["return"]) for e in (pong or {}).get("episodes", [])]
    pong_commit = _run_commit(pong["dir"]) if pong else None
    cartpole_commit = _run_commit(checks["a3c"]["dir"]) if "a3c" in checks else None
    q_commit = _run_commit(checks["n_step_q"]["dir"]) if "n_step_q" in checks else None
    evidence = {
        "cartpole_solved_seconds": _solved(s_a3c)[0],
        "cartpole_solved_frames": _solved(s_a3c)[1],
        "nstep_q_cartpole_solved_seconds": _solved(s_q)[0],
        "nstep_q_cartpole_solved_frames": _solved(s_q)[1],
        "cartpole_threads": s_a3c.get("threads"),
        "pong_cpu_env_frames": pong["frames"] if pong else None,
        "pong_cpu_threads": pong["threads"] if pong else None,
        "pong_cpu_wall_hours": round(pong["wall_h"], 2) if pong else None,
        "pong_cpu_final_score": ev.get("mean_return"),
        "pong_cpu_final_score_episodes": ev.get("episodes"),
        "pong_cpu_eval_protocol": ev.get("protocol"),
        "pong_cpu_training_return_last_16": float(np.mean(train_ys[-16:])) if train_ys else None,
        "pong_random_score": random_score,
        "pong_cpu_complete": bool(pong and pong["done"]),
        "env_frames_per_s_1_thread": by_threads.get(1, {}).get("env_frames_per_s"),
        "env_frames_per_s_16_threads": by_threads.get(16, {}).get("env_frames_per_s"),
        "speedup_16_threads": by_threads.get(16, {}).get("speedup"),
        "commit": pong_commit or cartpole_commit or q_commit,
        "cartpole_commit": cartpole_commit,
        "nstep_q_cartpole_commit": q_commit,
        # formerly the HEAD at report time; the report is now a pure function of the runs,
        # so this is the commit of the runs it was built from (the same as "commit")
        "report_commit": pong_commit or cartpole_commit or q_commit,
        "pong_cpu_evaluated_checkpoint_frames": ev.get("checkpoint_env_frames"),
        "pong_cpu_total_frames": pong["total_frames"] if pong else None,
        "pong_cpu_conv1_dead_units": (pong["diagnosis"] or {}).get("conv1_dead") if pong else None,
        "status": status,
        "benchmark_source": bench_src,
    }
    (results_dir / "evidence.json").write_text(json.dumps(evidence, indent=2) + "\n")
    if pong:
        for name in ("evaluation.json", "diagnosis.json", "episodes.csv", "metrics.csv"):
            _copy(pong["dir"] / name, results_dir / f"pong_{name}")

    # ---- headline
    parts = []
    if pong and ev:
        parts.append(f"Pong score {ev['mean_return']:.1f} after {ev['checkpoint_env_frames'] / 1e6:.2f}M of "
                     f"{(pong['total_frames'] or 0) / 1e6:.0f}M frames (no-op starts; random {random_score}; "
                     f"paper A3C FF {float(pub['a3c_ff_1day'])} after 1 day, human starts)")
    elif pong:
        parts.append(f"Pong run at {pong['frames'] / 1e6:.2f}M frames, not evaluated yet "
                     f"(paper A3C FF {float(pub['a3c_ff_1day'])} after 1 day)")
    else:
        parts.append("Pong not run")
    solved = [f"{m} {_solved(c['summary'])[0]:.0f} s" for m, c in checks.items() if _solved(c["summary"])[0] is not None]
    if solved:
        parts.append("CartPole solved in " + ", ".join(solved))
    headline = "; ".join(parts)
    if smoke:
        headline = "smoke run (plumbing check, numbers meaningless): " + headline

    # ---- body
    sections = [SMOKE_NOTE] if smoke else []
    if missing:
        sections.append("**Partial.** Missing: " + "; ".join(missing) + ".")
    sources = [f"[{i}] {s}" for i, s in enumerate(
        [pub["source"], ref["source"], speedup_pub["source"], summary_pub[0]["source"]], 1)]

    pong_md = f"#### Pong, A3C FF (profile `{profile}`)\n\n"
    if pong is None:
        pong_md += "Not run yet."
    else:
        ours = (f"{ev['mean_return']:.1f}" if ev else "not evaluated")
        pong_md += markdown_table(
            ["agent", "frames", "score", "protocol", "source"],
            [["random agent", "-", random_score, ref["eval_protocol"], "[2]"],
             [f"ours, A3C FF {pong['threads']} threads ({'complete' if pong['done'] else 'partial'})",
              f"{(ev.get('checkpoint_env_frames') or pong['frames']) / 1e6:.2f}M", ours,
              f"no-op starts, {ev['episodes']} episodes" if ev else "-", "this run"],
             ["paper, A3C FF 1 day", "-", float(pub["a3c_ff_1day"]), "human starts", "[1]"],
             ["paper, A3C FF 4 days", "-", float(pub["a3c_ff_4days"]), "human starts", "[1]"],
             ["paper, A3C LSTM 4 days", "-", float(pub["a3c_lstm_4days"]), "human starts", "[1]"]], 1)
        if ev and smoke:
            pong_md += (f"\n\nSmoke run: {pong['frames']:,} training frames, then {ev['episodes']} evaluation "
                        f"episode(s) cut at {ev['max_episode_frames']:,} frames; the score says nothing about learning.")
        elif ev:
            pong_md += "\n\n" + _pong_verdict(pong, random_score)
            if train_ys:
                pong_md += (f" Mean raw score of the last 16 training episodes: "
                            f"{float(np.mean(train_ys[-16:])):.2f}.")
        if pong["diagnosis"]:
            pong_md += " " + _health_sentence(pong["diagnosis"])
        if "pong" in plots:
            pong_md += "\n\n![A3C FF on Pong: training episode scores](a3c/pong_curve.png)"
    sections.append("### Results: ours vs the paper\n\n" + pong_md)

    check_md = ("#### Algorithm checks (CartPole-v1, MLP torso, "
                f"{'2 threads, ' + format(SMOKE_CARTPOLE_FRAMES, ',') + ' frames: smoke' if smoke else '8 threads'}"
                "; not in the paper)\n\n")
    if checks:
        check_md += markdown_table(
            ["method", f"solved (mean of 100 >= {SOLVED_RETURN:.0f})", "seconds", "frames"],
            [[m, c["summary"].get("solved") if c["done"] else "not yet", *_solved(c["summary"])]
             for m, c in checks.items()], 1)
        check_md += ("\n\nThe paper has no CartPole result; the criterion (mean return of the last 100 "
                     "training episodes >= 195) is the issue's.")
        if "cartpole" in plots:
            check_md += "\n\n![CartPole-v1: mean return of 100 episodes](a3c/cartpole_curves.png)"
    else:
        check_md += "Not run yet."
    sections.append(check_md)

    bench_md = "#### Throughput of the actor-learner threads (A3C FF, Pong)\n\n"
    if bench is None:
        bench_md += "Not measured at the smoke budget." if smoke else "Not measured yet."
    else:
        bench_md += markdown_table(
            ["threads", "env frames/s", "x 1 thread", "env", "forward", "update", "sync"],
            [[r["threads"], r["env_frames_per_s"], r["speedup"]] +
             [r.get(f"share_{k}", 0.0) for k in ("env", "forward", "update", "sync")] for r in bench["rows"]], 2)
        bench_md += (f"\n\nPaper: x{float(speedup_pub['speedup'])} with {speedup_pub['threads']} threads "
                     f"(on 16 cores) [3]; ours: x{by_threads.get(16, {}).get('speedup', '-')} with 16 threads on "
                     f"{bench.get('cpu_count', '?')} cores. `ale.act` calls/s: "
                     f"{bench['ale_act_per_s_1_thread']:,} with one thread, "
                     f"{bench['ale_act_per_s_2_threads']:,} with two threads on two emulators "
                     f"({_gil_verdict(bench['ale_act_per_s_2_threads'] / bench['ale_act_per_s_1_thread'])}).")
    if costs is not None:
        bench_md += ("\n\nCost of one call, one thread (`benchmark.py --calls-only`):\n\n" +
                     markdown_table(["call", "ms"], list(costs.items()), 3))
    if bench is not None:
        bench_md += f"\n\nBenchmark read from {bench_where}."
    sections.append(bench_md)
    sections.append("Sources of the published numbers:\n\n" + "\n".join(f"- {s}" for s in sources))

    budget_rows = []
    if pong:
        budget_rows.append(["Pong frames", f"{pong['frames']:,} of the profile's {pong['total_frames'] or 0:,}"
                            if smoke else f"{pong['frames'] / 1e6:.2f}M of the profile's "
                            f"{(pong['total_frames'] or 0) / 1e6:.0f}M",
                            "200M for the 4-day agents (50 epochs x 4M frames; rldb paper__a3c note)"])
        budget_rows.append(["Pong wall time", f"{pong['wall_h']:.2f} h", "1 day and 4 days [4]"])
        budget_rows.append(["actor-learner threads", pong["threads"], 16])
        if bench is not None:
            budget_rows.append(["CPU cores", bench.get('cpu_count', '?'), "16 [4]"])
        horizon = pong["config"].get("lr_anneal_frames") or pong["total_frames"] or 0
        budget_rows.append(["runs", f"1 (seed 0; lr {pong['config'].get('lr', 0):g} annealed to 0 at "
                            f"{horizon / 1e6:.0f}M frames)",
                            "57-game runs: lr and clipping from a search on six games, then fixed (Sec. 5.1)"])
        budget_rows.append(["games", "Pong", "57"])
    for m, c in checks.items():
        last = c["metrics"][-1] if c["metrics"] else {}
        steps = c["summary"].get("env_frames", last.get("env_frames", 0))
        wall = float(c["summary"].get("wall_time_s", last.get("wall_time", 0.0)))
        budget_rows.append([f"CartPole `{m}`", f"{int(steps):,} env steps, {wall:.0f} s "
                            + ("(smoke)" if smoke else f"(at most {CARTPOLE_LIMIT_S} s per invocation)"),
                            "not in the paper"])
    sections.append("### Budget: used vs the paper's\n\n" +
                    (markdown_table(["what", "ours", "paper"], budget_rows, 1) if budget_rows else "Nothing run yet."))

    protocol = ["### Evaluation protocol", ""]
    if ev:
        protocol.append(f"- Pong score: {ev['protocol']}; {ev['episodes']} episodes of at most "
                        f"{ev['max_episode_frames']:,} frames, policy: {ev['policy']}; checkpoint at "
                        f"{ev['checkpoint_env_frames']:,} frames (`papers/a3c/evaluate.py`, seed 12345). "
                        "The paper's scores use 100 human starts, which are not public: the columns "
                        "are not directly comparable.")
    else:
        protocol.append("- Pong score: no-op starts (up to 30 no-ops), sampling from pi; not evaluated yet.")
    protocol += [
        "- Pong curve: raw scores of training episodes (all threads), mean of 16 consecutive episodes.",
        f"- CartPole: solved when the mean raw return of the last 100 training episodes reaches "
        f"{SOLVED_RETURN:.0f}; for n-step Q only the threads whose final epsilon is <= 0.1 count.",
    ]
    if bench is not None:
        protocol.append(f"- Throughput: the real training code on Pong for {bench.get('measured_seconds', '?')} s "
                        f"per thread count after a 5 s warm-up, on {bench.get('cpu_count', '?')} cores.")
    protocol.append(f"- Our run is scored as learning when its score is at least {LEARNING_MARGIN:.0f} points "
                    "above the random agent's.")
    sections.append("\n".join(protocol))

    body = "\n\n".join(sections) + "\n"
    (results_dir / "results.md").write_text(body.replace("](a3c/", "]("))
    if readme is not None:
        _update_readme(Path(readme), body)
    runs = [c["dir"] for c in checks.values()] + ([pong["dir"]] if pong else [])
    return Section(status, headline, body, runs)


def _update_readme(readme: Path, body: str) -> None:
    """Write the results and the profiles' deviation tables between the README's markers."""
    from common.config import build, deviations_markdown
    from papers.a3c.config import PROFILES, A3CConfig
    devs = "\n\n".join(f"Profile `{name}`:\n\n" + deviations_markdown(build(A3CConfig, PROFILES, name)[1])
                       for name in ("paper", "cpu", "cartpole"))
    results = body.replace("](a3c/", "](../../results/a3c/").strip()
    for marker, content in (("results", results), ("deviations", devs)):
        write_between_markers(readme, f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->", content)


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("a3c", __doc__, run, report, argv))
