"""Mnih et al. 2016 (A3C): the config's paper values and the networks' shapes."""

import dataclasses

import numpy as np
import pytest

from common.config import ConfigError, build, deviations
from papers.a3c.config import PROFILES, A3CConfig
from papers.a3c.networks import build_network


def test_paper_values_are_the_defaults():
    cfg = A3CConfig()
    assert (cfg.method, cfg.network, cfg.threads, cfg.t_max) == ("a3c", "ff", 16, 5)
    assert (cfg.rmsprop_decay, cfg.rmsprop_epsilon, cfg.max_grad_norm) == (0.99, 0.1, 40.0)
    assert cfg.rmsprop_g0 == 1.0                         # TensorFlow 1's (and the reference codes') start
    assert (cfg.gamma, cfg.entropy_beta, cfg.action_repeat, cfg.history) == (0.99, 0.01, 4, 4)
    assert (cfg.lr_low, cfg.lr_high) == (1e-4, 1e-2)
    assert cfg.final_epsilons == (0.1, 0.01, 0.5) and cfg.final_epsilon_probs == (0.4, 0.3, 0.3)
    assert cfg.epsilon_anneal_frames == 4_000_000
    assert sum(cfg.final_epsilon_probs) == pytest.approx(1.0)


def test_every_field_has_a_source_and_the_paper_profile_is_exact():
    for f in dataclasses.fields(A3CConfig):
        assert f.metadata["source"], f.name
    cfg, devs = build(A3CConfig, PROFILES, "paper")
    assert cfg == A3CConfig()
    # the only deviation of the paper profile: one fixed lr instead of the log-uniform draw
    assert [d.field for d in devs] == ["lr_sampling"]
    for name in ("cpu", "cartpole", "smoke"):
        _, devs = build(A3CConfig, PROFILES, name)
        assert all(d.reason for d in devs)


def test_cpu_profile_keeps_the_papers_learner_except_lr_rmsprop_epsilon_value_coef_and_t_max():
    cpu, devs = build(A3CConfig, PROFILES, "cpu")
    for name in ("rmsprop_decay", "rmsprop_g0", "max_grad_norm", "entropy_beta", "gamma", "threads",
                 "network", "action_repeat", "history", "clip_rewards"):
        assert getattr(cpu, name) == getattr(A3CConfig(), name), name
    assert (cpu.lr, cpu.rmsprop_epsilon, cpu.value_loss_coef, cpu.t_max, cpu.total_frames) == (
        2e-4, 1e-5, 0.5, 20, 20_000_000)
    assert cpu.lr_anneal_frames == A3CConfig().total_frames == 200_000_000   # the paper's schedule, cut at 20M
    assert cpu.center_frames and not A3CConfig().center_frames
    assert {d.field for d in devs} >= {"lr", "rmsprop_epsilon", "value_loss_coef", "t_max", "total_frames",
                                       "lr_anneal_frames", "center_frames"}


def test_bad_keys_are_rejected():
    with pytest.raises(ConfigError, match="unknown config key"):
        build(A3CConfig, PROFILES, "paper", {"nope": 1})
    with pytest.raises(ConfigError, match="method"):
        build(A3CConfig, PROFILES, "paper", {"method": "dqn"})
    assert deviations(A3CConfig()) != []


def test_ff_network_is_the_mnih_2013_architecture():
    net = build_network("ff", (84, 84, 4), 6)
    assert net.get_layer("conv1").output.shape[1:] == (20, 20, 16)        # 16 8x8 stride 4
    assert net.get_layer("conv2").output.shape[1:] == (9, 9, 32)          # 32 4x4 stride 2
    assert net.get_layer("fc").output.shape[1:] == (256,)
    # 4*8*8*16+16 + 16*4*4*32+32 + 2592*256+256 + 256*6+6 + 256+1
    assert net.count_params() == 4112 + 8224 + 663808 + 1542 + 257
    q = build_network("ff", (84, 84, 4), 6, head="q")
    assert q.count_params() == 4112 + 8224 + 663808 + 1542


def test_centred_frames_make_a_uniform_background_invisible():
    """center_frames subtracts each frame's mean: a uniform frame of any grey level enters conv1
    as zeros, and a bright pixel on two different backgrounds gives the same output."""
    net = build_network("ff", (84, 84, 4), 6, center_frames=True)
    plain = build_network("ff", (84, 84, 4), 6)
    plain.set_weights(net.get_weights())
    grey = np.full((2, 84, 84, 4), [[[[40]]], [[[200]]]], np.uint8)
    zeros = np.zeros((1, 84, 84, 4), np.uint8)
    for out, ref in zip(net(grey), plain(zeros)):
        np.testing.assert_allclose(out.numpy(), np.repeat(ref.numpy(), 2, axis=0), atol=1e-5)
    ball = grey.copy()
    ball[:, 40, 40, :] += 50
    logits, value = net(ball)
    np.testing.assert_allclose(logits[0], logits[1], atol=1e-5)
    np.testing.assert_allclose(value[0], value[1], atol=1e-5)


def test_lstm_network_has_256_cells():
    net = build_network("lstm", (84, 84, 4), 6)
    assert net.get_layer("lstm").units == 256
    with pytest.raises(ValueError, match="unknown network"):
        build_network("gru", (84, 84, 4), 6)
