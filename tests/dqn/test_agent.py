"""networks.py and agent.py: the papers' architectures, uint8 input, the replay layout reaching
the learner in NHWC, the target network schedule, and the later variants the seeds' code offered
(dueling head, Double DQN update)."""

import keras
import numpy as np
import pytest

from common.config import apply_overrides, build
from papers.dqn import losses
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


def test_dueling_head_aggregates_v_and_a_by_hand():
    """Wang et al. 2016, Eq. 9 on a hand-set head: state (1, 2), streams of 2 units, 3 actions."""
    cfg = apply_overrides(build(NatureConfig, PROFILES, "cartpole")[0], {"dueling": True, "mlp_units": (2,)})
    net = build_q_network(cfg, 3, (2, 1))
    eye = np.eye(2, dtype=np.float32)
    net.get_layer("value_fc").set_weights([eye, np.zeros(2, np.float32)])       # h_V = relu(s) = (1, 2)
    net.get_layer("value").set_weights([np.ones((2, 1), np.float32), np.array([0.5], np.float32)])
    net.get_layer("advantage_fc").set_weights([eye, np.zeros(2, np.float32)])   # h_A = relu(s) = (1, 2)
    net.get_layer("advantage").set_weights([np.array([[1, 0, 2], [0, 1, 1]], np.float32),
                                            np.zeros(3, np.float32)])
    q = net(np.array([[[1.0], [2.0]]], np.float32)).numpy()
    # V = 1 + 2 + 0.5 = 3.5; A = (1, 2, 1*2 + 2*1) = (1, 2, 4), mean 7/3
    # Q = 3.5 + (1 - 7/3, 2 - 7/3, 4 - 7/3) = (13/6, 19/6, 31/6)
    np.testing.assert_allclose(q, [[13 / 6, 19 / 6, 31 / 6]], rtol=1e-6)


def test_nature_dueling_streams_and_identifiability():
    """Wang et al. Sec. 4.2: two 512-unit streams after the Nature conv torso; Eq. 9 makes
    V(s) the mean over actions of Q(s, a), whatever the weights."""
    cfg = apply_overrides(NatureConfig(), {"dueling": True})
    net = build_q_network(cfg, 6, (84, 84, 4))
    # the fc 512 -> |A| head of the Nature net becomes 3136 -> 512 -> 1 and 3136 -> 512 -> 6
    single = _params([(32, 8), (64, 4), (64, 3)], 512, 6, flat=3136)
    assert net.count_params() == single + (3136 * 512 + 512) + (512 + 1)
    assert net.get_layer("value_fc").units == net.get_layer("advantage_fc").units == 512
    probe = keras.Model(net.input, [net.get_layer("value").output, net.output])
    x = np.random.default_rng(3).integers(0, 256, (5, 84, 84, 4)).astype(np.uint8)
    v, q = (t.numpy() for t in probe(x))
    assert v.shape == (5, 1) and q.shape == (5, 6)
    np.testing.assert_allclose(q.mean(axis=1, keepdims=True) - v, 0.0, atol=1e-6)
    assert np.ptp(q, axis=1).min() > 0                       # the advantages still tell actions apart


def test_double_q_update_uses_the_online_argmax_and_the_target_value():
    """With double_q the train step's loss is the Eq. 4 loss on the networks' own Q-values, which
    differs from the Nature loss once online and target disagree on argmax_a' Q(s', a')."""
    cfg = apply_overrides(build(NatureConfig, PROFILES, "smoke")[0],
                          {"precision": "float32", "double_q": True})
    agent = DQNAgent(cfg, 3, (84, 84, 4), np.uint8)
    other = build_q_network(cfg, 3, (84, 84, 4))             # a target network that disagrees
    agent.target.set_weights(other.get_weights())
    rng = np.random.default_rng(4)
    s = rng.integers(0, 256, (4, 4, 84, 84)).astype(np.uint8)
    s_next = rng.integers(0, 256, (4, 4, 84, 84)).astype(np.uint8)
    a = np.array([0, 1, 2, 1], np.int32)
    r = np.array([1.0, 0.0, -1.0, 0.0], np.float32)
    done = np.array([False, False, False, True])
    q = agent.q_values(np.moveaxis(s, 1, -1))                # replay layout -> NHWC
    q_next_online = agent.q_values(np.moveaxis(s_next, 1, -1))
    q_next_target = agent.target(np.moveaxis(s_next, 1, -1)).numpy()
    assert (q_next_online[:3].argmax(1) != q_next_target[:3].argmax(1)).any()
    expected = {name: float(losses.q_learning_loss(q, a, y, cfg.clip_delta, cfg.loss_reduction))
                for name, y in [
                    ("double", losses.double_q_targets(r, done, q_next_online, q_next_target, cfg.gamma)),
                    ("nature", losses.td_targets(r, done, q_next_target, cfg.gamma))]}
    assert expected["double"] != pytest.approx(expected["nature"], rel=1e-4)
    loss, _ = agent.train_step((s, a, r, s_next, done))
    assert float(loss) == pytest.approx(expected["double"], rel=1e-5)


def test_xla_comparison_measures_both_updates_from_the_same_weights():
    """benchmark.py --xla: both agents start from the same weights and do the same updates, so the
    reported drift is the arithmetic's, and the speeds come from timed updates of each."""
    from papers.dqn.benchmark import measure_xla
    out = measure_xla(rounds=1, updates=2)
    assert out["graph_train_updates_per_s"] > 0 and out["xla_train_updates_per_s"] > 0
    assert out["xla_updates_compared"] == 3 and 0 <= out["xla_max_weight_difference"] < 1e-2
