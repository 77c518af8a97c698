"""Mnih et al. 2016 (A3C): this paper's section of results/REPORT.md, from the run directories
that papers/a3c/reproduce.py writes and papers/a3c/published/ only (no training, no clock, no
current commit).

    collect(budget, runs_root, results_dir)   the numbers: the CartPole checks, the Pong run, its
                                              evaluation and diagnosis, the benchmark json (from
                                              runs_root/a3c/, else the committed results/a3c/
                                              copy), the published numbers; draws the plots and
                                              keeps the network behind the Pong score in
                                              results_dir/weights/ (when under 10 MB)
    render(facts)                             the Markdown body
    section(budget, runs_root, results_dir)   both, plus results_dir/{evidence.json, results.md,
                                              pong_*.json|csv copies, benchmark json copies} and
                                              (budget cpu) the README's results and deviations blocks

With no run directory at all section() returns a "not run" Section and writes nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from common import weights as kept_weights
from common.report import (BUDGET, PROTOCOL, ROOT, SMOKE, SMOKE_HEADLINE, Section, measured_file, partial_note,
                           plots_md, relink, results_md, shown, smoke_banner, write_evidence, write_readme_block)
from common.results import curve_plot, markdown_table, read_json, read_published, read_rows
from common.atari_eval import LEARNING_CRITERION, learning_shown
from common.run import complete_checkpoints
from papers.a3c.evaluate import EVAL, WEIGHTS, PROTOCOL as EVAL_PROTOCOL
from papers.a3c.reproduce import (CARTPOLE_LIMIT_S, METHODS, SMOKE_CARTPOLE_FRAMES, cartpole_dir, pong_dir,
                                  pong_profile)

PAPER = "a3c"
PUBLISHED = Path(__file__).parent / "published"
README = Path(__file__).parent / "README.md"
COMMITTED_RESULTS = ROOT / "results" / PAPER   # committed benchmark json, read when the runs folder has none
BENCH_FILES = ("benchmark.json", "call_costs.json")
#: CartPole's 'solved': mean return of the last 100 episodes >= 195 (OpenAI Gym's CartPole-v0 threshold)
SOLVED_RETURN = 195.0


# ---------------------------------------------------------------------------------- collect()
def _cartpole(runs_root: Path, budget: str) -> dict[str, dict]:
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
    steps = complete_checkpoints(run_dir)
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


def _kept_weights(pong: dict | None, runs_root: Path, results_dir: Path) -> dict | None:
    """The network the Pong evaluation scored (<run>/evaluation.weights.h5), copied to
    results_dir/weights/<run>.weights.h5 (pong-cpu-seed0, ...) with the record `evaluate --weights`
    rebuilds it from; None when that evaluation saved no network."""
    ev = (pong or {}).get("evaluation")
    if not ev or not (pong["dir"] / WEIGHTS).exists():
        return None
    record = read_json(pong["dir"] / "config.json") or {}
    return kept_weights.keep(pong["dir"] / WEIGHTS, results_dir, pong["dir"].name, {
        "paper": PAPER, "run": f"{runs_root.name}/{PAPER}/{pong['dir'].relative_to(runs_root / PAPER).as_posix()}",
        "profile": record.get("profile"), "config": pong["config"],
        "checkpoint_env_frames": ev.get("checkpoint_env_frames"),
        "score": {k: ev.get(k) for k in ("mean_return", "std_return", "episodes", "epsilon", "seed",
                                          "max_episode_frames", "policy")}})


def _benchmark(budget: str, runs_root: Path, results_dir: Path) -> dict:
    """The benchmark json (none at the smoke budget) and where each was read."""
    if budget == SMOKE:
        return {"bench": None, "costs": None, "bench_where": "", "bench_src": "not measured"}
    found = {name: measured_file(PAPER, name, runs_root, results_dir, committed=COMMITTED_RESULTS / name)
             for name in BENCH_FILES}
    (bench_path, bench_where), (costs_path, _) = found["benchmark.json"], found["call_costs.json"]
    return {"bench": read_json(bench_path) if bench_path else None,
            "costs": read_json(costs_path) if costs_path else None, "bench_where": bench_where,
            "bench_src": ("missing" if bench_path is None else
                          "committed" if bench_path == COMMITTED_RESULTS / "benchmark.json" else "runs")}


def _missing(checks: dict, pong: dict | None, bench: dict, budget: str) -> list[str]:
    missing = []
    for method in METHODS:
        if method not in checks:
            missing.append(f"the CartPole check of `{method}` has not run")
        elif not checks[method]["done"]:
            missing.append(f"the CartPole check of `{method}` stopped before solving (it resumes on the next run)")
    if pong is None:
        missing.append(f"the Pong run (`pong-{pong_profile(budget)}-seed0`) has not started")
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
    if (bench["bench"] is None or bench["costs"] is None) and budget != SMOKE:
        missing.append("the throughput benchmark has not run")
    return missing


def _rolling(xs, ys, k: int):
    ys = np.asarray(ys, float)
    if len(ys) < k:
        return list(xs), list(ys)
    return list(xs[k - 1:]), list(np.convolve(ys, np.ones(k) / k, mode="valid"))


def _plots(facts: dict, results_dir: Path) -> list[str]:
    """Draw the Pong curve and the CartPole curves that have data; their names."""
    pong, checks, plots = facts["pong"], facts["checks"], []
    if pong and pong["episodes"]:
        xs = np.array([int(e["env_frames"]) for e in pong["episodes"]]) / 1e6
        ys = [float(e["return"]) for e in pong["episodes"]]
        state = "complete" if pong["done"] else f"partial: {pong['frames'] / 1e6:.1f}M frames"
        curve_plot({"training episodes (mean of 16)": _rolling(xs, ys, 16)}, results_dir / "pong_curve.png",
                   title=f"A3C FF on Pong, {pong['threads']} threads, profile {facts['profile']} ({state})",
                   xlabel="emulator frames (millions)", ylabel="raw episode score",
                   hlines={f"random {facts['random_score']}": facts["random_score"]})
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
                         + (" (smoke run)" if facts["smoke"] else ""),
                   xlabel="wall-clock seconds", ylabel="episode return",
                   hlines={f"solved {SOLVED_RETURN:.0f}": SOLVED_RETURN})
        plots.append("cartpole")
    return plots


def collect(budget: str, runs_root: Path, results_dir: Path) -> dict | None:
    """Everything the section shows, as plain numbers, rows and paths (plots drawn into
    results_dir); None when runs_root/a3c/ has no run directory of this budget."""
    checks, pong = _cartpole(runs_root, budget), _pong(runs_root, budget)
    if not checks and pong is None:
        return None
    results_dir.mkdir(parents=True, exist_ok=True)
    facts = {"budget": budget, "smoke": budget == SMOKE, "profile": pong_profile(budget),
             "checks": checks, "pong": pong, **_benchmark(budget, runs_root, results_dir),
             "pub": {r["game"]: r for r in read_published(PUBLISHED / "a3c_scores.csv")}["pong"],
             "ref": {r["agent"]: r for r in read_published(PUBLISHED / "reference_pong.csv")}["random"],
             "speedup_pub": read_published(PUBLISHED / "a3c_speedup.csv")[0],
             "summary_pub": read_published(PUBLISHED / "a3c_summary.csv")}
    facts["random_score"] = float(facts["ref"]["score"])
    facts["evaluation"] = (pong or {}).get("evaluation") or {}
    facts["weights"] = _kept_weights(pong, runs_root, results_dir)
    facts["train_returns"] = [float(e["return"]) for e in (pong or {}).get("episodes", [])]
    facts["missing"] = _missing(checks, pong, facts, budget)
    facts["status"] = "partial" if facts["missing"] else "complete"
    facts["plots"] = _plots(facts, results_dir)
    return facts


def _solved(summary: dict) -> tuple:
    at = summary.get("solved_at") or {}
    return at.get("wall_time"), at.get("env_frames")


def _run_commit(run_dir: Path) -> str | None:
    """The git commit recorded by the run's latest invocation (versions.json)."""
    return (read_json(Path(run_dir) / "versions.json") or {}).get("git_commit")


