"""`make reproduce` for SLAC (Lee et al. 2020), in two halves (contract of common/report.py):

    run(budget, runs_root)                  train or resume `runs_root/slac/<profile>-seed0` on
                                            cartpole swingup, then measure the uniform random
                                            policy (`runs_root/slac/random_policy.json`) and the
                                            speed benchmark (`runs_root/slac/benchmark.json`);
                                            finished parts are skipped
    report(budget, runs_root, results_dir)  -> common.report.Section, from those files and
                                            papers/slac/published/ only: plots, evidence.json and
                                            RESULTS.md under results_dir (= results/slac), and
                                            (cpu budget only) the results block of
                                            papers/slac/README.md

Budget "smoke" runs the same pipeline at toy size (about half a minute on 2 cores) to check the
plumbing of `make reproduce`: the `smoke` profile in `runs_root/slac/smoke-seed0`, a 2-episode
random policy in `runs_root/slac/smoke-random_policy.json`, no speed benchmark; its report says
that the numbers are meaningless and writes only under the results_dir it is given.

report() never trains, evaluates or measures. When runs_root/slac/ has no random_policy.json or
benchmark.json it falls back to the copies committed under results/slac/ (and says so); when it
has them, it copies them there. A run without a DONE marker (stopped by a time limit) is
reported as partial, with the environment steps it reached.

    python -m papers.slac.reproduce [--budget cpu|paper|smoke] [--report-only]   # run(), then report()
    python -m common.report                                                # the whole REPORT.md
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from common.results import curve_plot, markdown_table, read_json, read_published, read_rows, write_between_markers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PUBLISHED = HERE / "published" / "slac_curves.csv"
PUBLISHED_RETURNS = HERE / "published" / "slac_returns.csv"
README = HERE / "README.md"
RANDOM_EPISODES, RANDOM_SEED = 10, 12345
RANDOM_FILE, BENCHMARK_FILE = "random_policy.json", "benchmark.json"
#: The smoke budget: its own file names under runs_root/slac/ (never the cpu/paper ones).
SMOKE = "smoke"
SMOKE_RANDOM_EPISODES = 2
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"
#: Published returns quoted in the headline and the reference table (env steps).
HEADLINE_STEPS = 500_000


def profile_of(budget: str) -> str:
    return budget if budget in ("cpu", SMOKE) else "paper"


def random_file(budget: str) -> str:
    return f"{SMOKE}-{RANDOM_FILE}" if budget == SMOKE else RANDOM_FILE


def random_episodes(budget: str) -> int:
    return SMOKE_RANDOM_EPISODES if budget == SMOKE else RANDOM_EPISODES


def make_command(budget: str) -> str:
    return "make reproduce PAPERS=slac" + ("" if budget == "cpu" else f" BUDGET={budget}")


def run_dir_of(budget: str, runs_root: Path) -> Path:
    return Path(runs_root) / "slac" / f"{profile_of(budget)}-seed0"


def cached_json(path: Path, compute) -> dict:
    """The JSON at `path`, computing and writing it first when it does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(compute(), indent=2) + "\n")
    return json.loads(path.read_text())


def published_curve(task: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = read_published(PUBLISHED, task=task)
    return (np.array([float(r["env_steps"]) for r in rows]),
            np.array([float(r["mean_return"]) for r in rows]),
            np.array([float(r["std_return"]) for r in rows]))


def shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository when inside it."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(path).as_posix()


def run_config(budget: str, run_dir: Path):
    """The config the run used (its config.json), else the profile's."""
    from common.config import build
    from papers.slac.config import PROFILES, SlacConfig
    record = read_json(run_dir / "config.json")
    if record and "config" in record:
        known = {f for f in SlacConfig.__dataclass_fields__}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in record["config"].items() if k in known}
        return SlacConfig(**values)
    return build(SlacConfig, PROFILES, profile_of(budget))[0]


# ---------------------------------------------------------------------- run(): the slow part
def train_run(profile: str, run_dir: Path) -> None:
    """Run or resume training in a fresh interpreter (as a user would)."""
    if (run_dir / "DONE").exists():
        return
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, "-m", "papers.slac.train", "--profile", profile,
                    "--run-dir", str(run_dir)], cwd=ROOT, env=env, check=False)


