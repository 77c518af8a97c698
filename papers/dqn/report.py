"""DQN (Mnih et al. 2013, 2015): this paper's section of results/REPORT.md, from the run
directories that papers/dqn/reproduce.py writes and papers/dqn/published/ only (no training, no
clock, no current commit).

    collect(budget, runs_root, results_dir)   the numbers: the Pong run (metrics, episodes, its
                                              complete checkpoints, the final evaluation), the
                                              CartPole checks, the benchmark (runs_root/dqn/, else
                                              the committed results/dqn/ copy), make bench-peer's
                                              and papers/dqn/dopamine.py's files in results_dir, the
                                              published scores; draws the plots and the binned curve
                                              and keeps the network behind the final score in
                                              results_dir/weights/ (when under 10 MB)
    evidence(facts)                           evidence.json: the main numbers, flat
    render(facts)                             the Markdown body
    section(budget, runs_root, results_dir)   all three, plus (budget cpu) the README's results block

Budgets other than "cpu" write only under results_dir (evidence-<budget>.json), never the README;
"smoke" reads the smoke run directories and is labelled a plumbing check whose numbers mean nothing.
The Pong run read is DQN_PONG_RUN_DIR when that lies under runs_root/dqn/ (a note says when it
had to be ignored), else runs_root/dqn/<cpu-seed0 | nature/pong-seed0 | smoke-pong-seed0>.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from common.atari_eval import LEARNING_CRITERION, learning_shown
from common import weights as kept_weights
from common.report import (BUDGET, PROTOCOL, SMOKE, Section, measured_file, plots_md, relink, results_md, runs_md,
                           shown, write_evidence, write_readme_block)
from common.results import curve_plot, markdown_table, read_json, read_published, read_rows
from common.run import complete_checkpoints
from papers.dqn import dopamine
from papers.dqn.evaluate import PROTOCOL as EVAL
from papers.dqn.evaluate import WEIGHTS
from papers.dqn.reproduce import cart_prefix, pong_name, profile_of

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PAPER = "dqn"
PUBLISHED = HERE / "published"
README = HERE / "README.md"
COMMITTED_RESULTS = ROOT / "results" / PAPER
#: the final score's protocol in a few words (evidence.json)
EVAL_PROTOCOL = f"Nature: {EVAL.short()}"


# ---------------------------------------------------------------------------------- collect()
def _shown(path: Path, runs_root: Path) -> str:
    """`runs/dqn/cpu-seed0` whatever folder runs_root is (so the text does not depend on it)."""
    try:
        return (Path(runs_root.name) / path.resolve().relative_to(runs_root.resolve())).as_posix()
    except ValueError:
        return path.as_posix()


def _fmt_int(value) -> str:
    return f"{int(value):,}" if value not in (None, "") else "-"


def _report_pong_dir(budget: str, runs_root: Path) -> tuple[Path, str]:
    """The Pong run the report reads, and a note when DQN_PONG_RUN_DIR had to be ignored."""
    default = runs_root / PAPER / pong_name(budget)
    chosen = os.environ.get("DQN_PONG_RUN_DIR")
    if not chosen or budget == SMOKE:
        return default, ""
    try:
        Path(chosen).resolve().relative_to((runs_root / PAPER).resolve())
    except ValueError:
        return default, (f"DQN_PONG_RUN_DIR={chosen} lies outside {_shown(runs_root / PAPER, runs_root)}/; "
                         f"the report reads only that folder, so it shows {_shown(default, runs_root)}.")
    return Path(chosen), ""


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = values[max(0, i - window + 1):i + 1].mean()
    return out


def _binned_csv(frames: np.ndarray, returns: np.ndarray, path: Path) -> None:
    """The training-game curve, binned per 100k frames, as a small CSV beside the plot."""
    binned = []
    for lo in range(0, int(frames.max()) + 1, 100_000):
        mask = (frames >= lo) & (frames < lo + 100_000)
        if mask.any():
            binned.append([lo, lo + 100_000, round(float(returns[mask].mean()), 3), int(mask.sum())])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["env_frames_start", "env_frames_end", "mean_train_return", "games"])
        w.writerows(binned)


def _pong_plot(run_dir: Path, results_dir: Path, random_score: float, profile: str) -> Path | None:
    episodes = read_rows(run_dir / "episodes.csv")
    if not episodes:
        return None
    frames = np.array([float(r["env_frames"]) for r in episodes])
    returns = np.array([float(r["return"]) for r in episodes])
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
    _binned_csv(frames, returns, results_dir / f"pong_{profile}_curve.csv")
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


def _seed_key(path: Path):
    tail = path.name.rsplit("seed", 1)[-1]
    return (int(tail) if tail.isdigit() else 1 << 30, path.name)


def _cartpole_runs(runs_root: Path, prefix: str) -> list[dict]:
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


def _pong(budget: str, runs_root: Path, results_dir: Path, random_score: float) -> dict:
    """The Pong run: config, last metrics row, complete checkpoints, final evaluation, curve."""
    from papers.dqn.config import PROFILES, NatureConfig
    paper, profile = NatureConfig(), profile_of(budget)
    pong_dir, note = _report_pong_dir(budget, runs_root)
    record = read_json(pong_dir / "config.json")
    cfg = (record or {}).get("config", {})
    metrics, episodes = read_rows(pong_dir / "metrics.csv"), read_rows(pong_dir / "episodes.csv")
    checkpoints = {step: read_json(pong_dir / "checkpoints" / f"ckpt-{step}.complete.json") or {}
                   for step in complete_checkpoints(pong_dir)}
    final = read_json(pong_dir / "evaluation" / "eval_summary.json")
    final_step = int(final["agent_steps"]) if final else None
    newest = max(checkpoints) if checkpoints else None
    return {
        "dir": pong_dir, "note": note, "shown": _shown(pong_dir, runs_root), "record": record, "cfg": cfg,
        "planned": int(cfg.get("total_agent_steps")
                       or PROFILES[profile].overrides.get("total_agent_steps", paper.total_agent_steps)),
        "repeat": int(cfg.get("action_repeat", paper.action_repeat)),
        "last": metrics[-1] if metrics else {},
        "summary": read_json(pong_dir / "summary.json") if (pong_dir / "DONE").exists() else None,
        "checkpoints": checkpoints, "newest_ckpt": newest,
        "final": final, "final_step": final_step,
        "final_frames": ((checkpoints.get(final_step) or {}).get("state") or {}).get("env_frames") if final else None,
        "eval_stale": bool(final and newest is not None and final_step < newest),
        "plot": _pong_plot(pong_dir, results_dir, random_score, profile),
        "first10": [float(r["return"]) for r in episodes[:10]],
        "last10": [float(r["return"]) for r in episodes[-10:]],
        "commit": (read_json(pong_dir / "versions.json") or {}).get("git_commit")}


def _kept_weights(p: dict, results_dir: Path) -> dict | None:
    """The network the final evaluation scored (<run>/evaluation/online.weights.h5), copied to
    results_dir/weights/pong-<run>.weights.h5 with the record `evaluate --weights` rebuilds it from;
    None when that evaluation saved no network."""
    src = p["dir"] / "evaluation" / WEIGHTS
    if not (p["final"] and p["record"] and src.exists()):
        return None
    name = f"pong-{p['dir'].name}"
    return kept_weights.keep(src, results_dir, name, {
        "paper": PAPER, "run": p["shown"], "profile": p["record"].get("profile"), "config": p["cfg"],
        "agent_steps": p["final_step"], "env_frames": p["final_frames"],
        "score": {k: p["final"].get(k) for k in ("mean_return", "std_return", "episodes", "epsilon", "seed",
                                                   "max_episode_frames")}})


def _benchmark(smoke: bool, runs_root: Path, results_dir: Path) -> dict:
    """benchmark.json (runs folder, else the committed copy) and make bench-peer's file; none at smoke."""
    bench_file, source = (None, "") if smoke else measured_file(PAPER, "benchmark.json", runs_root, results_dir)
    return {"bench_file": bench_file, "bench_source": source,
            "bench": (read_json(bench_file) if bench_file else None) or {},
            "peer": {} if smoke else read_json(results_dir / "benchmark_peer.json") or {}}