def evidence(facts: dict) -> dict:
    """evidence.json: the section's main numbers, flat; the commits are the runs'."""
    pong, checks, ev, train_ys = facts["pong"], facts["checks"], facts["evaluation"], facts["train_returns"]
    by_threads = {r["threads"]: r for r in (facts["bench"] or {}).get("rows", [])}
    s_a3c = checks.get("a3c", {}).get("summary", {})
    s_q = checks.get("n_step_q", {}).get("summary", {})
    pong_commit = _run_commit(pong["dir"]) if pong else None
    cartpole_commit = _run_commit(checks["a3c"]["dir"]) if "a3c" in checks else None
    q_commit = _run_commit(checks["n_step_q"]["dir"]) if "n_step_q" in checks else None
    return {
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
        "pong_random_score": facts["random_score"],
        "pong_cpu_complete": bool(pong and pong["done"]),
        "env_frames_per_s_1_thread": by_threads.get(1, {}).get("env_frames_per_s"),
        "env_frames_per_s_16_threads": by_threads.get(16, {}).get("env_frames_per_s"),
        "speedup_16_threads": by_threads.get(16, {}).get("speedup"),
        "commit": pong_commit or cartpole_commit or q_commit,
        "cartpole_commit": cartpole_commit,
        "nstep_q_cartpole_commit": q_commit,
        "report_commit": pong_commit or cartpole_commit or q_commit,   # the runs' commit, as "commit"
        "pong_cpu_evaluated_checkpoint_frames": ev.get("checkpoint_env_frames"),
        "pong_cpu_weights": shown(facts["weights"]["path"]) if (facts["weights"] or {}).get("path") else None,
        "pong_cpu_total_frames": pong["total_frames"] if pong else None,
        "pong_cpu_conv1_dead_units": (pong["diagnosis"] or {}).get("conv1_dead") if pong else None,
        "status": facts["status"],
        "benchmark_source": facts["bench_src"],
    }


