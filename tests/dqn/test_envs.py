"""envs.py / common/atari.py against the real emulator: which frames of an action repeat are
max-pooled. Mnih 2015, Methods 'Preprocessing': "to encode a single frame we take the maximum
value for each pixel colour value over the frame being encoded and the previous frame", i.e. the
last two emulator frames of the repeat (Lua `pool_frms type=max size=2`)."""

import ale_py
import numpy as np
import pytest

from common.atari import preprocess
from common.config import apply_overrides
from papers.dqn.config import NatureConfig
from papers.dqn.envs import make_env


def _emulator_frames(env, action: int) -> list[np.ndarray]:
    """The RGB screens of the emulator frames one agent step renders, got by stepping the ALE
    underneath `env` directly from a saved state, which is then put back (Pong with
    repeat_action_probability 0 is deterministic)."""
    saved = env.ale.cloneState()
    ale_action = ale_py.Action[env.action_meanings[action]]
    frames = []
    for _ in range(env.action_repeat):
        env.ale.act(ale_action)
        frames.append(env.ale.getScreenRGB())
    env.ale.restoreState(saved)
    return frames


@pytest.mark.parametrize("action_repeat", [4, 1])
def test_each_frame_is_the_max_of_the_last_two_emulator_frames(action_repeat):
    """With k = 4 the pool is over frames 3 and 4 of the repeat; with k = 1 over the step's frame
    and the previous step's. Alternatives (no pooling, the wrong pair, all k frames) are shown
    to differ on this game, so the test tells them apart."""
    cfg = apply_overrides(NatureConfig(), {"action_repeat": action_repeat, "noop_max": 0})
    env = make_env(cfg, seed=0, max_episode_frames=100_000)
    env.reset()
    screens = [env.ale.getScreenRGB()]                # every emulator frame so far, oldest first
    rng = np.random.default_rng(0)
    differs = {"newest frame only": 0, "the pair before": 0, "all frames of the repeat": 0}
    for _ in range(60):
        action = int(rng.integers(env.n_actions))
        frames = _emulator_frames(env, action)
        screens += frames
        out = env.step(action)
        np.testing.assert_array_equal(out.frame, preprocess(screens[-2], screens[-1]))
        differs["newest frame only"] += not np.array_equal(out.frame, preprocess(screens[-1], screens[-1]))
        if len(screens) >= 3:
            differs["the pair before"] += not np.array_equal(out.frame, preprocess(screens[-3], screens[-2]))
        pooled_all = preprocess(np.max(frames, axis=0), frames[-1])     # max over frames 1..k
        differs["all frames of the repeat"] += not np.array_equal(out.frame, pooled_all)
    assert env.frames == 60 * action_repeat
    assert differs["newest frame only"] > 0 and differs["the pair before"] > 0
    if action_repeat > 2:
        assert differs["all frames of the repeat"] > 0