def collect(budget: str, runs_root: Path, results_dir: Path) -> dict:
    """Everything the section shows, as plain numbers, rows and paths (plots drawn into results_dir)."""
    from papers.dqn.config import NatureConfig
    runs_root, results_dir = Path(runs_root), Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    smoke, paper = budget == SMOKE, NatureConfig()
    nature_pong = read_published(PUBLISHED / "dqn_nature_scores.csv", game="pong")[0]
    random_score = float(nature_pong["random"])
    pong = _pong(budget, runs_root, results_dir, random_score)
    prefix = cart_prefix(budget)
    carts = _cartpole_runs(runs_root, prefix)
    run_dirs = ([pong["dir"]] if pong["record"] else []) + [c["dir"] for c in carts]
    facts = {
        "budget": budget, "smoke": smoke, "profile": profile_of(budget), "runs_root": runs_root, "paper": paper,
        "paper_frames": paper.total_agent_steps * paper.action_repeat,
        "paper_updates": (paper.total_agent_steps - paper.replay_start) // paper.update_period,
        "nature_pong": nature_pong, "random_score": random_score,
        "pong_2013": read_published(PUBLISHED / "dqn2013_table1.csv", game="pong")[0],
        "pong": pong, "carts": carts, "cart_plot": _cartpole_plot(carts, results_dir),
        "cart0": next((c for c in carts if c["dir"].name == f"{prefix}0"), None),
        "cart0_shown": _shown(runs_root / PAPER / f"{prefix}0", runs_root),
        "cart_eval_period": (read_json(carts[0]["dir"] / "config.json") or {}).get(
            "config", {}).get("eval_period") if carts else None,
        "weights": _kept_weights(pong, results_dir),
        "comparison": read_json(results_dir / "dopamine_pong.json") if not smoke else None,
        **_benchmark(smoke, runs_root, results_dir), "run_dirs": run_dirs,
        "commits": {_shown(d, runs_root): (read_json(d / "versions.json") or {}).get("git_commit")
                    for d in run_dirs}}
    final = pong["final"]
    facts["learning"] = (learning_shown(final["mean_return"], final["std_return"], final["episodes"], random_score)
                         if final and not smoke else None)
    facts["missing"] = _missing(facts)
    facts["status"] = "not run" if not run_dirs else "partial" if facts["missing"] else "complete"
    return facts


