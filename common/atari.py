"""Atari 2600 games with the DQN papers' preprocessing, done explicitly (shared by DQN and A3C).

Mnih et al. 2015 (Nature), Methods "Preprocessing" and Ext. Data Table 1; Mnih et al. 2013, Sec. 4.1;
the official Lua code (deepmind/dqn@9d9b1d13a2 `dqn/Scale.lua`, deepmind/alewrap@5d526497a0
`alewrap/GameEnvironment.lua`):

  * The emulator runs with no frame skipping underneath (`frameskip=1`); we repeat each action
    ourselves (`action_repeat`, k=4) and sum the raw rewards of the repeated frames. Sticky actions
    (Machado et al. 2018) are ALE's own `repeat_action_probability`: 0 in the DQN papers, 0.25 in
    Dopamine's experiments (`sticky_action_prob`).
  * Flicker: the encoded frame is the per-pixel, per-colour maximum of the last two frames.
  * Luminance: Y = 0.299 R + 0.587 G + 0.114 B (`image.rgb2y` in the Lua code; OpenCV's RGB2GRAY).
  * Nature: the whole 210x160 frame is shrunk to 84x84 by area averaging. The Lua code calls
    torch `image.scale(x, 84, 84, 'bilinear')`, whose shrinking branch averages every source pixel
    a target pixel covers, with fractional weights at the edges (torch/image@5aa18819b6
    `generic/image.c` scaleLinear_rowcol, `dst_len < src_len`): OpenCV's INTER_AREA.
    NIPS 2013: rescaled to 110x84 (bilinear, cv2.INTER_LINEAR as spragunr/deep_q_rl
    `ale_experiment.py`), then an 84x84 crop of the playing area (rows 18..101, that code's crop;
    the paper only says "roughly captures the playing area").
    Dopamine (google/dopamine@5873f5494e `dopamine/discrete_domains/atari_lib.py`
    AtariPreprocessing): ALE's grayscale screen of each frame, the maximum of the two grayscale
    frames, INTER_AREA to 84x84.
  * No-op starts: 1..`noop_max` no-ops drawn uniformly at the start of each game. Mnih 2015, Ext.
    Data Table 1: "do nothing" actions performed by the agent (agent steps of k frames,
    `noop_unit="agent_steps"`); the Lua `nextRandomGame(k)` plays them as single emulator frames
    (k + 1 frames of action 0 after the game starts, `noop_unit="emulator_frames"`) and the
    training loop calls it again after every lost life (the learner's `noop_after_life_loss`).
  * The minimal action set of each game (e.g. 4 actions for Breakout).
  * Life loss is reported separately from game over: learners may treat it as terminal, the
    reported score is always the raw full-game score. Reward clipping is the learner's business.

`AtariEnv` drives `ale_py` through the gymnasium environment's ALE interface (gymnasium supplies the
ROM, the seeding and the minimal action set), which avoids copying a screen for every frame.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from common.errors import UserError

SCREEN_SIZE = 84
NIPS_RESIZE_HEIGHT, NIPS_CROP_TOP = 110, 18   # 110x84 then rows 18..101 (spragunr/deep_q_rl)
NATURE_EPISODE_FRAMES = 108_000               # 30 min at 60 Hz: training episode cap (emulator frames)


class AtariError(UserError, ValueError):
    """An unknown game or bad setting; the message is one line for the user."""


Screen = Literal["nature", "nips2013", "dopamine"]
SCREENS = ("nature", "nips2013", "dopamine")


def preprocess(prev: np.ndarray, last: np.ndarray, screen: Screen = "nature") -> np.ndarray:
    """Two consecutive frames -> one 84x84 uint8 luminance frame. Frames are 210x160x3 RGB for
    'nature' and 'nips2013' (max per colour, then Y) and 210x160 ALE grayscale for 'dopamine'
    (max of the two grayscale frames)."""
    import cv2
    if screen not in SCREENS:
        raise AtariError(f"unknown screen preprocessing '{screen}'; use one of {', '.join(SCREENS)}")
    pooled = np.maximum(prev, last)                              # flicker removal
    y = pooled if screen == "dopamine" else cv2.cvtColor(pooled, cv2.COLOR_RGB2GRAY)  # luminance Y
    if screen == "nips2013":
        small = cv2.resize(y, (SCREEN_SIZE, NIPS_RESIZE_HEIGHT), interpolation=cv2.INTER_LINEAR)
        return small[NIPS_CROP_TOP:NIPS_CROP_TOP + SCREEN_SIZE]
    return cv2.resize(y, (SCREEN_SIZE, SCREEN_SIZE), interpolation=cv2.INTER_AREA)


class AtariStep(NamedTuple):
    frame: np.ndarray   # 84x84 uint8, the newest preprocessed frame
    reward: float       # raw (unclipped) sum over the repeated frames
    life_lost: bool     # a life was lost during this step (game not over)
    game_over: bool     # the game ended: the end of the reported episode
    truncated: bool     # the episode hit its frame cap


def game_id(game: str) -> str:
    """'Pong', 'pong', 'ALE/Pong-v5' or 'space_invaders' -> ALE's ROM id ('pong')."""
    name = game.split("/")[-1]
    name = re.sub(r"(NoFrameskip)?-v\d+$", "", name)
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    from ale_py import roms
    known = roms.get_all_rom_ids()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise AtariError(f"unknown Atari game '{game}'; {hint}games are ale-py ROM ids such as "
                         f"pong, breakout, space_invaders (or ALE/Pong-v5)")
    return name


