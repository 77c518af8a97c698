"""Mnih et al. 2016 (A3C): the equations of papers/a3c/losses.py against hand-worked numbers."""

import math

import numpy as np
import pytest
import tensorflow as tf

from papers.a3c import losses
from papers.a3c.networks import build_network


def test_nstep_returns_bootstrap_and_terminal():
    # R2 = 2 + 0.5*10 = 7 ; R1 = 0 + 0.5*7 = 3.5 ; R0 = 1 + 0.5*3.5 = 2.75
    np.testing.assert_allclose(losses.nstep_returns([1.0, 0.0, 2.0], 10.0, 0.5), [2.75, 3.5, 7.0])
    # terminal s_t: R = 0 -> R2 = 2, R1 = 1, R0 = 1.5
    np.testing.assert_allclose(losses.nstep_returns([1.0, 0.0, 2.0], 0.0, 0.5), [1.5, 1.0, 2.0])
    # a one-step rollout is r + gamma * bootstrap
    np.testing.assert_allclose(losses.nstep_returns([1.0], 4.0, 0.99), [1.0 + 0.99 * 4.0])


def test_entropy_by_hand():
    # p = (0.25, 0.75): H = -(0.25 ln 0.25 + 0.75 ln 0.75) = 0.562335
    h = losses.entropy(np.log([[1.0, 3.0]], dtype=np.float32))
    np.testing.assert_allclose(h, [0.562335], rtol=1e-5)
    np.testing.assert_allclose(losses.entropy(np.zeros((1, 4), np.float32)), [math.log(4)], rtol=1e-6)


def test_actor_critic_loss_on_a_constant_network():
    """An MLP whose weights are all 0: logits 0 (uniform policy over 4 actions), V = 0.5 (value bias).
    Rollout of 2 steps with returns (1.5, 0.5): advantages (1, 0).
      policy = -[(-ln 4)(1) + (-ln 4)(0) + 2 beta ln 4] = ln 4 (1 - 2 beta) = 1.358574 (beta 0.01)
      value  = (1.5 - 0.5)^2 + (0.5 - 0.5)^2 = 1
      d policy / d logits_i = -(onehot(a_i) - 1/4) adv_i  (the entropy gradient is 0 at uniform)
      -> gradient on the policy bias = -(onehot(a_0) - 1/4) = (0.25, 0.25, -0.75, 0.25) for a_0 = 2
      d value / d V_i = -2 (R_i - V_i) -> gradient on the value bias = -2."""
    net = build_network("mlp", (3,), 4, "actor_critic", (8,))
    for v in net.trainable_variables:
        v.assign(tf.zeros(v.shape))
    net.get_layer("value").bias.assign([0.5])
    obs = np.ones((2, 3), np.float32)
    with tf.GradientTape() as tape:
        logits, values = net(obs)
        total, pol, val, ent = losses.actor_critic_loss(logits, values, [2, 1], [1.5, 0.5], beta=0.01)
    np.testing.assert_allclose(pol, math.log(4) * 0.98, rtol=1e-6)
    np.testing.assert_allclose(val, 1.0, rtol=1e-6)
    np.testing.assert_allclose(ent, 2 * math.log(4), rtol=1e-6)
    np.testing.assert_allclose(total, math.log(4) * 0.98 + 1.0, rtol=1e-6)
    g_pi, g_v = tape.gradient(total, [net.get_layer("policy_logits").bias, net.get_layer("value").bias])
    np.testing.assert_allclose(g_pi, [0.25, 0.25, -0.75, 0.25], atol=1e-6)
    np.testing.assert_allclose(g_v, [-2.0], atol=1e-6)


def test_entropy_bonus_pushes_towards_uniform():
    """With zero advantage only -beta H is left: its gradient raises the smaller logit."""
    logits = tf.Variable([[0.0, 2.0]])
    with tf.GradientTape() as tape:
        total, *_ = losses.actor_critic_loss(logits, tf.constant([1.0]), [0], [1.0], beta=0.5)
    g = tape.gradient(total, logits).numpy()[0]
    assert g[0] < 0 < g[1]        # gradient descent raises logit 0 and lowers logit 1


def test_q_learning_and_sarsa_targets_and_loss():
    r, q_next, term = [1.0, 0.0], np.array([[1.0, 3.0], [2.0, 0.0]], np.float32), [False, True]
    # y0 = 1 + 0.9 * max(1, 3) = 3.7 ; y1 = 0 (terminal)
    np.testing.assert_allclose(losses.one_step_q_targets(r, q_next, term, 0.9), [3.7, 0.0], rtol=1e-6)
    # Sarsa with a' = (0, 1): y0 = 1 + 0.9 * 1 = 1.9 ; y1 = 0
    np.testing.assert_allclose(losses.sarsa_targets(r, q_next, [0, 1], term, 0.9), [1.9, 0.0], rtol=1e-6)
    # (3.7 - Q(s0, 1) = 2)^2 + (0 - Q(s1, 0) = 3)^2 = 2.89 + 9 = 11.89
    q = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    np.testing.assert_allclose(losses.q_loss(q, [1, 0], [3.7, 0.0]), 11.89, rtol=1e-6)


def test_rmsprop_update_by_hand():
    # g = 0.99 * 1 + 0.01 * 2^2 = 1.03 ; step = 0.1 * 2 / sqrt(1.03 + 0.1) = 0.1881441
    g, step = losses.rmsprop_update(tf.constant(1.0), tf.constant(2.0), 0.1, 0.99, 0.1)
    np.testing.assert_allclose(g, 1.03, rtol=1e-6)
    np.testing.assert_allclose(step, 0.2 / math.sqrt(1.13), rtol=1e-6)


@pytest.mark.parametrize("t, expected", [(0, 1.0), (2_000_000, 0.55), (4_000_000, 0.1), (9e9, 0.1)])
def test_linear_anneal(t, expected):
    assert losses.linear_anneal(1.0, 0.1, t, 4_000_000) == pytest.approx(expected)