def _missing(facts: dict) -> list[str]:
    """What a complete reproduction still lacks."""
    p, cart0, shown = facts["pong"], facts["cart0"], facts["pong"]["shown"]
    missing = []
    if not p["record"]:
        missing.append(f"the Pong run ({shown}) has not started")
    elif p["summary"] is None:
        missing.append(f"the Pong run ({shown}) stopped at {_fmt_int(p['last'].get('agent_steps', 0))} of "
                       f"{p['planned']:,} planned agent steps (last row of metrics.csv); `make reproduce PAPERS=dqn` "
                       f"resumes it")
    if p["record"] and not p["final"]:
        missing.append(f"no Nature-protocol evaluation of a Pong checkpoint ({shown}/evaluation/eval_summary.json)")
    elif p["eval_stale"]:
        missing.append(f"the Nature-protocol evaluation is of the checkpoint at agent step {p['final_step']:,}; "
                       f"the newest checkpoint ({p['newest_ckpt']:,}) is not evaluated yet")
    if cart0 is None:
        missing.append(f"the CartPole-v1 check ({facts['cart0_shown']}) has not run")
    elif not cart0["complete"]:
        missing.append(f"the CartPole-v1 check ({facts['cart0_shown']}) has not finished")
    if not facts["bench"] and not facts["smoke"]:
        missing.append("no benchmark (runs/dqn/benchmark.json)")
    return missing


# ---------------------------------------------------------------------------------- evidence()
def _final_protocol(facts: dict) -> str:
    final = facts["pong"]["final"]
    if facts["smoke"] and final:
        return (f"smoke: eps {final['epsilon']:g}, {final['episodes']} game(s), up to "
                f"{final['max_episode_frames']:,} frames")
    return EVAL_PROTOCOL


def _bench_evidence(facts: dict) -> dict:
    bench, peer = facts["bench"], facts["peer"]
    return {
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
                                     "replay_checkpoint_date", "replay_checkpoint_load_average_1min")}}


