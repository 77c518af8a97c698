"""Experience replay memory of Mnih et al. 2015 (Methods 'experience replay'; Ext. Data Table 1:
1,000,000 transitions, minibatches of 32 drawn uniformly).

Each preprocessed 84x84 uint8 frame is stored ONCE (7,056 bytes), with the action taken after it,
the (clipped) reward, and two flags; the 4-frame states are rebuilt at sample time. Layout of slot t:

    obs[t]          newest frame of state s_t (the frame the agent saw before acting)
    action[t]       a_t                       reward[t]  r_t (clipped by the caller)
    terminal[t]     s_{t+1} is terminal for the learner (game over or, in Nature, a life lost):
                    no bootstrap from it
    episode_end[t]  the agent's episode ended after t (terminal, or cut by the frame cap / resume):
                    states never look back across it

A state s_t = (obs[t-3], .., obs[t]) (returned history-first, (B, 4, 84, 84)); frames that belong to
an earlier episode are replaced by zeros, as the Lua TransitionTable does and as the acting path's
`FrameHistory` starts each episode (so training and acting see the same states).
s_{t+1} = (obs[t-2], .., obs[t+1]). A slot t is sampled only if both of its states can be rebuilt:
  * t is not the newest slot (its next frame is not written yet, the write cursor);
  * if the memory has wrapped, the frames t-3..t-1 do not reach behind the cursor into the newest
    data (Dopamine's rule);
  * t is not an episode end without a terminal (its next frame was never stored).

Checkpoints (`save` / `load`) store the written slots uncompressed, one .npy file per array in a
directory, so that a full 1M-transition memory (7.06 GB) is written at disk speed and read back
into the arrays in place (`python -m papers.dqn.benchmark --replay-only` measures both).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

FORMAT = 1                 # meta.json "format": the layout documented in `ReplayMemory.load`
_CHUNK = 64 * 2**20        # bytes per read() call when loading


class ReplayError(ValueError):
    """A saved replay memory does not fit this one; the message is one line."""


class ReplayMemory:
    def __init__(self, capacity: int, obs_shape=(84, 84), obs_dtype=np.uint8, history: int = 4):
        if capacity <= history:
            raise ReplayError(f"replay capacity {capacity} must exceed the history length {history}")
        self.capacity, self.history = capacity, history
        self.obs_shape, self.obs_dtype = tuple(obs_shape), np.dtype(obs_dtype)
        self.obs = np.zeros((capacity,) + self.obs_shape, self.obs_dtype)
        self.action = np.zeros(capacity, np.uint8)
        self.reward = np.zeros(capacity, np.float32)
        self.terminal = np.zeros(capacity, np.bool_)
        self.episode_end = np.zeros(capacity, np.bool_)
        self.cursor = 0      # the next slot to write
        self.count = 0       # slots written so far (<= capacity)

    # ------------------------------------------------------------------ size
    @property
    def bytes_per_transition(self) -> int:
        return sum(a.nbytes for a in self._arrays().values()) // self.capacity

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._arrays().values())

    def describe(self) -> str:
        return (f"replay memory: {self.capacity:,} transitions x {self.bytes_per_transition:,} bytes "
                f"= {self.nbytes / 1e9:.2f} GB ({self.obs.nbytes / 1e9:.2f} GB of frames "
                f"{'x'.join(map(str, self.obs_shape))} {self.obs_dtype.name}, each stored once)")

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"obs": self.obs, "action": self.action, "reward": self.reward,
                "terminal": self.terminal, "episode_end": self.episode_end}

    def __len__(self) -> int:
        return self.count

    # ------------------------------------------------------------------ writing
    def add(self, obs, action: int, reward: float, terminal: bool, episode_end: bool) -> None:
        """Store (o_t, a_t, r_t) and the flags of what followed; `terminal` implies `episode_end`."""
        t = self.cursor
        self.obs[t] = obs
        self.action[t] = action
        self.reward[t] = reward
        self.terminal[t] = terminal
        self.episode_end[t] = episode_end or terminal
        self.cursor = (t + 1) % self.capacity
        self.count = min(self.count + 1, self.capacity)

    def end_episode(self) -> None:
        """Cut the episode after the newest slot (a resumed run starts a new game)."""
        if self.count:
            self.episode_end[(self.cursor - 1) % self.capacity] = True

    # ------------------------------------------------------------------ reading
    def valid(self, t: np.ndarray) -> np.ndarray:
        """Which slots can be sampled (see the module docstring)."""
        t = np.asarray(t)
        ok = (t >= 0) & (t < self.count) & (t != (self.cursor - 1) % self.capacity)
        ok &= ~(self.episode_end[t % self.capacity] & ~self.terminal[t % self.capacity])
        if self.count == self.capacity:   # wrapped: the stack must not reach the newest data
            ok &= (t - self.cursor) % self.capacity >= self.history - 1
        return ok

    def states(self, t: np.ndarray) -> np.ndarray:
        """The states s_t of slots t, history first: (B, history, *obs_shape), zeros before an
        episode start. (The learner moves the history axis last, NHWC, inside its graph: a numpy
        transpose here cost more than the gather.)"""
        t = np.asarray(t)
        offsets = np.arange(-(self.history - 1), 1)
        absolute = t[:, None] + offsets                               # (B, h)
        idx = absolute % self.capacity
        frames = self.obs[idx]                                        # (B, h, *obs_shape)
        ends = self.episode_end[idx[:, :-1]]                          # an end before the newest
        crossed = np.flip(np.logical_or.accumulate(np.flip(ends, 1), axis=1), 1)
        keep = np.concatenate([~crossed, np.ones((len(t), 1), bool)], axis=1)
        if self.count < self.capacity:
            keep &= absolute >= 0                                     # before the first episode
        if not keep.all():
            frames[~keep] = 0
        return frames

    def sample_indices(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform over the valid slots (rejection sampling, as Dopamine)."""
        if self.count <= self.history:
            raise ReplayError(f"cannot sample from a replay memory holding {self.count} transitions")
        chosen = np.empty(0, np.int64)
        while len(chosen) < batch_size:
            candidates = rng.integers(0, self.count, size=2 * batch_size)
            chosen = np.concatenate([chosen, candidates[self.valid(candidates)]])
        return chosen[:batch_size]

    def sample(self, batch_size: int, rng: np.random.Generator):
        """A minibatch (s, a, r, s', terminal) of uniformly drawn valid transitions."""
        t = self.sample_indices(batch_size, rng)
        return (self.states(t), self.action[t].astype(np.int32), self.reward[t],
                self.states((t + 1) % self.capacity), self.terminal[t])

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path) -> None:
        """Write the memory to the directory `folder` (format in `load`). The files go to
        `<folder>.partial` first, which is renamed to `folder` once complete, so `folder` never
        holds half a memory."""
        folder = Path(folder)
        partial = folder.with_name(folder.name + ".partial")
        if partial.exists():                               # left by an interrupted save
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        n = self.count
        for key, array in self._arrays().items():
            np.save(partial / f"{key}.npy", array[:n])      # raw bytes: no compression, no copy
        meta = {"format": FORMAT, "capacity": self.capacity, "history": self.history,
                "cursor": self.cursor, "count": n, "obs_shape": list(self.obs_shape),
                "obs_dtype": self.obs_dtype.str}
        (partial / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        if folder.exists():                                # an older save at the same place
            shutil.rmtree(folder)
        os.replace(partial, folder)

    def load(self, folder: Path) -> None:
        """Read a memory written by `save` into this one's arrays.

        On disk, `folder/` holds
            meta.json        capacity, history, cursor, count, obs_shape, obs_dtype, format
            obs.npy          the first `count` slots of each array, one standard .npy file each
            action.npy       (numpy's format: a short header, then the raw C-order bytes)
            reward.npy
            terminal.npy
            episode_end.npy
        Each file is read straight into the slots of the preallocated array (`readinto`, in
        chunks), so loading never holds a second copy of the memory."""
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text())
        if (meta["capacity"] != self.capacity or tuple(meta["obs_shape"]) != self.obs_shape
                or np.dtype(meta["obs_dtype"]) != self.obs_dtype or meta["history"] != self.history):
            raise ReplayError(f"{folder} holds a replay memory of capacity {meta['capacity']}, "
                              f"history {meta['history']} and frames {tuple(meta['obs_shape'])} "
                              f"{np.dtype(meta['obs_dtype']).name}, not {self.capacity}, "
                              f"{self.history} and {self.obs_shape} {self.obs_dtype.name}")
        n = int(meta["count"])
        for key, array in self._arrays().items():
            _read_npy_into(folder / f"{key}.npy", array[:n])
        self.cursor, self.count = int(meta["cursor"]), n


def _read_npy_into(path: Path, out: np.ndarray) -> None:
    """Fill the C-contiguous array `out` from the .npy file `path`, which must hold exactly its
    shape and dtype."""
    with open(path, "rb", buffering=0) as f:
        version = np.lib.format.read_magic(f)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran_order, dtype = read_header(f)
        if shape != out.shape or dtype != out.dtype or fortran_order:
            raise ReplayError(f"{path} holds an array {shape} {dtype}, not {out.shape} {out.dtype}")
        view = memoryview(out.reshape(-1).view(np.uint8))
        done = 0
        while done < len(view):
            got = f.readinto(view[done:done + _CHUNK])
            if not got:
                raise ReplayError(f"{path} ends after {done:,} of {len(view):,} bytes")
            done += got
