"""`make reproduce` for DQN (Mnih et al. 2013, 2015): run or resume the CPU-scale evidence, then
write results/dqn/ (plots, tables, evidence.json) and the results section of papers/dqn/README.md.

Steps (each skipped when already done; re-running continues the Pong run):
  1. Pong with the Nature learner (`--profile cpu`, runs/dqn/cpu-seed0), at most
     DQN_TRAIN_MINUTES (default 38) minutes per invocation; a later invocation resumes it.
     DQN_TRAIN_MINUTES=0 only reports. Budget "paper" runs `--profile nature` instead.
     DQN_PONG_RUN_DIR points the report at another run directory.
  2. CartPole-v1 algorithm check (`--profile cartpole`, runs/dqn/cartpole-seed0).
  3. The Nature evaluation protocol (evaluate.py: eps 0.05, 30 games, 18,000-frame cap) on the
     newest Pong checkpoint, when that checkpoint has not been evaluated yet.
  4. benchmark.py, when results/dqn/benchmark.json is missing (or DQN_BENCHMARK=1).
Every number written comes from those runs' CSV/JSON files.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np

from common.config import build, deviations_markdown
from common.results import curve_plot, markdown_table, read_published, write_between_markers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PUBLISHED = HERE / "published"
README = HERE / "README.md"
START, END = "<!-- results:start (written by papers/dqn/reproduce.py) -->", "<!-- results:end -->"


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _commit() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()


def _train(argv: list[str]) -> None:
    from papers.dqn import train
    code = train.main(argv)
    if code:
        raise RuntimeError(f"python -m papers.dqn.train {' '.join(argv)} exited with {code}")


def _evaluate_latest(run_dir: Path) -> dict | None:
    from papers.dqn import evaluate
    try:
        step, _ = evaluate.latest_checkpoint(run_dir)
    except FileNotFoundError:
        return None
    summary_path = run_dir / "evaluation" / "eval_summary.json"
    if summary_path.exists() and json.loads(summary_path.read_text())["agent_steps"] == step:
        return json.loads(summary_path.read_text())
    if evaluate.main(["--run-dir", str(run_dir)]) != 0:
        raise RuntimeError(f"evaluation of {run_dir} failed")
    return json.loads(summary_path.read_text())


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = values[max(0, i - window + 1):i + 1].mean()
    return out


def _pong_plot(run_dir: Path, results_dir: Path, random_score: float) -> tuple[Path | None, list]:
    episodes = _rows(run_dir / "episodes.csv")
    if not episodes:
        return None, []
    frames = np.array([float(r["env_frames"]) for r in episodes])
    returns = np.array([float(r["return"]) for r in episodes])
    dopamine = read_published(PUBLISHED / "dopamine_dqn_pong.csv")
    span = frames.max() if len(frames) else 0
    shown = [r for r in dopamine if float(r["env_frames_start"]) < max(span, 1e6)]
    series = {"ours: training games (10-game moving mean)": (frames, _moving_average(returns, 10))}
    evals = _rows(run_dir / "eval.csv")
    if evals:
        series["ours: periodic eval (eps 0.05)"] = ([float(r["env_frames"]) for r in evals],
                                                    [float(r["eval_return"]) for r in evals])
    series["Dopamine DQN, sticky actions (5 seeds, mean per 1M frames)"] = (
        [(float(r["env_frames_start"]) + float(r["env_frames_end"])) / 2 for r in shown],
        [float(r["mean_train_return"]) for r in shown])
    path = curve_plot(series, results_dir / "pong_cpu_curve.png",
                      "Pong, Nature DQN learner at CPU scale vs Dopamine DQN",
                      "emulator frames", "game score (raw, full game)",
                      hlines={f"random ({random_score})": random_score})
    # the same curve, binned per 100k frames, as a small CSV beside the plot
    binned = []
    for lo in range(0, int(span) + 1, 100_000):
        mask = (frames >= lo) & (frames < lo + 100_000)
        if mask.any():
            binned.append([lo, lo + 100_000, round(float(returns[mask].mean()), 3), int(mask.sum())])
    with open(results_dir / "pong_cpu_curve.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["env_frames_start", "env_frames_end", "mean_train_return", "games"])
        w.writerows(binned)
    return path, shown


def _cartpole_plot(run_dir: Path, results_dir: Path) -> Path:
    evals = _rows(run_dir / "eval.csv")
    metrics = _rows(run_dir / "metrics.csv")
    series = {"training games (mean per 1k steps)": (
        [float(r["agent_steps"]) for r in metrics], [float(r["train_return"]) for r in metrics]),
        "greedy eval (100 games)": ([float(r["agent_steps"]) for r in evals],
                                    [float(r["eval_return"]) for r in evals])}
    return curve_plot(series, results_dir / "cartpole_curve.png", "CartPole-v1, same DQN code, MLP",
                      "agent steps", "return", hlines={"solved (195)": 195.0})


def _deviation_tables() -> str:
    from papers.dqn.config import PROFILES, NatureConfig, Nips2013Config
    parts = []
    for profile, cls in (("nature", NatureConfig), ("nips2013", Nips2013Config), ("cpu", NatureConfig)):
        _, devs = build(cls, PROFILES, profile)
        parts.append(f"**`--profile {profile}`**\n\n{deviations_markdown(devs)}")
    return "\n\n".join(parts)


def main(budget: str, results_dir: Path) -> str:
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    profile = "cpu" if budget == "cpu" else "nature"
    pong_dir = Path(os.environ.get("DQN_PONG_RUN_DIR", ROOT / "runs" / "dqn" / f"{profile}-seed0"))
    cart_dir = ROOT / "runs" / "dqn" / "cartpole-seed0"
    minutes = float(os.environ.get("DQN_TRAIN_MINUTES", "38"))
    if minutes > 0 and not (pong_dir / "DONE").exists():
        _train(["--profile", profile, "--run-dir", str(pong_dir), "--max-minutes", str(minutes)])
    if not (cart_dir / "DONE").exists():
        _train(["--profile", "cartpole", "--run-dir", str(cart_dir)])
    final = _evaluate_latest(pong_dir)
    bench_path = results_dir / "benchmark.json"
    if not bench_path.exists() or os.environ.get("DQN_BENCHMARK") == "1":
        from papers.dqn.benchmark import measure
        bench = measure()
        bench.update(commit=_commit(), load_average_1min=os.getloadavg()[0])
        bench_path.write_text(json.dumps(bench, indent=2) + "\n")
    bench = json.loads(bench_path.read_text())

    nature = {r["game"]: r for r in read_published(PUBLISHED / "dqn_nature_scores.csv")}
    random_score = float(nature["pong"]["random"])
    metrics = _rows(pong_dir / "metrics.csv")
    last = metrics[-1] if metrics else {}
    pong_summary = json.loads((pong_dir / "summary.json").read_text()) if (pong_dir / "DONE").exists() else None
    plot, dopamine = _pong_plot(pong_dir, results_dir, random_score)
    cart_summary = json.loads((cart_dir / "summary.json").read_text())
    _cartpole_plot(cart_dir, results_dir)
    episodes = _rows(pong_dir / "episodes.csv")
    first10 = [float(r["return"]) for r in episodes[:10]]
    last10 = [float(r["return"]) for r in episodes[-10:]]
    from papers.dqn.config import PROFILES
    total = PROFILES[profile].overrides.get("total_agent_steps", 12_500_000)

    evidence = {
        "commit": _commit(),
        "cartpole_solved_agent_steps": cart_summary.get("solved_at_agent_steps"),
        "cartpole_budget_agent_steps": PROFILES["cartpole"].overrides["total_agent_steps"],
        "pong_cpu_profile": profile,
        "pong_cpu_env_frames": int(last.get("env_frames", 0)),
        "pong_cpu_agent_steps": int(last.get("agent_steps", 0)),
        "pong_cpu_updates": int(last.get("updates", 0)),
        "pong_cpu_planned_agent_steps": total,
        "pong_cpu_complete": pong_summary is not None,
        "pong_cpu_wall_time_s": float(last.get("wall_time", 0.0)),
        "pong_cpu_final_score": final["mean_return"] if final else None,
        "pong_cpu_final_score_std": final["std_return"] if final else None,
        "pong_cpu_final_score_protocol": "Nature: eps 0.05, 30 games, up to 30 no-ops, 18,000 frames",
        "pong_cpu_learning_shown": (bool(final["mean_return"] - random_score
                                         > 2 * final["std_return"] / np.sqrt(final["episodes"]))
                                    if final else None),
        "pong_cpu_learning_criterion": "final score above random by more than 2 standard errors",
        "pong_cpu_run_dir": os.path.relpath(pong_dir, ROOT),
        "pong_cpu_first10_train_return": float(np.mean(first10)) if first10 else None,
        "pong_cpu_last10_train_return": float(np.mean(last10)) if last10 else None,
        "pong_random_score": random_score,
        "pong_nature_dqn_score": float(nature["pong"]["dqn_nature"]),
        "dopamine_pong_first_iterations": {r["iteration"]: float(r["mean_train_return"]) for r in dopamine},
        "replay_bytes_per_transition": bench["replay_bytes_per_transition"],
        "train_updates_per_s": bench["train_updates_per_s"],
        "act_latency_ms": bench["act_latency_ms"],
        "loop_env_frames_per_s": bench["loop_env_frames_per_s"],
        "benchmark_load_average_1min": bench.get("load_average_1min"),
        "benchmark_commit": bench.get("commit"),
    }
    (results_dir / "evidence.json").write_text(json.dumps(evidence, indent=2) + "\n")

    section = _markdown(evidence, plot.name if plot else None)
    write_between_markers(README, START, END, section)
    return section


def _markdown(ev: dict, plot_name: str | None) -> str:
    status = ("complete" if ev["pong_cpu_complete"] else "NOT RUN" if not ev["pong_cpu_agent_steps"] else
              f"PARTIAL: {ev['pong_cpu_agent_steps']:,} of {ev['pong_cpu_planned_agent_steps']:,} "
              f"planned agent steps")
    rows = [["final score, Nature protocol (30 games, eps 0.05)",
             f"{ev['pong_cpu_final_score']:.2f} +- {ev['pong_cpu_final_score_std']:.2f}"
             if ev["pong_cpu_final_score"] is not None else "-"],
            ["random (Nature Ext. Data Table 2)", ev["pong_random_score"]],
            ["Nature DQN after 50M frames", ev["pong_nature_dqn_score"]],
            ["mean of our first 10 training games", ev["pong_cpu_first10_train_return"]],
            ["mean of our last 10 training games", ev["pong_cpu_last10_train_return"]]]
    rows += [[f"Dopamine DQN (sticky actions), iteration {k} = frames {int(k)}M-{int(k) + 1}M",
              v] for k, v in ev["dopamine_pong_first_iterations"].items()]
    bench = [["replay bytes per transition (target <= 7,200)", ev["replay_bytes_per_transition"]],
             ["isolated train step, updates/s (batch 32, bf16)", ev["train_updates_per_s"]],
             ["greedy action latency, ms", ev["act_latency_ms"]],
             ["whole loop after replay start, env frames/s (target >= 1,000)",
              ev["loop_env_frames_per_s"]],
             ["1-minute load average while measuring (2 cores)", ev["benchmark_load_average_1min"]]]
    return "\n".join([
        f"Commit `{ev['commit']}`.",
        "",
        f"**Pong, CPU scale** (`--profile {ev['pong_cpu_profile']}`, {ev['pong_cpu_run_dir']}): {status}; "
        f"{ev['pong_cpu_env_frames']:,} emulator frames = {ev['pong_cpu_agent_steps']:,} agent steps, "
        f"{ev['pong_cpu_updates']:,} updates, {ev['pong_cpu_wall_time_s'] / 60:.0f} min of training. "
        f"Learning shown by the final score ({ev['pong_cpu_learning_criterion']}): "
        f"**{ {True: 'yes', False: 'no', None: 'not measured (no checkpoint)'}[ev['pong_cpu_learning_shown']] }**.",
        "",
        markdown_table(["Pong", "score"], rows, digits=2),
        "",
        f"![Pong curve](../../results/dqn/{plot_name})" if plot_name else
        "(no Pong training games yet: no curve)",
        "",
        "Dopamine's curve uses sticky actions (p=0.25), eps 0.01 decayed over 250k agent steps and "
        "other settings (dqn.gin); it is a reference for the shape of early learning, not the "
        "same experiment.",
        "",
        f"**CartPole-v1 algorithm check** (`--profile cartpole`, runs/dqn/cartpole-seed0): mean "
        f"greedy return >= 195 over 100 games reached after "
        f"{ev['cartpole_solved_agent_steps']} agent steps (budget "
        f"{ev['cartpole_budget_agent_steps']:,}).",
        "",
        "![CartPole curve](../../results/dqn/cartpole_curve.png)",
        "",
        "**Benchmark** (`python -m papers.dqn.benchmark`, Nature settings, Pong; commit "
        f"`{ev['benchmark_commit']}`):",
        "",
        markdown_table(["measure", "value"], bench, digits=2),
        "",
        "### Deviations from the paper (generated from config.py)",
        "",
        _deviation_tables(),
    ])
