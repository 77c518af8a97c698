"""Our DQN next to Dopamine's published DQN curve on Pong, like for like.

Both sides run Dopamine's experiment (`--profile dopamine`, config.py: google/dopamine dqn.gin,
the legacy TF agent behind baselines/atari/data/pong.json) and both are measured the way Dopamine
measures: the mean raw return of the training games of each iteration. An iteration is 250,000
agent steps (1M frames) of training, run on to the end of the game in progress
(run_experiment.py `_run_one_phase`: whole games until at least `training_steps` steps), so
iteration k's games are those that end after iteration k-1's last game and up to the first game
that ends at least 250,000 agent steps later.

    python -m papers.dqn.dopamine RUN_DIR [RUN_DIR ...] [--iterations 4] [--results results/dqn]

writes results/dqn/dopamine_pong.{json,md,png}, adds the `dopamine_pong_*` keys to
results/dqn/evidence.json and rewrites the README's `dopamine` block (papers/dqn/README.md).

Criterion, fixed before the runs: for each complete iteration, is our seed mean inside the range
(min..max) of Dopamine's 5 seeds? The fraction of iterations where it is summarises the comparison.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from common.errors import UserError, run_main
from common.report import relink, write_readme_block
from common.results import read_json, read_published, read_rows

HERE = Path(__file__).resolve().parent
PUBLISHED = HERE / "published" / "dopamine_dqn_pong.csv"
README = HERE / "README.md"
STEPS_PER_ITERATION = 250_000      # dqn.gin Runner.training_steps, agent steps
CAP_FRAMES = 108_000               # dqn.gin Runner.max_steps_per_episode = 27,000 agent steps x 4


def iterations(episodes: list[dict], steps: int = STEPS_PER_ITERATION) -> list[dict]:
    """Group training games (episodes.csv rows: agent_steps at the game's end, return, frames)
    into Dopamine iterations. Each item: iteration, end_agent_steps, games, mean_return,
    capped (games cut by the 27,000-step cap), complete (False for the unfinished last one)."""
    out, start, games = [], 0, []
    for row in episodes:
        games.append(row)
        end = int(row["agent_steps"])
        if end - start >= steps:
            out.append(_iteration(len(out), end, games, True))
            start, games = end, []
    if games:
        out.append(_iteration(len(out), int(games[-1]["agent_steps"]), games, False))
    return out


def _iteration(k: int, end: int, games: list[dict], complete: bool) -> dict:
    returns = [float(g["return"]) for g in games]
    return {"iteration": k, "end_agent_steps": end, "games": len(games),
            "mean_return": float(np.mean(returns)), "complete": complete,
            "capped": sum(int(g["frames"]) >= CAP_FRAMES for g in games)}


def published(n: int) -> list[dict]:
    """Dopamine's 5 seeds for iterations 0..n-1: per-seed values, min, mean, max."""
    rows = read_published(PUBLISHED)[:n]
    out = []
    for r in rows:
        seeds = [float(r[f"seed_{i}"]) for i in range(1, 6)]
        out.append({"iteration": int(r["iteration"]), "seeds": seeds, "min": min(seeds),
                    "mean": float(np.mean(seeds)), "max": max(seeds)})
    return out


def collect(run_dirs: list[Path], n: int) -> dict:
    """The comparison as plain numbers: per run its iterations, per iteration our seed mean beside
    Dopamine's range; only iterations every run has completed are compared."""
    runs = []
    for d in run_dirs:
        record = read_json(d / "config.json") or {}
        if record.get("profile") != "dopamine":
            raise UserError(f"{d} is not a --profile dopamine run (config.json profile "
                            f"{record.get('profile')!r}); pass the run directories of "
                            f"`python -m papers.dqn.train --profile dopamine`")
        games = read_rows(d / "episodes.csv")
        # frames trained: the newer of the last metrics row and the last game's end
        logged = [int(rows[-1]["env_frames"]) for rows in (read_rows(d / "metrics.csv"), games)
                  if rows and "env_frames" in rows[-1]]
        runs.append({"run": d.name, "seed": record.get("seed"), "env_frames": max(logged, default=0),
                     "iterations": iterations(games)[:n]})
    dopamine = published(n)
    rows = []
    for k, dop in enumerate(dopamine):
        ours = [r["iterations"][k]["mean_return"] for r in runs
                if len(r["iterations"]) > k and r["iterations"][k]["complete"]]
        if len(ours) < len(runs) or not runs:
            break
        mean = float(np.mean(ours))
        rows.append({"iteration": k, "ours_per_seed": ours, "ours_mean": mean,
                     "dopamine_min": dop["min"], "dopamine_mean": dop["mean"],
                     "dopamine_max": dop["max"], "inside": dop["min"] <= mean <= dop["max"]})
    return {"runs": runs, "dopamine": dopamine, "compared": rows,
            "inside_fraction": (sum(r["inside"] for r in rows) / len(rows)) if rows else None,
            "iterations_planned": n}


def evidence(c: dict) -> dict:
    """The `dopamine_pong_*` keys of results/dqn/evidence.json."""
    frames = {r["run"]: r["env_frames"] for r in c["runs"]}
    return {"dopamine_pong_seeds": len(c["runs"]),
            "dopamine_pong_env_frames": frames,
            "dopamine_pong_env_frames_min": min(frames.values()) if frames else None,
            "dopamine_pong_iterations": [
                {k: r[k] for k in ("iteration", "ours_per_seed", "ours_mean", "dopamine_min",
                                   "dopamine_mean", "dopamine_max", "inside")} for r in c["compared"]],
            "dopamine_pong_iterations_inside_band_fraction": c["inside_fraction"],
            "dopamine_pong_capped_games": sum(i["capped"] for r in c["runs"] for i in r["iterations"])}


def headline(c: dict) -> str | None:
    """One sentence for the report's summary line: seeds, frames, iterations inside Dopamine's range."""
    rows = c["compared"]
    if not rows:
        return None
    seeds, frames = len(c["runs"]), min(r["env_frames"] for r in c["runs"]) / 1e6
    planned = f" ({c['iterations_planned']} planned)" if len(rows) < c["iterations_planned"] else ""
    return (f"Pong like for like with Dopamine's DQN ({_seeds(seeds)}, at least {frames:.2f}M frames "
            f"each): our seed mean inside Dopamine's 5-seed range in {sum(r['inside'] for r in rows)} "
            f"of {len(rows)} iterations{planned}")


def _seeds(n: int) -> str:
    return f"{n} seed{'s' * (n != 1)}"


def render(c: dict, plot: str | None) -> str:
    """Markdown: the table per iteration, the verdict, the plot."""
    n_runs, rows = len(c["runs"]), c["compared"]
    lines = [f"Pong, `--profile dopamine`, {_seeds(n_runs)} of ours against Dopamine's 5 (its "
             f"published DQN, baselines/atari/data/pong.json); metric: mean return of the "
             f"iteration's training games (eps 0.01 after 250k steps, sticky actions).", ""]
    if rows:
        lines += ["| iteration (1M frames) | ours, per seed | ours, mean | Dopamine min | Dopamine mean "
                  "| Dopamine max | ours inside Dopamine's range |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        seeds = ", ".join(f"{v:.2f}" for v in r["ours_per_seed"])
        lines.append(f"| {r['iteration']} | {seeds} | {r['ours_mean']:.2f} | {r['dopamine_min']:.2f} "
                     f"| {r['dopamine_mean']:.2f} | {r['dopamine_max']:.2f} | "
                     f"{'yes' if r['inside'] else 'no'} |")
    lines.append("")
    if rows:
        lines.append(f"Our seed mean lies inside Dopamine's seed range in {sum(r['inside'] for r in rows)} "
                     f"of {len(rows)} iterations ({c['inside_fraction']:.0%}).")
    missing = c["iterations_planned"] - len(rows)
    if missing:
        progress = ", ".join(f"{r['run']}: {r['env_frames'] / 1e6:.2f}M frames" for r in c["runs"])
        lines.append(f"{missing} of {c['iterations_planned']} planned iterations are not complete in "
                     f"every run yet ({progress}).")
        partial = [(r["run"], r["iterations"][-1]) for r in c["runs"]
                   if r["iterations"] and not r["iterations"][-1]["complete"]]
        if partial:
            lines.append("Unfinished iterations so far (not compared): " + "; ".join(
                f"{run} iteration {it['iteration']}: {it['mean_return']:.2f} over {it['games']} games"
                for run, it in partial) + ".")
    if plot:
        lines += ["", f"![Pong, ours vs Dopamine]({plot})"]
    return "\n".join(lines) + "\n"


def draw(c: dict, path: Path) -> None:
    """Each of our seeds' iteration means over Dopamine's seeds and their min-max band."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.6))
    dop = c["dopamine"]
    x = [d["iteration"] for d in dop]
    ax.fill_between(x, [d["min"] for d in dop], [d["max"] for d in dop], color="0.85",
                    label="Dopamine DQN, 5 seeds: min-max")
    for i in range(5):
        ax.plot(x, [d["seeds"][i] for d in dop], color="0.6", lw=0.8)
    for r in c["runs"]:
        its = [i for i in r["iterations"] if i["complete"]]
        ax.plot([i["iteration"] for i in its], [i["mean_return"] for i in its], marker="o",
                label=f"ours, {r['run']}")
    ax.set_xlabel("iteration (250k agent steps = 1M frames)")
    ax.set_ylabel("mean training-game return")
    ax.set_xticks(x)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="papers.dqn.dopamine", description=__doc__.split("\n\n")[0])
    ap.add_argument("run_dirs", nargs="+", type=Path, help="--profile dopamine run directories")
    ap.add_argument("--iterations", type=int, default=4, help="iterations to compare (1M frames each)")
    ap.add_argument("--results", type=Path, default=HERE.parent.parent / "results" / "dqn")
    ap.add_argument("--readme", type=Path, default=README, help="README whose `dopamine` block to rewrite")
    args = ap.parse_args(argv)
    c = collect(args.run_dirs, args.iterations)
    args.results.mkdir(parents=True, exist_ok=True)
    draw(c, args.results / "dopamine_pong.png")
    (args.results / "dopamine_pong.json").write_text(json.dumps(c, indent=2) + "\n")
    (args.results / "dopamine_pong.md").write_text(render(c, "dopamine_pong.png"))
    ev_path = args.results / "evidence.json"
    ev = read_json(ev_path) or {}
    ev.update(evidence(c))
    ev_path.write_text(json.dumps(ev, indent=2) + "\n")
    write_readme_block(args.readme, "dopamine", relink(render(c, "dqn/dopamine_pong.png"), "dqn", "readme"),
                       command="python -m papers.dqn.dopamine")
    print(render(c, None))
    return 0


if __name__ == "__main__":
    run_main(main)
