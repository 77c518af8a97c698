"""config.py pins the Nature paper's Ext. Data Table 1 and the profiles' shape."""

import dataclasses

import pytest

from common.config import ConfigError, apply_overrides, build, paper_value
from papers.dqn.config import PROFILES, NatureConfig, Nips2013Config, config_class


def test_nature_defaults_are_ext_data_table_1():
    cfg = NatureConfig()
    table = {"batch_size": 32, "replay_capacity": 1_000_000, "history_length": 4,
             "target_update_period": 10_000, "gamma": 0.99, "action_repeat": 4, "update_period": 4,
             "learning_rate": 2.5e-4, "rms_decay": 0.95, "rms_epsilon": 0.01, "eps_start": 1.0,
             "eps_end": 0.1, "eps_decay_steps": 1_000_000, "replay_start": 50_000, "noop_max": 30,
             "eval_epsilon": 0.05, "eval_episodes": 30, "eval_episode_frames": 18_000,
             "clip_delta": 1.0, "optimizer": "deepmind_rmsprop", "network": "nature",
             "screen": "nature", "total_agent_steps": 12_500_000}
    assert {k: getattr(cfg, k) for k in table} == table
    assert paper_value(cfg, "precision") == "float32"


def test_every_field_has_a_source_and_step_counts_have_units():
    for f in dataclasses.fields(NatureConfig):
        assert f.metadata["source"], f.name
        if f.name.endswith(("_steps", "_period", "_frames", "capacity")) or f.name == "replay_start":
            assert f.metadata["unit"], f.name


def test_paper_alias_and_nips2013():
    nature, devs = build(NatureConfig, PROFILES, "nature")
    paper, _ = build(NatureConfig, PROFILES, "paper")
    assert nature == paper
    assert devs == []                                   # exact: no deviation at all
    nips, devs = build(config_class("nips2013"), PROFILES, "nips2013")
    assert isinstance(nips, Nips2013Config)
    assert (nips.network, nips.screen, nips.target_update_period) == ("nips2013", "nips2013", 0)
    assert devs == []


@pytest.mark.parametrize("profile", ["nature", "paper", "nips2013"])
def test_paper_profiles_train_in_float32(profile):
    cfg, _ = build(config_class(profile), PROFILES, profile)
    assert cfg.precision == "float32" == paper_value(cfg, "precision")


def test_cpu_profile_declares_bfloat16_as_a_deviation():
    cfg, devs = build(NatureConfig, PROFILES, "cpu")
    assert cfg.precision == "mixed_bfloat16"
    (dev,) = [d for d in devs if d.field == "precision"]
    assert (dev.paper, dev.ours) == ("float32", "mixed_bfloat16")
    assert "1.4x faster" in dev.reason


def test_cpu_profile_keeps_the_nature_learner_and_declares_its_cuts():
    cpu, devs = build(NatureConfig, PROFILES, "cpu")
    for name in ("network", "optimizer", "learning_rate", "rms_decay", "rms_epsilon", "batch_size",
                 "gamma", "update_period", "clip_delta", "loss_reduction", "action_repeat", "eps_end"):
        assert getattr(cpu, name) == getattr(NatureConfig(), name), name
    reasons = {d.field: d.reason for d in devs}
    assert set(PROFILES["cpu"].overrides) <= set(reasons)
    assert all(reasons[k] for k in reasons)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_builds(profile):
    cfg, _ = build(config_class(profile), PROFILES, profile)
    assert cfg.total_agent_steps > cfg.replay_start


@pytest.mark.parametrize("profile", ["nature", "paper", "nips2013"])
def test_later_variants_are_off_in_the_papers_and_set_from_the_command_line(profile):
    cfg, _ = build(config_class(profile), PROFILES, profile)
    assert (cfg.double_q, cfg.dueling) == (False, False)       # Mnih 2013/2015: neither
    on, devs = build(config_class(profile), PROFILES, profile, {"dueling": "true"})
    assert on.dueling is True
    assert [(d.field, d.paper, d.ours) for d in devs] == [("dueling", False, True)]


def test_double_q_is_refused_without_a_target_network():
    """Mnih 2013 has no target network (target_update_period 0): Eq. 4 of van Hasselt 2016 has
    nothing to value the online argmax with, so the config refuses it in one line."""
    on, _ = build(NatureConfig, PROFILES, "nature", {"double_q": "true"})
    assert on.double_q is True
    with pytest.raises(ConfigError, match=r"^double_q needs a target network .* but "
                                          r"target_update_period is 0") as e:
        build(config_class("nips2013"), PROFILES, "nips2013", {"double_q": "true"})
    assert "\n" not in str(e.value)
    nips, _ = build(config_class("nips2013"), PROFILES, "nips2013",
                    {"double_q": "true", "target_update_period": "10000"})
    assert nips.double_q and nips.target_update_period == 10_000


def test_nips2013_repeats_3_frames_on_space_invaders_only():
    """Mnih 2013 Sec. 5: k = 3 for Space Invaders (its lasers blink with period 4), 4 elsewhere."""
    from papers.dqn.config import action_repeat
    nips = Nips2013Config()
    assert action_repeat(apply_overrides(nips, {"env": "space_invaders"})) == 3
    assert action_repeat(nips) == 4
    assert action_repeat(apply_overrides(NatureConfig(), {"env": "space_invaders"})) == 4
    assert action_repeat(apply_overrides(nips, {"env": "space_invaders", "action_repeat": 4})) == 4


def test_released_code_choices_are_selectable():
    """The Lua code's choices where the paper text reads otherwise: target period in agent steps,
    no-ops as emulator frames, a no-op start after every lost life."""
    lua = apply_overrides(NatureConfig(), {"target_update_unit": "agent_steps", "noop_unit": "emulator_frames",
                                           "noop_after_life_loss": True})
    assert (lua.target_update_unit, lua.noop_unit, lua.noop_after_life_loss) == (
        "agent_steps", "emulator_frames", True)
    nature = NatureConfig()
    assert (nature.target_update_unit, nature.noop_unit, nature.noop_after_life_loss) == (
        "updates", "agent_steps", False)