def evidence(facts: dict) -> dict:
    """evidence.json: the section's main numbers, flat; the commits are the runs'."""
    p, cart0, carts, runs_root = facts["pong"], facts["cart0"], facts["carts"], facts["runs_root"]
    final, last, bench_file = p["final"], p["last"], facts["bench_file"]
    return {
        "commit": p["commit"] or next((c for c in facts["commits"].values() if c), None),
        "cartpole_solved_agent_steps": cart0["solved_at"] if cart0 else None,
        "cartpole_budget_agent_steps": (cart0 or {}).get("budget") or _cartpole_profile_steps(),
        "pong_run_profile": facts["profile"],
        "pong_run_env_frames": int(last.get("env_frames", 0)),
        "pong_run_agent_steps": int(last.get("agent_steps", 0)),
        "pong_run_updates": int(last.get("updates", 0)),
        "pong_run_planned_agent_steps": p["planned"],
        "pong_run_complete": p["summary"] is not None,
        "pong_run_wall_time_s": float(last.get("wall_time", 0.0)),
        "pong_run_final_score": final["mean_return"] if final else None,
        "pong_run_final_score_std": final["std_return"] if final else None,
        "pong_run_final_score_protocol": _final_protocol(facts),
        "pong_run_learning_shown": facts["learning"],
        "pong_run_learning_criterion": LEARNING_CRITERION,
        "pong_run_run_dir": p["shown"],
        "pong_run_first10_train_return": float(np.mean(p["first10"])) if p["first10"] else None,
        "pong_run_last10_train_return": float(np.mean(p["last10"])) if p["last10"] else None,
        "pong_random_score": facts["random_score"],
        "pong_nature_dqn_score": float(facts["nature_pong"]["dqn_nature"]),
        **_bench_evidence(facts),
        "pong_run_final_score_agent_steps": p["final_step"],
        "pong_run_final_score_env_frames": p["final_frames"],
        "pong_run_newest_checkpoint_agent_steps": p["newest_ckpt"],
        "pong_run_final_score_stale": p["eval_stale"],
        "pong_run_weights": shown(facts["weights"]["path"]) if (facts["weights"] or {}).get("path") else None,
        "cartpole_solved_agent_steps_by_seed": {str(c["seed"]): c["solved_at"] for c in carts},
        "benchmark_source": (None if bench_file is None else _shown(bench_file, runs_root)
                             if bench_file == runs_root / PAPER / "benchmark.json" else f"results/{PAPER}/benchmark.json"),
        "run_commits": facts["commits"],
        **(dopamine.evidence(facts["comparison"]) if facts["comparison"] else {}),
    }


def _cartpole_profile_steps() -> int:
    from papers.dqn.config import PROFILES
    return PROFILES["cartpole"].overrides["total_agent_steps"]


# ---------------------------------------------------------------------------------- render()
def headline(facts: dict) -> str:
    p, nature = facts["pong"], facts["nature_pong"]
    final, planned, repeat = p["final"], p["planned"], p["repeat"]
    ref = (f"random {facts['random_score']:g}; Nature DQN {float(nature['dqn_nature']):g} at "
           f"{facts['paper_frames'] / 1e6:.0f}M frames")
    if final:
        frames_txt = (f"{p['final_frames'] / 1e6:.2f}M" if p["final_frames"] is not None
                      else f"{p['final_step'] * repeat / 1e6:.2f}M")
        pong_head = (f"Pong score {final['mean_return']:.1f} after {frames_txt} of {planned * repeat / 1e6:g}M "
                     f"planned frames ({ref})")
    elif p["record"]:
        pong_head = (f"Pong: no evaluated checkpoint yet, {_fmt_int(p['last'].get('env_frames', 0))} of "
                     f"{planned * repeat:,} frames ({ref})")
    else:
        pong_head = f"Pong not run ({ref})"
    carts = facts["carts"]
    solved = [c for c in carts if c["solved_at"] is not None]
    if carts:
        steps = sorted({c["solved_at"] for c in solved})
        cart_head = (f"CartPole-v1 solved by {len(solved)} of {len(carts)} seeds"
                     + (f" (at {', '.join(f'{s:,}' for s in steps)} agent steps)" if steps else ""))
    else:
        cart_head = "CartPole-v1 check not run"
    like_for_like = dopamine.headline(facts["comparison"]) if facts["comparison"] else None
    text = "; ".join(t for t in (like_for_like, pong_head, cart_head) if t)
    return f"SMOKE run (plumbing check, numbers meaningless): {text}" if facts["smoke"] else text


