"""`make reproduce` for SLAC (Lee et al. 2020): run (or resume) the CPU-scale training run on
cartpole swingup, measure the random policy and the speed benchmark, then write the plots,
`results/slac/evidence.json` and the results block of papers/slac/README.md, all from the run's
CSVs. Re-running skips what is finished; a run that stopped early (time limit) is reported as
partial, with the environment steps it reached.

    python -c "from pathlib import Path; from papers.slac.reproduce import main; print(main('cpu', Path('results/slac')))"
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from common.config import build, deviations_markdown
from common.results import curve_plot, markdown_table, read_published, write_between_markers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PUBLISHED = HERE / "published" / "slac_curves.csv"
RANDOM_EPISODES, RANDOM_SEED = 10, 12345
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def published_curve(task: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = read_published(PUBLISHED, task=task)
    return (np.array([float(r["env_steps"]) for r in rows]),
            np.array([float(r["mean_return"]) for r in rows]),
            np.array([float(r["std_return"]) for r in rows]))


def train_run(profile: str, run_dir: Path) -> None:
    """Run or resume training in a fresh interpreter (as a user would)."""
    if (run_dir / "DONE").exists():
        return
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([os.sys.executable, "-m", "papers.slac.train", "--profile", profile,
                    "--run-dir", str(run_dir)], cwd=ROOT, env=env, check=False)


def cached_json(path: Path, compute) -> dict:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(compute(), indent=2) + "\n")
    return json.loads(path.read_text())


def plots(run_dir: Path, results_dir: Path, task: str, random_return: float) -> dict:
    evals = read_csv(run_dir / "eval.csv")
    metrics = read_csv(run_dir / "metrics.csv")
    x = np.array([float(r["env_steps"]) for r in evals])
    px, pm, ps = published_curve(task)
    keep = px <= max(x.max() if len(x) else 0.0, 10_000.0)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(px[keep], (pm - ps)[keep], (pm + ps)[keep], alpha=0.2, color="C2")
    ax.plot(px[keep], pm[keep], "s-", color="C2", label="published SLAC (10 seeds, mean ± std)")
    ax.plot(x, [float(r["eval_return_stochastic"]) for r in evals], "o-", color="C0",
            label="ours, stochastic policy (as published)")
    ax.plot(x, [float(r["eval_return_greedy"]) for r in evals], "^--", color="C1",
            label="ours, greedy policy")
    ax.axhline(random_return, linestyle=":", color="gray",
               label=f"uniform random policy ({random_return:.0f})")
    ax.set(title=f"SLAC {task}: evaluation return, CPU-scale run vs official curves",
           xlabel="environment steps after the random collection", ylabel="episode return")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(results_dir / "eval_return_vs_published.png", dpi=100)
    plt.close(fig)
    mu = np.array([float(r["model_updates"]) for r in metrics])
    curve_plot({"-ELBO / 1000": (mu, [float(r["model_loss"]) / 1000 for r in metrics]),
                "KL (summed over 9 steps) / 10": (mu, [float(r["kl"]) / 10 for r in metrics]),
                "reconstruction MSE x 1000": (mu, [1000 * float(r["recon_mse"]) for r in metrics])},
               results_dir / "model_losses.png", f"SLAC {task}: latent model training",
               "model updates", "value (scaled)")
    figures = sorted((run_dir / "figures").glob("recon_*.png"))
    for name, fig in (("recon_first.png", figures[:1]), ("recon_last.png", figures[-1:])):
        if fig:
            shutil.copyfile(fig[0], results_dir / name)
    return {"evals": evals, "metrics": metrics}


def main(budget: str, results_dir: Path) -> str:
    profile = "cpu" if budget == "cpu" else "paper"
    run_dir = ROOT / "runs" / "slac" / f"{profile}-seed0"
    if os.environ.get("SLAC_REPORT_ONLY") != "1":  # set it to report on a run stopped early
        train_run(profile, run_dir)
    return report(profile, run_dir, Path(results_dir), HERE / "README.md")


def report(profile: str, run_dir: Path, results_dir: Path, readme: Path | None) -> str:
    """Plots, evidence.json, RESULTS.md and the README block from the run's CSVs."""
    from papers.slac.benchmark import main as benchmark
    from papers.slac.config import PROFILES, SlacConfig
    from papers.slac.evaluate import random_policy_return

    results_dir.mkdir(parents=True, exist_ok=True)
    cfg, devs = build(SlacConfig, PROFILES, profile)
    random = cached_json(results_dir / "random_policy.json", lambda: {
        "task": cfg.task, "episodes": RANDOM_EPISODES, "seed": RANDOM_SEED,
        "random_policy_return": random_policy_return(cfg.task, RANDOM_EPISODES, RANDOM_SEED)})
    bench = cached_json(results_dir / "benchmark.json",
                        lambda: benchmark(["--out", str(results_dir / "benchmark.json")]))
    if not (run_dir / "eval.csv").exists():
        return f"No evaluation yet in `{run_dir}`; re-run to continue training."
    data = plots(run_dir, results_dir, cfg.task, random["random_policy_return"])
    evals, metrics = data["evals"], data["metrics"]
    last = evals[-1]
    px, pm, ps = published_curve(cfg.task)
    steps = float(last["env_steps"])
    complete = (run_dir / "DONE").exists()
    versions = json.loads((run_dir / "versions.json").read_text())
    first_model = next(r for r in metrics if r["model_loss"] not in ("", "nan"))
    evidence = {
        "cpu_task": cfg.task, "cpu_profile": profile, "cpu_run_dir": os.path.relpath(run_dir, ROOT),
        "cpu_run_complete": complete,
        "cpu_env_steps": int(steps), "cpu_env_steps_including_random_collection": int(last["env_steps_total"]),
        "cpu_planned_env_steps": cfg.train_agent_steps * int(int(last["env_steps_total"]) / int(last["agent_steps"])),
        "cpu_model_updates": int(last["model_updates"]),
        "cpu_final_eval_return": float(last["eval_return_stochastic"]),
        "cpu_final_eval_return_greedy": float(last["eval_return_greedy"]),
        "cpu_best_eval_return": max(float(r["eval_return_stochastic"]) for r in evals),
        "cpu_eval_episodes": int(last["episodes"]),
        "cpu_first_model_loss": float(first_model["model_loss"]),
        "cpu_last_model_loss": float(metrics[-1]["model_loss"]),
        "random_policy_return": random["random_policy_return"],
        "published_return_at_same_env_steps": float(np.interp(steps, px, pm)),
        "published_std_at_same_env_steps": float(np.interp(steps, px, ps)),
        "published_source": read_published(PUBLISHED, task=cfg.task)[0]["source"],
        "render_frames_per_s": bench["render_fps_faithful"],
        "render_frames_per_s_fast": bench["render_fps_fast"],
        "model_update_seconds": bench["model_update_s_paper_batch_float32"],
        "actor_critic_update_seconds": bench["actor_critic_update_s_paper_batch_float32"],
        "model_update_seconds_bf16": bench["model_update_s_paper_batch_mixed_bfloat16"],
        "actor_critic_update_seconds_bf16": bench["actor_critic_update_s_paper_batch_mixed_bfloat16"],
        "model_update_seconds_cpu_batch_bf16": bench["model_update_s_cpu_batch_mixed_bfloat16"],
        "actor_critic_update_seconds_cpu_batch_bf16": bench["actor_critic_update_s_cpu_batch_mixed_bfloat16"],
        "commit": versions.get("git_commit"), "commit_dirty": versions.get("git_dirty"),
    }
    (results_dir / "evidence.json").write_text(json.dumps(evidence, indent=2) + "\n")
    rows = [[int(float(r["env_steps"])), float(r["eval_return_stochastic"]), float(r["eval_return_greedy"]),
             float(np.interp(float(r["env_steps"]), px, pm))] for r in evals]
    status = ("complete" if complete else
              f"**PARTIAL**: its last evaluation is at {int(steps):,} of the "
              f"{evidence['cpu_planned_env_steps']:,} planned env steps (stopped by its time limit); "
              f"re-running resumes it")
    body = "\n".join([
        f"CPU-scale run `{evidence['cpu_run_dir']}` (profile `{profile}`, task `{cfg.task}`, "
        f"commit `{evidence['commit']}`): {status}.", "",
        markdown_table(["env steps", "ours (stochastic)", "ours (greedy)", "published SLAC mean (interpolated between its 10k-step points)"], rows),
        "",
        f"Uniform random policy: {random['random_policy_return']:.1f} (mean of {RANDOM_EPISODES} episodes). "
        f"Published SLAC at {int(steps):,} env steps: {evidence['published_return_at_same_env_steps']:.1f} "
        f"± {evidence['published_std_at_same_env_steps']:.1f} (10 seeds). "
        f"Latent model -ELBO: {evidence['cpu_first_model_loss']:.0f} (first logged) -> "
        f"{evidence['cpu_last_model_loss']:.0f} (last logged), batch of {cfg.model_batch_size} sequences.", "",
        f"Speed on this machine (benchmark.py, shared 2-core VM): rendering {bench['render_fps_faithful']:.0f} "
        f"frames/s (faithful) / {bench['render_fps_fast']:.0f} (fast); at the paper's batches one model update "
        f"takes {bench['model_update_s_paper_batch_float32']:.2f} s (float32) / "
        f"{bench['model_update_s_paper_batch_mixed_bfloat16']:.2f} s (bf16 convs), one actor-critic update "
        f"{bench['actor_critic_update_s_paper_batch_float32']:.2f} s / "
        f"{bench['actor_critic_update_s_paper_batch_mixed_bfloat16']:.2f} s.", "",
        "![eval](../../results/slac/eval_return_vs_published.png) "
        "![losses](../../results/slac/model_losses.png)", "",
        "Reconstructions (rows: ground truth / posterior / open-loop prior from the first frame), "
        "first and last evaluation:", "",
        "![first](../../results/slac/recon_first.png)", "![last](../../results/slac/recon_last.png)", "",
        f"Deviations of this run (profile `{profile}`):", "", deviations_markdown(devs)])
    if readme is not None:
        write_between_markers(readme, README_START, README_END, body)
    (results_dir / "RESULTS.md").write_text(body.replace("../../results/slac/", "") + "\n")
    return body.replace("../../results/", "")  # the report lives in results/