# ---------------------------------------------------------------------------------- render()
def headline(facts: dict) -> str:
    pong, ev, pub = facts["pong"], facts["evaluation"], facts["pub"]
    parts = []
    if pong and ev:
        parts.append(f"Pong score {ev['mean_return']:.1f} after {ev['checkpoint_env_frames'] / 1e6:.2f}M of "
                     f"{(pong['total_frames'] or 0) / 1e6:.0f}M frames (no-op starts; random {facts['random_score']}; "
                     f"paper A3C FF {float(pub['a3c_ff_1day'])} after 1 day, human starts)")
    elif pong:
        parts.append(f"Pong run at {pong['frames'] / 1e6:.2f}M frames, not evaluated yet "
                     f"(paper A3C FF {float(pub['a3c_ff_1day'])} after 1 day)")
    else:
        parts.append("Pong not run")
    solved = [f"{m} {_solved(c['summary'])[0]:.0f} s" for m, c in facts["checks"].items()
              if _solved(c["summary"])[0] is not None]
    if solved:
        parts.append("CartPole solved in " + ", ".join(solved))
    return (SMOKE_HEADLINE if facts["smoke"] else "") + "; ".join(parts)


def _pong_verdict(p: dict, random_score: float) -> str:
    """One sentence on what the Pong run shows, from its numbers."""
    ev = p["evaluation"]
    done = "complete" if p["done"] else "partial"
    gain = ev["mean_return"] - random_score
    what = ("shows learning" if learning_shown(ev["mean_return"], ev["std_return"], ev["episodes"], random_score)
            else f"does NOT show learning ({LEARNING_CRITERION})")
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