def _intro_md(facts: dict) -> list[str]:
    out = []
    if facts["smoke"]:
        out += ["**Smoke run** (`make reproduce BUDGET=smoke`): every step of the pipeline at toy size "
                "(Pong `--profile smoke`, CartPole-v1 cut to a few hundred agent steps, a final evaluation of "
                "1 game capped at 400 frames, no benchmark). It checks the plumbing only: **the numbers "
                "below are meaningless** and say nothing about the paper.", ""]
    if facts["status"] != "complete" and facts["missing"]:
        out += ["Missing for a complete reproduction:", ""] + [f"* {m}" for m in facts["missing"]] + [""]
    if facts["pong"]["note"]:
        out += [facts["pong"]["note"], ""]
    return out


def _dopamine_md(facts: dict) -> list[str]:
    out = ["#### Pong, like for like: ours vs Dopamine's published DQN", ""]
    if facts["comparison"]:
        return out + [dopamine.render(facts["comparison"], None),
                      "Both sides: `--profile dopamine` (Dopamine's dqn.gin, config.py); the differences "
                      "left are listed in the DQN README. Numbers from `python -m papers.dqn.dopamine "
                      "RUN_DIR ...` (results/dqn/dopamine_pong.json).", ""]
    return out + ["Not run yet: `python -m papers.dqn.train --profile dopamine --seed S --set "
                  "total_agent_steps=1050000` for seeds 0 and 1, then `python -m papers.dqn.dopamine "
                  "RUN_DIR ...`.", ""]


def _pong_md(facts: dict, ev: dict) -> list[str]:
    """Our Pong scores next to the papers'."""
    p, nature, p13 = facts["pong"], facts["nature_pong"], facts["pong_2013"]
    final = p["final"]
    score = (f"{final['mean_return']:.2f} +- {final['std_return']:.2f} (checkpoint at agent step "
             f"{p['final_step']:,}" + (f" = {p['final_frames']:,} frames" if p["final_frames"] is not None else "")
             + ")" if final else "-")
    score_label = (f"ours: final score, {ev['pong_run_final_score_protocol']}" if facts["smoke"]
                   else f"ours: final score, Nature protocol ({EVAL.games} games, eps {EVAL.epsilon:g})")
    rows = [[score_label, score, f"`{p['shown']}/evaluation/eval_summary.json`"],
            ["ours: mean of the first 10 training games", ev["pong_run_first10_train_return"],
             f"`{p['shown']}/episodes.csv`"],
            ["ours: mean of the last 10 training games", ev["pong_run_last10_train_return"],
             f"`{p['shown']}/episodes.csv`"],
            ["random play", float(nature["random"]), nature["source"]],
            [f"Nature DQN, 50M frames (+- {nature['dqn_nature_std']} std)", float(nature["dqn_nature"]),
             nature["source"]],
            ["2013 DQN, average (10M frames)", float(p13["dqn_2013_avg"]), p13["source"]],
            ["2013 DQN, best episode", float(p13["dqn_2013_best"]), p13["source"]]]
    learning = {True: "yes", False: "no", None: "not measured (no evaluated checkpoint)"}[ev["pong_run_learning_shown"]]
    if facts["smoke"]:
        learning = "not judged (smoke run)"
    return [
        "#### Pong: ours vs the papers", "",
        f"Run `{p['shown']}` (`--profile {facts['profile']}`). Learning shown by the final score "
        f"({LEARNING_CRITERION}): **{learning}**.", "",
        markdown_table(["Pong", "score", "source"], rows, digits=2), "",
        kept_weights.markdown(facts["weights"], PAPER, "the final score")]


def _cartpole_md(facts: dict) -> list[str]:
    carts = facts["carts"]
    out = ["#### CartPole-v1 algorithm check (not in the papers)", ""]
    if not carts:
        return out + ["Not run."]
    crow = [[f"`{_shown(c['dir'], facts['runs_root'])}`", c["seed"], "yes" if c["complete"] else "no",
             _fmt_int(c["solved_at"]) if c["solved_at"] is not None else "not solved",
             _fmt_int(c["budget"]), c["last_eval"]] for c in carts]
    return out + ["Same agent, replay memory and loss with a 64-64 MLP (`--profile cartpole`); solved = mean "
                  "greedy return >= 195 over 100 games (Gym's threshold).", "",
                  markdown_table(["run", "seed", "finished", "solved at agent step", "budget (agent steps)",
                                  "last greedy eval (100 games)"], crow, digits=1)]


