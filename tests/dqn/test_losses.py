"""losses.py and the optimizer: the DQN update worked by hand (Mnih 2015 Methods, Lua code)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from papers.dqn import losses
from papers.dqn.agent import epsilon, make_optimizer
from papers.dqn.config import NatureConfig, PROFILES
from common.config import build


def test_td_targets_mask_terminals_by_hand():
    rewards = np.array([1.0, -1.0, 0.0], np.float32)
    terminals = np.array([False, True, False])
    next_q = np.array([[0.5, 2.0], [9.0, 9.0], [-1.0, -3.0]], np.float32)
    y = losses.td_targets(rewards, terminals, next_q, gamma=0.99).numpy()
    # y0 = 1 + 0.99 * max(0.5, 2) = 2.98; y1 = -1 (terminal: no bootstrap);
    # y2 = 0 + 0.99 * max(-1, -3) = -0.99
    np.testing.assert_allclose(y, [2.98, -1.0, -0.99], rtol=1e-6)


def test_double_q_targets_value_the_online_argmax_with_the_target_network_by_hand():
    """van Hasselt 2016, Eq. 4: y = r + gamma * Q_hat(s', argmax_a' Q(s', a')), gamma = 0.9."""
    rewards = np.array([1.0, 0.5, -1.0, 0.0], np.float32)
    terminals = np.array([False, False, True, False])
    next_q_online = np.array([[1.0, 3.0, 2.0], [0.2, 0.1, 0.0], [5.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
                             np.float32)
    next_q_target = np.array([[4.0, 1.0, 2.0], [0.0, 2.0, 1.0], [9.0, 9.0, 9.0], [1.0, 2.0, 3.0]],
                             np.float32)
    y = losses.double_q_targets(rewards, terminals, next_q_online, next_q_target, gamma=0.9).numpy()
    # row 0: online argmax = action 1, Q_hat(s', 1) = 1   -> y = 1 + 0.9 * 1 = 1.9
    # row 1: online argmax = action 0, Q_hat(s', 0) = 0   -> y = 0.5 + 0.9 * 0 = 0.5
    # row 2: terminal: no bootstrap                       -> y = -1
    # row 3: online argmax = action 2, Q_hat(s', 2) = 3   -> y = 0 + 0.9 * 3 = 2.7
    np.testing.assert_allclose(y, [1.9, 0.5, -1.0, 2.7], rtol=1e-6)
    # the Nature target takes max_a' Q_hat(s', a') instead: 1 + 0.9 * 4 = 4.6 and 0.5 + 0.9 * 2 = 2.3
    # where the two networks' argmaxes differ (rows 0 and 1), the same where they agree (row 3)
    nature = losses.td_targets(rewards, terminals, next_q_target, gamma=0.9).numpy()
    np.testing.assert_allclose(nature, [4.6, 2.3, -1.0, 2.7], rtol=1e-6)


def test_clipped_error_gradient_is_clip_of_delta():
    q = tf.Variable([[1.0, 0.0], [0.0, 0.0], [0.0, 5.0]])
    actions = np.array([0, 1, 1])
    targets = np.array([1.5, 3.0, 2.0], np.float32)   # deltas: 0.5, 3.0, -3.0
    with tf.GradientTape() as tape:
        loss = losses.q_learning_loss(q, actions, targets, clip=1.0, reduction="sum")
    grad = tape.gradient(loss, q).numpy()
    # dL/dQ(s,a) = -clip(delta, -1, 1): -0.5, -1, +1 on the taken actions, 0 elsewhere
    np.testing.assert_allclose(grad, [[-0.5, 0.0], [0.0, -1.0], [0.0, 1.0]], atol=1e-6)
    # Huber: 0.5*0.25 + (3 - 0.5) + (3 - 0.5) = 5.125
    assert float(loss) == pytest.approx(5.125)
    mean = losses.q_learning_loss(q, actions, targets, clip=1.0, reduction="mean")
    assert float(mean) == pytest.approx(5.125 / 3)


def test_no_clipping_is_squared_error():
    delta = np.array([0.5, 3.0], np.float32)
    np.testing.assert_allclose(losses.clipped_error_loss(delta, 0.0).numpy(), [0.125, 4.5])


def test_keras_centered_rmsprop_is_the_lua_update_on_two_parameters():
    """deepmind/dqn NeuralQLearner.lua: g = .95g + .05dw; g2 = .95g2 + .05dw^2;
    w -= lr * dw / sqrt(g2 - g^2 + 0.01) (the Lua code adds +lr*(-dw) to w)."""
    cfg = NatureConfig()
    opt = make_optimizer(cfg)
    w = tf.Variable([1.0, -2.0])
    opt.build([w])
    grads = [np.array([0.5, -1.0], np.float32), np.array([0.2, 3.0], np.float32)]
    # Step 1 by hand: g = .05*(0.5, -1) = (0.025, -0.05); g2 = .05*(0.25, 1) = (0.0125, 0.05)
    #   denom = sqrt(0.0125 - 0.000625 + 0.01) = sqrt(0.021875) = 0.147902
    #           sqrt(0.05 - 0.0025 + 0.01)      = sqrt(0.0575)   = 0.239792
    #   w = (1 - 2.5e-4*0.5/0.147902, -2 + 2.5e-4*1/0.239792) = (0.99915485, -1.99895742)
    opt.apply([tf.constant(grads[0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.99915485, -1.99895742], rtol=0, atol=1e-7)
    # Step 2, the same formula in numpy (a second application of the hand recurrence)
    g, g2, ref = np.zeros(2), np.zeros(2), np.array([1.0, -2.0])
    for dw in grads:
        g = 0.95 * g + 0.05 * dw
        g2 = 0.95 * g2 + 0.05 * dw ** 2
        ref = ref - 2.5e-4 * dw / np.sqrt(g2 - g ** 2 + 0.01)
    opt.apply([tf.constant(grads[1])], [w])
    np.testing.assert_allclose(w.numpy(), ref, rtol=0, atol=1e-7)
    # and it is not Keras' default (non-centered) RMSprop
    plain = keras.optimizers.RMSprop(2.5e-4, rho=0.95, epsilon=0.01)
    v = tf.Variable([1.0, -2.0])
    plain.build([v])
    for dw in grads:
        plain.apply([tf.constant(dw)], [v])
    assert not np.allclose(v.numpy(), ref, rtol=0, atol=1e-7)


def test_epsilon_schedule_counts_agent_steps_after_replay_start():
    cfg = NatureConfig()       # 1 -> 0.1 over 1M agent steps after 50k
    assert epsilon(cfg, 0) == 1.0
    assert epsilon(cfg, 50_000) == 1.0
    assert epsilon(cfg, 550_000) == pytest.approx(0.55)
    assert epsilon(cfg, 1_050_000) == pytest.approx(0.1)
    assert epsilon(cfg, 5_000_000) == pytest.approx(0.1)
    cpu, _ = build(NatureConfig, PROFILES, "cpu")   # 1 -> 0.1 over 250k after 20k
    assert epsilon(cpu, 145_000) == pytest.approx(0.55)
    assert epsilon(cpu, 270_000) == pytest.approx(0.1)
