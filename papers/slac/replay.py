"""Sequence replay for SLAC (Lee et al. 2020): stores each 64x64x3 frame once, per agent step,
and samples windows of 8+1 consecutive steps that never cross an episode end or the write
cursor (the Dopamine rule), as the official code's tf_agents sequence sampling does.

Entry i holds (x_i, a_i, r_i, d_i): the frame, the action taken at it, the reward and discount
that followed. An episode's final frame is stored with a zero action; a window may end on it
(its action/reward are unused) but never continue past it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class SequenceReplay:
    def __init__(self, capacity: int, image_shape, action_size: int, window: int):
        self.capacity, self.window = capacity, window
        self.images = np.zeros((capacity,) + tuple(image_shape), np.uint8)
        self.actions = np.zeros((capacity, action_size), np.float32)
        self.rewards = np.zeros(capacity, np.float32)
        self.discounts = np.zeros(capacity, np.float32)
        self.episode = np.full(capacity, -1, np.int64)   # episode id of each entry
        self.stamp = np.full(capacity, -1, np.int64)     # global write counter of each entry
        self.written = 0                                 # entries ever written
        self.episode_id = 0

    def __len__(self):
        return min(self.written, self.capacity)

    def add(self, image, action, reward: float, discount: float) -> None:
        i = self.written % self.capacity
        self.images[i], self.actions[i] = image, action
        self.rewards[i], self.discounts[i] = reward, discount
        self.episode[i], self.stamp[i] = self.episode_id, self.written
        self.written += 1

    def end_episode(self, final_image=None) -> None:
        """Close the current episode (storing its final frame, if given); the next add starts
        a new one, which no window will join to this one."""
        if final_image is not None:
            self.add(final_image, np.zeros_like(self.actions[0]), 0.0, 0.0)
        self.episode_id += 1

    def valid_starts(self, starts: np.ndarray) -> np.ndarray:
        """True where the window starting at physical index `starts` lies inside one episode
        and was written consecutively (so it neither wraps the cursor nor crosses an end)."""
        idx = (starts[:, None] + np.arange(self.window)) % self.capacity
        same_episode = (self.episode[idx] == self.episode[idx[:, :1]]).all(1)
        consecutive = (self.stamp[idx] == self.stamp[idx[:, :1]] + np.arange(self.window)).all(1)
        return same_episode & consecutive & (self.stamp[starts] >= 0)

    def sample(self, batch: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """`batch` windows drawn uniformly among the valid ones (rejection sampling)."""
        chosen = np.empty(0, np.int64)
        for _ in range(1000):
            cand = rng.integers(0, len(self), size=2 * batch)
            chosen = np.concatenate([chosen, cand[self.valid_starts(cand)]])
            if len(chosen) >= batch:
                break
        else:
            raise RuntimeError(f"replay holds no window of {self.window} steps inside one episode")
        idx = (chosen[:batch, None] + np.arange(self.window)) % self.capacity
        return {"images": self.images[idx], "actions": self.actions[idx],
                "rewards": self.rewards[idx], "discounts": self.discounts[idx]}

    # ------------------------------------------------------------------ checkpoint files
    def save(self, folder: Path) -> None:
        n = len(self)
        np.savez(Path(folder) / "replay.npz", images=self.images[:n], actions=self.actions[:n],
                 rewards=self.rewards[:n], discounts=self.discounts[:n], episode=self.episode[:n],
                 stamp=self.stamp[:n], counters=np.array([self.written, self.episode_id]))

    def load(self, folder: Path) -> None:
        with np.load(Path(folder) / "replay.npz") as f:
            n = len(f["stamp"])
            for name in ("images", "actions", "rewards", "discounts", "episode", "stamp"):
                getattr(self, name)[:n] = f[name]
            self.written, self.episode_id = (int(v) for v in f["counters"])
        self.end_episode()  # the interrupted episode is not continued