def run(budget: str, runs_root: Path) -> None:
    """Train / resume the run of this budget, then measure the random policy and the speed
    benchmark once each; writes only under runs_root/slac/. SLAC_REPORT_ONLY=1 skips training.
    The smoke budget trains the `smoke` profile, plays 2 random episodes and skips the benchmark."""
    from papers.slac.evaluate import random_policy_return
    out = Path(runs_root) / "slac"
    run_dir = run_dir_of(budget, runs_root)
    if os.environ.get("SLAC_REPORT_ONLY") != "1":
        train_run(profile_of(budget), run_dir)
    task = run_config(budget, run_dir).task
    episodes = random_episodes(budget)
    cached_json(out / random_file(budget), lambda: {
        "task": task, "episodes": episodes, "seed": RANDOM_SEED,
        "random_policy_return": random_policy_return(task, episodes, RANDOM_SEED)})
    if budget != SMOKE and not (out / BENCHMARK_FILE).exists():  # benchmark.py writes --out only when it finished
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
        subprocess.run([sys.executable, "-m", "papers.slac.benchmark", "--task", task,
                        "--out", str(out / BENCHMARK_FILE)], cwd=ROOT, env=env, check=False)


# ---------------------------------------------------------------------- report(): no measuring
def measured(name: str, runs_root: Path, results_dir: Path, task: str) -> tuple[dict | None, str]:
    """A file run() measures (runs/slac/<name>, else the committed copy), if it is for `task`."""
    from common.report import measured_file
    path, source = measured_file("slac", name, runs_root, results_dir,
                                 accept=lambda p: (read_json(p) or {}).get("task", task) == task)
    return (read_json(path) if path else None), source


def plots(run_dir: Path, results_dir: Path, task: str, random_return: float | None,
          evals: list[dict], metrics: list[dict]) -> list[tuple[str, str]]:
    """Draw / copy the figures; returns (caption, file name) of those that exist."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = []
    x = np.array([float(r["env_steps"]) for r in evals])
    px, pm, ps = published_curve(task)
    keep = px <= max(x.max() if len(x) else 0.0, 10_000.0)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(px[keep], (pm - ps)[keep], (pm + ps)[keep], alpha=0.2, color="C2")
    ax.plot(px[keep], pm[keep], "s-", color="C2", label="published SLAC (10 seeds, mean ± std)")
    ax.plot(x, [float(r["eval_return_stochastic"]) for r in evals], "o-", color="C0",
            label="ours, stochastic policy (as published)")
    ax.plot(x, [float(r["eval_return_greedy"]) for r in evals], "^--", color="C1",
            label="ours, greedy policy")
    if random_return is not None:
        ax.axhline(random_return, linestyle=":", color="gray",
                   label=f"uniform random policy ({random_return:.0f})")
    ax.set(title=f"SLAC {task}: evaluation return, our run vs official curves",
           xlabel="environment steps after the random collection", ylabel="episode return")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(results_dir / "eval_return_vs_published.png", dpi=100)
    plt.close(fig)
    out.append(("evaluation return vs the published curve", "eval_return_vs_published.png"))
    logged = [r for r in metrics if r.get("model_loss") not in (None, "", "nan")]
    if logged:
        mu = np.array([float(r["model_updates"]) for r in logged])
        curves = {"-ELBO / 1000": (mu, [float(r["model_loss"]) / 1000 for r in logged]),
                  "KL (summed over 9 steps) / 10": (mu, [float(r["kl"]) / 10 for r in logged]),
                  "reconstruction MSE x 1000": (mu, [1000 * float(r["recon_mse"]) for r in logged])}
        if logged[0].get("mean_frame_mse") not in (None, ""):  # runs before this column have none
            curves["MSE of the batch's average frame x 1000"] = (mu, [1000 * float(r["mean_frame_mse"])
                                                                   for r in logged])
        curve_plot(curves, results_dir / "model_losses.png", f"SLAC {task}: latent model training",
                   "model updates", "value (scaled)")
        out.append(("latent model losses", "model_losses.png"))
    figures = sorted((run_dir / "figures").glob("recon_*.png"))
    for name, caption, fig in (("recon_first.png", "reconstructions, first evaluation", figures[:1]),
                               ("recon_last.png", "reconstructions, last evaluation", figures[-1:])):
        if fig:
            shutil.copyfile(fig[0], results_dir / name)
            out.append((caption, name))
    return out


def _f(value, digits=1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _published_at(task: str, steps: int) -> dict | None:
    rows = [r for r in read_published(PUBLISHED_RETURNS, task=task) if int(r["env_steps"]) == steps]
    return rows[0] if rows else None


def speed_rows(b: dict) -> list[list]:
    """The benchmark table's rows (a value the file lacks shows as '-')."""
    def fps(mode):
        return f"{b[f'render_fps_{mode}']:.0f}" if b.get(f"render_fps_{mode}") is not None else "-"
    rows = [["rendered frames/s (faithful / fast render)", f"{fps('faithful')} / {fps('fast')}", None]]
    for batch, label in (("paper_batch", "paper"), ("cpu_batch", "cpu")):
        sizes = b.get(f"batches_{batch}") or ["?", "?"]
        for i, (key, what) in enumerate((("model_update_s", "model"), ("actor_critic_update_s", "actor-critic"))):
            rows.append([f"s per {what} update, {label} batch {sizes[i]}",
                         b.get(f"{key}_{batch}_float32"), b.get(f"{key}_{batch}_mixed_bfloat16")])
    return rows


