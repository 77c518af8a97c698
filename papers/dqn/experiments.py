"""DQN's experiments for `python -m common.launch` and `make reproduce BUDGET=paper`: the games of
the papers' score tables, each trained and then scored with the Nature protocol (evaluate.py).

    paper  Mnih et al. 2015, Ext. Data Table 2: the 49 games of published/dqn_nature_scores.csv at
           `--profile nature`, one agent per game as in the paper (seed 0), runs/dqn/nature/<game>-seed0;
           Mnih et al. 2013, Table 1: the 7 games of published/dqn2013_table1.csv at `--profile
           nips2013`, runs/dqn/nips2013/<game>-seed0. A GPU each when the cluster has GPUs.
    cpu    the CPU-scale runs of `make reproduce`: Pong (runs/dqn/cpu-seed0) and the CartPole check
    smoke  3 games of the Nature table at `--profile smoke` (games cut to 400 frames), scored on one
           400-frame game: runs/dqn/smoke/<game>-seed0; a check of the sweep, numbers meaningless

`table(budget, runs_root)` renders the two score tables, every game of the paper with our score
where a run has one ("not run" elsewhere), human-normalised per game and as mean / median over
the games run, beside the paper's over the same games.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from common.launch import RUN_DIR, Experiment, read_sweep, result, state
from common.results import markdown_table, read_json, read_published

PUBLISHED = Path(__file__).resolve().parent / "published"
NATURE = "Nature (Mnih et al. 2015, Ext. Data Table 2)"
NIPS2013 = "2013 (Mnih et al. 2013, Table 1)"
#: group -> (published CSV, the paper's DQN column, the profile that trains it)
TABLES = {NATURE: ("dqn_nature_scores.csv", "dqn_nature", "nature"),
          NIPS2013: ("dqn2013_table1.csv", "dqn_2013_avg", "nips2013")}
SEEDS = (0,)                  # one agent per game (Mnih et al. 2015, Methods)
SMOKE_GAMES = ("pong", "breakout", "space-invaders")
SMOKE_SET = ("--set", "train_episode_frames=400")
SMOKE_EVAL = ("--episodes", "1", "--max-frames", "400")
SCORE = "evaluation/eval_summary.json"


def games(group: str) -> list[str]:
    """The games of a paper table, as its published CSV names them (e.g. 'space-invaders')."""
    return [row["game"] for row in read_published(PUBLISHED / TABLES[group][0])]


def env_id(game: str) -> str:
    """'space-invaders' -> 'space_invaders', the ale-py ROM id `--set env=` takes."""
    return game.replace("-", "_")


def _game(group: str, game: str, profile: str, seed: int, *, sets=(), evaluate=(), gpus=1.0) -> Experiment:
    train = ("papers.dqn.train", "--profile", profile, "--set", f"env={env_id(game)}", *sets,
             "--seed", str(seed), "--run-dir", RUN_DIR)
    return Experiment("dqn", f"{profile}/{env_id(game)}-seed{seed}",
                      (train, ("papers.dqn.evaluate", "--run-dir", RUN_DIR, *evaluate)),
                      group, game, done=SCORE, metric=f"{SCORE}:mean_return", cpus=2, gpus=gpus)


def experiments(budget: str) -> list[Experiment]:
    if budget == "paper":
        return [_game(group, game, TABLES[group][2], seed) for group in TABLES for game in games(group)
                for seed in SEEDS]
    if budget == "smoke":
        return [_game(NATURE, game, "smoke", 0, sets=SMOKE_SET, evaluate=SMOKE_EVAL, gpus=0)
                for game in SMOKE_GAMES]
    pong = Experiment("dqn", "cpu-seed0", (("papers.dqn.train", "--profile", "cpu", "--run-dir", RUN_DIR),
                                           ("papers.dqn.evaluate", "--run-dir", RUN_DIR)),
                      "Pong, CPU scale", "pong", done=SCORE, metric=f"{SCORE}:mean_return", cpus=2)
    cartpole = Experiment("dqn", "cartpole-seed0", (("papers.dqn.train", "--profile", "cartpole",
                                                     "--run-dir", RUN_DIR),),
                          "CartPole-v1 check", "cartpole", metric="summary.json:solved_at_agent_steps")
    return [pong, cartpole]


def _normalised(score: float, row: dict) -> float:
    """Human-normalised score (Mnih et al. 2015, Fig. 3): 100 (score - random) / (human - random)."""
    return 100.0 * (score - float(row["random"])) / (float(row["human"]) - float(row["random"]))


def _mean_median(values: list[float]) -> str:
    return f"mean {statistics.mean(values):.1f}%, median {statistics.median(values):.1f}%" if values else "-"


def table(budget: str, runs_root: Path) -> str:
    """The papers' per-game score tables with our runs of this budget where they exist."""
    runs_root = Path(runs_root)
    sweep = read_sweep(runs_root, "dqn")
    by_row: dict[tuple[str, str], list[Experiment]] = {}
    for e in experiments(budget):
        by_row.setdefault((e.group, e.label), []).append(e)
    out = []
    for group, (csv_name, paper_column, _) in TABLES.items():
        published = read_published(PUBLISHED / csv_name)
        rows, ours_norm, paper_norm_run = [], [], []
        protocols = set()
        for row in published:
            exps = by_row.get((group, row["game"]), [])
            scores = [result(e, runs_root) for e in exps if e.finished(runs_root)]
            paper_norm = _normalised(float(row[paper_column]), row)
            for e in exps:
                summary = read_json(e.run_dir(runs_root) / SCORE)
                if summary:
                    n = summary["episodes"]
                    protocols.add(f"{n} game{'s' * (n != 1)} of at most {summary['max_episode_frames']:,} "
                                  f"frames, eps {summary['epsilon']}")
            if scores:
                ours = statistics.mean(scores)
                ours_norm.append(_normalised(ours, row))
                paper_norm_run.append(paper_norm)
            states = ", ".join(sorted({state(e, runs_root, sweep.get(e.name)) for e in exps})) or "not run"
            runs = ", ".join(f"`{e.name}`" for e in exps)
            rows.append([row["game"], float(row["random"]), float(row["human"]), float(row[paper_column]),
                         f"{ours:.1f}" if scores else states, f"{ours_norm[-1]:.0f}%" if scores else "",
                         f"{paper_norm:.0f}%", runs])
        all_paper = [_normalised(float(r[paper_column]), r) for r in published]
        out += [f"#### {group}: {len(published)} games, {len(ours_norm)} with a finished run", "",
                markdown_table(["game", "random", "human", "paper DQN", "ours", "ours, % human",
                                "paper, % human", "run (runs/dqn/...)"], rows),
                "", f"Human-normalised score, 100 x (score - random) / (human - random) with the table's "
                    f"random and human scores: over the {len(ours_norm)} game{'s' * (len(ours_norm) != 1)} run, ours "
                    f"{_mean_median(ours_norm)}; the paper's DQN over the same games {_mean_median(paper_norm_run)}; "
                    f"the paper's DQN over all {len(published)} games {_mean_median(all_paper)}. Our scores: "
                    f"evaluate.py on the final checkpoint ({'; '.join(sorted(protocols)) or 'no evaluation yet'}). "
                    f"Source of the paper's numbers: `papers/dqn/published/{csv_name}` ({published[0]['source']}).",
                ""]
    return "\n".join(out).strip()
