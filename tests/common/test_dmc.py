"""common/dmc.py: DM Control pixel environments for SLAC (Lee et al. 2020), rendered in a worker.

Checks: 64x64x3 uint8 frames, the action repeat (the summed reward and the step count match a
raw dm_control run repeated by hand), seeding, and one-line errors for bad requests.
The test process imports TensorFlow first, which is exactly the case that segfaults when
rendering with EGL in-process.
"""

import numpy as np
import pytest
import tensorflow as tf  # noqa: F401 -- imported on purpose: the worker must survive it

from common import dmc


@pytest.mark.filterwarnings("ignore:.*DISPLAY")  # dm_control imports glfw; we never render here
def test_frames_and_action_repeat_match_raw_dm_control():
    actions = np.random.default_rng(0).uniform(-1, 1, size=(6, 1))
    with dmc.make("cartpole_swingup", seed=3, repeat=4) as env:
        assert env.repeat == 4 and env.max_episode_steps == 250
        assert env.action_spec.shape == (1,)
        obs = env.reset()
        assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8 and obs.std() > 0
        rewards = []
        for a in actions:
            obs2, r, last, discount = env.step(a)
            rewards.append(r)
            assert obs2.shape == (64, 64, 3) and obs2.dtype == np.uint8 and not last
        assert discount == 1.0
        assert not np.array_equal(obs, obs2)
    # the same seed, stepped by hand without the wrapper: 4 env steps per agent step
    from dm_control import suite
    raw = suite.load("cartpole", "swingup", task_kwargs={"random": 3})
    raw.reset()
    for a, r in zip(actions, rewards):
        expected = sum(raw.step(a).reward for _ in range(4))
        assert r == pytest.approx(expected, rel=1e-6)


def test_seeded_episodes_repeat_and_differ():
    with dmc.make("reacher_easy", seed=7, repeat=4, render="fast") as a, \
            dmc.make("reacher_easy", seed=7, repeat=4, render="fast") as b, \
            dmc.make("reacher_easy", seed=8, repeat=4, render="fast") as c:
        fa, fb, fc = a.reset(), b.reset(), c.reset()
        again = [a.reset(seed=11) for _ in range(2)]
        other = c.reset(seed=12)
    assert np.array_equal(fa, fb)
    assert not np.array_equal(fa, fc)
    assert np.array_equal(*again) and not np.array_equal(again[0], other)


def test_episode_ends_after_time_limit_over_repeat():
    with dmc.make("cartpole_swingup", seed=0, render="fast", repeat=8) as env:
        env.reset()
        steps, last = 0, False
        while not last:
            _, _, last, _ = env.step([0.0])
            steps += 1
    assert steps == 125 == env.max_episode_steps


def test_bad_requests_are_one_line_errors():
    with pytest.raises(dmc.EnvError, match="unknown DM Control task 'cartpole_swing'.*cartpole_swingup"):
        dmc.make("cartpole_swing", seed=0, repeat=4)
    with pytest.raises(dmc.EnvError, match="unknown render mode"):
        dmc.make("cartpole_swingup", seed=0, repeat=4, render="pretty")
