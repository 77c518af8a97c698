"""Environments the DQN agent runs on: Atari games through common/atari.py (Mnih et al. 2015
preprocessing), and CartPole-v1 for the algorithm check, behind the same small interface:

    env.reset() -> newest observation        env.step(a) -> AtariStep(frame, reward, life_lost,
    env.n_actions, env.frames, env.episode_return                       game_over, truncated)

plus the agent's state history for each (`FrameHistory` for 84x84 frames, `VectorHistory` for
CartPole's 4 numbers), and the state shape/dtype the networks and the replay memory use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from common.atari import AtariEnv, AtariStep, FrameHistory
from papers.dqn.config import action_repeat

CARTPOLE = "cartpole-v1"


def is_cartpole(env_name: str) -> bool:
    return env_name.lower() == CARTPOLE


class CartPoleEnv:
    """gymnasium CartPole-v1 with AtariEnv's interface (one agent step = one frame, no lives)."""

    def __init__(self, seed: int, max_episode_frames: int = 500):
        import gymnasium as gym
        self._gym = gym.make("CartPole-v1", max_episode_steps=max_episode_frames)
        self._seed = seed
        self.n_actions = int(self._gym.action_space.n)
        self.frames = 0
        self.episode_frames = 0
        self.episode_return = 0.0

    def reset(self) -> np.ndarray:
        obs, _ = self._gym.reset(seed=self._seed)
        self._seed = None            # seed only the first episode; later ones continue the stream
        self.episode_frames, self.episode_return = 0, 0.0
        return obs.astype(np.float32)

    def step(self, action: int) -> AtariStep:
        obs, reward, terminated, truncated, _ = self._gym.step(action)
        self.frames += 1
        self.episode_frames += 1
        self.episode_return += float(reward)
        return AtariStep(obs.astype(np.float32), float(reward), False, bool(terminated),
                         bool(truncated and not terminated))

    def close(self) -> None:
        self._gym.close()


@dataclass
class VectorHistory(FrameHistory):
    """FrameHistory for vector observations: shape (obs_dim, length), zeros at episode start."""
    obs_dim: int = 4

    def __post_init__(self):
        self.stack = np.zeros((self.obs_dim, self.length), np.float32)


def make_env(cfg, seed: int, max_episode_frames: int):
    """The environment named by cfg.env; an unknown name raises a one-line AtariError."""
    if is_cartpole(cfg.env):
        return CartPoleEnv(seed, max_episode_frames)
    return AtariEnv(cfg.env, seed=seed, action_repeat=action_repeat(cfg), screen=cfg.screen,
                    noop_max=cfg.noop_max, noop_unit=cfg.noop_unit,
                    sticky_action_prob=cfg.sticky_action_prob, max_episode_frames=max_episode_frames)


def observation_spec(cfg):
    """(observation shape, dtype) of one stored frame."""
    return ((4,), np.float32) if is_cartpole(cfg.env) else ((84, 84), np.uint8)


def state_spec(cfg):
    """(state shape, dtype): observation shape + (history_length,)."""
    shape, dtype = observation_spec(cfg)
    return shape + (cfg.history_length,), dtype


def make_history(cfg):
    if is_cartpole(cfg.env):
        return VectorHistory(cfg.history_length, observation_spec(cfg)[0][0])
    return FrameHistory(cfg.history_length)

