"""papers/slac/config.py: the official code's values (Lee et al. 2020) pinned; profiles declared."""

import math

import pytest

from common.config import ConfigError, build, paper_value
from common.dmc import TASKS, EnvError
from papers.slac.config import ACTION_REPEAT, PROFILES, SlacConfig, action_repeat


def test_official_values():
    c = SlacConfig()
    assert (c.latent1_size, c.latent2_size, c.base_depth, c.sequence_length) == (32, 256, 32, 8)
    assert (c.model_batch_size, c.ac_batch_size) == (32, 256)
    assert (c.model_learning_rate, c.actor_learning_rate, c.critic_learning_rate,
            c.alpha_learning_rate) == (1e-4, 3e-4, 3e-4, 3e-4)
    assert (c.gamma, c.tau, c.hidden_units, c.image_size) == (0.99, 0.005, 256, 64)
    assert (c.replay_capacity, c.initial_collect_steps, c.initial_model_train_steps) == (
        100_000, 10_000, 100_000)
    assert (c.eval_interval, c.eval_episodes) == (10_000, 10)
    assert c.decoder_stddev == pytest.approx(math.sqrt(0.1))
    assert c.compute_dtype == "float32"


def test_action_repeats_are_the_published_curves():
    """The action_repeat column of the official per-task curves (finger spin: 1, not the gin's 2)."""
    assert {t: action_repeat(t) for t in ACTION_REPEAT} == {
        "cheetah_run": 4, "walker_walk": 2, "ball_in_cup_catch": 4, "finger_spin": 1,
        "cartpole_swingup": 4, "reacher_easy": 4}
    assert set(ACTION_REPEAT) == set(TASKS)             # every task of the paper has an environment
    with pytest.raises(EnvError, match="unknown DM Control task 'cartpole'"):
        action_repeat("cartpole")


def test_paper_profile_only_deviates_in_rendering():
    cfg, devs = build(SlacConfig, PROFILES, "paper")
    assert [d.field for d in devs] == ["render"]
    assert paper_value(SlacConfig, "render") == "default"


def test_cpu_profile_declares_every_cut_with_a_reason():
    cfg, devs = build(SlacConfig, PROFILES, "cpu")
    fields = {d.field for d in devs}
    assert {"initial_model_train_steps", "model_learning_rate", "input_standardization", "train_agent_steps",
            "model_batch_size", "ac_batch_size"} <= fields
    assert cfg.compute_dtype == "float32"  # bf16 rounding is as large as the frame-to-frame signal
    assert "initial_collect_steps" not in fields  # the official 10,000 random steps
    assert all(d.reason and "profile 'cpu'" not in d.reason for d in devs if d.field != "render")
    assert cfg.task == "cartpole_swingup"


def test_unknown_task_is_rejected():
    with pytest.raises(ConfigError, match="task"):
        build(SlacConfig, PROFILES, "paper", {"task": "pong"})
