"""SLAC (Lee et al. 2020): this paper's section of results/REPORT.md, from the files that
papers/slac/reproduce.py writes under runs_root/slac/ and papers/slac/published/ only
(deterministic; never trains, evaluates or measures).

    collect(budget, runs_root, results_dir)   the run's evaluations and losses, the random-policy
                                              return and the benchmark (runs_root/slac/<file>, else
                                              the copy committed under results/slac/, said so),
                                              the published curve; draws the plots and keeps the
                                              finished run's policy in results_dir/weights/
    render(facts, figures)                    the Markdown body
    section(budget, runs_root, results_dir)   both, plus results_dir/{evidence.json, RESULTS.md}
                                              and (budget cpu) the README's results block

A run without a DONE marker (stopped by a time limit) is reported as partial, with the
environment steps it reached.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from common import weights as kept_weights
from common.report import (BUDGET, DEVIATIONS, PROTOCOL, SMOKE, SMOKE_HEADLINE, Section, measured_file,
                           partial_note, plots_md, relink, results_md, runs_md, shown, smoke_banner, write_evidence,
                           write_readme_block)
from common.results import curve_plot, markdown_table, read_json, read_published, read_rows
from papers.slac.config import SlacConfig, action_repeat
from papers.slac.reproduce import (BENCHMARK_FILE, RANDOM_SEED, profile_of, random_episodes, random_file,
                                   run_config, run_dir_of)

PAPER = "slac"
HERE = Path(__file__).resolve().parent
PUBLISHED = HERE / "published" / "slac_curves.csv"
PUBLISHED_RETURNS = HERE / "published" / "slac_returns.csv"
README = HERE / "README.md"
#: Published returns quoted in the headline and the reference table (env steps).
HEADLINE_STEPS = 500_000


def make_command(budget: str) -> str:
    return "make reproduce PAPERS=slac" + ("" if budget == "cpu" else f" BUDGET={budget}")


def published_curve(task: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = read_published(PUBLISHED, task=task)
    return (np.array([float(r["env_steps"]) for r in rows]),
            np.array([float(r["mean_return"]) for r in rows]),
            np.array([float(r["std_return"]) for r in rows]))


def _published_at(task: str, steps: int) -> dict | None:
    rows = [r for r in read_published(PUBLISHED_RETURNS, task=task) if int(r["env_steps"]) == steps]
    return rows[0] if rows else None


# ---------------------------------------------------------------------------------- collect()
def measured(name: str, runs_root: Path, results_dir: Path, task: str) -> tuple[dict | None, str]:
    """A file run() measures (runs/slac/<name>, else the committed copy), if it is for `task`."""
    path, source = measured_file(PAPER, name, runs_root, results_dir,
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
        if logged[0].get("mean_frame_mse") not in (None, ""):  # a column of metrics.csv that some runs lack
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


def keep_policy(f: dict, results_dir: Path) -> dict | None:
    """The policy of a finished run (encoder and actor of its final checkpoint, the network its
    last evaluation played) kept as results_dir/weights/<run>.weights.h5 with the record
    `evaluate --weights` replays that evaluation from; None while the run is unfinished or its
    newest checkpoint is not the evaluated one."""
    from common.run import latest_checkpoint
    from papers.slac.evaluate import eval_seed, save_policy
    run_dir, last = f["run_dir"], f["last"]
    newest = latest_checkpoint(run_dir)
    if not f["complete"] or newest is None or newest[0] != int(float(last["model_updates"])):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"policy{kept_weights.SUFFIX}"
        record = save_policy(run_dir, src)
        record.update(run=shown(run_dir), final_evaluation={
            "env_steps": int(float(last["env_steps"])), "episodes": int(float(last["episodes"])),
            "seed": eval_seed(record["seed"]), "return_stochastic": float(last["eval_return_stochastic"]),
            "return_greedy": float(last["eval_return_greedy"])})
        return kept_weights.keep(src, results_dir, run_dir.name, record)


def collect(budget: str, runs_root: Path, results_dir: Path) -> dict:
    """The run's numbers, the measurements and the published curve, as plain values. The
    figures are drawn (into results_dir) only once the run has an evaluation."""
    profile, run_dir = profile_of(budget), run_dir_of(budget, runs_root)
    cfg = run_config(budget, run_dir)
    evals, metrics = read_rows(run_dir / "eval.csv"), read_rows(run_dir / "metrics.csv")
    facts = {"budget": budget, "smoke": budget == SMOKE, "profile": profile, "run_dir": run_dir,
             "runs_root": runs_root, "cfg": cfg, "task": cfg.task, "repeat": action_repeat(cfg.task),
             "planned": cfg.train_agent_steps * action_repeat(cfg.task), "evals": evals, "metrics": metrics,
             "started": (run_dir / "config.json").exists() or bool(evals),
             "pub_main": _published_at(cfg.task, HEADLINE_STEPS)}
    if not evals:
        return facts
    results_dir.mkdir(parents=True, exist_ok=True)
    random, random_src = measured(random_file(budget), runs_root, results_dir, cfg.task)
    bench, bench_src = (None, "") if facts["smoke"] else measured(BENCHMARK_FILE, runs_root, results_dir, cfg.task)
    last = evals[-1]
    facts.update(random=random, random_src=random_src, bench=bench, bench_src=bench_src,
                 random_return=random["random_policy_return"] if random else None,
                 last=last, steps=int(float(last["env_steps"])), complete=(run_dir / "DONE").exists(),
                 versions=read_json(run_dir / "versions.json") or {}, curve=published_curve(cfg.task),
                 curve_source=read_published(PUBLISHED, task=cfg.task)[0]["source"],
                 logged=[r for r in metrics if r.get("model_loss") not in (None, "", "nan")],
                 last_metrics=metrics[-1] if metrics else {})
    facts["figures"] = plots(run_dir, results_dir, cfg.task, facts["random_return"], evals, metrics)
    facts["kept"] = keep_policy(facts, results_dir)
    facts["evidence"] = evidence(facts)
    facts["missing"] = _missing(facts)
    return facts


def evidence(f: dict) -> dict:
    """evidence.json: the section's main numbers, flat."""
    evals, last, logged, b = f["evals"], f["last"], f["logged"], f["bench"] or {}
    px, pm, ps = f["curve"]
    return {
        "cpu_task": f["task"], "cpu_profile": f["profile"], "cpu_run_dir": shown(f["run_dir"]),
        "cpu_run_complete": f["complete"],
        "cpu_env_steps": f["steps"], "cpu_env_steps_including_random_collection": int(float(last["env_steps_total"])),
        "cpu_planned_env_steps": f["planned"],
        "cpu_model_updates": int(float(last["model_updates"])),
        "cpu_final_eval_return": float(last["eval_return_stochastic"]),
        "cpu_final_eval_return_greedy": float(last["eval_return_greedy"]),
        "cpu_best_eval_return": max(float(r["eval_return_stochastic"]) for r in evals),
        "cpu_eval_episodes": int(float(last["episodes"])),
        "cpu_first_model_loss": float(logged[0]["model_loss"]) if logged else None,
        "cpu_last_model_loss": float(logged[-1]["model_loss"]) if logged else None,
        "random_policy_return": f["random_return"],
        "published_return_at_same_env_steps": float(np.interp(f["steps"], px, pm)),
        "published_std_at_same_env_steps": float(np.interp(f["steps"], px, ps)),
        "published_source": f["curve_source"],
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
        "cpu_policy_weights": shown(f["kept"]["path"]) if (f["kept"] or {}).get("path") else None,
        "cpu_policy_weights_bytes": f["kept"]["bytes"] if f["kept"] else None,
        "commit": f["versions"].get("git_commit"), "commit_dirty": f["versions"].get("git_dirty"),
        "budget": f["budget"],
        "random_policy_file": f["random_src"].split("`")[1] if f["random_src"] else None,
        "benchmark_file": f["bench_src"].split("`")[1] if f["bench_src"] else None,
    }


