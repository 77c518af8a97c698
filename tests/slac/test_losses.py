"""papers/slac/losses.py: SLAC's equations (Lee et al. 2020) against TFP and hand-worked values."""

import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from papers.slac import losses

tfd, tfb = tfp.distributions, tfp.bijectors


def test_kl_diag_gaussians_hand_value():
    # KL(N(0, 2^2) || N(1, 1)) per dim = log(1/2) + (4 + 1)/2 - 1/2 = 2 - log 2; two dims -> 2x
    kl = losses.kl_diag_gaussians(tf.zeros([2]), 2 * tf.ones([2]), tf.ones([2]), tf.ones([2]))
    assert float(kl) == pytest.approx(2 * (2 - math.log(2)), rel=1e-6)
    same = losses.kl_diag_gaussians(tf.ones([3]), tf.ones([3]), tf.ones([3]), tf.ones([3]))
    assert float(same) == pytest.approx(0.0, abs=1e-7)


def test_kl_diag_gaussians_matches_tfp():
    rng = np.random.default_rng(0)
    mq, mp = rng.normal(size=(2, 5, 7)).astype(np.float32)
    sq, sp = rng.uniform(0.1, 3.0, size=(2, 5, 7)).astype(np.float32)
    ours = losses.kl_diag_gaussians(mq, sq, mp, sp)
    ref = tfd.kl_divergence(tfd.MultivariateNormalDiag(mq, sq), tfd.MultivariateNormalDiag(mp, sp))
    np.testing.assert_allclose(ours, ref, rtol=1e-5)


def test_gaussian_log_prob_matches_tfp_over_image_axes():
    rng = np.random.default_rng(1)
    x, mu = rng.uniform(0, 1, size=(2, 2, 3, 4, 4, 3)).astype(np.float32)  # [B, T, H, W, C]
    std = math.sqrt(0.1)
    ours = losses.gaussian_log_prob(x, mu, std, event_axes=[2, 3, 4])
    ref = tfd.Independent(tfd.Normal(mu, std), 3).log_prob(x)
    assert ours.shape == (2, 3)
    np.testing.assert_allclose(ours, ref, rtol=1e-5)


def test_tanh_log_prob_correction():
    # hand value: u = 0, N(0,1): log pi = -0.5 log(2 pi) - log(1 - tanh(0)^2) = -0.9189385
    lp = losses.tanh_gaussian_log_prob(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.ones([1, 1]))
    assert float(lp[0]) == pytest.approx(-0.5 * math.log(2 * math.pi), rel=1e-6)
    # against TFP's tanh-transformed Normal (float64, where tfp can still invert tanh)
    u = tf.constant([[-6.0, 0.3], [2.0, 4.0]], tf.float64)
    mu = tf.constant([[0.5, -0.2], [1.0, 3.0]], tf.float64)
    std = tf.constant([[2.0, 0.5], [1.5, 4.0]], tf.float64)
    ref = tfd.Independent(tfd.TransformedDistribution(tfd.Normal(mu, std), tfb.Tanh()), 1)
    np.testing.assert_allclose(losses.tanh_gaussian_log_prob(u, mu, std),
                               ref.log_prob(tf.tanh(u)), rtol=1e-6)
    # at u = 9 tanh(u) rounds to 1 in float32: the stable form stays exact, a naive
    # log(1 - tanh^2 + eps) is off by more than 1 nat
    u9, zero, one = tf.constant([[9.0]]), tf.zeros([1, 1]), tf.ones([1, 1])
    exact = -0.5 * math.log(2 * math.pi) - 40.5 - 2 * (math.log(2) - 9 - math.log1p(math.exp(-18)))
    assert float(losses.tanh_gaussian_log_prob(u9, zero, one)[0]) == pytest.approx(exact, rel=1e-6)
    naive = -0.5 * math.log(2 * math.pi) - 40.5 - math.log(1 - math.tanh(9.0) ** 2 + 1e-6)
    assert abs(naive - exact) > 1.0


def test_soft_q_target_hand_value():
    # y = r + gamma d (min(Q1', Q2') - alpha log pi') = 1 + 0.99 * (2 - 0.5 * -1) = 3.475
    y = losses.soft_q_target(tf.constant([1.0, 1.0]), tf.constant([1.0, 0.0]), 0.99,
                             tf.constant([2.0, 2.0]), tf.constant([3.0, 3.0]),
                             tf.constant([-1.0, -1.0]), 0.5)
    np.testing.assert_allclose(y, [3.475, 1.0], rtol=1e-6)


def test_critic_and_actor_loss_hand_values():
    # 0.5 mean((1-2)^2, (3-2)^2) + 0.5 mean((0-2)^2, (2-2)^2) = 0.5 * 1 + 0.5 * 2 = 1.5
    assert float(losses.critic_loss(tf.constant([1.0, 3.0]), tf.constant([0.0, 2.0]),
                                    tf.constant([2.0, 2.0]))) == pytest.approx(1.5)
    # mean(0.2 * [-1, 1] - min([1, 5], [2, 4])) = mean(-0.2 - 1, 0.2 - 4) = -2.5
    assert float(losses.actor_loss(0.2, tf.constant([-1.0, 1.0]), tf.constant([1.0, 5.0]),
                                   tf.constant([2.0, 4.0]))) == pytest.approx(-2.5)


def test_alpha_loss_hand_value_and_gradient():
    # log_alpha = 0.5, log pi = [-2, 0], target entropy -1: mean(0.5 * ([2, 0] + 1)) = 1.0
    log_alpha = tf.Variable(0.5)
    log_pi = tf.constant([-2.0, 0.0])
    with tf.GradientTape() as tape:
        loss = losses.alpha_loss(log_alpha, log_pi, -1.0)
    assert float(loss) == pytest.approx(1.0)
    # d/d log_alpha = mean(-log pi - target) = 2 > 0: entropy above target -> alpha shrinks
    assert float(tape.gradient(loss, log_alpha)) == pytest.approx(2.0)


def test_negative_elbo_sums_over_time_and_averages_batch():
    log_px = tf.constant([[-1.0, -2.0, -3.0], [-3.0, -2.0, -1.0]])
    kl = tf.constant([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    log_pr = tf.constant([[-0.25, -0.25], [0.0, -1.0]])
    # per sequence: -6 - 1 - 0.5 = -7.5 and -6 - 1 - 1 = -8 -> -ELBO = 7.75
    assert float(losses.negative_elbo(log_px, kl, log_pr)) == pytest.approx(7.75)
