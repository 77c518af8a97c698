"""`make reproduce` for DQN (Mnih et al. 2013, 2015), in two halves (common/report.py's contract):

run(budget, runs_root)       the slow part; writes only under runs_root/dqn/. Each step is skipped
                             when already done; re-running continues the Pong run:
  1. Pong with the Nature learner (`--profile cpu`, runs/dqn/cpu-seed0; budget "paper": `--profile
     nature`, runs/dqn/nature/pong-seed0, the Pong run of the launcher's Nature list,
     papers/dqn/experiments.py), at most DQN_TRAIN_MINUTES minutes per invocation (default: 38
     at the cpu budget, no limit at the paper budget); a later invocation resumes it.
     DQN_TRAIN_MINUTES=0 skips Pong training.
     DQN_PONG_RUN_DIR trains (and evaluates) another run directory instead.
  2. CartPole-v1 algorithm check (`--profile cartpole`, runs/dqn/cartpole-seed0).
  3. The Nature evaluation protocol (evaluate.py: eps 0.05, 30 games, 18,000-frame cap) on the
     newest Pong checkpoint, cached in <run dir>/evaluation/eval_summary.json and redone only
     when a newer checkpoint exists.
  4. benchmark.py into runs/dqn/benchmark.json, when neither runs/dqn/ nor the committed
     results/dqn/ has a benchmark.json (or DQN_BENCHMARK=1).
  Budget "smoke" (`make reproduce BUDGET=smoke`, about a minute): the same steps at toy size, in
  run directories of their own (runs/dqn/smoke-pong-seed0, runs/dqn/smoke-cartpole-seed0): Pong
  `--profile smoke` (games cut to 400 frames), CartPole `--profile cartpole` cut to 300 agent steps, the final evaluation on
  1 game capped at 400 frames, no benchmark; DQN_TRAIN_MINUTES and DQN_PONG_RUN_DIR are ignored.

report(budget, runs_root, results_dir)   -> common.report.Section, built only from the files of
                             runs_root/dqn/ and papers/dqn/published/ (benchmark: the committed
                             results/dqn/benchmark.json when runs/dqn/ has none). Writes the plots,
                             the binned Pong curve, evidence.json and the README's results block;
                             deterministic (no clock, no current commit). Budgets other than
                             "cpu" write only under results_dir (evidence-<budget>.json), never
                             the README; "smoke" reads the smoke run directories and is labelled
                             a plumbing check whose numbers mean nothing.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np

from common.report import Section, measured_file, provenance
from papers.dqn import dopamine
from common.results import curve_plot, markdown_table, read_json, read_published, read_rows, write_between_markers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PAPER = "dqn"
PUBLISHED = HERE / "published"
README = HERE / "README.md"
COMMITTED_RESULTS = ROOT / "results" / PAPER
START, END = "<!-- results:start (written by papers/dqn/reproduce.py) -->", "<!-- results:end -->"
EVAL_PROTOCOL = "Nature: eps 0.05, 30 games, up to 30 no-ops, 18,000 frames"
LEARNING_CRITERION = "final score above random by more than 2 standard errors"


# ------------------------------------------------------------------------------------------ run

SMOKE = "smoke"
#: budget "smoke": Pong `--profile smoke` with games cut to 400 frames, so that its 1,200 frames
#: hold a few training games (the curve, the binned CSV) instead of none
SMOKE_PONG_SET = ("train_episode_frames=400",)
#: budget "smoke": the CartPole check cut to seconds (on top of `--profile cartpole`)
SMOKE_CARTPOLE_SET = ("total_agent_steps=300", "replay_start=100", "eps_decay_steps=100",
                      "eval_period=150", "eval_episodes=5", "checkpoint_period=150", "log_period=50")
#: budget "smoke": the final evaluation (evaluate.py options) instead of the Nature protocol
SMOKE_EVAL = ("--episodes", "1", "--max-frames", "400")


def _profile(budget: str) -> str:
    return {"cpu": "cpu", SMOKE: SMOKE}.get(budget, "nature")


def _pong_name(budget: str) -> str:
    """Default Pong run directory name: cpu-seed0, nature/pong-seed0, or smoke-pong-seed0."""
    return {"cpu": "cpu-seed0", SMOKE: "smoke-pong-seed0"}.get(budget, "nature/pong-seed0")


def _cart_prefix(budget: str) -> str:
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
    """Nature-protocol evaluation of the newest checkpoint, cached in the run directory."""
    from papers.dqn import evaluate
    try:
        step, _ = evaluate.latest_checkpoint(run_dir)
    except FileNotFoundError:
        return None
    summary_path = run_dir / "evaluation" / "eval_summary.json"
    if summary_path.exists() and json.loads(summary_path.read_text())["agent_steps"] == step:
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
    profile = _profile(budget)
    pong_dir = Path(os.environ.get("DQN_PONG_RUN_DIR") or runs_root / PAPER / _pong_name(budget))
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
    pong_dir = runs_root / PAPER / _pong_name(SMOKE)
    cart_dir = runs_root / PAPER / f"{_cart_prefix(SMOKE)}0"
    if not (pong_dir / "DONE").exists():
        _train(["--profile", SMOKE, "--run-dir", str(pong_dir)]
               + [a for kv in SMOKE_PONG_SET for a in ("--set", kv)])
    if not (cart_dir / "DONE").exists():
        _train(["--profile", "cartpole", "--run-dir", str(cart_dir)]
               + [a for kv in SMOKE_CARTPOLE_SET for a in ("--set", kv)])
    _evaluate_latest(pong_dir, SMOKE_EVAL)


# --------------------------------------------------------------------------------------- report

def _shown(path: Path, runs_root: Path) -> str:
    """`runs/dqn/cpu-seed0` whatever folder runs_root is (so the text does not depend on it)."""
    try:
        return (Path(runs_root.name) / path.resolve().relative_to(runs_root.resolve())).as_posix()
    except ValueError:
        return path.as_posix()


def _report_pong_dir(budget: str, runs_root: Path) -> tuple[Path, str]:
    """The Pong run the report reads: DQN_PONG_RUN_DIR when it lies under runs_root/dqn/, else
    runs_root/dqn/<profile>-seed0 (a note says when DQN_PONG_RUN_DIR had to be ignored); at the
    smoke budget always runs_root/dqn/smoke-pong-seed0."""
    default = runs_root / PAPER / _pong_name(budget)
    chosen = os.environ.get("DQN_PONG_RUN_DIR")
    if not chosen or budget == SMOKE:
        return default, ""
    try:
        Path(chosen).resolve().relative_to((runs_root / PAPER).resolve())
    except ValueError:
        return default, (f"DQN_PONG_RUN_DIR={chosen} lies outside {_shown(runs_root / PAPER, runs_root)}/; "
                         f"the report reads only that folder, so it shows {_shown(default, runs_root)}.")
    return Path(chosen), ""


def _checkpoints(run_dir: Path) -> dict[int, dict]:
    """Complete checkpoints of a run: agent step -> completion marker (common/run.py)."""
    out = {}
    for marker in sorted((run_dir / "checkpoints").glob("ckpt-*.complete.json")):
        try:
            step = int(marker.name.split("-")[1].split(".")[0])
        except ValueError:
            continue
        out[step] = read_json(marker) or {}
    return dict(sorted(out.items()))


def _seed_key(path: Path):
    tail = path.name.rsplit("seed", 1)[-1]
    return (int(tail) if tail.isdigit() else 1 << 30, path.name)


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = values[max(0, i - window + 1):i + 1].mean()
    return out


def _pong_plot(run_dir: Path, results_dir: Path, random_score: float, profile: str) -> Path | None:
    episodes = read_rows(run_dir / "episodes.csv")
    if not episodes:
        return None
    frames = np.array([float(r["env_frames"]) for r in episodes])
    returns = np.array([float(r["return"]) for r in episodes])
    span = frames.max()
    series = {"ours: training games (10-game moving mean)": (frames, _moving_average(returns, 10))}
    evals = read_rows(run_dir / "eval.csv")
    if evals:
        series["ours: periodic eval (eps 0.05)"] = ([float(r["env_frames"]) for r in evals],
                                                    [float(r["eval_return"]) for r in evals])
    scale = "CPU scale" if profile == "cpu" else f"--profile {profile}"
    path = curve_plot(series, results_dir / f"pong_{profile}_curve.png",
                      f"Pong, Nature DQN learner ({scale})",
                      "emulator frames", "game score (raw, full game)",
                      hlines={f"random ({random_score})": random_score})
    # the same curve, binned per 100k frames, as a small CSV beside the plot
    binned = []
    for lo in range(0, int(span) + 1, 100_000):
        mask = (frames >= lo) & (frames < lo + 100_000)
        if mask.any():
            binned.append([lo, lo + 100_000, round(float(returns[mask].mean()), 3), int(mask.sum())])
    with open(results_dir / f"pong_{profile}_curve.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["env_frames_start", "env_frames_end", "mean_train_return", "games"])
        w.writerows(binned)
    return path


def _cartpole_plot(runs: list[dict], results_dir: Path) -> Path | None:
    series = {}
    for rec in runs:
        evals = read_rows(rec["dir"] / "eval.csv")
        if evals:
            series[f"seed {rec['seed']}: greedy eval (100 games)"] = (
                [float(r["agent_steps"]) for r in evals], [float(r["eval_return"]) for r in evals])
    first = runs[0] if runs else None
    metrics = read_rows(first["dir"] / "metrics.csv") if first else []
    if metrics:
        series[f"seed {first['seed']}: training games (mean per 1k steps)"] = (
            [float(r["agent_steps"]) for r in metrics], [float(r["train_return"]) for r in metrics])
    if not series:
        return None
    return curve_plot(series, results_dir / "cartpole_curve.png", "CartPole-v1, same DQN code, MLP",
                      "agent steps", "return", hlines={"solved (195)": 195.0})


def _cartpole_runs(runs_root: Path, prefix: str = "cartpole-seed") -> list[dict]:
    out = []
    for d in sorted((runs_root / PAPER).glob(f"{prefix}*"), key=_seed_key):
        record = read_json(d / "config.json")
        if not record:
            continue
        summary = read_json(d / "summary.json") if (d / "DONE").exists() else None
        metrics = read_rows(d / "metrics.csv")
        evals = read_rows(d / "eval.csv")
        out.append({"dir": d, "seed": record.get("seed", "?"), "complete": summary is not None,
                    "budget": record.get("config", {}).get("total_agent_steps"),
                    "solved_at": (summary or {}).get("solved_at_agent_steps"),
                    "agent_steps": int((summary or {}).get("agent_steps") or
                                       (metrics[-1]["agent_steps"] if metrics else 0)),
                    "last_eval": float(evals[-1]["eval_return"]) if evals else None,
                    "wall_time_s": (summary or {}).get("wall_time_s")})
    return out


def _fmt_int(value) -> str:
    return f"{int(value):,}" if value not in (None, "") else "-"


def report(budget: str, runs_root: Path, results_dir: Path, *, readme: Path | None | str = "default") -> Section:
    """This paper's Section of results/REPORT.md, from runs_root/dqn/ and published/ only.
    `readme`: the README whose generated block to rewrite ("default": papers/dqn/README.md, read
    at call time; None: none). Only budget "cpu" writes it."""
    from papers.dqn.config import PROFILES, NatureConfig

    runs_root, results_dir = Path(runs_root), Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    profile = _profile(budget)
    smoke = budget == SMOKE
    pong_dir, pong_note = _report_pong_dir(budget, runs_root)
    pong_shown = _shown(pong_dir, runs_root)

    nature_rows = read_published(PUBLISHED / "dqn_nature_scores.csv", game="pong")
    nature_pong = nature_rows[0]
    pong_2013 = read_published(PUBLISHED / "dqn2013_table1.csv", game="pong")[0]
    random_score = float(nature_pong["random"])
    paper = NatureConfig()
    paper_frames = paper.total_agent_steps * paper.action_repeat
    paper_updates = (paper.total_agent_steps - paper.replay_start) // paper.update_period

    # ---- Pong run
    pong_record = read_json(pong_dir / "config.json")
    pong_cfg = (pong_record or {}).get("config", {})
    planned = int(pong_cfg.get("total_agent_steps")
                  or PROFILES[profile].overrides.get("total_agent_steps", paper.total_agent_steps))
    repeat = int(pong_cfg.get("action_repeat", paper.action_repeat))
    metrics = read_rows(pong_dir / "metrics.csv")
    last = metrics[-1] if metrics else {}
    pong_summary = read_json(pong_dir / "summary.json") if (pong_dir / "DONE").exists() else None
    checkpoints = _checkpoints(pong_dir)
    newest_ckpt = max(checkpoints) if checkpoints else None
    final = read_json(pong_dir / "evaluation" / "eval_summary.json")
    final_step = int(final["agent_steps"]) if final else None
    final_frames = ((checkpoints.get(final_step) or {}).get("state") or {}).get("env_frames") if final else None
    eval_stale = bool(final and newest_ckpt is not None and final_step < newest_ckpt)
    plot = _pong_plot(pong_dir, results_dir, random_score, profile)
    comparison = read_json(results_dir / "dopamine_pong.json") if not smoke else None
    episodes = read_rows(pong_dir / "episodes.csv")
    first10 = [float(r["return"]) for r in episodes[:10]]
    last10 = [float(r["return"]) for r in episodes[-10:]]
    pong_versions = read_json(pong_dir / "versions.json") or {}

    # ---- CartPole runs, benchmark
    cart_prefix = _cart_prefix(budget)
    cart0_shown = _shown(runs_root / PAPER / f"{cart_prefix}0", runs_root)
    carts = _cartpole_runs(runs_root, cart_prefix)
    cart0 = next((c for c in carts if c["dir"].name == f"{cart_prefix}0"), None)
    cart_plot = _cartpole_plot(carts, results_dir)
    # the smoke budget measures no benchmark and shows none (not even the committed one)
    bench_file, bench_source = (None, "") if smoke else measured_file(PAPER, "benchmark.json", runs_root, results_dir)
    bench = (read_json(bench_file) if bench_file else None) or {}
    peer = {} if smoke else read_json(results_dir / "benchmark_peer.json") or {}   # make bench-peer

    run_dirs = ([pong_dir] if pong_record else []) + [c["dir"] for c in carts]
    commits = {}
    for d in run_dirs:
        v = read_json(d / "versions.json") or {}
        commits[_shown(d, runs_root)] = v.get("git_commit")
    commit = pong_versions.get("git_commit") or next((c for c in commits.values() if c), None)

    learning = (bool(final["mean_return"] - random_score > 2 * final["std_return"] / np.sqrt(final["episodes"]))
                if final and not smoke else None)
    protocol = (f"smoke: eps {final['epsilon']:g}, {final['episodes']} game(s), up to "
                f"{final['max_episode_frames']:,} frames" if smoke and final else EVAL_PROTOCOL)
    evidence = {
        "commit": commit,
        "cartpole_solved_agent_steps": cart0["solved_at"] if cart0 else None,
        "cartpole_budget_agent_steps": (cart0 or {}).get("budget") or PROFILES["cartpole"].overrides["total_agent_steps"],
        "pong_run_profile": profile,
        "pong_run_env_frames": int(last.get("env_frames", 0)),
        "pong_run_agent_steps": int(last.get("agent_steps", 0)),
        "pong_run_updates": int(last.get("updates", 0)),
        "pong_run_planned_agent_steps": planned,
        "pong_run_complete": pong_summary is not None,
        "pong_run_wall_time_s": float(last.get("wall_time", 0.0)),
        "pong_run_final_score": final["mean_return"] if final else None,
        "pong_run_final_score_std": final["std_return"] if final else None,
        "pong_run_final_score_protocol": protocol,
        "pong_run_learning_shown": learning,
        "pong_run_learning_criterion": LEARNING_CRITERION,
        "pong_run_run_dir": pong_shown,
        "pong_run_first10_train_return": float(np.mean(first10)) if first10 else None,
        "pong_run_last10_train_return": float(np.mean(last10)) if last10 else None,
        "pong_random_score": random_score,
        "pong_nature_dqn_score": float(nature_pong["dqn_nature"]),
        "replay_bytes_per_transition": bench.get("replay_bytes_per_transition"),
        "train_updates_per_s": bench.get("train_updates_per_s"),
        "act_latency_ms": bench.get("act_latency_ms"),
        "loop_env_frames_per_s": peer.get("loop_env_frames_per_s", bench.get("loop_env_frames_per_s")),
        "loop_env_frames_per_s_source": ("benchmark_peer.json" if "loop_env_frames_per_s" in peer
                                         else "benchmark.json"),
        "sb3_loop_env_frames_per_s": peer.get("sb3_loop_env_frames_per_s"),
        "loop_vs_sb3_ratio": peer.get("loop_vs_sb3_ratio"),
        "benchmark_load_average_1min": bench.get("load_average_1min"),
        "benchmark_commit": bench.get("commit"),
        # the 1M-transition replay checkpoint (benchmark.py --replay-only), with its own date
        **{k: bench.get(k) for k in ("replay_size_gb_1m", "replay_save_seconds_1m",
                                     "replay_load_peak_rss_gb_1m", "replay_load_seconds_1m",
                                     "replay_checkpoint_date", "replay_checkpoint_load_average_1min")},
        # added with the run()/report() split
        "pong_run_final_score_agent_steps": final_step,
        "pong_run_final_score_env_frames": final_frames,
        "pong_run_newest_checkpoint_agent_steps": newest_ckpt,
        "pong_run_final_score_stale": eval_stale,
        "cartpole_solved_agent_steps_by_seed": {str(c["seed"]): c["solved_at"] for c in carts},
        "benchmark_source": (None if bench_file is None else _shown(bench_file, runs_root)
                             if bench_file == runs_root / PAPER / "benchmark.json" else f"results/{PAPER}/benchmark.json"),
        "run_commits": commits,
        **(dopamine.evidence(comparison) if comparison else {}),
    }
    name = "evidence.json" if budget == "cpu" else f"evidence-{budget}.json"
    (results_dir / name).write_text(json.dumps(evidence, indent=2) + "\n")

    # ---- status, what is missing
    missing = []
    if not pong_record:
        missing.append(f"the Pong run ({pong_shown}) has not started")
    elif pong_summary is None:
        missing.append(f"the Pong run ({pong_shown}) stopped at {_fmt_int(last.get('agent_steps', 0))} of "
                       f"{planned:,} planned agent steps (last row of metrics.csv); `make reproduce PAPERS=dqn` "
                       f"resumes it")
    if pong_record and not final:
        missing.append("no Nature-protocol evaluation of a Pong checkpoint "
                       f"({pong_shown}/evaluation/eval_summary.json)")
    elif eval_stale:
        missing.append(f"the Nature-protocol evaluation is of the checkpoint at agent step {final_step:,}; "
                       f"the newest checkpoint ({newest_ckpt:,}) is not evaluated yet")
    if cart0 is None:
        missing.append(f"the CartPole-v1 check ({cart0_shown}) has not run")
    elif not cart0["complete"]:
        missing.append(f"the CartPole-v1 check ({cart0_shown}) has not finished")
    if not bench and not smoke:
        missing.append("no benchmark (runs/dqn/benchmark.json)")
    if not run_dirs:
        status = "not run"
    elif missing:
        status = "partial"
    else:
        status = "complete"

    # ---- headline
    nature_score = float(nature_pong["dqn_nature"])
    ref = f"random {random_score:g}; Nature DQN {nature_score:g} at {paper_frames / 1e6:.0f}M frames"
    if final:
        frames_txt = (f"{final_frames / 1e6:.2f}M" if final_frames is not None
                      else f"{final_step * repeat / 1e6:.2f}M")
        pong_head = (f"Pong score {final['mean_return']:.1f} after {frames_txt} of {planned * repeat / 1e6:g}M "
                     f"planned frames ({ref})")
    elif pong_record:
        pong_head = (f"Pong: no evaluated checkpoint yet, {_fmt_int(last.get('env_frames', 0))} of "
                     f"{planned * repeat:,} frames ({ref})")
    else:
        pong_head = f"Pong not run ({ref})"
    solved = [c for c in carts if c["solved_at"] is not None]
    if carts:
        steps = sorted({c["solved_at"] for c in solved})
        cart_head = (f"CartPole-v1 solved by {len(solved)} of {len(carts)} seeds"
                     + (f" (at {', '.join(f'{s:,}' for s in steps)} agent steps)" if steps else ""))
    else:
        cart_head = "CartPole-v1 check not run"
    headline = f"{pong_head}; {cart_head}"
    if smoke:
        headline = f"SMOKE run (plumbing check, numbers meaningless): {headline}"

    # ---- body
    body = _body(evidence, {
        "status": status, "missing": missing, "pong_note": pong_note, "pong_shown": pong_shown,
        "final": final, "final_step": final_step, "final_frames": final_frames,
        "newest_ckpt": newest_ckpt, "eval_stale": eval_stale, "nature_pong": nature_pong,
        "pong_2013": pong_2013, "comparison": comparison, "plot": plot, "cart_plot": cart_plot,
        "carts": carts, "cart_eval_period": (read_json(carts[0]["dir"] / "config.json") or {}).get(
            "config", {}).get("eval_period") if carts else None, "bench": bench, "bench_source": bench_source, "planned": planned,
        "repeat": repeat, "pong_cfg": pong_cfg, "last": last, "pong_record": pong_record,
        "pong_summary": pong_summary, "paper": paper, "paper_frames": paper_frames,
        "paper_updates": paper_updates, "profile": profile, "runs_root": runs_root,
        "checkpoints": checkpoints, "smoke": smoke, "cart0_shown": cart0_shown})
    section = Section(status, headline, body, run_dirs)

    if readme == "default":
        readme = README
    if readme is not None and budget == "cpu":
        block = "\n".join([f"**Status: {status}.** {headline}", "",
                           body.replace(f"](<{PAPER}/", f"](../../results/{PAPER}/")
                               .replace(f"]({PAPER}/", f"](../../results/{PAPER}/"),
                           "", "### Runs and provenance", "", provenance(run_dirs, runs_root)])
        write_between_markers(readme, START, END, block)
    return section


def _body(ev: dict, v: dict) -> str:
    out = []
    if v["smoke"]:
        out += ["**Smoke run** (`make reproduce BUDGET=smoke`): every step of the pipeline at toy size "
                "(Pong `--profile smoke`, CartPole-v1 cut to a few hundred agent steps, a final evaluation of "
                "1 game capped at 400 frames, no benchmark). It checks the plumbing only: **the numbers "
                "below are meaningless** and say nothing about the paper.", ""]
    if v["status"] != "complete" and v["missing"]:
        out += ["Missing for a complete reproduction:", ""] + [f"* {m}" for m in v["missing"]] + [""]
    if v["pong_note"]:
        out += [v["pong_note"], ""]

    # ---- results tables
    nature, p13 = v["nature_pong"], v["pong_2013"]
    final = v["final"]
    score = (f"{final['mean_return']:.2f} +- {final['std_return']:.2f} (checkpoint at agent step "
             f"{v['final_step']:,}" + (f" = {v['final_frames']:,} frames" if v["final_frames"] is not None else "")
             + ")" if final else "-")
    score_label = (f"ours: final score, {ev['pong_run_final_score_protocol']}" if v["smoke"]
                   else "ours: final score, Nature protocol (30 games, eps 0.05)")
    rows = [[score_label, score,
             f"`{v['pong_shown']}/evaluation/eval_summary.json`"],
            ["ours: mean of the first 10 training games", ev["pong_run_first10_train_return"],
             f"`{v['pong_shown']}/episodes.csv`"],
            ["ours: mean of the last 10 training games", ev["pong_run_last10_train_return"],
             f"`{v['pong_shown']}/episodes.csv`"],
            ["random play", float(nature["random"]), nature["source"]],
            [f"Nature DQN, 50M frames (+- {nature['dqn_nature_std']} std)", float(nature["dqn_nature"]),
             nature["source"]],
            ["2013 DQN, average (10M frames)", float(p13["dqn_2013_avg"]), p13["source"]],
            ["2013 DQN, best episode", float(p13["dqn_2013_best"]), p13["source"]]]
    learning = {True: "yes", False: "no", None: "not measured (no evaluated checkpoint)"}[ev["pong_run_learning_shown"]]
    if v["smoke"]:
        learning = "not judged (smoke run)"
    out += ["### Pong, like for like: ours vs Dopamine's published DQN", ""]
    if v["comparison"]:
        out += [dopamine.render(v["comparison"], f"{PAPER}/dopamine_pong.png"),
                "Both sides: `--profile dopamine` (Dopamine's dqn.gin, config.py); the differences "
                "left are listed in the DQN README. Numbers from `python -m papers.dqn.dopamine "
                "RUN_DIR ...` (results/dqn/dopamine_pong.json).", ""]
    else:
        out += ["Not run yet: `python -m papers.dqn.train --profile dopamine --seed S --set "
                "total_agent_steps=1050000` for seeds 0 and 1, then `python -m papers.dqn.dopamine "
                "RUN_DIR ...`.", ""]
    out += ["### Pong: ours vs the papers", "",
            f"Run `{v['pong_shown']}` (`--profile {v['profile']}`). Learning shown by the final score "
            f"({LEARNING_CRITERION}): **{learning}**.", "",
            markdown_table(["Pong", "score", "source"], rows, digits=2)]

    carts = v["carts"]
    out += ["", "### CartPole-v1 algorithm check (not in the papers)", ""]
    if carts:
        crow = [[f"`{_shown(c['dir'], v['runs_root'])}`", c["seed"], "yes" if c["complete"] else "no",
                 _fmt_int(c["solved_at"]) if c["solved_at"] is not None else "not solved",
                 _fmt_int(c["budget"]), c["last_eval"]] for c in carts]
        out += ["Same agent, replay memory and loss with a 64-64 MLP (`--profile cartpole`); solved = mean "
                "greedy return >= 195 over 100 games (Gym's threshold).", "",
                markdown_table(["run", "seed", "finished", "solved at agent step", "budget (agent steps)",
                                "last greedy eval (100 games)"], crow, digits=1)]
    else:
        out += ["Not run."]

    bench = v["bench"]
    out += ["", "### Benchmark (`python -m papers.dqn.benchmark`, Nature settings, Pong)", ""]
    if bench:
        brows = [["replay bytes per transition (target <= 7,200)", bench.get("replay_bytes_per_transition")],
                 [f"isolated train step, updates/s (batch 32, {bench.get('precision', '?')})",
                  bench.get("train_updates_per_s")],
                 ["greedy action latency, ms", bench.get("act_latency_ms")],
                 ["whole loop after replay start, env frames/s (target >= 1,000)",
                  bench.get("loop_env_frames_per_s")],
                 ["1-minute load average while measuring (2 cores)", bench.get("load_average_1min")]]
        out += [f"From {v['bench_source']}, measured at commit `{bench.get('commit', 'unknown')}`.", "",
                markdown_table(["measure", "value"], brows, digits=2)]
    if ev["sb3_loop_env_frames_per_s"] is not None:
        out += ["", "Against Stable-Baselines3's DQN (`make bench-peer`: CnnPolicy, same game, batch, update "
                "period and replay size, float32 on both sides, alternating rounds in one run; "
                f"results/{PAPER}/benchmark_peer.json):", "",
                markdown_table(["measure", "value"], [
                    ["ours, whole loop, env frames/s (median of rounds)", ev["loop_env_frames_per_s"]],
                    ["Stable-Baselines3 DQN, whole loop, env frames/s (median)", ev["sb3_loop_env_frames_per_s"]],
                    ["ours / SB3, agent steps per second (target >= 2.5)", ev["loop_vs_sb3_ratio"]]], digits=2)]
    elif v["smoke"]:
        out += ["Not measured at the smoke budget (`make reproduce PAPERS=dqn` measures it)."]
    else:
        out += ["Not measured (`DQN_BENCHMARK=1 make reproduce PAPERS=dqn` measures it)."]

    # ---- plots
    out += ["", "### Plots", ""]
    if v["plot"] is not None:
        out += [f"![Pong: our training games and periodic evaluations]"
                f"({PAPER}/{v['plot'].name})", "",
                f"(binned per 100k frames in [{PAPER}/{v['plot'].with_suffix('.csv').name}]"
                f"({PAPER}/{v['plot'].with_suffix('.csv').name}))", ""]
    else:
        out += ["No Pong training games yet: no curve.", ""]
    if v["cart_plot"] is not None:
        out += [f"![CartPole-v1: greedy evaluations and training games]({PAPER}/{v['cart_plot'].name})"]
    else:
        out += ["No CartPole run: no curve."]

    # ---- budget
    last, paper = v["last"], v["paper"]
    cfg = v["pong_cfg"]
    planned, repeat = v["planned"], v["repeat"]
    replay_start = int(cfg.get("replay_start", paper.replay_start))
    update_period = int(cfg.get("update_period", paper.update_period))
    planned_updates = (planned - replay_start) // update_period
    wall = last.get("wall_time")
    ckpt = v["checkpoints"].get(v["newest_ckpt"]) if v["newest_ckpt"] is not None else None
    brow = [["emulator frames", _fmt_int(last.get("env_frames")), f"{planned * repeat:,}",
             f"{v['paper_frames']:,} (Nature Methods)"],
            ["agent steps (1 per 4 frames)", _fmt_int(last.get("agent_steps")), f"{planned:,}",
             f"{paper.total_agent_steps:,}"],
            ["updates (batch 32, 1 per 4 agent steps after replay start)", _fmt_int(last.get("updates")),
             f"{planned_updates:,}", f"{v['paper_updates']:,}"],
            ["replay memory (transitions)", _fmt_int(cfg.get("replay_capacity")), _fmt_int(cfg.get("replay_capacity")),
             f"{paper.replay_capacity:,}"],
            ["training runs (seeds)", "1" if v["pong_record"] else "0", "1", "-"],
            ["training wall time", f"{float(wall) / 60:.1f} min" if wall not in (None, "") else "-", "-",
             "- (not comparable: GPU)"]]
    out += ["", "### Budget: used vs the paper's", "",
            f"Pong (`{v['pong_shown']}`, last row of `metrics.csv`"
            + (f"; the newest checkpoint holds agent step {v['newest_ckpt']:,}"
               + (f" = {ckpt['state']['env_frames']:,} frames" if ckpt and "env_frames" in ckpt.get("state", {}) else "")
               if v["newest_ckpt"] is not None else "") + "):", "",
            markdown_table(["", "ours (used)", f"ours (planned, `--profile {v['profile']}`)", "paper (Nature)"],
                           brow),
            "", "CartPole-v1: " + ("; ".join(f"seed {c['seed']} {_fmt_int(c['agent_steps'])} of "
                                             f"{_fmt_int(c['budget'])} agent steps"
                                             + (f", {float(c['wall_time_s']):.0f} s" if c["wall_time_s"] else "")
                                             for c in carts) if carts else "not run") + "."]

    # ---- protocol
    out += ["", "### Evaluation protocol", "",
            "* **Final score** (`python -m papers.dqn.evaluate`, run by `reproduce.run()` on the newest "
            "checkpoint and cached in `<run dir>/evaluation/`): the Nature protocol (Mnih et al. 2015, Methods): "
            "epsilon 0.05, 30 games, each starting with up to 30 no-op actions, each capped at 18,000 "
            "emulator frames (5 minutes), full games (a lost life does not end the game), raw game score "
            "(no reward clipping); evaluation seed 12345. The Nature and random numbers of the table are "
            "from the same protocol (Ext. Data Table 2); the 2013 numbers are from its Table 1 (eps 0.05 "
            "for a fixed number of steps)."
            + (f" **At the smoke budget** the final score is instead {ev['pong_run_final_score_protocol']}."
               if v["smoke"] else "")
            + (f" **Stale:** the evaluated checkpoint ({v['final_step']:,}) is older than the newest "
               f"({v['newest_ckpt']:,})." if v["eval_stale"] else ""),
            f"* **Learning shown**: {LEARNING_CRITERION}, i.e. mean > {ev['pong_random_score']:g} + "
            "2 std / sqrt(30).",
            "* **Curve**: raw full-game score of every training game (epsilon-greedy with the training "
            f"schedule, eps to {cfg.get('eps_end', '?')}), 10-game moving mean; periodic evaluations during "
            f"training use eps {cfg.get('eval_epsilon', '?')} on {cfg.get('eval_episodes', '?')} games "
            f"(`eval.csv`).",
            "* **Like for like with Dopamine**: the mean raw return of the training games of each "
            "iteration (250k agent steps run to the end of the game in progress), Dopamine's own "
            "metric; `papers/dqn/dopamine.py`.",
            "* **CartPole-v1**: greedy (eps 0) evaluation on 100 games every "
            f"{_fmt_int(v['cart_eval_period'])} agent steps; the run stops once the mean reaches 195."]
    return "\n".join(out)


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("dqn", __doc__, run, report, argv))