def _pong_md(facts: dict) -> str:
    """Pong, ours next to the paper's A3C FF/LSTM scores."""
    pong, ev, pub, ref, rs = facts["pong"], facts["evaluation"], facts["pub"], facts["ref"], facts["random_score"]
    md = f"#### Pong, A3C FF (profile `{facts['profile']}`)\n\n"
    if pong is None:
        return md + "Not run yet."
    ours = (f"{ev['mean_return']:.1f}" if ev else "not evaluated")
    md += markdown_table(
        ["agent", "frames", "score", "protocol", "source"],
        [["random agent", "-", rs, ref["eval_protocol"], "[2]"],
         [f"ours, A3C FF {pong['threads']} threads ({'complete' if pong['done'] else 'partial'})",
          f"{(ev.get('checkpoint_env_frames') or pong['frames']) / 1e6:.2f}M", ours,
          f"no-op starts, {ev['episodes']} episodes" if ev else "-", "this run"],
         ["paper, A3C FF 1 day", "-", float(pub["a3c_ff_1day"]), "human starts", "[1]"],
         ["paper, A3C FF 4 days", "-", float(pub["a3c_ff_4days"]), "human starts", "[1]"],
         ["paper, A3C LSTM 4 days", "-", float(pub["a3c_lstm_4days"]), "human starts", "[1]"]], 1)
    if ev and facts["smoke"]:
        md += (f"\n\nSmoke run: {pong['frames']:,} training frames, then {ev['episodes']} evaluation "
               f"episode(s) cut at {ev['max_episode_frames']:,} frames; the score says nothing about learning.")
    elif ev:
        md += "\n\n" + _pong_verdict(pong, rs)
        if facts["train_returns"]:
            md += (f" Mean raw score of the last 16 training episodes: "
                   f"{float(np.mean(facts['train_returns'][-16:])):.2f}.")
    if pong["diagnosis"]:
        md += " " + _health_sentence(pong["diagnosis"])
    if ev:
        md += "\n\n" + kept_weights.markdown(facts["weights"], PAPER, "the score")
    return md


def _checks_md(facts: dict) -> str:
    """The CartPole algorithm checks (not in the paper)."""
    checks = facts["checks"]
    md = ("#### Algorithm checks (CartPole-v1, MLP torso, "
          f"{'2 threads, ' + format(SMOKE_CARTPOLE_FRAMES, ',') + ' frames: smoke' if facts['smoke'] else '8 threads'}"
          "; not in the paper)\n\n")
    if not checks:
        return md + "Not run yet."
    md += markdown_table(
        ["method", f"solved (mean of 100 >= {SOLVED_RETURN:.0f})", "seconds", "frames"],
        [[m, c["summary"].get("solved") if c["done"] else "not yet", *_solved(c["summary"])]
         for m, c in checks.items()], 1)
    md += ("\n\nThe paper has no CartPole result; the criterion (mean return of the last 100 training "
           "episodes >= 195) is OpenAI Gym's CartPole-v0 threshold, a check that the algorithm learns.")
    return md


def _plots_md(facts: dict) -> str:
    images = {"pong": "![A3C FF on Pong: training episode scores](a3c/pong_curve.png)",
              "cartpole": "![CartPole-v1: mean return of 100 episodes](a3c/cartpole_curves.png)"}
    return plots_md("\n\n".join(images[name] for name in images if name in facts["plots"]))


def _gil_verdict(ratio: float) -> str:
    from papers.a3c.benchmark import gil_verdict
    return gil_verdict(ratio)


