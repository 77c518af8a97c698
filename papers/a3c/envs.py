"""Mnih et al. 2016 (A3C): the environments one actor-learner thread drives.

Atari uses the DQN preprocessing shared with the DQN reproduction (`common/atari.py`: action
repeat 4, max-pool of two frames, 84x84 luminance, up to 30 no-ops, 4-frame history);
CartPole-v1 (gymnasium) is a quick algorithm check. Both give the learner the same view:
`reset() -> state`, `step(a) -> Transition` with the learner's reward and terminal flag kept
apart from the reported (raw) episode return and the episode's end.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from common.atari import AtariEnv, AtariError, FrameHistory
from common.errors import UserError

CARTPOLE = "CartPole-v1"


class EnvError(UserError, ValueError):
    """An unknown environment; the message is one line for the user."""


class Transition(NamedTuple):
    state: np.ndarray      # s_{t+1}
    reward: float          # the learner's reward (clipped on Atari when clip_rewards)
    terminal: bool         # the learner's terminal: no bootstrapping past s_{t+1}
    episode_end: bool      # the reported episode ended (terminal, game over or time limit)
    frames: int            # frames this step consumed (4 on Atari, 1 on CartPole)
    episode_return: float  # raw return of the episode so far


class AtariTask:
    def __init__(self, game: str, seed: int, cfg, max_episode_frames: int | None = None):
        kw = {} if max_episode_frames is None else {"max_episode_frames": max_episode_frames}
        try:
            self.env = AtariEnv(game, seed=seed, action_repeat=cfg.action_repeat,
                                noop_max=cfg.noop_max, **kw)
        except AtariError as e:
            raise EnvError(f"{e} (or {CARTPOLE})") from None
        self.history = FrameHistory(cfg.history)
        self.clip, self.life_terminal = cfg.clip_rewards, cfg.terminal_on_life_loss
        self.n_actions = self.env.n_actions
        self.obs_shape = (84, 84, cfg.history)

    def reset(self) -> np.ndarray:
        return self.history.reset(self.env.reset()).copy()

    def step(self, action: int) -> Transition:
        frames0 = self.env.frames
        s = self.env.step(action)
        reward = float(np.sign(s.reward)) if self.clip else s.reward
        terminal = s.game_over or (self.life_terminal and s.life_lost)
        return Transition(self.history.push(s.frame).copy(), reward, terminal,
                          s.game_over or s.truncated, self.env.frames - frames0, self.env.episode_return)


class CartPoleTask:
    def __init__(self, seed: int):
        import gymnasium as gym
        self.env = gym.make(CARTPOLE)
        self._seed = seed
        self.n_actions = int(self.env.action_space.n)
        self.obs_shape = tuple(self.env.observation_space.shape)
        self._return = 0.0

    def reset(self) -> np.ndarray:
        obs, _ = self.env.reset(seed=self._seed)
        self._seed = None                    # seed once; later resets continue the stream
        self._return = 0.0
        return obs.astype(np.float32)

    def step(self, action: int) -> Transition:
        obs, reward, terminated, truncated, _ = self.env.step(action)
        self._return += float(reward)
        return Transition(obs.astype(np.float32), float(reward), bool(terminated),
                          bool(terminated or truncated), 1, self._return)


def make_task(cfg, seed: int, max_episode_frames: int | None = None):
    """The environment named by cfg.env: CartPole-v1 or an Atari ROM id."""
    if cfg.env.lower().startswith("cartpole"):
        if cfg.env != CARTPOLE:
            raise EnvError(f"unknown environment '{cfg.env}'; use {CARTPOLE} or an Atari game id")
        return CartPoleTask(seed)
    return AtariTask(cfg.env, seed, cfg, max_episode_frames)
