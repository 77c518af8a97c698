"""The Atari evaluation protocol that papers/dqn/evaluate.py and papers/a3c/evaluate.py share.

Mnih et al. 2015 (Nature), Methods 'Evaluation procedure': each game is played from the start
with up to 30 no-op actions (a random number, drawn per game), epsilon-greedy with epsilon 0.05,
for 30 games, each capped at 5 minutes of play (18,000 emulator frames at 60 Hz). We add two
rules the paper implies: a game is the full game (losing a life does not end it) and the score
is the raw game score (no reward clipping). The evaluation seed (no-op counts, epsilon draws) is
fixed, so the same checkpoint gives the same score.

A3C (Mnih et al. 2016) scored Atari from 100 human starts that were never published; its
evaluate.py uses this protocol instead, with the agent's own policy where the agent is an
actor-critic (it samples from pi; epsilon applies to the value-based agents).

Learning shown (one criterion for both papers): the final score is above the random agent's by
more than 2 standard errors of the mean, mean > random + 2 * std / sqrt(games). Chosen over a
fixed margin in points (say, "at least 2 points above random") because it scales with the spread of the scores and the number of games: the same rule holds for a game
scored in units (Pong) or in thousands (Breakout, Seaquest), and with 30 games it is a one-sided
test at about the 2% level that the agent beats random play.
"""

from __future__ import annotations

import argparse
import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Protocol:
    epsilon: float = 0.05            # Mnih 2015 Methods: epsilon-greedy with epsilon 0.05
    games: int = 30                  # Mnih 2015 Methods: 30 games per evaluation
    noop_max: int = 30               # Mnih 2015 Methods: up to 30 no-op actions at the start
    max_episode_frames: int = 18_000  # Mnih 2015 Methods: 5 minutes at 60 Hz (emulator frames)
    seed: int = 12345                # ours: evaluation seed (no-op counts, epsilon draws)

    def describe(self) -> str:
        """The protocol in one clause, as the reports show it."""
        return (f"epsilon {self.epsilon:g}, {self.games} games, each starting with up to {self.noop_max} "
                f"no-op actions, each capped at {self.max_episode_frames:,} emulator frames "
                f"({self.max_episode_frames / 3600:g} minutes), full games (a lost life does not end the "
                f"game), raw game score (no reward clipping); evaluation seed {self.seed}")

    def short(self) -> str:
        """The protocol in a few words (evidence.json)."""
        return (f"eps {self.epsilon:g}, {self.games} games, up to {self.noop_max} no-ops, "
                f"{self.max_episode_frames:,} frames")


NATURE = Protocol()

#: the criterion of learning_shown(), as the reports state it
LEARNING_CRITERION = "final score above random by more than 2 standard errors"

#: the keys of an evaluation summary that this protocol defines (each evaluate.py adds its own
#: checkpoint key: DQN's agent_steps, A3C's checkpoint_env_frames)
SUMMARY_KEYS = ("episodes", "epsilon", "max_episode_frames", "seed", "mean_return", "std_return",
                "min_return", "max_return")


def add_flags(ap: argparse.ArgumentParser, protocol: Protocol = NATURE, *, games_default="protocol") -> None:
    """--episodes, --epsilon, --max-frames (alias --max-episode-frames), --seed, defaults from
    `protocol` (games_default: another default for --episodes, e.g. None = the run's own)."""
    games = protocol.games if games_default == "protocol" else games_default
    ap.add_argument("--episodes", type=int, default=games, help=f"games (protocol: {protocol.games})")
    ap.add_argument("--epsilon", type=float, default=protocol.epsilon,
                    help=f"epsilon of epsilon-greedy agents (protocol: {protocol.epsilon:g})")
    ap.add_argument("--max-frames", "--max-episode-frames", dest="max_frames", type=int,
                    default=protocol.max_episode_frames,
                    help=f"game cap in emulator frames (protocol: {protocol.max_episode_frames:,})")
    ap.add_argument("--seed", type=int, default=protocol.seed,
                    help=f"evaluation seed: no-op counts, epsilon draws (protocol: {protocol.seed})")


def summary(returns, *, episodes_cap: int, epsilon: float, seed: int) -> dict:
    """The protocol's keys (SUMMARY_KEYS) of an evaluation with these raw game scores."""
    returns = np.asarray(returns, dtype=float)
    return {"episodes": len(returns), "epsilon": epsilon, "max_episode_frames": episodes_cap, "seed": seed,
            "mean_return": float(returns.mean()), "std_return": float(returns.std()),
            "min_return": float(returns.min()), "max_return": float(returns.max())}


def learning_shown(mean: float, std: float, episodes: int, random_score: float) -> bool:
    """LEARNING_CRITERION: mean > random + 2 std / sqrt(episodes) (std: population, numpy's default)."""
    return bool(mean - random_score > 2 * std / math.sqrt(episodes))
