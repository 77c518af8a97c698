"""The equations of SLAC (Lee et al. 2020) as small pure functions (TensorFlow tensors in, out).

Notation: x_t images, a_t actions, r_t rewards, z_t = (z^1_t, z^2_t) latents, q posterior,
p prior, pi the policy on the history h_t = (x_{t-7..t}, a_{t-8..t-1}), alpha the entropy weight.

Latent model (paper Sec. 5, Eq. 7, the model loss J_M, with the reward model of App. B; official
code `compute_loss`):
    ELBO = E_q[ sum_{t=1}^{tau+1} log p(x_t | z_t)  -  sum_{t=1}^{tau+1} KL(q(z^1_t|...) || p(z^1_t|...))
                + sum_{t=1}^{tau} log p(r_t | z_t, a_t, z_{t+1}) ]          (mean over the batch)
    (the z^2 factors are shared by prior and posterior, so their KL is 0: App. B, Eq. 23-27.)
Soft actor-critic on the latent (paper Sec. 5, Eq. 8-10: J_Q, the soft value V, J_pi; the alpha
loss is the automatic temperature tuning Sec. 5 takes from prior work; tf_agents SacAgent as used
by the official code):
    y      = r_t + gamma * d_t * ( min_i Qbar_i(z_{t+1}, a') - alpha log pi(a' | h_{t+1}) ),  a' ~ pi
    J_Q    = sum_i 0.5 * mean (Q_i(z_t, a_t) - y)^2
    J_pi   = mean( alpha log pi(a | h_t) - min_i Q_i(z_t, a) ),  a ~ pi
    J_alpha= mean( log_alpha * (-log pi(a | h_t) - target_entropy) ),  target_entropy = -|A|
Paper numbers: the NeurIPS 2020 submission (see README, reading guide).
"""

from __future__ import annotations

import math

import tensorflow as tf

LOG_2PI = math.log(2.0 * math.pi)


def kl_diag_gaussians(mu_q, std_q, mu_p, std_p):
    """KL( N(mu_q, diag std_q^2) || N(mu_p, diag std_p^2) ), summed over the last axis:
    sum_i [ log(std_p/std_q) + (std_q^2 + (mu_q - mu_p)^2) / (2 std_p^2) - 1/2 ]."""
    var_ratio = tf.square(std_q / std_p)
    return tf.reduce_sum(0.5 * (var_ratio + tf.square((mu_q - mu_p) / std_p) - 1.0
                                - tf.math.log(var_ratio)), axis=-1)


def gaussian_log_prob(x, mu, std, event_axes):
    """log N(x; mu, std^2) summed over `event_axes` (the pixels of an image, or a reward)."""
    z = (x - mu) / std
    return tf.reduce_sum(-0.5 * tf.square(z) - tf.math.log(std) - 0.5 * LOG_2PI, axis=event_axes)


def negative_elbo(log_px, kl, log_pr):
    """-ELBO from per-step terms: log_px [B, T+1], kl [B, T+1], log_pr [B, T] -> scalar
    (each term summed over time, then averaged over the batch)."""
    elbo = tf.reduce_sum(log_px, 1) - tf.reduce_sum(kl, 1) + tf.reduce_sum(log_pr, 1)
    return -tf.reduce_mean(elbo)


def tanh_gaussian_log_prob(u, mu, std):
    """log pi(a) for a = tanh(u), u ~ N(mu, std^2) (diagonal): the Gaussian log-density minus the
    change of variables sum_i log(1 - tanh(u_i)^2), written stably as
    log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u))."""
    log_det = 2.0 * (math.log(2.0) - u - tf.math.softplus(-2.0 * u))
    return gaussian_log_prob(u, mu, std, event_axes=-1) - tf.reduce_sum(log_det, axis=-1)


def soft_q_target(reward, discount, gamma, next_q1, next_q2, next_log_pi, alpha):
    """y = r + gamma * d * (min(Qbar_1, Qbar_2)(z', a') - alpha log pi(a'|h')), no gradient."""
    soft_value = tf.minimum(next_q1, next_q2) - alpha * next_log_pi
    return tf.stop_gradient(reward + gamma * discount * soft_value)


def critic_loss(q1, q2, target):
    """J_Q = 0.5 mean (Q_1 - y)^2 + 0.5 mean (Q_2 - y)^2 (tf_agents: one 0.5*MSE per critic)."""
    return 0.5 * tf.reduce_mean(tf.square(q1 - target)) + 0.5 * tf.reduce_mean(tf.square(q2 - target))


def actor_loss(alpha, log_pi, q1, q2):
    """J_pi = mean(alpha log pi(a|h) - min(Q_1, Q_2)(z, a)), a ~ pi reparameterised."""
    return tf.reduce_mean(alpha * log_pi - tf.minimum(q1, q2))


def alpha_loss(log_alpha, log_pi, target_entropy):
    """J_alpha = mean(log_alpha * (-log pi - target_entropy)) with log pi held fixed (tf_agents)."""
    return tf.reduce_mean(log_alpha * tf.stop_gradient(-log_pi - target_entropy))
