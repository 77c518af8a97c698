"""networks.py and agent.py: the papers' architectures, uint8 input, the replay layout reaching
the learner in NHWC, the target network schedule."""

import numpy as np
import pytest

from common.config import apply_overrides, build
from papers.dqn.agent import DQNAgent
from papers.dqn.config import PROFILES, NatureConfig, Nips2013Config
from papers.dqn.networks import build_q_network


def _params(convs, hidden, n_actions, history=4, flat=None):
    total, channels = 0, history
    for filters, kernel in convs:
        total += channels * kernel * kernel * filters + filters
        channels = filters
    return total + flat * hidden + hidden + hidden * n_actions + n_actions


def test_nature_and_nips2013_architectures():
    nature = build_q_network(NatureConfig(), 6, (84, 84, 4))
    # 32 8x8/4 -> 20x20, 64 4x4/2 -> 9x9, 64 3x3/1 -> 7x7; fc 512 over 7*7*64 = 3136 inputs
    assert nature.get_layer("conv3").output.shape[1:] == (7, 7, 64)
    assert nature.count_params() == _params([(32, 8), (64, 4), (64, 3)], 512, 6, flat=3136)
    nips = build_q_network(Nips2013Config(), 6, (84, 84, 4))
    assert nips.get_layer("conv2").output.shape[1:] == (9, 9, 32)
    assert nips.count_params() == _params([(16, 8), (32, 4)], 256, 6, flat=9 * 9 * 32)
    assert nature.inputs[0].dtype == "uint8" and nature.outputs[0].dtype == "float32"


def test_uint8_input_is_scaled_inside_and_bf16_keeps_a_float32_head():
    cfg = apply_overrides(NatureConfig(), {"precision": "float32"})
    net = build_q_network(cfg, 4, (84, 84, 4))
    x = np.random.default_rng(0).integers(0, 256, (2, 84, 84, 4)).astype(np.uint8)
    np.testing.assert_allclose(net.get_layer("scale")(x).numpy(), x / 255.0, rtol=1e-6)
    bf16 = build_q_network(apply_overrides(NatureConfig(), {"precision": "mixed_bfloat16"}), 4,
                           (84, 84, 4))
    assert bf16.get_layer("conv1").compute_dtype == "bfloat16"
    assert bf16.get_layer("conv1").variable_dtype == "float32"
    assert bf16.get_layer("q").compute_dtype == "float32"


def test_learner_sees_replay_stacks_as_the_actor_does():
    cfg, _ = build(NatureConfig, PROFILES, "smoke")
    cfg = apply_overrides(cfg, {"precision": "float32"})
    agent = DQNAgent(cfg, 3, (84, 84, 4), np.uint8)
    rng = np.random.default_rng(1)
    s = rng.integers(0, 256, (cfg.batch_size, 4, 84, 84)).astype(np.uint8)   # replay layout
    a = np.array([0, 1, 2, 1], np.int32)
    r = np.zeros(cfg.batch_size, np.float32)
    q_actor = agent.q_values(np.moveaxis(s, 1, -1))       # NHWC, as FrameHistory gives
    state = np.moveaxis(s[0], 0, -1)
    assert agent.act(state, 0.0, rng) == int(np.argmax(q_actor[0]))
    _, mean_q = agent.train_step((s, a, r, s, np.zeros(cfg.batch_size, bool)))
    # the train step reports Q(s, a) before its update: the same numbers as the acting path
    assert float(mean_q) == pytest.approx(float(np.mean(q_actor[np.arange(4), a])), rel=1e-5)
    s_wrong = np.ascontiguousarray(np.moveaxis(s, 1, -1)).reshape(s.shape)   # a layout mix-up
    assert not np.allclose(agent.q_values(np.moveaxis(s_wrong, 1, -1)), agent.q_values(
        np.moveaxis(s, 1, -1)))


def test_target_network_is_synced_every_period_only():
    cfg, _ = build(NatureConfig, PROFILES, "smoke")              # target every 10 updates
    agent = DQNAgent(cfg, 3, (84, 84, 4), np.uint8)
    rng = np.random.default_rng(2)
    batch = (rng.integers(0, 256, (4, 4, 84, 84)).astype(np.uint8), np.array([0, 1, 2, 0], np.int32),
             np.ones(4, np.float32), rng.integers(0, 256, (4, 4, 84, 84)).astype(np.uint8),
             np.zeros(4, bool))
    w0 = agent.target.get_layer("q").get_weights()[0].copy()
    for _ in range(9):
        agent.train_step(batch)
    np.testing.assert_array_equal(agent.target.get_layer("q").get_weights()[0], w0)
    agent.train_step(batch)                                     # the 10th update syncs
    np.testing.assert_array_equal(agent.target.get_layer("q").get_weights()[0],
                                  agent.online.get_layer("q").get_weights()[0])
    nips = DQNAgent(apply_overrides(Nips2013Config(), {"batch_size": 4}), 3, (84, 84, 4), np.uint8)
    assert nips.target is None                                  # Mnih 2013: no target network
