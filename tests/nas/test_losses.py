"""Zoph & Le 2017: the search's equations (papers/nas/losses.py) against hand-worked numbers."""

import math

import numpy as np
import pytest
import tensorflow as tf

from papers.nas import losses


def test_categorical_log_prob_by_hand():
    # logits [0, ln 3] -> softmax [1/4, 3/4]
    logits = tf.constant([[0.0, math.log(3.0)], [0.0, math.log(3.0)]])
    got = losses.categorical_log_prob(logits, np.array([1, 0])).numpy()
    np.testing.assert_allclose(got, [math.log(0.75), math.log(0.25)], rtol=1e-6)


def test_bernoulli_log_prob_sums_over_earlier_layers():
    # sigmoid(0) = 1/2 chosen, sigmoid(ln 3) = 3/4 not chosen: log(1/2) + log(1/4)
    got = losses.bernoulli_log_prob(tf.constant([[0.0, math.log(3.0)]]), np.array([[1, 0]])).numpy()
    np.testing.assert_allclose(got, [math.log(0.5) + math.log(0.25)], rtol=1e-6)


def test_anchor_scores_by_hand():
    # W_prev = W_curr = I, v = [1, 2]: s = 1*tanh(1 + 0) + 2*tanh(0 + 1) = 3 tanh(1) for j = 0;
    # j = 1 with h_1 = [0, -1]: tanh(0) + 2 tanh(-1 + 1) = 0
    eye = tf.eye(2)
    v = tf.constant([[1.0], [2.0]])
    h_prev = tf.constant([[[1.0, 0.0], [0.0, -1.0]]])
    h_curr = tf.constant([[0.0, 1.0]])
    got = losses.anchor_scores(h_prev, h_curr, eye, eye, v).numpy()
    np.testing.assert_allclose(got, [[3 * math.tanh(1.0), 0.0]], atol=1e-6)


def test_reinforce_loss_value_and_gradient():
    # advantages R - b = [1 - 2, 3 - 2] = [-1, 1]; loss = -mean(adv * logp) = -(1 - 2)/2 = 0.5;
    # d loss / d logp_k = -(R_k - b)/m = [0.5, -0.5]
    logp = tf.Variable([-1.0, -2.0])
    with tf.GradientTape() as tape:
        loss = losses.reinforce_loss(logp, tf.constant([1.0, 3.0]), 2.0)
    assert float(loss) == pytest.approx(0.5)
    np.testing.assert_allclose(tape.gradient(loss, logp).numpy(), [0.5, -0.5])


def test_ema_baseline():
    assert losses.ema_baseline(None, [1.0, 3.0], 0.5) == pytest.approx(2.0)     # init 1, then .5*1+.5*3
    assert losses.ema_baseline(2.0, [4.0], 0.75) == pytest.approx(2.5)


def test_cifar_reward_is_cube_of_best_of_last_five_epochs():
    assert losses.cifar_reward([0.9, 0.1, 0.2, 0.5, 0.4, 0.3]) == pytest.approx(0.125)   # epoch 1 excluded
    with pytest.raises(ValueError):
        losses.cifar_reward([])


def test_ptb_reward():
    assert losses.ptb_reward(80.0, c=80.0) == pytest.approx(80.0 / 6400.0)
    with pytest.raises(ValueError):
        losses.ptb_reward(float("nan"))