def _bench_md(facts: dict, ev: dict) -> list[str]:
    bench = facts["bench"]
    out = ["#### Benchmark (`python -m papers.dqn.benchmark`, Nature settings, Pong)", ""]
    if bench:
        brows = [["replay bytes per transition (target <= 7,200)", bench.get("replay_bytes_per_transition")],
                 [f"isolated train step, updates/s (batch 32, {bench.get('precision', '?')})",
                  bench.get("train_updates_per_s")],
                 ["greedy action latency, ms", bench.get("act_latency_ms")],
                 ["whole loop after replay start, env frames/s (target >= 1,000)",
                  bench.get("loop_env_frames_per_s")],
                 ["1-minute load average while measuring (2 cores)", bench.get("load_average_1min")]]
        out += [f"From {facts['bench_source']}, measured at commit `{bench.get('commit', 'unknown')}`.", "",
                markdown_table(["measure", "value"], brows, digits=2)]
    if ev["sb3_loop_env_frames_per_s"] is not None:
        out += ["", "Against Stable-Baselines3's DQN (`make bench-peer`: CnnPolicy, same game, batch, update "
                "period and replay size, float32 on both sides, alternating rounds in one run; "
                f"results/{PAPER}/benchmark_peer.json):", "",
                markdown_table(["measure", "value"], [
                    ["ours, whole loop, env frames/s (median of rounds)", ev["loop_env_frames_per_s"]],
                    ["Stable-Baselines3 DQN, whole loop, env frames/s (median)", ev["sb3_loop_env_frames_per_s"]],
                    ["ours / SB3, agent steps per second (target >= 2.5)", ev["loop_vs_sb3_ratio"]]], digits=2)]
    elif facts["smoke"]:
        out += ["Not measured at the smoke budget (`make reproduce PAPERS=dqn` measures it)."]
    else:
        out += ["Not measured (`DQN_BENCHMARK=1 make reproduce PAPERS=dqn` measures it)."]
    return out


def _plots_md(facts: dict) -> str:
    plot, cart_plot = facts["pong"]["plot"], facts["cart_plot"]
    out = [f"![Pong, ours vs Dopamine]({PAPER}/dopamine_pong.png)", ""] if facts["comparison"] else []
    if plot is not None:
        csv_name = plot.with_suffix(".csv").name
        out += [f"![Pong: our training games and periodic evaluations]({PAPER}/{plot.name})", "",
                f"(binned per 100k frames in [{PAPER}/{csv_name}]({PAPER}/{csv_name}))", ""]
    else:
        out += ["No Pong training games yet: no curve.", ""]
    if cart_plot is not None:
        out += [f"![CartPole-v1: greedy evaluations and training games]({PAPER}/{cart_plot.name})"]
    else:
        out += ["No CartPole run: no curve."]
    return plots_md("\n".join(out))