def _bench_md(facts: dict) -> str:
    """Throughput of the actor-learner threads, and the cost of one call of each kind."""
    bench, costs, sp = facts["bench"], facts["costs"], facts["speedup_pub"]
    md = "#### Throughput of the actor-learner threads (A3C FF, Pong)\n\n"
    if bench is None:
        md += "Not measured at the smoke budget." if facts["smoke"] else "Not measured yet."
    else:
        by_threads = {r["threads"]: r for r in bench["rows"]}
        md += markdown_table(
            ["threads", "env frames/s", "x 1 thread", "env", "forward", "update", "sync"],
            [[r["threads"], r["env_frames_per_s"], r["speedup"]] +
             [r.get(f"share_{k}", 0.0) for k in ("env", "forward", "update", "sync")] for r in bench["rows"]], 2)
        md += (f"\n\nPaper: x{float(sp['speedup'])} with {sp['threads']} threads [3], a different quantity: the "
               f"time to reach a reference score with 1 thread over the time with {sp['threads']} (mean over 7 "
               f"games); ours: env frames/s x{by_threads.get(16, {}).get('speedup', '-')} with 16 threads on "
               f"{bench.get('cpu_count', '?')} cores. `ale.act` calls/s: "
               f"{bench['ale_act_per_s_1_thread']:,} with one thread, "
               f"{bench['ale_act_per_s_2_threads']:,} with two threads on two emulators "
               f"({_gil_verdict(bench['ale_act_per_s_2_threads'] / bench['ale_act_per_s_1_thread'])}).")
    if costs is not None:
        md += ("\n\nCost of one call, one thread (`benchmark.py --calls-only`):\n\n" +
               markdown_table(["call", "ms"], list(costs.items()), 3))
    if bench is not None:
        md += f"\n\nBenchmark read from {facts['bench_where']}."
    return md


def _sources_md(facts: dict) -> str:
    sources = [facts["pub"]["source"], facts["ref"]["source"], facts["speedup_pub"]["source"],
               facts["summary_pub"][0]["source"]]
    return "Sources of the published numbers:\n\n" + "\n".join(f"- [{i}] {s}" for i, s in enumerate(sources, 1))


def _budget_md(facts: dict) -> str:
    pong, smoke, rows = facts["pong"], facts["smoke"], []
    if pong:
        rows.append(["Pong frames", f"{pong['frames']:,} of the profile's {pong['total_frames'] or 0:,}"
                     if smoke else f"{pong['frames'] / 1e6:.2f}M of the profile's "
                     f"{(pong['total_frames'] or 0) / 1e6:.0f}M",
                     "200M for the 4-day agents (50 epochs x 4M frames; rldb paper__a3c note)"])
        rows.append(["Pong wall time", f"{pong['wall_h']:.2f} h", "1 day and 4 days [4]"])
        rows.append(["actor-learner threads", pong["threads"], 16])
        if facts["bench"] is not None:
            rows.append(["CPU cores", facts["bench"].get('cpu_count', '?'), "16 [4]"])
        horizon = pong["config"].get("lr_anneal_frames") or pong["total_frames"] or 0
        rows.append(["runs", f"1 (seed 0; lr {pong['config'].get('lr', 0):g} annealed to 0 at "
                     f"{horizon / 1e6:.0f}M frames)",
                     "57-game runs: lr and clipping from a search on six games, then fixed (Sec. 5.1)"])
        rows.append(["games", "Pong", "57"])
    for m, c in facts["checks"].items():
        last = c["metrics"][-1] if c["metrics"] else {}
        steps = c["summary"].get("env_frames", last.get("env_frames", 0))
        wall = float(c["summary"].get("wall_time_s", last.get("wall_time", 0.0)))
        rows.append([f"CartPole `{m}`", f"{int(steps):,} env steps, {wall:.0f} s "
                     + ("(smoke)" if smoke else f"(at most {CARTPOLE_LIMIT_S} s per invocation)"),
                     "not in the paper"])
    return f"{BUDGET}\n\n" + (markdown_table(["what", "ours", "paper"], rows, 1) if rows else "Nothing run yet.")