def _missing(f: dict) -> list[str]:
    missing = []
    if not f["complete"]:
        missing.append(f"the run stopped at {f['steps']:,} of its {f['planned']:,} planned env steps (no `DONE` "
                       f"marker); `{make_command(f['budget'])}` "
                       f"resumes it from its last complete checkpoint")
    if f["random"] is None:
        missing.append(f"no random-policy return (`{shown(f['runs_root'] / 'slac' / random_file(f['budget']))}`; "
                       f"run() measures it)")
    if f["bench"] is None and not f["smoke"]:
        missing.append(f"no speed benchmark (`{shown(f['runs_root'] / 'slac' / BENCHMARK_FILE)}`; run() measures it)")
    return missing


# ---------------------------------------------------------------------------------- render()
def _f(value, digits=1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _pub_text(f: dict) -> str:
    pub = f["pub_main"]
    return (f"paper {float(pub['mean_return']):.1f} ± {float(pub['std_return']):.1f} "
            f"at {HEADLINE_STEPS // 1000}k env steps" if pub else "paper: no published curve")


def headline(f: dict) -> str:
    ev = f["evidence"]
    pub_same = f"{ev['published_return_at_same_env_steps']:.1f} ± {ev['published_std_at_same_env_steps']:.1f}"
    text = (f"{f['task'].replace('_', ' ')} return {ev['cpu_final_eval_return']:.1f} after {f['steps']:,} "
            f"of {f['planned']:,} planned env steps{'' if f['complete'] else ', run stopped early'} "
            f"(random policy {_f(f['random_return'])}; paper {pub_same} at {f['steps']:,}, "
            f"{_pub_text(f).removeprefix('paper ')})")
    return (SMOKE_HEADLINE if f["smoke"] else "") + text


def _curve_md(f: dict) -> str:
    """Our evaluations next to the published curve at the same env steps."""
    ev, (px, pm, ps) = f["evidence"], f["curve"]
    return "\n".join([
        "#### Evaluation return, ours vs the paper", "",
        f"Run `{shown(f['run_dir'])}` (profile `{f['profile']}`, task `{f['task']}`, action repeat {f['repeat']}, "
        f"commit `{ev['commit']}`{' with uncommitted changes' if ev['commit_dirty'] else ''}). "
        f"Mean return of {ev['cpu_eval_episodes']} evaluation episodes per point; "
        f"published: mean ± std over 10 seeds, linearly interpolated between its 10k-step points.", "",
        markdown_table(["env steps", "ours (stochastic)", "ours (greedy)", "published SLAC mean", "published std"],
                       [[f"{int(float(r['env_steps'])):,}", float(r["eval_return_stochastic"]),
                         float(r["eval_return_greedy"]), float(np.interp(float(r["env_steps"]), px, pm)),
                         float(np.interp(float(r["env_steps"]), px, ps))] for r in f["evals"]]),
        "", f"Source of the published curve: `{shown(PUBLISHED)}`: {f['curve_source']}."])


def _main_numbers_md(f: dict) -> str:
    """Last and best evaluation, the random policy and the published returns, with sources."""
    ev, random, eval_csv = f["evidence"], f["random"], f"`{shown(f['run_dir'] / 'eval.csv')}`"
    ref = read_published(PUBLISHED_RETURNS, task=f["task"])
    rows = [["ours, last evaluation (stochastic)", f"{f['steps']:,}", ev["cpu_final_eval_return"], "-", eval_csv],
            ["ours, best evaluation (stochastic)", "-", ev["cpu_best_eval_return"], "-", eval_csv],
            ["uniform random policy", "-", f["random_return"], "-",
             (f"{f['random_src']}, {random.get('episodes', '?')} episodes, seed {random.get('seed', '?')}"
              if random else "missing")]]
    sources = sorted({r["source"] for r in ref})
    rows += [[f"published {r['variant']}", f"{int(r['env_steps']):,}", float(r["mean_return"]),
              float(r["std_return"]), f"`{shown(PUBLISHED_RETURNS)}`" + ("" if len(sources) == 1 else
                                                                      f": {r['source']}")] for r in ref]
    parts = ["#### Main numbers", "", markdown_table(["", "env steps", "return", "std", "source"], rows)]
    if len(sources) == 1:
        parts += ["", f"Source of the published rows (`{shown(PUBLISHED_RETURNS)}`): {sources[0]}."]
    parts += ["", kept_weights.markdown(f["kept"], PAPER, "the last evaluation", "episodes") if f["kept"] else
              "The policy behind the last evaluation is kept once the run has finished (its final checkpoint "
              "is the evaluated network)."]
    if f["logged"]:
        parts += ["", f"Latent model −ELBO (`model_loss`): {ev['cpu_first_model_loss']:.0f} (first logged) "
                  f"→ {ev['cpu_last_model_loss']:.0f} (last logged), batches of "
                  f"{f['cfg'].model_batch_size} sequences (the paper does not report it)."]
    return "\n".join(parts)


def _figures_md(f: dict) -> str:
    """PLOTS: our curves, then the model's reconstructions."""
    parts = [" ".join(f"![{c}](slac/{name})" for c, name in f["figures"] if not name.startswith("recon"))]
    recon = [(c, name) for c, name in f["figures"] if name.startswith("recon")]
    if recon:
        parts += ["", "Reconstructions (rows: ground truth / posterior / open-loop prior from the first "
                  "frame), first and last evaluation:", ""]
        parts += [f"![{c}](slac/{name})" for c, name in recon]
    return plots_md("\n".join(parts))


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


def _speed_md(f: dict) -> str:
    head = "#### Speed on this machine\n\n"
    if f["smoke"]:
        return head + ("Not measured at the smoke budget (`python -m papers.slac.benchmark`, or the cpu "
                       "budget, measures it).")
    if f["bench"]:
        return head + (f"From {f['bench_src']} (`python -m papers.slac.benchmark`; median of timed updates on "
                       f"random data, on the shared 2-core VM):\n\n"
                       + markdown_table(["quantity", "float32", "bf16 convs"], speed_rows(f["bench"]), digits=2))
    return head + "Missing: no `benchmark.json` (run() measures it)."


def _budget_md(f: dict) -> str:
    """Planned and reached budgets next to the official code's."""
    from common.config import deviations, paper_value
    cfg, last, lm, repeat, steps = f["cfg"], f["last"], f["last_metrics"], f["repeat"], f["steps"]
    paper = {k: paper_value(SlacConfig, k) for k in ("initial_collect_steps", "initial_model_train_steps",
                                                     "train_agent_steps", "model_batch_size",
                                                     "ac_batch_size", "eval_episodes", "eval_interval")}
    wall = lm.get("wall_time")
    rows = [
        ["random collection (agent steps = env steps / repeat)",
         f"{cfg.initial_collect_steps:,} ({cfg.initial_collect_steps * repeat:,} env steps)",
         f"{int(float(last['env_steps_total'])) - steps:,} env steps",
         f"{paper['initial_collect_steps']:,} ({paper['initial_collect_steps'] * repeat:,} env steps)"],
        ["model pre-training updates", f"{cfg.initial_model_train_steps:,}",
         f"{min(int(float(last['model_updates'])), cfg.initial_model_train_steps):,}",
         f"{paper['initial_model_train_steps']:,}"],
        ["training (env steps after the collection)", f"{f['planned']:,}", f"{steps:,} (last evaluation)",
         f"{paper['train_agent_steps'] * repeat:,} (num_iterations; published curves to "
         f"{int(f['curve'][0].max()):,})"],
        ["model updates", f"{cfg.initial_model_train_steps + cfg.train_agent_steps:,}",
         f"{int(float(lm.get('model_updates', last['model_updates']))):,} (last log)",
         f"{paper['initial_model_train_steps'] + paper['train_agent_steps']:,}"],
        ["actor-critic updates", f"{cfg.train_agent_steps:,}",
         f"{int(float(lm['ac_updates'])):,} (last log)" if lm.get("ac_updates") else "-",
         f"{paper['train_agent_steps']:,}"],
        ["batch (model / actor-critic sequences)", f"{cfg.model_batch_size} / {cfg.ac_batch_size}", "same",
         f"{paper['model_batch_size']} / {paper['ac_batch_size']}"],
        ["evaluation (episodes every N agent steps)", f"{cfg.eval_episodes} every {cfg.eval_interval:,}",
         f"{len(f['evals'])} evaluations", f"{paper['eval_episodes']} every {paper['eval_interval']:,}"],
        ["seeds", "1", "1", "10"],
        ["wall time", "-", f"{float(wall) / 60:.1f} min (last invocation; metrics.csv `wall_time` "
         f"restarts on resume)" if wall not in (None, "") else "-", "not reported (GPU)"]]
    return "\n".join([BUDGET, "",
                      markdown_table(["", f"ours, planned (`{f['profile']}`)", "ours, reached",
                                      "paper (official code)"], rows), "",
                      f"{len(deviations(cfg))} config fields differ from the paper's; the list with reasons "
                      f"is under \"{DEVIATIONS.lstrip('# ')}\" below."])


def _protocol_md(f: dict) -> str:
    cfg = f["cfg"]
    return (f"{PROTOCOL}\n\nAs the official `train_eval`: mean undiscounted return over whole episodes "
            f"({cfg.eval_episodes} here, 10 in the paper; 1000 env steps each) of the stochastic "
            f"policy (`AverageReturnEvalPolicy`, the published curves' metric) on a separate "
            f"evaluation environment with fixed episode seeds, every {cfg.eval_interval:,} agent steps; "
            f"the greedy policy tanh(mean) is logged too. The first evaluation is after the model "
            f"pre-training and before any actor-critic update, logged at 0 env steps. The x axis is "
            f"environment steps (agent steps × action repeat {f['repeat']}) after the random collection "
            f"(README, implementation note 5: whether the published axis includes the collection is "
            f"unverified). The published numbers are the mean ± population std over the official "
            f"10 seeds. The random baseline draws actions uniformly from the action box for "
            f"{random_episodes(f['budget'])} episodes (seed {RANDOM_SEED}) with the same action repeat.")


def render(f: dict) -> str:
    """The section's body (links relative to results/)."""
    cfg, parts = f["cfg"], []
    if f["smoke"]:
        parts.append(smoke_banner(
            f"profile `smoke` with {cfg.initial_collect_steps} random agent steps, {cfg.initial_model_train_steps} "
            f"model pre-training updates, {cfg.train_agent_steps} training agent steps, {cfg.eval_episodes} "
            f"evaluation episode, {random_episodes(f['budget'])} random-policy episodes; benchmark not "
            f"measured at the smoke budget"))
    if f["missing"]:
        parts.append(partial_note(f["missing"]))
    parts += [results_md([_curve_md(f), _main_numbers_md(f), _speed_md(f)]), _figures_md(f), _budget_md(f),
              _protocol_md(f)]
    return "\n\n".join(part for part in parts if part) + "\n"


# ---------------------------------------------------------------------------------- section()
def section(budget: str, runs_root: Path, results_dir: Path, readme: Path | None = README) -> Section:
    """The Section of results/REPORT.md, plus plots, evidence.json, RESULTS.md and (budget cpu)
    the README block, all from runs_root/slac/ and papers/slac/published/."""
    runs_root, results_dir = Path(runs_root), Path(results_dir)
    f = collect(budget, runs_root, results_dir)
    task, run_dir = f["task"].replace("_", " "), f["run_dir"]
    runs = [run_dir] if f["started"] else []
    how = f"`{make_command(budget)}` trains it (resumably)"
    if not f["started"]:
        return Section("not run", f"{task}: not run ({_pub_text(f)})",
                       f"Not run: `{shown(run_dir)}` does not exist. {how}, then measures the random "
                       f"policy and the speed benchmark.", runs)
    if not f["evals"]:
        return Section("partial", f"{task}: run started, no evaluation yet ({_pub_text(f)})",
                       f"**Partial**: `{shown(run_dir)}` exists but has no evaluation yet (no `eval.csv`); "
                       f"{how}.", runs)
    write_evidence(results_dir, f["evidence"])
    body = render(f)
    (results_dir / "RESULTS.md").write_text(relink(body, PAPER, "results"))
    if readme is not None and budget == "cpu":  # other budgets never touch the README
        write_readme_block(readme, "results",
                           relink(body, PAPER, "readme").rstrip() + "\n\n" + runs_md(runs, runs_root))
    return Section("complete" if not f["missing"] else "partial", headline(f), body, runs)