def report(budget: str, runs_root: Path, results_dir: Path, readme: Path | None = README):
    """The Section of results/REPORT.md, plus plots, evidence.json, RESULTS.md and the README
    block, all from runs_root/slac/ and papers/slac/published/ (deterministic, never measures)."""
    from common.config import deviations, paper_value
    from common.dmc import action_repeat
    from common.report import Section, provenance
    from papers.slac.config import SlacConfig

    runs_root, results_dir = Path(runs_root), Path(results_dir)
    profile, run_dir = profile_of(budget), run_dir_of(budget, runs_root)
    cfg = run_config(budget, run_dir)
    task, repeat = cfg.task, action_repeat(cfg.task)
    pub_main = _published_at(task, HEADLINE_STEPS)
    pub_text = (f"paper {float(pub_main['mean_return']):.1f} ± {float(pub_main['std_return']):.1f} "
                f"at {HEADLINE_STEPS // 1000}k env steps" if pub_main else "paper: no published curve")
    planned = cfg.train_agent_steps * repeat
    evals, metrics = read_rows(run_dir / "eval.csv"), read_rows(run_dir / "metrics.csv")
    started = (run_dir / "config.json").exists() or bool(evals)
    runs = [run_dir] if started else []
    smoke = budget == SMOKE
    how = f"`{make_command(budget)}` trains it (resumably)"
    if not started:
        body = (f"Not run: `{shown(run_dir)}` does not exist. {how}, then measures the random "
                f"policy and the speed benchmark.")
        return Section("not run", f"{task.replace('_', ' ')}: not run ({pub_text})", body, runs)
    if not evals:
        body = (f"**Partial**: `{shown(run_dir)}` exists but has no evaluation yet (no `eval.csv`); "
                f"{how}.")
        return Section("partial", f"{task.replace('_', ' ')}: run started, no evaluation yet ({pub_text})",
                       body, runs)

    results_dir.mkdir(parents=True, exist_ok=True)
    random, random_src = measured(random_file(budget), runs_root, results_dir, task)
    bench, bench_src = (None, "") if smoke else measured(BENCHMARK_FILE, runs_root, results_dir, task)
    random_return = random["random_policy_return"] if random else None
    figures = plots(run_dir, results_dir, task, random_return, evals, metrics)
    last = evals[-1]
    steps = int(float(last["env_steps"]))
    complete = (run_dir / "DONE").exists()
    versions = read_json(run_dir / "versions.json") or {}
    px, pm, ps = published_curve(task)
    curve_source = read_published(PUBLISHED, task=task)[0]["source"]
    logged = [r for r in metrics if r.get("model_loss") not in (None, "", "nan")]
    last_metrics = metrics[-1] if metrics else {}
    b = bench or {}
    evidence = {
        "cpu_task": task, "cpu_profile": profile, "cpu_run_dir": shown(run_dir),
        "cpu_run_complete": complete,
        "cpu_env_steps": steps, "cpu_env_steps_including_random_collection": int(float(last["env_steps_total"])),
        "cpu_planned_env_steps": planned,
        "cpu_model_updates": int(float(last["model_updates"])),
        "cpu_final_eval_return": float(last["eval_return_stochastic"]),
        "cpu_final_eval_return_greedy": float(last["eval_return_greedy"]),
        "cpu_best_eval_return": max(float(r["eval_return_stochastic"]) for r in evals),
        "cpu_eval_episodes": int(float(last["episodes"])),
        "cpu_first_model_loss": float(logged[0]["model_loss"]) if logged else None,
        "cpu_last_model_loss": float(logged[-1]["model_loss"]) if logged else None,
        "random_policy_return": random_return,
        "published_return_at_same_env_steps": float(np.interp(steps, px, pm)),
        "published_std_at_same_env_steps": float(np.interp(steps, px, ps)),
        "published_source": curve_source,
        "render_frames_per_s": b.get("render_fps_faithful"),
        "render_frames_per_s_fast": b.get("render_fps_fast"),
        "model_update_seconds": b.get("model_update_s_paper_batch_float32"),
        "actor_critic_update_seconds": b.get("actor_critic_update_s_paper_batch_float32"),
        "model_update_seconds_bf16": b.get("model_update_s_paper_batch_mixed_bfloat16"),
        "actor_critic_update_seconds_bf16": b.get("actor_critic_update_s_paper_batch_mixed_bfloat16"),
        "model_update_seconds_cpu_batch": b.get("model_update_s_cpu_batch_float32"),
        "actor_critic_update_seconds_cpu_batch": b.get("actor_critic_update_s_cpu_batch_float32"),
        "model_update_seconds_cpu_batch_bf16": b.get("model_update_s_cpu_batch_mixed_bfloat16"),
        "actor_critic_update_seconds_cpu_batch_bf16": b.get("actor_critic_update_s_cpu_batch_mixed_bfloat16"),
        "commit": versions.get("git_commit"), "commit_dirty": versions.get("git_dirty"),
        "budget": budget,
        "random_policy_file": random_src.split("`")[1] if random_src else None,
        "benchmark_file": bench_src.split("`")[1] if bench_src else None,
    }
    (results_dir / "evidence.json").write_text(json.dumps(evidence, indent=2) + "\n")

    missing = []
    if not complete:
        missing.append(f"the run stopped at {steps:,} of its {planned:,} planned env steps (no `DONE` "
                       f"marker); `{make_command(budget)}` "
                       f"resumes it from its last complete checkpoint")
    if random is None:
        missing.append(f"no random-policy return (`{shown(runs_root / 'slac' / random_file(budget))}`; "
                       f"run() measures it)")
    if bench is None and not smoke:
        missing.append(f"no speed benchmark (`{shown(runs_root / 'slac' / BENCHMARK_FILE)}`; run() measures it)")
    status = "complete" if not missing else "partial"
    pub_same = f"{evidence['published_return_at_same_env_steps']:.1f} ± {evidence['published_std_at_same_env_steps']:.1f}"
    headline = (f"{task.replace('_', ' ')} return {evidence['cpu_final_eval_return']:.1f} after {steps:,} "
                f"of {planned:,} planned env steps{'' if complete else ', run stopped early'} "
                f"(random policy {_f(random_return)}; paper {pub_same} at {steps:,}, "
                f"{pub_text.removeprefix('paper ')})")
    if smoke:
        headline = f"smoke run (pipeline check, numbers meaningless): {headline}"

    def body_with(prefix: str) -> str:
        parts = []
        if smoke:
            parts += [f"**Smoke run** (budget `smoke`, profile `smoke`: {cfg.initial_collect_steps} random "
                      f"agent steps, {cfg.initial_model_train_steps} model pre-training updates, "
                      f"{cfg.train_agent_steps} training agent steps, {cfg.eval_episodes} evaluation episode, "
                      f"{random_episodes(budget)} random-policy episodes): it checks that every step of "
                      f"`make reproduce` runs; the numbers below are meaningless. Benchmark: not measured "
                      f"at the smoke budget.", ""]
        if missing:
            parts += ["**Partial.** Missing: " + "; ".join(missing) + ".", ""]
        parts += ["### Evaluation return, ours vs the paper", "",
                  f"Run `{shown(run_dir)}` (profile `{profile}`, task `{task}`, action repeat {repeat}, "
                  f"commit `{evidence['commit']}`{' with uncommitted changes' if evidence['commit_dirty'] else ''}). "
                  f"Mean return of {evidence['cpu_eval_episodes']} evaluation episodes per point; "
                  f"published: mean ± std over 10 seeds, linearly interpolated between its 10k-step points.", "",
                  markdown_table(["env steps", "ours (stochastic)", "ours (greedy)", "published SLAC mean",
                                  "published std"],
                                 [[f"{int(float(r['env_steps'])):,}", float(r["eval_return_stochastic"]),
                                   float(r["eval_return_greedy"]),
                                   float(np.interp(float(r["env_steps"]), px, pm)),
                                   float(np.interp(float(r["env_steps"]), px, ps))] for r in evals]),
                  "", f"Source of the published curve: `{shown(PUBLISHED)}`: {curve_source}.", ""]
        ref = read_published(PUBLISHED_RETURNS, task=task)
        rows = [["ours, last evaluation (stochastic)", f"{steps:,}", evidence["cpu_final_eval_return"], "-",
                 f"`{shown(run_dir / 'eval.csv')}`"],
                ["ours, best evaluation (stochastic)", "-", evidence["cpu_best_eval_return"], "-",
                 f"`{shown(run_dir / 'eval.csv')}`"],
                ["uniform random policy", "-", random_return,
                 "-", (f"{random_src}, {random.get('episodes', '?')} episodes, seed {random.get('seed', '?')}" if random else "missing")]]
        sources = sorted({r["source"] for r in ref})
        rows += [[f"published {r['variant']}", f"{int(r['env_steps']):,}", float(r["mean_return"]),
                  float(r["std_return"]), f"`{shown(PUBLISHED_RETURNS)}`" + ("" if len(sources) == 1 else
                                                                          f": {r['source']}")] for r in ref]
        parts += ["Main numbers:", "", markdown_table(["", "env steps", "return", "std", "source"], rows), ""]
        if len(sources) == 1:
            parts += [f"Source of the published rows (`{shown(PUBLISHED_RETURNS)}`): {sources[0]}.", ""]
        if logged:
            parts += [f"Latent model −ELBO (`model_loss`): {evidence['cpu_first_model_loss']:.0f} (first logged) "
                      f"→ {evidence['cpu_last_model_loss']:.0f} (last logged), batches of "
                      f"{cfg.model_batch_size} sequences (the paper does not report it).", ""]
        parts += [" ".join(f"![{c}]({prefix}{f})" for c, f in figures if not f.startswith("recon")), ""]
        recon = [(c, f) for c, f in figures if f.startswith("recon")]
        if recon:
            parts += ["Reconstructions (rows: ground truth / posterior / open-loop prior from the first "
                      "frame), first and last evaluation:", ""]
            parts += [f"![{c}]({prefix}{f})" for c, f in recon] + [""]
        parts += ["### Speed on this machine", ""]
        if smoke:
            parts += ["Not measured at the smoke budget (`python -m papers.slac.benchmark`, or the cpu "
                      "budget, measures it).", ""]
        elif bench:
            parts += [f"From {bench_src} (`python -m papers.slac.benchmark`; median of timed updates on "
                      f"random data, on the shared 2-core VM):", "",
                      markdown_table(["quantity", "float32", "bf16 convs"], speed_rows(b), digits=2), ""]
        else:
            parts += ["Missing: no `benchmark.json` (run() measures it).", ""]
        paper = {f: paper_value(SlacConfig, f) for f in ("initial_collect_steps", "initial_model_train_steps",
                                                          "train_agent_steps", "model_batch_size",
                                                          "ac_batch_size", "eval_episodes", "eval_interval")}
        wall = last_metrics.get("wall_time")
        budget_rows = [
            ["random collection (agent steps = env steps / repeat)",
             f"{cfg.initial_collect_steps:,} ({cfg.initial_collect_steps * repeat:,} env steps)",
             f"{int(float(last['env_steps_total'])) - steps:,} env steps",
             f"{paper['initial_collect_steps']:,} ({paper['initial_collect_steps'] * repeat:,} env steps)"],
            ["model pre-training updates", f"{cfg.initial_model_train_steps:,}",
             f"{min(int(float(last['model_updates'])), cfg.initial_model_train_steps):,}",
             f"{paper['initial_model_train_steps']:,}"],
            ["training (env steps after the collection)", f"{planned:,}", f"{steps:,} (last evaluation)",
             f"{paper['train_agent_steps'] * repeat:,} (num_iterations; published curves to "
             f"{int(px.max()):,})"],
            ["model updates", f"{cfg.initial_model_train_steps + cfg.train_agent_steps:,}",
             f"{int(float(last_metrics.get('model_updates', last['model_updates']))):,} (last log)",
             f"{paper['initial_model_train_steps'] + paper['train_agent_steps']:,}"],
            ["actor-critic updates", f"{cfg.train_agent_steps:,}",
             f"{int(float(last_metrics['ac_updates'])):,} (last log)" if last_metrics.get("ac_updates") else "-",
             f"{paper['train_agent_steps']:,}"],
            ["batch (model / actor-critic sequences)", f"{cfg.model_batch_size} / {cfg.ac_batch_size}", "same",
             f"{paper['model_batch_size']} / {paper['ac_batch_size']}"],
            ["evaluation (episodes every N agent steps)", f"{cfg.eval_episodes} every {cfg.eval_interval:,}",
             f"{len(evals)} evaluations", f"{paper['eval_episodes']} every {paper['eval_interval']:,}"],
            ["seeds", "1", "1", "10"],
            ["wall time", "-", f"{float(wall) / 60:.1f} min (last invocation; metrics.csv `wall_time` "
             f"restarts on resume)" if wall not in (None, "") else "-", "not reported (GPU)"]]
        parts += ["### Budget: used vs the paper's", "",
                  markdown_table(["", f"ours, planned (`{profile}`)", "ours, reached", "paper (official code)"],
                                 budget_rows), "",
                  f"{len(deviations(cfg))} config fields differ from the paper's; the list with reasons "
                  f"is under the provenance table.", "",
                  "### Evaluation protocol", "",
                  f"As the official `train_eval`: mean undiscounted return over whole episodes "
                  f"({cfg.eval_episodes} here, 10 in the paper; 1000 env steps each) of the stochastic "
                  f"policy (`AverageReturnEvalPolicy`, the published curves' metric) on a separate "
                  f"evaluation environment with fixed episode seeds, every {cfg.eval_interval:,} agent steps; "
                  f"the greedy policy tanh(mean) is logged too. The first evaluation is after the model "
                  f"pre-training and before any actor-critic update, logged at 0 env steps. The x axis is "
                  f"environment steps (agent steps × action repeat {repeat}) after the random collection "
                  f"(README, implementation note 5: whether the published axis includes the collection is "
                  f"unverified). The published numbers are the mean ± population std over the official "
                  f"10 seeds. The random baseline draws actions uniformly from the action box for "
                  f"{random_episodes(budget)} episodes (seed {RANDOM_SEED}) with the same action repeat.", ""]
        return "\n".join(parts).rstrip() + "\n"

    body = body_with("slac/")  # REPORT.md lives in results/
    (results_dir / "RESULTS.md").write_text(body_with(""))
    if readme is not None and budget == "cpu":  # other budgets never touch the README
        write_between_markers(readme, README_START, README_END,
                              body_with("../../results/slac/").rstrip() + "\n\n### Runs and provenance\n\n"
                              + provenance(runs, runs_root))
    return Section(status, headline, body, runs)


if __name__ == "__main__":
    from common.errors import run_main
    from common.report import paper_cli
    run_main(lambda argv: paper_cli("slac", __doc__, run, report, argv))