def _protocol_md(facts: dict) -> str:
    ev, bench = facts["evaluation"], facts["bench"]
    lines = [PROTOCOL, ""]
    if ev:
        lines.append(f"- Pong score: {ev['protocol']}; {ev['episodes']} episodes of at most "
                     f"{ev['max_episode_frames']:,} frames, policy: {ev['policy']}; checkpoint at "
                     f"{ev['checkpoint_env_frames']:,} frames (`papers/a3c/evaluate.py`, seed {EVAL.seed}). "
                     "The paper's scores use 100 human starts, which are not public: the columns "
                     "are not directly comparable.")
    else:
        lines.append(f"- Pong score: {EVAL_PROTOCOL}, sampling from pi; not evaluated yet.")
    lines += [
        "- Pong curve: raw scores of training episodes (all threads), mean of 16 consecutive episodes.",
        f"- CartPole: solved when the mean raw return of the last 100 training episodes reaches "
        f"{SOLVED_RETURN:.0f}; for n-step Q only the threads whose final epsilon is <= 0.1 count.",
    ]
    if bench is not None:
        lines.append(f"- Throughput: the real training code on Pong for {bench.get('measured_seconds', '?')} s "
                     f"per thread count after a 5 s warm-up, on {bench.get('cpu_count', '?')} cores.")
    lines.append(f"- Learning shown: {LEARNING_CRITERION}, i.e. mean > random + 2 std / sqrt(episodes) "
                 "(common/atari_eval.py, the same criterion as DQN's).")
    return "\n".join(lines)


def render(facts: dict) -> str:
    """The section's body (links relative to results/)."""
    parts = [smoke_banner("profile `smoke`, tiny runs")] if facts["smoke"] else []
    if facts["missing"]:
        parts.append(partial_note(facts["missing"]))
    parts += [results_md([_pong_md(facts), _checks_md(facts), _bench_md(facts), _sources_md(facts)]),
              _plots_md(facts), _budget_md(facts), _protocol_md(facts)]
    return "\n\n".join(part for part in parts if part) + "\n"


# ---------------------------------------------------------------------------------- section()
def _deviations_md() -> str:
    """The deviation tables of the profiles the README discusses (from config.py)."""
    from common.config import build, deviations_markdown
    from papers.a3c.config import PROFILES, A3CConfig
    return "\n\n".join(f"Profile `{name}`:\n\n" + deviations_markdown(build(A3CConfig, PROFILES, name)[1])
                       for name in ("paper", "cpu", "cartpole"))


def section(budget: str, runs_root: Path, results_dir: Path, readme: Path | None = README) -> Section:
    """The A3C Section of the report, with its files under results_dir; the README's
    generated blocks are written at budget cpu only."""
    runs_root, results_dir = Path(runs_root), Path(results_dir)
    facts = collect(budget, runs_root, results_dir)
    if facts is None:
        return Section("not run", "not run yet (no run directories under "
                       f"`{PAPER}/`)", f"No A3C run directories under the runs folder. "
                       f"`make reproduce PAPERS={PAPER}` (or `python -m papers.a3c.reproduce`) makes them.")
    write_evidence(results_dir, evidence(facts))
    pong = facts["pong"]
    if pong:
        for name in ("evaluation.json", "diagnosis.json", "episodes.csv", "metrics.csv"):
            src, dst = pong["dir"] / name, results_dir / f"pong_{name}"
            if src.exists() and not (dst.exists() and src.resolve() == dst.resolve()):
                shutil.copyfile(src, dst)
    body = render(facts)
    (results_dir / "results.md").write_text(relink(body, PAPER, "results"))
    if readme is not None and budget == "cpu":
        write_readme_block(Path(readme), "results", relink(body, PAPER, "readme").strip())
        write_readme_block(Path(readme), "deviations", _deviations_md())
    runs = [c["dir"] for c in facts["checks"].values()] + ([pong["dir"]] if pong else [])
    return Section(facts["status"], headline(facts), body, runs)