class AtariEnv:
    """One Atari game with the papers' preprocessing. Frames counts emulator frames."""

    def __init__(self, game: str, *, seed: int, action_repeat: int = 4, screen: Screen = "nature",
                 noop_max: int = 30, noop_unit: Literal["agent_steps", "emulator_frames"] = "agent_steps",
                 sticky_action_prob: float = 0.0, max_episode_frames: int = NATURE_EPISODE_FRAMES):
        import ale_py
        import gymnasium as gym
        if action_repeat < 1 or noop_max < 0 or not 0.0 <= sticky_action_prob <= 1.0:
            raise AtariError("action_repeat must be >= 1, noop_max >= 0 and sticky_action_prob in [0, 1]")
        if noop_unit not in ("agent_steps", "emulator_frames"):
            raise AtariError(f"unknown noop_unit '{noop_unit}'; use agent_steps or emulator_frames")
        self._gray = screen == "dopamine"             # ALE's grayscale screens instead of RGB
        frame_shape = (210, 160) if self._gray else (210, 160, 3)
        preprocess(np.zeros(frame_shape, np.uint8), np.zeros(frame_shape, np.uint8), screen)
        gym.register_envs(ale_py)
        rom = game_id(game)
        env_name = "ALE/" + "".join(part.capitalize() for part in rom.split("_")) + "-v5"
        self._gym = gym.make(env_name, frameskip=1, repeat_action_probability=sticky_action_prob,
                             full_action_space=False, max_num_frames_per_episode=max_episode_frames)
        self._gym.reset(seed=seed)
        self.game = rom
        self.ale = self._gym.unwrapped.ale
        self._actions = list(self._gym.unwrapped._action_set)   # the minimal action set
        self.action_meanings = self._gym.unwrapped.get_action_meanings()
        self.n_actions = len(self._actions)
        self.action_repeat, self.screen, self.noop_max = action_repeat, screen, noop_max
        self.noop_unit = noop_unit
        self.max_episode_frames = max_episode_frames
        self._rng = np.random.default_rng(seed)
        self._buffers = np.zeros((2,) + frame_shape, np.uint8)
        self.frames = 0                 # emulator frames since construction
        self.episode_frames = 0
        self.episode_return = 0.0       # raw score of the current game
        self._lives = 0

    def reset(self) -> np.ndarray:
        """Start a new game, play the random no-op start, return the first frame."""
        self.ale.reset_game()
        self.episode_frames, self.episode_return = 0, 0.0
        self._lives = self.ale.lives()
        self._grab(0)
        self._buffers[1] = self._buffers[0]
        out = self.noop_start()
        if out.game_over or out.truncated:
            return self.reset()
        return out.frame

    def noop_start(self) -> AtariStep:
        """Play 1..noop_max no-ops drawn uniformly (none when noop_max is 0): that many agent steps
        of action 0, or with noop_unit="emulator_frames" that many + 1 single emulator frames (Lua
        `nextRandomGame(k)`: the new game's first null frame, k - 1 more, then one more).
        Returns the resulting frame and what happened during the no-ops."""
        noops = int(self._rng.integers(1, self.noop_max + 1)) if self.noop_max else 0
        single_frames = self.noop_unit == "emulator_frames"
        repeat = 1 if single_frames else self.action_repeat
        out = AtariStep(self._frame(), 0.0, False, False, False)
        reward, life_lost = 0.0, False
        for _ in range(noops + 1 if single_frames and noops else noops):
            out = self._repeat(0, repeat)
            reward, life_lost = reward + out.reward, life_lost or out.life_lost
            if out.game_over or out.truncated:
                break
        return out._replace(reward=reward, life_lost=life_lost)

    def _frame(self) -> np.ndarray:
        """The preprocessed frame of the two screens in the buffers."""
        return preprocess(self._buffers[0], self._buffers[1], self.screen)

    def _grab(self, slot: int) -> None:
        """The current screen into buffer `slot`: RGB, or ALE's grayscale for screen='dopamine'."""
        if self._gray:
            self.ale.getScreenGrayscale(self._buffers[slot])
        else:
            self.ale.getScreenRGB(self._buffers[slot])

    def step(self, action: int) -> AtariStep:
        """Repeat `action` for action_repeat frames; max-pool the last two; preprocess."""
        return self._repeat(action, self.action_repeat)

    def _repeat(self, action: int, repeat: int) -> AtariStep:
        """Play `action` for `repeat` emulator frames; max-pool the last two; preprocess."""
        ale_action = self._actions[action]
        reward = 0.0
        self._buffers[0] = self._buffers[1]        # with repeat 1, pool with the previous frame
        for k in range(repeat):
            reward += self.ale.act(ale_action)
            self.frames += 1
            self.episode_frames += 1
            if k >= repeat - 2:
                self._grab(k - repeat + 2)
            if self.ale.game_over(with_truncation=False):
                if k < repeat - 1:                 # ended early: the final frame is the newest
                    self._grab(1)
                    if k < repeat - 2:
                        self._buffers[0] = self._buffers[1]
                break
        game_over = self.ale.game_over(with_truncation=False)   # the frame cap is not game over
        truncated = not game_over and self.episode_frames >= self.max_episode_frames
        lives = self.ale.lives()
        life_lost = lives < self._lives and not game_over
        self._lives = lives
        self.episode_return += reward
        return AtariStep(self._frame(), reward, life_lost, game_over, truncated)

    def close(self) -> None:
        self._gym.close()


@dataclass
class FrameHistory:
    """The agent's state: the last `length` frames, stacked on the channel axis (84x84xlength,
    NHWC). A new agent episode starts from zero frames, as the replay memory's stacks do."""
    length: int = 4

    def __post_init__(self):
        self.stack = np.zeros((SCREEN_SIZE, SCREEN_SIZE, self.length), np.uint8)

    def reset(self, frame: np.ndarray) -> np.ndarray:
        self.stack[:] = 0
        return self.push(frame)

    def push(self, frame: np.ndarray) -> np.ndarray:
        self.stack[..., :-1] = self.stack[..., 1:]
        self.stack[..., -1] = frame
        return self.stack
