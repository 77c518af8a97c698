"""A3C's experiments for `python -m common.launch` and `make reproduce BUDGET=paper`.

    paper  Mnih et al. 2016, Table S3: the 57 Atari games of published/a3c_scores.csv, each with the
           feed-forward agent (A3C FF) and the LSTM agent (A3C LSTM, `--set network=lstm`), at
           `--profile paper` (16 actor-learner threads on CPU, 200M frames), seed 0, then a
           no-op-start evaluation (evaluate.py; the paper's table uses human starts, which we do not
           have): runs/a3c/paper/<ff|lstm>/<game>-seed0. The paper's 50 runs per game with sampled
           learning rates are one run here (the paper profile's declared lr_sampling deviation).
    cpu    the CPU-scale runs of `make reproduce`: the CartPole checks and Pong (pong-cpu-seed0)
    smoke  Pong and Breakout with A3C FF and Pong with A3C LSTM at `--profile smoke`, each scored on
           one 2,000-frame game: runs/a3c/smoke/<ff|lstm>/<game>-seed0; numbers meaningless
"""

from __future__ import annotations

from pathlib import Path

from common.launch import RUN_DIR, Experiment
from common.results import read_published

PUBLISHED = Path(__file__).resolve().parent / "published"
GROUP = {"ff": "Table S3, A3C FF (Mnih et al. 2016)", "lstm": "Table S3, A3C LSTM (Mnih et al. 2016)"}
SCORE = "evaluation.json"
PAPER_THREADS = 16            # Supp. Sec. 8: 16 actor-learner threads (also the cpu profile's; cartpole: 8)
SMOKE_RUNS = (("ff", "pong"), ("ff", "breakout"), ("lstm", "pong"))
SMOKE_EVAL = ("--episodes", "1", "--max-episode-frames", "2000")


def games() -> list[str]:
    """The games of Table S3 as published/a3c_scores.csv names them ('space-invaders')."""
    return [row["game"] for row in read_published(PUBLISHED / "a3c_scores.csv")]


def _game(network: str, game: str, profile: str, threads: int, evaluate=()) -> Experiment:
    env = game.replace("-", "_")                    # the ale-py ROM id
    train = ("papers.a3c.train", "--profile", profile, "--set", f"env={env}", "--set", f"network={network}",
             "--seed", "0", "--run-dir", RUN_DIR)
    return Experiment("a3c", f"{profile}/{network}/{env}-seed0",
                      (train, ("papers.a3c.evaluate", "--run-dir", RUN_DIR, *evaluate)),
                      GROUP[network], game, done=SCORE, metric=f"{SCORE}:mean_return", cpus=threads)


def experiments(budget: str) -> list[Experiment]:
    if budget == "paper":
        return [_game(network, game, "paper", PAPER_THREADS) for network in GROUP for game in games()]
    if budget == "smoke":
        return [_game(network, game, "smoke", 2, SMOKE_EVAL) for network, game in SMOKE_RUNS]
    from papers.a3c.reproduce import METHODS, cartpole_args
    checks = [Experiment("a3c", f"cartpole-{m}-seed0", (("papers.a3c.train", *cartpole_args(m, "cpu"),
                                                        "--run-dir", RUN_DIR),),
                         "CartPole-v1 check", m, metric="summary.json:solved", cpus=8) for m in METHODS]
    pong = Experiment("a3c", "pong-cpu-seed0", (("papers.a3c.train", "--profile", "cpu", "--run-dir", RUN_DIR),
                                                ("papers.a3c.evaluate", "--run-dir", RUN_DIR)),
                      "Pong, CPU scale", "pong", done=SCORE, metric=f"{SCORE}:mean_return", cpus=PAPER_THREADS)
    return checks + [pong]
