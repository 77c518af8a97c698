"""Mnih et al. 2016 (A3C and its value-based siblings): the equations as small pure functions.

All functions take one rollout of n steps (tensors or NumPy arrays, time first) and are used
unchanged inside the learners' tf.functions. Notation of the paper's Algorithms 1, S2 and S3:
r_i rewards, R the n-step return, V(s; theta_v) the value, pi(a|s; theta) the policy,
Q(s, a; theta^-) the target network, gamma the discount, beta the entropy weight.
"""

from __future__ import annotations

import tensorflow as tf


def nstep_returns(rewards, bootstrap, gamma: float):
    """Algorithms S2/S3: R <- r_i + gamma R, for i = t-1 down to t_start, starting from
    R = bootstrap (0 for a terminal s_t, else V(s_t; theta'_v) or max_a Q(s_t, a; theta^-)).
    rewards [n] -> returns [n]."""
    rewards = tf.convert_to_tensor(rewards, tf.float32)
    bootstrap = tf.convert_to_tensor(bootstrap, tf.float32)
    return tf.scan(lambda R, r: r + gamma * R, rewards, initializer=bootstrap, reverse=True)


def entropy(logits):
    """H(pi(s)) = -sum_a pi(a|s) log pi(a|s), per state. logits [n, A] -> [n]."""
    log_pi = tf.nn.log_softmax(logits)
    return -tf.reduce_sum(tf.exp(log_pi) * log_pi, axis=-1)


def actor_critic_loss(logits, values, actions, returns, beta: float, value_coef: float = 1.0):
    """Algorithm S3, summed over the rollout (the gradients are accumulated, not averaged):
        policy:  -[log pi(a_i|s_i; theta') (R_i - V(s_i; theta'_v)) + beta H(pi(s_i; theta'))]
        value:    (R_i - V(s_i; theta'_v))^2
    The advantage R_i - V(s_i) is a constant for the policy gradient (stop_gradient).
    Returns (total, policy_loss, value_loss, entropy_sum)."""
    actions = tf.convert_to_tensor(actions, tf.int32)
    returns = tf.convert_to_tensor(returns, tf.float32)
    log_pi = tf.nn.log_softmax(logits)
    log_pi_a = tf.gather(log_pi, actions, axis=1, batch_dims=1)
    advantage = tf.stop_gradient(returns - values)
    h = entropy(logits)
    policy_loss = -tf.reduce_sum(log_pi_a * advantage + beta * h)
    value_loss = tf.reduce_sum(tf.square(returns - values))
    return policy_loss + value_coef * value_loss, policy_loss, value_loss, tf.reduce_sum(h)


def one_step_q_targets(rewards, next_q_target, terminals, gamma: float):
    """Algorithm 1: y = r for terminal s', else r + gamma max_a' Q(s', a'; theta^-).
    rewards [n], next_q_target [n, A] (Q(s_{i+1}, .; theta^-)), terminals [n] -> [n]."""
    not_done = 1.0 - tf.cast(terminals, tf.float32)
    return tf.cast(rewards, tf.float32) + gamma * not_done * tf.reduce_max(next_q_target, axis=-1)


def sarsa_targets(rewards, next_q_target, next_actions, terminals, gamma: float):
    """One-step Sarsa (Sec. 4): y = r for terminal s', else r + gamma Q(s', a'; theta^-) with a'
    the action taken in s'. next_actions [n] int."""
    not_done = 1.0 - tf.cast(terminals, tf.float32)
    q_next = tf.gather(next_q_target, tf.convert_to_tensor(next_actions, tf.int32), axis=1, batch_dims=1)
    return tf.cast(rewards, tf.float32) + gamma * not_done * q_next


def q_loss(q, actions, targets):
    """Algorithms 1 and S2: sum_i (y_i - Q(s_i, a_i; theta'))^2, targets held constant."""
    q_a = tf.gather(q, tf.convert_to_tensor(actions, tf.int32), axis=1, batch_dims=1)
    return tf.reduce_sum(tf.square(tf.stop_gradient(tf.cast(targets, tf.float32)) - q_a))


def rmsprop_update(g, grad, lr, alpha: float, epsilon: float):
    """Shared RMSProp (Mnih 2016, Sec. 4 "Optimization"), one parameter tensor:
        g <- alpha g + (1 - alpha) grad^2 ;  theta <- theta - lr grad / sqrt(g + epsilon).
    Returns (new_g, step) with theta_new = theta - step."""
    g = alpha * g + (1.0 - alpha) * tf.square(grad)
    return g, lr * grad / tf.sqrt(g + epsilon)


def linear_anneal(start: float, end: float, t, horizon: float):
    """start at t = 0, moving linearly to end at t = horizon, then constant (lr, epsilon)."""
    frac = min(max(float(t) / float(horizon), 0.0), 1.0) if horizon > 0 else 1.0
    return start + frac * (end - start)