def _budget_md(facts: dict) -> list[str]:
    p, paper = facts["pong"], facts["paper"]
    last, cfg, planned, repeat, newest = p["last"], p["cfg"], p["planned"], p["repeat"], p["newest_ckpt"]
    planned_updates = ((planned - int(cfg.get("replay_start", paper.replay_start)))
                       // int(cfg.get("update_period", paper.update_period)))
    wall = last.get("wall_time")
    ckpt = p["checkpoints"].get(newest) if newest is not None else None
    rows = [["emulator frames", _fmt_int(last.get("env_frames")), f"{planned * repeat:,}",
             f"{facts['paper_frames']:,} (Nature Methods)"],
            ["agent steps (1 per 4 frames)", _fmt_int(last.get("agent_steps")), f"{planned:,}",
             f"{paper.total_agent_steps:,}"],
            ["updates (batch 32, 1 per 4 agent steps after replay start)", _fmt_int(last.get("updates")),
             f"{planned_updates:,}", f"{facts['paper_updates']:,}"],
            ["replay memory (transitions)", _fmt_int(cfg.get("replay_capacity")), _fmt_int(cfg.get("replay_capacity")),
             f"{paper.replay_capacity:,}"],
            ["training runs (seeds)", "1" if p["record"] else "0", "1", "-"],
            ["training wall time", f"{float(wall) / 60:.1f} min" if wall not in (None, "") else "-", "-",
             "- (not comparable: GPU)"]]
    held = ""
    if newest is not None:
        held = (f"; the newest checkpoint holds agent step {newest:,}"
                + (f" = {ckpt['state']['env_frames']:,} frames" if ckpt and "env_frames" in ckpt.get("state", {}) else ""))
    carts = "; ".join(f"seed {c['seed']} {_fmt_int(c['agent_steps'])} of {_fmt_int(c['budget'])} agent steps"
                      + (f", {float(c['wall_time_s']):.0f} s" if c["wall_time_s"] else "") for c in facts["carts"])
    return [BUDGET, "", f"Pong (`{p['shown']}`, last row of `metrics.csv`{held}):", "",
            markdown_table(["", "ours (used)", f"ours (planned, `--profile {facts['profile']}`)", "paper (Nature)"],
                           rows),
            "", "CartPole-v1: " + (carts if facts["carts"] else "not run") + "."]


def _protocol_md(facts: dict, ev: dict) -> list[str]:
    p = facts["pong"]
    cfg = p["cfg"]
    return [
        PROTOCOL, "",
        "* **Final score** (`python -m papers.dqn.evaluate`, run by `reproduce.run()` on the newest "
        "checkpoint and cached in `<run dir>/evaluation/`): the Nature protocol (Mnih et al. 2015, Methods): "
        f"{EVAL.describe()}. The Nature and random numbers of the table are "
        "from the same protocol (Ext. Data Table 2); the 2013 numbers are from its Table 1 (eps 0.05 "
        "for a fixed number of steps)."
        + (f" **At the smoke budget** the final score is instead {ev['pong_run_final_score_protocol']}."
           if facts["smoke"] else "")
        + (f" **Stale:** the evaluated checkpoint ({p['final_step']:,}) is older than the newest "
           f"({p['newest_ckpt']:,})." if p["eval_stale"] else ""),
        f"* **Learning shown**: {LEARNING_CRITERION}, i.e. mean > {ev['pong_random_score']:g} + "
        f"2 std / sqrt({EVAL.games}).",
        "* **Curve**: raw full-game score of every training game (epsilon-greedy with the training "
        f"schedule, eps to {cfg.get('eps_end', '?')}), 10-game moving mean; periodic evaluations during "
        f"training use eps {cfg.get('eval_epsilon', '?')} on {cfg.get('eval_episodes', '?')} games "
        f"(`eval.csv`).",
        "* **Like for like with Dopamine**: the mean raw return of the training games of each "
        "iteration (250k agent steps run to the end of the game in progress), Dopamine's own "
        "metric; `papers/dqn/dopamine.py`.",
        "* **CartPole-v1**: greedy (eps 0) evaluation on 100 games every "
        f"{_fmt_int(facts['cart_eval_period'])} agent steps; the run stops once the mean reaches 195."]


def render(facts: dict, ev: dict | None = None) -> str:
    """The section's body (links relative to results/); `ev`: evidence(facts), computed if not given."""
    ev = ev if ev is not None else evidence(facts)
    tables = [_dopamine_md(facts), _pong_md(facts, ev), _cartpole_md(facts), _bench_md(facts, ev)]
    parts = ["\n".join(_intro_md(facts)), results_md(["\n".join(t) for t in tables]), _plots_md(facts),
             "\n".join(_budget_md(facts)), "\n".join(_protocol_md(facts, ev))]
    return "\n\n".join(part.strip() for part in parts if part.strip())


# ---------------------------------------------------------------------------------- section()
def section(budget: str, runs_root: Path, results_dir: Path, readme: Path | None | str = "default") -> Section:
    """The DQN Section of the report, with its files under results_dir. `readme`: the README whose
    results block to rewrite ("default": papers/dqn/README.md, read at call time; None: none);
    written at budget cpu only."""
    runs_root, results_dir = Path(runs_root), Path(results_dir)
    facts = collect(budget, runs_root, results_dir)
    ev = evidence(facts)
    if budget == "cpu":
        write_evidence(results_dir, ev)
    else:     # a smoke or paper-budget build keeps its numbers apart from the CPU-scale ones
        (results_dir / f"evidence-{budget}.json").write_text(json.dumps(ev, indent=2) + "\n")
    body, head = render(facts, ev), headline(facts)
    readme = README if readme == "default" else readme
    if readme is not None and budget == "cpu":
        write_readme_block(Path(readme), "results", "\n".join([
            f"**Status: {facts['status']}.** {head}", "", relink(body, PAPER, "readme"), "",
            runs_md(facts["run_dirs"], runs_root)]))
    return Section(facts["status"], head, body, facts["run_dirs"])
